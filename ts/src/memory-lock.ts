/**
 * Memory protection for a process that holds keys, for the key service: lock the process's
 * memory into RAM, so that no page of it (secret keys included) is ever written to swap,
 * and keep it out of core dumps. Not part of the public API (`index.ts` does not export
 * it); the key service imports it and calls it once at start-up, before it loads keys.
 *
 * None of these functions throws for a refusal of the operating system: each reports it.
 * Unix only; on other platforms they report that nothing was done.
 *
 * **Warning: V8 and locked memory.** V8 (Node 20.20, V8 11.3, measured on Linux 6.18)
 * releases pages it no longer needs with `madvise(MADV_DONTNEED)`, which the kernel refuses
 * (`EINVAL`) on locked memory, and V8 then stops the process with a fatal error
 * (`Check failed: 0 == ret`, SIGTRAP, exit status 133). After {@link lockProcessMemory}
 * that happened:
 * - at a normal exit, when Node tears the isolate down: {@link lockProcessMemory} therefore
 *   unlocks the memory again in a `process.on('exit')` listener ({@link unlockProcessMemory});
 * - when a `worker_threads` Worker ends (its isolate is torn down), which no listener can
 *   prevent: a locked process must not end workers (the server's SQLite checkpointer is
 *   one);
 * - while running, within seconds, in a process that compiles and drops a lot of code
 *   (3,000 new functions per round): V8 frees code-space pages then.
 * So whole-process locking is not yet safe for a long-running Node process; test the key
 * service's own workload under it before relying on it, or lock less (only the native
 * memory that holds secrets) instead.
 *
 * @example
 * ```ts
 * import { disableCoreDumps, lockProcessMemory, lockedMemoryBytes } from '../memory-lock';
 * const lock = lockProcessMemory();
 * if (!lock.locked) log.warn(`keys may be swapped out: ${lock.error}`);
 * if (!disableCoreDumps()) log.warn('a crash may write keys to a core file');
 * log.info(`locked: ${lockedMemoryBytes()} bytes`);
 * ```
 * @internal
 */
import native from './native';
import { call } from './errors';

/** What {@link lockProcessMemory} did. */
export interface MemoryLockResult {
  /** Whether the process's memory, present and future, is now locked into RAM. */
  locked: boolean;
  /**
   * Why not, in the operating system's words: `Cannot allocate memory (os error 12)` when
   * the process may lock less than it has mapped (`RLIMIT_MEMLOCK`, `ulimit -l`; root or
   * `CAP_IPC_LOCK` is not limited), `Operation not permitted (os error 1)`, or
   * `unsupported` on a platform without `mlockall`.
   */
  error?: string;
}

/**
 * Locks every page of the process into RAM, those mapped now and those mapped later:
 * `mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)` on Linux, where a page is locked when
 * it is first touched (V8's large reserved ranges cost nothing until used), falling back to
 * `mlockall(MCL_CURRENT | MCL_FUTURE)` on kernels without `MCL_ONFAULT` (before 4.4) and on
 * the other Unix systems.
 *
 * Needs root, `CAP_IPC_LOCK`, or an `RLIMIT_MEMLOCK` above what the process will ever map
 * (`LimitMEMLOCK=infinity` in a systemd unit, `--ulimit memlock=-1` for Docker): Node
 * reserves gigabytes of address space, so below that the call fails with `ENOMEM` and
 * changes nothing. Once locked, a later mapping that would pass a finite limit fails, which
 * V8 treats as running out of memory: give the key service an unlimited limit. Locked
 * memory is not swapped, but it is still readable by root and by a debugger attached to
 * the process; {@link disableCoreDumps} blocks the latter for other users' processes.
 *
 * @example
 * ```ts
 * const { locked, error } = lockProcessMemory();
 * if (!locked) throw new Error(`refusing to start the key service: memory not locked (${error})`);
 * ```
 */
export function lockProcessMemory(): MemoryLockResult {
  const r = call(() => native.lockProcessMemory());
  if (r.locked && !unlockAtExit) {
    // V8 cannot tear an isolate down in locked memory (see the module's warning).
    unlockAtExit = true;
    process.on('exit', () => {
      native.unlockProcessMemory();
    });
  }
  return r.error === undefined || r.error === null ? { locked: r.locked } : { locked: r.locked, error: r.error };
}

/** Whether the `exit` listener that unlocks the memory is registered. */
let unlockAtExit = false;

/**
 * Unlocks the process's memory (`munlockall`) and stops locking what is mapped later.
 * Returns whether it succeeded; `false` on platforms without it. {@link lockProcessMemory}
 * has it called at exit (see the module's warning).
 *
 * @example
 * ```ts
 * lockProcessMemory();
 * // ... before ending a worker thread, or to shut down in stages:
 * unlockProcessMemory();
 * ```
 */
export function unlockProcessMemory(): boolean {
  return call(() => native.unlockProcessMemory());
}

/**
 * Makes sure a crash never writes the process's memory, keys included, to a core file:
 * `setrlimit(RLIMIT_CORE, 0)` on Unix, and on Linux `prctl(PR_SET_DUMPABLE, 0)`, which also
 * stops core dumps piped to a `core_pattern` handler (systemd-coredump, apport) that the
 * limit does not, and stops other processes of the same user from attaching a debugger
 * (`ptrace`) or reading `/proc/<pid>/mem`. (An administrator's `fs.suid_dumpable = 2`
 * still has the kernel dump such a process, readable by root only.) Returns whether every
 * step succeeded; `false` on platforms without them.
 *
 * @example
 * ```ts
 * if (!disableCoreDumps()) log.warn('core dumps could not be disabled');
 * ```
 */
export function disableCoreDumps(): boolean {
  return call(() => native.disableCoreDumps());
}

/**
 * How many bytes of the process's memory are locked: `VmLck` of `/proc/self/status` on
 * Linux (after {@link lockProcessMemory} with `MCL_ONFAULT`, the size of every locked
 * mapping, touched or not); 0 on other platforms or when it cannot be read.
 *
 * @example
 * ```ts
 * metrics.gauge('keyservice_locked_bytes', lockedMemoryBytes());
 * ```
 */
export function lockedMemoryBytes(): number {
  return call(() => native.memoryLockStatus()).lockedBytes;
}
