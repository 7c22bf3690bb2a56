// @signalapp/libsignal-client as the session peer: PQXDH with its Kyber prekey and the
// double ratchet with its post-quantum ratchet (SPQR), as the installed version ships them.
//
// libsignal's session API works through stores the application implements. The stores
// here are in-memory and as cheap as a store can be: they keep libsignal's own objects
// (SessionRecord, PublicKey, prekey records) in Maps, so no serialization happens in the
// timed path. (libsignal's own test stores serialize every SessionRecord; keeping the
// object is faster and still correct, because each storeSession gets a fresh record.)
'use strict';

const spqr = require('./spqr');

let S = null;

/** Loads the ESM package once. */
async function load() {
  if (!S) S = await import('@signalapp/libsignal-client');
  return S;
}

const key = (address) => `${address.name()}.${address.deviceId()}`;

function stores(Signal) {
  class SessionStore extends Signal.SessionStore {
    sessions = new Map();
    async saveSession(address, record) {
      this.sessions.set(key(address), record);
    }
    async getSession(address) {
      return this.sessions.get(key(address)) || null;
    }
    async getExistingSessions(addresses) {
      return addresses.map((a) => {
        const r = this.sessions.get(key(a));
        if (!r) throw new Error(`no session for ${key(a)}`);
        return r;
      });
    }
  }

  /** Trust on first use, like pqwire's InMemoryIdentityStore with an address. */
  class IdentityStore extends Signal.IdentityKeyStore {
    constructor(identity, registrationId) {
      super();
      this.identity = identity;
      this.registrationId = registrationId;
      this.peers = new Map();
    }
    async getIdentityKey() {
      return this.identity.privateKey;
    }
    async getIdentityKeyPair() {
      return this.identity;
    }
    async getLocalRegistrationId() {
      return this.registrationId;
    }
    async saveIdentity(address, publicKey) {
      const old = this.peers.get(key(address));
      this.peers.set(key(address), publicKey);
      return old && !old.equals(publicKey) ? Signal.IdentityChange.ReplacedExisting : Signal.IdentityChange.NewOrUnchanged;
    }
    async isTrustedIdentity(address, publicKey) {
      const pinned = this.peers.get(key(address));
      return !pinned || pinned.equals(publicKey);
    }
    async getIdentity(address) {
      return this.peers.get(key(address)) || null;
    }
  }

  /** One-time EC prekeys: removed when used. */
  class PreKeyStore extends Signal.PreKeyStore {
    keys = new Map();
    async savePreKey(id, record) {
      this.keys.set(id, record);
    }
    async getPreKey(id) {
      const r = this.keys.get(id);
      if (!r) throw new Error(`no prekey ${id}`);
      return r;
    }
    async removePreKey(id) {
      this.keys.delete(id);
    }
  }

  class SignedPreKeyStore extends Signal.SignedPreKeyStore {
    keys = new Map();
    async saveSignedPreKey(id, record) {
      this.keys.set(id, record);
    }
    async getSignedPreKey(id) {
      const r = this.keys.get(id);
      if (!r) throw new Error(`no signed prekey ${id}`);
      return r;
    }
  }

  /** Kyber prekeys: a one-time key is deleted when used (a last-resort one would be kept). */
  class KyberPreKeyStore extends Signal.KyberPreKeyStore {
    keys = new Map();
    async saveKyberPreKey(id, record) {
      this.keys.set(id, record);
    }
    async getKyberPreKey(id) {
      const r = this.keys.get(id);
      if (!r) throw new Error(`no kyber prekey ${id}`);
      return r;
    }
    async markKyberPreKeyUsed(id) {
      this.keys.delete(id);
    }
  }

  return { SessionStore, IdentityStore, PreKeyStore, SignedPreKeyStore, KyberPreKeyStore };
}

/**
 * A party: identity, registration id, address and every store. `server` parties also
 * get a signed prekey.
 */
function party(Signal, St, name, registrationId) {
  const identity = Signal.IdentityKeyPair.generate();
  return {
    name,
    identity,
    registrationId,
    sessions: new St.SessionStore(),
    identities: new St.IdentityStore(identity, registrationId),
    prekeys: new St.PreKeyStore(),
    signedPrekeys: new St.SignedPreKeyStore(),
    kyberPrekeys: new St.KyberPreKeyStore(),
  };
}

/**
 * The serialized public parts of one of Bob's bundles, as a server hands them out:
 * identity key, signed EC prekey and signature, a one-time EC prekey and a one-time
 * Kyber prekey (Kyber1024, libsignal's KEMKeyPair.generate()) with its signature.
 * Saves the secrets in Bob's stores.
 */
