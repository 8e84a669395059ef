//! The fusion kernels. Each evaluates the lesson's expression (`a² + b² + 2ab` element by
//! element, or the distance matrix of a set of points) `steps` times into the output,
//! with the operations in the same order, so that every variant gives the same bits.

// Every kernel has the signature `fn(&Fusion, &mut Vec<f64>, usize)` that
// `lesson::Kernel` sets.
#![allow(clippy::ptr_arg)]

use super::{Expr, Fusion};
use crate::lesson::Variant;
use ndarray::{Array1, Array2, Axis, s};
use rayon::prelude::*;

/// Every variant, in teaching order.
pub static ALL: &[Variant<Fusion>] = &[
    variant!(
        "temporaries",
        temporaries,
        "whole-array expressions as NumPy evaluates them: every operation writes a full-size temporary (for the distance matrix, an N×N×2 array of differences), so memory is swept again and again"
    ),
    variant!(
        "fused",
        fused,
        "one loop that computes each result from its inputs and writes it once, as numexpr does: no temporaries, one pass over memory"
    ),
    variant!(
        "threads1",
        threads1,
        "the fused loop split in blocks over a pool of 1 thread: the cost of the machinery alone"
    ),
    variant!(
        "threads2",
        threads2,
        "the fused loop over a pool of 2 threads"
    ),
    variant!(
        "parallel",
        parallel,
        "the fused loop over rayon's threads, all of them: a memory-bound loop gains only as far as the memory bus has room"
    ),
];

/// The expression for one element from its inputs, in a fixed order.
#[inline(always)]
fn poly(a: f64, b: f64) -> f64 {
    a * a + b * b + 2.0 * a * b
}

/// The distance between two points, in a fixed order.
#[inline(always)]
fn distance(xi: f64, yi: f64, xj: f64, yj: f64) -> f64 {
    let (dx, dy) = (xi - xj, yi - yj);
    (dx * dx + dy * dy).sqrt()
}

#[perflab::instrument]
fn temporaries(p: &Fusion, out: &mut Vec<f64>, steps: usize) {
    for _ in 0..steps {
        match p.expr {
            Expr::Poly => {
                let (a, b) = (Array1::from(p.a.clone()), Array1::from(p.b.clone()));
                let r = &a * &a + &b * &b + 2.0 * &a * &b;
                out.copy_from_slice(r.as_slice().expect("contiguous"));
            }
            Expr::Distance => {
                let n = p.points.len() / 2;
                let pts = Array2::from_shape_vec((n, 2), p.points.clone()).expect("n × 2");
                // diff[i, j, k] = pts[i, k] − pts[j, k]: the N×N×2 temporary.
                let diff = &pts.slice(s![.., ndarray::NewAxis, ..])
                    - &pts.slice(s![ndarray::NewAxis, .., ..]);
                let squared = &diff * &diff;
                let d = squared.sum_axis(Axis(2)).mapv(f64::sqrt);
                out.copy_from_slice(d.as_slice().expect("contiguous"));
            }
        }
    }
}

/// Fills a block of the output: elements `start..start + out.len()`.
#[inline]
fn block(p: &Fusion, start: usize, out: &mut [f64]) {
    match p.expr {
        Expr::Poly => {
            let (a, b) = (
                &p.a[start..start + out.len()],
                &p.b[start..start + out.len()],
            );
            for ((o, a), b) in out.iter_mut().zip(a).zip(b) {
                *o = poly(*a, *b);
            }
        }
        Expr::Distance => {
            // Whole rows: `start` is a multiple of the row length.
            let n = p.points.len() / 2;
            for (r, row) in out.chunks_exact_mut(n).enumerate() {
                let i = start / n + r;
                let (xi, yi) = (p.points[2 * i], p.points[2 * i + 1]);
                for (o, pj) in row.iter_mut().zip(p.points.chunks_exact(2)) {
                    *o = distance(xi, yi, pj[0], pj[1]);
                }
            }
        }
    }
}

#[perflab::instrument]
fn fused(p: &Fusion, out: &mut Vec<f64>, steps: usize) {
    for _ in 0..steps {
        match p.expr {
            Expr::Poly => block(p, 0, out),
            Expr::Distance => block(p, 0, out),
        }
    }
}

/// The fused loop in blocks on the current rayon pool.
fn on_pool(p: &Fusion, out: &mut Vec<f64>, steps: usize) {
    let per = match p.expr {
        Expr::Poly => 1 << 16,
        Expr::Distance => p.points.len() / 2,
    };
    for _ in 0..steps {
        out.par_chunks_mut(per)
            .enumerate()
            .for_each(|(k, chunk)| block(p, k * per, chunk));
    }
}

fn with_threads(threads: usize, p: &Fusion, out: &mut Vec<f64>, steps: usize) {
    match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
        Ok(pool) => pool.install(|| on_pool(p, out, steps)),
        Err(_) => on_pool(p, out, steps),
    }
}

#[perflab::instrument]
fn threads1(p: &Fusion, out: &mut Vec<f64>, steps: usize) {
    with_threads(1, p, out, steps)
}

#[perflab::instrument]
fn threads2(p: &Fusion, out: &mut Vec<f64>, steps: usize) {
    with_threads(2, p, out, steps)
}

#[perflab::instrument]
fn parallel(p: &Fusion, out: &mut Vec<f64>, steps: usize) {
    on_pool(p, out, steps)
}
