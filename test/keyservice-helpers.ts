/** Shared by the key-service suites: a client over the Unix socket and a service in a temporary directory. */
import { request } from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKeyService, type KeyServiceOptions, type RunningKeyService } from '../ts/src/keyservice';

/** An answer: status and parsed JSON. */
export interface Answer {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** Options of one request. */
export interface CallOptions {
  /** The bearer token (`null`: no Authorization header). */
  token?: string | null;
  /** `X-Request-Id` (`null`: none; default a fresh UUID). */
  requestId?: string | null;
  /** The raw body instead of JSON of `body`. */
  raw?: string;
  headers?: Record<string, string>;
}

/** One HTTP request over the Unix socket `socket`. */
export function call(socket: string, token: string, method: string, path: string, body?: unknown, options: CallOptions = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  const t = options.token === undefined ? token : options.token;
  if (t !== null) headers.authorization = `Bearer ${t}`;
  const id = options.requestId === undefined ? randomUUID() : options.requestId;
  if (method === 'POST' && id !== null) headers['x-request-id'] = id;
  const text = options.raw ?? (body === undefined ? '' : JSON.stringify(body));
  if (method === 'POST') {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(text));
  }
  return new Promise((resolve, reject) => {
    // A connection per request: a service restarted on the same path must not meet a pooled one.
    const req = request({ socketPath: socket, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const s = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, body: s.length > 0 ? JSON.parse(s) : undefined });
      });
    });
    req.on('error', reject);
    if (method === 'POST') req.end(text);
    else req.end();
  });
}

/** A temporary directory with a KEK file and a token file (mode 0600). */
export function workspace(prefix = 'pqwire-ks-'): { dir: string; kekFile: string; tokenFile: string; token: string; socket: string; dataDir: string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const kekFile = join(dir, 'kek');
  writeFileSync(kekFile, randomBytes(32).toString('base64'), { mode: 0o600 });
  const tokenFile = join(dir, 'token');
  const token = randomBytes(24).toString('base64url');
  writeFileSync(tokenFile, token, { mode: 0o600 });
  return { dir, kekFile, tokenFile, token, socket: join(dir, 'ks.sock'), dataDir: join(dir, 'data') };
}

/** A started service and a bound `call`. */
export interface Harness {
  service: RunningKeyService;
  token: string;
  socket: string;
  ws: ReturnType<typeof workspace>;
  get(path: string, options?: CallOptions): Promise<Answer>;
  post(path: string, body?: unknown, options?: CallOptions): Promise<Answer>;
}

/** Starts a service in `ws` (a new workspace by default), memory not locked (tests in the vitest process). */
export async function harness(ws = workspace(), extra: Partial<KeyServiceOptions> = {}): Promise<Harness> {
  const service = await startKeyService({ socket: ws.socket, tokenFile: ws.tokenFile, dataDir: ws.dataDir, kekFile: ws.kekFile, lockMemory: false, ...extra });
  const token = readFileSync(ws.tokenFile, 'utf8').trim();
  return {
    service,
    token,
    socket: ws.socket,
    ws,
    get: (path, options) => call(ws.socket, token, 'GET', path, undefined, options),
    post: (path, body, options) => call(ws.socket, token, 'POST', path, body, options),
  };
}

export const b64 = (b: Uint8Array | string): string => Buffer.from(b).toString('base64');
export const unb64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));
