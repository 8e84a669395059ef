//! `reports/tour/index.html`: the tour as one page. Per lesson, the comparison table, a chart
//! of speedups and a chart of the cost of one unit of work (plotters, SVG files beside the
//! page), links to the profiles that exist, and the machine it all ran on.
//!
//! The page checks itself when it loads: it counts the images that decoded and the
//! script errors, and writes both on `<body>` (`data-images`, `data-errors`), which is
//! what the headless-browser test reads.

use crate::error::{Error, Result};
use crate::inspect::machine::Machine;
use crate::measure::Comparison;
use crate::timing::{format_seconds_pm, format_si, sig4};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::fmt::Write as _;

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A bar per variant on a log axis: `values[i]` for `names[i]`. Bars of variants that
/// failed the reference check are grey.
pub fn bar_chart(
    title: &str,
    y_label: &str,
    names: &[&str],
    values: &[f64],
    good: &[bool],
) -> Result<String> {
    let finite: Vec<f64> = values
        .iter()
        .copied()
        .filter(|v| v.is_finite() && *v > 0.0)
        .collect();
    let lo = finite.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = finite.iter().copied().fold(0.0, f64::max);
    let (lo, hi) = if finite.is_empty() {
        (0.1, 10.0)
    } else {
        (lo / 2.0, hi * 4.0)
    };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (760, 360)).into_drawing_area();
        let draw = || -> std::result::Result<(), String> {
            root.fill(&WHITE).map_err(|e| e.to_string())?;
            let n = names.len().max(1);
            let mut chart = ChartBuilder::on(&root)
                .caption(title, ("sans-serif", 18))
                .margin(10)
                .x_label_area_size(50)
                .y_label_area_size(70)
                .build_cartesian_2d(0f64..n as f64, (lo..hi).log_scale())
                .map_err(|e| e.to_string())?;
            chart
                .configure_mesh()
                .disable_x_mesh()
                .x_labels(0)
                .y_desc(y_label)
                .y_label_formatter(&|y| format_si(*y))
                .draw()
                .map_err(|e| e.to_string())?;
            let bars = values
                .iter()
                .enumerate()
                .filter(|(_, v)| v.is_finite() && **v > 0.0);
            chart
                .draw_series(bars.clone().map(|(i, &v)| {
                    let colour = if good.get(i).copied().unwrap_or(true) {
                        RGBColor(31, 119, 180).filled()
                    } else {
                        RGBColor(170, 170, 170).filled()
                    };
                    Rectangle::new([(i as f64 + 0.15, lo), (i as f64 + 0.85, v)], colour)
                }))
                .map_err(|e| e.to_string())?;
            // Each bar's name and value just above it.
            let label = TextStyle::from(("sans-serif", 13).into_font())
                .pos(Pos::new(HPos::Center, VPos::Bottom));
            chart
                .draw_series(bars.map(|(i, &v)| {
                    Text::new(
                        format!("{} {}", names[i], sig4(v)),
                        (i as f64 + 0.5, v * 1.05),
                        label.clone(),
                    )
                }))
                .map_err(|e| e.to_string())?;
            root.present().map_err(|e| e.to_string())
        };
        draw().map_err(|message| Error::Profiler {
            what: "draw a chart",
            message,
        })?;
    }
    Ok(svg)
}

