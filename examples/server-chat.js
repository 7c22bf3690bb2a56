#!/usr/bin/env node
// Two devices chatting through the reference server with pqwire/client (docs/server.md):
// a server on an ephemeral port with a temporary SQLite file; Alice and Bob each open a
// Client, which registers the device's hybrid identity, logs in by signing a challenge
// and uploads prekeys. Bob goes offline; Alice sends her messages (every other one
// sealed: the server does not learn they are hers), which wait in his queue; Bob comes
// back with the same stores, reads them and answers each, live over a WebSocket. The
// server only ever holds public keys and ciphertexts.
//
//   node examples/server-chat.js [count]   count messages each way (default 100);
//                                           prints `delivered N/N`
'use strict';

const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { serve } = require('../ts/dist/server');
const { Client } = require('../ts/dist/client');
const { openSqliteStores } = require('../ts/dist/stores/sqlite');

const text = (s) => new TextEncoder().encode(s);
const read = (b) => new TextDecoder().decode(b);

async function run(count = 100, log = console.log) {
  const dir = mkdtempSync(join(tmpdir(), 'pqwire-chat-'));
  const server = await serve({ db: join(dir, 'server.db'), port: 0, logger: false });
  const bobStores = openSqliteStores(join(dir, 'bob.db')); // Bob's keys and sessions survive his restart
  const clients = [];
  try {
    log(`  server at ${server.url} (${server.database})`);
    const alice = await Client.open({ url: server.url, account: 'alice' });
    let bob = await Client.open({ url: server.url, account: 'bob', stores: bobStores });
    clients.push(alice, bob);
    await alice.connect();
    await bob.connect();
    log(`  alice and bob registered (fingerprints ${alice.identity.fingerprint.slice(0, 8)}…, ${bob.identity.fingerprint.slice(0, 8)}…)`);

    // Bob goes offline; Alice's messages wait in his queue.
    await bob.close();
    for (let i = 1; i <= count; i++) await alice.send('bob', text(`alice ${i}`), { sealed: i % 2 === 0 });
    log(`  alice sent ${count} messages while bob was offline (${count >> 1} sealed)`);

    // Bob is back, same stores: he reads his queue and answers each message; Alice reads live.
    const aliceGot = [];
    const aliceDone = new Promise((resolve) =>
      alice.on('message', (m) => {
        aliceGot.push(read(m.plaintext));
        if (aliceGot.length === count) resolve();
      }),
    );
    bob = await Client.open({ url: server.url, account: 'bob', stores: bobStores });
    clients.push(bob);
    const bobGot = [];
    const bobReads = (async () => {
      for await (const m of bob.messages()) {
        bobGot.push(read(m.plaintext));
        await bob.send('alice', text(`bob ${bobGot.length}`));
        if (bobGot.length === count) return;
      }
    })();
    await bob.connect();
    await bobReads;
    await aliceDone;

    const expect = (who, got) => got.filter((m, i) => m === `${who} ${i + 1}`).length;
    const delivered = expect('alice', bobGot) + expect('bob', aliceGot);
    log(`  bob read ${bobGot.length} from his queue, alice ${aliceGot.length} live over a WebSocket`);
    log(`delivered ${delivered}/${2 * count}`);
    return delivered === 2 * count;
  } finally {
    for (const c of clients) await c.close();
    bobStores.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

module.exports = { run };

if (require.main === module) {
  const count = Number(process.argv[2] ?? 100);
  run(count).then(
    (ok) => {
      if (!ok) process.exitCode = 1;
    },
    (e) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