async function publishBundle(Signal, bob, spk, id) {
  const ec = Signal.PrivateKey.generate();
  await bob.prekeys.savePreKey(id, Signal.PreKeyRecord.new(id, ec.getPublicKey(), ec));
  const kyber = Signal.KEMKeyPair.generate();
  const kyberPublic = kyber.getPublicKey().serialize();
  const kyberSignature = bob.identity.privateKey.sign(kyberPublic);
  await bob.kyberPrekeys.saveKyberPreKey(id, Signal.KyberPreKeyRecord.new(id, Date.now(), kyber, kyberSignature));
  return {
    registrationId: bob.registrationId,
    deviceId: 1,
    identityKey: bob.identity.publicKey.serialize(),
    signedPreKeyId: spk.id,
    signedPreKey: spk.publicKey,
    signedPreKeySignature: spk.signature,
    preKeyId: id,
    preKey: ec.getPublicKey().serialize(),
    kyberPreKeyId: id,
    kyberPreKey: kyberPublic,
    kyberPreKeySignature: kyberSignature,
  };
}

/** What a client does with fetched bundle parts: parse them into a PreKeyBundle. */
function bundleFromParts(Signal, p) {
  return Signal.PreKeyBundle.new(
    p.registrationId,
    p.deviceId,
    p.preKeyId,
    Signal.PublicKey.deserialize(p.preKey),
    p.signedPreKeyId,
    Signal.PublicKey.deserialize(p.signedPreKey),
    p.signedPreKeySignature,
    Signal.PublicKey.deserialize(p.identityKey),
    p.kyberPreKeyId,
    Signal.KEMPublicKey.deserialize(p.kyberPreKey),
    p.kyberPreKeySignature,
  );
}

function signedPrekey(Signal, bob, id) {
  const secret = Signal.PrivateKey.generate();
  const publicKey = secret.getPublicKey().serialize();
  const signature = bob.identity.privateKey.sign(publicKey);
  return { id, secret, publicKey, signature, record: Signal.SignedPreKeyRecord.new(id, Date.now(), secret.getPublicKey(), secret, signature) };
}

