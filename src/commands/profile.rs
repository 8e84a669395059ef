//! Profiling one variant of a lesson: what `cargo perflab profile` does. Each profiler gets a
//! run of its own, so that none measures another's overhead; each writes its files whole
//! (temp file, then rename) into one folder and returns the text to print.

use crate::error::{Error, Result};
use crate::files::{Output, write_atomic};
use crate::lesson::{Lesson, Prepared};
use crate::measure::memory::{Runs, gib, guard, peak_resident, sampler_overhead};
use crate::profile::{func, lines, lines_sampled, memory, sample};
use crate::timing::{RealClock, format_seconds};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Which profilers to run, and how.
#[derive(Debug, Clone)]
pub struct Options {
    /// The function profiler: pstats table, callgrind, folded stacks, flamegraph.
    pub functions: bool,
    /// The line profiler, with memory per line.
    pub lines: bool,
    /// The tracking allocator's summary and timeline.
    pub memory: bool,
    /// The sampling profiler: flamegraph, profile.pb, sampled lines, annotated source.
    pub flamegraph: bool,
    /// Order of the function table.
    pub sort: func::SortKey,
    /// Rows of the function table and the sampled line table.
    pub top: usize,
    /// Sampling frequency in Hz.
    pub frequency: i32,
    /// Keep the harness's frames below the variant in sampled flamegraphs.
    pub full_stacks: bool,
    /// Repeat a run too short to sample until about [`MIN_SAMPLES`] samples are taken
    /// (false: one run, whatever it gives, as a quick tour does).
    pub repeat: bool,
    /// Steps each profiled run makes (the line profiler's run: `line_steps`).
    pub steps: usize,
    /// Steps of the line-profiled run, whose instrumentation slows tight loops most.
    pub line_steps: usize,
    /// The folder written to.
    pub out: PathBuf,
    /// The command that made this, for the callgrind header.
    pub command: String,
}

/// What profiling printed and wrote.
#[derive(Debug, Default)]
pub struct Profiled {
    /// Text for the terminal, section by section.
    pub text: String,
    /// Files written.
    pub files: Vec<PathBuf>,
    /// Samples the sampling profiler took, if it ran.
    pub samples: Option<u64>,
}

impl Profiled {
    fn write(&mut self, dir: &Path, name: &str, bytes: &[u8]) -> Result<()> {
        let path = dir.join(name);
        write_atomic(&path, bytes)?;
        self.files.push(path);
        Ok(())
    }

    fn section(&mut self, title: &str, body: &str) {
        let _ = writeln!(self.text, "── {title} ──\n{body}");
    }
}

/// Makes `dir` and checks that files can be written in it, so that a bad `--out` fails
/// before any profiling time is spent.
pub fn ready_folder(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io("create folder", dir, e))?;
    tempfile::NamedTempFile::new_in(dir)
        .map(drop)
        .map_err(|e| Error::io("write in folder", dir, e))
}

/// Steps for the profiled runs: as many as an unprofiled run makes in `budget` seconds
/// (at most the full run); the line profiler gets a tenth of them.
pub fn steps_for(prepared: &dyn Prepared, variant: usize, budget: f64) -> Result<(usize, usize)> {
    let steps = crate::measure::calibrate(prepared, variant, budget, &RealClock::default())?;
    Ok((steps, (steps / 10).max(1)))
}

/// Samples a sampled profile should have at the least; fewer and the shares are noise.
pub const MIN_SAMPLES: u64 = 200;

/// The most seconds a sampled profile spends repeating a short run.
const MOST_SECONDS: f64 = 10.0;

/// Seconds to sample for about [`MIN_SAMPLES`] samples (a fifth more, for the timer's
/// jitter), given that `spent` seconds gave `got`; with none, at one sample per 4 ms (a
/// 250 Hz scheduler tick).
fn sampling_time(got: u64, spent: f64) -> f64 {
    let per_second = match got {
        0 => 250.0,
        n => n as f64 / spent.max(1e-9),
    };
    (1.2 * MIN_SAMPLES as f64 / per_second).min(MOST_SECONDS)
}

