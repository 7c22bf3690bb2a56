#!/usr/bin/env node
// npm "install" hook: make sure a working native addon exists.
//
// 1. If the generated loader (native/index.js) can load a binary for this platform
//    (a prebuilt `pqwire-<platform>` package or a local native/pqwire.<platform>.node), stop.
// 2. Otherwise build it from source with cargo: through the napi-rs CLI when it is
//    installed (development checkouts), or with plain cargo plus a copy step otherwise.
// 3. If the Rust toolchain is missing, explain what to install and fail.
//
// Flags / environment:
//   --force                       rebuild even if a binary loads
//   PQWIRE_BUILD_PROFILE=<name>   cargo profile (default "release"; CI uses "ci")
//   PQWIRE_SKIP_NATIVE_BUILD=1    do nothing (packagers who provide the binary themselves)
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const nativeDir = path.join(root, 'native');
const PLATFORMS_DOC = 'https://github.com/pqwire/pqwire/blob/main/docs/platforms.md';
const WASM_DOC = 'https://github.com/pqwire/pqwire/blob/main/docs/wasm.md';
const force = process.argv.includes('--force');
const profile = process.env.PQWIRE_BUILD_PROFILE || 'release';

function log(msg) {
  process.stderr.write(`pqwire: ${msg}\n`);
}

/** Whether the addon loads (in a child process, so a half-loaded addon cannot poison this one), and why not. */
function tryLoad() {
  const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(nativeDir)}).kemSuiteNames()`], {
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return { ok: r.status === 0, error: r.stderr || '' };
}

function binaryLoads() {
  return tryLoad().ok;
}

function has(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'ignore', shell: process.platform === 'win32' });
  return r.status === 0;
}

function run(cmd, args) {
  log(`${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.status !== 0) {
    log(`build failed (${cmd} exited with ${r.status ?? r.signal}).`);
    process.exit(1);
  }
}

/** The `platformArchABI` suffix the napi-rs loader looks for. */
function platformSuffix() {
  const { platform, arch } = process;
  if (platform === 'linux') {
    const report = process.report && process.report.getReport();
    const glibc = report && report.header && report.header.glibcVersionRuntime;
    const abi = glibc ? 'gnu' : 'musl';
    if (arch === 'arm') return `linux-arm-${abi}eabihf`;
    return `linux-${arch}-${abi}`;
  }
  if (platform === 'win32') return `win32-${arch}-msvc`;
  if (platform === 'android') return arch === 'arm' ? 'android-arm-eabi' : `android-${arch}`;
  return `${platform}-${arch}`;
}

/**
 * The addon cargo built, read from its machine-readable messages (one JSON object a line):
 * the `compiler-artifact` of pqwire-node's cdylib. Its place depends on the profile,
 * `--target` (or CARGO_BUILD_TARGET) and CARGO_TARGET_DIR, which cargo alone knows.
 */
function cdylibFrom(messages) {
  for (const line of messages.split('\n')) {
    if (!line.startsWith('{')) continue;
    let m;
    try {
      m = JSON.parse(line);
    } catch {
      continue;
    }
    if (m.reason !== 'compiler-artifact' || m.target.name !== 'pqwire_node' || !m.target.kind.includes('cdylib')) continue;
    const file = m.filenames.find((f) => /\.(so|dylib|dll)$/.test(f));
    if (file) return file;
  }
  return null;
}

function buildWithNapiCli(cli) {
  run(process.execPath, [
    cli,
    'build',
    '--platform',
    '--profile',
    profile,
    '--package',
    'pqwire-node',
    '--manifest-path',
    'crates/pqwire-node/Cargo.toml',
    '--package-json-path',
    'package.json',
    '--output-dir',
    'native',
    '--no-js',
    '--dts',
    '../target/napi-install.d.ts',
  ]);
}

