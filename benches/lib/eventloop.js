// Event-loop lag of a server under handshake load, sync versus async. Two workloads:
//
//   session handshakes   the responder's side of a real handshake: acceptSession of an
//                        initial message (ML-KEM-768 prekeys, Ed25519+ML-DSA-65
//                        identities, 1 KiB first message). The issue 7 target row.
//   primitives           what the earlier runs measured before sessions existed: one
//                        ML-KEM-768 decapsulation + one ML-DSA-65 verification (1 KiB).
//
// Clients arrive in bursts of BURST (as many connections' data lands in one poll phase);
// the next burst arrives once the previous one is answered, for a fixed time.
//   sync:  each burst is handled in one callback, synchronously
//   async: each burst starts every client's work and awaits it all (libuv thread pool)
//
// The thread pool's size is a deployment setting: libuv reads UV_THREADPOOL_SIZE once, when
// the pool starts, so each pool size needs its own process. The workloads run in a fresh
// `node` (lib/eventloop-child.js) twice: with the environment as given (libuv's default
// pool of 4 threads unless UV_THREADPOOL_SIZE is set), and with UV_THREADPOOL_SIZE =
// max(1, cores - 1), which leaves the JavaScript thread a core of its own (with 4 CPU-bound
// threads on 2 cores the event loop waits for the scheduler). When the user already set
// UV_THREADPOOL_SIZE the second run would be the same and is skipped.
//
// pqwire's acceptSession is always async (the native work runs on the thread pool), so
// the sync baseline of the session workload calls the core's synchronous accept through
// the internal native module (NativeSession.accept) with a Map of prekey secrets,
// doing the same work as acceptSession minus the thread pool: decode the initial
// message, look the prekeys up, accept, take the first plaintext. It is the number an
// application would get if pqwire offered a sync accept.
//
// The initial messages are made beforehand against bundles without one-time prekeys
// (last-resort ML-KEM prekey), so that a pool of POOL messages can be accepted again and
// again (with one-time prekeys each message is accepted once; that would need a fresh
// bundle and initiation per handshake, more than the handshakes cost).
//
// Lag comes from perf_hooks.monitorEventLoopDelay, sampling every millisecond: a sample is
// the interval between two timer ticks, so the lag is the sample minus the 1 ms resolution.
'use strict';

const crypto = require('node:crypto');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { monitorEventLoopDelay } = require('node:perf_hooks');
const { ROOT } = require('./peers');

const BURST = 32;
const RESOLUTION_MS = 1;
const POOL = 16;

const tick = () => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** ML-KEM-768 decapsulate + ML-DSA-65 verify, sync and async. */
function primitives(pq) {
  const kem = pq.mlKem768;
  const dsa = pq.mlDsa65;
  const server = kem.keygen();
  const client = dsa.keygen();
  const items = [];
  for (let i = 0; i < POOL; i++) {
    const transcript = new Uint8Array(1024).fill(i);
    items.push({ cipherText: kem.encapsulate(server.publicKey).cipherText, transcript, signature: dsa.sign(transcript, client.secretKey) });
  }
  return {
    id: 'primitives',
    handshake: 'ML-KEM-768 decapsulate + ML-DSA-65 verify 1 KiB',
    sync(n) {
      for (let i = 0; i < BURST; i++) {
        const it = items[(n + i) % POOL];
        kem.decapsulate(it.cipherText, server.secretKey);
        if (!dsa.verify(it.signature, it.transcript, client.publicKey).valid) throw new Error('signature rejected');
      }
    },
    async async(n) {
      const work = [];
      for (let i = 0; i < BURST; i++) {
        const it = items[(n + i) % POOL];
        work.push(kem.decapsulateAsync(it.cipherText, server.secretKey), dsa.verifyAsync(it.signature, it.transcript, client.publicKey));
      }
      const results = await Promise.all(work);
      for (let i = 1; i < results.length; i += 2) if (!results[i].valid) throw new Error('signature rejected');
    },
  };
}

/** acceptSession (async) versus the core's sync accept. */
async function sessionHandshakes(pq) {
  const { MapPrekeyStore, acceptSync, internals } = require('./sessions');
  const { native, capabilities } = internals(pq);
  const bob = pq.createIdentity();
  const prekeyStore = new MapPrekeyStore();
  const bundle = await pq.createPrekeyBundle(bob, { prekeyStore, oneTimeKemPrekey: false, oneTimePrekey: false });
  const plaintext = new Uint8Array(crypto.randomBytes(1024));
  const messages = [];
  for (let i = 0; i < POOL; i++) {
    const { initialMessage } = await pq.initiateSession(bundle, { identity: pq.createIdentity(), plaintext });
    messages.push(initialMessage);
  }
  const ctx = { identity: bob, capabilities, options: { policy: 'pq-required', minVersion: 1 }, prekeyStore };
  // Both paths accept and read the first message once before timing.
  if (acceptSync(pq, native, ctx, messages[0]).plaintext.length !== plaintext.length) throw new Error('self-check failed: first message differs');
  if ((await pq.acceptSession(messages[0], { identity: bob, prekeyStore })).plaintext.length !== plaintext.length) throw new Error('self-check failed: first message differs');
  return {
    id: 'session handshakes',
    handshake: 'acceptSession of an initial message (ML-KEM-768 prekey, Ed25519+ML-DSA-65 identities, 1 KiB first message)',
    sync(n) {
      for (let i = 0; i < BURST; i++) acceptSync(pq, native, ctx, messages[(n + i) % POOL]);
    },
    async async(n) {
      const work = [];
      for (let i = 0; i < BURST; i++) work.push(pq.acceptSession(messages[(n + i) % POOL], { identity: bob, prekeyStore }));
      await Promise.all(work);
    },
  };
}

