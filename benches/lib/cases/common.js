// Shared case builders. A case is one operation measured across every library offering it:
//
//   { id, family, suite, op, rustId, aliases, libs, build(api) -> Promise<fn> }
//
// `build` gets a library's adapter, prepares inputs with that library's own keys, checks
// once that the operation round-trips (so a broken adapter cannot report a fast no-op),
// and returns the function to time. `rustId` names the criterion benchmark of the same
// operation in crates/pqwire-core/benches/primitives.rs.
'use strict';

const crypto = require('node:crypto');

/** The 1 KiB message every signature case signs. */
const MESSAGE = new Uint8Array(crypto.randomBytes(1024));

function same(a, b) {
  return Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
}

function check(ok, what) {
  if (!ok) throw new Error(`self-check failed: ${what}`);
}

/** One case per (suite, op) over the libraries whose adapter has `pick(api)`. */
function makeCases({ family, suites, ops, libs, pick, build, aliases = {} }) {
  const out = [];
  for (const suite of suites) {
    for (const op of ops) {
      // An adapter may offer only some operations of a suite (`only: [op, ...]`).
      const offering = libs.filter((l) => {
        const x = l.loaded && pick(l.api, suite);
        return x && (!x.only || x.only.includes(op));
      });
      out.push({
        id: `${suite} ${op}`,
        family,
        suite,
        op,
        rustId: `${suite}/${op}`,
        aliases: aliases[suite] || '',
        libs: offering,
        build: (api) => build(pick(api, suite), op),
      });
    }
  }
  return out;
}

/** KEM keygen / encapsulate / decapsulate. */
async function kemOp(k, op) {
  const keys = await k.keygen();
  const enc = await k.encapsulate(keys.publicKey);
  check(same(await k.decapsulate(enc.cipherText, keys.secretKey), enc.sharedSecret), 'decapsulated secret differs');
  if (op === 'keygen') return () => k.keygen();
  if (op === 'encapsulate') return () => k.encapsulate(keys.publicKey);
  return () => k.decapsulate(enc.cipherText, keys.secretKey);
}

/** Signature keygen / sign 1 KiB / verify 1 KiB. */
async function sigOp(s, op) {
  const keys = await s.keygen();
  const signature = await s.sign(MESSAGE, keys.secretKey);
  check((await s.verify(signature, MESSAGE, keys.publicKey)) === true, 'signature does not verify');
  if (op === 'keygen') return () => s.keygen();
  if (op === 'sign 1 KiB') return () => s.sign(MESSAGE, keys.secretKey);
  return () => s.verify(signature, MESSAGE, keys.publicKey);
}

const KEM_OPS = ['keygen', 'encapsulate', 'decapsulate'];
const SIG_OPS = ['keygen', 'sign 1 KiB', 'verify 1 KiB'];

module.exports = { makeCases, kemOp, sigOp, same, check, KEM_OPS, SIG_OPS, MESSAGE };
