//! Your exercise: make this particle kernel at least 100× faster than `objects`, and keep
//! its answer. `cargo perflab check particles` builds it, checks it against the reference and
//! times it beside `objects` (`cargo perflab hint particles` when you are stuck; `cargo perflab reset
//! particles` brings this file back as it was).
//!
//! It starts in the shape of the book's first tuning: a Vec of structs, each particle
//! running all of its steps before the next particle starts.
//!
//! TODO, one idea at a time, running `cargo perflab check particles` after each:
//! 1. keep x, y and timestep·ang_speed in three flat arrays (alone, this gains little);
//! 2. look at the loop order: what does each step of one particle wait for? Put the steps
//!    outer and write each step as one loop over those slices, so the compiler can use
//!    SIMD.
//!
//! The rules: `state` holds `[x0, y0, x1, y1, …]` for `p.n` particles with angular speeds
//! `p.w`; each step computes, for every particle and in this order, `r = √(x² + y²)`,
//! `v_x = −y / r`, `v_y = x / r`, `x += (p.timestep · ang_speed) · v_x` and
//! `y += (p.timestep · ang_speed) · v_y`.

use perflab::lessons::particles::Particles;

#[derive(Clone, Copy)]
struct Particle {
    x: f64,
    y: f64,
    ang_speed: f64,
}

/// Advances every particle by `steps` time steps.
// The profilers see this function: `cargo perflab profile particles --variant exercise`.
#[perflab::profile]
#[perflab::instrument]
#[allow(clippy::ptr_arg)] // the signature every kernel of the lesson has
pub fn run(p: &Particles, state: &mut Vec<f64>, steps: usize) {
    let mut particles: Vec<Particle> = (0..p.n)
        .map(|i| Particle {
            x: state[2 * i],
            y: state[2 * i + 1],
            ang_speed: p.w[i],
        })
        .collect();
    for q in particles.iter_mut() {
        let t_x_ang = p.timestep * q.ang_speed;
        for _ in 0..steps {
            let norm = (q.x * q.x + q.y * q.y).sqrt();
            let v_x = -q.y / norm;
            let v_y = q.x / norm;
            q.x += t_x_ang * v_x;
            q.y += t_x_ang * v_y;
        }
    }
    for (i, q) in particles.iter().enumerate() {
        state[2 * i] = q.x;
        state[2 * i + 1] = q.y;
    }
}