const same = (a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

/**
 * The session adapter (see lib/sessions.js for the shape): establishment from fetched
 * bundle parts, a session pair for ratchet messages, and the sizes of everything.
 */
async function libsignalSessions() {
  const Signal = await load();
  const St = stores(Signal);
  let nextId = 1;
  let nextAddress = 0;

  /** Bob (server) with a signed prekey; Alice (client). */
  async function parties() {
    const alice = party(Signal, St, 'alice', 1);
    const bob = party(Signal, St, 'bob', 2);
    const spk = signedPrekey(Signal, bob, 1);
    await bob.signedPrekeys.saveSignedPreKey(spk.id, spk.record);
    return { alice, bob, spk };
  }

  /** Alice processes the bundle and encrypts; Bob decrypts the PreKeySignalMessage. */
  async function establish(p, parts, plaintext, i) {
    const bobAddress = Signal.ProtocolAddress.new(`server-${i}`, 1);
    const aliceAddress = Signal.ProtocolAddress.new(`client-${i}`, 1);
    await Signal.processPreKeyBundle(bundleFromParts(Signal, parts), bobAddress, aliceAddress, p.alice.sessions, p.alice.identities);
    const first = (await Signal.signalEncrypt(plaintext, bobAddress, aliceAddress, p.alice.sessions, p.alice.identities)).serialize();
    const received = await Signal.signalDecryptPreKey(
      Signal.PreKeySignalMessage.deserialize(first),
      aliceAddress,
      bobAddress,
      p.bob.sessions,
      p.bob.identities,
      p.bob.prekeys,
      p.bob.signedPrekeys,
      p.bob.kyberPrekeys,
    );
    return { first, received, aliceAddress, bobAddress };
  }

  /** One side of a pair: its stores and addresses. */
  function side(p, who, r) {
    const me = who === 'alice' ? p.alice : p.bob;
    return {
      sessions: me.sessions,
      identities: me.identities,
      local: who === 'alice' ? r.aliceAddress : r.bobAddress,
      remote: who === 'alice' ? r.bobAddress : r.aliceAddress,
    };
  }

  async function send(from, to, plaintext) {
    const m = await Signal.signalEncrypt(plaintext, from.remote, from.local, from.sessions, from.identities);
    const bytes = m.serialize();
    if (m.type() !== Signal.CiphertextMessageType.Whisper) throw new Error(`expected a SignalMessage, got type ${m.type()}`);
    const out = await Signal.signalDecrypt(Signal.SignalMessage.deserialize(bytes), to.remote, to.local, to.sessions, to.identities);
    return { bytes, out };
  }

  return {
    backend: 'native (Rust), PQXDH with Kyber1024 prekeys, SPQR ratchet (ML-KEM-768, chunked)',
    async: true,

    /** `n` sessions: prepare makes n bundles (outside the timing), run establishes them. */
    establishment: {
      async prepare(n, plaintext) {
        const p = await parties();
        const bundles = [];
        for (let i = 0; i < n; i++) bundles.push(await publishBundle(Signal, p.bob, p.spk, nextId++));
        return { p, bundles, plaintext };
      },
      async run(state) {
        for (const parts of state.bundles) await establish(state.p, parts, state.plaintext, nextAddress++);
      },
      async check(plaintext) {
        const p = await parties();
        const r = await establish(p, await publishBundle(Signal, p.bob, p.spk, nextId++), plaintext, nextAddress++);
        if (!same(r.received, plaintext)) throw new Error('self-check failed: first message differs');
      },
    },

    /**
     * An established pair after one round trip (both have stepped): `send(aToB)`
     * encrypts `plaintext` on one side and decrypts it on the other.
     */
    async pair(plaintext) {
      const p = await parties();
      const r = await establish(p, await publishBundle(Signal, p.bob, p.spk, nextId++), plaintext, nextAddress++);
      const a = side(p, 'alice', r);
      const b = side(p, 'bob', r);
      await send(b, a, plaintext);
      await send(a, b, plaintext);
      return {
        send: (aToB) => (aToB ? send(a, b, plaintext) : send(b, a, plaintext)),
        async check() {
          for (const dir of [true, false, true, true]) {
            if (!same((await send(dir ? a : b, dir ? b : a, plaintext)).out, plaintext)) throw new Error('self-check failed: ratchet plaintext differs');
          }
        },
        records: async () => ({
          initiator: (await p.alice.sessions.getSession(r.bobAddress)).serialize(),
          responder: (await p.bob.sessions.getSession(r.aliceAddress)).serialize(),
        }),
      };
    },

    /** Everything measured in bytes; `plaintext` is the 1 KiB payload. */
    async sizes(plaintext) {
      const p = await parties();
      const parts = await publishBundle(Signal, p.bob, p.spk, nextId++);
      const r = await establish(p, parts, plaintext, nextAddress++);
      const a = side(p, 'alice', r);
      const b = side(p, 'bob', r);
      const records = async () => [
        (await p.alice.sessions.getSession(r.bobAddress)).serialize().length,
        (await p.bob.sessions.getSession(r.aliceAddress)).serialize().length,
      ];
      const afterHandshake = await records();
      const reply = await send(b, a, plaintext);
      const ratchet = [reply.bytes.length];
      for (let i = 0; i < 6; i++) ratchet.push((await send(i % 2 ? b : a, i % 2 ? a : b, plaintext)).bytes.length);
      const oneWay = [];
      for (let i = 0; i < 20; i++) oneWay.push((await send(a, b, plaintext)).bytes.length);
      const steady = await records();
      const spqr = Signal.SignalMessage.deserialize((await send(a, b, plaintext)).bytes).pqRatchet().length;
      const bundleParts = {
        identityKey: parts.identityKey.length,
        signedPreKey: parts.signedPreKey.length + parts.signedPreKeySignature.length,
        preKey: parts.preKey.length,
        kyberPreKey: parts.kyberPreKey.length + parts.kyberPreKeySignature.length,
        ids: 4 * 5, // registration id, device id, three key ids (u32 each)
      };
      return {
        firstMessage: r.first.length,
        ratchetMessages: ratchet,
        oneWay,
        spqrField: spqr,
        bundleParts,
        bundle: Object.values(bundleParts).reduce((x, y) => x + y, 0),
        sessionAfterHandshake: afterHandshake,
        sessionSteady: steady,
      };
    },

    /**
     * A conversation of `count` alternating messages after the handshake (Bob answers
     * first): each SignalMessage's size and the SPQR message it carries (lib/spqr.js, our
     * own decoder, checked against libsignal's own accessor for the field), and the SPQR
     * message inside the first message.
     */
    async conversation(plaintext, count) {
      const p = await parties();
      const r = await establish(p, await publishBundle(Signal, p.bob, p.spk, nextId++), plaintext, nextAddress++);
      const a = side(p, 'alice', r);
      const b = side(p, 'bob', r);
      const first = spqr.spqrMessage(spqr.signalMessage(spqr.innerSignalMessage(r.first)).pqRatchet);
      const sizes = [];
      const messages = [];
      const fieldBytes = [];
      for (let i = 0; i < count; i++) {
        const { bytes, out } = await send(i % 2 ? a : b, i % 2 ? b : a, plaintext);
        if (!same(out, plaintext)) throw new Error('self-check failed: ratchet plaintext differs');
        const field = spqr.signalMessage(bytes).pqRatchet;
        if (i === 0 && !same(field, Signal.SignalMessage.deserialize(bytes).pqRatchet())) throw new Error('self-check failed: the SPQR field decoded differs from libsignal\'s');
        sizes.push(bytes.length);
        fieldBytes.push(field.length);
        messages.push(spqr.spqrMessage(field));
      }
      return { firstMessage: r.first.length, sizes, fieldBytes, spqr: messages, spqrFirst: first, epochs: spqr.epochSummary([first, ...messages]) };
    },

    /** A serialized session record in steady state, and how to restore one (memory). */
    async steadyRecord(plaintext) {
      const pair = await this.pair(plaintext);
      await pair.check();
      return (await pair.records()).responder;
    },
    restore: (record) => Signal.SessionRecord.deserialize(record),
  };
}

module.exports = { libsignalSessions, load };
