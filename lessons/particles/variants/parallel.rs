//! `parallel`: `typed` with the particles split across rayon's threads, as the book's
//! OpenMP `prange` does after inverting the loops. Particles never interact, so each
//! thread runs all the steps of its own block: no synchronisation at all between steps.

use super::Particles;
use super::typed::{join, split, step};
use rayon::prelude::*;

/// Particles per block: enough for SIMD and to amortise a task, small enough to share.
const BLOCK: usize = 256;

/// Runs `steps` steps, blocks of particles on rayon's threads.
#[perflab::instrument]
pub fn run(p: &Particles, state: &mut Vec<f64>, steps: usize) {
    let (mut xs, mut ys) = split(state, p.n);
    let t_x_ang: Vec<f64> = p.w.iter().map(|w| p.timestep * w).collect();
    let per = BLOCK.max(p.n.div_ceil(4 * rayon::current_num_threads().max(1)));
    xs.par_chunks_mut(per)
        .zip(ys.par_chunks_mut(per))
        .zip(t_x_ang.par_chunks(per))
        .for_each(|((x, y), t)| {
            for _ in 0..steps {
                step(x, y, t);
            }
        });
    join(state, &xs, &ys);
}
