//! `inplace`: the seed's compiled loop (weave.inline) in Rust. One sweep row by row over
//! a flat grid, each cell replaced at once: the update of (i, j) reads the new values of
//! (i − 1, j) and (i, j − 1) and the old ones of (i + 1, j) and (i, j + 1) — Gauss–Seidel.
//! The rows are slices of one length, so the compiler drops the bounds checks; it cannot
//! vectorise along a row, since each update needs the one before it.

use super::super::{Grid, Laplace};

/// One Gauss–Seidel sweep in place; returns its error sum Σ (new − old)².
pub fn sweep(u: &mut [f64], n: usize) -> f64 {
    let mut err = 0.0;
    for i in 1..n - 1 {
        let (above, rest) = u[(i - 1) * n..].split_at_mut(n);
        let (row, below) = rest.split_at_mut(n);
        let (above, below) = (&above[..n], &below[..n]);
        for j in 1..n - 1 {
            let old = row[j];
            let new = 0.25 * (((above[j] + below[j]) + row[j - 1]) + row[j + 1]);
            row[j] = new;
            let d = new - old;
            err += d * d;
        }
    }
    err
}

/// Runs `steps` sweeps (fewer where the tolerance is met).
#[perflab::instrument]
pub fn run(p: &Laplace, state: &mut Grid, steps: usize) {
    let n = p.n;
    super::drive(p, state, steps, |u| sweep(u, n));
}
