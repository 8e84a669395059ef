#![doc = include_str!("README.md")]
// The README cites its sources as [PHPP13] and [IHPCSS24], which rustdoc would take for
// links.
#![allow(rustdoc::broken_intra_doc_links)]

use crate::error::Result;
use crate::lesson::params::{Kind, ParamSpec, Params};
use crate::lesson::{Action, Exercise, ExerciseInfo, Memory, Problem, Resize, Size, Spec, Step};
use crate::lessons::particles::whole;
use rand_core::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

pub mod variants;

/// The lesson, as the registry, CLI, binary, benches and tests see it.
pub static LESSON: Spec<MonteCarlo> = Spec {
    name: "montecarlo",
    title: "Monte Carlo π: the granularity of tasks",
    summary: "How big a parallel task must be: π from random points, one task per sample against a few chunks per core, in threads and in processes.",
    unit: "samples",
    params: PARAMS,
    variants: variants::ALL,
    baseline: "tasks",
    reference: "serial",
    topics: &[],
    // Every correct variant draws the same points from the same streams: the same count,
    // so the same bits. One hit apart at the largest 10¹⁰ samples is 1.3e-10 relative.
    tolerance: 1e-12,
    sizes: &[
        Size {
            name: "default",
            params: &[],
        },
        Size {
            name: crate::lesson::SMALL,
            params: &["samples=100000", "chunk=10000"],
        },
    ],
    setup: MonteCarlo::new,
    steps: STEPS,
    work: None,
    parallel: &["tasks", "messages", "chunked", "processes"],
    exercise: Some(Exercise::new(ExerciseInfo {
        file: "lessons/montecarlo/exercise.rs",
        start: include_str!("exercise.start.rs"),
        target: 30.0,
        params: &[],
        hints: &[
            "Time goes on the tasks, not on the samples: a sample is two random numbers and a comparison (a few nanoseconds), and making, queueing, stealing and finishing a rayon task costs far more. Count how many tasks the kernel makes.",
            "Make one task per chunk instead of one per sample: `p.streams()` already gives one (stream, length) pair per chunk. Collect them into a Vec, then `into_par_iter().with_max_len(1).map(|(rng, n)| count(rng, n)).sum::<u64>()` — each task counts its chunk's hits on its own and returns a number.",
            "Keep the streams as they are (one per chunk, in order), or the count will differ from the reference's. And no shared atomic counter: each task returns its own count and rayon adds them.",
        ],
    })),
};

/// The parameters.
pub const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "samples",
        default: "1000000",
        help: "random points drawn in the unit square (a whole number)",
        kind: Kind::Whole {
            min: 1.0,
            max: 1e10,
        },
    },
    ParamSpec {
        name: "chunk",
        default: "100000",
        help: "samples per task of the chunked variants, and per random stream (a whole number; at least samples means one chunk)",
        kind: Kind::Whole {
            min: 1.0,
            max: 1e10,
        },
    },
    super::REPEAT,
    super::SEED,
];

/// The problem: how many samples, in chunks of how many, from which seed.
#[derive(Debug, Clone, PartialEq)]
pub struct MonteCarlo {
    /// Points drawn.
    pub samples: u64,
    /// Samples per chunk (the last chunk may be shorter); at most `samples`.
    pub chunk: u64,
    /// Seed of the first stream.
    pub seed: u64,
    /// Estimates in a full run.
    pub repeat: usize,
}

/// How many standard errors an estimate may be from π in the tests: 5 (a correct
/// estimate lands further out about once in 1.7 million).
pub const K: f64 = 5.0;

/// A point uniform in the unit square [0, 1)², from two 64-bit draws (53 bits each).
#[inline(always)]
pub fn draw(rng: &mut Xoshiro256PlusPlus) -> (f64, f64) {
    let scale = 1.0 / (1u64 << 53) as f64;
    let x = (rng.next_u64() >> 11) as f64 * scale;
    let y = (rng.next_u64() >> 11) as f64 * scale;
    (x, y)
}

