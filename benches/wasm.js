#!/usr/bin/env node
// `npm run bench:wasm`: pqwire's WebAssembly build against its native addon and
// @noble/post-quantum (pure JavaScript), in Node, in one run (docs/wasm.md, "Speed").
//
// ML-KEM-768 keygen / encapsulate / decapsulate, ML-DSA-65 sign / verify (1 KiB message)
// and X-Wing keygen / encapsulate / decapsulate, each through the public API
// (pqwire's facade, noble's objects). Each library runs in a child process of its own
// (the facade loads one addon per process: native, or WebAssembly with
// NAPI_RS_FORCE_WASI=error), one after another, and the rounds are interleaved: every
// library runs round 1 of every operation, then round 2, ..., so that a drift of the
// machine hits all of them alike. A figure is the median of the rounds' operations per
// second.
//
//   npm run bench:wasm                 5 rounds of about 0.4 s per operation and library
//   npm run bench:wasm -- --quick      3 rounds of about 0.15 s
//   npm run bench:wasm -- --no-build   use the existing npm/wasm32-wasi build
//
// The WebAssembly build is made first (scripts/build-wasm.js --link) unless --no-build.
// Prints a table with ratios and, with --json FILE, writes the figures and the machine.
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const ROUNDS = quick ? 3 : 5;
const ROUND_MS = quick ? 150 : 400;
const WARMUP_MS = 100;

const OPS = [
  'ML-KEM-768 keygen',
  'ML-KEM-768 encapsulate',
  'ML-KEM-768 decapsulate',
  'ML-DSA-65 sign (1 KiB)',
  'ML-DSA-65 verify (1 KiB)',
  'X-Wing keygen',
  'X-Wing encapsulate',
  'X-Wing decapsulate',
];

/** The operations of one library, each a function to time, made with inputs ready. */
async function operations(lib) {
  const msg = new Uint8Array(1024).fill(7);
  if (lib === 'noble') {
    const { ml_kem768 } = await import('@noble/post-quantum/ml-kem.js');
    const { ml_dsa65 } = await import('@noble/post-quantum/ml-dsa.js');
    const { ml_kem768_x25519 } = await import('@noble/post-quantum/hybrid.js');
    const k = ml_kem768.keygen();
    const kc = ml_kem768.encapsulate(k.publicKey);
    const d = ml_dsa65.keygen();
    const sg = ml_dsa65.sign(msg, d.secretKey);
    const x = ml_kem768_x25519.keygen();
    const xc = ml_kem768_x25519.encapsulate(x.publicKey);
    return [
      () => ml_kem768.keygen(),
      () => ml_kem768.encapsulate(k.publicKey),
      () => ml_kem768.decapsulate(kc.cipherText, k.secretKey),
      () => ml_dsa65.sign(msg, d.secretKey),
      () => ml_dsa65.verify(sg, msg, d.publicKey),
      () => ml_kem768_x25519.keygen(),
      () => ml_kem768_x25519.encapsulate(x.publicKey),
      () => ml_kem768_x25519.decapsulate(xc.cipherText, x.secretKey),
    ];
  }
  const pq = require(path.join(root, 'ts', 'dist', 'index.js'));
  const target = require(path.join(root, 'native', 'index.js')).__napiBindingTarget;
  const want = lib === 'wasm' ? 'wasm32-wasi' : 'native';
  // The facade requires a native binary directly, without the loader's marker.
  if (lib === 'wasm' && target !== want) throw new Error(`expected the WebAssembly build, the loader has ${target}`);
  const { mlKem768, mlDsa65, xWing } = pq;
  const k = mlKem768.keygen();
  const kc = mlKem768.encapsulate(k.publicKey);
  const d = mlDsa65.keygen();
  const sg = mlDsa65.sign(msg, d.secretKey);
  const x = xWing.keygen();
  const xc = xWing.encapsulate(x.publicKey);
  return [
    () => mlKem768.keygen(),
    () => mlKem768.encapsulate(k.publicKey),
    () => mlKem768.decapsulate(kc.cipherText, k.secretKey),
    () => mlDsa65.sign(msg, d.secretKey),
    () => mlDsa65.verify(sg, msg, d.publicKey),
    () => xWing.keygen(),
    () => xWing.encapsulate(x.publicKey),
    () => xWing.decapsulate(xc.cipherText, x.secretKey),
  ];
}

/** Operations per second of `fn` over about `ms` milliseconds (after a short warm-up). */
function measure(fn, ms) {
  for (let i = 0; i < 5; i++) fn();
  let n = 0;
  let batch = 1;
  const start = process.hrtime.bigint();
  const budget = BigInt(ms) * 1_000_000n;
  let elapsed = 0n;
  while (elapsed < budget) {
    for (let i = 0; i < batch; i++) fn();
    n += batch;
    batch = Math.min(batch * 2, 64);
    elapsed = process.hrtime.bigint() - start;
  }
  return (n * 1e9) / Number(elapsed);
}

