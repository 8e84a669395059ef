//! `dynamic`: what an interpreter does for every `+`. Each grid value is a tagged,
//! reference-counted heap object (a Python float); the grid is a list of lists of
//! references. Reading a value takes a reference (a count increment), each arithmetic
//! operation inspects both operands' types, promotes int to float where needed and
//! allocates a new object for the result, and the global `coef` is looked up by name in a
//! dictionary for every cell. Nothing here is wasted on purpose: this is the work.

use super::Diffusion;
use std::collections::HashMap;
use std::rc::Rc;

/// A dynamically typed value.
#[derive(Debug)]
pub enum Object {
    /// A whole number (Python's int).
    Int(i64),
    /// A double (Python's float).
    Float(f64),
}

/// A reference to one, as interpreters pass them around.
pub type Ref = Rc<Object>;

/// An arithmetic operator.
#[derive(Clone, Copy)]
pub enum Op {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
}

impl Object {
    /// The value as a double.
    pub fn as_f64(&self) -> f64 {
        match *self {
            Object::Int(i) => i as f64,
            Object::Float(x) => x,
        }
    }
}

/// Loading a value onto the evaluation stack takes a new reference.
pub fn load(r: &Ref) -> Ref {
    Rc::clone(r)
}

/// `a op b` with dynamic dispatch on both types; the result is a new heap object.
pub fn binary(op: Op, a: Ref, b: Ref) -> Ref {
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

/// Runs `steps` steps on a list of lists of objects.
#[allow(clippy::needless_range_loop)] // index loops are what this variant shows
#[perflab::instrument]
pub fn run(p: &Diffusion, rho: &mut Vec<f64>, steps: usize) {
    let n = p.npnts;
    let float = |v: f64| Rc::new(Object::Float(v));
    let mut grid: Vec<Vec<Ref>> = rho
        .chunks_exact(n)
        .map(|row| row.iter().map(|&v| float(v)).collect())
        .collect();
    let mut lap: Vec<Vec<Ref>> = (0..n)
        .map(|_| (0..n).map(|_| float(0.0)).collect())
        .collect();
    let mut globals: HashMap<&'static str, Ref> = HashMap::new();
    globals.insert("coef", float(p.coef));
    let four = Rc::new(Object::Int(4));
    for _ in 0..steps {
        for i in 1..n - 1 {
            for j in 1..n - 1 {
                let t = binary(Op::Add, load(&grid[i - 1][j]), load(&grid[i + 1][j]));
                let t = binary(Op::Add, t, load(&grid[i][j - 1]));
                let t = binary(Op::Add, t, load(&grid[i][j + 1]));
                let c4 = binary(Op::Mul, load(&four), load(&grid[i][j]));
                lap[i][j] = binary(Op::Sub, t, c4);
            }
        }
        for i in 1..n - 1 {
            for j in 1..n - 1 {
                let coef = load(&globals["coef"]);
                let inc = binary(Op::Mul, coef, load(&lap[i][j]));
                grid[i][j] = binary(Op::Add, load(&grid[i][j]), inc);
            }
        }
    }
    *rho = grid.iter().flatten().map(|v| v.as_f64()).collect();
}
