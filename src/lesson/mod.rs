//! The shape of a lesson, written once per lesson and read by everything else.
//!
//! A lesson is a [`Spec`]: its name, title, unit of work, parameters, variants (each a
//! kernel with a one-line "what changed and why"), the variant that is the speed baseline,
//! the variant that is the reference answer with its tolerance, and the sizes benches use.
//! A lesson made of several small programs (idioms) has [`Topic`]s instead, each with its
//! own variants, baseline, reference and unit; its `topic` parameter chooses one, and a
//! [`Prepared`] lesson's [`Scope`] says which variants apply and what they are measured
//! and checked against.
//! Its problem type implements [`Problem`]. The CLI, lesson binaries, benches and tests see
//! every lesson through the object-safe [`Lesson`] trait, so nothing about a lesson is
//! written twice.

pub mod params;

use crate::error::{Error, Result};
use crate::lesson::params::{ParamSpec, Params};
use crate::timing::Clock;

/// A variant's name and its one-line "what changed and why".
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct VariantInfo {
    /// Short name, used on the command line.
    pub name: &'static str,
    /// What changed from the previous variant, and why it matters for speed.
    pub what: &'static str,
}

/// The name of the size every lesson registers for quick runs: the benches' small case and
/// the problem `cargo perflab tour --quick` runs.
pub const SMALL: &str = "small";

/// A named parameter set that benches measure (e.g. "default" and "small").
#[derive(Debug, Clone, Copy)]
pub struct Size {
    /// Name used in benchmark ids.
    pub name: &'static str,
    /// `key=value` overrides of the defaults.
    pub params: &'static [&'static str],
}

/// A picture of the state, for snapshots: row-major values with the colour range.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    /// Columns.
    pub width: usize,
    /// Rows.
    pub height: usize,
    /// `width * height` values, row-major.
    pub values: Vec<f64>,
    /// The value drawn with the colour map's first colour.
    pub vmin: f64,
    /// The value drawn with the colour map's last colour.
    pub vmax: f64,
}

/// A lesson's problem at one parameter set: its start state and how much work a step is.
pub trait Problem: Send + Sync + Sized + 'static {
    /// The evolving state every variant starts from and returns (a flat grid, say).
    type State: Send;
    /// The starting state.
    fn initial(&self) -> Self::State;
    /// Steps of a full run at these parameters.
    fn steps(&self) -> usize;
    /// Units of work in one step (cell-updates for diffusion).
    fn units_per_step(&self) -> u64;
    /// One line on the size of the problem, e.g. "266×266 cells, 7075 steps".
    fn describe(&self) -> String;
    /// The numbers that the reference check and the checksum read.
    fn values<'s>(&self, state: &'s Self::State) -> &'s [f64];
    /// The same numbers, taking the state: a lesson whose state is the answer itself
    /// hands it over without a copy, so that the peak heap measured for a run holds only
    /// what the kernel needed.
    fn take_values(&self, state: Self::State) -> Vec<f64> {
        self.values(&state).to_vec()
    }
    /// Steps between snapshots, where the lesson draws its state.
    fn frame_every(&self) -> Option<usize> {
        None
    }
    /// The state as a picture.
    fn frame(&self, _state: &Self::State) -> Option<Frame> {
        None
    }
    /// The exact answer after `steps` steps, where mathematics gives one.
    fn exact(&self, _steps: usize) -> Option<Vec<f64>> {
        None
    }
    /// Where value number `index` of [`Problem::values`] sits, in the lesson's words.
    fn locate(&self, index: usize) -> String {
        format!("value {index}")
    }
    /// How far `got` is from the reference's `want`, in the lesson's words, for a variant
    /// that is wrong on purpose ([`Variant::wrong`]): e.g. "lost 1 843 of 4 000 000
    /// updates". By default the max-norm relative difference.
    fn how_wrong(&self, got: &[f64], want: &[f64]) -> String {
        format!(
            "{:.2e} from the reference (max-norm, relative)",
            max_rel_error(got, want)
        )
    }
    /// The memory one run of variant `variant` (its name; [`EXERCISE`] for the student's
    /// kernel, estimated as the exercise's starting file is written) needs at these
    /// parameters, derived from the variant's code: see [`Memory`]. The guard that refuses
    /// a run too big for the machine, and `run`'s estimate, are built on it.
    fn memory(&self, variant: &str) -> Memory;
    /// The parameter that sets the size of these runs, and the bound on it at which they
    /// would need `scale` (below 1) times the memory they need now, e.g. `dx ≥ 0.0021`.
    fn resize(&self, scale: f64) -> Resize;
    /// For a lesson whose kernels run the work in other processes that time themselves
    /// (MPI ranks under `mpirun`), read after each kernel call: how the launch went, and
    /// what the processes measured. An error ends the run with that error; `Some` replaces
    /// the wall time of the call, which includes starting the processes, by the time the
    /// processes measured for the work itself. `None` (the default): the kernel ran here.
    fn remote(&self, _state: &mut Self::State) -> Result<Option<Remote>> {
        Ok(None)
    }
    /// Whether variant `variant` (its name) runs in this process, where the profilers can
    /// see it; `false` for one whose work runs in other processes ([`Problem::remote`]).
    fn runs_here(&self, _variant: &str) -> bool {
        true
    }
    /// Where the lesson needs a tool this machine lacks (Open MPI), the error that says
    /// which and how to install it; `None` where it can run. Commands that list or tour
    /// every lesson show it as a note instead of running the lesson.
    fn missing() -> Option<Error> {
        None
    }
    /// Where a unit of work is a transfer of data (a message's round trip): what it moves
    /// at these parameters, so that a sweep can show latency and throughput. `None` (the
    /// default): the unit is work, not a transfer.
    fn transfer(&self) -> Option<Transfer> {
        None
    }
    /// How many workers (threads or processes) these parameters run the parallel
    /// variants on, where a parameter sets it: a sweep across it then gives each point's
    /// parallel efficiency. `None` (the default): no parameter sets it.
    fn workers(&self) -> Option<usize> {
        None
    }
    /// Values of parameter `param` worth marking on a sweep's chart across it, each
    /// with what it is (this machine's cache sizes on a working-set axis). None by
    /// default.
    fn marks(&self, _param: &str) -> Vec<Mark> {
        Vec::new()
    }
}

