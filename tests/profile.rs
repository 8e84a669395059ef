//! The profilers give the right numbers: exact call counts with callers and recursion,
//! exact byte increments per line, counts summed over rayon workers, sampled stacks that
//! contain the hot kernel, and a callgrind file that reads back consistently.

use perflab::profile::{func, lines, lines_sampled, memory, sample};
use rayon::prelude::*;
use std::collections::HashMap;
use std::hint::black_box;

perflab::tracking_allocator!();

// The tutorial's call-graph example: a recursive factorial used by two Taylor series.

#[perflab::instrument]
fn factorial(n: u64) -> f64 {
    if n <= 1 {
        1.0
    } else {
        n as f64 * factorial(n - 1)
    }
}

#[perflab::instrument]
fn taylor_exp(x: f64, terms: u64) -> f64 {
    (0..terms).map(|i| x.powi(i as i32) / factorial(i)).sum()
}

#[perflab::instrument]
fn taylor_sin(x: f64, terms: u64) -> f64 {
    (0..terms)
        .map(|i| {
            let k = 2 * i + 1;
            let sign = if i % 2 == 0 { 1.0 } else { -1.0 };
            sign * x.powi(k as i32) / factorial(k)
        })
        .sum()
}

/// Calls of `factorial(k)`: k of them, or one for k ≤ 1.
fn calls_of_factorial(k: u64) -> u64 {
    k.max(1)
}

#[test]
fn recursive_factorial_counts_are_exact_per_caller() {
    let terms = 500;
    let session = func::Session::start();
    let e = taylor_exp(0.5, 60);
    let s = taylor_sin(0.5, 60);
    let _ = black_box(taylor_exp(0.1, terms) + taylor_sin(0.1, terms));
    let profile = session.finish();
    assert!((e - 0.5f64.exp()).abs() < 1e-12 && (s - 0.5f64.sin()).abs() < 1e-12);

    let from_exp: u64 = (0..60).chain(0..terms).map(calls_of_factorial).sum();
    let from_sin: u64 = (0..60)
        .chain(0..terms)
        .map(|i| calls_of_factorial(2 * i + 1))
        .sum();
    let fact = profile.stat("factorial").expect("factorial was called");
    assert_eq!(fact.ncalls, from_exp + from_sin);
    // One primitive call per term of each series.
    assert_eq!(fact.primitive, 2 * (60 + terms));
    let exp = profile.function("taylor_exp").unwrap();
    let sin = profile.function("taylor_sin").unwrap();
    let f = profile.function("factorial").unwrap();
    let callers: HashMap<Option<usize>, u64> =
        fact.callers.iter().map(|c| (c.function, c.calls)).collect();
    assert_eq!(callers[&Some(exp)], 60 + terms);
    assert_eq!(callers[&Some(sin)], 60 + terms);
    assert_eq!(callers[&Some(f)], fact.ncalls - 2 * (60 + terms));
    assert_eq!(callers.len(), 3);

    let exp_stat = profile.stat("taylor_exp").unwrap();
    assert_eq!((exp_stat.ncalls, exp_stat.primitive), (2, 2));
    assert_eq!(exp_stat.callers.len(), 1);
    assert_eq!(exp_stat.callers[0].function, None);
    // Time: a caller's cumulative time holds its own and its callees'.
    assert!(exp_stat.cumtime >= exp_stat.tottime);
    assert!(
        fact.cumtime
            <= profile.stat("taylor_exp").unwrap().cumtime
                + profile.stat("taylor_sin").unwrap().cumtime
    );

    let table = profile.table(func::SortKey::Ncalls, None);
    let first = table
        .lines()
        .find(|l| l.contains("(tests::factorial)") || l.contains("profile::factorial"))
        .expect("factorial's row");
    assert!(
        first
            .trim_start()
            .starts_with(&format!("{}/{}", fact.ncalls, fact.primitive)),
        "{table}"
    );
    assert!(table.contains("tests/profile.rs:"), "{table}");
}

#[perflab::instrument]
fn leaf(i: u64) -> u64 {
    inner(i) + inner(i + 1)
}

#[perflab::instrument]
fn inner(i: u64) -> u64 {
    black_box(i.wrapping_mul(2_654_435_761))
}