/// Samples runs of `variant`: one, or, when that is too short for a profile worth reading
/// and `repeat` allows, as many as about [`MIN_SAMPLES`] samples take (for up to
/// [`MOST_SECONDS`]), in one sampling session. Returns the last run's kernel seconds, the
/// samples and the runs made.
fn sample_runs(
    prepared: &dyn Prepared,
    variant: usize,
    steps: usize,
    frequency: i32,
    repeat: bool,
    clock: &RealClock,
) -> Result<(f64, sample::Samples, usize)> {
    let sampled = |at_least: f64| {
        let mut reps = 0;
        // The runs' own time: the report built after them (symbols) is not sampled.
        let ((outcome, spent), samples) = sample::record(frequency, || {
            let start = std::time::Instant::now();
            loop {
                let last = prepared.run(variant, steps, clock, None);
                reps += 1;
                let spent = start.elapsed().as_secs_f64();
                if last.is_err() || spent >= at_least {
                    break (last, spent);
                }
            }
        })?;
        Ok::<_, Error>((outcome?.seconds, samples, reps, spent))
    };
    let (seconds, samples, reps, spent) = sampled(0.0)?;
    if samples.total() >= MIN_SAMPLES || !repeat {
        return Ok((seconds, samples, reps));
    }
    let (seconds, samples, reps, _) = sampled(sampling_time(samples.total(), spent))?;
    Ok((seconds, samples, reps))
}

