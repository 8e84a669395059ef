//! Runs stopped part-way: `profile` and `tour` interrupted (SIGINT) or killed (SIGKILL) at
//! several moments leave the previous complete output folder byte for byte, or the new
//! complete one, never a mix; Ctrl-C leaves no staging folder, and the next run clears
//! what a SIGKILL left. Two runs into one folder take turns.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Every file under `dir`, by relative path, with its length and a hash of its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (usize, u64)> {
    use std::hash::{Hash, Hasher};
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_path_buf();
                let bytes = std::fs::read(&p).unwrap();
                let mut h = std::collections::hash_map::DefaultHasher::new();
                bytes.hash(&mut h);
                files.insert(rel, (bytes.len(), h.finish()));
            }
        }
    }
    files
}

fn start(args: &[&str], cwd: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_perflab"))
        .args(args)
        .current_dir(cwd)
        .env("PERFLAB_REPORTS", cwd.join("reports"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn signal(child: &Child, sig: i32) {
    // SAFETY: kill(2) on our own child's pid.
    #[allow(unsafe_code)]
    unsafe {
        libc::kill(child.id() as i32, sig);
    }
}

/// Names in `dir` that a run leaves while it works: staging folders (of process `pid`
/// only, where given).
fn staging(dir: &Path, pid: Option<u32>) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".staging-"))
        .filter(|n| pid.is_none_or(|p| n.ends_with(&format!("-{p}"))))
        .collect()
}

const PROFILE: [&str; 8] = [
    "profile",
    "diffusion",
    "--variant",
    "fused",
    "--budget",
    "0.2",
    "--out",
    "p",
];

#[test]
fn an_interrupted_or_killed_profile_leaves_the_old_folder_or_the_new_one() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path();
    // The previous complete output, at another size so that a new one differs from it.
    let mut first: Vec<&str> = PROFILE.to_vec();
    first.extend(["-p", "dx=0.25"]);
    let o = start(&first, cwd).wait_with_output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let old = snapshot(&cwd.join("p"));
    let names: Vec<&PathBuf> = old.keys().collect();
    assert!(old.contains_key(Path::new("profile.pb")), "{names:?}");

    let mut finished = 0;
    for (sig, wait_ms) in [
        (libc::SIGINT, 50),
        (libc::SIGKILL, 50),
        (libc::SIGINT, 400),
        (libc::SIGKILL, 400),
        (libc::SIGINT, 1200),
        (libc::SIGKILL, 1200),
        (libc::SIGKILL, 2500),
    ] {
        let mut child = start(&PROFILE, cwd);
        std::thread::sleep(Duration::from_millis(wait_ms));
        signal(&child, sig);
        let status = child.wait().unwrap();
        let now = snapshot(&cwd.join("p"));
        if status.success() {
            // It ended before the signal: a whole new folder, the same files.
            finished += 1;
            assert_eq!(
                now.keys().collect::<Vec<_>>(),
                names,
                "a finished run wrote other files"
            );
        } else {
            assert_eq!(
                now, old,
                "signal {sig} after {wait_ms} ms changed the folder"
            );
        }
        if sig == libc::SIGINT {
            let left = staging(cwd, Some(child.id()));
            assert!(left.is_empty(), "Ctrl-C left {left:?}");
        }
    }
    assert!(
        finished < 7,
        "no run was stopped part-way: make the runs longer"
    );
    // The next run clears what the killed ones left, and replaces the folder whole.
    let o = start(&first, cwd).wait_with_output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        staging(cwd, None).is_empty(),
        "left {:?}",
        staging(cwd, None)
    );
    assert_eq!(snapshot(&cwd.join("p")).keys().collect::<Vec<_>>(), names);
    // Nothing else appeared beside it (no empty reports/ folder either).
    let mut here: Vec<String> = std::fs::read_dir(cwd)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    here.sort();
    assert_eq!(here, ["p"]);
}

#[test]
fn an_interrupted_or_killed_tour_leaves_the_previous_tour() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path();
    // A previous tour's folder (as the last one left it; a real tour takes a minute).
    let out = cwd.join("t");
    std::fs::create_dir_all(out.join("diffusion")).unwrap();
    std::fs::write(out.join(".perflab-output"), "written by perflab\n").unwrap();
    std::fs::write(
        out.join("index.html"),
        "<a href=\"diffusion/compare.md\">x</a>",
    )
    .unwrap();
    std::fs::write(out.join("diffusion/compare.md"), "| old |").unwrap();
    let old = snapshot(&out);
    for (sig, wait_ms) in [
        (libc::SIGINT, 100),
        (libc::SIGKILL, 100),
        (libc::SIGINT, 1500),
        (libc::SIGKILL, 1500),
        (libc::SIGINT, 4000),
    ] {
        let mut child = start(
            &["tour", "--out", "t", "--samples", "1", "--budget", "0.02"],
            cwd,
        );
        std::thread::sleep(Duration::from_millis(wait_ms));
        signal(&child, sig);
        let status = child.wait().unwrap();
        assert!(!status.success(), "the tour ended within {wait_ms} ms");
        assert_eq!(snapshot(&out), old, "signal {sig} after {wait_ms} ms");
        if sig == libc::SIGINT {
            let left = staging(cwd, Some(child.id()));
            assert!(left.is_empty(), "Ctrl-C left {left:?}");
        }
    }
}

#[test]
fn two_runs_into_one_folder_take_turns() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path();
    let started = Instant::now();
    let a = start(&PROFILE, cwd);
    std::thread::sleep(Duration::from_millis(300));
    let b = start(&PROFILE, cwd);
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    assert!(a.status.success() && b.status.success());
    let waited = String::from_utf8_lossy(&b.stderr);
    assert!(
        waited.contains("waiting: another perflab run is writing in"),
        "the second run did not wait: {waited} (after {:?})",
        started.elapsed()
    );
    let files = snapshot(&cwd.join("p"));
    assert!(files.contains_key(Path::new("profile.pb")));
    assert!(staging(cwd, None).is_empty());
}
