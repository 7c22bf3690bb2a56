/** Small helpers shared by the vitest suites (not a test file itself). */
import { Writable } from 'node:stream';
import { expect } from 'vitest';
import { PqwireError, sessionSaveAllowed, type ErrorCode, type SessionSave, type SessionStore, type StoredSession } from '../ts/src/index';

/**
 * A test's time limit, stretched for slow machines: `PQWIRE_TEST_TIME_SCALE` (1 by default;
 * `npm run test:arm64` sets it, for node under qemu-user). vitest.config.mts scales its
 * default limits the same way.
 */
export function timeLimit(ms: number): number {
  const scale = Number(process.env.PQWIRE_TEST_TIME_SCALE || 1);
  return ms * (Number.isFinite(scale) && scale >= 1 ? scale : 1);
}

type ErrorClass = abstract new (...args: never[]) => Error;

/** `n` bytes: `fill` repeated, or 0, 1, 2, ... (mod 256) when `fill` is omitted. */
export function bytes(n: number, fill?: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = fill ?? i & 0xff;
  return b;
}

/** A copy of `b` with bit `bit` of byte `index` flipped (negative indexes count from the end). */
export function flip(b: Uint8Array, index: number, bit = 0): Uint8Array {
  const c = Uint8Array.from(b);
  const i = index < 0 ? c.length + index : index;
  c[i] = (c[i] as number) ^ (1 << bit);
  return c;
}

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
export const fromHex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h.replace(/\s+/g, ''), 'hex'));
export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Calls `f`, which must throw an instance of `cls` carrying `code`; returns the error. */
export function expectThrow<E extends Error>(f: () => unknown, cls: ErrorClass, code: ErrorCode): E {
  let thrown: unknown;
  try {
    f();
  } catch (e) {
    thrown = e;
  }
  expect(thrown, 'expected a throw').toBeInstanceOf(cls);
  expect(thrown).toBeInstanceOf(PqwireError);
  expect((thrown as PqwireError).code).toBe(code);
  return thrown as E;
}

/**
 * Calls an async `f`, which must return a promise (never throw synchronously) that rejects with
 * an instance of `cls` carrying `code`; returns the error.
 */
export async function expectReject<E extends Error>(f: () => Promise<unknown>, cls: ErrorClass, code: ErrorCode): Promise<E> {
  let promise: Promise<unknown> | undefined;
  expect(() => {
    promise = f();
  }).not.toThrow();
  expect(promise).toBeInstanceOf(Promise);
  let thrown: unknown;
  try {
    await promise;
  } catch (e) {
    thrown = e;
  }
  expect(thrown, 'expected a rejection').toBeInstanceOf(cls);
  expect(thrown).toBeInstanceOf(PqwireError);
  expect((thrown as PqwireError).code).toBe(code);
  return thrown as E;
}

/** What a call threw (or `undefined`), for comparing two libraries' errors. */
export function thrownBy(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

/** Values that are not bytes, each with a label. */
export const NOT_BYTES: ReadonlyArray<readonly [string, unknown]> = [
  ['a string', 'abc'],
  ['an array', [1, 2, 3]],
  ['null', null],
  ['a number', 42],
  ['a plain object', { length: 32 }],
  ['a Uint16Array', new Uint16Array(16)],
];

/** Like {@link NOT_BYTES} but without `null`, for optional arguments where `null` means "absent". */
export const NOT_BYTES_OPTIONAL: ReadonlyArray<readonly [string, unknown]> = NOT_BYTES.filter(([l]) => l !== 'null');

/** Lengths that are wrong when `n` is right. */
export const wrongLengths = (n: number): number[] => [0, n - 1, n + 1].filter((l) => l >= 0 && l !== n);

/** Casts a deliberately ill-typed value for negative tests. */
export const bad = <T>(v: unknown): T => v as T;

/**
 * A session store that follows the compare-and-swap contract and can also have a backup
 * restored over its records (`restore`), as a file or database restore would: the
 * records go back, the highest epochs (kept apart) do not. `saves` counts accepted saves.
 */
export class BackupRestoringStore implements SessionStore {
  readonly records = new Map<string, { record: Uint8Array; sessionId: string; epoch: number }>();
  readonly highest = new Map<string, number>();
  saves = 0;

  async load(address: string): Promise<StoredSession | undefined> {
    const r = this.records.get(address);
    return r && { record: Uint8Array.from(r.record), sessionId: r.sessionId, epoch: r.epoch, highestEpoch: this.highest.get(r.sessionId) ?? r.epoch };
  }
  async save(address: string, s: SessionSave): Promise<boolean> {
    const elsewhere = [...this.records].some(([a, r]) => a !== address && r.sessionId === s.sessionId);
    if (!sessionSaveAllowed(this.records.get(address), this.highest.get(s.sessionId), s, elsewhere)) return false;
    this.records.set(address, { record: Uint8Array.from(s.record), sessionId: s.sessionId, epoch: s.epoch });
    this.highest.set(s.sessionId, Math.max(s.epoch, this.highest.get(s.sessionId) ?? 0));
    this.saves += 1;
    return true;
  }
  async delete(address: string): Promise<void> {
    this.records.delete(address);
  }
  async addresses(): Promise<string[]> {
    return [...this.records.keys()];
  }
  /** Puts a backed-up record back, bypassing the contract (the highest epochs stay). */
  restore(address: string, backup: StoredSession): void {
    this.records.set(address, { record: Uint8Array.from(backup.record), sessionId: backup.sessionId, epoch: backup.epoch });
  }
}

/** A stream collecting what a logger writes: `stream` for the logger, `text()` for the test. */
export function logSink(): { stream: Writable; text(): string } {
  let logs = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs += chunk.toString();
      done();
    },
  });
  return { stream, text: () => logs };
}
