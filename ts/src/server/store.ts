/**
 * The reference server's storage (docs/server.md): one interface, {@link ServerStore},
 * with an embedded SQLite implementation (better-sqlite3, WAL mode; the default) and a
 * PostgreSQL one (pg) for several server processes on one database. Both run the same
 * schema migrations ({@link MIGRATIONS}) and pass the same tests.
 *
 * @example
 * ```ts
 * import { openServerStore } from 'pqwire/server';
 * const store = await openServerStore('./pqwire-data/pqwire.db'); // or 'postgres://…'
 * await store.ping();
 * await store.close();
 * ```
 */
import { makeError } from '../errors';

/** Which database a store runs on (reported by `GET /v1/health`). */
export type ServerDatabase = 'sqlite' | 'postgres';

/** A device: an account's numbered device, bound to one public identity. */
export interface DeviceAddress {
  account: string;
  device: number;
}

/** The counts of an upload the store keeps. */
export interface UploadCounts {
  oneTimeKemCount: number;
  oneTimeCount: number;
  hasKem: boolean;
  signedExpires: number;
}

/** One claim: the upload and the one-time indices handed out (absent: none left). */
export interface PrekeyClaim {
  uploadId: string;
  kemIndex?: number;
  oneTimeIndex?: number;
}

/** The claim a row's counters after the increment give. @internal */
export function claimFrom(uploadId: string, nextKem: number, nextOneTime: number, kemCount: number, oneTimeCount: number): PrekeyClaim {
  const claim: PrekeyClaim = { uploadId };
  if (nextKem - 1 < kemCount) claim.kemIndex = nextKem - 1;
  if (nextOneTime - 1 < oneTimeCount) claim.oneTimeIndex = nextOneTime - 1;
  return claim;
}

/** One envelope in a device's queue: opaque bytes the server never reads. */
export interface QueuedEnvelope extends DeviceAddress {
  /** Server-assigned, unique: the client drops a message it has seen (delivery is at least once). */
  id: string;
  envelope: Uint8Array;
  /** The sender's account and device (`account/device`); empty when sent sealed. */
  sender: string;
  sent: number;
  expires: number;
}

/** One rate limit: `consume(key)` spends a point of `key`'s budget. */
export interface RateLimiter {
  /** Whether `key` had a point left; when not, the seconds until it has one again. */
  consume(key: string): Promise<{ allowed: boolean; retryAfter: number }>;
}

/**
 * A rate-limiter-flexible limiter made by `make` (which hands the library its "table
 * created" callback), once its table exists; its refusals, rejections with the wait,
 * become answers. @internal
 */
export async function createdLimiter(make: (ready: (e?: Error) => void) => { consume(key: string): Promise<unknown> }): Promise<RateLimiter> {
  let limiter: { consume(key: string): Promise<unknown> } | undefined;
  await new Promise<void>((resolve, reject) => {
    limiter = make((e) => (e ? reject(e) : resolve()));
  });
  const made = limiter!;
  return {
    async consume(key) {
      try {
        await made.consume(key);
        return { allowed: true, retryAfter: 0 };
      } catch (e) {
        // A refusal is a RateLimiterRes (not an Error) with the milliseconds to wait.
        if (e instanceof Error) throw e;
        const ms = (e as { msBeforeNext?: number }).msBeforeNext ?? 1000;
        return { allowed: false, retryAfter: Math.max(1, Math.ceil(ms / 1000)) };
      }
    },
  };
}

/** Told of new messages: see {@link ServerStore.onQueued}. */
export type QueueListener = (device: DeviceAddress | undefined, envelopes?: readonly QueuedEnvelope[]) => void;

/** `envelopes` grouped by device, each group in the given order: one queue notice each. @internal */
export function byDevice(envelopes: readonly QueuedEnvelope[]): QueuedEnvelope[][] {
  const groups = new Map<string, QueuedEnvelope[]>();
  for (const e of envelopes) {
    const key = `${e.account}/${e.device}`;
    const group = groups.get(key);
    if (group) group.push(e);
    else groups.set(key, [e]);
  }
  return [...groups.values()];
}

