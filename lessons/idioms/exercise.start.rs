//! Your exercise: the first n Taylor coefficients of exp (1/k!) and of sin (0 for even k,
//! ±1/k! for odd k), exp's first, at least 20× faster than the `recursive` variant, with
//! the same bits. `cargo perflab check idioms` builds it, checks it against the reference and
//! times it beside `recursive` (`cargo perflab hint idioms` when you are stuck; `cargo perflab reset
//! idioms` brings this file back as it was).
//!
//! It starts as the tutorial's code: every coefficient calls a factorial that recurses
//! all the way down to 0! again.
//!
//! TODO, one idea at a time, running `cargo perflab check idioms` after each:
//! 1. profile it (`cargo perflab profile idioms --variant recursive --functions --steps 1`) and
//!    count the calls of factorial;
//! 2. compute each factorial once, from the one before it;
//! 3. keep the rounding: k! is `k as f64 * (k − 1)!` from 0! = 1.0, and a coefficient is
//!    `1.0 / k!` (times the sign, for sin), so the bits match.
//!
//! The rules: `p.n` is the number of terms of each series; `out` must end up holding the
//! n exp coefficients, then the n sin coefficients; a run repeats the evaluation `steps`
//! times.

use perflab::lessons::idioms::Idioms;

fn factorial(k: usize) -> f64 {
    if k == 0 {
        1.0
    } else {
        k as f64 * factorial(k - 1)
    }
}

/// Writes the coefficients into `out`, `steps` times.
// The profilers see this function: `cargo perflab profile idioms --variant exercise`.
#[perflab::profile]
#[perflab::instrument]
#[allow(clippy::ptr_arg)] // the signature every kernel of the lesson has
pub fn run(p: &Idioms, out: &mut Vec<f64>, steps: usize) {
    for _ in 0..steps {
        out.clear();
        for k in 0..p.n {
            out.push(1.0 / factorial(k));
        }
        for k in 0..p.n {
            if k % 2 == 1 {
                let sign = if (k / 2) % 2 == 0 { 1.0 } else { -1.0 };
                out.push(sign / factorial(k));
            } else {
                out.push(0.0);
            }
        }
    }
}
