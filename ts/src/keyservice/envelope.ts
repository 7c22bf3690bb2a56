/**
 * Key distribution between nodes that hold the same keys: a key envelope carries keys
 * (secret halves included) from one node to another, encrypted to the receiving node's
 * KEM key and hybrid-signed (Ed25519+ML-DSA-87) by the sending node. The receiver imports
 * it only if it trusts the sender, both signature halves hold, it is the addressee, and
 * the envelope's version is newer than the last it imported from that sender.
 *
 * ```text
 * header   = "pqwire key envelope v1" ‖ u16 len(senderSuite) ‖ senderSuite ‖ senderFingerprint(32)
 *            ‖ recipientFingerprint(32) ‖ u64 version
 * sealed   = seal(recipient KEM key, plaintext = encoded keys, aad = header)      (construction.ts)
 * signed   = header ‖ u32 len(kemCiphertext) ‖ kemCiphertext ‖ u32 len(ciphertext) ‖ ciphertext
 * signature = Sign(sender signing key, signed)
 * ```
 *
 * The version is the sender's key-set counter, advanced by every export: it only grows, so
 * a replayed or older envelope is refused (`STALE_ENVELOPE`).
 */
import { toHex } from '../hex';
import { keyFingerprint, seal, open, suiteBytes } from './construction';
import { KeyServiceError } from './errors';
import { base64, bytesField, stringField, type Body } from './fields';
import { decodeParts, disposeVersions, encodeParts } from './keyset';
import type { KeyStore } from './key-store';
import { checkedPublicKey, kemSuite, signSuite } from './suites';
import type { KemKeyPair } from '../kem-keypair';
import type { SigKeyPair } from '../sig-keypair';

/** The envelope's `format` field. */
export const ENVELOPE_FORMAT = 'pqwire-key-envelope-v1';
const LABEL = Buffer.from('pqwire key envelope v1', 'ascii');

/** A key envelope as JSON (binary fields base64, fingerprints hex). */
export interface KeyEnvelope {
  format: typeof ENVELOPE_FORMAT;
  version: number;
  sender: { suite: string; fingerprint: string; signPublicKey: string };
  recipient: { suite: string; fingerprint: string };
  kemCiphertext: string;
  ciphertext: string;
  signature: string;
}

function header(senderSuite: string, sender: Uint8Array, recipient: Uint8Array, version: number): Buffer {
  const v = Buffer.alloc(8);
  v.writeBigUInt64BE(BigInt(version));
  return Buffer.concat([LABEL, suiteBytes(senderSuite), sender, recipient, v]);
}

