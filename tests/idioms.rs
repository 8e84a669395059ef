//! The idioms lesson: in every topic each variant gives the reference's answer, the
//! answers are what an independent computation says, the function profiler reproduces the
//! tutorial's call counts for the Taylor series, and the command line runs topic by topic.

use perflab::lesson::{Lesson, max_rel_error};
use perflab::lessons::idioms::{LESSON, TOPICS};
use perflab::profile::func;
use perflab::timing::RealClock;
use std::process::Command;

fn run(params: &[&str], variant: &str) -> Vec<f64> {
    let owned: Vec<String> = params.iter().map(|s| s.to_string()).collect();
    let prepared = LESSON
        .prepare(&LESSON.parse_params_for(&owned, variant).unwrap())
        .unwrap();
    let v = LESSON.variant_index(variant).unwrap();
    prepared
        .run(v, prepared.steps(), &RealClock::default(), None)
        .unwrap()
        .values
}

/// The inputs of a topic at these parameters.
fn problem(params: &[&str]) -> perflab::lessons::idioms::Idioms {
    let owned: Vec<String> = params.iter().map(|s| s.to_string()).collect();
    perflab::lessons::idioms::Idioms::new(&LESSON.parse_params(&owned).unwrap()).unwrap()
}

#[test]
fn every_variant_of_every_topic_matches_its_reference() {
    for topic in TOPICS {
        let t = format!("topic={}", topic.name);
        for extra in [
            &[][..],
            &["n=1"],
            &["n=2"],
            &["n=777", "seed=9", "repeat=2"],
        ] {
            let mut params = vec![t.as_str()];
            params.extend_from_slice(extra);
            let want = run(&params, topic.reference);
            assert!(!want.is_empty() && want.iter().all(|v| v.is_finite()));
            for v in topic.variants {
                let got = run(&params, v);
                if *v == "running" || *v == "powf" {
                    // Rounded differently: 1/k! from the previous term; the C library's pow.
                    let e = max_rel_error(&got, &want);
                    assert!(e <= LESSON.tolerance(), "{v} at {params:?}: {e:e}");
                } else {
                    assert_eq!(got, want, "{v} at {params:?}");
                }
            }
        }
    }
}

#[test]
fn squares_sum_to_the_formula_exactly() {
    for n in [0u64, 1, 2, 1000, 100_000, 300_000] {
        let p = format!("n={n}");
        // n = 0 means the topic's default size, 100 000.
        let m = if n == 0 { 100_000 } else { n } as u128;
        let exact = ((m - 1) * m * (2 * m - 1) / 6) as f64;
        for v in ["push", "collect", "sum"] {
            assert_eq!(run(&[&p], v), vec![exact], "{v} n={n}");
        }
    }
}

#[test]
fn counts_queues_medians_and_scales_agree_with_plain_computations() {
    // Counting: each key's count, by sorting.
    let p = problem(&["topic=counting", "n=5000", "keys=37"]);
    let mut want = vec![0.0; 37];
    let mut sorted = p.items.clone();
    sorted.sort();
    for k in sorted {
        want[k as usize] += 1.0;
    }
    assert_eq!(
        run(&["topic=counting", "n=5000", "keys=37"], "hashmap"),
        want
    );
    assert_eq!(want.iter().sum::<f64>(), 5000.0);

    // Round-robin: a job needing w rounds finishes in round w, and jobs of one round
    // finish in the order they started.
    let p = problem(&["topic=queue", "n=3000"]);
    let mut order: Vec<usize> = (0..p.n).collect();
    order.sort_by_key(|&j| (p.work[j], j));
    let want: Vec<f64> = order.iter().map(|&j| j as f64).collect();
    assert_eq!(run(&["topic=queue", "n=3000"], "remove0"), want);
    assert_eq!(run(&["topic=queue", "n=3000"], "deque"), want);

    // Running median: sort each prefix.
    let p = problem(&["topic=insert", "n=301", "seed=5"]);
    let want: Vec<f64> = (1..=p.n)
        .map(|k| {
            let mut prefix = p.values[..k].to_vec();
            prefix.sort_by(f64::total_cmp);
            if k % 2 == 1 {
                prefix[k / 2]
            } else {
                0.5 * (prefix[k / 2 - 1] + prefix[k / 2])
            }
        })
        .collect();
    for v in ["scan", "bisect", "heaps"] {
        assert_eq!(run(&["topic=insert", "n=301", "seed=5"], v), want, "{v}");
    }

    // Hoisting: (x − 0.5) × 3.
    let p = problem(&["topic=hoisting", "n=999"]);
    let want: Vec<f64> = p.values.iter().map(|x| (x - 0.5) * 3.0).collect();
    assert_eq!(run(&["topic=hoisting", "n=999"], "lookup"), want);

    // Powers: the squares.
    let p = problem(&["topic=powers"]);
    let want: Vec<f64> = p.values.iter().map(|x| x * x).collect();
    assert_eq!(run(&["topic=powers"], "powi"), want);
}

