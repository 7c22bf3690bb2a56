// Child of lib/memory.js: `node --expose-gc memory-child.js <pqwire|libsignal> <count>`.
// Prints one JSON line: the record size, memoryUsage() before and after opening <count>
// sessions, and how long opening them took.
'use strict';

const crypto = require('node:crypto');
const { ROOT } = require('./peers');

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

async function fullGc() {
  for (let i = 0; i < 3; i++) {
    global.gc();
    await settle();
  }
}

async function main() {
  const [lib, countArg] = process.argv.slice(2);
  const count = Number(countArg);
  const payload = new Uint8Array(crypto.randomBytes(1024));
  let record;
  let restore;
  if (lib === 'pqwire') {
    const pq = require(ROOT);
    const pair = await require('./sessions').pqwireSessions().pair(payload);
    await pair.check();
    record = pair.b.serialize();
    restore = (r) => pq.Session.deserialize(r);
  } else if (lib === 'libsignal') {
    const api = await require('./libsignal').libsignalSessions();
    record = await api.steadyRecord(payload);
    restore = api.restore;
  } else throw new Error(`unknown library ${lib}`);

  for (let i = 0; i < 200; i++) restore(record); // warm the code paths, then drop them
  await fullGc();
  const before = process.memoryUsage();
  const start = process.hrtime.bigint();
  const open = new Array(count);
  for (let i = 0; i < count; i++) open[i] = restore(record);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await fullGc();
  const after = process.memoryUsage();
  if (open.filter(Boolean).length !== count) throw new Error('sessions lost');
  process.stdout.write(`${JSON.stringify({ recordBytes: record.length, before, after, seconds })}\n`);
}

main().catch((e) => {
  process.stderr.write(`${(e && e.stack) || e}\n`);
  process.exit(1);
});
