//! The collectives, each one call every rank makes (mpi4py's name in brackets), each
//! timed as communication and its result gathered to rank 0 afterwards for the check
//! (`lessons/mpi/programs.rs` gives the arithmetic):
//! `broadcast_into` (`bcast`), `scatter_into_root`/`scatter_into` (`scatter`),
//! `gather_into_root`/`gather_into` (`gather`), `reduce_into_root`/`reduce_into`
//! (`reduce`), `all_reduce_into` (`allreduce`), `barrier` (`barrier`) and
//! `all_to_all_into` (`alltoall`).

use crate::ring::gather;
use crate::{Ctx, Done};
use mpi::collective::SystemOperation;
use mpi::traits::*;

/// Runs the seven collectives.
pub fn run(c: &Ctx) -> Result<Done, String> {
    let w = c.world;
    let (r, n) = (w.rank() as usize, w.size() as usize);
    let root = w.process_at_rank(0);
    let f = |x: usize| x as f64;
    let mut communicate = 0.0;
    let mut timed = |call: &mut dyn FnMut()| {
        let start = mpi::time();
        call();
        communicate += mpi::time() - start;
    };

    // bcast: rank 0's 42 + n to every rank.
    let mut bcast = if r == 0 { 42.0 + f(n) } else { -1.0 };
    timed(&mut || root.broadcast_into(&mut bcast));

    // scatter: rank 0's 10k to rank k.
    let mut piece = -1.0;
    timed(&mut || {
        if r == 0 {
            let all: Vec<f64> = (0..n).map(|k| 10.0 * f(k)).collect();
            root.scatter_into_root(&all[..], &mut piece);
        } else {
            root.scatter_into(&mut piece);
        }
    });

    // gather: r² to rank 0.
    let mut squares = vec![-1.0; if r == 0 { n } else { 0 }];
    timed(&mut || {
        if r == 0 {
            root.gather_into_root(&f(r * r), &mut squares[..]);
        } else {
            root.gather_into(&f(r * r));
        }
    });

    // reduce: Σ (r + 1) on rank 0.
    let mut sum = -1.0;
    timed(&mut || {
        if r == 0 {
            root.reduce_into_root(&f(r + 1), &mut sum, SystemOperation::sum());
        } else {
            root.reduce_into(&f(r + 1), SystemOperation::sum());
        }
    });

    // allreduce: Σ r² on every rank.
    let mut everyone = -1.0;
    timed(&mut || w.all_reduce_into(&f(r * r), &mut everyone, SystemOperation::sum()));

    // barrier: did this rank leave after the last one entered? By the system clock, one
    // clock for all the ranks of one machine, namespaces included (Open MPI's `MPI_Wtime`
    // counts from each rank's own start).
    let entered = now();
    timed(&mut || w.barrier());
    let left = now();
    let mut last_in = 0.0;
    w.all_reduce_into(&entered, &mut last_in, SystemOperation::max());
    let kept = if left >= last_in { 1.0 } else { 0.0 };

    // alltoall: 100r + k to rank k.
    let send: Vec<f64> = (0..n).map(|k| f(100 * r + k)).collect();
    let mut received = vec![-1.0; n];
    timed(&mut || w.all_to_all_into(&send[..], &mut received[..]));

    let mut values = Vec::new();
    values.extend(gather(c, &[bcast]));
    values.extend(gather(c, &[piece]));
    values.extend(squares);
    if r == 0 {
        values.push(sum);
    }
    values.extend(gather(c, &[everyone]));
    values.extend(gather(c, &[kept]));
    values.extend(gather(c, &received));
    Ok(Done {
        values,
        compute: 0.0,
        communicate,
    })
}

/// Seconds since 1970 by the system clock.
fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}
