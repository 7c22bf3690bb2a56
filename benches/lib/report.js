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

  for (const p of data.pending.filter((x) => x.target)) {
    rows.push({ operation: p.id, target: p.target, measured: '', value: null, status: 'not measured', note: p.note });
  }

  const lagRow = { operation: 'event loop under handshake load, async API', target: 'p99 lag under 2 ms', measured: '', value: null, status: 'not measured' };
  const asyncMode = data.eventLoop && data.eventLoop.modes.find((m) => m.mode === 'async');
  if (asyncMode) rows.push({ ...lagRow, measured: `p99 ${ms(asyncMode.lagP99Ms)}`, value: asyncMode.lagP99Ms, status: asyncMode.lagP99Ms < 2 ? 'pass' : 'miss' });
  else rows.push({ ...lagRow, note: 'not run (filtered out)' });

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
  const libs = [];
  for (const c of cases) for (const r of c.results) if (!libs.includes(r.lib)) libs.push(r.lib);
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
    out.push(caseTable(data.cases.filter((c) => c.family === f)));
    out.push('');
  }
  if (data.rust && !data.rust.ran) {
    out.push(`Raw Rust figures: ${data.rust.note}.`);
    out.push('');
  }
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
  if (data.eventLoop) {
    const e = data.eventLoop;
    out.push('## Event-loop lag under handshake load');
    out.push('');
    out.push(`A handshake is ${e.handshake}; clients arrive in bursts of ${e.burst}; each mode runs ${e.seconds} s. Lag is monitorEventLoopDelay's sample minus its ${e.resolutionMs} ms resolution.`);
    out.push('');
    out.push(table(['mode', 'handshakes/s', 'lag p50', 'lag p99', 'lag max'], e.modes.map((x) =>
      [x.mode, x.handshakesPerSec === null ? '–' : fmtOps(x.handshakesPerSec), ms(x.lagP50Ms), ms(x.lagP99Ms), ms(x.lagMaxMs)])));
    out.push('');
  }
  out.push('## Not yet measured');
  out.push('');
  for (const p of data.pending) out.push(`- **${p.id}** (${p.measures}): ${p.note}`);
  out.push('');
  return out.join('\n');
}

module.exports = { addRatios, addRust, caseLines, targets, markdown, fmtOps, ratio, pct, ms };
