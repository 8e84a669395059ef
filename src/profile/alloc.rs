//! The tracking allocator: memory_profiler's numbers without its sampling of the RSS.
//!
//! [`Tracking`] wraps the system allocator and counts, for the whole process, the bytes
//! live now and at their peak, the bytes ever allocated and the number of allocations;
//! and, for each thread, the bytes it allocated and freed, which is what the line profiler
//! reads to give every line an exact byte increment. Every perflab binary installs it with
//! [`crate::tracking_allocator!`].
//!
//! The counting must cost little next to `malloc` itself (a few tens of nanoseconds), so
//! it avoids locked instructions: each thread keeps its totals in thread-local cells and
//! publishes them every [`EVERY`] allocations or [`BATCH`] bytes, with plain stores into a
//! cache line of its own, which readers sum. So a reader sees its own thread exactly and
//! other threads within those bounds, and the peak (which needs a process-wide view) is
//! exact to within [`BATCH`] bytes per thread. The cost is measured in
//! `benches/profiling.rs`.
//!
//! `unsafe` is allowed in this module only: `GlobalAlloc` is an unsafe trait, and each
//! method does nothing but forward to `System` with the caller's own guarantees.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, AtomicUsize, Ordering::Relaxed};

/// The counting global allocator. Install it with [`crate::tracking_allocator!`].
pub struct Tracking;

/// One thread's running totals, written only by that thread (plain stores, no locked
/// instructions) and summed by readers. A cache line each, so threads never share one.
#[repr(align(64))]
struct Slot {
    allocated: AtomicU64,
    freed: AtomicU64,
    allocations: AtomicU64,
}

impl Slot {
    const fn new() -> Slot {
        Slot {
            allocated: AtomicU64::new(0),
            freed: AtomicU64::new(0),
            allocations: AtomicU64::new(0),
        }
    }
}

/// Slots for the first threads of the process; the last one is shared, with atomic adds of
/// increments, by any threads beyond. Slots are never reused: an ended thread's totals
/// still count.
const SLOTS: usize = 4096;
const SHARED: usize = SLOTS - 1;
static SLOT: [Slot; SLOTS] = [const { Slot::new() }; SLOTS];
static CLAIMED: AtomicUsize = AtomicUsize::new(0);

/// Live bytes as threads report them in batches of at least [`BATCH`] bytes, and the
/// highest value it reached: the peak, exact to within `BATCH` bytes per thread.
static LIVE_BATCHED: AtomicI64 = AtomicI64::new(0);
static PEAK: AtomicI64 = AtomicI64::new(0);
/// Bytes a thread's live count may drift before it reports them for the peak.
pub const BATCH: i64 = 64 * 1024;

static INSTALLED: AtomicBool = AtomicBool::new(false);
static COUNTING: AtomicBool = AtomicBool::new(true);

/// Turns the counting on or off (it starts on). Off, the allocator is the system
/// allocator plus one relaxed load per call: the overhead benches compare the two this
/// way. Counts taken across a switch are meaningless.
pub fn set_counting(on: bool) {
    COUNTING.store(on, Relaxed);
}

/// A thread's counts, kept in thread-local cells and published to its slot (and the
/// peak) every [`EVERY`] allocations or [`BATCH`] bytes of net change.
struct Counts {
    slot: Cell<usize>,
    allocated: Cell<u64>,
    freed: Cell<u64>,
    allocations: Cell<u64>,
    /// Net bytes not yet added to [`LIVE_BATCHED`].
    net: Cell<i64>,
    /// The most bytes this thread had allocated and not freed, since [`reset_peak`].
    high: Cell<i64>,
}

/// Allocations between a thread's reports, at most.
pub const EVERY: u64 = 256;

thread_local! {
    static COUNTS: Counts = const {
        Counts {
            slot: Cell::new(usize::MAX),
            allocated: Cell::new(0),
            freed: Cell::new(0),
            allocations: Cell::new(0),
            net: Cell::new(0),
            high: Cell::new(0),
        }
    };
}

impl Counts {
    #[cold]
    #[inline(never)]
    fn publish(&self) {
        let mut slot = self.slot.get();
        if slot == usize::MAX {
            slot = CLAIMED.fetch_add(1, Relaxed).min(SHARED);
            self.slot.set(slot);
        }
        let s = &SLOT[slot];
        if slot == SHARED {
            // Shared with other threads: add this thread's counts, then start them over.
            s.allocated.fetch_add(self.allocated.replace(0), Relaxed);
            s.freed.fetch_add(self.freed.replace(0), Relaxed);
            s.allocations
                .fetch_add(self.allocations.replace(0), Relaxed);
        } else {
            s.allocated.store(self.allocated.get(), Relaxed);
            s.freed.store(self.freed.get(), Relaxed);
            s.allocations.store(self.allocations.get(), Relaxed);
        }
        let net = self.net.replace(0);
        let live = LIVE_BATCHED.fetch_add(net, Relaxed) + net;
        if live > PEAK.load(Relaxed) {
            PEAK.fetch_max(live, Relaxed);
        }
    }
}

#[inline(always)]
fn on_alloc(size: usize) {
    if !COUNTING.load(Relaxed) {
        return;
    }
    let _ = COUNTS.try_with(|c| {
        let allocations = c.allocations.get() + 1;
        let net = c.net.get() + size as i64;
        let allocated = c.allocated.get() + size as u64;
        let own = allocated as i64 - c.freed.get() as i64;
        if own > c.high.get() {
            c.high.set(own);
        }
        c.allocated.set(allocated);
        c.allocations.set(allocations);
        c.net.set(net);
        if net >= BATCH || allocations % EVERY == 0 {
            c.publish();
        }
    });
}