/** Child: one round of every operation of `lib`, as JSON on stdout. */
async function child(lib, round, roundMs) {
  const ops = await operations(lib);
  // Warm-up: V8 compiles WebAssembly with a baseline compiler first and optimizes hot
  // functions in the background, so the first operation timed would otherwise pay it.
  for (const fn of ops) measure(fn, WARMUP_MS);
  const out = ops.map((fn) => measure(fn, roundMs));
  process.stdout.write(JSON.stringify({ lib, round, opsPerSecond: out }));
}

const LIBS = [
  { id: 'native', label: 'pqwire native addon', env: {} },
  { id: 'wasm', label: 'pqwire WebAssembly', env: { NAPI_RS_FORCE_WASI: 'error' } },
  { id: 'noble', label: '@noble/post-quantum 0.7.1', env: {} },
];

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/**
 * Runs the rounds (children interleaved) and returns the medians: the figures `npm run
 * bench` reports in its WebAssembly section and `npm run bench:wasm` prints alone.
 * The WebAssembly package must be built (scripts/build-wasm.js) and ts/dist compiled.
 */
function wasmVsNative({ rounds = ROUNDS, roundMs = ROUND_MS, log = () => {} } = {}) {
  const figures = Object.fromEntries(LIBS.map((l) => [l.id, OPS.map(() => [])]));
  for (let round = 1; round <= rounds; round++) {
    for (const lib of LIBS) {
      const r = spawnSync(process.execPath, ['--no-warnings', __filename, '--child', lib.id, String(round), String(roundMs)], {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, ...lib.env },
      });
      if (r.status !== 0) {
        process.stderr.write(r.stderr);
        throw new Error(`${lib.label}: round ${round} failed`);
      }
      JSON.parse(r.stdout).opsPerSecond.forEach((v, i) => figures[lib.id][i].push(v));
    }
    log(`round ${round}/${rounds} done`);
  }
  const medians = Object.fromEntries(LIBS.map((l) => [l.id, figures[l.id].map(median)]));
  const cpu = (os.cpus()[0] || {}).model || 'unknown CPU';
  return { cpu, cores: os.cpus().length, node: process.version, rounds, roundMs, operations: OPS, medians, all: figures };
}

const fmt = (x) => Math.round(x).toLocaleString('en-US');

/** The table rows: operation, the three figures and the two ratios. */
function rows(data) {
  const m = data.medians;
  return data.operations.map((op, i) => [op, fmt(m.native[i]), fmt(m.wasm[i]), fmt(m.noble[i]), `${(m.native[i] / m.wasm[i]).toFixed(2)}x`, `${(m.wasm[i] / m.noble[i]).toFixed(2)}x`]);
}

/** The figures as a markdown section (part of `npm run bench`'s report). */
function section(data) {
  const head = ['operation', 'native', 'WebAssembly', 'noble', 'native / wasm', 'wasm / noble'];
  const lines = [
    '## WebAssembly build against the native addon and noble',
    '',
    `ops/s, median of ${data.rounds} interleaved rounds of ~${data.roundMs} ms, one child process per library and round (benches/wasm.js; docs/wasm.md).`,
    '',
    `| ${head.join(' | ')} |`,
    `| --- | ${head.slice(1).map(() => '---:').join(' | ')} |`,
    ...rows(data).map((r) => `| ${r.join(' | ')} |`),
  ];
  return `${lines.join('\n')}\n`;
}

function main() {
  if (!args.includes('--no-build')) {
    const b = spawnSync(process.execPath, [path.join(root, 'scripts', 'build-wasm.js'), '--link'], { cwd: root, stdio: 'inherit' });
    if (b.status !== 0) process.exit(1);
  }
  if (spawnSync('npm', ['run', '--silent', 'build:ts'], { cwd: root, stdio: 'inherit' }).status !== 0) process.exit(1);
  const data = wasmVsNative({ log: (m) => process.stdout.write(`${m}\n`) });
  console.log(`\n${data.cpu}, ${data.cores} cores, Node ${data.node}; median of ${data.rounds} rounds of ~${data.roundMs} ms, ops/s\n`);
  const table = [['operation', 'native', 'wasm', 'noble', 'native/wasm', 'wasm/noble'], ...rows(data)];
  const widths = table[0].map((_, c) => Math.max(...table.map((r) => r[c].length)));
  for (const r of table) console.log(r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));
  const jsonAt = args.indexOf('--json');
  if (jsonAt !== -1 && args[jsonAt + 1]) fs.writeFileSync(args[jsonAt + 1], `${JSON.stringify(data, null, 2)}\n`);
}

if (args[0] === '--child') {
  child(args[1], Number(args[2]), Number(args[3])).catch((e) => {
    process.stderr.write(`${e && e.stack ? e.stack : e}\n`);
    process.exit(1);
  });
} else if (require.main === module) {
  main();
}

module.exports = { wasmVsNative, section };
