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
  /** The key package, encoded (its public key goes into batches). */
  package: Uint8Array;
  /** The secret record. **Secret.** */
  secret: Uint8Array;
  /** Initial messages that used this key (signed and last-resort keys; for rotation). */
  uses: number;
}

/**
 * Prekeys. One-time prekeys are consumed exactly once: {@link PrekeyStore.consume} must
 * be atomic (all or none), and a consumed key's id is remembered so a replayed initial
 * message is told apart from an unknown key. A handshake that used no one-time prekey
 * goes into a replay cache ({@link PrekeyStore.rememberHandshake}) instead, and expired
 * secrets are deleted ({@link PrekeyStore.removeExpired}); see docs/protocol.md §4.3.
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
  /**
   * The replay cache: atomically remembers the session id (hex) of an accepted
   * handshake that used no one-time prekey, until `until` (unix seconds: the earliest
   * expiry of the prekeys it used). Resolves `false`, changing nothing, when the id is
   * already remembered: the initial message is a replay.
   */
  rememberHandshake(sessionId: string, until: number): Promise<boolean>;
  /**
   * Deletes every prekey — secret included — whose validity ended by `now`
   * (`expires <= now`), and the replay-cache entries whose `until` passed. Resolves the
   * number of prekeys deleted. {@link createPrekeyBundle} calls it on every rotation.
   */
  removeExpired(now: number): Promise<number>;
}

/** A stored session: its record and what the store knows of it. */
export interface StoredSession {
  /** `session.serialize()`. **Secret.** */
  record: Uint8Array;
  /** The session id (hex) of the record. */
  sessionId: string;
  /** The record's epoch, as given to {@link SessionStore.save}. */
  epoch: number;
  /**
   * The highest epoch ever saved for this session id, kept apart from the records
   * (ideally where a restored backup cannot lower it) so that a rolled-back record is
   * detected: `Session.load` refuses a record below it (`SESSION_ROLLBACK`).
   */
  highestEpoch: number;
}

/**
 * At most this many previous sessions are kept per address besides the current one
 * (docs/protocol.md §7); saving one more drops the oldest (its highest epoch stays).
 * libsignal keeps 40; pqwire's records are larger and a peer rarely has more than a
 * couple of sessions in flight.
 */
export const MAX_PREVIOUS_SESSIONS = 5;

/**
 * A previous session of an address ({@link SessionStore.loadPrevious}): a session the
 * current one replaced, still able to decrypt late messages.
 */
export interface StoredPreviousSession extends StoredSession {
  /**
   * Set when this session lost a simultaneous initiation to that session id: a message
   * decrypting under it does not make it current again while that session is current.
   */
  supersededBy?: string;
}

/** What {@link SessionStore.save} stores: a record and the claim it is saved under. */
export interface SessionSave {
  /** `session.serialize()`. **Secret.** */
  record: Uint8Array;
  /** The session id (hex) of the record. */
  sessionId: string;
  /** The record's epoch. */
  epoch: number;
  /**
   * The epoch of the stored record this save replaces — the one the session was loaded
   * at or last saved at (its claim) — or `undefined` for a session never stored.
   */
  expectedEpoch: number | undefined;
  /**
   * A new session becomes the address's current one; the current one becomes the most
   * recent previous session (a new handshake, explicitly, or a simultaneous initiation).
   */
  replace?: boolean;
  /**
   * Where the session goes: `'current'` makes a stored previous session current again
   * (the current one becomes the most recent previous session); `'previous'` stores a
   * new session straight as a previous one, superseded by the current one (it lost a
   * simultaneous initiation). Omitted: the session stays where it is, a new one as
   * `replace` says.
   */
  as?: 'current' | 'previous';
  /** With `replace`: the session displaced lost a simultaneous initiation to this one. */
  supersede?: boolean;
}

/**
 * Sessions by peer address: the current one, and up to {@link MAX_PREVIOUS_SESSIONS}
 * previous ones (docs/protocol.md §7).
 *
 * **The contract** (docs/protocol.md §6): {@link SessionStore.save} is a compare-and-swap,
 * atomic against every other save of the address, that stores the record exactly when
 * - the same session (`sessionId`) is stored for the address, its stored epoch equals
 *   `expectedEpoch` and the new epoch is not lower; or
 * - nothing is stored for the address, `expectedEpoch` is `undefined`, and the epoch is
 *   above the highest ever saved for that session id (a deleted session cannot come back
 *   from a backup); or
 * - another session is stored, `replace` is `true` (or `as` is `'previous'`),
 *   `expectedEpoch` is `undefined`, and the epoch is above the highest ever saved for
 *   that session id; or
 * - the session is one of the address's previous ones, stored at exactly
 *   `expectedEpoch`, and the new epoch is not lower (`as: 'current'` makes it current).
 * and in every case the session id is not stored under another address (one record per
 * session). Otherwise it resolves `false` and changes nothing. It keeps, per session id,
 * the highest epoch ever saved ({@link StoredSession.highestEpoch}).
 *
 * This is what makes a loaded session an exclusive claim on its record: two copies
 * loaded from one record hold the same `expectedEpoch`, and only the first to save an
 * advanced state succeeds; the other's operation is refused (`SESSION_CONFLICT`) before
 * it returns any ciphertext or plaintext, so no message key is ever used twice.
 */
