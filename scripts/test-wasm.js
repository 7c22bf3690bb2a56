#!/usr/bin/env node
// `npm run test:wasm`: the whole vitest suite against the WebAssembly build in Node
// (docs/wasm.md, "What was tested").
//
// 1. Builds it (scripts/build-wasm.js --link: adds the Rust target if missing, writes
//    npm/wasm32-wasi/ and links node_modules/pqwire-wasm32-wasi to it) and ts/dist.
//    `--no-build` skips the wasm build (it must exist).
// 2. Checks in a fresh node that napi-rs's loader, told NAPI_RS_FORCE_WASI=error, loads
//    the WebAssembly build (`__napiBindingTarget` is 'wasm32-wasi') and computes with it.
// 3. Runs vitest with vitest.wasm.config.mts (NAPI_RS_FORCE_WASI=error in the test
//    workers: WebAssembly or an error, never a silent native fallback), skipping only the
//    tests in SKIP below, by name, each with the reason it cannot pass on this build.
// 4. Prints the vitest totals as its last line, `N passed, N failed` (skipped ones are
//    neither), and exits non-zero on any failure.
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const noBuild = args.includes('--no-build');
const vitestArgs = args.filter((a) => a !== '--no-build');

/**
 * The tests that cannot pass on the WebAssembly build, matched against vitest's full test
 * names (describe blocks and test, space-separated) as regular-expression sources. Nothing
 * else is skipped.
 */
const SKIP = [
  // PQClean is C: not in the pure-Rust build (`backend: 'pqclean'` is UNSUPPORTED there,
  // docs/primitives.md, "Cargo features and the pure-Rust build").
  { name: 'PQClean backend', why: 'PQClean (C) is not in the pure-Rust build: UNSUPPORTED' },
  { name: 'through the pqclean backend', why: 'PQClean (C) is not in the pure-Rust build' },
  { name: 'the PQClean backend', why: 'PQClean (C) is not in the pure-Rust build' },
  { name: '\\(PQClean\\): every use after dispose', why: 'PQClean (C) is not in the pure-Rust build' },
  { name: 'async variants reject with the same typed errors', why: 'calls a PQClean suite object among others' },
  { name: 'native suite ids the ids handed out still work', why: 'walks every backend id, PQClean included' },
  // Memory locking: mlock, RLIMIT_CORE, prctl and /proc/self/status's VmLck are Linux
  // system calls a WASI module cannot make; lockMemory() reports false and
  // disableCoreDumps() false, as on other platforms without them.
  { name: 'lockMemory \\(Linux, in child processes\\)', why: 'no mlock/setrlimit/prctl from WASI: lockMemory() is false' },
  { name: 'every key pair is lockable', why: 'no mlock from WASI' },
  { name: 'pqwire keyservice starts with memory locked', why: 'the key service refuses to start without locked memory (MEMORY_NOT_LOCKED)' },
  // Threads and panics.
  { name: 'each kind of batch takes the multi-threaded path', why: 'available_parallelism() is unknown on WASI: batches run on one pool thread, no helpers' },
  { name: 'a panic in a helper thread or in the thread-pool thread', why: 'wasm32 Rust aborts on panic (a trap): catch_unwind cannot catch it there' },
  // The package's loading, which is the native addon's by design.
  { name: 'package entry loads only the entry and the addon on require', why: 'checks the loaded .node file; the WASI loader loads its runtime instead' },
  { name: 'package entry requires the addon directly', why: 'checks the direct require of native/*.node' },
  { name: 'package entry falls back to the napi-rs loader, and its report', why: 'checks the native loader\'s failure report (a WASI build loads instead)' },
  { name: 'loads node:worker_threads only for the slab', why: 'the WASI runtime itself loads node:worker_threads (its thread workers)' },
  // Node's own output.
  { name: 'pqwire inspect renders a valid message and exits 0', why: 'expects an empty stderr; Node prints "ExperimentalWarning: WASI" there' },
];

function log(msg) {
  process.stdout.write(`test-wasm: ${msg}\n`);
}

function run(cmd, cmdArgs, options = {}) {
  log(`$ ${cmd} ${cmdArgs.join(' ')}`);
  return spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32', ...options });
}

function fail(msg) {
  log(msg);
  console.log('0 passed, 1 failed');
  process.exit(1);
}

function main() {
  if (!noBuild && run(process.execPath, [path.join(__dirname, 'build-wasm.js'), '--link']).status !== 0) fail('the WebAssembly build failed');
  if (noBuild && !fs.existsSync(path.join(root, 'npm', 'wasm32-wasi', 'pqwire.wasm32-wasi.wasm'))) fail('no WebAssembly build in npm/wasm32-wasi/ (run without --no-build)');
  if (run('npm', ['run', '--silent', 'build:ts']).status !== 0) fail('the TypeScript build failed');

  const probe = spawnSync(
    process.execPath,
    ['--no-warnings', '-e', `const b = require('./native/index.js'); const pq = require('./ts/dist/index.js');
      const kp = pq.mlKem768.keygen(); const e = pq.mlKem768.encapsulate(kp.publicKey);
      const same = Buffer.from(pq.mlKem768.decapsulate(e.cipherText, kp.secretKey)).equals(e.sharedSecret);
      process.stdout.write(JSON.stringify({ target: b.__napiBindingTarget, same }));`],
    { cwd: root, encoding: 'utf8', env: { ...process.env, NAPI_RS_FORCE_WASI: 'error' } },
  );
  let loaded;
  try {
    loaded = JSON.parse(probe.stdout);
  } catch {
    fail(`the WebAssembly build does not load: ${probe.stderr}`);
  }
  if (loaded.target !== 'wasm32-wasi' || !loaded.same) fail(`expected the wasm32-wasi build to load and round-trip ML-KEM-768, got ${JSON.stringify(loaded)}`);
  log('napi-rs\'s loader loads the wasm32-wasi build (ML-KEM-768 round trip checked)');

  log(`skipping ${SKIP.length} name patterns:`);
  for (const s of SKIP) log(`  /${s.name}/: ${s.why}`);
  const pattern = `^(?!.*(?:${SKIP.map((s) => s.name).join('|')}))`;
  const report = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pqwire-vitest-wasm-')), 'report.json');
  const vitestPkg = require.resolve('vitest/package.json', { paths: [root] });
  const vitest = path.join(path.dirname(vitestPkg), require(vitestPkg).bin.vitest);
  const r = run(process.execPath, [
    vitest, 'run',
    '--config', 'vitest.wasm.config.mts',
    '--reporter=default', '--reporter=json', `--outputFile=${report}`,
    '--testNamePattern', pattern,
    ...vitestArgs,
  ]);
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  try {
    const json = JSON.parse(fs.readFileSync(report, 'utf8'));
    passed = json.numPassedTests;
    failed = json.numFailedTests;
    skipped = json.numPendingTests + json.numTodoTests;
    failed += (json.testResults || []).filter((s) => s.status === 'failed' && s.assertionResults.every((a) => a.status !== 'failed')).length;
  } catch {
    failed = 1;
  }
  if (r.status !== 0 && failed === 0) failed = 1;
  log(`vitest on the WebAssembly build: ${passed} passed, ${failed} failed, ${skipped} skipped (by the list above, and the suite's own skips)`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed === 0 ? 0 : 1;
}

main();
