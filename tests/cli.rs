//! The command line as a person uses it: the real binaries, in a temporary folder.

use std::path::Path;
use std::process::{Command, Output};

mod common;
use common::check_keys;

const SMALL: &[&str] = &["-p", "dx=0.5", "-p", "runtime=1"];

/// Runs perflab in `dir`, its default reports folder `dir/reports`.
fn perflab(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_perflab"))
        .args(args)
        .current_dir(dir)
        .env("PERFLAB_REPORTS", dir.join("reports"))
        .output()
        .unwrap()
}

fn lesson_bin(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_diffusion"))
        .args(args)
        .current_dir(dir)
        .env("PERFLAB_REPORTS", dir.join("reports"))
        .output()
        .unwrap()
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_str(&ok(o)).unwrap()
}

fn with(base: &[&str], more: &[&str]) -> Vec<String> {
    base.iter().chain(more).map(|s| s.to_string()).collect()
}

fn args(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// What other processes used while a run measured, read from /proc/stat and getrusage:
/// a run long enough for the kernel's CPU counters (10 ms ticks) to move.
fn check_load(doc: &serde_json::Value) {
    let load = &doc["load"];
    for key in ["others_cores", "steal_cores", "free_cores", "seconds"] {
        assert!(load[key].as_f64().is_some(), "no load.{key} in {load}");
    }
}

#[test]
fn list_shows_every_variant_and_parameter() {
    let dir = tempfile::tempdir().unwrap();
    let out = ok(&perflab(&["list"], dir.path()));
    for word in [
        "dynamic",
        "nested",
        "indexed",
        "slices",
        "fused",
        "loops",
        "prange",
        "parallel",
        "runtime=10.0",
        "dx=0.075",
    ] {
        assert!(out.contains(word), "list lacks {word}:\n{out}");
    }
    // Each lesson's exercise, with its target, against its baseline.
    for lesson in perflab::lessons::all() {
        let Some(info) = lesson.exercise() else {
            continue;
        };
        let line = format!(
            "  exercise: {} — at least {}× faster than ",
            info.file,
            perflab::lesson::params::show(info.target)
        );
        assert!(out.contains(&line), "list lacks `{line}`:\n{out}");
    }
    // A parameter's kind is said once, with its range.
    assert!(!out.contains("(a whole number) (a whole number"), "{out}");
    assert!(out.contains("n=1000         number of particles (a whole number 1 ≤ x ≤ 1e7)"));
}

#[test]
fn run_reports_time_rate_checksum_and_check() {
    let dir = tempfile::tempdir().unwrap();
    let a = with(
        &["run", "diffusion", "--variant", "fused", "--format", "json"],
        SMALL,
    );
    let doc = json(&perflab(&args(&a), dir.path()));
    check_keys(&doc, 1);
    let long = [
        "run",
        "diffusion",
        "--variant",
        "nested",
        "-p",
        "runtime=0.5",
        "--format",
        "json",
    ];
    check_load(&json(&perflab(&long, dir.path())));
    let row = &doc["variants"][0];
    assert_eq!(row["variant"], "fused");
    assert_eq!(row["steps"], 16); // dx = 0.5: dt = 0.0625, int(1/dt) = 16
    // The checksum is the total density, the same from the library's own run.
    let lesson = perflab::lessons::find("diffusion").unwrap();
    let prepared = lesson
        .prepare(
            &lesson
                .parse_params(&["dx=0.5".into(), "runtime=1".into()])
                .unwrap(),
        )
        .unwrap();
    let out = prepared
        .run(
            lesson.variant_index("loops").unwrap(),
            16,
            &perflab::timing::RealClock::default(),
            None,
        )
        .unwrap();
    assert!((row["checksum"].as_f64().unwrap() - out.checksum()).abs() < 1e-9);

    let text = ok(&perflab(
        &args(&with(&["run", "diffusion"], SMALL)),
        dir.path(),
    ));
    for word in [
        "time",
        "cell-updates/s",
        "checksum",
        "✓ matches loops",
        "speedup",
        "machine",
    ] {
        assert!(text.contains(word), "run lacks {word}:\n{text}");
    }
}

#[test]
fn compare_measures_every_variant_in_both_binaries() {
    let dir = tempfile::tempdir().unwrap();
    let a = with(
        &["compare", "diffusion", "--samples", "2", "--format", "json"],
        SMALL,
    );
    let doc = json(&perflab(&args(&a), dir.path()));
    check_keys(&doc, common::diffusion_variants());
    assert_eq!(doc["baseline"], "nested");
    let base = doc["variants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["variant"] == "nested")
        .unwrap();
    assert_eq!(base["speedup"], 1.0);

    let b = with(&["compare", "--samples", "2", "--format", "json"], SMALL);
    let doc2 = json(&lesson_bin(&args(&b), dir.path()));
    check_keys(&doc2, common::diffusion_variants());
    assert_eq!(doc["params"], doc2["params"]);
    let names = |d: &serde_json::Value| {
        d["variants"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["variant"].clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&doc), names(&doc2));

    let text = ok(&perflab(
        &args(&with(&["compare", "diffusion", "--samples", "1"], SMALL)),
        dir.path(),
    ));
    assert!(
        text.contains("speedup vs nested") && text.contains("times faster than nested"),
        "{text}"
    );
}

#[test]
fn timeit_counts_loops_and_repeats() {
    let dir = tempfile::tempdir().unwrap();
    let a = with(
        &[
            "timeit",
            "diffusion",
            "--variant",
            "loops",
            "-r",
            "3",
            "--format",
            "json",
        ],
        SMALL,
    );
    let doc = json(&perflab(&args(&a), dir.path()));
    check_keys(&doc, 1);
    assert_eq!(doc["repeat"], 3);
    assert_eq!(doc["variants"][0]["samples"].as_array().unwrap().len(), 3);
    assert!(doc["loops"].as_u64().unwrap() >= 1);
    let text = ok(&lesson_bin(
        &args(&with(&["timeit", "-v", "c", "-r", "2", "-n", "3"], SMALL)),
        dir.path(),
    ));
    assert!(
        text.contains("per loop (median ± MAD of 2 runs, 3 loops each)"),
        "{text}"
    );
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (
            &["run", "diffusion", "-p", "dx=0"],
            "invalid dx = 0: expected a number 0 < x",
        ),
        (
            &["run", "diffusion", "-p", "dx=25"],
            "invalid dx = 25: expected 0 < dx < x2 − x1 = 20",
        ),
        (
            &["run", "diffusion", "-p", "runtime=-1"],
            "invalid runtime = -1",
        ),
        (&["run", "diffusion", "-p", "D=0"], "invalid D = 0"),
        (
            &["run", "diffusion", "-p", "dx=1e-5", "-p", "runtime=0"],
            "dx = 1e-5 needs about",
        ),
        (
            &["run", "nope"],
            "unknown lesson 'nope' (valid: diffusion, particles, fusion, idioms, sharing, montecarlo, pools, tasks, mpi, cache, laplace)",
        ),
        (
            &["run", "diffusion", "--variant", "fast"],
            "unknown variant 'fast' of diffusion (valid: dynamic,",
        ),
        (
            &["run", "idioms", "--variant", "deque", "-p", "topic=squares"],
            "variant 'deque' is not in topic squares of idioms (valid there: push, collect, sum; 'deque' is in topic queue)",
        ),
        (
            &[
                "compare",
                "idioms",
                "-p",
                "topic=queue",
                "--variants",
                "sum",
            ],
            "variant 'sum' is not in topic queue of idioms (valid there: remove0, deque;",
        ),
        (
            &["profile", "idioms", "--diff", "recursive", "deque"],
            "variant 'deque' is not in topic taylor of idioms (valid there: recursive, memoized, running;",
        ),
        (
            &["run", "idioms", "-p", "topic=queue", "-p", "n=300000"],
            "invalid n = 300000: expected 0 ≤ n ≤ 200000 for topic queue",
        ),
        (
            &["run", "idioms", "-p", "topic=stack"],
            "invalid topic = stack: expected one of: squares, counting,",
        ),
        (
            &["compare", "diffusion", "-p", "speed=3"],
            "unknown parameter 'speed' of diffusion (valid: D,",
        ),
        (
            &["compare", "diffusion", "-p", "dx"],
            "malformed parameter 'dx': expected key=value",
        ),
        (
            &["compare", "diffusion", "--samples", "0"],
            "invalid value '0' for '--samples <SAMPLES>': expected a whole number, 1 ≤ samples ≤ 1000",
        ),
        (
            &["compare", "diffusion", "--budget", "-1"],
            "expected seconds, 0 < budget ≤ 3600",
        ),
        (
            &["timeit", "diffusion", "--variant", "loops", "-r", "0"],
            "expected a whole number, 1 ≤ repeat ≤ 1000",
        ),
        (
            &["profile", "nope", "--variant", "loops"],
            "unknown lesson 'nope' (valid: diffusion, particles, fusion, idioms, sharing, montecarlo, pools, tasks, mpi, cache, laplace)",
        ),
        (
            &["profile", "diffusion", "--variant", "fast"],
            "unknown variant 'fast' of diffusion (valid: dynamic,",
        ),
        (
            &[
                "profile",
                "diffusion",
                "--variant",
                "loops",
                "--frequency",
                "0",
            ],
            "invalid value '0' for '--frequency <HZ>': expected a whole number, 1 ≤ frequency ≤ 10000",
        ),
        (
            &[
                "profile",
                "diffusion",
                "--variant",
                "loops",
                "--frequency",
                "20000",
            ],
            "invalid value '20000' for '--frequency <HZ>'",
        ),
        (
            &["profile", "diffusion", "--diff", "loops", "quick"],
            "unknown variant 'quick' of diffusion (valid: dynamic,",
        ),
        (
            &["profile", "diffusion", "--diff", "loops"],
            "--diff <A> <B>",
        ),
        (
            &["profile", "diffusion"],
            "missing required argument --variant <VARIANT> (usage: cargo perflab profile",
        ),
    ];
    for (a, want) in cases {
        let o = perflab(a, dir.path());
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{a:?}: {err}");
        assert_eq!(
            err.trim_end().lines().count(),
            1,
            "{a:?} printed more than one line: {err}"
        );
        assert!(err.contains(want), "{a:?}: {err}");
        assert!(!err.contains("panicked"));
        assert!(o.stdout.is_empty(), "{a:?} wrote to stdout");
    }
    let o = lesson_bin(&["run", "-p", "dx=-3"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    // A lesson's binary works on its own lesson only.
    let o = lesson_bin(&["run", "fusion"], dir.path());
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(o.stdout.is_empty(), "diffusion run fusion ran: {err}");
    assert!(err.contains("unexpected argument 'fusion'"), "{err}");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "bad input left files behind"
    );
}

#[test]
fn snapshots_are_pngs_every_outtime_and_a_gif() {
    let dir = tempfile::tempdir().unwrap();
    let a = with(
        &[
            "run",
            "diffusion",
            "--variant",
            "fused",
            "-p",
            "outtime=0.25",
            "--snapshots",
            "snaps",
        ],
        SMALL,
    );
    let text = ok(&perflab(&args(&a), dir.path()));
    assert!(text.contains("snapshots"), "{text}");
    // 16 steps, one frame every int(0.25/dt) = 4 steps: after steps 0, 4, 8, 12 and 16.
    let snaps = dir.path().join("snaps");
    // (and the mark that lets the next run replace the folder whole)
    let mut names: Vec<String> = std::fs::read_dir(&snaps)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n != ".perflab-output")
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "animation.gif",
            "frame-000.png",
            "frame-001.png",
            "frame-002.png",
            "frame-003.png",
            "frame-004.png"
        ]
    );
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(snaps.join("frame-000.png")).unwrap(),
    ));
    let mut reader = decoder.read_info().unwrap();
    let mut rgb = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut rgb).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb);
    let first = perflab::report::snapshot::Picture {
        width: info.width as usize,
        height: info.height as usize,
        rgb,
    };
    assert_eq!(first.width % 42, 0);
    assert_eq!(first.width, first.height);
    // Corners are the boundary (0: viridis' first colour); the peaks (1) its last.
    let lo = colorous::VIRIDIS.eval_continuous(0.0);
    let hi = colorous::VIRIDIS.eval_continuous(1.0);
    assert_eq!(first.pixel(0, 0), [lo.r, lo.g, lo.b]);
    let k = first.width / 42;
    assert_eq!(first.pixel(11 * k, 11 * k), [hi.r, hi.g, hi.b]);
    let mut options = gif::DecodeOptions::new();
    options.set_color_output(gif::ColorOutput::RGBA);
    let mut gif = options
        .read_info(std::fs::File::open(snaps.join("animation.gif")).unwrap())
        .unwrap();
    assert_eq!(gif.width() as usize, first.width);
    let mut frames = 0;
    while let Some(f) = gif.read_next_frame().unwrap() {
        assert_eq!(f.delay, 20, "200 ms a frame");
        frames += 1;
    }
    assert_eq!(frames, 5);

    // A snapshot folder that cannot be made: exit 2, and no frames anywhere.
    std::fs::write(dir.path().join("file"), b"").unwrap();
    let b = with(&["run", "diffusion", "--snapshots", "file/sub"], SMALL);
    let o = perflab(&args(&b), dir.path());
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("file/sub") && err.contains("Not a directory"),
        "{err}"
    );
    // A run that draws more frames than the cap stops before the run, naming outtime.
    let c = [
        "run",
        "diffusion",
        "-p",
        "dx=0.5",
        "-p",
        "runtime=100",
        "-p",
        "outtime=1e-9",
        "--snapshots",
        "many",
    ];
    let o = perflab(&c, dir.path());
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("raise outtime") && err.contains("500 frames"),
        "{err}"
    );
    assert!(!dir.path().join("many").exists());
}

