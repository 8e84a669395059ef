//! `objects`: the book's first program, with Python's costs kept. Each particle is an
//! object whose attributes live in a dictionary keyed by name, each attribute a boxed,
//! dynamically typed value. Every `p.x` is a hash lookup, every arithmetic operation
//! checks its operands' types and allocates its result, and the loops run steps outer,
//! particles inner, as the book's `evolve` does.

use super::Particles;
use crate::lessons::particles::{Value, binary_f64, unary_f64};
use std::collections::HashMap;
use std::rc::Rc;

/// A particle: a dictionary of attributes, as a Python instance has.
type Object = HashMap<&'static str, Rc<Value>>;

fn as_number(v: f64) -> Value {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        Value::Int(v as i64)
    } else {
        Value::Float(v)
    }
}

fn get(o: &Object, name: &'static str) -> Rc<Value> {
    Rc::clone(&o[name])
}

/// Runs `steps` steps of the book's `evolve` loop.
#[perflab::instrument]
pub fn run(p: &Particles, state: &mut Vec<f64>, steps: usize) {
    let mut objects: Vec<Object> = (0..p.n)
        .map(|i| {
            HashMap::from([
                ("x", Rc::new(Value::Float(state[2 * i]))),
                ("y", Rc::new(Value::Float(state[2 * i + 1]))),
                // The book writes its speeds as integers (+1, -1, +3): Python keeps
                // them as ints, and each product promotes them to float again.
                ("ang_speed", Rc::new(as_number(p.w[i]))),
            ])
        })
        .collect();
    let timestep = Rc::new(Value::Float(p.timestep));
    for _ in 0..steps {
        evolve_step(&mut objects, &timestep);
    }
    for (i, o) in objects.iter().enumerate() {
        state[2 * i] = o["x"].as_f64();
        state[2 * i + 1] = o["y"].as_f64();
    }
}

/// One time step over every particle: the body of the book's loop, line by line.
#[perflab::profile]
#[perflab::instrument]
fn evolve_step(objects: &mut [Object], timestep: &Rc<Value>) {
    for o in objects.iter_mut() {
        let norm = unary_f64(
            f64::sqrt,
            &binary_f64(|a, b| a + b, &square(&get(o, "x")), &square(&get(o, "y"))),
        );
        let v_x = binary_f64(|a, b| -a / b, &get(o, "y"), &norm);
        let v_y = binary_f64(|a, b| a / b, &get(o, "x"), &norm);
        let d_x = binary_f64(
            |a, b| a * b,
            &binary_f64(|a, b| a * b, timestep, &get(o, "ang_speed")),
            &v_x,
        );
        let d_y = binary_f64(
            |a, b| a * b,
            &binary_f64(|a, b| a * b, timestep, &get(o, "ang_speed")),
            &v_y,
        );
        let x = binary_f64(|a, b| a + b, &get(o, "x"), &d_x);
        o.insert("x", x);
        let y = binary_f64(|a, b| a + b, &get(o, "y"), &d_y);
        o.insert("y", y);
    }
}

fn square(v: &Rc<Value>) -> Rc<Value> {
    binary_f64(|a, b| a * b, v, v)
}
