//! The command line: `perflab <command>`, each lesson's own binary (`diffusion <command>`
//! is `perflab <command> diffusion`) and each exercise's binary. Thin: it parses
//! arguments, turns each command into one library call with an options struct, and
//! decides where output goes. What the commands do lives in [`crate::commands`] and
//! [`crate::student`].

use crate::commands::{self, Exit, Format, compare, inspect, profile, run, tour};
use crate::lesson::EXERCISE;
use crate::lessons;
use crate::student::{self, check, exercise, tutor};
use crate::timing::RealClock;
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// perflab: performance engineering taught by doing.
#[derive(Debug, Parser)]
#[command(name = "perflab", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Lessons, their variants and parameters.
    List,
    /// Run one variant once: time, rate, checksum, check against the reference.
    Run {
        /// Lesson name (see `cargo perflab list`).
        lesson: String,
        #[command(flatten)]
        args: RunArgs,
    },
    /// Every variant side by side: a table of times, rates, speedups and checks.
    Compare {
        /// Lesson name.
        lesson: String,
        #[command(flatten)]
        args: CompareArgs,
    },
    /// Time one variant like IPython's %timeit: automatic loop count, best of r.
    Timeit {
        /// Lesson name.
        lesson: String,
        #[command(flatten)]
        args: TimeitArgs,
    },
    /// Profile one variant: functions (cProfile), lines and memory (line_profiler,
    /// memory_profiler), sampled stacks (flamegraphs, pprof); or `--diff A B`.
    Profile {
        /// Lesson name.
        lesson: String,
        #[command(flatten)]
        args: ProfileArgs,
    },
    /// Compare every lesson and write the tables under reports/.
    Tour(TourArgs),
    /// Walk through a lesson step by step: a short text, then real code and its results.
    Tutor {
        /// Lesson name.
        lesson: String,
        #[command(flatten)]
        args: TutorArgs,
    },
    /// Build your exercise, check its answer, and grade its speed against the baseline.
    Check {
        /// Lesson name.
        lesson: String,
        #[command(flatten)]
        args: CheckArgs,
    },
    /// Show the next hint for a lesson's exercise.
    Hint {
        /// Lesson name.
        lesson: String,
    },
    /// Re-check the exercise every time a file under lessons/ is saved.
    Watch {
        /// Lesson name.
        lesson: String,
    },
    /// Restore a lesson's exercise as shipped (your version is kept beside it as .bak).
    Reset {
        /// Lesson name.
        lesson: String,
    },
    /// Each lesson's progress: tutor steps seen, hints, exercise passed, best speedup.
    Progress,
    /// A variant's machine code, packed SIMD instructions marked (like Python's `dis`).
    Asm {
        /// Lesson name.
        lesson: String,
        #[command(flatten)]
        args: AsmArgs,
    },
    /// Measure this machine's memory bandwidth and peak flops once, for the roofline
    /// columns of `compare`.
    Machine {
        /// Measure again even if a measurement of this machine is kept.
        #[arg(long)]
        again: bool,
    },
}

/// A lesson's own binary.
#[derive(Debug, Parser)]
struct LessonCli {
    #[command(subcommand)]
    command: Option<LessonCommand>,
}

#[derive(Debug, Subcommand)]
enum LessonCommand {
    /// This lesson's variants and parameters.
    List,
    /// Run one variant once (the default command).
    Run(RunArgs),
    /// Every variant side by side.
    Compare(CompareArgs),
    /// Time one variant like %timeit.
    Timeit(TimeitArgs),
    /// Profile one variant (functions, lines, memory, sampled stacks), or `--diff A B`.
    Profile(ProfileArgs),
    /// Walk through the lesson step by step.
    Tutor(TutorArgs),
    /// Build your exercise, check its answer, and grade its speed.
    Check(CheckArgs),
    /// Show the next hint for the exercise.
    Hint,
    /// Re-check the exercise every time a file under lessons/ is saved.
    Watch,
    /// Restore the exercise as shipped.
    Reset,
    /// Progress through the lessons.
    Progress,
    /// A variant's machine code, packed SIMD instructions marked.
    Asm(AsmArgs),
}

#[derive(Debug, Args, Clone, Default)]
struct ParamArgs {
    /// Override a parameter, e.g. --param dx=0.1 (repeatable; see `list`).
    #[arg(short, long = "param", value_name = "KEY=VALUE")]
    params: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(Debug, Args, Clone, Default)]
