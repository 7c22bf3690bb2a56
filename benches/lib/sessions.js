// The session libraries compared: pqwire's session API (initiateSession / acceptSession,
// Session.encrypt / decrypt) under several KEM suites and cadences, and
// @signalapp/libsignal-client (lib/libsignal.js). Each adapter offers, where it has them:
//
//   establishment  { prepare(n, plaintext) -> state   (outside the timing: n bundles)
//                    run(state)                         (timed: n sessions, both sides)
//                    check(plaintext) }                 (one session, plaintext round trip)
//   pair(plaintext) -> { send(aToB), check() }          a session pair after one round trip;
//                    send encrypts the 1 KiB plaintext on one side and decrypts it on the
//                    other (sync for pqwire's sync API, a promise otherwise)
//   sizes(plaintext)                                    wire and record sizes (lib/wiresizes.js)
//   conversation(plaintext, count)                      issue 17's conversation: each ratchet
//                    message's size and the post-quantum steps (lib/conversation.js)
//
// pqwire's headline ("pqwire") is ML-KEM-768 at its default cadence (protocol v1: a KEM
// step every hop for ML-KEM-512/768; v2: the sparse post-quantum ratchet's continuous
// pipeline); the variants never count as peers in ratios.
'use strict';

const { ROOT, packageVersion } = require('./peers');

