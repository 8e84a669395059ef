//! The task-graph lesson: every scheduler gives the exact answer on any pool, the graphs
//! have the shape the lesson says, the measured bound holds, bad sizes are refused with
//! exit status 2, and the JSON carries the figures.

use perflab::lesson::{Lesson, Problem};
use perflab::lessons::tasks::{Graph, LESSON, Tasks, Which};
use perflab::timing::RealClock;
use std::process::Command;

fn prepared(params: &[&str]) -> Box<dyn perflab::lesson::Prepared> {
    let owned: Vec<String> = params.iter().map(|s| s.to_string()).collect();
    LESSON
        .prepare(&LESSON.parse_params(&owned).unwrap())
        .unwrap()
}

fn run(params: &[&str], variant: &str) -> Vec<f64> {
    let p = prepared(params);
    let v = LESSON.variant_index(variant).unwrap();
    p.run(v, p.steps(), &RealClock::default(), None)
        .unwrap()
        .values
}

#[test]
fn every_variant_gives_the_exact_answer() {
    for params in [
        &["n=1", "tile=1"][..],
        &["n=64", "tile=16"],
        &["n=96", "tile=32", "repeat=2", "seed=3"],
        &["n=200", "tile=8"],
    ] {
        let exact = prepared(params).exact(1).unwrap();
        assert!(exact.iter().all(|v| v.is_finite() && v.fract() == 0.0));
        assert!(exact.iter().any(|v| *v != 0.0), "{params:?}");
        for v in LESSON.variants() {
            assert_eq!(run(params, v.name), exact, "{} at {params:?}", v.name);
        }
    }
    // The tutorials' graph: add(1, 2) = 3, add(2, 3) = 5, and the add of both, 8.
    for v in LESSON.variants() {
        assert_eq!(run(&["graph=add"], v.name), [3.0, 5.0, 8.0], "{}", v.name);
    }
}

#[test]
fn schedulers_agree_on_any_pool() {
    let exact = prepared(&["n=128", "tile=16"]).exact(1).unwrap();
    for threads in [1, 3] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        for v in ["static", "waves", "graph"] {
            let got = pool.install(|| run(&["n=128", "tile=16"], v));
            assert_eq!(got, exact, "{v} on {threads} threads");
        }
    }
}

/// With L all ones below the diagonal and B all ones, E(r, c) = r + 1 and
/// D(r, c) = 1 + 2 + … + (r + 1) = (r + 1)(r + 2)/2.
#[test]
fn results_are_what_mathematics_says() {
    let n = 48;
    let l: Vec<f64> = (0..n * n)
        .map(|k| if k % n <= k / n { 1.0 } else { 0.0 })
        .collect();
    let p = Tasks::from_parts(Which::Matmul, n, 16, l, vec![1.0; n * n], 1);
    for v in LESSON.variants {
        let mut state = p.initial();
        (v.kernel)(&p, &mut state, 1);
        for (k, d) in p.values(&state).iter().enumerate() {
            let r = (k / n) as f64;
            assert_eq!(*d, (r + 1.0) * (r + 2.0) / 2.0, "{} at {k}", v.info.name);
        }
    }
}

#[test]
fn graphs_have_the_lessons_shape() {
    let add = Graph::add();
    assert_eq!(add.levels, vec![vec![0, 1], vec![2]]);
    assert_eq!(add.succs, vec![vec![2], vec![2], vec![]]);
    let t = 4;
    let g = Graph::matmul(t);
    assert_eq!(g.len(), 2 * t * t);
    assert_eq!(g.levels.len(), 2);
    assert!(g.levels.iter().all(|l| l.len() == t * t));
    // D(2, 1) waits for E(0, 1), E(1, 1), E(2, 1).
    assert_eq!(g.deps[t * t + 2 * t + 1], vec![1, t + 1, 2 * t + 1]);
    // With each task's time its tile products (row i: i + 1), the longest chain is the
    // last tile row through both stages: 2t; the work is t²(t + 1).
    let p = Tasks::from_parts(Which::Matmul, 4 * t, 4, vec![0.0; 256], vec![0.0; 256], 1);
    let cost: Vec<f64> = (0..g.len()).map(|k| (p.cost(k) / 64) as f64).collect();
    assert_eq!(g.critical_path(&cost), 2.0 * t as f64);
    assert_eq!(cost.iter().sum::<f64>(), (t * t * (t + 1)) as f64);
    assert_eq!(g.critical_path(&[1.0; 32]), 2.0);
}

