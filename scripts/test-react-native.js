#!/usr/bin/env node
/**
 * `npm run test:react-native`: builds and tests everything of the React Native binding
 * that runs on this host (docs/react-native.md, "What is tested here"):
 *   1. the Rust tests of crates/pqwire-ffi (the C ABI, pure-Rust build);
 *   2. the committed header against cbindgen's output (skipped without cbindgen);
 *   3. the C host test: gcc against the header, run on the built cdylib;
 *   4. the TypeScript adapter and its tests: tsc, then vitest on Node, with the JSI
 *      module's interface implemented over the same cdylib (koffi);
 *   5. the JSI C++ module: compiled against React Native's jsi headers and linked with
 *      jsi.cpp and the library into a shared object with no undefined symbol; the
 *      Android JNI entry compiled (syntax only) against a JDK's jni.h.
 * Not run here: Hermes, an app, the NDK and Xcode builds (the workflow
 * .github/workflows/react-native.yml builds those), the Java and Objective-C++ glue.
 * Cargo uses the `ci` profile and honours CARGO_TARGET_DIR. The last line is
 * `N passed, N failed[, N skipped]`; the exit code is non-zero when anything failed.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const ffi = path.join(root, 'crates', 'pqwire-ffi');
const pkg = path.join(root, 'packages', 'pqwire-react-native');
const target = process.env.CARGO_TARGET_DIR ? path.resolve(process.env.CARGO_TARGET_DIR) : path.join(root, 'target');
const libName = process.platform === 'darwin' ? 'libpqwire_ffi.dylib' : 'libpqwire_ffi.so';
const lib = path.join(target, 'ci', libName);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pqwire-rn-'));

const totals = { passed: 0, failed: 0, skipped: 0 };
const started = Date.now();

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20, ...options });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  return { ok: r.status === 0, out, error: r.error };
}

function step(name, f) {
  const t = Date.now();
  process.stdout.write(`\n== ${name}\n`);
  let result;
  try {
    result = f();
  } catch (e) {
    result = { passed: 0, failed: 1, note: String(e && e.stack ? e.stack : e) };
  }
  totals.passed += result.passed ?? 0;
  totals.failed += result.failed ?? 0;
  totals.skipped += result.skipped ?? 0;
  const counts = `${result.passed ?? 0} passed, ${result.failed ?? 0} failed${result.skipped ? `, ${result.skipped} skipped` : ''}`;
  process.stdout.write(`${result.note ? `${result.note}\n` : ''}-- ${name}: ${counts} (${((Date.now() - t) / 1000).toFixed(1)} s)\n`);
}

/** One check: passed when `r.ok`, else failed with its output shown. */
function single(r) {
  return r.ok ? { passed: 1 } : { failed: 1, note: r.out.slice(-6000) };
}

/** A setup step: counts nothing when it works, one failure when it does not. */
function setup(r) {
  return r.ok ? {} : { failed: 1, note: r.out.slice(-6000) };
}

const cargoEnv = { ...process.env, CARGO_TARGET_DIR: target };

step('Rust tests of pqwire-ffi (pure-Rust build)', () => {
  const r = run('cargo', ['test', '-p', 'pqwire-ffi', '--profile', 'ci', '--no-fail-fast'], { env: cargoEnv });
  let passed = 0;
  let failed = 0;
  for (const m of r.out.matchAll(/test result: \w+\. (\d+) passed; (\d+) failed/g)) {
    passed += Number(m[1]);
    failed += Number(m[2]);
  }
  if (!r.ok && failed === 0) failed = 1;
  return { passed, failed, note: r.ok ? undefined : r.out.slice(-6000) };
});

step('build the cdylib', () => {
  const r = run('cargo', ['build', '-p', 'pqwire-ffi', '--profile', 'ci'], { env: cargoEnv });
  if (r.ok && !fs.existsSync(lib)) return { failed: 1, note: `${lib} not found after the build` };
  return setup(r);
});

step('header is cbindgen’s output', () => {
  const probe = run('cbindgen', ['--version']);
  if (!probe.ok) return { skipped: 1, note: 'cbindgen is not installed (cargo install cbindgen --locked): check skipped' };
  const out = path.join(work, 'pqwire.h');
  const r = run('cbindgen', ['--config', 'cbindgen.toml', '--crate', 'pqwire-ffi', '--output', out, '--quiet'], { cwd: ffi });
  if (!r.ok) return single(r);
  const same = fs.readFileSync(out, 'utf8') === fs.readFileSync(path.join(ffi, 'include', 'pqwire.h'), 'utf8');
  return same ? { passed: 1 } : { failed: 1, note: 'include/pqwire.h differs from cbindgen’s output: regenerate it (see cbindgen.toml)' };
});