/** Runs one mode for `seconds`; returns { mode, handshakesPerSec, lagP50Ms, lagP99Ms, lagMaxMs, samples }. */
async function runMode(mode, w, seconds) {
  // Let the loop settle first: a long synchronous stretch before (benchmarks, child
  // processes) would otherwise show up as the first sample.
  await sleep(50);
  const h = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  h.enable();
  const start = process.hrtime.bigint();
  const until = start + BigInt(Math.round(seconds * 1e9));
  let handshakes = 0;
  for (let n = 0; process.hrtime.bigint() < until; n += BURST) {
    if (mode === 'sync') w.sync(n);
    else if (mode === 'async') await w.async(n);
    else await sleep(5); // idle
    if (mode !== 'idle') handshakes += BURST;
    await tick(); // the next burst arrives in a later loop iteration
  }
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  h.disable();
  const lag = (ns) => Math.max(0, ns / 1e6 - RESOLUTION_MS);
  return {
    mode,
    handshakesPerSec: mode === 'idle' ? null : handshakes / elapsed,
    lagP50Ms: lag(h.percentile(50)),
    lagP99Ms: lag(h.percentile(99)),
    lagMaxMs: lag(h.max),
    samples: h.count,
  };
}

/**
 * Idle baseline, then each selected workload sync and async, in this process (the child's
 * side). `which` picks workloads by id ('session handshakes', 'primitives').
 */
async function measureEventLoop(seconds, which = ['session handshakes', 'primitives']) {
  const pq = require(ROOT);
  const idle = await runMode('idle', null, Math.min(seconds, 1));
  const workloads = [];
  for (const id of which) {
    const w = id === 'primitives' ? primitives(pq) : await sessionHandshakes(pq);
    const modes = [];
    for (const mode of ['sync', 'async']) modes.push(await runMode(mode, w, seconds));
    workloads.push({ id: w.id, handshake: w.handshake, modes });
  }
  return { idle, workloads };
}

const DEFAULT_POOL = 4; // libuv's default
const MAX_POOL = 1024; // libuv >= 1.45

/** The pool size libuv makes of a UV_THREADPOOL_SIZE value (atoi; 0 is 1; capped). */
function poolSize(value) {
  if (value === undefined) return DEFAULT_POOL;
  const n = Number.parseInt(value, 10) || 0;
  return Math.min(Math.max(n, 1), MAX_POOL);
}

/** One child process: `env` is its environment. */
function runChild(seconds, which, env) {
  const r = spawnSync(process.execPath, [path.join(__dirname, 'eventloop-child.js'), String(seconds), JSON.stringify(which)], {
    encoding: 'utf8',
    env,
    timeout: 600000,
    maxBuffer: 1 << 20,
  });
  if (r.status !== 0) return { error: (r.stderr || r.error || `exit ${r.status}`).toString().trim().split('\n').pop() };
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

/**
 * The parent's side: the workloads in a fresh node with the environment as given, then
 * with UV_THREADPOOL_SIZE = max(1, cores - 1) unless the user set it. Each run is
 * { pool: { size, setting, env }, idle, workloads } or { pool, error }; `setting` is
 * 'default' (not set), 'user' (set before the run) or 'cores - 1'.
 */
function eventLoop(seconds, which = ['session handshakes', 'primitives']) {
  const cores = os.cpus().length;
  const given = process.env.UV_THREADPOOL_SIZE;
  const plans = [{ env: process.env, pool: { size: poolSize(given), setting: given === undefined ? 'default' : 'user', env: given === undefined ? null : given } }];
  if (given === undefined) {
    const sized = String(Math.max(1, cores - 1));
    plans.push({ env: { ...process.env, UV_THREADPOOL_SIZE: sized }, pool: { size: poolSize(sized), setting: 'cores - 1', env: sized } });
  }
  const runs = plans.map(({ env, pool }) => ({ pool, ...runChild(seconds, which, env) }));
  return { burst: BURST, resolutionMs: RESOLUTION_MS, seconds, cores, runs };
}

/** The run the issue 7 target is read from: the sized pool, or the user's setting. */
function targetRun(e) {
  return e.runs.find((r) => r.pool.setting !== 'default') || e.runs[0];
}

module.exports = { eventLoop, measureEventLoop, targetRun, poolSize };
