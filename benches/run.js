#!/usr/bin/env node
// `npm run bench`: pqwire beside the libraries a Node user would otherwise pick, in one run,
// with ratios, issue 7's targets, and a report (JSON, markdown, an SVG chart of ML-KEM).
//
//   npm run bench                        everything (several minutes)
//   npm run bench:quick                  a first look in about a minute (short timings)
//   npm run bench -- --filter ML-KEM-768 only what matches (case-insensitive substring of
//                                        "<family> <case>", or "cold start", "event loop",
//                                        "session wire sizes", "memory per 10,000 sessions",
//                                        "batch" (batch operations against single calls),
//                                        "mls" (MLS groups against ts-mls);
//                                        comma-separated; "session" takes every session row)
//   npm run bench -- --no-rust           without the raw Rust figures (cargo bench)
//   npm run bench -- --list              the case names, to pick a filter
//   npm run bench -- --out DIR           where the report goes
//
// The peers (and vega, which draws the chart) are the dependencies of benches/package.json,
// never of pqwire; they are installed on first use, as benches/package-lock.json pins them.
// A full run writes benches/results/<date>.{json,md} and <date>-ml-kem.svg; quick or
// filtered runs write to benches/results/tmp/ (not committed).
//
// Layout: lib/measure.js (benchmark.js, repeats, spread, batches), lib/peers.js (library
// adapters), lib/sessions.js and lib/libsignal.js (session adapters: pqwire's session API,
// libsignal with in-memory stores), lib/cases/*.js (operations per family; sessions.js:
// establishment and ratchet messages), lib/wiresizes.js, lib/memory.js (+ memory-child.js),
// lib/coldstart.js, lib/eventloop.js (+ eventloop-child.js), keyservice.js (the key service's
// requests, also run alone as npm run bench:keyservice), wasm.js (the WebAssembly build
// against the native addon and noble, also npm run bench:wasm), lib/batch.js (batch operations
// against single calls), mls.js (MLS groups against ts-mls, also npm run bench:mls; its peer
// is pinned in benches/mls/package.json), lib/rust.js (cargo bench),
// lib/machine.js, lib/report.js (ratios, targets, markdown), lib/chart.js (the chart: Vega-Lite,
// rendered to SVG by Vega).
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { parseArgs } = require('node:util');

const BENCHES = __dirname;
/** The system section of issue 17's ratchet target (`--filter session` takes it). */
const CONVERSATION = 'session conversation, 200 alternating messages';

/** A command line the bench does not accept: the message and a pointer to --help, exit 2. */
class UsageError extends Error {
  constructor(message) {
    super(message);
    this.name = 'UsageError';
    this.code = 'USAGE';
  }
}

const OPTIONS = {
  quick: { type: 'boolean', default: false },
  'no-rust': { type: 'boolean', default: false },
  list: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  filter: { type: 'string', multiple: true, default: [] },
  out: { type: 'string' },
};

/** The run's options from `argv` (node:util parseArgs); throws a UsageError for a bad one. */
function parseCommandLine(argv) {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (e) {
    throw new UsageError(e.message);
  }
  // A comma followed by a space belongs to a name (`event loop lag, session handshakes`);
  // a bare comma separates filters (`ML-KEM-768,AEAD`).
  const filters = values.filter.flatMap((v) => v.split(/,(?! )/)).map((x) => x.trim().toLowerCase()).filter(Boolean);
  return {
    quick: values.quick,
    rust: !values['no-rust'],
    list: values.list,
    help: values.help,
    filters,
    out: values.out === undefined ? null : path.resolve(values.out),
  };
}

/**
 * Installs benches/ dependencies, exactly as benches/package-lock.json pins them (`npm ci`),
 * when node_modules is missing or older than package.json or the lock.
 */
function ensureDependencies() {
  const stamp = path.join(BENCHES, 'node_modules', '.package-lock.json');
  const inputs = ['package.json', 'package-lock.json'].map((f) => fs.statSync(path.join(BENCHES, f)).mtimeMs);
  if (fs.existsSync(stamp) && fs.statSync(stamp).mtimeMs >= Math.max(...inputs)) return;
  console.log('benches: installing the peer libraries (npm ci --prefix benches) ...');
  const win = process.platform === 'win32';
  const r = spawnSync(win ? 'npm.cmd' : 'npm', ['ci', '--prefix', BENCHES, '--no-audit', '--no-fund'], { stdio: 'inherit', shell: win });
  if (r.status !== 0) console.log('benches: npm ci failed; libraries that did not install are reported as missing');
}

