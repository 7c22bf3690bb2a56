// AEAD cases: ChaCha20-Poly1305 and AES-256-GCM, one seal and one open per operation, at
// 64 B, 1 KiB and 64 KiB, no associated data.
'use strict';

const crypto = require('node:crypto');
const { makeCases, same, check } = require('./common');

const SIZES = { '64 B': 64, '1 KiB': 1024, '64 KiB': 65536 };

async function sealOpen(a, op) {
  const key = new Uint8Array(crypto.randomBytes(32));
  const nonce = new Uint8Array(12);
  const plaintext = new Uint8Array(crypto.randomBytes(SIZES[op.replace('seal+open ', '')]));
  check(same(a.open(key, nonce, a.seal(key, nonce, plaintext)), plaintext), 'opened plaintext differs');
  return () => a.open(key, nonce, a.seal(key, nonce, plaintext));
}

function cases(libs) {
  return makeCases({
    family: 'AEAD',
    suites: ['ChaCha20-Poly1305', 'AES-256-GCM'],
    ops: Object.keys(SIZES).map((s) => `seal+open ${s}`),
    libs,
    pick: (api, suite) => api.aead && api.aead[suite],
    build: sealOpen,
  });
}

module.exports = { cases };
