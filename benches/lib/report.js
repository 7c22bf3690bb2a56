// The report: ratios, issue 7's targets with pass/miss, the console lines, and the
// markdown rendering of the JSON results.
'use strict';

const isPqwire = (lib) => lib === 'pqwire' || lib.startsWith('pqwire ');
const ok = (results) => results.filter((r) => !r.error);

/** 12345.6 -> "12,300"; three significant figures, thousands separators. */
function fmtOps(x) {
  return Number(x.toPrecision(3)).toLocaleString('en-US');
}
const pct = (x) => `${Math.round(x * 100)}%`;
const ratio = (x) => `${x >= 10 ? x.toFixed(0) : x >= 1 ? x.toFixed(2) : x.toFixed(3)}x`;
const ms = (x) => `${x < 10 ? x.toFixed(2) : x.toFixed(1)} ms`;

/** pqwire (sync) / each peer and / the fastest peer. Mutates and returns the case. */
function addRatios(c) {
  const pq = ok(c.results).find((r) => r.lib === 'pqwire');
  const peers = ok(c.results).filter((r) => !isPqwire(r.lib));
  c.ratios = null;
  if (pq && peers.length) {
    const fastest = peers.reduce((a, b) => (b.opsPerSec > a.opsPerSec ? b : a));
    c.ratios = {
      vs: Object.fromEntries(peers.map((r) => [r.lib, pq.opsPerSec / r.opsPerSec])),
      fastestPeer: { lib: fastest.lib, ratio: pq.opsPerSec / fastest.opsPerSec },
    };
  }
  return c;
}

/** Attaches the raw Rust figure and the boundary overhead (JS time per op over Rust's, minus 1). */
function addRust(c, rust) {
  const r = rust && rust.results[c.rustId];
  const pq = ok(c.results).find((x) => x.lib === 'pqwire');
  c.rust = r ? { opsPerSec: r.opsPerSec, relStdDev: r.relStdDev, boundaryOverhead: pq ? r.opsPerSec / pq.opsPerSec - 1 : null } : null;
  return c;
}

