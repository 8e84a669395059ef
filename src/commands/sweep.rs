//! `sweep`: one variant timed at each of several values of one parameter (a chunk size,
//! a thread count), every point checked against the reference at that value: the curve
//! that shows where overhead gives way to imbalance. A lesson's tutor steps name its sweeps
//! ([`Action::Sweep`](crate::lesson::Action::Sweep)), and the tour draws each one.

use crate::commands::{Format, Timing, shown};
use crate::lesson::Lesson;
use crate::measure::memory::Runs;
use crate::measure::{Entry, Plan, Row, Steps, measure};
use crate::timing::load::Load;
use crate::timing::{Clock, format_seconds, format_seconds_pm, format_si, sig4};
use std::io::Write;
use tabled::builder::Builder;
use tabled::settings::Style;

/// What `sweep` measures.
#[derive(Debug, Clone, Default)]
pub struct SweepOptions {
    /// The variant.
    pub variant: String,
    /// The parameter and its values, as typed: `chunk=1,10,100`.
    pub sweep: String,
    /// Other `key=value` parameter overrides.
    pub params: Vec<String>,
    /// Output format.
    pub format: Format,
    /// How long and how often each point runs.
    pub timing: Timing,
}

/// One point of a sweep: the parameter's value and the variant's measurement there.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Point {
    /// The value, as given.
    pub value: String,
    /// The measurement, checked against the reference at this value.
    pub row: Row,
}

/// A variant measured across the values of one parameter.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Sweep {
    /// Lesson name.
    pub lesson: &'static str,
    /// The variant.
    pub variant: String,
    /// The parameter swept.
    pub param: String,
    /// The other parameters, as given.
    pub params: Vec<String>,
    /// Unit of work, plural.
    pub unit: &'static str,
    /// The reference every point is checked against.
    pub reference: &'static str,
    /// The points, in the order given.
    pub points: Vec<Point>,
    /// What other processes used during the whole sweep, where it could be read.
    pub load: Option<Load>,
}

impl Point {
    /// Seconds per unit of work (the median time where there are no units): what the
    /// points are compared by, since a point may run fewer steps than another.
    pub fn cost(&self) -> f64 {
        self.row
            .units_per_second
            .map_or(self.row.seconds, |u| 1.0 / u)
    }
}

impl Sweep {
    /// The point that did a unit of work in the shortest time.
    pub fn fastest(&self) -> Option<&Point> {
        self.points
            .iter()
            .filter(|p| p.cost().is_finite())
            .min_by(|a, b| a.cost().total_cmp(&b.cost()))
    }
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
        let c = measure(lesson, &parsed, prepared.as_ref(), &plan, clock)?;
        (unit, reference) = (c.unit, c.reference);
        let row = c.rows.into_iter().next().expect("one entry, one row");
        points.push(Point {
            value: value.clone(),
            row,
        });
    }
    Ok(Sweep {
        lesson: lesson.name(),
        variant: variant.to_string(),
        param: param.to_string(),
        params: params.to_vec(),
        unit,
        reference,
        points,
        load: Load::since(start, clock),
    })
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

/// [`sweep`], returning what it measured.
pub fn swept(
    lesson: &dyn Lesson,
    args: &SweepOptions,
    clock: &dyn Clock,
    out: &mut dyn Write,
) -> anyhow::Result<Sweep> {
    let (param, values) = parse_sweep(&args.sweep)?;
    let s = sweep_lesson(
        lesson,
        &args.variant,
        &param,
        &values,
        &args.params,
        &args.timing,
        clock,
    )?;
    match args.format {
        Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&s)?)?,
        Format::Text => print_sweep(&s, out)?,
    }
    Ok(s)
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

/// The sweep's table for the terminal: one row a value.
pub fn table(s: &Sweep) -> String {
    render(s, false)
}

/// The sweep's table in Markdown.
pub fn markdown_table(s: &Sweep) -> String {
    render(s, true)
}

fn render(s: &Sweep, markdown: bool) -> String {
    let best = s.fastest().map(|p| p.cost());
    let mut b = Builder::default();
    b.push_record([
        s.param.clone(),
        "time (median ± MAD)".into(),
        format!("{}/s", s.unit),
        "CPU time".into(),
        "workers' imbalance".into(),
        "cost × the fastest".into(),
        format!("matches {}", s.reference),
    ]);
    for p in &s.points {
        let r = &p.row;
        b.push_record([
            p.value.clone(),
            format_seconds_pm(r.seconds, r.spread),
            r.units_per_second.map_or("—".into(), format_si),
            r.cpu_seconds.map_or("—".into(), |c| {
                format!("{} = {:.1} cores", format_seconds(c), c / r.seconds)
            }),
            crate::timing::busy::imbalance(&r.busy)
                .map_or("—".into(), |i| format!("{:.0} %", 100.0 * i)),
            best.map_or("—".into(), |b| sig4(p.cost() / b)),
            match (r.matches_reference, &r.expected_wrong) {
                (true, _) => format!("✓ {:.1e}", r.rel_error),
                (false, Some(_)) => format!("✗ {:.1e} (expected)", r.rel_error),
                (false, None) => format!("✗ {:.1e}", r.rel_error),
            },
        ]);
    }
    let mut t = b.build();
    match markdown {
        true => t.with(Style::markdown()),
        false => t.with(Style::rounded()),
    };
    t.to_string()
}

/// The notes under a sweep's table: the fastest value, reduced runs, the load.
pub fn notes(s: &Sweep) -> Vec<String> {
    let mut notes = Vec::new();
    if let Some(p) = s.fastest() {
        let worst = s
            .points
            .iter()
            .map(|q| q.cost() / p.cost())
            .filter(|r| r.is_finite())
            .fold(1.0, f64::max);
        notes.push(format!(
            "fastest at {} = {} ({} a run); the slowest point's cost per {} was {}× that.",
            s.param,
            p.value,
            format_seconds(p.row.seconds),
            s.unit.trim_end_matches('s'),
            sig4(worst)
        ));
    }
    if s.points.iter().any(|p| !p.row.full_run) {
        notes.push(
            "some points ran fewer steps than a full run to keep the sweep short; compare their rates."
                .to_string(),
        );
    }
    if let Some(l) = &s.load {
        notes.push(l.line());
        notes.extend(l.warning());
    }
    notes
}
