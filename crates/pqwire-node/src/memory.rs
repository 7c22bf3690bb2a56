//! Memory protection for a process that holds keys (the key service): lock its memory into
//! RAM so that no page of it, secret keys included, is ever written to swap, and keep its
//! memory out of core dumps. Unix only (the core-dump switch and the locked-memory figure
//! are Linux's); elsewhere each function reports that it did nothing. None panics or throws:
//! a failure is reported in the result, with the operating system's words.

use napi_derive::napi;

/// What `lockProcessMemory` did.
#[napi(object, object_from_js = false)]
pub struct MemoryLockResult {
    /// Whether `mlockall` succeeded: the process's memory, current and future, is locked.
    pub locked: bool,
    /// Why not, in the operating system's words (`Cannot allocate memory (os error 12)`:
    /// over `RLIMIT_MEMLOCK`, raise it or give the process `CAP_IPC_LOCK`), or
    /// `unsupported` on a platform without `mlockall`.
    pub error: Option<String>,
}

/// How much of the process's memory is locked.
#[napi(object, object_from_js = false)]
pub struct MemoryLockStatus {
    /// `VmLck` of `/proc/self/status`, in bytes (Linux; 0 elsewhere or if unreadable).
    pub locked_bytes: f64,
}

/// Locks every page of the process, present and future, into RAM: `mlockall(MCL_CURRENT |
/// MCL_FUTURE | MCL_ONFAULT)` on Linux (pages are locked as they are first touched, so
/// the heap's large reserved ranges cost nothing until used), falling back to
/// `mlockall(MCL_CURRENT | MCL_FUTURE)` where the kernel refuses `MCL_ONFAULT` (`EINVAL`,
/// before Linux 4.4) and on the other Unix systems.
#[napi(catch_unwind)]
pub fn lock_process_memory() -> MemoryLockResult {
    match imp::lock_all() {
        Ok(()) => MemoryLockResult {
            locked: true,
            error: None,
        },
        Err(error) => MemoryLockResult {
            locked: false,
            error: Some(error),
        },
    }
}

/// Unlocks every page of the process (`munlockall`), and stops locking future ones.
/// Returns whether it succeeded (`false` on platforms without it). V8 (Node 20) cannot
/// free its own pages while they are locked (its `madvise(MADV_DONTNEED)` is refused with
/// `EINVAL` and it ends the process), so the facade calls this before Node tears the
/// isolate down at exit.
#[napi(catch_unwind)]
pub fn unlock_process_memory() -> bool {
    imp::unlock_all()
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
    use std::io;

    /// `mlockall(flags)`, or the operating system's error.
    fn mlockall(flags: libc::c_int) -> io::Result<()> {
        // SAFETY: mlockall takes flags only and touches no memory of ours.
        if unsafe { libc::mlockall(flags) } == 0 {
            Ok(())
        } else {
            Err(io::Error::last_os_error())
        }
    }

    pub(super) fn lock_all() -> Result<(), String> {
        let base = libc::MCL_CURRENT | libc::MCL_FUTURE;
        match on_fault(base) {
            Some(Err(e)) if e.raw_os_error() == Some(libc::EINVAL) => {}
            Some(done) => return done.map_err(|e| e.to_string()),
            None => {}
        }
        mlockall(base).map_err(|e| e.to_string())
    }

    /// `mlockall` with `MCL_ONFAULT` (Linux).
    #[cfg(any(target_os = "linux", target_os = "android"))]
    fn on_fault(base: libc::c_int) -> Option<io::Result<()>> {
        Some(mlockall(base | libc::MCL_ONFAULT))
    }

    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    fn on_fault(_base: libc::c_int) -> Option<io::Result<()>> {
        None
    }

    pub(super) fn unlock_all() -> bool {
        // SAFETY: munlockall takes no arguments and touches no memory of ours.
        unsafe { libc::munlockall() == 0 }
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
    pub(super) fn lock_all() -> Result<(), String> {
        Err("unsupported".to_string())
    }

    pub(super) fn unlock_all() -> bool {
        false
    }

    pub(super) fn no_core_dumps() -> bool {
        false
    }

    pub(super) fn locked_bytes() -> u64 {
        0
    }
}