#[test]
fn taylor_coefficients_sum_to_e_and_sin_1() {
    for v in ["recursive", "memoized", "running"] {
        let c = run(&["topic=taylor"], v);
        assert_eq!(c.len(), 1000);
        let (exp, sin) = c.split_at(500);
        let e: f64 = exp.iter().sum();
        let s: f64 = sin.iter().sum();
        assert!((e - std::f64::consts::E).abs() < 1e-15, "{v}: {e}");
        assert!((s - 1f64.sin()).abs() < 1e-15, "{v}: {s}");
        assert_eq!(&sin[..4], &[0.0, 1.0, 0.0, -1.0 / 6.0]);
        // 171! overflows a double: the tutorial's 1/factorial(k) is 0 from there on.
        if v != "running" {
            assert!(exp[170] > 0.0 && exp[171..].iter().all(|&x| x == 0.0));
        }
    }
}

/// Profiles one full run of `variant` at 500 terms.
fn profiled(variant: &str) -> func::Profile {
    let owned = vec!["topic=taylor".to_string()];
    let prepared = LESSON
        .prepare(&LESSON.parse_params(&owned).unwrap())
        .unwrap();
    let v = LESSON.variant_index(variant).unwrap();
    let session = func::Session::start();
    prepared.run(v, 1, &RealClock::default(), None).unwrap();
    session.finish()
}

#[test]
fn the_profiler_counts_the_tutorials_calls() {
    // factorial(k) makes k + 1 calls: taylor_exp asks for 0! … 499!, taylor_sin for the
    // 250 odd k. Calls: Σ(k+1) over both; primitive: 500 + 250; recursive: 124 750 + 62 500.
    let profile = profiled("recursive");
    let from_exp: u64 = (0..500u64).map(|k| k + 1).sum();
    let from_sin: u64 = (0..500u64).filter(|k| k % 2 == 1).map(|k| k + 1).sum();
    let fact = profile.stat("factorial").unwrap();
    assert_eq!(fact.ncalls, from_exp + from_sin);
    assert_eq!((fact.ncalls, fact.primitive), (188_000, 750));
    let by = |name: &str| profile.function(name).unwrap();
    let callers: std::collections::HashMap<Option<usize>, u64> =
        fact.callers.iter().map(|c| (c.function, c.calls)).collect();
    assert_eq!(callers[&Some(by("taylor_exp"))], 500);
    assert_eq!(callers[&Some(by("taylor_sin"))], 250);
    assert_eq!(callers[&Some(by("factorial"))], 187_250);
    let table = profile.table(func::SortKey::Cumtime, None);
    assert!(table.contains("188000/750"), "{table}");
    // The callgrind file carries the same edges.
    let cg = profile.callgrind("test");
    for calls in ["calls=500 ", "calls=250 ", "calls=187250 "] {
        assert!(cg.contains(calls), "{calls} missing from\n{cg}");
    }

    callgrind_annotate_reads(&cg);

    // Memoized: 0! once; each later k! one call that recurses once into a remembered
    // (k−1)!; taylor_sin finds all its factorials remembered.
    let memo = profiled("memoized");
    let fact = memo.stat("factorial").unwrap();
    assert_eq!((fact.ncalls, fact.primitive), (1 + 2 * 499 + 250, 750));
}

