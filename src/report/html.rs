//! `reports/tour/index.html`: the tour as one page, made to learn from. At the top the
//! machine and how busy it was, a table of contents and a guide to reading the page; per
//! lesson, where to learn more (its README, its tutor, its exercise), the comparison table
//! with figures rounded to what their spread supports, a chart of speedups and one of the
//! cost of one unit of work ([`chart`](crate::report::chart), SVG files beside the page),
//! and a table of the profiles, each labelled with what opens it.
//!
//! The page checks itself when it loads: it counts the images that decoded and the
//! script errors, and the smallest scale a chart is shown at, and writes them on `<body>`
//! (`data-images`, `data-errors`, `data-chart-scale`), which is what the headless-browser
//! test reads.

use crate::error::{Error, Result};
use crate::inspect::machine::Machine;
use crate::measure::{Comparison, Row};
use crate::report::chart::{self, Bar, Kind, Panel, Series};
use crate::report::{pm, seconds_pm, sig, supported_digits};
use crate::timing::load::Load;
use std::fmt::Write as _;

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One part of the page, and its entry in the table of contents.
#[derive(Debug, Clone)]
pub struct Section {
    /// Its anchor.
    pub id: String,
    /// Its entry in the table of contents.
    pub title: String,
    /// 2 for a lesson (or topic), 3 for a sweep under it.
    pub level: u8,
    /// Its HTML.
    pub html: String,
}

/// Where to learn more about a lesson: links relative to the page, and commands.
#[derive(Debug, Clone, Default)]
pub struct Learn {
    /// The lesson's README, where there is one.
    pub readme: Option<String>,
    /// The tutor's command.
    pub tutor: String,
    /// The exercise's file (link, and the path to show), where there is one.
    pub exercise: Option<(String, String)>,
    /// The command that grades the exercise.
    pub check: Option<String>,
}

/// One profile file the tour wrote: whose it is, where it is (relative to the page), and
/// a note (too few samples).
#[derive(Debug, Clone)]
pub struct ProfileLink {
    /// The variant profiled.
    pub variant: String,
    /// The file, relative to the page.
    pub href: String,
    /// The file's name.
    pub leaf: String,
    /// What to know before opening it, or empty.
    pub note: String,
}

/// The profile table's columns: heading, what opens the file, whether a browser shows it,
/// and which file names belong there.
/// A column of the profile table: heading, what opens its files, whether a browser shows
/// them, and which file names belong there.
type ProfileColumn = (&'static str, &'static str, bool, fn(&str) -> bool);

const PROFILE_COLUMNS: [ProfileColumn; 5] = [
    ("flame graph", "browser", true, |l| l == "flamegraph.svg"),
    ("functions", "browser", true, |l| {
        l == "functions.svg" || l == "functions.txt"
    }),
    ("annotated source", "browser", true, |l| {
        l == "annotated.html"
    }),
    (
        "sampled profile",
        "go tool pprof / speedscope",
        false,
        |l| l == "profile.pb",
    ),
    ("call graph", "KCachegrind", false, |l| {
        l.starts_with("callgrind.out.")
    }),
];

