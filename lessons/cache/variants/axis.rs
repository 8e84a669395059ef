//! Sums of an n×n row-major array along each axis. The array is symmetric, so its column
//! sums are its row sums, and every entry is a multiple of 1/1024 below 1: every partial
//! sum is exact in a double, so every variant gets the same bits whatever its order.

use super::super::{Cache, State};
use ndarray::Axis;

/// Axis 0 the slow way: down each column in turn. Consecutive reads are a whole row
/// apart (8n bytes), so each one lands on a cache line (and, for a large n, a page) of
/// its own, used for one value and evicted before the next column comes back to it.
pub fn axis0(p: &Cache, st: &mut State, steps: usize) {
    let n = p.n;
    let a = p.grid.as_slice().expect("the grid is row-major");
    for _ in 0..steps {
        let mut out = vec![0.0; n];
        for (j, o) in out.iter_mut().enumerate() {
            let mut s = 0.0;
            for i in 0..n {
                s += a[i * n + j];
            }
            *o = s;
        }
        st.out = out;
    }
}

/// Axis 1: along each row, the values one after the other in memory, every byte of
/// every cache line used.
pub fn axis1(p: &Cache, st: &mut State, steps: usize) {
    let n = p.n;
    let a = p.grid.as_slice().expect("the grid is row-major");
    for _ in 0..steps {
        st.out = a.chunks_exact(n).map(|row| row.iter().sum()).collect();
    }
}

/// Axis 0 with the loops swapped: rows outside, n running sums inside, each row added
/// into them. The same sums in the same order, read in memory order (and vectorized).
pub fn interchange(p: &Cache, st: &mut State, steps: usize) {
    let n = p.n;
    let a = p.grid.as_slice().expect("the grid is row-major");
    for _ in 0..steps {
        let mut out = vec![0.0; n];
        for row in a.chunks_exact(n) {
            for (o, x) in out.iter_mut().zip(row) {
                *o += x;
            }
        }
        st.out = out;
    }
}

/// Column sums of the same numbers stored column-major: `.t()` of the (symmetric)
/// row-major grid is a column-major view, no copy, whose columns are contiguous.
pub fn colmajor(p: &Cache, st: &mut State, steps: usize) {
    let f = p.grid.t();
    for _ in 0..steps {
        st.out = f.columns().into_iter().map(|c| c.sum()).collect();
    }
}

/// ndarray's own `sum_axis(Axis(0))`: the library adds whole rows into the result, in
/// memory order.
pub fn library(p: &Cache, st: &mut State, steps: usize) {
    for _ in 0..steps {
        st.out = p.grid.sum_axis(Axis(0)).to_vec();
    }
}
