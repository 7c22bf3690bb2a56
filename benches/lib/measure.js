// Measuring: benchmark.js runs each function, repeated in interleaved rounds so that a
// drift of the machine (another process, thermal throttling) hits every library alike.
'use strict';

const Benchmark = require('benchmark');

/**
 * Timing settings of a run. `quick` is for a first look in about a minute. `batchTime`
 * (seconds) and `batchMin` size the batches of operations that need inputs made outside
 * the timing (session establishment: one fresh bundle per session).
 */
function settings(quick) {
  return quick
    ? { repeats: 3, minTime: 0.01, maxTime: 0.03, minSamples: 2, batchTime: 0.1, batchMin: 10 }
    : { repeats: 5, minTime: 0.05, maxTime: 0.25, minSamples: 5, batchTime: 0.5, batchMin: 50 };
}

/**
 * Operations per second of one benchmark.js run of `fn`. An async `fn` (one returning a
 * promise) runs deferred: the next call starts when the previous promise settles, so it
 * measures one operation in flight at a time, awaited, as `await` in a loop would.
 */
function runOnce(fn, isAsync, s) {
  return new Promise((resolve, reject) => {
    const bench = new Benchmark({
      minTime: s.minTime,
      maxTime: s.maxTime,
      minSamples: s.minSamples,
      defer: isAsync,
      fn: isAsync ? (deferred) => fn().then(() => deferred.resolve(), (e) => fail(e)) : fn,
    });
    let failed = false;
    function fail(e) {
      if (failed) return;
      failed = true;
      bench.abort();
      reject(e instanceof Error ? e : new Error(String(e)));
    }
    bench.on('error', () => fail(bench.error));
    bench.on('complete', () => {
      if (failed) return;
      if (bench.error) fail(bench.error);
      else resolve(bench.hz);
    });
    // Synchronous cycles: benchmark.js's async mode puts a timer between deferred calls.
    bench.run({ async: false });
  });
}

/** Median and spread, (max - min) / median, of a list of numbers. */
function stats(xs) {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, spread: (sorted[sorted.length - 1] - sorted[0]) / median };
}

/** A rate's median, spread over the repeats, and the repeats themselves. */
function summarize(rates) {
  const { median, spread } = stats(rates);
  return { opsPerSec: median, spread, repeats: rates };
}

/**
 * Measures every entry ({ lib, fn, async }) of one operation in `s.repeats` interleaved
 * rounds. Returns, per entry, { lib, opsPerSec, spread, repeats } or { lib, error }.
 */
async function measureEntries(entries, s) {
  const rates = entries.map(() => []);
  const errors = entries.map(() => null);
  for (let r = 0; r < s.repeats; r++) {
    for (let i = 0; i < entries.length; i++) {
      if (errors[i]) continue;
      try {
        rates[i].push(await runOnce(entries[i].fn, Boolean(entries[i].async), s));
      } catch (e) {
        errors[i] = e.message || String(e);
      }
    }
  }
  return entries.map((e, i) =>
    errors[i] ? { lib: e.lib, error: errors[i] } : { lib: e.lib, ...summarize(rates[i]) },
  );
}

/**
 * Batches: for operations whose every call consumes an input made beforehand (a session
 * establishment consumes a bundle's one-time prekeys). Each entry is
 * { lib, prepare(n) -> state, run(state) -> Promise } where `run` performs n operations;
 * `prepare` runs outside the timing. A calibration batch sizes n so that one batch takes
 * about `s.batchTime` (at least `s.batchMin` operations); then `s.repeats` interleaved
 * rounds, as in measureEntries. Returns the same shape as measureEntries.
 */
async function measureBatches(entries, s) {
  const sizes = [];
  const errors = entries.map(() => null);
  for (let i = 0; i < entries.length; i++) {
    try {
      const n = Math.max(3, Math.ceil(s.batchMin / 5));
      const secs = await timeBatch(entries[i], n);
      sizes.push(Math.max(s.batchMin, Math.ceil((s.batchTime * n) / secs)));
    } catch (e) {
      errors[i] = (e && e.message) || String(e);
      sizes.push(0);
    }
  }
  const rates = entries.map(() => []);
  for (let r = 0; r < s.repeats; r++) {
    for (let i = 0; i < entries.length; i++) {
      if (errors[i]) continue;
      try {
        rates[i].push(sizes[i] / (await timeBatch(entries[i], sizes[i])));
      } catch (e) {
        errors[i] = (e && e.message) || String(e);
      }
    }
  }
  return entries.map((e, i) =>
    errors[i] ? { lib: e.lib, error: errors[i] } : { lib: e.lib, batch: sizes[i], ...summarize(rates[i]) },
  );
}

/** Seconds `entry.run` takes for a batch of n prepared outside the timing. */
async function timeBatch(entry, n) {
  const state = await entry.prepare(n);
  const start = process.hrtime.bigint();
  await entry.run(state);
  return Number(process.hrtime.bigint() - start) / 1e9;
}

module.exports = { settings, measureEntries, measureBatches, summarize, stats };