/// A value of a swept parameter marked on the sweep's chart: see [`Problem::marks`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Mark {
    /// Where, in the parameter's units.
    pub value: f64,
    /// What it is, e.g. "L2 512 KiB".
    pub label: String,
}

/// What one unit of work moves where it is a transfer of data ([`Problem::transfer`]): a
/// sweep then reads each point's time per unit as a latency (the time of one transfer)
/// and a throughput (the amount moved per second).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Transfer {
    /// How much one unit of work moves, in `unit` (a round trip of b bytes: 2b).
    pub amount: f64,
    /// What the amount counts, e.g. "B".
    pub unit: &'static str,
    /// Transfers in one unit of work (a round trip: 2, there and back); the latency is
    /// the time per unit divided by this.
    pub transfers: f64,
}

/// What the processes of a run outside this one reported: see [`Problem::remote`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Remote {
    /// Seconds the work took by the processes' own clocks, from a common start to the
    /// last one's end; starting and stopping the processes is not in it.
    pub seconds: f64,
    /// Each process's time, in rank order.
    pub split: Vec<Split>,
    /// CPU seconds the processes used over that time, all together, where they read it.
    pub cpu: Option<f64>,
}

/// One process's time in a distributed run: computing, communicating (sending,
/// receiving, and waiting inside those calls for a partner), and waiting at the end for
/// the slowest process.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Split {
    /// Seconds in the process's own arithmetic.
    pub compute: f64,
    /// Seconds in message calls, including waits there for a partner.
    pub communicate: f64,
    /// Seconds waiting for the others at the end of the run.
    pub wait: f64,
}

/// The memory of one run of a variant, as its lesson estimates it from the parameters:
/// what is resident at the peak, in bytes, above what the process held before the run.
/// Each lesson derives these from its variants' code: the state, second buffers,
/// temporaries, each heap object with the allocator's own overhead ([`block`]), a `Vec`'s
/// growth where a variant grows one, the blocks parallel variants keep per thread.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Memory {
    /// Bytes at the peak of one run: from the start state to the values taken.
    pub run: u64,
    /// Bytes of the values a run returns; the engine keeps copies of them (the
    /// reference's, the variant's) beside the runs.
    pub values: u64,
    /// Bytes the exact answer takes while the engine holds it; 0 where there is none.
    pub exact: u64,
    /// Bytes of the problem's own inputs, drawn when it was set up and so resident
    /// already when the estimate is made; they shrink with the size too.
    pub inputs: u64,
    /// The size in words, e.g. "a 20002×20002 grid".
    pub size: String,
}

/// The parameter that sets a problem's size, and the bound on it that fits.
#[derive(Debug, Clone, PartialEq)]
pub struct Resize {
    /// The parameter's name.
    pub param: &'static str,
    /// Its value now, as a person would write it.
    pub value: String,
    /// The bound, as it would be typed (`0.0021`); `None` where no size fits.
    pub bound: Option<String>,
    /// Whether runs fit at the bound and above it (dx), rather than at it and below (n).
    pub above: bool,
    /// Words after the bound, e.g. " (or a narrower x1 … x2)".
    pub note: &'static str,
}

