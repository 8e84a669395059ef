#![doc = include_str!("README.md")]
// The README cites its sources as [IHPCSS24] and [PHPP13], which rustdoc would take for
// links.
#![allow(rustdoc::broken_intra_doc_links)]

use crate::error::{Error, Result};
use crate::lesson::params::{Kind, ParamSpec, Params};
use crate::lesson::{
    Action, Exercise, ExerciseInfo, Memory, Problem, Resize, Size, Spec, Step, block,
};
use crate::lessons::particles::whole;
use crate::lessons::rng::unit;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

pub mod variants;

/// The most tiles along a side: the graph's size (and its dependency lists, which grow
/// with the cube of it) stays small beside the matrices.
pub const MAX_TILES: usize = 64;

/// The lesson, as the registry, CLI, binary, benches and tests see it.
pub static LESSON: Spec<Tasks> = Spec {
    name: "tasks",
    title: "Task graphs: dependencies, load balance and the bound",
    summary: "A computation as a graph of tasks run by workers: what static assignment of unequal tasks costs, what work stealing wins back, and the bound max(work/P, critical path).",
    unit: "operations",
    params: PARAMS,
    variants: variants::ALL,
    baseline: "static",
    reference: "serial",
    topics: &[],
    // Every product sums small whole numbers, exactly, in any order: the variants agree
    // to the bit (the tests ask for that); the registry wants a tolerance above zero.
    tolerance: 1e-15,
    sizes: &[
        Size {
            name: "default",
            params: &[],
        },
        Size {
            name: crate::lesson::SMALL,
            params: &["n=256", "tile=32"],
        },
    ],
    setup: Tasks::new,
    steps: STEPS,
    work: None,
    parallel: &["static", "waves", "graph"],
    exercise: Some(Exercise::new(ExerciseInfo {
        file: "lessons/tasks/exercise.rs",
        start: include_str!("exercise.start.rs"),
        target: 1.2,
        params: &["n=1024", "tile=64"],
        hints: &[
            "Run `cargo perflab compare tasks --variants static,waves` and read the workers' busy times under the table: with equal numbers of tasks each, one worker gets the tile rows near the top of the triangle (1, 2, 3… tile products each) and the other the heavy rows at the bottom. The light worker waits at the end of every stage.",
            "Hand tasks out as workers become free instead of in fixed portions: replace the portions and `std::thread::scope` by rayon's `level.par_iter().with_max_len(1).for_each(|&id| p.execute(id, run))` (add `use rayon::prelude::*;`). Rayon's idle threads steal whole tasks from the busy ones.",
            "Past the target? The barrier between the stages still costs a tail: a task of the second stage can start as soon as the tiles it reads are done. Count each task's unfinished dependencies (`p.graph.deps`), start the ones with none in a `rayon::scope`, and when a task finishes, spawn each successor (`p.graph.succs`) whose count drops to zero — the `graph` variant.",
        ],
    })),
};

/// The parameters: which graph, and its size.
pub const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "graph",
        default: "matmul",
        help: "the tiled product D = L·(L·B) with L lower triangular, or the tutorials' add(add(1, 2), add(2, 3))",
        kind: Kind::Choice(&["matmul", "add"]),
    },
    ParamSpec {
        name: "n",
        default: "1024",
        help: "rows and columns of the matrices, a multiple of tile (a whole number)",
        kind: Kind::Whole {
            min: 1.0,
            max: 4096.0,
        },
    },
    ParamSpec {
        name: "tile",
        default: "64",
        help: "rows and columns of a tile; n/tile tiles along a side, at most 64 (a whole number)",
        kind: Kind::Whole {
            min: 1.0,
            max: 4096.0,
        },
    },
    super::REPEAT,
    super::SEED,
];

/// What one task computes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Op {
    /// `a + b`, each a number or another task's result.
    Add(Arg, Arg),
    /// Tile (i, j) of E = L·B: the sum over k ≤ i of L(i, k)·B(k, j).
    Left {
        /// Tile row.
        i: usize,
        /// Tile column.
        j: usize,
    },
    /// Tile (i, j) of D = L·E: the sum over k ≤ i of L(i, k)·E(k, j), so it waits for
    /// the tiles E(0, j) … E(i, j).
    Right {
        /// Tile row.
        i: usize,
        /// Tile column.
        j: usize,
    },
}

