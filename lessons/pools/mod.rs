#![doc = include_str!("README.md")]
// The README cites its sources as [EPPP12] and [PHPP13], which rustdoc would take for
// links.
#![allow(rustdoc::broken_intra_doc_links)]

use crate::error::Result;
use crate::lesson::params::{Kind, ParamSpec, Params};
use crate::lesson::{Action, Exercise, ExerciseInfo, Memory, Problem, Resize, Size, Spec, Step};
use crate::lessons::particles::whole;

pub mod variants;

/// The lesson, as the registry, CLI, binary, benches and tests see it.
pub static LESSON: Spec<Pools> = Spec {
    name: "pools",
    title: "Parallel map: static, dynamic and work-stealing schedules",
    summary: "Why equal shares of a map are not equal work, and what dynamic chunks, work stealing and worker processes cost and save.",
    unit: "numbers",
    params: PARAMS,
    variants: variants::ALL,
    baseline: "static",
    reference: "sequential",
    topics: &[],
    // Flags are 0 or 1: every variant must give exactly the same ones.
    tolerance: 0.0,
    sizes: &[
        Size {
            name: "default",
            params: &[],
        },
        Size {
            name: crate::lesson::SMALL,
            params: &["n=100000"],
        },
    ],
    setup: Pools::new,
    steps: STEPS,
    // Trial division is integer division, not flops: no roofline.
    work: None,
    parallel: &["static", "dealer", "dynamic", "worksteal", "processes"],
    exercise: Some(Exercise::new(ExerciseInfo {
        file: "lessons/pools/exercise.rs",
        start: include_str!("exercise.start.rs"),
        target: 1.1,
        params: &["n=1000000"],
        hints: &[
            "Look at the busy times of the workers in `cargo perflab compare pools --variants static,exercise`: one thread finishes long before the other. Testing n by trial division costs about √n divisions when n is prime, so the block of the largest numbers is the most expensive one, and the run lasts as long as its thread.",
            "Hand the work out in many small pieces instead of one block per thread: a thread that finishes a piece takes the next one, so nobody waits while another works. `out.chunks_mut(1000)` behind a `std::sync::Mutex`, each thread looping on `lock().next()`, does it in a few lines.",
            "Or let rayon do the scheduling: `out.par_chunks_mut(64).enumerate().for_each(|(k, c)| fill(k * 64, c))` splits the blocks by work stealing, an idle thread taking half of a busy one's remaining range.",
        ],
    })),
};

/// The parameters: how many numbers, the chunk size of the dynamic schedules.
pub const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "n",
        default: "1000000",
        help: "the numbers 1 … n are tested for primality (a whole number)",
        kind: Kind::Whole { min: 1.0, max: 1e8 },
    },
    ParamSpec {
        name: "chunk",
        default: "1000",
        help: "numbers per piece of work handed out by `dealer`, `dynamic` and `processes` (a whole number)",
        kind: Kind::Whole { min: 1.0, max: 1e8 },
    },
    super::REPEAT,
];

/// The problem at one parameter set: which numbers, and in what pieces.
#[derive(Debug, Clone, PartialEq)]
pub struct Pools {
    /// The numbers tested are 1 … n; value i is the flag of number i + 1.
    pub n: usize,
    /// Numbers per piece handed out by the chunked schedules.
    pub chunk: usize,
    /// Evaluations in a full run.
    pub repeat: usize,
}

impl Pools {
    /// Reads the parameters.
    pub fn new(p: &Params) -> Result<Pools> {
        let n = whole(p, "n")? as usize;
        let chunk = whole(p, "chunk")? as usize;
        Ok(Pools {
            n,
            chunk,
            repeat: whole(p, "repeat")? as usize,
        })
    }
}

/// Whether `k` is prime, by trial division by 2 and the odd numbers up to √k: a prime
/// costs about √k / 2 divisions, so the cost grows with k.
#[inline]
pub fn is_prime(k: u64) -> bool {
    if k < 4 {
        return k >= 2;
    }
    if k.is_multiple_of(2) {
        return false;
    }
    let mut d = 3;
    while d * d <= k {
        if k.is_multiple_of(d) {
            return false;
        }
        d += 2;
    }
    true
}

/// Fills `out` with the flags of the numbers `first + 1 …`: value i of the whole run is
/// number i + 1.
#[inline]
pub fn fill(first: usize, out: &mut [f64]) {
    for (i, o) in out.iter_mut().enumerate() {
        *o = if is_prime((first + i + 1) as u64) {
            1.0
        } else {
            0.0
        };
    }
}

/// The primes up to n by the sieve of Eratosthenes, as 0/1 flags.
pub fn sieve(n: usize) -> Vec<f64> {
    let mut composite = vec![false; n + 1];
    let mut i = 2;
    while i * i <= n {
        if !composite[i] {
            for m in (i * i..=n).step_by(i) {
                composite[m] = true;
            }
        }
        i += 1;
    }
    (1..=n)
        .map(|k| if k >= 2 && !composite[k] { 1.0 } else { 0.0 })
        .collect()
}