struct RunArgs {
    /// Variant to run [default: the lesson's reference variant].
    #[arg(short, long)]
    variant: Option<String>,
    #[command(flatten)]
    common: ParamArgs,
    /// Write a colour-map PNG of the state every snapshot interval, and an animated GIF.
    #[arg(long, value_name = "DIR")]
    snapshots: Option<PathBuf>,
}

#[derive(Debug, Args, Clone)]
struct CompareArgs {
    /// Only these variants (comma-separated); the baseline is always measured.
    #[arg(long, value_delimiter = ',', value_name = "V,V,…")]
    variants: Vec<String>,
    #[command(flatten)]
    common: ParamArgs,
    #[command(flatten)]
    timing: TimingArgs,
}

#[derive(Debug, Args, Clone)]
struct TimingArgs {
    /// Timed runs of each variant.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=1000))]
    samples: u64,
    /// Seconds one run of a variant may take; slower variants run fewer steps.
    #[arg(long, default_value_t = 0.5, value_parser = positive_seconds, allow_hyphen_values = true)]
    budget: f64,
    /// Run every variant for the full number of steps, however long that takes.
    #[arg(long)]
    full: bool,
}

#[derive(Debug, Args, Clone)]
struct TimeitArgs {
    /// Variant to time.
    #[arg(short, long)]
    variant: String,
    #[command(flatten)]
    common: ParamArgs,
    /// Timings to take (best of r).
    #[arg(short, long, default_value_t = 7, value_parser = clap::value_parser!(u64).range(1..=1000))]
    repeat: u64,
    /// Loops per timing [default: automatic, enough for 0.2 s].
    #[arg(short, long, value_parser = clap::value_parser!(u64).range(1..))]
    number: Option<u64>,
}

#[derive(Debug, Args, Clone)]
struct ProfileArgs {
    /// Variant to profile.
    #[arg(short, long, required_unless_present = "diff")]
    variant: Option<String>,
    /// The function profiler: pstats table, callgrind file, instrumented flamegraph.
    #[arg(long)]
    functions: bool,
    /// The line profiler (#[perflab::profile]), with memory per line.
    #[arg(long)]
    lines: bool,
    /// The run's memory: peak, totals, timeline plot.
    #[arg(long)]
    memory: bool,
    /// The sampling profiler: flamegraph, profile.pb, sampled line profile.
    #[arg(long)]
    flamegraph: bool,
    /// A differential flamegraph of two variants, A before and B after.
    #[arg(long, num_args = 2, value_names = ["A", "B"], conflicts_with_all = ["variant", "functions", "lines", "memory", "flamegraph"])]
    diff: Vec<String>,
    /// Folder for the files [default: reports/<lesson>/<variant> or reports/<lesson>/diff-A-B].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Order of the function table.
    #[arg(long, value_enum, default_value = "cumtime")]
    sort: crate::profile::func::SortKey,
    /// Rows of the function and sampled-line tables.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    top: u64,
    /// Samples per second of CPU time for the sampling profiler.
    #[arg(long, default_value_t = 1000, value_name = "HZ", value_parser = clap::value_parser!(i32).range(1..=10_000))]
    frequency: i32,
    /// Steps of each profiled run [default: what fits in --budget; the line profiler runs a tenth].
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    steps: Option<u64>,
    /// Seconds an unprofiled run may take, to choose the steps.
    #[arg(long, default_value_t = 2.0, value_parser = positive_seconds, allow_hyphen_values = true)]
    budget: f64,
    /// Override a parameter, e.g. --param dx=0.1 (repeatable; see `list`).
    #[arg(short, long = "param", value_name = "KEY=VALUE")]
    params: Vec<String>,
}

#[derive(Debug, Args, Clone)]
struct AsmArgs {
    /// Variant whose kernel to show.
    #[arg(short, long)]
    variant: String,
    /// Only the summary, without the listing.
    #[arg(long)]
    summary: bool,
    /// Also every function of the program's own that the kernel calls, directly or not.
    #[arg(long)]
    callees: bool,
}

#[derive(Debug, Args, Clone)]
struct TutorArgs {
    /// Start at this step (1-based).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    step: Option<u64>,
    /// Run every step without waiting for Enter.
    #[arg(long)]
    no_pause: bool,
    /// Override a parameter in every step, e.g. --param dx=0.3 for a quick walk.
    #[arg(short, long = "param", value_name = "KEY=VALUE")]
    params: Vec<String>,
}

