//! The page's charts as plain SVG, drawn to be read at the size they are shown: the page
//! shows each at its own width ([`WIDTH`] CSS pixels), so an SVG font size is the size on
//! screen. Log axes carry plain numbers (`0.1`, `10`, `1000`) at powers of ten, with 2 and 5
//! between them where the range is short; a label that would overlap the one before is
//! left out. Bars are coloured by what the variant is ([`Kind`]) with a legend above.

use std::fmt::Write as _;

/// Width of every chart, in SVG units and CSS pixels alike.
pub const WIDTH: f64 = 560.0;
/// Size of the variants' names and the values (the page's body text is 16 px).
pub const TEXT: f64 = 15.0;
/// Size of tick labels and the legend.
pub const SMALL: f64 = 14.0;
/// Size of a chart's title.
pub const TITLE: f64 = 16.0;

/// Estimated width of `text` at `size`: sans-serif glyphs average about 0.6 of the size.
pub fn text_width(text: &str, size: f64) -> f64 {
    text.chars().count() as f64 * 0.6 * size
}

/// What a variant is, which sets its bar's colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The lesson's speed baseline.
    Baseline,
    /// The fastest variant that runs on one thread.
    Fastest,
    /// A variant that uses every core.
    Parallel,
    /// Any other single-thread variant.
    Other,
    /// A variant whose answer did not match the reference (and was not meant to be wrong).
    Failed,
}

impl Kind {
    /// Its fill colour.
    pub fn colour(self) -> &'static str {
        match self {
            Kind::Baseline => "#6b6b6b",
            Kind::Fastest => "#e6550d",
            Kind::Parallel => "#2ca25f",
            Kind::Other => "#9ecae1",
            Kind::Failed => "#f2f2f2",
        }
    }

    /// Its name in the legend.
    pub fn legend(self) -> &'static str {
        match self {
            Kind::Baseline => "baseline",
            Kind::Fastest => "fastest single-thread",
            Kind::Parallel => "parallel (all cores)",
            Kind::Other => "other single-thread",
            Kind::Failed => "wrong answer",
        }
    }

    const ALL: [Kind; 5] = [
        Kind::Baseline,
        Kind::Other,
        Kind::Fastest,
        Kind::Parallel,
        Kind::Failed,
    ];
}

/// One bar: a variant's name, value, kind and the label written at its end.
#[derive(Debug, Clone)]
pub struct Bar {
    /// The variant.
    pub name: String,
    /// Its value (a bar is drawn only for a finite, positive one).
    pub value: f64,
    /// What it is.
    pub kind: Kind,
    /// The figure written after the bar, e.g. `12.3×`.
    pub label: String,
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn text(out: &mut String, x: f64, y: f64, size: f64, anchor: &str, extra: &str, body: &str) {
    let _ = writeln!(
        out,
        "<text x=\"{x:.1}\" y=\"{y:.1}\" font-size=\"{size}\" text-anchor=\"{anchor}\"{extra}>{}</text>",
        esc(body)
    );
}

/// A log axis from `lo` to `hi`, just around the data, its ticks written alike (plain
/// numbers, or all as powers of ten where some would be long).
#[derive(Debug, Clone, Copy)]
struct LogAxis {
    lo: f64,
    hi: f64,
    powers: bool,
}

impl LogAxis {
    /// The range of `values` (finite, positive), widened by `below` and `above` (factors),
    /// and to at least a decade.
    fn covering(values: impl Iterator<Item = f64>, below: f64, above: f64) -> LogAxis {
        let (mut lo, mut hi) = (f64::INFINITY, 0.0f64);
        for v in values.filter(|v| v.is_finite() && *v > 0.0) {
            lo = lo.min(v);
            hi = hi.max(v);
        }
        if !lo.is_finite() {
            (lo, hi) = (1.0, 10.0);
        }
        let (mut lo, mut hi) = (lo / below, hi * above);
        if hi / lo < 10.0 {
            let widen = (10.0 / (hi / lo)).sqrt();
            (lo, hi) = (lo / widen, hi * widen);
        }
        let mut axis = LogAxis {
            lo,
            hi,
            powers: false,
        };
        axis.powers = axis.ticks().iter().any(|t| !(1e-3..=1e5).contains(t));
        axis
    }

