//! The page's charts from synthetic data (no tour): read from their SVG text, the text is
//! near body size at the size the page shows them, tick labels are plain numbers, no two
//! labels overlap or leave the chart, the baseline, the fastest single-thread and the
//! parallel variants differ in colour and a legend names them. And the rounding of
//! figures to what their spread supports.

use perflab::report::chart::{self, Bar, Kind, Panel, Series};

/// A `<text>` element: position, size, anchor, rotation, class and content.
#[derive(Debug)]
struct Text {
    x: f64,
    y: f64,
    size: f64,
    anchor: String,
    rotated: bool,
    class: String,
    body: String,
}

fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    Some(&tag[start..start + tag[start..].find('"')?])
}

fn texts(svg: &str) -> Vec<Text> {
    svg.split("<text")
        .skip(1)
        .map(|piece| {
            let tag = &piece[..piece.find('>').unwrap()];
            let body = &piece[piece.find('>').unwrap() + 1..piece.find("</text>").unwrap()];
            let body = body
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&amp;", "&");
            Text {
                x: attr(tag, "x").unwrap().parse().unwrap(),
                y: attr(tag, "y").unwrap().parse().unwrap(),
                size: attr(tag, "font-size")
                    .unwrap_or_else(|| panic!("a text without a size: {tag}"))
                    .parse()
                    .unwrap(),
                anchor: attr(tag, "text-anchor").unwrap_or("start").to_string(),
                rotated: attr(tag, "transform").is_some(),
                class: attr(tag, "class").unwrap_or("").to_string(),
                body,
            }
        })
        .collect()
}

/// Its box, estimated: glyphs 0.6 of the size wide, from 0.8 of the size above the
/// baseline to 0.2 below.
fn bbox(t: &Text) -> (f64, f64, f64, f64) {
    let w = chart::text_width(&t.body, t.size);
    let x0 = match t.anchor.as_str() {
        "middle" => t.x - w / 2.0,
        "end" => t.x - w,
        _ => t.x,
    };
    (x0, t.y - 0.8 * t.size, x0 + w, t.y + 0.2 * t.size)
}

fn svg_size(svg: &str) -> (f64, f64) {
    let tag = &svg[svg.find("<svg").unwrap()..];
    let tag = &tag[..tag.find('>').unwrap()];
    (
        attr(tag, "width").unwrap().parse().unwrap(),
        attr(tag, "height").unwrap().parse().unwrap(),
    )
}

/// Everything a chart must be, whatever its data.
fn readable(svg: &str) {
    let (w, h) = svg_size(svg);
    // Shown 1:1 (the page's <img> has the SVG's width): SVG sizes are screen sizes.
    assert_eq!(w, chart::WIDTH, "{svg}");
    let all = texts(svg);
    assert!(!all.is_empty());
    for t in &all {
        assert!(
            t.size >= 13.0,
            "{:?} is {} px, against 16 px body text",
            t.body,
            t.size
        );
        assert!(!t.rotated, "rotated text is hard to read: {t:?}");
        let (x0, y0, x1, y1) = bbox(t);
        assert!(
            x0 >= 0.0 && x1 <= w && y0 >= 0.0 && y1 <= h,
            "{t:?} leaves the {w}×{h} chart: {:?}",
            (x0, y0, x1, y1)
        );
    }
    for t in all.iter().filter(|t| t.class == "tick") {
        // Digits, a point only with digits after it, no trailing zeros after a point.
        let digits = t.body.chars().all(|c| c.is_ascii_digit() || c == '.');
        let padded = t.body.contains('.') && (t.body.ends_with('0') || t.body.ends_with('.'));
        let plain = !t.body.is_empty() && digits && !padded;
        // 10⁶, or between powers 2×10⁶.
        let mantissa = t.body.split_once('×').map_or(&t.body[..], |(_, p)| p);
        let power = mantissa.starts_with("10")
            && mantissa[2..].chars().all(|c| "⁰¹²³⁴⁵⁶⁷⁸⁹⁻".contains(c))
            && mantissa.chars().count() > 2;
        assert!(
            plain || power,
            "tick label {:?} is not a plain number",
            t.body
        );
    }
    // One axis writes its ticks one way: all plain numbers, or all powers of ten.
    let ticks: Vec<&Text> = all.iter().filter(|t| t.class == "tick").collect();
    for a in &ticks {
        let same_axis = ticks.iter().filter(|b| {
            (a.anchor == "middle" && b.anchor == "middle" && a.y == b.y)
                || (a.anchor == "end" && b.anchor == "end" && a.x == b.x)
        });
        let powers =
            |t: &Text| t.body.contains('⁰') || t.body.chars().any(|c| "¹²³⁴⁵⁶⁷⁸⁹".contains(c));
        for b in same_axis {
            assert_eq!(
                powers(a),
                powers(b),
                "{:?} and {:?} on one axis",
                a.body,
                b.body
            );
        }
    }
    for (i, a) in all.iter().enumerate() {
        for b in &all[i + 1..] {
            let (a0, a1, a2, a3) = bbox(a);
            let (b0, b1, b2, b3) = bbox(b);
            let overlap = a0 < b2 - 0.5 && b0 < a2 - 0.5 && a1 < b3 - 0.5 && b1 < a3 - 0.5;
            assert!(!overlap, "{a:?} overlaps {b:?}");
        }
    }
}

