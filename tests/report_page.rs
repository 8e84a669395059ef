//! The tour, run once (it is the longest thing the tests run): its Markdown and JSON
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
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = Command::new(env!("CARGO_BIN_EXE_perflab"))
        .args(["tour", "--out", "out", "--samples", "1", "--budget", "0.02"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("wrote out/tour.md"), "{text}");
    reports_are_whole(&out);

    let page = out.join("index.html");
    let url = format!("file://{}", page.display());
    let profile = dir.path().join("chromium-profile");

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
