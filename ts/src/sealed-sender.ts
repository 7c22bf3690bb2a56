/**
 * Sealed sender (docs/server.md, "Sealed sender"): a message whose sender the relay does
 * not learn. Three pieces, all public data or the recipient's own secret:
 *
 * - a **sender certificate** the server issues to a logged-in device: its account,
 *   device number and identity fingerprint with an expiry, signed by the server's hybrid
 *   identity ({@link issueSenderCertificate}, {@link verifySenderCertificate});
 * - a **sealing key**: an X-Wing (X25519 + ML-KEM-768) key pair of the recipient device,
 *   its public key signed by the device's identity so that the server cannot substitute
 *   one ({@link createSealingKey}, {@link verifySealingKey});
 * - the **sealed envelope**: the certificate and the session message, encrypted to the
 *   sealing key ({@link seal}, {@link unseal}).
 *
 * The recipient unseals, verifies the certificate with the server's public identity, then
 * decrypts the session message and checks that the session's peer is the identity the
 * certificate names: a sender can neither hide from its recipient nor claim to be someone
 * else, and the server sees only the recipient and the size.
 *
 * @example
 * ```ts
 * import { createIdentity, createSealingKey, issueSenderCertificate, seal, unseal, verifySenderCertificate } from 'pqwire';
 * const server = createIdentity(), alice = createIdentity(), bob = createIdentity();
 * const bobKey = createSealingKey(bob);                              // published: bobKey.public
 * const cert = issueSenderCertificate(server, { account: 'alice', device: 1, fingerprint: alice.publicIdentity.fingerprint, expires: 2e9 });
 * const sealed = seal(bobKey.public.publicKey, cert, sessionMessage); // to the relay, unauthenticated
 * const opened = unseal(bobKey.seed, sealed);
 * verifySenderCertificate(opened.certificate, server.publicIdentity); // { account: 'alice', … }
 * ```
 */
import { createHash, randomBytes } from 'node:crypto';
import { makeError, WireFormatError } from './errors';
import { bytes } from './bytes';
import { xWing } from './kem';
import { aead } from './aead';
import { hkdf } from './kdf';
import { fromHex, toHex } from './hex';
import { nowSeconds } from './identity';
import type { Identity, PublicIdentity } from './identity';

/** The signature context of a sender certificate. */
export const SENDER_CERTIFICATE_CONTEXT = new TextEncoder().encode('pqwire sealed sender v1 certificate');
/** The signature context of a sealing key. */
export const SEALING_KEY_CONTEXT = new TextEncoder().encode('pqwire sealed sender v1 sealing key');

const CERT_MAGIC = 'PQSC';
const SEAL_MAGIC = 'PQSS';
const VERSION = 1;
/** Bytes of a sealing key's id: the first bytes of SHA-256 of its public key. */
const KEY_ID_BYTES = 8;
const chacha = aead('ChaCha20-Poly1305');
const ZERO_NONCE = new Uint8Array(12);

/** What a sender certificate states. */
export interface SenderCertificateFacts {
  account: string;
  device: number;
  /** The sender identity's fingerprint (hex, 16 bytes). */
  fingerprint: string;
  /** Unix seconds. */
  expires: number;
}

/** A device's published sealing key: the X-Wing public key and its identity's signature (hex). */
export interface PublicSealingKey {
  publicKey: string;
  signature: string;
}

/** A sealing key: the 32-byte seed that regenerates it (**secret**) and its public form. */
export interface SealingKey {
  seed: Uint8Array;
  public: PublicSealingKey;
}

/** A wire-format error of sealed sender's own formats. */
function malformed(code: 'BAD_MAGIC' | 'UNSUPPORTED_VERSION' | 'TRUNCATED' | 'INVALID_FIELD', what: string): WireFormatError {
  return makeError(code, `sealed sender: ${what}`) as WireFormatError;
}