async function main() {
  const opts = parseCommandLine(process.argv.slice(2));
  if (opts.help) {
    // The header comment above, up to its layout notes.
    const header = fs.readFileSync(__filename, 'utf8').split('\n');
    console.log(header.slice(1, header.indexOf('//', header.findIndex((l) => l.startsWith('// The peers')))).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
    return;
  }
  ensureDependencies();

  const { settings, measureEntries, measureBatches } = require('./lib/measure');
  const { loadLibraries, packageVersion } = require('./lib/peers');
  const { coldStart } = require('./lib/coldstart');
  const { eventLoop } = require('./lib/eventloop');
  const { rustFigures } = require('./lib/rust');
  const { machine } = require('./lib/machine');
  const report = require('./lib/report');
  const { mlKemChart } = require('./lib/chart');
  const { loadSessionLibraries } = require('./lib/sessions');
  const { wireSizes } = require('./lib/wiresizes');
  const { memory } = require('./lib/memory');
  const { PAYLOAD } = require('./lib/cases/sessions');

  const matches = (text) => opts.filters.length === 0 || opts.filters.some((f) => text.toLowerCase().includes(f));
  const s = settings(opts.quick);
  const startedAt = new Date();
  const data = {
    schema: 4, // 2: eventLoop.runs, one per thread-pool size; 3: conversation, issue17; 4: batch
    date: startedAt.toISOString().slice(0, 10),
    startedAt: startedAt.toISOString(),
    mode: opts.quick ? 'quick' : 'full',
    filter: opts.filters.length ? opts.filters.join(',') : null,
    settings: s,
    benchmarkVersion: packageVersion('benchmark'),
    machine: machine(),
  };
  const m = data.machine;
  console.log(`pqwire bench (${data.mode}) — ${m.cpu.model}, ${m.cpu.cores} cores, Node ${m.node}, pqwire ${m.pqwire.version} (${m.pqwire.addon.profile} build)`);

  const libs = await loadLibraries();
  data.libraries = libs.map(({ name, version, loaded, backend, error }) => ({ name, version, loaded, backend: backend || null, error: error || null }));
  for (const l of libs) console.log(`  ${l.name.padEnd(30)}${(l.version || '').padEnd(10)}${l.loaded ? l.backend : l.error}`);

  const sessionLibs = await loadSessionLibraries();
  data.sessionLibraries = sessionLibs.map(({ name, version, loaded, backend, note, error }) => ({ name, version, loaded, backend: backend || null, note, error: error || null }));
  for (const l of sessionLibs.filter((x) => !x.loaded)) console.log(`  session adapter ${l.name}: ${l.error}`);
  const libsignal = sessionLibs.find((l) => l.name === '@signalapp/libsignal-client' && l.loaded);

  const all = [
    ...['./lib/cases/pq', './lib/cases/classic', './lib/cases/aead'].flatMap((f) => require(f).cases(libs)),
    ...require('./lib/cases/sessions').cases(sessionLibs),
  ];
  const selected = all.filter((c) => matches(`${c.family} ${c.id} ${c.aliases}`));
  const BATCH = require('./lib/batch').NAME;
  const KEYSERVICE = 'keyservice requests';
  const WASM = 'webassembly build';
  const MLS = 'mls groups';
  const SYSTEM = ['session wire sizes', CONVERSATION, 'memory per 10,000 sessions', 'cold start', 'event loop lag, session handshakes', 'event loop lag, primitives', BATCH, KEYSERVICE, WASM, MLS];
  if (opts.list) {
    for (const c of all) console.log(`${c.family.padEnd(20)}${c.id}${c.aliases ? ` (${c.aliases})` : ''}`);
    for (const x of SYSTEM) console.log(`${'system'.padEnd(20)}${x}`);
    return;
  }

  // Primitive operations, every library offering each.
  data.cases = [];
  for (const c of selected) {
    const entries = [];
    const failed = [];
    for (const lib of c.libs) {
      try {
        const built = await c.build(lib.api);
        entries.push(c.kind === 'batch' ? { lib: lib.name, ...built } : { lib: lib.name, async: lib.async, fn: built });
      } catch (e) {
        failed.push({ lib: lib.name, error: `setup: ${(e && e.message) || e}` });
      }
    }
    const measured = c.kind === 'batch' ? await measureBatches(entries, s) : await measureEntries(entries, s);
    const results = [...measured, ...failed];
    const row = report.addRatios({ id: c.id, family: c.family, suite: c.suite, op: c.op, rustId: c.rustId, results });
    data.cases.push(row);
    console.log(report.caseLines(row));
  }

  // Raw Rust (cargo bench). A quick run takes only ML-KEM-768, the boundary target's case.
  let rustIds = data.cases.map((c) => c.rustId).filter(Boolean);
  if (opts.quick) rustIds = rustIds.filter((id) => id.startsWith('ML-KEM-768/'));
  if (!opts.rust) data.rust = { ran: false, note: 'skipped (--no-rust)', results: {} };
  else {
    if (rustIds.length) console.log(`\nraw Rust: cargo bench (${rustIds.length} benchmarks; the first build takes a few minutes) ...`);
    data.rust = rustFigures(rustIds, { quick: opts.quick });
  }
  for (const c of data.cases) {
    report.addRust(c, data.rust);
    if (c.rust) console.log(`  ${c.id.padEnd(40)}${report.fmtOps(c.rust.opsPerSec).padStart(14)} ops/s in Rust, JS boundary ${c.rust.boundaryOverhead === null ? '–' : report.pct(c.rust.boundaryOverhead)}`);
  }
  if (!data.rust.ran && rustIds.length) console.log(`raw Rust: ${data.rust.note}`);
  const rustResults = data.rust.results;
  delete data.rust.results; // kept per case
  data.rust.count = Object.keys(rustResults).length;

  data.batch = null;
  if (matches(BATCH)) {
    const { batchOperations, ITEMS } = require('./lib/batch');
    console.log(`\nbatch operations: ${ITEMS} items as one batch call, as ${ITEMS} awaited *Async calls, as ${ITEMS} sync calls (items/s) ...`);
    data.batch = await batchOperations(s);
    for (const r of data.batch.rows) console.log(`  ${report.batchLine(r)}`);
  }

  data.keyService = null;
  if (matches(KEYSERVICE)) {
    console.log('\nkey service: requests over the Unix socket against the library in-process (items/s) ...');
    data.keyService = await require('./keyservice').keyService({ seconds: opts.quick ? 1 : 3 });
  }

  data.wasm = null;
  if (matches(WASM)) {
    const wasm = require('./wasm');
    const built = require('node:fs').readdirSync(require('node:path').join(__dirname, '..', 'npm', 'wasm32-wasi')).some((f) => f.endsWith('.wasm'));
    if (built || require('node:child_process').spawnSync(process.execPath, [require('node:path').join(__dirname, '..', 'scripts', 'build-wasm.js'), '--link'], { stdio: 'inherit' }).status === 0) {
      console.log('\nWebAssembly build: against the native addon and noble (ops/s) ...');
      data.wasm = wasm.wasmVsNative(opts.quick ? { rounds: 3, roundMs: 150 } : {});
      console.log(wasm.section(data.wasm));
    } else {
      console.log('\nWebAssembly build: could not be built (npm run build:wasm), section left out');
    }
  }

  data.mls = null;
  if (matches(MLS)) {
    const mls = require('./mls');
    console.log('\nMLS groups: pqwire against ts-mls (add a member, message encrypt + decrypt; benches/mls.js) ...');
    data.mls = await mls.mlsSection({ quick: opts.quick });
    console.log(mls.section(data.mls));
  }

  data.coldStart = null;
  if (matches('cold start')) {
    const repeats = opts.quick ? 5 : 21;
    console.log(`\ncold start (${repeats} runs each) ...`);
    const names = libs.filter((l) => l.loaded && l.api.kem && l.api.kem['ML-KEM-768']).map((l) => l.name);
    data.coldStart = { repeats, rows: coldStart(names, repeats) };
    for (const r of data.coldStart.rows) {
      console.log(`  ${r.lib.padEnd(30)}${r.error ? `error: ${r.error}` : `${report.ms(r.wallMs)} ±${report.pct(r.spread)} (load ${report.ms(r.loadMs)}, first keygen ${report.ms(r.firstOpMs)})`}`);
    }
  }

  data.eventLoop = null;
  // A quick run takes the session workload only (the target's), unless a filter names the other.
  const workloads = ['session handshakes', 'primitives'].filter((w) =>
    w === 'primitives' && opts.quick ? opts.filters.some((f) => `event loop lag, ${w}`.includes(f)) : matches(`event loop lag, ${w}`));
  if (workloads.length) {
    const seconds = opts.quick ? 1.5 : 5;
    console.log(`\nevent-loop lag under handshake load (${seconds} s per mode; a fresh node per thread-pool size) ...`);
    data.eventLoop = eventLoop(seconds, workloads);
    const line = (x) => {
      const rate = x.handshakesPerSec === null ? '' : `${report.fmtOps(x.handshakesPerSec)} handshakes/s, `;
      return `${x.mode.padEnd(8)}${rate}lag p50 ${report.ms(x.lagP50Ms)}, p99 ${report.ms(x.lagP99Ms)}, max ${report.ms(x.lagMaxMs)}`;
    };
    for (const r of data.eventLoop.runs) {
      console.log(`  ${report.poolLabel(r.pool)}:`);
      if (r.error) {
        console.log(`    error: ${r.error}`);
        continue;
      }
      console.log(`    ${line(r.idle)}`);
      for (const w of r.workloads) for (const x of w.modes) console.log(`    ${w.id}: ${line(x)}`);
    }
  }

  data.sizes = null;
  if (matches('session wire sizes')) {
    console.log('\nsession wire sizes (bytes) ...');
    data.sizes = await wireSizes(PAYLOAD, libsignal && libsignal.api);
    for (const r of report.sizeRows(data.sizes)) console.log(`  ${r[0]}: ${r.slice(1).join(' | ')}`);
  }

  data.conversation = null;
  if (matches(CONVERSATION)) {
    const { conversation, rows, COUNT } = require('./lib/conversation');
    console.log(`\nsession conversation: ${COUNT} alternating 1 KiB ratchet messages (bytes, post-quantum steps) ...`);
    data.conversation = await conversation(PAYLOAD, libsignal && libsignal.api);
    for (const r of rows(data.conversation)) console.log(`  ${r[0].padEnd(10)}mean ${r[1]} (${r[2]}), post-quantum steps ${r[3]}${r[4] ? `; ${r[4]}` : ''}`);
  }

  data.memory = null;
  if (matches('memory per 10,000 sessions')) {
    console.log('\nmemory per 10,000 open sessions (a fresh node per library) ...');
    data.memory = memory(Boolean(libsignal));
    for (const r of data.memory.rows) console.log(`  ${report.memoryLine(r)}`);
  }

  data.issue17 = require('./lib/issue17').issue17Targets(data);
  data.targets = report.targets(data);
  data.finishedAt = new Date().toISOString();
  console.log('\ntargets (issue 17: protocol v2 against libsignal; ratio pqwire / libsignal):');
  for (const l of require('./lib/issue17').lines(data.issue17)) console.log(l);
  console.log('\ntargets (issue 7):');
  for (const t of data.targets) {
    console.log(`  ${t.status.padEnd(13)}${t.operation}: ${t.measured || t.note || ''}${t.measured ? ` (${t.target})` : ''}`);
  }

  const outDir = opts.out || path.join(BENCHES, 'results', opts.quick || opts.filters.length ? 'tmp' : '');
  fs.mkdirSync(outDir, { recursive: true });
  const base = path.join(outDir, data.date);
  // A chart that cannot be drawn (vega missing, say) must not cost the run's figures.
  const svg = await mlKemChart(data).catch((e) => {
    console.log(`chart: not drawn (${(e && e.message) || e})`);
    return null;
  });
  if (svg) fs.writeFileSync(`${base}-ml-kem.svg`, svg);
  fs.writeFileSync(`${base}.json`, `${JSON.stringify(data, null, 2)}\n`);
  fs.writeFileSync(`${base}.md`, report.markdown(data, svg ? `${data.date}-ml-kem.svg` : null));
  console.log(`\nwrote ${path.relative(process.cwd(), base)}.json, .md${svg ? ', -ml-kem.svg' : ''}`);
}

main().catch((e) => {
  // not process.exit(): output still queued for a pipe would be lost
  if (e instanceof UsageError) {
    console.error(`bench: ${e.message} (see --help)`);
    process.exitCode = 2;
    return;
  }
  console.error(`bench: ${(e && e.stack) || e}`);
  process.exitCode = 1;
});
