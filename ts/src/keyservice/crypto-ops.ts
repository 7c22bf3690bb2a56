/**
 * The service's encryption and signature operations on stored keys: single items and
 * batches (one native thread-pool task per batch, spread over the cores by the library's
 * batch operations). A key id with no `keyVersion` means "the current version" for
 * encryption and signing, and "whichever live version works, newest first" for
 * decryption and verification (old versions keep working until retired).
 */
import type { Kem } from '../kem';
import type { KemKeyPair } from '../kem-keypair';
import type { Signature, Verification } from '../sig';
import type { SigKeyPair } from '../sig-keypair';
import { PqwireError } from '../errors';
import { keyFingerprint, openWith, sealBatch, type Sealed } from './construction';
import { KeyServiceError, toKeyServiceError } from './errors';
import { currentVersion, liveVersions, type KeyRecord, type KeyVersion } from './keyset';
import { checkedPublicKey, kemSuite, signSuite } from './suites';

/** Where encryption goes: a stored key's current version, or an external public key. */
export interface EncryptionTarget {
  suite: Kem;
  publicKey: Uint8Array;
  fingerprint: Uint8Array;
  /** The stored key's version (absent for an external key). */
  version?: number;
}

/** One decryption: the ciphertext parts and the version asked for, if any. */
export interface DecryptItem extends Sealed {
  aad?: Uint8Array;
  keyVersion?: number;
}

/** A decryption's outcome: the plaintext and the version that opened it, or an error. */
export type Decrypted = { plaintext: Uint8Array; keyVersion: number } | { error: KeyServiceError };

/** One verification: message, signature and optional context. */
export interface VerifyItem {
  message: Uint8Array;
  signature: Uint8Array;
  context?: Uint8Array;
}

/** The current version of a live KEM key as an encryption target. */
export function storedTarget(key: KeyRecord): EncryptionTarget {
  const v = currentVersion(key);
  if (v === undefined) throw new KeyServiceError('KEY_RETIRED', `key ${key.id} is retired`);
  return { suite: kemSuite(key.suite), publicKey: v.publicKey, fingerprint: v.fingerprint, version: v.version };
}

/** An external public key of `suite` (default X25519+ML-KEM-1024) as an encryption target. */
export function externalTarget(publicKey: Uint8Array, suite?: string): EncryptionTarget {
  const s = kemSuite(suite);
  return { suite: s, publicKey: checkedPublicKey(s, publicKey), fingerprint: keyFingerprint(s.name, publicKey) };
}

/** Encrypts each plaintext to `target`; many items go to the thread pool as one batch. */
export function encrypt(target: EncryptionTarget, items: readonly { plaintext: Uint8Array; aad?: Uint8Array }[]): Promise<Sealed[]> {
  return sealBatch(target.suite, target.publicKey, items);
}

/** The versions to try for an item: the one asked for (checked), or every live one newest first. */
function versionsFor(key: KeyRecord, wanted: number | undefined): KeyVersion[] {
  if (wanted === undefined) return liveVersions(key);
  const v = key.versions.find((x) => x.version === wanted);
  if (v === undefined) throw new KeyServiceError('UNKNOWN_KEY', `key ${key.id} has no version ${wanted}`);
  if (v.retired !== undefined) throw new KeyServiceError('KEY_RETIRED', `version ${wanted} of key ${key.id} is retired`);
  return [v];
}

/**
 * Decrypts each item with stored KEM key `key`. Items are grouped by their first version to
 * try and decapsulated in one batch per group; an item that fails and named no version is
 * tried again with the older live versions. One item's failure is that item's error.
 */
