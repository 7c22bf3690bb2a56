// Issue 17's targets (protocol v2 against @signalapp/libsignal-client), read from one run's
// data: each row has pqwire's value, libsignal's, the ratio pqwire / libsignal and
// pass/miss against the issue's target. pqwire is the headline column: ML-KEM-768,
// Ed25519+ML-DSA-65 identities, its default cadence.
//
//   prekey bundle          ≤ 7,500 B (one-time X25519 + one-time ML-KEM prekey); from a
//                          100 + 100 upload when the v2 batch API exists (the larger),
//                          else createPrekeyBundle's
//   first message          ≤ 8,000 B with a 1 KiB payload
//   mean ratchet message   ≤ 1.10x libsignal's over 200 alternating 1 KiB messages, AND
//                          pqwire's completed PQ steps ≥ libsignal's SPQR epochs there
//   establishment          ≥ 1.0x libsignal's sessions/s (both sides)
//   memory per session     ≤ 1.5x libsignal's
//   restore per record     ≤ 2x libsignal's time
'use strict';

const LIBSIGNAL = '@signalapp/libsignal-client';
const HEADLINE_KEM = 'ML-KEM-768';

const n = (x) => Math.round(x).toLocaleString('en-US');
const x2 = (r) => `${r.toFixed(2)}x`;
const kib = (b) => `${(b / 1024).toFixed(1)} KiB`;
const us = (s) => `${(s * 1e6).toFixed(s < 1e-5 ? 2 : 1)} µs`;

/** A row with nothing measured: why. */
const missing = (metric, target, note) => ({ metric, target, pqwire: '–', libsignal: '–', ratio: null, value: null, status: 'not measured', note });

/** A row from two numbers; `pass(pq, ls, ratio)` decides. */
function row(metric, target, pq, ls, fmt, pass, note) {
  const ratio = pq !== null && ls ? pq / ls : null;
  return { metric, target, pqwire: fmt(pq), libsignal: ls === null ? '–' : fmt(ls), ratio, value: pq, status: pass(pq, ls, ratio) ? 'pass' : 'miss', note: note || null };
}

function bundleRow(sizes) {
  const metric = 'prekey bundle (one-time X25519 + one-time ML-KEM prekey)';
  const target = '≤ 7,500 B';
  const pq = sizes && sizes.pqwire && sizes.pqwire[HEADLINE_KEM];
  if (!pq) return missing(metric, target, 'session wire sizes not run (filtered out)');
  const fromBatch = pq.bundleFromBatch !== undefined;
  const value = fromBatch ? Math.max(pq.bundleFromBatch, pq.bundle) : pq.bundle;
  const ls = sizes.libsignal && !sizes.libsignal.error ? sizes.libsignal.bundle : null;
  const note = fromBatch
    ? `assembled from an upload of 100 + 100 one-time prekeys: ${n(pq.bundleFromBatch)} B; createPrekeyBundle's own batch: ${n(pq.bundle)} B`
    : 'createPrekeyBundle (this build has no batch API)';
  return row(metric, target, value, ls, (v) => `${n(v)} B`, (v) => v <= 7500, `${note}; libsignal: the sum of its serialized parts (Kyber1024 prekey)`);
}

function firstMessageRow(sizes, conv) {
  const metric = 'first message, 1 KiB payload';
  const target = '≤ 8,000 B';
  const pq = sizes && sizes.pqwire && sizes.pqwire[HEADLINE_KEM];
  const value = pq ? pq.firstMessage : conv && conv.pqwire && !conv.pqwire.error ? conv.pqwire.firstMessage : undefined;
  if (value === undefined) return missing(metric, target, 'neither the wire sizes nor the conversation ran (filtered out)');
  const lsSrc = sizes && sizes.libsignal && !sizes.libsignal.error ? sizes.libsignal : conv && conv.libsignal && !conv.libsignal.error ? conv.libsignal : null;
  return row(metric, target, value, lsSrc ? lsSrc.firstMessage : null, (v) => `${n(v)} B`, (v) => v <= 8000, 'libsignal: its PreKeySignalMessage');
}

