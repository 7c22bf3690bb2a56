// The npm package as a user without Rust meets it: `npm pack` of pqwire and of this host's
// platform package (npm/<platform>/, holding the binary `npm run build:targets` made), then
// `npm install` of both tarballs in a fresh project with no `cargo` on PATH. The install
// script must find the prebuilt binary and build nothing; a round trip then runs through
// the installed package. And without the platform package (no prebuilt for this host), the
// install must fail with instructions, not a compiler error.
//
//   node --test test/prebuilt-install.js     (.ci/run runs it as its own step)
//
// pqwire's optionalDependencies on the ten `pqwire-<platform>` packages are written at
// release time by `napi prepublish` (docs/platforms.md); the test writes the same entries
// into the packed package.json, so npm resolves this host's package from its tarball; the
// other ten are not on the registry (they 404) and, being optional, are skipped.
'use strict';

const { after, before, test } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const { platformOf } = require('../scripts/build-targets.js');
const pkg = require('../package.json');

// Outside the repository: from a project inside it, require() would walk up into the
// repository's own node_modules (where `npm run build:wasm -- --link` puts the WebAssembly
// package) and find what the fresh project lacks.
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pqwire-prebuilt-'));
let mainTarball;
let platformTarball;
let platform;
let packed;

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  return { status: r.status ?? 1, stdout: r.stdout || '', stderr: r.stderr || '' };
}

function hostTriple() {
  const m = /^host: (\S+)$/m.exec(run('rustc', ['-vV']).stdout);
  assert.ok(m, 'rustc -vV printed no host');
  return m[1];
}

/**
 * A machine without Rust: `cargo`, `rustc` and `rustup` first on PATH are stubs that fail
 * as a missing command does (removing their directories from PATH would also remove node
 * and npm where Rust comes from the distribution, in /usr/bin).
 */
function noRustEnv() {
  const stubs = path.join(work, 'no-rust-bin');
  if (!fs.existsSync(stubs)) {
    fs.mkdirSync(stubs);
    for (const tool of ['cargo', 'rustc', 'rustup']) {
      fs.writeFileSync(path.join(stubs, tool), `#!/bin/sh\necho "${tool}: command not found" >&2\nexit 127\n`, { mode: 0o755 });
    }
  }
  const env = { ...process.env, PATH: `${stubs}${path.delimiter}${process.env.PATH || ''}` };
  for (const k of Object.keys(env)) if (/^(CARGO|RUSTUP|RUSTC|PQWIRE_BUILD_PROFILE)/.test(k)) delete env[k];
  return env;
}

function pack(dir, dest = work) {
  fs.mkdirSync(dest, { recursive: true });
  const r = run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dest], { cwd: dir });
  assert.equal(r.status, 0, `npm pack ${dir} failed:\n${r.stderr}`);
  const [info] = JSON.parse(r.stdout.slice(r.stdout.indexOf('[')));
  return path.join(dest, info.filename);
}

