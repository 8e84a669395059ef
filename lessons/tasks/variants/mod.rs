//! The task-graph schedulers. Every one runs the same tasks ([`Tasks::execute`]: each
//! computes its result from its inputs and the results of the tasks it waits for); they
//! differ only in which worker runs which task, and when. The products sum small whole
//! numbers, which floating point adds exactly in any order, so all give the same bits.

use super::{Run, Tasks};
use crate::lesson::Variant;
use rayon::prelude::*;
use std::sync::Barrier;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Every variant, in teaching order.
pub static ALL: &[Variant<Tasks>] = &[
    variant!(
        "serial",
        serial,
        "one worker walks the tasks in order, each after the tasks it waits for: the reference, and the total work"
    ),
    variant!(
        "static",
        static_portions,
        "stage by stage, each stage's tasks dealt to the workers in equal, contiguous portions (a direct view's scatter): the worker with the heavy rows decides the time, the others wait at the end of the stage"
    ),
    variant!(
        "waves",
        waves,
        "stage by stage, each task handed to whichever worker is free (rayon's work stealing, a load-balanced view): no worker idles while a task of the stage is left, but all wait at the stage's end"
    ),
    variant!(
        "graph",
        graph,
        "each task started as soon as the tasks it waits for are done (a counter per task, rayon::scope spawning the ready ones, as Dask or Ray run a graph): no stage barriers, only the dependencies"
    ),
];

#[perflab::instrument]
fn serial(p: &Tasks, run: &mut Run, steps: usize) {
    p.evaluate("serial", 1, run, steps, |p, run| {
        for t in 0..p.graph.len() {
            p.execute(t, run);
        }
    });
}

/// Each stage's tasks in `workers` contiguous portions of equal count: worker w always
/// takes portion w, and all wait for each other at the end of every stage.
pub fn in_portions(p: &Tasks, run: &Run, workers: usize) {
    let workers = workers.max(1);
    let barrier = Barrier::new(workers);
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
}

#[perflab::instrument]
fn static_portions(p: &Tasks, run: &mut Run, steps: usize) {
    let workers = rayon::current_num_threads();
    p.evaluate("static", workers, run, steps, |p, run| {
        in_portions(p, run, workers)
    });
}

#[perflab::instrument]
fn waves(p: &Tasks, run: &mut Run, steps: usize) {
    p.evaluate(
        "waves",
        rayon::current_num_threads(),
        run,
        steps,
        |p, run| {
            for stage in &p.graph.levels {
                stage
                    .par_iter()
                    .with_max_len(1)
                    .for_each(|&t| p.execute(t, run));
            }
        },
    );
}

/// Runs task `t`, then spawns each task that waited for it and has nothing left to wait
/// for.
fn ready<'s>(s: &rayon::Scope<'s>, p: &'s Tasks, run: &'s Run, left: &'s [AtomicUsize], t: usize) {
    p.execute(t, run);
    for &next in &p.graph.succs[t] {
        if left[next].fetch_sub(1, Ordering::AcqRel) == 1 {
            s.spawn(move |s| ready(s, p, run, left, next));
        }
    }
}

#[perflab::instrument]
fn graph(p: &Tasks, run: &mut Run, steps: usize) {
    p.evaluate(
        "graph",
        rayon::current_num_threads(),
        run,
        steps,
        |p, run| {
            let left: Vec<AtomicUsize> = p
                .graph
                .deps
                .iter()
                .map(|d| AtomicUsize::new(d.len()))
                .collect();
            let left = &left[..];
            rayon::scope(|s| {
                for (t, d) in p.graph.deps.iter().enumerate() {
                    if d.is_empty() {
                        s.spawn(move |s| ready(s, p, run, left, t));
                    }
                }
            });
        },
    );
}