#[test]
fn counts_from_rayon_workers_are_summed_exactly() {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(4)
        .build()
        .unwrap();
    let session = func::Session::start();
    let sum: u64 = pool.install(|| (0..10_000u64).into_par_iter().map(leaf).sum());
    let profile = session.finish();
    black_box(sum);
    let leaf = profile.stat("leaf").unwrap();
    let inner = profile.stat("inner").unwrap();
    assert_eq!((leaf.ncalls, leaf.primitive), (10_000, 10_000));
    assert_eq!(inner.ncalls, 20_000);
    assert_eq!(inner.callers.len(), 1);
    assert_eq!(inner.callers[0].calls, 20_000);
    // A second session starts from nothing.
    let session = func::Session::start();
    pool.install(|| {
        (0..10u64).into_par_iter().for_each(|i| {
            black_box(leaf_call(i));
        })
    });
    let again = session.finish();
    assert_eq!(again.stat("leaf").unwrap().ncalls, 10);
}

fn leaf_call(i: u64) -> u64 {
    leaf(i)
}

/// A call edge read back: caller, callee, calls, inclusive cost.
type Call = (String, String, u64, u64);

/// Reads a callgrind file back: each function's self cost, and its calls with their
/// inclusive costs, as KCachegrind would.
fn parse_callgrind(text: &str) -> (u64, HashMap<String, u64>, Vec<Call>) {
    let mut names: HashMap<String, String> = HashMap::new();
    let mut resolve = |spec: &str| -> String {
        let spec = spec.trim();
        if let Some(rest) = spec.strip_prefix('(') {
            let (id, name) = rest.split_once(')').unwrap();
            let name = name.trim();
            if !name.is_empty() {
                names.insert(id.to_string(), name.to_string());
            }
            names[id].clone()
        } else {
            spec.to_string()
        }
    };
    let mut summary = 0;
    let mut own: HashMap<String, u64> = HashMap::new();
    let mut calls = Vec::new();
    let mut current = String::new();
    let mut callee = String::new();
    let mut pending_calls: Option<u64> = None;
    for line in text.lines() {
        if let Some(v) = line.strip_prefix("summary:") {
            summary = v.trim().parse().unwrap();
        } else if let Some(v) = line.strip_prefix("fn=") {
            current = resolve(v);
        } else if let Some(v) = line.strip_prefix("cfn=") {
            callee = resolve(v);
        } else if let Some(v) = line.strip_prefix("calls=") {
            pending_calls = Some(v.split_whitespace().next().unwrap().parse().unwrap());
        } else if line.starts_with(|c: char| c.is_ascii_digit()) {
            let cost: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
            match pending_calls.take() {
                Some(n) => calls.push((current.clone(), callee.clone(), n, cost)),
                None => *own.entry(current.clone()).or_default() += cost,
            }
        }
    }
    (summary, own, calls)
}

#[test]
fn callgrind_export_reads_back_consistently() {
    let session = func::Session::start();
    black_box(taylor_exp(0.3, 40) + taylor_sin(0.3, 40));
    let profile = session.finish();
    let text = profile.callgrind("tests");
    assert!(text.starts_with("# callgrind format\nversion: 1\n"));
    let (summary, own, calls) = parse_callgrind(&text);
    assert_eq!(
        own.values().sum::<u64>(),
        summary,
        "self costs add up to the total"
    );
    let stats = profile.stats();
    for s in &stats {
        let name = &profile.functions[s.function].name;
        // Every call has a caller in the file: the calls from outside the instrumented
        // code come from one function standing for it.
        let called: u64 = calls.iter().filter(|c| &c.1 == name).map(|c| c.2).sum();
        assert_eq!(called, s.ncalls, "calls of {name}");
        let outermost: u64 = s
            .callers
            .iter()
            .filter(|c| c.function.is_none())
            .map(|c| c.calls)
            .sum();
        let from_outside: u64 = calls
            .iter()
            .filter(|c| &c.1 == name && c.0 == func::OUTSIDE)
            .map(|c| c.2)
            .sum();
        assert_eq!(from_outside, outermost, "calls of {name} from outside");
        assert!(own.contains_key(name));
    }
    // A call's inclusive cost is never below the callee's own cost along it, and the calls
    // of factorial from the two series are the terms.
    let from_exp = calls
        .iter()
        .find(|c| c.0.ends_with("taylor_exp") && c.1.ends_with("factorial"))
        .unwrap();
    assert_eq!(from_exp.2, 40);
    assert!(from_exp.3 <= summary);
}

#[perflab::profile]
fn allocates(n: usize) -> usize {
    let v: Vec<u64> = vec![7; n];
    let mut s = 0;
    for x in &v {
        s += *x as usize;
    }
    let w: Vec<u8> = Vec::with_capacity(3 * n);
    drop(v);
    s + w.capacity()
}

