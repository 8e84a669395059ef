//! The mpi lesson beyond one machine: "hosts" that are Linux network namespaces, made by
//! `lessons/mpi/hosts.sh` and joined by a bridge of their own. The ring and the
//! distributed diffusion run through the built `perflab` with `-p hosts=N` and give the
//! exact answers; the ranks really ran in different namespaces (each rank's network
//! namespace, as rank 0 reports it, is the one of the host it was dealt to); a launch past
//! its time limit leaves no process behind in the hosts; and every namespace is gone
//! afterwards, also when an assertion fails (a guard removes them in Drop).
//!
//! Namespaces need root: elsewhere the test says why it does nothing. It is one test
//! function, so that no two threads fight over the namespaces.

use perflab::lesson::Lesson;
use perflab::lessons::mpi::launch::{self, Report};
use perflab::lessons::mpi::{LESSON, Mpi};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("lessons/mpi/hosts.sh")
}

/// The namespaces whose names start with `perflab-`.
fn ours() -> Vec<String> {
    let o = Command::new("ip").args(["netns", "list"]).output().unwrap();
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| n.starts_with("perflab-"))
        .map(String::from)
        .collect()
}

/// `hosts.sh up N` now, `hosts.sh down` when dropped, however the test ends.
struct Hosts;

impl Hosts {
    fn up(n: usize) -> Hosts {
        let guard = Hosts;
        let o = Command::new(script())
            .args(["up", &n.to_string()])
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "hosts.sh up {n}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        guard
    }
}

impl Drop for Hosts {
    fn drop(&mut self) {
        let _ = Command::new(script()).arg("down").status();
    }
}

fn perflab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_perflab"))
        .args(args)
        .output()
        .unwrap()
}

/// `perflab run mpi ARGS --format json`: the entry of its one variant.
fn run_json(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["run", "mpi"];
    all.extend(args);
    all.extend(["--format", "json"]);
    let o = perflab(&all);
    assert!(
        o.status.success(),
        "perflab {}: {}",
        all.join(" "),
        String::from_utf8_lossy(&o.stderr)
    );
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    j["variants"][0].clone()
}

/// The problem at `params`, as perflab parses it.
fn problem(params: &[&str]) -> Mpi {
    let owned: Vec<String> = params.iter().map(|s| s.to_string()).collect();
    Mpi::parse(&LESSON.parse_params(&owned).unwrap()).unwrap()
}

/// Rank 0's report of `variant` on the hosts, launched with the launcher's own command
/// line (`ip netns exec perflab-h1 mpirun …`), within 60 s.
fn report(p: &Mpi, variant: &str) -> Report {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.json");
    // `perflab run` above made sure the ranks' binary is built beside it.
    let binary = Path::new(env!("CARGO_BIN_EXE_perflab")).with_file_name("mpi");
    let mut cmd = launch::command(p, variant, &binary, &out).unwrap();
    use std::os::unix::process::CommandExt;
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{variant} on the hosts did not end within 60 s");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    assert!(status.success(), "{variant} on the hosts: {status}");
    serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap()
}

/// The inode of host `k`'s network namespace, as `/proc/PID/ns/net` of a process in it
/// shows it (`net:[INODE]`).
fn namespace_of_host(k: usize) -> u64 {
    std::fs::metadata(format!("/run/netns/perflab-h{k}"))
        .unwrap()
        .ino()
}

