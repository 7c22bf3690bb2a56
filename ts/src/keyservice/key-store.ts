/**
 * The key set and every change to it. A change builds the next key set, writes it
 * (keyset-file.ts) and only then makes it current: a failed write leaves memory as it
 * was and wipes the keys the change had made. Changes are synchronous from start to end,
 * so two never interleave. An answer reporting a key is sent only after its write.
 */
import { toHex } from '../hex';
import { DEFAULT_SUITES, checkedPublicKey, keySuite, signSuite, type KeyType } from './suites';
import { KeyServiceError } from './errors';
import { keyFingerprint } from './construction';
import { currentVersion, decodeParts, disposeVersions, encodeParts, everyVersion, generateVersion, newKeyId, retiredCopy } from './keyset';
import type { KeyRecord, KeySet, KeyVersion, NodeKeys, Peer } from './keyset';
import type { KemKeyPair } from '../kem-keypair';
import type { SigKeyPair } from '../sig-keypair';
import { KeySetFile } from './keyset-file';

const MLOCK_HINT = 'mlock was refused (raise RLIMIT_MEMLOCK with ulimit -l or LimitMEMLOCK=, or grant CAP_IPC_LOCK)';

/** What a change returns: the next key set's parts, the result, and the versions to wipe once written. */
interface Change<T> {
  keys?: ReadonlyMap<string, KeyRecord>;
  peers?: ReadonlyMap<string, Peer>;
  result: T;
  /** Made by the change: wiped if the write fails. */
  made?: KeyVersion[];
  /** Retired by the change: wiped once the write succeeds. */
  dropped?: KeyVersion[];
}

/** Options of {@link KeyStore.open}. */
export interface KeyStoreOptions {
  /**
   * Lock the memory of every key pair against swapping (`lockMemory()` of the handles);
   * `'require'`: a key that cannot be locked is refused (`MEMORY_NOT_LOCKED`), at start and
   * when created or imported.
   */
  lockMemory?: boolean | 'require';
}

export class KeyStore {
  #set: KeySet;
  readonly #file: KeySetFile;
  #closed = false;
  readonly #lock: boolean | 'require';
  /** Key pairs already locked (each is locked once, when it first appears). */
  readonly #locked = new WeakSet<KemKeyPair | SigKeyPair>();
  #allLocked: boolean;

  private constructor(file: KeySetFile, set: KeySet, options: KeyStoreOptions) {
    this.#file = file;
    this.#set = set;
    this.#lock = options.lockMemory ?? false;
    this.#allLocked = this.#lock !== false;
    if (!this.#lockPairs(everyVersion(set)) && this.#lock === 'require') {
      this.close();
      throw new KeyServiceError('MEMORY_NOT_LOCKED', `cannot lock every key's memory: ${MLOCK_HINT}`);
    }
  }

  /** Whether every secret key in memory sits in locked pages (false when locking is off). */
  get memoryLocked(): boolean {
    return this.#allLocked;
  }

  /** Loads the key set of `dir` (refusing a rollback), or starts one with new node keys. */
  static open(dir: string, kek: Uint8Array, options: KeyStoreOptions = {}): KeyStore {
    const file = new KeySetFile(dir, kek);
    try {
      const stored = file.read();
      if (stored === undefined) {
        const node: NodeKeys = {
          kem: { ...generateVersion('kem', DEFAULT_SUITES.kem, 1), suite: DEFAULT_SUITES.kem },
          sign: { ...generateVersion('sign', DEFAULT_SUITES.sign, 1), suite: DEFAULT_SUITES.sign },
        };
        const set: KeySet = { counter: 1, keys: new Map(), node, peers: new Map() };
        try {
          file.write(1, encodeParts({ keys: [], node, peers: [] }));
          file.confirm(1);
        } catch (e) {
          disposeVersions([node.kem, node.sign]);
          throw e;
        }
        return new KeyStore(file, set, options);
      }
      let parts;
      try {
        parts = decodeParts(stored.plaintext);
      } catch (e) {
        if (e instanceof KeyServiceError) throw e;
        throw new KeyServiceError('KEYSET_UNREADABLE', `${file.path}: ${(e as Error).message}`);
      }
      if (parts.node === undefined) throw new KeyServiceError('KEYSET_UNREADABLE', `${file.path} holds no node keys`);
      const keys = new Map(parts.keys.map((k) => [k.id, k]));
      const peers = new Map((parts.peers ?? []).map((p) => [p.fingerprint, p]));
      return new KeyStore(file, { counter: stored.counter, keys, node: parts.node, peers }, options);
    } catch (e) {
      file.close();
      throw e;
    }
  }

