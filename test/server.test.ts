/**
 * The reference server's foundation (docs/server.md): one store interface on SQLite and
 * on PostgreSQL (the same tests for both), its schema migrations, `GET /v1/health`, and
 * `pqwire serve` from the command line (address printed, SIGTERM drains, exit 0; bad
 * flags exit 2, a store that cannot open exits 1).
 *
 * PostgreSQL: a throwaway cluster (scripts/pg-test-server.sh) when a server is installed;
 * without one the PostgreSQL half is skipped, except under CI, where it must run.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../ts/src/index';
import { MIGRATIONS, buildServer, openServerStore, serve } from '../ts/src/server';
import type { ServerStore } from '../ts/src/server';
import { bad, expectReject } from './helpers';

const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'bin', 'pqwire.js');
const dir = mkdtempSync(join(tmpdir(), 'pqwire-server-'));

/** A throwaway PostgreSQL cluster for this file, if a server is installed. */
const pg = (() => {
  const r = spawnSync('bash', [join(ROOT, 'scripts', 'pg-test-server.sh'), 'start'], { encoding: 'utf8', env: { ...process.env, PGPORT: String(55500 + (process.pid % 400)) } });
  if (r.status !== 0) {
    if (process.env.CI === 'true') throw new Error(`CI needs PostgreSQL for the server tests: ${r.stderr}`);
    return undefined;
  }
  const lines = r.stdout.trim().split('\n');
  return { dir: lines[0]!.replace(/^dir=/, ''), url: lines[lines.length - 1]! };
})();

afterAll(() => {
  if (pg) spawnSync('bash', [join(ROOT, 'scripts', 'pg-test-server.sh'), 'stop', pg.dir]);
  rmSync(dir, { recursive: true, force: true });
});

const databases = [
  { name: 'sqlite', db: () => join(dir, `store-${Math.random().toString(36).slice(2)}.db`) },
  ...(pg ? [{ name: 'postgres', db: () => pg.url }] : []),
];

describe.each(databases)('the server store on $name', ({ name, db }) => {
  let store: ServerStore;
  beforeAll(async () => {
    store = await openServerStore(db());
  });
  afterAll(async () => {
    await store.close();
  });

  it('runs every migration once, and again changes nothing', async () => {
    const last = Math.max(...MIGRATIONS.map((m) => m.version));
    expect(store.database).toBe(name);
    expect(await store.schemaVersion()).toBe(last);
    await store.migrate();
    expect(await store.schemaVersion()).toBe(last);
  });

  it('GET /v1/health answers 200 with the database; a closed store is 503', async () => {
    const app = await buildServer({ store, logger: false });
    const ok = await app.inject({ method: 'GET', url: '/v1/health' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ status: 'ok', db: name });
    const other = await openServerStore(db());
    const closed = await buildServer({ store: other, logger: false });
    await other.close();
    const down = await closed.inject({ method: 'GET', url: '/v1/health' });
    expect(down.statusCode).toBe(503);
    expect(down.json()).toEqual({ status: 'unavailable', db: name });
    expect((await app.inject({ method: 'GET', url: '/v1/nothing' })).statusCode).toBe(404);
    await app.close();
    await closed.close();
  });
});

describe('serve()', () => {
  it('listens, answers, and closes', async () => {
    const server = await serve({ db: join(dir, 'serve.db'), port: 0, logger: false });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${server.url}/v1/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', db: 'sqlite' });
    await server.close();
    await server.close(); // idempotent
    await expect(fetch(`${server.url}/v1/health`)).rejects.toThrow();
  });

  it('refuses bad options before opening anything', async () => {
    await expectReject(() => serve({ port: -1 }), InvalidArgumentError, 'INVALID_ARGUMENT');
    await expectReject(() => serve({ port: 70000 }), InvalidArgumentError, 'INVALID_ARGUMENT');
    await expectReject(() => serve({ port: bad('8080') }), InvalidArgumentError, 'INVALID_ARGUMENT');
    await expectReject(() => serve({ host: '' }), InvalidArgumentError, 'INVALID_ARGUMENT');
    await expectReject(() => serve(bad({ prot: 8080 })), InvalidArgumentError, 'INVALID_ARGUMENT');
    await expectReject(() => openServerStore(''), InvalidArgumentError, 'INVALID_ARGUMENT');
  });
});

/** Runs `pqwire serve …` until its first output line; returns the line and the child. */
function startCli(args: string[]): Promise<{ line: string; child: ReturnType<typeof spawn> }> {
  const child = spawn(process.execPath, [CLI, 'serve', ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('pqwire serve:'));
      if (line) resolve({ line, child });
    });
    child.on('exit', (code) => reject(new Error(`pqwire serve exited with ${code} before listening: ${out}`)));
  });
}

const exitOf = (child: ReturnType<typeof spawn>): Promise<number | null> => new Promise((resolve) => child.on('exit', (code) => resolve(code)));

describe('pqwire serve (command line)', () => {
  it('prints its address, answers /v1/health, and exits 0 on SIGTERM', async () => {
    const { line, child } = await startCli(['--port', '0', '--db', join(dir, 'cli.db')]);
    const url = /listening on (http:\/\/\S+) \(sqlite\)/.exec(line)?.[1];
    expect(url, line).toBeDefined();
    expect((await fetch(`${url}/v1/health`)).status).toBe(200);
    const exited = exitOf(child);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('reads --config, the flags taking precedence', async () => {
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ db: join(dir, 'from-config.db'), port: 1 }));
    const { line, child } = await startCli(['--config', config, '--port', '0']);
    expect(line).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+ \(sqlite\)/);
    const exited = exitOf(child);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });

  it('exits 2 on a usage error and 1 when the store cannot open', () => {
    const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: 'utf8', timeout: 20_000 });
    for (const args of [['serve', '--port', 'abc'], ['serve', '--port', '99999'], ['serve', 'extra'], ['serve', '--bogus'], ['inspect', '00', '--port', '1']]) {
      const r = run(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toContain('usage: pqwire');
    }
    writeFileSync(join(dir, 'bad-config.json'), JSON.stringify({ prot: 8080 }));
    expect(run('serve', '--config', join(dir, 'bad-config.json')).status).toBe(2);
    expect(run('serve', '--config', join(dir, 'missing.json')).status).toBe(2);
    // A file where the database's directory should be: the store cannot open.
    writeFileSync(join(dir, 'not-a-dir'), 'x');
    const r = run('serve', '--port', '0', '--db', join(dir, 'not-a-dir', 'x.db'));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('could not start');
  });
});
