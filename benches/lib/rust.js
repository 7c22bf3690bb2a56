// Raw Rust figures: criterion benchmarks of the same operations, called as the addon calls
// them (crates/pqwire-core/benches/primitives.rs), so the cost of the JavaScript boundary
// shows as (pqwire from JavaScript) / (pqwire from Rust).
//
// Runs `cargo bench -p pqwire-core --bench primitives --profile <p> --target <host>` with
// criterion's bencher output. The profile is PQWIRE_BUILD_PROFILE or "ci" (the profile the
// addon is built with in development and CI, and which `npm test` has already compiled:
// with the same --target, only criterion and the bench itself are new). A plain
// `cargo bench` uses [profile.bench], which inherits "ci" in the root Cargo.toml.
'use strict';

const { spawnSync } = require('node:child_process');
const { ROOT } = require('./peers');

function hostTriple() {
  const r = spawnSync('rustc', ['-vV'], { encoding: 'utf8' });
  const m = /^host: (\S+)$/m.exec(r.stdout || '');
  return m ? m[1] : null;
}

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** criterion's bencher lines: `test <id> ... bench:   <median> ns/iter (+/- <std dev>)`. */
function parseBencher(text) {
  const out = {};
  for (const m of text.matchAll(/^test (.+?) \.\.\. bench:\s+([\d,.]+) ns\/iter \(\+\/- ([\d,.]+)\)/gm)) {
    const ns = Number(m[2].replace(/,/g, ''));
    const sd = Number(m[3].replace(/,/g, ''));
    out[m[1]] = { opsPerSec: 1e9 / ns, nsPerOp: ns, relStdDev: sd / ns };
  }
  return out;
}

/**
 * Runs the criterion benchmarks named `ids` ("ML-KEM-768/encapsulate", ...). Returns
 * { ran, note?, command, profile, results: { id: { opsPerSec, nsPerOp, relStdDev } } }.
 */
function rustFigures(ids, { quick }) {
  const profile = process.env.PQWIRE_BUILD_PROFILE || 'ci';
  const none = (note) => ({ ran: false, note, profile, results: {} });
  if (ids.length === 0) return none('no case selected');
  if (spawnSync('cargo', ['--version'], { stdio: 'ignore' }).status !== 0) return none('cargo not found: raw Rust figures skipped');
  const triple = hostTriple();
  const timing = quick
    ? ['--warm-up-time', '0.2', '--measurement-time', '0.4', '--sample-size', '10']
    : ['--warm-up-time', '0.5', '--measurement-time', '2'];
  const args = [
    'bench', '-p', 'pqwire-core', '--bench', 'primitives', '--profile', profile,
    ...(triple ? ['--target', triple] : []),
    '--', '--output-format', 'bencher', '--noplot', ...timing,
    `^(${ids.map(escape).join('|')})$`,
  ];
  const command = `cargo ${args.join(' ')}`;
  const r = spawnSync('cargo', args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) {
    const tail = (r.stderr || '').trim().split('\n').slice(-3).join(' | ');
    return { ...none(`cargo bench failed (exit ${r.status}): ${tail}`), command };
  }
  return { ran: true, command, profile, results: parseBencher(r.stdout) };
}

module.exports = { rustFigures, parseBencher };
