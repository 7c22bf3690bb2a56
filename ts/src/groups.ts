/**
 * MLS groups (RFC 9420) with post-quantum suites, on openmls with pqwire's cryptography
 * (docs/groups.md). A {@link GroupMember} is one client: its suite, its credential, its
 * signature key, its key packages and every group it is in. Its state lives in native
 * memory and is saved to a {@link GroupStore} after every change (what the change wrote,
 * not the whole state), compare-and-swap, like sessions: an operation that fails, or whose
 * save is refused, leaves both the member and the store as they were.
 *
 * Commits follow the delivery-service model: `addMembers`, `removeMembers` and
 * `selfUpdate` return a commit that stays pending; `confirmCommit` applies it once the
 * delivery service accepted it, `discardCommit` drops it when another member's commit took
 * the epoch (process that one, then retry).
 *
 * @example
 * ```ts
 * import { GroupMember, InMemoryGroupStore } from 'pqwire';
 * const suite = 'MLS_256_XWING_CHACHA20POLY1305_SHA256_Ed25519';
 * // Each member's credential is bound to a pqwire identity (docs/groups.md, "Credentials").
 * const alice = await GroupMember.create({ id: 'alice', suite, identity: aliceIdentity, name: utf8('alice'), store: new InMemoryGroupStore() });
 * const bob = await GroupMember.create({ id: 'bob', suite, identity: bobIdentity, name: utf8('bob'), store: new InMemoryGroupStore() });
 * const group = await alice.createGroup();
 * const { welcome, ratchetTree } = await alice.addMembers(group, [await bob.keyPackage()]);
 * await alice.confirmCommit(group);
 * await bob.join(welcome!, ratchetTree);
 * const received = await bob.process(group, await alice.encrypt(group, utf8('hello')));
 * // received.kind === 'application', received.plaintext: 'hello'
 * ```
 */
import native from './native';
import { bytes, optionalBytes, text } from './bytes';
import { call, callAsync, makeError } from './errors';
import { Identity } from './identity';
import type { PublicIdentity } from './identity';

type NativeMember = InstanceType<typeof native.NativeGroupMember>;

/** The MLS suites pqwire offers, by their full names (the post-quantum ones are provisional drafts). */
export type MlsSuiteName =
  | 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519'
  | 'MLS_128_DHKEMP256_AES128GCM_SHA256_P256'
  | 'MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519'
  | 'MLS_256_XWING_CHACHA20POLY1305_SHA256_Ed25519'
  | 'MLS_128_MLKEM768X25519_AES128GCM_SHA256_Ed25519'
  | 'MLS_128_MLKEM768X25519_AES256GCM_SHA384_Ed25519'
  | 'MLS_128_MLKEM768X25519_CHACHA20POLY1305_SHA384_MLDSA44'
  | 'MLS_128_MLKEM768_AES256GCM_SHA384_Ed25519'
  | 'MLS_128_MLKEM768_AES256GCM_SHA384_P256'
  | 'MLS_192_MLKEM768_AES256GCM_SHA384_MLDSA65'
  | 'MLS_192_MLKEM1024_AES256GCM_SHA384_P384'
  | 'MLS_256_MLKEM1024_AES256GCM_SHA384_MLDSA87'
  | 'MLS_256_MLKEM1024_AES256GCM_SHA512_MLDSA87';

/** One offered MLS suite. */
export interface MlsSuite {
  /** Its full name. */
  name: MlsSuiteName;
  /** Its code point. */
  code: number;
  /** Whether its key exchange is post-quantum (ML-KEM or X-Wing). */
  postQuantum: boolean;
  /** Whether its code point is provisional (a draft's, not RFC 9420's). */
  provisional: boolean;
}

/**
 * Every MLS suite pqwire offers, RFC 9420's first.
 *
 * @example
 * ```ts
 * const pq = mlsSuites().filter((s) => s.postQuantum).map((s) => s.name);
 * ```
 */
export function mlsSuites(): MlsSuite[] {
  return call(() => native.mlsSuites()) as MlsSuite[];
}

/**
 * A member's saved state: a whole record, the change sets saved after it in order, and the
 * version (1 for the first save, one more for every save or append).
 */
export interface StoredGroupMember {
  record: Uint8Array;
  changes: Uint8Array[];
  version: number;
}

/**
 * Where a {@link GroupMember}'s state is kept, by member id: a whole record, then the
 * change sets of the operations after it (a message changes a few kilobytes of a record
 * that grows with the groups; docs/groups.md, "Storage"). Both writes are compare-and-swap
 * on the version: they succeed, and make the version `expectedVersion + 1`, only if the
 * stored version is still `expectedVersion` (`undefined`: nothing is stored yet), and
 * resolve whether they did.
 *
 * - `save` replaces everything stored for the member with `record` (no change sets).
 * - `append` adds `changes` after the change sets already stored.
 *
 * Records and change sets hold secrets (signature and group keys): keep them as you would
 * keys. A database keeps one row for the record and one per change set, in one transaction
 * with the version check.
 *
 * @example
 * ```ts
 * const store: GroupStore = new InMemoryGroupStore();
 * await store.save('alice', record, undefined); // true: version 1
 * await store.append('alice', changes, 1); // true: version 2
 * await store.save('alice', record, undefined); // false: a record exists
 * ```
 */