impl Resize {
    /// `param ≤ limit` for a whole-number parameter, the limit rounded down to two
    /// significant digits (no bound below 1).
    pub fn at_most(param: &'static str, value: f64, limit: f64) -> Resize {
        let bound = (limit >= 1.0).then(|| {
            let unit = 10f64.powi(limit.log10().floor() as i32 - 1).max(1.0);
            format!("{:.0}", (limit / unit).floor() * unit)
        });
        Resize {
            param,
            value: format!("{value:.0}"),
            bound,
            above: false,
            note: "",
        }
    }
    /// `param ≥ limit`, the limit rounded up to two significant digits.
    pub fn at_least(param: &'static str, value: f64, limit: f64) -> Resize {
        let bound = (limit.is_finite() && limit > 0.0).then(|| {
            let unit = 10f64.powi(limit.log10().floor() as i32 - 1);
            crate::lesson::params::show(sig((limit / unit).ceil() * unit, 2))
        });
        Resize {
            param,
            value: crate::lesson::params::show(sig(value, 4)),
            bound,
            above: true,
            note: "",
        }
    }
    /// The bound in words: "dx ≥ 0.0021 fits", or "no dx fits".
    pub fn fits(&self) -> String {
        match &self.bound {
            Some(b) => format!(
                "{} {} {b} fits{}",
                self.param,
                if self.above { "≥" } else { "≤" },
                self.note
            ),
            None => format!("no {} fits", self.param),
        }
    }
}

/// `x` rounded to `digits` significant digits, so that it prints without binary noise
/// (0.0021, not 0.0021000000000000003).
fn sig(x: f64, digits: usize) -> f64 {
    format!("{x:.*e}", digits.saturating_sub(1))
        .parse()
        .unwrap_or(x)
}

/// Bytes the system allocator takes for one heap block of `bytes`: glibc's chunks carry an
/// 8-byte header and are rounded up to 16 bytes, 32 at the least; a block of 128 KiB or
/// more is mapped on its own, in whole pages. For a lesson's [`Memory`] where it counts
/// blocks by the million (an interpreter's objects).
pub fn block(bytes: u64) -> u64 {
    if bytes >= 128 << 10 {
        (bytes + 16).div_ceil(4096) * 4096
    } else {
        (bytes + 8).div_ceil(16).max(2) * 16
    }
}

/// A kernel advances the state by the given number of steps.
pub type Kernel<P> = fn(&P, &mut <P as Problem>::State, usize);

/// One variant of a lesson's kernel.
pub struct Variant<P: Problem> {
    /// Its name and one-line description.
    pub info: VariantInfo,
    /// The code.
    pub kernel: Kernel<P>,
    /// Its own tolerance against the reference, for a variant that solves the problem by
    /// another method (an exact formula beside time steps); `None`: the lesson's.
    pub tolerance: Option<f64>,
    /// Wrong on purpose (a race that loses updates): why, in a few words. Its check still
    /// runs and its rows say how wrong it came out ([`Problem::how_wrong`]), marked as
    /// expected rather than as a failure; `None` for every variant meant to be right.
    pub wrong: Option<&'static str>,
}

/// What a tutor step does after showing its text.
#[derive(Debug, Clone, Copy)]
pub enum Action {
    /// Nothing: the text is the step.
    Read,
    /// Runs one variant, as `cargo perflab run` does, with these `key=value` overrides.
    Run {
        /// The variant.
        variant: &'static str,
        /// Parameter overrides (a smaller problem where the variant is slow).
        params: &'static [&'static str],
    },
    /// Compares variants side by side, as `cargo perflab compare` does; where the lesson's
    /// parallel variants are among them, the tutor then reads the figures
    /// ([`threads_commentary`](crate::student::tutor::threads_commentary)).
    Compare {
        /// The variants; empty for all of them.
        variants: &'static [&'static str],
        /// Parameter overrides.
        params: &'static [&'static str],
    },
    /// Times variants at each of several values of one parameter, each checked against
    /// the reference, as `cargo perflab sweep` does; the tour draws one curve a variant.
    Sweep {
        /// The variants, one curve each.
        variants: &'static [&'static str],
        /// The parameter swept.
        param: &'static str,
        /// Its values, in order (log-spaced for a chunk size).
        values: &'static [&'static str],
        /// Other parameter overrides.
        params: &'static [&'static str],
    },
    /// Shows how many instructions each variant's kernel has, and how many of them are
    /// packed SIMD, as `cargo perflab asm <lesson> --variant V --summary --callees` does.
    Asm {
        /// The variants.
        variants: &'static [&'static str],
    },
    /// Measures the heap of each variant in one run: peak bytes, and per item of work.
    Memory {
        /// The variants.
        variants: &'static [&'static str],
        /// Parameter overrides.
        params: &'static [&'static str],
    },
    /// Profiles a variant with the function and line profilers, as `cargo perflab profile`
    /// does, for this many steps.
    Profile {
        /// The variant.
        variant: &'static str,
        /// Parameter overrides.
        params: &'static [&'static str],
        /// Steps of the profiled runs.
        steps: u64,
    },
}

/// One step of a lesson's tutor: a short text in our own words, then something run.
#[derive(Debug, Clone, Copy)]
pub struct Step {
    /// A title.
    pub title: &'static str,
    /// What to notice, a few sentences.
    pub text: &'static str,
    /// What the step runs.
    pub action: Action,
}

