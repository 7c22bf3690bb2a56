/**
 * `pqwire keyservice` as a process: it starts from the command line with memory locked,
 * stops on SIGTERM with exit 0, refuses bad flags with exit 2, and, killed with SIGKILL
 * while creating and rotating keys, loses no key it had reported.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { call, workspace } from './keyservice-helpers';

const CLI = join(__dirname, '..', 'bin', 'pqwire.js');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Starts the CLI in `ws`; resolves once it prints that it listens. */
function start(ws: ReturnType<typeof workspace>, extra: string[] = []): Promise<{ child: ChildProcess; out: () => string }> {
  const child = spawn(process.execPath, [CLI, 'keyservice', '--socket', ws.socket, '--token-file', ws.tokenFile, '--data', ws.dataDir, '--kek-file', ws.kekFile, ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line: ${out}`)), 20_000);
    child.stdout?.on('data', () => {
      if (out.includes('listening on')) {
        clearTimeout(timer);
        resolve({ child, out: () => out });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code}: ${out}`));
    });
  });
}

const exited = (child: ChildProcess): Promise<number | null> => new Promise((resolve) => child.once('exit', (code) => resolve(code)));

describe('pqwire keyservice', () => {
  it('starts with memory locked, answers over the socket, stops on SIGTERM with exit 0', async () => {
    const ws = workspace();
    dirs.push(ws.dir);
    const { child, out } = await start(ws, ['--require-mlock']);
    expect(out()).toContain(`listening on ${ws.socket}`);
    const info = await call(ws.socket, ws.token, 'GET', '/v1/info');
    expect(info.status).toBe(200);
    // Root (as in CI) may always lock; elsewhere --require-mlock would have refused to start.
    expect(info.body.memoryLocked).toBe(true);
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    expect(Number(/VmLck:\s+(\d+)/.exec(status)?.[1])).toBeGreaterThan(0);
    const done = exited(child);
    child.kill('SIGTERM');
    expect(await done).toBe(0);
  });

  // Root without CAP_IPC_LOCK and with a lock limit of 0: mlock is refused, as for an
  // ordinary user over RLIMIT_MEMLOCK.
  const canDropLock = process.getuid?.() === 0 && spawnSync('prlimit', ['--version']).status === 0 && spawnSync('setpriv', ['--version']).status === 0;
  it.skipIf(!canDropLock)('where mlock is refused: --require-mlock exits 1 (MEMORY_NOT_LOCKED); without it, it runs and says so', async () => {
    const ws = workspace();
    dirs.push(ws.dir);
    const args = [CLI, 'keyservice', '--socket', ws.socket, '--token-file', ws.tokenFile, '--data', ws.dataDir, '--kek-file', ws.kekFile];
    const refused = spawnSync('prlimit', ['--memlock=0:0', 'setpriv', '--bounding-set=-ipc_lock', process.execPath, ...args, '--require-mlock'], { encoding: 'utf8' });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('MEMORY_NOT_LOCKED');
    const child = spawn('prlimit', ['--memlock=0:0', 'setpriv', '--bounding-set=-ipc_lock', process.execPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (out.includes('listening on')) {
          clearInterval(poll);
          resolve();
        }
      }, 20);
    });
    expect(out).toContain('not locked');
    expect((await call(ws.socket, ws.token, 'GET', '/v1/info')).body.memoryLocked).toBe(false);
    const done = exited(child);
    child.kill('SIGTERM');
    expect(await done).toBe(0);
  });

  it('refuses bad flags with exit 2 and an unreadable key set with exit 1', () => {
    const ws = workspace();
    dirs.push(ws.dir);
    for (const args of [
      ['keyservice'],
      ['keyservice', '--socket', ws.socket],
      ['keyservice', '--socket', ws.socket, '--token-file', ws.tokenFile, '--port', '80'],
      ['keyservice', '--socket', ws.socket, '--token-file', ws.tokenFile, '--no-mlock', '--require-mlock'],
      ['serve', '--socket', ws.socket],
    ]) {
      const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
      expect(r.status, args.join(' ')).toBe(2);
    }
    const r = spawnSync(process.execPath, [CLI, 'keyservice', '--socket', ws.socket, '--token-file', ws.tokenFile, '--data', ws.dataDir], {
      encoding: 'utf8',
      env: { ...process.env, PQWIRE_KEYSERVICE_KEK: '' },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('32 bytes');
  });

  it('killed with SIGKILL while creating and rotating keys, loses no key it reported', async () => {
    const ws = workspace();
    dirs.push(ws.dir);
    const reported = new Map<string, number>(); // key id -> highest version reported
    for (let round = 0; round < 3; round++) {
      const { child } = await start(ws);
      const done = exited(child);
      let stop = false;
      const worker = async (n: number): Promise<void> => {
        while (!stop) {
          try {
            const ids = [...reported.keys()];
            const rotate = n % 2 === 1 && ids.length > 0;
            const r = rotate
              ? await call(ws.socket, ws.token, 'POST', `/v1/keys/${ids[Math.floor(Math.random() * ids.length)]}/rotate`)
              : await call(ws.socket, ws.token, 'POST', '/v1/keys', { type: n % 4 === 0 ? 'kem' : 'sign' });
            if (r.status === 200) reported.set(r.body.id, Math.max(reported.get(r.body.id) ?? 0, r.body.version));
          } catch {
            return; // the connection died with the process
          }
        }
      };
      const workers = [0, 1, 2, 3].map(worker);
      await new Promise((r) => setTimeout(r, 700 + Math.random() * 800));
      child.kill('SIGKILL');
      await done;
      stop = true;
      await Promise.all(workers);
    }
    expect(reported.size).toBeGreaterThan(3);
    const { child } = await start(ws);
    try {
      const keys = (await call(ws.socket, ws.token, 'GET', '/v1/keys')).body.keys as { id: string; versions: unknown[] }[];
      const onDisk = new Map(keys.map((k) => [k.id, k.versions.length]));
      for (const [id, version] of reported) expect(onDisk.get(id) ?? 0, `key ${id}`).toBeGreaterThanOrEqual(version);
    } finally {
      const done = exited(child);
      child.kill('SIGTERM');
      await done;
    }
  });
});
