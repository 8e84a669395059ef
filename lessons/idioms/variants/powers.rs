//! The square of each value. The exponent is `Idioms::exponent`, a value the program holds
//! at run time, as Python's interpreter holds the 2 of `a**2`.

use super::super::Idioms;

/// `x.powf(e)`: the C library's pow, called once per value.
pub fn powf(p: &Idioms, out: &mut Vec<f64>, steps: usize) {
    for _ in 0..steps {
        let e = p.exponent;
        out.clear();
        out.extend(p.values.iter().map(|&x| x.powf(e)));
    }
}

/// `x.powi(e)`: the compiler's integer-power helper, called once per value.
pub fn powi(p: &Idioms, out: &mut Vec<f64>, steps: usize) {
    for _ in 0..steps {
        let e = p.exponent as i32;
        out.clear();
        out.extend(p.values.iter().map(|&x| x.powi(e)));
    }
}

/// `x * x`.
pub fn multiply(p: &Idioms, out: &mut Vec<f64>, steps: usize) {
    for _ in 0..steps {
        out.clear();
        out.extend(p.values.iter().map(|&x| x * x));
    }
}
