//! The command line: `perflab <command>`, each lesson's own binary (`diffusion <command>`
//! is `perflab <command> diffusion`) and each exercise's binary. Thin: it parses
//! arguments, turns each command into one library call with an options struct, and
//! decides where output goes. What the commands do lives in [`crate::commands`] and
//! [`crate::student`].

use crate::commands::numbers::{seconds, whole};
use crate::commands::{self, Format, compare, inspect, profile, run, tour};
use crate::lesson::EXERCISE;
use crate::lessons;
use crate::student::{self, check, exercise, tutor};
use crate::timing::RealClock;
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use std::ffi::OsString;
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
    List {
        /// Only this lesson.
        lesson: Option<String>,
    },
    /// Run one variant once: time, rate, checksum, check against the reference.
    Run(RunArgs),
    /// Every variant side by side: a table of times, rates, speedups and checks.
    Compare(CompareArgs),
    /// One variant at several values of a parameter (e.g. a chunk size), each checked.
    Sweep(SweepArgs),
    /// Time one variant like IPython's %timeit: automatic loop count, best of r.
    Timeit(TimeitArgs),
    /// Profile one variant: functions (cProfile), lines and memory (line_profiler,
    /// memory_profiler), sampled stacks (flamegraphs, pprof); or `--diff A B`.
    Profile(ProfileArgs),
    /// Instructions, cache misses and page faults per unit of work, counted under
    /// valgrind's cachegrind (a portable build): figures that do not depend on noise.
    Counts(CountsArgs),
    /// Compare every lesson and write the tables under reports/ (profiling its baseline
    /// and fastest variant for at most 0.3 s each, or --budget if shorter).
    Tour(TourArgs),
    /// Walk through a lesson step by step: a short text, then real code and its results.
    Tutor(TutorArgs),
    /// Build your exercise, check its answer, and grade its speed against the baseline.
    Check(CheckArgs),
    /// Show the next hint for a lesson's exercise.
    Hint(LessonArg),
    /// Re-check the exercise every time a file under lessons/ is saved.
    Watch(LessonArg),
    /// Restore a lesson's exercise as shipped (your version is kept beside it as .bak).
    Reset(LessonArg),
    /// Each lesson's progress: tutor steps seen, hints, exercise passed, best speedup.
    Progress,
    /// A variant's machine code, packed SIMD instructions marked (like Python's `dis`).
    Asm(AsmArgs),
    /// Measure this machine's memory bandwidth and peak flops once, for the roofline
    /// columns of `compare`.
    Machine {
        /// Measure again even if a measurement of this machine is kept.
        #[arg(long)]
        again: bool,
    },
}

#[derive(Debug, Args, Clone)]
struct LessonArg {
    /// Lesson name (see `cargo perflab list`).
    lesson: String,
}

#[derive(Debug, Args, Clone, Default)]
struct RunArgs {
    /// Lesson name (see `cargo perflab list`).
    lesson: String,
    /// Variant to run [default: the lesson's reference variant].
    #[arg(short, long)]
    variant: Option<String>,
    /// Override a parameter, e.g. --param dx=0.1 (repeatable; see `list`).
    #[arg(short, long = "param", value_name = "KEY=VALUE")]
    params: Vec<String>,
    /// MPI processes, for a lesson that runs on ranks (mpi): --ranks N is --param ranks=N.
    #[arg(long, value_name = "N")]
    ranks: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
    /// Write a colour-map PNG of the state every snapshot interval, and an animated GIF.
    #[arg(long, value_name = "DIR")]
    snapshots: Option<PathBuf>,
    /// Run even when a short calibration says the run takes over ten minutes.
    #[arg(long)]
    long: bool,
}

#[derive(Debug, Args, Clone)]
struct CompareArgs {
    /// Lesson name (see `cargo perflab list`).
    lesson: String,
    /// Only these variants (comma-separated); the baseline is always measured.
    #[arg(long, value_delimiter = ',', value_name = "V,V,…")]
    variants: Vec<String>,
    /// Override a parameter, e.g. --param dx=0.1 (repeatable; see `list`).
    #[arg(short, long = "param", value_name = "KEY=VALUE")]
    params: Vec<String>,
    /// MPI processes, for a lesson that runs on ranks (mpi): --ranks N is --param ranks=N.
    #[arg(long, value_name = "N")]
    ranks: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
    #[command(flatten)]
    timing: TimingArgs,
}

