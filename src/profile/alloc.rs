//! The tracking allocator: memory_profiler's numbers without its sampling of the RSS.
//!
//! [`Tracking`] wraps the system allocator and counts, for the whole process, the bytes
//! live now and at their peak, the bytes ever allocated and the number of allocations;
//! and, for each thread, the bytes it allocated and freed, which is what the line profiler
//! reads to give every line an exact byte increment. Every perflab binary installs it with
//! [`crate::tracking_allocator!`]; the counters cost a few atomic adds per allocation
//! (measured in `benches/profiling.rs`).
//!
//! `unsafe` is allowed in this module only: `GlobalAlloc` is an unsafe trait, and each
//! method does nothing but forward to `System` with the caller's own guarantees.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering::Relaxed};

/// The counting global allocator. Install it with [`crate::tracking_allocator!`].
pub struct Tracking;

static LIVE: AtomicI64 = AtomicI64::new(0);
static PEAK: AtomicI64 = AtomicI64::new(0);
static ALLOCATED: AtomicU64 = AtomicU64::new(0);
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
static INSTALLED: AtomicBool = AtomicBool::new(false);

thread_local! {
    static THREAD_ALLOCATED: Cell<u64> = const { Cell::new(0) };
    static THREAD_FREED: Cell<u64> = const { Cell::new(0) };
    static THREAD_ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

#[inline(always)]
fn on_alloc(size: usize) {
    let size = size as u64;
    let live = LIVE.fetch_add(size as i64, Relaxed) + size as i64;
    if live > PEAK.load(Relaxed) {
        PEAK.fetch_max(live, Relaxed);
    }
    ALLOCATED.fetch_add(size, Relaxed);
    ALLOCATIONS.fetch_add(1, Relaxed);
    let _ = THREAD_ALLOCATED.try_with(|c| c.set(c.get() + size));
    let _ = THREAD_ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
}

#[inline(always)]
fn on_free(size: usize) {
    LIVE.fetch_sub(size as i64, Relaxed);
    let _ = THREAD_FREED.try_with(|c| c.set(c.get() + size as u64));
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
    let before = ALLOCATIONS.load(Relaxed);
    let probe = std::hint::black_box(Box::new(0u64));
    drop(probe);
    let yes = ALLOCATIONS.load(Relaxed) != before;
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
    /// The most bytes live at once since the last [`reset_peak`].
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

/// The process-wide counters now.
pub fn counters() -> Counters {
    Counters {
        live: LIVE.load(Relaxed),
        peak: PEAK.load(Relaxed),
        allocated: ALLOCATED.load(Relaxed),
        allocations: ALLOCATIONS.load(Relaxed),
    }
}

/// Bytes live in the whole process now.
#[inline]
pub fn live() -> i64 {
    LIVE.load(Relaxed)
}

/// Starts a new peak from the bytes live now.
pub fn reset_peak() {
    PEAK.store(LIVE.load(Relaxed), Relaxed);
}

/// This thread's bytes allocated minus bytes freed, and its allocations, so far.
#[inline]
pub fn thread_counts() -> (i64, u64) {
    let allocated = THREAD_ALLOCATED.try_with(Cell::get).unwrap_or(0);
    let freed = THREAD_FREED.try_with(Cell::get).unwrap_or(0);
    let allocations = THREAD_ALLOCATIONS.try_with(Cell::get).unwrap_or(0);
    (allocated as i64 - freed as i64, allocations)
}

/// Installs perflab's global allocator in a binary: the tracking allocator, or dhat's
/// when the `dhat-heap` feature is on (then [`crate::profile::dhat_heap`] writes
/// `dhat-heap.json` at exit).
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