/// What a lesson's exercise is, apart from its kernel: where the student's code lives,
/// how it started, the speed it must reach and the hints.
#[derive(Debug, Clone, Copy)]
pub struct ExerciseInfo {
    /// The student's file, relative to the project's root.
    pub file: &'static str,
    /// The file as shipped: correct, slow, with TODO guidance (`cargo perflab reset` restores it).
    pub start: &'static str,
    /// Speedup over the lesson's baseline that passes.
    pub target: f64,
    /// Parameter overrides of the size `cargo perflab check` grades at.
    pub params: &'static [&'static str],
    /// Hints, revealed one at a time by `cargo perflab hint`.
    pub hints: &'static [&'static str],
}

/// A lesson's exercise: what it is graded on, and the student's kernel once registered.
///
/// The kernel is not part of the perflab library: each exercise builds as a binary of its
/// own (package `perflab-exercises`), which registers the student's kernel with
/// [`Spec::set_exercise`] before it runs the CLI. There, and only there, the kernel is a
/// variant named [`EXERCISE`], so every command works on it.
pub struct Exercise<P: Problem> {
    /// Everything but the kernel.
    pub info: ExerciseInfo,
    kernel: std::sync::OnceLock<Kernel<P>>,
}

impl<P: Problem> Exercise<P> {
    /// An exercise whose kernel is not registered yet.
    pub const fn new(info: ExerciseInfo) -> Exercise<P> {
        Exercise {
            info,
            kernel: std::sync::OnceLock::new(),
        }
    }
}

/// The name of the student's kernel as a variant, in the binary that registers it.
pub const EXERCISE: &str = "exercise";

/// One of the separate small programs of a lesson that teaches several idioms (squares,
/// counting, queues, …): its own variants, baseline, reference and unit. The lesson's
/// `topic` parameter chooses one; commands given no topic run each in turn.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Topic {
    /// Name, the value of the `topic` parameter.
    pub name: &'static str,
    /// Title for tables and reports.
    pub title: &'static str,
    /// Unit of work, plural.
    pub unit: &'static str,
    /// Its variants, by name, in teaching order.
    pub variants: &'static [&'static str],
    /// The variant its speedups are measured against.
    pub baseline: &'static str,
    /// The variant its answers are checked against.
    pub reference: &'static str,
}

/// The variants a prepared lesson runs and what they are measured and checked against:
/// the whole lesson, or the topic its parameters chose.
#[derive(Debug, Clone)]
pub struct Scope {
    /// The topic, for a lesson with topics.
    pub topic: Option<Topic>,
    /// Indices of the variants that apply, in the lesson's order.
    pub variants: Vec<usize>,
    /// Index of the speed baseline.
    pub baseline: usize,
    /// Index of the reference.
    pub reference: usize,
    /// Unit of work, plural.
    pub unit: &'static str,
}

/// The arithmetic and memory traffic of one unit of work, for the roofline.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Work {
    /// Floating-point operations per unit.
    pub flops: f64,
    /// Bytes that must move per unit at the least (each value read once and written once).
    pub bytes: f64,
}

/// Everything about one lesson, registered once.
pub struct Spec<P: Problem> {
    /// Command-line name, also the name of its binary and bench group.
    pub name: &'static str,
    /// Title for tables and reports.
    pub title: &'static str,
    /// One sentence on what the lesson teaches.
    pub summary: &'static str,
    /// Unit of work, plural (e.g. "cell-updates"; empty where the lesson has topics).
    pub unit: &'static str,
    /// Parameters with defaults and ranges.
    pub params: &'static [ParamSpec],
    /// Variants, slowest idea first.
    pub variants: &'static [Variant<P>],
    /// The variant speedups are measured against (empty where the lesson has topics:
    /// each topic names its own).
    pub baseline: &'static str,
    /// The variant every other one is checked against (empty where the lesson has
    /// topics).
    pub reference: &'static str,
    /// Separate small programs, each with its own variants, baseline, reference and unit,
    /// chosen by the `topic` parameter; empty for a lesson that is one problem.
    pub topics: &'static [Topic],
    /// Largest accepted max-norm relative difference from the reference.
    pub tolerance: f64,
    /// Parameter sets the benches measure.
    pub sizes: &'static [Size],
    /// Builds the problem, checking what the parameter ranges alone cannot.
    pub setup: fn(&Params) -> Result<P>,
    /// The tutor's steps, in order.
    pub steps: &'static [Step],
    /// The exercise, if the lesson has one.
    pub exercise: Option<Exercise<P>>,
    /// Flops and bytes per unit of work, for the roofline columns.
    pub work: Option<Work>,
    /// The variants that use every core (their roofline is the whole machine's).
    pub parallel: &'static [&'static str],
}

/// The result of running one variant.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The final values.
    pub values: Vec<f64>,
    /// Seconds spent in the kernel (setup and snapshots excluded).
    pub seconds: f64,
    /// CPU seconds the process used meanwhile, every thread and every child process it
    /// waited for (more than `seconds` where work ran in parallel); `None` where the
    /// clock cannot read it.
    pub cpu: Option<f64>,
    /// Seconds each worker was busy in [`busy`](crate::timing::busy::busy) sections
    /// during the run, in the order the workers first reported; empty where the kernel
    /// reports none.
    pub busy: Vec<f64>,
    /// Each process's compute, communication and waiting, for a run made by processes
    /// that report them ([`Problem::remote`]); empty otherwise.
    pub split: Vec<Split>,
}