/// Sweeps' curves on log-log axes, one a variant: the cost of a unit of work
/// (nanoseconds) at each value of the parameter, points that failed the check marked
/// grey. Where the units are transfers ([`Transfer`](crate::lesson::Transfer)), two
/// panels instead: the latency (the time of one transfer) above, the throughput (the
/// amount moved per second) below.
pub fn sweep_chart(sweeps: &[crate::measure::sweep::Sweep]) -> Result<String> {
    type Curve = Vec<(f64, f64, bool)>;
    let curves = |y: &dyn Fn(&crate::measure::sweep::Point) -> Option<f64>| -> Vec<Curve> {
        sweeps
            .iter()
            .map(|s| {
                s.points
                    .iter()
                    .filter_map(|p| {
                        let x: f64 = p.value.parse().ok()?;
                        let y = y(p)?;
                        (x > 0.0 && y.is_finite() && y > 0.0).then_some((x, y, p.row.as_expected()))
                    })
                    .collect()
            })
            .collect()
    };
    let first = sweeps.first().ok_or_else(|| Error::Profiler {
        what: "draw a sweep",
        message: "no sweep to draw".to_string(),
    })?;
    let transfer = first.transfer_unit();
    let mut panels: Vec<(String, String, Vec<Curve>)> = Vec::new();
    let names: Vec<&str> = sweeps.iter().map(|s| s.variant.as_str()).collect();
    match transfer {
        None => panels.push((
            format!(
                "{} {}: cost per {} against {} (log-log)",
                first.lesson,
                names.join(", "),
                first.unit.trim_end_matches('s'),
                first.param
            ),
            "ns".to_string(),
            curves(&|p| Some(p.cost() * 1e9)),
        )),
        Some(unit) => {
            panels.push((
                format!(
                    "{} {}: latency (one transfer) against {} (log-log)",
                    first.lesson,
                    names.join(", "),
                    first.param
                ),
                "ns".to_string(),
                curves(&|p| p.latency().map(|l| l * 1e9)),
            ));
            panels.push((
                format!("throughput against {} (log-log)", first.param),
                format!("{unit}/s"),
                curves(&|p| p.throughput()),
            ));
        }
    }
    if panels[0].2.iter().all(|c| c.len() < 2) {
        return Err(Error::Profiler {
            what: "draw a sweep",
            message: format!("{} has fewer than two numeric points", first.param),
        });
    }
    let colours = [
        RGBColor(31, 119, 180),
        RGBColor(255, 127, 14),
        RGBColor(44, 160, 44),
        RGBColor(214, 39, 40),
        RGBColor(148, 103, 189),
    ];
    let height = 360 * panels.len() as u32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (760, height)).into_drawing_area();
        let draw = || -> std::result::Result<(), String> {
            root.fill(&WHITE).map_err(|e| e.to_string())?;
            let areas = root.split_evenly((panels.len(), 1));
            for (area, (title, y_desc, curves)) in areas.iter().zip(&panels) {
                let all = curves.iter().flatten();
                let x0 = all.clone().map(|p| p.0).fold(f64::INFINITY, f64::min);
                let x1 = all.clone().map(|p| p.0).fold(0.0, f64::max);
                let y0 = all.clone().map(|p| p.1).fold(f64::INFINITY, f64::min);
                let y1 = all.map(|p| p.1).fold(0.0, f64::max);
                if !(x0.is_finite() && y0.is_finite()) {
                    continue;
                }
                let mut chart = ChartBuilder::on(area)
                    .caption(title, ("sans-serif", 18))
                    .margin(10)
                    .x_label_area_size(50)
                    .y_label_area_size(70)
                    .build_cartesian_2d(
                        (x0 / 1.5..x1 * 1.5).log_scale(),
                        (y0 / 2.0..y1 * 2.0).log_scale(),
                    )
                    .map_err(|e| e.to_string())?;
                chart
                    .configure_mesh()
                    .x_desc(first.param.as_str())
                    .y_desc(y_desc.as_str())
                    .x_label_formatter(&|x| format_si(*x))
                    .y_label_formatter(&|y| format_si(*y))
                    .draw()
                    .map_err(|e| e.to_string())?;
                // The problem's marks in range (cache sizes on a working-set axis): a
                // dashed grey line, its label at the top.
                let (y_lo, y_hi) = (y0 / 2.0, y1 * 2.0);
                for m in first
                    .marks
                    .iter()
                    .filter(|m| m.value > x0 / 1.5 && m.value < x1 * 1.5)
                {
                    let grey = RGBColor(120, 120, 120);
                    let steps = 24;
                    let ratio = (y_hi / y_lo).powf(1.0 / steps as f64);
                    chart
                        .draw_series((0..steps).step_by(2).map(|k| {
                            let a = y_lo * ratio.powi(k);
                            PathElement::new(vec![(m.value, a), (m.value, a * ratio)], grey)
                        }))
                        .map_err(|e| e.to_string())?;
                    chart
                        .draw_series(std::iter::once(Text::new(
                            m.label.clone(),
                            (m.value, y_hi / ratio),
                            ("sans-serif", 14).into_font().color(&grey),
                        )))
                        .map_err(|e| e.to_string())?;
                }
                for (i, points) in curves.iter().enumerate() {
                    let colour = colours[i % colours.len()];
                    chart
                        .draw_series(LineSeries::new(points.iter().map(|p| (p.0, p.1)), colour))
                        .map_err(|e| e.to_string())?
                        .label(names[i])
                        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], colour));
                    chart
                        .draw_series(points.iter().map(|p| {
                            let c = if p.2 { colour } else { RGBColor(170, 170, 170) };
                            Circle::new((p.0, p.1), 4, c.filled())
                        }))
                        .map_err(|e| e.to_string())?;
                }
                if curves.len() > 1 {
                    chart
                        .configure_series_labels()
                        .background_style(WHITE.mix(0.8))
                        .border_style(BLACK)
                        .draw()
                        .map_err(|e| e.to_string())?;
                }
            }
            root.present().map_err(|e| e.to_string())
        };
        draw().map_err(|message| Error::Profiler {
            what: "draw a sweep",
            message,
        })?;
    }
    Ok(svg)
}

