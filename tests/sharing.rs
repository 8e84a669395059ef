//! The sharing lesson: every correct variant counts every increment, on any number of
//! threads or processes; the racy ones never count more than were made, lose none on one
//! worker, and say how many they lost; the data race on a plain integer does not compile.
//!
//! Whether a racy variant loses updates on a given run depends on the scheduler (on one
//! free core, two threads may take turns at whole time slices and lose nothing, or lose
//! a slice's worth): the tests assert what holds on every run, never a speed.

use perflab::lesson::{Lesson, Problem};
use perflab::lessons::sharing::{LESSON, Sharing, grouped};
use perflab::timing::RealClock;
use std::process::Command;

fn prepared(params: &[&str]) -> Box<dyn perflab::lesson::Prepared> {
    let owned: Vec<String> = params.iter().map(|s| s.to_string()).collect();
    LESSON
        .prepare(&LESSON.parse_params(&owned).unwrap())
        .unwrap()
}

/// The count variant `variant` reaches in `steps` steps, run in this process.
fn count(params: &[&str], variant: &str, steps: usize) -> f64 {
    let p = prepared(params);
    let v = LESSON.variant_index(variant).unwrap();
    let out = p.run(v, steps, &RealClock::default(), None).unwrap();
    assert_eq!(out.values.len(), 1);
    out.values[0]
}

/// The variants that run in threads of this process.
const THREADED: &[&str] = &["serial", "mutex", "atomic", "adjacent", "padded", "local"];

#[test]
fn every_correct_variant_counts_every_increment() {
    for (params, steps) in [
        (&["threads=1", "increments=1"][..], 1),
        (&["threads=2", "increments=100000"], 3),
        (&["threads=3", "increments=33333"], 2),
        (&["threads=7", "increments=10000"], 1),
    ] {
        let exact = prepared(params).exact(steps).unwrap()[0];
        let threads: f64 = params[0][8..].parse().unwrap();
        let increments: f64 = params[1][11..].parse().unwrap();
        assert_eq!(exact, threads * increments * steps as f64);
        for v in THREADED {
            assert_eq!(count(params, v, steps), exact, "{v} at {params:?}");
        }
    }
}

#[test]
fn the_racy_variant_never_counts_more_than_were_made() {
    // On one thread there is nobody to race with: exact.
    assert_eq!(count(&["threads=1", "increments=200000"], "racy", 1), 2e5);
    // On several, each stored value is one more than a value some thread read: never
    // more than the increments made, and at least one.
    for threads in ["threads=2", "threads=4"] {
        let params = [threads, "increments=300000"];
        let exact = prepared(&params).exact(2).unwrap()[0];
        let got = count(&params, "racy", 2);
        assert!(got >= 1.0 && got <= exact, "{got} of {exact}");
        assert_eq!(got.fract(), 0.0);
    }
}

#[test]
fn a_race_is_reported_as_updates_lost() {
    let p = Sharing {
        threads: 4,
        increments: 1_000_000,
        repeat: 1,
    };
    assert_eq!(
        p.how_wrong(&[3_998_157.0], &[4_000_000.0]),
        "lost 1 843 of 4 000 000 updates"
    );
    assert_eq!(p.how_wrong(&[12.0], &[12.0]), "lost 0 of 12 updates");
    assert_eq!(grouped(1234567), "1 234 567");
    assert_eq!(grouped(999), "999");
    let wrong: Vec<&str> = LESSON
        .variants()
        .iter()
        .enumerate()
        .filter(|(i, _)| LESSON.wrong_of(*i).is_some())
        .map(|(_, v)| v.name)
        .collect();
    assert_eq!(wrong, ["racy", "procs-racy"]);
}

/// `sharing run --variant V --format json` with `params`: the JSON document.
fn run_json(variant: &str, params: &[&str]) -> serde_json::Value {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sharing"));
    cmd.args(["run", "--variant", variant, "--format", "json"]);
    for p in params {
        cmd.args(["--param", p]);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{variant}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn worker_processes_share_the_count() {
    for threads in ["threads=1", "threads=3"] {
        let params = [threads, "increments=200000", "repeat=1"];
        let made = 200000.0 * threads[8..].parse::<f64>().unwrap();
        let doc = run_json("procs", &params);
        let v = &doc["variants"][0];
        assert_eq!(v["variant"], "procs");
        assert_eq!(v["checksum"].as_f64().unwrap(), made, "{threads}");
        assert_eq!(v["matches_reference"], true);
        assert_eq!(v["exact_error"].as_f64().unwrap(), 0.0);
        assert!(v["expected_wrong"].is_null());

        let doc = run_json("procs-racy", &params);
        let v = &doc["variants"][0];
        let got = v["checksum"].as_f64().unwrap();
        assert!(got >= 1.0 && got <= made, "{got} of {made}");
        if threads == "threads=1" {
            assert_eq!(got, made);
        }
        let how = v["expected_wrong"]["how"].as_str().unwrap();
        assert!(
            how.starts_with("lost ") && how.ends_with(" updates"),
            "{how}"
        );
        assert!(
            v["expected_wrong"]["why"]
                .as_str()
                .unwrap()
                .contains("load")
        );
    }
}

#[test]
fn compare_reports_cpu_time_and_each_workers_busy_time() {
    let out = Command::new(env!("CARGO_BIN_EXE_sharing"))
        .args([
            "compare",
            "--format",
            "json",
            "--samples",
            "1",
            "--budget",
            "0.01",
        ])
        .args(["--variants", "local,procs"])
        .args(["--param", "threads=3", "--param", "increments=100000"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for v in doc["variants"].as_array().unwrap() {
        let name = v["variant"].as_str().unwrap();
        if name != "local" && name != "procs" {
            continue;
        }
        assert_eq!(v["matches_reference"], true, "{name}");
        assert!(v["cpu_seconds"].as_f64().unwrap() > 0.0, "{name}");
        // One busy time per worker: threads, or the threads that waited for each process.
        assert_eq!(
            v["busy"].as_array().unwrap().len(),
            3,
            "{name}: {}",
            v["busy"]
        );
    }
    let parallel = doc["parallel"].as_array().unwrap();
    assert!(parallel.iter().any(|p| p == "procs") && !parallel.iter().any(|p| p == "serial"));
}

#[test]
fn bad_parameters_are_one_line_and_exit_2() {
    for bad in [
        &["threads=0"][..],
        &["threads=65"],
        &["increments=2.5"],
        &["increments=0"],
        &["threads=64", "increments=1000000000", "repeat=1000000"],
    ] {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_sharing"));
        cmd.arg("run");
        for p in bad {
            cmd.args(["--param", p]);
        }
        let out = cmd.output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{bad:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{bad:?}: {err}");
        assert!(err.starts_with("error: invalid "), "{bad:?}: {err}");
    }
}