/// An argument of an addition.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Arg {
    /// A number given when the graph was built.
    Value(f64),
    /// The result of task number `.0`.
    Task(usize),
}

/// A task graph: what each task computes and which tasks it waits for. Tasks are
/// numbered so that every task's dependencies come before it.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    /// What each task computes.
    pub ops: Vec<Op>,
    /// The tasks each task waits for.
    pub deps: Vec<Vec<usize>>,
    /// The tasks that wait for each task.
    pub succs: Vec<Vec<usize>>,
    /// The stages: tasks whose longest chain of dependencies has the same length, in
    /// order; a stage's tasks depend only on earlier stages.
    pub levels: Vec<Vec<usize>>,
}

impl Graph {
    fn from_ops(ops: Vec<Op>, deps: Vec<Vec<usize>>) -> Graph {
        let mut succs = vec![Vec::new(); ops.len()];
        let mut level = vec![0usize; ops.len()];
        for (t, ds) in deps.iter().enumerate() {
            for &d in ds {
                assert!(d < t, "tasks are numbered after their dependencies");
                succs[d].push(t);
                level[t] = level[t].max(level[d] + 1);
            }
        }
        let mut levels = vec![Vec::new(); level.iter().max().map_or(0, |m| m + 1)];
        for (t, l) in level.iter().enumerate() {
            levels[*l].push(t);
        }
        Graph {
            ops,
            deps,
            succs,
            levels,
        }
    }

    /// The tutorials' first graph: add(1, 2), add(2, 3), and the add of both.
    pub fn add() -> Graph {
        let ops = vec![
            Op::Add(Arg::Value(1.0), Arg::Value(2.0)),
            Op::Add(Arg::Value(2.0), Arg::Value(3.0)),
            Op::Add(Arg::Task(0), Arg::Task(1)),
        ];
        Graph::from_ops(ops, vec![vec![], vec![], vec![0, 1]])
    }

    /// The tiled product on `t`×`t` tiles: first every tile of E = L·B (tasks `i·t + j`),
    /// then every tile of D = L·E (tasks `t² + i·t + j`), D(i, j) waiting for E(0..=i, j).
    pub fn matmul(t: usize) -> Graph {
        let mut ops = Vec::with_capacity(2 * t * t);
        let mut deps = Vec::with_capacity(2 * t * t);
        for i in 0..t {
            for j in 0..t {
                ops.push(Op::Left { i, j });
                deps.push(Vec::new());
            }
        }
        for i in 0..t {
            for j in 0..t {
                ops.push(Op::Right { i, j });
                deps.push((0..=i).map(|k| k * t + j).collect());
            }
        }
        Graph::from_ops(ops, deps)
    }

    /// Tasks.
    pub fn len(&self) -> usize {
        self.ops.len()
    }

    /// Whether the graph has no tasks.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// The longest chain of task times through the graph, given each task's seconds.
    pub fn critical_path(&self, seconds: &[f64]) -> f64 {
        let mut finish = vec![0.0f64; self.len()];
        for t in 0..self.len() {
            let ready = self.deps[t].iter().map(|d| finish[*d]).fold(0.0, f64::max);
            finish[t] = ready + seconds[t];
        }
        finish.into_iter().fold(0.0, f64::max)
    }
}

/// What one run of the graph measured: the figures of the bound.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measured {
    /// Workers the scheduler had.
    pub workers: usize,
    /// Sum of all task times, seconds.
    pub work: f64,
    /// The longest chain of task times, seconds.
    pub critical_path: f64,
    /// Wall time of the graph's run, seconds.
    pub achieved: f64,
}

impl Measured {
    /// No schedule can beat max(work / workers, critical path).
    pub fn bound(&self) -> f64 {
        (self.work / self.workers.max(1) as f64).max(self.critical_path)
    }
}

