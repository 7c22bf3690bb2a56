/**
 * The raw byte stream under a secure channel: what an adapter requires of it, and how it
 * is let go once the channel closed.
 * @internal
 */
import { finished } from 'node:stream';
import type { Duplex } from 'node:stream';
import { makeError } from '../errors';
import { describe } from '../bytes';

/** The raw stream's optional socket facts. @internal */
export interface MaybeSocket {
  remoteAddress?: string;
  remotePort?: number;
}

/** Requires a raw stream that can be read and written. @internal */
export function checkRaw(raw: unknown): asserts raw is Duplex {
  const r = raw as Partial<Duplex> | null;
  if (
    typeof r !== 'object' ||
    r === null ||
    typeof r.write !== 'function' ||
    typeof r.on !== 'function' ||
    typeof r.end !== 'function' ||
    typeof r.pause !== 'function' ||
    typeof r.resume !== 'function'
  ) {
    throw makeError('INVALID_TYPE', `the raw stream must be a Duplex stream, got ${describe(raw)}`);
  }
}

/** How long a last packet may take to flush before the raw stream is destroyed anyway. */
const RELEASE_TIMEOUT_MS = 5000;

/**
 * Destroys the raw stream, but only after a close or error packet being flushed has
 * gone out (bounded: a peer that never reads cannot hold the socket). @internal
 */
export function releaseRaw(raw: Duplex): void {
  if (raw.destroyed) return;
  if (!raw.writableEnded || raw.writableFinished) {
    raw.destroy();
    return;
  }
  const timer = setTimeout(() => raw.destroy(), RELEASE_TIMEOUT_MS);
  timer.unref();
  finished(raw, { readable: false }, () => {
    clearTimeout(timer);
    raw.destroy();
  });
}

/** Calls back once `raw` drains, or goes away. @internal */
export function afterDrain(raw: Duplex, callback: () => void): void {
  const done = (): void => {
    raw.off('drain', done);
    raw.off('close', done);
    callback();
  };
  raw.on('drain', done);
  raw.on('close', done);
}
