/**
 * `pqwire serve`: opens the store, builds the application and listens; SIGTERM (or
 * SIGINT) stops accepting connections, lets the requests in flight finish, closes the
 * store and exits 0.
 *
 * @example
 * ```ts
 * const running = await serve({ db: './pqwire-data/pqwire.db', host: '127.0.0.1', port: 8080 });
 * console.log(running.url); // http://127.0.0.1:8080
 * await running.close();
 * ```
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeError } from '../errors';
import { buildServer } from './app';
import type { ServerOptions } from './app';
import { openServerStore } from './store';
import type { ServerDatabase } from './store';

/** What `pqwire serve` takes (flags, or the same keys in a JSON `--config` file). */
export interface ServeOptions {
  /** A SQLite file or a `postgres://` URL; default `./pqwire-data/pqwire.db`. */
  db?: string;
  /** Default `127.0.0.1`: TLS terminates at a proxy in front (docs/server.md). */
  host?: string;
  /** Default 8080; 0 picks a free port. */
  port?: number;
  logger?: ServerOptions['logger'];
}

/** A listening server. */
export interface RunningServer {
  /** `http://host:port`, the port resolved. */
  url: string;
  database: ServerDatabase;
  /** Stops accepting, finishes the requests in flight, closes the store. */
  close(): Promise<void>;
}

export const DEFAULT_DB = join('pqwire-data', 'pqwire.db');
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 8080;

/** Starts a server with `options` (defaults above). */
export async function serve(options: ServeOptions = {}): Promise<RunningServer> {
  const o = checkServeOptions(options);
  const store = await openServerStore(o.db);
  try {
    const app = await buildServer({ store, logger: options.logger });
    await app.listen({ host: o.host, port: o.port });
    const address = app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : o.port;
    const host = o.host.includes(':') ? `[${o.host}]` : o.host;
    let closing: Promise<void> | undefined;
    return {
      url: `http://${host}:${port}`,
      database: store.database,
      close: () =>
        (closing ??= (async () => {
          await app.close();
          await store.close();
        })()),
    };
  } catch (e) {
    await store.close();
    throw e;
  }
}

/** The options with defaults, each checked (`INVALID_ARGUMENT`). @internal */
export function checkServeOptions(options: ServeOptions): Required<Omit<ServeOptions, 'logger'>> {
  const known = ['db', 'host', 'port', 'logger'];
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw makeError('INVALID_ARGUMENT', `unknown serve option ${JSON.stringify(key)}`);
  }
  const db = options.db ?? DEFAULT_DB;
  const host = options.host ?? DEFAULT_HOST;
  const port = options.port ?? DEFAULT_PORT;
  if (typeof db !== 'string' || db.length === 0) throw makeError('INVALID_ARGUMENT', 'db must be a SQLite file path or a postgres:// URL');
  if (typeof host !== 'string' || host.length === 0) throw makeError('INVALID_ARGUMENT', 'host must be a host name or address');
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw makeError('INVALID_ARGUMENT', `port must be an integer from 0 to 65535, got ${JSON.stringify(port)}`);
  return { db, host, port };
}

/** The options in a JSON `--config` file (the same keys as the flags). */
export function readServeConfig(path: string): ServeOptions {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw makeError('INVALID_ARGUMENT', `cannot read the config file ${JSON.stringify(path)}: ${(e as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw makeError('INVALID_ARGUMENT', `the config file ${JSON.stringify(path)} must hold a JSON object`);
  }
  return parsed as ServeOptions;
}