#[derive(Debug, Args, Clone)]
struct SweepArgs {
    /// Lesson name (see `cargo perflab list`).
    lesson: String,
    /// Variant to time, or several separated by commas (one curve each), e.g. shm,tcp.
    #[arg(short, long)]
    variant: String,
    /// The parameter and its values, e.g. --sweep chunk=1,10,100 (required).
    #[arg(long, value_name = "KEY=V1,V2,…")]
    sweep: Option<String>,
    /// Override another parameter, e.g. --param samples=100000 (repeatable; see `list`).
    #[arg(short, long = "param", value_name = "KEY=VALUE")]
    params: Vec<String>,
    /// MPI processes, for a lesson that runs on ranks (mpi): --ranks N is --param ranks=N.
    #[arg(long, value_name = "N")]
    ranks: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
    /// Also draw the curve as an SVG chart in this file.
    #[arg(long, value_name = "FILE")]
    chart: Option<PathBuf>,
    #[command(flatten)]
    timing: TimingArgs,
}

#[derive(Debug, Args, Clone)]
struct TimingArgs {
    /// Timed runs of each variant.
    #[arg(long, default_value_t = 5, value_parser = whole::<u64>("samples"), allow_hyphen_values = true)]
    samples: u64,
    /// Seconds one run of a variant may take; slower variants run fewer steps.
    #[arg(long, default_value_t = 0.5, value_parser = seconds("budget"), allow_hyphen_values = true)]
    budget: f64,
    /// Run every variant for the full number of steps.
    #[arg(long)]
    full: bool,
    /// With --full: run even when a short calibration says it takes over ten minutes.
    #[arg(long)]
    long: bool,
}

#[derive(Debug, Args, Clone)]
struct TimeitArgs {
    /// Lesson name (see `cargo perflab list`).
    lesson: String,
    /// Variant to time.
    #[arg(short, long)]
    variant: String,
    /// Override a parameter, e.g. --param dx=0.1 (repeatable; see `list`).
    #[arg(short, long = "param", value_name = "KEY=VALUE")]
    params: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
    /// Timings to take (best of r).
    #[arg(short, long, default_value_t = 7, value_parser = whole::<u64>("repeat"), allow_hyphen_values = true)]
    repeat: u64,
    /// Loops per timing [default: automatic, enough for 0.2 s].
    #[arg(short, long, value_parser = whole::<u64>("number"), allow_hyphen_values = true)]
    number: Option<u64>,
    /// Time even when a short calibration says the timings take over ten minutes.
    #[arg(long)]
    long: bool,
}

#[derive(Debug, Args, Clone)]
struct ProfileArgs {
    /// Lesson name (see `cargo perflab list`).
    lesson: String,
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
    #[arg(long, default_value_t = 20, value_parser = whole::<u64>("top"), allow_hyphen_values = true)]
    top: u64,
    /// Samples per second of CPU time for the sampling profiler.
    #[arg(long, default_value_t = 1000, value_name = "HZ", value_parser = whole::<i32>("frequency"), allow_hyphen_values = true)]
    frequency: i32,
    /// Keep the frames below the variant (main, the CLI, the profiler) in flamegraphs.
    #[arg(long)]
    full_stacks: bool,
    /// Run the variant under a valgrind tool instead (a portable build, which valgrind
    /// can decode).
    #[arg(long, value_enum, value_name = "TOOL", conflicts_with = "diff")]
    valgrind: Option<crate::commands::valgrind::Tool>,
    /// Steps of each profiled run [default: what fits in --budget; the line profiler runs a tenth].
    #[arg(long, value_parser = whole::<u64>("steps"), allow_hyphen_values = true)]
    steps: Option<u64>,
    /// Seconds an unprofiled run may take, to choose the steps.
    #[arg(long, default_value_t = 2.0, value_parser = seconds("budget"), allow_hyphen_values = true)]
    budget: f64,
    /// Override a parameter, e.g. --param dx=0.1 (repeatable; see `list`).
    #[arg(short, long = "param", value_name = "KEY=VALUE")]
    params: Vec<String>,
}

