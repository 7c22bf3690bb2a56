// The npm package as a new user meets it, outside the repository: `npm pack`, then
// `npm install <tarball>` in a fresh project, which builds the addon from source with cargo
// (no prebuilt binary is involved), then a round trip through the installed package.
//
//   node --test test/pack-install.js        (.ci/run runs it as its own step: it takes minutes)
//
// The build reuses this checkout's cargo target directory (CARGO_TARGET_DIR, and the same
// profile and --target as `npm run build:native`), so only pqwire-core and pqwire-node are
// compiled again; every dependency is already built. Nothing is fetched but from the npm
// registry and crates.io (and the package has no npm dependencies).
'use strict';

const { after, before, test } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
// At a fixed place, so that cargo compiles the unpacked crates over the same files each
// run instead of adding a copy per temporary directory; outside the repository, so that
// require() in the project cannot walk up into the repository's own node_modules.
const work = path.join(os.tmpdir(), `pqwire-pack-test-${os.userInfo().username}`);
const project = path.join(work, 'app');
let tarball;
let files;

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, shell: process.platform === 'win32', ...options });
  return { status: r.status ?? 1, stdout: r.stdout || '', stderr: r.stderr || '' };
}

function hostTriple() {
  const m = /^host: (\S+)$/m.exec(run('rustc', ['-vV']).stdout);
  return m ? m[1] : undefined;
}

before(() => {
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  // `npm pack` runs `prepare` (ts/dist is compiled fresh) and prints the file list as JSON.
  const r = run(npm, ['pack', '--json', '--pack-destination', work], { cwd: ROOT });
  assert.equal(r.status, 0, `npm pack failed:\n${r.stderr}`);
  const [info] = JSON.parse(r.stdout.slice(r.stdout.indexOf('[')));
  tarball = path.join(work, info.filename);
  files = info.files.map((f) => f.path);
});

after(() => fs.rmSync(work, { recursive: true, force: true }));

test('the tarball holds what a source build needs', () => {
  for (const f of [
    'package.json',
    'Cargo.toml',
    'Cargo.lock',
    '.cargo/config.toml',
    'crates/pqwire-core/Cargo.toml',
    'crates/pqwire-core/src/lib.rs',
    'crates/pqwire-node/Cargo.toml',
    'crates/pqwire-node/build.rs',
    'crates/pqwire-node/src/lib.rs',
    'native/index.js',
    'native/index.d.ts',
    'ts/dist/index.js',
    'ts/dist/index.d.ts',
    'ts/dist/noble.js',
    'bin/pqwire.js',
    'scripts/install.js',
  ]) {
    assert.ok(files.includes(f), `${f} is missing from the tarball`);
  }
});

test('the tarball leaves out tests, benches, fuzzing, the constant-time harness and binaries', () => {
  const unwanted = /^(test|benches|fuzz|examples|docs|target|node_modules|npm|\.ci|\.github)\/|^crates\/pqwire-ct\/|^crates\/pqwire-core\/tests\/|\.node$|\.tgz$/;
  assert.deepEqual(files.filter((f) => unwanted.test(f)), []);
});

test('npm install <tarball> in a fresh project builds the addon from source', () => {
  fs.mkdirSync(project);
  // The user's project and command, as the issue tried them: no allowScripts entry (npm
  // warns and runs the install script; with strict-allow-scripts it must be approved,
  // README "Quick start").
  const pkg = { name: 'pqwire-install-test', version: '1.0.0', private: true };
  fs.writeFileSync(path.join(project, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  const triple = hostTriple();
  const env = {
    ...process.env,
    PQWIRE_BUILD_PROFILE: process.env.PQWIRE_BUILD_PROFILE || 'ci',
    CARGO_TARGET_DIR: path.join(ROOT, 'target'),
    ...(triple ? { CARGO_BUILD_TARGET: triple } : {}),
  };
  const r = run(npm, ['install', '--no-audit', '--no-fund', '--foreground-scripts', tarball], { cwd: project, env });
  assert.equal(r.status, 0, `npm install failed:\n${r.stderr}`);
  const native = path.join(project, 'node_modules', 'pqwire', 'native');
  assert.ok(
    fs.readdirSync(native).some((f) => f.endsWith('.node')),
    `no addon was built in ${native}:\n${r.stderr}`,
  );
});

test('the installed package: ML-KEM, a session handshake and messages both ways', () => {
  const script = `'use strict';
const pq = require('pqwire');
const enc = (s) => new TextEncoder().encode(s);
const dec = (b) => new TextDecoder().decode(b);
(async () => {
  const { publicKey, secretKey } = pq.mlKem768.keygen();
  const { cipherText, sharedSecret } = pq.mlKem768.encapsulate(publicKey);
  const kem = Buffer.from(pq.mlKem768.decapsulate(cipherText, secretKey)).equals(Buffer.from(sharedSecret));

  const bob = pq.createIdentity();
  const prekeyStore = new pq.InMemoryPrekeyStore();
  const bundle = await pq.createPrekeyBundle(bob, { prekeyStore });
  const alice = pq.createIdentity();
  const { session: a, initialMessage } = await pq.initiateSession(bundle, {
    identity: alice, address: 'bob', identityStore: new pq.InMemoryIdentityStore(), plaintext: enc('hello Bob'),
  });
  const { session: b, plaintext } = await pq.acceptSession(initialMessage, { identity: bob, prekeyStore });
  const reply = a.decrypt(b.encrypt(enc('hi Alice'))).plaintext;
  const again = b.decrypt(a.encrypt(enc('and back'))).plaintext;
  const addon = Object.keys(require.cache).find((f) => f.endsWith('.node'));
  process.stdout.write(JSON.stringify({ kem, first: dec(plaintext), reply: dec(reply), again: dec(again), entry: require.resolve('pqwire'), addon }));
})().catch((e) => { process.stderr.write(String((e && e.stack) || e)); process.exit(1); });
`;
  const r = run(process.execPath, ['-e', script], { cwd: project });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual({ kem: out.kem, first: out.first, reply: out.reply, again: out.again }, { kem: true, first: 'hello Bob', reply: 'hi Alice', again: 'and back' });
  // The copy in the project was loaded, not this checkout.
  const installed = path.join(project, 'node_modules', 'pqwire') + path.sep;
  assert.ok(out.entry.startsWith(installed), out.entry);
  assert.ok(out.addon && out.addon.startsWith(installed), String(out.addon));
});

test('the installed `pqwire` command inspects a message and exits 0 for a valid one', () => {
  const hex = run(process.execPath, ['-e', "const pq = require('pqwire'); process.stdout.write(Buffer.from(pq.wire.encode(pq.capabilities())).toString('hex'))"], { cwd: project });
  assert.equal(hex.status, 0, hex.stderr);
  const r = run(npm, ['exec', '--no', '--', 'pqwire', 'inspect', hex.stdout], { cwd: project });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /capabilities/i);
});
