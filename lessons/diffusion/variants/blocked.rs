//! `blocked`: temporal (wavefront) blocking. Every other single-thread variant reads the
//! whole grid and writes the whole grid once per time step; at the default size two
//! 268 × 268 grids (1.15 MB) do not fit this machine's L2, so each step streams them
//! from the L3. Here one sweep down the grid advances `depth` steps at once: as rows of
//! the old grid come in, the rows just above them advance one step, the rows above those
//! a second step, and so on, until the rows `depth` steps behind go to the new grid. Row
//! `r` of step `t + 1` needs only rows `r − 1 ..= r + 1` of step `t`, so each
//! intermediate step keeps a ring of a few rows (small enough for the L1), and the grid
//! itself is read and written once per `depth` steps instead of once per step.
//!
//! The rows go two at a time ([`pair`]): the two rows between the outer ones are loaded
//! once for both results, fewer loads per cell, which is what limits the loop here.
//!
//! Each cell is computed by the very expression `loops` uses, with the same neighbours in
//! the same order: the answer is bit-identical to `loops`, for any depth. Step counts
//! that `depth` does not divide end with one shallower sweep.

use super::Diffusion;

/// Steps per sweep unless told otherwise: tuned on the 2-vCPU AMD EPYC (Zen 3, 32 KiB L1d,
/// 512 KiB L2) the lesson was written on, where depth 1 ran slowest at the default size
/// and depths 2 to 8 within the noise of each other (the README says why).
pub const DEPTH: usize = 2;

/// Lanes per chunk: four AVX2 vectors of doubles, unrolled.
const W: usize = 16;

/// Rows in each intermediate step's ring.
const RING: usize = 4;

/// Doubles in a 64-byte cache line.
const LINE: usize = 8;

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

/// Two neighbouring rows at once: `out1` is the row below `a` and `out2` the row below it,
/// from the four rows `a` (above `out1`), `b` (`out1`'s own), `c` (`out2`'s own) and `d`
/// (below `out2`), all `n` wide; only the interior cells `1..n − 1` are written. The rows
/// in the middle serve both outputs, so each chunk loads 8 vectors for 2 results where two
/// separate rows load 10: the loads, not the adds, are what limit a row on this machine.
/// Each cell is still [`stencil`]'s expression with the same operands in the same order.
#[inline]
#[allow(clippy::too_many_arguments)]
fn pair(out1: &mut [f64], out2: &mut [f64], a: &[f64], b: &[f64], c: &[f64], d: &[f64], coef: f64) {
    let n = a.len();
    let (out1, out2, b, c, d) = (&mut out1[..n], &mut out2[..n], &b[..n], &c[..n], &d[..n]);
    #[cfg(all(
        target_arch = "x86_64",
        target_feature = "avx2",
        target_feature = "fma"
    ))]
    let k = avx2::pair(out1, out2, a, b, c, d, coef);
    #[cfg(not(all(
        target_arch = "x86_64",
        target_feature = "avx2",
        target_feature = "fma"
    )))]
    let k = 0;
    portable(k, out1, out2, a, b, c, d, coef);
}

/// [`pair`] from cell `k` on, with no intrinsics: the whole of it where the target has no
/// AVX2, the few cells past the last vector where it has.
#[allow(clippy::too_many_arguments)]
fn portable(
    mut k: usize,
    out1: &mut [f64],
    out2: &mut [f64],
    a: &[f64],
    b: &[f64],
    c: &[f64],
    d: &[f64],
    coef: f64,
) {
    #[inline(always)]
    fn cell(u: f64, d: f64, l: f64, c: f64, r: f64, coef: f64) -> f64 {
        c + coef * (-4.0f64).mul_add(c, u + d + l + r)
    }
    // Chunks of `V` lanes from cell `k` on: every slice is cut to its exact length first,
    // so the compiler sees no bounds to check inside.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn chunk<const V: usize>(
        k: usize,
        out1: &mut [f64],
        out2: &mut [f64],
        a: &[f64],
        b: &[f64],
        c: &[f64],
        d: &[f64],
        coef: f64,
    ) {
        let at = |x: &[f64], from: usize| -> [f64; V] { x[from..from + V].try_into().unwrap() };
        let (up, bl, bc, br) = (at(a, k + 1), at(b, k), at(b, k + 1), at(b, k + 2));
        let (cl, cc, cr, down) = (at(c, k), at(c, k + 1), at(c, k + 2), at(d, k + 1));
        let o1: [f64; V] = std::array::from_fn(|j| cell(up[j], cc[j], bl[j], bc[j], br[j], coef));
        let o2: [f64; V] = std::array::from_fn(|j| cell(bc[j], down[j], cl[j], cc[j], cr[j], coef));
        out1[k + 1..k + 1 + V].copy_from_slice(&o1);
        out2[k + 1..k + 1 + V].copy_from_slice(&o2);
    }
    let n = a.len();
    let (out1, out2, b, c, d) = (&mut out1[..n], &mut out2[..n], &b[..n], &c[..n], &d[..n]);
    let m = n - 2;
    while k + W <= m {
        chunk::<W>(k, out1, out2, a, b, c, d, coef);
        k += W;
    }
    while k + 4 <= m {
        chunk::<4>(k, out1, out2, a, b, c, d, coef);
        k += 4;
    }
    while k < m {
        chunk::<1>(k, out1, out2, a, b, c, d, coef);
        k += 1;
    }
}

