/**
 * WAL checkpoints on a thread of their own, for {@link SqliteStore}. SQLite copies the WAL
 * back into the database file from the connection whose commit passes
 * `wal_autocheckpoint` pages, and a checkpoint syncs both files (about 2.6 ms per fsync on
 * the 2-core test machine): on the event loop, under load, that stalled every request a
 * dozen times a second. A worker thread with its own connection checkpoints instead
 * (PASSIVE: it never waits for, nor blocks, the writer); should it fall behind, the
 * store's connection still checkpoints itself past {@link FALLBACK_AUTOCHECKPOINT} pages.
 * Checkpoints move committed data between files: durability does not depend on them.
 *
 * @example
 * ```ts
 * const checkpointer = startCheckpointer('./pqwire-data/pqwire.db');
 * await checkpointer.stop();
 * ```
 */
import { Worker } from 'node:worker_threads';

/** Milliseconds between two checkpoints of the worker. */
const CHECKPOINT_MS = 100;

/** WAL pages past which the store's own connection checkpoints (SQLite's default is 1,000). @internal */
export const FALLBACK_AUTOCHECKPOINT = 10_000;

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const db = new (require(workerData.driver))(workerData.path);
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Busy or closing: the next turn tries again, and the store's connection is the fallback.
  }
}, workerData.ms);
parentPort.once('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/** A worker checkpointing the SQLite file at `path` until stopped. @internal */
export function startCheckpointer(path: string): { stop(): Promise<void> } {
  const worker = new Worker(WORKER, { eval: true, workerData: { path, driver: require.resolve('better-sqlite3'), ms: CHECKPOINT_MS } });
  worker.unref();
  // A worker that fails (the file vanished) leaves the checkpoints to the store's connection.
  worker.on('error', () => undefined);
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    stop() {
      // Referenced again while it stops: an unreferenced worker would let the process end
      // with this promise pending, and whatever awaits the store's close never ran on.
      worker.ref();
      worker.postMessage('stop');
      return exited;
    },
  };
}
