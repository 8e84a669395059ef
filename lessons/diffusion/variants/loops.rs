//! `loops`: typed loops over row slices. Every slice in [`stencil`] is cut to the same
//! length first, so the compiler can prove each index in range, drop the bounds checks and
//! vectorise the loop. The next state goes into a second buffer; the buffers are swapped.

use super::Diffusion;

/// The update for one run of cells: `out[k] = centre[k] + coef·(up + down + left + right −
/// 4·centre)`. Shared by `loops`, `fused` and `parallel`.
#[inline]
pub fn stencil(
    out: &mut [f64],
    up: &[f64],
    down: &[f64],
    left: &[f64],
    centre: &[f64],
    right: &[f64],
    coef: f64,
) {
    let m = out.len();
    let (up, down, left, centre, right) =
        (&up[..m], &down[..m], &left[..m], &centre[..m], &right[..m]);
    for k in 0..m {
        out[k] = centre[k] + coef * (up[k] + down[k] + left[k] + right[k] - 4.0 * centre[k]);
    }
}

/// Computes rows `first..` of the next grid into `dst` (whole rows of `n` cells) from `src`.
pub fn sweep(src: &[f64], dst: &mut [f64], first: usize, n: usize, coef: f64) {
    for (k, out) in dst.chunks_exact_mut(n).enumerate() {
        let i = first + k;
        let (up, mid, down) = (
            &src[(i - 1) * n..i * n],
            &src[i * n..(i + 1) * n],
            &src[(i + 1) * n..(i + 2) * n],
        );
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

/// Runs `steps` steps with two buffers.
#[perflab::instrument]
pub fn run(p: &Diffusion, rho: &mut Vec<f64>, steps: usize) {
    let n = p.npnts;
    let mut next = rho.clone();
    for _ in 0..steps {
        sweep(rho, &mut next[n..(n - 1) * n], 1, n, p.coef);
        std::mem::swap(rho, &mut next);
    }
}