#[inline(always)]
fn on_free(size: usize) {
    if !COUNTING.load(Relaxed) {
        return;
    }
    let _ = COUNTS.try_with(|c| {
        let net = c.net.get() - size as i64;
        c.freed.set(c.freed.get() + size as u64);
        c.net.set(net);
        if net <= -BATCH {
            c.publish();
        }
    });
}

/// Publishes this thread's counts now, so that [`counters`] read anywhere is exact for it.
pub fn flush() {
    let _ = COUNTS.try_with(Counts::publish);
}

// SAFETY: every method forwards to `System` with the layout and pointer it was given, so
// `System`'s guarantees carry over; the bookkeeping touches only atomics and const-initialised
// thread-local cells, which never allocate.
unsafe impl GlobalAlloc for Tracking {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged; the caller upholds `GlobalAlloc::alloc`'s contract.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            on_alloc(layout.size());
        }
        p
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            on_alloc(layout.size());
        }
        p
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from this allocator, which is `System`, with this layout.
        unsafe { System.dealloc(ptr, layout) };
        on_free(layout.size());
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as for `dealloc`; `new_size` is the caller's, checked by its contract.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            on_free(layout.size());
            on_alloc(new_size);
        }
        p
    }
}

/// Whether the tracking allocator is this process's global allocator. Decided by
/// allocating a little and watching the counters move.
pub fn installed() -> bool {
    if INSTALLED.load(Relaxed) {
        return true;
    }
    let count = || COUNTS.try_with(|c| c.allocated.get()).unwrap_or(0);
    let before = count();
    let probe = std::hint::black_box(Box::new(0u64));
    drop(probe);
    let yes = count() != before;
    if yes {
        INSTALLED.store(true, Relaxed);
    }
    yes
}

/// Process-wide counters at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Counters {
    /// Bytes allocated and not yet freed.
    pub live: i64,
    /// The most bytes live at once since the last [`reset_peak`], exact to within
    /// [`BATCH`] bytes per thread (threads report small allocations in batches).
    pub peak: i64,
    /// Bytes ever allocated (reallocations count their new size).
    pub allocated: u64,
    /// Allocations made (reallocations count one).
    pub allocations: u64,
}

impl Counters {
    /// What happened between `earlier` and `self`: bytes and allocations made in between;
    /// `live` is the change in live bytes and `peak` the peak above the earlier live bytes.
    pub fn since(&self, earlier: &Counters) -> Counters {
        Counters {
            live: self.live - earlier.live,
            peak: self.peak - earlier.live,
            allocated: self.allocated - earlier.allocated,
            allocations: self.allocations - earlier.allocations,
        }
    }
}

/// The process-wide counters now: every thread's totals summed. This thread's are exact;
/// another thread's lag by less than [`EVERY`] allocations and [`BATCH`] bytes.
pub fn counters() -> Counters {
    flush();
    let used = CLAIMED.load(Relaxed).min(SHARED);
    let mut c = Counters::default();
    let (mut allocated, mut freed) = (0u64, 0u64);
    for s in SLOT[..used].iter().chain([&SLOT[SHARED]]) {
        allocated += s.allocated.load(Relaxed);
        freed += s.freed.load(Relaxed);
        c.allocations += s.allocations.load(Relaxed);
    }
    c.allocated = allocated;
    c.live = allocated as i64 - freed as i64;
    c.peak = PEAK.load(Relaxed).max(c.live);
    c
}

/// Bytes live in the whole process now (exact: every thread's totals summed).
pub fn live() -> i64 {
    counters().live
}

/// Bytes live in the whole process as threads last reported them: within [`BATCH`]
/// bytes per thread of [`live`], and one load to read.
#[inline]
pub fn live_batched() -> i64 {
    LIVE_BATCHED.load(Relaxed)
}

/// Starts a new peak from the bytes live now, process-wide and for this thread.
pub fn reset_peak() {
    PEAK.store(LIVE_BATCHED.load(Relaxed), Relaxed);
    let _ = COUNTS.try_with(|c| c.high.set(c.allocated.get() as i64 - c.freed.get() as i64));
}

/// The most bytes this thread had allocated and not freed since [`reset_peak`] (exact),
/// as its running net count ([`thread_counts`]' first number) reached it.
pub fn thread_peak() -> i64 {
    COUNTS.try_with(|c| c.high.get()).unwrap_or(0)
}

/// This thread's bytes allocated minus bytes freed, and its allocations, so far (exact;
/// on a thread beyond the first 4095 of the process, since its last report).
#[inline]
pub fn thread_counts() -> (i64, u64) {
    COUNTS
        .try_with(|c| {
            (
                c.allocated.get() as i64 - c.freed.get() as i64,
                c.allocations.get(),
            )
        })
        .unwrap_or((0, 0))
}

/// Installs perflab's global allocator in a binary: the tracking allocator, or dhat's
/// when the `dhat-heap` feature is on (then [`crate::profile::dhat_heap`] writes
/// `reports/dhat-heap.json` at exit).
#[macro_export]
macro_rules! tracking_allocator {
    () => {
        #[cfg(not(feature = "dhat-heap"))]
        #[global_allocator]
        static PERFLAB_ALLOCATOR: $crate::profile::alloc::Tracking =
            $crate::profile::alloc::Tracking;
        #[cfg(feature = "dhat-heap")]
        #[global_allocator]
        static PERFLAB_ALLOCATOR: $crate::profile::DhatAlloc = $crate::profile::DhatAlloc;
    };
}
