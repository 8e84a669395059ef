//! Sum of the squares of 0, 1, …, n−1, three ways. The squares are doubles, so every
//! variant adds the same numbers in the same order and gets the same bits (exact while the
//! sum is below 2⁵³); and the compiler cannot replace a floating-point loop by a formula.

use super::super::Idioms;

#[inline(always)]
fn square(i: usize) -> f64 {
    let x = i as f64;
    x * x
}

/// A Vec grown one push at a time, then summed.
pub fn push(p: &Idioms, out: &mut Vec<f64>, steps: usize) {
    for _ in 0..steps {
        let mut squares = Vec::new();
        for i in 0..p.n {
            squares.push(square(i));
        }
        *out = vec![squares.iter().sum()];
    }
}

/// A Vec collected from an iterator of known length, then summed.
pub fn collect(p: &Idioms, out: &mut Vec<f64>, steps: usize) {
    for _ in 0..steps {
        let squares: Vec<f64> = (0..p.n).map(square).collect();
        *out = vec![squares.iter().sum()];
    }
}

/// The squares summed as they are made.
pub fn sum(p: &Idioms, out: &mut Vec<f64>, steps: usize) {
    for _ in 0..steps {
        *out = vec![(0..p.n).map(square).sum()];
    }
}
