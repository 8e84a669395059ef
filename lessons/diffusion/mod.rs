#![doc = include_str!("README.md")]
// The README cites its sources as [IHPCSS24], which rustdoc would take for links.
#![allow(rustdoc::broken_intra_doc_links)]

use crate::error::{Error, Result};
use crate::lesson::params::{Kind, ParamSpec, Params, blame, edge, show};
use crate::lesson::{
    Action, Exercise, ExerciseInfo, Frame, Memory, Problem, Resize, Size, Spec, Step, Work, block,
};
use std::f64::consts::PI;

pub mod variants;

/// The lesson, as the registry, CLI, binary, benches and tests see it.
pub static LESSON: Spec<Diffusion> = Spec {
    name: "diffusion",
    title: "2-D diffusion",
    summary: "One explicit finite-difference stencil, from interpreted objects to SIMD, threads and C.",
    unit: "cell-updates",
    params: PARAMS,
    variants: variants::ALL,
    baseline: "nested",
    reference: "loops",
    topics: &[],
    tolerance: 1e-12,
    sizes: &[
        Size {
            name: "default",
            params: &[],
        },
        Size {
            name: crate::lesson::SMALL,
            params: &["dx=0.3"],
        },
    ],
    setup: Diffusion::new,
    steps: STEPS,
    // ρ + coef·(up + down + left + right − 4ρ): 7 flops; at the least each cell is read
    // once and written once per step, 16 bytes.
    work: Some(Work {
        flops: 7.0,
        bytes: 16.0,
    }),
    parallel: &["prange", "parallel"],
    exercise: Some(Exercise::new(ExerciseInfo {
        file: "lessons/diffusion/exercise.rs",
        start: include_str!("exercise.start.rs"),
        target: 5.0,
        params: &["dx=0.5"],
        hints: &[
            "Start from the data layout. A Vec<Vec<f64>> costs a pointer chase for every row you touch and a bounds check for every index. The grid is already flat in `rho`: row i is rho[i * n..(i + 1) * n], and its neighbours up and down are the rows i − 1 and i + 1.",
            "Drop the laplacian grid. Read the old grid, write the new values into a second Vec of the same size, then `std::mem::swap(rho, &mut next)`: one pass over memory per step instead of three, and no temporary.",
            "To let the compiler vectorise, give it slices of one length and an index it can prove in range: take `up`, `mid` and `down` as whole rows, and loop `for k in 1..n - 1` over `mid[k - 1]`, `mid[k + 1]`, `up[k]`, `down[k]`, or zip the slices. The `loops` and `fused` variants in lessons/diffusion/variants/ show two ways.",
            "Past 5×? Threads: split the rows among rayon's workers with par_chunks_mut, as the `prange` variant does. On the 2-core machine the lesson was written on, `prange` gained about 1.2× over `fused` and `parallel` 1.5–2.0× from run to run (median 1.67×).",
        ],
    })),
};

