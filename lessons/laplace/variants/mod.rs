//! The laplace kernels. Each advances a [`Grid`] (row-major n × n values, boundary
//! included and never written) by a number of sweeps, recording each sweep's error sum
//! Σ (new − old)² in `errors`; with `stop=tolerance` a sweep whose √(error sum) falls
//! below `tol` is the last one. One cell's update is `0.25 · (((up + down) + left) + right)`
//! in every variant, so that the variants of one algorithm give the same bits.
//!
//! Three algorithms, three orders of the same update:
//! - Gauss–Seidel (`objects`, `inplace`, `c`): row by row, in place, each update sees the
//!   already-new values above and to the left;
//! - Jacobi (`jacobi`, `slices`): every update from a copy of the previous sweep;
//! - red-black (`rbserial`, `redblack`): the cells with i + j even first, then the odd
//!   ones, in place: each half-sweep reads only the other colour, so its cells can be
//!   updated in any order, on any number of threads.

use super::{Grid, Laplace};
use crate::lesson::Variant;

mod c;
pub mod inplace;
pub mod jacobi;
mod objects;
pub mod redblack;
mod slices;

/// Every variant, in teaching order.
pub static ALL: &[Variant<Laplace>] = &[
    variant!(
        "objects",
        objects::run,
        "the pure-Python loop's role: Gauss–Seidel on a list of rows of reference-counted, dynamically typed heap objects, each + and * checking types and allocating its result"
    ),
    variant!(
        "inplace",
        inplace::run,
        "weave.inline's role: the same Gauss–Seidel sweep as a typed loop over a flat grid, in place, row slices so no bounds checks; each update waits for its left neighbour's"
    ),
    variant!(
        "c",
        c::run,
        "the in-place Gauss–Seidel loop in C (-O3, ISO C: no FMA contraction), called through FFI: the same bits as `inplace`"
    ),
    variant!(
        "slices",
        slices::run,
        "NumPy's role: whole-array ndarray slice expressions computing the new interior from the old grid (Jacobi), a copy for the error sum and temporaries each sweep"
    ),
    variant!(
        "jacobi",
        jacobi::run,
        "the Jacobi sweep as one typed loop from a copy kept between sweeps: no temporaries, and the updates of a row are independent, so they vectorise"
    ),
    variant!(
        "rbserial",
        redblack::serial,
        "red-black ordering on one thread: the even cells (i + j even) in place, then the odd ones; the reference for `redblack`"
    ),
    variant!(
        "redblack",
        redblack::parallel,
        "red-black on rayon's threads: each half-sweep's rows shared among the workers, who meet once per colour; the same bits as `rbserial`"
    ),
];

/// Runs sweeps until `steps` are done or the tolerance is met: `sweep` updates the grid
/// once and returns its error sum.
pub(crate) fn drive(
    p: &Laplace,
    state: &mut Grid,
    steps: usize,
    mut sweep: impl FnMut(&mut [f64]) -> f64,
) {
    for _ in 0..steps {
        if state.converged {
            return;
        }
        let err = sweep(&mut state.u);
        state.errors.push(err);
        if p.tol.is_some_and(|tol| err.sqrt() < tol) {
            state.converged = true;
        }
    }
}
