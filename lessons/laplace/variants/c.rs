//! `c`: the in-place Gauss–Seidel loop in C (`../laplace.c`), built by `cc` with -O3 and
//! the same CPU target as the Rust code, in ISO C11 mode, where GCC does not contract
//! `err += d * d` into a fused multiply-add: the same bits as `inplace`.
#![allow(unsafe_code)] // the one place this lesson crosses into C

use super::super::{Grid, Laplace};

unsafe extern "C" {
    fn perflab_laplace_c(u: *mut f64, n: usize) -> f64;
}

/// Runs `steps` sweeps in C (fewer where the tolerance is met).
#[perflab::instrument]
pub fn run(p: &Laplace, state: &mut Grid, steps: usize) {
    let n = p.n;
    super::drive(p, state, steps, |u| {
        assert_eq!(u.len(), n * n, "the state is an n × n grid");
        // SAFETY: `u` holds n·n doubles and outlives the call; the C code reads and
        // writes only indices below n·n.
        unsafe { perflab_laplace_c(u.as_mut_ptr(), n) }
    });
}
