#!/usr/bin/env node
// MLS groups (docs/groups.md): pqwire's GroupMember beside ts-mls (pure TypeScript MLS,
// benches/mls/package.json pins it with the peer versions it asks for), in one process.
//
//   node benches/mls.js [--quick]     alone (npm run bench:mls)
//   npm run bench -- --filter mls     as a section of the full bench
//
// Per group size (2, 10, 100, 1,000 members) and suite:
//   add        one more member added to the group: the commit made and applied by the
//              adder (pqwire: addMembers + confirmCommit, ts-mls: createCommit), median ms
//   commit, welcome   the sizes of that add's messages (bytes, as MLS messages)
//   message    an application message of 64 bytes: encrypt by one member plus decrypt by
//              another, median µs
// Suites: suite 1 (MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, the same in both) and
// X-Wing (pqwire: MLS_256_XWING_CHACHA20POLY1305_SHA256_Ed25519; ts-mls has X-Wing only with
// SHA-512: MLS_256_XWING_CHACHA20POLY1305_SHA512_Ed25519, its own provisional code point).
// ts-mls runs up to 100 members in the full run (larger groups take minutes each to set up
// in it); pqwire runs every size.
'use strict';

const path = require('node:path');
const fs = require('node:fs');
const { spawnSync } = require('node:child_process');

const MLS_DIR = path.join(__dirname, 'mls');
const PAYLOAD = new Uint8Array(64).fill(7);
const utf8 = (s) => new TextEncoder().encode(s);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** ts-mls and its peers, installed on first use from benches/mls/package-lock.json. */
function ensureTsMls() {
  const stamp = path.join(MLS_DIR, 'node_modules', '.package-lock.json');
  const lock = path.join(MLS_DIR, 'package-lock.json');
  if (fs.existsSync(stamp) && fs.statSync(stamp).mtimeMs >= fs.statSync(lock).mtimeMs) return true;
  console.log('benches: installing ts-mls (npm ci --prefix benches/mls) ...');
  const win = process.platform === 'win32';
  const r = spawnSync(win ? 'npm.cmd' : 'npm', ['ci', '--prefix', MLS_DIR, '--no-audit', '--no-fund'], { stdio: 'inherit', shell: win });
  return r.status === 0;
}

/** pqwire: a group of `n` made by member 0, plus member 1 joined (to read messages). */
async function pqwireGroup(pq, suite, n) {
  const store = () => new pq.InMemoryGroupStore();
  const make = (i) => pq.GroupMember.create({ id: `m${i}`, suite, identity: pq.createIdentity(), name: utf8(`m${i}`), store: store() });
  const creator = await make(0);
  const group = await creator.createGroup();
  const reader = await make(1);
  const others = [reader];
  for (let i = 2; i < n; i++) others.push(await make(i));
  const packages = [];
  for (const m of others) packages.push(await m.keyPackage());
  if (packages.length) {
    const { welcome, ratchetTree } = await creator.addMembers(group, packages);
    await creator.confirmCommit(group);
    await reader.join(welcome, ratchetTree);
  }
  for (const m of others.slice(1)) m.dispose();
  let next = n;
  return {
    async add() {
      const newcomer = await make(next++);
      const kp = await newcomer.keyPackage();
      newcomer.dispose();
      const t0 = performance.now();
      const { commit, welcome } = await creator.addMembers(group, [kp]);
      await creator.confirmCommit(group);
      const ms = performance.now() - t0;
      await reader.process(group, commit);
      return { ms, commit: commit.length, welcome: welcome.length };
    },
    async message() {
      const t0 = performance.now();
      const sealed = await creator.encrypt(group, PAYLOAD);
      await reader.process(group, sealed);
      return (performance.now() - t0) * 1000;
    },
    done() {
      creator.dispose();
      reader.dispose();
    },
  };
}

/** ts-mls: the same shape. */
async function tsMlsGroup(mls, suiteName, n) {
  const impl = await mls.getCiphersuiteImpl(mls.getCiphersuiteFromName(suiteName));
  const kp = (i) => mls.generateKeyPackage({ credentialType: 'basic', identity: utf8(`m${i}`) }, mls.defaultCapabilities(), mls.defaultLifetime, [], impl);
  const creatorKp = await kp(0);
  let creator = await mls.createGroup(utf8('bench-group'), creatorKp.publicPackage, creatorKp.privatePackage, [], impl);
  const readerKp = await kp(1);
  const adds = [readerKp];
  for (let i = 2; i < n; i++) adds.push(await kp(i));
  const proposal = (k) => ({ proposalType: 'add', add: { keyPackage: k.publicPackage } });
  let reader;
  if (n > 1) {
    const r = await mls.createCommit({ state: creator, cipherSuite: impl }, { extraProposals: adds.map(proposal) });
    creator = r.newState;
    reader = await mls.joinGroup(r.welcome, readerKp.publicPackage, readerKp.privatePackage, mls.emptyPskIndex, impl, creator.ratchetTree);
  }
  let next = n;
  return {
    async add() {
      const newcomer = await kp(next++);
      const t0 = performance.now();
      const r = await mls.createCommit({ state: creator, cipherSuite: impl }, { extraProposals: [proposal(newcomer)] });
      creator = r.newState;
      const ms = performance.now() - t0;
      const commit = mls.encodeMlsMessage(r.commit);
      const welcome = mls.encodeMlsMessage({ welcome: r.welcome, wireformat: 'mls_welcome', version: 'mls10' });
      const decoded = mls.decodeMlsMessage(commit, 0)[0];
      const processed = await mls.processMessage(decoded, reader, mls.emptyPskIndex, mls.acceptAll, impl);
      reader = processed.newState;
      return { ms, commit: commit.length, welcome: welcome.length };
    },
    async message() {
      const t0 = performance.now();
      const m = await mls.createApplicationMessage(creator, PAYLOAD, impl);
      creator = m.newState;
      const wire = mls.encodeMlsMessage({ privateMessage: m.privateMessage, wireformat: 'mls_private_message', version: 'mls10' });
      const decoded = mls.decodeMlsMessage(wire, 0)[0];
      const got = await mls.processPrivateMessage(reader, decoded.privateMessage, mls.emptyPskIndex, impl);
      reader = got.newState;
      return (performance.now() - t0) * 1000;
    },
    done() {},
  };
}