impl Outcome {
    /// Sum of all values (for diffusion: the total density).
    pub fn checksum(&self) -> f64 {
        self.values.iter().sum()
    }
}

/// What to do between chunks of a run: show progress, take snapshots.
pub struct Watch<'a> {
    /// Steps per chunk.
    pub chunk: usize,
    /// Whether to hand the state over as a [`Frame`] after each chunk (and before the first).
    pub frames: bool,
    /// Called with the steps done so far and, if asked for, the frame.
    pub on_chunk: &'a mut dyn FnMut(usize, Option<Frame>) -> Result<()>,
}

/// A lesson with its parameters applied, ready to run any variant.
pub trait Prepared: Sync {
    /// One line on the problem size.
    fn describe(&self) -> String;
    /// What a unit of work moves, where it is a transfer: see [`Problem::transfer`].
    fn transfer(&self) -> Option<Transfer>;
    /// Workers a parameter sets: see [`Problem::workers`].
    fn workers(&self) -> Option<usize>;
    /// Values of `param` to mark on a sweep's chart: see [`Problem::marks`].
    fn marks(&self, param: &str) -> Vec<Mark>;
    /// Steps of a full run.
    fn steps(&self) -> usize;
    /// Units of work per step.
    fn units_per_step(&self) -> u64;
    /// Steps between snapshots, if the lesson draws its state.
    fn frame_every(&self) -> Option<usize>;
    /// Whether variant number `variant` runs in this process ([`Problem::runs_here`]).
    fn runs_here(&self, variant: usize) -> bool;
    /// Runs variant number `variant` for `steps` steps, timing only the kernel.
    fn run(
        &self,
        variant: usize,
        steps: usize,
        clock: &dyn Clock,
        watch: Option<&mut Watch<'_>>,
    ) -> Result<Outcome>;
    /// The exact answer after `steps` steps, where there is one.
    fn exact(&self, steps: usize) -> Option<Vec<f64>>;
    /// Where value number `index` sits, in the lesson's words (e.g. "cell (row 3, column 7)").
    fn locate(&self, index: usize) -> String;
    /// How far `got` is from the reference's `want` (see [`Problem::how_wrong`]).
    fn how_wrong(&self, got: &[f64], want: &[f64]) -> String;
    /// The variants that apply at these parameters, and the baseline and reference.
    fn scope(&self) -> &Scope;
    /// The memory one run of variant number `variant` needs (see [`Problem::memory`]).
    fn memory(&self, variant: usize) -> Memory;
    /// The parameter that sets the size, and the bound on it at which runs need `scale`
    /// times the memory (see [`Problem::resize`]).
    fn resize(&self, scale: f64) -> Resize;
}

