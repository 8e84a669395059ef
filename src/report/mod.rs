//! Rendering measurements: terminal and Markdown tables (tabled), JSON, hyperfine's summary
//! line; and writing files whole or not at all. Renderers return strings; only the CLI
//! decides where they go.

pub mod chart;
pub mod html;
pub mod snapshot;
pub mod sweep;

use crate::inspect::machine::Machine;
use crate::inspect::roofline::Roofline;
use crate::measure::{Comparison, Row};
use crate::timing::{format_seconds_pm, format_si, sig4};
use tabled::builder::Builder;
use tabled::settings::Style;

/// The significant digits a figure with this spread supports: its last digit shown is the
/// spread's leading one, at most 3 and at least 1 (3 where there is no spread).
pub fn supported_digits(value: f64, spread: f64) -> usize {
    if !(value.is_finite() && spread.is_finite()) || value == 0.0 || spread <= 0.0 {
        return 3;
    }
    let d = value.abs().log10().floor() - spread.log10().floor() + 1.0;
    d.clamp(1.0, 3.0) as usize
}

/// `value` to `digits` significant digits, without an exponent: `0.0312`, `1.52`, `612`,
/// `1520`, and from 10 000 with a prefix, `15.2 k`, `300 k`, `818 M`.
pub fn sig(value: f64, digits: usize) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    if value == 0.0 {
        return "0".to_string();
    }
    let digits = digits.max(1) as i32;
    let place = |v: f64| v.abs().log10().floor() as i32;
    let quantum = 10f64.powi(place(value) - digits + 1);
    let rounded = (value / quantum).round() * quantum;
    let (m, prefix) = match rounded.abs() {
        a if a >= 1e9 => (rounded / 1e9, " G"),
        a if a >= 1e6 => (rounded / 1e6, " M"),
        a if a >= 1e4 => (rounded / 1e3, " k"),
        _ => (rounded, ""),
    };
    let decimals = (digits - 1 - place(m)).max(0) as usize;
    format!("{m:.decimals$}{prefix}")
}

/// `value ± spread`, each to what the spread supports: the value to
/// [`supported_digits`], the spread to one digit (`300 k ± 20 k`, `1.52 ± 0.03`).
pub fn pm(value: f64, spread: f64) -> (String, String) {
    (sig(value, supported_digits(value, spread)), sig(spread, 1))
}

/// A median time and its spread in the median's unit, rounded as [`pm`] does:
/// `612 ms ± 4 ms`.
pub fn seconds_pm(median: f64, spread: f64) -> String {
    let (unit, factor) = match median.abs() {
        a if a >= 1.0 || a == 0.0 => ("s", 1.0),
        a if a >= 1e-3 => ("ms", 1e3),
        a if a >= 1e-6 => ("µs", 1e6),
        _ => ("ns", 1e9),
    };
    let (v, e) = pm(median * factor, spread * factor);
    format!("{v} {unit} ± {e} {unit}")
}

/// Table flavour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// Box-drawn, for the terminal.
    Terminal,
    /// GitHub Markdown.
    Markdown,
}

fn speedup_cell(r: &Row) -> String {
    match (r.speedup, r.speedup_spread) {
        (Some(s), Some(e)) => format!("{} ± {}×", sig4(s), sig4(e)),
        _ => "—".to_string(),
    }
}

fn check_cell(r: &Row) -> String {
    match (r.matches_reference, &r.expected_wrong) {
        (true, _) => format!("✓ {:.1e}", r.rel_error),
        (false, Some(_)) => format!("✗ {:.1e} (expected)", r.rel_error),
        (false, None) => format!("✗ {:.1e}", r.rel_error),
    }
}

/// CPU seconds of a run and how many cores' worth that is: "0.816 s = 2.5 cores".
fn cpu_cell(r: &Row) -> String {
    match r.cpu_seconds {
        Some(cpu) if r.seconds > 0.0 => format!(
            "{} = {:.1} cores",
            crate::timing::format_seconds(cpu),
            cpu / r.seconds
        ),
        _ => "—".to_string(),
    }
}

/// Whether a comparison shows CPU time beside wall time: where some variant works in
/// parallel, or reports its workers.
fn with_cpu(c: &Comparison) -> bool {
    !c.parallel.is_empty() || c.rows.iter().any(|r| !r.busy.is_empty())
}

