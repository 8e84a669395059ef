//! Your exercise: make the distributed diffusion faster than `loops` by the factor
//! `cargo perflab check mpi` names, with the same bits, by changing only how the ranks
//! exchange their halo rows. `cargo perflab check mpi` builds it, checks it against
//! `loops` and times it (`cargo perflab hint mpi` when you are stuck; `cargo perflab reset
//! mpi` brings this file back as it was).
//!
//! Each rank holds a block of the grid's rows, and before each round of steps it needs
//! copies of its neighbours' edge rows: the halo. The exchange below is correct, but it
//! is a relay. Rank r first waits for the rows of rank r − 1, and only then sends its own
//! rows on to rank r + 1; afterwards the same happens from the last rank back up. So rank
//! 3 cannot start until ranks 0, 1 and 2 have each passed the baton, and the time of one
//! exchange grows with the number of ranks, although each rank talks only to its two
//! neighbours.
//!
//! TODO, one idea at a time, running `cargo perflab check mpi` after each:
//! 1. read the ranks line under the table: how long does each rank spend in message
//!    calls, against how long it computes?
//! 2. let every rank start its sends and receives at once, so that no message waits for
//!    another one to arrive first: `mpi::point_to_point::send_receive_into` pairs a send
//!    with a receive in one call, or `immediate_send`/`immediate_receive_into` inside
//!    `mpi::request::scope`, then wait for all of them;
//! 3. remember that a blocking send of a large message waits for its receive: if every
//!    rank sends first and receives afterwards, they may all wait for ever.
//!
//! The rules: `block` holds `halo` ghost rows, then the rank's own rows, then `halo` ghost
//! rows, each row `n` cells. Fill the upper ghost rows with the last `halo` own rows of
//! rank − 1 and the lower ghost rows with the first `halo` own rows of rank + 1; a rank
//! with no neighbour on a side leaves that side alone. Change nothing else in `block`.

use mpi::topology::SimpleCommunicator;
use mpi::traits::*;

/// Fills the ghost rows of this rank's `block` (rows of `n` cells, `halo` ghost rows per
/// side) with its neighbours' edge rows.
pub fn exchange(world: &SimpleCommunicator, block: &mut [f64], n: usize, halo: usize) {
    let (rank, size) = (world.rank(), world.size());
    let own = block.len() / n - 2 * halo;
    let (up, rest) = block.split_at_mut(halo * n);
    let (mine, down) = rest.split_at_mut(own * n);
    let (first, last) = (&mine[..halo * n], &mine[(own - halo) * n..]);
    // Downwards: wait for the rows from above, then pass this rank's last rows below.
    if rank > 0 {
        world.process_at_rank(rank - 1).receive_into(up);
    }
    if rank + 1 < size {
        world.process_at_rank(rank + 1).send(last);
    }
    // Upwards: wait for the rows from below, then pass this rank's first rows above.
    if rank + 1 < size {
        world.process_at_rank(rank + 1).receive_into(down);
    }
    if rank > 0 {
        world.process_at_rank(rank - 1).send(first);
    }
}
