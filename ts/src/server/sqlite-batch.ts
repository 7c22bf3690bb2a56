/**
 * Group commit for {@link SqliteStore}: the writes asked for during one event-loop turn run
 * in one transaction, each in a savepoint of its own (so each is still all or nothing),
 * and each promise settles once that transaction is committed. A transaction costs SQLite
 * a dozen system calls (WAL locks and frame writes) whatever it holds: under load, a
 * bundle fetch's three writes (two rate-limit points and the prekey claim) and a relayed
 * message's (a rate-limit point, the queueing, later the ack) share them with the other
 * requests of the turn. Nothing is answered before it is committed.
 *
 * @example
 * ```ts
 * const batch = new WriteBatch(db);
 * const changes = await batch.run(() => db.prepare('DELETE FROM t WHERE id = ?').run(1).changes);
 * ```
 */
type Database = import('better-sqlite3').Database;

interface Pending {
  op: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** @internal */
export class WriteBatch {
  #pending: Pending[] = [];
  readonly #commit: (ops: Pending[]) => { ok: boolean; value: unknown }[];

  constructor(db: Database) {
    // BEGIN IMMEDIATE: the write lock first (waiting on other processes up to busy_timeout),
    // never a read snapshot that another process's write would make stale.
    const savepoint = db.transaction((op: () => unknown) => op());
    this.#commit = db.transaction((ops: Pending[]) =>
      ops.map((p) => {
        try {
          return { ok: true, value: savepoint(p.op) };
        } catch (e) {
          return { ok: false, value: e };
        }
      }),
    ).immediate;
  }

  /** Runs `op` (synchronous statements) in the next group commit; settles after the commit. */
  run<T>(op: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.#pending.length === 0) setImmediate(() => this.#flush());
      this.#pending.push({ op, resolve: resolve as (value: unknown) => void, reject });
    });
  }

  #flush(): void {
    const ops = this.#pending;
    this.#pending = [];
    let results: { ok: boolean; value: unknown }[];
    try {
      results = this.#commit(ops);
    } catch (e) {
      for (const p of ops) p.reject(e);
      return;
    }
    ops.forEach((p, i) => (results[i]!.ok ? p.resolve(results[i]!.value) : p.reject(results[i]!.value)));
  }
}