    /// Where `v` sits, 0 at `lo` to 1 at `hi`.
    fn at(&self, v: f64) -> f64 {
        (v.log10() - self.lo.log10()) / (self.hi.log10() - self.lo.log10())
    }

    /// Tick values in range: every power of ten, and 2 and 5 times them where the range
    /// is at most two and a half decades.
    fn ticks(&self) -> Vec<f64> {
        let short = (self.hi / self.lo).log10() <= 2.5;
        let first = self.lo.log10().floor() as i32;
        let last = self.hi.log10().ceil() as i32;
        let mut t = Vec::new();
        for e in first..=last {
            let p = 10f64.powi(e);
            let mut here = vec![p];
            if short {
                here.extend([2.0 * p, 5.0 * p]);
            }
            t.extend(
                here.into_iter()
                    .filter(|v| *v >= self.lo * 0.999 && *v <= self.hi * 1.001),
            );
        }
        t
    }

    /// A tick's label on this axis.
    fn label(&self, v: f64) -> String {
        if self.powers { power(v) } else { tick_label(v) }
    }
}

/// `v` as a power of ten, `10⁶` (or, between powers, `2×10⁶`).
fn power(v: f64) -> String {
    let e = v.log10().floor() as i32;
    let m = (v / 10f64.powi(e)).round();
    let sup: String = e
        .to_string()
        .chars()
        .map(|c| match c {
            '-' => '⁻',
            d => ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'][d as usize - '0' as usize],
        })
        .collect();
    if m == 1.0 {
        format!("10{sup}")
    } else {
        format!("{m}×10{sup}")
    }
}

/// A tick's label: a plain number from 0.001 to 100000 (`0.01`, `20`, `1000`), a power of
/// ten written `10⁶` outside that. (An axis with any tick outside writes all its ticks as
/// powers of ten.)
pub fn tick_label(v: f64) -> String {
    if (1e-3..=1e5).contains(&v) {
        let s = format!("{v:.3}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        return s.to_string();
    }
    power(v)
}

/// Labels of the ticks along a horizontal axis of `length` pixels: the first, then each
/// whose box clears the last one kept by a gap.
fn spaced(axis: &LogAxis, length: f64, size: f64, horizontal: bool) -> Vec<(f64, String)> {
    let mut kept: Vec<(f64, String)> = Vec::new();
    let mut last_end = f64::NEG_INFINITY;
    for t in axis.ticks() {
        let pos = axis.at(t) * length;
        let label = axis.label(t);
        let half = if horizontal {
            text_width(&label, size) / 2.0
        } else {
            size / 2.0
        };
        // Powers of ten always win over the 2s and 5s: drop a 2 or 5 that crowds the next
        // power instead of the power.
        if pos - half < last_end + 8.0 {
            continue;
        }
        let power = (t.log10() - t.log10().round()).abs() < 1e-9;
        if !power {
            let next = 10f64.powf(t.log10().ceil());
            let next_pos = axis.at(next) * length;
            let next_half = if horizontal {
                text_width(&axis.label(next), size) / 2.0
            } else {
                size / 2.0
            };
            if next <= axis.hi && pos + half + 8.0 > next_pos - next_half {
                continue;
            }
        }
        last_end = pos + half;
        kept.push((pos, label));
    }
    kept
}

/// The legend of `kinds` in order, wrapped to the width; returns its height.
fn legend(out: &mut String, y: f64, entries: &[(&str, &str)]) -> f64 {
    let mut x = 10.0;
    let mut row = 0.0;
    for (colour, name) in entries {
        let w = 14.0 + 6.0 + text_width(name, SMALL) + 16.0;
        if x + w > WIDTH - 10.0 && x > 10.0 {
            x = 10.0;
            row += SMALL + 8.0;
        }
        let stroke = if *colour == Kind::Failed.colour() {
            " stroke=\"#b00\""
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"14\" height=\"14\" fill=\"{colour}\"{stroke}/>",
            y + row
        );
        text(
            out,
            x + 20.0,
            y + row + 12.0,
            SMALL,
            "start",
            " class=\"legend\"",
            name,
        );
        x += w;
    }
    row + SMALL + 8.0
}

fn head(title: &str, height: f64, body: &str) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height:.0}\" viewBox=\"0 0 {WIDTH} {height:.0}\" font-family=\"sans-serif\" fill=\"#222\">\n<title>{}</title>\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n{body}</svg>\n",
        esc(title)
    )
}

