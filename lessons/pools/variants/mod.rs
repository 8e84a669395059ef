//! The pools kernels. Each fills the flags of the numbers 1 … n (1 for a prime, 0
//! otherwise) `steps` times, with the same primality test; they differ only in how the
//! numbers are shared out among workers. Each worker's share is wrapped in
//! [`busy`](crate::timing::busy::busy), so tables show how long each one worked.

// Every kernel has the signature `fn(&Pools, &mut Vec<f64>, usize)` that
// `lesson::Kernel` sets.
#![allow(clippy::ptr_arg)]

use super::{Pools, fill, is_prime};
use crate::lesson::Variant;
use crate::timing::busy::busy;
use rayon::prelude::*;
use std::sync::Mutex;

/// Every variant, in teaching order.
pub static ALL: &[Variant<Pools>] = &[
    variant!(
        "sequential",
        sequential,
        "one thread tests every number in turn: the reference, and the time to divide by the cores"
    ),
    variant!(
        "static",
        static_blocks,
        "one contiguous block of n / threads numbers per thread, fixed before the start: equal counts, but the last block holds the largest, most expensive numbers, and the others wait for it"
    ),
    variant!(
        "dealer",
        dealer,
        "pieces of `chunk` numbers dealt round-robin like cards, fixed before the start: every thread gets small and large numbers alike, so the shares even out without any coordination"
    ),
    variant!(
        "dynamic",
        dynamic,
        "a shared queue of pieces of `chunk` numbers; a thread that finishes one takes the next: the load balances itself, at one lock per piece (tiny pieces pay for it, huge ones are static again)"
    ),
    variant!(
        "worksteal",
        worksteal,
        "rayon's par_chunks_mut over blocks of 64 numbers: each thread splits its range in halves, and an idle thread steals a half from a busy one, so the work balances with no central queue"
    ),
    variant!(
        "processes",
        processes,
        "a pool of worker processes, as multiprocessing.Pool: each piece of `chunk` numbers is serialized and sent to a worker, the flags serialized back; start-up and messages cost what threads do not"
    ),
];

/// The number of workers: the current rayon pool's threads (all cores, or
/// `RAYON_NUM_THREADS`).
fn workers() -> usize {
    rayon::current_num_threads().max(1)
}

#[perflab::instrument]
fn sequential(p: &Pools, out: &mut Vec<f64>, steps: usize) {
    let _ = p;
    for _ in 0..steps {
        fill(0, out);
    }
}

#[perflab::instrument]
fn static_blocks(p: &Pools, out: &mut Vec<f64>, steps: usize) {
    let per = p.n.div_ceil(workers());
    for _ in 0..steps {
        std::thread::scope(|s| {
            for (t, block) in out.chunks_mut(per).enumerate() {
                s.spawn(move || busy(|| fill(t * per, block)));
            }
        });
    }
}

#[perflab::instrument]
fn dealer(p: &Pools, out: &mut Vec<f64>, steps: usize) {
    let threads = workers();
    for _ in 0..steps {
        // Piece k goes to thread k mod threads.
        let each = p.n.div_ceil(p.chunk).div_ceil(threads);
        let mut hands: Vec<Vec<(usize, &mut [f64])>> =
            (0..threads).map(|_| Vec::with_capacity(each)).collect();
        for (k, piece) in out.chunks_mut(p.chunk).enumerate() {
            hands[k % threads].push((k * p.chunk, piece));
        }
        std::thread::scope(|s| {
            for hand in hands {
                s.spawn(move || {
                    busy(|| {
                        for (first, piece) in hand {
                            fill(first, piece);
                        }
                    })
                });
            }
        });
    }
}

#[perflab::instrument]
fn dynamic(p: &Pools, out: &mut Vec<f64>, steps: usize) {
    let threads = workers();
    for _ in 0..steps {
        // The queue: the pieces not taken yet, behind one lock.
        let queue = Mutex::new(out.chunks_mut(p.chunk).enumerate());
        std::thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(|| {
                    busy(|| {
                        loop {
                            let next = queue.lock().unwrap_or_else(|e| e.into_inner()).next();
                            let Some((k, piece)) = next else { break };
                            fill(k * p.chunk, piece);
                        }
                    })
                });
            }
        });
    }
}

/// Numbers per block that rayon's work stealing splits and shares.
const BLOCK: usize = 64;

#[perflab::instrument]
fn worksteal(p: &Pools, out: &mut Vec<f64>, steps: usize) {
    let _ = p;
    for _ in 0..steps {
        out.par_chunks_mut(BLOCK)
            .enumerate()
            .for_each(|(k, block)| busy(|| fill(k * BLOCK, block)));
    }
}

/// What a worker process sends back for one piece: its process id, the seconds it
/// spent testing, and the flags, one byte a number.
type Answer = (u32, f64, Vec<u8>);

/// The task a worker process runs on one piece, after deserializing its numbers.
fn test_piece(numbers: Vec<u64>) -> Answer {
    let start = std::time::Instant::now();
    let flags = numbers.iter().map(|&k| u8::from(is_prime(k))).collect();
    (std::process::id(), start.elapsed().as_secs_f64(), flags)
}

/// Pieces in flight per worker process: each one holds an IPC channel (file descriptors)
/// until its answer is taken, so the pieces are queued a few at a time, as
/// `multiprocessing`'s `imap` does, not all at once.
pub const IN_FLIGHT: usize = 4;

#[perflab::instrument]
fn processes(p: &Pools, out: &mut Vec<f64>, steps: usize) {
    let threads = workers();
    // Started inside the timed run, as `with Pool() as pool:` is in a script.
    let pool = procspawn::Pool::new(threads).expect("worker processes start");
    for _ in 0..steps {
        let mut seconds: Vec<(u32, f64)> = Vec::new();
        let mut waiting = std::collections::VecDeque::new();
        let mut take = |(first, handle): (usize, procspawn::JoinHandle<Answer>)| {
            let (pid, busy, flags) = handle.join().expect("a worker process answers");
            for (o, f) in out[first..first + flags.len()].iter_mut().zip(flags) {
                *o = f64::from(f);
            }
            match seconds.iter_mut().find(|(q, _)| *q == pid) {
                Some((_, s)) => *s += busy,
                None => seconds.push((pid, busy)),
            }
        };
        for first in (0..p.n).step_by(p.chunk) {
            // The piece's numbers, serialized as it is queued.
            let numbers: Vec<u64> = (first..(first + p.chunk).min(p.n))
                .map(|i| (i + 1) as u64)
                .collect();
            waiting.push_back((first, pool.spawn(numbers, test_piece)));
            if waiting.len() >= IN_FLIGHT * threads {
                take(waiting.pop_front().expect("a piece in flight"));
            }
        }
        waiting.into_iter().for_each(&mut take);
        // Each worker process's busy time, reported from a thread of its own so that
        // the table shows one worker per process.
        std::thread::scope(|s| {
            for (_, busy) in seconds {
                s.spawn(move || crate::timing::busy::add(busy));
            }
        });
    }
    pool.shutdown();
}
