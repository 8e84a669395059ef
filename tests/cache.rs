//! The cache lesson: in every topic each variant gives its reference's answer (the same
//! bits, except the library's matrix product, held to 1e-12), the answers are what whole
//! numbers or a closed form say, and the command line checks its parameters.

use perflab::lesson::{Lesson, max_rel_error};
use perflab::lessons::cache::{Cache, LESSON, TOPICS};
use perflab::timing::RealClock;
use std::process::Command;

fn run(params: &[&str], variant: &str) -> (Vec<f64>, Option<Vec<f64>>) {
    let owned: Vec<String> = params.iter().map(|s| s.to_string()).collect();
    let prepared = LESSON
        .prepare(&LESSON.parse_params_for(&owned, variant).unwrap())
        .unwrap();
    let v = LESSON.variant_index(variant).unwrap();
    let steps = prepared.steps();
    let values = prepared
        .run(v, steps, &RealClock::default(), None)
        .unwrap()
        .values;
    (values, prepared.exact(steps))
}

fn problem(params: &[&str]) -> Cache {
    let owned: Vec<String> = params.iter().map(|s| s.to_string()).collect();
    Cache::new(&LESSON.parse_params(&owned).unwrap()).unwrap()
}

#[test]
fn every_variant_of_every_topic_matches_its_reference_and_the_exact_answer() {
    let small: [(&str, &[&[&str]]); 5] = [
        ("axis", &[&["n=1"], &["n=37"], &["n=300", "repeat=2"]]),
        ("transpose", &[&["n=1"], &["n=1000"], &["n=4099", "seed=3"]]),
        (
            "inplace",
            &[&["n=1"], &["n=5000"], &["n=123457", "repeat=3"]],
        ),
        ("matmul", &[&["n=1"], &["n=65"], &["n=130", "seed=5"]]),
        (
            "mountain",
            &[&["bytes=1024"], &["bytes=5000"], &["bytes=1048576"]],
        ),
    ];
    for topic in TOPICS {
        let sizes = small.iter().find(|s| s.0 == topic.name).unwrap().1;
        let t = format!("topic={}", topic.name);
        for extra in sizes {
            let mut params = vec![t.as_str()];
            params.extend_from_slice(extra);
            let (want, exact) = run(&params, topic.reference);
            assert!(!want.is_empty() && want.iter().all(|v| v.is_finite()));
            if let Some(x) = &exact {
                assert_eq!(
                    &want, x,
                    "{} at {params:?} against the exact answer",
                    topic.reference
                );
            }
            for v in topic.variants {
                let (got, _) = run(&params, v);
                if *v == "gemm" {
                    let e = max_rel_error(&got, &want);
                    assert!(e <= 1e-12, "{v} at {params:?}: {e:e}");
                } else {
                    assert_eq!(got, want, "{v} at {params:?}");
                }
            }
        }
    }
}

#[test]
fn answers_are_what_an_independent_computation_says() {
    // Column sums of the symmetric grid, added in floats by hand.
    let p = problem(&["topic=axis", "n=50"]);
    let (got, _) = run(&["topic=axis", "n=50"], "axis0");
    for (j, g) in got.iter().enumerate() {
        let s: f64 = (0..50).map(|i| p.grid[[i, j]]).sum();
        assert_eq!(*g, s);
        assert_eq!(p.grid[[j, 3]], p.grid[[3, j]]);
    }
    // The matrix product entry by entry.
    let p = problem(&["topic=matmul", "n=20"]);
    let (got, _) = run(&["topic=matmul", "n=20"], "tiled");
    let c01: f64 = (0..20).map(|k| p.a[[0, k]] * p.b[[k, 1]]).sum();
    assert_eq!(got[1], c01);
    // The mountain: 1 KiB is 128 values, nonzero at 0, 16, …, 112: 0 + 1 + … + 7 = 28 a
    // pass, and 128 MiB / 1 KiB passes.
    let p = problem(&["topic=mountain", "bytes=1024"]);
    assert_eq!(p.mountain_pass(), 28);
    let (got, _) = run(&["topic=mountain", "bytes=1024"], "stride16");
    assert_eq!(got, vec![28.0 * 131072.0]);
    // Halving: the first sample is the first value halved.
    let p = problem(&["topic=inplace", "n=3000"]);
    let (got, _) = run(&["topic=inplace", "n=3000"], "view");
    assert_eq!(got[1], p.start[[0, 0]] * 0.5);
    assert_eq!(got[0], p.start.sum() * 0.5);
}

#[test]
fn the_default_sizes_are_the_tutorials() {
    let p = problem(&["topic=transpose", "n=0"]);
    assert_eq!(p.a.dim(), (20, 1 << 18));
    assert_eq!(
        LESSON
            .params()
            .iter()
            .find(|p| p.name == "topic")
            .unwrap()
            .default,
        "axis"
    );
    let n = perflab::lessons::cache::DEFAULT_N;
    assert!(n.contains(&("axis", 10_000)) && n.contains(&("inplace", 10_000_000)));
}

fn perflab(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_perflab"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn bad_parameters_exit_2_with_one_line() {
    for bad in [
        &["-p", "topic=axis", "-p", "n=20000"][..],
        &["-p", "topic=mountain", "-p", "bytes=100"],
        &["-p", "topic=cold"],
        &["-p", "n=1.5"],
    ] {
        let mut args = vec!["run", "cache", "--variant", "axis1"];
        args.extend_from_slice(bad);
        let out = perflab(&args);
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim().lines().count(), 1, "{bad:?}: {err}");
    }
}

#[test]
fn compare_json_names_the_topic_and_the_throughput() {
    let out = perflab(&[
        "compare",
        "cache",
        "-p",
        "topic=mountain",
        "-p",
        "bytes=4096",
        "--format",
        "json",
        "--samples",
        "1",
        "--budget",
        "0.01",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let text = v.to_string();
    for name in ["stride1", "stride16", "mountain"] {
        assert!(text.contains(name), "{name} missing from {text}");
    }
}