/// The chart's height for these sweeps: one panel, or two where the units are transfers.
pub fn sweep_chart_height(sweeps: &[crate::measure::sweep::Sweep]) -> u32 {
    match sweeps.first().and_then(|s| s.transfer_unit()) {
        Some(_) => 720,
        None => 360,
    }
}

/// Sweeps' part of the page, one a variant over the same values: their tables and their
/// chart (`file`, relative to the page).
pub fn sweep_section(sweeps: &[crate::measure::sweep::Sweep], file: &str) -> String {
    let mut h = String::new();
    let Some(s) = sweeps.first() else {
        return h;
    };
    let names: Vec<&str> = sweeps.iter().map(|s| s.variant.as_str()).collect();
    let variants = names.join(", ");
    let _ = writeln!(
        h,
        "<section id=\"{id}\"><h3>{lesson}: {variant} across {param}</h3>",
        id = escape(&format!(
            "{}-sweep-{}-{}",
            s.lesson,
            names.join("-"),
            s.param
        )),
        lesson = escape(s.lesson),
        variant = escape(&variants),
        param = escape(&s.param),
    );
    for s in sweeps {
        let _ = writeln!(h, "<pre>{}</pre>", escape(&crate::report::sweep::table(s)));
        for n in crate::report::sweep::notes(s) {
            let _ = writeln!(h, "<p class=\"note\">{}</p>", escape(&n));
        }
    }
    let what = match s.transfer_unit() {
        Some(_) => "latency and throughput",
        None => "cost",
    };
    let _ = writeln!(
        h,
        "<div class=\"charts\"><img src=\"{file}\" alt=\"{what} of {variant} against {param}\" width=\"760\" height=\"{height}\"></div></section>",
        file = escape(file),
        variant = escape(&variants),
        param = escape(&s.param),
        height = sweep_chart_height(sweeps),
    );
    h
}

/// A lesson that did not run on this machine: its title and why.
pub fn note_section(name: &str, title: &str, note: &str) -> String {
    format!(
        "<section id=\"{id}\"><h2>{title} <small>({id})</small></h2><p class=\"note\">{note}</p></section>\n",
        id = escape(name),
        title = escape(title),
        note = escape(note),
    )
}

