//! The product of two n×n row-major matrices, c = a·b, four ways. The first three add
//! each c[i][j]'s products in the same order (k rising, one running sum) and give the
//! same bits; the library orders them otherwise.

use super::super::{Cache, State};

/// The tile's side: three 64×64 blocks of doubles are 96 KiB, within a core's L2.
pub const TILE: usize = 64;

/// i-j-k, the definition: each c[i][j] a dot product of row i of a with column j of b.
/// The inner loop walks down b's column, 8n bytes a step: a cache line per value.
pub fn ijk(p: &Cache, st: &mut State, steps: usize) {
    let n = p.n;
    let (a, b) = (
        p.a.as_slice().expect("row-major"),
        p.b.as_slice().expect("row-major"),
    );
    for _ in 0..steps {
        let mut c = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                let mut s = 0.0;
                for k in 0..n {
                    s += a[i * n + k] * b[k * n + j];
                }
                c[i * n + j] = s;
            }
        }
        st.out = c;
    }
}

/// i-k-j, the loops interchanged: a[i][k] times row k of b added into row i of c — both
/// rows read in memory order, and the inner loop vectorizes.
pub fn ikj(p: &Cache, st: &mut State, steps: usize) {
    let n = p.n;
    let (a, b) = (
        p.a.as_slice().expect("row-major"),
        p.b.as_slice().expect("row-major"),
    );
    for _ in 0..steps {
        let mut c = vec![0.0; n * n];
        for (ci, ai) in c.chunks_exact_mut(n).zip(a.chunks_exact(n)) {
            for (&aik, bk) in ai.iter().zip(b.chunks_exact(n)) {
                for (cij, bkj) in ci.iter_mut().zip(bk) {
                    *cij += aik * bkj;
                }
            }
        }
        st.out = c;
    }
}

/// i-k-j in tiles of [`TILE`]²: a block of b is reused for a block of rows of c while it
/// is still in cache, instead of streaming all of b past every row of c.
pub fn tiled(p: &Cache, st: &mut State, steps: usize) {
    let n = p.n;
    let (a, b) = (
        p.a.as_slice().expect("row-major"),
        p.b.as_slice().expect("row-major"),
    );
    for _ in 0..steps {
        let mut c = vec![0.0; n * n];
        for i0 in (0..n).step_by(TILE) {
            let i1 = (i0 + TILE).min(n);
            for k0 in (0..n).step_by(TILE) {
                let k1 = (k0 + TILE).min(n);
                for j0 in (0..n).step_by(TILE) {
                    let j1 = (j0 + TILE).min(n);
                    for i in i0..i1 {
                        let ci = &mut c[i * n + j0..i * n + j1];
                        for k in k0..k1 {
                            let aik = a[i * n + k];
                            let bk = &b[k * n + j0..k * n + j1];
                            for (cij, bkj) in ci.iter_mut().zip(bk) {
                                *cij += aik * bkj;
                            }
                        }
                    }
                }
            }
        }
        st.out = c;
    }
}

/// The right function: ndarray's `a.dot(&b)`, the matrixmultiply crate's GEMM — packed
/// blocks sized for the caches and a SIMD micro-kernel that keeps a block of c in
/// registers.
pub fn dot(p: &Cache, st: &mut State, steps: usize) {
    for _ in 0..steps {
        st.out = p.a.dot(&p.b).iter().copied().collect();
    }
}