#[derive(Debug, Args, Clone)]
struct CountsArgs {
    /// Lesson name (see `cargo perflab list`).
    lesson: String,
    /// Variants to count (comma-separated) [default: every variant that runs in this process].
    #[arg(short, long, value_delimiter = ',', value_name = "V,W,…")]
    variant: Vec<String>,
    /// Override a parameter, e.g. --param dx=0.5 (repeatable; see `list`).
    #[arg(short, long = "param", value_name = "KEY=VALUE")]
    params: Vec<String>,
    /// Steps counted [default: enough for about 200 000 units of work].
    #[arg(long, value_parser = whole::<u64>("steps"), allow_hyphen_values = true)]
    steps: Option<u64>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(Debug, Args, Clone)]
struct AsmArgs {
    /// Lesson name (see `cargo perflab list`).
    lesson: String,
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
    /// Lesson name (see `cargo perflab list`).
    lesson: String,
    /// Start at this step (1-based).
    #[arg(long, value_parser = whole::<u64>("step"), allow_hyphen_values = true)]
    step: Option<u64>,
    /// Run every step without waiting for Enter.
    #[arg(long)]
    no_pause: bool,
    /// Override a parameter in every step, e.g. --param dx=0.3 for a quick walk.
    #[arg(short, long = "param", value_name = "KEY=VALUE")]
    params: Vec<String>,
    /// Folder for the profile step's files, as `profile --out` [default: reports/<lesson>/<variant>].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Timed runs of each variant in the steps that compare or sweep.
    #[arg(long, default_value_t = 3, value_parser = whole::<u64>("samples"), allow_hyphen_values = true)]
    samples: u64,
    /// Seconds one run may take in those steps; slower variants run fewer steps.
    #[arg(long, default_value_t = 0.3, value_parser = seconds("budget"), allow_hyphen_values = true)]
    budget: f64,
}

#[derive(Debug, Args, Clone)]
struct CheckArgs {
    /// Lesson name (see `cargo perflab list`).
    lesson: String,
    /// Interleaved rounds of baseline and exercise.
    #[arg(long, default_value_t = 15, value_parser = whole::<u64>("rounds"), allow_hyphen_values = true)]
    rounds: u64,
    /// Check the exercise compiled into this binary, without rebuilding it first.
    #[arg(long)]
    no_build: bool,
}

#[derive(Debug, Args, Clone)]
struct TourArgs {
    /// Folder for the tables, profiles and page, replaced whole [default: reports/tour].
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    timing: TimingArgs,
    /// Every lesson at its small size, every profile from one run, every sweep at its two
    /// ends: a check that everything runs (a few minutes less), not figures to quote.
    #[arg(long)]
    quick: bool,
}

/// `impl From<Args> for Options`, field by field: the fields of the same name and type,
/// then (after `;`) those converted with `into`.
macro_rules! options {
    ($($args:ident => $options:path { $($same:ident),* $(; $($into:ident),*)? })*) => {$(
        impl From<$args> for $options {
            fn from(a: $args) -> $options {
                $options { $($same: a.$same,)* $($($into: a.$into.into(),)*)? }
            }
        }
    )*};
}

options! {
    TimingArgs => commands::Timing { samples, budget, full, long }
    RunArgs => run::RunOptions { variant, snapshots, params, format, long }
    CompareArgs => compare::CompareOptions { variants, params, format; timing }
    SweepArgs => commands::sweep::SweepOptions { variant, sweep, params, format, chart; timing }
    TimeitArgs => run::TimeitOptions { variant, repeat, number, params, format, long }
    ProfileArgs => profile::ProfileOptions {
        variant, functions, lines, memory, flamegraph, diff, out, sort, top, frequency, full_stacks, valgrind, steps,
        budget, params
    }
    TourArgs => tour::TourOptions { out, quick; timing }
    TutorArgs => tutor::TutorOptions { step, no_pause, params, out, samples, budget }
    CheckArgs => check::CheckOptions { rounds, no_build }
    AsmArgs => inspect::AsmOptions { variant, summary, callees }
    CountsArgs => commands::counts::CountsOptions { variant, params, steps, format }
}

/// The `perflab` command line as clap describes it: its commands and their options (the
/// tests enumerate them).
pub fn command() -> clap::Command {
    Cli::command()
}