/// One lesson's section of the page, and its two charts as `(file name, SVG)`.
pub fn lesson_section(
    c: &Comparison,
    links: &[(String, String)],
) -> Result<(String, Vec<(String, String)>)> {
    let names: Vec<&str> = c.rows.iter().map(|r| r.variant).collect();
    let good: Vec<bool> = c.rows.iter().map(|r| r.as_expected()).collect();
    let speedups: Vec<f64> = c
        .rows
        .iter()
        .map(|r| r.speedup.unwrap_or(f64::NAN))
        .collect();
    let cost: Vec<f64> = c
        .rows
        .iter()
        .map(|r| r.units_per_second.map_or(f64::NAN, |u| 1e9 / u))
        .collect();
    let speed_svg = bar_chart(
        &format!("{}: speedup over {} (log scale)", c.title, c.baseline),
        "× faster",
        &names,
        &speedups,
        &good,
    )?;
    let unit = c.unit.trim_end_matches('s');
    let cost_svg = bar_chart(
        &format!("{}: nanoseconds per {unit} (log scale)", c.title),
        "ns",
        &names,
        &cost,
        &good,
    )?;
    let speed_file = format!("{}/speedup.svg", c.key());
    let cost_file = format!("{}/cost.svg", c.key());
    let mut h = String::new();
    let _ = writeln!(
        h,
        "<section id=\"{name}\"><h2>{title} <small>({name})</small></h2>\n<p>{problem}</p>",
        name = escape(&c.key().replace('/', "-")),
        title = escape(c.title),
        problem = escape(&c.problem)
    );
    let _ = writeln!(
        h,
        "<table><thead><tr><th>variant</th><th>steps</th><th>time (median ± MAD)</th>\
         <th>{unit}/s</th><th>speedup vs {base}</th><th>matches {reference}</th><th>what changed</th></tr></thead><tbody>",
        unit = escape(c.unit),
        base = escape(c.baseline),
        reference = escape(c.reference)
    );
    for r in &c.rows {
        let _ = writeln!(
            h,
            "<tr><td><code>{}</code></td><td class=\"n\">{}{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td><td class=\"what\">{}</td></tr>",
            escape(r.variant),
            r.steps,
            if r.full_run { "" } else { "*" },
            escape(&format_seconds_pm(r.seconds, r.spread)),
            r.units_per_second.map_or("—".into(), format_si),
            match (r.speedup, r.speedup_spread) {
                (Some(s), Some(e)) => format!("{} ± {}×", sig4(s), sig4(e)),
                _ => "—".into(),
            },
            match (r.matches_reference, &r.expected_wrong) {
                (true, _) => format!("✓ {:.1e}", r.rel_error),
                (false, Some(_)) => format!("✗ {:.1e} (expected)", r.rel_error),
                (false, None) => format!("<b class=\"bad\">✗ {:.1e}</b>", r.rel_error),
            },
            escape(r.what)
        );
    }
    let _ = writeln!(h, "</tbody></table>");
    if c.rows.iter().any(|r| !r.full_run) {
        let _ = writeln!(
            h,
            "<p class=\"note\">* ran fewer steps than the full {} to keep the run short; rates and speedups are per {unit}.</p>",
            c.full_steps
        );
    }
    if let Some(l) = &c.load {
        let _ = writeln!(h, "<p class=\"note load\">{}</p>", escape(&l.line()));
        if let Some(w) = l.warning() {
            let _ = writeln!(h, "<p class=\"note bad\">{}</p>", escape(&w));
        }
    }
    let _ = writeln!(
        h,
        "<div class=\"charts\"><img src=\"{speed_file}\" alt=\"speedup of each {lesson} variant over {base}\" width=\"760\" height=\"360\">\
         <img src=\"{cost_file}\" alt=\"nanoseconds per {unit} for each {lesson} variant\" width=\"760\" height=\"360\"></div>",
        lesson = escape(c.lesson),
        base = escape(c.baseline),
    );
    if !links.is_empty() {
        let _ = write!(h, "<p>Profiles: ");
        let items: Vec<String> = links
            .iter()
            .map(|(href, label)| format!("<a href=\"{}\">{}</a>", escape(href), escape(label)))
            .collect();
        let _ = writeln!(h, "{}</p>", items.join(" · "));
    }
    let _ = writeln!(h, "</section>");
    Ok((h, vec![(speed_file, speed_svg), (cost_file, cost_svg)]))
}

/// The whole page around the lessons' sections.
pub fn page(sections: &[String], machine: &Machine) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\">\
         <title>cargo perflab tour</title><style>\
         body{{font-family:sans-serif;margin:2em;max-width:1600px;color:#222}}\
         table{{border-collapse:collapse;margin:1em 0}} th,td{{border:1px solid #ccc;padding:.25em .6em}}\
         th{{background:#f3f3f3}} td.n{{text-align:right;font-variant-numeric:tabular-nums}}\
         td.what{{font-size:.85em;color:#555;max-width:38em}} .bad{{color:#b00}}\
         .charts img{{max-width:48%;margin-right:1%;border:1px solid #eee}} .note{{color:#555;font-size:.9em}}\
         </style></head><body>\n<h1>cargo perflab tour</h1>\n<p>Machine: {machine}. Every figure below was measured on it, in one run; bars are \
         grey where a variant did not match the reference.</p>\n",
        machine = escape(&machine.to_string()),
    );
    for s in sections {
        h.push_str(s);
    }
    h.push_str(
        "<script>\n\
         var errors = 0;\n\
         window.addEventListener('error', function () { errors += 1; document.body.dataset.errors = String(errors); }, true);\n\
         window.addEventListener('load', function () {\n\
           var imgs = Array.prototype.slice.call(document.images);\n\
           var ok = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;\n\
           document.body.dataset.images = ok + '/' + imgs.length;\n\
           document.body.dataset.errors = String(errors);\n\
         });\n\
         </script>\n</body></html>\n",
    );
    h
}