/// The state of a run: each task's result once it is done, each task's time, and the
/// answer gathered from the results.
#[derive(Debug, Default)]
pub struct Run {
    /// Each task's result, set once by the task.
    pub results: Vec<OnceLock<Vec<f64>>>,
    /// Each task's time, nanoseconds.
    pub nanos: Vec<AtomicU64>,
    /// The answer: D row by row, or the add graph's three results.
    pub out: Vec<f64>,
}

/// Which graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// The tiled product.
    Matmul,
    /// add(add(1, 2), add(2, 3)).
    Add,
}

/// The problem at one parameter set.
#[derive(Debug)]
pub struct Tasks {
    /// Which graph.
    pub which: Which,
    /// Rows and columns of the matrices.
    pub n: usize,
    /// Rows and columns of a tile.
    pub tile: usize,
    /// Tiles along a side.
    pub tiles: usize,
    /// L, row by row: lower triangular, whole numbers from −2 to 2.
    pub l: Vec<f64>,
    /// B, row by row: whole numbers from −2 to 2.
    pub b: Vec<f64>,
    /// The tasks.
    pub graph: Graph,
    /// Evaluations of the graph in a full run.
    pub repeat: usize,
    /// The figures of each variant's last run, by name.
    last: Mutex<Vec<(&'static str, Measured)>>,
}

impl Tasks {
    /// Builds the inputs and the graph.
    pub fn new(p: &Params) -> Result<Tasks> {
        let repeat = whole(p, "repeat")? as usize;
        let mut seed = whole(p, "seed")?;
        let (n, tile) = (whole(p, "n")? as usize, whole(p, "tile")? as usize);
        if p.word("graph") == "add" {
            return Ok(Tasks::from_parts(
                Which::Add,
                0,
                1,
                Vec::new(),
                Vec::new(),
                repeat,
            ));
        }
        if n % tile != 0 {
            return Err(Error::param("tile", tile, format!("a divisor of n = {n}")));
        }
        if n / tile > MAX_TILES {
            return Err(Error::param(
                "tile",
                tile,
                format!(
                    "at least n/{MAX_TILES} = {} (at most {MAX_TILES} tiles along a side)",
                    n.div_ceil(MAX_TILES)
                ),
            ));
        }
        let mut small = || (unit(&mut seed) * 5.0).floor() - 2.0;
        let mut l = vec![0.0; n * n];
        for r in 0..n {
            for c in 0..=r {
                l[r * n + c] = small();
            }
        }
        let b = (0..n * n).map(|_| small()).collect();
        Ok(Tasks::from_parts(Which::Matmul, n, tile, l, b, repeat))
    }

    /// The problem from its inputs (L lower triangular, n×n, n a multiple of `tile`).
    pub fn from_parts(
        which: Which,
        n: usize,
        tile: usize,
        l: Vec<f64>,
        b: Vec<f64>,
        repeat: usize,
    ) -> Tasks {
        let tiles = if which == Which::Add { 0 } else { n / tile };
        let graph = match which {
            Which::Add => Graph::add(),
            Which::Matmul => Graph::matmul(tiles),
        };
        Tasks {
            which,
            n,
            tile,
            tiles,
            l,
            b,
            graph,
            repeat,
            last: Mutex::new(Vec::new()),
        }
    }

    /// Tile products of task `t` (additions count one).
    pub fn cost(&self, t: usize) -> u64 {
        match self.graph.ops[t] {
            Op::Add(..) => 1,
            Op::Left { i, .. } | Op::Right { i, .. } => (i as u64 + 1) * (self.tile as u64).pow(3),
        }
    }

    /// Runs task `t`: computes its result from its inputs and its dependencies' results
    /// (which must be done), stores it, and records its time, as busy time of the worker
    /// that ran it.
    pub fn execute(&self, t: usize, run: &Run) {
        crate::timing::busy::busy(|| {
            let start = Instant::now();
            let result = match self.graph.ops[t] {
                Op::Add(a, b) => vec![self.arg(a, run) + self.arg(b, run)],
                Op::Left { i, j } => self.tile_row(i, |k| {
                    (
                        &self.b[..],
                        (k * self.tile) * self.n + j * self.tile,
                        self.n,
                    )
                }),
                Op::Right { i, j } => self.tile_row(i, |k| {
                    let e = done(run, k * self.tiles + j);
                    (e, 0, self.tile)
                }),
            };
            run.nanos[t].store(start.elapsed().as_nanos() as u64, Ordering::Relaxed);
            assert!(run.results[t].set(result).is_ok(), "task {t} ran twice");
        })
    }

