#![doc = include_str!("README.md")]
// The README cites its sources as [IHPCSS24] and [PHPP13], which rustdoc would take for
// links.
#![allow(rustdoc::broken_intra_doc_links)]

use crate::error::Result;
use crate::lesson::params::{Kind, ParamSpec, Params};
use crate::lesson::{
    Action, Exercise, ExerciseInfo, Memory, Problem, Resize, Size, Spec, Step, Work,
};
use crate::lessons::particles::whole;
use crate::lessons::rng::unit;

pub mod variants;

/// The lesson, as the registry, CLI, binary, benches and tests see it.
pub static LESSON: Spec<Fusion> = Spec {
    name: "fusion",
    title: "Temporaries and fused expressions",
    summary: "What whole-array expressions cost in memory traffic, and what one fused pass saves.",
    unit: "values",
    params: PARAMS,
    variants: variants::ALL,
    baseline: "temporaries",
    reference: "fused",
    topics: &[],
    tolerance: 1e-12,
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
    setup: Fusion::new,
    steps: STEPS,
    // a² + b² + 2ab: 6 flops; a and b read and the result written, 24 bytes per value.
    work: Some(Work {
        flops: 6.0,
        bytes: 24.0,
    }),
    parallel: &["threads2", "parallel"],
    exercise: Some(Exercise::new(ExerciseInfo {
        file: "lessons/fusion/exercise.rs",
        start: include_str!("exercise.start.rs"),
        target: 10.0,
        params: &["n=10000000"],
        hints: &[
            "Count the passes over memory. Each line of the starting kernel reads one or two arrays of n values and writes a new one: five full sweeps and four temporaries, where one read of a and b and one write of the result would do.",
            "Compute each result from a[i] and b[i] in one loop and write it straight into `out`: `for ((o, a), b) in out.iter_mut().zip(&p.a).zip(&p.b) { *o = a * a + b * b + 2.0 * a * b; }`. Keep that order of operations: the check wants the same bits.",
            "Past the target? The loop is bound by memory bandwidth: threads help only as far as the memory bus has room. Try rayon's par_chunks_mut on `out` with blocks of about 64 Ki values, and compare with `cargo perflab machine`'s triad figure.",
        ],
    })),
};

/// The expressions the lesson evaluates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expr {
    /// a² + b² + 2ab, element by element.
    Poly,
    /// The matrix of distances between N points in the plane.
    Distance,
}

/// The parameters: which expression, and its size.
pub const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "expr",
        default: "poly",
        help: "a² + b² + 2ab on n values, or the distance matrix of `points` points",
        kind: Kind::Choice(&["poly", "distance"]),
    },
    ParamSpec {
        name: "n",
        default: "30000000",
        help: "values of a and b (a whole number)",
        kind: Kind::Whole { min: 1.0, max: 1e8 },
    },
    ParamSpec {
        name: "points",
        default: "2000",
        help: "points of the distance matrix (a whole number)",
        kind: Kind::Whole {
            min: 1.0,
            max: 10000.0,
        },
    },
    super::REPEAT,
    super::SEED,
];

/// The problem at one parameter set: the inputs, drawn uniformly from [0, 1).
#[derive(Debug, Clone, PartialEq)]
pub struct Fusion {
    /// Which expression.
    pub expr: Expr,
    /// a (for `poly`).
    pub a: Vec<f64>,
    /// b (for `poly`).
    pub b: Vec<f64>,
    /// Points `[x0, y0, x1, y1, …]` (for `distance`).
    pub points: Vec<f64>,
    /// Evaluations in a full run.
    pub repeat: usize,
}

impl Fusion {
    /// Builds the inputs.
    pub fn new(p: &Params) -> Result<Fusion> {
        let mut seed = whole(p, "seed")?;
        let repeat = whole(p, "repeat")? as usize;
        let draw =
            |count: usize, seed: &mut u64| (0..count).map(|_| unit(seed)).collect::<Vec<_>>();
        if p.word("expr") == "distance" {
            let n = whole(p, "points")? as usize;
            let points = draw(2 * n, &mut seed);
            Ok(Fusion {
                expr: Expr::Distance,
                a: Vec::new(),
                b: Vec::new(),
                points,
                repeat,
            })
        } else {
            let n = whole(p, "n")? as usize;
            let a = draw(n, &mut seed);
            let b = draw(n, &mut seed);
            Ok(Fusion {
                expr: Expr::Poly,
                a,
                b,
                points: Vec::new(),
                repeat,
            })
        }
    }

    fn len(&self) -> usize {
        match self.expr {
            Expr::Poly => self.a.len(),
            Expr::Distance => (self.points.len() / 2).pow(2),
        }
    }
}

impl Problem for Fusion {
    type State = Vec<f64>;

