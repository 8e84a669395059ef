//! `prange`: the direct translation of a `prange` loop. Every step, rayon's parallel
//! iterator cuts the interior rows into one block per thread and the `fused` pass runs on
//! the blocks at once: a fork and a join per step. The time loop runs inside rayon's pool,
//! so the calling thread computes a block too. What is left is the cost of each join: an
//! idle worker has to notice the stolen half, and on a small grid that cost is a fair share
//! of a step (see `parallel` for the cure).

use super::Diffusion;
use super::fused::pass;
use rayon::prelude::*;

/// Runs `steps` steps, each step's rows shared among rayon's threads.
#[perflab::instrument]
pub fn run(p: &Diffusion, rho: &mut Vec<f64>, steps: usize) {
    let n = p.npnts;
    let rows = n - 2;
    let tasks = rayon::current_num_threads().max(1);
    let per_task = rows.div_ceil(tasks);
    let mut next = rho.clone();
    rayon::scope(|_| {
        for _ in 0..steps {
            let src: &[f64] = rho;
            next[n..(n - 1) * n]
                .par_chunks_mut(per_task * n)
                .enumerate()
                .for_each(|(t, block)| {
                    let a = 1 + t * per_task;
                    let b = a + block.len() / n;
                    pass(&src[(a - 1) * n..(b + 1) * n], block, n, p.coef)
                });
            std::mem::swap(rho, &mut next);
        }
    });
}
