/**
 * `pqwire keyservice`: the key service on a Unix socket (no TCP port). It starts by
 * turning off core dumps, opens the key set (refusing a rollback) with every key pair's
 * memory locked against swapping (mlock), and listens on a socket of mode 0600; every request needs the
 * bearer token of the token file, every POST a fresh `X-Request-Id`.
 *
 * @example
 * ```ts
 * import { startKeyService } from 'pqwire/keyservice';
 * const service = await startKeyService({ socket: '/run/pqwire/ks.sock', tokenFile: '/etc/pqwire/token', dataDir: '/var/lib/pqwire-ks', kekFile: '/etc/pqwire/kek' });
 * // … POST /v1/kem/encrypt over the socket …
 * await service.close(); // stops listening and wipes every key in memory
 * ```
 */
import { chmodSync, existsSync, lstatSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { disableCoreDumps } from '../memory-lock';
import { KeyServiceError, toKeyServiceError } from './errors';
import { parseBody } from './fields';
import { findRoute, type HandlerContext } from './handlers';
import { KeyStore } from './key-store';
import { loadKek } from './keyset-file';
import { ReplayCache, REPLAY_WINDOW_MS } from './replay-cache';

/** What {@link startKeyService} takes. */
export interface KeyServiceOptions {
  /** The Unix socket path to listen on (created with mode 0600). */
  socket: string;
  /** The file holding the bearer token; created with a random token (mode 0600) if missing. */
  tokenFile: string;
  /** The data directory (key set and counter). Default `./pqwire-keyservice`. */
  dataDir?: string;
  /** A file holding the 32-byte key-encryption key; else the `PQWIRE_KEYSERVICE_KEK` environment variable. */
  kekFile?: string;
  /**
   * Lock the memory holding secret keys against swapping (default true; each key pair's
   * pages, see docs/keyservice.md, "Memory"); `'require'` refuses to start unless every key
   * could be locked.
   */
  lockMemory?: boolean | 'require';
  /** Largest request body, in bytes. Default 16 MiB. */
  maxBodyBytes?: number;
  /** Most items in one batch request. Default 1024. */
  maxBatchItems?: number;
  /** The replay window for request ids. Default 15 minutes. */
  replayWindowMs?: number;
}

/** A running key service. */
export interface RunningKeyService {
  socket: string;
  tokenFile: string;
  /** Whether every secret key in memory is locked against swapping (now; see `/v1/info`). */
  readonly memoryLocked: boolean;
  /** Whether the token file was created by this start. */
  tokenCreated: boolean;
  /** Stops accepting, lets requests in flight end, then wipes every key in memory. */
  close(): Promise<void>;
}

const TOKEN_MIN = 16;

/** The token of `tokenFile` (made if missing); refuses a file others can read. */
function readToken(tokenFile: string): { token: string; created: boolean } {
  if (!existsSync(tokenFile)) {
    const token = randomBytes(32).toString('base64url');
    writeFileSync(tokenFile, `${token}\n`, { mode: 0o600, flag: 'wx' });
    return { token, created: true };
  }
  const mode = statSync(tokenFile).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new KeyServiceError('INVALID_FIELD', `the token file ${tokenFile} is readable by others (mode ${mode.toString(8)}): chmod 600 it`);
  }
  const token = readFileSync(tokenFile, 'utf8').trim();
  if (token.length < TOKEN_MIN || /\s/.test(token)) throw new KeyServiceError('INVALID_FIELD', `the token in ${tokenFile} must be at least ${TOKEN_MIN} characters without spaces`);
  return { token, created: false };
}

/** Whether something listens on `path` (a stale socket file is removed). */
async function clearSocket(path: string): Promise<void> {
  if (!existsSync(path)) return;
  if (!lstatSync(path).isSocket()) throw new KeyServiceError('INVALID_FIELD', `${path} exists and is not a socket`);
  const live = await new Promise<boolean>((resolve) => {
    const c = connect(path);
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
  if (live) throw new KeyServiceError('INVALID_FIELD', `another process listens on ${path}`);
  unlinkSync(path);
}

/** Reads the body up to `max` bytes (`PAYLOAD_TOO_LARGE` beyond). */
function readBody(req: IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > max) {
      reject(new KeyServiceError('PAYLOAD_TOO_LARGE', `the body may be at most ${max} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      if (size > max) return; // refused already: the rest is read and dropped
      size += c.length;
      if (size > max) {
        chunks.length = 0;
        reject(new KeyServiceError('PAYLOAD_TOO_LARGE', `the body may be at most ${max} bytes`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  const headers: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' };
  // An oversized body may still be arriving: answer, then close rather than read it all.
  if (status === 413) headers.connection = 'close';
  res.writeHead(status, headers);
  res.end(text);
}

/** Starts the key service; resolves once it listens. */
export async function startKeyService(options: KeyServiceOptions): Promise<RunningKeyService> {
  const lock = options.lockMemory ?? true;
  // A crash must not write keys to a core file (whether or not memory is locked).
  disableCoreDumps();
  const { token, created: tokenCreated } = readToken(options.tokenFile);
  const tokenHash = createHash('sha256').update(token).digest();
  // The socket first: a second service on a live socket leaves the data directory alone.
  await clearSocket(options.socket);
  const kek = loadKek(options.kekFile);
  let store: KeyStore;
  try {
    store = KeyStore.open(options.dataDir ?? 'pqwire-keyservice', kek, { lockMemory: lock });
  } finally {
    kek.fill(0);
  }
  const replay = new ReplayCache({ windowMs: options.replayWindowMs ?? REPLAY_WINDOW_MS });
  const maxBody = options.maxBodyBytes ?? 16 * 1024 * 1024;
  const ctx: HandlerContext = {
    store,
    maxBatchItems: options.maxBatchItems ?? 1024,
    version: packageVersion(),
    memoryLocked: () => store.memoryLocked,
  };

  const authorized = (req: IncomingMessage): boolean => {
    const h = req.headers.authorization;
    if (typeof h !== 'string' || !/^bearer /i.test(h)) return false;
    // Equal-length digests: the comparison's time says nothing about the token.
    return timingSafeEqual(createHash('sha256').update(h.slice(7)).digest(), tokenHash);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      if (!authorized(req)) throw new KeyServiceError('UNAUTHORIZED', 'a valid Authorization: Bearer <token> header is required');
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const { route, params } = findRoute(req.method ?? 'GET', path);
      if (route.method === 'POST') {
        const id = req.headers['x-request-id'];
        replay.admit(typeof id === 'string' ? id : undefined);
      }
      const body = route.method === 'POST' ? parseBody(await readBody(req, maxBody)) : {};
      send(res, 200, await route.handle(ctx, params, body));
    } catch (e) {
      const err = toKeyServiceError(e);
      send(res, err.status, { error: { code: err.code, message: err.message } });
    }
  };

  const server: Server = createServer((req, res) => void handle(req, res));
  server.keepAliveTimeout = 60_000;
  // The socket is created 0600 (umask), not chmod-ed after a window where others could connect.
  const oldMask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.socket, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    store.close();
    throw e;
  } finally {
    process.umask(oldMask);
  }
  chmodSync(options.socket, 0o600);

  let closing: Promise<void> | undefined;
  return {
    socket: options.socket,
    tokenFile: options.tokenFile,
    get memoryLocked() {
      return store.memoryLocked;
    },
    tokenCreated,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => {
          store.close();
          resolve();
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(require.resolve('../../../package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
