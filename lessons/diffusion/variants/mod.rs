//! The diffusion kernels, slowest idea first. Each advances a row-major npnts × npnts
//! density grid (boundary rows and columns zero) by a number of steps of
//! `ρ ← ρ + coef·(ρ[i−1,j] + ρ[i+1,j] + ρ[i,j−1] + ρ[i,j+1] − 4ρ[i,j])`,
//! summing the neighbours in that order, so that every Rust variant gives the same bits.

// Every kernel has the signature `fn(&Diffusion, &mut Vec<f64>, usize)` that
// `lesson::Kernel` sets, whether or not it resizes the grid.
#![allow(clippy::ptr_arg)]

use super::Diffusion;
use crate::lesson::Variant;

pub mod blocked;
mod c;
pub mod dynamic;
pub mod fused;
mod indexed;
pub mod loops;
mod nested;
pub mod parallel;
mod prange;
mod slices;

/// Every variant, in teaching order.
pub static ALL: &[Variant<Diffusion>] = &[
    variant!(
        "dynamic",
        dynamic::run,
        "every value a reference-counted, dynamically typed heap object: each + and * checks both types and allocates its result, as an interpreter does"
    ),
    variant!(
        "nested",
        nested::run,
        "plain f64s, but in Vec<Vec<f64>> with index loops and a laplacian grid: two passes, a double indirection and a bounds check per access"
    ),
    variant!(
        "indexed",
        indexed::run,
        "one flat array walked by computed indices i*n+j: one indirection, still two passes and a bounds check per access"
    ),
    variant!(
        "slices",
        slices::run,
        "ndarray whole-array slice arithmetic: no per-element checks, but a temporary laplacian each step and several passes over memory"
    ),
    variant!(
        "fused",
        fused::run,
        "the whole update in one pass over the flattened grid (numexpr's ravel trick): no temporaries, one read and one write per cell"
    ),
    variant!(
        "loops",
        loops::run,
        "typed loops over row slices of equal length: no bounds checks left, so the compiler emits SIMD; two buffers swapped"
    ),
    variant!(
        "blocked",
        blocked::run,
        "temporal blocking: one sweep down the grid advances several steps in a wavefront, two rows at a time, keeping four rows per step in the L1, so the grid is read and written once per sweep instead of once per step; bit-identical to loops"
    ),
    variant!(
        "prange",
        prange::run,
        "the fused pass on blocks of rows shared among rayon's threads each step, as prange does: a fork and a join per step"
    ),
    variant!(
        "parallel",
        parallel::run,
        "rows split across a team of rayon threads that lives for the whole run: deep halo rows, so the team meets at a spinning barrier every 16 steps instead of forking and joining every step, and moves rows from slower threads to faster ones"
    ),
    variant!(
        "c",
        c::run,
        "the tutorial's compiled baseline: its two loop nests and laplacian array in C (-O3 -march=native), called through FFI"
    ),
];
