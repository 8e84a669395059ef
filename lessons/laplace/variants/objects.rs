//! `objects`: the seed's pure-Python loop, Gauss–Seidel in place, done as an interpreter
//! does it. The grid is a list of rows of references to tagged, reference-counted heap
//! objects (Python floats); reading a value takes a reference, each `+`, `-` and `*`
//! inspects both operands' types and allocates a new object for its result, and the
//! constant 0.25 is looked up by name in a dictionary for every cell. No sleeps, nothing
//! wasted on purpose: this is the work an interpreter does, the same arithmetic in the
//! same order as `inplace`, so the same bits.

use super::super::{Grid, Laplace};
// The interpreter's values and operators: the diffusion lesson's `dynamic` variant's.
use crate::lessons::diffusion::variants::dynamic::{Object, Op, Ref, binary, load};
use std::collections::HashMap;
use std::rc::Rc;

/// Runs `steps` sweeps on a list of lists of objects (fewer where the tolerance is met).
#[allow(clippy::needless_range_loop)] // index loops are what this variant shows
#[perflab::instrument]
pub fn run(p: &Laplace, state: &mut Grid, steps: usize) {
    let n = p.n;
    let float = |v: f64| Rc::new(Object::Float(v));
    let mut grid: Vec<Vec<Ref>> = state
        .u
        .chunks_exact(n)
        .map(|row| row.iter().map(|&v| float(v)).collect())
        .collect();
    let mut globals: HashMap<&'static str, Ref> = HashMap::new();
    globals.insert("quarter", float(0.25));
    super::drive(p, state, steps, |_| {
        let mut err = Rc::new(Object::Int(0));
        for i in 1..n - 1 {
            for j in 1..n - 1 {
                let old = load(&grid[i][j]);
                let t = binary(Op::Add, load(&grid[i - 1][j]), load(&grid[i + 1][j]));
                let t = binary(Op::Add, t, load(&grid[i][j - 1]));
                let t = binary(Op::Add, t, load(&grid[i][j + 1]));
                let new = binary(Op::Mul, load(&globals["quarter"]), t);
                grid[i][j] = load(&new);
                let d = binary(Op::Sub, new, old);
                let d2 = binary(Op::Mul, load(&d), d);
                err = binary(Op::Add, err, d2);
            }
        }
        err.as_f64()
    });
    state.u = grid.iter().flatten().map(|v| v.as_f64()).collect();
}
