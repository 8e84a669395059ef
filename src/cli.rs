//! The command line: `perflab <command>` and each lesson's own binary
//! (`diffusion <command>` is `perflab <command> diffusion`). Thin: it parses arguments,
//! calls the library, and decides where output goes.

use crate::error::Error;
use crate::lesson::{Lesson, Watch};
use crate::lessons;
use crate::machine::Machine;
use crate::measure::{Comparison, Entry, Given, Plan, Steps, measure, timeit};
use crate::progress::Progress;
use crate::report::{self, Flavour};
use crate::timing::{RealClock, format_rate, format_seconds, format_seconds_pm, sig4};
use anyhow::Context;
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::{Path, PathBuf};
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
        /// Lesson name (see `perflab list`).
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

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    /// Tables and lines for people.
    #[default]
    Text,
    /// JSON for programs.
    Json,
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

/// Seconds the baseline may take in `run` and `timeit`, which report a speedup too.
const BASELINE_BUDGET: f64 = 0.3;

/// Entry point of the `perflab` binary.
pub fn main() -> ExitCode {
    let _heap = crate::profile::dhat_heap();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => return clap_exit(e),
    };
    finish(dispatch(cli.command))
}

/// Entry point of a lesson's own binary.
pub fn lesson_main(name: &'static str) -> ExitCode {
    let _heap = crate::profile::dhat_heap();
    let lesson = match lessons::find(name) {
        Ok(l) => l,
        Err(e) => return finish(Err(e.into())),
    };
    let about = format!("{} — {}", lesson.title(), lesson.summary());
    let matches = match LessonCli::command()
        .name(name)
        .bin_name(name)
        .about(about)
        .try_get_matches()
    {
        Ok(m) => m,
        Err(e) => return clap_exit(e),
    };
    let cli = match LessonCli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => return clap_exit(e),
    };
    let lesson_name = name.to_string();
    let command = match cli
        .command
        .unwrap_or(LessonCommand::Run(RunArgs::default()))
    {
        LessonCommand::List => return finish(list(&[lesson], &mut std::io::stdout().lock())),
        LessonCommand::Run(args) => Command::Run {
            lesson: lesson_name,
            args,
        },
        LessonCommand::Compare(args) => Command::Compare {
            lesson: lesson_name,
            args,
        },
        LessonCommand::Timeit(args) => Command::Timeit {
            lesson: lesson_name,
            args,
        },
        LessonCommand::Profile(args) => Command::Profile {
            lesson: lesson_name,
            args,
        },
        LessonCommand::Tutor(args) => Command::Tutor {
            lesson: lesson_name,
            args,
        },
        LessonCommand::Check(args) => Command::Check {
            lesson: lesson_name,
            args,
        },
        LessonCommand::Hint => Command::Hint {
            lesson: lesson_name,
        },
        LessonCommand::Watch => Command::Watch {
            lesson: lesson_name,
        },
        LessonCommand::Reset => Command::Reset {
            lesson: lesson_name,
        },
        LessonCommand::Progress => Command::Progress,
        LessonCommand::Asm(args) => Command::Asm {
            lesson: lesson_name,
            args,
        },
    };
    finish(dispatch(command))
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
        Err(e) if e.downcast_ref::<Exit>().is_some() => {
            ExitCode::from(e.downcast_ref::<Exit>().map_or(1, |x| x.0))
        }
        Err(e) => {
            // A closed pipe (`perflab list | head`) is not an error worth reporting.
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

fn dispatch(command: Command) -> anyhow::Result<()> {
    let out = &mut std::io::stdout().lock();
    match command {
        Command::List => list(lessons::all(), out),
        Command::Run { lesson, args } => run(lessons::find(&lesson)?, &args, out),
        Command::Compare { lesson, args } => compare(lessons::find(&lesson)?, &args, out),
        Command::Timeit { lesson, args } => time_it(lessons::find(&lesson)?, &args, out),
        Command::Profile { lesson, args } => profile(lessons::find(&lesson)?, &args, out),
        Command::Tour(args) => tour(&args, out),
        Command::Tutor { lesson, args } => tutor(lessons::find(&lesson)?, &args, out),
        Command::Check { lesson, args } => check(lessons::find(&lesson)?, &args, out),
        Command::Hint { lesson } => hint(lessons::find(&lesson)?, out),
        Command::Watch { lesson } => watch(lessons::find(&lesson)?, out),
        Command::Reset { lesson } => reset(lessons::find(&lesson)?, out),
        Command::Progress => progress(lessons::all(), out),
        Command::Machine { again } => machine(again, out),
        Command::Asm { lesson, args } => asm(lessons::find(&lesson)?, &args, out),
    }
}

fn asm(lesson: &dyn Lesson, args: &AsmArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let v = lesson.variant_index(&args.variant)?;
    let listing = crate::asm::disassemble(lesson.kernel_address(v))?;
    if !args.summary {
        writeln!(
            out,
            "{} — ▶z/▶y/▶x: packed SIMD on zmm/ymm/xmm registers (8/4/2 doubles at once); ·: scalar floating point\n",
            listing.name
        )?;
        write!(out, "{}", listing.text)?;
        writeln!(out)?;
    }
    writeln!(out, "{}", listing.summary())?;
    if !listing.calls.is_empty() {
        writeln!(out, "calls: {}", listing.calls.join(", "))?;
    }
    Ok(())
}

fn machine(again: bool, out: &mut dyn Write) -> anyhow::Result<()> {
    use crate::roofline;
    let kept = if again { None } else { roofline::load() };
    let r = match kept {
        Some(r) => {
            writeln!(
                out,
                "measured earlier (kept in {}; --again measures anew):",
                roofline::path().display()
            )?;
            r
        }
        None => {
            eprintln!("measuring: STREAM triad over 768 MiB, then FMA loops (a few seconds) …");
            let r = roofline::measure()?;
            let path = roofline::save(&r)?;
            writeln!(out, "measured now, kept in {}:", path.display())?;
            r
        }
    };
    write!(out, "{}", r.describe())?;
    Ok(())
}

/// An exit status to leave with, already explained on the terminal (a failed check: 1).
#[derive(Debug)]
struct Exit(u8);

impl std::fmt::Display for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exit status {}", self.0)
    }
}

