// The libraries compared: pqwire (its sync API, the headline, and variants: async, native
// key objects, PQClean backend) and the peers a Node user would otherwise pick. Each
// adapter loads its library and offers the operations it has, in one shape:
//
//   kem[suite]   { keygen() -> { publicKey, secretKey },
//                  encapsulate(pk) -> { cipherText, sharedSecret }, decapsulate(ct, sk) -> ss }
//   sig[suite]   { keygen() -> { publicKey, secretKey }, sign(msg, sk) -> signature,
//                  verify(signature, msg, pk) -> boolean }
//   x25519       { keygen() -> { publicKey, secretKey }, sharedSecret(sk, pk) -> ss }
//   aead[suite]  { seal(key, nonce, plaintext) -> sealed, open(key, nonce, sealed) -> plaintext }
//
// Keys and sealed values stay in each library's own form (KeyObjects for node:crypto, a
// [ciphertext, tag] pair for node:crypto's AEADs): each library is measured the way its
// documentation has a caller use it, with its fastest synchronous API where it has one.
// An ADAPTERS entry whose functions return promises says `async: true`; pqwire's variants
// say `variantOf: 'pqwire'` and never count as peers in ratios and targets.
// A library that fails to install or load is recorded with the reason and skipped.
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const BENCHES = path.resolve(__dirname, '..');

const ML_KEM = ['ML-KEM-512', 'ML-KEM-768', 'ML-KEM-1024'];
const ML_DSA = ['ML-DSA-44', 'ML-DSA-65', 'ML-DSA-87'];