/// A lesson's own command line: the umbrella's commands, with the lesson given and hidden
/// (`diffusion compare` is `cargo perflab compare diffusion`); `tour` and `machine` are
/// hidden too.
pub fn lesson_command(name: &'static str) -> crate::Result<clap::Command> {
    let lesson = lessons::find(name)?;
    let mut command = Cli::command().name(name).bin_name(name).about(format!(
        "{} — {}",
        lesson.title(),
        lesson.summary()
    ));
    for sub in ["tour", "machine"] {
        command = command.mut_subcommand(sub, |c| c.hide(true));
    }
    let subs: Vec<String> = command
        .get_subcommands()
        .map(|c| c.get_name().into())
        .collect();
    for sub in subs {
        command = command.mut_subcommand(sub, |c| {
            let has_lesson = c.get_arguments().any(|a| a.get_id() == "lesson");
            match has_lesson {
                // Another lesson named here is refused after parsing (`other_lesson`).
                true => c.mut_arg("lesson", |a| {
                    a.required(false).default_value(name).hide(true)
                }),
                false => c,
            }
        });
    }
    Ok(command)
}

/// Entry point of the `perflab` binary.
pub fn main() -> ExitCode {
    // A worker process a kernel started (see `procspawn`) runs its task here and exits.
    procspawn::init();
    crate::measure::memory::map_large_blocks();
    let _heap = crate::profile::dhat_heap();
    parse_and_dispatch(command(), std::env::args_os().collect(), "cargo perflab")
}

/// Entry point of a lesson's own binary: the umbrella's commands, with the lesson given
/// (`diffusion compare` is `cargo perflab compare diffusion`) and `run` by default.
pub fn lesson_main(name: &'static str) -> ExitCode {
    procspawn::init();
    crate::measure::memory::map_large_blocks();
    let _heap = crate::profile::dhat_heap();
    let command = match lesson_command(name) {
        Ok(c) => c,
        Err(e) => return crate::error::exit(Err(e.into())),
    };
    let mut args: Vec<OsString> = std::env::args_os().collect();
    if args.len() == 1 {
        args.push("run".into());
    }
    // How a lesson's binary is typed here (written in parts: tests/commands.rs runs every
    // such command it finds in the source).
    let shown = ["cargo run --release", "--bin", name, "--"].join(" ");
    parse_and_dispatch(command, args, &shown)
}

fn parse_and_dispatch(command: clap::Command, args: Vec<OsString>, shown: &str) -> ExitCode {
    let matches = command.clone().try_get_matches_from(&args);
    match matches.and_then(|m| Ok((other_lesson(&command, &m), Cli::from_arg_matches(&m)?))) {
        Ok((Some(other), _)) => crate::error::exit(Err(anyhow::anyhow!(
            "unexpected argument '{other}': this is {}'s own binary (`cargo perflab <command> \
             {other}` works on {other})",
            command.get_name()
        ))),
        Ok((None, mut cli)) => {
            fold_ranks(&mut cli.command);
            crate::error::exit(check_params(&cli.command).and_then(|()| dispatch(cli.command)))
        }
        Err(e) => clap_exit(e, &command, &args, shown),
    }
}

/// In a lesson's own binary, a lesson named that is not its own (`diffusion run fusion`
/// is a mistake, not a run of fusion).
fn other_lesson(command: &clap::Command, matches: &clap::ArgMatches) -> Option<String> {
    let (_, sub) = matches.subcommand()?;
    let given = sub.try_get_one::<String>("lesson").ok()??;
    let own = command.get_name();
    (own != "perflab" && given != own).then(|| given.clone())
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

/// Clap's own errors, on one line ([`crate::error::oneline`]); help and version go out as clap prints
/// them. A lesson name that does not exist is reported first, whatever else is wrong: it
/// is the first thing a command names, and the rest may depend on it.
fn clap_exit(e: clap::Error, command: &clap::Command, args: &[OsString], shown: &str) -> ExitCode {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = e.print();
            ExitCode::SUCCESS
        }
        _ => {
            if let Some(unknown) = unknown_lesson(command, args) {
                return crate::error::exit(Err(unknown.into()));
            }
            eprintln!(
                "{}",
                crate::error::oneline::clap_error(&e, command, args, shown)
            );
            ExitCode::from(2)
        }
    }
}

