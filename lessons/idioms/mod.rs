#![doc = include_str!("README.md")]
// The README cites its sources as [PHPP13] and [EPPP12], which rustdoc would take for
// links.
#![allow(rustdoc::broken_intra_doc_links)]

use crate::error::{Error, Result};
use crate::lesson::params::{Kind, ParamSpec, Params};
use crate::lesson::{
    Action, Exercise, ExerciseInfo, Memory, Problem, Resize, Size, Spec, Step, Topic,
};
use crate::lessons::particles::whole;
use crate::lessons::rng::{splitmix64, unit};
use std::collections::HashMap;

pub mod variants;

/// The lesson, as the registry, CLI, binary, benches and tests see it.
pub static LESSON: Spec<Idioms> = Spec {
    name: "idioms",
    title: "Everyday idioms and call graphs",
    summary: "Small choices in plain code — how a list is built, which container, what a loop repeats, how often a function is called — measured one at a time.",
    unit: "",
    params: PARAMS,
    variants: variants::ALL,
    baseline: "",
    reference: "",
    topics: TOPICS,
    tolerance: 1e-12,
    sizes: &[
        Size {
            name: "default",
            params: &[],
        },
        Size {
            name: crate::lesson::SMALL,
            params: &["n=200"],
        },
    ],
    setup: Idioms::new,
    steps: STEPS,
    work: None,
    parallel: &[],
    exercise: Some(Exercise::new(ExerciseInfo {
        file: "lessons/idioms/exercise.rs",
        start: include_str!("exercise.start.rs"),
        target: 20.0,
        params: &["topic=taylor"],
        hints: &[
            "Profile first: `cargo perflab profile idioms --variant recursive --functions --steps 1` shows how many times factorial runs for 500 terms of each series, and that almost all of them are recursive. Each term recomputes every factorial below it from scratch.",
            "Keep the factorials you have already computed: k! is k × (k−1)!, so a table (or just the previous value) turns 188 000 calls into 1 000 multiplications. Multiply in the same order, `k as f64 * previous`, starting from 0! = 1.0, and the bits match the reference.",
            "Past the target? The division 1.0 / k! is the slowest instruction left; the series also need only one table of factorials, shared by both.",
        ],
    })),
};

/// The lesson's topics: each a small program with its own variants.
pub const TOPICS: &[Topic] = &[
    Topic {
        name: "squares",
        title: "Building a list: push loop, collect, or no list at all",
        unit: "squares",
        variants: &["push", "collect", "sum"],
        baseline: "push",
        reference: "sum",
    },
    Topic {
        name: "counting",
        title: "Counting: a hash map or an array",
        unit: "items",
        variants: &["hashmap", "array"],
        baseline: "hashmap",
        reference: "array",
    },
    Topic {
        name: "queue",
        title: "A queue: Vec::remove(0) or VecDeque",
        unit: "pops",
        variants: &["remove0", "deque"],
        baseline: "remove0",
        reference: "deque",
    },
    Topic {
        name: "insert",
        title: "A running median: sorted inserts by scan, by bisection, or two heaps",
        unit: "inserts",
        variants: &["scan", "bisect", "heaps"],
        baseline: "scan",
        reference: "bisect",
    },
    Topic {
        name: "hoisting",
        title: "Hoisting lookups out of a loop",
        unit: "values",
        variants: &["lookup", "hoisted"],
        baseline: "lookup",
        reference: "hoisted",
    },
    Topic {
        name: "taylor",
        title: "A call graph: recursive factorials in two Taylor series",
        unit: "terms",
        variants: &["recursive", "memoized", "running"],
        baseline: "recursive",
        reference: "memoized",
    },
    Topic {
        name: "powers",
        title: "Squaring: powf, powi or x*x",
        unit: "values",
        variants: &["powf", "powi", "multiply"],
        baseline: "powf",
        reference: "multiply",
    },
];

