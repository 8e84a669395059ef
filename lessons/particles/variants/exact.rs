//! `exact`: the better algorithm. Each particle moves along its circle about the origin at
//! the constant speed `ang_speed` (the book's name; the velocity is `ang_speed` times the
//! unit tangent), so after time t it has turned by the angle `ang_speed · t / r`: one
//! rotation per particle, whatever the number of steps. The stepped variants take a small
//! step along the tangent each time, which drifts outward; the difference is their error,
//! not this one's.

use super::Particles;

/// Turns every particle by the angle it covers in `steps` steps.
#[perflab::instrument]
pub fn run(p: &Particles, state: &mut Vec<f64>, steps: usize) {
    let t = steps as f64 * p.timestep;
    for (pair, w) in state.chunks_exact_mut(2).zip(&p.w) {
        let (x, y) = (pair[0], pair[1]);
        let (s, c) = (w * t / (x * x + y * y).sqrt()).sin_cos();
        pair[0] = x * c - y * s;
        pair[1] = x * s + y * c;
    }
}