  /** The current key set (read-only). */
  get set(): KeySet {
    return this.#set;
  }

  /** The path of the wrapped key set file. */
  get path(): string {
    return this.#file.path;
  }

  /** The key `id`, or `UNKNOWN_KEY`. */
  key(id: unknown): KeyRecord {
    const key = typeof id === 'string' ? this.#set.keys.get(id) : undefined;
    if (key === undefined) throw new KeyServiceError('UNKNOWN_KEY', `no key ${JSON.stringify(id)}`);
    return key;
  }

  /** The key `id` of `type`, with at least one live version. */
  liveKey(id: unknown, type: KeyType): KeyRecord {
    const key = this.key(id);
    if (key.type !== type) throw new KeyServiceError('WRONG_KEY_TYPE', `key ${key.id} is a ${key.type} key, not a ${type} key`);
    if (currentVersion(key) === undefined) throw new KeyServiceError('KEY_RETIRED', `key ${key.id} is retired`);
    return key;
  }

  /** Creates a key of `type` (the default suite of its type when `suite` is absent). */
  create(type: KeyType, suite?: unknown): KeyRecord {
    const name = keySuite(type, suite).name;
    const first = generateVersion(type, name, 1);
    const key: KeyRecord = { id: newKeyId(), type, suite: name, created: first.created, versions: [first] };
    return this.#change(() => ({ keys: withKey(this.#set.keys, key), result: key, made: [first] }));
  }

  /** Adds a new current version to key `id`; the older live versions still decrypt and verify. */
  rotate(id: unknown): KeyRecord {
    const key = this.key(id);
    if (currentVersion(key) === undefined) throw new KeyServiceError('KEY_RETIRED', `key ${key.id} is retired`);
    const last = key.versions[key.versions.length - 1];
    const next = generateVersion(key.type, key.suite, (last?.version ?? 0) + 1);
    const rotated: KeyRecord = { ...key, versions: [...key.versions, next] };
    return this.#change(() => ({ keys: withKey(this.#set.keys, rotated), result: rotated, made: [next] }));
  }

  /**
   * Retires `version` of key `id` (or, without a version, the whole key): its secret is
   * wiped from memory and from the key set; the public key stays listed as retired.
   * The newest live version alone cannot be retired while it is the only one (`KEY_IN_USE`).
   */
  retire(id: unknown, version?: number): KeyRecord {
    const key = this.key(id);
    const now = new Date().toISOString();
    const live = key.versions.filter((v) => v.retired === undefined);
    let targets: KeyVersion[];
    if (version === undefined) {
      targets = live;
    } else {
      const v = key.versions.find((x) => x.version === version);
      if (v === undefined) throw new KeyServiceError('UNKNOWN_KEY', `key ${key.id} has no version ${version}`);
      if (v.retired !== undefined) throw new KeyServiceError('KEY_RETIRED', `version ${version} of key ${key.id} is already retired`);
      if (live.length === 1) {
        throw new KeyServiceError('KEY_IN_USE', `version ${version} is the only live version of key ${key.id}: rotate first, or retire the whole key`);
      }
      targets = [v];
    }
    if (targets.length === 0) throw new KeyServiceError('KEY_RETIRED', `key ${key.id} is already retired`);
    const retired: KeyRecord = {
      ...key,
      versions: key.versions.map((v) => (targets.includes(v) ? retiredCopy(v, now) : v)),
    };
    return this.#change(() => ({ keys: withKey(this.#set.keys, retired), result: retired, dropped: targets }));
  }

  /** Trusts key envelopes signed by `signPublicKey` (a signing key of `suite`). */
  addPeer(signPublicKey: Uint8Array, suite?: unknown): Peer {
    const s = signSuite(suite);
    const fingerprint = toHex(keyFingerprint(s.name, checkedPublicKey(s, signPublicKey)));
    const existing = this.#set.peers.get(fingerprint);
    if (existing) return existing;
    const peer: Peer = { suite: s.name, signPublicKey, fingerprint, added: new Date().toISOString(), lastEnvelope: 0 };
    return this.#change(() => ({ peers: new Map(this.#set.peers).set(fingerprint, peer), result: peer }));
  }

