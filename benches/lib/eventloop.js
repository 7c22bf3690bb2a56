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
//   async: each burst starts every client's work and awaits it all (libuv thread pool;
//          UV_THREADPOOL_SIZE is left as it is)
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
 * Idle baseline, then each selected workload sync and async. `which` picks workloads by
 * id ('session handshakes', 'primitives').
 */
async function eventLoop(seconds, which = ['session handshakes', 'primitives']) {
  const pq = require(ROOT);
  const idle = await runMode('idle', null, Math.min(seconds, 1));
  const workloads = [];
  for (const id of which) {
    const w = id === 'primitives' ? primitives(pq) : await sessionHandshakes(pq);
    const modes = [];
    for (const mode of ['sync', 'async']) modes.push(await runMode(mode, w, seconds));
    workloads.push({ id: w.id, handshake: w.handshake, modes });
  }
  return { burst: BURST, resolutionMs: RESOLUTION_MS, seconds, idle, workloads };
}

module.exports = { eventLoop };
