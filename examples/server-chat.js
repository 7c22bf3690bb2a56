#!/usr/bin/env node
// Two devices chatting through the reference server (docs/server.md): a server on an
// ephemeral port with a temporary SQLite file; Alice and Bob register their identities,
// log in by signing a challenge, Bob uploads a prekey batch; Alice fetches a bundle,
// opens a session and sends her messages while Bob is offline (they wait in his queue);
// Bob comes online, opens the session from the first envelope, reads the rest and
// answers over the same relay; Alice reads his answers live over a WebSocket. Every
// message is acknowledged once decrypted. The server only ever holds public keys and
// ciphertexts.
//
//   node examples/server-chat.js [count]   count messages each way (default 100);
//                                           prints `delivered N/N`
'use strict';

const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { WebSocket } = require('ws');
const { createIdentity, createPrekeyBatch, initiateSession, acceptSession, decodeMessage, InMemoryPrekeyStore } = require('..');
const { serve, challengeData, LOGIN_CONTEXT, REGISTER_CONTEXT } = require('../ts/dist/server');

const hex = (b) => Buffer.from(b).toString('hex');
const b64 = (b) => Buffer.from(b).toString('base64');
const fromB64 = (s) => new Uint8Array(Buffer.from(s, 'base64'));
const text = (b) => new TextDecoder().decode(b);

/** A device's client: JSON over HTTP with its bearer token once logged in. */
function client(url, account, number) {
  const identity = createIdentity();
  let token;
  async function call(method, path, body, type = 'application/json') {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { ...(body !== undefined && { 'content-type': type }), ...(token && { authorization: `Bearer ${token}` }) },
      body: body === undefined ? undefined : type === 'application/json' ? JSON.stringify(body) : body,
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res.headers.get('content-type')?.startsWith('application/json') ? res.json() : new Uint8Array(await res.arrayBuffer());
  }
  /** A fresh challenge signed for `context`. */
  async function answer(context) {
    const { challenge } = await call('POST', '/v1/auth/challenge', { account, device: number });
    return { account, device: number, challenge, signature: hex(identity.sign(challengeData(account, number, challenge), { context })) };
  }
  return {
    identity,
    account,
    fingerprint: identity.publicIdentity.fingerprint,
    get token() {
      return token;
    },
    call,
    async register() {
      await call('POST', '/v1/devices', { ...(await answer(REGISTER_CONTEXT)), identity: identity.publicIdentity.toJSON() });
      token = (await call('POST', '/v1/auth/token', await answer(LOGIN_CONTEXT))).token;
    },
    /** Sends one envelope to `to`'s device 1 (the example's accounts have one device each). */
    send(to, envelope) {
      return call('POST', `/v1/messages/${to.account}`, { messages: [{ device: 1, fingerprint: to.fingerprint, envelope: b64(envelope) }] });
    },
  };
}

async function run(count = 100, log = console.log) {
  const dir = mkdtempSync(join(tmpdir(), 'pqwire-chat-'));
  const server = await serve({ db: join(dir, 'chat.db'), port: 0, logger: false });
  try {
    log(`  server at ${server.url} (${server.database}, ${join(dir, 'chat.db')})`);
    const alice = client(server.url, 'alice', 1);
    const bob = client(server.url, 'bob', 1);
    await alice.register();
    await bob.register();
    const bobPrekeys = new InMemoryPrekeyStore();
    const upload = await createPrekeyBatch(bob.identity, { prekeyStore: bobPrekeys, oneTimeCount: 10, oneTimeKemCount: 10 });
    const left = await bob.call('PUT', '/v1/prekeys', upload, 'application/octet-stream');
    log(`  alice and bob registered (fingerprints ${alice.fingerprint.slice(0, 8)}…, ${bob.fingerprint.slice(0, 8)}…); bob uploaded ${upload.length} B of prekeys (${left.oneTimeKem} + ${left.oneTime} one-time)`);

    // Alice, with Bob offline: a bundle, the session, and her messages into his queue.
    const bundle = await alice.call('GET', '/v1/prekeys/bob/1');
    const opened = await initiateSession(bundle, { identity: alice.identity, plaintext: new TextEncoder().encode('alice 1') });
    const aliceSession = opened.session;
    await alice.send(bob, opened.initialMessage);
    for (let i = 2; i <= count; i++) await alice.send(bob, aliceSession.encrypt(new TextEncoder().encode(`alice ${i}`)));
    log(`  alice sent ${count} messages while bob was offline (the first one opens the session: ${opened.initialMessage.length} B)`);

    // Bob comes online: reads his queue over HTTP, acknowledging what he decrypted.
    let bobSession;
    const bobGot = [];
    for (;;) {
      const { messages } = await bob.call('GET', '/v1/messages');
      if (messages.length === 0) break;
      for (const m of messages) {
        const bytes = fromB64(m.envelope);
        if (decodeMessage(bytes).type === 'initial-message') {
          const accepted = await acceptSession(bytes, { identity: bob.identity, prekeyStore: bobPrekeys });
          bobSession = accepted.session;
          bobGot.push(text(accepted.plaintext));
        } else {
          bobGot.push(text(bobSession.decrypt(bytes).plaintext));
        }
      }
      await bob.call('POST', '/v1/messages/ack', { ids: messages.map((m) => m.id) });
    }

    // Alice listens live; Bob answers each message.
    const aliceGot = [];
    const live = new WebSocket(`${server.url.replace('http', 'ws')}/v1/ws`, { headers: { authorization: `Bearer ${alice.token}` } });
    const allRead = new Promise((resolve, reject) => {
      live.on('error', reject);
      live.on('message', (data) => {
        const frame = JSON.parse(data.toString());
        if (frame.type !== 'message') return;
        aliceGot.push(text(aliceSession.decrypt(fromB64(frame.envelope)).plaintext));
        live.send(JSON.stringify({ type: 'ack', ids: [frame.id] }));
        if (aliceGot.length === count) resolve();
      });
    });
    await new Promise((resolve, reject) => live.once('open', resolve).once('error', reject));
    for (let i = 1; i <= count; i++) await bob.send(alice, bobSession.encrypt(new TextEncoder().encode(`bob ${i}`)));
    await allRead;
    live.close();

    const expect = (who, got) => got.filter((m, i) => m === `${who} ${i + 1}`).length;
    const delivered = expect('alice', bobGot) + expect('bob', aliceGot);
    log(`  bob read ${bobGot.length} from his queue, alice ${aliceGot.length} live over a WebSocket`);
    log(`delivered ${delivered}/${2 * count}`);
    return delivered === 2 * count;
  } finally {
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
