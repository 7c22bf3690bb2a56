// Cold start: a fresh `node` per library, timed from spawn to exit (process start, loading
// the library, the first ML-KEM-768 key generation, exit), repeated in interleaved rounds.
// The child also reports, from its own clock, how long loading and the first operation took.
'use strict';

const { spawnSync } = require('node:child_process');
const { stats } = require('./measure');
const { ROOT, BENCHES } = require('./peers');

/** How each library is loaded and does its first ML-KEM-768 operation, as a user would. */
const PROGRAMS = {
  'node (empty script)': { load: '', first: '' },
  pqwire: {
    load: `const pq = require(${JSON.stringify(ROOT)});`,
    first: 'pq.mlKem768.keygen();',
  },
  '@noble/post-quantum': {
    load: "const { ml_kem768 } = await import('@noble/post-quantum/ml-kem.js');",
    first: 'ml_kem768.keygen();',
  },
  mlkem: {
    load: "const { createMlKem768 } = require('mlkem');",
    first: '(await createMlKem768()).generateKeyPair();',
  },
  '@oqs/liboqs-js': {
    load: "const { createMLKEM768 } = await import('@oqs/liboqs-js');",
    first: '(await createMLKEM768()).generateKeyPair();',
  },
  pqclean: {
    load: "const { KEM } = require('pqclean');",
    first: "new KEM('ml-kem-768').keypair();",
  },
  'node:crypto': {
    load: "const crypto = require('node:crypto');",
    first: "crypto.generateKeyPairSync('ml-kem-768');",
  },
};

function childScript({ load, first }) {
  return `'use strict';
const { performance } = require('node:perf_hooks');
(async () => {
  const t0 = performance.now();
  ${load}
  const t1 = performance.now();
  ${first}
  const t2 = performance.now();
  process.stdout.write(JSON.stringify({ boot: t0, load: t1 - t0, first: t2 - t1 }));
})().catch((e) => { process.stderr.write(String((e && e.message) || e)); process.exit(1); });`;
}

function spawnOnce(script) {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['-e', script], { cwd: BENCHES, encoding: 'utf8' });
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error((r.stderr || `exit ${r.status}`).trim().split('\n')[0]);
  return { wallMs, ...JSON.parse(r.stdout) };
}

const median = (xs) => stats(xs).median;

/**
 * Runs `repeats` rounds over the libraries in `names` (those that offer ML-KEM-768 here).
 * Returns [{ lib, wallMs, spread, bootMs, loadMs, firstOpMs, runs } | { lib, error }].
 */
function coldStart(names, repeats) {
  const libs = ['node (empty script)', ...names.filter((n) => PROGRAMS[n])];
  const runs = Object.fromEntries(libs.map((l) => [l, []]));
  const errors = {};
  for (let r = 0; r < repeats; r++) {
    for (const lib of libs) {
      if (errors[lib]) continue;
      try {
        runs[lib].push(spawnOnce(childScript(PROGRAMS[lib])));
      } catch (e) {
        errors[lib] = e.message;
      }
    }
  }
  return libs.map((lib) => {
    if (errors[lib]) return { lib, error: errors[lib] };
    const wall = stats(runs[lib].map((x) => x.wallMs));
    return {
      lib,
      wallMs: wall.median,
      spread: wall.spread,
      bootMs: median(runs[lib].map((x) => x.boot)),
      loadMs: median(runs[lib].map((x) => x.load)),
      firstOpMs: median(runs[lib].map((x) => x.first)),
      runs: runs[lib].map((x) => Math.round(x.wallMs * 100) / 100),
    };
  });
}

module.exports = { coldStart };
