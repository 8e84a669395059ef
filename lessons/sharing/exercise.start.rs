//! Your exercise: count `p.threads × p.increments × steps` increments on `p.threads`
//! threads, at least 10× faster than the `mutex` variant, and exactly: not one increment
//! lost. `cargo perflab check sharing` builds it, checks the count against the reference and
//! times it beside `mutex` (`cargo perflab hint sharing` when you are stuck; `cargo perflab
//! reset sharing` brings this file back as it was).
//!
//! It starts as the tutorials' fix does: one shared count behind a lock, locked for every
//! single increment.
//!
//! TODO, one idea at a time, running `cargo perflab check sharing` after each:
//! 1. ask what each increment costs here: a lock, an unlock, and the lock's cache line
//!    moving from one core to the other;
//! 2. let each thread count on its own, where no other thread can see, and share only its
//!    result;
//! 3. keep `black_box(1)` as the increment, so the compiler cannot skip the counting.
//!
//! The rules: use `p.threads` threads; each makes `p.increments × steps` increments of one
//! (`black_box(1)`); add the final count to `state[0]`.

use perflab::lessons::sharing::Sharing;
use std::hint::black_box;
use std::sync::Mutex;

/// Counts on `p.threads` threads and adds the count to `state[0]`.
// The profilers see this function: `cargo perflab profile sharing --variant exercise`.
#[perflab::profile]
#[perflab::instrument]
#[allow(clippy::ptr_arg)] // the signature every kernel of the lesson has
pub fn run(p: &Sharing, state: &mut Vec<f64>, steps: usize) {
    let n = p.increments * steps as u64;
    let count = Mutex::new(0u64);
    std::thread::scope(|s| {
        for _ in 0..p.threads {
            s.spawn(|| {
                for _ in 0..n {
                    *count.lock().unwrap() += black_box(1);
                }
            });
        }
    });
    state[0] += count.into_inner().unwrap() as f64;
}
