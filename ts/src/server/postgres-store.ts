/**
 * {@link ServerStore} on PostgreSQL (pg): several stateless `pqwire serve` processes can
 * share one database. Migrations run under an advisory lock, so processes starting
 * together apply each migration once.
 *
 * @example
 * ```ts
 * const store = new PostgresStore('postgres://pqwire@db.internal/pqwire');
 * await store.migrate();
 * ```
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Client, Pool } from 'pg';
import type { QueryResult, QueryResultRow } from 'pg';
import { makeError } from '../errors';
import { nowSeconds } from '../identity';
import { RateLimiterPostgres } from 'rate-limiter-flexible';
import { byDevice, claimFrom, createdLimiter, pendingMigrations } from './store';
import { decideCommit, decidePost, isMember, readable } from './group-rules';
import type { Membership } from './group-rules';
import type {
  BindResult,
  DeviceAddress,
  DirectoryEntry,
  GroupCommit,
  GroupLogEntry,
  GroupPost,
  GroupWrite,
  PendingWelcome,
  RotateResult,
  PrekeyClaim,
  QueuedEnvelope,
  QueueListener,
  RateLimiter,
  ServerStore,
  StoredKeyPackage,
  StoreStats,
  TokenHolder,
  UploadCounts,
} from './store';

type Queryable = Pool | import('pg').PoolClient;

/** The NOTIFY channel that tells every server process which queues got messages. */
const QUEUE_CHANNEL = 'pqwire_queue';

/** The advisory lock key that serializes migrations across processes ("pqwire" in ASCII). */
const MIGRATION_LOCK = 0x707177697265;

export class PostgresStore implements ServerStore {
  readonly database = 'postgres' as const;
  readonly #pool: Pool;
  readonly #url: string;
  readonly #queued = new EventEmitter().setMaxListeners(0);
  /** The connection that LISTENs, opened with the first listener. */
  #listener: Promise<Client> | undefined;
  #closed = false;
  /** This store's mark on its NOTIFYs, which its own listener skips (it told its connections already). */
  readonly #origin = randomBytes(8).toString('hex');

  /** A connection pool to `url` (connections open on first use). */
  constructor(url: string) {
    this.#url = url;
    this.#pool = new Pool({ connectionString: url, max: 10 });
    // An idle client's error (the server restarting) must not crash the process: the next
    // query gets a fresh connection or fails with its own error.
    this.#pool.on('error', () => undefined);
  }

  async schemaVersion(): Promise<number> {
    this.#open();
    await this.#pool.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied BIGINT NOT NULL)');
    const r = await this.#pool.query<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations');
    return r.rows[0]?.v ?? 0;
  }