/** What `GET /metrics` reports of the database. */
export interface StoreStats {
  devices: number;
  queuedMessages: number;
  oneTimeKemPrekeys: number;
  oneTimePrekeys: number;
}

/** A token's device and expiry (unix seconds). */
export interface TokenHolder extends DeviceAddress {
  expires: number;
}

/** What binding a device to an identity did. */
export type BindResult = 'bound' | 'same' | 'conflict';

/** What an identity rotation did: `conflict` when the new identity is bound elsewhere, `changed` when the old one was not the device's any more. */
export type RotateResult = 'rotated' | 'conflict' | 'changed';

/** A device as the directory lists it. */
export interface DirectoryEntry {
  device: number;
  fingerprint: string;
  /** Its sealing key (JSON: `{publicKey, signature}`), if it published one. */
  sealingKey?: string;
}

/** A key package a device published for MLS groups (verified by the route before storing). */
export interface StoredKeyPackage {
  /** The suite's full name. */
  suite: string;
  keyPackage: Uint8Array;
  lastResort: boolean;
}

/** A commit for a group, as the delivery service checks it (docs/groups.md, "Delivery service"). */
export interface GroupCommit {
  group: string;
  sender: DeviceAddress;
  /** The epoch the commit was made in (read from the commit itself). */
  epoch: number;
  /** The last log entry the committer has read: it must be the group's last one. */
  seen: number;
  commit: Uint8Array;
  /** The welcome for `add`, when the commit adds members. */
  welcome?: Uint8Array;
  /** The ratchet tree `add` join with, beside the welcome. */
  ratchetTree?: Uint8Array;
  add: DeviceAddress[];
  remove: DeviceAddress[];
  now: number;
}

/** An application message or proposal for a group. */
export interface GroupPost {
  group: string;
  sender: DeviceAddress;
  epoch: number;
  kind: 'application' | 'proposal';
  message: Uint8Array;
  now: number;
}

/**
 * What a group write did: `accepted` (with the message's sequence number and the group's
 * epoch after it), or refused: the group is `unknown`, the sender is `not-member`, the
 * message's epoch is `stale` (the group's current epoch given; also a commit whose sender
 * has not read the whole log), or a commit's `add` names a
 * device that is `already-member` or unregistered (`unknown-device`), or its `remove` a
 * device that is `not-member`.
 */
export type GroupWrite =
  | { result: 'accepted'; seq: number; epoch: number }
  | { result: 'stale'; epoch: number }
  | { result: 'unknown' | 'not-member' | 'already-member' | 'unknown-device' | 'not-a-member-to-remove' };

/** One entry of a group's log as a member reads it. */
export interface GroupLogEntry {
  seq: number;
  epoch: number;
  kind: 'commit' | 'application' | 'proposal';
  /** `account/device` of the sender. */
  sender: string;
  message: Uint8Array;
  sent: number;
}

/** A welcome waiting for its device. */
export interface PendingWelcome {
  id: string;
  group: string;
  /** The sequence number of the commit that added the device: its log starts after it. */
  seq: number;
  welcome: Uint8Array;
  /** The ratchet tree to join with, when it travels beside the welcome. */
  ratchetTree?: Uint8Array;
}

