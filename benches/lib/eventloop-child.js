// Child of lib/eventloop.js: `node eventloop-child.js <seconds> <workload ids as JSON>`.
// A fresh process, so that libuv starts its thread pool with this process's
// UV_THREADPOOL_SIZE (it reads it once). Prints one JSON line: { idle, workloads }.
'use strict';

const { measureEventLoop } = require('./eventloop');

async function main() {
  const [seconds, which] = process.argv.slice(2);
  const result = await measureEventLoop(Number(seconds), JSON.parse(which));
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((e) => {
  process.stderr.write(`${(e && e.stack) || e}\n`);
  process.exit(1);
});
