#!/usr/bin/env node
// `npm test`: every test of the project, Rust and TypeScript, with one summary.
//
//   npm test                     cargo tests of pqwire-core and pqwire-mls, then the vitest suites (after
//                                compiling ts/dist, which some of them load)
//   npm test -- --rust-only      only the cargo tests
//   npm test -- --js-only        only the vitest suites
//   npm test -- <vitest args>    other arguments go to vitest (e.g. a file filter)
//
// Rust tests build with the optimized "ci" profile (PQWIRE_BUILD_PROFILE overrides it):
// the official vectors run far too slowly unoptimized. The build is read from cargo's JSON
// messages (docs in rustTests below); vitest's results from its JSON report. The last line printed is
// `N passed, N failed` with the totals of both runners; the exit code is non-zero on
// any failure.
//
// Another machine's binaries (scripts/test-arm64.sh runs them under qemu-user):
//   PQWIRE_TEST_TARGET=<triple>   cargo tests built for that target and run directly (the
//                                 kernel hands them to qemu); no doc tests (rustdoc does not
//                                 cross-compile them)
//   PQWIRE_TEST_NODE=<path>       the node binary that runs vitest
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const rustOnly = args.includes('--rust-only');
const jsOnly = args.includes('--js-only');
const vitestArgs = args.filter((a) => a !== '--rust-only' && a !== '--js-only');
const profile = process.env.PQWIRE_BUILD_PROFILE || 'ci';
const crossTarget = process.env.PQWIRE_TEST_TARGET || null;
const testNode = process.env.PQWIRE_TEST_NODE || process.execPath;

/**
 * Runs a command, echoing its output once it ends, and returns its exit status and output.
 * Both of its streams are echoed on stdout: written to a pipe (CI's `2>&1 | tee`), what
 * does not fit at once is queued per stream, and two queues would flush in any order, so
 * the summary would not always be the last line.
 */
function run(cmd, cmdArgs, { cwd = root, echoStdout = true } = {}) {
  process.stdout.write(`\n$ ${cmd} ${cmdArgs.join(' ')}\n`);
  const r = spawnSync(cmd, cmdArgs, {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    shell: process.platform === 'win32',
  });
  if (echoStdout) process.stdout.write(r.stdout || '');
  process.stdout.write(r.stderr || '');
  return { status: r.status ?? 1, stdout: r.stdout || '', output: `${r.stdout || ''}\n${r.stderr || ''}` };
}

function hostTriple() {
  const r = spawnSync('rustc', ['-vV'], { encoding: 'utf8' });
  const m = /^host: (\S+)$/m.exec(r.stdout || '');
  return m ? m[1] : null;
}

/** cargo's JSON messages (one object a line on stdout), skipping anything else. */
function cargoMessages(stdout) {
  const out = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      out.push(JSON.parse(line));
    } catch {
      // not a message
    }
  }
  return out;
}

/** libtest's summary line, printed once by every test binary that ran to its end. */
const SUMMARY = /^test result: (?:ok|FAILED)\. (\d+) passed; (\d+) failed; (\d+) ignored;/m;

/** One libtest run (a test binary, or the doc tests): its counts, or one failure if it stopped early. */
function suite(name, r) {
  const m = SUMMARY.exec(r.output);
  if (!m) {
    console.log(`${name}: ended (status ${r.status}) without libtest's summary: counted as one failure`);
    return { passed: 0, failed: 1, ignored: 0 };
  }
  const counts = { passed: Number(m[1]), failed: Number(m[2]), ignored: Number(m[3]) };
  if (r.status !== 0 && counts.failed === 0) counts.failed = 1;
  return counts;
}

/**
 * The cargo tests of pqwire-core and pqwire-mls: the build through cargo's JSON messages (whether it
 * succeeded, and which test binaries it made), each binary run here, then the doc tests.
 * Every binary must end with libtest's summary; one that crashes counts as a failure.
 */
function rustTests() {
  // Same --target as the addon build, so both share one set of compiled dependencies.
  const triple = crossTarget || hostTriple();
  const cargoArgs = ['-p', 'pqwire-core', '-p', 'pqwire-mls', '--profile', profile, ...(triple ? ['--target', triple] : [])];
  const result = { name: 'Rust (cargo test)', passed: 0, failed: 0, skipped: 0 };
  const add = (c) => {
    result.passed += c.passed;
    result.failed += c.failed;
    result.skipped += c.ignored;
  };

  // The compiler's diagnostics are rendered on stderr; stdout holds only JSON messages.
  const build = run('cargo', ['test', ...cargoArgs, '--no-run', '--message-format=json-render-diagnostics'], { echoStdout: false });
  const messages = cargoMessages(build.stdout);
  const finished = messages.find((m) => m.reason === 'build-finished');
  if (build.status !== 0 || !finished || !finished.success) {
    console.log('the Rust tests did not build: counted as one failure');
    return { ...result, failed: 1 };
  }
  const binaries = messages.filter((m) => m.reason === 'compiler-artifact' && m.profile.test && m.executable);
  if (binaries.length === 0) {
    console.log('cargo built no test binary: counted as one failure');
    return { ...result, failed: 1 };
  }
  for (const m of binaries) {
    // Run as cargo runs them: from the package's directory.
    const name = `${m.target.kind.join(',')} ${m.target.name}`;
    add(suite(name, run(m.executable, ['--color', 'never', '--nocapture'], { cwd: path.dirname(m.manifest_path) })));
  }
  if (!crossTarget) add(suite('doc tests', run('cargo', ['test', ...cargoArgs, '--doc', '--', '--color', 'never'])));
  return result;
}

/**
 * Compiles ts/dist, which the package-entry tests load the way users do, with the
 * package's own `build:ts` script (tsc, then scripts/lazy-entry.js), so the steps live in
 * one place.
 */
function buildTypeScript() {
  return run('npm', ['run', '--silent', 'build:ts']).status === 0;
}

function jsTests() {
  if (!buildTypeScript()) return { name: 'TypeScript (build of ts/dist)', passed: 0, failed: 1, skipped: 0 };
  const report = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pqwire-vitest-')), 'report.json');
  const vitestPkg = require.resolve('vitest/package.json', { paths: [root] });
  const vitest = path.join(path.dirname(vitestPkg), require(vitestPkg).bin.vitest);
  const r = run(testNode, [vitest, 'run', '--reporter=default', '--reporter=json', `--outputFile=${report}`, ...vitestArgs]);
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  try {
    const json = JSON.parse(fs.readFileSync(report, 'utf8'));
    passed = json.numPassedTests;
    failed = json.numFailedTests;
    skipped = json.numPendingTests + json.numTodoTests;
    // Suites that fail to load have no tests but are failures.
    failed += (json.testResults || []).filter((s) => s.status === 'failed' && s.assertionResults.length === 0).length;
  } catch {
    failed = 1;
  }
  if (r.status !== 0 && failed === 0) failed = 1;
  return { name: 'TypeScript (vitest)', passed, failed, skipped };
}

const results = [];
if (!jsOnly) results.push(rustTests());
if (!rustOnly) results.push(jsTests());

console.log('\nSummary');
for (const r of results) {
  console.log(`  ${r.name}: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped`);
}
const passed = results.reduce((n, r) => n + r.passed, 0);
const failed = results.reduce((n, r) => n + r.failed, 0);
console.log(`${passed} passed, ${failed} failed`);
// Not process.exit(): writes to a pipe (CI's `| tee`) that did not fit in the pipe at once
// are still queued, and exiting now would cut them off, the summary line included.
process.exitCode = failed === 0 ? 0 : 1;