#[test]
fn help_and_version_exit_0() {
    let dir = tempfile::tempdir().unwrap();
    assert!(ok(&perflab(&["--help"], dir.path())).contains("compare"));
    assert!(ok(&lesson_bin(&["--help"], dir.path())).contains("2-D diffusion"));
    assert!(ok(&perflab(&["--version"], dir.path())).contains("perflab"));
}

#[test]
fn profile_writes_every_report_and_prints_the_tables() {
    let dir = tempfile::tempdir().unwrap();
    let o = perflab(
        &[
            "profile",
            "diffusion",
            "--variant",
            "nested",
            "-p",
            "dx=0.1",
            "-p",
            "runtime=100",
            "--steps",
            "1000",
        ],
        dir.path(),
    );
    let text = ok(&o);
    for want in [
        "ncalls",
        "tottime",
        "lessons/diffusion/variants/nested.rs:",
        "(nested::step)",
        "Line #",
        "Mem usage  Increment",
        "grid[i][j] += coef * lap[i][j];",
        "peak heap",
        "samples",
        "Line Contents",
    ] {
        assert!(text.contains(want), "no {want:?} in:\n{text}");
    }
    // step is called once per step, from run.
    assert!(
        text.lines()
            .any(|l| l.trim_start().starts_with("1000 ") && l.ends_with("(nested::step)")),
        "{text}"
    );
    let out = dir.path().join("reports/diffusion/nested");
    for file in [
        "functions.txt",
        "callgrind.out.nested",
        "functions.folded",
        "functions.svg",
        "lines.txt",
        "memory.txt",
        "memory.svg",
        "samples.folded",
        "flamegraph.svg",
        "profile.pb",
        "sampled-lines.txt",
        "annotated.html",
    ] {
        let path = out.join(file);
        assert!(path.metadata().is_ok_and(|m| m.len() > 0), "{file} missing");
    }
    let callgrind = std::fs::read_to_string(out.join("callgrind.out.nested")).unwrap();
    assert!(callgrind.contains("fn=(2) nested::step") || callgrind.contains("nested::step"));
    assert!(callgrind.contains("calls=1000 "));
    // No temp files left behind: the one hidden file is the mark of a folder perflab
    // wrote, which lets its next run replace it.
    for entry in std::fs::read_dir(&out).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        assert!(
            !name.starts_with('.') || name == ".perflab-output",
            "left {name}"
        );
    }

    // One profiler, its own folder, through the lesson's binary.
    let o = lesson_bin(
        &[
            "profile",
            "--variant",
            "parallel",
            "--functions",
            "-p",
            "dx=0.5",
            "--steps",
            "50",
            "--out",
            "p",
        ],
        dir.path(),
    );
    let text = ok(&o);
    assert!(
        text.contains("(fused::pass)") && !text.contains("Line #"),
        "{text}"
    );
    assert!(dir.path().join("p/functions.svg").exists());
    assert!(!dir.path().join("p/memory.svg").exists());
}