/// [`pair`]'s chunks written with AVX2 vector loads. Written as scalar lanes, the chunks
/// let the compiler build `b`'s and `c`'s left and right neighbours out of the centre's
/// vectors with two shuffles each: fewer loads, but the shuffles share the pipes the adds
/// need, and the loop got no faster (`llvm-mca -mcpu=znver3`: 23 cycles per 32 cells
/// either way). Here each neighbour is its own unaligned load: 8 loads and 2 stores per 8
/// cells. Same operations in the same order as [`stencil`], so the same bits.
#[cfg(all(
    target_arch = "x86_64",
    target_feature = "avx2",
    target_feature = "fma"
))]
#[allow(unsafe_code)] // vector intrinsics on raw pointers, bounds asserted first
mod avx2 {
    use std::arch::x86_64::*;

    /// Computes cells `1..=k` of both rows in vectors of 4 and returns `k`: all of them
    /// when there are at least 4; the caller does the rest.
    pub fn pair(
        out1: &mut [f64],
        out2: &mut [f64],
        a: &[f64],
        b: &[f64],
        c: &[f64],
        d: &[f64],
        coef: f64,
    ) -> usize {
        let n = a.len();
        assert!(out1.len() == n && out2.len() == n && b.len() == n && c.len() == n);
        assert!(d.len() == n && n >= 2);
        let m = n - 2;
        let full = m / 4 * 4;
        // SAFETY: the target has AVX2 and FMA (the cfg above); every load reads cells
        // k ..= k + 5 < n and every store writes k + 1 ..= k + 4 ≤ m < n, for k + 4 ≤ m
        // (k = m − 4 for the last vector), and all six slices are n long (asserted).
        unsafe {
            let (four, cf) = (_mm256_set1_pd(-4.0), _mm256_set1_pd(coef));
            let cell = |u: __m256d, d: __m256d, l: __m256d, c: __m256d, r: __m256d| {
                let s = _mm256_add_pd(_mm256_add_pd(_mm256_add_pd(u, d), l), r);
                _mm256_add_pd(c, _mm256_mul_pd(cf, _mm256_fmadd_pd(four, c, s)))
            };
            let (a, b, c, d) = (a.as_ptr(), b.as_ptr(), c.as_ptr(), d.as_ptr());
            let (o1, o2) = (out1.as_mut_ptr(), out2.as_mut_ptr());
            let two = |k: usize| {
                let up = _mm256_loadu_pd(a.add(k + 1));
                let (bl, bc, br) = (
                    _mm256_loadu_pd(b.add(k)),
                    _mm256_loadu_pd(b.add(k + 1)),
                    _mm256_loadu_pd(b.add(k + 2)),
                );
                let (cl, cc, cr) = (
                    _mm256_loadu_pd(c.add(k)),
                    _mm256_loadu_pd(c.add(k + 1)),
                    _mm256_loadu_pd(c.add(k + 2)),
                );
                let down = _mm256_loadu_pd(d.add(k + 1));
                _mm256_storeu_pd(o1.add(k + 1), cell(up, cc, bl, bc, br));
                _mm256_storeu_pd(o2.add(k + 1), cell(bc, down, cl, cc, cr));
            };
            let mut k = 0;
            while k < full {
                two(k);
                k += 4;
            }
            // The cells past the last whole vector: one more vector that ends at the last
            // cell and overlaps the one before. No output row is an input row (the borrows
            // say so), so the cells computed twice get the same value twice.
            if full < m && m >= 4 {
                two(m - 4);
                return m;
            }
            full
        }
    }
}