    /// An output buffer already in memory: written once here (NaN, so that a kernel that
    /// misses a value fails the check), so the kernel's timing holds no page faults of a
    /// fresh allocation, as when NumPy or numexpr write into an existing `out=` array.
    fn initial(&self) -> Vec<f64> {
        vec![f64::NAN; self.len()]
    }
    fn steps(&self) -> usize {
        self.repeat
    }
    fn units_per_step(&self) -> u64 {
        self.len() as u64
    }
    fn describe(&self) -> String {
        match self.expr {
            Expr::Poly => format!("a² + b² + 2ab on {} values", self.a.len()),
            Expr::Distance => {
                let n = self.points.len() / 2;
                format!("distance matrix of {n} points ({} values)", n * n)
            }
        }
    }
    fn values<'s>(&self, state: &'s Vec<f64>) -> &'s [f64] {
        state
    }
    fn take_values(&self, state: Vec<f64>) -> Vec<f64> {
        state
    }
    fn locate(&self, index: usize) -> String {
        match self.expr {
            Expr::Poly => format!("value {index}"),
            Expr::Distance => {
                let n = self.points.len() / 2;
                format!("distance ({}, {})", index / n, index % n)
            }
        }
    }
    /// With L = the values out (n, or points² for the distance matrix): every run writes
    /// into the output, 8·L bytes, and
    /// - `temporaries` on a² + b² + 2ab: clones of a and b into ndarray, then a·a, b·b
    ///   (their sum reuses a·a), 2·a (times b reuses it): 4 more arrays of L at once;
    /// - `temporaries` on distances: the points cloned, the N×N×2 differences and their
    ///   squares (16·L bytes each), the sums over the last axis and their roots: 6 more;
    /// - the exercise, as it starts: a², b², their sum, 2a: 4 more (on either expression);
    /// - `fused`, `threads1`, `threads2`, `parallel`: nothing more.
    ///
    /// The exact answer (a + b)² is one more output; distances have none.
    fn memory(&self, variant: &str) -> Memory {
        let len = self.len() as u64;
        let more = match (variant, self.expr) {
            ("temporaries", Expr::Distance) => 6 * 8 * len + 8 * self.points.len() as u64,
            ("fused" | "threads1" | "threads2" | "parallel", _) => 0,
            _ => 4 * 8 * len,
        };
        let (size, exact) = match self.expr {
            Expr::Poly => (format!("{len} values"), 8 * len),
            Expr::Distance => (format!("a distance matrix of {len} values"), 0),
        };
        Memory {
            run: 8 * len + more,
            values: 8 * len,
            exact,
            // a and b, or the points.
            inputs: 8 * (self.a.len() + self.b.len() + self.points.len()) as u64,
            size,
        }
    }

    /// Memory goes with n, or with the square of the points.
    fn resize(&self, scale: f64) -> Resize {
        match self.expr {
            Expr::Poly => Resize::at_most("n", self.a.len() as f64, self.a.len() as f64 * scale),
            Expr::Distance => {
                let points = (self.points.len() / 2) as f64;
                Resize::at_most("points", points, points * scale.max(0.0).sqrt())
            }
        }
    }
    /// (a + b)², which a² + b² + 2ab equals in exact arithmetic; distances have no
    /// shortcut, so none for them.
    fn exact(&self, _steps: usize) -> Option<Vec<f64>> {
        (self.expr == Expr::Poly).then(|| {
            self.a
                .iter()
                .zip(&self.b)
                .map(|(a, b)| (a + b) * (a + b))
                .collect()
        })
    }
}

/// The tutor's walk.
pub const STEPS: &[Step] = &[
    Step {
        title: "Temporaries",
        text: "NumPy evaluates a*a + b*b + 2*a*b one operation at a time: a*a becomes a new array, b*b another, their sum a third, and so on. Each operation reads and writes whole arrays, so most of the time goes on memory traffic, not arithmetic. Here are {n} values, with the heap each run needed at its peak.",
        action: Action::Compare {
            variants: &["temporaries", "fused"],
            params: &[],
        },
    },
    Step {
        title: "Threads on a memory-bound loop",
        text: "The fused loop reads 16 bytes and writes 8 for 6 flops: it waits on memory, not on arithmetic. More threads help only while the memory bus has room; `cargo perflab machine` measures that room (its triad figure), and compare's roofline columns show how close each variant gets.",
        action: Action::Compare {
            variants: &["fused", "threads1", "threads2", "parallel"],
            params: &[],
        },
    },
    Step {
        title: "Broadcasting's hidden cube",
        text: "The distance matrix in NumPy's broadcast style subtracts every point from every other into an N×N×2 array of differences (N = points = {points}), squares it (another), sums and takes roots. The fused loop computes each distance from the two points directly. Watch the peak heap column.",
        action: Action::Compare {
            variants: &["temporaries", "fused", "parallel"],
            params: &["expr=distance"],
        },
    },
    Step {
        title: "Your turn",
        text: "Open lessons/fusion/exercise.rs: a correct kernel that builds four temporary arrays. Make it at least {target}× faster than `temporaries` on {exercise.n} values. `cargo perflab check fusion` rebuilds it, checks its answer and times it beside `temporaries`; `cargo perflab hint fusion` gives one hint at a time.",
        action: Action::Read,
    },
];
