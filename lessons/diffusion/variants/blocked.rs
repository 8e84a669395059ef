//! `blocked`: temporal (wavefront) blocking. Every other single-thread variant reads the
//! whole grid and writes the whole grid once per time step; at the default size two
//! 268 × 268 grids (1.15 MB) do not fit this machine's L2, so each step streams them
//! from the L3. Here one sweep down the grid advances `depth` steps at once: as row `i`
//! of the old grid comes in, row `i − 1` of step 1 is computed, then row `i − 2` of step
//! 2, …, row `i − depth` of step `depth`, which goes to the new grid. Row `r` of step
//! `t + 1` needs only rows `r − 1 ..= r + 1` of step `t`, so each intermediate step keeps
//! a ring of three rows (small enough for the L1), and the grid itself is read and
//! written once per `depth` steps instead of once per step.
//!
//! Each cell is computed by [`stencil`], the very expression `loops` uses, with the same
//! neighbours in the same order: the answer is bit-identical to `loops`, for any depth.
//! Step counts that `depth` does not divide end with one shallower sweep.

use super::Diffusion;

/// Steps per sweep unless told otherwise: tuned on the 2-vCPU AMD EPYC (Zen 3, 32 KiB L1d,
/// 512 KiB L2) the lesson was written on, where depths 1 to 3 ran within a few per cent of
/// each other at the default size and deeper sweeps ran slower (the README says why).
pub const DEPTH: usize = 2;

/// Lanes per chunk: four AVX2 vectors of doubles, unrolled.
const W: usize = 16;

/// One chunk of a row.
type Chunk = [f64; W];

/// The cells of one row: `out[k] = centre[k] + coef·(up + down + left + right − 4·centre)`,
/// the same expression as `loops`' `stencil`, in chunks of `W` lanes the compiler turns
/// into SIMD, the tail lane by lane. `x − 4·c` is computed as one fused multiply-add
/// `mul_add(−4, c, x)`: multiplying by 4 is exact, so rounding once gives the same bits
/// as `loops`' multiply and subtract, in one instruction instead of two.
#[inline]
fn stencil(
    out: &mut [f64],
    up: &[f64],
    down: &[f64],
    left: &[f64],
    centre: &[f64],
    right: &[f64],
    coef: f64,
) {
    #[inline(always)]
    fn cell(u: f64, d: f64, l: f64, c: f64, r: f64, coef: f64) -> f64 {
        c + coef * (-4.0f64).mul_add(c, u + d + l + r)
    }
    let m = out.len();
    let (up, down, left, centre, right) =
        (&up[..m], &down[..m], &left[..m], &centre[..m], &right[..m]);
    let full = m / W * W;
    for ((((o, u), d), (l, c)), r) in out[..full]
        .chunks_exact_mut(W)
        .zip(up.chunks_exact(W))
        .zip(down.chunks_exact(W))
        .zip(left.chunks_exact(W).zip(centre.chunks_exact(W)))
        .zip(right.chunks_exact(W))
    {
        let o: &mut Chunk = o.try_into().unwrap();
        let [u, d, l, c, r]: [&Chunk; 5] = [u, d, l, c, r].map(|x| x.try_into().unwrap());
        // All of the chunk's inputs are read before any output is written: the compiler
        // needs no proof that `out` overlaps none of them to use vector instructions.
        *o = std::array::from_fn(|k| cell(u[k], d[k], l[k], c[k], r[k], coef));
    }
    for k in full..m {
        out[k] = cell(up[k], down[k], left[k], centre[k], right[k], coef);
    }
}

/// Advances `src` by `depth` steps into `dst` in one sweep (both `n × n`, boundary rows
/// and columns kept as `src` has them). `rings` holds `depth − 1` rings of three rows.
fn sweep(src: &[f64], dst: &mut [f64], rings: &mut [Vec<f64>], n: usize, coef: f64) {
    let depth = rings.len() + 1;
    // Row `r` of step `t` (0 = `src`), for t < depth. Boundary rows never change.
    fn row<'a>(src: &'a [f64], rings: &'a [Vec<f64>], n: usize, t: usize, r: usize) -> &'a [f64] {
        if t == 0 || r == 0 || r == n - 1 {
            &src[r * n..(r + 1) * n]
        } else {
            let s = r % 3;
            &rings[t - 1][s * n..(s + 1) * n]
        }
    }
    // When row `i` of step 0 is available (i = 2 ..= n − 1 + depth − 1), compute row
    // i − t of step t for every t whose row is an interior one.
    for i in 2..n + depth - 1 {
        for t in 1..=depth {
            let Some(r) = i.checked_sub(t) else { break };
            if r == 0 {
                break;
            }
            if r >= n - 1 {
                continue;
            }
            if t == depth {
                let (up, mid, down) = (
                    row(src, rings, n, t - 1, r - 1),
                    row(src, rings, n, t - 1, r),
                    row(src, rings, n, t - 1, r + 1),
                );
                let out = &mut dst[r * n..(r + 1) * n];
                stencil(
                    &mut out[1..n - 1],
                    &up[1..],
                    &down[1..],
                    mid,
                    &mid[1..],
                    &mid[2..],
                    coef,
                );
            } else {
                // Step t's ring is written, step t − 1's (or the grid) read.
                let (before, after) = rings.split_at_mut(t - 1);
                let s = r % 3;
                let out = &mut after[0][s * n..(s + 1) * n];
                let (up, mid, down) = (
                    row(src, before, n, t - 1, r - 1),
                    row(src, before, n, t - 1, r),
                    row(src, before, n, t - 1, r + 1),
                );
                out[0] = src[r * n];
                out[n - 1] = src[r * n + n - 1];
                stencil(
                    &mut out[1..n - 1],
                    &up[1..],
                    &down[1..],
                    mid,
                    &mid[1..],
                    &mid[2..],
                    coef,
                );
            }
        }
    }
}

/// Runs `steps` steps, `depth` per sweep over the grid (the last sweep shallower if
/// `depth` does not divide `steps`).
pub fn run_depth(p: &Diffusion, rho: &mut Vec<f64>, steps: usize, depth: usize) {
    let n = p.npnts;
    assert_eq!(rho.len(), n * n, "the state is an npnts × npnts grid");
    let depth = depth.max(1);
    if n < 3 || steps == 0 {
        return;
    }
    let mut next = rho.clone();
    let mut rings: Vec<Vec<f64>> = (1..depth.min(steps)).map(|_| vec![0.0; 3 * n]).collect();
    let mut left = steps;
    while left > 0 {
        let d = depth.min(left);
        rings.truncate(d - 1);
        sweep(rho, &mut next, &mut rings, n, p.coef);
        std::mem::swap(rho, &mut next);
        left -= d;
    }
}

/// Runs `steps` steps, [`DEPTH`] per sweep.
#[perflab::instrument]
pub fn run(p: &Diffusion, rho: &mut Vec<f64>, steps: usize) {
    run_depth(p, rho, steps, DEPTH);
}