function freshProject(name) {
  const dir = path.join(work, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify({ name: `pqwire-${name}`, version: '1.0.0', private: true }, null, 2)}\n`);
  return dir;
}

before(() => {
  const triple = hostTriple();
  platform = platformOf(triple);
  const binary = path.join(ROOT, 'npm', platform, `pqwire.${platform}.node`);
  if (!fs.existsSync(binary)) {
    const b = run(process.execPath, [path.join(ROOT, 'scripts', 'build-targets.js'), '--target', triple], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    assert.equal(b.status, 0, `npm run build:targets -- --target ${triple} failed`);
  }
  platformTarball = pack(path.join(ROOT, 'npm', platform));

  // The main package as `npm publish` packs it (prepare compiles ts/dist), then with the
  // optionalDependencies the release adds.
  const r = run('npm', ['pack', '--json', '--pack-destination', work], { cwd: ROOT });
  assert.equal(r.status, 0, `npm pack failed:\n${r.stderr}`);
  const [info] = JSON.parse(r.stdout.slice(r.stdout.indexOf('[')));
  packed = path.join(work, info.filename);
  mainTarball = stageMain('release', {});
});

/**
 * The packed main package with the optionalDependencies the release writes (one
 * `pqwire-<platform>` entry per target, at pqwire's version), `overrides` replacing some,
 * packed again into work/<name>/.
 */
function stageMain(name, overrides) {
  const staged = path.join(work, `staged-${name}`);
  fs.mkdirSync(staged);
  assert.equal(run('tar', ['xzf', packed, '-C', staged]).status, 0);
  const stagedPkg = path.join(staged, 'package', 'package.json');
  const manifest = JSON.parse(fs.readFileSync(stagedPkg, 'utf8'));
  const platformDeps = Object.fromEntries(pkg.napi.targets.map((t) => [`pqwire-${platformOf(t)}`, pkg.version]));
  manifest.optionalDependencies = { ...manifest.optionalDependencies, ...platformDeps, ...overrides };
  fs.writeFileSync(stagedPkg, `${JSON.stringify(manifest, null, 2)}\n`);
  return pack(path.join(staged, 'package'), path.join(work, name));
}

/** ML-KEM, ML-DSA and a session handshake through the installed package; prints what loaded. */
const ROUND_TRIP = `'use strict';
const pq = require('pqwire');
const enc = (s) => new TextEncoder().encode(s);
const dec = (b) => new TextDecoder().decode(b);
(async () => {
  const { publicKey, secretKey } = pq.mlKem768.keygen();
  const { cipherText, sharedSecret } = pq.mlKem768.encapsulate(publicKey);
  const kem = Buffer.from(pq.mlKem768.decapsulate(cipherText, secretKey)).equals(Buffer.from(sharedSecret));
  const keys = pq.mlDsa65.keygen();
  const sig = pq.mlDsa65.verify(pq.mlDsa65.sign(enc('m'), keys.secretKey), enc('m'), keys.publicKey).valid === true;
  const bob = pq.createIdentity();
  const prekeyStore = new pq.InMemoryPrekeyStore();
  const bundle = await pq.createPrekeyBundle(bob, { prekeyStore });
  const { session: a, initialMessage } = await pq.initiateSession(bundle, {
    identity: pq.createIdentity(), address: 'bob', identityStore: new pq.InMemoryIdentityStore(), plaintext: enc('hello Bob'),
  });
  const { session: b, plaintext } = await pq.acceptSession(initialMessage, { identity: bob, prekeyStore });
  const reply = a.decrypt(b.encrypt(enc('hi Alice'))).plaintext;
  const loaded = Object.keys(require.cache);
  process.stdout.write(JSON.stringify({ kem, sig, first: dec(plaintext), reply: dec(reply), loaded }));
  process.exit(0);
})().catch((e) => { process.stderr.write(String((e && e.stack) || e)); process.exit(1); });
`;

/** Runs ROUND_TRIP in `project` and checks its results; returns the files it loaded. */
function roundTrip(project, env) {
  const out = run(process.execPath, ['-e', ROUND_TRIP], { cwd: project, env });
  assert.equal(out.status, 0, out.stderr);
  const { loaded, ...result } = JSON.parse(out.stdout);
  assert.deepEqual(result, { kem: true, sig: true, first: 'hello Bob', reply: 'hi Alice' });
  return loaded;
}

after(() => fs.rmSync(work, { recursive: true, force: true }));

test('the platform package holds only its binary and names its os, cpu and libc', () => {
  const manifest = require(path.join(ROOT, 'npm', platform, 'package.json'));
  assert.equal(manifest.name, `pqwire-${platform}`);
  assert.equal(manifest.version, pkg.version, 'platform package version must equal pqwire version (the loader checks it)');
  assert.equal(manifest.main, `pqwire.${platform}.node`);
  assert.deepEqual(manifest.files, [`pqwire.${platform}.node`]);
  assert.deepEqual(manifest.os, [process.platform]);
  assert.deepEqual(manifest.cpu, [process.arch]);
  const list = run('tar', ['tzf', platformTarball]).stdout.trim().split('\n');
  assert.ok(list.includes(`package/pqwire.${platform}.node`), list.join(', '));
  for (const f of list) assert.match(f, new RegExp(`^package/(package\\.json|README\\.md|pqwire\\.${platform}\\.node)$`));
});

test('with no cargo on PATH, npm install of the tarballs uses the prebuilt binary and builds nothing', () => {
  const env = noRustEnv();
  assert.notEqual(run('cargo', ['--version'], { env }).status, 0, 'cargo is still reachable');
  const project = freshProject('app');
  const r = run('npm', ['install', '--no-audit', '--no-fund', '--foreground-scripts', platformTarball, mainTarball], { cwd: project, env });
  assert.equal(r.status, 0, `npm install failed:\n${r.stdout}\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /building the native addon/);
  // Nothing was built into the package's own native/ directory.
  const native = path.join(project, 'node_modules', 'pqwire', 'native');
  assert.deepEqual(fs.readdirSync(native).filter((f) => f.endsWith('.node')), []);
  assert.ok(fs.existsSync(path.join(project, 'node_modules', `pqwire-${platform}`, `pqwire.${platform}.node`)));

  const loaded = roundTrip(project, env);
  const addons = loaded.filter((f) => f.endsWith('.node'));
  assert.deepEqual(addons, [fs.realpathSync(path.join(project, 'node_modules', `pqwire-${platform}`, `pqwire.${platform}.node`))]);
});