export interface SessionStore {
  /** The address's current session. */
  load(address: string): Promise<StoredSession | undefined>;
  /**
   * The address's previous sessions, most recent first. A store without this method
   * keeps no previous sessions: a replaced session is dropped, and a message for it
   * is refused.
   */
  loadPrevious?(address: string): Promise<StoredPreviousSession[]>;
  /** Compare-and-swap, see the interface. Resolves whether the record was stored. */
  save(address: string, session: SessionSave): Promise<boolean>;
  /** Deletes the address's records, previous ones too; their highest epochs stay. */
  delete(address: string): Promise<void>;
  addresses(): Promise<string[]>;
}

/** `store` if it is a {@link PrekeyStore} (every method a function), else `INVALID_TYPE`. @internal */
export function checkPrekeyStore(store: PrekeyStore, caller: string): PrekeyStore {
  const methods = ['save', 'load', 'isConsumed', 'consume', 'current', 'countUse', 'rememberHandshake', 'removeExpired'] as const;
  if (typeof store !== 'object' || store === null) throw makeError('INVALID_TYPE', `${caller} needs { prekeyStore }`);
  const missing = methods.filter((m) => typeof store[m] !== 'function');
  if (missing.length > 0) throw makeError('INVALID_TYPE', `prekeyStore lacks ${missing.join(', ')} (PrekeyStore, docs/protocol.md §9)`);
  return store;
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
  /** Replay cache: session id → until. */
  readonly #handshakes = new Map<string, number>();

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
  async rememberHandshake(sessionId: string, until: number): Promise<boolean> {
    if (this.#handshakes.has(sessionId)) return false;
    this.#handshakes.set(sessionId, until);
    return true;
  }
  async removeExpired(now: number): Promise<number> {
    let removed = 0;
    for (const [id, p] of this.#keys) {
      if (p.expires <= now) {
        this.#keys.delete(id);
        removed += 1;
      }
    }
    for (const [id, until] of this.#handshakes) {
      if (until <= now) this.#handshakes.delete(id);
    }
    return removed;
  }
  /** Number of stored (unconsumed) prekeys of a kind. */
  count(kind: PrekeyKind): number {
    return [...this.#keys.values()].filter((p) => p.kind === kind).length;
  }
}

/** A stored session as {@link InMemorySessionStore} keeps it. */
interface Entry {
  record: Uint8Array;
  sessionId: string;
  epoch: number;
  supersededBy?: string;
}

/** In-memory {@link SessionStore}, implementing its compare-and-swap contract and previous sessions. */
export class InMemorySessionStore implements SessionStore {
  readonly #records = new Map<string, { current: Entry; previous: Entry[] }>();
  /** Highest epoch ever saved, per session id. */
  readonly #highest = new Map<string, number>();
  /** The address each stored session id (current or previous) is stored under. */
  readonly #addressOf = new Map<string, string>();

  async load(address: string): Promise<StoredSession | undefined> {
    const slot = this.#records.get(address);
    return slot && this.#out(slot.current);
  }
  async loadPrevious(address: string): Promise<StoredPreviousSession[]> {
    return (this.#records.get(address)?.previous ?? []).map((e) => this.#out(e));
  }
  async save(address: string, session: SessionSave): Promise<boolean> {
    // No await between the check and the write: atomic within this process.
    const slot = this.#records.get(address);
    const at = slot ? slot.previous.findIndex((e) => e.sessionId === session.sessionId) : -1;
    const previous = slot?.previous[at];
    const elsewhere = (this.#addressOf.get(session.sessionId) ?? address) !== address;
    if (!sessionSaveAllowed(slot?.current, this.#highest.get(session.sessionId), session, elsewhere, previous)) return false;
    const entry: Entry = { record: Uint8Array.from(session.record), sessionId: session.sessionId, epoch: session.epoch };
    switch (sessionSavePlacement(slot?.current, session, previous)) {
      case 'new':
        this.#records.set(address, { current: entry, previous: [] });
        break;
      case 'current':
        slot!.current = entry;
        break;
      case 'previous':
        slot!.previous[at] = { ...entry, supersededBy: previous!.supersededBy };
        break;
      case 'promote':
        slot!.previous.splice(at, 1);
        slot!.previous.unshift(slot!.current);
        slot!.current = entry;
        break;
      case 'new-previous':
        slot!.previous.unshift({ ...entry, supersededBy: slot!.current.sessionId });
        break;
      case 'replace':
        slot!.previous.unshift(session.supersede === true ? { ...slot!.current, supersededBy: session.sessionId } : slot!.current);
        slot!.current = entry;
        break;
    }
    for (const dropped of slot?.previous.splice(MAX_PREVIOUS_SESSIONS) ?? []) this.#addressOf.delete(dropped.sessionId);
    this.#highest.set(session.sessionId, Math.max(session.epoch, this.#highest.get(session.sessionId) ?? 0));
    this.#addressOf.set(session.sessionId, address);
    return true;
  }
  async delete(address: string): Promise<void> {
    // The highest epochs stay: a deleted session restored from a backup is still a rollback.
    const slot = this.#records.get(address);
    for (const e of slot ? [slot.current, ...slot.previous] : []) this.#addressOf.delete(e.sessionId);
    this.#records.delete(address);
  }
  async addresses(): Promise<string[]> {
    return [...this.#records.keys()];
  }
  #out(e: Entry): StoredPreviousSession {
    const out: StoredPreviousSession = { record: Uint8Array.from(e.record), sessionId: e.sessionId, epoch: e.epoch, highestEpoch: this.#highest.get(e.sessionId) ?? e.epoch };
    if (e.supersededBy !== undefined) out.supersededBy = e.supersededBy;
    return out;
  }
}

/**
 * The compare-and-swap rule of {@link SessionStore.save}, for store implementations:
 * whether `save` may replace `current` (the stored record's session id and epoch, if
 * any), given `highest`, the highest epoch ever saved for `save.sessionId`,
 * `storedElsewhere`, whether that session id is stored under another address, and
 * `previous`, the address's previous session with that id, if any.
 *
 * @example
 * ```ts
 * // inside a store's transaction
 * if (!sessionSaveAllowed(row && { sessionId: row.sessionId, epoch: row.epoch }, highestFor(save.sessionId), save)) return false;
 * ```
 */
export function sessionSaveAllowed(
  current: { sessionId: string; epoch: number } | undefined,
  highest: number | undefined,
  save: Pick<SessionSave, 'sessionId' | 'epoch' | 'expectedEpoch' | 'replace' | 'as'>,
  storedElsewhere = false,
  previous: { sessionId: string; epoch: number } | undefined = undefined,
): boolean {
  if (storedElsewhere || (save.replace === true && save.as === 'previous')) return false;
  const claimHeld = (e: { epoch: number }): boolean => save.expectedEpoch === e.epoch && save.epoch >= Math.max(e.epoch, highest ?? 0);
  if (current !== undefined && current.sessionId === save.sessionId) return save.as !== 'previous' && claimHeld(current);
  if (previous !== undefined && previous.sessionId === save.sessionId) return claimHeld(previous);
  if (save.expectedEpoch !== undefined) return false;
  if (current === undefined ? save.as === 'previous' : save.replace !== true && save.as !== 'previous') return false;
  return highest === undefined || save.epoch > highest;
}

/**
 * Where a {@link SessionStore.save} that {@link sessionSaveAllowed} allowed puts the record,
 * given the address's `current` session (if any) and its `previous` session with the
 * saved id (if any); the same cases for every store, so that they all keep the same order:
 * - `'new'`: nothing was stored for the address; the record becomes its current session.
 * - `'current'`: the current session, updated in place.
 * - `'previous'`: a previous session, updated in place (it keeps its place and `supersededBy`).
 * - `'promote'`: a previous session becomes current (`as: 'current'`); the current one
 *   becomes the most recent previous session.
 * - `'new-previous'`: a new session goes in as the most recent previous session,
 *   superseded by the current one (`as: 'previous'`).
 * - `'replace'`: a new session becomes current (`replace`); the current one becomes the
 *   most recent previous session, superseded by the new one with `supersede`.
 *
 * Then at most {@link MAX_PREVIOUS_SESSIONS} previous sessions stay (the oldest go), and
 * the highest epoch of the session id is raised to the saved one. @internal
 */
export function sessionSavePlacement(
  current: { sessionId: string } | undefined,
  save: Pick<SessionSave, 'sessionId' | 'as'>,
  previous: { sessionId: string } | undefined,
): 'new' | 'current' | 'previous' | 'promote' | 'new-previous' | 'replace' {
  if (current === undefined) return 'new';
  if (current.sessionId === save.sessionId) return 'current';
  if (previous !== undefined) return save.as === 'current' ? 'promote' : 'previous';
  return save.as === 'previous' ? 'new-previous' : 'replace';
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
    { address, pinned, identity },
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
