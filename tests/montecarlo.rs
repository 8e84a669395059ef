//! The montecarlo lesson: every variant counts exactly the reference's hits, whatever the
//! pool's size and however the samples are cut into chunks' tasks; the estimate is within
//! K standard errors of π; the streams are the ones the lesson describes; bad parameters
//! are refused with one line; compare's JSON carries CPU and busy times.

use perflab::lesson::Lesson;
use perflab::lessons::montecarlo::{K, LESSON, MonteCarlo, count};
use perflab::timing::RealClock;
use rand_core::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use std::process::Command;

/// The `processes` variant's estimate, from the lesson's binary: its worker processes
/// are that binary started again (procspawn), which this test harness could not be without
/// procspawn's test support.
fn run_processes(params: &[&str], threads: Option<usize>) -> f64 {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_montecarlo"));
    cmd.args(["run", "--variant", "processes", "--format", "json"]);
    for p in params {
        cmd.args(["--param", p]);
    }
    if let Some(t) = threads {
        cmd.env("RAYON_NUM_THREADS", t.to_string());
    }
    let o = cmd.output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let row = &doc["variants"][0];
    assert_eq!(row["variant"], "processes");
    row["checksum"].as_f64().unwrap()
}

fn owned(params: &[&str]) -> Vec<String> {
    params.iter().map(|s| s.to_string()).collect()
}

fn run(params: &[&str], variant: &str) -> f64 {
    if variant == "processes" {
        return run_processes(params, None);
    }
    let prepared = LESSON
        .prepare(&LESSON.parse_params(&owned(params)).unwrap())
        .unwrap();
    let v = LESSON.variant_index(variant).unwrap();
    let values = prepared
        .run(v, prepared.steps(), &RealClock::default(), None)
        .unwrap()
        .values;
    assert_eq!(values.len(), 1, "{variant} at {params:?}");
    values[0]
}

fn problem(params: &[&str]) -> MonteCarlo {
    MonteCarlo::new(&LESSON.parse_params(&owned(params)).unwrap()).unwrap()
}

#[test]
fn every_variant_counts_the_same_hits() {
    for params in [
        &["samples=1"][..],
        &["samples=1000", "chunk=1"],
        &["samples=20011", "chunk=997", "seed=7"],
        &["samples=50000", "chunk=100000", "repeat=2"],
    ] {
        let reference = run(params, "serial");
        for v in LESSON.variants() {
            assert_eq!(run(params, v.name), reference, "{} at {params:?}", v.name);
        }
    }
}

#[test]
fn the_count_does_not_depend_on_the_pool() {
    let params = &["samples=300000", "chunk=7000"][..];
    let reference = run(params, "serial");
    for threads in [1, 3] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        for v in ["tasks", "messages", "chunked", "processes"] {
            assert_eq!(
                pool.install(|| run(params, v)),
                reference,
                "{v} on {threads}"
            );
        }
    }
}

#[test]
fn the_streams_are_jumps_from_the_seed() {
    // Chunk c's points come from the seed's stream moved on by c jumps, whoever draws them;
    // counted here by hand, without the lesson's iterator.
    let p = problem(&["samples=25000", "chunk=10000", "seed=11"]);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
    let mut hits = 0;
    for n in [10000, 10000, 5000] {
        hits += count(rng.clone(), n);
        rng.jump();
    }
    assert_eq!(
        run(&["samples=25000", "chunk=10000", "seed=11"], "chunked"),
        p.estimate(hits)
    );
    // Another seed, or another cut into chunks, draws other points.
    assert_ne!(
        run(&["samples=25000", "chunk=10000", "seed=12"], "serial"),
        p.estimate(hits)
    );
    assert_ne!(
        run(&["samples=25000", "chunk=5000", "seed=11"], "serial"),
        p.estimate(hits)
    );
}

#[test]
fn the_estimate_is_within_k_standard_errors_of_pi() {
    for (params, variant) in [
        (&["samples=1000000"][..], "chunked"),
        (&["samples=10000", "seed=3"], "serial"),
        (&["samples=4000000", "chunk=400000", "seed=5"], "processes"),
    ] {
        let p = problem(params);
        let got = run(params, variant);
        let error = (got - std::f64::consts::PI).abs();
        assert!(
            error <= K * p.standard_error(),
            "{params:?}: {got} is {:.1} standard errors from π",
            error / p.standard_error()
        );
    }
    // The standard error of the hit fraction is sqrt(p(1-p)/n): 4·0.4106/1000 at 10⁶.
    let se = problem(&["samples=1000000"]).standard_error();
    assert!((se - 4.0 * 0.410_545_8e-3).abs() < 1e-8, "{se}");
    // And an estimate from too few samples is allowed far more room.
    assert!(problem(&["samples=100"]).standard_error() > 0.16);
}

#[test]
fn chunk_sets_the_tasks() {
    let p = problem(&["samples=1000", "chunk=300"]);
    assert_eq!(p.chunks(), 4);
    assert_eq!(
        (0..4).map(|c| p.len_of(c)).collect::<Vec<_>>(),
        [300, 300, 300, 100]
    );
    // A chunk larger than the samples is one chunk of all of them.
    let one = problem(&["samples=1000", "chunk=5000"]);
    assert_eq!((one.chunks(), one.chunk), (1, 1000));
    assert_eq!(p.streams().map(|(_, n)| n).sum::<u64>(), 1000);
}

#[test]
fn bad_parameters_are_one_line_and_exit_2() {
    for (param, says) in [
        ("samples=0", "invalid samples = 0"),
        ("samples=2.5", "invalid samples = 2.5"),
        ("chunk=0", "invalid chunk = 0"),
        ("chunk=1e11", "invalid chunk"),
        ("seed=-1", "invalid seed = -1"),
    ] {
        let o = Command::new(env!("CARGO_BIN_EXE_montecarlo"))
            .args(["run", "--variant", "serial", "--param", param])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{param}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{param}: {err}");
        assert!(err.contains(says), "{param}: {err}");
        assert!(o.stdout.is_empty(), "{param}");
    }
}

#[test]
fn compare_reports_cpu_and_busy_times() {
    let o = Command::new(env!("CARGO_BIN_EXE_perflab"))
        .args([
            "compare",
            "montecarlo",
            "--format",
            "json",
            "--samples",
            "1",
        ])
        .args(["--variants", "serial,chunked,processes"])
        .args(["--param", "samples=400000", "--param", "chunk=50000"])
        .env(
            "PERFLAB_REPORTS",
            std::env::temp_dir().join("perflab-montecarlo-test"),
        )
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let rows = doc["variants"].as_array().unwrap();
    let row = |name: &str| rows.iter().find(|r| r["variant"] == name).unwrap();
    for name in ["serial", "chunked", "processes"] {
        assert_eq!(row(name)["matches_reference"], true, "{name}");
        assert!(row(name)["exact_error"].as_f64().unwrap() < 0.01, "{name}");
        assert!(row(name)["cpu_seconds"].as_f64().is_some(), "{name}");
    }
    // Chunked tasks report each worker's busy time; processes report one per process,
    // measured in the process, which together cover all the samples' work.
    assert!(!row("chunked")["busy"].as_array().unwrap().is_empty());
    // One process per core, and none without a chunk: 8 chunks here.
    let workers = rayon::current_num_threads().min(8);
    let busy = row("processes")["busy"].as_array().unwrap();
    assert_eq!(busy.len(), workers, "{busy:?}");
    assert!(busy.iter().all(|b| b.as_f64().unwrap() > 0.0), "{busy:?}");
    assert!(row("serial")["busy"].as_array().unwrap().is_empty());
}
