//! The sharing kernels. Each one counts: `p.threads` workers each add 1 to a count
//! `increments × steps` times, and the kernel adds the final count to `state[0]`. They
//! differ only in where the count lives while the workers run, and how they update it.
//!
//! Every increment adds `black_box(1)`, a one the compiler cannot see through, so that no
//! variant's loop is folded into a single addition: each variant does one real update per
//! increment, and the differences between them are the cost of sharing, not of arithmetic.
//! The workers of every variant wait at a barrier and start counting together, as the
//! race needs.

// Every kernel has the signature `fn(&Sharing, &mut Vec<f64>, usize)` that
// `lesson::Kernel` sets.
#![allow(clippy::ptr_arg)]

pub mod procs;

use super::Sharing;
use crate::lesson::Variant;
use crate::timing::busy::busy;
use crossbeam_utils::CachePadded;
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Barrier, Mutex};

/// Every variant, in teaching order.
pub static ALL: &[Variant<Sharing>] = &[
    variant!(
        "serial",
        serial,
        "one thread counts everything in a local variable: the reference, and the speed of one core with nothing shared"
    ),
    variant!(
        "racy",
        racy,
        wrong = "load, add, store: two threads read the same count and one of the two increments is lost",
        "one shared atomic read and then written back (load, add 1, store): each step is atomic, the three together are not, so increments made meanwhile by another thread are overwritten"
    ),
    variant!(
        "mutex",
        mutex,
        "one shared count behind a Mutex, locked for every increment: correct, but every increment is a lock and an unlock, and the threads queue for the lock"
    ),
    variant!(
        "atomic",
        atomic,
        "one shared atomic incremented with fetch_add, a single read-modify-write instruction: correct without a lock, but every increment still moves the count's cache line between cores"
    ),
    variant!(
        "adjacent",
        adjacent,
        "a counter per thread, side by side in one array: nothing is shared, yet eight counters fit one 64-byte cache line and each write takes the line from the other cores (false sharing)"
    ),
    variant!(
        "padded",
        padded,
        "the same per-thread counters, each padded to its own cache line (crossbeam's CachePadded): no line is written by two cores"
    ),
    variant!(
        "local",
        local,
        "each thread counts in a local variable (a register) and adds its sum to the total once, at the end: one shared update per thread instead of one per increment"
    ),
    variant!(
        "procs-racy",
        procs::racy,
        wrong = "load, add, store on a count in shared memory: processes overwrite each other's increments",
        "worker processes (procspawn) share one count in a memory-mapped file and update it with load, add, store: the tutorials' racy shared Value, between real processes"
    ),
    variant!(
        "procs",
        procs::atomic,
        "worker processes share the count in a memory-mapped file and update it with fetch_add: the atomic instruction works across processes as across threads"
    ),
];

/// Runs `work(t)` on `p.threads` threads, `t` = 0, 1, …, each thread's share timed as its
/// busy time, after all of them have reached a barrier.
fn on_threads(p: &Sharing, work: impl Fn(usize) + Sync) {
    let start = Barrier::new(p.threads);
    std::thread::scope(|s| {
        for t in 0..p.threads {
            let (start, work) = (&start, &work);
            s.spawn(move || {
                start.wait();
                busy(|| work(t));
            });
        }
    });
}

/// Increments each thread makes in a run of `steps` steps.
fn per_thread(p: &Sharing, steps: usize) -> u64 {
    p.increments * steps as u64
}

#[perflab::instrument]
fn serial(p: &Sharing, state: &mut Vec<f64>, steps: usize) {
    let n = per_thread(p, steps) * p.threads as u64;
    let count = busy(|| {
        let mut count = 0u64;
        for _ in 0..n {
            count += black_box(1);
        }
        count
    });
    state[0] += count as f64;
}

#[perflab::instrument]
fn racy(p: &Sharing, state: &mut Vec<f64>, steps: usize) {
    let n = per_thread(p, steps);
    let count = AtomicU64::new(0);
    on_threads(p, |_| {
        for _ in 0..n {
            // Two atomic operations with a gap between them: the race.
            let seen = count.load(Relaxed);
            count.store(seen + black_box(1), Relaxed);
        }
    });
    state[0] += count.into_inner() as f64;
}

#[perflab::instrument]
fn mutex(p: &Sharing, state: &mut Vec<f64>, steps: usize) {
    let n = per_thread(p, steps);
    let count = Mutex::new(0u64);
    on_threads(p, |_| {
        for _ in 0..n {
            *count.lock().unwrap_or_else(|e| e.into_inner()) += black_box(1);
        }
    });
    state[0] += count.into_inner().unwrap_or_else(|e| e.into_inner()) as f64;
}

#[perflab::instrument]
fn atomic(p: &Sharing, state: &mut Vec<f64>, steps: usize) {
    let n = per_thread(p, steps);
    let count = AtomicU64::new(0);
    on_threads(p, |_| {
        for _ in 0..n {
            count.fetch_add(black_box(1), Relaxed);
        }
    });
    state[0] += count.into_inner() as f64;
}

/// Each thread's own counter, written with a plain load and store (one writer per counter,
/// so no update is lost): every increment is a write to memory the others can see.
#[inline(always)]
fn own_counter(counter: &AtomicU64, n: u64) {
    for _ in 0..n {
        counter.store(counter.load(Relaxed) + black_box(1), Relaxed);
    }
}

#[perflab::instrument]
fn adjacent(p: &Sharing, state: &mut Vec<f64>, steps: usize) {
    let n = per_thread(p, steps);
    let counters: Vec<AtomicU64> = (0..p.threads).map(|_| AtomicU64::new(0)).collect();
    on_threads(p, |t| own_counter(&counters[t], n));
    state[0] += counters.iter().map(|c| c.load(Relaxed)).sum::<u64>() as f64;
}

#[perflab::instrument]
fn padded(p: &Sharing, state: &mut Vec<f64>, steps: usize) {
    let n = per_thread(p, steps);
    let counters: Vec<CachePadded<AtomicU64>> = (0..p.threads)
        .map(|_| CachePadded::new(AtomicU64::new(0)))
        .collect();
    on_threads(p, |t| own_counter(&counters[t], n));
    state[0] += counters.iter().map(|c| c.load(Relaxed)).sum::<u64>() as f64;
}

#[perflab::instrument]
fn local(p: &Sharing, state: &mut Vec<f64>, steps: usize) {
    let n = per_thread(p, steps);
    let total = AtomicU64::new(0);
    on_threads(p, |_| {
        let mut mine = 0u64;
        for _ in 0..n {
            mine += black_box(1);
        }
        total.fetch_add(mine, Relaxed);
    });
    state[0] += total.into_inner() as f64;
}
