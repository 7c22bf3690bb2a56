/**
 * The key set at rest, in the data directory:
 *
 * - `keyset.pqks`: `"PQWKEYS1" ‖ u64 counter ‖ nonce(12) ‖ ChaCha20-Poly1305(wrap key, nonce,
 *   plaintext, aad = "PQWKEYS1" ‖ u64 counter)`, the wrap key HKDF-SHA-256 of the
 *   key-encryption key (KEK) with info `"pqwire keyservice keyset wrap v1"`;
 * - `keyset.counter`: the highest counter written, in decimal.
 *
 * Both are written atomically (a temporary file, fsync, rename, fsync of the directory),
 * the key set first: a process killed at any point leaves either the old or the new key
 * set, never a torn one. Loading refuses a key set whose authenticated counter is below
 * the counter file's (`KEYSET_ROLLBACK`): an older copy of the file put back is refused.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync, existsSync, statSync, unlinkSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { aead } from '../aead';
import { hkdf } from '../kdf';
import { PqwireError } from '../errors';
import { KeyServiceError } from './errors';

const MAGIC = Buffer.from('PQWKEYS1', 'ascii');
const HEADER = MAGIC.length + 8;
const NONCE = 12;
const chacha = aead('ChaCha20-Poly1305');

/** The environment variable that can hold the key-encryption key (hex or base64 of 32 bytes). */
export const KEK_ENV = 'PQWIRE_KEYSERVICE_KEK';

/** File names inside the data directory. */
export const KEYSET_FILE = 'keyset.pqks';
export const COUNTER_FILE = 'keyset.counter';

/**
 * The 32-byte key-encryption key from `kekFile` (raw 32 bytes, or hex, or base64) or else
 * from the environment variable {@link KEK_ENV}. Neither: a `KeyServiceError` that says how
 * to make one.
 */
export function loadKek(kekFile: string | undefined, env: NodeJS.ProcessEnv = process.env): Uint8Array {
  let raw: Buffer;
  let from: string;
  if (kekFile !== undefined) {
    raw = readFileSync(kekFile);
    from = kekFile;
  } else if (env[KEK_ENV] !== undefined) {
    raw = Buffer.from(env[KEK_ENV] ?? '', 'utf8');
    from = KEK_ENV;
  } else {
    throw new KeyServiceError(
      'INVALID_FIELD',
      `no key-encryption key: pass --kek-file <file> or set ${KEK_ENV} (make one with: head -c 32 /dev/urandom | base64 > kek && chmod 600 kek)`,
    );
  }
  try {
    const kek = decodeKek(raw);
    if (kek === undefined) throw new KeyServiceError('INVALID_FIELD', `the key-encryption key in ${from} must be 32 bytes: raw, 64 hex digits or base64`);
    return kek;
  } finally {
    raw.fill(0);
  }
}

function decodeKek(raw: Buffer): Uint8Array | undefined {
  if (raw.length === 32) return new Uint8Array(raw);
  const text = raw.toString('latin1').trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return new Uint8Array(Buffer.from(text, 'hex'));
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) {
    const b = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (b.length === 32) return new Uint8Array(b);
  }
  return undefined;
}

/** Replaces `path` with `data` (mode 0600): a temporary file, fsync, rename. Once it returns, `path` holds `data`. */
function replaceFile(path: string, data: Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    let at = 0;
    while (at < data.length) at += writeSync(fd, data, at, data.length - at);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** Makes a rename in `dir` durable. */
function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes `data` to `path` atomically and durably, mode 0600. */
export function writeFileAtomic(path: string, data: Uint8Array): void {
  replaceFile(path, data);
  syncDirectory(join(path, '..'));
}

/** The lock file that keeps a second service off a data directory. */
export const LOCK_FILE = 'keyservice.lock';

/** Whether process `pid` exists. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the data directory for this process: `keyservice.lock` created exclusively with
 * its pid. A lock whose process is gone (killed) is taken over; a live one is refused
 * (`KEYSET_LOCKED`): two services writing one key set would undo each other's changes.
 */
function lockDirectory(dir: string): string {
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return path;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(readFileSync(path, 'utf8').trim());
      if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new KeyServiceError('KEYSET_LOCKED', `another key service (pid ${pid}) uses ${dir}`);
      }
      if (pid === process.pid) throw new KeyServiceError('KEYSET_LOCKED', `this process already serves ${dir}`);
      unlinkSync(path); // left by a process that is gone
    }
  }
  throw new KeyServiceError('KEYSET_LOCKED', `cannot take ${path}`);
}

