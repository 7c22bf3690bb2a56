/**
 * Stores: where an application keeps identities, prekeys and sessions. Each is a
 * Promise-based interface, so it can be backed by SQLite, IndexedDB, a keychain or a
 * server; pqwire ships in-memory implementations for tests and single-process apps.
 * Everything crossing a store is plain data (records as `Uint8Array`, public identities
 * as {@link PublicIdentity}); records holding secrets say so.
 *
 * @example
 * ```ts
 * import { InMemoryIdentityStore, InMemoryPrekeyStore, InMemorySessionStore } from 'pqwire';
 * const stores = {
 *   identityStore: new InMemoryIdentityStore(),
 *   prekeyStore: new InMemoryPrekeyStore(),
 *   sessionStore: new InMemorySessionStore(),
 * };
 * ```
 */
import { IdentityChangedError, makeError } from './errors';
import { PublicIdentity } from './identity';
import type { Identity } from './identity';

/** Own identity and the pinned identities of peers (trust on first use). */
export interface IdentityStore {
  /** Our identity's record ({@link Identity.export}: secrets), if one was saved. */
  getLocalIdentity(): Promise<Uint8Array | undefined>;
  saveLocalIdentity(record: Uint8Array): Promise<void>;
  /** The identity pinned for a peer's address. */
  getPeerIdentity(address: string): Promise<PublicIdentity | undefined>;
  /** Pins (or, once the app accepted a change, re-pins) a peer's identity. */
  savePeerIdentity(address: string, identity: PublicIdentity): Promise<void>;
}

/** The kinds of prekeys (docs/protocol.md §2). */
export type PrekeyKind = 'signed' | 'last-resort-kem' | 'one-time' | 'one-time-kem';

/** A prekey as a store keeps it: public parts, the secret record, and its use count. */
export interface StoredPrekey {
  /** Key id, hex. */
  keyId: string;
  kind: PrekeyKind;
  /** `X25519` or the ML-KEM suite. */
  suite: string;
  created: number;
  expires: number;
  /** The key package, encoded (goes into bundles). */
  package: Uint8Array;
  /** The identity's signature over `package`. */
  signature: Uint8Array;
  /** The secret record. **Secret.** */
  secret: Uint8Array;
  /** Initial messages that used this key (signed and last-resort keys; for rotation). */
  uses: number;
}

/**
 * Prekeys. One-time prekeys are consumed exactly once: {@link PrekeyStore.consume} must
 * be atomic (all or none), and a consumed key's id is remembered so a replayed initial
 * message is told apart from an unknown key.
 */
export interface PrekeyStore {
  save(prekeys: readonly StoredPrekey[]): Promise<void>;
  /** The prekey `keyId`, unless unknown or consumed. */
  load(keyId: string): Promise<StoredPrekey | undefined>;
  /** Whether `keyId` named a one-time prekey that was consumed. */
  isConsumed(keyId: string): Promise<boolean>;
  /**
   * Atomically deletes the one-time prekeys `keyIds` (their secrets) and remembers them
   * as consumed. Resolves `false`, deleting none, when any is missing or consumed.
   */
  consume(keyIds: readonly string[]): Promise<boolean>;
  /** The newest key of a rotated kind. */
  current(kind: 'signed' | 'last-resort-kem'): Promise<StoredPrekey | undefined>;
  /** Counts one use of each of the rotated keys `keyIds`. */
  countUse(keyIds: readonly string[]): Promise<void>;
}

/** A stored session: its record and the highest epoch ever saved for the address. */
export interface StoredSession {
  /** `session.serialize()`. **Secret.** */
  record: Uint8Array;
  /**
   * The highest epoch saved for this address, kept apart from the record (ideally
   * where a restored backup cannot lower it) so that a rolled-back record is detected.
   */
  highestEpoch: number;
}

/** Sessions by peer address. */
export interface SessionStore {
  load(address: string): Promise<StoredSession | undefined>;
  /** Saves a record; the store keeps the highest epoch it was ever given. */
  save(address: string, record: Uint8Array, epoch: number): Promise<void>;
  delete(address: string): Promise<void>;
  addresses(): Promise<string[]>;
}

/** In-memory {@link IdentityStore}. */
export class InMemoryIdentityStore implements IdentityStore {
  #local: Uint8Array | undefined;
  readonly #peers = new Map<string, PublicIdentity>();

  async getLocalIdentity(): Promise<Uint8Array | undefined> {
    return this.#local;
  }
  async saveLocalIdentity(record: Uint8Array): Promise<void> {
    this.#local = Uint8Array.from(record);
  }
  async getPeerIdentity(address: string): Promise<PublicIdentity | undefined> {
    return this.#peers.get(address);
  }
  async savePeerIdentity(address: string, identity: PublicIdentity): Promise<void> {
    this.#peers.set(address, identity);
  }
}

