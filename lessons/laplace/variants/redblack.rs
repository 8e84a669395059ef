//! `rbserial` and `redblack`: Gauss–Seidel in red-black order. A cell (i, j) is red where
//! i + j is even and black where it is odd; every neighbour of a red cell is black. A
//! sweep updates all red cells in place, then all black ones: within a half-sweep no
//! update reads another's result, so the cells of one colour can be shared among threads
//! in any way and still give the serial order's bits. `redblack` shares each half-sweep's
//! rows among rayon's workers in one block per worker, the workers meeting twice a sweep.
//!
//! The error sum is added up row by row (each row's sum of its cells of the colour, left
//! to right), the rows in order, red half then black: the same order on any number of
//! threads.
#![allow(unsafe_code)] // threads write cells of one colour while reading the other's

use super::super::{Grid, Laplace};
use crate::timing::busy::busy;
use rayon::prelude::*;

/// Updates the cells of `colour` (0: red, 1: black) in row `i` through `u`, which points
/// at the n × n grid; returns the row's error sum.
///
/// # Safety
/// `u` points at n·n doubles, 1 ≤ i < n − 1, and while the call runs no other thread
/// writes row `i`'s cells of `colour`, nor any cell of the other colour.
unsafe fn row(u: *mut f64, n: usize, i: usize, colour: usize) -> f64 {
    let mut err = 0.0;
    let first = 1 + (i + 1 + colour) % 2;
    let mut j = first;
    while j < n - 1 {
        let k = i * n + j;
        // SAFETY: k ± 1 and k ± n are inside the grid (1 ≤ i, j < n − 1); the cells read
        // are of the other colour, which nobody writes now, and cell k is this call's.
        unsafe {
            let old = *u.add(k);
            let new = 0.25 * (((*u.add(k - n) + *u.add(k + n)) + *u.add(k - 1)) + *u.add(k + 1));
            *u.add(k) = new;
            let d = new - old;
            err += d * d;
        }
        j += 2;
    }
    err
}

/// One red-black sweep on this thread; returns its error sum.
pub fn sweep(u: &mut [f64], n: usize) -> f64 {
    assert_eq!(u.len(), n * n, "the state is an n × n grid");
    let p = u.as_mut_ptr();
    let mut err = 0.0;
    for colour in 0..2 {
        for i in 1..n - 1 {
            // SAFETY: one thread; `p` points at the n·n grid `u` borrows mutably.
            err += unsafe { row(p, n, i, colour) };
        }
    }
    err
}

/// The grid's address, shared with the workers of a half-sweep.
#[derive(Clone, Copy)]
struct Cells(*mut f64);
// SAFETY: the workers of a half-sweep write disjoint cells of one colour and read only the
// other colour's (see `row`), and the half-sweep ends before the grid is used again.
unsafe impl Send for Cells {}
unsafe impl Sync for Cells {}

/// One red-black sweep with each half's rows shared among rayon's workers, one block
/// each; returns its error sum, added up in the serial order.
pub fn sweep_parallel(u: &mut [f64], n: usize) -> f64 {
    assert_eq!(u.len(), n * n, "the state is an n × n grid");
    let cells = Cells(u.as_mut_ptr());
    let rows = n - 2;
    let per = rows.div_ceil(rayon::current_num_threads().max(1));
    let mut err = 0.0;
    for colour in 0..2 {
        let sums: Vec<Vec<f64>> = (0..rows.div_ceil(per))
            .into_par_iter()
            .map(|b| {
                let c = cells;
                busy(|| {
                    (1 + b * per..(1 + (b + 1) * per).min(n - 1))
                        // SAFETY: each row belongs to one block, so to one worker, which
                        // writes only its cells of `colour`; `u` outlives the half-sweep.
                        .map(|i| unsafe { row(c.0, n, i, colour) })
                        .collect()
                })
            })
            .collect();
        for s in sums.iter().flatten() {
            err += s;
        }
    }
    err
}

/// `rbserial`: `steps` red-black sweeps on one thread (fewer where the tolerance is met).
#[perflab::instrument]
pub fn serial(p: &Laplace, state: &mut Grid, steps: usize) {
    let n = p.n;
    super::drive(p, state, steps, |u| sweep(u, n));
}

/// `redblack`: `steps` red-black sweeps on rayon's threads.
#[perflab::instrument]
pub fn parallel(p: &Laplace, state: &mut Grid, steps: usize) {
    let n = p.n;
    super::drive(p, state, steps, |u| sweep_parallel(u, n));
}
