// The browser test page (`npm run test:browser`, scripts/test-browser.js): the TypeScript
// facade on the WebAssembly build in headless Chromium. KEMs, signatures, AEADs, a session
// between two parties, typed errors, and the official vectors that fit a page, read from
// the static server (`/vectors/` is ../shared/vectors beside the clone).
//
// Each test's result goes to `window.__pqwireResults` as it ends; `window.__pqwireDone` is
// set when all have run (or loading failed, in `window.__pqwireLoadError`).
import { kem, kemSuites, mlKem768, xWing } from '../../ts/src/kem';
import { sig, sigSuites, ed25519, mlDsa65 } from '../../ts/src/sig';
import { aead, aeadSuites } from '../../ts/src/aead';
import { x25519 } from '../../ts/src/x25519';
import { hkdf } from '../../ts/src/kdf';
import { AuthenticationError, InvalidLengthError } from '../../ts/src/errors';
import { createIdentity } from '../../ts/src/identity';
import { assemblePrekeyBundle, createPrekeyBatch } from '../../ts/src/prekeys';
import { InMemoryIdentityStore, InMemoryPrekeyStore } from '../../ts/src/stores';
import { acceptSession, initiateSession } from '../../ts/src/handshake';
import native from '../../ts/src/native';

interface Result {
  name: string;
  ok: boolean;
  ms: number;
  detail?: string;
}

const w = window as unknown as {
  __pqwireResults: Result[];
  __pqwireDone: boolean;
  __pqwireTarget?: string;
};
w.__pqwireResults = [];
w.__pqwireTarget = (native as unknown as { __napiBindingTarget?: string }).__napiBindingTarget;

const tests: { name: string; fn: () => Promise<string | void> | string | void }[] = [];
function test(name: string, fn: () => Promise<string | void> | string | void): void {
  tests.push({ name, fn });
}

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`check failed: ${what}`);
}
const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const unhex = (s: string): Uint8Array => Uint8Array.from(s.match(/../g) ?? [], (x) => parseInt(x, 16));
const same = (a: Uint8Array, b: Uint8Array): boolean => hex(a) === hex(b);
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
function throws(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

async function vectors(path: string): Promise<any> {
  const r = await fetch(`/vectors/${path}`);
  if (!r.ok) throw new Error(`GET /vectors/${path}: ${r.status}`);
  return r.json();
}
// Wycheproof files: every test of every group, with its group.
function* cases(file: any): Generator<[any, any]> {
  for (const group of file.testGroups) for (const t of group.tests) yield [group, t];
}

test('the addon is the WebAssembly build', () => {
  check(w.__pqwireTarget === 'wasm32-wasi', `__napiBindingTarget is ${w.__pqwireTarget}`);
  check(typeof SharedArrayBuffer === 'function' && crossOriginIsolated, 'the page is cross-origin isolated');
});

for (const name of kemSuites) {
  test(`KEM ${name}: keygen, encapsulate, decapsulate, sync and async`, async () => {
    const k = kem(name);
    const { publicKey, secretKey } = k.keygen();
    const e = k.encapsulate(publicKey);
    check(same(k.decapsulate(e.cipherText, secretKey), e.sharedSecret), 'sync round trip');
    const a = await k.encapsulateAsync(publicKey);
    check(same(await k.decapsulateAsync(a.cipherText, secretKey), a.sharedSecret), 'async round trip');
    check(!same(a.sharedSecret, e.sharedSecret), 'fresh randomness');
  });
}

for (const name of sigSuites) {
  test(`signature ${name}: sign and verify, sync and async; a changed message does not verify`, async () => {
    const s = sig(name);
    const { publicKey, secretKey } = s.keygen();
    const msg = utf8('attack at dawn');
    check(s.verify(s.sign(msg, secretKey), msg, publicKey).valid, 'sync signature verifies');
    const signature = await s.signAsync(msg, secretKey);
    check((await s.verifyAsync(signature, msg, publicKey)).valid, 'async signature verifies');
    check(!s.verify(signature, utf8('attack at dusk'), publicKey).valid, 'another message does not verify');
  });
}

for (const name of aeadSuites) {
  test(`AEAD ${name}: seal and open; a flipped byte is AUTH_FAILED`, async () => {
    const a = aead(name);
    const key = crypto.getRandomValues(new Uint8Array(32));
    const nonce = new Uint8Array(12);
    const ad = utf8('header');
    const sealed = a.seal(key, nonce, utf8('hello'), ad);
    check(new TextDecoder().decode(a.open(key, nonce, sealed, ad)) === 'hello', 'round trip');
    const big = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 31) & 0xff);
    check(same(await a.openAsync(key, nonce, await a.sealAsync(key, nonce, big)), big), 'async, 100 kB');
    const bad = Uint8Array.from(sealed);
    bad[0]! ^= 1;
    const e = throws(() => a.open(key, nonce, bad, ad));
    check(e instanceof AuthenticationError && (e as AuthenticationError).code === 'AUTH_FAILED', `AUTH_FAILED, got ${String(e)}`);
  });
}

