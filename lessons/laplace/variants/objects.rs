//! `objects`: the seed's pure-Python loop, Gauss–Seidel in place, done as an interpreter
//! does it. The grid is a list of rows of references to tagged, reference-counted heap
//! objects (Python floats); reading a value takes a reference, each `+`, `-` and `*`
//! inspects both operands' types and allocates a new object for its result, and the
//! constant 0.25 is looked up by name in a dictionary for every cell. No sleeps, nothing
//! wasted on purpose: this is the work an interpreter does, the same arithmetic in the
//! same order as `inplace`, so the same bits.

use super::super::{Grid, Laplace};
use std::collections::HashMap;
use std::rc::Rc;

/// A dynamically typed value.
#[derive(Debug)]
enum Object {
    Int(i64),
    Float(f64),
}

/// A reference to one, as interpreters pass them around.
type Ref = Rc<Object>;

#[derive(Clone, Copy)]
enum Op {
    Add,
    Sub,
    Mul,
}

impl Object {
    fn as_f64(&self) -> f64 {
        match *self {
            Object::Int(i) => i as f64,
            Object::Float(x) => x,
        }
    }
}

/// Loading a value onto the evaluation stack takes a new reference.
fn load(r: &Ref) -> Ref {
    Rc::clone(r)
}

/// `a op b` with dynamic dispatch on both types; the result is a new heap object.
fn binary(op: Op, a: Ref, b: Ref) -> Ref {
    let result = match (&*a, &*b) {
        (Object::Int(x), Object::Int(y)) => {
            let r = match op {
                Op::Add => x.checked_add(*y),
                Op::Sub => x.checked_sub(*y),
                Op::Mul => x.checked_mul(*y),
            };
            r.map_or_else(
                || Object::Float(float_op(op, *x as f64, *y as f64)),
                Object::Int,
            )
        }
        (x, y) => Object::Float(float_op(op, x.as_f64(), y.as_f64())),
    };
    Rc::new(result)
}

fn float_op(op: Op, x: f64, y: f64) -> f64 {
    match op {
        Op::Add => x + y,
        Op::Sub => x - y,
        Op::Mul => x * y,
    }
}

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
