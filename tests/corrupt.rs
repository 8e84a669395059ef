//! A damaged progress file or machine file never strands the student: each kind of damage
//! is moved aside under a name of its own, said in one line, and the command goes on.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const SMALL: &[&str] = &["-p", "dx=0.5", "-p", "runtime=1"];

/// What a kept file can be damaged into.
enum Damage {
    Bytes(&'static str, Vec<u8>),
    Folder,
}

/// 256 bytes of noise, the same at every run.
fn noise() -> Vec<u8> {
    let mut x: u32 = 0x9e37_79b9;
    (0..256)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x.to_le_bytes()[0]
        })
        .collect()
}

/// Every kind of damage to a file whose good content is `valid`, each with (a part of) the
/// reason the warning gives.
fn damages(valid: &str) -> Vec<(Damage, &'static str)> {
    let cut = valid.as_bytes()[..valid.len() / 2].to_vec();
    vec![
        (
            Damage::Bytes("invalid UTF-8", b"{\"lessons\": \"caf\xe9\"}".to_vec()),
            "(not UTF-8 text: byte 16 ",
        ),
        (Damage::Bytes("binary", noise()), "(not UTF-8 text: byte "),
        (Damage::Folder, "(it is a folder, not a file)"),
        (
            Damage::Bytes(
                "wrong types",
                br#"{"lessons": {"diffusion": {"hints_shown": "three"}}, "machine": [1]}"#.to_vec(),
            ),
            "(not the expected fields: invalid type: ",
        ),
        (
            Damage::Bytes("wrong shape", b"[1, 2, 3]".to_vec()),
            "(not the expected fields: invalid type: integer `1`",
        ),
        (Damage::Bytes("empty", Vec::new()), "(it is empty)"),
        (
            Damage::Bytes("truncated", cut),
            "(cut short: EOF while parsing",
        ),
        (
            Damage::Bytes("not JSON", b"{ lessons }".to_vec()),
            "(not valid JSON: key must be a string at line 1 column 3)",
        ),
    ]
}

/// Puts `damage` at `path`; returns the name of the case.
fn damage(path: &Path, damage: &Damage) -> &'static str {
    match damage {
        Damage::Bytes(name, bytes) => {
            std::fs::write(path, bytes).unwrap();
            name
        }
        Damage::Folder => {
            std::fs::create_dir(path).unwrap();
            std::fs::write(path.join("inside"), "kept").unwrap();
            "folder"
        }
    }
}

/// Whether `aside` holds `damage` as it was put there.
fn holds(aside: &Path, damage: &Damage) -> bool {
    match damage {
        Damage::Bytes(_, bytes) => std::fs::read(aside).ok().as_ref() == Some(bytes),
        Damage::Folder => {
            std::fs::read_to_string(aside.join("inside"))
                .ok()
                .as_deref()
                == Some("kept")
        }
    }
}

/// The `n`th copy set aside of `path`.
fn aside(path: &Path, n: usize) -> PathBuf {
    PathBuf::from(format!("{}.corrupt.{n}", path.display()))
}

/// The CLI with one kept file (`PERFLAB_STATE` or `PERFLAB_MACHINE`) at the path given, and
/// the other in `dir`, where it is missing and says nothing.
fn perflab(args: &[&str], dir: &Path, env: (&str, &Path)) -> Output {
    let other = if env.0 == "PERFLAB_STATE" {
        "PERFLAB_MACHINE"
    } else {
        "PERFLAB_STATE"
    };
    Command::new(env!("CARGO_BIN_EXE_perflab"))
        .args(args)
        .current_dir(dir)
        .env(env.0, env.1)
        .env(other, dir.join("other.json"))
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The single line a command wrote on standard error.
fn one_line(o: &Output) -> String {
    let err = stderr(o);
    assert_eq!(err.lines().count(), 1, "not one line: {err}");
    err.trim_end().to_string()
}

const VALID_STATE: &str = r#"{"lessons": {"diffusion": {"steps_seen": [1, 2], "hints_shown": 2, "passed": false, "best_speedup": 1.5, "checks": 3}}}"#;

#[test]
fn a_damaged_progress_file_is_set_aside_and_the_hint_still_shown() {
    for (d, why) in damages(VALID_STATE) {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state.json");
        let env = ("PERFLAB_STATE", state.as_path());
        let name = damage(&state, &d);
        let o = perflab(&["hint", "diffusion"], dir.path(), env);
        assert_eq!(o.status.code(), Some(0), "{name}: {}", stderr(&o));
        assert!(stdout(&o).starts_with("hint 1 of 4:"), "{name}");
        let line = one_line(&o);
        let first = aside(&state, 1);
        assert!(
            line.starts_with(&format!(
                "warning: progress file {} was damaged ",
                state.display()
            )) && line.contains(why)
                && line.ends_with(&format!(
                    "moved it to {} and started afresh",
                    first.display()
                )),
            "{name}: {line}"
        );
        assert!(
            holds(&first, &d),
            "{name}: the copy aside is not the original"
        );
        // The next run is clean, and counts on from the fresh file.
        let o = perflab(&["hint", "diffusion"], dir.path(), env);
        assert_eq!(
            (o.status.code(), stderr(&o).as_str()),
            (Some(0), ""),
            "{name}"
        );
        assert!(stdout(&o).contains("hint 2 of 4:"), "{name}");
        // A second damage keeps both copies.
        std::fs::remove_file(&state).unwrap();
        damage(&state, &d);
        let o = perflab(&["progress"], dir.path(), env);
        assert_eq!(o.status.code(), Some(0), "{name}");
        assert!(
            stdout(&o).contains("0 of 4 hints"),
            "{name}: {}",
            stdout(&o)
        );
        let line = one_line(&o);
        assert!(
            line.contains(&format!("moved it to {}", aside(&state, 2).display())),
            "{name}: {line}"
        );
        assert!(holds(&first, &d) && holds(&aside(&state, 2), &d), "{name}");
        assert!(!state.exists(), "{name}: progress writes nothing");
    }
}

#[test]
fn the_tutor_sets_a_damaged_progress_file_aside_and_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    std::fs::write(&state, b"\x00\x01\x02").unwrap();
    let o = perflab(
        &["tutor", "diffusion", "--step", "8", "--no-pause"],
        dir.path(),
        ("PERFLAB_STATE", &state),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("step 8 of 8"));
    let line = one_line(&o);
    assert!(
        line.contains("was damaged (not valid JSON: expected value at line 1 column 1)"),
        "{line}"
    );
    assert_eq!(std::fs::read(aside(&state, 1)).unwrap(), b"\x00\x01\x02");
    let kept = perflab::student::state::load(&state);
    assert_eq!(kept.warning, None);
    assert!(kept.state.lessons["diffusion"].steps_seen.contains(&8));
}