export async function decrypt(key: KeyRecord, items: readonly DecryptItem[]): Promise<Decrypted[]> {
  const suite = kemSuite(key.suite);
  const candidates = items.map((item) => versionsFor(key, item.keyVersion));
  for (const [i, item] of items.entries()) {
    if (item.kemCiphertext.length !== suite.lengths.cipherText) {
      throw new KeyServiceError('BAD_LENGTH', `item ${i}: a ${suite.name} KEM ciphertext is ${suite.lengths.cipherText} bytes, got ${item.kemCiphertext.length}`);
    }
  }
  // Undefined until an item opens or fails otherwise than by not opening.
  const results: (Decrypted | undefined)[] = items.map(() => undefined);
  const open = (i: number): boolean => {
    const r = results[i];
    return r !== undefined && !('error' in r);
  };
  // Round r tries each unopened item's r-th candidate version, one batch per version.
  const rounds = Math.max(...candidates.map((c) => c.length));
  for (let round = 0; round < rounds; round++) {
    const byVersion = new Map<KeyVersion, number[]>();
    candidates.forEach((c, i) => {
      const v = c[round];
      if (v === undefined || open(i)) return;
      const list = byVersion.get(v);
      if (list === undefined) byVersion.set(v, [i]);
      else list.push(i);
    });
    for (const [v, indexes] of byVersion) {
      const pair = v.pair as KemKeyPair;
      const cts = indexes.map((i) => at(items, i).kemCiphertext);
      let secrets: Uint8Array[];
      try {
        secrets = await pair.decapsulateBatch(cts);
      } catch (e) {
        if (!(e instanceof PqwireError && e.code === 'DISPOSED')) throw e;
        // Retired while this request ran: items that asked for it fail; the others go on to older versions.
        for (const i of indexes) {
          if (at(items, i).keyVersion !== undefined) results[i] = { error: new KeyServiceError('KEY_RETIRED', `version ${v.version} of key ${key.id} was retired`) };
        }
        continue;
      }
      indexes.forEach((i, j) => {
        const item = at(items, i);
        try {
          results[i] = { plaintext: openWith(suite.name, v.fingerprint, at(secrets, j), item.ciphertext, item.aad), keyVersion: v.version };
        } catch (e) {
          if (!(e instanceof PqwireError && e.code === 'AUTH_FAILED')) results[i] = { error: toKeyServiceError(e) };
        }
      });
    }
  }
  return results.map((r) => r ?? { error: new KeyServiceError('AUTH_FAILED', 'the ciphertext does not open with this key') });
}

/** Signs each message with the current version of signing key `key`. */
export async function sign(key: KeyRecord, messages: readonly Uint8Array[], context?: Uint8Array): Promise<{ signatures: Uint8Array[]; version: KeyVersion }> {
  const v = currentVersion(key);
  if (v === undefined) throw new KeyServiceError('KEY_RETIRED', `key ${key.id} is retired`);
  const pair = v.pair as SigKeyPair;
  const options = context === undefined ? {} : { context };
  return { signatures: await pair.signBatch(messages, options), version: v };
}

/** A verification, with the stored version that held (stored keys only). */
export type Verified = Verification & { keyVersion?: number };

/** How far a verification got: both halves, one, none. */
const score = (v: Verification): number => (v.valid ? 3 : 0) + (v.classicValid ? 1 : 0) + (v.quantumValid ? 1 : 0);

function verifyAll(suite: Signature, publicKey: Uint8Array, items: readonly VerifyItem[]): Promise<Verification[]> {
  return suite.verifyBatch(items.map((item) => ({ ...item, publicKey })));
}

/** Verifies each item against an external public key of `suiteName`. */
export async function verifyExternal(publicKey: Uint8Array, suiteName: string | undefined, items: readonly VerifyItem[]): Promise<Verified[]> {
  const suite = signSuite(suiteName);
  return verifyAll(suite, checkedPublicKey(suite, publicKey), items);
}

/**
 * Verifies each item with stored signing key `key`: the version asked for, or each live
 * version newest first until one holds. A signature no version accepts reports the
 * halves of the version that came closest.
 */
export async function verifyStored(key: KeyRecord, wanted: number | undefined, items: readonly VerifyItem[]): Promise<Verified[]> {
  const suite = signSuite(key.suite);
  const versions = versionsFor(key, wanted);
  const best: Verified[] = [];
  let pending = items.map((_, i) => i);
  for (const v of versions) {
    if (pending.length === 0) break;
    const outcomes = await verifyAll(suite, v.publicKey, pending.map((i) => at(items, i)));
    pending.forEach((i, j) => {
      const o: Verified = { ...at(outcomes, j), keyVersion: v.version };
      const prev = best[i];
      if (prev === undefined || score(o) > score(prev)) best[i] = o;
    });
    pending = pending.filter((i) => !at(best, i).valid);
  }
  return items.map((_, i) => at(best, i));
}

/** `list[i]`, which the caller knows exists. */
function at<T>(list: readonly T[], i: number): T {
  const v = list[i];
  if (v === undefined) throw new KeyServiceError('INTERNAL', `no item ${i}`);
  return v;
}
