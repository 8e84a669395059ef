//! `run` and `timeit`: one variant, its time, rate and checksum, checked against the
//! reference, with its speedup over a short run of the baseline beside it.

use crate::commands::{Format, header};
use crate::error::Error;
use crate::inspect::machine::Machine;
use crate::lesson::{Lesson, Watch};
use crate::measure::memory::{Runs, gib, guard, peak_resident};
use crate::measure::progress::Progress;
use crate::measure::{Comparison, Entry, Given, Plan, Steps, measure, timeit};
use crate::report;
use crate::timing::load::Load;
use crate::timing::{Clock, format_rate, format_seconds, format_seconds_pm, sig4};
use std::io::Write;
use std::path::{Path, PathBuf};

/// What `run` runs.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Variant to run; `None`: the lesson's (or topic's) reference variant.
    pub variant: Option<String>,
    /// `key=value` parameter overrides.
    pub params: Vec<String>,
    /// Output format.
    pub format: Format,
    /// Folder for colour-map PNGs of the state and an animated GIF.
    pub snapshots: Option<PathBuf>,
    /// Allow a run estimated at over [`crate::commands::LONG_RUN`] seconds.
    pub long: bool,
}

/// What `timeit` times.
#[derive(Debug, Clone)]
pub struct TimeitOptions {
    /// Variant to time.
    pub variant: String,
    /// `key=value` parameter overrides.
    pub params: Vec<String>,
    /// Output format.
    pub format: Format,
    /// Timings to take (best of r).
    pub repeat: u64,
    /// Loops per timing; `None`: enough for 0.2 s.
    pub number: Option<u64>,
    /// Allow timings estimated at over [`crate::commands::LONG_RUN`] seconds in all.
    pub long: bool,
}

/// Seconds the baseline may take in `run` and `timeit`, which report a speedup too.
const BASELINE_BUDGET: f64 = 0.3;

