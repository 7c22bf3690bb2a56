/**
 * Helpers of the channel suites (not a test file): an in-memory duplex pair whose
 * "wire" a test can watch and tamper with, a controllable clock, and small waits.
 */
import { Duplex } from 'node:stream';
import { once } from 'node:events';
import type { SecureChannel } from '../ts/src/index';

/** Which way a chunk travels on a {@link duplexPair}: from end `a` to `b`, or back. */
export type Direction = 'a->b' | 'b->a';

/**
 * Sees every chunk written on the wire; returns the chunks to deliver instead (none to
 * drop it, two to duplicate it, a changed copy to tamper with it), or `undefined` to
 * deliver it unchanged.
 */
export type Interceptor = (chunk: Uint8Array, direction: Direction) => Uint8Array[] | undefined;

/** Options of {@link duplexPair}. */
export interface PairOptions {
  intercept?: Interceptor;
  /** Readable buffer of each end in bytes (default 16 KiB): a small one makes a slow link. */
  highWaterMark?: number;
}

/** One end of an in-memory pair. */
export class PairEnd extends Duplex {
  peer!: PairEnd;
  readonly direction: Direction;
  /** Bytes written on this end so far (before interception). */
  bytesWritten = 0;
  /** The most bytes this end's writable buffer held at once. */
  maxWritableLength = 0;
  #intercept: Interceptor | undefined;
  #waiting: (() => void) | undefined;
  #severed = false;

  constructor(direction: Direction, options: PairOptions) {
    super({ highWaterMark: options.highWaterMark ?? 16 * 1024, allowHalfOpen: true });
    this.direction = direction;
    this.#intercept = options.intercept;
  }

  /**
   * Cuts the link both ways, as a network partition would: nothing written on either end
   * arrives any more, not even the end of the stream or its destruction.
   */
  sever(): void {
    this.#severed = true;
    this.peer.#severed = true;
  }

  /** Replaces the interceptor. */
  setInterceptor(intercept: Interceptor | undefined): void {
    this.#intercept = intercept;
  }

  override write(chunk: unknown, ...rest: unknown[]): boolean {
    const ok = (super.write as (...a: unknown[]) => boolean)(chunk, ...rest);
    this.maxWritableLength = Math.max(this.maxWritableLength, this.writableLength);
    return ok;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.bytesWritten += chunk.length;
    if (this.#severed) {
      callback();
      return;
    }
    const out = this.#intercept?.(new Uint8Array(chunk), this.direction) ?? [chunk];
    // Deliver on a later turn, as a network would.
    setImmediate(() => {
      let room = true;
      for (const piece of out) {
        if (this.peer.destroyed || this.peer.readableEnded) break;
        room = this.peer.push(Buffer.from(piece));
      }
      if (room) callback();
      else this.peer.#waiting = () => callback();
    });
  }

  override _final(callback: (error?: Error | null) => void): void {
    setImmediate(() => {
      if (!this.peer.destroyed && !this.#severed) this.peer.push(null);
      callback();
    });
  }

  override _read(): void {
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const waiting = this.peer.#waiting;
    this.peer.#waiting = undefined;
    setImmediate(() => {
      // A destroyed end looks like a closed connection to the other one.
      if (!this.peer.destroyed && !this.#severed) {
        if (!this.peer.readableEnded) this.peer.push(null);
        this.peer.destroy();
      }
      waiting?.();
    });
    callback(error);
  }
}

/** Two connected in-memory streams: what `a` writes, `b` reads, and back. */
export function duplexPair(options: PairOptions = {}): [PairEnd, PairEnd] {
  const a = new PairEnd('a->b', options);
  const b = new PairEnd('b->a', options);
  a.peer = b;
  b.peer = a;
  return [a, b];
}

/** A clock tests move by hand (unix seconds). */
export class TestClock {
  now: number;
  constructor(start = Math.floor(Date.now() / 1000)) {
    this.now = start;
  }
  readonly read = (): number => this.now;
  advance(seconds: number): void {
    this.now += seconds;
  }
}

/** Resolves after `ms` real milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resolves when `predicate` holds, polling; rejects after `timeoutMs`. */
export async function until(predicate: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** Resolves with the channel's info once it is secure. */
export async function secure(channel: SecureChannel): Promise<NonNullable<SecureChannel['info']>> {
  if (channel.info) return channel.info;
  const [info] = await once(channel, 'secure');
  return info;
}

/** Resolves once the stream emitted 'close' (at once if it already did), whatever errors came first. */
export function closed(stream: Duplex): Promise<void> {
  if (stream.closed) return Promise.resolve();
  return new Promise((resolve) => stream.once('close', () => resolve()));
}

/** Collects everything a readable gives until it ends. */
export async function readAll(stream: Duplex): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Reads exactly `n` bytes (as chunks arrive). */
export function readBytes(stream: Duplex, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      got += chunk.length;
      if (got >= n) {
        cleanup();
        resolve(Buffer.concat(chunks));
      }
    };
    const onEnd = (): void => {
      cleanup();
      reject(new Error(`stream ended after ${got} of ${n} bytes`));
    };
    const cleanup = (): void => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('close', onEnd);
    };
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('close', onEnd);
  });
}

/** The header of a channel packet (docs/channel.md §4.1). */
export interface PacketHeader {
  flag: number;
  length: number;
  sequence: bigint;
  time: bigint;
}

/** Packet flags (docs/channel.md §4.2). */
export const FLAG = {
  connectRequest: 0x01,
  connectResponse: 0x02,
  exchangeRequest: 0x03,
  exchangeResponse: 0x04,
  data: 0x10,
  keepAlive: 0x11,
  close: 0x12,
  error: 0x13,
  rekey: 0x14,
  ratchetRequest: 0x15,
  ratchetResponse: 0x16,
  ratchetFinish: 0x17,
} as const;

export const HEADER_LENGTH = 21;

/** Reads the header at the start of `packet`. */
export function header(packet: Uint8Array): PacketHeader {
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  return { flag: view.getUint8(0), length: view.getUint32(1), sequence: view.getBigUint64(5), time: view.getBigUint64(13) };
}

/** Splits a byte stream into packets by their headers (a proxy's view of the wire). */
export class PacketSplitter {
  #buffer = Buffer.alloc(0);
  /** Adds bytes; returns the whole packets now available. */
  push(chunk: Uint8Array): Buffer[] {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    const packets: Buffer[] = [];
    while (this.#buffer.length >= HEADER_LENGTH) {
      const total = HEADER_LENGTH + this.#buffer.readUInt32BE(1);
      if (this.#buffer.length < total) break;
      packets.push(this.#buffer.subarray(0, total));
      this.#buffer = this.#buffer.subarray(total);
    }
    return packets;
  }
}

/**
 * A packet as anyone on the path can write it: a header declaring `length` payload bytes
 * (default: the payload's), followed by `payload` (plaintext, or none).
 */
export function rawPacket(flag: number, sequence: number, time: number, payload: Uint8Array = new Uint8Array(0), length = payload.length): Buffer {
  const p = Buffer.alloc(HEADER_LENGTH + payload.length);
  p.writeUInt8(flag, 0);
  p.writeUInt32BE(length, 1);
  p.writeBigUInt64BE(BigInt(sequence), 5);
  p.writeBigUInt64BE(BigInt(time), 13);
  p.set(payload, HEADER_LENGTH);
  return p;
}