/** Measures one group: `adds` adds and `messages` messages. */
async function measure(make, adds, messages) {
  const g = await make();
  const added = [];
  for (let i = 0; i < adds; i++) added.push(await g.add());
  const times = [];
  for (let i = 0; i < messages; i++) times.push(await g.message());
  g.done();
  return {
    addMs: median(added.map((a) => a.ms)),
    commitBytes: added[0].commit,
    welcomeBytes: added[0].welcome,
    messageUs: median(times),
  };
}

const SUITES = [
  { label: 'suite 1 (X25519, AES-128-GCM, Ed25519)', pqwire: 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519', tsMls: 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519' },
  { label: 'X-Wing (ChaCha20-Poly1305, Ed25519)', pqwire: 'MLS_256_XWING_CHACHA20POLY1305_SHA256_Ed25519', tsMls: 'MLS_256_XWING_CHACHA20POLY1305_SHA512_Ed25519' },
];

/**
 * The MLS section: rows of { suite, members, lib, addMs, commitBytes, welcomeBytes,
 * messageUs }, with ratios pqwire against ts-mls.
 */
async function mlsSection({ quick = false } = {}) {
  const pq = require('..');
  const sizes = quick ? [2, 10, 100] : [2, 10, 100, 1000];
  const tsMlsMax = quick ? 10 : 100;
  const adds = quick ? 3 : 5;
  const messages = quick ? 20 : 100;
  let mls = null;
  let tsMlsVersion = null;
  let tsMlsError = null;
  if (ensureTsMls()) {
    try {
      mls = await import(require.resolve('ts-mls', { paths: [MLS_DIR] }));
      tsMlsVersion = require(path.join(MLS_DIR, 'node_modules', 'ts-mls', 'package.json')).version;
    } catch (e) {
      tsMlsError = (e && e.message) || String(e);
    }
  } else tsMlsError = 'npm ci --prefix benches/mls failed';
  const rows = [];
  for (const suite of SUITES) {
    for (const n of sizes) {
      const ours = await measure(() => pqwireGroup(pq, suite.pqwire, n), adds, messages);
      rows.push({ suite: suite.label, members: n, lib: 'pqwire', ...ours });
      if (mls && n <= tsMlsMax) {
        const theirs = await measure(() => tsMlsGroup(mls, suite.tsMls, n), adds, messages);
        rows.push({ suite: suite.label, members: n, lib: `ts-mls ${tsMlsVersion}`, ...theirs, addRatio: theirs.addMs / ours.addMs, messageRatio: theirs.messageUs / ours.messageUs });
      }
    }
  }
  const xwing1000 = rows.find((r) => r.lib === 'pqwire' && r.members === 1000 && r.suite.startsWith('X-Wing'));
  const classic1000 = rows.find((r) => r.lib === 'pqwire' && r.members === 1000 && r.suite.startsWith('suite 1'));
  return {
    tsMls: tsMlsVersion,
    tsMlsError,
    adds,
    messages,
    rows,
    xwingOverClassicAt1000: xwing1000 && classic1000 ? xwing1000.addMs / classic1000.addMs : null,
  };
}

/** The section as text lines. */
function section(data) {
  const lines = [`  ${'suite'.padEnd(40)}${'members'.padStart(8)}  ${'library'.padEnd(14)}${'add ms'.padStart(10)}${'commit B'.padStart(10)}${'welcome B'.padStart(11)}${'message µs'.padStart(12)}  vs ts-mls (add, message)`];
  for (const r of data.rows) {
    const ratio = r.addRatio ? `ts-mls ${r.addRatio.toFixed(1)}x / ${r.messageRatio.toFixed(1)}x slower` : '';
    lines.push(`  ${r.suite.padEnd(40)}${String(r.members).padStart(8)}  ${r.lib.padEnd(14)}${r.addMs.toFixed(2).padStart(10)}${String(r.commitBytes).padStart(10)}${String(r.welcomeBytes).padStart(11)}${r.messageUs.toFixed(0).padStart(12)}  ${ratio}`);
  }
  if (data.xwingOverClassicAt1000) lines.push(`  X-Wing add commit at 1,000 members: ${data.xwingOverClassicAt1000.toFixed(2)}x suite 1's (target: within 2x)`);
  if (data.tsMlsError) lines.push(`  ts-mls not run: ${data.tsMlsError}`);
  return lines.join('\n');
}

module.exports = { mlsSection, section };

if (require.main === module) {
  mlsSection({ quick: process.argv.includes('--quick') })
    .then((data) => console.log(section(data)))
    .catch((e) => {
      console.error(e);
      process.exitCode = 1;
    });
}