/** In-memory {@link PrekeyStore}: consuming deletes the secret (forward secrecy). */
export class InMemoryPrekeyStore implements PrekeyStore {
  readonly #keys = new Map<string, StoredPrekey>();
  readonly #consumed = new Set<string>();

  async save(prekeys: readonly StoredPrekey[]): Promise<void> {
    for (const p of prekeys) this.#keys.set(p.keyId, { ...p });
  }
  async load(keyId: string): Promise<StoredPrekey | undefined> {
    const p = this.#keys.get(keyId);
    return p && { ...p };
  }
  async isConsumed(keyId: string): Promise<boolean> {
    return this.#consumed.has(keyId);
  }
  async consume(keyIds: readonly string[]): Promise<boolean> {
    // Check all, then delete all, with no await between: atomic within this process.
    const oneTime = (id: string): boolean => {
      const p = this.#keys.get(id);
      return p !== undefined && (p.kind === 'one-time' || p.kind === 'one-time-kem');
    };
    if (!keyIds.every(oneTime) || new Set(keyIds).size !== keyIds.length) return false;
    for (const id of keyIds) {
      this.#keys.delete(id);
      this.#consumed.add(id);
    }
    return true;
  }
  async current(kind: 'signed' | 'last-resort-kem'): Promise<StoredPrekey | undefined> {
    let best: StoredPrekey | undefined;
    for (const p of this.#keys.values()) {
      if (p.kind === kind && (best === undefined || p.created >= best.created)) best = p;
    }
    return best && { ...best };
  }
  async countUse(keyIds: readonly string[]): Promise<void> {
    for (const id of keyIds) {
      const p = this.#keys.get(id);
      if (p) p.uses += 1;
    }
  }
  /** Number of stored (unconsumed) prekeys of a kind. */
  count(kind: PrekeyKind): number {
    return [...this.#keys.values()].filter((p) => p.kind === kind).length;
  }
}

/** In-memory {@link SessionStore}. */
export class InMemorySessionStore implements SessionStore {
  readonly #records = new Map<string, Uint8Array>();
  readonly #epochs = new Map<string, number>();

  async load(address: string): Promise<StoredSession | undefined> {
    const record = this.#records.get(address);
    if (record === undefined) return undefined;
    return { record: Uint8Array.from(record), highestEpoch: this.#epochs.get(address) ?? 0 };
  }
  async save(address: string, record: Uint8Array, epoch: number): Promise<void> {
    this.#records.set(address, Uint8Array.from(record));
    this.#epochs.set(address, Math.max(epoch, this.#epochs.get(address) ?? 0));
  }
  async delete(address: string): Promise<void> {
    // The epoch stays: a deleted session restored from a backup is still a rollback.
    this.#records.delete(address);
  }
  async addresses(): Promise<string[]> {
    return [...this.#records.keys()];
  }
}

/**
 * Trust on first use: pins `identity` for `address` when none is pinned; passes when
 * the pinned one is the same; otherwise throws {@link IdentityChangedError} and changes
 * nothing.
 */
export async function checkPeerIdentity(store: IdentityStore, address: string, identity: PublicIdentity): Promise<'pinned' | 'known'> {
  const pinned = await store.getPeerIdentity(address);
  if (pinned === undefined) {
    await store.savePeerIdentity(address, identity);
    return 'pinned';
  }
  if (pinned.equals(identity)) return 'known';
  throw identityChanged(address, pinned, identity);
}

/** The error for a peer at `address` presenting `identity` where `pinned` is pinned. @internal */
export function identityChanged(address: string, pinned: PublicIdentity, identity: PublicIdentity): IdentityChangedError {
  return new IdentityChangedError(
    'IDENTITY_CHANGED',
    `the identity of ${JSON.stringify(address)} changed from ${pinned.fingerprint} to ${identity.fingerprint}`,
    { address, previousFingerprint: pinned.fingerprint, fingerprint: identity.fingerprint },
  );
}

/** Accepts a changed identity for `address` (after the user verified it). */
export async function trustIdentity(store: IdentityStore, address: string, identity: PublicIdentity): Promise<void> {
  if (!(identity instanceof PublicIdentity)) {
    throw makeError('INVALID_TYPE', 'identity must be a PublicIdentity');
  }
  await store.savePeerIdentity(address, identity);
}

/** Saves `identity` as the store's local identity. */
export async function saveLocalIdentity(store: IdentityStore, identity: Identity): Promise<void> {
  await store.saveLocalIdentity(identity.export());
}
