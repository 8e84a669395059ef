#![doc = include_str!("README.md")]
// The README cites its sources as [PHPP13], which rustdoc would take for links.
#![allow(rustdoc::broken_intra_doc_links)]

use crate::error::{Error, Result};
use crate::lesson::params::{Kind, ParamSpec, Params, blame, show};
use crate::lesson::{
    Action, Exercise, ExerciseInfo, Memory, Problem, Resize, Size, Spec, Step, Work, block,
};
use crate::lessons::rng::symmetric;
use std::rc::Rc;

pub mod variants;

/// The lesson, as the registry, CLI, binary, benches and tests see it.
pub static LESSON: Spec<Particles> = Spec {
    name: "particles",
    title: "Particle simulator",
    summary: "The book's profiling story: from dictionaries of objects to SIMD, threads and the exact formula.",
    unit: "particle-steps",
    params: PARAMS,
    variants: variants::ALL,
    baseline: "objects",
    reference: "typed",
    topics: &[],
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
    setup: Particles::new,
    steps: STEPS,
    // r = √(x² + y²): 3 flops and a square root (counted as one); the velocity: 2
    // divisions and a negation; the update: 2 multiplies and 2 adds. Each particle's
    // x and y are read and written once per step: 32 bytes (its speed stays in cache).
    work: Some(Work {
        flops: 11.0,
        bytes: 32.0,
    }),
    parallel: &["parallel"],
    exercise: Some(Exercise::new(ExerciseInfo {
        file: "lessons/particles/exercise.rs",
        start: include_str!("exercise.start.rs"),
        target: 100.0,
        params: &["n=1000", "dt=0.01"],
        hints: &[
            "Start from the data layout: keep x, y and timestep·ang_speed in three flat Vec<f64>s instead of a Vec of structs. On its own this changes little (measured: about as fast as the start), because each particle still runs all of its steps in a row; it sets up the next hint.",
            "Now look at which loop is inside which. With particles outer and steps inner, every step waits for the previous step of the same particle: a square root and two divisions in a row, each taking many cycles. Swap them: steps outer, and each step one loop over the three slices. The particles of one step do not depend on each other, so the compiler runs several at a time (SIMD) and the CPU overlaps the rest.",
            "Loop with iterators, not indices: `for ((x, y), t) in xs.iter_mut().zip(ys.iter_mut()).zip(&t_x_ang)`. No bounds checks remain, and the loop vectorises. The `typed` variant in lessons/particles/variants/ shows it.",
            "Past the target? Particles never interact: split them into blocks with rayon's par_chunks_mut and let each thread run all the steps of its block, as `parallel` does.",
        ],
    })),
};

/// The book's parameters, and the size and seed of a random start.
pub const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "n",
        default: "1000",
        help: "number of particles (a whole number)",
        kind: Kind::Whole { min: 1.0, max: 1e7 },
    },
    ParamSpec {
        name: "dt",
        default: "0.1",
        help: "simulated time of evolve(dt)",
        kind: Kind::POSITIVE,
    },
    ParamSpec {
        name: "timestep",
        default: "1e-5",
        help: "time step",
        kind: Kind::POSITIVE,
    },
    ParamSpec {
        name: "seed",
        default: "42",
        help: "seed of the random start (a whole number)",
        kind: Kind::Whole {
            min: 0.0,
            max: 9007199254740992.0,
        },
    },
    ParamSpec {
        name: "init",
        default: "random",
        help: "start: n particles with x, y, ang_speed uniform in (−1, 1), or the book's three test particles",
        kind: Kind::Choice(&["random", "book"]),
    },
];

/// The book's three test particles: (x, y, ang_speed).
pub const BOOK: [(f64, f64, f64); 3] = [(0.3, 0.5, 1.0), (0.0, -0.5, -1.0), (-0.1, -0.4, 3.0)];

