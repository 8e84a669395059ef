//! `parallel`: rows split across a team of rayon threads that lives for the whole run.
//!
//! Each thread owns a block of rows, kept in its own two buffers together with `k` ghost
//! rows copied from each neighbour (so its data stays in its own core's cache), and
//! updated by the `fused` pass. Threads meet only every `k` steps: a ghost row is valid
//! for as many steps as it is deep, so between meetings each thread recomputes a shrinking
//! band of its neighbours' rows rather than waiting for them. At a meeting every thread
//! publishes its first and last `k` rows, waits at a spinning barrier, and copies its
//! neighbours' rows into its ghosts. This is the halo exchange of a distributed-memory
//! code with deep halos: a few percent of extra arithmetic buys `k` times fewer
//! synchronisations, and each one costs whatever the slowest thread lost since the last.
//!
//! Each team member is pinned to a core of its own (OpenMP's `OMP_PROC_BIND`), where
//! there are enough. New threads tend to start on their parent's core, and until the
//! scheduler moves one away, two spinning team members take turns on one core while
//! another core idles. On this 2-core machine that made the median small-grid run
//! (dx = 0.15) twice as slow as the pinned one (17.6 ms against 7.9 ms).

use super::Diffusion;
use super::fused::pass;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Ghost rows on each side of a block: steps between two meetings of the team.
const HALO: usize = 16;

/// A barrier whose waiters spin, checking after every pause, and yield their core only
/// after a long wait: cheap when every thread has a core, still correct when they do not.
/// (`std::sync::Barrier` sleeps in the kernel, and waking a sleeper costs microseconds; an
/// exponential backoff overshoots by as much, since one `pause` is ~40 ns on recent x86.)
struct SpinBarrier {
    arrived: AtomicUsize,
    threads: usize,
}

impl SpinBarrier {
    /// Waits until every thread has arrived for the `round`-th time (rounds count from 1).
    fn wait(&self, round: usize) {
        self.arrived.fetch_add(1, Ordering::AcqRel);
        let mut spins = 0u32;
        while self.arrived.load(Ordering::Acquire) < round * self.threads {
            if spins < 20_000 {
                spins += 1;
                std::hint::spin_loop();
            } else {
                std::thread::yield_now();
            }
        }
    }
}

/// The rows a thread publishes at a meeting, one slot per meeting parity so that a fast
/// thread never overwrites rows its neighbour has yet to read.
struct Edges {
    first: [Mutex<Vec<f64>>; 2],
    last: [Mutex<Vec<f64>>; 2],
}

/// Runs `steps` steps with one block of rows per thread.
#[perflab::instrument]
pub fn run(p: &Diffusion, rho: &mut Vec<f64>, steps: usize) {
    let n = p.npnts;
    let rows = n - 2;
    let threads = rayon::current_num_threads().clamp(1, rows);
    let per = rows.div_ceil(threads);
    let threads = rows.div_ceil(per);
    let owned = |t: usize| (1 + t * per, (1 + (t + 1) * per).min(n - 1)); // grid rows [a, b)
    let smallest = (0..threads)
        .map(|t| owned(t).1 - owned(t).0)
        .min()
        .unwrap_or(1);
    let k = HALO.min(smallest);
    let barrier = SpinBarrier {
        arrived: AtomicUsize::new(0),
        threads,
    };
    let edges: Vec<Edges> = (0..threads)
        .map(|_| Edges {
            first: [Mutex::new(vec![0.0; k * n]), Mutex::new(vec![0.0; k * n])],
            last: [Mutex::new(vec![0.0; k * n]), Mutex::new(vec![0.0; k * n])],
        })
        .collect();
    // A pool of our own: team members wait for each other, so they must not share threads
    // with unrelated rayon work.
    let Ok(pool) = rayon::ThreadPoolBuilder::new().num_threads(threads).build() else {
        return super::fused::run(p, rho, steps);
    };
    let src: &[f64] = rho;
    // The cores this process may run on; pinning only where each thread gets its own.
    let cores = core_affinity::get_core_ids().unwrap_or_default();
    let pin = cores.len() >= threads;
    let blocks: Vec<Vec<f64>> = pool.broadcast(|ctx| {
        let t = ctx.index();
        if pin {
            // A refusal (a restricted container, say) leaves the thread where it is.
            core_affinity::set_for_current(cores[t]);
        }
        let (a, b) = owned(t);
        let (top, bottom) = (t == 0, t + 1 == threads);
        // Local rows lo..hi of the grid: the block, k ghost rows on each inner side, and
        // the fixed boundary row on an outer side.
        let lo = if top { 0 } else { a - k };
        let hi = if bottom { n } else { b + k };
        let mut cur = src[lo * n..hi * n].to_vec();
        let mut next = cur.clone();
        let mut done = 0;
        let mut meeting = 0;
        while done < steps {
            let segment = k.min(steps - done);
            for j in 0..segment {
                // Rows still valid after j steps of this segment, less the fixed boundary.
                let from = if top { 1 } else { lo + 1 + j };
                let to = if bottom { n - 1 } else { hi - 1 - j };
                let (from, to) = (from - lo, to - lo);
                pass(
                    &cur[(from - 1) * n..(to + 1) * n],
                    &mut next[from * n..to * n],
                    n,
                    p.coef,
                );
                std::mem::swap(&mut cur, &mut next);
            }
            done += segment;
            if done == steps || threads == 1 {
                continue;
            }
            let parity = meeting % 2;
            meeting += 1;
            lock(&edges[t].first[parity]).copy_from_slice(&cur[(a - lo) * n..(a - lo + k) * n]);
            lock(&edges[t].last[parity]).copy_from_slice(&cur[(b - lo - k) * n..(b - lo) * n]);
            barrier.wait(meeting);
            if !top {
                cur[..k * n].copy_from_slice(&lock(&edges[t - 1].last[parity]));
            }
            if !bottom {
                cur[(b - lo) * n..(b - lo + k) * n]
                    .copy_from_slice(&lock(&edges[t + 1].first[parity]));
            }
        }
        cur[(a - lo) * n..(b - lo) * n].to_vec()
    });
    for (t, block) in blocks.iter().enumerate() {
        let (a, b) = owned(t);
        rho[a * n..b * n].copy_from_slice(block);
    }
}

/// Locks a slot; a poisoned lock only means another thread panicked, and the rows in it
/// are still whole.
fn lock(m: &Mutex<Vec<f64>>) -> std::sync::MutexGuard<'_, Vec<f64>> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