test('typed errors: a wrong key length is InvalidLengthError (BAD_LENGTH)', () => {
  const e = throws(() => mlKem768.encapsulate(new Uint8Array(5)));
  check(e instanceof InvalidLengthError && (e as InvalidLengthError).code === 'BAD_LENGTH', `got ${String(e)}`);
});

test('a session between two parties: PQXDH handshake over a prekey bundle, then messages both ways', async () => {
  const alice = createIdentity();
  const bob = createIdentity();
  const bobPrekeys = new InMemoryPrekeyStore();
  const upload = await createPrekeyBatch(bob, { prekeyStore: bobPrekeys });
  const bundle = assemblePrekeyBundle(upload, { kemIndex: 0, oneTimeIndex: 0 });
  const { session: a, initialMessage } = await initiateSession(bundle, {
    identity: alice,
    address: 'bob',
    identityStore: new InMemoryIdentityStore(),
    plaintext: utf8('hello Bob'),
  });
  const { session: b, plaintext } = await acceptSession(initialMessage, { identity: bob, prekeyStore: bobPrekeys });
  check(new TextDecoder().decode(plaintext) === 'hello Bob', 'first message');
  check(a.id === b.id, 'one session id');
  for (let i = 0; i < 6; i++) {
    const m = utf8(`message ${i}`);
    const [from, to] = i % 2 === 0 ? [b, a] : [a, b];
    const got = i < 3 ? await to.decryptAsync(await from.encryptAsync(m)) : to.decrypt(from.encrypt(m));
    check(same(got.plaintext, m), `message ${i}`);
  }
  const info = a.info;
  return `${info.kemSuite}, ${info.sigSuite}, ${info.aeadSuite}`;
});

test('vectors: X-Wing draft (xwing/test-vectors.json)', async () => {
  const list = await vectors('xwing/test-vectors.json');
  for (const v of list) {
    const kp = xWing.keygen(unhex(v.seed));
    check(hex(kp.publicKey) === v.pk, 'public key');
    const e = xWing.encapsulate(kp.publicKey, unhex(v.eseed));
    check(hex(e.cipherText) === v.ct && hex(e.sharedSecret) === v.ss, 'encapsulation');
    check(hex(xWing.decapsulate(unhex(v.ct), kp.secretKey)) === v.ss, 'decapsulation');
  }
  check(list.length > 0, 'vectors read');
  return `${list.length} vectors`;
});

test('vectors: Wycheproof ML-KEM-768 key generation from seeds (mlkem_768_keygen_seed_test.json)', async () => {
  let n = 0;
  for (const [, t] of cases(await vectors('wycheproof/testvectors_v1/mlkem_768_keygen_seed_test.json'))) {
    check(t.result === 'valid', `tcId ${t.tcId} is a valid case`);
    check(hex(mlKem768.keygen(unhex(t.seed)).publicKey) === t.ek, `tcId ${t.tcId}`);
    n++;
  }
  return `${n} vectors`;
});

test('vectors: Wycheproof ML-KEM-768 encapsulation (mlkem_768_encaps_test.json)', async () => {
  let n = 0;
  for (const [, t] of cases(await vectors('wycheproof/testvectors_v1/mlkem_768_encaps_test.json'))) {
    if (t.result === 'valid') {
      const e = mlKem768.encapsulate(unhex(t.ek), unhex(t.m));
      check(hex(e.cipherText) === t.c && hex(e.sharedSecret) === t.K, `tcId ${t.tcId}`);
    } else {
      check(throws(() => mlKem768.encapsulate(unhex(t.ek), unhex(t.m))) !== undefined, `tcId ${t.tcId} is refused`);
    }
    n++;
  }
  return `${n} vectors`;
});

