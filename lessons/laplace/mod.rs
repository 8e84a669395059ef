#![doc = include_str!("README.md")]
// The README cites its sources as [EPPP12], which rustdoc would take for links.
#![allow(rustdoc::broken_intra_doc_links)]

use crate::error::{Error, Result};
use crate::lesson::params::{Kind, ParamSpec, Params, show};
use crate::lesson::{
    Action, Exercise, ExerciseInfo, Memory, Problem, Resize, Size, Spec, Step, Topic, Work, block,
};

pub mod variants;

/// The lesson, as the registry, CLI, binary, benches and tests see it.
pub static LESSON: Spec<Laplace> = Spec {
    name: "laplace",
    title: "Laplace's equation: Jacobi, Gauss–Seidel and red-black",
    summary: "One 5-point relaxation sweep, from interpreted objects to a typed in-place loop, C and threads; three orders of the update, three algorithms.",
    unit: "cell-updates",
    params: PARAMS,
    variants: variants::ALL,
    baseline: "objects",
    reference: "inplace",
    topics: TOPICS,
    tolerance: 1e-12,
    sizes: &[
        Size {
            name: "default",
            params: &[],
        },
        Size {
            name: crate::lesson::SMALL,
            params: &["n=100"],
        },
    ],
    setup: Laplace::new,
    steps: STEPS,
    // 0.25·(((a + b) + c) + d), the difference and its square added: 7 flops; at the
    // least each cell is read once and written once per sweep, 16 bytes.
    work: Some(Work {
        flops: 7.0,
        bytes: 16.0,
    }),
    parallel: &["redblack"],
    exercise: Some(Exercise::new(ExerciseInfo {
        file: "lessons/laplace/exercise.rs",
        start: include_str!("exercise.start.rs"),
        target: 4.0,
        params: &["topic=jacobi", "n=300", "iterations=50"],
        hints: &[
            "Count the passes over memory in one sweep: the copy `old`, each shifted neighbour copied out, each sum into a new Vec, the new interior, the differences, their squares. Every one reads or writes n² values; a Jacobi sweep needs one read of the old grid and one write of the new.",
            "Compute each new value straight from `old` into `u` in one loop over the rows, with its difference and square added to `err` in the same place: no shifted copies, no temporaries. Keep the order 0.25 * (((up + down) + left) + right) and the bits match.",
            "Let the compiler see slices of one length: take `above`, `mid` and `below` as whole rows of `old` and the row you write as `chunks_exact_mut(n)`, and loop `for j in 1..n - 1` (lessons/laplace/variants/jacobi.rs is that loop).",
            "Still short of 4×? The copy `old` is a pass of its own every sweep. Keep a second grid for the whole run (a clone of `state.u` at the start, so its edges are right), write each sweep's new values into it from `state.u`, then `std::mem::swap` the two.",
        ],
    })),
};

/// The three algorithms, each checked against its own reference.
pub const TOPICS: &[Topic] = &[
    Topic {
        name: "gaussseidel",
        title: "Gauss–Seidel in place: interpreted objects, a typed loop, C",
        unit: "cell-updates",
        variants: &["objects", "inplace", "c"],
        baseline: "objects",
        reference: "inplace",
    },
    Topic {
        name: "jacobi",
        title: "Jacobi from a copy: slice expressions or one loop",
        unit: "cell-updates",
        variants: &["slices", "jacobi"],
        baseline: "slices",
        reference: "jacobi",
    },
    Topic {
        name: "redblack",
        title: "Red-black Gauss–Seidel: one thread or many",
        unit: "cell-updates",
        variants: &["rbserial", "redblack"],
        baseline: "rbserial",
        reference: "rbserial",
    },
];