fn bar(name: &str, value: f64, kind: Kind) -> Bar {
    Bar {
        name: name.to_string(),
        value,
        kind,
        label: format!("{}×", perflab::report::sig(value, 3)),
    }
}

fn fills(svg: &str) -> Vec<(String, String)> {
    svg.split("<rect class=\"bar\"")
        .skip(1)
        .map(|r| {
            (
                attr(r, "data-kind").unwrap().to_string(),
                attr(r, "fill").unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn bar_charts_are_readable_and_tell_the_kinds_apart() {
    let many = vec![
        bar("naive", 1.0, Kind::Baseline),
        bar("vectorised_by_hand", 3.52, Kind::Other),
        bar("blocked", 12.3, Kind::Fastest),
        bar("rayon_chunks", 41.0, Kind::Parallel),
        bar("threads", 38.0, Kind::Parallel),
        bar("racy", 50.0, Kind::Failed),
        bar("strided", 0.012, Kind::Other),
        bar("ten_thousand", 300049.0, Kind::Other),
        bar("absent", f64::NAN, Kind::Other),
    ];
    let svg = chart::bars("squares: speedup over naive", "times faster", &many);
    readable(&svg);
    let f = fills(&svg);
    let colour = |k: &str| {
        f.iter()
            .find(|(kind, _)| kind == k)
            .map(|(_, c)| c.clone())
            .unwrap()
    };
    let (base, fast, par) = (colour("Baseline"), colour("Fastest"), colour("Parallel"));
    assert!(base != fast && fast != par && base != par, "{f:?}");
    assert_ne!(colour("Other"), fast);
    let legend: Vec<String> = texts(&svg)
        .into_iter()
        .filter(|t| t.class == "legend")
        .map(|t| t.body)
        .collect();
    for want in [
        "baseline",
        "fastest single-thread",
        "parallel (all cores)",
        "wrong answer",
    ] {
        assert!(legend.iter().any(|l| l == want), "{want}: {legend:?}");
    }
    // Every variant named, in one row each.
    for b in &many {
        assert!(svg.contains(&format!(">{}</text>", b.name)), "{}", b.name);
    }

    // Short ranges (2s and 5s between the powers), one bar, tiny and huge values.
    for values in [
        vec![1.0, 1.3, 2.7],
        vec![0.9],
        vec![1e-6, 3e-6],
        vec![2e8, 7e11],
        vec![0.5, 4000.0],
    ] {
        let bars: Vec<Bar> = values
            .iter()
            .enumerate()
            .map(|(i, v)| bar(&format!("v{i}"), *v, Kind::Other))
            .collect();
        let svg = chart::bars(
            "a title long enough to need two lines on a chart this narrow, which it wraps",
            "ns",
            &bars,
        );
        readable(&svg);
        assert!(
            svg.matches("class=\"tick\"").count() >= 2,
            "{values:?}: {svg}"
        );
    }
}

#[test]
fn line_charts_are_readable_with_a_legend_and_marks_that_do_not_collide() {
    let curve = |scale: f64, ok: bool| -> Vec<(f64, f64, bool)> {
        [1e3f64, 4e3, 1.6e4, 6.4e4, 2.56e5, 1.024e6, 4.096e6, 1.6e7]
            .iter()
            .map(|x| (*x, scale * (1.0 + x.log10()), ok))
            .collect()
    };
    let panel = |title: &str, y: &str| Panel {
        title: title.to_string(),
        x_label: "bytes".to_string(),
        y_label: y.to_string(),
        series: vec![
            Series {
                name: "sequential".to_string(),
                colour: chart::PALETTE[0],
                points: curve(1.0, true),
            },
            Series {
                name: "random".to_string(),
                colour: chart::PALETTE[1],
                points: curve(30.0, false),
            },
        ],
        // Cache sizes close together on the axis: their labels must not overlap.
        marks: vec![
            (32768.0, "L1 32 KiB".to_string()),
            (49152.0, "L1d 48 KiB".to_string()),
            (1048576.0, "L2 1 MiB".to_string()),
            (1310720.0, "L2 1.25 MiB".to_string()),
            (8e6, "L3 8 MiB".to_string()),
        ],
    };
    let svg = chart::lines(
        "cache mountain",
        &[
            panel(
                "cache sequential, random: latency against bytes",
                "ns per transfer",
            ),
            panel("throughput against bytes", "GB/s"),
        ],
    );
    readable(&svg);
    let legend: Vec<String> = texts(&svg)
        .into_iter()
        .filter(|t| t.class == "legend")
        .map(|t| t.body)
        .collect();
    assert!(legend.contains(&"sequential".to_string()) && legend.contains(&"random".to_string()));
    assert_ne!(chart::PALETTE[0], chart::PALETTE[1]);
    assert!(svg.contains(">L1 32 KiB</text>"), "{svg}");
}

#[test]
fn tick_labels_are_plain_numbers() {
    let cases = [
        (1000.0, "1000"),
        (10.0, "10"),
        (100.0, "100"),
        (0.1, "0.1"),
        (0.002, "0.002"),
        (50000.0, "50000"),
        (1e6, "10⁶"),
        (1e-6, "10⁻⁶"),
    ];
    for (v, want) in cases {
        assert_eq!(chart::tick_label(v), want);
    }
}

#[test]
fn figures_keep_the_digits_their_spread_supports() {
    use perflab::report::{pm, seconds_pm, sig};
    let own = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(pm(300049.0, 19540.0), own("300 k", "20 k"));
    assert_eq!(pm(1.5234, 0.031), own("1.52", "0.03"));
    assert_eq!(pm(41.23, 0.8), own("41.2", "0.8"));
    assert_eq!(pm(41.23, 8.0), own("41", "8"));
    assert_eq!(pm(41.23, 80.0), own("40", "80"));
    assert_eq!(pm(25.0, 0.0), own("25.0", "0"));
    assert_eq!(seconds_pm(0.6123, 0.0041), "612 ms ± 4 ms");
    assert_eq!(seconds_pm(0.6123, 0.041), "610 ms ± 40 ms");
    assert_eq!(seconds_pm(2.5e-8, 1e-10), "25.0 ns ± 0.1 ns");
    assert_eq!(sig(1520.4, 3), "1520");
    assert_eq!(sig(818.2e6, 3), "818 M");
    assert_eq!(sig(0.031234, 3), "0.0312");
    assert_eq!(sig(999.7, 3), "1000");
}

#[test]
#[should_panic(expected = "overlaps")]
fn the_overlap_check_catches_labels_that_collide() {
    let svg = format!(
        "<svg width=\"{w}\" height=\"100\"><text x=\"100\" y=\"50\" font-size=\"14\" text-anchor=\"middle\" class=\"tick\">1000</text>\
         <text x=\"120\" y=\"50\" font-size=\"14\" text-anchor=\"middle\" class=\"tick\">2000</text></svg>",
        w = chart::WIDTH
    );
    readable(&svg);
}

#[test]
#[should_panic(expected = "not a plain number")]
fn the_tick_check_catches_padded_numbers() {
    let svg = format!(
        "<svg width=\"{w}\" height=\"100\"><text x=\"100\" y=\"50\" font-size=\"14\" text-anchor=\"middle\" class=\"tick\">1.000 k</text></svg>",
        w = chart::WIDTH
    );
    readable(&svg);
}
