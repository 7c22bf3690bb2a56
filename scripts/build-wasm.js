#!/usr/bin/env node
// `npm run build:wasm`: the WebAssembly build of the addon (docs/wasm.md).
//
// 1. Adds the Rust target wasm32-wasip1-threads with rustup when it is missing (says so).
// 2. Builds pqwire-node for it with the pure-Rust backends (`--no-default-features
//    --features pure-rust`: libcrux and RustCrypto, no C compiler) through napi-rs's CLI,
//    which links emnapi and writes the loaders for Node (`pqwire.wasi.cjs`) and browsers
//    (`pqwire.wasi-browser.js`) and their thread workers. It writes them into a fresh
//    temporary directory: `--no-js` keeps it from writing a root loader, and the committed
//    native/index.js and native/index.d.ts are never regenerated.
// 3. Copies the platform package's files into npm/wasm32-wasi/ (its package.json and README
//    are committed; what this script writes there is git-ignored), replacing any from an
//    earlier build.
//
// Flags / environment:
//   --link                        also link node_modules/pqwire-wasm32-wasi to npm/wasm32-wasi,
//                                 as an installed package would be, so that the loader
//                                 (native/index.js) finds it (scripts/test-wasm.js does this)
//   PQWIRE_BUILD_PROFILE=<name>   cargo profile (default "ci"; "release" for what ships)
//   CARGO_TARGET_DIR              honoured, as by every cargo build
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const TARGET = 'wasm32-wasip1-threads';
const PACKAGE_DIR = path.join(root, 'npm', 'wasm32-wasi');
const profile = process.env.PQWIRE_BUILD_PROFILE || 'ci';

/** What the platform package ships (its package.json's `files`), all written by napi's CLI. */
const FILES = require(path.join(PACKAGE_DIR, 'package.json')).files;

function log(msg) {
  process.stdout.write(`build-wasm: ${msg}\n`);
}

function run(cmd, args, options = {}) {
  log(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32', ...options });
  if (r.status !== 0) {
    log(`failed: ${cmd} exited with ${r.status ?? r.signal}`);
    process.exit(1);
  }
}

function ensureTarget() {
  const r = spawnSync('rustup', ['target', 'list', '--installed'], { encoding: 'utf8' });
  if (r.status !== 0) {
    log('rustup was not found: install the Rust toolchain with rustup (https://rustup.rs), or add the target wasm32-wasip1-threads to yours');
    process.exit(1);
  }
  if (r.stdout.split('\n').includes(TARGET)) return;
  log(`the Rust target ${TARGET} is missing: installing it`);
  run('rustup', ['target', 'add', TARGET]);
}

/** Links node_modules/pqwire-wasm32-wasi to the package directory (a symlink, as `npm link` makes). */
function linkPackage() {
  const link = path.join(root, 'node_modules', 'pqwire-wasm32-wasi');
  const want = path.relative(path.dirname(link), PACKAGE_DIR);
  let current;
  try {
    current = fs.readlinkSync(link);
  } catch {
    current = undefined;
  }
  if (current === want) return;
  fs.rmSync(link, { recursive: true, force: true });
  fs.symlinkSync(want, link, 'junction');
  log(`linked node_modules/pqwire-wasm32-wasi -> ${want}`);
}

function main() {
  ensureTarget();
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'pqwire-wasm-'));
  try {
    const cli = require.resolve('@napi-rs/cli/package.json', { paths: [root] });
    const napi = path.join(path.dirname(cli), require(cli).bin.napi);
    run(process.execPath, [
      napi, 'build',
      '--platform',
      '--target', TARGET,
      '--profile', profile,
      '--package', 'pqwire-node',
      '--manifest-path', 'crates/pqwire-node/Cargo.toml',
      '--package-json-path', 'package.json',
      '--no-default-features',
      '--features', 'pure-rust',
      '--no-js',
      '--output-dir', out,
    ]);
    const missing = FILES.filter((f) => !fs.existsSync(path.join(out, f)));
    if (missing.length > 0) {
      log(`napi build did not write ${missing.join(', ')} (it wrote ${fs.readdirSync(out).join(', ')})`);
      process.exit(1);
    }
    // Everything but package.json and README.md is this script's (and git-ignored).
    for (const name of fs.readdirSync(PACKAGE_DIR)) {
      if (name !== 'package.json' && name !== 'README.md') fs.rmSync(path.join(PACKAGE_DIR, name), { recursive: true, force: true });
    }
    for (const f of FILES) fs.copyFileSync(path.join(out, f), path.join(PACKAGE_DIR, f));
    const size = fs.statSync(path.join(PACKAGE_DIR, 'pqwire.wasm32-wasi.wasm')).size;
    log(`wrote ${FILES.length} files to npm/wasm32-wasi/ (pqwire.wasm32-wasi.wasm: ${(size / 1048576).toFixed(1)} MiB, profile ${profile})`);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
  if (process.argv.includes('--link')) linkPackage();
}

main();
