//! `fused`: numexpr's ravel trick. The grid is treated as one flat array and the whole
//! update runs as a single pass from the first interior cell to the last, with neighbours
//! at offsets ±1 and ±n. The pass also writes the boundary columns (their "neighbours"
//! wrap to the next row), so those are zeroed again afterwards. No temporary array, and
//! one long loop instead of one short loop per row.

use super::Diffusion;
use super::loops::stencil;

/// One step for a block of whole rows: `src` holds the block with one extra row above and
/// below, `dst` receives the block's new rows (boundary columns zero). Shared by `fused`,
/// `prange` and `parallel`.
#[perflab::instrument]
pub fn pass(src: &[f64], dst: &mut [f64], n: usize, coef: f64) {
    let len = dst.len();
    debug_assert_eq!(src.len(), len + 2 * n);
    stencil(
        &mut dst[1..len - 1],
        &src[1..],
        &src[2 * n + 1..],
        &src[n..],
        &src[n + 1..],
        &src[n + 2..],
        coef,
    );
    for row in dst.chunks_exact_mut(n) {
        row[0] = 0.0;
        row[n - 1] = 0.0;
    }
}

/// Runs `steps` steps with two buffers.
#[perflab::instrument]
pub fn run(p: &Diffusion, rho: &mut Vec<f64>, steps: usize) {
    let n = p.npnts;
    let mut next = rho.clone();
    for _ in 0..steps {
        pass(rho, &mut next[n..(n - 1) * n], n, p.coef);
        std::mem::swap(rho, &mut next);
    }
}
