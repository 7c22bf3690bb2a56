//! The batch operations' work (`kemEncapsulateBatch`, `sigVerifyBatch`, …): one libuv
//! thread-pool task per batch, whose items are split across the machine's cores inside
//! that task with scoped threads (docs/primitives.md, "Batch operations").
//!
//! - A batch of fewer than [`INLINE_BELOW`] items runs on the thread-pool thread alone.
//! - Otherwise the items are cut into contiguous chunks, one per core (at least
//!   [`MIN_PER_THREAD`] items each); the thread-pool thread runs the first chunk and a
//!   scoped helper thread each other one. A helper that cannot be started leaves its chunk
//!   to the thread-pool thread.
//! - A panic in any chunk becomes `INTERNAL` (caught in the chunk, and again at `join`), so
//!   none reaches Node-API; the task's own `catch_unwind` (task.rs) stays the last guard.
//! - Each chunk stops at its first failing item; the batch fails with the failure of the
//!   lowest-numbered item that failed, its message prefixed with the item (`cipherTexts[3]: …`).

use crate::errors::{to_js, Failure, Fallible};
use std::ops::Range;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::OnceLock;
use std::thread;

/// The most items one batch call takes; more is `INVALID_ARGUMENT`. The facade holds the
/// same number (`MAX_BATCH_ITEMS`).
pub(crate) const MAX_ITEMS: usize = 65_536;

/// Below this many items a batch runs on the thread-pool thread alone: starting a helper
/// thread costs tens of microseconds, which a few operations do not pay back.
const INLINE_BELOW: usize = 8;

/// The fewest items a helper thread is started for.
const MIN_PER_THREAD: usize = 4;

/// The helpers' stack: libuv's thread-pool threads have 8 MiB, and a helper runs the
/// same operations (some backends keep large arrays on the stack).
const STACK_SIZE: usize = 8 << 20;

/// Refuses a batch of more than [`MAX_ITEMS`] items (`INVALID_ARGUMENT`), on the
/// JavaScript thread.
pub(crate) fn check_count(what: &str, count: usize) -> napi::Result<()> {
    if count > MAX_ITEMS {
        return Err(to_js(Failure::invalid_argument(format!(
            "{what}: a batch holds at most {MAX_ITEMS} items, got {count}"
        ))));
    }
    Ok(())
}

/// The cores to split over: `available_parallelism()`, read once (on Linux it reads the
/// cgroup quota), 1 if unknown.
fn cores() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES.get_or_init(|| thread::available_parallelism().map_or(1, usize::from))
}

/// How many chunks `count` items are cut into.
fn chunks(count: usize) -> usize {
    if count < INLINE_BELOW {
        1
    } else {
        cores().min(count / MIN_PER_THREAD).max(1)
    }
}

/// Why a chunk stopped early.
enum Stop {
    /// The item at this index failed.
    Failed(usize, Failure),
    /// The chunk panicked.
    Panicked,
}

type Chunk<T> = Result<Vec<T>, Stop>;

/// Runs `op` on the items of `range` in order, stopping at the first failure; a panic is
/// [`Stop::Panicked`].
fn run_chunk<T, E: Into<Failure>>(
    range: Range<usize>,
    op: &(impl Fn(usize) -> Result<T, E> + Sync),
) -> Chunk<T> {
    catch_unwind(AssertUnwindSafe(|| {
        let mut out = Vec::with_capacity(range.len());
        for i in range {
            out.push(op(i).map_err(|e| Stop::Failed(i, e.into()))?);
        }
        Ok(out)
    }))
    .unwrap_or(Err(Stop::Panicked))
}

/// `op(0)`, …, `op(count - 1)`, in order, split across the cores as the module says. `what`
/// names the items in a failure's message (`what[i]: …`).
pub(crate) fn map<T, E>(
    what: &str,
    count: usize,
    op: impl Fn(usize) -> Result<T, E> + Sync,
) -> Fallible<Vec<T>>
where
    T: Send,
    E: Into<Failure>,
{
    let n = chunks(count);
    let size = count.div_ceil(n).max(1);
    let ranges: Vec<Range<usize>> = (0..n)
        .map(|k| (k * size).min(count)..((k + 1) * size).min(count))
        .collect();
    let op = &op;
    let done: Vec<Chunk<T>> = match ranges.split_first() {
        None => Vec::new(),
        Some((first, [])) => vec![run_chunk(first.clone(), op)],
        Some((first, rest)) => thread::scope(|scope| {
            let helpers: Vec<_> = rest
                .iter()
                .map(|range| {
                    let r = range.clone();
                    thread::Builder::new()
                        .name("pqwire-batch".to_string())
                        .stack_size(STACK_SIZE)
                        .spawn_scoped(scope, move || run_chunk(r, op))
                        .map_err(|_| range.clone())
                })
                .collect();
            let mut done = Vec::with_capacity(ranges.len());
            done.push(run_chunk(first.clone(), op));
            for helper in helpers {
                done.push(match helper {
                    // Joined here, so a helper's panic never makes `scope` panic.
                    Ok(handle) => handle.join().unwrap_or(Err(Stop::Panicked)),
                    Err(range) => run_chunk(range, op),
                });
            }
            done
        }),
    };
    let mut out = Vec::with_capacity(count);
    for chunk in done {
        match chunk {
            Ok(items) => out.extend(items),
            Err(Stop::Failed(i, failure)) => return Err(failure.in_entry(&format!("{what}[{i}]"))),
            Err(Stop::Panicked) => {
                return Err(Failure::internal("a native batch operation panicked"))
            }
        }
    }
    Ok(out)
}

/// Owned copies of a batch's byte items, taken on the JavaScript thread (JavaScript's
/// memory is not read from other threads). An item equal to the one before it shares its
/// copy: one public key for every item is the common case, and 65,536 copies of it would
/// not be.
pub(crate) struct Owned {
    copies: Vec<Vec<u8>>,
    index: Vec<usize>,
}

impl Owned {
    /// Copies `items`.
    pub(crate) fn new(items: &[&[u8]]) -> Self {
        let mut copies: Vec<Vec<u8>> = Vec::new();
        let mut index = Vec::with_capacity(items.len());
        for item in items {
            if copies.last().is_none_or(|last| last.as_slice() != *item) {
                copies.push(item.to_vec());
            }
            index.push(copies.len() - 1);
        }
        Self { copies, index }
    }

    /// How many items.
    pub(crate) fn len(&self) -> usize {
        self.index.len()
    }

    /// Item `i`.
    pub(crate) fn get(&self, i: usize) -> &[u8] {
        self.index
            .get(i)
            .and_then(|&k| self.copies.get(k))
            .map_or(&[], Vec::as_slice)
    }
}
