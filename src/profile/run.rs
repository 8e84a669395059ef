//! Profiling one variant of a lesson: what `perflab profile` does. Each profiler gets a
//! run of its own, so that none measures another's overhead; each writes its files whole
//! (temp file, then rename) into one folder and returns the text to print.

use crate::error::{Error, Result};
use crate::lesson::{Lesson, Prepared};
use crate::profile::{func, lines, lines_sampled, memory, sample};
use crate::report::write_atomic;
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
        let (outcome, samples) =
            sample::record(o.frequency, || prepared.run(variant, o.steps, &clock, None))?;
        let seconds = outcome?.seconds;
        let folded = samples.folded();
        let total = samples.total();
        p.section(
            "sampled stacks (pprof)",
            &format!(
                "{total} samples in {} at --frequency {} (~{:.0} taken per second: Linux \
                 fires the profiling timer at most once per scheduler tick)\n",
                format_seconds(seconds),
                o.frequency,
                total as f64 / seconds.max(1e-9)
            ),
        );
        if total > 0 {
            let svg = sample::flamegraph(&folded, &format!("{label}: sampled stacks"), "samples")?;
            p.write(&o.out, "flamegraph.svg", &svg)?;
        }
        p.write(&o.out, "samples.folded", folded.as_bytes())?;
        p.write(&o.out, "profile.pb", &samples.pprof()?)?;

        let (outcome, sampled) =
            lines_sampled::record(o.frequency, || prepared.run(variant, o.steps, &clock, None))?;
        outcome?;
        let mut body = sample::lines_table(&sampled.lines, sampled.total, o.top);
        if sampled.outside > 0 {
            let _ = writeln!(
                body,
                "{} samples fell outside this project's sources (the standard library, libc, the allocator)",
                sampled.outside
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
    for (v, steps) in [(a, steps[0]), (b, steps[1])] {
        let (outcome, samples) =
            sample::record(o.frequency, || prepared.run(v, steps, &clock, None))?;
        outcome?;
        if samples.total() == 0 {
            return Err(Error::Profiler {
                what: "draw the differential flamegraph",
                message: format!(
                    "no samples of {}: its run of {steps} steps took less than one sampling \
                     interval of CPU time (raise --budget or --steps)",
                    names[v].name
                ),
            });
        }
        let f = samples.folded();
        p.write(&o.out, &format!("{}.folded", names[v].name), f.as_bytes())?;
        let _ = writeln!(
            p.text,
            "{:>10}: {} samples in a run of {steps} steps",
            names[v].name,
            samples.total(),
        );
        folded.push(f);
    }
    let title = format!(
        "{}: {nb} against {na} (red: larger share in {nb}, blue: smaller)",
        lesson.name()
    );
    let svg = sample::differential(&folded[0], &folded[1], &title)?;
    p.write(&o.out, "diff.svg", &svg)?;
    Ok(p)
}