/// The comparison table: variant, steps, median time ± spread, rate, speedup, check.
pub fn table(c: &Comparison, flavour: Flavour) -> String {
    table_with(c, flavour, None)
}

/// The comparison table, with each variant's GFLOP/s and share of its roofline bound
/// when the machine has been measured (`cargo perflab machine`) and the lesson gives its work.
pub fn table_with(c: &Comparison, flavour: Flavour, roof: Option<&Roofline>) -> String {
    let with_exact = c.rows.iter().any(|r| r.exact_error.is_some());
    let with_peak = c.rows.iter().any(|r| r.peak_bytes.is_some());
    let roof = roof.zip(c.work);
    let mut b = Builder::default();
    let mut head = vec![
        "variant".to_string(),
        "steps".to_string(),
        "time (median ± MAD)".to_string(),
        format!("{}/s", c.unit),
        format!("speedup vs {}", c.baseline),
        format!("matches {}", c.reference),
    ];
    if with_exact {
        head.push("vs exact".to_string());
    }
    if with_cpu(c) {
        head.push("CPU time".to_string());
    }
    if with_peak {
        head.push("peak heap".to_string());
    }
    if roof.is_some() {
        head.push("FLOP/s".to_string());
        head.push("of roofline".to_string());
    }
    b.push_record(head);
    for r in &c.rows {
        let mut rec = vec![
            r.variant.to_string(),
            if r.full_run {
                r.steps.to_string()
            } else {
                format!("{}*", r.steps)
            },
            format_seconds_pm(r.seconds, r.spread),
            r.units_per_second.map_or("—".into(), format_si),
            speedup_cell(r),
            check_cell(r),
        ];
        if with_exact {
            rec.push(r.exact_error.map_or("—".into(), |e| format!("{e:.1e}")));
        }
        if with_cpu(c) {
            rec.push(cpu_cell(r));
        }
        if with_peak {
            rec.push(
                r.peak_bytes
                    .map_or("—".into(), |b| format!("{}B", format_si(b.max(0) as f64))),
            );
        }
        if let Some((roof, work)) = roof {
            let all = c.parallel.contains(&r.variant);
            match r.units_per_second {
                Some(u) => {
                    let flops = u * work.flops;
                    rec.push(format_si(flops));
                    let share = roof.share(flops, work.flops / work.bytes, all);
                    rec.push(format!(
                        "{:.0} %{}",
                        100.0 * share,
                        if all { " (all cores)" } else { "" }
                    ));
                }
                None => rec.extend(["—".to_string(), "—".to_string()]),
            }
        }
        b.push_record(rec);
    }
    let mut t = b.build();
    match flavour {
        Flavour::Terminal => t.with(Style::rounded()),
        Flavour::Markdown => t.with(Style::markdown()),
    };
    t.to_string()
}

/// The notes under a table: reduced runs, the check's tolerance, hyperfine's summary line,
/// what other processes used meanwhile and, past [`BUSY_CORES`](crate::timing::load::BUSY_CORES), the warning.
pub fn notes(c: &Comparison) -> Vec<String> {
    let mut notes = Vec::new();
    if c.rows.iter().any(|r| !r.full_run) {
        notes.push(format!(
            "* ran fewer steps than the full {} to keep the run short; rates and speedups are per {}.",
            c.full_steps,
            c.unit.trim_end_matches('s')
        ));
    }
    notes.push(format!(
        "matches {}: max-norm relative difference from {} at the same steps, tolerance {:.0e}.",
        c.reference, c.reference, c.tolerance
    ));
    for r in c.rows.iter().filter(|r| r.tolerance != c.tolerance) {
        notes.push(format!(
            "{} is held to {:.0e} instead: it computes the answer another way, and the difference is the others' error.",
            r.variant, r.tolerance
        ));
    }
    for r in &c.rows {
        if let Some(w) = &r.expected_wrong {
            notes.push(match r.matches_reference {
                false => format!(
                    "{} is wrong on purpose ({}), as expected: {}.",
                    r.variant, w.why, w.how
                ),
                true => format!(
                    "{} is wrong on purpose ({}), but came out right this run: {}.",
                    r.variant, w.why, w.how
                ),
            });
        }
    }
    if with_cpu(c) {
        notes.push(
            "CPU time: what every thread (and worker process) of the run used, median; \
             more than the time itself means work ran in parallel."
                .to_string(),
        );
    }
    notes.extend(c.rows.iter().filter_map(workers_line));
    notes.extend(c.rows.iter().filter_map(split_line));
    if let Some(line) = summary_line(c) {
        notes.push(line);
    }
    if let Some(l) = &c.load {
        notes.push(l.line());
        notes.extend(l.warning());
    }
    notes
}