/// The sizes each topic runs at unless `n` is given: the tutorials' where they give one
/// (100 000 squares, 500 Taylor terms, 1000 values to square).
pub const DEFAULT_N: &[(&str, u64)] = &[
    ("squares", 100_000),
    ("counting", 1_000_000),
    ("queue", 20_000),
    ("insert", 20_000),
    ("hoisting", 1_000_000),
    ("taylor", 500),
    ("powers", 1000),
];

/// The parameters.
pub const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "topic",
        default: "squares",
        help: "which small program (commands given no topic run every one)",
        kind: Kind::Choice(&[
            "squares", "counting", "queue", "insert", "hoisting", "taylor", "powers",
        ]),
    },
    ParamSpec {
        name: "n",
        default: "0",
        help: "size of the topic's input, a whole number; 0: the topic's own (squares 100000, counting 1000000, queue 20000, insert 20000, hoisting 1000000, taylor 500 terms, powers 1000)",
        kind: Kind::Whole { min: 0.0, max: 1e8 },
    },
    ParamSpec {
        name: "keys",
        default: "1000",
        help: "distinct keys among the items counted (a whole number)",
        kind: Kind::Whole { min: 1.0, max: 1e7 },
    },
    super::REPEAT,
    super::SEED,
];

/// Which small program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// Sum of the squares of 0, 1, …, n−1.
    Squares,
    /// How often each key occurs among n items.
    Counting,
    /// Round-robin over n jobs in a first-in, first-out queue.
    Queue,
    /// The median after each of n inserts.
    Insert,
    /// `(x − offset) × scale` for n values, with offset and scale kept in a settings map.
    Hoisting,
    /// The first n coefficients of the Taylor series of exp and of sin.
    Taylor,
    /// The square of each of n values.
    Powers,
}

/// The problem at one parameter set: the chosen topic's inputs.
#[derive(Debug, Clone, PartialEq)]
pub struct Idioms {
    /// The topic.
    pub which: Which,
    /// Size of the input (squares, items, jobs, inserts, values or terms).
    pub n: usize,
    /// Distinct keys (counting).
    pub keys: usize,
    /// Keys to count, each below `keys` (counting).
    pub items: Vec<u32>,
    /// Rounds of work each job needs, 1 to 4 (queue).
    pub work: Vec<u8>,
    /// Input values: uniform in [0, 1) (insert, hoisting, powers).
    pub values: Vec<f64>,
    /// Named settings that the hoisting loop reads: "offset" and "scale".
    pub settings: HashMap<String, f64>,
    /// The power the powers topic raises each value to: 2, held as data (as Python's
    /// interpreter holds the 2 of `a**2`), so the compiler cannot see it while compiling
    /// the kernels.
    pub exponent: f64,
    /// Evaluations in a full run.
    pub repeat: usize,
}

/// Largest `n` per topic that keeps one run of the slowest variant within seconds.
fn limit(which: Which) -> u64 {
    match which {
        // Quadratic variants: remove(0) and the scanned inserts move O(n²) values (about
        // 5 and 9 s at 200 000 here).
        Which::Queue | Which::Insert => 200_000,
        // Recursion depth n, and n²/2 calls.
        Which::Taylor => 10_000,
        _ => 100_000_000,
    }
}

impl Idioms {
    /// Builds the chosen topic's inputs.
    pub fn new(p: &Params) -> Result<Idioms> {
        let which = match p.word("topic") {
            "squares" => Which::Squares,
            "counting" => Which::Counting,
            "queue" => Which::Queue,
            "insert" => Which::Insert,
            "hoisting" => Which::Hoisting,
            "taylor" => Which::Taylor,
            _ => Which::Powers,
        };
        let mut n = whole(p, "n")?;
        if n == 0 {
            n = DEFAULT_N
                .iter()
                .find(|(t, _)| *t == p.word("topic"))
                .map_or(1000, |d| d.1);
        }
        if n > limit(which) {
            return Err(Error::param(
                "n",
                n,
                format!("0 ≤ n ≤ {} for topic {}", limit(which), p.word("topic")),
            ));
        }
        let n = n as usize;
        let keys = whole(p, "keys")? as usize;
        let mut seed = whole(p, "seed")?;
        let mut problem = Idioms {
            which,
            n,
            keys,
            items: Vec::new(),
            work: Vec::new(),
            values: Vec::new(),
            settings: HashMap::new(),
            exponent: 2.0,
            repeat: whole(p, "repeat")? as usize,
        };
        match which {
            Which::Counting => {
                problem.items = (0..n)
                    .map(|_| (splitmix64(&mut seed) % keys as u64) as u32)
                    .collect();
            }
            Which::Queue => {
                problem.work = (0..n)
                    .map(|_| 1 + (splitmix64(&mut seed) % 4) as u8)
                    .collect();
            }
            Which::Insert | Which::Hoisting | Which::Powers => {
                problem.values = (0..n).map(|_| unit(&mut seed)).collect();
            }
            Which::Squares | Which::Taylor => {}
        }
        if which == Which::Hoisting {
            problem.settings = [("offset", 0.5), ("scale", 3.0)]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect();
        }
        Ok(problem)
    }

