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
    }
}

fn profile(lesson: &dyn Lesson, args: &ProfileArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    use crate::profile::run;
    let params = lesson.parse_params(&args.params)?;
    let prepared = lesson.prepare(&params)?;
    let diff = match args.diff.as_slice() {
        [a, b] => Some((lesson.variant_index(a)?, lesson.variant_index(b)?)),
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
        writeln!(
            out,
            "  variants (speedups against {}, answers checked against {}):",
            lesson.baseline(),
            lesson.reference()
        )?;
        let width = lesson
            .variants()
            .iter()
            .map(|v| v.name.len())
            .max()
            .unwrap_or(0);
        for v in lesson.variants() {
            writeln!(out, "    {:width$}  {}", v.name, v.what)?;
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
    let baseline = lesson.variant_index(lesson.baseline())?;
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
    let params = lesson.parse_params(&args.common.params)?;
    let prepared = lesson.prepare(&params)?;
    let variant = lesson.variant_index(args.variant.as_deref().unwrap_or(lesson.reference()))?;
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
    let params = lesson.parse_params(&args.common.params)?;
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
fn plan(lesson: &dyn Lesson, only: &[String], timing: &TimingArgs) -> anyhow::Result<Plan> {
    let steps = if timing.full {
        Steps::Full
    } else {
        Steps::Budget(timing.budget)
    };
    let mut chosen = vec![only.is_empty(); lesson.variants().len()];
    chosen[lesson.variant_index(lesson.baseline())?] = true;
    for name in only {
        chosen[lesson.variant_index(name)?] = true;
    }
    Ok(Plan {
        entries: (0..chosen.len())
            .filter(|&v| chosen[v])
            .map(|v| Entry::new(v, steps))
            .collect(),
        samples: timing.samples as usize,
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
    let plan = plan(lesson, only, timing)?;
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
    writeln!(out, "{}", report::table(c, Flavour::Terminal))?;
    for n in report::notes(c) {
        writeln!(out, "{n}")?;
    }
    writeln!(out, "machine: {machine}")
}

fn compare(lesson: &dyn Lesson, args: &CompareArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let c = compare_lesson(lesson, &args.common.params, &args.variants, &args.timing)?;
    let machine = Machine::this();
    match args.common.format {
        Format::Json => out.write_all(report::json(&c, &machine).as_bytes())?,
        Format::Text => print_comparison(&c, &machine, out)?,
    }
    Ok(())
}

fn tour(args: &TourArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let machine = Machine::this();
    std::fs::create_dir_all(&args.out).map_err(|e| Error::io("create folder", &args.out, e))?;
    let mut index = format!("# perflab tour\n\nMachine: {machine}\n\n");
    let mut written = Vec::new();
    for lesson in lessons::all() {
        let c = compare_lesson(*lesson, &[], &[], &args.timing)
            .with_context(|| format!("comparing the {} lesson", lesson.name()))?;
        print_comparison(&c, &machine, out)?;
        writeln!(out)?;
        let dir = args.out.join(lesson.name());
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
    }
    let path = args.out.join("tour.md");
    report::write_atomic(&path, index.as_bytes())?;
    written.push(path);
    for p in written {
        writeln!(out, "wrote {}", p.display())?;
    }
    Ok(())
}
