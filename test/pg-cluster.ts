/**
 * A throwaway PostgreSQL cluster for one test file (scripts/pg-test-server.sh), if a
 * server is installed; `undefined` without one, except under CI, where it must run.
 * Stopped with the file.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const SCRIPT = join(__dirname, '..', 'scripts', 'pg-test-server.sh');

/** A port free right now (the kernel's pick), for the cluster. */
function freePort(): string {
  const probe = "const s = require('node:net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); })";
  return spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8' }).stdout.trim();
}

export function startPostgres(): { dir: string; url: string } | undefined {
  const r = spawnSync('bash', [SCRIPT, 'start'], { encoding: 'utf8', env: { ...process.env, PGPORT: freePort() } });
  if (r.status !== 0) {
    if (process.env.CI === 'true') throw new Error(`CI needs PostgreSQL for the server tests: ${r.stderr}`);
    return undefined;
  }
  const lines = r.stdout.trim().split('\n');
  const pg = { dir: lines[0]!.replace(/^dir=/, ''), url: lines[lines.length - 1]! };
  afterAll(() => {
    spawnSync('bash', [SCRIPT, 'stop', pg.dir]);
  });
  return pg;
}
