//! Ping-pong: rank 0 sends `bytes` bytes to rank 1, which sends them back, `reps` times
//! (mpi4py: `comm.Send(buf, dest=1)` / `comm.Recv(buf, source=1)`). A few warm-up
//! trips come first (TCP connects on the first message); the report's seconds cover the
//! whole program, warm-up included, so a round trip takes seconds / reps, at most 2 % more
//! than the timed trips alone (one warm-up per 50 trips, at least one).
//!
//! The variant names the transport, and mpirun chooses it (`--mca btl self,vader` or
//! `self,tcp`, which reaches the ranks as `OMPI_MCA_btl`): each rank checks that it got
//! what the variant says before any message, so `shm` never quietly runs over TCP.

use crate::{Ctx, Done};
use mpi::traits::*;
use perflab::lessons::mpi::programs::byte;

/// The transports a variant needs Open MPI to use, and those it must not.
fn transport(variant: &str) -> Result<(&'static str, &'static [&'static str]), String> {
    match variant {
        "shm" => Ok(("vader", &["tcp", "openib", "uct", "ofi"])),
        "tcp" => Ok(("tcp", &["vader", "sm", "smcuda", "openib", "uct", "ofi"])),
        other => Err(format!("pingpong has no variant '{other}'")),
    }
}

/// Checks that Open MPI was told to use the variant's transport and no other.
pub fn check_transport(variant: &str) -> Result<(), String> {
    let (want, not) = transport(variant)?;
    let btl = std::env::var("OMPI_MCA_btl").unwrap_or_default();
    let on: Vec<&str> = btl.split(',').map(str::trim).collect();
    if !on.contains(&want) || on.iter().any(|b| not.contains(b)) {
        let shown = if btl.is_empty() { "unset" } else { &btl };
        return Err(format!(
            "pingpong {variant} measures Open MPI's {want} transport, but its transports (OMPI_MCA_btl) are {shown}: run it as `mpirun --mca btl self,{want} -np 2 …`"
        ));
    }
    Ok(())
}

/// Runs the ping-pong.
pub fn run(c: &Ctx) -> Result<Done, String> {
    check_transport(c.variant)?;
    let r = c.world.rank();
    if c.world.size() != 2 {
        return Err("pingpong runs on exactly 2 ranks".into());
    }
    let other = c.world.process_at_rank(1 - r);
    let sent: Vec<u8> = (0..c.p.bytes).map(byte).collect();
    let mut back = vec![0u8; c.p.bytes];
    let warm = (c.p.reps / 50).max(1);
    let start = mpi::time();
    for _ in 0..warm + c.p.reps {
        if r == 0 {
            other.send(&sent[..]);
            other.receive_into(&mut back[..]);
        } else {
            other.receive_into(&mut back[..]);
            other.send(&back[..]);
        }
    }
    let communicate = mpi::time() - start;
    let values = if r == 0 {
        let sum: u64 = back.iter().map(|&b| b as u64).sum();
        let changed = back.iter().zip(&sent).filter(|(a, b)| a != b).count();
        vec![sum as f64, changed as f64]
    } else {
        Vec::new()
    };
    Ok(Done {
        values,
        compute: 0.0,
        communicate,
    })
}