/** What the server keeps: accounts, devices, prekeys and queues (growing with the server's routes). */
export interface ServerStore {
  readonly database: ServerDatabase;
  /**
   * Binds `device` to `identity` (its JSON form) once: `bound` the first time, `same` when
   * the device is already bound to this identity, `conflict` when it is bound to another
   * one or the identity (its `fingerprint`) to another device. Atomic.
   */
  bindDevice(device: DeviceAddress, identity: string, fingerprint: string, now: number): Promise<BindResult>;
  /** The identity (JSON form) `device` is bound to, if any. */
  deviceIdentity(device: DeviceAddress): Promise<string | undefined>;
  /**
   * Rebinds `device` from the identity `oldFingerprint` to `identity` (JSON form) with
   * `fingerprint`, atomically, deleting what the old identity signed: the device's prekey
   * upload and sealing key. `changed` (nothing done) when the device is no longer bound
   * to `oldFingerprint`; `conflict` when `fingerprint` is bound to another device. The
   * device's tokens are revoked too: whoever held the old identity's state holds none.
   */
  rotateIdentity(device: DeviceAddress, oldFingerprint: string, identity: string, fingerprint: string): Promise<RotateResult>;
  /**
   * Stores `device`'s sealing key (JSON form, verified by the caller against the identity
   * `fingerprint`) in place of the previous one, if the device is still bound to that
   * identity (a rotation may have come in between); resolves whether it was stored.
   */
  putSealingKey(device: DeviceAddress, fingerprint: string, key: string): Promise<boolean>;
  /** The devices of `account`, by device number, with their fingerprints and sealing keys. */
  directory(account: string): Promise<DirectoryEntry[]>;
  /**
   * The server's own key `name` (a secret record): the stored one, or `make()`'s, stored
   * if none was: every process on the database gets the same one (the first stored wins).
   */
  serverKey(name: string, make: () => Uint8Array): Promise<Uint8Array>;
  /** Stores a login challenge (`id`: its hex) for `device` until `expires`. */
  putChallenge(id: string, device: DeviceAddress, expires: number): Promise<void>;
  /** Removes the challenge and says whether it was there for `device` and not expired at `now`: single use, atomic. */
  takeChallenge(id: string, device: DeviceAddress, now: number): Promise<boolean>;
  /** Stores a session token (`hash`: SHA-256 of the token, hex) for `device` until `expires`. */
  putToken(hash: string, device: DeviceAddress, expires: number): Promise<void>;
  /** The device a token (by its hash) belongs to and when the token expires, unless expired at `now`. */
  tokenDevice(hash: string, now: number): Promise<TokenHolder | undefined>;
  /** Deletes the challenges, tokens and messages expired at `now`; returns how many rows went. */
  sweep(now: number): Promise<number>;
  /** Stores `device`'s verified prekey upload under `uploadId`, replacing its previous one (and its claims). */
  putUpload(device: DeviceAddress, uploadId: string, upload: Uint8Array, facts: UploadCounts, now: number): Promise<void>;
  /**
   * Claims the next one-time prekey of each kind of `device`'s upload, atomically: no two
   * claims ever get the same index, under any concurrency, across processes. An index past
   * the upload's count is no claim (`undefined`): the bundle then carries the last-resort
   * KEM prekey and no one-time X25519 prekey. `undefined` when the device has no upload.
   */
  claimPrekeys(device: DeviceAddress): Promise<PrekeyClaim | undefined>;
  /** The upload stored under `uploadId` for `device`, if it is still the current one. */
  uploadBytes(device: DeviceAddress, uploadId: string): Promise<Uint8Array | undefined>;
  /** The one-time prekeys of each kind `device`'s upload still has unclaimed. */
  prekeyCounts(device: DeviceAddress): Promise<{ oneTimeKem: number; oneTime: number; signedExpires: number } | undefined>;
  /** The devices of `account` with their identities' fingerprints, by device number. */
  accountDevices(account: string): Promise<Map<number, string>>;
  /**
   * Queues `envelopes` (one per device), all or none, in one transaction: `full` when a
   * queue would pass `limit` messages (nothing queued then).
   */
  enqueue(envelopes: QueuedEnvelope[], limit: number): Promise<'queued' | 'full'>;
  /** The oldest `max` messages queued for `device`, not expired at `now`. */
  pending(device: DeviceAddress, now: number, max: number): Promise<QueuedEnvelope[]>;
  /** Deletes `device`'s messages with these ids (acknowledged); returns how many it deleted. */
  acknowledge(device: DeviceAddress, ids: readonly string[]): Promise<number>;
  /**
   * Calls `listener` with each device whose queue got messages, once they are committed:
   * in this process (SQLite), or from any process on the database (PostgreSQL's
   * LISTEN/NOTIFY). `undefined`: notices may have been missed (the PostgreSQL connection
   * was lost and is back), so every queue should be checked. `envelopes`, when given, are
   * the messages this process just queued for the device, oldest first, so that live
   * delivery need not read them back. Returns the function that stops it.
   */
  onQueued(listener: QueueListener): Promise<() => void>;
  /** Replaces every key package `device` published with `packages`. */
  putKeyPackages(device: DeviceAddress, packages: readonly StoredKeyPackage[], now: number): Promise<void>;
  /**
   * Claims a key package of `device` for `suite`: a one-time one (deleted as it is handed
   * out, atomically: never twice), else the last-resort one (kept); `undefined` if none.
   */
  claimKeyPackage(device: DeviceAddress, suite: string): Promise<{ keyPackage: Uint8Array; lastResort: boolean } | undefined>;
  /** Per suite, the one-time key packages `device` has left and whether it has a last-resort one. */
  keyPackageCounts(device: DeviceAddress): Promise<Record<string, { oneTime: number; lastResort: boolean }>>;
  /** Creates group `group` (hex id) at epoch 0 with `creator` its only member; `false` if it exists. */
  createGroup(group: string, creator: DeviceAddress, now: number): Promise<boolean>;
  /**
   * Appends a commit to the group's log if it was made in the group's current epoch, all at
   * once: the epoch moves on, `add` become members (each with the welcome queued), `remove`
   * stop being members. Concurrent commits for one epoch: exactly one is accepted.
   */
  commitToGroup(commit: GroupCommit): Promise<GroupWrite>;
  /** Appends an application message or proposal of the group's current epoch to its log. */
  postToGroup(post: GroupPost): Promise<GroupWrite>;
  /**
   * The entries of the group's log after `after` that `device` may read (from after the
   * commit that added it, up to the one that removed it), at most `max`, with the group's
   * epoch (for a current member only); `unknown` or `not-member` (never a member).
   */
  groupLog(group: string, device: DeviceAddress, after: number, max: number): Promise<{ epoch?: number; entries: GroupLogEntry[] } | 'unknown' | 'not-member'>;
  /** The welcomes waiting for `device`, oldest first, at most `max`. */
  pendingWelcomes(device: DeviceAddress, max: number): Promise<PendingWelcome[]>;
  /** Deletes `device`'s welcomes with these ids; returns how many went. */
  acknowledgeWelcomes(device: DeviceAddress, ids: readonly string[]): Promise<number>;
  /** Totals for the metrics: devices, queued messages, unclaimed one-time prekeys of each kind. */
  stats(): Promise<StoreStats>;
  /**
   * A rate limiter kept in this database (rate-limiter-flexible, its table `rl_<name>`),
   * so every server process on it counts together: `points` per `duration` seconds per key.
   */
  rateLimiter(name: string, points: number, duration: number): Promise<RateLimiter>;
  /** The schema version after {@link ServerStore.migrate}: the last migration applied. */
  schemaVersion(): Promise<number>;
  /** Applies the migrations not applied yet, in order, each in its own transaction. */
  migrate(): Promise<void>;
  /** Resolves when the database answers a trivial query; rejects otherwise. */
  ping(): Promise<void>;
  /** Closes the connections; later calls reject. */
  close(): Promise<void>;
}