/// Advances `src` by `depth` steps into `dst` in one sweep (both `n × n`, boundary rows
/// and columns kept as `src` has them). `rings` holds `depth − 1` rings of four rows,
/// `rs` apart.
///
/// The wavefront moves two rows at a time: when rows up to `i` of the grid are in
/// play, step `t` computes its rows `i − t − 1` and `i − t`, which need rows
/// `i − t − 2 ..= i − t + 1` of step `t − 1`: four rows, so a ring of four per step.
fn sweep(src: &[f64], dst: &mut [f64], rings: &mut [&mut [f64]], n: usize, rs: usize, coef: f64) {
    let depth = rings.len() + 1;
    // Row `r` of step `t` (0 = `src`), for t < depth. Boundary rows never change.
    #[allow(clippy::too_many_arguments)]
    fn row<'a>(
        src: &'a [f64],
        rings: &'a [&mut [f64]],
        n: usize,
        rs: usize,
        t: usize,
        r: usize,
    ) -> &'a [f64] {
        if t == 0 || r == 0 || r == n - 1 {
            &src[r * n..(r + 1) * n]
        } else {
            let s = r % RING;
            &rings[t - 1][s * rs..s * rs + n]
        }
    }
    let interior = |r: usize| (1..n - 1).contains(&r);
    let mut i = 2;
    while i < n + depth {
        for t in 1..=depth {
            let Some(r0) = (i - 1).checked_sub(t) else {
                break;
            };
            let r1 = r0 + 1;
            if r1 == 0 || r0 >= n - 1 {
                continue;
            }
            // Step t's ring (or, for the last step, the new grid) is written; step t − 1's
            // (or the grid) read.
            let (before, after) = rings.split_at_mut(t - 1);
            let input = |r: usize| row(src, before, n, rs, t - 1, r);
            let (o0, o1): (&mut [f64], &mut [f64]) = if t == depth {
                let (x, y) = dst[r0 * n..(r1 + 1) * n].split_at_mut(n);
                (x, y)
            } else {
                let ring = &mut after[0];
                let (s0, s1) = (r0 % RING, r1 % RING);
                let (lo, hi) = ring.split_at_mut(s0.max(s1) * rs);
                let (x, y) = (&mut lo[s0.min(s1) * rs..][..n], &mut hi[..n]);
                let (x, y) = if s0 < s1 { (x, y) } else { (y, x) };
                for (o, r) in [(&mut *x, r0), (&mut *y, r1)] {
                    if !interior(r) {
                        continue;
                    }
                    o[0] = src[r * n];
                    o[n - 1] = src[r * n + n - 1];
                }
                (x, y)
            };
            if interior(r0) && interior(r1) {
                pair(
                    o0,
                    o1,
                    input(r0 - 1),
                    input(r0),
                    input(r1),
                    input(r1 + 1),
                    coef,
                );
            } else {
                // One of the two is a boundary row: the other alone, the single-row way.
                let (r, out) = if interior(r0) { (r0, o0) } else { (r1, o1) };
                let (up, mid, down) = (input(r - 1), input(r), input(r + 1));
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
        i += 2;
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
    // The rings' rows start a whole number of cache lines apart, each with its cell 1 at
    // the start of a line, where the vector loads and stores of `pair` begin: fewer of them
    // straddle two lines.
    let rs = n.div_ceil(LINE) * LINE;
    let mut store: Vec<Vec<f64>> = (1..depth.min(steps))
        .map(|_| vec![0.0; RING * rs + LINE])
        .collect();
    let mut rings: Vec<&mut [f64]> = store
        .iter_mut()
        .map(|v| {
            let at = v[1..].as_ptr().align_offset(LINE * size_of::<f64>());
            &mut v[at.min(LINE - 1)..][..RING * rs]
        })
        .collect();
    let mut left = steps;
    while left > 0 {
        let d = depth.min(left);
        rings.truncate(d - 1);
        sweep(rho, &mut next, &mut rings, n, rs, p.coef);
        std::mem::swap(rho, &mut next);
        left -= d;
    }
}

/// Runs `steps` steps, [`DEPTH`] per sweep.
#[perflab::instrument]
pub fn run(p: &Diffusion, rho: &mut Vec<f64>, steps: usize) {
    run_depth(p, rho, steps, DEPTH);
}

#[cfg(test)]
mod tests {
    /// The vector path and the portable one give the same bits, at widths that leave every
    /// possible tail past the last vector (the lesson's tests see only the path this
    /// machine builds).
    #[test]
    fn the_vector_pair_and_the_portable_pair_agree_bit_for_bit() {
        for n in [3, 4, 5, 6, 7, 9, 18, 35, 268] {
            let row = |s: usize| -> Vec<f64> {
                (0..n)
                    .map(|k| ((s * 7919 + k * 104729) as f64).sin() * 1e3)
                    .collect()
            };
            let (a, b, c, d) = (row(1), row(2), row(3), row(4));
            let coef = 0.2371;
            let (mut v1, mut v2) = (vec![0.0; n], vec![0.0; n]);
            super::pair(&mut v1, &mut v2, &a, &b, &c, &d, coef);
            let (mut p1, mut p2) = (vec![0.0; n], vec![0.0; n]);
            super::portable(0, &mut p1, &mut p2, &a, &b, &c, &d, coef);
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&v1), bits(&p1), "first row, n = {n}");
            assert_eq!(bits(&v2), bits(&p2), "second row, n = {n}");
            assert!(
                v1[1..n - 1].iter().all(|x| *x != 0.0),
                "every interior cell written"
            );
        }
    }
}
