//! The lesson's variants. Those of the diffusion topic that run here (`loops`, `threads`)
//! call the diffusion lesson's own kernels; every other runs on MPI ranks: its kernel
//! launches them ([`launch`](super::launch::launch)) and the code the ranks run is in
//! the package `perflab-mpi` (`mpi/src/`), under the same names.

use super::{Mpi, Run, launch};
use crate::lesson::{Problem, Variant};
use crate::lessons::diffusion::variants::{loops, parallel};

/// A kernel that launches the ranks to run variant `$name`, as many times as steps.
macro_rules! ranks {
    ($fn:ident, $name:literal) => {
        fn $fn(p: &Mpi, state: &mut Run, steps: usize) {
            on_ranks(p, state, steps, $name)
        }
    };
}

/// Runs `variant` on the ranks `steps` times (one launch each); the last run's values and
/// the sum of their times are kept.
pub fn on_ranks(p: &Mpi, state: &mut Run, steps: usize, variant: &str) {
    let mut total: Option<crate::error::Result<crate::lesson::Remote>> = None;
    for _ in 0..steps {
        let (values, remote) = launch::launch(p, variant);
        state.values = values;
        total = Some(match (total, remote) {
            (Some(Ok(mut sum)), Ok(r)) => {
                sum.seconds += r.seconds;
                sum.cpu = sum.cpu.zip(r.cpu).map(|(a, b)| a + b);
                for (a, b) in sum.split.iter_mut().zip(&r.split) {
                    a.compute += b.compute;
                    a.communicate += b.communicate;
                    a.wait += b.wait;
                }
                Ok(sum)
            }
            (Some(Err(e)), _) | (_, Err(e)) => Err(e),
            (None, Ok(r)) => Ok(r),
        });
        if matches!(total, Some(Err(_))) {
            break;
        }
    }
    state.remote = total;
}

ranks!(ring_sendrecv, "sendrecv");
ranks!(deadlock_naive, "naive");
ranks!(deadlock_ordered, "ordered");
ranks!(deadlock_paired, "paired");
ranks!(collectives, "collectives");
ranks!(isend, "isend");
ranks!(shm, "shm");
ranks!(tcp, "tcp");
ranks!(blocking, "blocking");
ranks!(overlap, "overlap");

/// The student's exchange, run on the ranks of the binary that holds it (`mpi-exercise`).
pub fn exercise(p: &Mpi, state: &mut Run, steps: usize) {
    on_ranks(p, state, steps, crate::lesson::EXERCISE)
}

/// The diffusion lesson's `loops`, here in this process: the reference.
fn diffusion_loops(p: &Mpi, state: &mut Run, steps: usize) {
    let d = &p.diffusion;
    let mut rho = d.initial();
    for _ in 0..steps {
        rho = d.initial();
        loops::run(d, &mut rho, d.nsteps);
    }
    state.values = rho;
}

/// The diffusion lesson's `parallel`, threads in this process sharing its memory.
fn diffusion_threads(p: &Mpi, state: &mut Run, steps: usize) {
    let d = &p.diffusion;
    let mut rho = d.initial();
    for _ in 0..steps {
        rho = d.initial();
        parallel::run(d, &mut rho, d.nsteps);
    }
    state.values = rho;
}

/// Every variant, in teaching order.
pub static ALL: &[Variant<Mpi>] = &[
    variant!(
        "loops",
        diffusion_loops,
        "the diffusion lesson's `loops` in this one process: the reference every distributed run must match to the bit"
    ),
    variant!(
        "threads",
        diffusion_threads,
        "the diffusion lesson's `parallel`: threads of one process sharing its memory, halos copied, not sent"
    ),
    variant!(
        "blocking",
        blocking,
        "rows split across ranks; each step every rank swaps its edge rows with its neighbours by `sendrecv`, then computes"
    ),
    variant!(
        "overlap",
        overlap,
        "the exchange started with `isend`/`irecv`, the rows that need no halo computed while it is in flight, the edge rows after `wait`"
    ),
    variant!(
        "sendrecv",
        ring_sendrecv,
        "each rank sends its rank right and receives from the left in one `sendrecv`: MPI pairs the two, so no order can deadlock"
    ),
    variant!(
        "naive",
        deadlock_naive,
        wrong = "deadlocks: every rank sends before it receives",
        "every rank first sends (synchronously) to the right, then receives from the left: all wait in the send, and a watchdog ends the run"
    ),
    variant!(
        "ordered",
        deadlock_ordered,
        "even ranks send first and odd ranks receive first, so every send meets a receive (an odd ring's last rank pairs up last)"
    ),
    variant!(
        "paired",
        deadlock_paired,
        "the same exchange as one `sendrecv` per rank: the library orders it"
    ),
    variant!(
        "collectives",
        collectives,
        "bcast, scatter, gather, reduce, allreduce, barrier and alltoall, each result checked against its arithmetic"
    ),
    variant!(
        "isend",
        isend,
        "`isend`/`irecv` to both neighbours at once, then one wait for all four: nothing blocks until the data is needed"
    ),
    variant!(
        "shm",
        shm,
        "two ranks bounce a message through Open MPI's shared-memory transport (vader): a copy in and a copy out"
    ),
    variant!(
        "tcp",
        tcp,
        "the same bounce forced through the TCP transport, as between hosts: every message through the kernel's network stack"
    ),
];

/// The values a variant that ran here produced are its own; a launched one's come back
/// from rank 0 (kept in one place, so a check on the length catches a short report).
pub fn expected_len(p: &Mpi) -> usize {
    match p.program {
        super::Program::Diffusion => p.diffusion.npnts * p.diffusion.npnts,
        _ => super::programs::values_len(p),
    }
}
