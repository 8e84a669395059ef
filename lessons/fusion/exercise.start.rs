//! Your exercise: compute `out[i] = a[i]² + b[i]² + 2·a[i]·b[i]` at least 10× faster than
//! the `temporaries` variant, with the same bits. `cargo perflab check fusion` builds it, checks
//! it against the reference and times it beside `temporaries` (`cargo perflab hint fusion` when
//! you are stuck; `cargo perflab reset fusion` brings this file back as it was).
//!
//! It starts as NumPy evaluates the expression: one whole-array operation at a time, each
//! into a new array.
//!
//! TODO, one idea at a time, running `cargo perflab check fusion` after each:
//! 1. count how many times each line reads and writes n values;
//! 2. compute each result in one pass, straight into `out`, with no temporary arrays;
//! 3. keep the order of operations `a * a + b * b + 2.0 * a * b`, so the bits match.
//!
//! The rules: `p.a` and `p.b` hold the inputs (`p.expr` is `Poly` at the check's size);
//! `out` has room for one result per input; a run repeats the evaluation `steps` times.

use perflab::lessons::fusion::Fusion;

/// Evaluates the expression `steps` times into `out`.
// The profilers see this function: `cargo perflab profile fusion --variant exercise`.
#[perflab::profile]
#[perflab::instrument]
#[allow(clippy::ptr_arg)] // the signature every kernel of the lesson has
pub fn run(p: &Fusion, out: &mut Vec<f64>, steps: usize) {
    for _ in 0..steps {
        let a2: Vec<f64> = p.a.iter().map(|a| a * a).collect();
        let b2: Vec<f64> = p.b.iter().map(|b| b * b).collect();
        let sum: Vec<f64> = a2.iter().zip(&b2).map(|(x, y)| x + y).collect();
        let two_a: Vec<f64> = p.a.iter().map(|a| 2.0 * a).collect();
        for (((o, s), t), b) in out.iter_mut().zip(&sum).zip(&two_a).zip(&p.b) {
            *o = s + t * b;
        }
    }
}