/** A little writer and reader of the formats below (big-endian lengths). */
function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n);
  return b;
}
function ascii(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

/** The signed part of a certificate: magic, version, account, device, fingerprint, expiry. */
function certificateBody(f: SenderCertificateFacts): Uint8Array {
  const account = ascii(f.account);
  if (account.length === 0 || account.length > 255) throw makeError('INVALID_ARGUMENT', 'account must be 1 to 255 bytes');
  if (!Number.isSafeInteger(f.device) || f.device < 1 || f.device > 0xffffffff) throw makeError('INVALID_ARGUMENT', 'device must be an integer from 1 to 2^32 − 1');
  if (!/^[0-9a-f]{32}$/.test(f.fingerprint)) throw makeError('INVALID_ARGUMENT', 'fingerprint must be 32 hex digits');
  if (!Number.isSafeInteger(f.expires) || f.expires < 0) throw makeError('INVALID_ARGUMENT', 'expires must be unix seconds');
  const expires = new Uint8Array(8);
  new DataView(expires.buffer).setBigUint64(0, BigInt(f.expires));
  return concat([ascii(CERT_MAGIC), Uint8Array.of(VERSION, account.length), account, u32(f.device), fromHex(f.fingerprint), expires]);
}

/**
 * A sender certificate for `facts`, signed by the server's `identity`: the body
 * ({@link SenderCertificateFacts}, binary) followed by the hybrid signature.
 */
export function issueSenderCertificate(identity: Identity, facts: SenderCertificateFacts): Uint8Array {
  const body = certificateBody(facts);
  return concat([body, identity.sign(body, { context: SENDER_CERTIFICATE_CONTEXT })]);
}

/** Reads a certificate's body, without checking its signature. */
function readCertificate(certificate: Uint8Array): { facts: SenderCertificateFacts; body: Uint8Array; signature: Uint8Array } {
  const c = bytes('certificate', certificate);
  if (c.length < 6 || new TextDecoder().decode(c.subarray(0, 4)) !== CERT_MAGIC) throw malformed('BAD_MAGIC', 'not a sender certificate');
  if (c[4] !== VERSION) throw malformed('UNSUPPORTED_VERSION', `unknown certificate version ${c[4]}`);
  const accountLength = c[5]!;
  const end = 6 + accountLength + 4 + 16 + 8;
  if (accountLength === 0 || c.length <= end) throw malformed('TRUNCATED', 'truncated sender certificate');
  const view = new DataView(c.buffer, c.byteOffset, c.byteLength);
  let account: string;
  try {
    account = new TextDecoder('utf-8', { fatal: true }).decode(c.subarray(6, 6 + accountLength));
  } catch {
    throw malformed('INVALID_FIELD', 'the certificate account is not UTF-8');
  }
  const facts: SenderCertificateFacts = {
    account,
    device: view.getUint32(6 + accountLength),
    fingerprint: toHex(c.subarray(10 + accountLength, 26 + accountLength)),
    expires: Number(view.getBigUint64(26 + accountLength)),
  };
  return { facts, body: c.subarray(0, end), signature: c.subarray(end) };
}

/**
 * The facts of `certificate` once its signature verifies with the server's public
 * identity and it has not expired at `now` (default: now). Throws `AUTH_FAILED` for a bad
 * signature, `KEY_EXPIRED` for an expired certificate, a `WireFormatError` for bytes that are not one.
 */
export function verifySenderCertificate(certificate: Uint8Array, server: PublicIdentity, now: number = nowSeconds()): SenderCertificateFacts {
  const { facts, body, signature } = readCertificate(certificate);
  let valid = false;
  try {
    valid = server.verify(signature, body, { context: SENDER_CERTIFICATE_CONTEXT });
  } catch {
    valid = false;
  }
  if (!valid) throw makeError('AUTH_FAILED', 'the sender certificate is not signed by the server');
  if (facts.expires <= now) throw makeError('KEY_EXPIRED', 'the sender certificate has expired');
  return facts;
}

/** A new sealing key of `identity`'s device: a fresh seed and the public key signed by the identity. */
export function createSealingKey(identity: Identity, seed?: Uint8Array): SealingKey {
  const s = seed === undefined ? new Uint8Array(randomBytes(xWing.lengths.keygenSeed)) : Uint8Array.from(bytes('seed', seed, xWing.lengths.keygenSeed));
  const { publicKey } = xWing.keygen(s);
  const signature = identity.sign(publicKey, { context: SEALING_KEY_CONTEXT });
  return { seed: s, public: { publicKey: toHex(publicKey), signature: toHex(signature) } };
}

/** The X-Wing public key of `key` once `identity` is shown to have signed it; else `AUTH_FAILED`. */
export function verifySealingKey(key: PublicSealingKey, identity: PublicIdentity): Uint8Array {
  let publicKey: Uint8Array;
  let valid = false;
  try {
    publicKey = fromHex(key.publicKey);
    valid = publicKey.length === xWing.lengths.publicKey && identity.verify(fromHex(key.signature), publicKey, { context: SEALING_KEY_CONTEXT });
  } catch {
    valid = false;
  }
  if (!valid) throw makeError('AUTH_FAILED', 'the sealing key is not signed by the identity');
  return publicKey!;
}

function keyId(publicKey: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(publicKey).digest().subarray(0, KEY_ID_BYTES));
}