function signedBytes(head: Uint8Array, kemCiphertext: Uint8Array, ciphertext: Uint8Array): Buffer {
  const len = (n: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  return Buffer.concat([head, len(kemCiphertext.length), kemCiphertext, len(ciphertext.length), ciphertext]);
}

/**
 * An envelope with keys `keyIds` (all keys when absent) for the node whose KEM public key
 * is `recipientKemPublicKey`.
 */
export function exportEnvelope(store: KeyStore, recipientKemPublicKey: Uint8Array, recipientSuite?: string, keyIds?: readonly string[]): KeyEnvelope {
  const set = store.set;
  const rSuite = kemSuite(recipientSuite);
  checkedPublicKey(rSuite, recipientKemPublicKey);
  const keys = keyIds === undefined ? [...set.keys.values()] : keyIds.map((id) => store.key(id));
  const recipient = keyFingerprint(rSuite.name, recipientKemPublicKey);
  const node = set.node.sign;
  const version = store.advance();
  const head = header(node.suite, node.fingerprint, recipient, version);
  const plaintext = encodeParts({ keys });
  let sealed;
  try {
    sealed = seal(rSuite, recipientKemPublicKey, plaintext, head);
  } finally {
    plaintext.fill(0);
  }
  const signature = (node.pair as SigKeyPair).sign(signedBytes(head, sealed.kemCiphertext, sealed.ciphertext));
  return {
    format: ENVELOPE_FORMAT,
    version,
    sender: { suite: node.suite, fingerprint: toHex(node.fingerprint), signPublicKey: base64(node.publicKey) },
    recipient: { suite: rSuite.name, fingerprint: toHex(recipient) },
    kemCiphertext: base64(sealed.kemCiphertext),
    ciphertext: base64(sealed.ciphertext),
    signature: base64(signature),
  };
}

/** Checks and imports an envelope (see the module comment); returns the key ids it carried. */
export function importEnvelope(store: KeyStore, value: unknown): { imported: string[]; version: number; sender: string } {
  const env = parseEnvelope(value);
  const set = store.set;
  const me = set.node.kem;
  if (env.recipient !== toHex(me.fingerprint) || env.recipientSuite !== me.suite) {
    throw new KeyServiceError('WRONG_RECIPIENT', 'this key envelope is addressed to another node');
  }
  const peer = set.peers.get(env.sender);
  if (peer === undefined || peer.suite !== env.senderSuite) {
    throw new KeyServiceError('UNTRUSTED_SENDER', `no trusted node with signing key ${env.sender} (add it with POST /v1/node/peers)`);
  }
  const head = header(peer.suite, Buffer.from(peer.fingerprint, 'hex'), me.fingerprint, env.version);
  const check = signSuite(peer.suite).verify(env.signature, signedBytes(head, env.kemCiphertext, env.ciphertext), peer.signPublicKey);
  if (!check.classicValid || !check.quantumValid) {
    const failed = [check.classicValid ? undefined : 'classic (Ed25519)', check.quantumValid ? undefined : 'post-quantum (ML-DSA)'].filter(Boolean);
    throw new KeyServiceError('ENVELOPE_SIGNATURE_INVALID', `the envelope's ${failed.join(' and ')} signature does not hold`);
  }
  if (env.version <= peer.lastEnvelope) {
    throw new KeyServiceError('STALE_ENVELOPE', `envelope version ${env.version} is not newer than ${peer.lastEnvelope}, the last imported from this sender`);
  }
  const plaintext = open(kemSuite(me.suite), me.pair as KemKeyPair, env, head);
  let parts;
  try {
    parts = decodeParts(plaintext);
  } catch (e) {
    if (e instanceof KeyServiceError) throw e;
    throw new KeyServiceError('MALFORMED_ENVELOPE', `the envelope's keys do not decode: ${(e as Error).message}`);
  }
  if (parts.node !== undefined || parts.peers !== undefined) {
    disposeVersions([...parts.keys.flatMap((k) => k.versions), ...(parts.node ? [parts.node.kem, parts.node.sign] : [])]);
    throw new KeyServiceError('MALFORMED_ENVELOPE', 'a key envelope carries keys only, not node keys or peers');
  }
  return { ...store.importFromPeer(peer, env.version, parts.keys), version: env.version, sender: peer.fingerprint };
}

interface ParsedEnvelope {
  version: number;
  sender: string;
  senderSuite: string;
  recipient: string;
  recipientSuite: string;
  kemCiphertext: Uint8Array;
  ciphertext: Uint8Array;
  signature: Uint8Array;
}

function parseEnvelope(value: unknown): ParsedEnvelope {
  const malformed = (why: string): KeyServiceError => new KeyServiceError('MALFORMED_ENVELOPE', `not a key envelope: ${why}`);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw malformed('not an object');
  const e = value as Body;
  if (e.format !== ENVELOPE_FORMAT) throw malformed(`format is not ${ENVELOPE_FORMAT}`);
  if (typeof e.version !== 'number' || !Number.isSafeInteger(e.version) || e.version < 1) throw malformed('version is not a positive integer');
  const part = (name: string): Body => {
    const v = e[name];
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw malformed(`${name} is not an object`);
    return v as Body;
  };
  try {
    const sender = part('sender');
    const recipient = part('recipient');
    const fp = (b: Body, name: string): string => {
      const s = stringField(b, name);
      if (!/^[0-9a-f]{64}$/.test(s)) throw malformed(`${name} is not a hex fingerprint`);
      return s;
    };
    return {
      version: e.version,
      sender: fp(sender, 'fingerprint'),
      senderSuite: stringField(sender, 'suite'),
      recipient: fp(recipient, 'fingerprint'),
      recipientSuite: stringField(recipient, 'suite'),
      kemCiphertext: bytesField(e, 'kemCiphertext'),
      ciphertext: bytesField(e, 'ciphertext'),
      signature: bytesField(e, 'signature'),
    };
  } catch (err) {
    if (err instanceof KeyServiceError && err.code === 'INVALID_FIELD') throw malformed(err.message);
    throw err;
  }
}