    fn arg(&self, a: Arg, run: &Run) -> f64 {
        match a {
            Arg::Value(v) => v,
            Arg::Task(t) => done(run, t)[0],
        }
    }

    /// Σ over k ≤ i of L(i, k)·X(k): `x(k)` gives X(k)'s slice, its first element's
    /// index and its row stride.
    fn tile_row<'a>(
        &'a self,
        i: usize,
        x: impl Fn(usize) -> (&'a [f64], usize, usize),
    ) -> Vec<f64> {
        let b = self.tile;
        let mut c = vec![0.0; b * b];
        for k in 0..=i {
            let (xs, x0, xstride) = x(k);
            let a0 = (i * b) * self.n + k * b;
            for (r, crow) in c.chunks_exact_mut(b).enumerate() {
                let arow = &self.l[a0 + r * self.n..][..b];
                for (kk, &a) in arow.iter().enumerate() {
                    let xrow = &xs[x0 + kk * xstride..][..b];
                    for (cv, xv) in crow.iter_mut().zip(xrow) {
                        *cv += a * xv;
                    }
                }
            }
        }
        c
    }

    /// A fresh state for one evaluation.
    fn reset(&self, run: &mut Run) {
        run.results = (0..self.graph.len()).map(|_| OnceLock::new()).collect();
        run.nanos = (0..self.graph.len()).map(|_| AtomicU64::new(0)).collect();
    }

    /// Copies the results into the answer: D row by row, or the three sums.
    fn gather(&self, run: &mut Run) {
        match self.which {
            Which::Add => {
                run.out = (0..self.graph.len()).map(|t| done(run, t)[0]).collect();
            }
            Which::Matmul => {
                let (n, b, t) = (self.n, self.tile, self.tiles);
                let Run { results, out, .. } = run;
                for i in 0..t {
                    for j in 0..t {
                        let d = results[t * t + i * t + j].get().expect("every task done");
                        for (r, row) in d.chunks_exact(b).enumerate() {
                            out[(i * b + r) * n + j * b..][..b].copy_from_slice(row);
                        }
                    }
                }
            }
        }
    }

    /// Evaluates the graph `steps` times: each time a fresh state, `schedule` runs every
    /// task (through [`Tasks::execute`], dependencies first) on `workers` workers, then
    /// the results are gathered and the run's work, critical path and time are kept
    /// under `name` for [`Problem::describe`].
    pub fn evaluate(
        &self,
        name: &'static str,
        workers: usize,
        run: &mut Run,
        steps: usize,
        schedule: impl Fn(&Tasks, &Run),
    ) {
        for _ in 0..steps {
            self.reset(run);
            let start = Instant::now();
            schedule(self, run);
            let achieved = start.elapsed().as_secs_f64();
            let seconds: Vec<f64> = run
                .nanos
                .iter()
                .map(|n| n.load(Ordering::Relaxed) as f64 * 1e-9)
                .collect();
            self.gather(run);
            let m = Measured {
                workers,
                work: seconds.iter().sum(),
                critical_path: self.graph.critical_path(&seconds),
                achieved,
            };
            let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
            match last.iter_mut().find(|(v, _)| *v == name) {
                Some(entry) => entry.1 = m,
                None => last.push((name, m)),
            }
        }
    }

    /// The figures of variant `name`'s last run, if it ran.
    pub fn measured(&self, name: &str) -> Option<Measured> {
        let last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        last.iter().find(|(v, _)| *v == name).map(|(_, m)| *m)
    }

