#!/usr/bin/env node
// `npm run build:targets`: builds the prebuilt addon for the targets of package.json's
// `napi.targets`, each into its platform package, npm/<platform>/pqwire.<platform>.node.
// The release workflow's build matrix runs this same script, one target per runner, so how
// a target is built is defined here only (docs/platforms.md).
//
//   npm run build:targets                         every target this host can build
//   npm run build:targets -- --target <triple>    one target (fails if this host cannot)
//   npm run build:targets -- --list               how each target would be built here
//
// How a target is built, by host:
//   - the host's own target: `napi build` with the host toolchain, except on Linux, where
//     glibc targets go through cargo-zigbuild too, pinned to glibc 2.17, so that the binary
//     loads on old distributions whatever glibc built it;
//   - other Linux (gnu and musl) and macOS targets from a Linux or macOS host:
//     `napi build -x` (cargo-zigbuild, zig as C compiler and linker);
//   - Windows MSVC targets: only on Windows (the MSVC libraries cannot be had elsewhere
//     without downloading them from Microsoft, which cargo-xwin does and this project's CI
//     cannot);
//   - Android: only where an Android NDK is installed (ANDROID_NDK_LATEST_HOME or
//     ANDROID_NDK_HOME), which napi's CLI turns into the API 24 clang;
//   - WebAssembly (wasm32-wasip1-threads): scripts/build-wasm.js, on any host (pure Rust).
//
// Environment: PQWIRE_BUILD_PROFILE (default "release"; this repository's CI uses "ci").
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const pkg = require(path.join(root, 'package.json'));
const profile = process.env.PQWIRE_BUILD_PROFILE || 'release';

/** The cross linker, from PyPI (`pip install`), pinned: the same here, in CI and in the workflow. */
const ZIG_TOOLS = ['ziglang==0.17.1', 'cargo-zigbuild==0.24.1'];

/** The glibc every linux-gnu binary is linked against (the oldest it loads on). */
const GLIBC_BASELINE = '2.17';

/** The napi-rs platform name of a Rust target triple: the npm/<platform> directory. */
function platformOf(triple) {
  if (triple.startsWith('wasm32-')) return 'wasm32-wasi';
  const [arch, , os, abi] = parseTriple(triple);
  const cpu = { x86_64: 'x64', aarch64: 'arm64', armv7: 'arm', i686: 'ia32' }[arch] || arch;
  if (os === 'linux' && abi === 'android') return cpu === 'arm' ? 'android-arm-eabi' : `android-${cpu}`;
  if (os === 'linux') return `linux-${cpu}-${abi}`;
  if (os === 'darwin') return `darwin-${cpu}`;
  if (os === 'windows') return `win32-${cpu}-${abi}`;
  throw new Error(`no platform name for ${triple}`);
}

/** [arch, vendor, os, abi] of a triple; `armv7-linux-androideabi` has no vendor. */
function parseTriple(triple) {
  const parts = triple.split('-');
  if (parts.length === 3) parts.splice(1, 0, 'unknown');
  const [arch, vendor, os, abi = ''] = parts;
  return [arch, vendor, os === 'apple' ? 'darwin' : os, abi.replace(/eabi(hf)?$/, '')];
}

function hostTriple() {
  const r = spawnSync('rustc', ['-vV'], { encoding: 'utf8' });
  const m = /^host: (\S+)$/m.exec(r.stdout || '');
  if (!m) throw new Error('rustc not found: install Rust with rustup');
  return m[1];
}

function androidNdk() {
  return process.env.ANDROID_NDK_LATEST_HOME || process.env.ANDROID_NDK_HOME || null;
}

/**
 * How `triple` is built on `host`: { flags, target } for napi's CLI, or { skip } with the
 * reason it cannot be built here.
 */
function planFor(triple, host) {
  // Pure Rust, no C compiler: any host (scripts/build-wasm.js, docs/wasm.md).
  if (triple.startsWith('wasm32-')) return { wasm: true, flags: [], target: triple };
  const [, , os, abi] = parseTriple(triple);
  const hostOs = parseTriple(host)[2];
  if (os === 'linux' && abi === 'android') {
    return androidNdk() ? { flags: [], target: triple } : { skip: 'needs the Android NDK (ANDROID_NDK_LATEST_HOME)' };
  }
  if (os === 'windows') {
    if (hostOs === 'windows') return { flags: [], target: triple };
    return { skip: 'needs the MSVC libraries and a Windows host (built by the workflow on windows-latest)' };
  }
  if (os === 'darwin' && hostOs === 'darwin') return { flags: [], target: triple };
  if (hostOs === 'windows') return { skip: 'cross builds run on Linux and macOS hosts' };
  // Linux (gnu pinned to the glibc baseline, musl) and macOS from Linux: zig links.
  return { flags: ['-x'], target: abi === 'gnu' ? `${triple}.${GLIBC_BASELINE}` : triple };
}

