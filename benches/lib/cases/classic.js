// Classical cases: X25519 key generation and shared secret, Ed25519 keygen, sign, verify.
'use strict';

const { makeCases, sigOp, same, check } = require('./common');

async function x25519Op(x, op) {
  const a = await x.keygen();
  const b = await x.keygen();
  check(same(await x.sharedSecret(a.secretKey, b.publicKey), await x.sharedSecret(b.secretKey, a.publicKey)), 'shared secrets differ');
  if (op === 'keygen') return () => x.keygen();
  return () => x.sharedSecret(a.secretKey, b.publicKey);
}

function cases(libs) {
  return [
    ...makeCases({ family: 'X25519 and Ed25519', suites: ['X25519'], ops: ['keygen', 'shared secret'], libs, pick: (api) => api.x25519, build: x25519Op }),
    ...makeCases({
      family: 'X25519 and Ed25519',
      suites: ['Ed25519'],
      ops: ['keygen', 'sign 1 KiB', 'verify 1 KiB'],
      libs,
      pick: (api, suite) => api.sig && api.sig[suite],
      build: sigOp,
    }),
  ];
}

module.exports = { cases };