// The shipped diffusion exercise, compiled here as the exercise's own binary compiles it.
#[path = "../lessons/diffusion/exercise.start.rs"]
mod shipped;

#[test]
fn progress_that_cannot_be_saved_is_a_warning_not_a_lost_result() {
    let dir = tempfile::tempdir().unwrap();
    // A file where the progress file's folder should be: nothing there, nothing can be saved.
    std::fs::write(dir.path().join("file"), "").unwrap();
    let state = dir.path().join("file").join("state.json");
    let env = ("PERFLAB_STATE", state.as_path());
    let o = perflab(&["hint", "diffusion"], dir.path(), env);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("hint 1 of 4:"));
    let line = one_line(&o);
    assert!(
        line.starts_with("warning: progress not saved (cannot create folder"),
        "{line}"
    );
    let o = perflab(&["progress"], dir.path(), env);
    assert_eq!((o.status.code(), stderr(&o).as_str()), (Some(0), ""));
    // The tutor's four steps from 5 cannot be saved, and three of them compare with a
    // damaged machine file: each said once.
    let machine = dir.path().join("machine.json");
    std::fs::write(&machine, "{").unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_perflab"))
        .args(["tutor", "diffusion", "--step", "5", "--no-pause"])
        .args(["--param", "dx=0.5"])
        .env("PERFLAB_STATE", &state)
        .env("PERFLAB_MACHINE", &machine)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("step 8 of 8"));
    let err = stderr(&o);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(lines[0].starts_with("warning: machine file "), "{err}");
    assert!(
        lines[1].starts_with("warning: progress not saved ("),
        "{err}"
    );
    // A check's verdict stands too (graded here in the library, with the shipped exercise).
    let lesson = &perflab::lessons::diffusion::LESSON;
    lesson.set_exercise(shipped::run);
    let mut out = Vec::new();
    let err = perflab::student::check::command(
        lesson,
        &perflab::student::check::CheckOptions {
            rounds: 3,
            no_build: true,
        },
        &perflab::timing::RealClock::default(),
        &state,
        &mut out,
    )
    .expect_err("the shipped exercise passed its target");
    assert_eq!(
        err.downcast_ref::<perflab::commands::Exit>(),
        Some(&perflab::commands::Exit(1)),
        "{err}"
    );
    let out = String::from_utf8_lossy(&out);
    assert!(out.contains("not passed yet"), "{out}");
}

#[cfg(target_os = "linux")]
#[test]
fn a_damaged_progress_file_that_cannot_be_moved_aside_strands_no_one() {
    // Not JSON, and no one, root neither, can move or replace a file of /proc.
    let status = Path::new("/proc/self/status");
    let dir = tempfile::tempdir().unwrap();
    let o = perflab(
        &["hint", "diffusion"],
        dir.path(),
        ("PERFLAB_STATE", status),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("hint 1 of 4:"));
    let line = one_line(&o);
    assert!(
        line.contains("is damaged (not valid JSON")
            && line.contains("could not be moved aside (")
            && line.ends_with("going on without it, and this run's progress will not be saved"),
        "{line}"
    );
}

fn compare(dir: &Path, machine: &Path) -> Output {
    let mut args = vec!["compare", "diffusion", "--variants", "fused"];
    args.extend(SMALL);
    perflab(&args, dir, ("PERFLAB_MACHINE", machine))
}