#[derive(Debug, Args, Clone)]
struct CheckArgs {
    /// Interleaved rounds of baseline and exercise.
    #[arg(long, default_value_t = 15, value_parser = clap::value_parser!(u64).range(3..=1000))]
    rounds: u64,
    /// Check the exercise compiled into this binary, without rebuilding it first.
    #[arg(long)]
    no_build: bool,
}

#[derive(Debug, Args, Clone)]
struct TourArgs {
    /// Folder for the tables.
    #[arg(long, default_value = "reports")]
    out: PathBuf,
    #[command(flatten)]
    timing: TimingArgs,
}

fn positive_seconds(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v <= 3600.0 => Ok(v),
        _ => Err("expected seconds, 0 < budget ≤ 3600".to_string()),
    }
}

impl From<TimingArgs> for commands::Timing {
    fn from(t: TimingArgs) -> commands::Timing {
        commands::Timing {
            samples: t.samples,
            budget: t.budget,
            full: t.full,
        }
    }
}

impl From<RunArgs> for run::RunOptions {
    fn from(a: RunArgs) -> run::RunOptions {
        run::RunOptions {
            variant: a.variant,
            params: a.common.params,
            format: a.common.format,
            snapshots: a.snapshots,
        }
    }
}

impl From<CompareArgs> for compare::CompareOptions {
    fn from(a: CompareArgs) -> compare::CompareOptions {
        compare::CompareOptions {
            variants: a.variants,
            params: a.common.params,
            format: a.common.format,
            timing: a.timing.into(),
        }
    }
}

impl From<TimeitArgs> for run::TimeitOptions {
    fn from(a: TimeitArgs) -> run::TimeitOptions {
        run::TimeitOptions {
            variant: a.variant,
            params: a.common.params,
            format: a.common.format,
            repeat: a.repeat,
            number: a.number,
        }
    }
}

impl From<ProfileArgs> for profile::ProfileOptions {
    fn from(a: ProfileArgs) -> profile::ProfileOptions {
        profile::ProfileOptions {
            variant: a.variant,
            functions: a.functions,
            lines: a.lines,
            memory: a.memory,
            flamegraph: a.flamegraph,
            diff: a.diff,
            out: a.out,
            sort: a.sort,
            top: a.top,
            frequency: a.frequency,
            steps: a.steps,
            budget: a.budget,
            params: a.params,
        }
    }
}

/// Entry point of the `perflab` binary.
pub fn main() -> ExitCode {
    let _heap = crate::profile::dhat_heap();
    match Cli::try_parse() {
        Ok(cli) => finish(dispatch(cli.command)),
        Err(e) => clap_exit(e),
    }
}

/// Entry point of a lesson's own binary: its commands are the umbrella's, with the lesson
/// given.
pub fn lesson_main(name: &'static str) -> ExitCode {
    let _heap = crate::profile::dhat_heap();
    let found = match lessons::find(name) {
        Ok(l) => l,
        Err(e) => return finish(Err(e.into())),
    };
    let about = format!("{} — {}", found.title(), found.summary());
    let parsed = LessonCli::command()
        .name(name)
        .bin_name(name)
        .about(about)
        .try_get_matches()
        .and_then(|m| LessonCli::from_arg_matches(&m));
    let cli = match parsed {
        Ok(c) => c,
        Err(e) => return clap_exit(e),
    };
    let lesson = name.to_string();
    use LessonCommand as L;
    let command = match cli.command.unwrap_or(L::Run(RunArgs::default())) {
        L::List => {
            return finish(commands::list::list(
                &[found],
                &mut std::io::stdout().lock(),
            ));
        }
        L::Run(args) => Command::Run { lesson, args },
        L::Compare(args) => Command::Compare { lesson, args },
        L::Timeit(args) => Command::Timeit { lesson, args },
        L::Profile(args) => Command::Profile { lesson, args },
        L::Tutor(args) => Command::Tutor { lesson, args },
        L::Check(args) => Command::Check { lesson, args },
        L::Hint => Command::Hint { lesson },
        L::Watch => Command::Watch { lesson },
        L::Reset => Command::Reset { lesson },
        L::Progress => Command::Progress,
        L::Asm(args) => Command::Asm { lesson, args },
    };
    finish(dispatch(command))
}

