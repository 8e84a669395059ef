//! `c`: the tutorial's compiled baseline, in C (`../diffusion.c`), built by `cc` with
//! -O3 -march=native and called through FFI.
#![allow(unsafe_code)] // the one place this lesson crosses into C

use super::Diffusion;

unsafe extern "C" {
    fn perflab_diffusion_c(rho: *mut f64, lap: *mut f64, n: usize, steps: usize, coef: f64);
}

/// Runs `steps` steps in C, in place.
#[perflab::instrument]
pub fn run(p: &Diffusion, rho: &mut Vec<f64>, steps: usize) {
    let n = p.npnts;
    assert_eq!(rho.len(), n * n, "the state is an npnts × npnts grid");
    let mut lap = vec![0.0; n * n];
    // SAFETY: both buffers hold n·n doubles, do not overlap, and outlive the call; the C
    // code reads and writes only indices below n·n.
    unsafe { perflab_diffusion_c(rho.as_mut_ptr(), lap.as_mut_ptr(), n, steps, p.coef) }
}