/** Version of an installed package, read from its package.json (exports may hide it). */
function packageVersion(name, base = BENCHES) {
  try {
    return JSON.parse(fs.readFileSync(path.join(base, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return null;
  }
}

/** pqwire's synchronous API: the headline figures. */
function pqwireSync() {
  const pq = require(ROOT);
  const kem = {};
  for (const name of pq.kemSuites) {
    if (name === 'X25519') continue; // X25519 as a KEM: measured as key agreement instead
    const k = pq.kem(name);
    kem[name] = {
      keygen: () => k.keygen(),
      encapsulate: (pk) => k.encapsulate(pk),
      decapsulate: (ct, sk) => k.decapsulate(ct, sk),
    };
  }
  const sig = {};
  for (const name of pq.sigSuites) {
    const s = pq.sig(name);
    sig[name] = {
      keygen: () => s.keygen(),
      sign: (msg, sk) => s.sign(msg, sk),
      verify: (signature, msg, pk) => s.verify(signature, msg, pk).valid,
    };
  }
  const aead = {};
  for (const name of pq.aeadSuites) {
    const a = pq.aead(name);
    aead[name] = { seal: (key, nonce, pt) => a.seal(key, nonce, pt), open: (key, nonce, c) => a.open(key, nonce, c) };
  }
  const x25519 = { keygen: () => pq.x25519.keygen(), sharedSecret: (sk, pk) => pq.x25519.sharedSecret(sk, pk) };
  return { kem, sig, aead, x25519, backend: 'native (N-API)' };
}

/** pqwire's async API (libuv thread pool) for the KEMs and post-quantum signatures. */
function pqwireAsync() {
  const pq = require(ROOT);
  const kem = {};
  for (const name of pq.kemSuites) {
    if (name === 'X25519') continue;
    const k = pq.kem(name);
    kem[name] = {
      keygen: () => k.keygenAsync(),
      encapsulate: (pk) => k.encapsulateAsync(pk),
      decapsulate: (ct, sk) => k.decapsulateAsync(ct, sk),
    };
  }
  const sig = {};
  for (const name of pq.sigSuites) {
    if (name === 'Ed25519') continue;
    const s = pq.sig(name);
    sig[name] = {
      keygen: () => s.keygenAsync(),
      sign: (msg, sk) => s.signAsync(msg, sk),
      verify: async (signature, msg, pk) => (await s.verifyAsync(signature, msg, pk)).valid,
    };
  }
  return { kem, sig, backend: 'native, libuv thread pool' };
}

/**
 * pqwire with another backend (`{ backend }`), to show what switching would give: PQClean
 * (ML-KEM and ML-DSA), libcrux (ML-KEM only: it is already the default for ML-DSA).
 */
function pqwireBackend(backend, { withSig }) {
  const pq = require(ROOT);
  const kem = {};
  for (const name of ML_KEM) {
    const k = pq.kem(name, { backend });
    kem[name] = {
      keygen: () => k.keygen(),
      encapsulate: (pk) => k.encapsulate(pk),
      decapsulate: (ct, sk) => k.decapsulate(ct, sk),
    };
  }
  const sig = {};
  for (const name of withSig ? ML_DSA : []) {
    const s = pq.sig(name, { backend });
    sig[name] = {
      keygen: () => s.keygen(),
      sign: (msg, sk) => s.sign(msg, sk),
      verify: (signature, msg, pk) => s.verify(signature, msg, pk).valid,
    };
  }
  return { kem, sig };
}

/**
 * pqwire's native key objects (`generateKeyPair()`): the secret key is parsed once and kept
 * in native memory, so decapsulate and sign skip parsing (and, for Ed25519, re-deriving)
 * the key from bytes. Only key generation, decapsulation and signing differ from the byte API.
 */
function pqwireKeyObjects() {
  const pq = require(ROOT);
  const kem = {};
  for (const name of pq.kemSuites) {
    if (name === 'X25519') continue;
    const k = pq.kem(name);
    kem[name] = {
      only: ['keygen', 'decapsulate'],
      keygen: () => {
        const kp = k.generateKeyPair();
        return { publicKey: kp.publicKey, secretKey: kp };
      },
      encapsulate: (pk) => k.encapsulate(pk),
      decapsulate: (ct, kp) => kp.decapsulate(ct),
    };
  }
  const sig = {};
  for (const name of pq.sigSuites) {
    const s = pq.sig(name);
    sig[name] = {
      only: ['keygen', 'sign 1 KiB'],
      keygen: () => {
        const kp = s.generateKeyPair();
        return { publicKey: kp.publicKey, secretKey: kp };
      },
      sign: (msg, kp) => kp.sign(msg),
      verify: (signature, msg, pk) => s.verify(signature, msg, pk).valid,
    };
  }
  return { kem, sig, backend: 'native, secret key kept in native memory' };
}

async function noblePostQuantum() {
  const { ml_kem512, ml_kem768, ml_kem1024 } = await import('@noble/post-quantum/ml-kem.js');
  const { ml_dsa44, ml_dsa65, ml_dsa87 } = await import('@noble/post-quantum/ml-dsa.js');
  const { ml_kem768_x25519 } = await import('@noble/post-quantum/hybrid.js');
  // noble's shapes already match; ml_kem768_x25519 is X-Wing.
  const kem = { 'ML-KEM-512': ml_kem512, 'ML-KEM-768': ml_kem768, 'ML-KEM-1024': ml_kem1024, 'X25519+ML-KEM-768': ml_kem768_x25519 };
  const sig = {};
  for (const [name, s] of [['ML-DSA-44', ml_dsa44], ['ML-DSA-65', ml_dsa65], ['ML-DSA-87', ml_dsa87]]) {
    sig[name] = { keygen: () => s.keygen(), sign: (msg, sk) => s.sign(msg, sk), verify: (sg, msg, pk) => s.verify(sg, msg, pk) };
  }
  return { kem, sig, backend: 'JavaScript' };
}

async function mlkem() {
  // `new MlKem768()` has a promise API; `createMlKem768()` resolves to a synchronous instance.
  const m = require('mlkem');
  const kem = {};
  for (const [name, create] of [['ML-KEM-512', m.createMlKem512], ['ML-KEM-768', m.createMlKem768], ['ML-KEM-1024', m.createMlKem1024]]) {
    const k = await create();
    kem[name] = {
      keygen: () => {
        const [publicKey, secretKey] = k.generateKeyPair();
        return { publicKey, secretKey };
      },
      encapsulate: (pk) => {
        const [cipherText, sharedSecret] = k.encap(pk);
        return { cipherText, sharedSecret };
      },
      decapsulate: (ct, sk) => k.decap(ct, sk),
    };
  }
  return { kem, backend: 'JavaScript' };
}

async function liboqs() {
  // ESM only, one WebAssembly module per algorithm; instances are synchronous once created.
  const oqs = await import('@oqs/liboqs-js');
  const kem = {};
  for (const [name, create] of [['ML-KEM-512', oqs.createMLKEM512], ['ML-KEM-768', oqs.createMLKEM768], ['ML-KEM-1024', oqs.createMLKEM1024]]) {
    const k = await create();
    kem[name] = {
      keygen: () => k.generateKeyPair(),
      encapsulate: (pk) => {
        const { ciphertext, sharedSecret } = k.encapsulate(pk);
        return { cipherText: ciphertext, sharedSecret };
      },
      decapsulate: (ct, sk) => k.decapsulate(ct, sk),
    };
  }
  const sig = {};
  for (const [name, create] of [['ML-DSA-44', oqs.createMLDSA44], ['ML-DSA-65', oqs.createMLDSA65], ['ML-DSA-87', oqs.createMLDSA87]]) {
    const s = await create();
    sig[name] = {
      keygen: () => s.generateKeyPair(),
      sign: (msg, sk) => s.sign(msg, sk),
      verify: (signature, msg, pk) => s.verify(msg, signature, pk), // note the argument order
    };
  }
  return { kem, sig, backend: 'WebAssembly' };
}

async function pqclean() {
  // The "classic" API is synchronous (the key-centric one returns promises); keys are Buffers.
  const { KEM, Sign } = require('pqclean');
  const wasm = Object.keys(require.cache).some((f) => f.includes(`${path.sep}pqclean${path.sep}wasm${path.sep}`));
  const kem = {};
  for (const name of ML_KEM) {
    const k = new KEM(name.toLowerCase());
    kem[name] = {
      keygen: () => {
        const { publicKey, privateKey } = k.keypair();
        return { publicKey, secretKey: privateKey };
      },
      encapsulate: (pk) => {
        const { key, encryptedKey } = k.generateKey(pk);
        return { cipherText: encryptedKey, sharedSecret: key };
      },
      decapsulate: (ct, sk) => k.decryptKey(sk, ct),
    };
  }
  const sig = {};
  for (const name of ML_DSA) {
    const s = new Sign(name.toLowerCase());
    sig[name] = {
      keygen: () => {
        const { publicKey, privateKey } = s.keypair();
        return { publicKey, secretKey: privateKey };
      },
      sign: (msg, sk) => s.sign(sk, msg),
      verify: (signature, msg, pk) => s.verify(pk, msg, signature),
    };
  }
  return { kem, sig, backend: wasm ? 'WebAssembly (native build unavailable)' : 'native (PQClean clean C)' };
}

async function sodiumNative() {
  // Callers allocate outputs; Buffer.allocUnsafe (pooled) is the cheapest way to do it.
  const s = require('sodium-native');
  const x25519 = {
    keygen: () => {
      const publicKey = Buffer.allocUnsafe(32);
      const secretKey = Buffer.allocUnsafe(32);
      s.crypto_box_keypair(publicKey, secretKey); // random scalar, X25519 base-point multiply
      return { publicKey, secretKey };
    },
    sharedSecret: (sk, pk) => {
      const out = Buffer.allocUnsafe(32);
      s.crypto_scalarmult(out, sk, pk);
      return out;
    },
  };
  const ed25519 = {
    keygen: () => {
      const publicKey = Buffer.allocUnsafe(s.crypto_sign_PUBLICKEYBYTES);
      const secretKey = Buffer.allocUnsafe(s.crypto_sign_SECRETKEYBYTES);
      s.crypto_sign_keypair(publicKey, secretKey);
      return { publicKey, secretKey };
    },
    sign: (msg, sk) => {
      const signature = Buffer.allocUnsafe(s.crypto_sign_BYTES);
      s.crypto_sign_detached(signature, msg, sk);
      return signature;
    },
    verify: (signature, msg, pk) => s.crypto_sign_verify_detached(signature, msg, pk),
  };
  const tag = s.crypto_aead_chacha20poly1305_ietf_ABYTES;
  const aead = {
    'ChaCha20-Poly1305': {
      seal: (key, nonce, pt) => {
        const c = Buffer.allocUnsafe(pt.length + tag);
        s.crypto_aead_chacha20poly1305_ietf_encrypt(c, pt, null, null, nonce, key);
        return c;
      },
      open: (key, nonce, c) => {
        const m = Buffer.allocUnsafe(c.length - tag);
        s.crypto_aead_chacha20poly1305_ietf_decrypt(m, null, c, null, nonce, key);
        return m;
      },
    },
    // sodium-native 5 has no AES-256-GCM binding.
  };
  return { x25519, sig: { Ed25519: ed25519 }, aead, backend: 'native (libsodium)' };
}

/** node:crypto: OpenSSL, with KeyObjects as its documentation uses them. */
async function nodeCrypto() {
  const x25519 = {
    keygen: () => {
      const { publicKey, privateKey } = crypto.generateKeyPairSync('x25519');
      return { publicKey, secretKey: privateKey };
    },
    sharedSecret: (sk, pk) => crypto.diffieHellman({ privateKey: sk, publicKey: pk }),
  };
  const sig = {
    Ed25519: {
      keygen: () => {
        const { publicKey, privateKey } = crypto.generateKeyPairSync('ed25519');
        return { publicKey, secretKey: privateKey };
      },
      sign: (msg, sk) => crypto.sign(null, msg, sk),
      verify: (signature, msg, pk) => crypto.verify(null, msg, pk, signature),
    },
  };
  const aead = {};
  for (const [name, alg] of [['ChaCha20-Poly1305', 'chacha20-poly1305'], ['AES-256-GCM', 'aes-256-gcm']]) {
    if (!crypto.getCiphers().includes(alg)) continue;
    aead[name] = {
      // The tag comes separately; keep it separate rather than pay for a concatenation.
      seal: (key, nonce, pt) => {
        const c = crypto.createCipheriv(alg, key, nonce, { authTagLength: 16 });
        const ct = c.update(pt);
        c.final();
        return [ct, c.getAuthTag()];
      },
      open: (key, nonce, [ct, tag]) => {
        const d = crypto.createDecipheriv(alg, key, nonce, { authTagLength: 16 });
        d.setAuthTag(tag);
        const pt = d.update(ct);
        d.final();
        return pt;
      },
    };
  }
  // ML-KEM and ML-DSA arrived in node:crypto with Node 24 (OpenSSL 3.5); used where present.
  const kem = {};
  for (const name of ML_KEM) {
    if (!supports(name.toLowerCase())) continue;
    kem[name] = {
      keygen: () => {
        const { publicKey, privateKey } = crypto.generateKeyPairSync(name.toLowerCase());
        return { publicKey, secretKey: privateKey };
      },
      encapsulate: (pk) => {
        const { sharedKey, ciphertext } = crypto.encapsulate(pk);
        return { cipherText: ciphertext, sharedSecret: sharedKey };
      },
      decapsulate: (ct, sk) => crypto.decapsulate(sk, ct),
    };
  }
  for (const name of ML_DSA) {
    if (!supports(name.toLowerCase())) continue;
    sig[name] = {
      keygen: () => {
        const { publicKey, privateKey } = crypto.generateKeyPairSync(name.toLowerCase());
        return { publicKey, secretKey: privateKey };
      },
      sign: (msg, sk) => crypto.sign(null, msg, sk),
      verify: (signature, msg, pk) => crypto.verify(null, msg, pk, signature),
    };
  }
  return { kem, sig, x25519, aead, backend: `OpenSSL ${process.versions.openssl}` };
}

function supports(keyType) {
  try {
    crypto.generateKeyPairSync(keyType);
    return true;
  } catch {
    return false;
  }
}

async function nobleCurves() {
  const { x25519, ed25519 } = await import('@noble/curves/ed25519.js');
  return {
    x25519: { keygen: () => x25519.keygen(), sharedSecret: (sk, pk) => x25519.getSharedSecret(sk, pk) },
    sig: { Ed25519: { keygen: () => ed25519.keygen(), sign: (msg, sk) => ed25519.sign(msg, sk), verify: (sg, msg, pk) => ed25519.verify(sg, msg, pk) } },
    backend: 'JavaScript',
  };
}

async function nobleCiphers() {
  const { chacha20poly1305 } = await import('@noble/ciphers/chacha.js');
  const { gcm } = await import('@noble/ciphers/aes.js');
  const aead = {};
  for (const [name, cipher] of [['ChaCha20-Poly1305', chacha20poly1305], ['AES-256-GCM', gcm]]) {
    aead[name] = { seal: (key, nonce, pt) => cipher(key, nonce).encrypt(pt), open: (key, nonce, c) => cipher(key, nonce).decrypt(c) };
  }
  return { aead, backend: 'JavaScript' };
}

/** Loaded here for its version; its sessions and ratchet are measured through lib/libsignal.js. */
async function libsignal() {
  await require('./libsignal').load();
  return { backend: 'native (Rust); sessions only (lib/libsignal.js)' };
}

/** Every library, in table order. `pkg` is the npm package whose version is recorded. */
const ADAPTERS = [
  { name: 'pqwire', pkg: null, load: async () => pqwireSync() },
  { name: 'pqwire async', pkg: null, async: true, variantOf: 'pqwire', load: async () => pqwireAsync() },
  { name: 'pqwire key object', pkg: null, variantOf: 'pqwire', load: async () => pqwireKeyObjects() },
  {
    name: 'pqwire libcrux backend',
    pkg: null,
    variantOf: 'pqwire',
    load: async () => ({ ...pqwireBackend('libcrux', { withSig: false }), backend: 'native, libcrux backend (ML-KEM; the default before AWS-LC)' }),
  },
  {
    name: 'pqwire pqclean backend',
    pkg: null,
    variantOf: 'pqwire',
    load: async () => ({ ...pqwireBackend('pqclean', { withSig: true }), backend: 'native, PQClean backend (ML-KEM AVX2, ML-DSA portable)' }),
  },
  { name: '@noble/post-quantum', pkg: '@noble/post-quantum', load: noblePostQuantum },
  { name: 'mlkem', pkg: 'mlkem', load: mlkem },
  { name: '@oqs/liboqs-js', pkg: '@oqs/liboqs-js', load: liboqs },
  { name: 'pqclean', pkg: 'pqclean', load: pqclean },
  { name: 'sodium-native', pkg: 'sodium-native', load: sodiumNative },
  { name: 'node:crypto', pkg: null, load: nodeCrypto },
  { name: '@noble/curves', pkg: '@noble/curves', load: nobleCurves },
  { name: '@noble/ciphers', pkg: '@noble/ciphers', load: nobleCiphers },
  { name: '@signalapp/libsignal-client', pkg: '@signalapp/libsignal-client', load: libsignal },
];

/**
 * Loads every library. Returns [{ name, version, loaded, error?, backend?, async, variantOf, api }].
 * pqwire failing to load is fatal (there is nothing to compare); any peer may fail.
 */
async function loadLibraries() {
  const pqVersion = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;
  const out = [];
  for (const a of ADAPTERS) {
    const version = a.pkg ? packageVersion(a.pkg) : a.name === 'node:crypto' ? process.versions.node : pqVersion;
    const lib = { name: a.name, version, async: Boolean(a.async), variantOf: a.variantOf || null, loaded: false };
    try {
      const api = await a.load();
      Object.assign(lib, { loaded: true, backend: api.backend, api });
    } catch (e) {
      if (a.pkg === null) throw new Error(`${a.name} failed to load: ${e.message} (build it with npm run build)`);
      lib.error = version ? `failed to load: ${firstLine(e)}` : 'not installed';
    }
    out.push(lib);
  }
  return out;
}

function firstLine(e) {
  return String((e && e.message) || e).split('\n')[0];
}

module.exports = { loadLibraries, packageVersion, ROOT, BENCHES };
