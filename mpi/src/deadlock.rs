//! Deadlock: each rank sends its rank to the right and receives from the left, with
//! blocking calls, in three orders.
//!
//! - `naive`: every rank first `synchronous_send`s (mpi4py: `comm.ssend`), which returns
//!   only once the receiver has started its receive, and then receives. Every rank waits
//!   in its send for a receive nobody reaches: a real deadlock. A watchdog thread, started
//!   before the send, ends it: after `watchdog` seconds rank 0's watchdog writes the report (values
//!   NaN, `stuck` saying what it saw) and every rank's ends its own process.
//! - `ordered`: even ranks send first, odd ranks receive first. Every send then meets a
//!   receive: with an odd number of ranks the last (even) rank sends to rank 0, which
//!   receives once its own send to rank 1 is done, so the ring completes, one pair after
//!   another. One rank is its own neighbour: a synchronous send to itself could never
//!   complete before its receive, so it posts the receive first (`immediate_receive`).
//! - `paired`: one `send_receive` per rank (mpi4py: `comm.sendrecv`): MPI pairs the two.

use crate::ring::gather;
use crate::{Ctx, Done};
use mpi::point_to_point::send_receive;
use mpi::traits::*;
use perflab::lessons::mpi::launch::Report;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Runs the variant `c.variant`.
pub fn run(c: &Ctx) -> Result<Done, String> {
    let (r, n) = (c.world.rank(), c.world.size());
    let left = c.world.process_at_rank((r + n - 1) % n);
    let right = c.world.process_at_rank((r + 1) % n);
    let start = mpi::time();
    let got: i32 = match c.variant {
        "naive" => {
            let done = Arc::new(AtomicBool::new(false));
            watchdog(c, r, n, done.clone());
            right.synchronous_send(&r);
            let (got, _) = left.receive::<i32>();
            done.store(true, Ordering::SeqCst);
            got
        }
        "ordered" if n == 1 => {
            let mut got = -1i32;
            mpi::request::scope(|scope| {
                let request = left.immediate_receive_into(scope, &mut got);
                right.synchronous_send(&r);
                request.wait();
            });
            got
        }
        "ordered" if r % 2 == 0 => {
            right.synchronous_send(&r);
            left.receive::<i32>().0
        }
        "ordered" => {
            let (got, _) = left.receive::<i32>();
            right.synchronous_send(&r);
            got
        }
        "paired" => send_receive::<i32, _, _, _>(&r, &right, &left).0,
        other => return Err(format!("deadlock has no variant '{other}'")),
    };
    let communicate = mpi::time() - start;
    Ok(Done {
        values: gather(c, &[got as f64]),
        compute: 0.0,
        communicate,
    })
}

/// Starts the watchdog: a thread that makes no MPI call (MPI runs `Funneled`, one thread
/// in MPI). If `done` is still false after `watchdog` seconds, rank 0's watchdog writes the report
/// of a stuck run (or prints it, without `--out`) and ends its process; the other ranks'
/// end theirs a second later, in case mpirun has not already ended them.
fn watchdog(c: &Ctx, rank: i32, n: i32, done: Arc<AtomicBool>) {
    let seconds = c.p.watchdog;
    let out = c.out.map(|p| p.to_path_buf());
    let start = std::time::Instant::now();
    std::thread::spawn(move || {
        let extra = if rank == 0 { 0.0 } else { 1.0 };
        std::thread::sleep(Duration::from_secs_f64(seconds + extra));
        if done.load(Ordering::SeqCst) {
            return;
        }
        if rank == 0 {
            let waited = start.elapsed().as_secs_f64();
            let seen = format!(
                "rank 0 was still in its synchronous send to rank {} after {waited:.3} s: no rank had reached its receive",
                1 % n
            );
            let n = n as usize;
            let report = Report {
                seconds: waited,
                ranks: (0..n)
                    .map(|_| perflab::lesson::Split {
                        compute: 0.0,
                        communicate: waited,
                        wait: 0.0,
                    })
                    .collect(),
                cpu: Vec::new(),
                hosts: Vec::new(),
                stuck: Some(seen.clone()),
            };
            let values = vec![f64::NAN; n];
            match &out {
                Some(out) => {
                    if let Err(e) = crate::write_report(out, &report, &values) {
                        eprintln!("perflab-mpi: {e}");
                    }
                }
                None => {
                    println!("deadlock (naive) on {n} ranks: stuck");
                    println!("  {seen}");
                    println!("  the watchdog ended the run after {seconds} s");
                }
            }
            eprintln!("perflab-mpi: watchdog: {seen}");
        }
        end_process()
    });
}

/// Ends this rank's process from the watchdog's thread: the main thread is blocked in
/// MPI and cannot return.
#[allow(
    clippy::disallowed_methods,
    reason = "the deadlocked main thread can never return: the watchdog must end the process"
)]
fn end_process() -> ! {
    std::process::exit(3)
}