/// Profiles one variant with the profilers `o` asks for.
pub fn profile(
    lesson: &dyn Lesson,
    prepared: &dyn Prepared,
    variant: usize,
    o: &Options,
) -> Result<Profiled> {
    ready_folder(&o.out)?;
    let clock = RealClock::default();
    let name = lesson.variants()[variant].name;
    let label = format!("{} {name}", lesson.name());
    let mut p = Profiled::default();
    let _ = writeln!(
        p.text,
        "{} ({}) — {}\nvariant {name}; profiled runs of {} of {} steps (the line profiler: {})\n",
        lesson.title(),
        lesson.name(),
        prepared.describe(),
        o.steps,
        prepared.steps(),
        o.line_steps,
    );
    if o.functions {
        let session = func::Session::start();
        prepared.run(variant, o.steps, &clock, None)?;
        let profile = session.finish();
        if profile.functions.is_empty() {
            p.section(
                "functions (cProfile)",
                "no instrumented function ran: mark kernels with #[perflab::instrument]\n",
            );
        } else {
            let table = profile.table(o.sort, Some(o.top));
            p.section("functions (cProfile)", &table);
            p.write(
                &o.out,
                "functions.txt",
                profile.table(o.sort, None).as_bytes(),
            )?;
            p.write(
                &o.out,
                &format!("callgrind.out.{name}"),
                profile.callgrind(&o.command).as_bytes(),
            )?;
            let folded = profile.folded();
            p.write(&o.out, "functions.folded", folded.as_bytes())?;
            if !folded.is_empty() {
                let svg = sample::flamegraph(
                    &folded,
                    &format!("{label}: instrumented calls (time in ns)"),
                    "ns",
                )?;
                p.write(&o.out, "functions.svg", &svg)?;
            }
        }
    }
    if o.lines {
        let session = lines::Session::start();
        prepared.run(variant, o.line_steps, &clock, None)?;
        let profile = session.finish();
        if profile.functions.is_empty() {
            p.section(
                "lines (line_profiler)",
                "no #[perflab::profile] function ran in this variant\n",
            );
        } else {
            let table = profile.table();
            p.section("lines (line_profiler + memory_profiler)", &table);
            p.write(&o.out, "lines.txt", table.as_bytes())?;
        }
    }
    if o.memory {
        let (outcome, mem) = memory::record(Duration::from_millis(2), || {
            prepared.run(variant, o.steps, &clock, None)
        });
        outcome?;
        p.section("memory (memory_profiler, mprof)", &mem.summary());
        if mem.tracked {
            p.write(&o.out, "memory.txt", mem.summary().as_bytes())?;
            let svg = mem.plot_svg(&format!("{label}: live heap"))?;
            p.write(&o.out, "memory.svg", svg.as_bytes())?;
        }
    }
    if o.flamegraph {
        let (seconds, samples, reps) =
            sample_runs(prepared, variant, o.steps, o.frequency, o.repeat, &clock)?;
        let folded = samples.folded(!o.full_stacks);
        let total = samples.total();
        let runs = match reps {
            1 => format!("one run of {}", format_seconds(seconds)),
            n => format!("{n} runs of about {} each", format_seconds(seconds)),
        };
        let mut said = match samples.cpu_seconds {
            Some(cpu) if total > 0 => format!(
                "{total} samples over {} of CPU time ({runs}) at --frequency {}: one sample \
                 per {} of CPU time, {:.0} a second (Linux fires the profiling timer at most \
                 once per scheduler tick); profile.pb weighs its samples so\n",
                format_seconds(cpu),
                o.frequency,
                format_seconds(samples.period_ns() / 1e9),
                1e9 / samples.period_ns()
            ),
            _ => format!("{total} samples ({runs}) at --frequency {}\n", o.frequency),
        };
        if total < MIN_SAMPLES {
            let _ = writeln!(
                said,
                "too short to sample ({total} samples; a profile worth reading needs about \
                 {MIN_SAMPLES}): raise --steps or --budget{}",
                if total == 0 {
                    "; no flamegraph.svg or profile.pb written"
                } else {
                    ""
                }
            );
        }
        p.section("sampled stacks (pprof)", &said);
        p.samples = Some(total);
        if total > 0 {
            let svg = sample::flamegraph(&folded, &format!("{label}: sampled stacks"), "samples")?;
            p.write(&o.out, "flamegraph.svg", &svg)?;
            p.write(&o.out, "samples.folded", folded.as_bytes())?;
        }

        // The line sampler runs as often as the stack sampler did.
        let started = std::time::Instant::now();
        let (outcome, sampled) = lines_sampled::record(o.frequency, || {
            let mut last = prepared.run(variant, o.steps, &clock, None);
            for _ in 1..reps {
                last = prepared.run(variant, o.steps, &clock, None);
            }
            last
        })?;
        let wall = started.elapsed();
        outcome?;
        // profile.pb: this run's stacks, each sample weighing its share of the CPU time.
        if let Some(pb) = sampled.pprof(o.frequency, wall)? {
            p.write(&o.out, "profile.pb", &pb)?;
        }
        let mut body = sample::lines_table(&sampled.lines, sampled.total, o.top);
        if sampled.outside > 0 {
            let by: Vec<String> = sampled
                .outside_by
                .iter()
                .map(|(kind, n)| format!("{kind} {n}"))
                .collect();
            let _ = writeln!(
                body,
                "{} samples fell outside this project's code: {}",
                sampled.outside,
                by.join(", ")
            );
        }
        p.section("sampled lines (Scalene-style)", &body);
        p.write(&o.out, "sampled-lines.txt", body.as_bytes())?;
        let html = sample::annotated_html(
            &format!("{label}: sampled lines"),
            &sampled.lines,
            sampled.total,
        );
        p.write(&o.out, "annotated.html", html.as_bytes())?;
    }
    Ok(p)
}

