#!/usr/bin/env node
// A short tour of pqwire: the three ML-KEM (Kyber) parameter sets and the X25519 hybrids
// side by side — key and ciphertext sizes, a round trip, and rough operations per second —
// then a hybrid signature and an AEAD message keyed from a KEM shared secret.
//
// Then an online secure channel over TCP: handshake, one message echoed, close. Then a
// three-member post-quantum MLS group (X-Wing). Last, a short chat through the reference
// server (examples/server-chat.js, 5 messages each way).
//
// Run with `npm run demo`. Figures are rough (a fraction of a second per operation);
// `npm run bench` gives careful ones.
'use strict';

const {
  kem,
  sig,
  aead,
  hkdf,
  capabilities,
  negotiate,
  wire,
  DowngradeError,
  ReplayError,
  SessionConflictError,
  createIdentity,
  createPrekeyBatch,
  assemblePrekeyBundle,
  initiateSession,
  acceptSession,
  Session,
  InMemoryIdentityStore,
  InMemoryPrekeyStore,
  InMemorySessionStore,
  channel,
  GroupMember,
  InMemoryGroupStore,
} = require('..');

const encoder = new TextEncoder();
const SUITES = ['ML-KEM-512', 'ML-KEM-768', 'ML-KEM-1024', 'X25519+ML-KEM-512', 'X25519+ML-KEM-768', 'X25519+ML-KEM-1024'];

/** Runs `fn` repeatedly for about `ms` milliseconds; returns operations per second. */
function opsPerSecond(fn, ms = 150) {
  for (let i = 0; i < 20; i++) fn(); // warm up
  let n = 0;
  const start = process.hrtime.bigint();
  const budget = BigInt(ms) * 1_000_000n;
  let elapsed = 0n;
  while (elapsed < budget) {
    for (let i = 0; i < 50; i++) fn();
    n += 50;
    elapsed = process.hrtime.bigint() - start;
  }
  return (n * 1e9) / Number(elapsed);
}

