#!/usr/bin/env node
// `npm run bench:keyservice` (also `npm run bench -- --filter keyservice`): the key service
// (issue 19) against the library called in-process, on this machine. A benchmark, never a
// test. The service runs as `pqwire keyservice` in a process of its own; this process plays
// C clients, each with one keep-alive connection over the Unix socket and one request at a
// time, for T seconds per case:
//
//   encrypt / decrypt / sign / verify     one item per request (64-byte plaintext or message)
//   *-batch                               B items per request (the batch endpoints)
//
// and, in-process, the same work through the library with the same concurrency (its async
// and batch operations, the construction's seal/open and sealBatch/openBatch), and for single
// items also one sync call per item on one core. Prints items/s for
// each and the service's overhead (in-process rate / service rate); writes
// benches/results/<date>-keyservice.md and .json.
//
//   node benches/keyservice.js [--seconds 3] [--clients 8] [--batch 64] [--out DIR]
'use strict';

const { spawn } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');
const { Http1Connection } = require('./lib/http1');
const { machine } = require('./lib/machine');

const ROOT = path.resolve(__dirname, '..');

/** Starts `pqwire keyservice` in a temporary directory; resolves with its socket and token. */
function startService(dir) {
  const kek = path.join(dir, 'kek');
  fs.writeFileSync(kek, crypto.randomBytes(32), { mode: 0o600 });
  const socket = path.join(dir, 'ks.sock');
  const tokenFile = path.join(dir, 'token');
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'pqwire.js'), 'keyservice', '--socket', socket, '--token-file', tokenFile, '--data', path.join(dir, 'data'), '--kek-file', kek], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
      if (out.includes('listening on')) resolve({ child, socket, token: fs.readFileSync(tokenFile, 'utf8').trim() });
    });
    child.once('exit', (code) => reject(new Error(`the key service exited ${code}: ${out}`)));
  });
}

let counter = 0;
/** One request over `conn`; the parsed answer, or a thrown error for a non-200. */
async function post(conn, token, route, body) {
  const headers = { authorization: `Bearer ${token}`, 'x-request-id': `bench-${process.pid}-${++counter}`, 'content-type': 'application/json' };
  const r = await conn.request('POST', route, headers, JSON.stringify(body));
  const answer = JSON.parse(r.body.toString('utf8'));
  if (r.status !== 200) throw new Error(`${route}: ${r.status} ${JSON.stringify(answer)}`);
  return answer;
}

/** Runs `once` on each of `conns` back to back for `seconds`; items per second. */
async function closedLoop(conns, seconds, itemsPerCall, once) {
  const end = performance.now() + seconds * 1000;
  let calls = 0;
  const start = performance.now();
  await Promise.all(
    conns.map(async (conn) => {
      while (performance.now() < end) {
        await once(conn);
        calls++;
      }
    }),
  );
  return (calls * itemsPerCall) / ((performance.now() - start) / 1000);
}