/// Where the book's test says they are after evolve(0.1).
pub const BOOK_AFTER: [(f64, f64); 3] = [
    (0.2102698450356825, 0.5438635787296997),
    (-0.0993347660567358, -0.4900342888538049),
    (0.1913585038252641, -0.365227221074436),
];

/// The particle problem at one parameter set.
#[derive(Debug, Clone, PartialEq)]
pub struct Particles {
    /// Number of particles.
    pub n: usize,
    /// The time step.
    pub timestep: f64,
    /// The simulated time of evolve(dt), as given (the steps are int(dt / timestep), so
    /// nsteps · timestep can fall short of it by a rounding: 0.01 / 1e-5 makes 999).
    pub dt: f64,
    /// Steps of evolve(dt): int(dt / timestep), truncated as Python's int() does. The
    /// quotient is a rounded float: 0.1 / 1e-5 happens to round to 10000 exactly, but
    /// 0.3 / 1e-5 gives 29999.999999999996, so evolve(0.3) makes 29 999 steps.
    pub nsteps: usize,
    /// Starting positions, interleaved `[x0, y0, x1, y1, …]`.
    pub start: Vec<f64>,
    /// Angular speeds.
    pub w: Vec<f64>,
}

/// A parameter that must be a whole number.
pub(crate) fn whole(p: &Params, name: &str) -> Result<u64> {
    let v = p.real(name);
    if v.fract() != 0.0 {
        return Err(Error::param(name, show(v), "a whole number"));
    }
    Ok(v as u64)
}

impl Particles {
    /// Builds the problem from parameters.
    pub fn new(p: &Params) -> Result<Particles> {
        let (dt, timestep) = (p.real("dt"), p.real("timestep"));
        // The first requirement (dt, timestep) fail: the parameter it is about, in words,
        // and whether that is the parameter's exact range.
        let trouble = |dt: f64, timestep: f64| {
            if timestep > dt {
                Some((
                    "timestep",
                    format!("0 < timestep ≤ dt = {}", show(dt)),
                    true,
                ))
            } else if (dt / timestep) as usize > 1_000_000_000 {
                let why = format!(
                    "at most 1e9 steps, int(dt/timestep) ≤ 1e9: dt = {}, timestep = {}",
                    show(dt),
                    show(timestep)
                );
                Some(("dt", why, false))
            } else {
                None
            }
        };
        if let Some((about, why, exact)) = trouble(dt, timestep) {
            let fits = |name: &str, v: f64| match name {
                "dt" => trouble(v, timestep).is_none(),
                "timestep" => trouble(dt, v).is_none(),
                _ => false,
            };
            return Err(blame(p, PARAMS, about, &why, exact, fits));
        }
        let nsteps = (dt / timestep) as usize;
        let (start, w) = if p.word("init") == "book" {
            (
                BOOK.iter().flat_map(|&(x, y, _)| [x, y]).collect(),
                BOOK.iter().map(|b| b.2).collect(),
            )
        } else {
            let n = whole(p, "n")? as usize;
            let mut seed = whole(p, "seed")?;
            let mut start = Vec::with_capacity(2 * n);
            let mut w = Vec::with_capacity(n);
            for _ in 0..n {
                start.push(symmetric(&mut seed));
                start.push(symmetric(&mut seed));
                w.push(symmetric(&mut seed));
            }
            (start, w)
        };
        Ok(Particles {
            n: w.len(),
            timestep,
            dt,
            nsteps,
            start,
            w,
        })
    }
}

impl Problem for Particles {
    type State = Vec<f64>;