/// Whether a point is inside the quarter circle of radius 1.
#[inline(always)]
pub fn inside(x: f64, y: f64) -> bool {
    x * x + y * y <= 1.0
}

/// The hits among the next `n` points of `rng`.
#[inline]
pub fn count(mut rng: Xoshiro256PlusPlus, n: u64) -> u64 {
    let mut hits = 0;
    for _ in 0..n {
        let (x, y) = draw(&mut rng);
        hits += inside(x, y) as u64;
    }
    hits
}

impl MonteCarlo {
    /// Reads the parameters.
    pub fn new(p: &Params) -> Result<MonteCarlo> {
        let samples = whole(p, "samples")?;
        let chunk = whole(p, "chunk")?.min(samples);
        Ok(MonteCarlo {
            samples,
            chunk,
            seed: whole(p, "seed")?,
            repeat: whole(p, "repeat")? as usize,
        })
    }

    /// Chunks of `chunk` samples, the last one shorter where they do not divide.
    pub fn chunks(&self) -> u64 {
        self.samples.div_ceil(self.chunk)
    }

    /// Samples in chunk number `c`.
    pub fn len_of(&self, c: u64) -> u64 {
        self.chunk.min(self.samples - c * self.chunk)
    }

    /// Every chunk's random stream and length, in order: the first stream is seeded from
    /// `seed`, and each next one is the one before it moved on by `jump()` (2¹²⁸ draws),
    /// so streams never overlap and chunk `c`'s points do not depend on who draws them.
    pub fn streams(&self) -> impl Iterator<Item = (Xoshiro256PlusPlus, u64)> + '_ {
        let mut cursor = Xoshiro256PlusPlus::seed_from_u64(self.seed);
        (0..self.chunks()).map(move |c| {
            let rng = cursor.clone();
            cursor.jump();
            (rng, self.len_of(c))
        })
    }

    /// π estimated from `hits` points inside the quarter circle.
    pub fn estimate(&self, hits: u64) -> f64 {
        4.0 * hits as f64 / self.samples as f64
    }

    /// The standard error of the estimate: 4·sqrt(p(1 − p)/n) with p = π/4.
    pub fn standard_error(&self) -> f64 {
        let p = std::f64::consts::FRAC_PI_4;
        4.0 * (p * (1.0 - p) / self.samples as f64).sqrt()
    }
}

impl Problem for MonteCarlo {
    /// The estimate of π, one value.
    type State = Vec<f64>;

    fn initial(&self) -> Vec<f64> {
        vec![f64::NAN]
    }
    fn steps(&self) -> usize {
        self.repeat
    }
    fn units_per_step(&self) -> u64 {
        self.samples
    }
    fn describe(&self) -> String {
        format!(
            "π from {} random points, {} chunk{} of {}",
            self.samples,
            self.chunks(),
            if self.chunks() == 1 { "" } else { "s" },
            self.chunk
        )
    }
    fn values<'s>(&self, state: &'s Vec<f64>) -> &'s [f64] {
        state
    }
    fn take_values(&self, state: Vec<f64>) -> Vec<f64> {
        state
    }
    fn locate(&self, _index: usize) -> String {
        "the estimate of π".to_string()
    }
    fn how_wrong(&self, got: &[f64], want: &[f64]) -> String {
        let hits = |v: &[f64]| v.first().map_or(0.0, |e| e * self.samples as f64 / 4.0);
        format!(
            "{:.0} hits against the reference's {:.0}",
            hits(got),
            hits(want)
        )
    }
    /// No variant keeps the samples: each draws its points and counts them. What a run
    /// holds beyond that:
    /// - `serial`, `messages`: nothing that grows (`messages` keeps a bounded channel of
    ///   1 024 points per worker, 16 KiB, and its threads' stacks);
    /// - `chunked`: every chunk's stream (32 bytes) in a Vec before the tasks start;
    /// - `processes`: every chunk's stream state and length (40 bytes) in the workers'
    ///   job lists, and each list again as the bytes sent to its worker;
    /// - `tasks` and the exercise as it starts: the jobs of one scope of 1 024 samples,
    ///   48 bytes each, nothing that grows.
    fn memory(&self, variant: &str) -> Memory {
        let chunks = self.chunks();
        let run = match variant {
            "serial" | "messages" => 0,
            "tasks" | crate::lesson::EXERCISE => 64 << 10,
            "chunked" => crate::lesson::block(32 * chunks),
            "processes" => 2 * crate::lesson::block(40 * chunks),
            _ => 0,
        };
        Memory {
            run,
            values: 8,
            exact: 8,
            inputs: 0,
            size: format!("{chunks} chunks of {} samples", self.chunk),
        }
    }
    /// Memory goes with the number of chunks: a larger chunk needs less.
    fn resize(&self, scale: f64) -> Resize {
        let chunk = self.chunk as f64;
        Resize::at_least("chunk", chunk, chunk / scale.max(1e-12))
    }
    fn exact(&self, _steps: usize) -> Option<Vec<f64>> {
        Some(vec![std::f64::consts::PI])
    }
}

