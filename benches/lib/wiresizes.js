// Wire and record sizes, in bytes: prekey bundle, first message, ratchet messages with a
// 1 KiB payload and the serialized session, for pqwire with each ML-KEM parameter set and
// for @signalapp/libsignal-client.
//
// pqwire's ratchet messages are classified by the post-quantum fields they carry. Protocol
// v2 (docs/protocol.md §5): at most one chunk of a KEM key or ciphertext (`pqChunk`) per
// message, and `pqMix` on the chain that mixes a step; v1 (until the v2 ratchet is in the
// build): a KEM step's chain repeats the new KEM key and the ciphertext in every message,
// a chain that only advertises a new KEM key carries the key. The rest carry none. Each
// class comes from a session with a cadence that produces it (the default; every hop; a
// sparse one); a cadence option the build does not know is skipped. With the v2 prekey
// API, a bundle is also assembled from a realistic upload (BATCH one-time prekeys of each
// kind): its inclusion proofs are longer than those of createPrekeyBundle's own batch.
'use strict';

const { ROOT } = require('./peers');
const { hasBatchApi } = require('./sessions');

const KEMS = ['ML-KEM-512', 'ML-KEM-768', 'ML-KEM-1024'];
/** One-time prekeys of each kind in the upload a realistic bundle is assembled from. */
const BATCH = 100;

function classify(pq, message) {
  const m = pq.decodeMessage(message, 'ratchet-message');
  // Protocol v2's sparse post-quantum ratchet: at most one chunk of a KEM key or
  // ciphertext per message, and the step's number in the chain that mixes it.
  if (m.pqChunk !== undefined) return 'pqChunk';
  if (m.pqMix !== undefined) return 'pqMixOnly';
  if (m.kemKey !== undefined && m.kemCiphertext !== undefined) return 'kemStep';
  if (m.kemKey !== undefined) return 'kemKey';
  if (m.kemCiphertext !== undefined) return 'kemCiphertextOnly';
  return 'plain';
}

async function pqwireSizes(pq, kem, plaintext) {
  const alice = pq.createIdentity();
  const bob = pq.createIdentity();
  const prekeyStore = new pq.InMemoryPrekeyStore();
  const bundle = await pq.createPrekeyBundle(bob, { prekeyStore, kem });
  const lastResort = await pq.createPrekeyBundle(bob, { prekeyStore, kem, oneTimeKemPrekey: false, oneTimePrekey: false });
  const out = { bundle: bundle.length, bundleNoOneTime: lastResort.length, ratchet: {} };
  if (hasBatchApi(pq)) {
    // What a server hands out from a realistic upload (100 one-time prekeys of each kind,
    // as Signal's clients upload): the inclusion proofs grow with the batch.
    const upload = await pq.createPrekeyBatch(bob, { prekeyStore, kem, oneTimeCount: BATCH, oneTimeKemCount: BATCH });
    out.bundleFromBatch = (await pq.assemblePrekeyBundle(upload, { kemIndex: BATCH - 1, oneTimeIndex: BATCH - 1 })).length;
    out.uploadBatch = upload.length;
  }

  // Default cadence (first message, records), every hop (KEM steps), sparse (no KEM fields).
  // A cadence option this build does not know leaves its classes out, not the section.
  for (const ratchet of [undefined, { cadence: 'every-hop' }, { kemEveryMessages: 1000000 }]) {
    try {
      await cadenceSizes(pq, kem, plaintext, { alice, bob, prekeyStore }, ratchet, out);
    } catch (e) {
      if (!ratchet) throw e;
      (out.skipped = out.skipped || []).push(`${JSON.stringify(ratchet)}: ${(e && e.message) || e}`);
    }
  }
  return out;
}

/** The messages of one cadence, classified into out.ratchet (and, at the default, the first message and records). */
async function cadenceSizes(pq, kem, plaintext, { alice, bob, prekeyStore }, ratchet, out) {
  const fresh = await pq.createPrekeyBundle(bob, { prekeyStore, kem });
  const { session: a, initialMessage } = await pq.initiateSession(fresh, { identity: alice, plaintext, ratchet });
  const { session: b } = await pq.acceptSession(initialMessage, { identity: bob, prekeyStore, ratchet });
  const sizes = [];
  const send = (from, to) => {
    const m = from.encrypt(plaintext);
    to.decrypt(m);
    sizes.push(m);
  };
  if (!ratchet) {
    out.firstMessage = initialMessage.length;
    out.sessionAfterHandshake = [a.serialize().length, b.serialize().length];
  }
  for (let i = 0; i < 4; i++) send(i % 2 ? a : b, i % 2 ? b : a);
  for (let i = 0; i < 3; i++) send(a, b);
  if (!ratchet) out.sessionSteady = [a.serialize().length, b.serialize().length];
  for (const m of sizes) {
    const c = classify(pq, m);
    if (out.ratchet[c] === undefined) out.ratchet[c] = m.length;
    else if (out.ratchet[c] !== m.length) out.ratchet[c] = Math.max(out.ratchet[c], m.length);
  }
}

