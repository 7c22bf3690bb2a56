#!/usr/bin/env node
// `npm run load`: the reference server under many simulated clients (issue 18; a
// benchmark, never a test). The server runs in a process of its own (benches/load-server.js,
// rate limits raised so that they do not throttle the run) on a temporary SQLite file, or
// on PostgreSQL with `--db postgres://…`; this process plays the clients over HTTP
// keep-alive connections and WebSockets.
//
//   bundle fetches   C clients fetch prekey bundles of random devices for T seconds
//   relay            C senders post 1 KiB envelopes to random accounts for T seconds, one
//                    per device of the account (--fanout devices per account, default 1:
//                    one envelope per request); every device listens on a WebSocket and
//                    acknowledges its messages (the ids of one event-loop turn in one
//                    frame); a message counts once delivered (send, store, deliver,
//                    acknowledge)
//
// Prints per phase the rate, p50 and p99 latency (relay: from the send to the delivery of
// every envelope of the send) and the server's and clients' CPU per operation (per
// envelope), then a second run at half the measured rate for the p99 target; writes
// benches/results/<date>-load-<db>[-fanout<n>].md and .json.
//
//   node benches/load.js [--db postgres://…] [--seconds 5] [--clients 64] [--devices 50] [--fanout 1]
'use strict';

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');
const { WebSocket } = require('ws');
const { Http1Connection } = require('./lib/http1');

const ROOT = path.resolve(__dirname, '..');
const pq = require(ROOT);
const { challengeData, LOGIN_CONTEXT, REGISTER_CONTEXT } = require(`${ROOT}/ts/dist/server`);

const { values: args } = parseArgs({
  options: {
    db: { type: 'string' },
    seconds: { type: 'string', default: '5' },
    clients: { type: 'string', default: '64' },
    devices: { type: 'string', default: '50' },
    fanout: { type: 'string', default: '1' },
  },
});
const SECONDS = Number(args.seconds);
const CLIENTS = Number(args.clients);
const DEVICES = Number(args.devices);
const FANOUT = Number(args.fanout);
const DESCRIPTION =
  `${DEVICES} accounts of ${FANOUT} device${FANOUT > 1 ? 's' : ''} (a send carries ${FANOUT === 1 ? 'one envelope' : `${FANOUT} envelopes, one per device`}), ` +
  `${CLIENTS} concurrent clients, ${SECONDS} s per phase`;
// A 1 KiB envelope: an 18-byte marker that tells the sends apart (a whole number of
// base64 groups, so the rest of the base64 text never changes), then constant bytes.
const MARKER_BYTES = 18;
const MARKER_CHARS = (MARKER_BYTES / 3) * 4;
const ENVELOPE_TAIL = Buffer.alloc(1024 - MARKER_BYTES, 7).toString('base64');
let markers = 0;
function nextMarker() {
  const m = Buffer.alloc(MARKER_BYTES);
  m.writeUInt32BE(process.pid);
  m.writeDoubleBE(markers++, 4);
  return m.toString('base64');
}

/** The server process (load-server.js). */
let server;

function startServer(db) {
  const child = spawn(process.execPath, [...process.execArgv, path.join(__dirname, 'load-server.js'), db], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve({ url: m[1], child });
    });
    child.on('exit', (code) => reject(new Error(`load server exited with ${code}`)));
  });
}

// The set-up requests (registrations, logins, uploads) over node:http; the measured ones
// go over lib/http1.js.
const agent = new http.Agent({ keepAlive: true });