/// The tutor's walk.
pub const STEPS: &[Step] = &[
    Step {
        title: "One core",
        text: "Throw points at the unit square and count those inside the quarter circle: the fraction tends to π/4. Each point costs two random draws and a comparison, a few nanoseconds. The serial loop sets the pace, and its answer is the reference every other variant must match exactly: all of them draw the same points from the same per-chunk random streams.",
        action: Action::Run {
            variant: "serial",
            params: &[],
        },
    },
    Step {
        title: "A task per sample",
        text: "Now the naive parallel version: one rayon task per point, and, separately, one channel message per point to worker threads. Each task or message costs a heap allocation, a queue operation and a wake-up or a steal: far more than the sample it carries. Watch the CPU time column beside the time: it says how many cores the bookkeeping kept busy in this run.",
        action: Action::Compare {
            variants: &["serial", "tasks", "messages"],
            params: &["samples=200000"],
        },
    },
    Step {
        title: "A few chunks per core",
        text: "Give each task {chunk} samples ({size}): the per-task cost is paid once a chunk instead of once a sample, and the tasks are still small enough that an idle core can steal one. The workers' busy times show how evenly the work spread.",
        action: Action::Compare {
            variants: &["serial", "chunked", "tasks"],
            params: &[],
        },
    },
    Step {
        title: "The granularity sweep",
        text: "Time `chunked` on {samples} samples at each chunk size ({values} samples per task). On the left, tiny tasks: each pays for being made, queued, stolen and for setting up its own random stream (one jump, 256 generator steps), and the time per sample is dominated by that overhead. On the right, a few huge tasks: a core that finishes early has nothing left to steal, and where the tasks do not divide evenly among the cores (3 tasks on 2 cores, say), a core idles for the rest of the run. The bottom of the U is wide: anything from a few thousand samples per task to a few tasks per core.",
        action: Action::Sweep {
            variants: &["chunked"],
            param: "chunk",
            values: &[
                "1", "10", "100", "1000", "10000", "100000", "300000", "500000",
            ],
            params: &[],
        },
    },
    Step {
        title: "Processes",
        text: "Worker processes have no shared memory: each chunk's random stream goes to them serialized, and the counts come back the same way. Starting a process and loading its program cost milliseconds, so they pay only where the work is large. This step draws {samples} samples in chunks of {chunk}: compare the processes' rate here with the threads' beside it, and with the smaller runs of the steps before.",
        action: Action::Compare {
            variants: &["serial", "chunked", "processes"],
            params: &["samples=10000000", "chunk=1000000"],
        },
    },
    Step {
        title: "Your turn",
        text: "Open lessons/montecarlo/exercise.rs: a correct kernel that makes one rayon task per sample. Make it at least {target}× faster than `tasks` at {exercise.samples} samples. `cargo perflab check montecarlo` rebuilds it, checks its count and times it beside `tasks`; `cargo perflab hint montecarlo` gives one hint at a time.",
        action: Action::Read,
    },
];