    /// The setting named `name` (hoisting), 0 if absent.
    pub fn setting(&self, name: &str) -> f64 {
        self.settings.get(name).copied().unwrap_or(0.0)
    }
}

impl Problem for Idioms {
    /// Each topic's answer: the sum of squares; the count of each key; the jobs in the
    /// order they finish; the median after each insert; the scaled values; the exp then
    /// the sin coefficients; the squares.
    type State = Vec<f64>;

    fn initial(&self) -> Vec<f64> {
        Vec::new()
    }
    fn steps(&self) -> usize {
        self.repeat
    }
    fn units_per_step(&self) -> u64 {
        match self.which {
            // Every job is popped once per round of work it needs.
            Which::Queue => self.work.iter().map(|&w| w as u64).sum(),
            // Terms of two series.
            Which::Taylor => 2 * self.n as u64,
            _ => self.n as u64,
        }
    }
    fn describe(&self) -> String {
        let n = self.n;
        match self.which {
            Which::Squares => format!("sum of the squares of 0 … {}", n.saturating_sub(1)),
            Which::Counting => format!("counting {n} items over {} keys", self.keys),
            Which::Queue => format!("round-robin over {n} jobs ({} pops)", self.units_per_step()),
            Which::Insert => format!("running median of {n} values"),
            Which::Hoisting => format!("(x − offset) × scale for {n} values"),
            Which::Taylor => format!("{n} Taylor coefficients of exp and of sin"),
            Which::Powers => format!("squares of {n} values"),
        }
    }
    fn values<'s>(&self, state: &'s Vec<f64>) -> &'s [f64] {
        state
    }
    fn take_values(&self, state: Vec<f64>) -> Vec<f64> {
        state
    }
    fn locate(&self, index: usize) -> String {
        match self.which {
            Which::Squares => "the sum".to_string(),
            Which::Counting => format!("the count of key {index}"),
            Which::Queue => format!("the job finishing {}th", index + 1),
            Which::Insert => format!("the median after insert {}", index + 1),
            Which::Taylor if index >= self.n => {
                format!("sin coefficient {}", index - self.n)
            }
            Which::Taylor => format!("exp coefficient {index}"),
            _ => format!("value {index}"),
        }
    }
    /// As each variant's code is written, with n the topic's size (8 bytes a double):
    /// - squares: `push` grows a Vec by doubling to the next power of two above n, but
    ///   pages it never writes are not resident (a large block moves by remapping), so 8n;
    ///   except that glibc keeps blocks below 32 MiB on its heap once a block that large
    ///   has been freed (by a variant run before), and then the last growth copies and the
    ///   old half-size block stays resident: counted at half, since whether it happens
    ///   depends on what ran before. `collect` 8n; `sum` nothing; the answer is one double;
    /// - counting: `hashmap` grows its table (a 16-byte entry and a control byte per
    ///   bucket, buckets a power of two at most 7/8 full) by doubling, the old table live
    ///   while the new one fills: 1.5 tables at the last growth, or the table and the
    ///   answer (8 bytes a key) after; `array` the counts and the answer, 16 bytes a key;
    /// - queue: the work left (1 byte a job), the queue (4 bytes a job: a Vec or a
    ///   VecDeque, never grown), the answer: 13n;
    /// - insert: the sorted values or the two heaps, and the medians: 16n;
    /// - hoisting, powers: the answer, 8n;
    /// - taylor: the answer (2n doubles, grown from n by a copy), 24n; `recursive` (and
    ///   the exercise, which pushes its answer one by one) also touches n frames of stack
    ///   at the deepest recursion, about 100 bytes each; `memoized` its table (16 bytes a
    ///   term) beside the answer; `running` sized once, 16n.
    fn memory(&self, variant: &str) -> Memory {
        let n = self.n as f64;
        let keys = self.keys as f64;
        let (run, values) = match self.which {
            Which::Squares => match variant {
                "sum" => (8.0, 8.0),
                "push" => {
                    let old = 4.0 * n.max(4.0).log2().ceil().exp2();
                    let copied = if old < (32 << 20) as f64 { old } else { 0.0 };
                    (8.0 * n + copied / 2.0 + 8.0, 8.0)
                }
                _ => (8.0 * n + 8.0, 8.0),
            },
            Which::Counting if variant == "hashmap" => {
                // The distinct keys among n items drawn uniformly from `keys`.
                let distinct = keys * -(-n / keys).exp_m1();
                let buckets = if distinct < 8.0 {
                    8.0
                } else {
                    (distinct * 8.0 / 7.0).ceil().max(1.0).log2().ceil().exp2()
                };
                let table = 17.0 * buckets + 16.0;
                ((1.5 * table).max(table + 8.0 * keys), 8.0 * keys)
            }
            Which::Counting => (16.0 * keys, 8.0 * keys),
            Which::Queue => (13.0 * n, 8.0 * n),
            Which::Insert => (16.0 * n, 8.0 * n),
            Which::Hoisting | Which::Powers => (8.0 * n, 8.0 * n),
            Which::Taylor => match variant {
                "memoized" => (40.0 * n, 16.0 * n),
                "running" => (16.0 * n, 16.0 * n),
                // The answer, and the recursion's stack: n frames deep at the last
                // coefficient, about 100 bytes a frame.
                _ => (124.0 * n, 16.0 * n),
            },
        };
        Memory {
            run: run as u64,
            values: values as u64,
            exact: if self.which == Which::Squares { 8 } else { 0 },
            inputs: (4 * self.items.len() + self.work.len() + 8 * self.values.len()) as u64,
            size: match self.which {
                Which::Squares => format!("{} squares", self.n),
                Which::Counting => format!("{} keys", self.keys),
                Which::Queue => format!("{} jobs", self.n),
                Which::Taylor => format!("{} terms", self.n),
                _ => format!("{} values", self.n),
            },
        }
    }

    /// Memory goes with the keys when counting, with n otherwise.
    fn resize(&self, scale: f64) -> Resize {
        match self.which {
            Which::Counting => Resize::at_most("keys", self.keys as f64, self.keys as f64 * scale),
            _ => Resize::at_most("n", self.n as f64, self.n as f64 * scale),
        }
    }

    /// Where mathematics gives the answer: Σ k² = (n−1)n(2n−1)/6, exact in f64 while it
    /// is below 2⁵³ (n up to about 300 000), and each count's total.
    fn exact(&self, _steps: usize) -> Option<Vec<f64>> {
        match self.which {
            Which::Squares => {
                let n = self.n as u128;
                let s = n.saturating_sub(1) * n * (2 * n).saturating_sub(1) / 6;
                Some(vec![s as f64])
            }
            _ => None,
        }
    }
}

