#!/usr/bin/env node
// The server of `npm run load` (benches/load.js): `buildServer` on the database given,
// no request logs, rate limits raised far above what the run sends.
'use strict';
const path = require('node:path');
const { buildServer, openServerStore } = require(path.join(__dirname, '..', 'ts', 'dist', 'server'));

const UNLIMITED = { points: 100_000_000, duration: 60 };

(async () => {
  const store = await openServerStore(process.argv[2]);
  const app = await buildServer({ store, logger: false, limits: { challenge: UNLIMITED, bundle: UNLIMITED, bundleTarget: UNLIMITED, send: UNLIMITED } });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  console.log(`listening on ${url}`);
  // The CPU time used so far, for load.js's per-operation figures.
  process.on('message', (m) => m === 'cpu' && process.send({ cpu: process.cpuUsage() }));
  process.on('SIGTERM', () => app.close().then(() => store.close()).then(() => process.disconnect()));
})();
