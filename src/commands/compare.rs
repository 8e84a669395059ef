//! `compare`: variants of a lesson side by side, one table per topic, with the notes that
//! explain it and the machine it ran on.

use crate::commands::{Format, Timing, header};
use crate::error::Error;
use crate::inspect::machine::Machine;
use crate::lesson::Lesson;
use crate::measure::{Comparison, Entry, Plan, Steps, measure};
use crate::report::{self, Flavour};
use crate::timing::Clock;
use anyhow::Context;
use std::io::Write;

/// What `compare` compares.
#[derive(Debug, Clone, Default)]
pub struct CompareOptions {
    /// Only these variants (the baseline is always measured); empty: all.
    pub variants: Vec<String>,
    /// `key=value` parameter overrides.
    pub params: Vec<String>,
    /// Output format.
    pub format: Format,
    /// How long and how often each variant runs.
    pub timing: Timing,
}

/// The variants to compare (all by default; the baseline always), in the lesson's order.
pub fn plan(
    lesson: &dyn Lesson,
    scope: &crate::lesson::Scope,
    only: &[String],
    timing: &Timing,
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
pub fn in_scope(
    lesson: &dyn Lesson,
    scope: &crate::lesson::Scope,
    name: &str,
) -> Result<usize, Error> {
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

/// Measures one comparison of `lesson` at `params`: its chosen variants (all by default).
pub fn compare_lesson(
    lesson: &dyn Lesson,
    params: &[String],
    only: &[String],
    timing: &Timing,
    clock: &dyn Clock,
) -> anyhow::Result<Comparison> {
    let params = lesson.parse_params(params)?;
    // Every variant named must exist before the problem is set up (which may take time).
    for v in only {
        lesson.variant_index(v)?;
    }
    let prepared = lesson.prepare(&params)?;
    let plan = plan(lesson, prepared.scope(), only, timing)?;
    let estimate = guard(lesson, &params, prepared.as_ref(), &plan, false)?;
    if timing.full {
        let full = prepared.steps();
        // Each variant's samples, its check run, and the reference's run.
        let mut runs: Vec<(usize, usize, u64)> = plan
            .entries
            .iter()
            .map(|e| (e.variant, full, plan.samples as u64 + 1))
            .collect();
        runs.push((prepared.scope().reference, full, 1));
        crate::commands::guard_time(lesson, prepared.as_ref(), &runs, timing.long, clock)?;
    }
    let mut c = measure(lesson, &params, prepared.as_ref(), &plan, clock)?;
    c.memory = Some(crate::measure::Peak {
        peak_rss_bytes: crate::measure::memory::peak_resident(),
        estimated_peak_bytes: estimate.peak(),
    });
    Ok(c)
}

/// Refuses a comparison whose runs would need more memory than is available; `profiled`:
/// the tour's, whose variants are then sampled too.
fn guard(
    lesson: &dyn Lesson,
    params: &crate::lesson::params::Params,
    prepared: &dyn crate::lesson::Prepared,
    plan: &Plan,
    profiled: bool,
) -> anyhow::Result<crate::measure::memory::Estimate> {
    use crate::measure::memory::{Runs, sampler_overhead};
    let measured: Vec<usize> = plan.entries.iter().map(|e| e.variant).collect();
    let runs = if profiled {
        Runs {
            alone: measured.clone(),
            measured,
            beside: sampler_overhead(),
            ..Default::default()
        }
    } else {
        Runs {
            measured,
            ..Default::default()
        }
    };
    Ok(crate::measure::memory::guard(
        lesson, params, prepared, &runs,
    )?)
}

/// Checks, before any of them runs, that each of several comparisons (a lesson's topics,
/// a tour's lessons) fits in memory: a refusal comes first, not after the others' work.
/// `profiled`: the tour's, whose variants are sampled too.
pub fn guard_all(
    runs: &[(&dyn Lesson, Vec<String>)],
    only: &[String],
    timing: &Timing,
    profiled: bool,
) -> anyhow::Result<()> {
    for (lesson, params) in runs {
        let parsed = lesson.parse_params(params)?;
        let prepared = lesson.prepare(&parsed)?;
        let plan = plan(*lesson, prepared.scope(), only, timing)?;
        guard(*lesson, &parsed, prepared.as_ref(), &plan, profiled)
            .with_context(|| format!("{} {}", lesson.name(), crate::commands::shown(params)))?;
    }
    Ok(())
}

/// A comparison as a terminal table, with its notes and the machine.
pub fn print_comparison(
    c: &Comparison,
    machine: &Machine,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    header(c, out)?;
    // Only a comparison that counts its flops and bytes has roofline columns, and only
    // then is the kept measurement read (and a file that cannot be used said).
    let roof = c.work.and_then(|_| crate::inspect::roofline::for_tables());
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
            "of roofline: the FLOP/s reached over min(peak, {:.2} flops per byte × triad bandwidth) from `cargo perflab machine`, on one core or all; above 100 % the data came from cache, not memory.",
            w.flops / w.bytes
        )?;
    }
    writeln!(out, "machine: {machine}")
}

/// The parameter sets a comparison runs at: the given one, or for a lesson with topics and
/// none chosen, the topic of the first variant named, or else every topic in turn.
pub fn topic_runs(lesson: &dyn Lesson, params: &[String], only: &[String]) -> Vec<Vec<String>> {
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

/// Compares variants side by side, as `cargo perflab compare` does: one table (or JSON object)
/// per topic.
pub fn compare(
    lesson: &dyn Lesson,
    args: &CompareOptions,
    clock: &dyn Clock,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    compared(lesson, args, clock, out).map(drop)
}

/// [`compare`], returning the comparisons it printed (for the tutor's commentary).
pub fn compared(
    lesson: &dyn Lesson,
    args: &CompareOptions,
    clock: &dyn Clock,
    out: &mut dyn Write,
) -> anyhow::Result<Vec<Comparison>> {
    let machine = Machine::this();
    let runs = topic_runs(lesson, &args.params, &args.variants);
    // Several topics: check every one's parameters and variants before measuring any, so
    // that a value only a later topic cannot take fails before any work or output.
    if runs.len() > 1 {
        for params in &runs {
            let prepared = lesson.prepare(&lesson.parse_params(params)?)?;
            plan(lesson, prepared.scope(), &args.variants, &args.timing)?;
        }
        let all: Vec<(&dyn Lesson, Vec<String>)> =
            runs.iter().map(|p| (lesson, p.clone())).collect();
        guard_all(&all, &args.variants, &args.timing, false)?;
    }
    let mut docs = Vec::new();
    let mut all = Vec::new();
    for (i, params) in runs.iter().enumerate() {
        let c = compare_lesson(lesson, params, &args.variants, &args.timing, clock)?;
        match args.format {
            Format::Json => docs.push(report::json(&c, &machine)),
            Format::Text => {
                if i > 0 {
                    writeln!(out)?;
                }
                print_comparison(&c, &machine, out)?
            }
        }
        all.push(c);
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
    Ok(all)
}