/// The tutor's walk through the lesson.
pub const STEPS: &[Step] = &[
    Step {
        title: "The problem",
        text: "Laplace's equation ∇²u = 0 on the unit square, u fixed on the edges. On an n × n grid the 5-point stencil says each interior value is the mean of its four neighbours, and a relaxation sweep replaces every interior value by that mean until nothing changes; each sweep's error sum Σ(new − old)² says how much changed. Our edges are u = 1 + x² − y², a harmonic function the 5-point stencil reproduces exactly, so the grid converges to the exact solution itself. Sizes here count the points with the fixed edges, n × n, and name the interior beside them. Here is the in-place loop, the reference, on {size}.",
        action: Action::Run {
            variant: "inplace",
            params: &[],
        },
    },
    Step {
        title: "What an interpreter pays",
        text: "`objects` is the pure-Python loop: the same sweep, in place, on a list of rows of heap objects, every + and * checking types and allocating. Same arithmetic, same bits as `inplace`; the speedup column says how many times slower. It runs a smaller problem here ({size}); rates are per cell-update, so they compare.",
        action: Action::Compare {
            variants: &["objects", "inplace", "c"],
            params: &["topic=gaussseidel", "n=200", "iterations=20"],
        },
    },
    Step {
        title: "Slices are another algorithm",
        text: "`slices` is the NumPy version: the whole new interior computed from shifted views of the old grid. Since the right-hand side is evaluated before it is stored, every update reads the previous sweep's values: this is Jacobi, not the loop's Gauss–Seidel, and its grid after {iterations} sweeps is a different grid. So it is checked against a Jacobi loop (`jacobi`), not against `inplace`. Compare its rate with `inplace`'s in the first step: the copy and the temporaries cost several passes over memory per sweep.",
        action: Action::Compare {
            variants: &["slices", "jacobi"],
            params: &["topic=jacobi"],
        },
    },
    Step {
        title: "Sweeps to a tolerance",
        text: "Speed per sweep is not speed to the answer. With `--param stop=tolerance` each variant sweeps until √(error sum) < tol (tol = {tol} here); Gauss–Seidel uses new values as soon as they exist and needs about half of Jacobi's sweeps (tests/laplace.rs counts them). The time below is the time to reach the tolerance on an {n} × {n} grid, at most {iterations} sweeps (no rate is shown: the sweeps each variant needs differ, and the time to the answer is what counts); `cargo perflab run laplace --variant jacobi --param stop=tolerance --param n={n} --param iterations={iterations}` times Jacobi's.",
        action: Action::Run {
            variant: "inplace",
            params: &["stop=tolerance", "n=60", "iterations=100000"],
        },
    },
    Step {
        title: "Threads: red-black",
        text: "The in-place sweep is a chain: each update waits for its left and upper neighbours. Colour the grid like a chessboard: red cells' neighbours are all black, so all red cells can be updated at once, then all black ones. `redblack` shares each half-sweep's rows among rayon's threads and gives exactly the bits of `rbserial`, the same order on one thread. Under the table the tutor reads this run's figures.",
        action: Action::Compare {
            variants: &["rbserial", "redblack"],
            params: &["topic=redblack"],
        },
    },
    Step {
        title: "Your turn",
        text: "Open lessons/laplace/exercise.rs: a correct, slow Jacobi sweep written as NumPy would run it, with TODOs. Make it at least {target}× faster than `slices` ({exercise.size}). `cargo perflab check laplace` rebuilds it, checks it against the `jacobi` reference and times it beside `slices`; `cargo perflab hint laplace` reveals one hint at a time; `cargo perflab reset laplace` restores the file.",
        action: Action::Read,
    },
];

/// The lesson's parameters.
pub const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "topic",
        default: "gaussseidel",
        help: "which algorithm (commands given no topic run every one)",
        kind: Kind::Choice(&["gaussseidel", "jacobi", "redblack"]),
    },
    ParamSpec {
        name: "n",
        default: "500",
        help: "grid points per side, the fixed edges included (a whole number)",
        kind: Kind::Whole { min: 3.0, max: 1e6 },
    },
    ParamSpec {
        name: "iterations",
        default: "100",
        help: "sweeps of a run; with stop=tolerance, the most sweeps (a whole number)",
        kind: Kind::Whole { min: 1.0, max: 1e9 },
    },
    ParamSpec {
        name: "stop",
        default: "iterations",
        help: "stop after `iterations` sweeps, or at the first sweep whose √(error sum) < tol",
        kind: Kind::Choice(&["iterations", "tolerance"]),
    },
    ParamSpec {
        name: "tol",
        default: "1e-6",
        help: "with stop=tolerance: the √(error sum) at which a run stops",
        kind: Kind::POSITIVE,
    },
];

/// The Laplace problem at one parameter set.
#[derive(Debug, Clone, PartialEq)]
pub struct Laplace {
    /// Grid points per side, edges included.
    pub n: usize,
    /// Sweeps of a full run (the cap, with a tolerance).
    pub iterations: usize,
    /// `Some(tol)`: a run stops at the first sweep whose √(error sum) is below it.
    pub tol: Option<f64>,
}

/// A grid being relaxed, and what the sweeps reported.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    /// The n × n values, row-major, edges included.
    pub u: Vec<f64>,
    /// Each sweep's error sum Σ (new − old)², in order.
    pub errors: Vec<f64>,
    /// Whether a sweep met the tolerance (no more sweeps then).
    pub converged: bool,
}

impl Laplace {
    /// Reads the parameters.
    pub fn new(p: &Params) -> Result<Laplace> {
        let n = p.real("n") as usize;
        let iterations = p.real("iterations") as usize;
        let tol = (p.word("stop") == "tolerance").then(|| p.real("tol"));
        if n > 1_000_000 {
            return Err(Error::param("n", show(n as f64), "n ≤ 1000000".to_string()));
        }
        Ok(Laplace { n, iterations, tol })
    }

