//! Distributed diffusion: the diffusion lesson's grid cut into blocks of interior rows,
//! one block per rank, each rank keeping `halo` ghost rows per side that its neighbours
//! send it.
//!
//! Every rank holds its block as `halo` ghost rows, its own rows, and `halo` ghost rows
//! again, each row the grid's full width (`npnts` cells). A ghost row `halo` deep stays
//! usable for `halo` steps: after an exchange a rank advances `halo` steps on its own,
//! recomputing at each step a band of ghost rows one row narrower than the step before
//! (the rows whose neighbours it still has), so that after the last one its own rows are
//! exactly what one process would have; then the ranks exchange again. A deeper halo
//! sends the same bytes in fewer, larger messages, for a little arithmetic done twice.
//!
//! The arithmetic is the diffusion lesson's own ([`pass`], which `fused` and `parallel`
//! use): each cell gets the same sum of the same neighbours in the same order as in
//! `loops`, so the grid gathered to rank 0 is `loops`'s grid to the bit.
//!
//! - `blocking`: two `sendrecv` per exchange (mpi4py: `comm.Sendrecv(top_rows,
//!   dest=up, recvbuf=lower_ghosts, source=down)`, then the other way), every rank at once.
//! - `overlap`: the same four messages started with `isend`/`irecv` (`comm.Isend`,
//!   `comm.Irecv`); the rows that need no ghost are computed while they are in flight,
//!   then the rank waits (`MPI.Request.Waitall`) and computes the rows next to its ghosts.
//! - `exercise`: the student's [`Exchange`], from the exercise's binary.

use crate::{Ctx, Done};
use mpi::point_to_point::send_receive_into;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;
use perflab::lesson::Problem;
use perflab::lessons::diffusion::variants::fused::pass;

/// A halo exchange: `block` holds one rank's rows, each `n` cells, as `halo` ghost rows,
/// the rank's own rows, and `halo` ghost rows again. It must fill the upper ghost rows
/// with the last `halo` own rows of rank − 1, and the lower ghost rows with the first
/// `halo` own rows of rank + 1; a rank with no neighbour on a side leaves that side alone.
pub type Exchange = fn(world: &SimpleCommunicator, block: &mut [f64], n: usize, halo: usize);

/// One rank's share of the grid.
struct Block {
    /// Cells per row.
    n: usize,
    /// Ghost rows per side.
    h: usize,
    /// The rank's own rows.
    m: usize,
    /// Whether the rank holds the grid's first interior row (no neighbour above).
    top: bool,
    /// Whether it holds the last (no neighbour below).
    bottom: bool,
}

impl Block {
    /// The block's rows to compute at step `j` after an exchange (0 ≤ j < h), as rows of
    /// the buffer: the own rows and the ghost rows still valid, never a fixed boundary.
    fn rows(&self, j: usize) -> (usize, usize) {
        let (h, m) = (self.h, self.m);
        let from = if self.top { h } else { 1 + j };
        let to = if self.bottom {
            h + m
        } else {
            2 * h + m - 1 - j
        };
        (from, to)
    }
}

/// Computes buffer rows `from..to` of the next state into `next` from `cur`.
fn compute(b: &Block, cur: &[f64], next: &mut [f64], (from, to): (usize, usize), coef: f64) {
    if from < to {
        let n = b.n;
        pass(
            &cur[(from - 1) * n..(to + 1) * n],
            &mut next[from * n..to * n],
            n,
            coef,
        );
    }
}

/// The neighbours of this rank: above (rank − 1) and below (rank + 1), where they exist.
fn neighbours(world: &SimpleCommunicator) -> (Option<i32>, Option<i32>) {
    let (r, size) = (world.rank(), world.size());
    ((r > 0).then(|| r - 1), (r + 1 < size).then(|| r + 1))
}

/// The ghost rows above, the own rows, and the ghost rows below.
fn split(block: &mut [f64], n: usize, halo: usize) -> (&mut [f64], &mut [f64], &mut [f64]) {
    let m = block.len() / n - 2 * halo;
    let (up, rest) = block.split_at_mut(halo * n);
    let (mine, down) = rest.split_at_mut(m * n);
    (up, mine, down)
}

/// `blocking`'s exchange: first every rank sends its first own rows up and receives its
/// lower ghosts from below, in one `sendrecv`; then the same downwards. All ranks are in
/// the same phase at once, so no rank waits for more than its two neighbours.
pub fn sendrecv(world: &SimpleCommunicator, block: &mut [f64], n: usize, halo: usize) {
    let (above, below) = neighbours(world);
    let (up, mine, down) = split(block, n, halo);
    let m = mine.len() / n;
    let (first, last) = (&mine[..halo * n], &mine[(m - halo) * n..]);
    let at = |r: i32| world.process_at_rank(r);
    // Rows going up.
    match (above, below) {
        (Some(a), Some(b)) => {
            send_receive_into(first, &at(a), down, &at(b));
        }
        (Some(a), None) => at(a).send(first),
        (None, Some(b)) => {
            at(b).receive_into(down);
        }
        (None, None) => {}
    }
    // Rows going down.
    match (above, below) {
        (Some(a), Some(b)) => {
            send_receive_into(last, &at(b), up, &at(a));
        }
        (None, Some(b)) => at(b).send(last),
        (Some(a), None) => {
            at(a).receive_into(up);
        }
        (None, None) => {}
    }
}

/// The time since `start`, added to `total`.
fn clock(total: &mut f64, start: f64) {
    *total += mpi::time() - start;
}