#[test]
fn profile_diff_draws_a_differential_flamegraph() {
    let dir = tempfile::tempdir().unwrap();
    let o = perflab(
        &[
            "profile",
            "diffusion",
            "--diff",
            "nested",
            "fused",
            "-p",
            "dx=0.2",
            "-p",
            "runtime=1000",
            "--budget",
            "0.3",
        ],
        dir.path(),
    );
    let text = ok(&o);
    assert!(
        text.contains("nested:") && text.contains("fused:"),
        "{text}"
    );
    let out = dir.path().join("reports/diffusion/diff-nested-fused");
    let svg = std::fs::read_to_string(out.join("diff.svg")).unwrap();
    assert!(svg.starts_with("<?xml") && svg.contains("fused against nested"));
    assert!(out.join("nested.folded").exists() && out.join("fused.folded").exists());
    // Both directions, each titled with the two variants, their sample counts and the
    // speedup; nested's hot spot, gone from fused, stays visible in nested's graph.
    let negated = std::fs::read_to_string(out.join("diff-negated.svg")).unwrap();
    assert!(
        negated.contains("nested against fused, nested&apos;s frames")
            || negated.contains("nested against fused, nested's frames"),
        "{negated}"
    );
    let samples = |name: &str| -> u64 {
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{name}:")))
            .unwrap();
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    };
    let counts = format!(
        "nested {} samples, fused {}",
        samples("nested"),
        samples("fused")
    );
    for graph in [&svg, &negated] {
        assert!(graph.contains(&counts), "no {counts:?} in {graph}");
        assert!(graph.contains("× as fast per step"), "{graph}");
    }
    assert!(negated.contains("nested::step"), "{negated}");
    assert!(
        !svg.contains("nested::step"),
        "fused's graph has nested's frame"
    );
    // Stacks start at the harness's run, so the variant's frames come first, with
    // qualified names. The harness's own work between kernel calls (setting up the
    // initial state) may catch a sample or two; nothing from below the harness shows.
    let folded = std::fs::read_to_string(out.join("nested.folded")).unwrap();
    let count = |l: &str| -> u64 { l.rsplit(' ').next().unwrap().parse().unwrap() };
    let total: u64 = folded.lines().map(count).sum();
    let kernel: u64 = folded
        .lines()
        .filter(|l| l.starts_with("perflab;nested::run"))
        .map(count)
        .sum();
    assert!(kernel * 20 >= total * 19, "{folded}");
    assert!(folded.lines().all(|l| !l.contains(";main;")), "{folded}");
    // --full-stacks keeps the frames below the variant.
    let o = perflab(
        &[
            "profile",
            "diffusion",
            "--variant",
            "fused",
            "--flamegraph",
            "--full-stacks",
            "-p",
            "dx=0.2",
            "--out",
            "full",
        ],
        dir.path(),
    );
    ok(&o);
    let folded = std::fs::read_to_string(dir.path().join("full/samples.folded")).unwrap();
    assert!(
        folded.contains(";main;") && folded.contains(";fused::run"),
        "{folded}"
    );
}