step('C host test (gcc, the cdylib)', () => {
  const exe = path.join(work, 'host_test');
  const cc = run(process.env.CC || 'cc', [
    '-std=c11', '-Wall', '-Wextra', '-Werror', '-I', path.join(ffi, 'include'),
    path.join(ffi, 'tests', 'c', 'host_test.c'), '-L', path.dirname(lib), '-lpqwire_ffi', '-o', exe,
  ]);
  if (!cc.ok) return single(cc);
  const r = run(exe, [], { env: { ...process.env, LD_LIBRARY_PATH: path.dirname(lib), DYLD_LIBRARY_PATH: path.dirname(lib) } });
  process.stdout.write(r.out);
  const m = /(\d+) passed, (\d+) failed\s*$/.exec(r.out);
  if (!m) return { failed: 1 };
  return { passed: Number(m[1]), failed: Number(m[2]) + (r.ok ? 0 : Number(m[2]) === 0 ? 1 : 0) };
});

step('install the package’s dev dependencies (npm ci)', () => {
  if (fs.existsSync(path.join(pkg, 'node_modules', 'koffi')) && fs.existsSync(path.join(pkg, 'node_modules', 'react-native'))) {
    return { note: 'already installed' };
  }
  return setup(run('npm', ['ci', '--no-audit', '--no-fund'], { cwd: pkg }));
});

step('TypeScript: tsc of the adapter and of its tests', () => {
  const tsc = path.join(root, 'node_modules', '.bin', 'tsc');
  const a = run(tsc, ['-p', '.', '--noEmit'], { cwd: pkg });
  const b = run(tsc, ['-p', 'test', '--noEmit'], { cwd: pkg });
  return {
    passed: Number(a.ok) + Number(b.ok),
    failed: Number(!a.ok) + Number(!b.ok),
    note: [a, b].filter((x) => !x.ok).map((x) => x.out).join('\n') || undefined,
  };
});

step('TypeScript adapter on Node (vitest; the shared API cases)', () => {
  const report = path.join(work, 'vitest.json');
  const vitest = path.join(root, 'node_modules', '.bin', 'vitest');
  const r = run(vitest, ['run', '--config', 'vitest.config.mts', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`], {
    cwd: pkg,
    env: { ...process.env, PQWIRE_FFI_LIB: lib },
  });
  process.stdout.write(r.out.split('\n').filter((l) => /✓|✗|×|FAIL|Tests|Error/.test(l)).join('\n') + '\n');
  if (!fs.existsSync(report)) return { failed: 1, note: r.out.slice(-6000) };
  const j = JSON.parse(fs.readFileSync(report, 'utf8'));
  const failed = j.numFailedTests + (r.ok || j.numFailedTests > 0 ? 0 : 1);
  return { passed: j.numPassedTests, failed, skipped: j.numPendingTests + j.numTodoTests, note: r.ok ? undefined : r.out.slice(-6000) };
});

step('JSI C++ module: compiled against React Native’s jsi.h and linked with the library', () => {
  const jsi = path.join(pkg, 'node_modules', 'react-native', 'ReactCommon', 'jsi');
  if (!fs.existsSync(path.join(jsi, 'jsi', 'jsi.h'))) return { failed: 1, note: `${jsi}/jsi/jsi.h not found` };
  const so = path.join(work, 'libpqwire_jsi_check.so');
  return single(
    run(process.env.CXX || 'c++', [
      '-std=c++20', '-Wall', '-Wextra', '-Werror', '-fPIC', '-shared', '-Wl,--no-undefined',
      '-I', jsi, '-I', path.join(ffi, 'include'),
      path.join(pkg, 'cpp', 'PqwireHostObject.cpp'), path.join(jsi, 'jsi', 'jsi.cpp'),
      '-L', path.dirname(lib), '-lpqwire_ffi', '-o', so,
    ]),
  );
});

step('Android JNI entry: compiled against jni.h and jsi.h (syntax only)', () => {
  const javaHome = process.env.JAVA_HOME || (fs.existsSync('/usr/lib/jvm') ? fs.readdirSync('/usr/lib/jvm').map((d) => path.join('/usr/lib/jvm', d)).find((d) => fs.existsSync(path.join(d, 'include', 'jni.h'))) : undefined);
  if (!javaHome || !fs.existsSync(path.join(javaHome, 'include', 'jni.h'))) return { skipped: 1, note: 'no JDK (jni.h) found: check skipped' };
  const jsi = path.join(pkg, 'node_modules', 'react-native', 'ReactCommon', 'jsi');
  const platformInclude = path.join(javaHome, 'include', process.platform === 'darwin' ? 'darwin' : 'linux');
  return single(
    run(process.env.CXX || 'c++', [
      '-std=c++20', '-Wall', '-Wextra', '-Werror', '-fsyntax-only',
      '-I', path.join(javaHome, 'include'), '-I', platformInclude, '-I', jsi, '-I', path.join(pkg, 'cpp'), '-I', path.join(ffi, 'include'),
      path.join(pkg, 'android', 'src', 'main', 'cpp', 'cpp-adapter.cpp'),
    ]),
  );
});

fs.rmSync(work, { recursive: true, force: true });
process.stdout.write(`\ntest:react-native took ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
if (totals.skipped) process.stdout.write(`${totals.skipped} skipped\n`);
process.stdout.write(`${totals.passed} passed, ${totals.failed} failed\n`);
process.exit(totals.failed === 0 ? 0 : 1);