/// The tutor's walk through the lesson, the order the tutorial takes.
pub const STEPS: &[Step] = &[
    Step {
        title: "The problem",
        text: "Diffusion smooths a density out over time. On a grid, each time step replaces every interior value by itself plus a small multiple (coef) of the difference between its four neighbours and four times itself: the 5-point stencil. Sizes here count the interior cells, the ones updated; a boundary row and column on each side stays fixed at zero. The tutorial's problem, the defaults, is 266×266 interior cells and 7075 steps, half a billion cell-updates. Here is the reference variant, `loops`, on {size}: its time, its rate, and the checksum every other variant must reproduce.",
        action: Action::Run {
            variant: "loops",
            params: &[],
        },
    },
    Step {
        title: "Measure first: the baseline",
        text: "`nested` is the pure-Python program's shape with plain floats: a vector of rows, index loops, and a laplacian grid added in a second pass. It is our baseline: every speedup is measured against it. It runs here to a simulated time of runtime={runtime} ({steps} steps) to keep the step short; rates are per cell-update, so they compare.",
        action: Action::Run {
            variant: "nested",
            params: &["runtime=1"],
        },
    },
    Step {
        title: "What an interpreter pays",
        text: "`dynamic` does what CPython does for each `+`: every value is a heap object with a type tag, checked and allocated at each operation. Same arithmetic, same answer; set its rate beside `nested`'s from the step before to see what the interpreter's way costs. It runs to runtime={runtime} here ({steps} steps).",
        action: Action::Run {
            variant: "dynamic",
            params: &["runtime=0.1"],
        },
    },
    Step {
        title: "Profile: where does the time go?",
        text: "Before changing code, find the hot spot. The function profiler shows where nested's time goes, function by function (all of it in `step`); the line profiler splits `step` by statement, with the memory each line allocates; functions.svg draws the call tree as a flamegraph. The function profiler's run makes {steps} steps and the line profiler's {line_steps}, to keep the step short. The line profiler reads the clock around every line each time it runs, and a read costs about as much as one pass of these inner loops: so the `for j` lines, which only count, get a share of the time that can be as large as the arithmetic's. That share is the profiler's own cost, not the loop's (lessons/diffusion/README.md measures it); compare the two arithmetic lines with each other. `cargo perflab profile diffusion --variant nested --flamegraph` adds the sampled profile, which sees the optimised code without changing it and charges the loop lines next to nothing.",
        action: Action::Profile {
            variant: "nested",
            params: &[],
            steps: 300,
        },
    },
    Step {
        title: "Arrays, and the cost of temporaries",
        text: "A flat array with computed indices (`indexed`) removes the pointer chase; whole-array slice arithmetic (`slices`, NumPy's style) removes the per-element checks but builds a temporary laplacian every step and sweeps memory several times.",
        action: Action::Compare {
            variants: &["nested", "indexed", "slices"],
            params: &[],
        },
    },
    Step {
        title: "One pass, and the compiler's SIMD",
        text: "`fused` does the whole update in one pass with no temporary; `loops` gives the compiler row slices of equal length, so it removes the bounds checks and uses SIMD. Look where both stand against `c`, the C baseline, which keeps the tutorial's two loop nests. `blocked` goes one further: one sweep down the grid advances several steps, keeping four rows per step in the L1 cache, and still computes exactly what `loops` does, to the bit. The README measures how close each comes to the cache-bandwidth limit and why blocking gains little at this size.",
        action: Action::Compare {
            variants: &["slices", "fused", "loops", "blocked", "c"],
            params: &[],
        },
    },
    Step {
        title: "Threads",
        text: "`prange` shares each step's rows among rayon's threads and joins every step; `parallel` keeps a team for the whole run, meets every 16 steps and moves rows from a slower thread to a faster one. Threads multiply the speed at best by the number of cores, and only by the cores other processes leave free: under the table, the tutor reads this run's figures, whether each beat `fused` and by how much, and if not, why.",
        action: Action::Compare {
            variants: &["fused", "prange", "parallel"],
            params: &[],
        },
    },
    Step {
        title: "Your turn",
        text: "Open lessons/diffusion/exercise.rs: a correct, slow kernel with TODOs. Make it at least {target}× faster than `nested` at the size `check` grades at, dx={exercise.dx}. `cargo perflab check diffusion` rebuilds it, checks its answer against the reference, and times it beside `nested`, interleaved; `cargo perflab hint diffusion` reveals one hint at a time; `cargo perflab watch diffusion` re-checks every time you save; `cargo perflab reset diffusion` restores the file; `cargo perflab progress` shows how far you are. Your kernel is also the variant `exercise` of every command: `cargo perflab profile diffusion --variant exercise` shows where its time goes, `cargo perflab compare diffusion --variants fused,exercise` puts it beside the others.",
        action: Action::Read,
    },
];

/// The tutorial's parameter file, with our two additions (`init`, and `outtime` for
/// snapshots).
pub const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "D",
        default: "1.0",
        help: "diffusion coefficient",
        kind: Kind::POSITIVE,
    },
    ParamSpec {
        name: "x1",
        default: "-10.0",
        help: "lower edge of the square domain",
        kind: Kind::FINITE,
    },
    ParamSpec {
        name: "x2",
        default: "10.0",
        help: "upper edge of the square domain",
        kind: Kind::FINITE,
    },
    ParamSpec {
        name: "runtime",
        default: "10.0",
        help: "simulated time to run for",
        kind: Kind::NON_NEGATIVE,
    },
    ParamSpec {
        name: "dx",
        default: "0.075",
        help: "grid spacing asked for; the grid uses (x2-x1)/int((x2-x1)/dx)",
        kind: Kind::POSITIVE,
    },
    ParamSpec {
        name: "outtime",
        default: "0.5",
        help: "simulated time between snapshots",
        kind: Kind::POSITIVE,
    },
    ParamSpec {
        name: "init",
        default: "peaks",
        help: "start: the tutorial's four peaks, or one sine mode with a known exact decay",
        kind: Kind::Choice(&["peaks", "mode"]),
    },
];