/** The key set file and its counter in one data directory, wrapped with one KEK. */
export class KeySetFile {
  readonly #dir: string;
  readonly #wrapKey: Uint8Array;

  readonly #lock: string;

  /** Creates `dir` (mode 0700) if needed and takes its lock; derives the wrap key. */
  constructor(dir: string, kek: Uint8Array) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.#dir = dir;
    this.#lock = lockDirectory(dir);
    this.#wrapKey = hkdf('SHA-256', kek, { info: Buffer.from('pqwire keyservice keyset wrap v1', 'ascii'), length: 32 });
  }

  get path(): string {
    return join(this.#dir, KEYSET_FILE);
  }

  /** The counter file's value (0 when there is none). */
  counterOnDisk(): number {
    const p = join(this.#dir, COUNTER_FILE);
    if (!existsSync(p)) return 0;
    const text = readFileSync(p, 'utf8').trim();
    if (!/^\d{1,15}$/.test(text)) throw new KeyServiceError('KEYSET_UNREADABLE', `${p} does not hold a counter`);
    return Number(text);
  }

  /**
   * The unwrapped plaintext and its counter; `undefined` for a first start (no key set and
   * no counter). Refuses a rollback: a key set older than the counter, or a missing key set
   * once one was written.
   */
  read(): { counter: number; plaintext: Uint8Array } | undefined {
    const expected = this.counterOnDisk();
    if (!existsSync(this.path)) {
      if (expected > 0) throw new KeyServiceError('KEYSET_ROLLBACK', `${this.path} is missing, but key set ${expected} was written`);
      return undefined;
    }
    const file = readFileSync(this.path);
    if (file.length < HEADER + NONCE + 16 || !file.subarray(0, MAGIC.length).equals(MAGIC)) {
      throw new KeyServiceError('KEYSET_UNREADABLE', `${this.path} is not a pqwire key set`);
    }
    const counter = Number(file.readBigUInt64BE(MAGIC.length));
    let plaintext: Uint8Array;
    try {
      plaintext = chacha.open(this.#wrapKey, file.subarray(HEADER, HEADER + NONCE), file.subarray(HEADER + NONCE), file.subarray(0, HEADER));
    } catch (e) {
      if (e instanceof PqwireError && e.code === 'AUTH_FAILED') {
        throw new KeyServiceError('KEYSET_UNREADABLE', `${this.path} does not open with this key-encryption key (wrong key, or the file was altered)`);
      }
      throw e;
    }
    if (counter < expected) {
      plaintext.fill(0);
      throw new KeyServiceError('KEYSET_ROLLBACK', `${this.path} holds key set ${counter}, older than key set ${expected} already written: refusing a rollback`);
    }
    if (counter > expected) this.#writeCounter(counter); // killed between the two writes
    return { counter, plaintext };
  }

  /**
   * Wraps `plaintext` as key set `counter` and puts it in place (wipes `plaintext`). When it
   * throws, nothing changed on disk; once it returns, the key set is replaced and
   * {@link confirm} makes it durable and moves the counter.
   */
  write(counter: number, plaintext: Uint8Array): void {
    try {
      // Belt and braces beside the lock: never write over a newer key set.
      const onDisk = this.counterOnDisk();
      if (onDisk >= counter) throw new KeyServiceError('KEYSET_LOCKED', `key set ${onDisk} on disk is not older than ${counter}: another writer?`);
      const header = Buffer.alloc(HEADER);
      MAGIC.copy(header);
      header.writeBigUInt64BE(BigInt(counter), MAGIC.length);
      const nonce = randomBytes(NONCE);
      const sealed = chacha.seal(this.#wrapKey, nonce, plaintext, header);
      replaceFile(this.path, Buffer.concat([header, nonce, sealed]));
    } finally {
      plaintext.fill(0);
    }
  }

  /** After {@link write}: fsyncs the directory, then writes the counter. */
  confirm(counter: number): void {
    syncDirectory(this.#dir);
    this.#writeCounter(counter);
  }

  /** The mode of the key set file (tests check 0600). */
  mode(): number {
    return statSync(this.path).mode & 0o777;
  }

  /** Forgets the wrap key and releases the directory. Idempotent. */
  close(): void {
    this.#wrapKey.fill(0);
    try {
      if (readFileSync(this.#lock, 'utf8').trim() === String(process.pid)) unlinkSync(this.#lock);
    } catch {
      // already gone
    }
  }

  #writeCounter(counter: number): void {
    writeFileAtomic(join(this.#dir, COUNTER_FILE), Buffer.from(`${counter}\n`, 'ascii'));
  }
}