/// The static portions are unequal by construction: on two workers, the second gets
/// the heavy half of the triangle, 100 of every stage's 136 tile products at 16 tiles.
#[test]
fn equal_portions_of_unequal_tasks_are_unequal_work() {
    let owned = vec!["n=1024".to_string(), "tile=64".to_string()];
    let p = Tasks::new(&LESSON.parse_params(&owned).unwrap()).unwrap();
    for stage in &p.graph.levels {
        let per = stage.len().div_ceil(2);
        let work: Vec<u64> = stage
            .chunks(per)
            .map(|c| c.iter().map(|t| p.cost(*t) / 64u64.pow(3)).sum())
            .collect();
        assert_eq!(work, [36 * 16, 100 * 16]);
    }
}

/// Each run's figures: achieved ≥ max(work/P, critical path) (every task's time lies
/// inside the run's, and no more than P run at once), the critical path within the
/// work, and the workers the scheduler had.
#[test]
fn the_measured_bound_holds() {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    let owned = vec!["n=256".to_string(), "tile=32".to_string()];
    let p = Tasks::new(&LESSON.parse_params(&owned).unwrap()).unwrap();
    for v in LESSON.variants {
        let mut state = p.initial();
        pool.install(|| (v.kernel)(&p, &mut state, 2));
        let m = p.measured(v.info.name).unwrap();
        let workers = if v.info.name == "serial" { 1 } else { 2 };
        assert_eq!(m.workers, workers, "{}", v.info.name);
        assert!(m.work > 0.0 && m.critical_path > 0.0, "{m:?}");
        assert!(m.critical_path <= m.work, "{m:?}");
        assert!(
            m.achieved >= m.bound() * (1.0 - 1e-6),
            "{}: {m:?}",
            v.info.name
        );
    }
    let shown = p.describe();
    for v in [
        "serial:",
        "static:",
        "waves:",
        "graph:",
        "critical path",
        "bound on 2",
    ] {
        assert!(shown.contains(v), "{shown}");
    }
}

fn tasks(args: &[&str]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_tasks"))
        .args(args)
        .current_dir(dir.path())
        .env("PERFLAB_REPORTS", dir.path().join("reports"))
        .output()
        .unwrap()
}

#[test]
fn bad_sizes_are_refused_in_one_line() {
    for (args, want) in [
        (
            &["run", "-p", "n=100", "-p", "tile=64"][..],
            "invalid tile = 64",
        ),
        (
            &["run", "-p", "n=4096", "-p", "tile=32"],
            "at most 64 tiles",
        ),
        (&["run", "-p", "n=0"], "invalid n = 0"),
        (&["run", "-p", "tile=2.5"], "invalid tile = 2.5"),
        (&["run", "-p", "graph=tree"], "invalid graph = tree"),
    ] {
        let o = tasks(args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
    }
}

#[test]
fn json_carries_the_figures() {
    let o = tasks(&[
        "compare",
        "-p",
        "n=128",
        "-p",
        "tile=16",
        "--samples",
        "1",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let problem = doc["problem"].as_str().unwrap();
    assert!(problem.contains("128 tasks in 2 stages"), "{problem}");
    assert!(problem.contains("static: work"), "{problem}");
    assert_eq!(doc["baseline"], "static");
    assert_eq!(doc["reference"], "serial");
    for row in doc["variants"].as_array().unwrap() {
        assert_eq!(row["matches_reference"], true, "{row}");
        assert_eq!(row["exact_error"], 0.0, "{row}");
        assert!(row["cpu_seconds"].is_number(), "{row}");
        assert!(!row["busy"].as_array().unwrap().is_empty(), "{row}");
    }
}