/// Runs a variant with a progress bar, writing snapshots if asked; returns its one run.
fn run_watched(
    lesson: &dyn Lesson,
    prepared: &dyn crate::lesson::Prepared,
    variant: usize,
    snapshots: Option<&Path>,
    clock: &dyn Clock,
) -> anyhow::Result<(Given, Vec<PathBuf>)> {
    let steps = prepared.steps();
    let name = lesson.variants()[variant].name;
    let progress = Progress::new(steps as u64, &format!("{} {name}", lesson.name()));
    let mut written = Vec::new();
    let start = clock.cpu();
    let outcome = match (snapshots, prepared.frame_every()) {
        (Some(dir), Some(every)) => {
            std::fs::create_dir_all(dir).map_err(|e| Error::io("create folder", dir, e))?;
            let mut frames = Vec::new();
            let mut on_chunk =
                |done: usize, frame: Option<crate::lesson::Frame>| -> crate::error::Result<()> {
                    progress.set(done as u64);
                    if let Some(f) = frame {
                        let path = dir.join(format!("frame-{:03}.png", frames.len()));
                        crate::files::write_atomic(&path, &crate::report::snapshot::png(&f)?)?;
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
            let o = prepared.run(variant, steps, clock, Some(&mut watch))?;
            let gif = dir.join("animation.gif");
            crate::files::write_atomic(&gif, &crate::report::snapshot::gif(&frames, 200)?)?;
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
            prepared.run(variant, steps, clock, Some(&mut watch))?
        }
        (None, _) => prepared.run(variant, steps, clock, None)?,
    };
    let load = Load::since(start, clock);
    progress.finish();
    Ok((
        Given {
            samples: vec![outcome.seconds],
            values: outcome.values,
            load,
            cpu: vec![outcome.cpu],
            busy: outcome.busy,
            split: outcome.split,
        },
        written,
    ))
}

/// Measures `variant` (already run: `given`) beside a short run of the baseline, for its
/// speedup and reference check; returns the comparison with only that variant's row.
fn with_baseline(
    lesson: &dyn Lesson,
    params: &crate::lesson::params::Params,
    prepared: &dyn crate::lesson::Prepared,
    variant: usize,
    steps: usize,
    given: Given,
    clock: &dyn Clock,
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
        clock,
    )?;
    c.rows.truncate(1);
    Ok(c)
}

/// Runs one variant once, as `cargo perflab run` does.
pub fn run(
    lesson: &dyn Lesson,
    args: &RunOptions,
    clock: &dyn Clock,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let name = args.variant.as_deref().unwrap_or(lesson.reference());
    let params = match &args.variant {
        Some(v) => lesson.parse_params_for(&args.params, v)?,
        // No variant named: the reference of the topic chosen, if any.
        None => lesson.parse_params(&args.params)?,
    };
    if let Some(dir) = &args.snapshots {
        crate::files::check_folder(dir)?;
    }
    let prepared = lesson.prepare(&params)?;
    // The machine's load over the whole command (the calibration included: a single short
    // run may end within one tick of /proc/stat).
    let start = clock.cpu();
    let variant = match args.variant {
        Some(_) => lesson.variant_index(name)?,
        None => prepared.scope().reference,
    };
    // Refused before anything is allocated if it needs more memory than there is; the
    // snapshots' frames are held as values beside the run.
    let mut runs = Runs::run(prepared.as_ref(), variant);
    runs.snapshots = args.snapshots.is_some();
    let estimate = guard(lesson, &params, prepared.as_ref(), &runs)?;
    let full = prepared.steps();
    let mut timed = vec![(variant, full, 1)];
    if prepared.scope().reference != variant {
        timed.push((prepared.scope().reference, full, 1));
    }
    crate::commands::guard_time(lesson, prepared.as_ref(), &timed, args.long, clock)?;
    // Snapshots go into a folder written whole at the end, checked (writable, within the
    // caps) before the run.
    let output = match &args.snapshots {
        Some(dir) => {
            snapshot_caps(lesson, prepared.as_ref(), variant, clock)?;
            Some(crate::files::Output::begin(
                dir,
                &mut crate::commands::profile::waiting,
            )?)
        }
        None => None,
    };
    let (given, written) = run_watched(
        lesson,
        prepared.as_ref(),
        variant,
        output.as_ref().map(|o| o.dir()),
        clock,
    )?;
    if let Some(o) = output {
        o.commit()?;
    }
    let mut c = with_baseline(
        lesson,
        &params,
        prepared.as_ref(),
        variant,
        prepared.steps(),
        given,
        clock,
    )?;
    c.load = Load::since(start, clock);
    let machine = Machine::this();
    let peak = peak_resident();
    c.memory = Some(crate::measure::Peak {
        peak_rss_bytes: peak,
        estimated_peak_bytes: estimate.peak(),
    });
    if args.format == Format::Json {
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
    let mark = match (r.matches_reference, &r.expected_wrong) {
        (true, _) => "✓ matches",
        (false, Some(_)) => "✗ (as expected) differs from",
        (false, None) => "✗ differs from",
    };
    writeln!(
        out,
        "  check       {mark} {} (max-norm relative difference {:.1e}, tolerance {:.0e})",
        c.reference, r.rel_error, c.tolerance
    )?;
    if let Some(w) = &r.expected_wrong {
        writeln!(out, "  wrong       on purpose ({}): {}", w.why, w.how)?;
    }
    if let Some(cpu) = r.cpu_seconds.filter(|_| r.seconds > 0.0) {
        writeln!(
            out,
            "  CPU time    {} = {:.1} cores busy on average (every thread and worker process)",
            crate::timing::format_seconds(cpu),
            cpu / r.seconds
        )?;
    }
    if let Some(line) = report::workers_line(r) {
        writeln!(out, "  {line}")?;
    }
    if let Some(line) = report::split_line(r) {
        writeln!(out, "  {line}")?;
    }
    if let Some(e) = r.exact_error {
        writeln!(
            out,
            "  exact       max-norm relative difference from the exact answer {e:.1e}"
        )?;
    }
    writeln!(
        out,
        "  memory      peak {} resident (estimated {})",
        gib(peak),
        gib(estimate.peak())
    )?;
    if !written.is_empty() {
        let dir = args.snapshots.as_deref().unwrap_or(Path::new("."));
        writeln!(
            out,
            "  snapshots   {} PNGs and animation.gif in {}",
            written.len() - 1,
            crate::files::shown(dir)
        )?;
    }
    if let Some(l) = &c.load {
        writeln!(out, "  {}", l.line().replacen("load: ", "load        ", 1))?;
        if let Some(w) = l.warning() {
            writeln!(out, "  {w}")?;
        }
    }
    writeln!(out, "  machine     {machine}")?;
    Ok(())
}

/// Most snapshot frames a run may draw.
pub const MAX_FRAMES: usize = 500;
/// Most bytes the frames may take, as pictures held for the GIF and as PNG files at most.
pub const MAX_FRAME_BYTES: usize = 1 << 30;

/// Refuses, before the run, a snapshot series over [`MAX_FRAMES`] frames or
/// [`MAX_FRAME_BYTES`] bytes, naming the parameter that sets the count.
fn snapshot_caps(
    lesson: &dyn Lesson,
    prepared: &dyn crate::lesson::Prepared,
    variant: usize,
    clock: &dyn Clock,
) -> anyhow::Result<()> {
    let Some(every) = prepared.frame_every() else {
        anyhow::bail!("lesson {} draws no snapshots", lesson.name());
    };
    let frames = prepared.steps().div_ceil(every.max(1)) + 1;
    // The first frame, for its size: the start state drawn, no step run.
    let mut size = None;
    let mut on_chunk = |_: usize, f: Option<crate::lesson::Frame>| {
        size = f.map(|f| (f.width, f.height));
        Ok(())
    };
    let mut watch = Watch {
        chunk: 1,
        frames: true,
        on_chunk: &mut on_chunk,
    };
    prepared.run(variant, 0, clock, Some(&mut watch))?;
    let (w, h) = size.unwrap_or((1, 1));
    // Each frame is held as its values (8 bytes a pixel) and drawn in RGB (3 bytes).
    let bytes = frames.saturating_mul(w * h * 11);
    if frames > MAX_FRAMES || bytes > MAX_FRAME_BYTES {
        // Frames that fit both caps, and the spacing that gives no more.
        let fit = MAX_FRAMES.min(MAX_FRAME_BYTES / (w * h * 11).max(1)).max(2);
        let spacing = lesson
            .params()
            .iter()
            .find(|p| p.help.contains("snapshot"))
            .map_or("the spacing of frames".to_string(), |p| p.name.to_string());
        anyhow::bail!(
            "--snapshots would draw {frames} frames of {w}×{h} pixels ({:.2} GiB); the most \
             is {MAX_FRAMES} frames and {:.0} GiB: raise {spacing} (a frame every {every} \
             steps now; every {} steps or more fits) or shorten the run",
            bytes as f64 / (1u64 << 30) as f64,
            MAX_FRAME_BYTES as f64 / (1u64 << 30) as f64,
            prepared.steps().div_ceil(fit - 1).max(every + 1),
        );
    }
    Ok(())
}

/// Times one variant like IPython's `%timeit`, as `cargo perflab timeit` does.
pub fn time_it(
    lesson: &dyn Lesson,
    args: &TimeitOptions,
    clock: &dyn Clock,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let params = lesson.parse_params_for(&args.params, &args.variant)?;
    let prepared = lesson.prepare(&params)?;
    let variant = lesson.variant_index(&args.variant)?;
    let mut runs = Runs::run(prepared.as_ref(), variant);
    runs.repeated = true;
    guard(lesson, &params, prepared.as_ref(), &runs)?;
    let steps = prepared.steps();
    // Without -n, timeit makes one loop at least per timing.
    let mut runs = vec![(variant, steps, args.repeat * args.number.unwrap_or(1))];
    if prepared.scope().reference != variant {
        runs.push((prepared.scope().reference, steps, 1));
    }
    crate::commands::guard_time(lesson, prepared.as_ref(), &runs, args.long, clock)?;
    let start = clock.cpu();
    let (loops, given) = timeit(
        prepared.as_ref(),
        variant,
        steps,
        args.repeat as usize,
        args.number,
        0.2,
        clock,
    )?;
    let mut c = with_baseline(
        lesson,
        &params,
        prepared.as_ref(),
        variant,
        steps,
        given,
        clock,
    )?;
    c.load = Load::since(start, clock);
    let machine = Machine::this();
    if args.format == Format::Json {
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
        "{}: {} per loop (median ± MAD of {} runs, {loops} loop{} each); best of {}: {}",
        r.variant,
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
        match (r.matches_reference, &r.expected_wrong) {
            (true, _) => "✓ matches",
            (false, Some(_)) => "✗ (as expected) differs from",
            (false, None) => "✗ differs from",
        },
        c.reference,
        format_args!("({:.1e})", r.rel_error)
    ));
    writeln!(out, "{}", line.join(" · "))?;
    if let Some(l) = &c.load {
        writeln!(out, "{}", l.line())?;
        if let Some(w) = l.warning() {
            writeln!(out, "{w}")?;
        }
    }
    writeln!(out, "machine: {machine}")?;
    Ok(())
}