test('vectors: Wycheproof ML-DSA-65 verification (mldsa_65_verify_test.json)', async () => {
  let n = 0;
  for (const [group, t] of cases(await vectors('wycheproof/testvectors_v1/mldsa_65_verify_test.json'))) {
    let valid: boolean;
    try {
      valid = mlDsa65.verify(unhex(t.sig), unhex(t.msg), unhex(group.publicKey), t.ctx === undefined ? {} : { context: unhex(t.ctx) }).valid;
    } catch {
      valid = false; // a malformed key, signature or context is refused
    }
    check(valid === (t.result === 'valid'), `tcId ${t.tcId} (${t.result})`);
    n++;
  }
  return `${n} vectors`;
});

test('vectors: Wycheproof Ed25519 verification (ed25519_test.json)', async () => {
  let n = 0;
  for (const [group, t] of cases(await vectors('wycheproof/testvectors_v1/ed25519_test.json'))) {
    let valid: boolean;
    try {
      valid = ed25519.verify(unhex(t.sig), unhex(t.msg), unhex(group.publicKey.pk)).valid;
    } catch {
      valid = false;
    }
    check(valid === (t.result === 'valid'), `tcId ${t.tcId} (${t.result})`);
    n++;
  }
  return `${n} vectors`;
});

test('vectors: Wycheproof X25519 (x25519_test.json)', async () => {
  let n = 0;
  for (const [, t] of cases(await vectors('wycheproof/testvectors_v1/x25519_test.json'))) {
    if (/^0+$/.test(t.shared)) {
      // An all-zero shared secret (a low-order public key) is refused (INVALID_KEY).
      check(throws(() => x25519.sharedSecret(unhex(t.private), unhex(t.public))) !== undefined, `tcId ${t.tcId} is refused`);
    } else {
      check(hex(x25519.sharedSecret(unhex(t.private), unhex(t.public))) === t.shared, `tcId ${t.tcId}`);
    }
    n++;
  }
  return `${n} vectors`;
});

for (const [name, file] of [
  ['ChaCha20-Poly1305', 'chacha20_poly1305_test.json'],
  ['AES-256-GCM', 'aes_gcm_test.json'],
] as const) {
  test(`vectors: Wycheproof ${name}, 256-bit keys and 96-bit nonces (${file})`, async () => {
    const a = aead(name);
    let n = 0;
    for (const [group, t] of cases(await vectors(`wycheproof/testvectors_v1/${file}`))) {
      if (group.keySize !== 256 || group.ivSize !== 96 || group.tagSize !== 128) continue;
      const [key, iv, ad, msg, sealed] = [unhex(t.key), unhex(t.iv), unhex(t.aad), unhex(t.msg), unhex(t.ct + t.tag)];
      if (t.result === 'valid') {
        check(same(a.seal(key, iv, msg, ad), sealed), `tcId ${t.tcId} seal`);
        check(same(a.open(key, iv, sealed, ad), msg), `tcId ${t.tcId} open`);
      } else {
        check(throws(() => a.open(key, iv, sealed, ad)) !== undefined, `tcId ${t.tcId} is refused`);
      }
      n++;
    }
    check(n > 0, 'vectors read');
    return `${n} vectors`;
  });
}

test('vectors: Wycheproof HKDF-SHA256 (hkdf_sha256_test.json)', async () => {
  let n = 0;
  for (const [, t] of cases(await vectors('wycheproof/testvectors_v1/hkdf_sha256_test.json'))) {
    let okm: string | undefined;
    try {
      okm = hex(hkdf('SHA-256', unhex(t.ikm), { salt: unhex(t.salt), info: unhex(t.info), length: t.size }));
    } catch {
      okm = undefined;
    }
    check(t.result === 'valid' ? okm === t.okm : okm === undefined, `tcId ${t.tcId} (${t.result})`);
    n++;
  }
  return `${n} vectors`;
});

async function main(): Promise<void> {
  for (const t of tests) {
    const start = performance.now();
    try {
      const detail = await t.fn();
      w.__pqwireResults.push({ name: t.name, ok: true, ms: performance.now() - start, ...(detail ? { detail } : {}) });
    } catch (e) {
      w.__pqwireResults.push({ name: t.name, ok: false, ms: performance.now() - start, detail: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
    }
  }
  w.__pqwireDone = true;
}

void main();

export {};
