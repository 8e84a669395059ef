//! `indexed`: "NumPy with loops" — one flat array, cell (i, j) at index i·n + j, walked by
//! index loops with a laplacian array. One indirection fewer than `nested`, but still two
//! passes and a bounds check on each of the six accesses per cell.

use super::Diffusion;

/// Runs `steps` steps on the flat grid in place.
#[perflab::instrument]
pub fn run(p: &Diffusion, rho: &mut Vec<f64>, steps: usize) {
    let n = p.npnts;
    let mut lap = vec![0.0; n * n];
    for _ in 0..steps {
        for i in 1..n - 1 {
            for j in 1..n - 1 {
                let k = i * n + j;
                lap[k] = rho[k - n] + rho[k + n] + rho[k - 1] + rho[k + 1] - 4.0 * rho[k];
            }
        }
        for i in 1..n - 1 {
            for j in 1..n - 1 {
                let k = i * n + j;
                rho[k] += p.coef * lap[k];
            }
        }
    }
}