#[test]
fn profile_to_an_unwritable_folder_fails_before_running() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("file"), "not a folder").unwrap();
    let o = perflab(
        &[
            "profile",
            "diffusion",
            "--variant",
            "loops",
            "--out",
            "file/sub",
        ],
        dir.path(),
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(
        err.contains("file/sub") && err.contains("Not a directory"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "left something beside the file"
    );
    assert!(o.stdout.is_empty());
}

/// The tour, snapshots and the tutor's profile refuse an unwritable folder before any
/// measuring, and a non-empty folder perflab did not write.
#[test]
fn unwritable_or_foreign_folders_fail_first() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("file"), "not a folder").unwrap();
    std::fs::create_dir(dir.path().join("mine")).unwrap();
    std::fs::write(dir.path().join("mine/notes.txt"), "keep me").unwrap();
    for args in [
        &["tour", "--out", "file/sub"][..],
        &["tour", "--out", "mine"],
        &[
            "profile",
            "diffusion",
            "--variant",
            "fused",
            "--out",
            "mine",
        ],
        &["run", "diffusion", "--snapshots", "file/sub"],
    ] {
        let o = perflab(args, dir.path());
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(err.contains(args[args.len() - 1]), "{err}");
        // The tour prints each lesson's table as it measures it: nothing was measured.
        assert!(o.stdout.is_empty(), "{args:?} printed before failing");
    }
    assert_eq!(
        std::fs::read_to_string(dir.path().join("mine/notes.txt")).unwrap(),
        "keep me"
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
}

