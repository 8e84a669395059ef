//! What each program's answer is, by arithmetic: the values rank 0 reports, where each
//! value sits, and what a wrong answer means. The ranks' code (`mpi/src/`) produces these
//! values; this is what they are checked against.
//!
//! With n ranks, rank r:
//! - ring: sends its rank left and receives from the right, so it learns its right
//!   neighbour: value r is (r + 1) mod n.
//! - deadlock: sends its rank right and receives from the left: value r is
//!   (r − 1) mod n; every value NaN where the ranks deadlocked.
//! - nonblocking: receives from both neighbours: values 2r and 2r + 1 are the left and
//!   right neighbours' ranks.
//! - collectives, in this order: `bcast` of 42 + n from rank 0 (n values, one per rank);
//!   `scatter` of 10·k from rank 0 (n values: rank r got 10r); `gather` of r² to rank 0
//!   (n values); `reduce` of r + 1 to rank 0 (1 value: n(n + 1)/2); `allreduce` of r²
//!   (n values, each Σ r²); `barrier` (n values: 1 where no rank left the barrier
//!   before the last one entered it, by the ranks' common clock); `alltoall`, rank r
//!   sending 100r + k to rank k (n·n values, row r what rank r received: 100k + r).
//! - pingpong: rank 0 sends `bytes` bytes of [`byte`]`(i)`, rank 1 sends them back, `reps`
//!   times: the values are the sum of the bytes that came back last, and how many of them
//!   differ from what was sent (0).

use super::{Mpi, Program};

/// Calls of the collectives topic: one unit of work each.
pub const COLLECTIVES: u64 = 7;

/// Byte `i` of a ping-pong message.
pub fn byte(i: usize) -> u8 {
    ((i * 7 + 1) % 251) as u8
}

/// The sections of the collectives' values, in order, with their lengths at n ranks.
pub fn sections(n: usize) -> [(&'static str, usize); 7] {
    [
        ("bcast", n),
        ("scatter", n),
        ("gather", n),
        ("reduce", 1),
        ("allreduce", n),
        ("barrier", n),
        ("alltoall", n * n),
    ]
}

/// How many values the program reports.
pub fn values_len(p: &Mpi) -> usize {
    let n = p.ranks;
    match p.program {
        Program::Diffusion => p.diffusion.npnts * p.diffusion.npnts,
        Program::Ring | Program::Deadlock => n,
        Program::Nonblocking => 2 * n,
        Program::Collectives => sections(n).iter().map(|s| s.1).sum(),
        Program::Pingpong => 2,
    }
}

/// The right answer, by arithmetic.
pub fn exact(p: &Mpi) -> Vec<f64> {
    let n = p.ranks;
    let f = |x: usize| x as f64;
    match p.program {
        Program::Diffusion => Vec::new(),
        Program::Ring => (0..n).map(|r| f((r + 1) % n)).collect(),
        Program::Deadlock => (0..n).map(|r| f((r + n - 1) % n)).collect(),
        Program::Nonblocking => (0..n)
            .flat_map(|r| [f((r + n - 1) % n), f((r + 1) % n)])
            .collect(),
        Program::Collectives => {
            let mut v = Vec::with_capacity(values_len(p));
            v.extend((0..n).map(|_| 42.0 + f(n)));
            v.extend((0..n).map(|r| 10.0 * f(r)));
            v.extend((0..n).map(|r| f(r * r)));
            v.push(f(n * (n + 1) / 2));
            let squares: usize = (0..n).map(|r| r * r).sum();
            v.extend((0..n).map(|_| f(squares)));
            v.extend((0..n).map(|_| 1.0));
            v.extend((0..n).flat_map(|r| (0..n).map(move |k| f(100 * k + r))));
            v
        }
        Program::Pingpong => {
            let sum: u64 = (0..p.bytes).map(|i| byte(i) as u64).sum();
            vec![sum as f64, 0.0]
        }
    }
}

/// Where value `index` sits, in the program's words.
pub fn locate(p: &Mpi, index: usize) -> String {
    let n = p.ranks;
    match p.program {
        Program::Diffusion => format!("value {index}"),
        Program::Ring => format!("rank {index}'s right neighbour"),
        Program::Deadlock => format!("what rank {index} received from its left"),
        Program::Nonblocking => format!(
            "what rank {} received from its {}",
            index / 2,
            if index.is_multiple_of(2) {
                "left"
            } else {
                "right"
            }
        ),
        Program::Collectives => {
            let mut start = 0;
            for (name, len) in sections(n) {
                if index < start + len {
                    let k = index - start;
                    return match name {
                        "reduce" => "the reduce's sum on rank 0".to_string(),
                        "gather" => format!("rank {k}'s value in the gather on rank 0"),
                        "alltoall" => format!(
                            "what rank {} received from rank {} in the alltoall",
                            k / n,
                            k % n
                        ),
                        _ => format!("rank {k}'s result of {name}"),
                    };
                }
                start += len;
            }
            format!("value {index}")
        }
        Program::Pingpong => match index {
            0 => "the sum of the bytes that came back".to_string(),
            _ => "the count of bytes that came back changed".to_string(),
        },
    }
}

/// A wrong answer in the program's words: a deadlock, or how many values differ.
pub fn how_wrong(p: &Mpi, got: &[f64], want: &[f64]) -> String {
    if p.program == Program::Deadlock && !got.is_empty() && got.iter().all(|v| v.is_nan()) {
        return format!(
            "no rank received anything: all {} waited in their send, and the watchdog ended the run after {} s",
            p.ranks,
            crate::lesson::params::show(p.watchdog)
        );
    }
    if got.len() != want.len() {
        return format!("{} values reported, {} expected", got.len(), want.len());
    }
    let wrong: Vec<usize> = (0..got.len()).filter(|&i| got[i] != want[i]).collect();
    match wrong.first() {
        None => "no value differs".to_string(),
        Some(&i) => format!(
            "{} of {} values differ, the first {} ({} instead of {})",
            wrong.len(),
            got.len(),
            locate(p, i),
            got[i],
            want[i]
        ),
    }
}