/** The id (hex) sealed envelopes name for the sealing public key `publicKey` (X-Wing bytes). */
export function sealingKeyId(publicKey: Uint8Array): string {
  return toHex(keyId(bytes('publicKey', publicKey, xWing.lengths.publicKey)));
}

/** The AEAD key of a sealed envelope: HKDF-SHA-256 of the X-Wing secret, bound to the recipient's key. */
function sealKey(sharedSecret: Uint8Array, publicKey: Uint8Array): Uint8Array {
  return hkdf('SHA-256', sharedSecret, { info: concat([ascii('pqwire sealed sender v1'), publicKey]), length: 32 });
}

/**
 * Seals `message` with `certificate` to the recipient's sealing public key (X-Wing bytes,
 * as {@link verifySealingKey} returns): `PQSS` ‖ version ‖ key id (8) ‖ X-Wing ciphertext
 * ‖ ChaCha20-Poly1305(certificate length ‖ certificate ‖ message), the header as
 * associated data. The AEAD key is used once, so its nonce is zero.
 */
export function seal(publicKey: Uint8Array, certificate: Uint8Array, message: Uint8Array): Uint8Array {
  const pk = bytes('publicKey', publicKey, xWing.lengths.publicKey);
  const cert = bytes('certificate', certificate);
  const msg = bytes('message', message);
  const { cipherText, sharedSecret } = xWing.encapsulate(pk);
  const header = concat([ascii(SEAL_MAGIC), Uint8Array.of(VERSION), keyId(pk), cipherText]);
  const key = sealKey(sharedSecret, pk);
  try {
    return concat([header, chacha.seal(key, ZERO_NONCE, concat([u32(cert.length), cert, msg]), header)]);
  } finally {
    key.fill(0);
    sharedSecret.fill(0);
  }
}

/** Whether `envelope` looks like a sealed envelope (its magic), without opening it. */
export function isSealed(envelope: Uint8Array): boolean {
  return envelope.length > 5 && new TextDecoder().decode(envelope.subarray(0, 4)) === SEAL_MAGIC;
}

/** The sealing key id (hex) a sealed envelope names, to pick the secret among several. */
export function sealedKeyId(envelope: Uint8Array): string {
  if (!isSealed(envelope) || envelope.length < 5 + KEY_ID_BYTES) throw malformed('BAD_MAGIC', 'not a sealed envelope');
  return toHex(envelope.subarray(5, 5 + KEY_ID_BYTES));
}

/**
 * Opens a sealed envelope with the recipient's sealing key `seed`: the certificate (not
 * verified yet: {@link verifySenderCertificate}) and the session message. A
 * `WireFormatError` for bytes that are not a sealed envelope, `AUTH_FAILED` when it was not sealed to this key
 * or was tampered with.
 */
export function unseal(seed: Uint8Array, envelope: Uint8Array): { certificate: Uint8Array; message: Uint8Array } {
  const e = bytes('envelope', envelope);
  const headerLength = 5 + KEY_ID_BYTES + xWing.lengths.cipherText;
  // The format first, before any secret exists.
  if (!isSealed(e)) throw malformed('BAD_MAGIC', 'not a sealed envelope');
  if (e[4] !== VERSION) throw malformed('UNSUPPORTED_VERSION', `unknown sealed envelope version ${e[4]}`);
  if (e.length < headerLength + 16 + 4) throw malformed('TRUNCATED', 'truncated sealed envelope');
  const { publicKey, secretKey } = xWing.keygen(bytes('seed', seed, xWing.lengths.keygenSeed));
  let inner: Uint8Array;
  try {
    if (toHex(e.subarray(5, 5 + KEY_ID_BYTES)) !== toHex(keyId(publicKey))) throw makeError('AUTH_FAILED', 'sealed to another sealing key');
    const header = e.subarray(0, headerLength);
    const sharedSecret = xWing.decapsulate(e.subarray(5 + KEY_ID_BYTES, headerLength), secretKey);
    const key = sealKey(sharedSecret, publicKey);
    try {
      inner = chacha.open(key, ZERO_NONCE, e.subarray(headerLength), header);
    } finally {
      key.fill(0);
      sharedSecret.fill(0);
    }
  } finally {
    secretKey.fill(0);
  }
  const certLength = new DataView(inner.buffer, inner.byteOffset, inner.byteLength).getUint32(0);
  if (4 + certLength > inner.length) throw malformed('INVALID_FIELD', 'the certificate runs past the envelope');
  return { certificate: inner.slice(4, 4 + certLength), message: inner.slice(4 + certLength) };
}