#[test]
fn commands_run_topic_by_topic() {
    let dir = std::env::temp_dir().join(format!("perflab-idioms-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let perflab = |args: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_idioms"))
            .args(args)
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    };
    // No topic: one comparison per topic, a JSON array of them.
    let out = perflab(&[
        "compare",
        "-p",
        "n=50",
        "--samples",
        "1",
        "--format",
        "json",
    ]);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let topics: Vec<&str> = doc
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["topic"].as_str().unwrap())
        .collect();
    assert_eq!(topics, TOPICS.iter().map(|t| t.name).collect::<Vec<_>>());
    for c in doc.as_array().unwrap() {
        for row in c["variants"].as_array().unwrap() {
            assert_eq!(row["matches_reference"], true, "{row}");
        }
    }
    // A variant brings its own topic.
    let out = perflab(&["run", "--variant", "deque", "-p", "n=100"]);
    assert!(out.contains("round-robin over 100 jobs"), "{out}");
    assert!(out.contains("vs remove0"), "{out}");
    let out = perflab(&["compare", "--variants", "memoized", "--samples", "1"]);
    assert!(out.contains("recursive") && out.contains("memoized"));
    assert!(!out.contains("running"), "{out}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_machine_code_shows_the_calls() {
    let calls = |v: &str| {
        let i = LESSON.variant_index(v).unwrap();
        perflab::inspect::asm::disassemble(LESSON.kernel_address(i))
            .unwrap()
            .calls
    };
    // powf calls libm's pow through the global offset table; powi the compiler's helper.
    assert!(
        calls("powf").iter().any(|c| c == "pow"),
        "{:?}",
        calls("powf")
    );
    assert!(
        calls("powi").iter().any(|c| c == "__powidf2"),
        "{:?}",
        calls("powi")
    );
    let multiply = calls("multiply");
    assert!(!multiply.iter().any(|c| c.contains("pow")), "{multiply:?}");
}

/// valgrind's own reader, callgrind_annotate, reads the taylor file without a warning,
/// from a directory other than the project's (the source paths are absolute), and finds
/// factorial's calls from each caller: 500 from taylor_exp, 250 from taylor_sin, 187 250
/// from itself, and the top-level functions' one call each from outside.
fn callgrind_annotate_reads(file: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("callgrind.out.recursive");
    std::fs::write(&path, file).unwrap();
    let o = Command::new("callgrind_annotate")
        .args(["--tree=caller", "--auto=yes", "--threshold=100"])
        .arg(&path)
        .current_dir(dir.path())
        .output()
        // `bash .ci/run` installs valgrind where it is missing.
        .expect("callgrind_annotate is missing: install valgrind (bash .ci/run does)");
    let (out, err) = (
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr),
    );
    assert!(o.status.success(), "{err}");
    assert!(
        !err.contains("WARNING") && !out.contains("WARNING"),
        "{err}{out}"
    );
    let caller_line = |calls: &str, caller: &str| {
        out.lines()
            .any(|l| l.contains('<') && l.contains(caller) && l.contains(&format!("({calls}x)")))
    };
    assert!(caller_line("187,250", "taylor::factorial"), "{out}");
    assert!(caller_line("500", "taylor::taylor_exp"), "{out}");
    assert!(caller_line("250", "taylor::taylor_sin"), "{out}");
    assert!(caller_line("1", perflab::profile::func::OUTSIDE), "{out}");
    // The source was found and annotated, though the file was read elsewhere.
    assert!(out.contains("fn factorial(k: usize) -> f64"), "{out}");
}
