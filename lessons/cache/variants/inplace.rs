//! Halving every value of an array (rows of 1000), in place or into a new array; through
//! a view or through a copy. Halving is exact, so every variant gives the same bits.

use super::super::{Cache, State};
use ndarray::{Axis, s};

/// `a = 0.5 * a`: a new array is allocated and written, then the old one freed — the
/// kernel touches twice the memory, and fresh pages must be mapped and zeroed by the
/// system first.
pub fn newarray(_p: &Cache, st: &mut State, steps: usize) {
    for _ in 0..steps {
        st.copy = &st.copy * 0.5;
    }
}

/// `a *= 0.5`: one pass, reading and writing the same memory.
pub fn inplace(_p: &Cache, st: &mut State, steps: usize) {
    for _ in 0..steps {
        st.copy *= 0.5;
    }
}

/// Through a view: `slice_mut(s![.., ..])` is a view of the whole array (a pointer,
/// a shape and strides, no values copied), halved in place through it.
pub fn view(_p: &Cache, st: &mut State, steps: usize) {
    for _ in 0..steps {
        let mut v = st.copy.slice_mut(s![.., ..]);
        v *= 0.5;
    }
}

/// Through a copy: `select` (NumPy's fancy indexing) gathers the rows chosen into a new
/// array — here all of them — which is then halved and kept: one more pass over memory.
pub fn copied(_p: &Cache, st: &mut State, steps: usize) {
    let rows: Vec<usize> = (0..st.copy.nrows()).collect();
    for _ in 0..steps {
        let mut c = st.copy.select(Axis(0), &rows);
        c *= 0.5;
        st.copy = c;
    }
}