impl Problem for Pools {
    type State = Vec<f64>;

    /// The flags' buffer, NaN so that a number a schedule misses fails the check.
    fn initial(&self) -> Vec<f64> {
        vec![f64::NAN; self.n]
    }
    fn steps(&self) -> usize {
        self.repeat
    }
    fn units_per_step(&self) -> u64 {
        self.n as u64
    }
    fn describe(&self) -> String {
        format!(
            "primality of 1 … {} by trial division, pieces of {}",
            self.n, self.chunk
        )
    }
    fn values<'s>(&self, state: &'s Vec<f64>) -> &'s [f64] {
        state
    }
    fn take_values(&self, state: Vec<f64>) -> Vec<f64> {
        state
    }
    fn locate(&self, index: usize) -> String {
        format!("the number {}", index + 1)
    }
    /// Says it as a count of primes.
    fn how_wrong(&self, got: &[f64], want: &[f64]) -> String {
        let count = |v: &[f64]| v.iter().filter(|x| **x == 1.0).count();
        format!("{} primes found, {} there are", count(got), count(want))
    }
    /// Every run writes the n flags, 8·n bytes; and
    /// - `dealer` lists its pieces per thread: 24 bytes a piece (where it starts, and the
    ///   slice);
    /// - `processes` keeps [`variants::IN_FLIGHT`] pieces per worker in flight: their
    ///   numbers serialized (8 bytes a number), their answers deserialized (1 byte a
    ///   number), and a few kilobytes of channel each;
    /// - the others nothing more (threads' stacks are not heap).
    ///
    /// The exact answer, the sieve's flags, is one more array of n.
    fn memory(&self, variant: &str) -> Memory {
        let n = self.n as u64;
        let pieces = self.n.div_ceil(self.chunk) as u64;
        let more = match variant {
            "dealer" => 24 * pieces,
            "processes" => {
                let flight = (variants::IN_FLIGHT * rayon::current_num_threads()) as u64;
                9 * n.min(flight * self.chunk as u64) + 4096 * flight.min(pieces)
            }
            _ => 0,
        };
        Memory {
            run: 8 * n + more,
            values: 8 * n,
            exact: 8 * n,
            inputs: 0,
            size: format!("{n} numbers"),
        }
    }
    /// Memory goes with n.
    fn resize(&self, scale: f64) -> Resize {
        Resize::at_most("n", self.n as f64, self.n as f64 * scale)
    }
    /// The sieve of Eratosthenes: the same flags by another method.
    fn exact(&self, _steps: usize) -> Option<Vec<f64>> {
        Some(sieve(self.n))
    }
}

/// The tutor's walk.
pub const STEPS: &[Step] = &[
    Step {
        title: "Equal shares, unequal work",
        text: "Each number is tested by dividing it by 2 and the odd numbers up to its square root, so a large prime costs far more than a small one. Cutting 1 … n into one contiguous block per thread gives every thread as many numbers, but the last block holds the most expensive ones. Watch the workers line under the table: it gives each thread's busy time in this run, and a run lasts as long as its busiest thread.",
        action: Action::Compare {
            variants: &["sequential", "static"],
            params: &[],
        },
    },
    Step {
        title: "Deal, queue or steal",
        text: "Three cures. Deal the pieces round-robin like cards (`dealer`), so each thread gets small and large numbers alike; keep a queue of pieces that idle threads take from (`dynamic`, what a Pool's chunksize sets); or let rayon split the range and have idle threads steal half of a busy thread's rest (`worksteal`). Compare their workers lines with `static`'s: the imbalance figure says how far each brought the busy times together in this run.",
        action: Action::Compare {
            variants: &["static", "dealer", "dynamic", "worksteal"],
            params: &[],
        },
    },
    Step {
        title: "How big a piece?",
        text: "The queue's piece size is the chunksize of a Pool's map. Pieces of one number cost a trip through the lock each; pieces of n / threads are equal blocks again, with their imbalance. Between the two lies a wide plateau. Each point below is checked against the reference at that size.",
        action: Action::Sweep {
            variants: &["dynamic"],
            param: "chunk",
            values: &["1", "10", "100", "1000", "10000", "100000", "500000"],
            params: &[],
        },
    },
    Step {
        title: "Processes and their messages",
        text: "A pool of worker processes, as Python's multiprocessing uses, shares no memory: each piece's numbers are serialized and sent, each answer serialized back, and the workers must be started first. The CPU time column counts the workers' time too; the gap between their busy time and the wall time is start-up and messages.",
        action: Action::Compare {
            variants: &["worksteal", "processes"],
            params: &[],
        },
    },
    Step {
        title: "Your turn",
        text: "Open lessons/pools/exercise.rs: a correct map that gives each thread one contiguous block. Make it at least {target}× faster than `static` on {exercise.n} numbers, with the same flags. `cargo perflab check pools` builds it, checks it and times it beside `static`; `cargo perflab hint pools` gives one hint at a time.",
        action: Action::Read,
    },
];