/** One schema migration: its version and its SQL for each database. */
export interface Migration {
  version: number;
  description: string;
  sqlite: string;
  postgres: string;
}

/**
 * The schema, one migration per change, never edited once released: a new change is a
 * new migration. Version 1 holds the accounts and devices (a device is bound to its
 * public hybrid identity once, immutably) and the prekey uploads with their one-time
 * prekey claims.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'devices bound to identities; prekey uploads and one-time claims',
    sqlite: `
      CREATE TABLE devices (
        account TEXT NOT NULL,
        device INTEGER NOT NULL,
        identity BLOB NOT NULL,
        fingerprint TEXT NOT NULL UNIQUE,
        created INTEGER NOT NULL,
        PRIMARY KEY (account, device)
      );
      CREATE TABLE prekey_uploads (
        account TEXT NOT NULL,
        device INTEGER NOT NULL,
        upload_id TEXT NOT NULL,
        upload BLOB NOT NULL,
        one_time_kem_count INTEGER NOT NULL,
        one_time_count INTEGER NOT NULL,
        has_kem INTEGER NOT NULL,
        signed_expires INTEGER NOT NULL,
        next_kem INTEGER NOT NULL DEFAULT 0,
        next_one_time INTEGER NOT NULL DEFAULT 0,
        uploaded INTEGER NOT NULL,
        PRIMARY KEY (account, device)
      );`,
    postgres: `
      CREATE TABLE devices (
        account TEXT NOT NULL,
        device INTEGER NOT NULL,
        identity BYTEA NOT NULL,
        fingerprint TEXT NOT NULL UNIQUE,
        created BIGINT NOT NULL,
        PRIMARY KEY (account, device)
      );
      CREATE TABLE prekey_uploads (
        account TEXT NOT NULL,
        device INTEGER NOT NULL,
        upload_id TEXT NOT NULL,
        upload BYTEA NOT NULL,
        one_time_kem_count INTEGER NOT NULL,
        one_time_count INTEGER NOT NULL,
        has_kem BOOLEAN NOT NULL,
        signed_expires BIGINT NOT NULL,
        next_kem BIGINT NOT NULL DEFAULT 0,
        next_one_time BIGINT NOT NULL DEFAULT 0,
        uploaded BIGINT NOT NULL,
        PRIMARY KEY (account, device)
      );`,
  },
  {
    version: 2,
    description: 'login challenges and session tokens',
    sqlite: `
      CREATE TABLE challenges (
        id TEXT PRIMARY KEY,
        account TEXT NOT NULL,
        device INTEGER NOT NULL,
        expires INTEGER NOT NULL
      );
      CREATE TABLE tokens (
        hash TEXT PRIMARY KEY,
        account TEXT NOT NULL,
        device INTEGER NOT NULL,
        expires INTEGER NOT NULL
      );`,
    postgres: `
      CREATE TABLE challenges (
        id TEXT PRIMARY KEY,
        account TEXT NOT NULL,
        device INTEGER NOT NULL,
        expires BIGINT NOT NULL
      );
      CREATE TABLE tokens (
        hash TEXT PRIMARY KEY,
        account TEXT NOT NULL,
        device INTEGER NOT NULL,
        expires BIGINT NOT NULL
      );`,
  },
  {
    version: 3,
    description: 'per-device message queues',
    sqlite: `
      CREATE TABLE messages (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        account TEXT NOT NULL,
        device INTEGER NOT NULL,
        envelope BLOB NOT NULL,
        sender TEXT NOT NULL,
        sent INTEGER NOT NULL,
        expires INTEGER NOT NULL
      );
      CREATE INDEX messages_queue ON messages (account, device, seq);`,
    postgres: `
      CREATE TABLE messages (
        seq BIGSERIAL PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        account TEXT NOT NULL,
        device INTEGER NOT NULL,
        envelope BYTEA NOT NULL,
        sender TEXT NOT NULL,
        sent BIGINT NOT NULL,
        expires BIGINT NOT NULL
      );
      CREATE INDEX messages_queue ON messages (account, device, seq);`,
  },
  {
    version: 4,
    description: "devices' sealing keys; the server's own keys (the sender-certificate identity)",
    sqlite: `
      ALTER TABLE devices ADD COLUMN sealing_key BLOB;
      CREATE TABLE server_keys (
        name TEXT PRIMARY KEY,
        record BLOB NOT NULL
      );`,
    postgres: `
      ALTER TABLE devices ADD COLUMN sealing_key BYTEA;
      CREATE TABLE server_keys (
        name TEXT PRIMARY KEY,
        record BYTEA NOT NULL
      );`,
  },
  {
    // SQLite rewrites a whole row, its overflow pages included, on any update: with the
    // upload (~250 KB) in the row, each claim wrote it again into the WAL.
    version: 5,
    description: 'prekey upload bytes apart from the claimed counters',
    sqlite: `
      CREATE TABLE prekey_upload_bytes (
        account TEXT NOT NULL,
        device INTEGER NOT NULL,
        upload_id TEXT NOT NULL,
        upload BLOB NOT NULL,
        PRIMARY KEY (account, device)
      );
      INSERT INTO prekey_upload_bytes (account, device, upload_id, upload) SELECT account, device, upload_id, upload FROM prekey_uploads;
      ALTER TABLE prekey_uploads DROP COLUMN upload;`,
    postgres: `
      CREATE TABLE prekey_upload_bytes (
        account TEXT NOT NULL,
        device INTEGER NOT NULL,
        upload_id TEXT NOT NULL,
        upload BYTEA NOT NULL,
        PRIMARY KEY (account, device)
      );
      INSERT INTO prekey_upload_bytes (account, device, upload_id, upload) SELECT account, device, upload_id, upload FROM prekey_uploads;
      ALTER TABLE prekey_uploads DROP COLUMN upload;`,
  },
  {
    // A send was seven round trips on PostgreSQL (BEGIN, per queue: lock, sweep, count,
    // notify, insert; COMMIT); the function makes it one. Nothing on SQLite, whose
    // statements run in the process.
    version: 6,
    description: 'PostgreSQL: queueing a send in one call (pqwire_enqueue)',
    sqlite: '',
    postgres: `
      CREATE FUNCTION pqwire_enqueue(accounts TEXT[], devices INTEGER[], ids TEXT[], envelopes BYTEA[], senders TEXT[], sents BIGINT[], expiries BIGINT[], queue_limit BIGINT, origin TEXT)
      RETURNS VOID LANGUAGE plpgsql AS $$
      DECLARE
        i INTEGER;
        n BIGINT;
      BEGIN
        -- Every queue first: its lock (the caller orders the queues, so two sends to the
        -- same devices cannot wait on each other), its expired messages swept (so they
        -- never fill it), its size checked; a full one raises PQ429 and undoes the sweeps.
        FOR i IN 1 .. cardinality(accounts) LOOP
          PERFORM pg_advisory_xact_lock(hashtext(accounts[i] || '/' || devices[i]));
          DELETE FROM messages WHERE account = accounts[i] AND device = devices[i] AND expires <= sents[i];
          SELECT COUNT(*) INTO n FROM messages WHERE account = accounts[i] AND device = devices[i];
          IF n >= queue_limit THEN
            RAISE EXCEPTION 'queue full' USING ERRCODE = 'PQ429';
          END IF;
        END LOOP;
        FOR i IN 1 .. cardinality(accounts) LOOP
          -- Delivered to every listening process when the transaction commits, never before;
          -- the sending process (origin) has told its own connections already.
          PERFORM pg_notify('pqwire_queue', json_build_object('account', accounts[i], 'device', devices[i], 'origin', origin)::text);
          INSERT INTO messages (id, account, device, envelope, sender, sent, expires) VALUES (ids[i], accounts[i], devices[i], envelopes[i], senders[i], sents[i], expiries[i]);
        END LOOP;
      END $$;`,
  },
  {
    // Groups' ids are hex; a group's log keeps its commits and messages in order, each
    // member reads the part between the commit that added it and the one that removed it.
    version: 7,
    description: 'MLS delivery service: key packages, groups, their members and logs, welcomes',
    sqlite: `
      CREATE TABLE mls_key_packages (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        account TEXT NOT NULL,
        device INTEGER NOT NULL,
        suite TEXT NOT NULL,
        last_resort INTEGER NOT NULL,
        key_package BLOB NOT NULL,
        uploaded INTEGER NOT NULL
      );
      CREATE INDEX mls_key_packages_device ON mls_key_packages (account, device, suite, last_resort, id);
      CREATE TABLE mls_groups (
        group_id TEXT PRIMARY KEY,
        epoch INTEGER NOT NULL,
        last_seq INTEGER NOT NULL,
        created INTEGER NOT NULL
      );
      CREATE TABLE mls_group_members (
        group_id TEXT NOT NULL,
        account TEXT NOT NULL,
        device INTEGER NOT NULL,
        joined_seq INTEGER NOT NULL,
        removed_seq INTEGER,
        PRIMARY KEY (group_id, account, device)
      );
      CREATE TABLE mls_group_log (
        group_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        epoch INTEGER NOT NULL,
        kind TEXT NOT NULL,
        sender TEXT NOT NULL,
        message BLOB NOT NULL,
        sent INTEGER NOT NULL,
        PRIMARY KEY (group_id, seq)
      );
      CREATE TABLE mls_welcomes (
        id TEXT PRIMARY KEY,
        account TEXT NOT NULL,
        device INTEGER NOT NULL,
        group_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        welcome BLOB NOT NULL,
        ratchet_tree BLOB
      );
      CREATE INDEX mls_welcomes_device ON mls_welcomes (account, device, seq);`,
    postgres: `
      CREATE TABLE mls_key_packages (
        id BIGSERIAL PRIMARY KEY,
        account TEXT NOT NULL,
        device INTEGER NOT NULL,
        suite TEXT NOT NULL,
        last_resort BOOLEAN NOT NULL,
        key_package BYTEA NOT NULL,
        uploaded BIGINT NOT NULL
      );
      CREATE INDEX mls_key_packages_device ON mls_key_packages (account, device, suite, last_resort, id);
      CREATE TABLE mls_groups (
        group_id TEXT PRIMARY KEY,
        epoch BIGINT NOT NULL,
        last_seq BIGINT NOT NULL,
        created BIGINT NOT NULL
      );
      CREATE TABLE mls_group_members (
        group_id TEXT NOT NULL,
        account TEXT NOT NULL,
        device INTEGER NOT NULL,
        joined_seq BIGINT NOT NULL,
        removed_seq BIGINT,
        PRIMARY KEY (group_id, account, device)
      );
      CREATE TABLE mls_group_log (
        group_id TEXT NOT NULL,
        seq BIGINT NOT NULL,
        epoch BIGINT NOT NULL,
        kind TEXT NOT NULL,
        sender TEXT NOT NULL,
        message BYTEA NOT NULL,
        sent BIGINT NOT NULL,
        PRIMARY KEY (group_id, seq)
      );
      CREATE TABLE mls_welcomes (
        id TEXT PRIMARY KEY,
        account TEXT NOT NULL,
        device INTEGER NOT NULL,
        group_id TEXT NOT NULL,
        seq BIGINT NOT NULL,
        welcome BYTEA NOT NULL,
        ratchet_tree BYTEA
      );
      CREATE INDEX mls_welcomes_device ON mls_welcomes (account, device, seq);`,
  },
];

/** The migrations after `version`, in order. @internal */
export function pendingMigrations(version: number): Migration[] {
  return MIGRATIONS.filter((m) => m.version > version).sort((a, b) => a.version - b.version);
}

/**
 * Opens the store `db` names: a `postgres://` or `postgresql://` URL is PostgreSQL,
 * anything else a SQLite file (created with its directory). Runs the pending migrations.
 * `UNSUPPORTED` when SQLite is asked for and better-sqlite3 (an optional dependency,
 * built from source where no prebuilt binary matches) is not installed.
 */
export async function openServerStore(db: string): Promise<ServerStore> {
  if (typeof db !== 'string' || db.length === 0) throw makeError('INVALID_ARGUMENT', 'db must be a SQLite file path or a postgres:// URL');
  const store = /^postgres(ql)?:\/\//.test(db)
    ? new (await import('./postgres-store')).PostgresStore(db)
    : new (await import('./sqlite-store')).SqliteStore(db);
  try {
    await store.migrate();
  } catch (e) {
    await store.close().catch(() => undefined);
    throw e;
  }
  return store;
}
