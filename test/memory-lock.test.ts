// The key service's memory protection: KemKeyPair.lockMemory() / SigKeyPair.lockMemory()
// (crates/pqwire-node/src/memory.rs, pqwire-core's `secret_memory()`), and disableCoreDumps()
// and lockedMemoryBytes() (ts/src/memory-lock.ts). Locked pages stay locked until the process
// ends, so every case that locks runs in a child `node` that loads the compiled modules
// (ts/dist) and reports back; the vitest worker never locks anything. Each child must exit
// with status 0: V8 aborts a process whose own pages are locked (why whole-process locking
// was dropped), which locking only the key pairs' pages must not provoke. Lockable key pairs
// (`generateKeyPair(seed, { lockable: true })`, `importKeyPair(sk, pk, { lockable: true })`)
// lock in full for every suite and compute what the normal ones compute.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  DisposedError,
  InvalidArgumentError,
  InvalidTypeError,
  kem,
  kemSuites,
  sig,
  sigSuites,
  type Backend,
} from '../ts/src/index';
import { expectThrow } from './helpers';

const INDEX = resolve(__dirname, '../ts/dist/index.js');
const MODULE = resolve(__dirname, '../ts/dist/memory-lock.js');

/** Runs `script` in a fresh `node` (with `CASE` in its environment) and parses what it prints. */
function child<T>(script: string, env: Record<string, string> = {}, args: string[] = []): T {
  expect(existsSync(INDEX) && existsSync(MODULE), 'ts/dist is built (npm run build:ts)').toBe(true);
  const prelude = `
    const fs = require('node:fs');
    const p = require(${JSON.stringify(INDEX)});
    const m = require(${JSON.stringify(MODULE)});
    const limits = () => { try { return fs.readFileSync('/proc/self/limits', 'utf8').split('\\n'); } catch { return []; } };
    const limit = (name) => { const l = limits().find((x) => x.startsWith(name)); return l ? l.slice(name.length).trim().split(/\\s+/).slice(0, 2).join(' ') : null; };
    const capIpcLock = () => { try { const l = fs.readFileSync('/proc/self/status', 'utf8').split('\\n').find((x) => x.startsWith('CapEff:')); return l ? (BigInt('0x' + l.slice(7).trim()) & (1n << 14n)) !== 0n : false; } catch { return false; } };
    const env = () => ({ uid: process.getuid ? process.getuid() : null, memlock: limit('Max locked memory'), capIpcLock: capIpcLock() });
  `;
  const r = spawnSync(process.execPath, [...args, '-e', prelude + script], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  expect(r.signal, r.stderr).toBeNull();
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
}

/** Who the child was: root, the `Max locked memory` soft and hard limits, CAP_IPC_LOCK. */
interface Env {
  uid: number | null;
  memlock: string | null;
  capIpcLock: boolean;
}

/**
 * Why locking cannot be expected to succeed here, or `undefined` if it can: a process that
 * is neither root nor has CAP_IPC_LOCK may lock only RLIMIT_MEMLOCK bytes, and below 1 MiB
 * (64 KiB was the long-time default) a key pair's pages may not fit.
 */
function cannotLock(e: Env): string | undefined {
  if (e.uid === 0 || e.capIpcLock) return undefined;
  const soft = e.memlock?.split(' ')[0];
  if (soft === 'unlimited' || Number(soft) >= 1 << 20) return undefined;
  return `not root (uid ${e.uid}), no CAP_IPC_LOCK, and RLIMIT_MEMLOCK is ${e.memlock} bytes: mlock may be refused, so a true result cannot be expected here`;
}

type Kind = 'kem' | 'sig';

/** Where the key pair's secret state is all within pqwire's reach (lockMemory() can be true). */
function complete(kind: Kind, suite: string, backend: Backend): boolean {
  if (kind === 'sig') return suite.startsWith('ML-DSA'); // Ed25519 is AWS-LC's
  if (!suite.startsWith('ML-KEM')) return false; // X25519 is AWS-LC's, alone and in the hybrids
  return backend === 'libcrux' || backend === 'pqclean'; // AWS-LC's heap; ml-kem's private boxes
}

/**
 * Where a lockable key pair (`{ lockable: true }`) of the case is all within reach: every
 * suite and backend but RustCrypto's ML-KEM (private heap boxes, alone and in its hybrids).
 */
function lockableComplete(kind: Kind, _suite: string, backend: Backend): boolean {
  return !(kind === 'kem' && backend === 'rustcrypto');
}

const BACKENDS: Backend[] = ['default', 'libcrux', 'rustcrypto', 'pqclean'];

/** Every (kind, suite, backend) this build offers, with the result lockMemory() must give. */
const CASES = BACKENDS.flatMap((backend) => {
  const offered = (make: () => unknown): boolean => {
    try {
      make();
      return true;
    } catch {
      return false;
    }
  };
  return [
    ...kemSuites.filter((s) => offered(() => kem(s, { backend }))).map((suite) => ['kem', suite, backend] as const),
    ...sigSuites.filter((s) => offered(() => sig(s, { backend }))).map((suite) => ['sig', suite, backend] as const),
  ].map(([kind, suite, b]) => ({
    kind: kind as Kind,
    suite,
    backend: b,
    complete: complete(kind, suite, b),
    lockable: lockableComplete(kind, suite, b),
  }));
});

interface CaseReport extends Env {
  before: number;
  locked: boolean;
  after: number;
  twice: boolean;
  imported: boolean;
  works: boolean;
  lockable: boolean;
  lockableWorks: boolean;
}

/** Generates a key pair of the case in a fresh process, locks it, then an imported twin. */
const CASE_SCRIPT = `
  const c = JSON.parse(process.env.CASE);
  const suite = c.kind === 'kem' ? p.kem(c.suite, { backend: c.backend }) : p.sig(c.suite, { backend: c.backend });
  const before = m.lockedMemoryBytes();
  const kp = suite.generateKeyPair();
  const locked = kp.lockMemory();
  const after = m.lockedMemoryBytes();
  const twice = kp.lockMemory();
  const twin = suite.importKeyPair(kp.exportSecretKey(), kp.publicKey);
  const imported = twin.lockMemory();
  // The locked key pairs still work, and dispose() still wipes them.
  let works;
  if (c.kind === 'kem') {
    const { cipherText, sharedSecret } = suite.encapsulate(kp.publicKey);
    works = Buffer.from(twin.decapsulate(cipherText)).equals(Buffer.from(sharedSecret));
  } else {
    const msg = Buffer.from('locked');
    works = suite.verify(twin.sign(msg), msg, kp.publicKey).valid;
  }
  // The lockable key pair of the same case (the suite object's backend, lockable form).
  const lk = suite.importKeyPair(kp.exportSecretKey(), kp.publicKey, { lockable: true });
  const lockable = lk.lockMemory();
  let lockableWorks;
  if (c.kind === 'kem') {
    const { cipherText, sharedSecret } = suite.encapsulate(kp.publicKey);
    lockableWorks = Buffer.from(lk.decapsulate(cipherText)).equals(Buffer.from(sharedSecret));
  } else {
    const msg = Buffer.from('lockable');
    lockableWorks = suite.verify(lk.sign(msg), msg, kp.publicKey).valid;
  }
  kp.dispose();
  twin.dispose();
  lk.dispose();
  process.stdout.write(JSON.stringify({ ...env(), before, locked, after, twice, imported, works, lockable, lockableWorks }));
`;

/** Every KEM and signature suite, with the default backend: the key service's case. */
const LOCKABLE_CASES = [
  ...kemSuites.map((suite) => ({ kind: 'kem' as Kind, suite })),
  ...sigSuites.map((suite) => ({ kind: 'sig' as Kind, suite })),
];

interface LockableReport extends Env {
  before: number;
  after: number;
  /** lockMemory() of the lockable key pairs: generated, imported, generated from a seed. */
  generated: boolean;
  imported: boolean;
  seeded: boolean;
  /** lockMemory() of the normal key pair imported from the same secret key. */
  normal: boolean;
  /** Each comparison with the normal key pair, by name: all must be true. */
  checks: Record<string, boolean>;
}

/**
 * A lockable key pair of the case (generated without and with a seed, and imported), locked,
 * against the normal key pair imported from the same secret key: the same public key from
 * the same seed, the same shared secrets (single, async and batch; genuine ciphertexts and
 * arbitrary bytes), the same deterministic signatures (single and batch), hedged signatures
 * the suite verifies, the secret key exported as it was given; dispose() works.
 */
const LOCKABLE_SCRIPT = `
  const c = JSON.parse(process.env.CASE);
  const eq = (a, b) => Buffer.from(a).equals(Buffer.from(b));
  const all = (xs) => xs.length > 0 && xs.every(Boolean);
  (async () => {
    const suite = c.kind === 'kem' ? p.kem(c.suite) : p.sig(c.suite);
    const before = m.lockedMemoryBytes();
    const kp = suite.generateKeyPair(undefined, { lockable: true });
    const generated = kp.lockMemory();
    const after = m.lockedMemoryBytes();
    const sk = kp.exportSecretKey();
    const normal = suite.importKeyPair(sk, kp.publicKey);
    const twin = suite.importKeyPair(sk, kp.publicKey, { lockable: true });
    const imported = twin.lockMemory();
    const seed = Uint8Array.from({ length: suite.lengths.keygenSeed }, (_, i) => (i * 7 + 1) & 255);
    const seeded = suite.generateKeyPair(seed, { lockable: true });
    const seededNormal = suite.generateKeyPair(seed);
    const checks = {
      exportRoundTrips: eq(twin.exportSecretKey(), sk) && eq(twin.publicKey, kp.publicKey),
      seededPublicKey: eq(seeded.publicKey, seededNormal.publicKey),
      seededSecretKey: eq(seeded.exportSecretKey(), seededNormal.exportSecretKey()),
    };
    if (c.kind === 'kem') {
      const encs = Array.from({ length: 4 }, () => suite.encapsulate(kp.publicKey));
      const rnd = Uint8Array.from({ length: suite.lengths.cipherText }, (_, i) => (i * 13 + 5) & 255);
      const cts = [...encs.map((e) => e.cipherText), rnd];
      checks.sharedSecrets = all(encs.map((e) => eq(kp.decapsulate(e.cipherText), e.sharedSecret)));
      checks.sameAsNormal = all(cts.map((ct) => eq(kp.decapsulate(ct), normal.decapsulate(ct))));
      checks.importedSameAsNormal = all(cts.map((ct) => eq(twin.decapsulate(ct), normal.decapsulate(ct))));
      checks.async = eq(await kp.decapsulateAsync(cts[0]), normal.decapsulate(cts[0]));
      const batch = await kp.decapsulateBatch(cts);
      checks.batch = batch.length === cts.length && all(cts.map((ct, i) => eq(batch[i], normal.decapsulate(ct))));
      const s = suite.encapsulate(seeded.publicKey);
      checks.seededDecapsulates = eq(seeded.decapsulate(s.cipherText), seededNormal.decapsulate(s.cipherText));
    } else {
      const ed = c.suite === 'Ed25519';
      const opts = ed ? {} : { context: Buffer.from('ctx') };
      const det = { ...opts, deterministic: true };
      const msgs = [new Uint8Array(0), Buffer.from('a'), new Uint8Array(1000).fill(0xa5)];
      checks.deterministic = all(msgs.map((x) => eq(kp.sign(x, det), normal.sign(x, det))));
      checks.importedDeterministic = all(msgs.map((x) => eq(twin.sign(x, det), normal.sign(x, det))));
      checks.hedgedVerifies = all(msgs.map((x) => suite.verify(kp.sign(x, opts), x, normal.publicKey, opts).valid));
      checks.normalVerifiesToo = all(msgs.map((x) => suite.verify(normal.sign(x, opts), x, kp.publicKey, opts).valid));
      checks.async = suite.verify(await kp.signAsync(msgs[1], opts), msgs[1], kp.publicKey, opts).valid;
      const batch = await kp.signBatch(msgs, det);
      checks.batch = batch.length === msgs.length && all(msgs.map((x, i) => eq(batch[i], normal.sign(x, det))));
      checks.seededSigns = eq(seeded.sign(msgs[1], det), seededNormal.sign(msgs[1], det));
      if (!ed) {
        const randomness = new Uint8Array(32).fill(3);
        checks.givenRandomness = eq(kp.sign(msgs[1], { ...opts, randomness }), normal.sign(msgs[1], { ...opts, randomness }));
      }
    }
    const seededLocked = seeded.lockMemory();
    const normalLocked = normal.lockMemory();
    kp.dispose();
    let threw = false;
    try { c.kind === 'kem' ? kp.decapsulate(new Uint8Array(suite.lengths.cipherText)) : kp.sign(new Uint8Array(1)); } catch (e) { threw = e.code === 'DISPOSED'; }
    checks.dispose = threw && kp.disposed;
    for (const x of [twin, normal, seeded, seededNormal]) x.dispose();
    process.stdout.write(JSON.stringify({ ...env(), before, after, generated, imported, seeded: seededLocked, normal: normalLocked, checks }));
  })().catch((e) => { console.error(e); process.exit(1); });
`;

describe.runIf(process.platform === 'linux')('lockMemory (Linux, in child processes)', () => {
  it('the module exports disableCoreDumps and lockedMemoryBytes only; the addon has no process-wide lock', () => {
    const out = child<{ exports: string[]; native: string[] }>(`
      const native = require(${JSON.stringify(resolve(__dirname, '../native/index.js'))});
      process.stdout.write(JSON.stringify({
        exports: Object.keys(m).sort(),
        native: Object.keys(native).filter((k) => /lock|dump/i.test(k)).sort(),
      }));
    `);
    expect(out.exports).toEqual(['disableCoreDumps', 'lockedMemoryBytes']);
    expect(out.native).toEqual(['disableCoreDumps', 'memoryLockStatus']);
  });

  it('covers the suites the key service offers', () => {
    const names = CASES.map((c) => `${c.kind} ${c.suite} ${c.backend}`);
    expect(names).toContain('kem X25519+ML-KEM-1024 default');
    expect(names).toContain('sig Ed25519+ML-DSA-87 default');
    expect(names).toContain('kem ML-KEM-1024 libcrux');
    expect(names).toContain('kem ML-KEM-1024 pqclean');
    expect(names).toContain('sig ML-DSA-87 rustcrypto');
  });

  it.for(CASES)(
    '$kind $suite ($backend): lockMemory() is $complete ($lockable when lockable), locks its pages either way, and the key pair still works',
    (c, ctx) => {
      const r = child<CaseReport>(CASE_SCRIPT, { CASE: JSON.stringify(c) });
      expect(r.works).toBe(true);
      expect(r.lockableWorks).toBe(true);
      const why = cannotLock(r);
      if (!c.complete) {
        // Part of the secret is where pqwire cannot see it: never claimed locked...
        expect([r.locked, r.twice, r.imported]).toEqual([false, false, false]);
      } else {
        if (why !== undefined && !r.locked) ctx.skip(why);
        expect([r.locked, r.twice, r.imported]).toEqual([true, true, true]);
      }
      // ...but what it can see is locked all the same (at least the secret key's bytes).
      if (why === undefined) expect(r.after).toBeGreaterThan(r.before);
      if (!c.lockable) {
        expect(r.lockable).toBe(false); // RustCrypto's ML-KEM: lockable cannot help
      } else {
        if (why !== undefined && !r.lockable) ctx.skip(why);
        expect(r.lockable).toBe(true);
      }
    },
  );

  it.for(LOCKABLE_CASES)(
    'lockable $kind $suite (default backend): lockMemory() is true, and it computes what the normal key pair computes',
    (c, ctx) => {
      const r = child<LockableReport>(LOCKABLE_SCRIPT, { CASE: JSON.stringify(c) });
      // What it computes, whether or not it could lock.
      expect(r.checks).toEqual(Object.fromEntries(Object.keys(r.checks).map((k) => [k, true])));
      expect(Object.keys(r.checks).length).toBeGreaterThanOrEqual(c.kind === 'kem' ? 9 : 10);
      // The normal key pair of the suite keeps its old result (AWS-LC holds X25519/Ed25519).
      const why = cannotLock(r);
      if (!complete(c.kind, c.suite, 'default')) expect(r.normal).toBe(false);
      else if (why === undefined) expect(r.normal).toBe(true);
      if (why !== undefined && !r.generated) ctx.skip(why);
      expect([r.generated, r.imported, r.seeded]).toEqual([true, true, true]);
      if (why === undefined) expect(r.after).toBeGreaterThan(r.before);
    },
  );

  it('the backend of kem()/sig() is the key pair\'s: libcrux ML-KEM-1024 locks completely, the default (AWS-LC) does not', (ctx) => {
    const r = child<Env & { libcrux: boolean; aws: boolean; rustcrypto: boolean }>(`
      const libcrux = p.kem('ML-KEM-1024', { backend: 'libcrux' }).generateKeyPair().lockMemory();
      const aws = p.mlKem1024.generateKeyPair().lockMemory();
      const rustcrypto = p.kem('ML-KEM-1024', { backend: 'rustcrypto' }).generateKeyPair().lockMemory();
      process.stdout.write(JSON.stringify({ ...env(), libcrux, aws, rustcrypto }));
    `);
    expect(r.aws).toBe(false);
    expect(r.rustcrypto).toBe(false);
    const why = cannotLock(r);
    if (why !== undefined && !r.libcrux) ctx.skip(why);
    expect(r.libcrux).toBe(true);
  });

  it('a process with locked key pairs survives garbage, compiled code, a Worker ending and dispose(), and exits with status 0', () => {
    const r = child<{ locked: boolean[]; lockedBytes: number; rounds: number; worker: number }>(
      `
      const { Worker } = require('node:worker_threads');
      const pairs = [
        p.kem('X25519+ML-KEM-1024').generateKeyPair(),
        p.kem('ML-KEM-1024', { backend: 'libcrux' }).generateKeyPair(),
        p.sig('Ed25519+ML-DSA-87').generateKeyPair(),
        p.sig('ML-DSA-87').generateKeyPair(),
      ];
      const locked = pairs.map((kp) => kp.lockMemory());
      (async () => {
        let rounds = 0;
        const until = Date.now() + 2000;
        while (Date.now() < until) {
          // Code-heavy work, where V8 frees code pages (what aborted a fully locked process).
          for (let i = 0; i < 3000; i++) new Function('x', 'return x + ' + (rounds * 3000 + i))(i);
          // Garbage in the JS heap and in native memory, and key pairs made and wiped.
          let junk = [];
          for (let i = 0; i < 200; i++) junk.push(Buffer.alloc(64 * 1024, i), { i, s: 'x'.repeat(1000) });
          junk = null;
          const kp = p.kem('ML-KEM-768', { backend: 'libcrux' }).generateKeyPair();
          kp.lockMemory();
          kp.dispose();
          if (global.gc) global.gc();
          rounds++;
          await new Promise((r) => setImmediate(r));
        }
        const worker = await new Promise((resolve, reject) => {
          const w = new Worker('const a = []; for (let i = 0; i < 1e5; i++) a.push({ i }); require("node:worker_threads").parentPort.postMessage(a.length);', { eval: true });
          w.on('message', (n) => { w.terminate().then(() => resolve(n), reject); });
          w.on('error', reject);
        });
        pairs[0].dispose();
        pairs[2].dispose();
        process.stdout.write(JSON.stringify({ locked, lockedBytes: m.lockedMemoryBytes(), rounds, worker }));
      })().catch((e) => { console.error(e); process.exit(1); });
    `,
      {},
      ['--expose-gc'],
    );
    expect(r.rounds).toBeGreaterThan(0);
    expect(r.worker).toBe(1e5);
    expect(r.locked).toHaveLength(4);
    // The child's exit status 0 is checked by child(): no V8 abort at exit either.
  });

  it('disableCoreDumps() returns true and leaves RLIMIT_CORE at 0', () => {
    const r = child<{ disabled: boolean; core: string | null }>(`
      const disabled = m.disableCoreDumps();
      process.stdout.write(JSON.stringify({ disabled, core: limit('Max core file size') }));
    `);
    expect(r.disabled).toBe(true);
    expect(r.core).toBe('0 0');
  });
});

describe('the lockable option (in process: nothing is locked)', () => {
  it('makes key pairs of every suite; lockable must be a boolean, and no other option is known', () => {
    for (const s of kemSuites) {
      const k = kem(s);
      const kp = k.generateKeyPair(undefined, { lockable: true });
      const { cipherText, sharedSecret } = k.encapsulate(kp.publicKey);
      expect(kp.decapsulate(cipherText)).toEqual(sharedSecret);
      expect(k.importKeyPair(kp.exportSecretKey(), kp.publicKey, { lockable: false }).decapsulate(cipherText)).toEqual(sharedSecret);
      kp.dispose();
    }
    for (const s of sigSuites) {
      const g = sig(s);
      const kp = g.generateKeyPair(undefined, { lockable: true });
      const m = new Uint8Array([1, 2, 3]);
      expect(g.verify(kp.sign(m), m, kp.publicKey).valid).toBe(true);
      kp.dispose();
    }
    expectThrow(() => kem('ML-KEM-768').generateKeyPair(undefined, { lockable: 'yes' as never }), InvalidTypeError, 'INVALID_TYPE');
    expectThrow(() => sig('Ed25519').generateKeyPair(undefined, { lockable: 1 as never }), InvalidTypeError, 'INVALID_TYPE');
    expectThrow(() => kem('ML-KEM-768').generateKeyPair(undefined, { lockabel: true } as never), InvalidArgumentError, 'INVALID_ARGUMENT');
    const kp = sig('ML-DSA-44').generateKeyPair();
    expectThrow(
      () => sig('ML-DSA-44').importKeyPair(kp.exportSecretKey(), kp.publicKey, null as never),
      InvalidTypeError,
      'INVALID_TYPE',
    );
  });
});

describe('lockMemory on a disposed key pair', () => {
  it('throws DisposedError (nothing is locked)', () => {
    const k = kem('X25519+ML-KEM-1024').generateKeyPair();
    const s = sig('Ed25519+ML-DSA-87').generateKeyPair();
    const kl = kem('X25519+ML-KEM-1024').generateKeyPair(undefined, { lockable: true });
    const sl = sig('Ed25519+ML-DSA-87').generateKeyPair(undefined, { lockable: true });
    for (const kp of [k, s, kl, sl]) {
      kp.dispose();
      expectThrow(() => kp.lockMemory(), DisposedError, 'DISPOSED');
    }
  });
});

describe.runIf(process.platform !== 'linux' && process.platform !== 'win32')('memory lock (other Unix)', () => {
  it('disableCoreDumps() works (setrlimit); lockedMemoryBytes() is 0', () => {
    const r = child<{ disabled: boolean; bytes: number }>(`
      process.stdout.write(JSON.stringify({ disabled: m.disableCoreDumps(), bytes: m.lockedMemoryBytes() }));
    `);
    expect(r.disabled).toBe(true);
    expect(r.bytes).toBe(0);
  });
});

describe.runIf(process.platform === 'win32')('memory lock (Windows: unsupported)', () => {
  it('reports that nothing was done', () => {
    const r = child<{ locked: boolean; disabled: boolean; bytes: number }>(`
      const locked = p.kem('ML-KEM-1024', { backend: 'libcrux' }).generateKeyPair().lockMemory();
      process.stdout.write(JSON.stringify({ locked, disabled: m.disableCoreDumps(), bytes: m.lockedMemoryBytes() }));
    `);
    expect(r).toEqual({ locked: false, disabled: false, bytes: 0 });
  });
});
