/**
 * Memory protection for a process that holds keys, for the key service: keep the process's
 * memory out of core dumps, and report how much of it is locked into RAM. Not part of the
 * public API (`index.ts` does not export it); the key service imports it and calls
 * {@link disableCoreDumps} once at start-up, before it loads keys.
 *
 * The secrets themselves are locked key pair by key pair: `KemKeyPair.lockMemory()` and
 * `SigKeyPair.lockMemory()` `mlock` only the pages that hold a key pair's secret state.
 * Whole-process locking (`mlockall`) was tried and dropped: V8 (Node 20) frees its own pages
 * with `madvise(MADV_DONTNEED)`, which the kernel refuses (`EINVAL`) on locked memory, and
 * V8 then aborts the process (`Check failed: 0 == ret`, SIGTRAP, exit status 133), at a
 * normal exit, when a Worker ends, and within seconds of running code-heavy work.
 *
 * None of these functions throws for a refusal of the operating system: each reports it.
 * Unix only; on other platforms they report that nothing was done.
 *
 * @example
 * ```ts
 * import { disableCoreDumps, lockedMemoryBytes } from '../memory-lock';
 * if (!disableCoreDumps()) log.warn('a crash may write keys to a core file');
 * const kp = kem('ML-KEM-1024', { backend: 'libcrux' }).generateKeyPair();
 * if (!kp.lockMemory()) log.warn('the key may be written to swap');
 * log.info(`locked: ${lockedMemoryBytes()} bytes`);
 * ```
 * @internal
 */
import native from './native';
import { call } from './errors';

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
 * Linux (whole pages: those `lockMemory()` locked, and any other lock in the process); 0 on
 * other platforms or when it cannot be read.
 *
 * @example
 * ```ts
 * metrics.gauge('keyservice_locked_bytes', lockedMemoryBytes());
 * ```
 */
export function lockedMemoryBytes(): number {
  return call(() => native.memoryLockStatus()).lockedBytes;
}
