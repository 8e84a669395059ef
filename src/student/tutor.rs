//! `tutor`: a walk through a lesson, step by step. Each step shows a short text, then runs
//! real code — a run, a comparison, a profile, the heap, the machine code — and shows its
//! results, printing first the command that does the same.

use crate::commands::compare::{CompareOptions, compared};
use crate::commands::inspect::{AsmOptions, asm};
use crate::commands::profile::{self, ProfileOptions};
use crate::commands::run::{RunOptions, run};
use crate::commands::{Format, Timing, shown, warn};
use crate::error::Error;
use crate::lesson::{Action, Lesson, Step};
use crate::measure::{Comparison, Row};
use crate::timing::{Clock, sig4};
use std::io::{BufRead, Write};

/// Where a tutor walk starts, and how.
#[derive(Debug, Clone)]
pub struct TutorOptions {
    /// First step to show (1-based); `None`: the first.
    pub step: Option<u64>,
    /// Run every step without waiting for Enter.
    pub no_pause: bool,
    /// `key=value` overrides applied in every step.
    pub params: Vec<String>,
    /// Folder for the profile step's files (`None`: `profile`'s default).
    pub out: Option<std::path::PathBuf>,
    /// Timed runs of each variant in the steps that compare or sweep.
    pub samples: u64,
    /// Seconds one run may take in those steps (slower variants run fewer steps).
    pub budget: f64,
}

impl Default for TutorOptions {
    /// From the first step, pausing, no overrides; 3 samples of at most 0.3 s: a step
    /// measures in a few seconds.
    fn default() -> Self {
        TutorOptions {
            step: None,
            no_pause: false,
            params: Vec::new(),
            out: None,
            samples: 3,
            budget: 0.3,
        }
    }
}

/// Prints `text` wrapped at 88 columns, paragraph by paragraph.
pub fn wrapped(text: &str, out: &mut dyn Write) -> std::io::Result<()> {
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

/// The names a step's text may hold in braces, each filled before the text is shown
/// ([`fill`]): every parameter of the lesson, and these.
pub const PLACEHOLDERS: &[(&str, &str)] = &[
    (
        "steps",
        "the steps the step's runs make (a profile step's: its own count, at most a full run's)",
    ),
    (
        "line_steps",
        "the steps a profile step's line profiler runs: a tenth of them",
    ),
    (
        "size",
        "the problem's size line at the step's parameters, as `run` prints it",
    ),
    ("values", "a sweep step's values, as `a, b and c`"),
    ("target", "the exercise's speedup target"),
    (
        "exercise.NAME",
        "parameter NAME at the size `check` grades at",
    ),
    (
        "exercise.size",
        "the size line of the problem `check` grades at",
    ),
];

/// The `{name}`s in `text`, in order.
pub fn placeholders(text: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { break };
        found.push(&after[..close]);
        rest = &after[close + 1..];
    }
    found
}

/// The value of parameter `name` among `params` (`key=value`, later ones win), as typed,
/// or its default as the lesson writes it; `None` where the lesson has no such parameter.
pub fn typed(lesson: &dyn Lesson, params: &[String], name: &str) -> Option<String> {
    let spec = lesson.params().iter().find(|p| p.name == name)?;
    let given = params.iter().rev().find_map(|p| {
        p.split_once('=')
            .filter(|(k, _)| k.trim() == name)
            .map(|(_, v)| v.trim().to_string())
    });
    Some(given.unwrap_or_else(|| spec.default.to_string()))
}

/// ` --param k=v …` for a command line's end; empty where there are none.
fn tail(params: &[String]) -> String {
    match params {
        [] => String::new(),
        p => format!(" {}", shown(p)),
    }
}

