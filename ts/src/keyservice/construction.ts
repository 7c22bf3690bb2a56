/**
 * The key service's hybrid encryption, written so that any language with the suite's KEM,
 * HKDF-SHA-256 and ChaCha20-Poly1305 can decrypt without the service (docs/keyservice.md,
 * "Construction"):
 *
 * ```text
 * fingerprint = SHA-256("pqwire keyservice key v1" ‖ u16(len suite) ‖ suite ‖ publicKey)
 * (kemCiphertext, ss) = KEM.Encaps(publicKey)
 * okm   = HKDF-SHA-256(ikm = ss, salt = "", info = "pqwire keyservice seal v1" ‖ u16(len suite) ‖ suite ‖ fingerprint, L = 44)
 * ciphertext = ChaCha20-Poly1305(key = okm[0..32], nonce = okm[32..44], plaintext, aad)
 * ```
 *
 * The fingerprint names one version of one key exactly, so a ciphertext opens only with the
 * key (and suite) it was made for, and encrypting to an exported public key needs nothing
 * but that key. Every shared secret is fresh, so the nonce derived with the key never repeats.
 *
 * @example
 * ```ts
 * import { kem } from 'pqwire';
 * import { seal, open } from 'pqwire/keyservice';
 * const suite = kem('X25519+ML-KEM-1024');
 * const kp = suite.generateKeyPair();
 * const sealed = seal(suite, kp.publicKey, new TextEncoder().encode('hi'), new TextEncoder().encode('ctx'));
 * open(suite, kp, sealed, new TextEncoder().encode('ctx')); // 'hi'
 * ```
 */
import { createHash } from 'node:crypto';
import { aead } from '../aead';
import { hkdf } from '../kdf';
import type { Encapsulation, Kem } from '../kem';
import type { KemKeyPair } from '../kem-keypair';

const chacha = aead('ChaCha20-Poly1305');
const FINGERPRINT_LABEL = Buffer.from('pqwire keyservice key v1', 'ascii');
const SEAL_LABEL = Buffer.from('pqwire keyservice seal v1', 'ascii');
const KEY_AND_NONCE = 32 + 12;

/** A hybrid ciphertext: the KEM's ciphertext and the AEAD's (ciphertext ‖ tag). */
export interface Sealed {
  kemCiphertext: Uint8Array;
  ciphertext: Uint8Array;
}

/** `u16(len suite) ‖ suite`: the suite name as every label of the construction (and the key envelope's header) binds it. */
export function suiteBytes(suite: string): Buffer {
  const name = Buffer.from(suite, 'ascii');
  const out = Buffer.alloc(2 + name.length);
  out.writeUInt16BE(name.length, 0);
  name.copy(out, 2);
  return out;
}

/** The fingerprint of one public key of `suite`: 32 bytes, shown as hex. */
export function keyFingerprint(suite: string, publicKey: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(FINGERPRINT_LABEL).update(suiteBytes(suite)).update(publicKey).digest());
}

/** The AEAD key and nonce of one ciphertext, from its KEM shared secret (wiped here). */
function aeadKey(suite: string, fingerprint: Uint8Array, sharedSecret: Uint8Array): { key: Uint8Array; nonce: Uint8Array } {
  const info = Buffer.concat([SEAL_LABEL, suiteBytes(suite), fingerprint]);
  const okm = hkdf('SHA-256', sharedSecret, { info, length: KEY_AND_NONCE });
  sharedSecret.fill(0);
  return { key: okm.subarray(0, 32), nonce: okm.subarray(32) };
}

/** Encrypts with a finished encapsulation (the batch path encapsulates many at once). */
export function sealWith(suite: string, fingerprint: Uint8Array, e: Encapsulation, plaintext: Uint8Array, aad?: Uint8Array): Sealed {
  const { key, nonce } = aeadKey(suite, fingerprint, e.sharedSecret);
  try {
    return { kemCiphertext: e.cipherText, ciphertext: chacha.seal(key, nonce, plaintext, aad) };
  } finally {
    key.fill(0);
  }
}

/** Decrypts with a finished decapsulation; throws `AUTH_FAILED` for anything tampered. */
export function openWith(suite: string, fingerprint: Uint8Array, sharedSecret: Uint8Array, ciphertext: Uint8Array, aad?: Uint8Array): Uint8Array {
  const { key, nonce } = aeadKey(suite, fingerprint, sharedSecret);
  try {
    return chacha.open(key, nonce, ciphertext, aad);
  } finally {
    key.fill(0);
  }
}

/** Encrypts `plaintext` to `publicKey` of the KEM `suite`, binding `aad`. */
export function seal(suite: Kem, publicKey: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Sealed {
  const e = suite.encapsulate(publicKey);
  return sealWith(suite.name, keyFingerprint(suite.name, publicKey), e, plaintext, aad);
}

/**
 * {@link seal} for many plaintexts to one public key: the encapsulations run as one batch
 * on the thread pool (`Kem.encapsulateBatch`), the AEAD here.
 *
 * @example
 * ```ts
 * const sealed = await sealBatch(suite, publicKey, [{ plaintext: a }, { plaintext: b, aad }]);
 * ```
 */
export async function sealBatch(suite: Kem, publicKey: Uint8Array, items: readonly { plaintext: Uint8Array; aad?: Uint8Array }[]): Promise<Sealed[]> {
  const fingerprint = keyFingerprint(suite.name, publicKey);
  const encapsulations = await suite.encapsulateBatch(items.map(() => publicKey));
  return items.map((item, i) => {
    const e = encapsulations[i];
    if (e === undefined) throw new Error('an encapsulation is missing');
    return sealWith(suite.name, fingerprint, e, item.plaintext, item.aad);
  });
}

/** Decrypts a {@link seal}ed message with the key pair it was made for. */
export function open(suite: Kem, keyPair: KemKeyPair, sealed: Sealed, aad?: Uint8Array): Uint8Array {
  const ss = keyPair.decapsulate(sealed.kemCiphertext);
  return openWith(suite.name, keyFingerprint(suite.name, keyPair.publicKey), ss, sealed.ciphertext, aad);
}

/**
 * {@link open} for many messages to one key pair: the decapsulations run as one batch on the
 * thread pool (`KemKeyPair.decapsulateBatch`). Throws `AUTH_FAILED` if any item fails.
 *
 * @example
 * ```ts
 * const [a, b] = await openBatch(suite, keyPair, [{ sealed: s1 }, { sealed: s2, aad }]);
 * ```
 */
export async function openBatch(suite: Kem, keyPair: KemKeyPair, items: readonly { sealed: Sealed; aad?: Uint8Array }[]): Promise<Uint8Array[]> {
  const fingerprint = keyFingerprint(suite.name, keyPair.publicKey);
  const cts = items.map((item) => item.sealed.kemCiphertext);
  const secrets = await keyPair.decapsulateBatch(cts);
  return items.map((item, i) => openWith(suite.name, fingerprint, secrets[i] as Uint8Array, item.sealed.ciphertext, item.aad));
}