/// Every lesson as the rest of perflab sees it.
pub trait Lesson: Sync {
    /// Command-line name.
    fn name(&self) -> &'static str;
    /// Title.
    fn title(&self) -> &'static str;
    /// What it teaches, in one sentence.
    fn summary(&self) -> &'static str;
    /// Unit of work, plural.
    fn unit(&self) -> &'static str;
    /// Parameters.
    fn params(&self) -> &'static [ParamSpec];
    /// Variants in order.
    fn variants(&self) -> Vec<VariantInfo>;
    /// Name of the speed baseline (of the default topic, where there are topics).
    fn baseline(&self) -> &'static str;
    /// Name of the reference variant (of the default topic, where there are topics).
    fn reference(&self) -> &'static str;
    /// The lesson's topics; empty for a lesson that is one problem.
    fn topics(&self) -> &'static [Topic];
    /// Max-norm relative tolerance against the reference.
    fn tolerance(&self) -> f64;
    /// The tolerance variant number `variant` is held to (the lesson's, unless it has its
    /// own).
    fn tolerance_of(&self, variant: usize) -> f64;
    /// Why variant number `variant` is wrong on purpose, if it is ([`Variant::wrong`]).
    fn wrong_of(&self, variant: usize) -> Option<&'static str>;
    /// Where variant number `variant`'s kernel function is in memory (for `cargo perflab asm`).
    fn kernel_address(&self, variant: usize) -> usize;
    /// Bench sizes.
    fn sizes(&self) -> &'static [Size];
    /// The parameters of the size named [`SMALL`] (none where the lesson has no such size):
    /// what a quick tour runs.
    fn small(&self) -> Vec<String> {
        self.sizes()
            .iter()
            .find(|s| s.name == SMALL)
            .map(|s| s.params.iter().map(|p| p.to_string()).collect())
            .unwrap_or_default()
    }
    /// The tutor's steps.
    fn steps(&self) -> &'static [Step];
    /// The exercise, if any.
    fn exercise(&self) -> Option<ExerciseInfo>;
    /// Whether the student's kernel is registered in this binary, as the variant
    /// [`EXERCISE`] (true only in the exercise's own binary).
    fn has_exercise_kernel(&self) -> bool;
    /// Flops and bytes per unit of work.
    fn work(&self) -> Option<Work>;
    /// The variants that use every core.
    fn parallel(&self) -> &'static [&'static str];
    /// Why the lesson cannot run on this machine, if it cannot ([`Problem::missing`]).
    fn missing(&self) -> Option<Error>;
    /// Applies parameters.
    fn prepare(&self, params: &Params) -> Result<Box<dyn Prepared>>;

    /// Parses `key=value` overrides against this lesson's parameters.
    fn parse_params(&self, overrides: &[String]) -> Result<Params> {
        Params::parse(self.name(), self.params(), overrides)
    }

    /// Parses overrides for a run of one variant: where the lesson has topics and none was
    /// given, the variant's own topic; a variant outside the topic given is an error.
    fn parse_params_for(&self, overrides: &[String], variant: &str) -> Result<Params> {
        self.variant_index(variant)?;
        let Some(topic) = self.topic_of(variant) else {
            return self.parse_params(overrides);
        };
        let mut owned = overrides.to_vec();
        if !names_topic(overrides) {
            owned.push(format!("topic={}", topic.name));
        }
        let params = self.parse_params(&owned)?;
        let chosen = params.word("topic");
        if chosen != topic.name {
            let other = self.topics().iter().find(|t| t.name == chosen);
            return Err(Error::VariantNotInTopic {
                lesson: self.name().to_string(),
                variant: variant.to_string(),
                topic: chosen.to_string(),
                valid: other.map(|t| t.variants.join(", ")).unwrap_or_default(),
                own: topic.name.to_string(),
            });
        }
        Ok(params)
    }

    /// The override sets a command given `overrides` runs: one, or for a lesson with
    /// topics and no `topic=` given, one per topic.
    fn topic_runs(&self, overrides: &[String]) -> Vec<Vec<String>> {
        if self.topics().is_empty() || names_topic(overrides) {
            return vec![overrides.to_vec()];
        }
        self.topics()
            .iter()
            .map(|t| {
                let mut o = overrides.to_vec();
                o.push(format!("topic={}", t.name));
                o
            })
            .collect()
    }

    /// The topic variant `name` belongs to (the exercise: the topic its parameters name).
    fn topic_of(&self, name: &str) -> Option<&'static Topic> {
        let topics = self.topics();
        if name == EXERCISE {
            let info = self.exercise()?;
            let chosen = info
                .params
                .iter()
                .find_map(|p| p.split_once('=').filter(|(k, _)| k.trim() == "topic"))?
                .1
                .trim();
            return topics.iter().find(|t| t.name == chosen);
        }
        topics.iter().find(|t| t.variants.contains(&name))
    }

    /// The index of a variant by name, or an error listing the valid names.
    fn variant_index(&self, name: &str) -> Result<usize> {
        let variants = self.variants();
        variants
            .iter()
            .position(|v| v.name == name)
            .ok_or_else(|| Error::UnknownVariant {
                lesson: self.name().to_string(),
                name: name.to_string(),
                valid: variants
                    .iter()
                    .map(|v| v.name)
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }
}

/// Whether overrides choose a topic.
pub fn names_topic(overrides: &[String]) -> bool {
    overrides
        .iter()
        .any(|o| o.split_once('=').is_some_and(|(k, _)| k.trim() == "topic"))
}

impl<P: Problem> Spec<P> {
    /// Registers the student's kernel as the variant [`EXERCISE`]; the exercise's binary
    /// calls this before it runs the CLI. Only the first kernel registered counts.
    pub fn set_exercise(&self, kernel: Kernel<P>) {
        if let Some(e) = &self.exercise {
            let _ = e.kernel.set(kernel);
        }
    }

    fn exercise_kernel(&self) -> Option<Kernel<P>> {
        self.exercise.as_ref().and_then(|e| e.kernel.get().copied())
    }

    /// The kernel of variant number `variant`: the lesson's, or just past them the
    /// registered exercise.
    fn kernel(&self, variant: usize) -> Option<Kernel<P>> {
        match self.variants.get(variant) {
            Some(v) => Some(v.kernel),
            None if variant == self.variants.len() => self.exercise_kernel(),
            None => None,
        }
    }

    fn default_topic(&self) -> Option<&'static Topic> {
        let default = self.params.iter().find(|p| p.name == "topic")?.default;
        self.topics.iter().find(|t| t.name == default)
    }

    fn index(&self, name: &str) -> Result<usize> {
        self.variant_index(name)
    }

    fn scope(&self, params: &Params) -> Result<Scope> {
        let exercise = self.exercise_kernel().map(|_| self.variants.len());
        if self.topics.is_empty() {
            return Ok(Scope {
                topic: None,
                variants: (0..self.variants.len()).chain(exercise).collect(),
                baseline: self.index(self.baseline)?,
                reference: self.index(self.reference)?,
                unit: self.unit,
            });
        }
        let name = params.word("topic");
        let topic = *self.topics.iter().find(|t| t.name == name).ok_or_else(|| {
            Error::param(
                "topic",
                name,
                format!(
                    "one of: {}",
                    self.topics
                        .iter()
                        .map(|t| t.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })?;
        let mut variants = topic
            .variants
            .iter()
            .map(|v| self.index(v))
            .collect::<Result<Vec<_>>>()?;
        if self
            .topic_of(EXERCISE)
            .is_some_and(|t| t.name == topic.name)
        {
            variants.extend(exercise);
        }
        variants.sort_unstable();
        Ok(Scope {
            topic: Some(topic),
            variants,
            baseline: self.index(topic.baseline)?,
            reference: self.index(topic.reference)?,
            unit: topic.unit,
        })
    }
}

impl<P: Problem> Lesson for Spec<P> {
    fn name(&self) -> &'static str {
        self.name
    }
    fn title(&self) -> &'static str {
        self.title
    }
    fn summary(&self) -> &'static str {
        self.summary
    }
    fn unit(&self) -> &'static str {
        self.default_topic().map_or(self.unit, |t| t.unit)
    }
    fn params(&self) -> &'static [ParamSpec] {
        self.params
    }
    fn variants(&self) -> Vec<VariantInfo> {
        let mut all: Vec<VariantInfo> = self.variants.iter().map(|v| v.info).collect();
        if self.exercise_kernel().is_some() {
            all.push(VariantInfo {
                name: EXERCISE,
                what: "your kernel, from the file the exercise names (`cargo perflab hint` helps)",
            });
        }
        all
    }
    fn baseline(&self) -> &'static str {
        self.default_topic().map_or(self.baseline, |t| t.baseline)
    }
    fn reference(&self) -> &'static str {
        self.default_topic().map_or(self.reference, |t| t.reference)
    }
    fn topics(&self) -> &'static [Topic] {
        self.topics
    }
    fn tolerance(&self) -> f64 {
        self.tolerance
    }
    fn kernel_address(&self, variant: usize) -> usize {
        self.kernel(variant).map_or(0, |k| k as usize)
    }
    fn tolerance_of(&self, variant: usize) -> f64 {
        self.variants
            .get(variant)
            .and_then(|v| v.tolerance)
            .unwrap_or(self.tolerance)
    }
    fn wrong_of(&self, variant: usize) -> Option<&'static str> {
        self.variants.get(variant).and_then(|v| v.wrong)
    }
    fn sizes(&self) -> &'static [Size] {
        self.sizes
    }
    fn steps(&self) -> &'static [Step] {
        self.steps
    }
    fn exercise(&self) -> Option<ExerciseInfo> {
        self.exercise.as_ref().map(|e| e.info)
    }
    fn has_exercise_kernel(&self) -> bool {
        self.exercise_kernel().is_some()
    }
    fn work(&self) -> Option<Work> {
        self.work
    }
    fn parallel(&self) -> &'static [&'static str] {
        self.parallel
    }
    fn missing(&self) -> Option<Error> {
        P::missing()
    }
    fn prepare(&self, params: &Params) -> Result<Box<dyn Prepared>> {
        let scope = self.scope(params)?;
        let problem = (self.setup)(params)?;
        Ok(Box::new(Ready {
            problem,
            scope,
            lesson: self.name,
            variants: self.variants,
            exercise: self.exercise_kernel(),
            names: self.variants(),
            exercise_topic: self.topic_of(EXERCISE),
            topics: self.topics,
        }))
    }
}

