//! The mpi lesson's message-passing programs, run for real through `perflab` (each case
//! one or two launches of mpirun): every variant against its exact arithmetic on 1, 2 and
//! 3 ranks, the deadlock ended by its watchdog, and the failures (a launch past its time
//! limit, a rank killed, a bad rank count) as one line and exit status 2, with no rank
//! left behind. Skipped, saying why, where Open MPI is not installed.

use serde_json::Value;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn skip() -> bool {
    match perflab::lessons::mpi::launch::missing() {
        Some(e) => {
            eprintln!("skipped: {e}");
            true
        }
        None => false,
    }
}

fn perflab(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_perflab"));
    c.args(args);
    c
}

/// What a person reads on stderr, less the note that the ranks' binary is being built.
fn said(o: &Output) -> Vec<String> {
    String::from_utf8_lossy(&o.stderr)
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with("building the MPI ranks' binary"))
        .map(String::from)
        .collect()
}

/// `perflab run mpi` of `variant` with `params`, as JSON: the variant's row.
fn run(variant: &str, params: &[&str]) -> Value {
    let mut args = vec!["run", "mpi", "--variant", variant, "--format", "json"];
    for p in params {
        args.extend(["-p", p]);
    }
    let o = perflab(&args).output().unwrap();
    assert!(
        o.status.success(),
        "perflab {}: {:?}",
        args.join(" "),
        said(&o)
    );
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    v["variants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["variant"] == variant)
        .unwrap()
        .clone()
}

/// Runs each variant on each number of ranks and checks it gave the exact answer.
fn exact(topic: &str, variants: &[&str], ranks: &[usize], extra: &[&str]) {
    for &n in ranks {
        for v in variants {
            let topic = format!("topic={topic}");
            let ranks = format!("ranks={n}");
            // A program that hangs fails in seconds, not after the default two minutes.
            let mut params = vec![topic.as_str(), ranks.as_str(), "timeout=20"];
            params.extend(extra);
            let row = run(v, &params);
            let at = format!("{v} on {n} ranks ({params:?})");
            assert_eq!(row["matches_reference"], true, "{at}: {row}");
            assert_eq!(row["exact_error"].as_f64(), Some(0.0), "{at}: {row}");
            assert!(row["expected_wrong"].is_null(), "{at}: {row}");
            assert_eq!(row["split"].as_array().unwrap().len(), n, "{at}: {row}");
        }
    }
}

#[test]
fn deadlock_free_orders_are_exact() {
    if skip() {
        return;
    }
    // `ordered` is the topic's reference (one launch a run); another variant's run also
    // times the reference a few times.
    exact("deadlock", &["ordered"], &[1, 2, 3], &[]);
    exact("deadlock", &["paired"], &[1, 3], &[]);
}

#[test]
fn collectives_are_exact() {
    if skip() {
        return;
    }
    exact("collectives", &["collectives"], &[1, 2, 3], &[]);
}

#[test]
fn nonblocking_is_exact() {
    if skip() {
        return;
    }
    exact("nonblocking", &["isend"], &[1, 2, 3], &[]);
}

#[test]
fn pingpong_returns_every_byte() {
    if skip() {
        return;
    }
    exact("pingpong", &["shm"], &[2], &["bytes=0", "reps=20"]);
    exact(
        "pingpong",
        &["shm", "tcp"],
        &[2],
        &["bytes=4099", "reps=20"],
    );
}

#[test]
fn naive_deadlocks_and_the_watchdog_ends_it() {
    if skip() {
        return;
    }
    let start = Instant::now();
    let row = run(
        "naive",
        &["topic=deadlock", "ranks=3", "watchdog=0.5", "timeout=20"],
    );
    // The run also times the reference, `ordered`, a few times.
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(row["matches_reference"], false, "{row}");
    let how = row["expected_wrong"]["how"].as_str().unwrap_or_default();
    assert!(
        how.contains("no rank received anything") && how.contains("0.5 s"),
        "{row}"
    );
    let seconds = row["seconds"].as_f64().unwrap();
    assert!((0.5..3.0).contains(&seconds), "{row}");
}

/// The pids of rank processes of the naive deadlock whose watchdog is `watchdog` (a value
/// no other test uses), not mpirun's.
fn ranks_of(watchdog: &str) -> Vec<String> {
    let o = Command::new("pgrep")
        .args([
            "-f",
            &format!("^[^ ]*/mpi deadlock --variant naive .*watchdog={watchdog} "),
        ])
        .output()
        .unwrap();
    String::from_utf8_lossy(&o.stdout)
        .split_whitespace()
        .map(String::from)
        .collect()
}

fn one_line_exit_2(o: &Output, words: &[&str]) {
    let lines = said(o);
    assert_eq!(o.status.code(), Some(2), "{lines:?}");
    assert_eq!(lines.len(), 1, "{lines:?}");
    for w in words {
        assert!(lines[0].contains(w), "'{w}' not in {lines:?}");
    }
}

#[test]
fn a_launch_past_its_time_limit_is_killed() {
    if skip() {
        return;
    }
    let start = Instant::now();
    let o = perflab(&[
        "run",
        "mpi",
        "--variant",
        "naive",
        "-p",
        "topic=deadlock",
        "-p",
        "ranks=3",
        "-p",
        "watchdog=29.25",
        "-p",
        "timeout=1",
    ])
    .stdin(Stdio::null())
    .output()
    .unwrap();
    let took = start.elapsed();
    one_line_exit_2(&o, &["time limit of 1 s", "killed"]);
    assert!(took < Duration::from_secs(4), "{took:?}");
    assert_eq!(ranks_of("29.25"), Vec::<String>::new(), "ranks left behind");
}

#[test]
fn a_killed_rank_is_one_line() {
    if skip() {
        return;
    }
    let start = Instant::now();
    let child = perflab(&[
        "run",
        "mpi",
        "--variant",
        "naive",
        "-p",
        "topic=deadlock",
        "-p",
        "ranks=3",
        "-p",
        "watchdog=28.75",
        "-p",
        "timeout=20",
    ])
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    // Once the three ranks are up and stuck (the same three a moment later), one dies.
    let mut seen = Vec::new();
    let ranks = loop {
        let r = ranks_of("28.75");
        if (r.len() == 3 && r == seen) || start.elapsed() > Duration::from_secs(15) {
            break r;
        }
        seen = r;
        std::thread::sleep(Duration::from_millis(300));
    };
    assert_eq!(ranks.len(), 3, "the ranks did not start: {ranks:?}");
    let killed = Command::new("kill")
        .args(["-KILL", &ranks[1]])
        .status()
        .unwrap();
    assert!(killed.success());
    let o = child.wait_with_output().unwrap();
    one_line_exit_2(&o, &["naive on 3 ranks failed"]);
    assert!(
        start.elapsed() < Duration::from_secs(18),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(ranks_of("28.75"), Vec::<String>::new(), "ranks left behind");
}

#[test]
fn pingpong_needs_two_ranks() {
    if skip() {
        return;
    }
    let o = perflab(&["run", "mpi", "-p", "topic=pingpong", "-p", "ranks=3"])
        .output()
        .unwrap();
    one_line_exit_2(&o, &["ranks", "3", "ranks = 2"]);
}
