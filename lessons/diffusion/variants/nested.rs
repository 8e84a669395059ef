//! `nested`: the pure-Python program's shape with plain floats. A list of rows
//! (`Vec<Vec<f64>>`), index loops, and a laplacian grid filled in one pass and added in a
//! second. Compiled, so there is no interpreter; what is left is a pointer chase per row
//! access, a bounds check per index, and twice the memory traffic of one pass.

use super::Diffusion;

/// Runs `steps` steps on a list of rows.
#[perflab::instrument]
pub fn run(p: &Diffusion, rho: &mut Vec<f64>, steps: usize) {
    let n = p.npnts;
    let mut grid: Vec<Vec<f64>> = rho.chunks_exact(n).map(<[f64]>::to_vec).collect();
    let mut lap = vec![vec![0.0; n]; n];
    for _ in 0..steps {
        step(&mut grid, &mut lap, p.coef);
    }
    *rho = grid.concat();
}

/// One time step: the laplacian of every interior cell into `lap`, then the update.
#[perflab::profile]
#[perflab::instrument]
#[allow(clippy::needless_range_loop)] // index loops are what this variant shows
fn step(grid: &mut [Vec<f64>], lap: &mut [Vec<f64>], coef: f64) {
    let n = grid.len();
    for i in 1..n - 1 {
        for j in 1..n - 1 {
            lap[i][j] = grid[i - 1][j] + grid[i + 1][j] + grid[i][j - 1] + grid[i][j + 1]
                - 4.0 * grid[i][j];
        }
    }
    for i in 1..n - 1 {
        for j in 1..n - 1 {
            grid[i][j] += coef * lap[i][j];
        }
    }
}
