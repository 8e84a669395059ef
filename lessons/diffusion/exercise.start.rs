//! Your exercise: make this diffusion kernel at least 5× faster than `nested`, and keep
//! its answer. `cargo perflab check diffusion` builds it, checks it against the reference, and
//! times it beside `nested` (`cargo perflab hint diffusion` when you are stuck; `cargo perflab reset
//! diffusion` brings this file back as it was).
//!
//! It starts as a correct but slow kernel: the grid copied into a vector of rows, a
//! laplacian grid filled in one pass and added in a second, an index (and a bounds check)
//! for every access.
//!
//! TODO, one idea at a time, running `cargo perflab check diffusion` after each:
//! 1. work on the flat `rho` vector directly: row `i` is `rho[i * n..(i + 1) * n]`;
//! 2. compute each new value from the old grid in one pass, into a second buffer, and swap
//!    the buffers instead of keeping a laplacian;
//! 3. give the compiler slices of equal length, so that it can drop the bounds checks and
//!    use SIMD.
//!
//! The rules: `rho` holds `p.npnts × p.npnts` values row by row, the boundary rows and
//! columns stay zero, and each step sets every interior value to
//! `ρ + p.coef · (up + down + left + right − 4ρ)`, using only the previous step's values.

use perflab::lessons::diffusion::Diffusion;

/// Advances the grid in `rho` by `steps` time steps.
// The profilers see this function: `cargo perflab profile diffusion --variant exercise`.
#[perflab::profile]
#[perflab::instrument]
#[allow(clippy::needless_range_loop)] // the slow start: index loops, to be replaced
pub fn run(p: &Diffusion, rho: &mut Vec<f64>, steps: usize) {
    let n = p.npnts;
    let mut grid: Vec<Vec<f64>> = rho.chunks_exact(n).map(<[f64]>::to_vec).collect();
    let mut lap = vec![vec![0.0; n]; n];
    for _ in 0..steps {
        for i in 1..n - 1 {
            for j in 1..n - 1 {
                lap[i][j] = grid[i - 1][j] + grid[i + 1][j] + grid[i][j - 1] + grid[i][j + 1]
                    - 4.0 * grid[i][j];
            }
        }
        for i in 1..n - 1 {
            for j in 1..n - 1 {
                grid[i][j] += p.coef * lap[i][j];
            }
        }
    }
    *rho = grid.concat();
}
