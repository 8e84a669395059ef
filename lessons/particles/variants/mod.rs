//! The particle simulator's kernels, in the order the book improves it. Each advances the
//! interleaved positions `[x0, y0, x1, y1, …]` by a number of time steps of
//! `x += timestep · ang_speed · (−y/r)`, `y += timestep · ang_speed · (x/r)`, `r = √(x² + y²)`,
//! with the operations in that order, so that every stepped variant gives the same bits.

// Every kernel has the signature `fn(&Particles, &mut Vec<f64>, usize)` that
// `lesson::Kernel` sets.
#![allow(clippy::ptr_arg)]

use super::Particles;
use crate::lesson::Variant;

mod arrays;
pub(super) mod exact;
mod objects;
mod parallel;
mod structs;
pub(super) mod typed;

pub(super) use exact::run as exact_rotation;

/// Every variant, in teaching order.
pub static ALL: &[Variant<Particles>] = &[
    variant!(
        "objects",
        objects::run,
        "each particle a dictionary of boxed, dynamically typed attributes: a hash lookup per p.x and a heap object per operation, steps outer, as the book's first program"
    ),
    variant!(
        "structs",
        structs::run,
        "plain f64 fields in a Vec of structs, with the book's first tuning: loops swapped (particles outer), timestep·ang_speed hoisted, fewer temporaries"
    ),
    variant!(
        "arrays",
        arrays::run,
        "ndarray whole-array expressions per step (NumPy): fast inner loops, but a temporary array per expression and several sweeps of memory per step"
    ),
    variant!(
        "typed",
        typed::run,
        "flat x and y arrays, steps outer and particles inner (the book's Cython order): independent particles side by side, so the compiler uses SIMD lanes"
    ),
    variant!(
        "parallel",
        parallel::run,
        "typed, with blocks of particles on rayon's threads, each running all its steps: particles never interact, so the threads never wait (OpenMP prange's role)"
    ),
    variant!(
        "exact",
        exact::run,
        tolerance = 1e-3,
        "the better algorithm: rotate each particle by ang_speed·t in one go, no time steps at all; the stepped variants' difference from it is their error"
    ),
];
