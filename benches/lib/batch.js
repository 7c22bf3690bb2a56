// Batch operations (issue 19): the same 256 items three ways, in items per second.
//
//   batch         one batch call (`encapsulateBatch`, `verifyBatch`, ...): one libuv
//                 thread-pool task, its items split across the cores inside it
//   256 × async   256 awaited `*Async` calls, one after another (one thread-pool task each)
//   256 × sync    256 synchronous calls on the JavaScript thread
//
// and the batch's gain over each. The modes run in interleaved repeats (as lib/measure.js
// does for libraries), each repeat timing whole rounds of 256 items for at least `minTime`.
'use strict';

const path = require('node:path');
const { summarize } = require('./measure');
const { MESSAGE, same, check } = require('./cases/common');

const ROOT = path.join(__dirname, '..', '..');
/** Items per round: one batch call, or that many single calls. */
const ITEMS = 256;
const NAME = `batch operations, ${ITEMS} items`;

/** The rows: per operation, a round of each mode (a function returning a promise). */
function operations(pq) {
  const k = pq.kem('X25519+ML-KEM-1024');
  const kk = k.keygen();
  const pks = new Array(ITEMS).fill(kk.publicKey);
  const cts = pks.map((pk) => k.encapsulate(pk).cipherText);

  const s = pq.sig('Ed25519+ML-DSA-87');
  const sk = s.keygen();
  const msgs = new Array(ITEMS).fill(MESSAGE);
  const signature = s.sign(MESSAGE, sk.secretKey);
  const items = msgs.map((message) => ({ signature, message, publicKey: sk.publicKey }));

  const each = async (f) => {
    for (let i = 0; i < ITEMS; i++) await f(i);
  };
  const loop = (f) => async () => {
    for (let i = 0; i < ITEMS; i++) f(i);
  };
  return [
    {
      id: `${k.name} encapsulate`,
      modes: {
        batch: () => k.encapsulateBatch(pks),
        async: () => each((i) => k.encapsulateAsync(pks[i])),
        sync: loop((i) => k.encapsulate(pks[i])),
      },
      check: async () => {
        const out = await k.encapsulateBatch(pks.slice(0, 16));
        check(out.every((e) => same(k.decapsulate(e.cipherText, kk.secretKey), e.sharedSecret)), 'batch encapsulation does not decapsulate');
      },
    },
    {
      id: `${k.name} decapsulate`,
      modes: {
        batch: () => k.decapsulateBatch(cts, kk.secretKey),
        async: () => each((i) => k.decapsulateAsync(cts[i], kk.secretKey)),
        sync: loop((i) => k.decapsulate(cts[i], kk.secretKey)),
      },
      check: async () => {
        const out = await k.decapsulateBatch(cts, kk.secretKey);
        check(out.every((ss, i) => same(ss, k.decapsulate(cts[i], kk.secretKey))), 'batch decapsulation differs');
      },
    },
    {
      id: `${s.name} sign 1 KiB`,
      modes: {
        batch: () => s.signBatch(msgs, sk.secretKey),
        async: () => each((i) => s.signAsync(msgs[i], sk.secretKey)),
        sync: loop((i) => s.sign(msgs[i], sk.secretKey)),
      },
      check: async () => {
        const out = await s.signBatch(msgs.slice(0, 16), sk.secretKey);
        check(out.every((sg) => s.verify(sg, MESSAGE, sk.publicKey).valid), 'batch signature does not verify');
      },
    },
    {
      id: `${s.name} verify 1 KiB`,
      modes: {
        batch: () => s.verifyBatch(items),
        async: () => each((i) => s.verifyAsync(signature, msgs[i], sk.publicKey)),
        sync: loop((i) => s.verify(signature, msgs[i], sk.publicKey)),
      },
      check: async () => {
        const out = await s.verifyBatch(items);
        check(out.length === ITEMS && out.every((v) => v.valid), 'batch verification failed');
      },
    },
  ];
}

/** Items per second of `round` (ITEMS items each), over whole rounds lasting at least `minTime` s. */
async function rate(round, minTime) {
  let rounds = 0;
  const start = process.hrtime.bigint();
  let secs = 0;
  do {
    await round();
    rounds++;
    secs = Number(process.hrtime.bigint() - start) / 1e9;
  } while (secs < minTime);
  return (rounds * ITEMS) / secs;
}

const MODES = [
  ['batch', 'batch'],
  ['async', `${ITEMS} × async`],
  ['sync', `${ITEMS} × sync`],
];

/**
 * Measures every row: `s.repeats` interleaved repeats of each mode (after one warm-up
 * round each), at least 5 × `s.maxTime` seconds a repeat. Returns { items, cores, rows }.
 */
async function batchOperations(s) {
  const pq = require(ROOT);
  const minTime = 5 * s.maxTime;
  const rows = [];
  for (const op of operations(pq)) {
    try {
      await op.check();
      for (const [mode] of MODES) await op.modes[mode]();
      const rates = { batch: [], async: [], sync: [] };
      for (let r = 0; r < s.repeats; r++) {
        for (const [mode] of MODES) rates[mode].push(await rate(op.modes[mode], minTime));
      }
      const modes = MODES.map(([mode, label]) => {
        const { opsPerSec, spread, repeats } = summarize(rates[mode]);
        return { mode, label, itemsPerSec: opsPerSec, spread, repeats };
      });
      const [batch, async, sync] = modes;
      rows.push({ id: op.id, modes, gainVsAsync: batch.itemsPerSec / async.itemsPerSec, gainVsSync: batch.itemsPerSec / sync.itemsPerSec });
    } catch (e) {
      rows.push({ id: op.id, error: (e && e.message) || String(e) });
    }
  }
  return { items: ITEMS, cores: require('node:os').availableParallelism(), minTimeSec: minTime, rows };
}

module.exports = { batchOperations, NAME, ITEMS };