function equal(a, b) {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

const fmt = (x) => Math.round(x).toLocaleString('en-US');
const pad = (s, n) => String(s).padStart(n);

console.log('pqwire demo: ML-KEM parameter sets and hybrids compared\n');
console.log(
  `${'suite'.padEnd(20)}${pad('public key', 11)}${pad('ciphertext', 11)}${pad('keygen/s', 11)}${pad('encaps/s', 11)}${pad('decaps/s', 11)}  round trip`,
);
for (const name of SUITES) {
  const k = kem(name);
  const { publicKey, secretKey } = k.keygen();
  const { cipherText, sharedSecret } = k.encapsulate(publicKey);
  const ok = equal(k.decapsulate(cipherText, secretKey), sharedSecret);
  const held = k.generateKeyPair();
  const heldCt = k.encapsulate(held.publicKey).cipherText;
  const keygen = opsPerSecond(() => k.keygen());
  const encaps = opsPerSecond(() => k.encapsulate(publicKey));
  const decaps = opsPerSecond(() => held.decapsulate(heldCt));
  console.log(
    `${name.padEnd(20)}${pad(k.lengths.publicKey + ' B', 11)}${pad(k.lengths.cipherText + ' B', 11)}${pad(fmt(keygen), 11)}${pad(fmt(encaps), 11)}${pad(fmt(decaps), 11)}  ${ok ? 'ok' : 'MISMATCH'}`,
  );
  if (!ok) process.exitCode = 1;
}

console.log('\nHybrid signature (Ed25519+ML-DSA-65): both halves must hold');
const hybrid = sig('Ed25519+ML-DSA-65');
const signer = hybrid.generateKeyPair();
const message = encoder.encode('hello, post-quantum world');
const context = encoder.encode('pqwire demo');
const signature = signer.sign(message, { context });
const good = hybrid.verify(signature, message, signer.publicKey, { context });
const forged = Uint8Array.from(signature);
forged[0] ^= 1; // break the Ed25519 half only
const bad = hybrid.verify(forged, message, signer.publicKey, { context });
console.log(`  signature ${signature.length} B, public key ${signer.publicKey.length} B`);
console.log(`  genuine:             valid=${good.valid} classic=${good.classicValid} quantum=${good.quantumValid}`);
console.log(`  Ed25519 half broken: valid=${bad.valid} classic=${bad.classicValid} quantum=${bad.quantumValid}`);
if (!good.valid || bad.valid) process.exitCode = 1;

console.log('\nX-Wing key exchange, then ChaCha20-Poly1305 with an HKDF-derived key');
const xwing = kem('X25519+ML-KEM-768');
const bob = xwing.generateKeyPair();
const { cipherText, sharedSecret } = xwing.encapsulate(bob.publicKey);
const info = encoder.encode('pqwire demo v1');
const aliceKey = hkdf('SHA-256', sharedSecret, { info, length: 32 });
const bobKey = hkdf('SHA-256', bob.decapsulate(cipherText), { info, length: 32 });
const chacha = aead('ChaCha20-Poly1305');
const nonce = new Uint8Array(12); // message counter 0
const sealed = chacha.seal(aliceKey, nonce, encoder.encode('meet at noon'), cipherText.subarray(0, 8));
const opened = new TextDecoder().decode(chacha.open(bobKey, nonce, sealed, cipherText.subarray(0, 8)));
console.log(`  ${cipherText.length}-byte KEM ciphertext, ${sealed.length}-byte sealed message, Bob reads: "${opened}"`);
if (opened !== 'meet at noon') process.exitCode = 1;

console.log('\nSuite negotiation: one agreement, one downgrade refused');
const ours = capabilities(); // every suite pqwire offers, post-quantum first
const peer = wire.encode(capabilities({ kexSuites: ['X25519+Kyber768', 'X25519'] })); // legacy alias accepted
const events = [];
const onSecurityEvent = (e) => events.push(e);
const agreed = negotiate(ours, peer, { policy: 'pq-required', peer: 'bob', onSecurityEvent });
const hash = Buffer.from(agreed.transcriptHash).toString('hex').slice(0, 16);
console.log(`  bob offers X25519+Kyber768, X25519 -> ${agreed.kexSuite} + ${agreed.sigSuite}, transcript ${hash}…`);
// An attacker strips the post-quantum suites from Bob's offer on the way.
const stripped = wire.encode(capabilities({ kexSuites: ['X25519'], sigSuites: ['Ed25519'] }));
try {
  negotiate(ours, stripped, { policy: 'pq-required', peer: 'bob', onSecurityEvent });
  console.log('  stripped offer ACCEPTED (this is a bug)');
  process.exitCode = 1;
} catch (e) {
  if (!(e instanceof DowngradeError)) throw e;
  const event = events.at(-1);
  console.log(`  stripped offer refused: ${e.name} ${e.code}`);
  console.log(`  security event: ${event.type} ${event.code} peer=${event.peer} policy=${event.policy}`);
  if (events.length !== 1 || event.code !== 'PQ_REQUIRED') process.exitCode = 1;
}
console.log('  the stripped capabilities message, as `pqwire inspect` shows it:');
console.log(wire.inspect(stripped).trimEnd().replace(/^/gm, '    '));

/** The whole session story: bundle, handshake, hybrid ratchet, sizes, events, a refusal. */
async function sessions() {
  console.log('\nAn end-to-end session: PQXDH handshake over a prekey bundle, then the hybrid ratchet');
  const events = [];
  const onSecurityEvent = (e) => events.push(e);
  const alice = createIdentity();
  const bob = createIdentity();
  const bobPrekeys = new InMemoryPrekeyStore();
  const aliceStores = { identityStore: new InMemoryIdentityStore() };

  // Bob signs one batch of prekeys once (Ed25519+ML-DSA-65): his capabilities, signed
  // X25519 prekey, last-resort ML-KEM-768 prekey and 100 one-time X25519 and ML-KEM-768
  // prekeys under a Merkle root. The server holds only the public upload and assembles a
  // bundle per fetch: one signature and two short inclusion proofs.
  const upload = await createPrekeyBatch(bob, { prekeyStore: bobPrekeys });
  const bundle = assemblePrekeyBundle(upload, { kemIndex: 0, oneTimeIndex: 0 });
  console.log(`  Bob's prekey upload: ${upload.length} B; a bundle from it: ${bundle.length} B (identity ${bob.fingerprint.slice(0, 16)}…)`);

  // Alice negotiates against the bundle's capabilities, verifies it, and sends the first message.
  const kib = new Uint8Array(1024).fill(0x61);
  const { session: a, initialMessage } = await initiateSession(bundle, {
    identity: alice,
    address: 'bob',
    ...aliceStores,
    plaintext: encoder.encode('hello Bob'),
    onSecurityEvent,
  });
  const info = a.info;
  console.log(`  agreed: ${info.kemSuite} prekey, ${info.sigSuite} identities, ${info.aeadSuite}, hybrid-auth=${info.hybridAuth}`);
  console.log(`  first message (initial message): ${initialMessage.length} B`);

  const { session: b, plaintext } = await acceptSession(initialMessage, { identity: bob, prekeyStore: bobPrekeys, onSecurityEvent });
  console.log(`  Bob reads "${new TextDecoder().decode(plaintext)}"; session ${b.id.slice(0, 16)}… on both sides: ${a.id === b.id}`);

  // Bob's reply takes the ratchet's X25519 step and starts his post-quantum pipeline:
  // his ML-KEM key travels in 80-byte erasure-coded chunks, one per message
  // (docs/protocol.md §5.6); completed exchanges are counted in info.pqSteps.
  const reply = await b.encryptAsync(kib, { associatedData: encoder.encode('thread:7') });
  const header = wire.decode(reply, 'ratchet-message');
  const got = await a.decryptAsync(reply);
  console.log(`  Bob -> Alice, 1 KiB with a ratchet step and a key chunk: ${reply.length} B (pqChunk ${header.pqChunk.length} B, ok=${equal(got.plaintext, kib)})`);
  const next = b.encrypt(kib);
  a.decrypt(next);
  console.log(`  Bob -> Alice, 1 KiB in the same chain (the next chunk): ${next.length} B`);
  const answer = a.encrypt(kib);
  b.decrypt(answer);
  console.log(`  Alice -> Bob, 1 KiB with her step and her own key's first chunk: ${answer.length} B (post-quantum steps so far: ${a.info.pqSteps})`);

  // Sessions at rest: serialized with an epoch; an older copy is refused.
  const record = a.serialize();
  const restored = Session.deserialize(record, { minimumEpoch: a.epoch });
  console.log(`  serialized session: ${record.length} B at epoch ${a.epoch}; restored and decrypts: ${equal(restored.decrypt(b.encrypt(kib)).plaintext, kib)}`);

  // A replayed message is refused and reported.
  try {
    restored.decrypt(reply);
    console.log('  replay ACCEPTED (this is a bug)');
    process.exitCode = 1;
  } catch (e) {
    if (!(e instanceof ReplayError)) throw e;
    console.log(`  replayed message refused: ${e.name} ${e.code}`);
  }

  // A downgraded bundle: the server strips the ML-KEM prekey. The signed batch statement
  // says there is one, so every policy refuses it.
  const strippedBundle = wire.decode(bundle, 'prekey-bundle');
  delete strippedBundle.kemPrekey;
  delete strippedBundle.kemPrekeyProof;
  try {
    await initiateSession(wire.encode(strippedBundle), { identity: alice, policy: 'pq-preferred', onSecurityEvent });
    console.log('  bundle without its ML-KEM prekey ACCEPTED (this is a bug)');
    process.exitCode = 1;
  } catch (e) {
    if (!(e instanceof DowngradeError)) throw e;
    console.log(`  bundle stripped of its ML-KEM prekey refused (even under pq-preferred): ${e.name} ${e.code}`);
  }
  restored.on('security', onSecurityEvent);
  try {
    restored.decrypt(reply);
  } catch {
    // reported below
  }

  // A session kept in a store is attached to it: encryptAsync saves the new state (a
  // compare-and-swap on its epoch) before the message leaves, so two loaded copies of one
  // record can never encrypt under the same key.
  const sessionStore = new InMemorySessionStore();
  await b.save(sessionStore, 'alice');
  const copy1 = await Session.load(sessionStore, 'alice');
  const copy2 = await Session.load(sessionStore, 'alice', { onSecurityEvent });
  await copy1.encryptAsync(kib);
  try {
    await copy2.encryptAsync(kib);
    console.log('  a second loaded copy ENCRYPTED (this is a bug)');
    process.exitCode = 1;
  } catch (e) {
    if (!(e instanceof SessionConflictError)) throw e;
    console.log(`  two loaded copies of one stored session: the second is refused before it encrypts: ${e.name} ${e.code}`);
  }
  for (const s of [copy1, copy2, restored, a, b]) s.dispose(); // wipe the native secrets now
  console.log('  security events:');
  for (const e of events) console.log(`    ${e.type} ${e.code ?? ''} ${e.address ? `address=${e.address}` : ''} authenticated=${e.authenticated}`);
  const seen = (type) => events.some((e) => e.type === type);
  if (!seen('handshake-refused') || !seen('replay-refused') || !seen('session-conflict')) process.exitCode = 1;
}

/** The online channel: a server on 127.0.0.1, a client pinning its key, one message echoed. */
async function channelRoundTrip() {
  console.log('\nAn online secure channel over TCP (simplex): the client pins the server key, one message echoed');
  const key = channel.generateServerKey();
  const { kemSuite, sigSuite, aeadSuite } = key.info;
  console.log(`  server key ${key.keyId.slice(0, 16)}…: ${kemSuite}, ${sigSuite}, ${aeadSuite}; public key ${key.publicKey.length} B, secret file ${key.toFile().length} B`);

  let serverState = 0;
  const server = channel.createServer({ keys: [key] }, (secure) => {
    serverState = secure.stateBytes;
    secure.on('error', () => {});
    secure.pipe(secure); // echo
  });
  const securityEvents = [];
  server.on('security', (e) => securityEvents.push(e));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();

  const client = channel.connect({ host: '127.0.0.1', port, serverPublicKey: key.publicKey });
  const info = await new Promise((resolve, reject) => {
    client.once('secure', resolve);
    client.once('error', reject);
  });
  const handshakeOut = client.bytesWritten;
  const handshakeIn = client.bytesRead;
  console.log(`  handshake: two round trips in ${info.handshakeMs} ms; client sent ${handshakeOut} B, received ${handshakeIn} B`);

  const message = encoder.encode('hello over a post-quantum channel');
  const started = performance.now();
  const echoed = await new Promise((resolve) => {
    const chunks = [];
    let got = 0;
    client.on('data', (chunk) => {
      chunks.push(chunk);
      got += chunk.length;
      if (got >= message.length) resolve(Buffer.concat(chunks));
    });
    client.write(message);
  });
  const ok = equal(new Uint8Array(echoed), message);
  console.log(
    `  ${message.length}-byte message echoed in ${(performance.now() - started).toFixed(1)} ms: ${client.bytesWritten - handshakeOut} B on the wire each way ` +
      `(21-byte header + 16-byte tag), ok=${ok}; server state ${serverState} B per connection`,
  );
  if (!ok) process.exitCode = 1;

  client.end();
  await new Promise((resolve) => client.once('close', resolve));
  for (let i = 0; i < 200 && server.connections > 0; i++) await new Promise((resolve) => setTimeout(resolve, 5));
  console.log(`  closed with a close packet: client ${client.closeReason}, server connections left ${server.connections}`);

  // A client pinning another key is refused before any data flows.
  const impostor = channel.generateServerKey();
  const refused = await new Promise((resolve) => {
    const c = channel.connect({ host: '127.0.0.1', port, serverPublicKey: impostor.publicKey });
    c.once('error', resolve);
    c.once('secure', () => resolve(null));
  });
  if (refused) console.log(`  a client pinning another key: ${refused.name} ${refused.code}; server security event: ${securityEvents.map((e) => `${e.type} ${e.code}`).join(', ')}`);
  if (!refused || refused.code !== 'UNKNOWN_KEY') process.exitCode = 1;
  await new Promise((resolve) => server.close(resolve));
}

/** A three-member MLS group on the X-Wing suite: add, a message with AAD, an update, a removal. */
async function group() {
  const suite = 'MLS_256_XWING_CHACHA20POLY1305_SHA256_Ed25519';
  console.log(`\nA post-quantum MLS group (RFC 9420, ${suite}; provisional code point)`);
  // Each member's credential is signed by its pqwire identity; the others check that.
  const make = (name) => GroupMember.create({ id: name, suite, identity: createIdentity(), name: encoder.encode(name), store: new InMemoryGroupStore() });
  const [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map(make));
  const id = await alice.createGroup();
  const packages = [await bob.keyPackage(), await carol.keyPackage()];
  let started = performance.now();
  const { commit, welcome, ratchetTree } = await alice.addMembers(id, packages);
  await alice.confirmCommit(id); // here the delivery service would have taken the commit
  const addMs = performance.now() - started;
  await bob.join(welcome, ratchetTree);
  await carol.join(welcome, ratchetTree);
  console.log(`  alice adds bob and carol: commit ${commit.length} B, welcome ${welcome.length} B + ratchet tree ${ratchetTree.length} B (${addMs.toFixed(1)} ms); key package ${packages[0].length} B`);

  const sealed = await bob.encrypt(id, encoder.encode('hello group'), { aad: encoder.encode('topic: demo') });
  const got = await Promise.all([alice, carol].map((m) => m.process(id, sealed)));
  const texts = got.map((m) => new TextDecoder().decode(m.plaintext));
  console.log(`  bob's ${sealed.length}-byte message read by alice and carol: ${JSON.stringify(texts)}`);

  started = performance.now();
  const update = await carol.selfUpdate(id);
  await carol.confirmCommit(id);
  for (const m of [alice, bob]) await m.process(id, update.commit);
  console.log(`  carol updates her keys: ${update.commit.length}-byte commit, epoch ${alice.epoch(id)} everywhere (${(performance.now() - started).toFixed(1)} ms)`);

  const removal = await alice.removeMembers(id, [encoder.encode('bob')]);
  await alice.confirmCommit(id);
  await carol.process(id, removal.commit);
  const bobSaw = await bob.process(id, removal.commit);
  const after = await alice.encrypt(id, encoder.encode('bob cannot read this'));
  const locked = await bob.process(id, after).then(() => null, (e) => e);
  const same = equal(alice.exportSecret(id, 'demo', new Uint8Array(0), 32), carol.exportSecret(id, 'demo', new Uint8Array(0), 32));
  console.log(`  alice removes bob (bob sees removedSelf=${bobSaw.removedSelf}); his next read: ${locked && locked.code}; alice and carol export the same secret: ${same}`);
  if (!equal(texts, ['hello group', 'hello group']) || !bobSaw.removedSelf || !locked || locked.code !== 'GROUP_REMOVED' || !same) process.exitCode = 1;
}

/** The reference server: a short version of examples/server-chat.js. */
async function serverChat() {
  console.log('\nTwo devices through the reference server (pqwire serve): prekey directory, relay queue, WebSocket');
  if (!(await require('./server-chat').run(5))) process.exitCode = 1;
}

sessions()
  .then(channelRoundTrip)
  .then(group)
  .then(serverChat)
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => console.log(process.exitCode ? '\ndemo FAILED' : '\ndemo complete'));