  /**
   * Merges keys received from `peer` in envelope `version`: versions this node lacks are
   * added, retirements are applied, and nothing retired here comes back to life. The
   * envelope must be newer than the last imported from that peer (`STALE_ENVELOPE`).
   */
  importFromPeer(peer: Peer, version: number, received: readonly KeyRecord[]): { imported: string[] } {
    const made: KeyVersion[] = received.flatMap((k) => k.versions);
    const dropped: KeyVersion[] = [];
    try {
      if (version <= peer.lastEnvelope) {
        throw new KeyServiceError('STALE_ENVELOPE', `envelope version ${version} is not newer than ${peer.lastEnvelope}, the last imported from this sender`);
      }
      const keys = new Map(this.#set.keys);
      for (const incoming of received) {
        const local = keys.get(incoming.id);
        if (local !== undefined && (local.type !== incoming.type || local.suite !== incoming.suite)) {
          throw new KeyServiceError('MALFORMED_ENVELOPE', `key ${incoming.id} is a ${local.type} ${local.suite} key here, not ${incoming.type} ${incoming.suite}`);
        }
        keys.set(incoming.id, merge(local, incoming, dropped));
      }
      const peers = new Map(this.#set.peers).set(peer.fingerprint, { ...peer, lastEnvelope: version });
      // Received versions not kept (already here, or retired here) are wiped after the write.
      const kept = new Set([...keys.values()].flatMap((k) => k.versions));
      dropped.push(...made.filter((v) => !kept.has(v)));
      return this.#change(() => ({ keys, peers, result: { imported: received.map((k) => k.id) }, made: made.filter((v) => kept.has(v)), dropped }));
    } catch (e) {
      disposeVersions(made);
      throw e;
    }
  }

  /**
   * Writes the key set again with the next counter and returns it: a key envelope's version
   * (every export gets its own, so a receiver takes each once, in order).
   */
  advance(): number {
    this.#change(() => ({ result: undefined }));
    return this.#set.counter;
  }

  /** Wipes every secret in memory and the wrap key. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    disposeVersions(everyVersion(this.#set));
    this.#file.close();
  }

  #change<T>(build: () => Change<T>): T {
    if (this.#closed) throw new KeyServiceError('INTERNAL', 'the key store is closed');
    const change = build();
    if (!this.#lockPairs(change.made ?? []) && this.#lock === 'require') {
      disposeVersions(change.made ?? []);
      throw new KeyServiceError('MEMORY_NOT_LOCKED', `cannot lock the new key's memory: ${MLOCK_HINT}`);
    }
    const next: KeySet = {
      counter: this.#set.counter + 1,
      keys: change.keys ?? this.#set.keys,
      node: this.#set.node,
      peers: change.peers ?? this.#set.peers,
    };
    try {
      this.#file.write(next.counter, encodeParts({ keys: [...next.keys.values()], node: next.node, peers: [...next.peers.values()] }));
    } catch (e) {
      disposeVersions(change.made ?? []);
      throw e;
    }
    // The new key set is in place: from here the change holds, in memory as on disk.
    this.#set = next;
    disposeVersions(change.dropped ?? []);
    try {
      this.#file.confirm(next.counter);
    } catch (e) {
      throw new KeyServiceError('INTERNAL', `the change was made, but the disk did not confirm it (${(e as Error).message}): it may not survive a crash`);
    }
    return change.result;
  }

  /**
   * Locks the pages of the key pairs of `versions` not locked yet (mlock; pages are never
   * unlocked); whether all of them are locked. Locking off: true, nothing done.
   */
  #lockPairs(versions: readonly KeyVersion[]): boolean {
    if (this.#lock === false) return true;
    let all = true;
    for (const v of versions) {
      const pair = v.pair;
      if (pair === undefined || this.#locked.has(pair)) continue;
      if (pair.lockMemory()) this.#locked.add(pair);
      else all = false;
    }
    if (!all) this.#allLocked = false;
    return all;
  }
}

function withKey(keys: ReadonlyMap<string, KeyRecord>, key: KeyRecord): Map<string, KeyRecord> {
  return new Map(keys).set(key.id, key);
}

/** `local` with what `incoming` adds; versions made redundant go to `dropped` (wiped after the write). */
function merge(local: KeyRecord | undefined, incoming: KeyRecord, dropped: KeyVersion[]): KeyRecord {
  if (local === undefined) return incoming;
  const byVersion = new Map(local.versions.map((v) => [v.version, v]));
  for (const v of incoming.versions) {
    const mine = byVersion.get(v.version);
    if (mine === undefined) {
      byVersion.set(v.version, v);
    } else if (Buffer.compare(mine.fingerprint, v.fingerprint) !== 0) {
      throw new KeyServiceError('MALFORMED_ENVELOPE', `version ${v.version} of key ${local.id} has another public key here`);
    } else if (mine.retired === undefined && v.retired !== undefined) {
      dropped.push(mine);
      byVersion.set(v.version, retiredCopy(mine, v.retired));
    }
  }
  return { ...local, versions: [...byVersion.values()].sort((a, b) => a.version - b.version) };
}
