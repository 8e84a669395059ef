//! The median of the values seen so far, after each insert. With k values in order, the
//! median is the middle one (k odd) or the mean of the two middle ones, computed as
//! 0.5 × (lower + upper) in every variant so that all give the same bits.

use super::super::Idioms;
use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

#[inline(always)]
fn middle(lower: f64, upper: f64) -> f64 {
    0.5 * (lower + upper)
}

/// The median of a sorted, non-empty slice.
#[inline(always)]
fn median_of(sorted: &[f64]) -> f64 {
    let k = sorted.len();
    if k % 2 == 1 {
        sorted[k / 2]
    } else {
        middle(sorted[k / 2 - 1], sorted[k / 2])
    }
}

/// Sorted inserts at a place found by scanning from the start.
pub fn scan(p: &Idioms, out: &mut Vec<f64>, steps: usize) {
    for _ in 0..steps {
        let mut sorted: Vec<f64> = Vec::with_capacity(p.values.len());
        let mut medians = Vec::with_capacity(p.values.len());
        for &x in &p.values {
            let at = sorted.iter().position(|&y| y > x).unwrap_or(sorted.len());
            sorted.insert(at, x);
            medians.push(median_of(&sorted));
        }
        *out = medians;
    }
}

/// Sorted inserts at a place found by bisection.
pub fn bisect(p: &Idioms, out: &mut Vec<f64>, steps: usize) {
    for _ in 0..steps {
        let mut sorted: Vec<f64> = Vec::with_capacity(p.values.len());
        let mut medians = Vec::with_capacity(p.values.len());
        for &x in &p.values {
            let at = sorted.partition_point(|&y| y <= x);
            sorted.insert(at, x);
            medians.push(median_of(&sorted));
        }
        *out = medians;
    }
}

/// A double ordered totally, for the heaps (the inputs are finite).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Total(f64);

impl Eq for Total {}
impl PartialOrd for Total {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Total {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// Two heaps: the lower half in a max-heap, the upper half in a min-heap, the lower one
/// holding the extra value when the count is odd.
pub fn heaps(p: &Idioms, out: &mut Vec<f64>, steps: usize) {
    for _ in 0..steps {
        let half = p.values.len() / 2 + 1;
        let mut lower: BinaryHeap<Total> = BinaryHeap::with_capacity(half);
        let mut upper: BinaryHeap<Reverse<Total>> = BinaryHeap::with_capacity(half);
        let mut medians = Vec::with_capacity(p.values.len());
        for &x in &p.values {
            match lower.peek() {
                Some(&Total(top)) if x > top => upper.push(Reverse(Total(x))),
                _ => lower.push(Total(x)),
            }
            // Rebalance: lower has as many values as upper, or one more.
            if lower.len() > upper.len() + 1 {
                let moved = lower.pop().expect("lower is not empty");
                upper.push(Reverse(moved));
            } else if upper.len() > lower.len() {
                let Reverse(moved) = upper.pop().expect("upper is not empty");
                lower.push(moved);
            }
            let low = lower.peek().expect("lower is not empty").0;
            medians.push(if lower.len() > upper.len() {
                low
            } else {
                middle(low, upper.peek().expect("upper is not empty").0.0)
            });
        }
        *out = medians;
    }
}
