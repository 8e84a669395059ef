//! The first n coefficients of the Taylor series of exp (1/k!) and of sin (0 for even k,
//! ±1/k! for odd k), exp's first. This is the tutorial's call-graph example [PHPP13 ch. 1],
//! kept in its shape: `factorial(k)` is `k × factorial(k − 1)` down to `factorial(0) = 1`,
//! and `taylor_exp` and `taylor_sin` call it once per term they need.
//!
//! Counting the calls for n = 500: `factorial(k)` makes k + 1 calls, one from its caller
//! and k recursive ones. taylor_exp needs 0! … 499!: 500 calls from taylor_exp and
//! 0 + 1 + … + 499 = 124 750 recursive ones. taylor_sin needs only the 250 odd k: 250
//! calls and 1 + 3 + … + 499 = 250² = 62 500 recursive ones. The book gives the parts
//! [PHPP13]: 187 250 recursive calls, 500 from taylor_exp and 250 from taylor_sin; their
//! sum, 188 000 calls (750 of them primitive, made from outside factorial), is ours.
//!
//! Past 170! a double overflows to infinity and the coefficient becomes 1/∞ = 0, as in
//! the tutorial's Python.

use super::super::Idioms;

/// The sign of the sin coefficient for odd k: + for k = 1, 5, 9, …
#[inline(always)]
fn sin_sign(k: usize) -> f64 {
    if (k / 2).is_multiple_of(2) { 1.0 } else { -1.0 }
}

/// `k!` by recursion, from scratch every call.
#[perflab::instrument]
fn factorial(k: usize) -> f64 {
    if k == 0 {
        1.0
    } else {
        k as f64 * factorial(k - 1)
    }
}

/// 1/k! for k below `n`.
#[perflab::instrument]
fn taylor_exp(n: usize, out: &mut Vec<f64>) {
    out.extend((0..n).map(|k| 1.0 / factorial(k)));
}

/// The sin coefficients for k below `n`.
#[perflab::instrument]
fn taylor_sin(n: usize, out: &mut Vec<f64>) {
    out.extend((0..n).map(|k| {
        if k % 2 == 1 {
            sin_sign(k) / factorial(k)
        } else {
            0.0
        }
    }));
}

/// The tutorial's recursion.
pub fn recursive(p: &Idioms, out: &mut Vec<f64>, steps: usize) {
    for _ in 0..steps {
        out.clear();
        taylor_exp(p.n, out);
        taylor_sin(p.n, out);
    }
}

/// Factorials remembered in a table that lives for one evaluation of both series.
struct Memo {
    known: Vec<Option<f64>>,
}

impl Memo {
    /// `k!`, from the table where it is there; computed as the recursive one computes it
    /// (and remembered) where not.
    #[perflab::instrument]
    fn factorial(&mut self, k: usize) -> f64 {
        if let Some(f) = self.known[k] {
            return f;
        }
        let f = if k == 0 {
            1.0
        } else {
            k as f64 * self.factorial(k - 1)
        };
        self.known[k] = Some(f);
        f
    }
}

/// The same series over a memoized factorial.
pub fn memoized(p: &Idioms, out: &mut Vec<f64>, steps: usize) {
    for _ in 0..steps {
        let mut memo = Memo {
            known: vec![None; p.n],
        };
        out.clear();
        out.extend((0..p.n).map(|k| 1.0 / memo.factorial(k)));
        out.extend((0..p.n).map(|k| {
            if k % 2 == 1 {
                sin_sign(k) / memo.factorial(k)
            } else {
                0.0
            }
        }));
    }
}

/// Each 1/k! from the one before: 1/k! = (1/(k−1)!) / k.
pub fn running(p: &Idioms, out: &mut Vec<f64>, steps: usize) {
    for _ in 0..steps {
        out.clear();
        out.resize(2 * p.n, 0.0);
        let (exp, sin) = out.split_at_mut(p.n);
        let mut term = 1.0;
        for k in 0..p.n {
            if k > 0 {
                term /= k as f64;
            }
            exp[k] = term;
            if k % 2 == 1 {
                sin[k] = sin_sign(k) * term;
            }
        }
    }
}
