//! The tour, run once and quick (`--quick`: each lesson at its small size): its Markdown and JSON
//! reports, and its page in a real browser: headless Chromium (Debian's `chromium`, which
//! `.ci/run` installs) loads `index.html`; the page itself counts the images that decoded
//! and the script errors, and the test reads both from the rendered DOM, then saves a
//! screenshot beside the page.

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;

fn chromium() -> PathBuf {
    if let Some(p) = std::env::var_os("PERFLAB_CHROMIUM") {
        return PathBuf::from(p);
    }
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        if let Some(dir) = std::env::var_os("PATH")
            .iter()
            .flat_map(std::env::split_paths)
            .find(|d| d.join(name).is_file())
        {
            return dir.join(name);
        }
    }
    panic!("no Chromium found: install it (apt-get install chromium) or set PERFLAB_CHROMIUM");
}

fn headless(profile: &Path, args: &[&str]) -> std::process::Output {
    Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .output()
        .expect("Chromium runs")
}

#[test]
fn tour_writes_reports_and_a_page_that_renders() {
    let temp = tempfile::tempdir().unwrap();
    // PERFLAB_KEEP_TOUR=1 keeps the tour's folder to look at (its path is printed).
    let (_temp, dir) = match std::env::var_os("PERFLAB_KEEP_TOUR") {
        Some(_) => {
            let kept = temp.keep();
            eprintln!("the tour's folder: {}", kept.display());
            (None, kept)
        }
        None => {
            let path = temp.path().to_path_buf();
            (Some(temp), path)
        }
    };
    let out = dir.join("out");
    let o = Command::new(env!("CARGO_BIN_EXE_perflab"))
        .args([
            "tour",
            "--quick",
            "--out",
            "out",
            "--samples",
            "1",
            "--budget",
            "0.02",
        ])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("wrote out/tour.md"), "{text}");
    reports_are_whole(&out);
    // A quick tour says so, on the terminal, in tour.md and on the page, and runs each
    // lesson at its small size (diffusion's: dx = 0.3, 66×66 interior cells).
    let quick = perflab::commands::tour::QUICK_NOTE;
    assert!(text.contains(quick), "{text}");
    let md = std::fs::read_to_string(out.join("tour.md")).unwrap();
    assert!(md.contains(quick), "{md}");
    assert!(md.contains("66×66 interior cells"), "{md}");
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(
        html.contains(&format!("<p class=\"note how\">{quick}</p>")),
        "the page does not say it is a quick tour"
    );

    let page = out.join("index.html");
    let url = format!("file://{}", page.display());
    let profile = dir.join("chromium-profile");

    let dom = headless(
        &profile,
        &["--virtual-time-budget=5000", "--dump-dom", &url],
    );
    let dom = String::from_utf8_lossy(&dom.stdout);
    let body = dom
        .split("<body")
        .nth(1)
        .and_then(|b| b.split('>').next())
        .unwrap_or_else(|| panic!("no <body> in the rendered page:\n{dom}"));
    // Two charts per comparison: one per lesson, or one per topic of a lesson with topics.
    let sections: Vec<String> = perflab::lessons::all()
        .iter()
        .flat_map(|l| match l.topics() {
            [] => vec![l.name().to_string()],
            topics => topics
                .iter()
                .map(|t| format!("{}-{}", l.name(), t.name))
                .collect(),
        })
        .collect();
    // And one per sweep that a lesson's tutor steps name.
    let sweeps = perflab::lessons::all()
        .iter()
        .flat_map(|l| l.steps())
        .filter(|s| matches!(s.action, perflab::lesson::Action::Sweep { .. }))
        .count();
    assert!(sweeps >= 2, "the montecarlo and pools sweeps: {sweeps}");
    let images = 2 * sections.len() + sweeps;
    assert!(
        body.contains(&format!("data-images=\"{images}/{images}\"")),
        "not every chart decoded: <body{body}>"
    );
    assert!(
        body.contains("data-errors=\"0\""),
        "script errors: <body{body}>"
    );
    for id in &sections {
        assert!(dom.contains(&format!("<section id=\"{id}\">")), "{id}");
    }
    for lesson in perflab::lessons::all() {
        for v in lesson.variants() {
            assert!(
                dom.contains(&format!("<td><code>{}</code></td>", v.name)),
                "{}",
                v.name
            );
        }
    }
    assert!(dom.contains("Machine: "));
    learning_parts(&out, &dom, body, &sections);

    let shot = out.join("index.png");
    let o = headless(
        &profile,
        &[
            "--window-size=1400,1100",
            &format!("--screenshot={}", shot.display()),
            &url,
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let png = std::fs::read(&shot).unwrap();
    assert!(png.starts_with(b"\x89PNG") && png.len() > 10_000);
}

/// The tour's Markdown and JSON, no temporary file left, and a page that links only files
/// that are there.
fn reports_are_whole(out: &Path) {
    let md = std::fs::read_to_string(out.join("diffusion/compare.md")).unwrap();
    assert!(md.contains("| variant") && md.contains("Machine:"), "{md}");
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("diffusion/compare.json")).unwrap())
            .unwrap();
    common::check_keys(&doc, common::diffusion_variants());
    assert!(
        std::fs::read_to_string(out.join("tour.md"))
            .unwrap()
            .contains("2-D diffusion")
    );
    let leftovers: Vec<_> = std::fs::read_dir(out.join("diffusion"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().starts_with(".perflab-"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    // The page links only files that are there, and every profile it names.
    let page = std::fs::read_to_string(out.join("index.html")).unwrap();
    let mut links = 0;
    for attr in ["href=\"", "src=\""] {
        for piece in page.split(attr).skip(1) {
            let target = piece.split('"').next().unwrap();
            if target.starts_with('#') || target.contains(':') {
                continue;
            }
            links += 1;
            assert!(
                out.join(target).exists(),
                "index.html links {target}, which is not there"
            );
        }
    }
    assert!(links > 20, "only {links} links in the page");
}

/// The parts that make the page one to learn from, read from the rendered DOM (no second
/// tour): the machine and its load at the top, a table of contents whose anchors all
/// resolve, the reading guide, per lesson its README, tutor and exercise, the profile
/// tables, charts shown at full size, and figures rounded to at most 3 digits.
fn learning_parts(out: &Path, dom: &str, body: &str, sections: &[String]) {
    let at = |what: &str| {
        dom.find(what)
            .unwrap_or_else(|| panic!("{what} is not on the page"))
    };
    // At the top: the machine and how busy it was, then the contents and the guide.
    let machine = at("<p class=\"machine\">Machine: ");
    let load = at("<p class=\"machine load\">");
    let toc = at("<nav id=\"toc\">");
    let guide = at("<aside id=\"guide\"");
    let first = at("<section id=");
    assert!(machine < toc && load < toc && toc < guide && guide < first);
    assert!(
        dom[load..]
            .starts_with("<p class=\"machine load\">While the tour ran, other processes used")
    );
    for words in [
        "How to read this page",
        "median absolute deviation",
        "log scales",
        "KCachegrind",
    ] {
        assert!(dom[guide..first].contains(words), "the guide lacks {words}");
    }
    // Every anchor resolves (the page counts those that do not), and the contents list
    // every comparison's section.
    assert!(
        body.contains("data-broken-anchors=\"0\""),
        "links to missing anchors: <body{body}>"
    );
    for id in sections {
        assert!(
            dom[toc..guide].contains(&format!("href=\"#{id}\"")),
            "the contents lack {id}"
        );
    }
    // Charts are shown at their own size (800 px window): SVG text sizes are screen sizes.
    let scale: f64 = body
        .split("data-chart-scale=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no chart scale: <body{body}>"));
    assert!(scale >= 0.99, "charts shown at {scale} of their size");
    // Per lesson that ran: its README (a link that resolves from wherever the page is),
    // its tutor, and its exercise and the command that grades it.
    for lesson in perflab::lessons::all() {
        if lesson.missing().is_some() {
            continue;
        }
        let name = lesson.name();
        let tutor = format!("<code class=\"tutor\">cargo perflab tutor {name}</code>");
        assert!(dom.contains(&tutor), "{name}: no tutor command");
        let readme = format!("lessons/{name}/README.md\"");
        let href = dom
            .split("<a class=\"readme\" href=\"")
            .skip(1)
            .map(|p| p.split('"').next().unwrap())
            .find(|h| format!("{h}\"").ends_with(&readme))
            .unwrap_or_else(|| panic!("{name}: no README link"));
        assert!(out.join(href).is_file(), "{name}: {href} does not resolve");
        if let Some(e) = lesson.exercise() {
            let link = dom
                .split("<a class=\"exercise\" href=\"")
                .skip(1)
                .map(|p| p.split('"').next().unwrap())
                .find(|h| h.ends_with(e.file))
                .unwrap_or_else(|| panic!("{name}: no exercise link"));
            assert!(out.join(link).is_file(), "{name}: {link} does not resolve");
            assert!(dom.contains(&format!(
                "<code class=\"check\">cargo perflab check {name}</code>"
            )));
        }
    }
    // Profiles: one table per profiled comparison, each column naming what opens its
    // files; files a browser shows open in it, the others download.
    let tables = dom.matches("<table class=\"profiles\">").count();
    assert!(tables >= 2, "{tables} profile tables");
    assert!(
        !dom.contains("Profiles: <a"),
        "the old run-on list of links"
    );
    for piece in dom.split("<a href=\"").skip(1) {
        let href = piece.split('"').next().unwrap();
        let tag = piece.split('>').next().unwrap();
        if href.ends_with(".svg") || href.ends_with(".html") || href.ends_with(".txt") {
            if href.contains("/speedup.svg") || href.contains("/cost.svg") {
                continue;
            }
            assert!(
                tag.contains("target=\"_blank\"") && !tag.contains("download"),
                "{tag}"
            );
        }
        if href.ends_with("profile.pb") {
            assert!(
                tag.contains("download") && tag.contains("go tool pprof / speedscope"),
                "{tag}"
            );
        }
        if href.contains("callgrind.out.") {
            assert!(
                tag.contains("download") && tag.contains("KCachegrind"),
                "{tag}"
            );
        }
    }
    // Figures: at most 3 significant digits in the comparison tables' numbers.
    for table in dom.split("<table class=\"comparison\">").skip(1) {
        let table = table.split("</table>").next().unwrap();
        for row in table.split("<tr>").skip(2) {
            // variant, steps, then time, rate and speedup.
            for cell in row.split("<td class=\"n\">").skip(2).take(3) {
                let cell = cell.split("</td>").next().unwrap();
                for token in cell.split(|c: char| !(c.is_ascii_digit() || c == '.')) {
                    assert!(
                        significant(token) <= 3,
                        "{token} in {cell:?} has more digits than a measurement supports"
                    );
                }
            }
        }
    }
}

/// The significant digits of a plain number as written (`0.0312`: 3, `1520`: 3, `25.0`: 3).
fn significant(token: &str) -> usize {
    let digits: String = token.chars().filter(|c| c.is_ascii_digit()).collect();
    let digits = digits.trim_start_matches('0');
    if token.contains('.') {
        digits.len()
    } else {
        digits.trim_end_matches('0').len()
    }
}
