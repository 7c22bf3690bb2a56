//! The batch operations' work (`kemEncapsulateBatch`, `sigVerifyBatch`, …): one libuv
//! thread-pool task per batch, whose items are shared out among the machine's cores inside
//! that task with scoped threads (docs/primitives.md, "Batch operations").
//!
//! - The thread-pool thread runs item 0 alone and times it. Helper threads are started
//!   only if the rest of the batch is worth it: at most one per other core, each with at
//!   least [`MIN_WORK_PER_THREAD`] of estimated work and [`MIN_PER_THREAD`] items. A batch
//!   of fewer than [`INLINE_BELOW`] items never starts one.
//! - Items are then handed out one at a time, in order, to whichever thread asks first (an
//!   atomic counter), not cut into fixed chunks: a helper the scheduler starts late (on a
//!   small virtual machine the first measurement saw helpers start milliseconds late, on
//!   the busy core) only takes fewer items, and the thread-pool thread never waits for a
//!   chunk nobody has begun. A helper that cannot be started leaves its share to the others.
//! - A panic anywhere becomes `INTERNAL` (caught in each thread, and again at `join`), so
//!   none reaches Node-API; the task's own `catch_unwind` (task.rs) stays the last guard.
//! - The first failing item stops the handing out; the batch fails with the failure of the
//!   lowest-numbered item that failed (every item before it was run), its message
//!   prefixed with the item (`cipherTexts[3]: …`).

use crate::errors::{to_js, Failure, Fallible};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};

/// The most items one batch call takes; more is `INVALID_ARGUMENT`. The facade holds the
/// same number (`MAX_BATCH_ITEMS`).
pub(crate) const MAX_ITEMS: usize = 65_536;

/// Below this many items a batch runs on the thread-pool thread alone.
const INLINE_BELOW: usize = 8;

/// The fewest items, and the least estimated work, worth a thread: starting a helper and
/// joining it cost about 165 µs on the 2-core virtual machine the batch bench ran on (tens
/// of microseconds on a typical server), which a few fast operations do not pay back.
const MIN_PER_THREAD: usize = 4;
const MIN_WORK_PER_THREAD: Duration = Duration::from_micros(300);

/// The helpers' stack: libuv's thread-pool threads have 8 MiB, and a helper runs the
/// same operations (some backends keep large arrays on the stack).
const STACK_SIZE: usize = 8 << 20;

/// Helper threads started so far by every batch (`batchHelpersStarted`, for tests).
static HELPERS_STARTED: AtomicUsize = AtomicUsize::new(0);

/// How many helper threads batch operations have started in this process: a diagnostic,
/// which the tests use to see that a batch took the multi-threaded path.
#[napi_derive::napi(catch_unwind)]
pub fn batch_helpers_started() -> f64 {
    HELPERS_STARTED.load(Ordering::Relaxed) as f64
}

/// A batch of `count` items of nothing (200 µs of sleep each) in which every item run by
/// a helper thread panics (`in_helper`), or item 0, on the thread-pool thread, does. It
/// exists only so that the tests can show such panics end as `INTERNAL` rejections, never
/// an abort of the process.
#[napi_derive::napi(catch_unwind, ts_return_type = "Promise<Uint8Array>")]
pub fn batch_panic_probe(
    count: u32,
    in_helper: bool,
) -> napi::bindgen_prelude::AsyncTask<crate::task::Job<Vec<u8>>> {
    let count = count as usize;
    napi::bindgen_prelude::AsyncTask::new(crate::task::Job::fallible(move || {
        map("probe", count, |i| {
            thread::sleep(Duration::from_micros(200));
            let helper = thread::current().name() == Some("pqwire-batch");
            #[allow(clippy::panic)] // The point of the probe.
            if (in_helper && helper) || (!in_helper && i == 0) {
                panic!("batch panic probe");
            }
            Ok::<u8, Failure>(0)
        })
    }))
}

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

/// The cores to share out over: `available_parallelism()`, read once (on Linux it reads
/// the cgroup quota), 1 if unknown.
fn cores() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES.get_or_init(|| thread::available_parallelism().map_or(1, usize::from))
}

/// How many helpers to start for `rest` items still to run, one of which took `per_item`.
fn helpers(count: usize, rest: usize, per_item: Duration) -> usize {
    if count < INLINE_BELOW {
        return 0;
    }
    let work = per_item.saturating_mul(u32::try_from(rest).unwrap_or(u32::MAX));
    let by_work =
        usize::try_from(work.as_nanos() / MIN_WORK_PER_THREAD.as_nanos()).unwrap_or(usize::MAX);
    let threads = cores().min(by_work).min(rest / MIN_PER_THREAD).max(1);
    threads - 1
}

/// Why a thread stopped taking items early.
enum Stop {
    /// The item at this index failed.
    Failed(usize, Failure),
    /// The thread panicked.
    Panicked,
}

/// The items of a batch, handed out in order to whichever thread asks first.
struct Queue {
    next: AtomicUsize,
    count: usize,
    /// Set by the first failure (or panic): no more items are handed out.
    stopped: AtomicBool,
}

