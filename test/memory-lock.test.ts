// The key service's memory protection (ts/src/memory-lock.ts, crates/pqwire-node/src/
// memory.rs). Locking memory and disabling core dumps change the whole process, so each
// case runs in a child `node` that loads the compiled module (ts/dist) and reports back.
// The child then exits normally: it must end with status 0, which it does only because
// lockProcessMemory() unlocks the memory again at exit (V8 cannot tear its isolate down in
// locked memory; see the warning in memory-lock.ts).
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

const MODULE = resolve(__dirname, '../ts/dist/memory-lock.js');

interface Report {
  uid: number | null;
  /** The `Max locked memory` soft limit of /proc/self/limits ('unlimited' or bytes). */
  memlock: string | null;
  before: number;
  lock: { locked: boolean; error?: string };
  after: number;
  coreDisabled: boolean;
  /** The `Max core file size` soft and hard limits after disableCoreDumps(). */
  coreLimit: string | null;
  /** Whether the module also exports something the tests did not expect. */
  exports: string[];
}

/** Runs the three functions in a fresh `node` and returns what it saw. */
function child(): Report {
  expect(existsSync(MODULE), 'ts/dist is built (npm run build:ts)').toBe(true);
  const script = `
    const fs = require('node:fs');
    const m = require(${JSON.stringify(MODULE)});
    const limits = () => { try { return fs.readFileSync('/proc/self/limits', 'utf8').split('\\n'); } catch { return []; } };
    const limit = (name) => { const l = limits().find((x) => x.startsWith(name)); return l ? l.slice(name.length).trim().split(/\\s+/).slice(0, 2).join(' ') : null; };
    const before = m.lockedMemoryBytes();
    const lock = m.lockProcessMemory();
    // Touch fresh memory: with MCL_ONFAULT it is locked as it is faulted in.
    const touched = Buffer.alloc(4 << 20, 1);
    const after = m.lockedMemoryBytes();
    const coreDisabled = m.disableCoreDumps();
    process.stdout.write(JSON.stringify({
      uid: process.getuid ? process.getuid() : null,
      memlock: limit('Max locked memory'),
      before, lock, after, coreDisabled,
      coreLimit: limit('Max core file size'),
      exports: Object.keys(m).sort(),
      touched: touched.length,
    }));
  `;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Report;
}

describe.runIf(process.platform === 'linux')('memory lock (Linux, in a child process)', () => {
  let seen: Report | undefined;
  /** One child for the three cases. */
  const run = (): Report => (seen ??= child());

  it('exports lockProcessMemory, disableCoreDumps, lockedMemoryBytes and unlockProcessMemory', () => {
    const report = run();
    expect(report.exports).toEqual(['disableCoreDumps', 'lockProcessMemory', 'lockedMemoryBytes', 'unlockProcessMemory']);
  });

  it('lockProcessMemory() locks the memory: locked: true and lockedMemoryBytes() > 0', (ctx) => {
    const report = run();
    const unlimited = report.memlock?.startsWith('unlimited') ?? false;
    if (report.uid !== 0 && !unlimited) {
      // Not root and RLIMIT_MEMLOCK finite: the refusal itself is what can be checked.
      expect(report.lock.locked).toBe(false);
      expect(report.lock.error).toMatch(/os error/);
      ctx.skip(`not root (uid ${report.uid}) and RLIMIT_MEMLOCK is ${report.memlock}: mlockall is refused, so the locked case cannot run here`);
    }
    expect(report.lock).toEqual({ locked: true });
    expect(report.after).toBeGreaterThan(0);
    expect(report.after).toBeGreaterThan(report.before);
  });

  it('unlockProcessMemory() unlocks: VmLck back to 0', () => {
    const script = `
      const m = require(${JSON.stringify(MODULE)});
      const lock = m.lockProcessMemory();
      const locked = m.lockedMemoryBytes();
      process.stdout.write(JSON.stringify({ lock, locked, unlocked: m.unlockProcessMemory(), after: m.lockedMemoryBytes() }));
    `;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { lock: { locked: boolean }; locked: number; unlocked: boolean; after: number };
    expect(out.unlocked).toBe(true);
    expect(out.after).toBe(0);
    if (out.lock.locked) expect(out.locked).toBeGreaterThan(0);
  });

  it('disableCoreDumps() returns true and leaves RLIMIT_CORE at 0', () => {
    const report = run();
    expect(report.coreDisabled).toBe(true);
    expect(report.coreLimit).toBe('0 0');
  });
});

describe.runIf(process.platform !== 'linux' && process.platform !== 'win32')('memory lock (other Unix)', () => {
  it('disableCoreDumps() works (setrlimit); lockedMemoryBytes() is 0', () => {
    const report = child();
    expect(report.coreDisabled).toBe(true);
    expect(report.after).toBe(0);
  });
});

describe.runIf(process.platform === 'win32')('memory lock (Windows: unsupported)', () => {
  it('reports that nothing was done', () => {
    const report = child();
    expect(report.lock).toEqual({ locked: false, error: 'unsupported' });
    expect(report.coreDisabled).toBe(false);
    expect(report.after).toBe(0);
  });
});
