//! Non-blocking messages: each rank starts a send of its rank to both neighbours and a
//! receive from both (`immediate_send`, `immediate_receive_into`; mpi4py's `comm.isend`,
//! `comm.Irecv`), all four at once inside a request scope, then waits for them all
//! (`MPI.Request.Waitall`). Nothing blocks until the data is needed, so no order of the
//! ranks can deadlock. Tags tell the two directions apart (one neighbour is both left and
//! right with one or two ranks): 0 travels right, 1 travels left.

use crate::ring::gather;
use crate::{Ctx, Done};
use mpi::request::WaitGuard;
use mpi::traits::*;

/// Runs the exchange.
pub fn run(c: &Ctx) -> Result<Done, String> {
    let (r, n) = (c.world.rank(), c.world.size());
    let left = c.world.process_at_rank((r + n - 1) % n);
    let right = c.world.process_at_rank((r + 1) % n);
    let (mut from_left, mut from_right) = (-1i32, -1i32);
    let start = mpi::time();
    mpi::request::scope(|scope| {
        // A WaitGuard waits for its request when it is dropped: all four at the end of
        // the scope, whichever finishes first.
        let _guards: [WaitGuard<_, _>; 4] = [
            left.immediate_receive_into_with_tag(scope, &mut from_left, 0)
                .into(),
            right
                .immediate_receive_into_with_tag(scope, &mut from_right, 1)
                .into(),
            right.immediate_send_with_tag(scope, &r, 0).into(),
            left.immediate_send_with_tag(scope, &r, 1).into(),
        ];
    });
    let communicate = mpi::time() - start;
    Ok(Done {
        values: gather(c, &[from_left as f64, from_right as f64]),
        compute: 0.0,
        communicate,
    })
}