/// A differential flamegraph of variants `a` (before) and `b` (after), sampled in runs of
/// `steps[0]` and `steps[1]` steps (counts are normalised, so the runs may differ).
pub fn diff(
    lesson: &dyn Lesson,
    prepared: &dyn Prepared,
    [a, b]: [usize; 2],
    steps: [usize; 2],
    o: &Options,
) -> Result<Profiled> {
    ready_folder(&o.out)?;
    let clock = RealClock::default();
    let names = lesson.variants();
    let (na, nb) = (names[a].name, names[b].name);
    let mut p = Profiled::default();
    let mut folded = Vec::new();
    // (samples, seconds per step) of each.
    let mut measured = Vec::new();
    for (v, steps) in [(a, steps[0]), (b, steps[1])] {
        let (seconds, samples, reps) =
            sample_runs(prepared, v, steps, o.frequency, o.repeat, &clock)?;
        if samples.total() == 0 {
            return Err(Error::Profiler {
                what: "draw the differential flamegraph",
                message: format!(
                    "no samples of {} in {MOST_SECONDS} s of runs of {steps} steps \
                     (raise --budget or --steps)",
                    names[v].name
                ),
            });
        }
        let f = samples.folded(!o.full_stacks);
        p.write(&o.out, &format!("{}.folded", names[v].name), f.as_bytes())?;
        let _ = writeln!(
            p.text,
            "{:>10}: {} samples over {reps} run{} of {steps} steps ({} a run)",
            names[v].name,
            samples.total(),
            if reps == 1 { "" } else { "s" },
            format_seconds(seconds),
        );
        measured.push((samples.total(), seconds / steps.max(1) as f64));
        folded.push(f);
    }
    let ((ca, ta), (cb, tb)) = (measured[0], measured[1]);
    let speedup = ta / tb.max(1e-300);
    let counts = format!("{na} {ca} samples, {nb} {cb}; {nb} {speedup:.3}× as fast per step");
    let _ = writeln!(
        p.text,
        "{nb} ran {speedup:.3}× as fast as {na} per step (these runs, under the sampler)"
    );
    let colours = format!("red: a larger share of the samples in {nb}, blue: a smaller one");
    // B's shape, coloured by the change from A: what B spends its time on.
    let title = format!("{}: {nb} against {na}, {nb}'s frames", lesson.name());
    let subtitle = format!("{colours}; {counts}");
    let svg = sample::differential(&folded[0], &folded[1], &title, &subtitle, false)?;
    p.write(&o.out, "diff.svg", &svg)?;
    // A's shape, coloured the same way: what A spent its time on, frames that vanish in B
    // included.
    let title = format!("{}: {na} against {nb}, {na}'s frames", lesson.name());
    let svg = sample::differential(&folded[1], &folded[0], &title, &subtitle, true)?;
    p.write(&o.out, "diff-negated.svg", &svg)?;
    Ok(p)
}

/// What `cargo perflab profile` asks for: one variant (or two, for `diff`), which profilers,
/// and how the output is ordered and sized.
#[derive(Debug, Clone)]
pub struct ProfileOptions {
    /// Variant to profile (`None` with `diff`).
    pub variant: Option<String>,
    /// The function profiler.
    pub functions: bool,
    /// The line profiler.
    pub lines: bool,
    /// The run's memory.
    pub memory: bool,
    /// The sampling profiler.
    pub flamegraph: bool,
    /// Two variants for a differential flamegraph, A before and B after; empty for none.
    pub diff: Vec<String>,
    /// Folder for the files; `None`: reports/<lesson>/<variant> or …/diff-A-B.
    pub out: Option<PathBuf>,
    /// Order of the function table.
    pub sort: func::SortKey,
    /// Rows of the function and sampled-line tables.
    pub top: u64,
    /// Samples per second of CPU time for the sampling profiler.
    pub frequency: i32,
    /// Keep the harness's frames (main, the CLI, the profiler) below the variant in the
    /// sampled flamegraphs.
    pub full_stacks: bool,
    /// Run the variant under this valgrind tool instead (a portable build).
    pub valgrind: Option<crate::commands::valgrind::Tool>,
    /// Steps of each profiled run; `None`: what fits in `budget`.
    pub steps: Option<u64>,
    /// Seconds an unprofiled run may take, to choose the steps.
    pub budget: f64,
    /// `key=value` parameter overrides.
    pub params: Vec<String>,
}