function buildWithCargo() {
  const args = ['build', '--profile', profile, '-p', 'pqwire-node', '--locked', '--message-format=json-render-diagnostics'];
  log(`cargo ${args.join(' ')}`);
  // Messages on stdout (kept), the compiler's rendered diagnostics and progress on stderr (shown).
  const r = spawnSync('cargo', args, {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    shell: process.platform === 'win32',
  });
  if (r.status !== 0) {
    log(`build failed (cargo exited with ${r.status ?? r.signal}).`);
    process.exit(1);
  }
  const artifact = cdylibFrom(r.stdout || '');
  if (!artifact) {
    log('cargo succeeded but reported no pqwire_node library; please report this.');
    process.exit(1);
  }
  const target = path.join(nativeDir, `pqwire.${platformSuffix()}.node`);
  fs.copyFileSync(artifact, target);
  log(`built ${path.relative(root, target)}`);
}

/**
 * Why no prebuilt binary loaded, for the install error: the platform package is installed
 * but fails to load (its error shown), or it is not installed though this copy of pqwire
 * lists it (the published package lists every prebuilt as an optional dependency, written
 * by the release), or this copy lists none for the platform (a checkout, a git install, or a
 * platform without one).
 */
function prebuiltAdvice(loadError) {
  const name = `pqwire-${platformSuffix()}`;
  let installed = false;
  try {
    require.resolve(`${name}/package.json`, { paths: [root] });
    installed = true;
  } catch {
    installed = false;
  }
  if (installed) {
    const reason = loadError.split('\n').find((l) => /Error|error:/.test(l)) || loadError.split('\n')[0] || 'unknown error';
    return [`  The prebuilt package ${name} is installed but did not load: ${reason.trim()}`];
  }
  const optional = require(path.join(root, 'package.json')).optionalDependencies || {};
  if (!(name in optional)) {
    return [`  This copy of pqwire lists no prebuilt package for this platform (platforms with one: ${PLATFORMS_DOC}).`];
  }
  return [
    `  The prebuilt binary for this machine comes in the optional dependency ${name}, which is not installed:`,
    '    - if your install omits optional dependencies (--omit=optional, --no-optional), install without that flag;',
    '    - if a lock file made on another platform left it out, delete node_modules and the lock file and install again.',
  ];
}

function main() {
  if (process.env.PQWIRE_SKIP_NATIVE_BUILD === '1') return;
  const loaded = force ? { ok: false, error: '' } : tryLoad();
  if (loaded.ok) return;

  if (!has('cargo', ['--version'])) {
    log(
      [
        `no native addon loads for ${process.platform}-${process.arch}, and the Rust toolchain (cargo) was not found.`,
        ...prebuiltAdvice(loaded.error),
        '  Otherwise build pqwire from source. Install:',
        '    - Rust 1.94 or newer: https://rustup.rs (then restart the shell so `cargo` is on PATH)',
        '    - a C compiler (gcc/clang, or MSVC Build Tools on Windows) for AWS-LC and the PQClean backend',
        '  then run `npm rebuild pqwire` (or `npm install` again in a checkout).',
        '  Or use the WebAssembly build, which needs neither (several times slower; no PQClean backend):',
        '    npm install --cpu=wasm32 pqwire',
        '  --cpu applies to the whole install: repeat it with every install of the project, and other',
        `  packages' native binaries for this CPU are left out meanwhile (${WASM_DOC}).`,
      ].join('\n'),
    );
    process.exit(1);
  }

  log(`building the native addon from source (cargo profile "${profile}"); this takes a few minutes...`);
  let cli = null;
  try {
    const pkg = require.resolve('@napi-rs/cli/package.json', { paths: [root] });
    cli = path.join(path.dirname(pkg), require(pkg).bin.napi);
  } catch {
    cli = null;
  }
  if (cli) buildWithNapiCli(cli);
  else buildWithCargo();

  if (!binaryLoads()) {
    log('the addon was built but does not load; please report this with `node -p process.versions`.');
    process.exit(1);
  }
}

if (require.main === module) main();

module.exports = { cdylibFrom };
