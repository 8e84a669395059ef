//! Your exercise: make the distributed diffusion faster than `loops` by the factor
//! `cargo perflab check mpi` names, with the same bits, by changing only how the ranks
//! exchange their halo rows. `cargo perflab check mpi` builds it, checks it against
//! `loops` and times it (`cargo perflab hint mpi` when you are stuck; `cargo perflab reset
//! mpi` brings this file back as it was).
//!
//! Each rank holds a block of the grid's rows, and before each round of steps it needs
//! copies of its neighbours' edge rows: the halo. The exchange below is correct, but it
//! sends every cell of those rows as a message of its own, 8 bytes each. A message costs
//! a fixed time before its first byte moves (the latency: about a microsecond between two
//! ranks on one machine, far more across a network), so a row of 266 cells costs 266
//! latencies where one message of 2 128 bytes would cost one latency and a short copy.
//! It also relays: rank r waits for rank r − 1's cell before it passes its own on.
//!
//! TODO, one idea at a time, running `cargo perflab check mpi` after each:
//! 1. read the ranks line under the table: how long does each rank spend in message
//!    calls, against how long it computes? How many messages does one exchange send?
//! 2. send each side's halo rows as one message: `process.send(&block[a..b])` sends a
//!    whole slice, and `receive_into(&mut block[c..d])` receives one;
//! 3. let both neighbours trade at once instead of one after the other:
//!    `mpi::point_to_point::send_receive_into` pairs a send with a receive in one call and
//!    cannot deadlock, whatever order the ranks call it in.
//!
//! The rules: `block` holds `halo` ghost rows, then the rank's own rows, then `halo` ghost
//! rows, each row `n` cells. Fill the upper ghost rows with the last `halo` own rows of
//! rank − 1 and the lower ghost rows with the first `halo` own rows of rank + 1; a rank
//! with no neighbour on a side leaves that side alone. Change nothing else in `block`.

use mpi::topology::SimpleCommunicator;
use mpi::traits::*;

/// Fills the ghost rows of this rank's `block` (rows of `n` cells, `halo` ghost rows per
/// side) with its neighbours' edge rows.
pub fn run(world: &SimpleCommunicator, block: &mut [f64], n: usize, halo: usize) {
    let (rank, size) = (world.rank(), world.size());
    let rows = block.len() / n;
    let ghost = halo * n;
    // The first own cell, the first cell of the last `halo` own rows, the first lower
    // ghost cell.
    let (first, last, below) = (ghost, (rows - 2 * halo) * n, (rows - halo) * n);
    // Downwards, a cell at a time: wait for the cell from above, then pass this rank's own
    // on below.
    for k in 0..ghost {
        if rank > 0 {
            let (value, _) = world.process_at_rank(rank - 1).receive::<f64>();
            block[k] = value;
        }
        if rank + 1 < size {
            world.process_at_rank(rank + 1).send(&block[last + k]);
        }
    }
    // Upwards, the same from the last rank back to the first.
    for k in 0..ghost {
        if rank + 1 < size {
            let (value, _) = world.process_at_rank(rank + 1).receive::<f64>();
            block[below + k] = value;
        }
        if rank > 0 {
            world.process_at_rank(rank - 1).send(&block[first + k]);
        }
    }
}
