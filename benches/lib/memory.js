// Memory per 10,000 open sessions. Each library runs in a fresh `node --expose-gc`
// (lib/memory-child.js), so nothing else of the run is on its heap: it establishes a
// session pair, exchanges messages both ways, then restores the responder's serialized
// record COUNT times and keeps every session open (pqwire: Session objects; libsignal:
// SessionRecord objects, what its in-memory session store holds). Reported: the growth
// of RSS, of the V8 heap and of `external` memory after a full GC, total and per session.
// Restoring from one record gives COUNT sessions of the same shape as COUNT handshakes
// would, in a fraction of the time.
'use strict';

const path = require('node:path');
const { spawnSync } = require('node:child_process');

const COUNT = 10000;

function measure(lib) {
  const r = spawnSync(process.execPath, ['--expose-gc', path.join(__dirname, 'memory-child.js'), lib, String(COUNT)], {
    encoding: 'utf8',
    timeout: 300000,
    maxBuffer: 1 << 20,
  });
  if (r.status !== 0) return { lib, error: (r.stderr || r.error || `exit ${r.status}`).toString().trim().split('\n').pop() };
  const out = JSON.parse(r.stdout.trim().split('\n').pop());
  const d = (k) => out.after[k] - out.before[k];
  return {
    lib,
    count: COUNT,
    recordBytes: out.recordBytes,
    rssBytes: d('rss'),
    heapUsedBytes: d('heapUsed'),
    externalBytes: d('external'),
    perSessionBytes: d('rss') / COUNT,
    seconds: out.seconds,
  };
}

/** pqwire, and libsignal when it loaded. */
function memory(withLibsignal) {
  const rows = [measure('pqwire')];
  if (withLibsignal) rows.push(measure('libsignal'));
  return { count: COUNT, rows };
}

module.exports = { memory, COUNT };
