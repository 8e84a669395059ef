//! `parallel`: rows split across a team of rayon threads that lives for the whole run.
//! Each thread owns a block of rows, updated by the `fused` pass and kept in its own two
//! buffers with a ghost row above and
//! below (so its data stays in its own core's cache). A step is: update the block, publish
//! its first and last rows, wait at a spinning barrier, copy the neighbours' published rows
//! into the ghost rows. That is the halo exchange of a distributed-memory code, here
//! between threads: one barrier per step costs well under a microsecond, where `prange`'s
//! fork and join costs several.

use super::Diffusion;
use super::fused::pass;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

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

/// The rows a thread publishes after each step, one slot per step parity so a fast thread
/// never overwrites a row its neighbour has yet to read.
struct Edges {
    first: [Mutex<Vec<f64>>; 2],
    last: [Mutex<Vec<f64>>; 2],
}

/// Runs `steps` steps with one block of rows per thread.
pub fn run(p: &Diffusion, rho: &mut Vec<f64>, steps: usize) {
    let n = p.npnts;
    let rows = n - 2;
    let threads = rayon::current_num_threads().clamp(1, rows);
    let per = rows.div_ceil(threads);
    let threads = rows.div_ceil(per);
    let span = |t: usize| (1 + t * per, (1 + (t + 1) * per).min(n - 1)); // grid rows [a, b)
    let barrier = SpinBarrier {
        arrived: AtomicUsize::new(0),
        threads,
    };
    let edges: Vec<Edges> = (0..threads)
        .map(|_| Edges {
            first: [Mutex::new(vec![0.0; n]), Mutex::new(vec![0.0; n])],
            last: [Mutex::new(vec![0.0; n]), Mutex::new(vec![0.0; n])],
        })
        .collect();
    // A pool of our own: team members wait for each other, so they must not share threads
    // with unrelated rayon work.
    let Ok(pool) = rayon::ThreadPoolBuilder::new().num_threads(threads).build() else {
        return super::loops::run(p, rho, steps);
    };
    let src: &[f64] = rho;
    let blocks: Vec<Vec<f64>> = pool.broadcast(|ctx| {
        let t = ctx.index();
        let (a, b) = span(t);
        let m = b - a;
        // Rows a-1 ..= b of the grid: the block with a ghost row on each side.
        let mut cur = src[(a - 1) * n..(b + 1) * n].to_vec();
        let mut next = cur.clone();
        for step in 0..steps {
            pass(&cur, &mut next[n..(m + 1) * n], n, p.coef);
            let parity = step % 2;
            lock(&edges[t].first[parity]).copy_from_slice(&next[n..2 * n]);
            lock(&edges[t].last[parity]).copy_from_slice(&next[m * n..(m + 1) * n]);
            barrier.wait(step + 1);
            if t > 0 {
                next[..n].copy_from_slice(&lock(&edges[t - 1].last[parity]));
            }
            if t + 1 < threads {
                next[(m + 1) * n..].copy_from_slice(&lock(&edges[t + 1].first[parity]));
            }
            std::mem::swap(&mut cur, &mut next);
        }
        cur
    });
    for (t, block) in blocks.iter().enumerate() {
        let (a, b) = span(t);
        rho[a * n..b * n].copy_from_slice(&block[n..(b - a + 1) * n]);
    }
}

/// Locks a slot; a poisoned lock only means another thread panicked, and the rows in it
/// are still whole.
fn lock(m: &Mutex<Vec<f64>>) -> std::sync::MutexGuard<'_, Vec<f64>> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
