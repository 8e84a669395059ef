//! Your exercise: estimate π at least 30× faster than the `tasks` variant, with the same
//! count. `cargo perflab check montecarlo` builds it, checks it against the reference and
//! times it beside `tasks` (`cargo perflab hint montecarlo` when you are stuck;
//! `cargo perflab reset montecarlo` brings this file back as it was).
//!
//! It starts as the naive parallel version: one rayon task per sample, each adding to a
//! shared counter.
//!
//! TODO, one idea at a time, running `cargo perflab check montecarlo` after each:
//! 1. count the tasks this kernel makes, and compare a task's cost with a sample's;
//! 2. make one task per chunk: each counts its chunk's hits from the chunk's stream and
//!    returns the number;
//! 3. add the tasks' counts at the end, with no shared counter.
//!
//! The rules: `p.streams()` gives each chunk's random stream and length, in order; draw
//! chunk c's points from chunk c's stream, in order (`draw`, or `count` for a whole chunk),
//! so that the count matches the reference exactly. A run repeats the estimate `steps`
//! times into `out[0]`.

use perflab::lessons::montecarlo::{MonteCarlo, draw, inside};
use std::sync::atomic::{AtomicU64, Ordering};

/// Estimates π `steps` times into `out[0]`.
// The profilers see this function: `cargo perflab profile montecarlo --variant exercise`.
#[perflab::profile]
#[perflab::instrument]
#[allow(clippy::ptr_arg)] // the signature every kernel of the lesson has
pub fn run(p: &MonteCarlo, out: &mut Vec<f64>, steps: usize) {
    for _ in 0..steps {
        let hits = AtomicU64::new(0);
        // Every chunk's points, in order, each drawn from its chunk's stream.
        let mut points = p
            .streams()
            .flat_map(|(mut rng, n)| (0..n).map(move |_| draw(&mut rng)));
        let mut left = p.samples;
        while left > 0 {
            // A scope per 1 024 samples, so that at most that many tasks wait at a time.
            let batch = left.min(1024);
            left -= batch;
            rayon::scope(|s| {
                for (x, y) in points.by_ref().take(batch as usize) {
                    let hits = &hits;
                    // One task per sample.
                    s.spawn(move |_| {
                        if inside(x, y) {
                            hits.fetch_add(1, Ordering::Relaxed);
                        }
                    });
                }
            });
        }
        out[0] = p.estimate(hits.into_inner());
    }
}