impl Queue {
    fn take(&self) -> Option<usize> {
        if self.stopped.load(Ordering::Relaxed) {
            return None;
        }
        let i = self.next.fetch_add(1, Ordering::Relaxed);
        (i < self.count).then_some(i)
    }
}

/// What one thread did: each item it ran with its index, and why it stopped early if it did.
struct Share<T> {
    done: Vec<(usize, T)>,
    stop: Option<Stop>,
}

impl<T> Share<T> {
    fn new() -> Self {
        Self {
            done: Vec::new(),
            stop: None,
        }
    }

    /// Takes and runs items from `queue` until it is empty or stopped, or `limit` items
    /// were run. A failure or a panic stops the queue for every thread.
    fn work<E: Into<Failure>>(
        &mut self,
        queue: &Queue,
        op: &(impl Fn(usize) -> Result<T, E> + Sync),
        limit: usize,
    ) {
        let done = &mut self.done;
        let stop = catch_unwind(AssertUnwindSafe(|| {
            for _ in 0..limit {
                let Some(i) = queue.take() else { break };
                match op(i) {
                    Ok(v) => done.push((i, v)),
                    Err(e) => return Some(Stop::Failed(i, e.into())),
                }
            }
            None
        }))
        .unwrap_or(Some(Stop::Panicked));
        if stop.is_some() {
            queue.stopped.store(true, Ordering::Relaxed);
            self.stop = stop;
        }
    }
}

/// `op(0)`, …, `op(count - 1)`, in order, shared out across the cores as the module says.
/// `what` names the items in a failure's message (`what[i]: …`).
pub(crate) fn map<T, E>(
    what: &str,
    count: usize,
    op: impl Fn(usize) -> Result<T, E> + Sync,
) -> Fallible<Vec<T>>
where
    T: Send,
    E: Into<Failure>,
{
    let queue = Queue {
        next: AtomicUsize::new(0),
        count,
        stopped: AtomicBool::new(false),
    };
    let (queue, op) = (&queue, &op);
    let mut mine = Share::new();
    let started = Instant::now();
    mine.work(queue, op, 1);
    let n = if mine.stop.is_some() {
        0
    } else {
        helpers(count, count.saturating_sub(1), started.elapsed())
    };
    let mut shares = if n == 0 {
        mine.work(queue, op, usize::MAX);
        vec![mine]
    } else {
        thread::scope(|scope| {
            let started: Vec<_> = (0..n)
                .filter_map(|_| {
                    thread::Builder::new()
                        .name("pqwire-batch".to_string())
                        .stack_size(STACK_SIZE)
                        .spawn_scoped(scope, move || {
                            let mut share = Share::new();
                            share.work(queue, op, usize::MAX);
                            share
                        })
                        .ok()
                })
                .collect();
            HELPERS_STARTED.fetch_add(started.len(), Ordering::Relaxed);
            mine.work(queue, op, usize::MAX);
            let mut shares = vec![mine];
            for helper in started {
                // Joined here, so a helper's panic never makes `scope` panic.
                shares.push(helper.join().unwrap_or_else(|_| Share {
                    done: Vec::new(),
                    stop: Some(Stop::Panicked),
                }));
            }
            shares
        })
    };
    gather(what, count, &mut shares)
}

/// The results of every share in item order, or the batch's failure: `INTERNAL` after a
/// panic, else the lowest-numbered item's failure.
fn gather<T>(what: &str, count: usize, shares: &mut [Share<T>]) -> Fallible<Vec<T>> {
    let mut first: Option<(usize, Failure)> = None;
    for share in shares.iter_mut() {
        match share.stop.take() {
            Some(Stop::Panicked) => {
                return Err(Failure::internal("a native batch operation panicked"))
            }
            Some(Stop::Failed(i, f)) if first.as_ref().is_none_or(|(j, _)| i < *j) => {
                first = Some((i, f));
            }
            _ => {}
        }
    }
    if let Some((i, f)) = first {
        return Err(f.in_entry(&format!("{what}[{i}]")));
    }
    let mut slots: Vec<Option<T>> = Vec::with_capacity(count);
    slots.resize_with(count, || None);
    for share in shares.iter_mut() {
        for (i, v) in share.done.drain(..) {
            if let Some(slot) = slots.get_mut(i) {
                *slot = Some(v);
            }
        }
    }
    slots
        .into_iter()
        .collect::<Option<Vec<T>>>()
        .ok_or_else(|| Failure::internal("a batch item was not run"))
}

/// The results of a batch end to end in one buffer, which the facade cuts into one array
/// per item: making a typed array from native code costs more than some whole operations
/// (ts/src/output.ts), and one per item cost the first measurement of `encapsulateBatch`
/// about half its throughput. Every result must have the same length (`INTERNAL`
/// otherwise: a suite's results all do). The results, when secret, wipe themselves when
/// dropped; the buffer is made at its final size, so no partial copy is left behind.
pub(crate) fn concat(results: &[&[u8]]) -> Fallible<Vec<u8>> {
    let size = results.first().map_or(0, |r| r.len());
    if results.iter().any(|r| r.len() != size) {
        return Err(Failure::internal("batch results differ in length"));
    }
    let mut out = Vec::with_capacity(size * results.len());
    for r in results {
        out.extend_from_slice(r);
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
