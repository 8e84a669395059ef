//! `structs`: plain `f64` fields in a `Vec` of structs, with the book's first tuning of
//! `evolve`: the loops swapped (each particle runs all its steps, so its fields stay in
//! registers), `timestep · ang_speed` computed once per particle, and fewer temporaries.
//! Each particle's steps form one long chain: every step needs the previous step's `x`
//! and `y`, and a square root and two divisions sit on that chain.

use super::Particles;

/// A particle, as the book's class with `__slots__`: three floats, nothing else.
#[derive(Debug, Clone, Copy)]
pub struct Particle {
    /// Position.
    pub x: f64,
    /// Position.
    pub y: f64,
    /// Angular speed.
    pub ang_speed: f64,
}

/// Runs `steps` steps, particles outer, steps inner.
#[perflab::instrument]
pub fn run(p: &Particles, state: &mut Vec<f64>, steps: usize) {
    let mut particles: Vec<Particle> = (0..p.n)
        .map(|i| Particle {
            x: state[2 * i],
            y: state[2 * i + 1],
            ang_speed: p.w[i],
        })
        .collect();
    evolve(&mut particles, p.timestep, steps);
    for (i, q) in particles.iter().enumerate() {
        state[2 * i] = q.x;
        state[2 * i + 1] = q.y;
    }
}

/// The tuned loop.
#[perflab::profile]
#[perflab::instrument]
fn evolve(particles: &mut [Particle], timestep: f64, steps: usize) {
    for q in particles.iter_mut() {
        let t_x_ang = timestep * q.ang_speed;
        let (mut x, mut y) = (q.x, q.y);
        for _ in 0..steps {
            let norm = (x * x + y * y).sqrt();
            let (v_x, v_y) = (-y / norm, x / norm);
            x += t_x_ang * v_x;
            y += t_x_ang * v_y;
        }
        q.x = x;
        q.y = y;
    }
}