#[test]
fn line_profile_has_exact_hits_and_byte_increments() {
    let session = lines::Session::start();
    let a = allocates(1000);
    let b = allocates(1000);
    let profile = session.finish();
    assert_eq!(a, 7000 + 3000);
    assert_eq!(b, a);
    let f = profile.function("allocates").expect("profiled");
    assert_eq!(f.calls, 2);
    let line = |needle| f.line_containing(needle).unwrap();
    let vec_line = line("vec![7; n]");
    assert_eq!(vec_line.hits, 2);
    assert_eq!(vec_line.increment, 2 * 8000, "two Vecs of 1000 u64");
    assert_eq!(vec_line.allocations, 2);
    assert_eq!(line("with_capacity").increment, 2 * 3000);
    assert_eq!(line("drop(v)").increment, -2 * 8000);
    assert_eq!(line("s += ").hits, 2000);
    assert_eq!(line("s += ").increment, 0);
    // The loop's own line: once on entry and once per pass, as kernprof counts it.
    assert_eq!(line("for x in").hits, 2 * 1001);
    assert!(f.line_containing("fn allocates").unwrap().hits == 0);
    let table = f.table();
    assert!(table.contains("Line #"), "{table}");
    assert!(table.contains("Increment"), "{table}");
    assert!(table.contains("let v: Vec<u64> = vec![7; n];"), "{table}");
    // Outside a session the plain copy runs and nothing is recorded.
    let session = lines::Session::start();
    let profile = session.finish();
    assert!(profile.function("allocates").is_none());
}

#[perflab::profile]
fn outer_profiled() -> usize {
    let a = allocates(10);
    a + 1
}

#[test]
fn a_profiled_callee_is_charged_to_the_calling_line() {
    let session = lines::Session::start();
    assert_eq!(outer_profiled(), 70 + 30 + 1);
    let profile = session.finish();
    let outer = profile.function("outer_profiled").unwrap();
    let call = outer.line_containing("allocates(10)").unwrap();
    assert_eq!(call.hits, 1);
    // Both of the callee's Vecs are freed inside it, so the calling line's net increment is
    // zero; its two allocations are the callee's (the profiler's own are not counted).
    assert_eq!(call.increment, 0);
    assert_eq!(call.allocations, 2);
    assert!(call.seconds >= profile.function("allocates").unwrap().seconds);
}

#[test]
fn memory_timeline_sees_the_peak() {
    let (sum, m) = memory::record(std::time::Duration::from_millis(1), || {
        let big = vec![1u8; 8 << 20];
        std::thread::sleep(std::time::Duration::from_millis(20));
        big.iter().map(|&b| b as u64).sum::<u64>()
    });
    assert_eq!(sum, 8 << 20);
    assert!(m.tracked);
    assert!(m.peak - m.start >= 8 << 20, "{m:?}");
    assert!(m.allocated >= 8 << 20);
    assert!(m.timeline.len() >= 3);
    assert!(m.timeline.iter().any(|p| p.1 - m.start >= 8 << 20));
    let svg = m.plot_svg("test").unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("live heap"));
}

#[inline(never)]
fn hot_kernel_for_sampling(n: u64) -> f64 {
    let mut s = 0.0;
    for i in 0..n {
        s += black_box(i as f64).sqrt();
    }
    s
}

#[test]
fn sampled_flamegraph_contains_the_hot_kernel() {
    let (_, samples) = sample::record(997, || {
        let start = std::time::Instant::now();
        // Linux delivers the profiling timer at most once per scheduler tick (250 Hz on
        // this machine's kernel), so spin long enough for dozens of samples even at 100 Hz.
        while start.elapsed().as_secs_f64() < 0.6 {
            black_box(hot_kernel_for_sampling(black_box(200_000)));
        }
    })
    .unwrap();
    assert!(samples.total() >= 20, "{} samples", samples.total());
    assert!(samples.has_frame("hot_kernel_for_sampling"));
    let folded = samples.folded(true);
    let svg = sample::flamegraph(&folded, "test", "samples").unwrap();
    let svg = String::from_utf8(svg).unwrap();
    assert!(svg.contains("hot_kernel_for_sampling"));
    assert!(sample::record(0, || ()).is_err());
    assert!(sample::record(20_000, || ()).is_err());
}

