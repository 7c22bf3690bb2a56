//! Memory protection for a process that holds keys (the key service): lock the pages that
//! hold a key pair's secret state into RAM ([`lock_secret_memory`], behind the key pairs'
//! `lockMemory()`), so that they are never written to swap, and keep the process's memory
//! out of core dumps. Unix only (the core-dump switch and the locked-memory figure are
//! Linux's); elsewhere each function reports that it did nothing. None panics or throws.
//!
//! Only those pages are locked, never the whole process: V8 (Node 20) frees its own pages
//! with `madvise(MADV_DONTNEED)`, which the kernel refuses on locked memory, and V8 then
//! aborts (at exit, when a Worker ends, and while running), so `mlockall` is not usable.

use napi_derive::napi;
use pqwire_core::SecretMemory;

/// How much of the process's memory is locked.
#[napi(object, object_from_js = false)]
pub struct MemoryLockStatus {
    /// `VmLck` of `/proc/self/status`, in bytes (Linux; 0 elsewhere or if unreadable).
    pub locked_bytes: f64,
}

/// Locks every page that holds part of `memory` into RAM (`mlock`; pages stay locked until
/// the process ends: they may hold other allocations too, and `mlock` does not nest, so
/// nothing is ever unlocked). Locks what it can; returns whether every region was locked
/// and the regions are all of the secret state (`false` on platforms without `mlock`).
pub(crate) fn lock_secret_memory(memory: &SecretMemory) -> bool {
    let locked = imp::lock_regions(&memory.regions);
    locked && memory.complete
}

/// Keeps the process from writing a core file: `setrlimit(RLIMIT_CORE, 0)` (Unix) and
/// `prctl(PR_SET_DUMPABLE, 0)` (Linux, which also refuses core dumps through a
/// `core_pattern` pipe, and `ptrace` attachment by other processes of the same user).
/// Returns whether every step succeeded (`false` on other platforms).
#[napi(catch_unwind)]
pub fn disable_core_dumps() -> bool {
    imp::no_core_dumps()
}

/// How much of the process's memory is locked.
#[napi(catch_unwind)]
pub fn memory_lock_status() -> MemoryLockStatus {
    MemoryLockStatus {
        locked_bytes: imp::locked_bytes() as f64,
    }
}

#[cfg(unix)]
mod imp {
    /// The page size (4096 where `sysconf` does not say).
    fn page_size() -> usize {
        // SAFETY: sysconf reads a configuration value and touches no memory of ours.
        let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        usize::try_from(size)
            .ok()
            .filter(|s| s.is_power_of_two())
            .unwrap_or(4096)
    }

    /// The page-aligned ranges `(start, end)` covering `regions`, merged where they touch.
    fn page_ranges(regions: &[(usize, usize)], page: usize) -> Option<Vec<(usize, usize)>> {
        let mut ranges = Vec::with_capacity(regions.len());
        for &(address, len) in regions.iter().filter(|&&(_, len)| len > 0) {
            let start = address & !(page - 1);
            let end = address.checked_add(len)?.checked_add(page - 1)? & !(page - 1);
            ranges.push((start, end));
        }
        ranges.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::with_capacity(ranges.len());
        for (start, end) in ranges {
            match merged.last_mut() {
                Some(last) if start <= last.1 => last.1 = last.1.max(end),
                _ => merged.push((start, end)),
            }
        }
        Some(merged)
    }

    /// `mlock`s the pages of every region; whether all succeeded. Tries every range even
    /// after a failure (over `RLIMIT_MEMLOCK`, say), so as much as possible is locked.
    pub(super) fn lock_regions(regions: &[(usize, usize)]) -> bool {
        let Some(ranges) = page_ranges(regions, page_size()) else {
            return false;
        };
        let mut all = true;
        for (start, end) in ranges {
            // SAFETY: mlock only changes how the kernel treats the pages of the range (it
            // faults them in and pins them); it reads and writes none of their contents.
            // The range covers memory the caller's key pair owns and keeps alive for the
            // call; were it unmapped, mlock would fail with ENOMEM, nothing worse.
            let done = unsafe { libc::mlock(start as *const libc::c_void, end - start) } == 0;
            all &= done;
        }
        all
    }

    pub(super) fn no_core_dumps() -> bool {
        let none = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: `none` is a valid rlimit that outlives the call, which only reads it.
        let limited = unsafe { libc::setrlimit(libc::RLIMIT_CORE, &none) } == 0;
        limited && undumpable()
    }

    /// `prctl(PR_SET_DUMPABLE, 0)` (Linux).
    #[cfg(any(target_os = "linux", target_os = "android"))]
    fn undumpable() -> bool {
        let zero: libc::c_ulong = 0;
        // SAFETY: PR_SET_DUMPABLE reads one integer argument; the others are zero.
        unsafe { libc::prctl(libc::PR_SET_DUMPABLE, zero, zero, zero, zero) == 0 }
    }

    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    fn undumpable() -> bool {
        true
    }

    /// `VmLck` of `/proc/self/status`, in bytes.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub(super) fn locked_bytes() -> u64 {
        std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|status| vm_lck(&status))
            .unwrap_or(0)
    }

    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    pub(super) fn locked_bytes() -> u64 {
        0
    }

    /// The `VmLck:   1234 kB` line of a `/proc/<pid>/status`, in bytes.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    fn vm_lck(status: &str) -> Option<u64> {
        let line = status.lines().find_map(|l| l.strip_prefix("VmLck:"))?;
        let kib = line.trim().strip_suffix("kB")?.trim().parse::<u64>().ok()?;
        kib.checked_mul(1024)
    }
}

#[cfg(not(unix))]
mod imp {
    pub(super) fn lock_regions(_regions: &[(usize, usize)]) -> bool {
        false
    }

    pub(super) fn no_core_dumps() -> bool {
        false
    }

    pub(super) fn locked_bytes() -> u64 {
        0
    }
}