/// The error for a lesson name that is not registered, when the arguments give one.
fn unknown_lesson(command: &clap::Command, args: &[OsString]) -> Option<crate::Error> {
    let matches = command
        .clone()
        .ignore_errors(true)
        .try_get_matches_from(args)
        .ok()?;
    let (_, sub) = matches.subcommand()?;
    let name = sub.try_get_one::<String>("lesson").ok()??;
    lessons::find(name).err()
}

/// `--ranks N` as the parameter it stands for, `ranks=N`, after the others.
fn fold_ranks(command: &mut Command) {
    let (ranks, params) = match command {
        Command::Run(a) => (a.ranks.take(), &mut a.params),
        Command::Compare(a) => (a.ranks.take(), &mut a.params),
        Command::Sweep(a) => (a.ranks.take(), &mut a.params),
        _ => return,
    };
    if let Some(n) = ranks {
        params.push(format!("ranks={n}"));
    }
}

/// Checks what clap cannot: that no `--param` key is given twice.
fn check_params(command: &Command) -> anyhow::Result<()> {
    let params = match command {
        Command::Run(a) => &a.params,
        Command::Compare(a) => &a.params,
        Command::Sweep(a) => &a.params,
        Command::Timeit(a) => &a.params,
        Command::Profile(a) => &a.params,
        Command::Tutor(a) => &a.params,
        Command::Counts(a) => &a.params,
        _ => return Ok(()),
    };
    Ok(crate::lesson::params::given_once(params)?)
}

/// The lesson a command names the student's kernel in (`--variant exercise`, `--variants
/// …,exercise`, `--diff A exercise`), if any.
fn names_exercise(command: &Command) -> Option<&str> {
    let is = |v: &Option<String>| v.as_deref() == Some(EXERCISE);
    let any = |vs: &[String]| vs.iter().any(|v| v == EXERCISE);
    match command {
        Command::Run(a) if is(&a.variant) => Some(&a.lesson),
        Command::Timeit(a) if a.variant == EXERCISE => Some(&a.lesson),
        Command::Sweep(a) if a.variant.split(',').any(|v| v.trim() == EXERCISE) => Some(&a.lesson),
        Command::Compare(a) if any(&a.variants) => Some(&a.lesson),
        Command::Profile(a) if is(&a.variant) || any(&a.diff) => Some(&a.lesson),
        Command::Asm(a) if a.variant == EXERCISE => Some(&a.lesson),
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
        Command::List { lesson: None } => commands::list::list(lessons::all(), out),
        Command::List { lesson: Some(l) } => commands::list::list(&[find(&l)?], out),
        Command::Run(a) => run::run(find(&a.lesson)?, &a.into(), &clock, out),
        Command::Compare(a) => compare::compare(find(&a.lesson)?, &a.into(), &clock, out),
        Command::Timeit(a) => run::time_it(find(&a.lesson)?, &a.into(), &clock, out),
        Command::Sweep(a) => commands::sweep::sweep(find(&a.lesson)?, &a.into(), &clock, out),
        Command::Profile(a) => profile::command(find(&a.lesson)?, &a.into(), out),
        Command::Tour(a) => tour::tour(lessons::all(), &a.into(), &clock, out),
        Command::Tutor(a) => {
            let input = &mut std::io::stdin().lock();
            tutor::tutor(find(&a.lesson)?, &a.into(), &clock, input, &state, out)
        }
        Command::Check(a) => check::command(find(&a.lesson)?, &a.into(), &clock, &state, out),
        Command::Hint(a) => exercise::hint(find(&a.lesson)?, &state, out),
        Command::Watch(a) => student::watch::command(find(&a.lesson)?, out),
        Command::Reset(a) => exercise::reset(find(&a.lesson)?, &crate::files::root(), out),
        Command::Progress => student::progress::progress(lessons::all(), &state, out),
        Command::Machine { again } => inspect::machine(again, out),
        Command::Asm(a) => inspect::asm(find(&a.lesson)?, &a.into(), out),
        Command::Counts(a) => commands::counts::command(find(&a.lesson)?, &a.into(), out),
    }
}
