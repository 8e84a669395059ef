//! Your exercise: fill the primality flags of 1 … n at least 1.1× faster than the
//! `static` variant, with the same flags. `cargo perflab check pools` builds it, checks it
//! against the reference and times it beside `static` (`cargo perflab hint pools` when you
//! are stuck; `cargo perflab reset pools` brings this file back as it was).
//!
//! It starts as `static` does: the numbers cut into one contiguous block per thread.
//! Every thread gets as many numbers, but not as much work: a prime k costs about √k / 2
//! trial divisions, so the thread with the largest numbers works longest and the others
//! wait for it.
//!
//! TODO, one idea at a time, running `cargo perflab check pools` after each:
//! 1. read the workers line under the table: how long was each thread busy?
//! 2. hand the numbers out in many small pieces, to whichever thread is free
//!    (a queue of pieces, or rayon's work stealing), instead of one block per thread;
//! 3. keep `fill(first, piece)` as the work on each piece: value i is the flag of i + 1.
//!
//! The rules: `p.n` numbers; `out` has room for one flag each; a run repeats the map
//! `steps` times. `perflab::timing::busy::busy(|| ...)` around each worker's share keeps
//! the workers line.

use perflab::lessons::pools::{Pools, fill};
use perflab::timing::busy::busy;

/// Fills the flags of 1 … p.n into `out`, `steps` times.
// The profilers see this function: `cargo perflab profile pools --variant exercise`.
#[perflab::profile]
#[perflab::instrument]
#[allow(clippy::ptr_arg)] // the signature every kernel of the lesson has
pub fn run(p: &Pools, out: &mut Vec<f64>, steps: usize) {
    let threads = std::thread::available_parallelism().map_or(1, |t| t.get());
    let per = p.n.div_ceil(threads);
    for _ in 0..steps {
        std::thread::scope(|s| {
            for (t, block) in out.chunks_mut(per).enumerate() {
                s.spawn(move || busy(|| fill(t * per, block)));
            }
        });
    }
}
