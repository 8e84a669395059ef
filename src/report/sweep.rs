//! A sweep as tables (terminal and Markdown) and the notes under them.

use crate::measure::sweep::Sweep;
use crate::timing::{format_seconds, format_seconds_pm, format_si, sig4};
use tabled::builder::Builder;
use tabled::settings::Style;

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
    let transfer = s.transfer_unit();
    let mut head = vec![
        s.param.clone(),
        "time (median ± MAD)".into(),
        format!("{}/s", s.unit),
        "CPU time".into(),
        "workers' imbalance".into(),
        "cost × the fastest".into(),
        format!("matches {}", s.reference),
    ];
    if let Some(unit) = transfer {
        head.extend(["latency (one transfer)".into(), format!("{unit}/s moved")]);
    }
    let scaling = s.points.iter().any(|p| p.efficiency.is_some());
    if scaling {
        head.push(format!("efficiency vs {}={}", s.param, s.points[0].value));
    }
    b.push_record(head);
    for p in &s.points {
        let r = &p.row;
        let mut record = vec![
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
        ];
        if transfer.is_some() {
            record.push(p.latency().map_or("—".into(), format_seconds));
            record.push(p.throughput().map_or("—".into(), format_si));
        }
        if scaling {
            record.push(
                p.efficiency
                    .map_or("—".into(), |e| format!("{:.0} %", 100.0 * e)),
            );
        }
        b.push_record(record);
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
    if s.points.iter().any(|p| p.efficiency.is_some()) {
        notes.push(format!(
            "efficiency: each point's {}/s over the first point's, divided by its workers over the first point's (100 % is perfect scaling).",
            s.unit
        ));
    }
    for p in &s.points {
        if let Some(line) = crate::report::split_line(&p.row) {
            notes.push(format!("at {}={}: {line}", s.param, p.value));
        }
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