/** CPU time (user + system) the process `pid` has used, in µs (Linux /proc; null elsewhere). */
function cpuMicros(pid) {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
    return (ticks * 1e6) / 100; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

/** Runs `fn` (sync or async) repeatedly for `seconds`; items per second. */
async function inProcess(seconds, itemsPerCall, fn) {
  const end = performance.now() + seconds * 1000;
  const start = performance.now();
  let calls = 0;
  while (performance.now() < end) {
    await fn();
    calls++;
  }
  return (calls * itemsPerCall) / ((performance.now() - start) / 1000);
}

async function keyService({ seconds = 3, clients = 8, batch = 64 } = {}) {
  const pq = require(ROOT);
  const ks = require(`${ROOT}/ts/dist/keyservice`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pqwire-ks-bench-'));
  const service = await startService(dir);
  const conns = Array.from({ length: clients }, () => new Http1Connection({ socketPath: service.socket }));
  const b64 = (b) => Buffer.from(b).toString('base64');
  try {
    const [c0] = conns;
    const kemKey = await post(c0, service.token, '/v1/keys', { type: 'kem' });
    const sigKey = await post(c0, service.token, '/v1/keys', { type: 'sign' });
    const plaintext = b64(crypto.randomBytes(64));
    const sealed = await post(c0, service.token, '/v1/kem/encrypt', { keyId: kemKey.id, plaintext });
    const signed = await post(c0, service.token, '/v1/sign', { keyId: sigKey.id, message: plaintext });
    const items = (item) => Array.from({ length: batch }, () => item);
    const t = service.token;
    const overSocket = {
      encrypt: [1, (c) => post(c, t, '/v1/kem/encrypt', { keyId: kemKey.id, plaintext })],
      decrypt: [1, (c) => post(c, t, '/v1/kem/decrypt', { keyId: kemKey.id, keyVersion: 1, kemCiphertext: sealed.kemCiphertext, ciphertext: sealed.ciphertext })],
      sign: [1, (c) => post(c, t, '/v1/sign', { keyId: sigKey.id, message: plaintext })],
      verify: [1, (c) => post(c, t, '/v1/verify', { keyId: sigKey.id, keyVersion: 1, message: plaintext, signature: signed.signature })],
      'encrypt-batch': [batch, (c) => post(c, t, '/v1/kem/encrypt-batch', { keyId: kemKey.id, items: items({ plaintext }) })],
      'decrypt-batch': [batch, (c) => post(c, t, '/v1/kem/decrypt-batch', { keyId: kemKey.id, items: items({ keyVersion: 1, kemCiphertext: sealed.kemCiphertext, ciphertext: sealed.ciphertext }) })],
      'sign-batch': [batch, (c) => post(c, t, '/v1/sign-batch', { keyId: sigKey.id, items: items({ message: plaintext }) })],
      'verify-batch': [batch, (c) => post(c, t, '/v1/verify-batch', { keyId: sigKey.id, keyVersion: 1, items: items({ message: plaintext, signature: signed.signature }) })],
    };
    // The library in this process, on keys of its own (the same suites and sizes).
    const kemSuite = pq.kem('X25519+ML-KEM-1024');
    const sigSuite = pq.sig('Ed25519+ML-DSA-87');
    // Lockable key pairs, as the service holds (pure-Rust X25519 and Ed25519 halves).
    const kp = kemSuite.generateKeyPair(undefined, { lockable: true });
    const sp = sigSuite.generateKeyPair(undefined, { lockable: true });
    const pt = crypto.randomBytes(64);
    const local = ks.seal(kemSuite, kp.publicKey, pt);
    const sig = sp.sign(pt);
    // Each case: the async call (run by as many concurrent loops as there are clients) and,
    // for single items, the sync call (one loop, one core).
    const direct = {
      encrypt: [1, () => ks.sealBatch(kemSuite, kp.publicKey, [{ plaintext: pt }]), () => ks.seal(kemSuite, kp.publicKey, pt)],
      decrypt: [1, () => ks.openBatch(kemSuite, kp, [{ sealed: local }]), () => ks.open(kemSuite, kp, local)],
      sign: [1, () => sp.signAsync(pt), () => sp.sign(pt)],
      verify: [1, () => sigSuite.verifyAsync(sig, pt, sp.publicKey), () => sigSuite.verify(sig, pt, sp.publicKey)],
      'encrypt-batch': [batch, () => ks.sealBatch(kemSuite, kp.publicKey, Array(batch).fill({ plaintext: pt }))],
      'decrypt-batch': [batch, () => ks.openBatch(kemSuite, kp, Array(batch).fill({ sealed: local }))],
      'sign-batch': [batch, () => sp.signBatch(Array(batch).fill(pt))],
      'verify-batch': [batch, () => sigSuite.verifyBatch(Array(batch).fill({ signature: sig, message: pt, publicKey: sp.publicKey }))],
    };
    const loops = Array.from({ length: clients }, () => null);
    const rows = [];
    for (const name of Object.keys(overSocket)) {
      const [n, once] = overSocket[name];
      await closedLoop(conns, Math.min(0.5, seconds), n, once); // warm-up
      const cpuBefore = cpuMicros(service.child.pid);
      const callsBefore = counter;
      const viaService = await closedLoop(conns, seconds, n, once);
      const cpuAfter = cpuMicros(service.child.pid);
      const serviceCpuPerItem = cpuBefore === null || cpuAfter === null ? null : (cpuAfter - cpuBefore) / ((counter - callsBefore) * n);
      const [m, asyncCall, syncCall] = direct[name];
      const library = await closedLoop(loops, seconds, m, asyncCall);
      const librarySync = syncCall === undefined ? null : await inProcess(seconds, m, syncCall);
      rows.push({ case: name, itemsPerRequest: n, serviceItemsPerSec: viaService, serviceCpuMicrosPerItem: serviceCpuPerItem, libraryItemsPerSec: library, librarySyncItemsPerSec: librarySync, overhead: library / viaService });
      const sync = librarySync === null ? '' : `   (sync, one core: ${fmt(librarySync)})`;
      const cpu = serviceCpuPerItem === null ? '' : `, service CPU ${serviceCpuPerItem.toFixed(0)} µs/item`;
      console.log(`  ${name.padEnd(15)} service ${fmt(viaService).padStart(9)} items/s${cpu}   library ${fmt(library).padStart(9)} items/s   library/service ${(library / viaService).toFixed(2)}x${sync}`);
    }
    return { seconds, clients, batch, rows };
  } finally {
    for (const c of conns) c.close();
    service.child.kill('SIGTERM');
    await new Promise((r) => service.child.once('exit', r));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function fmt(n) {
  return Math.round(n).toLocaleString('en-US');
}

/** The figures as a markdown section (also part of `npm run bench`'s report). */
function section(data) {
  const lines = [
    `Service: \`pqwire keyservice\` in its own process (memory locked), X25519+ML-KEM-1024 and Ed25519+ML-DSA-87 keys; ${data.clients} clients in this process, one keep-alive connection and one request at a time each, ${data.seconds} s per case; batches of ${data.batch} items; 64-byte plaintexts and messages. Library: the same operations on the same kind of key pairs (lockable, as the service holds them) called in this process by as many concurrent loops as there are clients, async (encrypt = \`seal()\`: the KEM plus the construction's HKDF and AEAD; \`*-batch\` = \`sealBatch()\`, \`openBatch()\` and the library's batch operations). Client and service share the machine's cores.`,
    '',
    '| case | items/request | service items/s | service CPU µs/item (all threads) | library items/s (async, same concurrency) | library / service | library sync, one call per item |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...data.rows.map((r) => `| ${r.case} | ${r.itemsPerRequest} | ${fmt(r.serviceItemsPerSec)} | ${r.serviceCpuMicrosPerItem === null ? '–' : r.serviceCpuMicrosPerItem.toFixed(0)} | ${fmt(r.libraryItemsPerSec)} | ${r.overhead.toFixed(2)}x | ${r.librarySyncItemsPerSec === null ? '–' : fmt(r.librarySyncItemsPerSec)} |`),
    '',
  ];
  return `## Key service requests\n\n${lines.join('\n')}`;
}

function markdown(data) {
  const m = data.machine;
  const head = [
    `# Key service: requests over the Unix socket against the library in-process (${data.date})`,
    '',
    `Machine: ${m.cpu ? `${m.cpu.model}, ${m.cpu.cores} cores` : 'see JSON'}; ${m.os ?? ''}; Node ${process.versions.node}; load average at start ${data.loadAverage.map((x) => x.toFixed(2)).join(' ')}.`,
    '',
  ];
  return `${head.join("\n")}\n${section(data)}`;
}

async function main() {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '3' }, clients: { type: 'string', default: '8' }, batch: { type: 'string', default: '64' }, out: { type: 'string' } } });
  const loadAverage = os.loadavg();
  console.log('key service: requests over the Unix socket against the library in-process ...');
  const result = await keyService({ seconds: Number(values.seconds), clients: Number(values.clients), batch: Number(values.batch) });
  const data = { date: new Date().toISOString().slice(0, 10), machine: machine(), loadAverage, ...result };
  const outDir = values.out ?? path.join(__dirname, 'results');
  fs.mkdirSync(outDir, { recursive: true });
  const base = path.join(outDir, `${data.date}-keyservice`);
  fs.writeFileSync(`${base}.json`, `${JSON.stringify(data, null, 2)}\n`);
  fs.writeFileSync(`${base}.md`, markdown(data));
  console.log(`wrote ${path.relative(process.cwd(), base)}.json, .md`);
}

module.exports = { keyService, section };

if (require.main === module) {
  main().catch((e) => {
    console.error(`bench: ${(e && e.stack) || e}`);
    process.exitCode = 1;
  });
}