/// Entry point of an exercise's binary: `register` makes the student's kernel the lesson's
/// variant `exercise`; then the arguments are parsed as the program named by `argv[0]`
/// would (a lesson's binary, or `perflab`), since [`exercise::delegate`] runs a command
/// here unchanged.
pub fn exercise_main(register: impl FnOnce()) -> ExitCode {
    register();
    let arg0 = std::env::args_os().next().map(PathBuf::from);
    let stem = arg0.as_deref().and_then(|p| p.file_stem()?.to_str());
    match stem.and_then(|s| lessons::find(s).ok()) {
        Some(lesson) => lesson_main(lesson.name()),
        None => main(),
    }
}

/// Clap's own errors, cut to their first line; help and version go out as clap prints them.
fn clap_exit(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = e.print();
            ExitCode::SUCCESS
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            ExitCode::from(2)
        }
        _ => {
            let text = e.to_string();
            eprintln!("{}", text.lines().next().unwrap_or("error: bad arguments"));
            ExitCode::from(2)
        }
    }
}

fn finish(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if let Some(Exit(code)) = e.downcast_ref::<Exit>() {
                return ExitCode::from(*code);
            }
            // A closed pipe (`cargo perflab list | head`) is not an error worth reporting.
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// The lesson a command names the student's kernel in (`--variant exercise`, `--variants
/// …,exercise`, `--diff A exercise`), if any.
fn names_exercise(command: &Command) -> Option<&str> {
    let is = |v: &Option<String>| v.as_deref() == Some(EXERCISE);
    let any = |vs: &[String]| vs.iter().any(|v| v == EXERCISE);
    match command {
        Command::Run { lesson, args } if is(&args.variant) => Some(lesson),
        Command::Timeit { lesson, args } if args.variant == EXERCISE => Some(lesson),
        Command::Compare { lesson, args } if any(&args.variants) => Some(lesson),
        Command::Profile { lesson, args } if is(&args.variant) || any(&args.diff) => Some(lesson),
        Command::Asm { lesson, args } if args.variant == EXERCISE => Some(lesson),
        _ => None,
    }
}

fn dispatch(command: Command) -> anyhow::Result<()> {
    // The student's kernel lives in the exercise's own binary: run the command there.
    if let Some(name) = names_exercise(&command) {
        let lesson = lessons::find(name)?;
        if lesson.exercise().is_some() && !lesson.has_exercise_kernel() {
            return exercise::delegate(lesson);
        }
    }
    let out = &mut std::io::stdout().lock();
    let clock = RealClock::default();
    let state = student::state::path();
    let find = lessons::find;
    match command {
        Command::List => commands::list::list(lessons::all(), out),
        Command::Run { lesson, args } => run::run(find(&lesson)?, &args.into(), &clock, out),
        Command::Compare { lesson, args } => {
            compare::compare(find(&lesson)?, &args.into(), &clock, out)
        }
        Command::Timeit { lesson, args } => run::time_it(find(&lesson)?, &args.into(), &clock, out),
        Command::Profile { lesson, args } => profile::command(find(&lesson)?, &args.into(), out),
        Command::Tour(args) => {
            let options = tour::TourOptions {
                out: args.out,
                timing: args.timing.into(),
            };
            tour::tour(lessons::all(), &options, &clock, out)
        }
        Command::Tutor { lesson, args } => {
            let options = tutor::TutorOptions {
                step: args.step,
                no_pause: args.no_pause,
                params: args.params,
            };
            let input = &mut std::io::stdin().lock();
            tutor::tutor(find(&lesson)?, &options, &clock, input, &state, out)
        }
        Command::Check { lesson, args } => {
            let options = check::CheckOptions {
                rounds: args.rounds,
                no_build: args.no_build,
            };
            check::command(find(&lesson)?, &options, &clock, &state, out)
        }
        Command::Hint { lesson } => exercise::hint(find(&lesson)?, &state, out),
        Command::Watch { lesson } => student::watch::command(find(&lesson)?, out),
        Command::Reset { lesson } => exercise::reset(find(&lesson)?, &crate::files::root(), out),
        Command::Progress => student::progress::progress(lessons::all(), &state, out),
        Command::Machine { again } => inspect::machine(again, out),
        Command::Asm { lesson, args } => {
            let options = inspect::AsmOptions {
                variant: args.variant,
                summary: args.summary,
                callees: args.callees,
            };
            inspect::asm(find(&lesson)?, &options, out)
        }
    }
}