/// Two loops in one function, the first doing four times the work of the second.
#[inline(never)]
fn two_loops(n: u64) -> f64 {
    let mut a = 0.0;
    for i in 0..4 * n {
        a += black_box(i as f64).sqrt(); // heavy loop
    }
    let mut b = 0.0;
    for i in 0..n {
        b += black_box(i as f64).sqrt(); // light loop
    }
    a + b
}

#[test]
fn sampled_lines_follow_the_work() {
    let (_, sampled) = lines_sampled::record(1000, || {
        let start = std::time::Instant::now();
        while start.elapsed().as_secs_f64() < 0.8 {
            black_box(two_loops(black_box(100_000)));
        }
    })
    .unwrap();
    let on = |needle: &str| -> u64 {
        sampled
            .lines
            .iter()
            .filter(|l| l.file.ends_with("tests/profile.rs") && l.contents.contains(needle))
            .map(|l| l.samples)
            .sum()
    };
    let (heavy, light) = (on("heavy loop"), on("light loop"));
    assert!(sampled.total >= 20, "{sampled:?}");
    assert!(
        heavy > 2 * light && light > 0,
        "heavy {heavy}, light {light}: {sampled:?}"
    );
    let html = sample::annotated_html("t", &sampled.lines, sampled.total);
    assert!(html.contains("heavy loop") && html.contains("rgba(255,140,0,"));
    let table = sample::lines_table(&sampled.lines, sampled.total, 5);
    assert!(table.contains("tests/profile.rs:"), "{table}");
    assert!(lines_sampled::record(0, || ()).is_err());
}

/// `profile` as a library call: the function profiler alone on a short run of `nested`
/// diffusion, into a folder of the test's own; it says what it wrote, and wrote it.
#[test]
fn the_profile_command_called_directly_writes_its_files() {
    use perflab::commands::profile::{ProfileOptions, command};
    let dir = tempfile::tempdir().unwrap();
    let lesson = perflab::lessons::find("diffusion").unwrap();
    let options = ProfileOptions {
        variant: Some("nested".into()),
        functions: true,
        lines: false,
        memory: false,
        flamegraph: false,
        diff: Vec::new(),
        out: Some(dir.path().join("nested")),
        sort: perflab::profile::func::SortKey::Cumtime,
        top: 5,
        frequency: 1000,
        full_stacks: false,
        valgrind: None,
        steps: Some(10),
        budget: 1.0,
        params: vec!["dx=0.5".into()],
    };
    let mut out = Vec::new();
    command(lesson, &options, &mut out).unwrap();
    let out = String::from_utf8(out).unwrap();
    assert!(out.contains("ncalls"), "{out}");
    let table = std::fs::read_to_string(dir.path().join("nested/functions.txt")).unwrap();
    assert!(table.contains("nested::step"), "{table}");
    assert!(out.contains("functions.txt"), "{out}");
}

/// No empty profiles: a variant whose run takes microseconds (`deque`) is run again and
/// again under the sampler until a profile worth reading is taken; where even that is
/// not enough (a 1 Hz timer), the output says so plainly, with the count.
#[test]
fn a_short_run_is_repeated_until_it_is_worth_sampling() {
    use perflab::commands::profile::{MIN_SAMPLES, ProfileOptions, command};
    let lesson = perflab::lessons::find("idioms").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let options = |frequency: i32, out: &str| ProfileOptions {
        variant: Some("deque".into()),
        functions: false,
        lines: false,
        memory: false,
        flamegraph: true,
        diff: Vec::new(),
        out: Some(dir.path().join(out)),
        sort: perflab::profile::func::SortKey::Cumtime,
        top: 5,
        frequency,
        full_stacks: false,
        valgrind: None,
        steps: None,
        budget: 0.1,
        params: Vec::new(),
    };
    let mut out = Vec::new();
    command(lesson, &options(1000, "many"), &mut out).unwrap();
    let out = String::from_utf8(out).unwrap();
    let taken: u64 = out
        .lines()
        .find(|l| l.contains(" samples over "))
        .and_then(|l| l.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("{out}"));
    assert!(taken >= MIN_SAMPLES * 9 / 10, "{out}");
    assert!(out.contains(" runs of about "), "{out}");
    assert!(!out.contains("too short"), "{out}");
    assert!(
        std::fs::metadata(dir.path().join("many/profile.pb"))
            .unwrap()
            .len()
            > 1000
    );

    let mut out = Vec::new();
    command(lesson, &options(1, "few"), &mut out).unwrap();
    let out = String::from_utf8(out).unwrap();
    assert!(out.contains("too short to sample ("), "{out}");
}