/// A variant's workers in its median run: "workers of chunked: busy 0.41, 0.38 s of
/// 0.43 s; imbalance 8 %, 0.03 s of each worker's time not spent on its share".
pub fn workers_line(r: &Row) -> Option<String> {
    if r.busy.is_empty() {
        return None;
    }
    let shown: Vec<String> = r.busy.iter().take(16).map(|b| sig4(*b)).collect();
    let more = match r.busy.len() {
        n if n > 16 => format!(" and {} more", n - 16),
        _ => String::new(),
    };
    let mean = r.busy.iter().sum::<f64>() / r.busy.len() as f64;
    let imbalance = crate::timing::busy::imbalance(&r.busy)
        .map_or(String::new(), |i| format!("; imbalance {:.0} %", 100.0 * i));
    Some(format!(
        "workers of {}: {} busy {}{more} s in a run of {}{imbalance}; on average {} of the run not spent on its share.",
        r.variant,
        r.busy.len(),
        shown.join(", "),
        crate::timing::format_seconds(r.seconds),
        crate::timing::format_seconds((r.seconds - mean).max(0.0)),
    ))
}

/// Where a variant's median run was made by processes that timed their parts (MPI
/// ranks): "ranks of blocking (0, 1): compute 0.41, 0.40 s; communicate 0.01, 0.02 s;
/// wait at the end 0.00, 0.01 s".
pub fn split_line(r: &Row) -> Option<String> {
    if r.split.is_empty() {
        return None;
    }
    let list = |f: fn(&crate::lesson::Split) -> f64| {
        let shown: Vec<String> = r
            .split
            .iter()
            .take(16)
            .map(|s| crate::timing::format_seconds(f(s)))
            .collect();
        let more = match r.split.len() {
            n if n > 16 => format!(" and {} more", n - 16),
            _ => String::new(),
        };
        format!("{}{more}", shown.join(", "))
    };
    Some(format!(
        "ranks of {} (0 … {}): compute {}; communicate (in message calls, waits for a partner included) {}; wait at the end for the slowest {}.",
        r.variant,
        r.split.len() - 1,
        list(|s| s.compute),
        list(|s| s.communicate),
        list(|s| s.wait),
    ))
}

/// hyperfine's summary: "fused ran 41.2 ± 0.8 times faster than nested".
pub fn summary_line(c: &Comparison) -> Option<String> {
    let fastest = c.fastest()?;
    if fastest.variant == c.baseline {
        return None;
    }
    Some(format!(
        "{} ran {} ± {} times faster than {}",
        fastest.variant,
        sig4(fastest.speedup?),
        sig4(fastest.speedup_spread?),
        c.baseline
    ))
}

/// The whole comparison as Markdown: heading, machine, parameters, table and notes.
pub fn markdown(c: &Comparison, machine: &Machine) -> String {
    let params: Vec<String> = c.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let mut s = format!(
        "## {} — `{}`\n\nMachine: {machine}  \nParameters: {}  \nProblem: {}\n\n{}\n\n",
        c.title,
        c.lesson,
        params.join(" "),
        c.problem,
        table(c, Flavour::Markdown)
    );
    for n in notes(c) {
        s.push_str(&format!("{n}  \n"));
    }
    s
}

/// A comparison as JSON, with the machine it was measured on.
pub fn json(c: &Comparison, machine: &Machine) -> String {
    #[derive(serde::Serialize)]
    struct Doc<'a> {
        machine: &'a Machine,
        #[serde(flatten)]
        comparison: &'a Comparison,
    }
    let mut s = serde_json::to_string_pretty(&Doc {
        machine,
        comparison: c,
    })
    .unwrap_or_default();
    s.push('\n');
    s
}
