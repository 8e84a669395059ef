#![doc = include_str!("README.md")]
// The README cites its sources as [IHPCSS24] and [PHPP13], which rustdoc would take for
// links.
#![allow(rustdoc::broken_intra_doc_links)]

use crate::error::{Error, Result};
use crate::lesson::params::{Kind, ParamSpec, Params};
use crate::lesson::{Action, Exercise, ExerciseInfo, Memory, Problem, Resize, Size, Spec, Step};
use crate::lessons::particles::whole;

pub mod variants;

/// The lesson, as the registry, CLI, binary, benches and tests see it.
pub static LESSON: Spec<Sharing> = Spec {
    name: "sharing",
    title: "Shared state, races and locks",
    summary: "Threads and processes adding to one count: what the compiler forbids, the race it lets through, what a lock, an atomic, a shared cache line and a private sum each cost.",
    unit: "increments",
    params: PARAMS,
    variants: variants::ALL,
    baseline: "mutex",
    reference: "serial",
    topics: &[],
    // Counts are whole numbers: every correct variant gives the reference's exactly.
    tolerance: 1e-12,
    sizes: &[
        Size {
            name: "default",
            params: &[],
        },
        Size {
            name: crate::lesson::SMALL,
            params: &["increments=100000", "repeat=1"],
        },
    ],
    setup: Sharing::new,
    steps: STEPS,
    work: None,
    parallel: &[
        "racy",
        "mutex",
        "atomic",
        "adjacent",
        "padded",
        "local",
        "procs-racy",
        "procs",
    ],
    exercise: Some(Exercise::new(ExerciseInfo {
        file: "lessons/sharing/exercise.rs",
        start: include_str!("exercise.start.rs"),
        target: 10.0,
        params: &["increments=1000000", "repeat=4"],
        hints: &[
            "Time goes on the lock, not on the adding: every increment locks the Mutex, and with two threads the lock's cache line moves between the cores on every one of them. `cargo perflab compare sharing --variants mutex,atomic` shows that swapping the lock for an atomic fetch_add helps, but not tenfold: the atomic's line still moves.",
            "Give each thread a count of its own, a plain `let mut mine = 0u64;` inside the closure, bumped `n` times; nothing else sees it, so it stays in a register. Only when the loop is over does the thread add `mine` to the shared total, once.",
            "Keep `black_box(1)` as what each increment adds: without it the compiler turns the loop into `mine = n` and the exercise measures nothing. Then `cargo perflab check sharing`.",
        ],
    })),
};

/// The parameters: how many workers, how many increments each makes.
pub const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "threads",
        default: "2",
        help: "worker threads (worker processes for procs, procs-racy), each adding to the count",
        kind: Kind::Whole {
            min: 1.0,
            max: 64.0,
        },
    },
    ParamSpec {
        name: "increments",
        default: "2000000",
        help: "increments each worker makes in a step (a whole number)",
        kind: Kind::Whole { min: 1.0, max: 1e9 },
    },
    ParamSpec {
        name: "repeat",
        default: "10",
        help: "steps in a full run; a run of k steps has each worker make k × increments increments at once",
        kind: Kind::Whole { min: 1.0, max: 1e6 },
    },
];

/// The problem at one parameter set.
#[derive(Debug, Clone, PartialEq)]
pub struct Sharing {
    /// Workers: threads, or processes for the `procs` variants.
    pub threads: usize,
    /// Increments each worker makes per step.
    pub increments: u64,
    /// Steps in a full run.
    pub repeat: usize,
}

/// Largest count a float holds exactly (2⁵³).
const EXACT: f64 = 9007199254740992.0;

impl Sharing {
    /// Builds the problem, refusing a count too large for a float to hold exactly.
    pub fn new(p: &Params) -> Result<Sharing> {
        let threads = whole(p, "threads")? as usize;
        let increments = whole(p, "increments")?;
        let repeat = whole(p, "repeat")? as usize;
        let total = threads as f64 * increments as f64 * repeat as f64;
        if total > EXACT {
            return Err(Error::param(
                "increments",
                increments,
                format!(
                    "at most {} with threads = {threads} and repeat = {repeat} (the count must stay below 2^53, where a float holds every whole number)",
                    (EXACT / (threads as f64 * repeat as f64)).floor()
                ),
            ));
        }
        Ok(Sharing {
            threads,
            increments,
            repeat,
        })
    }
}

/// A whole number with its digits in groups of three: 4 000 000.
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

impl Problem for Sharing {
    type State = Vec<f64>;