/// The tutor's walk.
pub const STEPS: &[Step] = &[
    Step {
        title: "Seven small programs",
        text: "This lesson is not one kernel but seven small programs, each a topic: `--param topic=squares` (or counting, queue, insert, hoisting, taylor, powers) picks one, and `cargo perflab compare idioms` with no topic runs them all. In each, the variants give the same answer; only the idiom changes.",
        action: Action::Read,
    },
    Step {
        title: "Building a list",
        text: "Sum the squares three ways ({size}): push each square onto a growing Vec and sum it; collect them into a Vec sized once; or sum them as they are made, with no Vec at all. The growing Vec reallocates and copies as it goes, and every Vec costs a trip through memory that the plain sum never makes.",
        action: Action::Compare {
            variants: &["push", "collect", "sum"],
            params: &["topic=squares"],
        },
    },
    Step {
        title: "Counting",
        text: "Count how often each key occurs ({size}). A hash map hashes every key (Rust's default hasher is SipHash, built to resist attacks, not for speed) and probes a table; when the keys are small whole numbers, the key itself can index an array.",
        action: Action::Compare {
            variants: &["hashmap", "array"],
            params: &["topic=counting"],
        },
    },
    Step {
        title: "Taking from the front",
        text: "A round-robin scheduler takes the job at the front of a queue and puts it back at the end until its work is done. `Vec::remove(0)` shifts every other element down one place on each pop; a VecDeque is a ring buffer whose front moves instead. Watch how the gap grows with the queue: try `cargo perflab compare idioms --variants remove0,deque --param topic=queue --param n=5000`, then the same with `--param n=40000`.",
        action: Action::Compare {
            variants: &["remove0", "deque"],
            params: &["topic=queue"],
        },
    },
    Step {
        title: "Keeping a list sorted",
        text: "The median after each insert needs the values in order. A linear scan finds where each value goes in O(n) comparisons; bisection (`partition_point`) in O(log n), though the insert still shifts half the list. Two heaps, one for each half, never keep the whole list in order and make each insert O(log n).",
        action: Action::Compare {
            variants: &["scan", "bisect", "heaps"],
            params: &["topic=insert"],
        },
    },
    Step {
        title: "Hoisting",
        text: "The loop computes (x − offset) × scale, where offset and scale live in a settings map keyed by name. Looking them up inside the loop hashes two strings per value; reading them once before the loop leaves only the arithmetic, which the compiler then vectorizes.",
        action: Action::Compare {
            variants: &["lookup", "hoisted"],
            params: &["topic=hoisting"],
        },
    },
    Step {
        title: "A call graph",
        text: "{size}, each with a factorial computed by recursion from scratch, as in the tutorial. The function profiler counts every call: look at factorial's ncalls, total/primitive, and at its callers. The callgrind file it writes opens in KCachegrind.",
        action: Action::Profile {
            variant: "recursive",
            params: &["topic=taylor"],
            steps: 1,
        },
    },
    Step {
        title: "Remembering answers",
        text: "Memoizing factorial (keeping each k! once computed) cuts the calls to two per term; computing each coefficient from the previous one needs no factorial at all.",
        action: Action::Compare {
            variants: &["recursive", "memoized", "running"],
            params: &["topic=taylor"],
        },
    },
    Step {
        title: "Powers",
        text: "Squaring with `powf` calls the C library's general pow for every value; `powi` with an exponent known only at run time calls a small helper that multiplies; `x * x` is one multiplication, which the compiler packs several to a register (four doubles to a 256-bit ymm, eight to a 512-bit zmm, as the machine allows). The exponent here is data, as in Python's `a**2`.",
        action: Action::Compare {
            variants: &["powf", "powi", "multiply"],
            params: &["topic=powers", "n=100000"],
        },
    },
    Step {
        title: "Why powf is slow",
        text: "The machine code shows it: `powf`'s loop calls the C library's pow once per value and `powi`'s calls __powidf2, both one value at a time, while `multiply`'s multiplies several doubles per instruction: the packed counts below, and the register names (ymm: four, zmm: eight), say how many on this machine.",
        action: Action::Asm {
            variants: &["powf", "multiply"],
        },
    },
    Step {
        title: "Your turn",
        text: "Open lessons/idioms/exercise.rs: the Taylor coefficients by recursive factorials, as in the tutorial. Make them at least {target}× faster than `recursive` ({exercise.size}), with the same bits. `cargo perflab check idioms` rebuilds, checks and times it; `cargo perflab hint idioms` gives one hint at a time.",
        action: Action::Read,
    },
];