/// Runs the distributed diffusion with the variant's exchange and gathers the grid to
/// rank 0.
pub fn run(c: &Ctx) -> Result<Done, String> {
    let exchange: Option<Exchange> = match c.variant {
        "blocking" => Some(sendrecv),
        "overlap" => None,
        _ => Some(
            c.exchange
                .ok_or("the variant exercise runs in the exercise's binary")?,
        ),
    };
    let d = &c.p.diffusion;
    let (n, h) = (d.npnts, c.p.halo);
    let rank = c.world.rank() as usize;
    let size = c.world.size() as usize;
    let starts = c.p.rows();
    // This rank's own grid rows: a..a + m.
    let a = starts[rank] + 1;
    let m = starts[rank + 1] - starts[rank];
    if m < h {
        return Err(format!(
            "rank {rank} owns {m} rows, fewer than the halo's {h}"
        ));
    }
    let b = Block {
        n,
        h,
        m,
        top: rank == 0,
        bottom: rank + 1 == size,
    };
    // The buffer's row l is grid row a − h + l; rows outside the grid stay zero.
    let grid = d.initial();
    let mut cur = vec![0.0; (m + 2 * h) * n];
    let first = a.saturating_sub(h);
    let last = (a + m + h).min(n);
    let off = first + h - a;
    cur[off * n..(off + last - first) * n].copy_from_slice(&grid[first * n..last * n]);
    // Only rank 0 keeps the whole grid, to gather into.
    let grid = if rank == 0 { grid } else { Vec::new() };
    let mut next = cur.clone();
    let (mut compute_s, mut communicate_s) = (0.0, 0.0);
    let mut done = 0;
    while done < d.nsteps {
        let k = h.min(d.nsteps - done);
        let mut j0 = 0;
        if done > 0 {
            match exchange {
                Some(exchange) => {
                    let t = mpi::time();
                    exchange(c.world, &mut cur, n, h);
                    clock(&mut communicate_s, t);
                }
                None => {
                    overlapped(
                        c.world,
                        &b,
                        &mut cur,
                        &mut next,
                        d.coef,
                        &mut compute_s,
                        &mut communicate_s,
                    );
                    std::mem::swap(&mut cur, &mut next);
                    j0 = 1;
                }
            }
        }
        for j in j0..k {
            let t = mpi::time();
            compute(&b, &cur, &mut next, b.rows(j), d.coef);
            clock(&mut compute_s, t);
            std::mem::swap(&mut cur, &mut next);
        }
        done += k;
    }
    let t = mpi::time();
    let values = gather(c, &b, &cur, &starts, grid);
    clock(&mut communicate_s, t);
    Ok(Done {
        values,
        compute: compute_s,
        communicate: communicate_s,
    })
}

/// `overlap`'s exchange and the first step after it: the four messages started at once,
/// the own rows that need no ghost computed while they travel, then, once they are in,
/// the rows next to the ghosts.
fn overlapped(
    world: &SimpleCommunicator,
    b: &Block,
    cur: &mut [f64],
    next: &mut [f64],
    coef: f64,
    compute_s: &mut f64,
    communicate_s: &mut f64,
) {
    let (n, h, m) = (b.n, b.h, b.m);
    let (above, below) = neighbours(world);
    {
        let (up, mine, down) = split(cur, n, h);
        let mine: &[f64] = mine;
        let (first, last) = (&mine[..h * n], &mine[(m - h) * n..]);
        mpi::request::scope(|scope| {
            let t = mpi::time();
            let mut requests = Vec::with_capacity(4);
            if let Some(a) = above {
                let p = world.process_at_rank(a);
                requests.push(p.immediate_receive_into(scope, up));
            }
            if let Some(bl) = below {
                let p = world.process_at_rank(bl);
                requests.push(p.immediate_receive_into(scope, down));
            }
            let mut sends = Vec::with_capacity(2);
            if let Some(a) = above {
                sends.push(world.process_at_rank(a).immediate_send(scope, first));
            }
            if let Some(bl) = below {
                sends.push(world.process_at_rank(bl).immediate_send(scope, last));
            }
            clock(communicate_s, t);
            // Own rows 1..m − 1 read only own rows: buffer rows h + 1..h + m − 1.
            let t = mpi::time();
            if m > 2 {
                pass(mine, &mut next[(h + 1) * n..(h + m - 1) * n], n, coef);
            }
            clock(compute_s, t);
            let t = mpi::time();
            for r in requests {
                r.wait();
            }
            for s in sends {
                s.wait();
            }
            clock(communicate_s, t);
        });
    }
    // The rest of step 0: from the top of its range to the second own row, and from the
    // last own row but one to the bottom of its range.
    let t = mpi::time();
    let (from, to) = b.rows(0);
    let inner = if m > 2 {
        (h + 1, h + m - 1)
    } else {
        (h + m, h + m)
    };
    compute(b, cur, next, (from, inner.0.max(from)), coef);
    compute(b, cur, next, (inner.1.max(from), to), coef);
    clock(compute_s, t);
}

/// The whole grid on rank 0 (`grid` holds its boundary; each rank's own rows arrive in
/// rank order); empty elsewhere.
fn gather(c: &Ctx, b: &Block, cur: &[f64], starts: &[usize], mut grid: Vec<f64>) -> Vec<f64> {
    let (n, h, m) = (b.n, b.h, b.m);
    let mine = &cur[h * n..(h + m) * n];
    if c.world.rank() == 0 {
        grid[n..(1 + m) * n].copy_from_slice(mine);
        for r in 1..c.world.size() as usize {
            let (a, e) = (starts[r] + 1, starts[r + 1] + 1);
            c.world
                .process_at_rank(r as i32)
                .receive_into(&mut grid[a * n..e * n]);
        }
        grid
    } else {
        c.world.process_at_rank(0).send(mine);
        Vec::new()
    }
}