export interface GroupStore {
  load(member: string): Promise<StoredGroupMember | undefined>;
  save(member: string, record: Uint8Array, expectedVersion: number | undefined): Promise<boolean>;
  append(member: string, changes: Uint8Array, expectedVersion: number): Promise<boolean>;
  delete(member: string): Promise<void>;
}

/**
 * A {@link GroupStore} in memory (tests, short-lived processes).
 *
 * @example
 * ```ts
 * const store = new InMemoryGroupStore();
 * ```
 */
export class InMemoryGroupStore implements GroupStore {
  readonly #members = new Map<string, StoredGroupMember>();

  async load(member: string): Promise<StoredGroupMember | undefined> {
    const m = this.#members.get(member);
    return m && { record: m.record.slice(), changes: m.changes.map((c) => c.slice()), version: m.version };
  }

  async save(member: string, record: Uint8Array, expectedVersion: number | undefined): Promise<boolean> {
    if (this.#members.get(member)?.version !== expectedVersion) return false;
    this.#members.set(member, { record: record.slice(), changes: [], version: (expectedVersion ?? 0) + 1 });
    return true;
  }

  async append(member: string, changes: Uint8Array, expectedVersion: number): Promise<boolean> {
    const m = this.#members.get(member);
    if (m === undefined || m.version !== expectedVersion) return false;
    m.changes.push(changes.slice());
    m.version += 1;
    return true;
  }

  async delete(member: string): Promise<void> {
    this.#members.delete(member);
  }
}

/** A commit this member made. */
export interface GroupCommit {
  /** For the group, through the delivery service. */
  commit: Uint8Array;
  /** For the members it adds, when it adds some. */
  welcome?: Uint8Array;
  /**
   * With a welcome: the group's ratchet tree after the commit, which the new members give
   * to {@link GroupMember.join} with the welcome. It travels beside the welcome, not in it,
   * so that the committer does not sign and encrypt the whole tree for every add.
   */
  ratchetTree?: Uint8Array;
}

/** What processing a group message gave. */
export type GroupMessage =
  | { kind: 'application'; sender: Uint8Array; plaintext: Uint8Array; aad: Uint8Array }
  | { kind: 'commit'; sender: Uint8Array; epoch: number; added: Uint8Array[]; removed: Uint8Array[]; removedSelf: boolean };

/**
 * A member of a group as the others see it. Its credential was checked when this member
 * met it: `identityKey` signed `signatureKey` and `name`. Compare `identityKey` with the
 * `signingKey` of the {@link PublicIdentity} you expect for that person, as for sessions.
 */
export interface GroupMemberInfo {
  index: number;
  /** The application's name for the member (its own choice: not unique, not checked). */
  name: Uint8Array;
  /** The member's pqwire identity signing key (a key package encoding). */
  identityKey: Uint8Array;
  /** The member's MLS signature public key. */
  signatureKey: Uint8Array;
}

/** Options of {@link GroupMember.create}. */
export interface GroupMemberOptions {
  /** The member's key in the store. */
  id: string;
  /** The suite of every group this member makes or joins. */
  suite: MlsSuiteName;
  /**
   * The pqwire identity the member's credential is bound to: it signs the member's new MLS
   * signature key and `name` once, at creation (docs/groups.md, "Credentials").
   */
  identity: Identity;
  /** The application's name for the member, in its credential (at most 1,024 bytes). */
  name: Uint8Array;
  store: GroupStore;
  /**
   * Past epochs whose application messages stay readable after a commit (0 to 8; 0 by
   * default). Each one kept makes every message cost more in a large group: the member
   * rewrites the past epochs' member lists on every message (docs/groups.md, "Limits").
   * With a delivery service that refuses stale messages, as pqwire's does, 0 loses nothing.
   */
  pastEpochs?: number;
}

function checkStore(store: GroupStore): GroupStore {
  const ok = typeof store === 'object' && store !== null && ['load', 'save', 'append', 'delete'].every((m) => typeof (store as unknown as Record<string, unknown>)[m] === 'function');
  if (!ok) throw makeError('INVALID_TYPE', 'store must be a GroupStore (load, save, append, delete)');
  return store;
}

function received(r: ReturnType<NativeMember['process']>): GroupMessage {
  if (r.kind === 'application') return { kind: 'application', sender: r.sender, plaintext: r.plaintext!, aad: r.aad! };
  return { kind: 'commit', sender: r.sender, epoch: r.epoch!, added: r.added!, removed: r.removed!, removedSelf: r.removedSelf! };
}

function commitOf(c: { commit: Uint8Array; welcome?: Uint8Array | null; ratchetTree?: Uint8Array | null }): GroupCommit {
  return { commit: c.commit, ...(c.welcome && { welcome: c.welcome }), ...(c.ratchetTree && { ratchetTree: c.ratchetTree }) };
}

/** One client's MLS state, saved to its {@link GroupStore} after every change. */
export class GroupMember {
  readonly id: string;
  readonly #store: GroupStore;
  readonly #native: NativeMember;
  #version: number;
  /** The length of the last whole record saved, and of the change sets appended since. */
  #recordBytes: number;
  #appendedBytes = 0;
  /** Operations one after another: a change and its save are never interleaved. */
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(id: string, store: GroupStore, member: NativeMember, recordBytes: number, appendedBytes: number, version: number) {
    this.id = id;
    this.#store = store;
    this.#native = member;
    this.#recordBytes = recordBytes;
    this.#appendedBytes = appendedBytes;
    this.#version = version;
  }

