//! The memory mountain's reads: every `S`th value of the working set, pass after pass,
//! into eight running sums (one sum would wait on the adder, not on memory). A stride of
//! `S` makes `S` times the passes, so every variant reads the same number of values, the
//! unit of work (bytes read). Only every sixteenth value is nonzero (a whole number), so
//! every stride reads all of them and the sums are exact: the sum over the passes divided
//! by `S` (a power of two: exact) gives every variant the same bits, equal to a closed
//! form.

use super::super::{Cache, State};

fn read<const S: usize>(p: &Cache, st: &mut State, steps: usize) {
    let d = &p.data;
    let mut acc = [0.0f64; 8];
    for _ in 0..steps * S {
        let mut chunks = d.chunks_exact(8 * S);
        for c in &mut chunks {
            for (u, a) in acc.iter_mut().enumerate() {
                *a += c[u * S];
            }
        }
        for x in chunks.remainder().iter().step_by(S) {
            acc[0] += x;
        }
    }
    st.out = vec![acc.iter().sum::<f64>() / S as f64];
}

/// Every value.
pub fn stride1(p: &Cache, st: &mut State, steps: usize) {
    read::<1>(p, st, steps)
}
/// Every second value.
pub fn stride2(p: &Cache, st: &mut State, steps: usize) {
    read::<2>(p, st, steps)
}
/// Every fourth value.
pub fn stride4(p: &Cache, st: &mut State, steps: usize) {
    read::<4>(p, st, steps)
}
/// Every eighth value: one per 64-byte line.
pub fn stride8(p: &Cache, st: &mut State, steps: usize) {
    read::<8>(p, st, steps)
}
/// Every sixteenth value: every other line.
pub fn stride16(p: &Cache, st: &mut State, steps: usize) {
    read::<16>(p, st, steps)
}