function ratchetRow(conv) {
  const metric = 'mean ratchet message, 200 alternating 1 KiB messages; completed post-quantum steps';
  const target = '≤ 1.10x libsignal, PQ steps ≥ its SPQR epochs';
  if (!conv) return missing(metric, target, 'the conversation did not run (filtered out)');
  const pq = conv.pqwire;
  const ls = conv.libsignal;
  if (!pq || pq.error) return missing(metric, target, `pqwire: ${pq ? pq.error : 'missing'}`);
  if (!ls || ls.error) return missing(metric, target, `libsignal: ${ls ? ls.error : 'not loaded'}`);
  const ratio = pq.meanBytes / ls.meanBytes;
  const sizeOk = ratio <= 1.1;
  const steps = pq.pqSteps === null ? 'n/a' : String(pq.pqSteps);
  let status;
  if (!sizeOk) status = 'miss';
  else if (pq.pqSteps === null) status = 'not measured';
  else status = pq.pqSteps >= ls.spqrEpochs ? 'pass' : 'miss';
  const note = `size ${sizeOk ? 'within' : 'over'} 1.10x; PQ steps ${steps} vs ${ls.spqrEpochs} SPQR epochs` +
    (pq.pqSteps === null ? ' (this build does not report session.info.pqSteps)' : '');
  return {
    metric,
    target,
    pqwire: `${n(pq.meanBytes)} B, ${steps} PQ steps`,
    libsignal: `${n(ls.meanBytes)} B, ${ls.spqrEpochs} SPQR epochs`,
    ratio,
    value: ratio,
    status,
    note,
  };
}

function establishmentRow(cases) {
  const metric = 'session establishment, both sides (sessions/s)';
  const target = '≥ 1.0x libsignal';
  const c = cases && cases.find((x) => x.id === 'session establishment');
  if (!c) return missing(metric, target, 'not run (filtered out)');
  const get = (lib) => c.results.find((r) => r.lib === lib && !r.error);
  const pq = get('pqwire');
  const ls = get(LIBSIGNAL);
  if (!pq || !ls) return missing(metric, target, 'pqwire or libsignal missing');
  return row(metric, target, pq.opsPerSec, ls.opsPerSec, (v) => n(v), (v, l, r) => r >= 1.0);
}

function memoryRows(memory) {
  const mem = 'memory per open session';
  const res = 'restore time per record';
  if (!memory) return [missing(mem, '≤ 1.5x libsignal', 'not run (filtered out)'), missing(res, '≤ 2x libsignal', 'not run (filtered out)')];
  const pq = memory.rows.find((r) => r.lib === 'pqwire' && !r.error);
  const ls = memory.rows.find((r) => r.lib === 'libsignal' && !r.error);
  if (!pq || !ls) {
    const why = 'pqwire or libsignal missing';
    return [missing(mem, '≤ 1.5x libsignal', why), missing(res, '≤ 2x libsignal', why)];
  }
  const per = (r) => r.seconds / r.count;
  return [
    row(mem, '≤ 1.5x libsignal', pq.perSessionBytes, ls.perSessionBytes, kib, (v, l, r) => r <= 1.5, `RSS growth over ${n(memory.count)} open sessions`),
    row(res, '≤ 2x libsignal', per(pq), per(ls), us, (v, l, r) => r <= 2, `restoring ${n(memory.count)} records: ${pq.seconds.toFixed(3)} s vs ${ls.seconds.toFixed(3)} s`),
  ];
}

/** Every issue 17 target, in the issue's order. */
function issue17Targets(data) {
  return [
    bundleRow(data.sizes),
    firstMessageRow(data.sizes, data.conversation),
    ratchetRow(data.conversation),
    establishmentRow(data.cases),
    ...memoryRows(data.memory),
  ];
}

const ratioText = (t) => (t.ratio === null || t.ratio === undefined ? '–' : x2(t.ratio));

/** One console line per target. */
function lines(rows) {
  return rows.map((t) => `  ${t.status.padEnd(13)}${t.metric}: pqwire ${t.pqwire}, libsignal ${t.libsignal}, ${ratioText(t)} (${t.target})${t.note ? ` — ${t.note}` : ''}`);
}

/** The markdown table's rows: [target, pqwire, libsignal, ratio, goal, status]. */
function tableRows(rows) {
  return rows.map((t) => [t.metric, t.pqwire, t.libsignal, ratioText(t), t.target, t.note ? `**${t.status}** (${t.note})` : `**${t.status}**`]);
}

module.exports = { issue17Targets, lines, tableRows };
