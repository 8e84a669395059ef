//! `slices`: NumPy's way with ndarray. Each sweep copies the grid (for the error sum, as
//! the seed's NumPy version keeps `old_u`), computes the whole new interior from four
//! shifted views of the grid into a temporary, assigns it, and sums the squared
//! difference through two more temporaries. The right-hand side is evaluated entirely
//! before the assignment, so every update reads old values: this is Jacobi, not the
//! Gauss–Seidel sweep of the loops.

// ndarray's `s![..-2]` counts from the end, which clippy mistakes for an empty range; and
// `&a + &b` on views is the point here (each makes a new array, as NumPy does).
#![allow(clippy::reversed_empty_ranges, clippy::op_ref)]

use super::super::{Grid, Laplace};
use ndarray::{Array2, s};

/// Runs `steps` sweeps on an ndarray grid (fewer where the tolerance is met).
#[perflab::instrument]
pub fn run(p: &Laplace, state: &mut Grid, steps: usize) {
    let n = p.n;
    let mut grid = Array2::from_shape_vec((n, n), std::mem::take(&mut state.u))
        .expect("the state is an n × n grid");
    // `drive` hands the sweep the (empty) Vec; the grid lives in `grid` meanwhile.
    super::drive(p, state, steps, |_| {
        let old = grid.clone();
        let new = (&grid.slice(s![..-2, 1..-1])
            + &grid.slice(s![2.., 1..-1])
            + &grid.slice(s![1..-1, ..-2])
            + &grid.slice(s![1..-1, 2..]))
            * 0.25;
        grid.slice_mut(s![1..-1, 1..-1]).assign(&new);
        drop(new);
        let e = &grid - &old;
        (&e * &e).sum()
    });
    state.u = grid.into_raw_vec_and_offset().0;
}