#[test]
fn machine_is_measured_once_and_compare_shows_the_roofline() {
    let dir = tempfile::tempdir().unwrap();
    let kept = dir.path().join("machine.json");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_perflab"))
            .args(args)
            .current_dir(dir.path())
            .env("PERFLAB_MACHINE", &kept)
            .output()
            .unwrap()
    };
    let first = ok(&run(&["machine"]));
    assert!(first.starts_with("measured now"), "{first}");
    for want in ["bandwidth", "GB/s", "peak flops", "GFLOP/s", "ridge point"] {
        assert!(first.contains(want), "{want}: {first}");
    }
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&kept).unwrap()).unwrap();
    assert!(doc["bandwidth_all"].as_f64().unwrap() > 1e8);
    assert!(doc["flops_one"].as_f64().unwrap() > 1e8);
    let second = ok(&run(&["machine"]));
    assert!(second.starts_with("measured earlier"), "{second}");
    let table = ok(&run(&with(
        &["compare", "diffusion", "--variants", "fused,prange"],
        SMALL,
    )
    .iter()
    .map(String::as_str)
    .collect::<Vec<_>>()));
    assert!(table.contains("of roofline"), "{table}");
    assert!(table.contains("(all cores)"), "{table}");
    // Without a measurement, the table has no such columns.
    std::fs::remove_file(&kept).unwrap();
    let table = ok(&run(&with(
        &["compare", "diffusion", "--variants", "fused"],
        SMALL,
    )
    .iter()
    .map(String::as_str)
    .collect::<Vec<_>>()));
    assert!(!table.contains("of roofline"), "{table}");
}

#[test]
fn asm_marks_the_simd_of_the_vectorised_kernel() {
    let dir = tempfile::tempdir().unwrap();
    let typed = ok(&perflab(
        &["asm", "particles", "--variant", "typed"],
        dir.path(),
    ));
    assert!(typed.contains("particles::variants::typed::run"), "{typed}");
    let summary = typed
        .lines()
        .rev()
        .find(|l| l.contains("packed SIMD"))
        .unwrap();
    let count = |key: &str| -> usize {
        summary
            .split(key)
            .nth(1)
            .and_then(|r| r.trim_start().split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|n| n.parse().ok())
            .unwrap()
    };
    assert!(
        count("ymm") + count("zmm") > 0,
        "no wide SIMD in typed: {summary}"
    );
    assert!(typed.contains("▶"), "no marked instruction");
    let objects = ok(&perflab(
        &["asm", "particles", "--variant", "objects", "--summary"],
        dir.path(),
    ));
    assert!(
        objects.contains("instructions in") && objects.contains("calls: "),
        "{objects}"
    );
    let o = perflab(&["asm", "particles", "--variant", "fast"], dir.path());
    assert_eq!(o.status.code(), Some(2));
}
