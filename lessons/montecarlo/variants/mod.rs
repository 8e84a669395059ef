//! The Monte Carlo kernels. Each estimates π from the lesson's points `steps` times into
//! the one-value state. Every variant draws chunk `c`'s points from the chunk's own
//! stream ([`MonteCarlo::streams`]), so that all of them count the same hits whoever
//! draws which point: they differ only in how the work is cut into tasks and handed out.

// Every kernel has the signature `fn(&MonteCarlo, &mut Vec<f64>, usize)` that
// `lesson::Kernel` sets.
#![allow(clippy::ptr_arg)]

use super::{MonteCarlo, count, draw, inside};
use crate::lesson::Variant;
use crate::timing::busy::{add, busy};
use rand_core::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;

/// Every variant, in teaching order.
pub static ALL: &[Variant<MonteCarlo>] = &[
    variant!(
        "serial",
        serial,
        "one loop on one core over every chunk's stream: a few nanoseconds a sample, the pace to beat and the reference count"
    ),
    variant!(
        "tasks",
        tasks,
        "one rayon task per sample (a spawn in a scope, the point drawn as the task is made): each sample pays for a heap job, a queue push and a steal or pop, and an atomic add, hundreds of times the sample's own work"
    ),
    variant!(
        "messages",
        messages,
        "one channel message per sample, from the drawing thread to worker threads (std mpsc, bounded, round robin): each sample pays for a send, a receive and the wake-ups of blocked threads"
    ),
    variant!(
        "chunked",
        chunked,
        "one rayon task per chunk (default 10 chunks of 100 000): the per-task cost is paid ten times, not a million, and ten tasks still let an idle core steal work"
    ),
    variant!(
        "processes",
        processes,
        "the chunks dealt round robin to one worker process per core (procspawn): their streams go out serialized and the counts come back the same way, and each process must start and load the program first"
    ),
];

/// Tasks `tasks` lets wait at a time: a scope per this many samples.
const BATCH: u64 = 1024;

/// The points of a channel that a worker may fall behind by.
const CAPACITY: usize = 1024;

/// Workers of the parallel variants: one per thread of the current rayon pool.
fn workers() -> usize {
    rayon::current_num_threads().max(1)
}

#[perflab::instrument]
fn serial(p: &MonteCarlo, out: &mut Vec<f64>, steps: usize) {
    for _ in 0..steps {
        let hits: u64 = p.streams().map(|(rng, n)| count(rng, n)).sum();
        out[0] = p.estimate(hits);
    }
}

// No busy time here: two clock reads per sample would cost about as much as the task
// itself; the CPU time column shows where the cores went.
#[perflab::instrument]
fn tasks(p: &MonteCarlo, out: &mut Vec<f64>, steps: usize) {
    for _ in 0..steps {
        let hits = AtomicU64::new(0);
        // Every chunk's points, in order, each drawn from its chunk's stream.
        let mut points = p
            .streams()
            .flat_map(|(mut rng, n)| (0..n).map(move |_| draw(&mut rng)));
        let mut left = p.samples;
        while left > 0 {
            // A scope per BATCH samples, so that at most that many tasks wait at a time.
            let batch = left.min(BATCH);
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

#[perflab::instrument]
fn messages(p: &MonteCarlo, out: &mut Vec<f64>, steps: usize) {
    let workers = workers();
    for _ in 0..steps {
        let hits: u64 = std::thread::scope(|s| {
            let mut senders = Vec::with_capacity(workers);
            let mut handles = Vec::with_capacity(workers);
            for _ in 0..workers {
                let (tx, rx) = mpsc::sync_channel::<(f64, f64)>(CAPACITY);
                senders.push(tx);
                // Busy time per message: here the per-item cost is the lesson, and it
                // shows how little of a worker's time the samples themselves take.
                handles.push(s.spawn(move || {
                    let mut hits = 0u64;
                    for (x, y) in rx {
                        busy(|| hits += inside(x, y) as u64);
                    }
                    hits
                }));
            }
            let mut w = 0;
            for (mut rng, n) in p.streams() {
                for _ in 0..n {
                    senders[w].send(draw(&mut rng)).expect("a worker hung up");
                    w = (w + 1) % workers;
                }
            }
            drop(senders);
            handles
                .into_iter()
                .map(|h| h.join().expect("a worker panicked"))
                .sum()
        });
        out[0] = p.estimate(hits);
    }
}

#[perflab::instrument]
fn chunked(p: &MonteCarlo, out: &mut Vec<f64>, steps: usize) {
    for _ in 0..steps {
        let streams: Vec<Xoshiro256PlusPlus> = p.streams().map(|(rng, _)| rng).collect();
        // `with_max_len(1)`: each chunk is a task of its own, whatever rayon would have
        // grouped, so that `chunk` alone sets the granularity.
        let hits: u64 = streams
            .into_par_iter()
            .enumerate()
            .with_max_len(1)
            .map(|(c, rng)| busy(|| count(rng, p.len_of(c as u64))))
            .sum();
        out[0] = p.estimate(hits);
    }
}

/// A worker process's share: each chunk's stream state and length.
type Job = Vec<([u8; 32], u64)>;

/// Runs in a worker process: counts the hits of its chunks, and says how long it took.
fn worker(job: Job) -> (u64, f64) {
    let start = std::time::Instant::now();
    let hits = job
        .into_iter()
        .map(|(state, n)| count(Xoshiro256PlusPlus::from_seed(state), n))
        .sum();
    (hits, start.elapsed().as_secs_f64())
}

#[perflab::instrument]
fn processes(p: &MonteCarlo, out: &mut Vec<f64>, steps: usize) {
    let workers = workers();
    for _ in 0..steps {
        let mut jobs: Vec<Job> = vec![Vec::new(); workers];
        for (c, (rng, n)) in p.streams().enumerate() {
            jobs[c % workers].push((rng.state(), n));
        }
        // One thread here per worker process, waiting for its result, so that each
        // process's busy time is reported as a worker of its own.
        let hits: u64 = std::thread::scope(|s| {
            let handles: Vec<_> = jobs
                .into_iter()
                .filter(|job| !job.is_empty())
                .map(|job| {
                    s.spawn(move || {
                        let (hits, seconds) = procspawn::spawn(job, worker)
                            .join()
                            .expect("a worker process failed");
                        add(seconds);
                        hits
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("a waiting thread panicked"))
                .sum()
        });
        out[0] = p.estimate(hits);
    }
}
