//! `arrays`: the NumPy version. Positions and speeds in ndarray vectors, and each step
//! computed as whole-array expressions: fast inner loops, but every expression makes a
//! temporary array and each step sweeps memory several times.

use super::Particles;
use ndarray::Array1;

/// Runs `steps` steps of whole-array operations.
#[perflab::instrument]
pub fn run(p: &Particles, state: &mut Vec<f64>, steps: usize) {
    let mut x: Array1<f64> = (0..p.n).map(|i| state[2 * i]).collect();
    let mut y: Array1<f64> = (0..p.n).map(|i| state[2 * i + 1]).collect();
    let t_x_ang = Array1::from(p.w.clone()) * p.timestep;
    for _ in 0..steps {
        let norm = (&x * &x + &y * &y).mapv(f64::sqrt);
        let v_x = -&y / &norm;
        let v_y = &x / &norm;
        x += &(&t_x_ang * &v_x);
        y += &(&t_x_ang * &v_y);
    }
    for i in 0..p.n {
        state[2 * i] = x[i];
        state[2 * i + 1] = y[i];
    }
}