    /// The count, zero.
    fn initial(&self) -> Vec<f64> {
        vec![0.0]
    }
    fn steps(&self) -> usize {
        self.repeat
    }
    fn units_per_step(&self) -> u64 {
        self.threads as u64 * self.increments
    }
    fn describe(&self) -> String {
        format!(
            "{} workers × {} increments of one count, {} steps",
            self.threads,
            grouped(self.increments),
            self.repeat
        )
    }
    fn values<'s>(&self, state: &'s Vec<f64>) -> &'s [f64] {
        state
    }
    fn take_values(&self, state: Vec<f64>) -> Vec<f64> {
        state
    }
    fn locate(&self, _index: usize) -> String {
        "the count".to_string()
    }
    /// "lost 1 843 of 4 000 000 updates".
    fn how_wrong(&self, got: &[f64], want: &[f64]) -> String {
        match (got.first(), want.first()) {
            (Some(&g), Some(&w)) if g <= w && g >= 0.0 => {
                format!(
                    "lost {} of {} updates",
                    grouped((w - g) as u64),
                    grouped(w as u64)
                )
            }
            (Some(&g), Some(&w)) => format!("counted {g} where {w} were made"),
            _ => "no count".to_string(),
        }
    }
    /// The count is one float. What a run holds at its peak is its workers: each thread's
    /// stack pages that it touched and its slot in the busy timer, measured at about
    /// 12 KiB a thread here (7.50 MB resident with 64 threads against 6.76 MB with 2);
    /// `serial` starts none. The worker processes of `procs` have memory of their own,
    /// not this process's: here there is a thread waiting for each, with procspawn's
    /// channel to it, about 28 KiB each (measured the same way), and the 4 KiB shared page.
    fn memory(&self, variant: &str) -> Memory {
        let threads = self.threads as u64;
        let run = match variant {
            "serial" => 0,
            "procs" | "procs-racy" => threads * PER_WAITER + 4096,
            _ => threads * PER_THREAD,
        };
        Memory {
            run,
            values: 8,
            exact: 8,
            inputs: 0,
            size: format!("{} threads", self.threads),
        }
    }
    /// Memory goes with the threads.
    fn resize(&self, scale: f64) -> Resize {
        let t = self.threads as f64;
        Resize::at_most("threads", t, t * scale)
    }
    /// Every increment counted: threads × increments × steps.
    fn exact(&self, steps: usize) -> Option<Vec<f64>> {
        Some(vec![
            self.threads as f64 * self.increments as f64 * steps as f64,
        ])
    }
}

/// Resident bytes one worker thread adds at the peak (see [`Sharing::memory`]).
const PER_THREAD: u64 = 12 << 10;
/// Resident bytes the thread waiting for one worker process adds (see [`Sharing::memory`]).
const PER_WAITER: u64 = 28 << 10;

/// The tutor's walk.
pub const STEPS: &[Step] = &[
    Step {
        title: "What the compiler refuses",
        text: "In Python, ten processes adding to one shared Value lose increments, and nothing warns you. In Rust, a plain `let mut n = 0` bumped from two threads does not compile: a closure that mutates `n` borrows it mutably, and a mutable borrow cannot be handed to two threads at once (error E0499, quoted in lessons/sharing/README.md). To share a count you must pick a type that says how it is shared: an atomic, a Mutex, or one count per thread.",
        action: Action::Read,
    },
    Step {
        title: "A race the compiler lets through",
        text: "An atomic makes each load and each store indivisible, not the pair. `racy` loads the count, adds one and stores it back; between its load and its store the other thread may have stored too, and that increment is overwritten. The table says how many were lost in this run (few or none where the threads seldom ran at the same moment: the CPU time column says). `atomic` does the same with fetch_add, one indivisible read-modify-write, and loses none.",
        action: Action::Compare {
            variants: &["serial", "racy", "atomic"],
            params: &[],
        },
    },
    Step {
        title: "Correct, and the price of it",
        text: "A Mutex per increment is correct and slow: each increment takes the lock and gives it back, and while one thread holds it the other waits. fetch_add needs no lock, but the count's cache line still travels between the cores on every increment. `local` counts in a register and touches the shared total once per thread: the same answer, and the speedup column says at what fraction of the time. The CPU time column says how many cores the run really had: the threads race only when they run at the same moment.",
        action: Action::Compare {
            variants: &["mutex", "atomic", "local"],
            params: &[],
        },
    },
    Step {
        title: "False sharing",
        text: "Give each thread its own counter and nothing is shared, in the program. In the hardware, memory moves in 64-byte cache lines: two counters side by side in one array sit in one line, and a write by one core takes the line away from the other. `adjacent` suffers that; `padded` puts each counter on a line of its own (CachePadded), so no line is written by two cores. The difference shows only while both threads run at the same moment: check the CPU time column.",
        action: Action::Compare {
            variants: &["adjacent", "padded", "local"],
            params: &[],
        },
    },
    Step {
        title: "Processes share memory too",
        text: "The tutorials' example uses processes, not threads. Here worker processes map one file into memory and update a count there: with load-then-store they lose increments as threads do, with fetch_add they lose none, because the atomic instruction works on the memory, whoever maps it. Starting the processes costs time of its own; the busy line shows how long each worker actually counted.",
        action: Action::Compare {
            variants: &["procs-racy", "procs", "atomic"],
            params: &[],
        },
    },
    Step {
        title: "Your turn",
        text: "Open lessons/sharing/exercise.rs: a correct counter that locks a Mutex for every increment. Make it at least {target}× faster than `mutex` and keep it exact. `cargo perflab check sharing` rebuilds it, checks the count and times it beside `mutex`; `cargo perflab hint sharing` gives one hint at a time.",
        action: Action::Read,
    },
];