struct Ready<P: Problem> {
    problem: P,
    scope: Scope,
    lesson: &'static str,
    variants: &'static [Variant<P>],
    exercise: Option<Kernel<P>>,
    names: Vec<VariantInfo>,
    exercise_topic: Option<&'static Topic>,
    topics: &'static [Topic],
}

impl<P: Problem> Prepared for Ready<P> {
    fn describe(&self) -> String {
        self.problem.describe()
    }
    fn transfer(&self) -> Option<Transfer> {
        self.problem.transfer()
    }
    fn workers(&self) -> Option<usize> {
        self.problem.workers()
    }
    fn marks(&self, param: &str) -> Vec<Mark> {
        self.problem.marks(param)
    }
    fn steps(&self) -> usize {
        self.problem.steps()
    }
    fn units_per_step(&self) -> u64 {
        self.problem.units_per_step()
    }
    fn frame_every(&self) -> Option<usize> {
        self.problem.frame_every()
    }
    fn exact(&self, steps: usize) -> Option<Vec<f64>> {
        self.problem.exact(steps)
    }
    fn how_wrong(&self, got: &[f64], want: &[f64]) -> String {
        self.problem.how_wrong(got, want)
    }
    fn locate(&self, index: usize) -> String {
        self.problem.locate(index)
    }
    fn scope(&self) -> &Scope {
        &self.scope
    }
    fn memory(&self, variant: usize) -> Memory {
        self.problem
            .memory(self.names.get(variant).map_or(EXERCISE, |v| v.name))
    }
    fn resize(&self, scale: f64) -> Resize {
        self.problem.resize(scale)
    }
    fn runs_here(&self, variant: usize) -> bool {
        self.problem
            .runs_here(self.names.get(variant).map_or(EXERCISE, |v| v.name))
    }
    fn run(
        &self,
        variant: usize,
        steps: usize,
        clock: &dyn Clock,
        watch: Option<&mut Watch<'_>>,
    ) -> Result<Outcome> {
        let kernel = match self.variants.get(variant) {
            Some(v) => Some(v.kernel),
            None if variant == self.variants.len() => self.exercise,
            None => None,
        };
        let Some(kernel) = kernel else {
            return Err(Error::UnknownVariant {
                lesson: self.lesson.to_string(),
                name: format!("number {variant}"),
                valid: self
                    .names
                    .iter()
                    .map(|v| v.name)
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        };
        if !self.scope.variants.contains(&variant) {
            let name = self.names[variant].name;
            let own = match name {
                EXERCISE => self.exercise_topic,
                _ => self.topics.iter().find(|t| t.variants.contains(&name)),
            };
            return Err(Error::VariantNotInTopic {
                lesson: self.lesson.to_string(),
                variant: name.to_string(),
                topic: self.scope.topic.map_or("", |t| t.name).to_string(),
                valid: self
                    .scope
                    .topic
                    .map(|t| t.variants.join(", "))
                    .unwrap_or_default(),
                own: own.map_or("", |t| t.name).to_string(),
            });
        }
        let p = &self.problem;
        let mut state = p.initial();
        let mut seconds = 0.0;
        let mut split = Vec::new();
        let mut remote_cpu: Option<f64> = None;
        crate::timing::busy::take();
        let cpu_before = clock.process_cpu();
        match watch {
            None => {
                let start = clock.now();
                kernel(p, &mut state, steps);
                let wall = (clock.now() - start).as_secs_f64();
                seconds += remote(p, &mut state, wall, &mut split, &mut remote_cpu)?;
            }
            Some(w) => {
                let frame = |s: &P::State| if w.frames { p.frame(s) } else { None };
                (w.on_chunk)(0, frame(&state))?;
                let mut done = 0;
                while done < steps {
                    let n = w.chunk.max(1).min(steps - done);
                    let start = clock.now();
                    kernel(p, &mut state, n);
                    let wall = (clock.now() - start).as_secs_f64();
                    seconds += remote(p, &mut state, wall, &mut split, &mut remote_cpu)?;
                    done += n;
                    (w.on_chunk)(done, frame(&state))?;
                }
            }
        }
        let cpu = match (cpu_before, clock.process_cpu()) {
            // Processes that timed their own work counted their own CPU over that time:
            // the launch's is not part of the work.
            _ if !split.is_empty() => remote_cpu,
            (Some(a), Some(b)) => Some((b - a).max(0.0)),
            _ => None,
        };
        let busy = crate::timing::busy::take();
        Ok(Outcome {
            values: p.take_values(state),
            seconds,
            cpu,
            busy,
            split,
        })
    }
}

/// The seconds a kernel call counts for: the wall time `wall` it took here, or, where the
/// work ran in processes that timed it ([`Problem::remote`]), their time; their split is
/// added to `split`, process by process, and their CPU seconds to `cpu`.
fn remote<P: Problem>(
    p: &P,
    state: &mut P::State,
    wall: f64,
    split: &mut Vec<Split>,
    cpu: &mut Option<f64>,
) -> Result<f64> {
    let Some(r) = p.remote(state)? else {
        return Ok(wall);
    };
    *cpu = match (*cpu, r.cpu) {
        (Some(a), Some(b)) => Some(a + b),
        (None, b) if split.is_empty() => b,
        _ => None,
    };
    if split.len() < r.split.len() {
        split.resize(r.split.len(), Split::default());
    }
    for (sum, s) in split.iter_mut().zip(&r.split) {
        sum.compute += s.compute;
        sum.communicate += s.communicate;
        sum.wait += s.wait;
    }
    Ok(r.seconds)
}

/// Max-norm relative difference `max|a − r| / max|r|` (absolute where `r` is all zero);
/// infinite when the lengths differ or anything is not finite.
pub fn max_rel_error(a: &[f64], r: &[f64]) -> f64 {
    if a.len() != r.len() {
        return f64::INFINITY;
    }
    let diff = a
        .iter()
        .zip(r)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max);
    let scale = r.iter().map(|y| y.abs()).fold(0.0, f64::max);
    if a.iter().chain(r).any(|v| !v.is_finite()) {
        f64::INFINITY
    } else if scale > 0.0 {
        diff / scale
    } else {
        diff
    }
}

#[cfg(test)]
mod tests {
    use super::max_rel_error;

    #[test]
    fn relative_error_is_max_norm() {
        assert_eq!(max_rel_error(&[1.0, 2.0], &[1.0, 4.0]), 0.5);
        assert_eq!(max_rel_error(&[0.5], &[0.0]), 0.5);
        assert_eq!(max_rel_error(&[1.0], &[1.0, 2.0]), f64::INFINITY);
        assert_eq!(max_rel_error(&[f64::NAN], &[1.0]), f64::INFINITY);
    }
}
