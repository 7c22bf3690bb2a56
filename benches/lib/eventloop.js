// Event-loop lag of a server under handshake load, sync API versus async API.
//
// A handshake here is what a server does per connecting client with the primitives that
// exist today: one ML-KEM-768 decapsulation and one ML-DSA-65 verification (1 KiB
// transcript). Clients arrive in bursts of BURST (as many connections' data lands in one
// poll phase); the next burst arrives once the previous one is answered, for a fixed time.
//   sync:  each burst is handled in one callback with decapsulate() and verify()
//   async: each burst starts decapsulateAsync() and verifyAsync() for every client and
//          awaits them all (libuv thread pool; UV_THREADPOOL_SIZE is left as it is)
// Lag comes from perf_hooks.monitorEventLoopDelay, sampling every millisecond: a sample is
// the interval between two timer ticks, so the lag is the sample minus the 1 ms resolution.
// Sessions (issue 5) will replace this with real handshakes.
'use strict';

const { monitorEventLoopDelay } = require('node:perf_hooks');
const { ROOT } = require('./peers');

const BURST = 32;
const RESOLUTION_MS = 1;
const POOL = 16;

function fixtures(pq) {
  const kem = pq.mlKem768;
  const dsa = pq.mlDsa65;
  const server = kem.keygen();
  const client = dsa.keygen();
  const items = [];
  for (let i = 0; i < POOL; i++) {
    const transcript = new Uint8Array(1024).fill(i);
    items.push({
      cipherText: kem.encapsulate(server.publicKey).cipherText,
      transcript,
      signature: dsa.sign(transcript, client.secretKey),
    });
  }
  return { kem, dsa, sk: server.secretKey, pk: client.publicKey, items };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

function syncBurst(f, n) {
  for (let i = 0; i < BURST; i++) {
    const it = f.items[(n + i) % POOL];
    f.kem.decapsulate(it.cipherText, f.sk);
    if (!f.dsa.verify(it.signature, it.transcript, f.pk).valid) throw new Error('signature rejected');
  }
}

async function asyncBurst(f, n) {
  const work = [];
  for (let i = 0; i < BURST; i++) {
    const it = f.items[(n + i) % POOL];
    work.push(f.kem.decapsulateAsync(it.cipherText, f.sk), f.dsa.verifyAsync(it.signature, it.transcript, f.pk));
  }
  const results = await Promise.all(work);
  for (let i = 1; i < results.length; i += 2) if (!results[i].valid) throw new Error('signature rejected');
}

/** Runs one mode for `seconds`; returns { mode, handshakesPerSec, lagP50Ms, lagP99Ms, lagMaxMs }. */
async function runMode(mode, f, seconds) {
  const h = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  h.enable();
  const start = process.hrtime.bigint();
  const until = start + BigInt(Math.round(seconds * 1e9));
  let handshakes = 0;
  for (let n = 0; process.hrtime.bigint() < until; n += BURST) {
    if (mode === 'sync') syncBurst(f, n);
    else if (mode === 'async') await asyncBurst(f, n);
    else await new Promise((resolve) => setTimeout(resolve, 5)); // idle
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

/** Idle baseline, then sync, then async load. */
async function eventLoop(seconds) {
  const f = fixtures(require(ROOT));
  const out = [];
  for (const mode of ['idle', 'sync', 'async']) out.push(await runMode(mode, f, mode === 'idle' ? Math.min(seconds, 1) : seconds));
  return { burst: BURST, resolutionMs: RESOLUTION_MS, seconds, handshake: 'ML-KEM-768 decapsulate + ML-DSA-65 verify 1 KiB', modes: out };
}

module.exports = { eventLoop };