#[test]
fn ranks_run_on_hosts_that_are_network_namespaces() {
    if !launch::is_root() {
        eprintln!("skipped: network namespaces need root, and this test runs as a user");
        return;
    }
    if let Some(e) = launch::missing() {
        eprintln!("skipped: {e}");
        return;
    }
    if launch::which("ip").is_none() {
        eprintln!("skipped: no `ip` (iproute2) on the PATH");
        return;
    }
    let hosts = Hosts::up(3);
    let subnet = std::fs::read_to_string(Path::new(launch::HOSTS_DIR).join("subnet")).unwrap();
    assert!(subnet.trim().ends_with(".0/24"), "subnet {subnet}");
    assert_eq!(
        ours().len(),
        4,
        "three hosts and the bridge's namespace: {:?}",
        ours()
    );

    // The ring on three hosts: each rank's value is its left neighbour's rank, exactly.
    let ring = run_json(&[
        "-p",
        "topic=ring",
        "-p",
        "ranks=3",
        "-p",
        "hosts=3",
        "-p",
        "timeout=60",
    ]);
    assert_eq!(ring["variant"], "sendrecv");
    assert_eq!(ring["matches_reference"], true, "{ring}");
    assert_eq!(ring["exact_error"], 0.0, "{ring}");
    assert_eq!(ring["split"].as_array().map(Vec::len), Some(3), "{ring}");

    // Where the ranks ran: four ranks dealt round three hosts, rank r on host r mod 3.
    let r = report(&problem(&["topic=ring", "ranks=4", "hosts=3"]), "sendrecv");
    assert_eq!(r.hosts.len(), 4, "{:?}", r.hosts);
    for (rank, host) in r.hosts.iter().enumerate() {
        let want = format!("net:[{}]", namespace_of_host(rank % 3 + 1));
        assert!(
            host.ends_with(&want),
            "rank {rank} ran in {host}, not in host {}'s namespace {want}",
            rank % 3 + 1
        );
    }

    // The distributed diffusion on two hosts: bit for bit the diffusion lesson's `loops`.
    let diffusion = [
        "-p",
        "topic=diffusion",
        "-p",
        "hosts=2",
        "-p",
        "ranks=2",
        "-p",
        "dx=0.2",
        "-p",
        "runtime=1",
        "-p",
        "timeout=60",
        "--variant",
        "blocking",
    ];
    let o = perflab(&[&["run", "mpi"][..], &diffusion, &["--format", "json"]].concat());
    let said = String::from_utf8_lossy(&o.stderr);
    // (While the lesson is being written, the diffusion topic may not run at all yet.)
    if said.contains("not written yet") || said.contains("unknown variant 'exercise'") {
        eprintln!("diffusion on hosts not checked: the topic does not run yet ({said})");
    } else {
        assert!(o.status.success(), "diffusion on hosts: {said}");
        let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let d = &j["variants"][0];
        assert_eq!(d["variant"], "blocking");
        assert_eq!(d["matches_reference"], true, "{d}");
        assert_eq!(d["rel_error"], 0.0, "not the bits of loops: {d}");
    }

    // A launch past its time limit ends with one line, and its daemons and ranks in the
    // other hosts go with it (they are not in mpirun's process group).
    let o = perflab(&[
        "run",
        "mpi",
        "-p",
        "topic=deadlock",
        "-p",
        "ranks=3",
        "-p",
        "hosts=3",
        "--variant",
        "naive",
        "-p",
        "watchdog=600",
        "-p",
        "timeout=2",
    ]);
    let said = String::from_utf8_lossy(&o.stderr);
    if said.contains("not written yet") {
        eprintln!("the time limit on hosts not checked: the deadlock is not written yet");
    } else {
        assert_eq!(o.status.code(), Some(2), "{said}");
        assert!(said.contains("time limit"), "{said}");
        for k in 1..=3 {
            let left = Command::new("ip")
                .args(["netns", "pids", &format!("perflab-h{k}")])
                .output()
                .unwrap();
            assert!(
                left.stdout.is_empty(),
                "processes left in host {k} after the time limit: {}",
                String::from_utf8_lossy(&left.stdout)
            );
        }
    }

    drop(hosts);
    assert!(ours().is_empty(), "namespaces left: {:?}", ours());
    assert!(!Path::new(launch::HOSTS_DIR).exists());

    // Without the namespaces, one line that says how to make them, before any launch.
    let o = perflab(&["run", "mpi", "-p", "topic=ring", "-p", "hosts=2"]);
    let said = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{said}");
    // (The launcher may first say that it builds the ranks' binary.)
    let lines: Vec<&str> = said
        .lines()
        .filter(|l| !l.starts_with("building the MPI ranks"))
        .collect();
    assert_eq!(lines.len(), 1, "{said}");
    assert!(lines[0].contains("hosts.sh up 2"), "{said}");
}

#[test]
fn the_script_refuses_bad_counts_with_one_line() {
    for bad in [
        &["up", "1"][..],
        &["up", "9"],
        &["up", "x"],
        &["up"],
        &["sideways"],
    ] {
        let o = Command::new(script()).args(bad).output().unwrap();
        let said = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "hosts.sh {bad:?}: {said}");
        assert_eq!(said.trim().lines().count(), 1, "hosts.sh {bad:?}: {said}");
    }
}
