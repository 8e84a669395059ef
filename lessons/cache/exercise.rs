//! Your exercise: the n×n matrix product c = a·b, at least 8× faster than the `ijk`
//! variant at n = 512, with the same bits. `cargo perflab check cache` builds it, checks
//! it against the reference and times it beside `ijk` (`cargo perflab hint cache` when
//! you are stuck; `cargo perflab reset cache` brings this file back as it was).
//!
//! It starts as the definition: each c[i][j] is row i of a times column j of b.
//!
//! TODO, one idea at a time, running `cargo perflab check cache` after each:
//! 1. look at the order the inner loop reads a and b in (`cargo perflab compare cache
//!    -p topic=axis` shows what reading down a column costs);
//! 2. change the order of the loops so that every array is read along its rows;
//! 3. keep the rounding: each c[i][j] must get its products a[i][k]·b[k][j] added one at a
//!    time, k rising, from 0.0, so the bits match.
//!
//! The rules: `p.a` and `p.b` are row-major `p.n`×`p.n` arrays (`as_slice()` gives their
//! values row after row); `st.out` must end up holding c row after row; a run repeats
//! the product `steps` times.

use perflab::lessons::cache::{Cache, State};

/// Writes c = a·b into `st.out`, `steps` times.
// The profilers see this function: `cargo perflab profile cache --variant exercise`.
#[perflab::profile]
#[perflab::instrument]
pub fn run(p: &Cache, st: &mut State, steps: usize) {
    let n = p.n;
    let a = p.a.as_slice().expect("row-major");
    let b = p.b.as_slice().expect("row-major");
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