    fn initial(&self) -> Vec<f64> {
        self.start.clone()
    }
    fn steps(&self) -> usize {
        self.nsteps
    }
    fn units_per_step(&self) -> u64 {
        self.n as u64
    }
    fn describe(&self) -> String {
        format!(
            "{} particles, evolve({}): {} steps of {}",
            self.n,
            show(self.dt),
            self.nsteps,
            show(self.timestep)
        )
    }
    fn values<'s>(&self, state: &'s Vec<f64>) -> &'s [f64] {
        state
    }
    fn take_values(&self, state: Vec<f64>) -> Vec<f64> {
        state
    }
    fn locate(&self, index: usize) -> String {
        format!(
            "particle {} ({})",
            index / 2,
            if index.is_multiple_of(2) { "x" } else { "y" }
        )
    }
    /// Per particle, as each variant's code is written: the state (x and y, 16 bytes) that
    /// every run starts from and returns, and
    /// - `objects`: the Vec of dictionaries (48 bytes each), each dictionary's table and
    ///   its three boxed values (32 bytes in a 48-byte block each). A table starts with 4
    ///   buckets of a 24-byte entry and their control bytes (116 bytes in a 128-byte
    ///   block); the first `p.x = …` grows it to 8 (216 bytes in a 224-byte block), since
    ///   hashbrown makes room before it looks the key up, and the old block stays behind
    ///   as a hole among live ones that nothing of its size reuses;
    /// - `structs` (and the exercise, which starts as structs): 24 bytes a struct;
    /// - `typed`, `parallel`: x, y and timestep·ang_speed, 24 bytes;
    /// - `arrays`: x, y, timestep·ang_speed, and at the peak of a step the norm, v_x, v_y
    ///   and one product: 56 bytes;
    /// - `exact`: nothing more.
    ///
    /// The exact answer is one more state.
    fn memory(&self, variant: &str) -> Memory {
        let n = self.n as u64;
        let per = match variant {
            "objects" => 48 + block(116) + block(216) + 3 * block(32),
            "typed" | "parallel" => 24,
            "arrays" => 56,
            "exact" => 0,
            _ => 24,
        };
        Memory {
            run: (16 + per) * n,
            values: 16 * n,
            exact: 16 * n,
            // The start and the angular speeds.
            inputs: 24 * n,
            size: format!("{n} particles"),
        }
    }

    fn resize(&self, scale: f64) -> Resize {
        Resize::at_most("n", self.n as f64, self.n as f64 * scale)
    }

    /// The rotation each particle really makes in that time.
    fn exact(&self, steps: usize) -> Option<Vec<f64>> {
        let mut state = self.initial();
        variants::exact_rotation(self, &mut state, steps);
        Some(state)
    }
}

/// A dynamically typed value, as the `objects` variant keeps its attributes.
#[derive(Debug)]
pub(crate) enum Value {
    Int(i64),
    Float(f64),
}

impl Value {
    pub(crate) fn as_f64(&self) -> f64 {
        match *self {
            Value::Int(i) => i as f64,
            Value::Float(x) => x,
        }
    }
}

/// `op(a, b)` after checking both operands' types; the result is a new heap object.
pub(crate) fn binary_f64(op: impl Fn(f64, f64) -> f64, a: &Rc<Value>, b: &Rc<Value>) -> Rc<Value> {
    let r = match (&**a, &**b) {
        (Value::Int(x), Value::Int(y)) => op(*x as f64, *y as f64),
        (x, y) => op(x.as_f64(), y.as_f64()),
    };
    Rc::new(Value::Float(r))
}

/// `f(a)` after checking the operand's type, into a new heap object.
pub(crate) fn unary_f64(f: impl Fn(f64) -> f64, a: &Rc<Value>) -> Rc<Value> {
    Rc::new(Value::Float(f(a.as_f64())))
}

