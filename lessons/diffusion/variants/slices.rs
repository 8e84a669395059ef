//! `slices`: NumPy's vectorised style with ndarray. The laplacian is whole-array arithmetic
//! on four shifted views; `&a + &b` allocates a new array, later `+` reuse it, and the
//! result is added back into the interior view. No per-element bounds checks, but each
//! step allocates temporaries and streams the grid through memory several times.

// ndarray's `s![..-2]` counts from the end, which clippy mistakes for an empty range; and
// `&a + &b` on views is the point here (each makes a new array, as NumPy does).
#![allow(clippy::reversed_empty_ranges, clippy::op_ref)]

use super::Diffusion;
use ndarray::{Array2, s};

/// Runs `steps` steps on an ndarray grid.
#[perflab::instrument]
pub fn run(p: &Diffusion, rho: &mut Vec<f64>, steps: usize) {
    let n = p.npnts;
    let mut grid = Array2::from_shape_vec((n, n), std::mem::take(rho))
        .expect("the state is an npnts × npnts grid");
    for _ in 0..steps {
        let lap = &grid.slice(s![..-2, 1..-1])
            + &grid.slice(s![2.., 1..-1])
            + &grid.slice(s![1..-1, ..-2])
            + &grid.slice(s![1..-1, 2..])
            - &grid.slice(s![1..-1, 1..-1]) * 4.0;
        grid.slice_mut(s![1..-1, 1..-1]).scaled_add(p.coef, &lap);
    }
    *rho = grid.into_raw_vec_and_offset().0;
}