  async migrate(): Promise<void> {
    this.#open();
    const client = await this.#pool.connect();
    try {
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      try {
        await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied BIGINT NOT NULL)');
        const r = await client.query<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations');
        for (const m of pendingMigrations(r.rows[0]?.v ?? 0)) {
          await client.query('BEGIN');
          try {
            await client.query(m.postgres);
            await client.query('INSERT INTO schema_migrations (version, applied) VALUES ($1, $2)', [m.version, nowSeconds()]);
            await client.query('COMMIT');
          } catch (e) {
            await client.query('ROLLBACK');
            throw e;
          }
        }
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
      }
    } finally {
      client.release();
    }
  }

  async ping(): Promise<void> {
    this.#open();
    await this.#pool.query('SELECT 1');
  }

  async bindDevice(d: DeviceAddress, identity: string, fingerprint: string, now: number): Promise<BindResult> {
    this.#open();
    // Insert-if-absent on both keys, then read back what holds the device: concurrent
    // binds of one device settle on the first.
    const inserted = await this.#pool.query(
      'INSERT INTO devices (account, device, identity, fingerprint, created) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING',
      [d.account, d.device, Buffer.from(identity), fingerprint, now],
    );
    if (inserted.rowCount === 1) return 'bound';
    const r = await this.#pool.query<{ fingerprint: string }>('SELECT fingerprint FROM devices WHERE account = $1 AND device = $2', [d.account, d.device]);
    return r.rows[0]?.fingerprint === fingerprint ? 'same' : 'conflict';
  }

  async deviceIdentity(d: DeviceAddress): Promise<string | undefined> {
    this.#open();
    const r = await this.#pool.query<{ identity: Buffer }>('SELECT identity FROM devices WHERE account = $1 AND device = $2', [d.account, d.device]);
    return r.rows[0]?.identity.toString();
  }

  async rotateIdentity(d: DeviceAddress, oldFingerprint: string, identity: string, fingerprint: string): Promise<RotateResult> {
    this.#open();
    const rotated = this.#transaction(async (client): Promise<RotateResult> => {
      // The row's lock first: concurrent rotations of one device queue here.
      const r = await client.query<{ fingerprint: string }>('SELECT fingerprint FROM devices WHERE account = $1 AND device = $2 FOR UPDATE', [d.account, d.device]);
      if (r.rows[0]?.fingerprint !== oldFingerprint) return 'changed';
      const updated = await client.query(
        'UPDATE devices SET identity = $1, fingerprint = $2, sealing_key = NULL WHERE account = $3 AND device = $4 AND NOT EXISTS (SELECT 1 FROM devices WHERE fingerprint = $2)',
        [Buffer.from(identity), fingerprint, d.account, d.device],
      );
      if (updated.rowCount !== 1) return 'conflict';
      await client.query('DELETE FROM prekey_uploads WHERE account = $1 AND device = $2', [d.account, d.device]);
      await client.query('DELETE FROM prekey_upload_bytes WHERE account = $1 AND device = $2', [d.account, d.device]);
      await client.query('DELETE FROM tokens WHERE account = $1 AND device = $2', [d.account, d.device]);
      return 'rotated';
    });
    // A concurrent bind of the same new identity elsewhere: the unique fingerprint refuses it.
    return rotated.catch((e: { code?: string }) => {
      if (e.code === '23505') return 'conflict';
      throw e;
    });
  }

  async putSealingKey(d: DeviceAddress, fingerprint: string, key: string): Promise<boolean> {
    this.#open();
    const r = await this.#pool.query('UPDATE devices SET sealing_key = $1 WHERE account = $2 AND device = $3 AND fingerprint = $4', [Buffer.from(key), d.account, d.device, fingerprint]);
    return r.rowCount === 1;
  }

  async directory(account: string): Promise<DirectoryEntry[]> {
    this.#open();
    const r = await this.#pool.query<{ device: number; fingerprint: string; sealing_key: Buffer | null }>(
      'SELECT device, fingerprint, sealing_key FROM devices WHERE account = $1 ORDER BY device',
      [account],
    );
    return r.rows.map((row) => ({ device: row.device, fingerprint: row.fingerprint, ...(row.sealing_key && { sealingKey: row.sealing_key.toString() }) }));
  }

  async serverKey(name: string, make: () => Uint8Array): Promise<Uint8Array> {
    this.#open();
    const read = async () => (await this.#pool.query<{ record: Buffer }>('SELECT record FROM server_keys WHERE name = $1', [name])).rows[0];
    const found = await read();
    if (found) return new Uint8Array(found.record);
    await this.#pool.query('INSERT INTO server_keys (name, record) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [name, Buffer.from(make())]);
    return new Uint8Array((await read())!.record);
  }

  /** Runs `work` in a transaction on one connection: committed when it resolves, rolled back when it throws. */
  async #transaction<T>(work: (client: import('pg').PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      try {
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        broken = e as Error;
        throw e;
      }
    } finally {
      client.release(broken);
    }
  }

  async putChallenge(id: string, d: DeviceAddress, expires: number): Promise<void> {
    this.#open();
    await this.#pool.query('INSERT INTO challenges (id, account, device, expires) VALUES ($1, $2, $3, $4)', [id, d.account, d.device, expires]);
  }

  async takeChallenge(id: string, d: DeviceAddress, now: number): Promise<boolean> {
    this.#open();
    const r = await this.#pool.query<{ account: string; device: number; expires: string }>('DELETE FROM challenges WHERE id = $1 RETURNING account, device, expires', [id]);
    const row = r.rows[0];
    return row !== undefined && row.account === d.account && row.device === d.device && Number(row.expires) > now;
  }

  async putToken(hash: string, d: DeviceAddress, expires: number): Promise<void> {
    this.#open();
    await this.#pool.query('INSERT INTO tokens (hash, account, device, expires) VALUES ($1, $2, $3, $4)', [hash, d.account, d.device, expires]);
  }

  async tokenDevice(hash: string, now: number): Promise<TokenHolder | undefined> {
    this.#open();
    const r = await this.#prepared<{ account: string; device: number; expires: string }>('token', 'SELECT account, device, expires FROM tokens WHERE hash = $1 AND expires > $2', [hash, now]);
    const row = r.rows[0];
    return row && { account: row.account, device: row.device, expires: Number(row.expires) };
  }

  async sweep(now: number): Promise<number> {
    this.#open();
    let n = 0;
    for (const table of ['challenges', 'tokens', 'messages']) n += (await this.#pool.query(`DELETE FROM ${table} WHERE expires <= $1`, [now])).rowCount ?? 0;
    return n;
  }

  async putUpload(d: DeviceAddress, uploadId: string, upload: Uint8Array, f: UploadCounts, now: number): Promise<void> {
    this.#open();
    // One statement, so both tables change together.
    await this.#pool.query(
      `WITH counters AS (
         INSERT INTO prekey_uploads (account, device, upload_id, one_time_kem_count, one_time_count, has_kem, signed_expires, next_kem, next_one_time, uploaded)
         VALUES ($1, $2, $3, $5, $6, $7, $8, 0, 0, $9)
         ON CONFLICT (account, device) DO UPDATE SET upload_id = EXCLUDED.upload_id,
           one_time_kem_count = EXCLUDED.one_time_kem_count, one_time_count = EXCLUDED.one_time_count, has_kem = EXCLUDED.has_kem,
           signed_expires = EXCLUDED.signed_expires, next_kem = 0, next_one_time = 0, uploaded = EXCLUDED.uploaded)
       INSERT INTO prekey_upload_bytes (account, device, upload_id, upload) VALUES ($1, $2, $3, $4)
       ON CONFLICT (account, device) DO UPDATE SET upload_id = EXCLUDED.upload_id, upload = EXCLUDED.upload`,
      [d.account, d.device, uploadId, Buffer.from(upload), f.oneTimeKemCount, f.oneTimeCount, f.hasKem, f.signedExpires, now],
    );
  }

  async claimPrekeys(d: DeviceAddress): Promise<PrekeyClaim | undefined> {
    this.#open();
    // One UPDATE takes the row's lock: concurrent claims, from any process, queue on it
    // and each sees the counters the previous one committed.
    const r = await this.#prepared<{ upload_id: string; next_kem: string; next_one_time: string; one_time_kem_count: number; one_time_count: number }>(
      'claim',
      `UPDATE prekey_uploads SET next_kem = next_kem + 1, next_one_time = next_one_time + 1
       WHERE account = $1 AND device = $2
       RETURNING upload_id, next_kem, next_one_time, one_time_kem_count, one_time_count`,
      [d.account, d.device],
    );
    const row = r.rows[0];
    return row && claimFrom(row.upload_id, Number(row.next_kem), Number(row.next_one_time), row.one_time_kem_count, row.one_time_count);
  }

  async uploadBytes(d: DeviceAddress, uploadId: string): Promise<Uint8Array | undefined> {
    this.#open();
    const r = await this.#pool.query<{ upload: Buffer }>('SELECT upload FROM prekey_upload_bytes WHERE account = $1 AND device = $2 AND upload_id = $3', [d.account, d.device, uploadId]);
    const row = r.rows[0];
    return row && new Uint8Array(row.upload);
  }

  async prekeyCounts(d: DeviceAddress): Promise<{ oneTimeKem: number; oneTime: number; signedExpires: number } | undefined> {
    this.#open();
    const r = await this.#pool.query<{ k: string; o: string; e: string }>(
      'SELECT one_time_kem_count - LEAST(next_kem, one_time_kem_count) AS k, one_time_count - LEAST(next_one_time, one_time_count) AS o, signed_expires AS e FROM prekey_uploads WHERE account = $1 AND device = $2',
      [d.account, d.device],
    );
    const row = r.rows[0];
    return row && { oneTimeKem: Number(row.k), oneTime: Number(row.o), signedExpires: Number(row.e) };
  }

  async accountDevices(account: string): Promise<Map<number, string>> {
    this.#open();
    const r = await this.#prepared<{ device: number; fingerprint: string }>('account-devices', 'SELECT device, fingerprint FROM devices WHERE account = $1', [account]);
    return new Map(r.rows.map((row) => [row.device, row.fingerprint]));
  }

  async enqueue(envelopes: QueuedEnvelope[], limit: number): Promise<'queued' | 'full'> {
    this.#open();
    // The queues in one fixed order, so that two sends to the same devices cannot wait on
    // each other's locks; one call of pqwire_enqueue (migration 6), all or nothing.
    const ordered = [...envelopes].sort((a, b) => (a.account === b.account ? a.device - b.device : a.account < b.account ? -1 : 1));
    try {
      await this.#prepared('enqueue', 'SELECT pqwire_enqueue($1::text[], $2::integer[], $3::text[], $4::bytea[], $5::text[], $6::bigint[], $7::bigint[], $8, $9)', [
        ordered.map((e) => e.account),
        ordered.map((e) => e.device),
        ordered.map((e) => e.id),
        ordered.map((e) => e.envelope),
        ordered.map((e) => e.sender),
        ordered.map((e) => e.sent),
        ordered.map((e) => e.expires),
        limit,
        this.#origin,
      ]);
    } catch (e) {
      if ((e as { code?: string }).code === 'PQ429') return 'full';
      throw e;
    }
    // This process's connections are told now, with the messages (live delivery sends them
    // as they are); other processes by the NOTIFY, which this one skips.
    for (const group of byDevice(envelopes)) this.#queued.emit('queued', { account: group[0]!.account, device: group[0]!.device }, group);
    return 'queued';
  }

  async pending(d: DeviceAddress, now: number, max: number): Promise<QueuedEnvelope[]> {
    this.#open();
    const r = await this.#prepared<{ id: string; account: string; device: number; envelope: Buffer; sender: string; sent: string; expires: string }>(
      'pending',
      'SELECT id, account, device, envelope, sender, sent, expires FROM messages WHERE account = $1 AND device = $2 AND expires > $3 ORDER BY seq LIMIT $4',
      [d.account, d.device, now, max],
    );
    return r.rows.map((row) => ({ ...row, envelope: new Uint8Array(row.envelope), sent: Number(row.sent), expires: Number(row.expires) }));
  }

  async acknowledge(d: DeviceAddress, ids: readonly string[]): Promise<number> {
    this.#open();
    const r = await this.#prepared('acknowledge', 'DELETE FROM messages WHERE account = $1 AND device = $2 AND id = ANY($3::text[])', [d.account, d.device, [...ids]]);
    return r.rowCount ?? 0;
  }

  async onQueued(listener: QueueListener): Promise<() => void> {
    this.#open();
    this.#listener ??= this.#listen();
    await this.#listener;
    this.#queued.on('queued', listener);
    return () => this.#queued.off('queued', listener);
  }

  /**
   * The LISTEN connection. When it fails (the database restarted, the network broke) it
   * is opened again after a second, and every listener is told to recheck its queue
   * (`undefined`): notices sent meanwhile were lost, the messages were not.
   */
  async #listen(): Promise<Client> {
    const client = new Client({ connectionString: this.#url });
    const lost = () => {
      if (this.#closed || this.#listener === undefined) return;
      this.#listener = undefined;
      setTimeout(() => {
        if (this.#closed || this.#queued.listenerCount('queued') === 0) return;
        this.#listener = this.#listen();
        this.#listener.then(
          () => this.#queued.emit('queued', undefined),
          () => lost(),
        );
      }, 1000).unref();
    };
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', (n) => {
      if (n.channel !== QUEUE_CHANNEL || n.payload === undefined) return;
      try {
        const d = JSON.parse(n.payload) as DeviceAddress & { origin?: unknown };
        if (d.origin === this.#origin) return;
        this.#queued.emit('queued', { account: String(d.account), device: Number(d.device) });
      } catch {
        // Not one of ours: ignored.
      }
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${QUEUE_CHANNEL}`);
    } catch (e) {
      this.#listener = undefined;
      await client.end().catch(() => undefined);
      throw e;
    }
    return client;
  }

  async putKeyPackages(d: DeviceAddress, packages: readonly StoredKeyPackage[], now: number): Promise<void> {
    this.#open();
    await this.#transaction(async (client) => {
      await client.query('DELETE FROM mls_key_packages WHERE account = $1 AND device = $2', [d.account, d.device]);
      if (packages.length === 0) return;
      await client.query(
        `INSERT INTO mls_key_packages (account, device, suite, last_resort, key_package, uploaded)
         SELECT $1, $2, s, l, k, $6 FROM unnest($3::text[], $4::boolean[], $5::bytea[]) AS t(s, l, k)`,
        [d.account, d.device, packages.map((k) => k.suite), packages.map((k) => k.lastResort), packages.map((k) => Buffer.from(k.keyPackage)), now],
      );
    });
  }

  async claimKeyPackage(d: DeviceAddress, suite: string): Promise<{ keyPackage: Uint8Array; lastResort: boolean } | undefined> {
    this.#open();
    // The row is locked as it is chosen, and locked rows are skipped: concurrent claims,
    // from any process, never get the same one-time key package.
    const oneTime = await this.#pool.query<{ key_package: Buffer }>(
      `DELETE FROM mls_key_packages WHERE id = (
         SELECT id FROM mls_key_packages WHERE account = $1 AND device = $2 AND suite = $3 AND NOT last_resort
         ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
       RETURNING key_package`,
      [d.account, d.device, suite],
    );
    if (oneTime.rows[0]) return { keyPackage: new Uint8Array(oneTime.rows[0].key_package), lastResort: false };
    const last = await this.#pool.query<{ key_package: Buffer }>('SELECT key_package FROM mls_key_packages WHERE account = $1 AND device = $2 AND suite = $3 AND last_resort ORDER BY id DESC LIMIT 1', [d.account, d.device, suite]);
    return last.rows[0] && { keyPackage: new Uint8Array(last.rows[0].key_package), lastResort: true };
  }

  async keyPackageCounts(d: DeviceAddress): Promise<Record<string, { oneTime: number; lastResort: boolean }>> {
    this.#open();
    const r = await this.#pool.query<{ suite: string; one_time: string; last_resort: boolean }>(
      'SELECT suite, COUNT(*) FILTER (WHERE NOT last_resort) AS one_time, bool_or(last_resort) AS last_resort FROM mls_key_packages WHERE account = $1 AND device = $2 GROUP BY suite',
      [d.account, d.device],
    );
    return Object.fromEntries(r.rows.map((row) => [row.suite, { oneTime: Number(row.one_time), lastResort: row.last_resort }]));
  }

  async createGroup(group: string, creator: DeviceAddress, now: number): Promise<boolean> {
    this.#open();
    return this.#transaction(async (client) => {
      const made = await client.query('INSERT INTO mls_groups (group_id, epoch, last_seq, created) VALUES ($1, 0, 0, $2) ON CONFLICT (group_id) DO NOTHING', [group, now]);
      if (made.rowCount === 0) return false;
      await client.query('INSERT INTO mls_group_members (group_id, account, device, joined_seq, removed_seq) VALUES ($1, $2, $3, 0, NULL)', [group, creator.account, creator.device]);
      return true;
    });
  }

  async commitToGroup(c: GroupCommit): Promise<GroupWrite> {
    this.#open();
    return this.#transaction(async (client): Promise<GroupWrite> => {
      // The group's row lock orders every write of the group, across processes.
      const group = await groupRow(client, c.group, true);
      const add = [];
      for (const d of c.add) {
        const registered = ((await client.query('SELECT 1 FROM devices WHERE account = $1 AND device = $2', [d.account, d.device])).rowCount ?? 0) > 0;
        add.push({ registered, membership: await membership(client, c.group, d) });
      }
      const remove = [];
      for (const d of c.remove) remove.push(await membership(client, c.group, d));
      const verdict = decideCommit({ group, sender: await membership(client, c.group, c.sender), add, remove }, c.epoch, c.seen);
      if (verdict.result !== 'accepted') return verdict;
      await append(client, c.group, verdict.seq, c.epoch, 'commit', c.sender, c.commit, c.now, verdict.epoch);
      for (const d of c.add) {
        await client.query(
          `INSERT INTO mls_group_members (group_id, account, device, joined_seq, removed_seq) VALUES ($1, $2, $3, $4, NULL)
           ON CONFLICT (group_id, account, device) DO UPDATE SET joined_seq = EXCLUDED.joined_seq, removed_seq = NULL`,
          [c.group, d.account, d.device, verdict.seq],
        );
        await client.query('INSERT INTO mls_welcomes (id, account, device, group_id, seq, welcome, ratchet_tree) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
          randomBytes(16).toString('hex'),
          d.account,
          d.device,
          c.group,
          verdict.seq,
          Buffer.from(c.welcome ?? new Uint8Array(0)),
          c.ratchetTree ? Buffer.from(c.ratchetTree) : null,
        ]);
      }
      for (const d of c.remove) await client.query('UPDATE mls_group_members SET removed_seq = $1 WHERE group_id = $2 AND account = $3 AND device = $4', [verdict.seq, c.group, d.account, d.device]);
      return verdict;
    });
  }

  async postToGroup(p: GroupPost): Promise<GroupWrite> {
    this.#open();
    return this.#transaction(async (client): Promise<GroupWrite> => {
      const group = await groupRow(client, p.group, true);
      const verdict = decidePost({ group, sender: await membership(client, p.group, p.sender) }, p.epoch);
      if (verdict.result === 'accepted') await append(client, p.group, verdict.seq, p.epoch, p.kind, p.sender, p.message, p.now, verdict.epoch);
      return verdict;
    });
  }

  async groupLog(group: string, d: DeviceAddress, after: number, max: number): Promise<{ epoch?: number; entries: GroupLogEntry[] } | 'unknown' | 'not-member'> {
    this.#open();
    const row = await groupRow(this.#pool, group, false);
    if (row === undefined) return 'unknown';
    const m = await membership(this.#pool, group, d);
    if (m === undefined) return 'not-member';
    const window = readable(m);
    const r = await this.#pool.query<{ seq: string; epoch: string; kind: GroupLogEntry['kind']; sender: string; message: Buffer; sent: string }>(
      'SELECT seq, epoch, kind, sender, message, sent FROM mls_group_log WHERE group_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq LIMIT $4',
      [group, Math.max(after, window.after), window.upTo, max],
    );
    const entries = r.rows.map((e) => ({ seq: Number(e.seq), epoch: Number(e.epoch), kind: e.kind, sender: e.sender, message: new Uint8Array(e.message), sent: Number(e.sent) }));
    return isMember(m) ? { epoch: row.epoch, entries } : { entries };
  }

  async pendingWelcomes(d: DeviceAddress, max: number): Promise<PendingWelcome[]> {
    this.#open();
    const r = await this.#pool.query<{ id: string; group_id: string; seq: string; welcome: Buffer; ratchet_tree: Buffer | null }>('SELECT id, group_id, seq, welcome, ratchet_tree FROM mls_welcomes WHERE account = $1 AND device = $2 ORDER BY seq LIMIT $3', [d.account, d.device, max]);
    return r.rows.map((w) => ({ id: w.id, group: w.group_id, seq: Number(w.seq), welcome: new Uint8Array(w.welcome), ...(w.ratchet_tree && { ratchetTree: new Uint8Array(w.ratchet_tree) }) }));
  }

  async acknowledgeWelcomes(d: DeviceAddress, ids: readonly string[]): Promise<number> {
    this.#open();
    return (await this.#pool.query('DELETE FROM mls_welcomes WHERE account = $1 AND device = $2 AND id = ANY($3::text[])', [d.account, d.device, [...ids]])).rowCount ?? 0;
  }

  async stats(): Promise<StoreStats> {
    this.#open();
    const r = await this.#pool.query<{ d: string; q: string; k: string | null; o: string | null }>(
      `SELECT (SELECT COUNT(*) FROM devices) AS d, (SELECT COUNT(*) FROM messages) AS q,
              (SELECT SUM(one_time_kem_count - LEAST(next_kem, one_time_kem_count)) FROM prekey_uploads) AS k,
              (SELECT SUM(one_time_count - LEAST(next_one_time, one_time_count)) FROM prekey_uploads) AS o`,
    );
    const row = r.rows[0]!;
    return { devices: Number(row.d), queuedMessages: Number(row.q), oneTimeKemPrekeys: Number(row.k ?? 0), oneTimePrekeys: Number(row.o ?? 0) };
  }

  async rateLimiter(name: string, points: number, duration: number): Promise<RateLimiter> {
    this.#open();
    // No timer of its own (it would keep the process alive): expired rows are replaced
    // when their key comes back.
    return createdLimiter((ready) => new RateLimiterPostgres({ storeClient: this.#pool, tableName: `rl_${name}`, points, duration, clearExpiredByTimeout: false }, ready));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#queued.removeAllListeners();
    if (this.#listener) await (await this.#listener.catch(() => undefined))?.end();
    await this.#pool.end();
  }

  /** A query of the hot paths as a named prepared statement: each connection parses and plans it once. */
  #prepared<R extends QueryResultRow = QueryResultRow>(name: string, text: string, values: unknown[]): Promise<QueryResult<R>> {
    return this.#pool.query<R>({ name: `pqwire-${name}`, text, values });
  }

  #open(): void {
    if (this.#closed) throw makeError('DISPOSED', 'the store is closed');
  }
}

/** A group's epoch and last sequence number; `lock`: for update, until the transaction ends. */
async function groupRow(db: Queryable, group: string, lock: boolean): Promise<{ epoch: number; lastSeq: number } | undefined> {
  const r = await db.query<{ epoch: string; last_seq: string }>(`SELECT epoch, last_seq FROM mls_groups WHERE group_id = $1${lock ? ' FOR UPDATE' : ''}`, [group]);
  const row = r.rows[0];
  return row && { epoch: Number(row.epoch), lastSeq: Number(row.last_seq) };
}

async function membership(db: Queryable, group: string, d: DeviceAddress): Promise<Membership | undefined> {
  const r = await db.query<{ joined_seq: string; removed_seq: string | null }>('SELECT joined_seq, removed_seq FROM mls_group_members WHERE group_id = $1 AND account = $2 AND device = $3', [group, d.account, d.device]);
  const row = r.rows[0];
  return row && { joinedSeq: Number(row.joined_seq), removedSeq: row.removed_seq === null ? null : Number(row.removed_seq) };
}

async function append(db: Queryable, group: string, seq: number, epoch: number, kind: GroupLogEntry['kind'], sender: DeviceAddress, message: Uint8Array, now: number, nextEpoch: number): Promise<void> {
  await db.query('INSERT INTO mls_group_log (group_id, seq, epoch, kind, sender, message, sent) VALUES ($1, $2, $3, $4, $5, $6, $7)', [group, seq, epoch, kind, `${sender.account}/${sender.device}`, Buffer.from(message), now]);
  await db.query('UPDATE mls_groups SET epoch = $1, last_seq = $2 WHERE group_id = $3', [nextEpoch, seq, group]);
}