/// The tutor's walk, in the book's order.
pub const STEPS: &[Step] = &[
    Step {
        title: "Time the whole program",
        text: "Particles turn about the origin, each at its own angular speed; evolve(dt) moves them in small steps along the tangent. The book's first program keeps each particle as an object with its attributes in a dictionary. Here it is, as it runs, on {n} particles and evolve({dt}): {steps} steps of {timestep}.",
        action: Action::Run {
            variant: "objects",
            params: &["n=100", "dt=0.01"],
        },
    },
    Step {
        title: "Profile: which function, which line?",
        text: "The function profiler finds that the time is in the step function; the line profiler splits it: every line costs its share, and the Allocs column shows a heap object made per operation. Each line's time includes the line profiler's own clock reads, which matter only where a line does as little work as a read takes; a dictionary lookup does far more. ({n} particles; the function profiler's run makes {steps} steps, the line profiler's {line_steps}.)",
        action: Action::Profile {
            variant: "objects",
            params: &["n=100"],
            steps: 200,
        },
    },
    Step {
        title: "What a particle weighs",
        text: "The book measures 100 000 particles with memory_profiler: a dictionary per object costs far more than the three floats a particle is. The tracking allocator shows the same here on {n} particles: peak heap per particle, dictionary objects against plain structs, one run each of evolve({dt}) in steps of {timestep}.",
        action: Action::Memory {
            variants: &["objects", "structs"],
            params: &["n=100000", "dt=1e-5"],
        },
    },
    Step {
        title: "Plain floats, loops swapped",
        text: "`structs` keeps three f64 fields per particle and applies the book's first tuning: particles outer, steps inner, timestep·ang_speed computed once. No lookups, no allocations: the speedup column says how much that is worth.",
        action: Action::Compare {
            variants: &["objects", "structs"],
            params: &["n=100", "dt=0.01"],
        },
    },
    Step {
        title: "Look at the machine code",
        text: "The book counts bytecode instructions with `dis` to see what each line costs the interpreter. Here the compiler's output is the thing to read: `cargo perflab asm particles --variant typed` prints a kernel's machine code, marking the packed SIMD instructions (▶, several values per instruction) and the scalar ones (·). `objects` is thousands of instructions of lookups, calls and allocations; `structs` hands its work to `evolve` (the `--callees` lines). Where it was written, on a 2-vCPU AMD EPYC VM, `evolve` worked one particle at a time, as scalar operations and xmm pairs holding one particle's x and y, and `typed` on ymm registers, 4 particles per instruction. The lines below are your machine's: compare where the packed counts sit.",
        action: Action::Asm {
            variants: &["objects", "structs", "typed"],
        },
    },
    Step {
        title: "Arrays, and the loop order",
        text: "NumPy-style whole-array expressions (`arrays`) pay for temporaries. `typed` turns the loops back: steps outer, particles inner, over flat arrays. Now the particles of one step are independent, so the compiler computes several at once (SIMD), while `structs` waits on one particle's chain of square roots and divisions.",
        action: Action::Compare {
            variants: &["structs", "arrays", "typed"],
            params: &["dt=0.01"],
        },
    },
    Step {
        title: "Threads",
        text: "Particles never interact, so `parallel` gives each thread a block of particles for the whole run: no meeting between steps. {n} particles give every core a block; under the table, the tutor reads this run's figures: whether `parallel` beat `typed` and by how much, and if not, why.",
        action: Action::Compare {
            variants: &["typed", "parallel"],
            params: &["n=10000", "dt=0.01"],
        },
    },
    Step {
        title: "The better algorithm",
        text: "A particle moving at constant speed along its circle just rotates: after time t it has turned by ang_speed·t/r. `exact` computes that once per particle, and its difference from the stepped variants (the vs exact column) is their error: the small outward drift of stepping along the tangent.",
        action: Action::Compare {
            variants: &["typed", "exact"],
            params: &[],
        },
    },
    Step {
        title: "Your turn",
        text: "Open lessons/particles/exercise.rs: a correct kernel in the `structs` shape, with TODOs. Make it at least {target}× faster than `objects` at the size `check` grades at, {exercise.n} particles and evolve({exercise.dt}). `cargo perflab check particles` rebuilds it, checks its answer and times it beside `objects`; `cargo perflab hint particles` gives one hint at a time.",
        action: Action::Read,
    },
];
