//! Your exercise: run the task graph of D = L·(L·B) at least 1.2× faster than the
//! `static` variant, with the same answer. `cargo perflab check tasks` builds it, checks
//! it against the reference and times it beside `static` (`cargo perflab hint tasks` when
//! you are stuck; `cargo perflab reset tasks` brings this file back as it was).
//!
//! It starts as `static` does: stage by stage, each stage's tasks dealt to the workers in
//! equal, contiguous portions. The tasks are unequal (tile row i costs i+1 tile
//! products), so one worker gets far more work than the other.
//!
//! TODO, one idea at a time, running `cargo perflab check tasks` after each:
//! 1. read the workers' busy times in the check's table: who waits, and for how long?
//! 2. hand out tasks one at a time to whichever worker is free, not in fixed portions;
//! 3. then drop the barrier between the stages: start a task once its own inputs are done.
//!
//! The rules: run every task once with `p.execute(t, run)`, and each only after the tasks
//! it waits for (`p.graph.deps[t]`) are done; `p.graph.levels` lists the stages in order,
//! `p.graph.succs[t]` the tasks that wait for task `t`. `p.evaluate` repeats the run
//! `steps` times, gathers the answer and measures the work and the critical path.

use perflab::lessons::tasks::{Run, Tasks};

/// Evaluates the graph `steps` times.
// The profilers see this function: `cargo perflab profile tasks --variant exercise`.
#[perflab::profile]
#[perflab::instrument]
pub fn run(p: &Tasks, run: &mut Run, steps: usize) {
    let workers = rayon::current_num_threads();
    p.evaluate("exercise", workers, run, steps, |p, run| {
        // Worker w takes portion w of every stage; all wait at the end of each stage.
        let barrier = std::sync::Barrier::new(workers);
        std::thread::scope(|s| {
            for w in 0..workers {
                let barrier = &barrier;
                s.spawn(move || {
                    for stage in &p.graph.levels {
                        let per = stage.len().div_ceil(workers);
                        for &t in stage.chunks(per).nth(w).unwrap_or(&[]) {
                            p.execute(t, run);
                        }
                        barrier.wait();
                    }
                });
            }
        });
    });
}