/** npm install of `args` in a fresh project with no Rust; it must fail: returns what it printed. */
function failedInstall(name, args) {
  const project = freshProject(name);
  const r = run('npm', ['install', '--no-audit', '--no-fund', '--foreground-scripts', ...args], { cwd: project, env: noRustEnv() });
  assert.notEqual(r.status, 0, 'npm install succeeded without a binary');
  const text = `${r.stdout}\n${r.stderr}`;
  assert.match(text, new RegExp(`no native addon loads for ${process.platform}-${process.arch}, and the Rust toolchain \\(cargo\\) was not found`));
  assert.match(text, /https:\/\/rustup\.rs/);
  assert.match(text, /npm rebuild pqwire/);
  assert.match(text, /npm install --cpu=wasm32 pqwire/);
  assert.doesNotMatch(text, /error\[E\d+\]|cargo build/);
  return text;
}

test('no cargo, and the platform package left out (--omit=optional): the install fails and says to install it', () => {
  const text = failedInstall('omitted', ['--omit=optional', mainTarball]);
  assert.match(text, new RegExp(`optional dependency pqwire-${platform}, which is not installed`));
  assert.match(text, /--omit=optional/);
});

test('no cargo, and a platform package whose binary does not load: the install fails and shows why', () => {
  // The platform package with a .node file that is not a shared library.
  const broken = path.join(work, 'broken-platform');
  fs.cpSync(path.join(ROOT, 'npm', platform, 'package.json'), path.join(broken, 'package.json'));
  fs.writeFileSync(path.join(broken, `pqwire.${platform}.node`), 'not a shared library');
  const brokenTarball = pack(broken, path.join(work, 'broken'));
  const text = failedInstall('broken', [brokenTarball, mainTarball]);
  assert.match(text, new RegExp(`The prebuilt package pqwire-${platform} is installed but did not load: \\S`));
});

test('no cargo, and a pqwire that lists no prebuilt for the host (a checkout, a git install): the install says so', () => {
  const bare = stageMain('bare', {});
  // stageMain adds every platform; this copy lists none, as package.json in git does.
  const staged = path.join(work, 'staged-bare', 'package');
  const manifest = JSON.parse(fs.readFileSync(path.join(staged, 'package.json'), 'utf8'));
  manifest.optionalDependencies = Object.fromEntries(Object.entries(manifest.optionalDependencies).filter(([n]) => !n.startsWith('pqwire-')));
  fs.writeFileSync(path.join(staged, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  fs.rmSync(bare);
  const text = failedInstall('bare', [pack(staged, path.join(work, 'bare'))]);
  assert.match(text, /This copy of pqwire lists no prebuilt package for this platform/);
});

test('no prebuilt for the host and no Rust: npm install --cpu=wasm32 brings the WebAssembly build, which the loader then uses', () => {
  // The WebAssembly package as the release publishes it, reached here through a file:
  // specifier in place of the registry's version.
  const wasmFile = path.join(ROOT, 'npm', 'wasm32-wasi', 'pqwire.wasm32-wasi.wasm');
  if (!fs.existsSync(wasmFile)) {
    const b = run(process.execPath, [path.join(ROOT, 'scripts', 'build-wasm.js')], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    assert.equal(b.status, 0, 'npm run build:wasm failed');
  }
  const wasmTarball = pack(path.join(ROOT, 'npm', 'wasm32-wasi'));
  const main = stageMain('wasm', { 'pqwire-wasm32-wasi': `file:${wasmTarball}` });
  const env = noRustEnv();
  const project = freshProject('wasm-app');
  const r = run('npm', ['install', '--no-audit', '--no-fund', '--foreground-scripts', '--cpu=wasm32', main], { cwd: project, env });
  assert.equal(r.status, 0, `npm install --cpu=wasm32 failed:\n${r.stdout}\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /building the native addon/);
  assert.ok(fs.existsSync(path.join(project, 'node_modules', 'pqwire-wasm32-wasi', 'pqwire.wasm32-wasi.wasm')));
  assert.ok(!fs.existsSync(path.join(project, 'node_modules', `pqwire-${platform}`)), 'the native package was installed too');
  const loaded = roundTrip(project, env);
  assert.deepEqual(loaded.filter((f) => f.endsWith('.node')), []);
  assert.ok(loaded.some((f) => f.endsWith(path.join('pqwire-wasm32-wasi', 'pqwire.wasi.cjs'))), 'the WebAssembly loader did not load');
});