/// How the density starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Init {
    /// The tutorial's four peaks: ρ0(x, y) = a(x)·a(y).
    Peaks,
    /// The lowest sine mode, zero on the boundary: it decays by a known factor per step.
    Mode,
}

/// The diffusion problem at one parameter set, with the tutorial's derived quantities.
#[derive(Debug, Clone, PartialEq)]
pub struct Diffusion {
    /// Diffusion coefficient D.
    pub d: f64,
    /// Lower edge of the domain.
    pub x1: f64,
    /// Upper edge of the domain.
    pub x2: f64,
    /// Interior points per side: int((x2 − x1)/dx).
    pub nrows: usize,
    /// Points per side with the two boundary rows: nrows + 2.
    pub npnts: usize,
    /// Grid spacing actually used: (x2 − x1)/nrows.
    pub dx: f64,
    /// Time step, at the edge of stability: 0.25·dx²/D.
    pub dt: f64,
    /// Steps of a full run: int(runtime/dt).
    pub nsteps: usize,
    /// Steps between snapshots: int(outtime/dt), at least 1.
    pub nper: usize,
    /// The update's coefficient D·dt/dx², the same number in every variant.
    pub coef: f64,
    /// The starting density.
    pub init: Init,
}

/// A requirement the parameters fail.
struct Trouble {
    /// The parameter it is about.
    about: &'static str,
    /// The requirement in words, with the values it failed at.
    why: String,
    /// Whether `why` is the exact range of `about` (else [`blame`] finds its limit).
    range: bool,
    /// Whether it is about the time step (else the domain and the spacing).
    time: bool,
}

impl Trouble {
    fn range(about: &'static str, why: String) -> Trouble {
        Trouble {
            about,
            why,
            range: true,
            time: false,
        }
    }
    fn why(about: &'static str, why: String, time: bool) -> Trouble {
        Trouble {
            about,
            why,
            range: false,
            time,
        }
    }
}

/// The parameters that set the grid and the time step.
struct Time {
    d: f64,
    x1: f64,
    x2: f64,
    runtime: f64,
    dx: f64,
}

impl Time {
    /// The first requirement these values fail, if any ([`Trouble`]). The same arithmetic
    /// as [`Diffusion::new`], so that what it says is what is enforced.
    fn trouble(&self) -> Option<Trouble> {
        let Time {
            d,
            x1,
            x2,
            runtime,
            dx,
        } = *self;
        if x2 <= x1 {
            return Some(Trouble::range("x2", format!("x2 > x1 = {}", show(x1))));
        }
        let length = x2 - x1;
        if !length.is_finite() {
            let why = format!(
                "x2 − x1 ≤ {:e}: here {} − ({})",
                f64::MAX,
                show(x2),
                show(x1)
            );
            return Some(Trouble::why("x2", why, false));
        }
        if dx >= length {
            let why = format!("0 < dx < x2 − x1 = {}", show(length));
            return Some(Trouble::range("dx", why));
        }
        let nrows = (length / dx).floor();
        let dx = length / nrows;
        let dt = 0.25 * dx * dx / d;
        let at = format!("dx = {}, D = {}", show(dx), show(d));
        if dt.is_infinite() {
            let why = format!("a finite time step dt = 0.25·dx²/D: it overflows at {at}");
            return Some(Trouble::why("D", why, true));
        }
        if !dt.is_normal() {
            let why = format!(
                "a time step dt = 0.25·dx²/D ≥ {:e}: at {at} it is {}",
                f64::MIN_POSITIVE,
                show(dt)
            );
            return Some(Trouble::why("D", why, true));
        }
        if (runtime / dt).floor() >= 1e12 {
            let why = format!(
                "at most 1e12 steps, runtime/dt < 1e12: dt = 0.25·dx²/D = {} at {at}",
                show(dt)
            );
            return Some(Trouble::why("runtime", why, true));
        }
        None
    }
}

