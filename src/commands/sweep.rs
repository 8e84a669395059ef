//! `sweep`: one variant timed at each of several values of one parameter (a chunk size,
//! a thread count), every point checked against the reference at that value: the curve
//! that shows where overhead gives way to imbalance. A lesson's tutor steps name its sweeps
//! ([`Action::Sweep`](crate::lesson::Action::Sweep)), and the tour draws each one.

use crate::commands::{Format, Timing, shown};
use crate::lesson::Lesson;
use crate::measure::memory::Runs;
use crate::measure::{Entry, Plan, Steps, measure};
use crate::timing::Clock;
use crate::timing::load::Load;
use std::io::Write;

pub use crate::measure::sweep::{Point, Sweep};
pub use crate::report::sweep::{markdown_table, notes, table};

/// What `sweep` measures.
#[derive(Debug, Clone, Default)]
pub struct SweepOptions {
    /// The variant, or several separated by commas (`shm,tcp`): one sweep each, one
    /// curve each in the chart.
    pub variant: String,
    /// The parameter and its values, as typed: `chunk=1,10,100` (required; checked after
    /// the other parameters, whose errors come first).
    pub sweep: Option<String>,
    /// Other `key=value` parameter overrides.
    pub params: Vec<String>,
    /// Output format.
    pub format: Format,
    /// How long and how often each point runs.
    pub timing: Timing,
    /// Where to draw the curve as an SVG chart, if anywhere (its folder is checked before
    /// anything runs).
    pub chart: Option<std::path::PathBuf>,
}

/// Splits `key=v1,v2,…` into the key and its values.
pub fn parse_sweep(sweep: &str) -> anyhow::Result<(String, Vec<String>)> {
    let bad = || {
        anyhow::anyhow!(
            "invalid --sweep '{sweep}': expected KEY=V1,V2,… (a parameter and at least two values)"
        )
    };
    let (key, values) = sweep.split_once('=').ok_or_else(bad)?;
    let values: Vec<String> = values.split(',').map(|v| v.trim().to_string()).collect();
    if key.trim().is_empty() || values.len() < 2 || values.iter().any(|v| v.is_empty()) {
        return Err(bad());
    }
    Ok((key.trim().to_string(), values))
}

/// Measures `variant` of `lesson` at each value of `param`, the other parameters `params`.
/// Every value is checked first, its problem set up and its memory estimated, so that a
/// bad one fails before any point is measured.
pub fn sweep_lesson(
    lesson: &dyn Lesson,
    variant: &str,
    param: &str,
    values: &[String],
    params: &[String],
    timing: &Timing,
    clock: &dyn Clock,
) -> anyhow::Result<Sweep> {
    let v = lesson.variant_index(variant)?;
    let key = |p: &String| p.split_once('=').map(|(k, _)| k.trim().to_string());
    if params.iter().any(|p| key(p).as_deref() == Some(param)) {
        anyhow::bail!("--sweep {param}=… and --param {param}=… both set {param}: give it once");
    }
    let at = |value: &String| {
        let mut p = params.to_vec();
        p.push(format!("{param}={value}"));
        p
    };
    // Every value parsed before any problem is set up (which may take time).
    for value in values {
        lesson.parse_params_for(&at(value), variant)?;
    }
    for value in values {
        let parsed = lesson.parse_params_for(&at(value), variant)?;
        let prepared = lesson.prepare(&parsed)?;
        let runs = Runs {
            measured: vec![v],
            ..Default::default()
        };
        crate::measure::memory::guard(lesson, &parsed, prepared.as_ref(), &runs)?;
    }
    let start = clock.cpu();
    let steps = match timing.full {
        true => Steps::Full,
        false => Steps::Budget(timing.budget),
    };
    let mut points = Vec::with_capacity(values.len());
    let mut unit = lesson.unit();
    let mut reference = lesson.reference();
    let mut marks = Vec::new();
    for value in values {
        let parsed = lesson.parse_params_for(&at(value), variant)?;
        let prepared = lesson.prepare(&parsed)?;
        let plan = Plan {
            entries: vec![Entry::new(v, steps)],
            samples: timing.samples as usize,
        };
        if timing.full {
            let full = (v, prepared.steps(), timing.samples + 1);
            crate::commands::guard_time(lesson, prepared.as_ref(), &[full], timing.long, clock)?;
        }
        marks = prepared.marks(param);
        let c = measure(lesson, &parsed, prepared.as_ref(), &plan, clock)?;
        (unit, reference) = (c.unit, c.reference);
        let row = c.rows.into_iter().next().expect("one entry, one row");
        points.push(Point {
            value: value.clone(),
            row,
            transfer: prepared.transfer(),
            workers: prepared.workers(),
            efficiency: None,
        });
    }
    let mut sweep = Sweep {
        lesson: lesson.name(),
        variant: variant.to_string(),
        param: param.to_string(),
        params: params.to_vec(),
        unit,
        reference,
        points,
        load: Load::since(start, clock),
        marks,
    };
    sweep.set_efficiency();
    Ok(sweep)
}

