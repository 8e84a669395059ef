//! Your exercise: the Jacobi sweep at least 4× faster than the `slices` variant, with the
//! same bits as the `jacobi` reference. `cargo perflab check laplace` builds it, checks it
//! against `jacobi` and times it beside `slices` (`cargo perflab hint laplace` when you are
//! stuck; `cargo perflab reset laplace` brings this file back as it was).
//!
//! It starts as NumPy runs `u[1:-1, 1:-1] = 0.25 * (up + down + left + right)`: a copy of
//! the grid, each shifted neighbour and each partial sum a new array, then the error sum
//! through an array of differences.
//!
//! TODO, one idea at a time, running `cargo perflab check laplace` after each:
//! 1. count how many times one sweep reads and writes n² values;
//! 2. compute each new value from `old` straight into `u`, its difference and square
//!    added to `err` on the spot: one pass, no temporaries;
//! 3. keep the order 0.25 * (((up + down) + left) + right), so the bits match.
//!
//! The rules: `state.u` is the n × n grid (row-major, edges included, edges never
//! written); every sweep pushes its error sum Σ (new − old)² onto `state.errors`, and with
//! `p.tol = Some(tol)` a sweep whose √(error sum) is below `tol` is the last one
//! (`state.converged`); a run does `steps` sweeps.

use perflab::lessons::laplace::{Grid, Laplace};

/// Runs `steps` Jacobi sweeps (fewer where the tolerance is met).
// The profilers see this function: `cargo perflab profile laplace --variant exercise`.
#[perflab::profile]
#[perflab::instrument]
pub fn run(p: &Laplace, state: &mut Grid, steps: usize) {
    let n = p.n;
    let m = n - 2;
    for _ in 0..steps {
        if state.converged {
            return;
        }
        let u = &mut state.u;
        let old = u.clone();
        // The interior's neighbours, each copied out like a NumPy slice into a new array.
        let shifted = |di: usize, dj: usize| -> Vec<f64> {
            (0..m * m)
                .map(|k| old[(k / m + di) * n + k % m + dj])
                .collect()
        };
        let up = shifted(0, 1);
        let down = shifted(2, 1);
        let left = shifted(1, 0);
        let right = shifted(1, 2);
        let s1: Vec<f64> = up.iter().zip(&down).map(|(a, b)| a + b).collect();
        let s2: Vec<f64> = s1.iter().zip(&left).map(|(a, b)| a + b).collect();
        let s3: Vec<f64> = s2.iter().zip(&right).map(|(a, b)| a + b).collect();
        let new: Vec<f64> = s3.iter().map(|s| 0.25 * s).collect();
        for (k, v) in new.iter().enumerate() {
            u[(k / m + 1) * n + k % m + 1] = *v;
        }
        let diff: Vec<f64> = u.iter().zip(&old).map(|(a, b)| a - b).collect();
        let err: f64 = diff.iter().map(|d| d * d).sum();
        state.errors.push(err);
        if p.tol.is_some_and(|tol| err.sqrt() < tol) {
            state.converged = true;
        }
    }
}