/** Sizes for pqwire (every ML-KEM set) and, when it loaded, libsignal. */
async function wireSizes(plaintext, libsignalApi) {
  const pq = require(ROOT);
  const pqwire = {};
  for (const kem of KEMS) pqwire[kem] = await pqwireSizes(pq, kem, plaintext);
  let libsignal = null;
  if (libsignalApi) {
    try {
      libsignal = await libsignalApi.sizes(plaintext);
    } catch (e) {
      libsignal = { error: (e && e.message) || String(e) };
    }
  }
  return { payload: plaintext.length, pqwire, libsignal };
}

const n = (x) => x.toLocaleString('en-US');
const pair = (xs) => xs.map(n).join(' / ');
const range = (xs) => (Math.min(...xs) === Math.max(...xs) ? n(xs[0]) : `${n(Math.min(...xs))}–${n(Math.max(...xs))}`);

/** Rows of the sizes table: [label, ...pqwire per KEM, libsignal]. */
function rows(sizes) {
  const ls = sizes.libsignal && !sizes.libsignal.error ? sizes.libsignal : null;
  const pq = (f) => KEMS.map((k) => {
    const v = f(sizes.pqwire[k]);
    return v === undefined ? '–' : v;
  });
  const lsParts = ls
    ? `${n(ls.bundle)} (identity ${ls.bundleParts.identityKey}, signed prekey + signature ${ls.bundleParts.signedPreKey}, one-time prekey ${ls.bundleParts.preKey}, Kyber1024 prekey + signature ${n(ls.bundleParts.kyberPreKey)}, ids ${ls.bundleParts.ids}; a server sends them as separate fields)`
    : '–';
  return [
    ['prekey bundle (signed, one-time X25519 and one-time ML-KEM prekeys)', ...pq((s) => n(s.bundle)), lsParts],
    [`prekey bundle assembled from an upload of ${BATCH} one-time X25519 + ${BATCH} one-time ML-KEM prekeys (v2 batch API)`, ...pq((s) => s.bundleFromBatch && n(s.bundleFromBatch)), '–'],
    ['prekey bundle without one-time prekeys (last-resort KEM prekey)', ...pq((s) => n(s.bundleNoOneTime)), ls ? n(ls.bundle - ls.bundleParts.preKey - 4) : '–'],
    ['first message, 1 KiB payload', ...pq((s) => n(s.firstMessage)), ls ? `${n(ls.firstMessage)} (PreKeySignalMessage)` : '–'],
    ['ratchet message, 1 KiB, KEM step (new KEM key + ciphertext)', ...pq((s) => s.ratchet.kemStep && n(s.ratchet.kemStep)), ls ? '– (SPQR sends KEM keys and ciphertexts in chunks, below)' : '–'],
    ['ratchet message, 1 KiB, with a post-quantum chunk (v2)', ...pq((s) => s.ratchet.pqChunk && n(s.ratchet.pqChunk)), ls ? `${n(Math.max(...ls.ratchetMessages, ...ls.oneWay))} (largest SignalMessage seen)` : '–'],
    ['ratchet message, 1 KiB, new KEM key only', ...pq((s) => s.ratchet.kemKey && n(s.ratchet.kemKey)), '–'],
    ['ratchet message, 1 KiB, no KEM fields', ...pq((s) => s.ratchet.plain && n(s.ratchet.plain)), ls ? `${range([...ls.ratchetMessages, ...ls.oneWay])} (SignalMessage; its SPQR field is ${ls.spqrField} B in steady state)` : '–'],
    ['serialized session after the handshake (initiator / responder)', ...pq((s) => pair(s.sessionAfterHandshake)), ls ? pair(ls.sessionAfterHandshake) : '–'],
    ['serialized session after messages both ways (initiator / responder)', ...pq((s) => pair(s.sessionSteady)), ls ? pair(ls.sessionSteady) : '–'],
  ];
}

module.exports = { wireSizes, rows, KEMS, BATCH };