/// Profiles grouped per variant: a row each, a column per kind of file, each cell naming
/// what opens it; files a browser shows open in a new tab, the others download.
pub fn profile_table(links: &[ProfileLink]) -> String {
    if links.is_empty() {
        return String::new();
    }
    let mut variants: Vec<&str> = Vec::new();
    for l in links {
        if !variants.contains(&l.variant.as_str()) {
            variants.push(&l.variant);
        }
    }
    let used: Vec<_> = PROFILE_COLUMNS
        .iter()
        .filter(|(_, _, _, f)| links.iter().any(|l| f(&l.leaf)))
        .collect();
    let mut h = String::from("<table class=\"profiles\"><thead><tr><th>profile of</th>");
    for (head, opener, _, _) in &used {
        let _ = write!(
            h,
            "<th>{}<br><small>opens in: {}</small></th>",
            escape(head),
            escape(opener)
        );
    }
    h.push_str("</tr></thead><tbody>\n");
    for v in variants {
        let _ = write!(h, "<tr><td><code>{}</code></td>", escape(v));
        for (_, opener, browser, f) in &used {
            let cells: Vec<String> = links
                .iter()
                .filter(|l| l.variant == v && f(&l.leaf))
                .map(|l| {
                    let how = if *browser {
                        " target=\"_blank\"".to_string()
                    } else {
                        format!(" download title=\"open with {}\"", escape(opener))
                    };
                    let note = if l.note.is_empty() {
                        String::new()
                    } else {
                        format!(" <small class=\"bad\">{}</small>", escape(&l.note))
                    };
                    format!(
                        "<a href=\"{}\"{how}>{}</a>{note}",
                        escape(&l.href),
                        escape(&l.leaf)
                    )
                })
                .collect();
            let _ = write!(
                h,
                "<td>{}</td>",
                if cells.is_empty() {
                    "—".to_string()
                } else {
                    cells.join("<br>")
                }
            );
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody></table>\n");
    h
}

/// What each variant of a comparison is, for its bar's colour: the baseline, the variants
/// that use every core, the fastest of the others (among those that match the reference),
/// and those whose answer is wrong when it should not be.
pub fn kinds(c: &Comparison) -> Vec<Kind> {
    let fastest = c
        .rows
        .iter()
        .filter(|r| {
            !c.parallel.contains(&r.variant) && r.matches_reference && r.units_per_second.is_some()
        })
        .max_by(|a, b| {
            a.units_per_second
                .partial_cmp(&b.units_per_second)
                .unwrap_or(std::cmp::Ordering::Equal)
        })
        .map(|r| r.variant);
    c.rows
        .iter()
        .map(|r| {
            if !r.as_expected() {
                Kind::Failed
            } else if r.variant == c.baseline {
                Kind::Baseline
            } else if c.parallel.contains(&r.variant) {
                Kind::Parallel
            } else if Some(r.variant) == fastest {
                Kind::Fastest
            } else {
                Kind::Other
            }
        })
        .collect()
}

/// The spread of a row's time, relative to it.
fn relative_spread(r: &Row) -> f64 {
    if r.seconds > 0.0 {
        r.spread / r.seconds
    } else {
        0.0
    }
}

/// A row's speedup as the page shows it: `12.3 ± 0.4×`.
fn speedup_text(r: &Row) -> Option<String> {
    let (v, e) = pm(r.speedup?, r.speedup_spread?);
    Some(format!("{v} ± {e}×"))
}

/// A row's units per second, to the digits its time's spread supports.
fn rate_text(r: &Row) -> Option<String> {
    let u = r.units_per_second?;
    Some(sig(u, supported_digits(u, u * relative_spread(r))))
}

/// The check's cell: `✓ 0`, `✓ 3e-16`, `✗ 0.2 (expected)`.
fn check_text(r: &Row) -> String {
    let e = if r.rel_error == 0.0 {
        "0".to_string()
    } else {
        format!("{:.0e}", r.rel_error)
    };
    match (r.matches_reference, &r.expected_wrong) {
        (true, _) => format!("✓ {e}"),
        (false, Some(_)) => format!("✗ {e} (expected)"),
        (false, None) => format!("<b class=\"bad\">✗ {e}</b>"),
    }
}

/// A comparison's two charts: the speedup over the baseline, and the nanoseconds per unit
/// of work, bars coloured by [`kinds`].
pub fn comparison_charts(c: &Comparison) -> (String, String) {
    let kinds = kinds(c);
    let speed: Vec<Bar> = c
        .rows
        .iter()
        .zip(&kinds)
        .map(|(r, k)| Bar {
            name: r.variant.to_string(),
            value: r.speedup.unwrap_or(f64::NAN),
            kind: *k,
            label: match (r.speedup, r.speedup_spread) {
                (Some(s), Some(e)) => format!("{}×", pm(s, e).0),
                (Some(s), None) => format!("{}×", sig(s, 3)),
                _ => "—".to_string(),
            },
        })
        .collect();
    let unit = c.unit.trim_end_matches('s');
    let cost: Vec<Bar> = c
        .rows
        .iter()
        .zip(&kinds)
        .map(|(r, k)| {
            let ns = r.units_per_second.map_or(f64::NAN, |u| 1e9 / u);
            Bar {
                name: r.variant.to_string(),
                value: ns,
                kind: *k,
                label: if ns.is_finite() {
                    format!("{} ns", pm(ns, ns * relative_spread(r)).0)
                } else {
                    "—".to_string()
                },
            }
        })
        .collect();
    (
        chart::bars(
            &format!("{}: speedup over {}", c.title, c.baseline),
            "times faster than the baseline",
            &speed,
        ),
        chart::bars(
            &format!("{}: time per {unit}", c.title),
            &format!("nanoseconds per {unit} (shorter is faster)"),
            &cost,
        ),
    )
}

/// Sweeps' curves on log-log axes, one a variant: the cost of a unit of work
/// (nanoseconds) at each value of the parameter, points that failed the check hollow.
/// Where the units are transfers ([`Transfer`](crate::lesson::Transfer)), two panels
/// instead: the latency (the time of one transfer) above, the throughput (the amount
/// moved per second) below.
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
    let names: Vec<&str> = sweeps.iter().map(|s| s.variant.as_str()).collect();
    let unit = first.unit.trim_end_matches('s');
    let mut panels: Vec<(String, String, Vec<Curve>)> = Vec::new();
    match first.transfer_unit() {
        None => panels.push((
            format!(
                "{} {}: time per {unit} against {}",
                first.lesson,
                names.join(", "),
                first.param
            ),
            format!("ns per {unit}"),
            curves(&|p| Some(p.cost() * 1e9)),
        )),
        Some(t) => {
            panels.push((
                format!(
                    "{} {}: latency (one transfer) against {}",
                    first.lesson,
                    names.join(", "),
                    first.param
                ),
                "ns per transfer".to_string(),
                curves(&|p| p.latency().map(|l| l * 1e9)),
            ));
            panels.push((
                format!("throughput against {}", first.param),
                format!("{t}/s"),
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
    let marks: Vec<(f64, String)> = first
        .marks
        .iter()
        .map(|m| (m.value, m.label.clone()))
        .collect();
    let panels: Vec<Panel> = panels
        .into_iter()
        .map(|(title, y_label, curves)| Panel {
            title,
            x_label: first.param.clone(),
            y_label,
            series: curves
                .into_iter()
                .enumerate()
                .map(|(i, points)| Series {
                    name: names[i].to_string(),
                    colour: chart::PALETTE[i % chart::PALETTE.len()],
                    points,
                })
                .collect(),
            marks: marks.clone(),
        })
        .collect();
    Ok(chart::lines(
        &format!("{} across {}", names.join(", "), first.param),
        &panels,
    ))
}

/// Sweeps' part of the page, one a variant over the same values: their tables and their
/// chart (`file`, relative to the page).
pub fn sweep_section(sweeps: &[crate::measure::sweep::Sweep], file: &str) -> String {
    sweep_part(sweeps, file).html
}

/// [`sweep_section`] with its anchor and its entry in the table of contents.
pub fn sweep_part(sweeps: &[crate::measure::sweep::Sweep], file: &str) -> Section {
    let mut h = String::new();
    let Some(s) = sweeps.first() else {
        return Section {
            id: String::new(),
            title: String::new(),
            level: 3,
            html: h,
        };
    };
    let names: Vec<&str> = sweeps.iter().map(|s| s.variant.as_str()).collect();
    let variants = names.join(", ");
    // The chart's file names the sweep: `mpi/sweep-blocking-ranks.svg`.
    let id = file.trim_end_matches(".svg").replace('/', "-");
    let extra: Vec<&str> = s
        .params
        .iter()
        .map(|p| p.as_str())
        .filter(|p| !p.starts_with("topic="))
        .collect();
    let at = match extra.as_slice() {
        [] => String::new(),
        e => format!(" ({})", e.join(", ")),
    };
    let _ = writeln!(
        h,
        "<section id=\"{id}\"><h3>{lesson}: {variant} across {param}{at}</h3>",
        id = escape(&id),
        at = escape(&at),
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
    let height = sweep_chart(sweeps).map_or(360, |svg| chart::height(&svg));
    let _ = writeln!(
        h,
        "<div class=\"charts\"><img src=\"{file}\" alt=\"{what} of {variant} against {param}\" width=\"{width}\" height=\"{height}\"></div></section>",
        file = escape(file),
        variant = escape(&variants),
        param = escape(&s.param),
        width = chart::WIDTH,
    );
    Section {
        id,
        title: format!("{}: {variants} across {}{at}", s.lesson, s.param),
        level: 3,
        html: h,
    }
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

/// The "learn more" line of a lesson: README, tutor, exercise.
pub fn learn_html(l: &Learn) -> String {
    let mut items = Vec::new();
    if let Some(r) = &l.readme {
        items.push(format!(
            "<a class=\"readme\" href=\"{}\">the lesson (README)</a>",
            escape(r)
        ));
    }
    items.push(format!(
        "the tutor: <code class=\"tutor\">{}</code>",
        escape(&l.tutor)
    ));
    if let Some((href, shown)) = &l.exercise {
        let check = l
            .check
            .as_ref()
            .map(|c| format!(", graded by <code class=\"check\">{}</code>", escape(c)))
            .unwrap_or_default();
        items.push(format!(
            "the exercise: <a class=\"exercise\" href=\"{}\">{}</a>{check}",
            escape(href),
            escape(shown)
        ));
    }
    format!("<p class=\"learn\">Learn: {}</p>\n", items.join(" · "))
}

/// One lesson's section of the page, and its two charts as `(file name, SVG)`.
pub fn lesson_section(
    c: &Comparison,
    links: &[ProfileLink],
) -> Result<(String, Vec<(String, String)>)> {
    let (s, charts) = lesson_part(c, links, None);
    Ok((s.html, charts))
}

/// [`lesson_section`] with where to learn more, its anchor and its entry in the table of
/// contents.
pub fn lesson_part(
    c: &Comparison,
    links: &[ProfileLink],
    learn: Option<&Learn>,
) -> (Section, Vec<(String, String)>) {
    let (speed_svg, cost_svg) = comparison_charts(c);
    let speed_file = format!("{}/speedup.svg", c.key());
    let cost_file = format!("{}/cost.svg", c.key());
    let unit = c.unit.trim_end_matches('s');
    let id = c.key().replace('/', "-");
    let mut h = String::new();
    let _ = writeln!(
        h,
        "<section id=\"{name}\"><h2>{title} <small>({name})</small></h2>\n<p>{problem}</p>",
        name = escape(&id),
        title = escape(c.title),
        problem = escape(&c.problem)
    );
    if let Some(l) = learn {
        h.push_str(&learn_html(l));
    }
    let _ = writeln!(
        h,
        "<table class=\"comparison\"><thead><tr><th></th><th>variant</th><th>steps</th><th>time (median ± MAD)</th>\
         <th>{unit}/s</th><th>speedup vs {base}</th><th>matches {reference}</th><th>what changed</th></tr></thead><tbody>",
        unit = escape(c.unit),
        base = escape(c.baseline),
        reference = escape(c.reference)
    );
    let kinds = kinds(c);
    for (r, k) in c.rows.iter().zip(&kinds) {
        let _ = writeln!(
            h,
            "<tr><td class=\"k\"><span class=\"swatch\" style=\"background:{}\" title=\"{}\"></span></td><td><code>{}</code></td><td class=\"n\">{}{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td><td class=\"what\">{}</td></tr>",
            k.colour(),
            k.legend(),
            escape(r.variant),
            r.steps,
            if r.full_run { "" } else { "*" },
            escape(&seconds_pm(r.seconds, r.spread)),
            rate_text(r).unwrap_or_else(|| "—".into()),
            speedup_text(r).unwrap_or_else(|| "—".into()),
            check_text(r),
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
        "<div class=\"charts\"><img src=\"{speed_file}\" alt=\"speedup of each {lesson} variant over {base}\" width=\"{w}\" height=\"{hs}\">\
         <img src=\"{cost_file}\" alt=\"nanoseconds per {unit} for each {lesson} variant\" width=\"{w}\" height=\"{hc}\"></div>",
        lesson = escape(c.lesson),
        base = escape(c.baseline),
        w = chart::WIDTH,
        hs = chart::height(&speed_svg),
        hc = chart::height(&cost_svg),
    );
    if !links.is_empty() {
        let _ = writeln!(h, "<h4>Profiles</h4>");
        h.push_str(&profile_table(links));
    }
    let _ = writeln!(h, "</section>");
    (
        Section {
            id,
            title: c.title.to_string(),
            level: 2,
            html: h,
        },
        vec![(speed_file, speed_svg), (cost_file, cost_svg)],
    )
}

/// How to read the page, in a box at its top.
pub const GUIDE: &str = "<aside id=\"guide\" class=\"guide\"><h2>How to read this page</h2><ul>\
<li>Each lesson computes one thing several ways (<b>variants</b>) and times each. \
<b>time (median ± MAD)</b>: the middle of the timed runs, ± the median absolute deviation, \
how far a typical run strayed from it. A large MAD means a noisy measurement; figures are \
rounded to the digits the spread supports (at most 3).</li>\
<li><b>steps</b>: a <b>*</b> means the variant ran fewer steps than a full run to keep the tour \
short; rates and speedups are per unit of work, so they still compare.</li>\
<li><b>speedup</b>: the baseline's time per unit of work over this variant's; above 1 is faster.</li>\
<li><b>matches</b>: ✓ when the answer agrees with the reference variant's, with the largest \
relative difference (<code>✓ 0</code> or <code>✓ 0.0e0</code>: identical; around <code>1e-16</code>: rounding in the last \
digit). ✗ is a wrong answer; “(expected)” marks a variant that is wrong on purpose.</li>\
<li><b>Charts</b> use log scales: variants differ by factors of 10 or 1000, and on a log axis \
equal distances are equal ratios. Colours: <span class=\"swatch\" style=\"background:#6b6b6b\"></span> baseline, \
<span class=\"swatch\" style=\"background:#e6550d\"></span> fastest single-thread, \
<span class=\"swatch\" style=\"background:#2ca25f\"></span> parallel (all cores), \
<span class=\"swatch\" style=\"background:#9ecae1\"></span> other single-thread; a white bar with a red edge \
is a wrong answer.</li>\
<li><b>Profiles</b> of the baseline and the fastest variant: flame graphs, function tables and \
annotated source open in the browser; <code>profile.pb</code> opens with <code>go tool pprof -http=: \
profile.pb</code> or at speedscope.app, <code>callgrind.out.*</code> with KCachegrind.</li>\
<li><b>Learn</b>: each lesson links its README, the tutor that walks through it, and its exercise.</li>\
</ul></aside>\n";

/// The machine and how busy it was while the tour ran.
pub fn machine_html(machine: &Machine, load: Option<&Load>) -> String {
    let mut h = format!(
        "<p class=\"machine\">Machine: {}. Every figure below was measured on it, in one run.</p>\n",
        escape(&machine.to_string())
    );
    match load {
        Some(l) => {
            let _ = writeln!(
                h,
                "<p class=\"machine load\">While the tour ran, other processes used {:.2} cores (steal {:.2}) of {}; {:.2} were free.</p>",
                l.others_cores, l.steal_cores, l.cores, l.free_cores
            );
            if let Some(w) = l.warning() {
                let _ = writeln!(h, "<p class=\"bad\">{}</p>", escape(&w));
            }
        }
        None => h.push_str(
            "<p class=\"machine load\">How busy the machine was could not be read.</p>\n",
        ),
    }
    h
}

/// The table of contents: the lessons, their sweeps under them.
pub fn toc(sections: &[Section]) -> String {
    let mut h = String::from("<nav id=\"toc\"><h2>Contents</h2><ol>");
    let mut open = false;
    for s in sections.iter().filter(|s| !s.id.is_empty()) {
        let link = format!("<a href=\"#{}\">{}</a>", escape(&s.id), escape(&s.title));
        if s.level <= 2 {
            if open {
                h.push_str("</ol>");
                open = false;
            }
            let _ = write!(h, "</li><li>{link}");
        } else {
            if !open {
                h.push_str("<ol>");
                open = true;
            }
            let _ = write!(h, "<li>{link}</li>");
        }
    }
    if open {
        h.push_str("</ol>");
    }
    h.push_str("</li></ol></nav>\n");
    h.replacen("<ol></li>", "<ol>", 1)
}

/// The whole page around the sections: machine and load, a note on how the tour ran (if
/// any), contents, guide.
pub fn page(
    sections: &[Section],
    machine: &Machine,
    load: Option<&Load>,
    note: Option<&str>,
) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\">\
         <title>cargo perflab tour</title><style>\
         body{{font-family:sans-serif;margin:2em;max-width:1200px;color:#222;line-height:1.4}}\
         table{{border-collapse:collapse;margin:1em 0}} th,td{{border:1px solid #ccc;padding:.25em .6em;vertical-align:top}}\
         th{{background:#f3f3f3}} td.n{{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}}\
         td.what{{font-size:.9em;color:#555;max-width:34em}} .bad{{color:#b00}}\
         .charts{{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}}\
         .charts img{{max-width:100%;height:auto;border:1px solid #ddd}} .note{{color:#555;font-size:.9em}}\
         .swatch{{display:inline-block;width:.8em;height:.8em;vertical-align:middle;border:1px solid #999}}\
         .guide{{background:#f6f8fa;border:1px solid #d0d7de;padding:.2em 1.2em;margin:1em 0}}\
         .guide li{{margin:.3em 0}} #toc ol{{columns:2;column-gap:2em}} #toc ol ol{{columns:1;font-size:.9em}}\
         section{{border-top:2px solid #ddd;margin-top:2em}} .learn{{background:#fff8e5;padding:.4em .6em}}\
         table.profiles small{{color:#555;font-weight:normal}}\
         </style></head><body>\n<h1>cargo perflab tour</h1>\n",
    );
    h.push_str(&machine_html(machine, load));
    if let Some(note) = note {
        let _ = writeln!(h, "<p class=\"note how\">{}</p>", escape(note));
    }
    h.push_str(&toc(sections));
    h.push_str(GUIDE);
    for s in sections {
        h.push_str(&s.html);
    }
    h.push_str(
        "<script>\n\
         var errors = 0;\n\
         window.addEventListener('error', function () { errors += 1; document.body.dataset.errors = String(errors); }, true);\n\
         window.addEventListener('load', function () {\n\
           var imgs = Array.prototype.slice.call(document.images);\n\
           var ok = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;\n\
           document.body.dataset.images = ok + '/' + imgs.length;\n\
           var scale = imgs.reduce(function (m, i) { return i.naturalWidth > 0 ? Math.min(m, i.clientWidth / i.naturalWidth) : m; }, 1);\n\
           document.body.dataset.chartScale = scale.toFixed(2);\n\
           var missing = Array.prototype.slice.call(document.querySelectorAll('a[href^=\"#\"]')).filter(function (a) { return !document.getElementById(a.getAttribute('href').slice(1)); }).length;\n\
           document.body.dataset.brokenAnchors = String(missing);\n\
           document.body.dataset.errors = String(errors);\n\
         });\n\
         </script>\n</body></html>\n",
    );
    h
}