    /// The exact solution u = 1 + x² − y² at grid point (row i, column j): x = j/(n − 1),
    /// y = i/(n − 1).
    pub fn exact_at(&self, i: usize, j: usize) -> f64 {
        let h = 1.0 / (self.n - 1) as f64;
        let (x, y) = (j as f64 * h, i as f64 * h);
        1.0 + x * x - y * y
    }

    /// The exact solution on the whole grid.
    pub fn exact_grid(&self) -> Vec<f64> {
        let n = self.n;
        (0..n * n).map(|k| self.exact_at(k / n, k % n)).collect()
    }
}

impl Problem for Laplace {
    type State = Grid;

    /// The edges at their exact values, the interior zero.
    fn initial(&self) -> Grid {
        let n = self.n;
        let u = (0..n * n)
            .map(|k| {
                let (i, j) = (k / n, k % n);
                if i == 0 || j == 0 || i == n - 1 || j == n - 1 {
                    self.exact_at(i, j)
                } else {
                    0.0
                }
            })
            .collect();
        Grid {
            u,
            errors: Vec::with_capacity(self.iterations.min(1 << 20)),
            converged: false,
        }
    }

    fn steps(&self) -> usize {
        self.iterations
    }

    /// A sweep's interior cells; none with a tolerance, where the sweeps done are not
    /// known before the run (so no rate is shown: the time to the tolerance is the
    /// figure).
    fn units_per_step(&self) -> u64 {
        match self.tol {
            None => ((self.n - 2) * (self.n - 2)) as u64,
            Some(_) => 0,
        }
    }

    fn describe(&self) -> String {
        let inner = self.n - 2;
        match self.tol {
            None => format!(
                "{n}×{n} points ({inner}×{inner} interior), {} sweeps",
                self.iterations,
                n = self.n
            ),
            Some(tol) => format!(
                "{n}×{n} points ({inner}×{inner} interior), sweeps until √(error sum) < {} (at most {}; no rate: the sweeps done differ)",
                show(tol),
                self.iterations,
                n = self.n
            ),
        }
    }

    fn locate(&self, index: usize) -> String {
        format!(
            "point (row {}, column {}) of the {n} × {n} grid",
            index / self.n,
            index % self.n,
            n = self.n
        )
    }

    fn values<'s>(&self, state: &'s Grid) -> &'s [f64] {
        &state.u
    }

    fn take_values(&self, state: Grid) -> Vec<f64> {
        state.u
    }

    /// With a grid G = 8·n² bytes: every run starts from `initial`'s grid and returns it;
    /// each variant adds, as its code is written,
    /// - `inplace`, `c`, `rbserial`, `redblack`: nothing (one row sum per row, per worker
    ///   block, for `redblack`);
    /// - `jacobi` (and nothing else): the copy of the previous sweep, 2G;
    /// - `slices`: the copy `old`, the new interior, then the difference and its square:
    ///   4G at the error sum;
    /// - `objects`: one heap object per point (an `Rc` of a tagged value, 32 bytes in a
    ///   48-byte block), a row vector of references per row, and the flat grid collected
    ///   at the end before the objects go: 2G + n·block(8n) + n²·48;
    /// - the exercise as it starts: the copy `old`, the four shifted neighbours, three
    ///   partial sums and the new interior (each (n − 2)² values), and the differences,
    ///   all alive at the error sum: 3G + 8·8·(n − 2)².
    ///
    /// With stop=tolerance the exact answer is one grid more.
    fn memory(&self, variant: &str) -> Memory {
        let n = self.n as f64;
        let grid = 8.0 * n * n;
        let inner = 8.0 * (n - 2.0) * (n - 2.0);
        let run = match variant {
            "inplace" | "c" | "rbserial" | "redblack" => grid,
            "jacobi" => 2.0 * grid,
            "slices" => 4.0 * grid,
            "objects" => 2.0 * grid + n * block((8.0 * n) as u64) as f64 + n * n * block(32) as f64,
            // The exercise as it starts.
            _ => 3.0 * grid + 8.0 * inner,
        };
        Memory {
            run: run as u64,
            values: grid as u64,
            exact: if self.tol.is_some() { grid as u64 } else { 0 },
            inputs: 0,
            size: format!("a {}×{} grid", self.n, self.n),
        }
    }

    /// Memory goes with n².
    fn resize(&self, scale: f64) -> Resize {
        Resize::at_most("n", self.n as f64, self.n as f64 * scale.max(0.0).sqrt())
    }

    /// Where the run goes to a tolerance, the exact solution u = 1 + x² − y²: the 5-point
    /// stencil is exact for it, so the converged grid is within rounding and the
    /// tolerance's remainder of it. After a fixed number of sweeps the grid is still on
    /// its way, and no exact answer is shown.
    fn exact(&self, _steps: usize) -> Option<Vec<f64>> {
        self.tol.map(|_| self.exact_grid())
    }
}