/// `a`, `a and b`, `a, b and c`.
fn and_list(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// A step's text with each `{name}` ([`PLACEHOLDERS`]) filled from what the step runs:
/// `params` are its parameters (its own, then the user's), so that a count or a size the
/// text names is the one the step then prints. A name that is neither a parameter nor a
/// placeholder is an error (a lesson bug, caught by its tests).
pub fn fill(lesson: &dyn Lesson, step: &Step, params: &[String]) -> anyhow::Result<String> {
    let names = placeholders(step.text);
    if names.is_empty() {
        return Ok(step.text.to_string());
    }
    let (variant, own_steps, values) = match step.action {
        Action::Run { variant, .. } => (Some(variant), None, None),
        Action::Profile { variant, steps, .. } => (Some(variant), Some(steps), None),
        Action::Compare { variants, .. } | Action::Memory { variants, .. } => {
            (variants.first().copied(), None, None)
        }
        Action::Sweep {
            variants, values, ..
        } => (variants.first().copied(), None, Some(values)),
        Action::Read | Action::Asm { .. } => (None, None, None),
    };
    // The problem itself, only where the text names what it alone knows.
    let needs = names
        .iter()
        .any(|n| matches!(*n, "size" | "steps" | "line_steps"));
    let prepared = if needs {
        let parsed = match variant {
            Some(v) => lesson.parse_params_for(params, v)?,
            None => lesson.parse_params(params)?,
        };
        Some(lesson.prepare(&parsed)?)
    } else {
        None
    };
    let mut text = step.text.to_string();
    for name in names {
        let value = if let Some(v) = typed(lesson, params, name) {
            v
        } else if let Some(key) = name.strip_prefix("exercise.") {
            let info = lesson
                .exercise()
                .ok_or_else(|| anyhow::anyhow!("{} has no exercise", lesson.name()))?;
            let own: Vec<String> = info.params.iter().map(|p| p.to_string()).collect();
            match key {
                "size" => lesson.prepare(&lesson.parse_params(&own)?)?.describe(),
                _ => typed(lesson, &own, key)
                    .ok_or_else(|| anyhow::anyhow!("{} has no parameter {key}", lesson.name()))?,
            }
        } else {
            match name {
                "steps" | "line_steps" => {
                    // As `profile --steps N` counts: N of a full run's, the line profiler
                    // a tenth of them.
                    let full = prepared.as_ref().map_or(1, |p| p.steps().max(1)) as u64;
                    match (own_steps, name) {
                        (None, _) => full.to_string(),
                        (Some(n), "steps") => n.min(full).to_string(),
                        (Some(n), _) => (n / 10).clamp(1, full).to_string(),
                    }
                }
                "size" => prepared.as_ref().map(|p| p.describe()).unwrap_or_default(),
                "values" => {
                    and_list(values.ok_or_else(|| {
                        anyhow::anyhow!("{{values}} in a step that sweeps nothing")
                    })?)
                }
                "target" => crate::lesson::params::show(
                    lesson
                        .exercise()
                        .ok_or_else(|| anyhow::anyhow!("{} has no exercise", lesson.name()))?
                        .target,
                ),
                _ => anyhow::bail!(
                    "lesson {}: step {:?} names {{{name}}}, which is neither a parameter nor one of: {}",
                    lesson.name(),
                    step.title,
                    PLACEHOLDERS
                        .iter()
                        .map(|p| p.0)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }
        };
        text = text.replacen(&format!("{{{name}}}"), &value, 1);
    }
    Ok(text)
}

/// What this run's figures say of the threads: for each parallel variant in `c` (the
/// lesson's [`parallel`](crate::lesson::Spec::parallel) ones), whether it beat the fastest
/// serial variant beside it and by how much; where it did not, the measured reason: only
/// one core, other processes' CPU use while it ran, or, with the cores free, the variant's
/// own cost. Empty where `c` lacks a parallel or a serial variant.
pub fn threads_commentary(c: &Comparison) -> Vec<String> {
    let usable = |r: &&Row| r.matches_reference && r.units_per_second.is_some();
    let Some(serial) = c
        .rows
        .iter()
        .filter(usable)
        .filter(|r| !c.parallel.contains(&r.variant))
        .max_by(|a, b| {
            a.units_per_second
                .partial_cmp(&b.units_per_second)
                .unwrap_or(std::cmp::Ordering::Equal)
        })
    else {
        return Vec::new();
    };
    let rel = |r: &Row| r.spread / r.seconds;
    c.rows
        .iter()
        .filter(usable)
        .filter(|r| c.parallel.contains(&r.variant))
        .map(|p| {
            let (ps, ss) = (p.units_per_second.unwrap(), serial.units_per_second.unwrap());
            let r = ps / ss;
            let e = r * (rel(p).powi(2) + rel(serial).powi(2)).sqrt();
            let (pv, sv) = (p.variant, serial.variant);
            let figure = format!("{} ± {}× its speed", sig4(r), sig4(e));
            let load = p.load.or(c.load);
            let cores = load.map_or_else(
                || std::thread::available_parallelism().map_or(1, |n| n.get()),
                |l| l.cores,
            );
            let of = |n: usize| format!("{n} core{}", if n == 1 { "" } else { "s" });
            let others = |l: &crate::timing::load::Load| {
                format!(
                    "other processes used {:.2} cores (steal {:.2}), leaving {:.2} of {} free",
                    l.others_cores, l.steal_cores, l.free_cores, l.cores
                )
            };
            if r - e > 1.0 {
                let mut s = format!(
                    "This run: `{pv}` beat `{sv}`, {figure}, with {}.",
                    of(cores)
                );
                if let Some(l) = &load {
                    s.push_str(&format!(" While it ran, {}.", others(l)));
                }
                return s;
            }
            let verdict = if r + e < 1.0 {
                format!("This run: `{pv}` lost to `{sv}`, {figure}.")
            } else {
                format!("This run: `{pv}` was no faster than `{sv}` within the noise, {figure}.")
            };
            let reason = match &load {
                _ if cores <= 1 => format!(
                    "The reason: this machine has only {}, so the threads take turns on it and their coordination is pure cost.",
                    of(cores)
                ),
                Some(l) if l.busy() => format!(
                    "The measured reason: while it ran, {}, so its threads waited for cores that one thread does not need. Run it again on a quiet machine to see what it does with the cores free.",
                    others(l)
                ),
                Some(l) => format!(
                    "Not the machine's load: while it ran, {}. The cores were there to use; what held it back is in the variant itself at this problem size (its threads' start, meetings and waiting, or the memory bus they share).",
                    others(l)
                ),
                None => "Others' CPU use could not be read on this system, so the reason is not measured.".to_string(),
            };
            format!("{verdict} {reason}")
        })
        .collect()
}

/// Walks through `lesson` from `args.step`, as `cargo perflab tutor` does; between steps it
/// waits for Enter on `input` (end of input goes on, `q` stops), and records the steps
/// seen in the progress file `state`.
pub fn tutor(
    lesson: &dyn Lesson,
    args: &TutorOptions,
    clock: &dyn Clock,
    input: &mut dyn BufRead,
    state: &std::path::Path,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
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
    // Check the extra parameters and the profile step's folder once, before any step runs.
    lesson.parse_params(&args.params)?;
    if let Some(dir) = &args.out {
        crate::files::check_folder(dir)?;
    }
    // Each step records itself; a progress file that cannot be saved is said once, not
    // at every step.
    let mut warned = std::collections::BTreeSet::new();
    // A step's own values, then the user's; a key the user gives replaces the step's (so
    // that the command printed gives each key once).
    let with = |own: &[&str]| -> Vec<String> {
        let key = |s: &str| s.split_once('=').map(|(k, _)| k.trim().to_string());
        let given: Vec<_> = args.params.iter().filter_map(|p| key(p)).collect();
        own.iter()
            .filter(|s| key(s).is_none_or(|k| !given.contains(&k)))
            .map(|s| s.to_string())
            .chain(args.params.iter().cloned())
            .collect()
    };
    // `params` less any that sets `key`.
    let without = |params: Vec<String>, key: &str| -> Vec<String> {
        params
            .into_iter()
            .filter(|p| p.split_once('=').is_none_or(|(k, _)| k.trim() != key))
            .collect()
    };
    // With the user's values, each step's problem must be one its lesson can set up: check
    // them all now, so that a value only some step cannot take fails before any step runs.
    if !args.params.is_empty() {
        for step in &steps[first - 1..] {
            let (own, variant): (&[&str], _) = match step.action {
                Action::Run { variant, params }
                | Action::Profile {
                    variant, params, ..
                } => (params, Some(variant)),
                Action::Compare { variants, params } | Action::Memory { variants, params } => {
                    (params, variants.first().copied())
                }
                Action::Sweep {
                    variants,
                    param,
                    values,
                    params,
                } => {
                    for value in values {
                        let mut at = without(with(params), param);
                        at.push(format!("{param}={value}"));
                        for variant in variants {
                            lesson.prepare(&lesson.parse_params_for(&at, variant)?)?;
                        }
                    }
                    continue;
                }
                Action::Read | Action::Asm { .. } => continue,
            };
            let parsed = match variant {
                Some(v) => lesson.parse_params_for(&with(own), v)?,
                None => lesson.parse_params(&with(own))?,
            };
            lesson.prepare(&parsed)?;
        }
    }
    for (i, step) in steps.iter().enumerate().skip(first - 1) {
        writeln!(
            out,
            "\n━━ {} — step {} of {}: {} ━━",
            lesson.title(),
            i + 1,
            steps.len(),
            step.title
        )?;
        let own: &[&str] = match step.action {
            Action::Run { params, .. }
            | Action::Compare { params, .. }
            | Action::Memory { params, .. }
            | Action::Profile { params, .. } => params,
            Action::Sweep { params, .. } => params,
            Action::Read | Action::Asm { .. } => &[],
        };
        let filled = match step.action {
            Action::Sweep { param, params, .. } => without(with(params), param),
            _ => with(own),
        };
        wrapped(&fill(lesson, step, &filled)?, out)?;
        writeln!(out)?;
        match step.action {
            Action::Read => {}
            Action::Run { variant, params } => {
                writeln!(
                    out,
                    "$ cargo perflab run {} --variant {variant}{}",
                    lesson.name(),
                    tail(&with(params))
                )?;
                let run_args = RunOptions {
                    variant: Some(variant.to_string()),
                    params: with(params),
                    format: Format::Text,
                    snapshots: None,
                    long: false,
                };
                run(lesson, &run_args, clock, out)?;
            }
            Action::Compare { variants, params } => {
                // No variants named: every variant (of the step's topic).
                let named = match variants {
                    [] => String::new(),
                    v => format!(" --variants {}", v.join(",")),
                };
                writeln!(
                    out,
                    "$ cargo perflab compare {}{named} --samples {} --budget {}{}",
                    lesson.name(),
                    args.samples,
                    args.budget,
                    tail(&with(params))
                )?;
                let compare_args = CompareOptions {
                    variants: variants.iter().map(|v| v.to_string()).collect(),
                    params: with(params),
                    format: Format::Text,
                    timing: Timing {
                        samples: args.samples,
                        budget: args.budget,
                        full: false,
                        long: false,
                    },
                };
                for c in compared(lesson, &compare_args, clock, out)? {
                    for line in threads_commentary(&c) {
                        writeln!(out)?;
                        wrapped(&line, out)?;
                    }
                }
            }
            Action::Sweep {
                variants,
                param,
                values,
                params,
            } => {
                let variant = variants.join(",");
                let options = crate::commands::sweep::SweepOptions {
                    variant: variant.clone(),
                    sweep: Some(format!("{param}={}", values.join(","))),
                    // The sweep sets its own parameter, whatever else was given.
                    params: without(with(params), param),
                    format: Format::Text,
                    timing: Timing {
                        samples: args.samples,
                        budget: args.budget,
                        full: false,
                        long: false,
                    },
                    chart: None,
                };
                writeln!(
                    out,
                    "$ cargo perflab sweep {} --variant {variant} --sweep {} --samples {} --budget {}{}",
                    lesson.name(),
                    options.sweep.as_deref().unwrap_or_default(),
                    args.samples,
                    args.budget,
                    tail(&options.params)
                )?;
                crate::commands::sweep::sweep(lesson, &options, clock, out)?;
            }
            Action::Asm { variants } => {
                for v in variants {
                    writeln!(
                        out,
                        "$ cargo perflab asm {} --variant {v} --summary --callees",
                        lesson.name()
                    )?;
                    let options = AsmOptions {
                        variant: v.to_string(),
                        summary: true,
                        callees: true,
                    };
                    // A binary without symbols cannot be read; the walk goes on.
                    if let Err(e) = asm(lesson, &options, out) {
                        writeln!(out, "({e})")?;
                    }
                }
            }
            Action::Memory { variants, params } => {
                let owned = with(params);
                let parsed = match variants.first() {
                    Some(v) => lesson.parse_params_for(&owned, v)?,
                    None => lesson.parse_params(&owned)?,
                };
                let prepared = lesson.prepare(&parsed)?;
                let item = prepared.scope().unit.split('-').next().unwrap_or("unit");
                let steps = prepared.steps();
                let indices = variants
                    .iter()
                    .map(|v| lesson.variant_index(v))
                    .collect::<Result<Vec<_>, _>>()?;
                let runs = crate::measure::memory::Runs {
                    alone: indices.clone(),
                    ..Default::default()
                };
                crate::measure::memory::guard(lesson, &parsed, prepared.as_ref(), &runs)?;
                for (v, i) in variants.iter().zip(indices) {
                    // The command that measures the same run's heap, with more detail.
                    writeln!(
                        out,
                        "$ cargo perflab profile {} --variant {v} --memory{}",
                        lesson.name(),
                        tail(&owned)
                    )?;
                    let (outcome, mem) =
                        crate::profile::memory::record(std::time::Duration::from_millis(2), || {
                            prepared.run(i, steps, clock, None)
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
                    "$ cargo perflab profile {} --variant {variant} --functions --lines --steps {steps}{}{}",
                    lesson.name(),
                    tail(&with(params)),
                    args.out.as_ref().map_or(String::new(), |d| format!(
                        " --out {}",
                        crate::files::shown(d)
                    )),
                )?;
                let profile_args = ProfileOptions {
                    variant: Some(variant.to_string()),
                    functions: true,
                    lines: true,
                    memory: false,
                    flamegraph: false,
                    diff: Vec::new(),
                    out: args.out.clone(),
                    sort: crate::profile::func::SortKey::Cumtime,
                    top: 10,
                    frequency: 1000,
                    full_stacks: false,
                    valgrind: None,
                    steps: Some(steps),
                    budget: 2.0,
                    params: with(params),
                };
                profile::command(lesson, &profile_args, out)?;
            }
        }
        if let Some(w) = crate::student::state::update(state, lesson.name(), |p| {
            p.steps_seen.insert(i + 1);
        }) && warned.insert(w.clone())
        {
            warn(Some(w));
        }
        if !args.no_pause && i + 1 < steps.len() {
            write!(out, "\n[Enter: next step · q then Enter: stop] ")?;
            out.flush()?;
            let mut answer = String::new();
            // End of input counts as "go on", so a piped tutor runs to the end.
            if input.read_line(&mut answer)? > 0 && answer.trim() == "q" {
                writeln!(
                    out,
                    "stopped; `cargo perflab tutor {} --step {}` goes on from here",
                    lesson.name(),
                    i + 2
                )?;
                return Ok(());
            }
        }
    }
    Ok(())
}
