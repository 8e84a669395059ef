//! The pools lesson: every schedule gives exactly the flags of the sieve of Eratosthenes,
//! on any number of threads and any piece size; the counts are the known values of π(n);
//! the process pool answers the same through the built binary (its workers re-run it),
//! and reports one busy time per worker; bad sizes are refused with one line.

use perflab::lesson::Lesson;
use perflab::lessons::pools::{LESSON, is_prime, sieve};
use perflab::timing::RealClock;
use std::process::Command;
use std::sync::Mutex;

/// Busy times are counted process-wide: tests that read them run one at a time.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn outcome(params: &[&str], variant: &str) -> perflab::lesson::Outcome {
    let owned: Vec<String> = params.iter().map(|s| s.to_string()).collect();
    let prepared = LESSON
        .prepare(&LESSON.parse_params(&owned).unwrap())
        .unwrap();
    let v = LESSON.variant_index(variant).unwrap();
    prepared
        .run(v, prepared.steps(), &RealClock::default(), None)
        .unwrap()
}

/// The variants that run in this process (the process pool re-runs a binary that calls
/// `procspawn::init`, which this test harness does not).
const THREADED: &[&str] = &["sequential", "static", "dealer", "dynamic", "worksteal"];

#[test]
fn every_schedule_gives_the_sieves_flags() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    for params in [
        &["n=1"][..],
        &["n=2", "chunk=1"],
        &["n=97", "chunk=1"],
        &["n=1000", "chunk=7"],
        &["n=30001", "chunk=1000", "repeat=2"],
        &["n=5000", "chunk=100000"],
    ] {
        let n: usize = params[0][2..].parse().unwrap();
        let exact = sieve(n);
        for v in THREADED {
            let got = outcome(params, v).values;
            assert_eq!(got, exact, "{v} at {params:?}");
        }
    }
}

#[test]
fn counts_are_the_known_prime_counts() {
    // π(n) for powers of ten.
    for (n, pi) in [(10, 4.0), (100, 25.0), (1000, 168.0), (100_000, 9592.0)] {
        assert_eq!(sieve(n).iter().sum::<f64>(), pi, "sieve to {n}");
        let primes = (1..=n as u64).filter(|k| is_prime(*k)).count() as f64;
        assert_eq!(primes, pi, "trial division to {n}");
    }
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let got = outcome(&["n=1000000"], "worksteal").values;
    assert_eq!(got.iter().sum::<f64>(), 78_498.0);
    assert_eq!(got, sieve(1_000_000));
}

#[test]
fn schedules_agree_on_any_pool_and_report_each_worker() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let params = ["n=200000", "chunk=500"];
    let exact = sieve(200_000);
    for threads in [1, 3] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        for v in &THREADED[1..] {
            let out = pool.install(|| outcome(&params, v));
            assert_eq!(out.values, exact, "{v} on {threads} threads");
            // Every worker tested numbers (rayon's may leave one idle, but never more
            // workers than threads).
            if *v == "worksteal" {
                assert!(
                    !out.busy.is_empty() && out.busy.len() <= threads,
                    "{v}: {:?}",
                    out.busy
                );
            } else {
                assert_eq!(out.busy.len(), threads, "{v}: {:?}", out.busy);
            }
        }
    }
    // The sequential reference reports no workers.
    assert!(outcome(&params, "sequential").busy.is_empty());
}

fn pools_bin(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_pools"))
        .args(args)
        .env(
            "PERFLAB_REPORTS",
            std::env::temp_dir().join("perflab-pools-test"),
        )
        .env("RAYON_NUM_THREADS", "3")
        .output()
        .unwrap()
}

#[test]
fn the_process_pool_answers_the_same_and_reports_its_workers() {
    let out = pools_bin(&[
        "compare",
        "--variants",
        "sequential,processes",
        "--param",
        "n=30000",
        "--param",
        "chunk=777",
        "--samples",
        "1",
        "--format",
        "json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let variants = json["variants"].as_array().unwrap();
    let processes = variants
        .iter()
        .find(|v| v["variant"] == "processes")
        .unwrap();
    // π(30 000) = 3245.
    assert_eq!(processes["checksum"], 3245.0);
    assert_eq!(processes["matches_reference"], true);
    assert_eq!(processes["exact_error"], 0.0);
    // One busy time per worker process that tested a piece: 3 processes, 39 pieces.
    let busy = processes["busy"].as_array().unwrap();
    assert!((1..=3).contains(&busy.len()), "{busy:?}");
    assert!(busy.iter().all(|b| b.as_f64().unwrap() > 0.0));
}

#[test]
fn bad_sizes_are_refused_with_one_line() {
    for (args, says) in [
        (&["run", "--param", "chunk=0"][..], "invalid chunk = 0"),
        (
            &["run", "--param", "n=2.5"],
            "invalid n = 2.5: expected a whole number",
        ),
        (&["run", "--param", "n=1e9"], "invalid n = 1e9"),
        (&["run", "--variant", "pool"], "pool"),
    ] {
        let out = pools_bin(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
}

/// Trial divisions `is_prime` makes for k (the same loop, counted).
fn divisions(k: u64) -> u64 {
    let mut c = 1;
    if k >= 4 && !k.is_multiple_of(2) {
        let mut d = 3;
        while d * d <= k {
            c += 1;
            if k.is_multiple_of(d) {
                break;
            }
            d += 2;
        }
    }
    c
}

#[test]
fn the_last_block_holds_the_most_work() {
    // The README's figures: the divisions of 1 … 10⁶ in 2, 4 and 8 equal blocks, and the
    // most a perfect balance can gain over those blocks (the largest block's share of the
    // work times the number of blocks).
    let n = 1_000_000u64;
    let total: u64 = (1..=n).map(divisions).sum();
    assert_eq!(total, 34_600_560);
    let bound = |blocks: u64| {
        let per = n / blocks;
        let last: u64 = (n - per + 1..=n).map(divisions).sum();
        blocks as f64 * last as f64 / total as f64
    };
    assert!((bound(2) - 1.237).abs() < 5e-4, "{}", bound(2));
    assert!((bound(4) - 1.321).abs() < 5e-4, "{}", bound(4));
    assert!((bound(8) - 1.356).abs() < 5e-4, "{}", bound(8));
}
