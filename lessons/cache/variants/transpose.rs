//! The product c = b·aᵀ of two 20×K row-major arrays (the tutorial's shapes, K = 2¹⁸),
//! walked as i-k-j: for each row i of b and each k, row k of aᵀ is added into row i of
//! c. Row k of aᵀ is column k of a: 20 values 8K bytes apart. Every entry is a multiple
//! of 1/1024, so every product and partial sum is exact: all variants give the same
//! bits.

use super::super::{Cache, State, TALL};
use ndarray::Array2;

/// aᵀ used where it lies: each row of aᵀ read down a column of a, 20 reads 2 MiB apart
/// (at K = 2¹⁸) — the same cache sets every time, one line per value.
pub fn strided(p: &Cache, st: &mut State, steps: usize) {
    let k_len = p.n;
    let a = p.a.as_slice().expect("row-major");
    let b = p.b.as_slice().expect("row-major");
    for _ in 0..steps {
        let mut c = vec![0.0; TALL * TALL];
        for i in 0..TALL {
            let ci = &mut c[i * TALL..(i + 1) * TALL];
            for k in 0..k_len {
                let bik = b[i * k_len + k];
                for (j, cij) in ci.iter_mut().enumerate() {
                    *cij += bik * a[j * k_len + k];
                }
            }
        }
        st.out = c;
    }
}

/// The product once aᵀ is a contiguous array: its rows lie one after another.
fn product(p: &Cache, t: &Array2<f64>) -> Vec<f64> {
    let k_len = p.n;
    let t = t.as_slice().expect("row-major");
    let b = p.b.as_slice().expect("row-major");
    let mut c = vec![0.0; TALL * TALL];
    for i in 0..TALL {
        let ci = &mut c[i * TALL..(i + 1) * TALL];
        for (k, tk) in t.chunks_exact(TALL).enumerate().take(k_len) {
            let bik = b[i * k_len + k];
            for (cij, t) in ci.iter_mut().zip(tk) {
                *cij += bik * t;
            }
        }
    }
    c
}

/// The copy alone: aᵀ written out as a contiguous row-major K×20 array (a pass over a,
/// read 20 columns at a time). The copy is its answer: the check multiplies with it
/// afterwards, outside the timing, so a wrong copy fails the check.
pub fn copy(p: &Cache, st: &mut State, steps: usize) {
    for _ in 0..steps {
        st.copy = p.a.t().as_standard_layout().into_owned();
        st.out = Vec::new();
    }
}

/// Copy first, then the same i-k-j product over the contiguous copy.
pub fn copied(p: &Cache, st: &mut State, steps: usize) {
    for _ in 0..steps {
        let t = p.a.t().as_standard_layout().into_owned();
        st.out = product(p, &t);
    }
}

/// ndarray's `b.dot(&a.t())`: the matrixmultiply crate packs blocks of both operands
/// into contiguous buffers itself, whatever their strides.
pub fn dot(p: &Cache, st: &mut State, steps: usize) {
    for _ in 0..steps {
        st.out = p.b.dot(&p.a.t()).iter().copied().collect();
    }
}

/// The product from the contiguous copy in `st.copy`, for the check of [`copy`].
pub fn from_copy(p: &Cache, st: &State) -> Vec<f64> {
    product(p, &st.copy)
}