impl Diffusion {
    /// Derives the grid and time step from the parameters, rejecting what cannot run.
    pub fn new(p: &Params) -> Result<Diffusion> {
        let (d, x1, x2, runtime, dx_asked, outtime) = (
            p.real("D"),
            p.real("x1"),
            p.real("x2"),
            p.real("runtime"),
            p.real("dx"),
            p.real("outtime"),
        );
        let problem = |name: &str, v: f64| {
            let mut t = Time {
                d,
                x1,
                x2,
                runtime,
                dx: dx_asked,
            };
            match name {
                "D" => t.d = v,
                "x1" => t.x1 = v,
                "x2" => t.x2 = v,
                "runtime" => t.runtime = v,
                "dx" => t.dx = v,
                _ => {}
            }
            t.trouble()
        };
        let fits = |name: &str, v: f64| problem(name, v).is_none();
        // The domain and the spacing first; the time step after the memory check below.
        if let Some(t) = problem("", 0.0).filter(|t| !t.time) {
            return Err(blame(p, PARAMS, t.about, &t.why, t.range, fits));
        }
        let length = x2 - x1;
        let nrows_f = (length / dx_asked).floor();
        // The grid's size is the memory guard's to judge (`Problem::memory`); this bound
        // only keeps its arithmetic in range.
        if nrows_f > 1e9 {
            let rows_fit = |dx: f64| (length / dx).floor() <= 1e9;
            return Err(Error::param(
                "dx",
                show(dx_asked),
                format!(
                    "dx ≥ {} (at most a billion rows across x2 − x1 = {})",
                    show(edge(length.next_down(), dx_asked, rows_fit)),
                    show(length)
                ),
            ));
        }
        if let Some(t) = problem("", 0.0) {
            return Err(blame(p, PARAMS, t.about, &t.why, t.range, fits));
        }
        let nrows = nrows_f as usize;
        let dx = length / nrows as f64;
        let dt = 0.25 * dx * dx / d;
        let steps_f = (runtime / dt).floor();
        let init = if p.word("init") == "mode" {
            Init::Mode
        } else {
            Init::Peaks
        };
        Ok(Diffusion {
            d,
            x1,
            x2,
            nrows,
            npnts: nrows + 2,
            dx,
            dt,
            nsteps: steps_f as usize,
            nper: ((outtime / dt).floor() as usize).max(1),
            coef: d * dt / (dx * dx),
            init,
        })
    }

    /// The coordinate of grid line `i` (0 and npnts − 1 are the boundary): x1 + (i − 1)·dx.
    pub fn x(&self, i: usize) -> f64 {
        self.x1 + (i as f64 - 1.0) * self.dx
    }

    /// Distance between the two zero boundaries, (nrows + 1)·dx: the sine mode's length.
    pub fn boundary_span(&self) -> f64 {
        self.x(self.npnts - 1) - self.x(0)
    }

    /// The amplitude factor of one step for the sine mode, exact for this scheme:
    /// 1 − 8·coef·sin²(π·dx / (2·span)).
    pub fn mode_factor(&self) -> f64 {
        let s = (PI * self.dx / (2.0 * self.boundary_span())).sin();
        1.0 - 8.0 * self.coef * s * s
    }

    /// The continuum's amplitude after `steps` steps: exp(−2π²·D·t / span²).
    pub fn continuum_decay(&self, steps: usize) -> f64 {
        let t = steps as f64 * self.dt;
        (-2.0 * PI * PI * self.d * t / (self.boundary_span() * self.boundary_span())).exp()
    }

    fn start(&self, i: usize) -> f64 {
        let x = self.x(i);
        match self.init {
            Init::Peaks => {
                let mid = (self.x1 + self.x2) / 2.0;
                1.0 - (1.0 - 4.0 * ((x - mid) / (self.x2 - self.x1)).abs()).abs()
            }
            Init::Mode => (PI * (x - self.x(0)) / self.boundary_span()).sin(),
        }
    }
}

impl Problem for Diffusion {
    /// The density on the whole npnts × npnts grid, row-major, boundary included (zero).
    type State = Vec<f64>;

    fn initial(&self) -> Vec<f64> {
        let n = self.npnts;
        let profile: Vec<f64> = (0..n)
            .map(|i| {
                if i == 0 || i == n - 1 {
                    0.0
                } else {
                    self.start(i)
                }
            })
            .collect();
        let mut grid = vec![0.0; n * n];
        for (i, row) in grid.chunks_exact_mut(n).enumerate() {
            for (j, v) in row.iter_mut().enumerate() {
                *v = profile[i] * profile[j];
            }
        }
        grid
    }

    fn steps(&self) -> usize {
        self.nsteps
    }

    fn units_per_step(&self) -> u64 {
        (self.nrows * self.nrows) as u64
    }

    fn describe(&self) -> String {
        format!(
            "{n}×{n} interior cells (dx = {:.5}), {} steps of dt = {:.4e} to t = {:.4}",
            self.dx,
            self.nsteps,
            self.dt,
            self.nsteps as f64 * self.dt,
            n = self.nrows
        )
    }