function call(url, method, p, body, token, type = 'application/json') {
  const payload = body === undefined ? undefined : type === 'application/json' ? JSON.stringify(body) : Buffer.from(body);
  const headers = { ...(payload !== undefined && { 'content-type': type, 'content-length': Buffer.byteLength(payload) }), ...(token && { authorization: `Bearer ${token}` }) };
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}${p}`, { method, headers, agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const data = Buffer.concat(chunks);
        if (res.statusCode >= 300) reject(new Error(`${method} ${p}: ${res.statusCode} ${data}`));
        else resolve(res.headers['content-type']?.startsWith('application/json') ? JSON.parse(data) : data);
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/**
 * A registered, logged-in device `n` of `account` (a later device joins with the first's
 * token, `voucher`); the first uploads 200 + 200 one-time prekeys.
 */
async function device(url, account, n, voucher) {
  const identity = pq.createIdentity();
  const answer = async (context) => {
    const { challenge } = await call(url, 'POST', '/v1/auth/challenge', { account, device: n });
    return { account, device: n, challenge, signature: Buffer.from(identity.sign(challengeData(account, n, challenge), { context })).toString('hex') };
  };
  await call(url, 'POST', '/v1/devices', { ...(await answer(REGISTER_CONTEXT)), identity: identity.publicIdentity.toJSON() }, voucher);
  const { token } = await call(url, 'POST', '/v1/auth/token', await answer(LOGIN_CONTEXT));
  if (n === 1) {
    const upload = await pq.createPrekeyBatch(identity, { prekeyStore: new pq.InMemoryPrekeyStore(), oneTimeCount: 200, oneTimeKemCount: 200 });
    await call(url, 'PUT', '/v1/prekeys', upload, token, 'application/octet-stream');
  }
  return { account, device: n, token, fingerprint: identity.publicIdentity.fingerprint };
}

/** An account of FANOUT devices. */
async function account(url, name) {
  const first = await device(url, name, 1);
  const devices = [first];
  for (let n = 2; n <= FANOUT; n++) devices.push(await device(url, name, n, first.token));
  return devices;
}

/** CPU microseconds (user + system) the server process has used so far. */
function serverCpu(child) {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m.cpu.user + m.cpu.system));
    child.send('cpu');
  });
}

function percentile(sorted, p) {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** One keep-alive connection per concurrent loop, for the measured requests. */
function connections(url) {
  return Array.from({ length: CLIENTS }, () => new Http1Connection(url));
}

/** A measured request on `conn`: its body (JSON parsed), or an error naming the status. */
async function measured(conn, method, p, token, json) {
  const headers = { authorization: `Bearer ${token}`, ...(json !== undefined && { 'content-type': 'application/json' }) };
  const res = await conn.request(method, p, headers, json);
  if (res.status !== 200) throw new Error(`${method} ${p}: ${res.status} ${res.body}`);
  return res.body;
}

/** Runs `op(loop)` from C concurrent loops for `seconds`, at most `rate` per second in all (0: as fast as possible). */
async function drive(seconds, op, rate = 0) {
  const latencies = [];
  const serverBefore = await serverCpu(server);
  const clientBefore = process.cpuUsage();
  const end = Date.now() + seconds * 1000;
  const interval = rate > 0 ? (1000 * CLIENTS) / rate : 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, c) => {
      let next = Date.now() + (interval * c) / CLIENTS;
      while (Date.now() < end) {
        if (interval > 0) {
          const wait = next - Date.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          next += interval;
        }
        const t = process.hrtime.bigint();
        await op(c);
        latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
        done++;
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  // CPU per operation: steadier than the rates on a shared machine, and it shows which
  // side (server or load clients) a phase is bound by.
  const client = process.cpuUsage(clientBefore);
  const cpu = { serverMicros: (await serverCpu(server)) - serverBefore, clientMicros: client.user + client.system };
  return {
    perSecond: done / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    count: done,
    serverCpuMicrosPerOp: cpu.serverMicros / done,
    clientCpuMicrosPerOp: cpu.clientMicros / done,
  };
}

/**
 * The relay phase: sends, each of one envelope per device of the recipient account
 * (FANOUT), timed until every one is delivered over the recipients' WebSockets. Rates and
 * CPU are per envelope; `rate` too.
 */
async function relay(url, accounts, seconds, rate = 0) {
  const waiting = new Map(); // envelope marker -> resolve
  const sockets = await Promise.all(
    accounts.flat().map(
      (d) =>
        new Promise((resolve, reject) => {
          const ws = new WebSocket(`${url.replace('http', 'ws')}/v1/ws`, { headers: { authorization: `Bearer ${d.token}` } });
          // Acks go as a client would send them: the ids received in one event-loop turn
          // in one frame (at most 100).
          let acks = [];
          const flush = () => {
            if (acks.length === 0) return;
            ws.send(JSON.stringify({ type: 'ack', ids: acks }));
            acks = [];
          };
          ws.on('message', (data) => {
            const f = JSON.parse(data.toString());
            if (f.type !== 'message') return;
            if (acks.length === 0) setImmediate(flush);
            acks.push(f.id);
            if (acks.length === 100) flush();
            const marker = f.envelope.slice(0, MARKER_CHARS);
            waiting.get(marker)?.();
            waiting.delete(marker);
          });
          ws.once('open', () => resolve(ws));
          ws.once('error', reject);
        }),
    ),
  );
  const conns = connections(url);
  const result = await drive(
    seconds,
    async (c) => {
      // Another account than the sender's: a device's send to its own account names its
      // other devices only (docs/server.md, "Relay").
      const fromIndex = Math.floor(Math.random() * accounts.length);
      const from = accounts[fromIndex][0];
      const to = accounts[(fromIndex + 1 + Math.floor(Math.random() * (accounts.length - 1))) % accounts.length];
      const messages = [];
      const delivered = [];
      for (const d of to) {
        const marker = nextMarker();
        delivered.push(new Promise((resolve) => waiting.set(marker, resolve)));
        messages.push(`{"device":${d.device},"fingerprint":"${d.fingerprint}","envelope":"${marker}${ENVELOPE_TAIL}"}`);
      }
      await measured(conns[c], 'POST', `/v1/messages/${to[0].account}`, from.token, `{"messages":[${messages.join(',')}]}`);
      await Promise.all(delivered);
    },
    rate / FANOUT,
  );
  // Per envelope.
  result.perSecond *= FANOUT;
  result.count *= FANOUT;
  result.serverCpuMicrosPerOp /= FANOUT;
  result.clientCpuMicrosPerOp /= FANOUT;
  for (const ws of sockets) ws.close();
  for (const conn of conns) conn.close();
  return result;
}

function summary(r) {
  return `${r.perSecond.toFixed(0)}/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms; CPU per operation: server ${r.serverCpuMicrosPerOp.toFixed(0)} µs, clients ${r.clientCpuMicrosPerOp.toFixed(0)} µs`;
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pqwire-load-'));
  const db = args.db ?? path.join(dir, 'load.db');
  const loadBefore = os.loadavg()[0];
  const { url, child } = await startServer(db);
  server = child;
  try {
    console.log(`server ${url} on ${args.db ? 'postgres' : 'sqlite'}; ${DESCRIPTION}`);
    const accounts = [];
    for (let i = 0; i < DEVICES; i++) accounts.push(await account(url, `load-${process.pid}-${i}`));
    const devices = accounts.map((a) => a[0]);
    const fetcher = devices[0];
    const fetches = (rate) => {
      const conns = connections(url);
      const fetch = (c) => measured(conns[c], 'GET', `/v1/prekeys/${devices[Math.floor(Math.random() * devices.length)].account}/1`, fetcher.token);
      return drive(SECONDS, fetch, rate).finally(() => conns.forEach((conn) => conn.close()));
    };
    const bundles = await fetches();
    console.log(`bundle fetches: ${summary(bundles)}`);
    const relayed = await relay(url, accounts, SECONDS);
    console.log(`relayed 1 KiB envelopes (send, store, deliver, acknowledge): ${summary(relayed)}`);
    const halfBundles = await fetches(bundles.perSecond / 2);
    const halfRelay = await relay(url, accounts, SECONDS, relayed.perSecond / 2);
    console.log(`at half load: bundle fetches p99 ${halfBundles.p99.toFixed(2)} ms; relay p99 ${halfRelay.p99.toFixed(2)} ms`);
    const date = new Date().toISOString().slice(0, 10);
    const results = {
      date,
      // The machine is shared: its load average before and after the run says how much.
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, loadBefore, loadAfter: os.loadavg()[0] },
      database: args.db ? 'postgres' : 'sqlite',
      settings: { seconds: SECONDS, clients: CLIENTS, accounts: DEVICES, devicesPerAccount: FANOUT },
      bundles,
      relay: relayed,
      halfLoad: { bundles: halfBundles, relay: halfRelay },
    };
    const out = path.join(__dirname, 'results', `${date}-load-${results.database}${FANOUT > 1 ? `-fanout${FANOUT}` : ''}`);
    fs.writeFileSync(`${out}.json`, `${JSON.stringify(results, null, 2)}\n`);
    fs.writeFileSync(
      `${out}.md`,
      [
        `# pqwire serve under load, ${date} (${results.database})`,
        '',
        `Machine: ${results.machine.cpus} cores (${results.machine.model}), Node ${results.machine.node}; server and clients on the same machine (load average ${loadBefore.toFixed(2)} before the run, ${results.machine.loadAfter.toFixed(2)} after). ${DESCRIPTION}.`,
        '',
        '| phase | rate | p50 | p99 | p99 at half the rate | server CPU per operation | load clients CPU per operation |',
        '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
        `| bundle fetches | ${bundles.perSecond.toFixed(0)}/s | ${bundles.p50.toFixed(2)} ms | ${bundles.p99.toFixed(2)} ms | ${halfBundles.p99.toFixed(2)} ms | ${bundles.serverCpuMicrosPerOp.toFixed(0)} µs | ${bundles.clientCpuMicrosPerOp.toFixed(0)} µs |`,
        `| relayed 1 KiB envelopes (send → delivered over WebSocket → acknowledged) | ${relayed.perSecond.toFixed(0)}/s | ${relayed.p50.toFixed(2)} ms | ${relayed.p99.toFixed(2)} ms | ${halfRelay.p99.toFixed(2)} ms | ${relayed.serverCpuMicrosPerOp.toFixed(0)} µs | ${relayed.clientCpuMicrosPerOp.toFixed(0)} µs |`,
        '',
      ].join('\n'),
    );
    console.log(`wrote ${path.relative(ROOT, out)}.md, .json`);
  } finally {
    child.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