    fn exact_matmul(&self) -> Vec<f64> {
        let n = self.n;
        let product = |x: &[f64]| {
            let mut y = vec![0.0; n * n];
            for r in 0..n {
                for k in 0..=r {
                    let a = self.l[r * n + k];
                    for c in 0..n {
                        y[r * n + c] += a * x[k * n + c];
                    }
                }
            }
            y
        };
        product(&product(&self.b))
    }
}

/// Task `t`'s result, which must be done.
fn done(run: &Run, t: usize) -> &[f64] {
    run.results[t]
        .get()
        .unwrap_or_else(|| panic!("task {t} read before it was done"))
}

fn secs(s: f64) -> String {
    if s >= 1.0 {
        format!("{s:.3} s")
    } else if s >= 1e-3 {
        format!("{:.2} ms", s * 1e3)
    } else {
        format!("{:.1} µs", s * 1e6)
    }
}

impl Problem for Tasks {
    type State = Run;

    fn initial(&self) -> Run {
        Run {
            results: Vec::new(),
            nanos: Vec::new(),
            out: vec![
                f64::NAN;
                if self.which == Which::Add {
                    3
                } else {
                    self.n * self.n
                }
            ],
        }
    }
    fn steps(&self) -> usize {
        self.repeat
    }
    fn units_per_step(&self) -> u64 {
        (0..self.graph.len()).map(|t| self.cost(t)).sum()
    }
    /// The graph's shape, then for each variant that ran: the measured work (the sum of
    /// its task times), the critical path (the longest chain of task times), the bound
    /// max(work/P, critical path) on P workers, and the time the graph took, of its last
    /// run.
    fn describe(&self) -> String {
        let shape = match self.which {
            Which::Add => "add(add(1, 2), add(2, 3)): 3 tasks in 2 stages".to_string(),
            Which::Matmul => format!(
                "D = L·(L·B), {n}×{n}, in {t}×{t} tiles of {b}²: {tasks} tasks in 2 stages, tile rows of 1 to {t} tile products",
                n = self.n,
                t = self.tiles,
                b = self.tile,
                tasks = self.graph.len()
            ),
        };
        let last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        let figures: Vec<String> = last
            .iter()
            .map(|(v, m)| {
                format!(
                    "{v}: work {}, critical path {}, bound on {} {} {}, took {}",
                    secs(m.work),
                    secs(m.critical_path),
                    m.workers,
                    if m.workers == 1 { "worker" } else { "workers" },
                    secs(m.bound()),
                    secs(m.achieved)
                )
            })
            .collect();
        if figures.is_empty() {
            shape
        } else {
            format!("{shape}; last runs: {}", figures.join("; "))
        }
    }
    fn values<'s>(&self, state: &'s Run) -> &'s [f64] {
        &state.out
    }
    fn take_values(&self, state: Run) -> Vec<f64> {
        state.out
    }
    fn locate(&self, index: usize) -> String {
        match self.which {
            Which::Add => ["add(1, 2)", "add(2, 3)", "add(add(1, 2), add(2, 3))"]
                .get(index)
                .map_or_else(|| format!("value {index}"), |s| s.to_string()),
            Which::Matmul => {
                let (r, c) = (index / self.n.max(1), index % self.n.max(1));
                format!("D({r}, {c}) in tile ({}, {})", r / self.tile, c / self.tile)
            }
        }
    }
    /// The product computed plainly, row by row: every entry is a sum of small whole
    /// numbers, exact in floating point, so it is the exact answer. The add graph's
    /// answer is 3, 5 and 8.
    fn exact(&self, _steps: usize) -> Option<Vec<f64>> {
        Some(match self.which {
            Which::Add => vec![3.0, 5.0, 8.0],
            Which::Matmul => self.exact_matmul(),
        })
    }
    /// With N = n² and T² tiles: every variant holds one result per task (2T² tiles of
    /// tile² values, each its own heap block) beside the answer (N values), and the
    /// tasks' times; `graph` also a counter per task. The graph itself (its tasks, their
    /// dependency lists) and L and B are inputs. The exact answer holds E and D.
    fn memory(&self, variant: &str) -> Memory {
        let tasks = self.graph.len() as u64;
        let (nn, b) = ((self.n * self.n) as u64, self.tile as u64);
        let results = match self.which {
            Which::Add => tasks * block(8),
            Which::Matmul => tasks * block(8 * b * b),
        };
        let per_task = block(24 * tasks) + block(8 * tasks);
        let counters = if variant == "graph" {
            block(8 * tasks)
        } else {
            0
        };
        let out = if self.which == Which::Add {
            3 * 8
        } else {
            8 * nn
        };
        let graph_bytes: u64 = self
            .graph
            .deps
            .iter()
            .chain(&self.graph.succs)
            .map(|d| {
                if d.is_empty() {
                    0
                } else {
                    block(8 * d.len() as u64)
                }
            })
            .sum::<u64>()
            + 3 * block(24 * tasks)
            + block(48 * tasks)
            + self
                .graph
                .levels
                .iter()
                .map(|l| block(8 * l.len() as u64))
                .sum::<u64>();
        Memory {
            run: results + per_task + counters + out,
            values: out,
            exact: if self.which == Which::Add {
                24
            } else {
                16 * nn
            },
            inputs: 16 * nn + graph_bytes,
            size: match self.which {
                Which::Add => "3 tasks".to_string(),
                Which::Matmul => format!("{n}×{n} matrices", n = self.n),
            },
        }
    }
    /// Memory goes with n².
    fn resize(&self, scale: f64) -> Resize {
        let n = self.n as f64;
        let mut r = Resize::at_most("n", n, n * scale.max(0.0).sqrt());
        r.note = " (a multiple of tile)";
        r
    }
}