function run(cmd, args, env) {
  process.stderr.write(`$ ${cmd} ${args.join(' ')}\n`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status === 0;
}

function ensureRustTarget(triple) {
  const r = spawnSync('rustup', ['target', 'list', '--installed'], { encoding: 'utf8' });
  if ((r.stdout || '').split('\n').includes(triple)) return true;
  return run('rustup', ['target', 'add', triple]);
}

/** Where ZIG_TOOLS go when they are missing: inside target/, not the system's Python. */
const ZIG_DIR = path.join(root, 'target', 'zig-tools');

/**
 * The environment in which cargo-zigbuild runs, installing it and zig from PyPI into
 * ZIG_DIR when they are missing (pip's --target: Debian's and Homebrew's Python refuse
 * installs into the system, PEP 668). cargo-zigbuild finds zig through `python3 -m
 * ziglang`, hence PYTHONPATH. Null if they cannot be had.
 */
function zigEnv() {
  const local = {
    PATH: `${path.join(ZIG_DIR, 'bin')}${path.delimiter}${process.env.PATH || ''}`,
    PYTHONPATH: [ZIG_DIR, process.env.PYTHONPATH].filter(Boolean).join(path.delimiter),
  };
  const works = (env) => spawnSync('cargo-zigbuild', ['--version'], { stdio: 'ignore', env: { ...process.env, ...env } }).status === 0;
  if (works({})) return {};
  if (works(local)) return local;
  const python = spawnSync('python3', ['--version'], { stdio: 'ignore' }).status === 0 ? 'python3' : 'python';
  if (!run(python, ['-m', 'pip', 'install', '--quiet', '--upgrade', '--target', ZIG_DIR, ...ZIG_TOOLS])) return null;
  return works(local) ? local : null;
}

/**
 * The prebuilt binaries' own cargo target directory: their C compiler (zig), linker and
 * flags differ from the host build's and the cross tests', and sharing a directory made
 * each rebuild the C dependencies of the other.
 */
const TARGET_DIR = path.join(process.env.CARGO_TARGET_DIR || path.join(root, 'target'), 'prebuilt');

/** Builds one target; returns the binary's path, or null. */
function build(triple, plan) {
  if (plan.wasm) {
    fs.rmSync(path.join(root, 'npm', 'wasm32-wasi', 'pqwire.wasm32-wasi.wasm'), { force: true });
    const ok = run(process.execPath, [path.join(root, 'scripts', 'build-wasm.js')], { PQWIRE_BUILD_PROFILE: profile });
    const file = path.join(root, 'npm', 'wasm32-wasi', 'pqwire.wasm32-wasi.wasm');
    return ok && fs.existsSync(file) ? file : null;
  }
  if (!ensureRustTarget(triple)) return null;
  const zig = plan.flags.includes('-x') ? zigEnv() : {};
  if (zig === null) return null;
  const platform = platformOf(triple);
  const outDir = path.join(root, 'npm', platform);
  // No binary from an earlier build may stand in for one that failed.
  fs.rmSync(path.join(outDir, `pqwire.${platform}.node`), { force: true });
  const env = { ...zig, CARGO_TARGET_DIR: TARGET_DIR };
  // A cdylib cannot link the C runtime statically; musl targets default to that.
  if (triple.endsWith('-musl')) {
    env[`CARGO_TARGET_${triple.toUpperCase().replace(/-/g, '_')}_RUSTFLAGS`] = '-C target-feature=-crt-static';
  }
  // The MSVC runtime linked statically: no Visual C++ redistributable needed.
  if (triple.endsWith('-windows-msvc')) {
    env[`CARGO_TARGET_${triple.toUpperCase().replace(/-/g, '_')}_RUSTFLAGS`] = '-C target-feature=+crt-static';
  }
  const cliPkg = require.resolve('@napi-rs/cli/package.json', { paths: [root] });
  const cli = path.join(path.dirname(cliPkg), require(cliPkg).bin.napi);
  const ok = run(
    process.execPath,
    [
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
      '--target',
      plan.target,
      ...plan.flags,
      '--output-dir',
      outDir,
      '--no-js',
      '--dts',
      // napi's CLI joins this to the output directory, absolute or not.
      path.relative(outDir, path.join(root, 'target', `napi-${platform}.d.ts`)),
    ],
    env,
  );
  const file = path.join(outDir, `pqwire.${platform}.node`);
  return ok && fs.existsSync(file) ? file : null;
}

function main() {
  const args = process.argv.slice(2);
  const host = hostTriple();
  const eq = args.find((a) => a.startsWith('--target='));
  const only = eq ? eq.slice('--target='.length) : args.includes('--target') ? args[args.indexOf('--target') + 1] : null;
  if ((eq || args.includes('--target')) && !only) {
    console.error('--target needs a target triple');
    process.exit(2);
  }
  const targets = only ? [only] : pkg.napi.targets;
  if (only && !pkg.napi.targets.includes(only)) {
    console.error(`${only} is not one of package.json's napi.targets`);
    process.exit(2);
  }
  const plans = targets.map((t) => [t, planFor(t, host)]);
  if (args.includes('--list')) {
    const how = (p) => (p.wasm ? 'node scripts/build-wasm.js' : `napi build --target ${p.target} ${p.flags.join(' ')}`.trim());
    for (const [t, p] of plans) console.log(`${t.padEnd(28)} ${p.skip ? `not here: ${p.skip}` : how(p)}`);
    return;
  }
  const results = [];
  for (const [triple, plan] of plans) {
    if (plan.skip) {
      results.push([triple, `skipped: ${plan.skip}`]);
      continue;
    }
    const started = Date.now();
    const file = build(triple, plan);
    const secs = Math.round((Date.now() - started) / 1000);
    results.push([triple, file ? `built ${path.relative(root, file)} (${secs} s)` : 'FAILED']);
  }
  console.log('\nbuild:targets, profile ' + profile + ', host ' + host);
  for (const [t, r] of results) console.log(`  ${t.padEnd(28)} ${r}`);
  const failed = results.filter(([, r]) => r === 'FAILED').length;
  const built = results.filter(([, r]) => r.startsWith('built')).length;
  // For .ci/run's totals: a target built is a pass; one skipped for lack of a toolchain
  // is neither.
  console.log(`build:targets: ${built} passed, ${failed} failed`);
  const skippedOnly = only && results[0][1].startsWith('skipped');
  if (failed > 0 || skippedOnly) process.exit(1);
}

if (require.main === module) main();

module.exports = { platformOf, planFor, GLIBC_BASELINE };