  /** A new member, saved to `store` under `id` (`GROUP_CONFLICT` if one is there already). */
  static async create(options: GroupMemberOptions): Promise<GroupMember> {
    const id = text('id', options.id);
    const store = checkStore(options.store);
    const pastEpochs = options.pastEpochs;
    if (pastEpochs !== undefined && !(Number.isInteger(pastEpochs) && pastEpochs >= 0)) throw makeError('INVALID_TYPE', 'pastEpochs must be a whole number from 0 to 8');
    if (!(options.identity instanceof Identity)) throw makeError('INVALID_TYPE', 'identity must be an Identity');
    const identity = options.identity;
    const member = call(() => native.NativeGroupMember.create(text('suite', options.suite), identity.native, bytes('name', options.name), pastEpochs));
    try {
      const record = call(() => member.toRecord());
      if (!(await store.save(id, record, undefined))) throw makeError('GROUP_CONFLICT', `a group member ${JSON.stringify(id)} is already stored`);
      call(() => member.markSaved());
      return new GroupMember(id, store, member, record.length, 0, 1);
    } catch (e) {
      member.dispose();
      throw e;
    }
  }

  /** The member stored under `id` (`GROUP_UNKNOWN` if none). */
  static async open(options: { id: string; store: GroupStore }): Promise<GroupMember> {
    const id = text('id', options.id);
    const store = checkStore(options.store);
    const stored = await store.load(id);
    if (!stored) throw makeError('GROUP_UNKNOWN', `no group member ${JSON.stringify(id)} is stored`);
    const changes = Array.isArray(stored.changes) ? stored.changes : [];
    const member = call(() => native.NativeGroupMember.fromRecord(bytes('record', stored.record)));
    try {
      let appended = 0;
      changes.forEach((c, i) => {
        call(() => member.applyChanges(bytes(`changes[${i}]`, c)));
        appended += c.length;
      });
      return new GroupMember(id, store, member, stored.record.length, appended, stored.version);
    } catch (e) {
      member.dispose();
      throw e;
    }
  }