/// Sweeps as `cargo perflab sweep` does: a table (or JSON) of the variant's time at each
/// value.
pub fn sweep(
    lesson: &dyn Lesson,
    args: &SweepOptions,
    clock: &dyn Clock,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    swept(lesson, args, clock, out).map(drop)
}

/// [`sweep`], returning what it measured: one sweep a variant.
pub fn swept(
    lesson: &dyn Lesson,
    args: &SweepOptions,
    clock: &dyn Clock,
    out: &mut dyn Write,
) -> anyhow::Result<Vec<Sweep>> {
    // The names as typed: "loops\n" is no variant, and is named as typed.
    let variants: Vec<&str> = args.variant.split(',').collect();
    // The variants and the other parameters first: a bad one is named whatever the sweep
    // says.
    for v in &variants {
        lesson.variant_index(v)?;
        lesson.parse_params_for(&args.params, v)?;
    }
    if let Some(chart) = &args.chart {
        let dir = chart.parent().filter(|d| !d.as_os_str().is_empty());
        crate::files::check_folder(dir.unwrap_or(std::path::Path::new(".")))
            .map_err(|e| anyhow::anyhow!("cannot write the chart {}: {e}", chart.display()))?;
    }
    let sweep = args.sweep.as_deref().ok_or_else(|| {
        anyhow::anyhow!("sweep needs --sweep KEY=V1,V2,… (a parameter and the values to time)")
    })?;
    let (param, values) = parse_sweep(sweep)?;
    // Every variant's values checked before any is measured.
    for v in &variants {
        for value in &values {
            let mut at = args.params.clone();
            at.push(format!("{param}={value}"));
            lesson.parse_params_for(&at, v)?;
        }
    }
    let mut sweeps = Vec::with_capacity(variants.len());
    for v in &variants {
        sweeps.push(sweep_lesson(
            lesson,
            v,
            &param,
            &values,
            &args.params,
            &args.timing,
            clock,
        )?);
    }
    match (args.format, sweeps.as_slice()) {
        (Format::Json, [one]) => writeln!(out, "{}", serde_json::to_string_pretty(one)?)?,
        (Format::Json, all) => writeln!(out, "{}", serde_json::to_string_pretty(all)?)?,
        (Format::Text, all) => {
            for (i, s) in all.iter().enumerate() {
                if i > 0 {
                    writeln!(out)?;
                }
                print_sweep(s, out)?;
            }
        }
    }
    if let Some(chart) = &args.chart {
        let svg = crate::report::html::sweep_chart(&sweeps)?;
        crate::files::write_atomic(chart, svg.as_bytes())?;
        if args.format == Format::Text {
            writeln!(out, "wrote {}", crate::files::shown(chart))?;
        }
    }
    Ok(sweeps)
}

/// A sweep as a table, with its notes.
pub fn print_sweep(s: &Sweep, out: &mut dyn Write) -> std::io::Result<()> {
    let others = match s.params.is_empty() {
        true => String::new(),
        false => format!(" ({})", shown(&s.params)),
    };
    writeln!(out, "{} {} across {}{others}", s.lesson, s.variant, s.param)?;
    writeln!(out, "{}", table(s))?;
    for n in notes(s) {
        writeln!(out, "{n}")?;
    }
    Ok(())
}