/// The tutor's walk.
pub const STEPS: &[Step] = &[
    Step {
        title: "A graph of three tasks",
        text: "Dask's delayed and Ray's remote functions do not compute when called: they record a task and what it needs. add(1, 2) and add(2, 3) need nothing, so they may run at once on two workers; the add of both needs their results and runs last. Here is that graph run by the serial walk, by rayon's scheduler, and by `static` (the baseline, which starts a thread per worker). The answer is 3, 5 and 8 each time; the tasks take nanoseconds, so starting or waking workers costs far more than the work — the problem line shows each run's work beside what it took.",
        action: Action::Compare {
            variants: &["serial", "graph"],
            params: &["graph=add"],
        },
    },
    Step {
        title: "Unequal tasks, dealt in equal portions",
        text: "A real graph: D = L·(L·B) in tiles, with L lower triangular, so tile row i costs i+1 tile products — the tasks are unequal. `static` deals each stage's tasks to the workers in equal, contiguous portions (as a direct view's scatter does); `waves` lets idle workers steal tasks within each stage; `graph` starts each task as soon as its own inputs are done. Read the workers' busy times and the imbalance line: the worker with the heavy rows decides the time.",
        action: Action::Compare {
            variants: &["serial", "static", "waves", "graph"],
            params: &[],
        },
    },
    Step {
        title: "The bound",
        text: "No schedule on P workers beats max(work/P, critical path): the work must be shared out, and the longest chain of dependent tasks runs one task after another however many workers wait. The problem line gives both for each variant's last run, from each task's measured time, beside the time the graph took. With t tiles a side (here t = n / tile = {n} / {tile}), each stage makes t²(t+1)/2 tile products, and the longest chain, the last tile row through both stages, is 2t of them: so no number of workers could run this graph more than t(t+1)/2 times faster than one (3× at t = 2). (On a shared machine a task's time includes the moments its thread waited for a core, so the work measured by parallel variants can exceed the serial one: compare it with the CPU time column.)",
        action: Action::Compare {
            variants: &["serial", "static", "graph"],
            params: &["n=512", "tile=256"],
        },
    },
    Step {
        title: "Your turn",
        text: "Open lessons/tasks/exercise.rs: it runs the graph stage by stage, each stage's tasks dealt to the workers in equal portions, like `static`. Make it at least {target}× faster than `static` on n = {exercise.n} in tiles of {exercise.tile}, with the same answer. `cargo perflab check tasks` checks and times it; `cargo perflab hint tasks` gives one hint at a time.",
        action: Action::Read,
    },
];
