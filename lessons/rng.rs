//! The lessons' random starts: splitmix64, a tiny, well-known generator, so that a seed
//! gives the same inputs on every machine and every version (a crate's generator may
//! change its stream between versions).

/// The next number of the stream in `state`.
pub fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Uniform in [0, 1).
pub fn unit(state: &mut u64) -> f64 {
    (splitmix64(state) >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Uniform in [−1, 1).
pub fn symmetric(state: &mut u64) -> f64 {
    2.0 * unit(state) - 1.0
}