/// Wraps `title` into lines that fit the width at `size`.
fn wrap(title: &str, size: f64) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in title.split_whitespace() {
        let last = lines.last_mut().expect("one line");
        let candidate = if last.is_empty() {
            word.to_string()
        } else {
            format!("{last} {word}")
        };
        if text_width(&candidate, size) > WIDTH - 20.0 && !last.is_empty() {
            lines.push(word.to_string());
        } else {
            *last = candidate;
        }
    }
    lines
}

fn title_lines(out: &mut String, title: &str) -> f64 {
    let mut y = 6.0;
    for line in wrap(title, TITLE) {
        y += TITLE + 4.0;
        text(out, 10.0, y, TITLE, "start", " font-weight=\"bold\"", &line);
    }
    y + 8.0
}

/// Horizontal bars on a log axis, one row a variant, the name on the left and the label at
/// the bar's end; the axis at the bottom says what the values are (`axis`). A legend above
/// names the kinds present.
pub fn bars(title: &str, axis: &str, bars: &[Bar]) -> String {
    let mut b = String::new();
    let mut y = title_lines(&mut b, title);
    let mut present: Vec<(&str, &str)> = Vec::new();
    for k in Kind::ALL {
        if bars.iter().any(|x| x.kind == k) {
            present.push((k.colour(), k.legend()));
        }
    }
    y += legend(&mut b, y, &present);
    let name_w = bars
        .iter()
        .map(|x| text_width(&x.name, TEXT))
        .fold(0.0, f64::max);
    let left = (name_w + 18.0).min(WIDTH * 0.4);
    let label_w = bars
        .iter()
        .map(|x| text_width(&x.label, TEXT))
        .fold(0.0, f64::max);
    let right = WIDTH - 14.0 - label_w - 8.0;
    let length = (right - left).max(80.0);
    // Below the smallest value with room to spare, so that no bar (the baseline's 1×) is
    // empty.
    let least = bars
        .iter()
        .map(|x| x.value)
        .filter(|v| v.is_finite() && *v > 0.0)
        .fold(f64::INFINITY, f64::min);
    let log = LogAxis::covering(
        bars.iter()
            .map(|x| x.value)
            .chain(std::iter::once(least / 3.0)),
        1.0,
        1.05,
    );
    let row = TEXT + 13.0;
    let top = y + 4.0;
    let plot_h = row * bars.len().max(1) as f64;
    // Grid lines at the kept ticks, under the bars.
    let ticks = spaced(&log, length, SMALL, true);
    for (pos, _) in &ticks {
        let _ = writeln!(
            b,
            "<line x1=\"{x:.1}\" y1=\"{top:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#e4e4e4\"/>",
            top + plot_h,
            x = left + pos
        );
    }
    for (i, bar) in bars.iter().enumerate() {
        let cy = top + row * i as f64 + row / 2.0;
        text(
            &mut b,
            left - 8.0,
            cy + TEXT * 0.35,
            TEXT,
            "end",
            " class=\"name\"",
            &bar.name,
        );
        if !(bar.value.is_finite() && bar.value > 0.0) {
            text(&mut b, left + 6.0, cy + TEXT * 0.35, TEXT, "start", "", "—");
            continue;
        }
        let w = (log.at(bar.value) * length).max(2.0);
        let stroke = if bar.kind == Kind::Failed {
            " stroke=\"#b00\""
        } else {
            ""
        };
        let _ = writeln!(
            b,
            "<rect class=\"bar\" data-kind=\"{:?}\" x=\"{left:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{:.1}\" fill=\"{}\"{stroke}><title>{}: {}</title></rect>",
            bar.kind,
            cy - row * 0.36,
            row * 0.72,
            bar.kind.colour(),
            esc(&bar.name),
            esc(&bar.label)
        );
        text(
            &mut b,
            left + w + 6.0,
            cy + TEXT * 0.35,
            TEXT,
            "start",
            " class=\"value\"",
            &bar.label,
        );
    }
    let base = top + plot_h;
    let _ = writeln!(
        b,
        "<line x1=\"{left:.1}\" y1=\"{base:.1}\" x2=\"{:.1}\" y2=\"{base:.1}\" stroke=\"#444\"/>",
        left + length
    );
    for (pos, label) in &ticks {
        let x = left + pos;
        let _ = writeln!(
            b,
            "<line x1=\"{x:.1}\" y1=\"{base:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#444\"/>",
            base + 5.0
        );
        text(
            &mut b,
            x,
            base + 8.0 + SMALL,
            SMALL,
            "middle",
            " class=\"tick\"",
            label,
        );
    }
    let axis_y = base + 8.0 + SMALL + 6.0 + SMALL;
    text(
        &mut b,
        left + length / 2.0,
        axis_y,
        SMALL,
        "middle",
        " class=\"axis\"",
        &format!("{axis} (log scale)"),
    );
    head(title, axis_y + 10.0, &b)
}