impl std::error::Error for Exit {}

fn warn(warning: Option<String>) {
    if let Some(w) = warning {
        eprintln!("{w}");
    }
}

fn exercise_of(lesson: &dyn Lesson) -> anyhow::Result<crate::lesson::ExerciseInfo> {
    lesson
        .exercise()
        .ok_or_else(|| anyhow::anyhow!("lesson {} has no exercise", lesson.name()))
}

/// Prints `text` wrapped at 88 columns, paragraph by paragraph.
fn wrapped(text: &str, out: &mut dyn Write) -> std::io::Result<()> {
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > 88 {
            writeln!(out, "{line}")?;
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

fn tutor(lesson: &dyn Lesson, args: &TutorArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    use crate::lesson::Action;
    let steps = lesson.steps();
    anyhow::ensure!(
        !steps.is_empty(),
        "lesson {} has no tutor steps",
        lesson.name()
    );
    let first = args.step.unwrap_or(1) as usize;
    if first > steps.len() {
        return Err(Error::InvalidOption {
            option: "--step".into(),
            value: first.to_string(),
            expected: format!("1 to {}", steps.len()),
        }
        .into());
    }
    // Check the extra parameters once, before any step runs.
    lesson.parse_params(&args.params)?;
    let with = |own: &[&str]| -> Vec<String> {
        own.iter()
            .map(|s| s.to_string())
            .chain(args.params.iter().cloned())
            .collect()
    };
    let stdin = std::io::stdin();
    for (i, step) in steps.iter().enumerate().skip(first - 1) {
        writeln!(
            out,
            "\n━━ {} — step {} of {}: {} ━━",
            lesson.title(),
            i + 1,
            steps.len(),
            step.title
        )?;
        wrapped(step.text, out)?;
        writeln!(out)?;
        match step.action {
            Action::Read => {}
            Action::Run { variant, params } => {
                writeln!(
                    out,
                    "$ perflab run {} --variant {variant} {}",
                    lesson.name(),
                    shown(&with(params))
                )?;
                let run_args = RunArgs {
                    variant: Some(variant.to_string()),
                    common: ParamArgs {
                        params: with(params),
                        format: Format::Text,
                    },
                    snapshots: None,
                };
                run(lesson, &run_args, out)?;
            }
            Action::Compare { variants, params } => {
                writeln!(
                    out,
                    "$ perflab compare {} --variants {} --samples 3 --budget 0.3 {}",
                    lesson.name(),
                    variants.join(","),
                    shown(&with(params))
                )?;
                let compare_args = CompareArgs {
                    variants: variants.iter().map(|v| v.to_string()).collect(),
                    common: ParamArgs {
                        params: with(params),
                        format: Format::Text,
                    },
                    timing: TimingArgs {
                        samples: 3,
                        budget: 0.3,
                        full: false,
                    },
                };
                compare(lesson, &compare_args, out)?;
            }
            Action::Asm { variants } => {
                for v in variants {
                    writeln!(
                        out,
                        "$ perflab asm {} --variant {v} --summary",
                        lesson.name()
                    )?;
                    let i = lesson.variant_index(v)?;
                    match crate::asm::disassemble(lesson.kernel_address(i)) {
                        Ok(listing) => {
                            writeln!(out, "{}", listing.summary())?;
                            if !listing.calls.is_empty() {
                                writeln!(out, "calls: {}", listing.calls.join(", "))?;
                            }
                        }
                        Err(e) => writeln!(out, "({e})")?,
                    }
                }
            }
            Action::Memory { variants, params } => {
                let owned = with(params);
                writeln!(out, "$ (the heap of one run of each, {})", shown(&owned))?;
                let parsed = match variants.first() {
                    Some(v) => lesson.parse_params_for(&owned, v)?,
                    None => lesson.parse_params(&owned)?,
                };
                let prepared = lesson.prepare(&parsed)?;
                let item = prepared.scope().unit.split('-').next().unwrap_or("unit");
                let steps = prepared.steps();
                for v in variants {
                    let i = lesson.variant_index(v)?;
                    let clock = RealClock::default();
                    let (outcome, mem) =
                        crate::profile::memory::record(std::time::Duration::from_millis(2), || {
                            prepared.run(i, steps, &clock, None)
                        });
                    outcome?;
                    let above = (mem.peak - mem.start) as f64;
                    writeln!(
                        out,
                        "{v:>10}: peak {}B above the start, {:.1} bytes per {item}; {} allocations",
                        crate::timing::format_si(above),
                        above / prepared.units_per_step().max(1) as f64,
                        mem.allocations
                    )?;
                }
            }
            Action::Profile {
                variant,
                params,
                steps,
            } => {
                writeln!(
                    out,
                    "$ perflab profile {} --variant {variant} --functions --lines --steps {steps} {}",
                    lesson.name(),
                    shown(&with(params))
                )?;
                let profile_args = ProfileArgs {
                    variant: Some(variant.to_string()),
                    functions: true,
                    lines: true,
                    memory: false,
                    flamegraph: false,
                    diff: Vec::new(),
                    out: None,
                    sort: crate::profile::func::SortKey::Cumtime,
                    top: 10,
                    frequency: 1000,
                    steps: Some(steps),
                    budget: 2.0,
                    params: with(params),
                };
                profile(lesson, &profile_args, out)?;
            }
        }
        warn(crate::state::update(lesson.name(), |p| {
            p.steps_seen.insert(i + 1);
        })?);
        if !args.no_pause && i + 1 < steps.len() {
            write!(out, "\n[Enter: next step · q then Enter: stop] ")?;
            out.flush()?;
            let mut answer = String::new();
            // End of input counts as "go on", so a piped tutor runs to the end.
            if stdin.read_line(&mut answer)? > 0 && answer.trim() == "q" {
                writeln!(
                    out,
                    "stopped; `perflab tutor {} --step {}` goes on from here",
                    lesson.name(),
                    i + 2
                )?;
                return Ok(());
            }
        }
    }
    Ok(())
}

fn shown(params: &[String]) -> String {
    params
        .iter()
        .map(|p| format!("--param {p}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn check(lesson: &dyn Lesson, args: &CheckArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let info = exercise_of(lesson)?;
    if !args.no_build {
        return rebuild_and_check(lesson, args);
    }
    let params = lesson.parse_params(
        &info
            .params
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>(),
    )?;
    let prepared = lesson.prepare(&params)?;
    let clock = RealClock::default();
    writeln!(
        out,
        "checking {} (target: {}× faster than {}) on {}",
        info.file,
        sig4(info.target),
        lesson.variants()[prepared.scope().baseline].name,
        prepared.describe()
    )?;
    let candidate = |steps: usize, clock: &dyn crate::timing::Clock| {
        crate::check::exercise(lesson, prepared.as_ref(), steps, clock)
    };
    let checked = crate::check::check(
        lesson,
        prepared.as_ref(),
        &candidate,
        args.rounds as usize,
        info.target,
        &clock,
    )?;
    writeln!(
        out,
        "{}",
        crate::check::explain(lesson, prepared.as_ref(), &checked)
    )?;
    let (passed, speedup) = match &checked {
        crate::check::Checked::Graded(_, g) => {
            (g.verdict == crate::grade::Verdict::Pass, Some(g.speedup))
        }
        crate::check::Checked::Wrong(_) => (false, None),
    };
    warn(crate::state::update(lesson.name(), |p| {
        p.checks += 1;
        p.passed |= passed;
        if let Some(s) = speedup {
            p.best_speedup = Some(p.best_speedup.map_or(s, |b| b.max(s)));
        }
    })?);
    if passed {
        writeln!(out, "exercise passed: see `perflab progress`")?;
        Ok(())
    } else {
        writeln!(
            out,
            "not passed yet: `perflab hint {}` for a hint",
            lesson.name()
        )?;
        Err(Exit(1).into())
    }
}

/// Rebuilds this binary in release mode, so that the exercise as saved is what runs, then
/// runs the rebuilt binary's check and leaves with its status.
fn rebuild_and_check(lesson: &dyn Lesson, args: &CheckArgs) -> anyhow::Result<()> {
    let root = crate::state::root();
    let exe = std::env::current_exe().context("cannot find this program")?;
    let name = exe
        .file_stem()
        .and_then(|n| n.to_str())
        .unwrap_or("perflab")
        .to_string();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    eprintln!("building the exercise (cargo build --release --bin {name}) …");
    let status = std::process::Command::new(&cargo)
        .args(["build", "--release", "--quiet", "--bin", &name])
        .current_dir(&root)
        .status()
        .with_context(|| format!("cannot run cargo in {}", root.display()))?;
    if !status.success() {
        eprintln!("✗ the exercise does not build: fix the errors above, then check again");
        return Err(Exit(1).into());
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let built = target.join("release").join(&name);
    let mut command = std::process::Command::new(&built);
    if name == lesson.name() {
        command.arg("check");
    } else {
        command.args(["check", lesson.name()]);
    }
    let status = command
        .args(["--rounds", &args.rounds.to_string(), "--no-build"])
        .status()
        .with_context(|| format!("cannot run {}", built.display()))?;
    match status.code() {
        Some(0) => Ok(()),
        Some(code) => Err(Exit(code.clamp(1, 255) as u8).into()),
        None => Err(Exit(2).into()),
    }
}

fn hint(lesson: &dyn Lesson, out: &mut dyn Write) -> anyhow::Result<()> {
    let info = exercise_of(lesson)?;
    anyhow::ensure!(
        !info.hints.is_empty(),
        "lesson {} has no hints",
        lesson.name()
    );
    let mut shown = 0;
    warn(crate::state::update(lesson.name(), |p| {
        p.hints_shown = (p.hints_shown + 1).min(info.hints.len());
        shown = p.hints_shown;
    })?);
    for (i, h) in info.hints.iter().enumerate().take(shown) {
        writeln!(out, "hint {} of {}:", i + 1, info.hints.len())?;
        wrapped(h, out)?;
        writeln!(out)?;
    }
    if shown == info.hints.len() {
        writeln!(out, "(that is every hint)")?;
    }
    Ok(())
}

fn reset(lesson: &dyn Lesson, out: &mut dyn Write) -> anyhow::Result<()> {
    let info = exercise_of(lesson)?;
    let path = crate::state::root().join(info.file);
    if let Ok(current) = std::fs::read_to_string(&path)
        && current != info.start
    {
        let mut backup = path.as_os_str().to_owned();
        backup.push(".bak");
        report::write_atomic(Path::new(&backup), current.as_bytes())?;
        writeln!(out, "kept your version as {}", Path::new(&backup).display())?;
    }
    report::write_atomic(&path, info.start.as_bytes())?;
    writeln!(out, "restored {} as shipped", path.display())?;
    Ok(())
}

fn progress(all: &[&'static dyn Lesson], out: &mut dyn Write) -> anyhow::Result<()> {
    let loaded = crate::state::load(&crate::state::path())?;
    warn(loaded.warning);
    if let Some(w) = loaded
        .state
        .lessons
        .keys()
        .find(|k| all.iter().all(|l| l.name() != *k))
    {
        writeln!(
            out,
            "(progress recorded for {w}, which is no longer a lesson)"
        )?;
    }
    for lesson in all {
        let p = loaded
            .state
            .lessons
            .get(lesson.name())
            .cloned()
            .unwrap_or_default();
        writeln!(out, "{} — {}", lesson.name(), lesson.title())?;
        writeln!(
            out,
            "  tutor     {} of {} steps seen",
            p.steps_seen.len(),
            lesson.steps().len()
        )?;
        match lesson.exercise() {
            None => writeln!(out, "  exercise  none")?,
            Some(info) => {
                let best = p
                    .best_speedup
                    .map(|s| format!("best {}×", sig4(s)))
                    .unwrap_or_else(|| "not checked yet".into());
                writeln!(
                    out,
                    "  exercise  {} — {best} of the {}× target, {} checks, {} of {} hints",
                    if p.passed {
                        "✓ passed"
                    } else {
                        "✗ not passed"
                    },
                    sig4(info.target),
                    p.checks,
                    p.hints_shown,
                    info.hints.len()
                )?;
            }
        }
    }
    Ok(())
}

fn watch(lesson: &dyn Lesson, out: &mut dyn Write) -> anyhow::Result<()> {
    exercise_of(lesson)?;
    let dir = crate::state::root().join("lessons");
    let exe = std::env::current_exe().context("cannot find this program")?;
    let is_lesson_binary = exe.file_stem().and_then(|n| n.to_str()) == Some(lesson.name());
    let run_check = || {
        let mut command = std::process::Command::new(&exe);
        command.arg("check");
        if !is_lesson_binary {
            command.arg(lesson.name());
        }
        // The check prints its own verdict; its status only matters to it.
        let _ = command.status();
    };
    writeln!(
        out,
        "checking once now, then on every save under {} (Ctrl-C stops)",
        dir.display()
    )?;
    out.flush()?;
    run_check();
    crate::watch::watch(
        &dir,
        std::time::Duration::from_millis(300),
        None,
        |changed| {
            let names: Vec<String> = changed.iter().map(|p| p.display().to_string()).collect();
            println!("\n── changed: {} ──", names.join(", "));
            run_check();
            Ok(())
        },
    )?;
    Ok(())
}

fn profile(lesson: &dyn Lesson, args: &ProfileArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    use crate::profile::run;
    let named = args.variant.as_ref().or(args.diff.first());
    let params = match named {
        Some(v) => lesson.parse_params_for(&args.params, v)?,
        None => lesson.parse_params(&args.params)?,
    };
    let prepared = lesson.prepare(&params)?;
    let diff = match args.diff.as_slice() {
        [a, b] => Some((
            in_scope(lesson, prepared.scope(), a)?,
            in_scope(lesson, prepared.scope(), b)?,
        )),
        _ => None,
    };
    let variant = match (&args.variant, diff) {
        (Some(v), _) => lesson.variant_index(v)?,
        (None, Some((a, _))) => a,
        (None, None) => anyhow::bail!("give --variant V or --diff A B"),
    };
    let dir = args.out.clone().unwrap_or_else(|| {
        let leaf = match diff {
            Some(_) => format!("diff-{}-{}", args.diff[0], args.diff[1]),
            None => lesson.variants()[variant].name.to_string(),
        };
        Path::new("reports").join(lesson.name()).join(leaf)
    });
    // Fail on an unwritable folder before spending any time.
    run::ready_folder(&dir)?;
    let full = prepared.steps().max(1);
    let steps_of = |v: usize| match args.steps {
        Some(n) => Ok(((n as usize).min(full), (n as usize / 10).clamp(1, full))),
        None => run::steps_for(prepared.as_ref(), v, args.budget),
    };
    let (steps, line_steps) = steps_of(variant)?;
    let none = !(args.functions || args.lines || args.memory || args.flamegraph);
    let options = run::Options {
        functions: args.functions || none,
        lines: args.lines || none,
        memory: args.memory || none,
        flamegraph: args.flamegraph || none,
        sort: args.sort,
        top: args.top as usize,
        frequency: args.frequency,
        steps,
        line_steps,
        out: dir,
        command: std::env::args().collect::<Vec<_>>().join(" "),
    };
    let done = match diff {
        Some((a, b)) => {
            let steps = [steps, steps_of(b)?.0];
            run::diff(lesson, prepared.as_ref(), [a, b], steps, &options)?
        }
        None => run::profile(lesson, prepared.as_ref(), variant, &options)?,
    };
    write!(out, "{}", done.text)?;
    writeln!(out, "wrote:")?;
    for f in &done.files {
        writeln!(out, "  {}", f.display())?;
    }
    Ok(())
}

fn list(all: &[&'static dyn Lesson], out: &mut dyn Write) -> anyhow::Result<()> {
    for lesson in all {
        writeln!(
            out,
            "{} — {}: {}",
            lesson.name(),
            lesson.title(),
            lesson.summary()
        )?;
        let infos = lesson.variants();
        let width = infos.iter().map(|v| v.name.len()).max().unwrap_or(0);
        let show = |names: &[&str], out: &mut dyn Write| -> std::io::Result<()> {
            for v in infos.iter().filter(|v| names.contains(&v.name)) {
                writeln!(out, "    {:width$}  {}", v.name, v.what)?;
            }
            Ok(())
        };
        if lesson.topics().is_empty() {
            writeln!(
                out,
                "  variants (speedups against {}, answers checked against {}):",
                lesson.baseline(),
                lesson.reference()
            )?;
            show(&infos.iter().map(|v| v.name).collect::<Vec<_>>(), out)?;
        }
        for t in lesson.topics() {
            writeln!(
                out,
                "  topic={} — {} (speedups against {}, answers checked against {}):",
                t.name, t.title, t.baseline, t.reference
            )?;
            show(t.variants, out)?;
        }
        writeln!(out, "  parameters (--param key=value):")?;
        let width = lesson
            .params()
            .iter()
            .map(|p| p.name.len() + p.default.len() + 1)
            .max()
            .unwrap_or(0);
        for p in lesson.params() {
            let kv = format!("{}={}", p.name, p.default);
            writeln!(out, "    {kv:width$}  {} ({})", p.help, p.kind.describe())?;
        }
        writeln!(out)?;
    }
    Ok(())
}

/// Runs a variant with a progress bar, writing snapshots if asked; returns its one run.
fn run_watched(
    lesson: &dyn Lesson,
    prepared: &dyn crate::lesson::Prepared,
    variant: usize,
    snapshots: Option<&Path>,
) -> anyhow::Result<(Given, Vec<PathBuf>)> {
    let clock = RealClock::default();
    let steps = prepared.steps();
    let name = lesson.variants()[variant].name;
    let progress = Progress::new(steps as u64, &format!("{} {name}", lesson.name()));
    let mut written = Vec::new();
    let outcome = match (snapshots, prepared.frame_every()) {
        (Some(dir), Some(every)) => {
            std::fs::create_dir_all(dir).map_err(|e| Error::io("create folder", dir, e))?;
            let mut frames = Vec::new();
            let mut on_chunk =
                |done: usize, frame: Option<crate::lesson::Frame>| -> crate::error::Result<()> {
                    progress.set(done as u64);
                    if let Some(f) = frame {
                        let path = dir.join(format!("frame-{:03}.png", frames.len()));
                        report::write_atomic(&path, &crate::snapshot::png(&f)?)?;
                        written.push(path);
                        frames.push(f);
                    }
                    Ok(())
                };
            let mut watch = Watch {
                chunk: every,
                frames: true,
                on_chunk: &mut on_chunk,
            };
            let o = prepared.run(variant, steps, &clock, Some(&mut watch))?;
            let gif = dir.join("animation.gif");
            report::write_atomic(&gif, &crate::snapshot::gif(&frames, 200)?)?;
            written.push(gif);
            o
        }
        (Some(_), None) => anyhow::bail!("lesson {} draws no snapshots", lesson.name()),
        (None, _) if progress.is_visible() => {
            let mut on_chunk = |done: usize, _| {
                progress.set(done as u64);
                Ok(())
            };
            let mut watch = Watch {
                chunk: steps.div_ceil(100).max(1),
                frames: false,
                on_chunk: &mut on_chunk,
            };
            prepared.run(variant, steps, &clock, Some(&mut watch))?
        }
        (None, _) => prepared.run(variant, steps, &clock, None)?,
    };
    progress.finish();
    Ok((
        Given {
            samples: vec![outcome.seconds],
            values: outcome.values,
        },
        written,
    ))
}

/// Measures `variant` (already run: `given`) beside a short run of the baseline, for its
/// speedup and reference check; returns the comparison with only that variant's row.
fn with_baseline(
    lesson: &dyn Lesson,
    params: &crate::params::Params,
    prepared: &dyn crate::lesson::Prepared,
    variant: usize,
    steps: usize,
    given: Given,
) -> anyhow::Result<Comparison> {
    let baseline = prepared.scope().baseline;
    let mut entries = vec![Entry {
        variant,
        steps: Steps::Exactly(steps),
        given: Some(given),
    }];
    if baseline != variant {
        entries.push(Entry::new(baseline, Steps::Budget(BASELINE_BUDGET)));
    }
    let mut c = measure(
        lesson,
        params,
        prepared,
        &Plan {
            entries,
            samples: 3,
        },
        &RealClock::default(),
    )?;
    c.rows.truncate(1);
    Ok(c)
}

fn header(c: &Comparison, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "{} ({}) — {}", c.title, c.lesson, c.problem)
}

fn run(lesson: &dyn Lesson, args: &RunArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let name = args.variant.as_deref().unwrap_or(lesson.reference());
    let params = match &args.variant {
        Some(v) => lesson.parse_params_for(&args.common.params, v)?,
        // No variant named: the reference of the topic chosen, if any.
        None => lesson.parse_params(&args.common.params)?,
    };
    let prepared = lesson.prepare(&params)?;
    let variant = match args.variant {
        Some(_) => lesson.variant_index(name)?,
        None => prepared.scope().reference,
    };
    let (given, written) = run_watched(
        lesson,
        prepared.as_ref(),
        variant,
        args.snapshots.as_deref(),
    )?;
    let c = with_baseline(
        lesson,
        &params,
        prepared.as_ref(),
        variant,
        prepared.steps(),
        given,
    )?;
    let machine = Machine::this();
    if args.common.format == Format::Json {
        out.write_all(report::json(&c, &machine).as_bytes())?;
        return Ok(());
    }
    header(&c, out)?;
    let r = &c.rows[0];
    writeln!(
        out,
        "  variant     {} — {}",
        r.variant,
        lesson.variants()[variant].what
    )?;
    writeln!(out, "  time        {}", format_seconds(r.seconds))?;
    if let Some(rate) = r.units_per_second {
        writeln!(out, "  rate        {}", format_rate(rate, c.unit))?;
    }
    if let (Some(s), Some(e)) = (r.speedup, r.speedup_spread) {
        writeln!(
            out,
            "  speedup     {} ± {}× vs {} (per {})",
            sig4(s),
            sig4(e),
            c.baseline,
            c.unit.trim_end_matches('s')
        )?;
    }
    writeln!(out, "  checksum    {:.10e} (sum of all values)", r.checksum)?;
    let mark = if r.matches_reference {
        "✓ matches"
    } else {
        "✗ differs from"
    };
    writeln!(
        out,
        "  check       {mark} {} (max-norm relative difference {:.1e}, tolerance {:.0e})",
        c.reference, r.rel_error, c.tolerance
    )?;
    if let Some(e) = r.exact_error {
        writeln!(
            out,
            "  exact       max-norm relative difference from the exact answer {e:.1e}"
        )?;
    }
    if !written.is_empty() {
        let dir = args.snapshots.as_deref().unwrap_or(Path::new("."));
        writeln!(
            out,
            "  snapshots   {} PNGs and animation.gif in {}",
            written.len() - 1,
            dir.display()
        )?;
    }
    writeln!(out, "  machine     {machine}")?;
    Ok(())
}

fn time_it(lesson: &dyn Lesson, args: &TimeitArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let params = lesson.parse_params_for(&args.common.params, &args.variant)?;
    let prepared = lesson.prepare(&params)?;
    let variant = lesson.variant_index(&args.variant)?;
    let steps = prepared.steps();
    let clock = RealClock::default();
    let (loops, given) = timeit(
        prepared.as_ref(),
        variant,
        steps,
        args.repeat as usize,
        args.number,
        0.2,
        &clock,
    )?;
    let c = with_baseline(lesson, &params, prepared.as_ref(), variant, steps, given)?;
    let machine = Machine::this();
    if args.common.format == Format::Json {
        let mut doc: serde_json::Value = serde_json::from_str(&report::json(&c, &machine))?;
        doc["loops"] = loops.into();
        doc["repeat"] = args.repeat.into();
        out.write_all(format!("{}\n", serde_json::to_string_pretty(&doc)?).as_bytes())?;
        return Ok(());
    }
    header(&c, out)?;
    let r = &c.rows[0];
    let best = r.samples.iter().copied().fold(f64::INFINITY, f64::min);
    writeln!(
        out,
        "{} per loop (median ± MAD of {} runs, {loops} loop{} each); best of {}: {}",
        format_seconds_pm(r.seconds, r.spread),
        r.samples.len(),
        if loops == 1 { "" } else { "s" },
        r.samples.len(),
        format_seconds(best)
    )?;
    let mut line = Vec::new();
    if let Some(rate) = r.units_per_second {
        line.push(format_rate(rate, c.unit));
    }
    if let (Some(s), Some(e)) = (r.speedup, r.speedup_spread) {
        line.push(format!("{} ± {}× vs {}", sig4(s), sig4(e), c.baseline));
    }
    line.push(format!(
        "{} {} {}",
        if r.matches_reference {
            "✓ matches"
        } else {
            "✗ differs from"
        },
        c.reference,
        format_args!("({:.1e})", r.rel_error)
    ));
    writeln!(out, "{}", line.join(" · "))?;
    writeln!(out, "machine: {machine}")?;
    Ok(())
}

/// The variants to compare (all by default; the baseline always), in the lesson's order.
fn plan(
    lesson: &dyn Lesson,
    scope: &crate::lesson::Scope,
    only: &[String],
    timing: &TimingArgs,
) -> anyhow::Result<Plan> {
    let steps = if timing.full {
        Steps::Full
    } else {
        Steps::Budget(timing.budget)
    };
    let mut chosen = vec![false; lesson.variants().len()];
    for &v in &scope.variants {
        chosen[v] = only.is_empty();
    }
    chosen[scope.baseline] = true;
    for name in only {
        chosen[in_scope(lesson, scope, name)?] = true;
    }
    Ok(Plan {
        entries: (0..chosen.len())
            .filter(|&v| chosen[v])
            .map(|v| Entry::new(v, steps))
            .collect(),
        samples: timing.samples as usize,
    })
}

/// The index of variant `name`, which must be in `scope` (the topic its run chose).
fn in_scope(lesson: &dyn Lesson, scope: &crate::lesson::Scope, name: &str) -> Result<usize, Error> {
    let v = lesson.variant_index(name)?;
    if scope.variants.contains(&v) {
        return Ok(v);
    }
    let own = lesson.topics().iter().find(|t| t.variants.contains(&name));
    Err(Error::VariantNotInTopic {
        lesson: lesson.name().to_string(),
        variant: name.to_string(),
        topic: scope.topic.map_or("", |t| t.name).to_string(),
        valid: scope
            .topic
            .map(|t| t.variants.join(", "))
            .unwrap_or_default(),
        own: own.map_or("", |t| t.name).to_string(),
    })
}

fn compare_lesson(
    lesson: &dyn Lesson,
    params: &[String],
    only: &[String],
    timing: &TimingArgs,
) -> anyhow::Result<Comparison> {
    let params = lesson.parse_params(params)?;
    let prepared = lesson.prepare(&params)?;
    let plan = plan(lesson, prepared.scope(), only, timing)?;
    Ok(measure(
        lesson,
        &params,
        prepared.as_ref(),
        &plan,
        &RealClock::default(),
    )?)
}

fn print_comparison(c: &Comparison, machine: &Machine, out: &mut dyn Write) -> std::io::Result<()> {
    header(c, out)?;
    let roof = crate::roofline::load();
    writeln!(
        out,
        "{}",
        report::table_with(c, Flavour::Terminal, roof.as_ref())
    )?;
    for n in report::notes(c) {
        writeln!(out, "{n}")?;
    }
    if let (Some(_), Some(w)) = (&roof, c.work) {
        writeln!(
            out,
            "of roofline: the FLOP/s reached over min(peak, {:.2} flops per byte × triad bandwidth) from `perflab machine`, on one core or all; above 100 % the data came from cache, not memory.",
            w.flops / w.bytes
        )?;
    }
    writeln!(out, "machine: {machine}")
}

/// The parameter sets a comparison runs at: the given one, or for a lesson with topics and
/// none chosen, the topic of the first variant named, or else every topic in turn.
fn topic_runs(lesson: &dyn Lesson, params: &[String], only: &[String]) -> Vec<Vec<String>> {
    let own = only.first().and_then(|v| {
        lesson
            .topics()
            .iter()
            .find(|t| t.variants.contains(&v.as_str()))
    });
    match own {
        Some(t) if !crate::lesson::names_topic(params) => {
            let mut p = params.to_vec();
            p.push(format!("topic={}", t.name));
            vec![p]
        }
        _ => lesson.topic_runs(params),
    }
}

fn compare(lesson: &dyn Lesson, args: &CompareArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let machine = Machine::this();
    let runs = topic_runs(lesson, &args.common.params, &args.variants);
    let mut docs = Vec::new();
    for (i, params) in runs.iter().enumerate() {
        let c = compare_lesson(lesson, params, &args.variants, &args.timing)?;
        match args.common.format {
            Format::Json => docs.push(report::json(&c, &machine)),
            Format::Text => {
                if i > 0 {
                    writeln!(out)?;
                }
                print_comparison(&c, &machine, out)?
            }
        }
    }
    // One comparison is one JSON object; a lesson's topics, an array of them.
    match docs.as_slice() {
        [] => {}
        [one] => out.write_all(one.as_bytes())?,
        many => writeln!(
            out,
            "[\n{}\n]",
            many.iter()
                .map(|d| d.trim_end())
                .collect::<Vec<_>>()
                .join(",\n")
        )?,
    }
    Ok(())
}

fn tour(args: &TourArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let machine = Machine::this();
    std::fs::create_dir_all(&args.out).map_err(|e| Error::io("create folder", &args.out, e))?;
    let mut index = format!("# perflab tour\n\nMachine: {machine}\n\n");
    let mut written = Vec::new();
    let mut sections = Vec::new();
    // Each lesson, or each topic of a lesson with topics.
    let runs: Vec<(&'static dyn Lesson, Vec<String>)> = lessons::all()
        .iter()
        .flat_map(|l| l.topic_runs(&[]).into_iter().map(move |p| (*l, p)))
        .collect();
    let bar = Progress::new(runs.len() as u64, "tour");
    for (done, (lesson, params)) in runs.iter().enumerate() {
        let lesson = *lesson;
        bar.set(done as u64);
        let c = compare_lesson(lesson, params, &[], &args.timing)
            .with_context(|| format!("comparing the {} lesson {}", lesson.name(), shown(params)))?;
        print_comparison(&c, &machine, out)?;
        writeln!(out)?;
        let dir = args.out.join(c.key());
        let md = report::markdown(&c, &machine);
        for (name, body) in [
            ("compare.md", md.clone()),
            ("compare.json", report::json(&c, &machine)),
        ] {
            let path = dir.join(name);
            report::write_atomic(&path, body.as_bytes())?;
            written.push(path);
        }
        index.push_str(&md);
        index.push('\n');
        // Sampled and instrumented profiles of the baseline and the fastest variant, for
        // the page's links.
        let mut links = Vec::new();
        let prepared = lesson.prepare(&lesson.parse_params(params)?)?;
        let mut profiled = vec![c.baseline];
        if let Some(f) = c.fastest().map(|r| r.variant)
            && f != c.baseline
        {
            profiled.push(f);
        }
        for name in profiled {
            let v = lesson.variant_index(name)?;
            let (steps, line_steps) = crate::profile::run::steps_for(prepared.as_ref(), v, 0.3)?;
            let options = crate::profile::run::Options {
                functions: true,
                lines: false,
                memory: false,
                flamegraph: true,
                sort: crate::profile::func::SortKey::Cumtime,
                top: 20,
                frequency: 1000,
                steps,
                line_steps,
                out: dir.join(name),
                command: format!("perflab tour (profile of {} {name})", c.key()),
            };
            let done = crate::profile::run::profile(lesson, prepared.as_ref(), v, &options)?;
            for file in done.files {
                let leaf = file.file_name().and_then(|f| f.to_str()).unwrap_or("");
                if [
                    "flamegraph.svg",
                    "functions.svg",
                    "functions.txt",
                    "annotated.html",
                    "profile.pb",
                ]
                .contains(&leaf)
                    || leaf.starts_with("callgrind.out.")
                {
                    links.push((
                        format!("{}/{name}/{leaf}", c.key()),
                        format!("{name}: {leaf}"),
                    ));
                }
                written.push(file);
            }
        }
        let (section, charts) = crate::html::lesson_section(&c, &links)?;
        for (file, svg) in charts {
            let path = args.out.join(file);
            report::write_atomic(&path, svg.as_bytes())?;
            written.push(path);
        }
        sections.push(section);
    }
    bar.finish();
    let path = args.out.join("index.html");
    report::write_atomic(&path, crate::html::page(&sections, &machine).as_bytes())?;
    written.push(path);
    let path = args.out.join("tour.md");
    report::write_atomic(&path, index.as_bytes())?;
    written.push(path);
    for p in written {
        writeln!(out, "wrote {}", p.display())?;
    }
    Ok(())
}
