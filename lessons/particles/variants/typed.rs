//! `typed`: the book's Cython order. Positions in flat arrays (one for x, one for y),
//! steps outer, particles inner: within a step the particles are independent, so the
//! compiler computes several at once in SIMD lanes, and the chain of one particle's steps
//! no longer sets the pace.

use super::Particles;

/// Runs `steps` steps over flat arrays, particles inner.
#[perflab::instrument]
pub fn run(p: &Particles, state: &mut Vec<f64>, steps: usize) {
    let (mut xs, mut ys) = split(state, p.n);
    let t_x_ang: Vec<f64> = p.w.iter().map(|w| p.timestep * w).collect();
    for _ in 0..steps {
        step(&mut xs, &mut ys, &t_x_ang);
    }
    join(state, &xs, &ys);
}

/// One step for a block of particles: independent lanes, no bounds checks.
#[inline]
pub(super) fn step(xs: &mut [f64], ys: &mut [f64], t_x_ang: &[f64]) {
    for ((x, y), t) in xs.iter_mut().zip(ys.iter_mut()).zip(t_x_ang) {
        let norm = (*x * *x + *y * *y).sqrt();
        let (v_x, v_y) = (-*y / norm, *x / norm);
        *x += t * v_x;
        *y += t * v_y;
    }
}

/// Interleaved `[x0, y0, x1, y1, …]` into two arrays.
pub(super) fn split(state: &[f64], n: usize) -> (Vec<f64>, Vec<f64>) {
    (
        (0..n).map(|i| state[2 * i]).collect(),
        (0..n).map(|i| state[2 * i + 1]).collect(),
    )
}

/// Two arrays back into interleaved `state`.
pub(super) fn join(state: &mut [f64], xs: &[f64], ys: &[f64]) {
    for (pair, (x, y)) in state.chunks_exact_mut(2).zip(xs.iter().zip(ys)) {
        pair[0] = *x;
        pair[1] = *y;
    }
}