/// One curve of a line chart: its name, colour and points `(x, y, as expected)`.
#[derive(Debug, Clone)]
pub struct Series {
    /// The variant.
    pub name: String,
    /// Its colour.
    pub colour: &'static str,
    /// Its points; one that failed the check is drawn hollow.
    pub points: Vec<(f64, f64, bool)>,
}

/// One panel of a line chart: title, axes' descriptions, curves and marked x values.
#[derive(Debug, Clone)]
pub struct Panel {
    /// Its title.
    pub title: String,
    /// What x is.
    pub x_label: String,
    /// What y is (its unit), written above the y axis.
    pub y_label: String,
    /// The curves.
    pub series: Vec<Series>,
    /// x values to mark with a dashed line and a label.
    pub marks: Vec<(f64, String)>,
}

/// Colours for curves, one a variant, told apart without the legend's help.
pub const PALETTE: [&str; 6] = [
    "#1f77b4", "#e6550d", "#2ca25f", "#d62728", "#9467bd", "#8c564b",
];

const PLOT_H: f64 = 240.0;

fn panel(b: &mut String, top: f64, p: &Panel) -> f64 {
    let mut y = top + 6.0;
    for line in wrap(&p.title, TITLE) {
        y += TITLE + 4.0;
        text(b, 10.0, y, TITLE, "start", " font-weight=\"bold\"", &line);
    }
    y += 8.0;
    if p.series.len() > 1 {
        let entries: Vec<(&str, &str)> = p
            .series
            .iter()
            .map(|s| (s.colour, s.name.as_str()))
            .collect();
        y += legend(b, y, &entries);
    }
    let xs = LogAxis::covering(
        p.series.iter().flat_map(|s| s.points.iter().map(|q| q.0)),
        1.3,
        1.3,
    );
    let ys = LogAxis::covering(
        p.series.iter().flat_map(|s| s.points.iter().map(|q| q.1)),
        1.5,
        1.5,
    );
    let y_ticks_probe = spaced(&ys, PLOT_H, SMALL, false);
    let left = y_ticks_probe
        .iter()
        .map(|(_, l)| text_width(l, SMALL))
        .fold(0.0, f64::max)
        + 22.0;
    let right = WIDTH - 30.0;
    let length = right - left;
    // The y unit above the axis.
    text(
        b,
        left - 6.0,
        y + SMALL,
        SMALL,
        "start",
        " class=\"axis\"",
        &format!("{} (log)", p.y_label),
    );
    let top = y + SMALL + 14.0;
    let bottom = top + PLOT_H;
    let px = |x: f64| left + xs.at(x) * length;
    let py = |v: f64| bottom - ys.at(v) * PLOT_H;
    let x_ticks = spaced(&xs, length, SMALL, true);
    for (pos, label) in &x_ticks {
        let x = left + pos;
        let _ = writeln!(
            b,
            "<line x1=\"{x:.1}\" y1=\"{top:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#e4e4e4\"/>",
            bottom + 5.0
        );
        text(
            b,
            x,
            bottom + 8.0 + SMALL,
            SMALL,
            "middle",
            " class=\"tick\"",
            label,
        );
    }
    for (pos, label) in &y_ticks_probe {
        let yy = bottom - pos;
        let _ = writeln!(
            b,
            "<line x1=\"{:.1}\" y1=\"{yy:.1}\" x2=\"{right:.1}\" y2=\"{yy:.1}\" stroke=\"#e4e4e4\"/>",
            left - 5.0
        );
        text(
            b,
            left - 8.0,
            yy + SMALL * 0.35,
            SMALL,
            "end",
            " class=\"tick\"",
            label,
        );
    }
    let _ = writeln!(
        b,
        "<path d=\"M{left:.1} {top:.1}V{bottom:.1}H{right:.1}\" fill=\"none\" stroke=\"#444\"/>"
    );
    // Marks: a dashed line each, labels staggered over three rows so none overlaps.
    let mut rows: Vec<f64> = vec![f64::NEG_INFINITY; 3];
    for (value, label) in &p.marks {
        if *value < xs.lo || *value > xs.hi {
            continue;
        }
        let x = px(*value);
        let _ = writeln!(
            b,
            "<line x1=\"{x:.1}\" y1=\"{top:.1}\" x2=\"{x:.1}\" y2=\"{bottom:.1}\" stroke=\"#888\" stroke-dasharray=\"5 4\"/>"
        );
        // Right of the line, or left of it near the chart's right edge.
        let w = text_width(label, SMALL);
        let (start, anchor, at) = if x + 4.0 + w <= WIDTH - 4.0 {
            (x + 4.0, "start", x + 4.0)
        } else {
            (x - 4.0 - w, "end", x - 4.0)
        };
        if let Some(r) = rows.iter().position(|end| start > *end + 6.0) {
            rows[r] = start + w;
            text(
                b,
                at,
                top + SMALL + r as f64 * (SMALL + 4.0),
                SMALL,
                anchor,
                " class=\"mark\" fill=\"#666\"",
                label,
            );
        }
    }
    for s in &p.series {
        let d: Vec<String> = s
            .points
            .iter()
            .map(|q| format!("{:.1} {:.1}", px(q.0), py(q.1)))
            .collect();
        if d.len() > 1 {
            let _ = writeln!(
                b,
                "<path d=\"M{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"/>",
                d.join(" L"),
                s.colour
            );
        }
        for q in &s.points {
            let fill = if q.2 { s.colour } else { "white" };
            let _ = writeln!(
                b,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"4\" fill=\"{fill}\" stroke=\"{}\"/>",
                px(q.0),
                py(q.1),
                s.colour
            );
        }
    }
    let axis_y = bottom + 8.0 + SMALL + 6.0 + SMALL;
    text(
        b,
        left + length / 2.0,
        axis_y,
        SMALL,
        "middle",
        " class=\"axis\"",
        &format!("{} (log scale)", p.x_label),
    );
    axis_y + 14.0
}

/// Panels stacked in one SVG, each a log-log line chart.
pub fn lines(title: &str, panels: &[Panel]) -> String {
    let mut b = String::new();
    let mut y = 0.0;
    for p in panels {
        y = panel(&mut b, y, p);
    }
    head(title, y, &b)
}

/// The height an SVG from [`bars`] or [`lines`] declares.
pub fn height(svg: &str) -> u32 {
    svg.split("height=\"")
        .nth(1)
        .and_then(|h| h.split('"').next())
        .and_then(|h| h.parse().ok())
        .unwrap_or(360)
}