  /** The suite's full name. */
  get suite(): MlsSuiteName {
    return call(() => this.#native.suite) as MlsSuiteName;
  }

  /** Past epochs whose late application messages this member reads. */
  get pastEpochs(): number {
    return call(() => this.#native.pastEpochs);
  }

  /** The application's name for this member, in its credential. */
  get name(): Uint8Array {
    return call(() => this.#native.name);
  }

  /** The member's signature public key. */
  get signatureKey(): Uint8Array {
    return call(() => this.#native.signatureKey);
  }

  /** A new key package to publish; `lastResort` for the one a server may hand out again. */
  keyPackage(options: { lastResort?: boolean } = {}): Promise<Uint8Array> {
    return this.#change((m) => m.keyPackage(options.lastResort === true));
  }

  /** A new group with this member alone; resolves its id. */
  createGroup(): Promise<Uint8Array> {
    return this.#change((m) => m.createGroup());
  }

  /**
   * Joins the group a welcome invites to, with the committer's `ratchetTree` (left out when
   * the welcome carries the tree, as other MLS implementations' may), off the JavaScript
   * thread; resolves its id.
   */
  join(welcome: Uint8Array, ratchetTree?: Uint8Array): Promise<Uint8Array> {
    const w = bytes('welcome', welcome);
    const tree = optionalBytes('ratchetTree', ratchetTree);
    return this.#change((m) => m.joinAsync(w, tree));
  }

  /** Commits adding the members of these key packages (pending until {@link confirmCommit}). */
  addMembers(group: Uint8Array, keyPackages: Uint8Array[]): Promise<GroupCommit> {
    const g = bytes('group', group);
    if (!Array.isArray(keyPackages)) throw makeError('INVALID_TYPE', 'keyPackages must be an array of Uint8Array');
    const packages = keyPackages.map((k, i) => bytes(`keyPackages[${i}]`, k));
    return this.#change(async (m) => commitOf(await m.addMembersAsync(g, packages)));
  }

  /** Commits removing the members with these identities (pending until confirmed). */
  removeMembers(group: Uint8Array, identities: Uint8Array[]): Promise<GroupCommit> {
    const g = bytes('group', group);
    if (!Array.isArray(identities)) throw makeError('INVALID_TYPE', 'identities must be an array of Uint8Array');
    const ids = identities.map((k, i) => bytes(`identities[${i}]`, k));
    return this.#change(async (m) => commitOf(await m.removeMembersAsync(g, ids)));
  }

  /** Commits a fresh leaf key for this member (pending until confirmed). */
  selfUpdate(group: Uint8Array): Promise<GroupCommit> {
    const g = bytes('group', group);
    return this.#change(async (m) => commitOf(await m.selfUpdateAsync(g)));
  }

  /** Applies this member's pending commit: the delivery service took it. */
  confirmCommit(group: Uint8Array): Promise<void> {
    const g = bytes('group', group);
    return this.#change((m) => m.confirmCommit(g));
  }

  /** Drops this member's pending commit: another commit took the epoch. */
  discardCommit(group: Uint8Array): Promise<void> {
    const g = bytes('group', group);
    return this.#change((m) => m.discardCommit(g));
  }

  /** An application message; `aad` is authenticated, not encrypted. */
  encrypt(group: Uint8Array, plaintext: Uint8Array, options: { aad?: Uint8Array } = {}): Promise<Uint8Array> {
    const g = bytes('group', group);
    const p = bytes('plaintext', plaintext);
    const aad = optionalBytes('aad', options.aad) ?? new Uint8Array(0);
    return this.#change((m) => m.encrypt(g, p, aad));
  }

  /**
   * Processes a message of the group (off the JavaScript thread): an application message,
   * or another member's commit (applied). Proposals sent on their own are refused
   * (`GROUP_INVALID`): pqwire groups carry commits and application messages only. A refused
   * message changes nothing.
   */
  process(group: Uint8Array, message: Uint8Array): Promise<GroupMessage> {
    const g = bytes('group', group);
    const msg = bytes('message', message);
    return this.#change(async (m) => received(await m.processAsync(g, msg)));
  }

  /** The group's current epoch. */
  epoch(group: Uint8Array): number {
    return call(() => this.#native.epoch(bytes('group', group)));
  }

  /** The group's members, in tree order. */
  members(group: Uint8Array): GroupMemberInfo[] {
    return call(() => this.#native.members(bytes('group', group)));
  }

  /** Whether this member is still in the group. */
  isActive(group: Uint8Array): boolean {
    return call(() => this.#native.isActive(bytes('group', group)));
  }

  /** The MLS exporter: `length` bytes every member of the current epoch derives alike. */
  exportSecret(group: Uint8Array, label: string, context: Uint8Array, length: number): Uint8Array {
    return call(() => this.#native.exportSecret(bytes('group', group), text('label', label), bytes('context', context), length));
  }

  /** Wipes the member's state from memory now (the store keeps its record). */
  dispose(): void {
    this.#native.dispose();
  }

  /**
   * Runs `op`, then saves what it changed: a change set appended after the stored record,
   * or a whole new record once the change sets since the last one would outweigh it (so a
   * load never replays more than about a record's worth). A failing `op` changes nothing
   * (the native member rolls itself back); a refused or failing save undoes the change in
   * the member too, and throws.
   */
  #change<T>(op: (m: NativeMember) => T | Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      const result = await callAsync(async () => op(this.#native));
      try {
        const changes = call(() => this.#native.unsavedChanges());
        if (changes === null) return result;
        const whole = this.#appendedBytes + changes.length > this.#recordBytes;
        const record = whole ? call(() => this.#native.toRecord()) : undefined;
        const saved = record ? await this.#store.save(this.id, record, this.#version) : await this.#store.append(this.id, changes, this.#version);
        if (!saved) throw makeError('GROUP_CONFLICT', `the stored group member ${JSON.stringify(this.id)} changed since it was loaded: open it again`);
        call(() => this.#native.markSaved());
        this.#version += 1;
        if (record) [this.#recordBytes, this.#appendedBytes] = [record.length, 0];
        else this.#appendedBytes += changes.length;
      } catch (e) {
        call(() => this.#native.revertUnsaved());
        throw e;
      }
      return result;
    };
    const next = this.#queue.then(run, run);
    this.#queue = next.catch(() => undefined);
    return next;
  }
}
