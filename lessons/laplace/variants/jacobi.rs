//! `jacobi`: the Jacobi sweep as one typed loop. The previous sweep's values are copied
//! into a second buffer kept for the whole run, and every update reads only that copy, so
//! the updates along a row are independent and the compiler vectorises them.

use super::super::{Grid, Laplace};

/// One Jacobi sweep: `u`'s interior from `old` (a copy of `u`); returns the error sum.
pub fn sweep(u: &mut [f64], old: &mut [f64], n: usize) -> f64 {
    old.copy_from_slice(u);
    let mut err = 0.0;
    for (i, row) in u.chunks_exact_mut(n).enumerate().take(n - 1).skip(1) {
        let above = &old[(i - 1) * n..i * n];
        let mid = &old[i * n..(i + 1) * n];
        let below = &old[(i + 1) * n..(i + 2) * n];
        for j in 1..n - 1 {
            let new = 0.25 * (((above[j] + below[j]) + mid[j - 1]) + mid[j + 1]);
            row[j] = new;
            let d = new - mid[j];
            err += d * d;
        }
    }
    err
}

/// Runs `steps` sweeps (fewer where the tolerance is met).
#[perflab::instrument]
pub fn run(p: &Laplace, state: &mut Grid, steps: usize) {
    let n = p.n;
    let mut old = vec![0.0; n * n];
    super::drive(p, state, steps, |u| sweep(u, &mut old, n));
}
