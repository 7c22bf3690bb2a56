// Post-quantum and hybrid cases: ML-KEM-512/768/1024, ML-DSA-44/65/87, X-Wing and the other
// X25519 + ML-KEM hybrids, Ed25519 + ML-DSA hybrid signatures.
'use strict';

const { makeCases, kemOp, sigOp, KEM_OPS, SIG_OPS } = require('./common');

const kem = (api, suite) => api.kem && api.kem[suite];
const sig = (api, suite) => api.sig && api.sig[suite];

function cases(libs) {
  return [
    ...makeCases({ family: 'ML-KEM', suites: ['ML-KEM-512', 'ML-KEM-768', 'ML-KEM-1024'], ops: KEM_OPS, libs, pick: kem, build: kemOp }),
    ...makeCases({ family: 'ML-DSA', suites: ['ML-DSA-44', 'ML-DSA-65', 'ML-DSA-87'], ops: SIG_OPS, libs, pick: sig, build: sigOp }),
    ...makeCases({
      family: 'Hybrid KEM',
      suites: ['X25519+ML-KEM-768', 'X25519+ML-KEM-512', 'X25519+ML-KEM-1024'],
      ops: KEM_OPS,
      libs,
      pick: kem,
      build: kemOp,
      aliases: { 'X25519+ML-KEM-768': 'X-Wing' },
    }),
    ...makeCases({ family: 'Hybrid signature', suites: ['Ed25519+ML-DSA-65', 'Ed25519+ML-DSA-87'], ops: SIG_OPS, libs, pick: sig, build: sigOp }),
  ];
}

module.exports = { cases };
