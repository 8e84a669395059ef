//! The ring: each rank sends its own rank to the left and receives from the right in one
//! `sendrecv` (mpi4py: `comm.sendrecv(rank, dest=left, source=right)`), so every rank
//! learns its right neighbour's rank; the answers are gathered to rank 0.

use crate::{Ctx, Done};
use mpi::point_to_point::send_receive;
use mpi::traits::*;

/// Every rank learns its right neighbour.
pub fn sendrecv(c: &Ctx) -> Result<Done, String> {
    let (r, n) = (c.world.rank(), c.world.size());
    let left = c.world.process_at_rank((r + n - 1) % n);
    let right = c.world.process_at_rank((r + 1) % n);
    let start = mpi::time();
    let (got, _): (i32, _) = send_receive(&r, &left, &right);
    let communicate = mpi::time() - start;
    Ok(Done {
        values: gather(c, &[got as f64]),
        compute: 0.0,
        communicate,
    })
}

/// Every rank's `mine` (all the same length), concatenated in rank order on rank 0;
/// empty elsewhere.
pub fn gather(c: &Ctx, mine: &[f64]) -> Vec<f64> {
    let root = c.world.process_at_rank(0);
    if c.world.rank() == 0 {
        let mut all = vec![0.0; mine.len() * c.world.size() as usize];
        root.gather_into_root(mine, &mut all[..]);
        all
    } else {
        root.gather_into(mine);
        Vec::new()
    }
}