/// Profiles a variant (or diffs two), as `cargo perflab profile` does; prints what it found and
/// the files it wrote.
pub fn command(
    lesson: &dyn Lesson,
    args: &ProfileOptions,
    out: &mut dyn std::io::Write,
) -> anyhow::Result<()> {
    let named = args.variant.as_ref().or(args.diff.first());
    // Every variant named must exist before the problem is set up (which may take time).
    for v in &args.diff {
        lesson.variant_index(v)?;
    }
    let params = match named {
        Some(v) => lesson.parse_params_for(&args.params, v)?,
        None => lesson.parse_params(&args.params)?,
    };
    // The folder, before the problem is set up (which may take time); made below.
    let leaf = match args.diff.as_slice() {
        [a, b] => format!("diff-{a}-{b}"),
        _ => args.variant.clone().unwrap_or_default(),
    };
    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| crate::files::reports().join(lesson.name()).join(leaf));
    // The folder is written whole at the end; an unwritable one fails here, before any
    // time is spent.
    let output = Output::begin(&dir, &mut waiting)?;
    let prepared = lesson.prepare(&params)?;
    let diff = match args.diff.as_slice() {
        [a, b] => Some((
            crate::commands::compare::in_scope(lesson, prepared.scope(), a)?,
            crate::commands::compare::in_scope(lesson, prepared.scope(), b)?,
        )),
        _ => None,
    };
    let variant = match (&args.variant, diff) {
        (Some(v), _) => lesson.variant_index(v)?,
        (None, Some((a, _))) => a,
        (None, None) => anyhow::bail!("give --variant V or --diff A B"),
    };
    for v in [Some(variant), diff.map(|d| d.1)].into_iter().flatten() {
        anyhow::ensure!(
            prepared.runs_here(v),
            "{} runs in other processes (MPI ranks), where this process's profilers cannot see it; profile a variant that runs here, or the ranks themselves (`mpirun … perf record …`)",
            lesson.variants()[v].name
        );
    }
    if args.valgrind.is_some() {
        let name = lesson.variants()[variant].name;
        anyhow::ensure!(
            name != crate::lesson::EXERCISE,
            "--valgrind runs the lesson's own variants; your exercise is not one of them yet"
        );
    }
    // Refused before anything is allocated if the profiled runs need more memory than
    // there is (under valgrind they run in a process of their own, which checks itself).
    let none = !(args.functions || args.lines || args.memory || args.flamegraph);
    let estimate = match args.valgrind {
        Some(_) => None,
        None => {
            let runs = Runs {
                alone: match diff {
                    Some((a, b)) => vec![a, b],
                    None => vec![variant],
                },
                beside: if args.flamegraph || none || diff.is_some() {
                    sampler_overhead()
                } else {
                    0
                },
                ..Default::default()
            };
            Some(guard(lesson, &params, prepared.as_ref(), &runs)?)
        }
    };
    if let Some(tool) = args.valgrind {
        let name = lesson.variants()[variant].name;
        let (file, summary) =
            crate::commands::valgrind::run(tool, lesson.name(), name, &args.params, output.dir())?;
        let file = output.final_path(&file);
        output.commit()?;
        write!(out, "{summary}")?;
        writeln!(out, "wrote:\n  {}", crate::files::shown(&file))?;
        return Ok(());
    }
    let full = prepared.steps().max(1);
    let steps_of = |v: usize| match args.steps {
        Some(n) => Ok(((n as usize).min(full), (n as usize / 10).clamp(1, full))),
        None => steps_for(prepared.as_ref(), v, args.budget),
    };
    let (steps, line_steps) = steps_of(variant)?;
    let options = Options {
        functions: args.functions || none,
        lines: args.lines || none,
        memory: args.memory || none,
        flamegraph: args.flamegraph || none,
        sort: args.sort,
        top: args.top as usize,
        frequency: args.frequency,
        full_stacks: args.full_stacks,
        repeat: true,
        steps,
        line_steps,
        out: output.dir().to_path_buf(),
        command: std::env::args().collect::<Vec<_>>().join(" "),
    };
    let done = match diff {
        Some((a, b)) => {
            let steps = [steps, steps_of(b)?.0];
            self::diff(lesson, prepared.as_ref(), [a, b], steps, &options)?
        }
        None => profile(lesson, prepared.as_ref(), variant, &options)?,
    };
    let files: Vec<PathBuf> = done.files.iter().map(|f| output.final_path(f)).collect();
    output.commit()?;
    write!(out, "{}", done.text)?;
    if let Some(e) = estimate {
        writeln!(
            out,
            "memory: peak {} resident (estimated {})",
            gib(peak_resident()),
            gib(e.peak())
        )?;
    }
    writeln!(out, "wrote:")?;
    for f in &files {
        writeln!(out, "  {}", crate::files::shown(f))?;
    }
    Ok(())
}

/// Says, once, that this run waits for another that writes into the same folder.
pub fn waiting(parent: &Path) {
    eprintln!(
        "waiting: another perflab run is writing in {}",
        crate::files::shown(parent)
    );
}