/** One console line per library of a measured case. */
function caseLines(c) {
  const lines = [`${c.id}`];
  for (const r of c.results) {
    if (r.error) {
      lines.push(`  ${r.lib.padEnd(30)} error: ${r.error}`);
      continue;
    }
    const vs = c.ratios && !isPqwire(r.lib) ? `  pqwire ${ratio(c.ratios.vs[r.lib])}` : '';
    lines.push(`  ${r.lib.padEnd(30)}${fmtOps(r.opsPerSec).padStart(14)} ops/s ±${pct(r.spread).padEnd(5)}${vs}`);
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------
// Targets (issue 7). Each returns { operation, target, measured, value, status, note? }.

function throughputTarget(data, id, target, minRatio, peer) {
  const c = data.cases.find((x) => x.id === id);
  const row = { operation: `${id} (sync, from JavaScript)`, target, measured: '', value: null, status: 'not measured' };
  if (!c) return { ...row, note: 'not run (filtered out)' };
  if (!c.ratios) return { ...row, note: 'pqwire or every peer missing' };
  const against = peer ? (c.ratios.vs[peer] !== undefined ? { lib: peer, ratio: c.ratios.vs[peer] } : null) : c.ratios.fastestPeer;
  if (!against) return { ...row, note: `${peer} not measured` };
  return { ...row, measured: `${ratio(against.ratio)} ${against.lib}`, value: against.ratio, status: against.ratio >= minRatio ? 'pass' : 'miss' };
}

const LIBSIGNAL = '@signalapp/libsignal-client';
/** The pqwire column closest to libsignal's post-quantum cadence (SPQR: one ML-KEM-768 epoch per dozens of messages). */
const COMPARABLE = 'pqwire ML-KEM-768 every 50 messages';

/** pqwire (or a variant) / libsignal in a session case, or null. */
function sessionRatio(c, lib) {
  const mine = c && ok(c.results).find((r) => r.lib === lib);
  const theirs = c && ok(c.results).find((r) => r.lib === LIBSIGNAL);
  return mine && theirs ? mine.opsPerSec / theirs.opsPerSec : null;
}

/** Session establishment and ratchet messages against libsignal (issue 7). */
function sessionTargets(data) {
  const rows = [];
  const est = data.cases.find((x) => x.id === 'session establishment');
  const estRow = { operation: 'session establishment (sessions/s, both sides)', target: 'at least 3x libsignal sessions/s', measured: '', value: null, status: 'not measured' };
  const r = sessionRatio(est, 'pqwire');
  if (!est) rows.push({ ...estRow, note: 'not run (filtered out)' });
  else if (r === null) rows.push({ ...estRow, note: 'pqwire or libsignal missing' });
  else rows.push({ ...estRow, measured: `${ratio(r)} libsignal (ML-KEM-768)`, value: r, status: r >= 3 ? 'pass' : 'miss' });
  for (const pattern of ['alternating', 'one direction']) {
    const c = data.cases.find((x) => x.id === `ratchet 1 KiB ${pattern}`);
    const row = { operation: `ratchet messages, 1 KiB, ${pattern}`, target: 'at least 3x libsignal messages/s at comparable post-quantum cadence', measured: '', value: null, status: 'not measured' };
    const comparable = sessionRatio(c, COMPARABLE);
    const everyHop = sessionRatio(c, 'pqwire');
    if (!c) rows.push({ ...row, note: 'not run (filtered out)' });
    else if (comparable === null) rows.push({ ...row, note: 'pqwire or libsignal missing' });
    else {
      rows.push({
        ...row,
        measured: `${ratio(comparable)} libsignal at a KEM step every 50 messages; ${everyHop === null ? '–' : ratio(everyHop)} at the default cadence (ML-KEM-768)`,
        value: comparable,
        status: comparable >= 3 ? 'pass' : 'miss',
      });
    }
  }
  return rows;
}

/** "thread pool = cores − 1 (1)", "default thread pool (4)", "thread pool = 3 (UV_THREADPOOL_SIZE set)". */
function poolLabel(pool) {
  if (pool.setting === 'default') return `default thread pool (${pool.size})`;
  if (pool.setting === 'user') return `thread pool = ${pool.size} (UV_THREADPOOL_SIZE set)`;
  return `thread pool = cores − 1 (${pool.size})`;
}

const sessionAsync = (run) => {
  const w = run && !run.error && run.workloads.find((x) => x.id === 'session handshakes');
  return w ? w.modes.find((m) => m.mode === 'async') : null;
};

/** The event-loop row: read from the sized pool (or the user's), the default pool beside it. */
function lagTarget(data) {
  const { targetRun } = require('./eventloop');
  const e = data.eventLoop;
  const run = e && targetRun(e);
  const operation = `event loop under handshake load (acceptSession), async API${run ? `, ${poolLabel(run.pool)}` : ''}`;
  const row = { operation, target: 'p99 lag under 2 ms', measured: '', value: null, status: 'not measured' };
  const mine = sessionAsync(run);
  if (!mine) return { ...row, note: !e ? 'not run (filtered out)' : run.error ? `error: ${run.error}` : 'not run (filtered out)' };
  const fig = (m) => `p99 ${ms(m.lagP99Ms)}, ${fmtOps(m.handshakesPerSec)} handshakes/s`;
  const beside = e.runs.filter((r) => r !== run).map((r) => {
    const m = sessionAsync(r);
    return m ? `; ${poolLabel(r.pool)}: ${fig(m)}` : '';
  }).join('');
  return { ...row, measured: `${fig(mine)}${beside}`, value: mine.lagP99Ms, status: mine.lagP99Ms < 2 ? 'pass' : 'miss' };
}

function targets(data) {
  const rows = [];
  for (const set of ['ML-KEM-768', 'ML-KEM-512', 'ML-KEM-1024']) {
    for (const op of ['keygen', 'encapsulate', 'decapsulate']) rows.push(throughputTarget(data, `${set} ${op}`, 'at least 1.5x the fastest peer', 1.5));
  }
  for (const op of ['sign 1 KiB', 'verify 1 KiB']) rows.push(throughputTarget(data, `ML-DSA-65 ${op}`, 'at least 1.5x the fastest peer', 1.5));
  for (const id of ['X25519 keygen', 'X25519 shared secret', 'Ed25519 keygen', 'Ed25519 sign 1 KiB', 'Ed25519 verify 1 KiB']) {
    rows.push(throughputTarget(data, id, 'at least 1.0x sodium-native', 1.0, 'sodium-native'));
  }
  rows.push(throughputTarget(data, 'ChaCha20-Poly1305 seal+open 64 B', 'at least 1.0x sodium-native', 1.0, 'sodium-native'));
  rows.push(throughputTarget(data, 'ChaCha20-Poly1305 seal+open 64 KiB', 'at least 1.0x node:crypto', 1.0, 'node:crypto'));

  // The JavaScript boundary on ML-KEM-768 encapsulate.
  const enc = data.cases.find((x) => x.id === 'ML-KEM-768 encapsulate');
  const boundary = { operation: 'JavaScript boundary overhead, ML-KEM-768 encapsulate', target: 'at most 25% over raw Rust', measured: '', value: null, status: 'not measured' };
  const over = enc && enc.rust && enc.rust.boundaryOverhead;
  if (typeof over === 'number') rows.push({ ...boundary, measured: `${over >= 0 ? '+' : ''}${pct(over)}`, value: over, status: over <= 0.25 ? 'pass' : 'miss' });
  else rows.push({ ...boundary, note: !enc ? 'not run (filtered out)' : data.rust.ran ? 'no Rust figure' : data.rust.note });

  rows.push(...sessionTargets(data));

  rows.push(lagTarget(data));

  const coldRow = { operation: 'cold start to first ML-KEM operation', target: 'no slower than pqclean', measured: '', value: null, status: 'not measured' };
  const cold = (data.coldStart && data.coldStart.rows) || [];
  const mine = cold.find((r) => r.lib === 'pqwire' && !r.error);
  const theirs = cold.find((r) => r.lib === 'pqclean' && !r.error);
  if (mine && theirs) {
    const r = theirs.wallMs / mine.wallMs;
    rows.push({ ...coldRow, measured: `${ms(mine.wallMs)} vs ${ms(theirs.wallMs)} (${ratio(r)})`, value: r, status: mine.wallMs <= theirs.wallMs ? 'pass' : 'miss' });
  } else rows.push({ ...coldRow, note: data.coldStart ? 'pqwire or pqclean missing' : 'not run (filtered out)' });
  return rows;
}

// ---------------------------------------------------------------------------------------
// Markdown.

function table(header, rows) {
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function caseTable(cases) {
  const seen = [];
  for (const c of cases) for (const r of c.results) if (!seen.includes(r.lib)) seen.push(r.lib);
  const libs = [...seen.filter(isPqwire), ...seen.filter((l) => !isPqwire(l))]; // pqwire and its variants first
  const withRust = cases.some((c) => c.rust && c.rust.opsPerSec);
  const header = ['operation', ...libs, 'pqwire / fastest peer', ...(withRust ? ['raw Rust', 'JS boundary'] : [])];
  const rows = cases.map((c) => {
    const cells = libs.map((lib) => {
      const r = c.results.find((x) => x.lib === lib);
      if (!r) return '–';
      if (r.error) return 'error';
      const vs = c.ratios && c.ratios.vs[lib] !== undefined ? ` (${ratio(c.ratios.vs[lib])})` : '';
      const cell = `${fmtOps(r.opsPerSec)} ±${pct(r.spread)}${vs}`;
      return lib === 'pqwire' ? `**${cell}**` : cell;
    });
    const fastest = c.ratios ? `${ratio(c.ratios.fastestPeer.ratio)} (${c.ratios.fastestPeer.lib})` : '–';
    const rust = c.rust && c.rust.opsPerSec ? [`${fmtOps(c.rust.opsPerSec)} ±${pct(c.rust.relStdDev)}`, c.rust.boundaryOverhead === null ? '–' : `${c.rust.boundaryOverhead >= 0 ? '+' : ''}${pct(c.rust.boundaryOverhead)}`] : ['–', '–'];
    return [c.id, ...cells, fastest, ...(withRust ? rust : [])];
  });
  return table(header, rows);
}

function sessionsIntro(data) {
  const lines = [
    'Sessions per second and messages per second. **Session establishment**: Bob\'s bundle fetched, Alice initiates (her first message carries a 1 KiB payload), Bob accepts and reads it; ' +
      'both sides, in-memory stores, a fresh bundle (one-time prekeys) per session made outside the timing; measured in batches (`batch` in the JSON). ' +
      'pqwire uses every in-memory store it ships (prekeys, identities pinned per address, sessions saved, i.e. serialized); libsignal uses stores that keep its objects in Maps (no serialization). ' +
      '**Ratchet**: one message is encrypt on one side + decrypt on the other, 1 KiB; alternating makes every message a new chain (an asymmetric ratchet step), one direction stays in one chain. ' +
      'libsignal\'s API is async only (promises, awaited one at a time).',
    '',
    'Columns:',
    '',
  ];
  for (const l of data.sessionLibraries || []) lines.push(`- **${l.name}** ${l.version ? `${l.version} ` : ''}— ${l.loaded ? l.note : l.error}`);
  return lines.join('\n');
}

function markdown(data, chartFile) {
  const m = data.machine;
  const out = [];
  out.push(`# pqwire benchmarks, ${data.date}`);
  out.push('');
  out.push(`- **Machine**: ${m.cpu.model}, ${m.cpu.cores} cores, ${m.memoryGiB} GiB; CPU flags: ${m.cpu.flags.join(' ') || 'unknown'}; ${m.os}`);
  out.push(`- **Runtime**: Node ${m.node} (V8 ${m.v8}, OpenSSL ${m.openssl}), UV_THREADPOOL_SIZE ${m.uvThreadpoolSize}`);
  out.push(`- **pqwire**: ${m.pqwire.version} at ${m.pqwire.commit || 'unknown commit'}${m.pqwire.dirty ? ' (with uncommitted changes)' : ''}; addon ${m.pqwire.addon.file || 'not found'}, cargo profile ${m.pqwire.addon.profile}`);
  const s = data.settings;
  out.push(`- **Run**: ${data.mode}${data.filter ? `, filter \`${data.filter}\`` : ''}; benchmark.js ${data.benchmarkVersion}, ${s.repeats} interleaved repeats of each measurement (maxTime ${s.maxTime} s)`);
  if (data.rust && data.rust.ran) out.push(`- **Raw Rust**: \`${data.rust.command}\` (cargo profile ${data.rust.profile})`);
  out.push('');
  out.push('Figures are operations per second, the median over the repeats; ± is the spread over the repeats, (max − min) / median. ' +
    'A ratio in parentheses is pqwire (sync API) / that library: above 1 means pqwire is faster. ' +
    '"pqwire async" awaits one call at a time on the libuv thread pool. "raw Rust" is the same operation in `cargo bench` (± is its relative standard deviation), ' +
    '"JS boundary" the extra time per operation from JavaScript.');
  out.push('');
  out.push('## Libraries');
  out.push('');
  out.push(table(['library', 'version', 'implementation', 'status'], data.libraries.map((l) => [l.name, l.version || '–', l.backend || '–', l.loaded ? 'loaded' : l.error])));
  out.push('');
  if (data.issue17) {
    out.push('## Targets (issue 17: protocol v2 against libsignal)');
    out.push('');
    out.push('pqwire: ML-KEM-768, Ed25519+ML-DSA-65 identities, the initiator\'s hybrid transcript signature, its default cadence; libsignal: PQXDH (Kyber1024 prekey) + SPQR. ' +
      'Ratio: pqwire / libsignal (for sessions/s above 1 means pqwire is faster; for bytes, memory and time below 1 means pqwire is smaller or faster).');
    out.push('');
    out.push(table(['target', 'pqwire', 'libsignal', 'ratio', 'goal', 'status'], require('./issue17').tableRows(data.issue17)));
    out.push('');
  }
  if (data.conversation) {
    const c = data.conversation;
    out.push(`## Ratchet conversation: ${c.count} alternating ${fmtOps(c.payload)}-byte messages`);
    out.push('');
    out.push('After the handshake, the responder answers first, then the two alternate, so every message starts a new chain. ' +
      'pqwire\'s post-quantum steps are `session.info.pqSteps` (the smaller of the two sides). libsignal\'s SPQR epochs are counted from its messages: ' +
      'each SignalMessage\'s SPQR field (protobuf field 5) is decoded (`lib/spqr.js`) and an epoch counts as completed once a message of a later epoch is seen.');
    out.push('');
    out.push(table(['library', 'mean message', 'smallest–largest', 'post-quantum steps', 'notes'], require('./conversation').rows(c)));
    out.push('');
  }
  out.push('## Targets (issue 7)');
  out.push('');
  out.push(table(['operation', 'target', 'measured', 'status'], data.targets.map((t) => [t.operation, t.target, t.measured || '–', t.note ? `${t.status}: ${t.note}` : t.status])));
  out.push('');
  if (chartFile) {
    out.push(`![ML-KEM operations per second, pqwire and the peers](${chartFile})`);
    out.push('');
  }
  const families = [...new Set(data.cases.map((c) => c.family))];
  for (const f of families) {
    out.push(`## ${f}`);
    out.push('');
    if (f === 'Sessions') out.push(sessionsIntro(data), '');
    out.push(caseTable(data.cases.filter((c) => c.family === f)));
    out.push('');
  }
  if (data.rust && !data.rust.ran) {
    out.push(`Raw Rust figures: ${data.rust.note}.`);
    out.push('');
  }
  if (data.batch) out.push(batchSection(data.batch));
  if (data.keyService) out.push(require('../keyservice').section(data.keyService));
  if (data.wasm) out.push(require('../wasm').section(data.wasm));
  if (data.coldStart) {
    out.push('## Cold start');
    out.push('');
    out.push(`A fresh \`node\` per library: process start, loading the library, the first ML-KEM-768 key generation, exit; median of ${data.coldStart.repeats} runs. ` +
      'Boot, load and first operation are the child\'s own clock (boot: from process start to the script).');
    out.push('');
    out.push(table(['library', 'start to exit', 'boot', 'load', 'first keygen'], data.coldStart.rows.map((r) =>
      r.error ? [r.lib, `error: ${r.error}`, '', '', ''] : [r.lib, `${ms(r.wallMs)} ±${pct(r.spread)}`, ms(r.bootMs), ms(r.loadMs), ms(r.firstOpMs)])));
    out.push('');
  }
  if (data.sizes) {
    out.push('## Session wire sizes');
    out.push('');
    out.push(`Bytes, with a ${data.sizes.payload}-byte payload where a message carries one. pqwire: default capabilities, Ed25519+ML-DSA-65 identities; ` +
      'its ratchet messages by the post-quantum fields they carry (protocol v2: at most one chunk of a KEM key or ciphertext per message; v1: a KEM step\'s chain repeats its KEM key and ciphertext in every message). ' +
      'libsignal: its bundle has no wire format of its own (a server hands out the parts), so its row is the sum of the serialized parts.');
    out.push('');
    out.push(table(['', ...KEMS_FOR_SIZES.map((k) => `pqwire ${k}`), LIBSIGNAL], sizeRows(data.sizes)));
    out.push('');
  }
  if (data.memory) {
    out.push('## Memory per 10,000 open sessions');
    out.push('');
    out.push(`A fresh \`node --expose-gc\` per library establishes a session pair, exchanges messages both ways and restores the responder's record ${fmtOps(data.memory.count)} times, keeping every session open ` +
      '(pqwire: `Session` objects; libsignal: `SessionRecord` objects, what its in-memory session store holds). Growth after a full GC.');
    out.push('');
    out.push(table(['library', 'RSS growth', 'per session', 'V8 heap growth', 'record size', `restoring ${fmtOps(data.memory.count)}`], data.memory.rows.map((r) =>
      r.error ? [r.lib, `error: ${r.error}`, '', '', '', ''] : [r.lib, mib(r.rssBytes), kib(r.perSessionBytes), mib(r.heapUsedBytes), `${fmtOps(r.recordBytes)} B`, `${r.seconds.toFixed(2)} s`])));
    out.push('');
  }
  if (data.eventLoop) {
    const e = data.eventLoop;
    out.push('## Event-loop lag under handshake load');
    out.push('');
    out.push(`Clients arrive in bursts of ${e.burst}; each mode runs ${e.seconds} s. Lag is monitorEventLoopDelay's sample minus its ${e.resolutionMs} ms resolution. ` +
      'sync: a burst handled in one callback; async: a burst\'s work started at once and awaited (libuv thread pool). ' +
      'acceptSession is always async, so the sync row of the session workload calls the core\'s synchronous accept through the internal native module ' +
      '(the same work minus the thread pool: decode, prekey lookup, accept, first plaintext). ' +
      'The session workload replays a pool of initial messages made against a bundle without one-time prekeys. ' +
      `Each thread-pool size runs in a fresh \`node\` (libuv reads UV_THREADPOOL_SIZE once, when the pool starts): the environment as given, and UV_THREADPOOL_SIZE = max(1, cores − 1) on this ${e.cores}-core machine ` +
      'unless it was set; the sync rows do not use the pool and are measured in both as a check.');
    out.push('');
    const done = e.runs.filter((r) => !r.error);
    for (const r of e.runs.filter((x) => x.error)) out.push(`- ${poolLabel(r.pool)}: error: ${r.error}`);
    const first = done[0];
    if (first) for (const w of first.workloads) out.push(`- ${w.id}: ${w.handshake}`);
    out.push('');
    // Grouped by workload and mode, one row per pool size, so the sizes sit side by side.
    const rows = done.map((r) => ['idle', '–', poolLabel(r.pool), '–', ms(r.idle.lagP50Ms), ms(r.idle.lagP99Ms), ms(r.idle.lagMaxMs)]);
    for (const w of first ? first.workloads : []) {
      for (const { mode } of w.modes) {
        for (const r of done) {
          const x = r.workloads.find((y) => y.id === w.id).modes.find((y) => y.mode === mode);
          rows.push([w.id, mode, poolLabel(r.pool), fmtOps(x.handshakesPerSec), ms(x.lagP50Ms), ms(x.lagP99Ms), ms(x.lagMaxMs)]);
        }
      }
    }
    out.push(table(['workload', 'mode', 'thread pool', 'handshakes/s', 'lag p50', 'lag p99', 'lag max'], rows));
    out.push('');
  }
  return out.join('\n');
}

/** One console line of a batch-operations row: items/s per mode, the batch's gains. */
function batchLine(r) {
  if (r.error) return `${r.id.padEnd(36)}error: ${r.error}`;
  const [batch, ...singles] = r.modes;
  const gains = [r.gainVsAsync, r.gainVsSync];
  const rest = singles.map((m, i) => `${m.label} ${fmtOps(m.itemsPerSec)} ±${pct(m.spread)} (batch ${ratio(gains[i])})`);
  return `${r.id.padEnd(36)}batch ${fmtOps(batch.itemsPerSec)} items/s ±${pct(batch.spread)}; ${rest.join('; ')}`;
}

/** The markdown section of the batch operations. */
function batchSection(b) {
  const out = [`## Batch operations, ${b.items} items`, ''];
  out.push(`The same ${b.items} items as one batch call (one libuv thread-pool task whose items are split across the ${b.cores} cores), ` +
    `as ${b.items} \`*Async\` calls awaited one after another, and as ${b.items} synchronous calls. Items per second, the median over the repeats ` +
    `(each at least ${b.minTimeSec} s of whole rounds); gain: batch / the other mode. Signing is hedged (the default).`);
  out.push('');
  out.push(table(['operation', 'batch', `${b.items} × async`, `${b.items} × sync`, 'gain vs async', 'gain vs sync'], b.rows.map((r) =>
    r.error ? [r.id, `error: ${r.error}`, '', '', '', ''] : [r.id, ...r.modes.map((m) => `${fmtOps(m.itemsPerSec)} ±${pct(m.spread)}`), ratio(r.gainVsAsync), ratio(r.gainVsSync)])));
  out.push('');
  return out.join('\n');
}

const KEMS_FOR_SIZES = ['ML-KEM-512', 'ML-KEM-768', 'ML-KEM-1024'];
const mib = (b) => `${(b / 2 ** 20).toFixed(1)} MiB`;
const kib = (b) => `${(b / 1024).toFixed(1)} KiB`;

function sizeRows(sizes) {
  return require('./wiresizes').rows(sizes);
}

function memoryLine(r) {
  if (r.error) return `${r.lib.padEnd(30)}error: ${r.error}`;
  return `${r.lib.padEnd(30)}RSS +${mib(r.rssBytes)} (${kib(r.perSessionBytes)} per session), V8 heap +${mib(r.heapUsedBytes)}, record ${r.recordBytes} B, restored in ${r.seconds.toFixed(2)} s`;
}

module.exports = { addRatios, addRust, caseLines, batchLine, targets, markdown, sizeRows, memoryLine, poolLabel, fmtOps, ratio, pct, ms };