const EMPTY = new Uint8Array(0);
const hex = (b) => Buffer.from(b).toString('hex');
const same = (a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

/**
 * A Map-backed prekey store with synchronous access besides the PrekeyStore interface,
 * for the paths that call the core synchronously (the internal sync variant and the
 * event-loop baseline). The headline pqwire figures use the shipped InMemoryPrekeyStore.
 */
class MapPrekeyStore {
  constructor() {
    this.keys = new Map();
    this.consumed = new Set();
  }
  async save(prekeys) {
    for (const p of prekeys) this.keys.set(p.keyId, { ...p });
  }
  async load(keyId) {
    return this.keys.get(keyId);
  }
  async isConsumed(keyId) {
    return this.consumed.has(keyId);
  }
  async consume(keyIds) {
    return this.consumeSync(keyIds);
  }
  consumeSync(keyIds) {
    const oneTime = (id) => {
      const p = this.keys.get(id);
      return p !== undefined && (p.kind === 'one-time' || p.kind === 'one-time-kem');
    };
    if (!keyIds.every(oneTime)) return false;
    for (const id of keyIds) {
      this.keys.delete(id);
      this.consumed.add(id);
    }
    return true;
  }
  async current(kind) {
    let best;
    for (const p of this.keys.values()) if (p.kind === kind && (!best || p.created >= best.created)) best = p;
    return best;
  }
  async countUse(keyIds) {
    this.countUseSync(keyIds);
  }
  countUseSync(keyIds) {
    for (const id of keyIds) {
      const p = this.keys.get(id);
      if (p) p.uses += 1;
    }
  }
  /**
   * The replay cache's work (a lookup and an insert), but it never refuses: the
   * event-loop workload replays its pool of initial messages on purpose.
   */
  async rememberHandshake(sessionId, until) {
    this.handshakes = this.handshakes || new Map();
    this.handshakes.set(sessionId, until);
    return true;
  }
  async removeExpired(now) {
    let removed = 0;
    for (const [id, p] of this.keys) {
      if (p.expires <= now) {
        this.keys.delete(id);
        removed += 1;
      }
    }
    return removed;
  }
}

/**
 * The responder's work of acceptSession done synchronously on the core (the internal
 * native module): decode the initial message, look the prekey secrets up, accept,
 * consume the one-time prekeys. No stores besides the prekeys, no events.
 */
function acceptSync(pq, native, ctx, initialMessage) {
  const msg = pq.decodeMessage(initialMessage, 'initial-message');
  const records = [];
  for (const id of [msg.signedPrekeyId, msg.kemPrekeyId, msg.oneTimePrekeyId]) {
    if (id === undefined) continue;
    const p = ctx.prekeyStore.keys.get(hex(id));
    if (!p) throw new Error('unknown prekey');
    records.push(p.secret);
  }
  const session = native.NativeSession.accept(ctx.identity.native, ctx.capabilities, records, initialMessage, ctx.options, Math.floor(Date.now() / 1000));
  const opening = session.takeOpening();
  if (opening.oneTimePrekeys.length && !ctx.prekeyStore.consumeSync(opening.oneTimePrekeys.map(hex))) throw new Error('prekey reused');
  ctx.prekeyStore.countUseSync(opening.rotatedPrekeys.map(hex));
  return { session, plaintext: opening.plaintext };
}

/**
 * One-time prekeys of each kind per batch: an upload is at most 1 MiB (the wire format's
 * message limit), which holds about 880 ML-KEM-768 + 880 X25519 one-time prekeys.
 */
const MAX_BATCH = 800;

/** Whether this build has the v2 prekey API: one signed batch, bundles assembled from its public upload. */
const hasBatchApi = (pq) => typeof pq.createPrekeyBatch === 'function';

/** How establishment gets its bundles, for the report. */
const bundleSource = (pq) =>
  hasBatchApi(pq)
    ? 'bundles from one prekey batch per timed batch (createPrekeyBatch, then assemblePrekeyBundle per session, as a server per fetch)'
    : 'a bundle per session (createPrekeyBundle: this build has no createPrekeyBatch)';

/**
 * `n` bundles of `identity`, each with its own one-time X25519 and one-time ML-KEM
 * prekey, made outside the timing. With the v2 prekey API: ONE batch of n of each
 * (`createPrekeyBatch`, signed once, secrets saved in `prekeyStore`) and n bundles
 * assembled from its public upload (`assemblePrekeyBundle(upload, { kemIndex,
 * oneTimeIndex })`, the i-th one-time key of each kind), so every initiator after the
 * first finds the batch in its verified-batch cache, as the design intends. Else today's
 * path: `createPrekeyBundle` per bundle.
 */
async function makeBundles(pq, identity, prekeyStore, kem, n) {
  const out = [];
  if (hasBatchApi(pq)) {
    // One upload holds at most MAX_BATCH one-time prekeys of each kind; a larger timed
    // batch (not reached at the bench's batch times) takes several.
    for (let done = 0; done < n; done += MAX_BATCH) {
      const m = Math.min(MAX_BATCH, n - done);
      const upload = await pq.createPrekeyBatch(identity, { prekeyStore, kem, oneTimeCount: m, oneTimeKemCount: m });
      for (let i = 0; i < m; i++) out.push(await pq.assemblePrekeyBundle(upload, { kemIndex: i, oneTimeIndex: i }));
    }
  } else {
    for (let i = 0; i < n; i++) out.push(await pq.createPrekeyBundle(identity, { prekeyStore, kem }));
  }
  return out;
}

/** pqwire's internal native module and what the core sync path needs. */
function internals(pq) {
  const native = require(`${ROOT}/ts/dist/native`).default;
  return { native, capabilities: pq.encodeMessage(pq.capabilities()) };
}

/**
 * pqwire through its public session API: `kem` for the prekeys (the ratchet then uses the
 * same ML-KEM suite), `ratchet` options (cadence). Establishment uses every in-memory
 * store pqwire ships: prekeys (one-time prekeys consumed), identities (pinned on first
 * use, a new address per session) and sessions (each saved, i.e. serialized).
 */
function pqwireSessions({ kem = 'ML-KEM-768', ratchet, asyncApi = false, thread } = {}) {
  const pq = require(ROOT);
  let nextAddress = 0;

  async function parties() {
    const alice = pq.createIdentity();
    const bob = pq.createIdentity();
    return { alice, bob, prekeyStore: new pq.InMemoryPrekeyStore() };
  }

  /**
   * One handshake. With `stores`, both sides pin identities and save (attach) their
   * sessions, as an app would; without, the sessions are unattached, so that the ratchet
   * rows time encryption itself with the synchronous API, not a store's save per message.
   */
  async function establish(p, bundle, plaintext, stores) {
    const i = nextAddress++;
    const { session: a, initialMessage } = await pq.initiateSession(bundle, {
      identity: p.alice,
      address: `server-${i}`,
      ...(stores && { identityStore: stores.alice.identityStore, sessionStore: stores.alice.sessionStore }),
      plaintext,
      ratchet,
      ...(thread && { thread }),
    });
    const { session: b, plaintext: received } = await pq.acceptSession(initialMessage, {
      identity: p.bob,
      address: `client-${i}`,
      prekeyStore: p.prekeyStore,
      ...(stores && { identityStore: stores.bob.identityStore, sessionStore: stores.bob.sessionStore }),
      ratchet,
      ...(thread && { thread }),
    });
    return { a, b, initialMessage, received };
  }

  const newStores = () => ({
    alice: { identityStore: new pq.InMemoryIdentityStore(), sessionStore: new pq.InMemorySessionStore() },
    bob: { identityStore: new pq.InMemoryIdentityStore(), sessionStore: new pq.InMemorySessionStore() },
  });

  async function pair(plaintext) {
    const p = await parties();
    const r = await establish(p, await pq.createPrekeyBundle(p.bob, { prekeyStore: p.prekeyStore, kem }), plaintext);
    const { a, b } = r;
    a.decrypt(b.encrypt(plaintext)); // one round trip: both sides have stepped
    b.decrypt(a.encrypt(plaintext));
    const send = asyncApi
      ? async (aToB) => (aToB ? b.decryptAsync(await a.encryptAsync(plaintext)) : a.decryptAsync(await b.encryptAsync(plaintext)))
      : (aToB) => (aToB ? b.decrypt(a.encrypt(plaintext)) : a.decrypt(b.encrypt(plaintext)));
    return {
      a,
      b,
      send,
      async check() {
        for (const dir of [true, false, true, true]) {
          if (!same((await send(dir)).plaintext, plaintext)) throw new Error('self-check failed: ratchet plaintext differs');
        }
        if (a.info.kemSuite !== kem) throw new Error(`self-check failed: session runs ${a.info.kemSuite}, not ${kem}`);
      },
    };
  }

  /**
   * A conversation of `count` alternating messages after the handshake (Bob answers
   * first): each ratchet message's size and, when the session reports it
   * (`session.info.pqSteps`), the post-quantum steps each side completed; null otherwise.
   */
  async function conversation(plaintext, count) {
    const p = await parties();
    const { a, b, initialMessage } = await establish(p, await pq.createPrekeyBundle(p.bob, { prekeyStore: p.prekeyStore, kem }), plaintext);
    const sizes = [];
    for (let i = 0; i < count; i++) {
      const [from, to] = i % 2 ? [a, b] : [b, a];
      const m = from.encrypt(plaintext);
      if (!same(to.decrypt(m).plaintext, plaintext)) throw new Error('self-check failed: ratchet plaintext differs');
      sizes.push(m.length);
    }
    const steps = (s) => (typeof s.info.pqSteps === 'number' ? s.info.pqSteps : null);
    return { firstMessage: initialMessage.length, sizes, pqSteps: { initiator: steps(a), responder: steps(b) } };
  }

  return {
    backend: 'native (N-API)',
    bundleSource: asyncApi ? null : bundleSource(pq),
    conversation,
    establishment: asyncApi
      ? null
      : {
          async prepare(n, plaintext) {
            const p = await parties();
            const bundles = await makeBundles(pq, p.bob, p.prekeyStore, kem, n);
            return { p, bundles, plaintext, stores: newStores() };
          },
          async run(state) {
            for (const bundle of state.bundles) await establish(state.p, bundle, state.plaintext, state.stores);
          },
          async check(plaintext) {
            const p = await parties();
            const [bundle] = await makeBundles(pq, p.bob, p.prekeyStore, kem, 1);
            const r = await establish(p, bundle, plaintext, newStores());
            if (!same(r.received, plaintext)) throw new Error('self-check failed: first message differs');
            if (r.a.info.kemSuite !== kem || !r.b.info.postQuantum) throw new Error('self-check failed: not a post-quantum session');
          },
        },
    pair,
  };
}

/**
 * pqwire's core called synchronously through the internal native module, no stores but
 * the prekeys: what the handshake itself costs, without the thread pool, the facade's
 * checks, identity pinning and session saving. Establishment only.
 */
function pqwireCoreSync({ kem = 'ML-KEM-768' } = {}) {
  const pq = require(ROOT);
  const { native, capabilities } = internals(pq);
  const options = { policy: 'pq-required', minVersion: 1 };

  async function context() {
    const alice = pq.createIdentity();
    const bob = pq.createIdentity();
    return { alice, identity: bob, capabilities, options, prekeyStore: new MapPrekeyStore() };
  }
  function establish(ctx, bundle, plaintext) {
    const a = native.NativeSession.initiate(ctx.alice.native, capabilities, bundle, plaintext, EMPTY, options, Math.floor(Date.now() / 1000));
    return acceptSync(pq, native, ctx, a.takeOpening().initialMessage);
  }
  return {
    backend: 'native, sync, internal module (no stores but prekeys)',
    bundleSource: bundleSource(pq),
    establishment: {
      async prepare(n, plaintext) {
        const ctx = await context();
        const bundles = await makeBundles(pq, ctx.identity, ctx.prekeyStore, kem, n);
        return { ctx, bundles, plaintext };
      },
      async run(state) {
        for (const bundle of state.bundles) establish(state.ctx, bundle, state.plaintext);
      },
      async check(plaintext) {
        const ctx = await context();
        const r = establish(ctx, (await makeBundles(pq, ctx.identity, ctx.prekeyStore, kem, 1))[0], plaintext);
        if (!same(r.plaintext, plaintext)) throw new Error('self-check failed: first message differs');
      },
    },
  };
}

/** An adapter's establishment alone (no ratchet rows, no conversation). */
function establishmentOnly(api) {
  return { backend: api.backend, bundleSource: api.bundleSource, establishment: api.establishment };
}

/**
 * Every session library, in table order. `establishment` / `ratchet` say which sections
 * an entry takes part in. "every 50 messages" is the cadence closest to libsignal's SPQR,
 * whose ML-KEM-768 epochs need the key and ciphertext (about 2.3 KB) carried in small
 * chunks over dozens of messages.
 */
const SESSION_ADAPTERS = [
  { name: 'pqwire', note: 'ML-KEM-768, default cadence (v1: every hop; v2: continuous sparse post-quantum steps)', load: () => pqwireSessions() },
  { name: 'pqwire ML-KEM-768 every 50 messages', variantOf: 'pqwire', note: 'kemEveryMessages: 50', load: () => pqwireSessions({ ratchet: { kemEveryMessages: 50 } }) },
  { name: 'pqwire ML-KEM-1024', variantOf: 'pqwire', note: 'default cadence (every 50 messages or 10 minutes)', load: () => pqwireSessions({ kem: 'ML-KEM-1024' }) },
  { name: 'pqwire ML-KEM-1024 every hop', variantOf: 'pqwire', note: "cadence: 'every-hop'", load: () => pqwireSessions({ kem: 'ML-KEM-1024', ratchet: { cadence: 'every-hop' } }) },
  { name: 'pqwire async', variantOf: 'pqwire', async: true, note: 'ML-KEM-768, encryptAsync / decryptAsync awaited one at a time', load: () => pqwireSessions({ asyncApi: true }) },
  {
    name: 'pqwire thread pool',
    variantOf: 'pqwire',
    note: "ML-KEM-768, thread: 'pool' (the default runs a lone handshake inline: docs/protocol.md §9); establishment only",
    load: () => establishmentOnly(pqwireSessions({ thread: 'pool' })),
  },
  { name: 'pqwire core sync', variantOf: 'pqwire', note: 'internal native module, sync, no stores but prekeys', load: () => pqwireCoreSync() },
  {
    name: '@signalapp/libsignal-client',
    pkg: '@signalapp/libsignal-client',
    async: true,
    note: 'PQXDH (Kyber1024 prekey) + SPQR',
    load: async () => require('./libsignal').libsignalSessions(),
  },
];

/** Loads every session adapter: [{ name, version, loaded, error?, async, variantOf, note, api }]. */
async function loadSessionLibraries() {
  const out = [];
  for (const a of SESSION_ADAPTERS) {
    const version = a.pkg ? packageVersion(a.pkg) : JSON.parse(require('node:fs').readFileSync(`${ROOT}/package.json`, 'utf8')).version;
    const lib = { name: a.name, version, async: Boolean(a.async), variantOf: a.variantOf || null, note: a.note, loaded: false };
    try {
      const api = await a.load();
      Object.assign(lib, { loaded: true, backend: api.backend, api });
      if (api.bundleSource) lib.note = `${lib.note}; establishment: ${api.bundleSource}`;
      if (api.async) lib.async = true;
    } catch (e) {
      if (!a.pkg) throw e;
      lib.error = version ? `failed to load: ${String((e && e.message) || e).split('\n')[0]}` : 'not installed';
    }
    out.push(lib);
  }
  return out;
}

module.exports = { loadSessionLibraries, pqwireSessions, MapPrekeyStore, acceptSync, internals, makeBundles, hasBatchApi };