fn a_measurement(machine: &str, flops_all: f64) -> perflab::inspect::roofline::Roofline {
    perflab::inspect::roofline::Roofline {
        machine: machine.to_string(),
        threads: 2,
        bandwidth_one: 10e9,
        bandwidth_all: 16e9,
        flops_one: 50e9,
        flops_all,
        caches: vec![],
        l1_bandwidth: 200e9,
        l2_bandwidth: 80e9,
    }
}

#[test]
fn compare_says_in_one_line_why_a_machine_file_gives_no_roofline() {
    let this = perflab::inspect::machine::Machine::this().to_string();
    let good = serde_json::to_string(&a_measurement(&this, 100e9)).unwrap();
    let zero = serde_json::to_string(&a_measurement(&this, 0.0)).unwrap();
    let mut cases = damages(&good);
    cases.push((
        Damage::Bytes("a zero", zero.into_bytes()),
        "(flops_all is 0, not a positive number)",
    ));
    for (d, why) in cases {
        let dir = tempfile::tempdir().unwrap();
        let machine = dir.path().join("machine.json");
        let name = damage(&machine, &d);
        let o = compare(dir.path(), &machine);
        assert_eq!(o.status.code(), Some(0), "{name}: {}", stderr(&o));
        assert!(!stdout(&o).contains("of roofline"), "{name}");
        let line = one_line(&o);
        assert!(
            line.starts_with(&format!(
                "warning: machine file {} cannot be used ",
                machine.display()
            )) && line.contains(why)
                && line.ends_with("so no roofline columns; `cargo perflab machine` measures anew"),
            "{name}: {line}"
        );
        assert!(holds(&machine, &d), "{name}: compare changed the file");
        // Saving a measurement moves the damaged file aside; a second damage keeps both.
        for n in 1..=2 {
            let new = a_measurement(&this, 100e9);
            let note = perflab::inspect::roofline::save_at(&machine, &new)
                .unwrap()
                .unwrap_or_else(|| panic!("{name}: nothing set aside"));
            assert!(
                note.starts_with(&format!(
                    "moved the damaged machine file {} to {} (",
                    machine.display(),
                    aside(&machine, n).display()
                )) && note.contains(why),
                "{name}: {note}"
            );
            assert!(holds(&aside(&machine, n), &d), "{name}: copy {n}");
            // The next run is clean and has the roofline columns.
            let o = compare(dir.path(), &machine);
            assert_eq!(
                (o.status.code(), stderr(&o).as_str()),
                (Some(0), ""),
                "{name}"
            );
            assert!(stdout(&o).contains("of roofline"), "{name}");
            std::fs::remove_file(&machine).unwrap();
            damage(&machine, &d);
        }
        assert!(
            holds(&aside(&machine, 1), &d),
            "{name}: the first copy was replaced"
        );
    }
}

#[test]
fn another_machines_file_is_said_and_a_missing_one_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let machine = dir.path().join("machine.json");
    let o = compare(dir.path(), &machine);
    assert_eq!((o.status.code(), stderr(&o).as_str()), (Some(0), ""));
    assert!(!stdout(&o).contains("of roofline"));
    let other = serde_json::to_string(&a_measurement("a far bigger machine", 100e9)).unwrap();
    std::fs::write(&machine, &other).unwrap();
    let o = compare(dir.path(), &machine);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        one_line(&o),
        format!(
            "warning: machine file {} is another machine's (a far bigger machine), so no roofline columns; `cargo perflab machine` measures this one",
            machine.display()
        )
    );
    // Not damaged: a new measurement replaces it, and nothing is set aside.
    let this = perflab::inspect::machine::Machine::this().to_string();
    let new = a_measurement(&this, 1e9);
    assert_eq!(
        perflab::inspect::roofline::save_at(&machine, &new).unwrap(),
        None
    );
    assert!(!aside(&machine, 1).exists());
}

/// `cargo perflab machine` itself (about two seconds) on a damaged file.
#[test]
fn machine_moves_a_damaged_file_aside_before_keeping_the_new_one() {
    let dir = tempfile::tempdir().unwrap();
    let machine = dir.path().join("machine.json");
    std::fs::write(&machine, b"{\"machine\": ").unwrap();
    let o = perflab(&["machine"], dir.path(), ("PERFLAB_MACHINE", &machine));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("measured now"));
    let err = stderr(&o);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(lines[0].starts_with("measuring: "), "{err}");
    assert_eq!(
        lines[1],
        format!(
            "moved the damaged machine file {} to {} (cut short: EOF while parsing a value at line 1 column 12)",
            machine.display(),
            aside(&machine, 1).display()
        )
    );
    assert_eq!(
        std::fs::read(aside(&machine, 1)).unwrap(),
        b"{\"machine\": "
    );
    let o = compare(dir.path(), &machine);
    assert_eq!((o.status.code(), stderr(&o).as_str()), (Some(0), ""));
    assert!(stdout(&o).contains("of roofline"));
}