    /// Sizes count the interior cells, as [`Problem::describe`] does: rows and columns
    /// 1 to n, with the fixed boundary at 0 and n + 1.
    fn locate(&self, index: usize) -> String {
        let (row, column, n) = (index / self.npnts, index % self.npnts, self.nrows);
        let inside = |k: usize| (1..=n).contains(&k);
        let which = if inside(row) && inside(column) {
            "interior cell"
        } else {
            "boundary cell"
        };
        format!(
            "{which} (row {row}, column {column}) of the {n}×{n} interior cells (rows and columns 1 to {n}; 0 and {} are the fixed boundary)",
            n + 1
        )
    }
    fn values<'s>(&self, state: &'s Vec<f64>) -> &'s [f64] {
        state
    }
    fn take_values(&self, state: Vec<f64>) -> Vec<f64> {
        state
    }

    fn frame_every(&self) -> Option<usize> {
        Some(self.nper)
    }

    fn frame(&self, state: &Vec<f64>) -> Option<Frame> {
        Some(Frame {
            width: self.npnts,
            height: self.npnts,
            values: state.clone(),
            vmin: 0.0,
            vmax: 1.0,
        })
    }

    /// With N = npnts, a grid G = 8·N² bytes: every run starts from `initial`'s grid and
    /// returns one; each variant adds, as its code is written,
    /// - `loops`, `fused`, `prange`: a second buffer, 2G in all; `blocked` too (its rings of
    ///   four rows per step level are a few tens of KB);
    /// - `indexed`, `c`: a laplacian array, 2G;
    /// - `slices`: ndarray's laplacian and the `4·centre` temporary subtracted from it, 3G;
    /// - `nested` (and the exercise, which starts as nested): the rows copied out, the
    ///   laplacian rows (N blocks of 8·N each), and the flat grid `concat` makes before the
    ///   old one goes, 4G;
    /// - `parallel`: per thread two buffers of its block with 2·16 ghost and spare rows on
    ///   each inner side, four exchange slots of 16 + 4 rows, and at the end its block
    ///   copied out (one thread's beside the others' buffers);
    /// - `dynamic`: two grids (the density and the laplacian) of row vectors of references
    ///   to one heap object per cell (an `Rc` of a tagged value, 32 bytes in a 48-byte
    ///   block), and the flat grid it collects at the end: 2·N²·(8 + 48) + 2G.
    ///
    /// The exact answer (init=mode) is one grid.
    fn memory(&self, variant: &str) -> Memory {
        let n = self.npnts as f64;
        let grid = 8.0 * n * n;
        let row = 8.0 * n;
        let rows = |count: f64| count * block(row as u64) as f64;
        let run = match variant {
            "loops" | "fused" | "blocked" | "prange" | "indexed" | "c" => 2.0 * grid,
            "slices" => 3.0 * grid,
            "parallel" => {
                let inner = self.nrows;
                let threads = rayon::current_num_threads().clamp(1, inner);
                let per = inner.div_ceil(threads);
                let threads = inner.div_ceil(per);
                let k = 16.min(inner - (threads - 1) * per) as f64;
                let t = threads as f64;
                let windows = 2.0 * (n + 4.0 * k * (t - 1.0)) * row;
                let slots = 4.0 * t * (k + (k / 4.0).floor().max(1.0)) * row;
                grid + windows + slots + grid / t
            }
            "dynamic" => {
                let refs = 2.0 * rows(n);
                let objects = 2.0 * n * n * block(32) as f64;
                2.0 * grid + refs + objects
            }
            // nested, and the exercise as it starts.
            _ => 2.0 * grid + 2.0 * rows(n),
        };
        Memory {
            run: run as u64,
            values: grid as u64,
            exact: if self.init == Init::Mode {
                grid as u64
            } else {
                0
            },
            inputs: 0,
            size: format!("a {}×{} grid", self.npnts, self.npnts),
        }
    }

    /// Memory goes with the cells, (x2 − x1)/dx squared.
    fn resize(&self, scale: f64) -> Resize {
        let npnts = (self.npnts as f64 * scale.max(0.0).sqrt()).floor();
        let mut r = Resize::at_least("dx", self.dx, (self.x2 - self.x1) / (npnts - 2.0));
        if npnts < 3.0 {
            r.bound = None;
        }
        r.note = " (or a narrower x1 … x2)";
        r
    }

    fn exact(&self, steps: usize) -> Option<Vec<f64>> {
        (self.init == Init::Mode).then(|| {
            let g = self.mode_factor().powi(steps.min(i32::MAX as usize) as i32);
            self.initial().into_iter().map(|v| v * g).collect()
        })
    }
}
