//! Student mode: the tutor, the exercise check, hints, reset, watch and progress.

use perflab::lesson::{Lesson, Outcome};
use perflab::measure::grade::Verdict;
use perflab::student::check::{Checked, check};
use perflab::timing::{Clock, RealClock};
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

fn perflab(args: &[&str], dir: &Path, state: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_perflab"))
        .args(args)
        .current_dir(dir)
        .env("PERFLAB_STATE", state)
        .env("PERFLAB_REPORTS", dir.join("reports"))
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn diffusion_at_check_size() -> (&'static dyn Lesson, Box<dyn perflab::lesson::Prepared>) {
    let lesson = perflab::lessons::find("diffusion").unwrap();
    let info = lesson.exercise().unwrap();
    let params: Vec<String> = info.params.iter().map(|s| s.to_string()).collect();
    let prepared = lesson
        .prepare(&lesson.parse_params(&params).unwrap())
        .unwrap();
    (lesson, prepared)
}

#[test]
fn check_passes_a_fast_kernel() {
    let (lesson, prepared) = diffusion_at_check_size();
    let loops = lesson.variant_index("loops").unwrap();
    let fast = |steps: usize, clock: &dyn Clock| prepared.run(loops, steps, clock, None);
    let target = lesson.exercise().unwrap().target;
    let checked = check(
        lesson,
        prepared.as_ref(),
        &fast,
        15,
        target,
        &RealClock::default(),
    )
    .unwrap();
    let Checked::Graded(_, grade) = &checked else {
        panic!("a correct kernel was marked wrong: {checked:?}")
    };
    assert_eq!(grade.verdict, Verdict::Pass, "{}", grade.line());
    let explained = perflab::student::check::explain(lesson, prepared.as_ref(), &checked);
    assert!(
        explained.starts_with("✓ correct: matches loops"),
        "{explained}"
    );
    assert!(explained.contains("✓ fast enough: speedup"), "{explained}");
}

#[test]
fn check_fails_a_wrong_kernel_with_where_and_what() {
    let (lesson, prepared) = diffusion_at_check_size();
    let loops = lesson.variant_index("loops").unwrap();
    // Right everywhere but one cell, which is off by 1 %.
    let n = 42;
    let wrong = |steps: usize, clock: &dyn Clock| -> perflab::Result<Outcome> {
        let mut o = prepared.run(loops, steps, clock, None)?;
        o.values[12 * n + 22] *= 1.01;
        Ok(o)
    };
    let checked = check(
        lesson,
        prepared.as_ref(),
        &wrong,
        5,
        5.0,
        &RealClock::default(),
    )
    .unwrap();
    let Checked::Wrong(m) = &checked else {
        panic!("a wrong kernel passed the correctness check: {checked:?}")
    };
    assert_eq!(
        m.location,
        "interior cell (row 12, column 22) of the 40×40 interior cells (rows and columns 1 to 40; 0 and 41 are the fixed boundary)"
    );
    assert!((m.got / m.expected - 1.01).abs() < 1e-12);
    let explained = perflab::student::check::explain(lesson, prepared.as_ref(), &checked);
    assert!(explained.starts_with("✗ wrong answer after"), "{explained}");
    assert!(
        explained.contains("expected") && explained.contains("but got"),
        "{explained}"
    );
    // A kernel that returns the wrong number of values says so.
    let short = |steps: usize, clock: &dyn Clock| -> perflab::Result<Outcome> {
        let mut o = prepared.run(loops, steps, clock, None)?;
        o.values.pop();
        Ok(o)
    };
    let checked = check(
        lesson,
        prepared.as_ref(),
        &short,
        5,
        5.0,
        &RealClock::default(),
    )
    .unwrap();
    assert!(
        perflab::student::check::explain(lesson, prepared.as_ref(), &checked)
            .contains("has 1764 values and yours has 1763")
    );
}

// The shipped diffusion exercise, compiled here as the exercise's own binary compiles it.
#[path = "../lessons/diffusion/exercise.start.rs"]
mod shipped;

#[test]
fn the_shipped_exercise_is_correct_but_fails_the_speed_target() {
    let lesson = &perflab::lessons::diffusion::LESSON;
    lesson.set_exercise(shipped::run);
    assert!(lesson.has_exercise_kernel());
    let dir = tempfile::tempdir().unwrap();
    let options = perflab::student::check::CheckOptions {
        rounds: 5,
        no_build: true,
    };
    let state = dir.path().join("state.json");
    let mut out = Vec::new();
    let err =
        perflab::student::check::command(lesson, &options, &RealClock::default(), &state, &mut out)
            .expect_err("the shipped exercise passed its target");
    let out = String::from_utf8_lossy(&out);
    assert_eq!(
        err.downcast_ref::<perflab::commands::Exit>(),
        Some(&perflab::commands::Exit(1)),
        "{err}"
    );
    assert!(out.contains("✓ correct"), "{out}");
    // Not passed: clearly too slow, or, where the tests beside this one keep the cores busy,
    // too noisy to say (never a pass).
    assert!(
        out.contains("✗ not fast enough yet") || out.contains("? inconclusive — machine too noisy"),
        "{out}"
    );
    let progress = perflab::student::state::load(&state).state;
    assert_eq!(progress.lessons["diffusion"].checks, 1);
    assert!(!progress.lessons["diffusion"].passed);
}

/// `cargo perflab check` without `--no-build` builds the exercise's binary with cargo, then
/// runs it. Here "cargo" is a script that records its arguments, and the "built" binary a
/// script that records its own and answers as a failed check does.
#[test]
fn check_builds_the_exercise_binary_then_runs_it() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let release = dir.path().join("target/release");
    std::fs::create_dir_all(&release).unwrap();
    let script = |path: &Path, body: String| {
        std::fs::write(path, format!("#!/bin/sh\n{body}")).unwrap();
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    };
    let ran = dir.path().join("exercise-args");
    script(
        &release.join("diffusion-exercise"),
        format!(
            "echo \"$@\" > '{}'\necho '✓ correct'\nexit 1\n",
            ran.display()
        ),
    );
    let cargo = dir.path().join("cargo");
    let log = dir.path().join("cargo-args");
    let fake = |status: u8| {
        script(
            &cargo,
            format!("echo \"$@\" > '{}'\nexit {status}\n", log.display()),
        )
    };
    let check = || {
        Command::new(env!("CARGO_BIN_EXE_perflab"))
            .args(["check", "diffusion", "--rounds", "3"])
            .env("CARGO", &cargo)
            .env("CARGO_TARGET_DIR", dir.path().join("target"))
            .env("PERFLAB_STATE", dir.path().join("state.json"))
            .output()
            .unwrap()
    };
    fake(0);
    let o = check();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(
        std::fs::read_to_string(&log).unwrap().trim(),
        "build --release --quiet --workspace --bin diffusion-exercise"
    );
    assert!(err.contains("building your exercise"), "{err}");
    assert_eq!(
        std::fs::read_to_string(&ran).unwrap().trim(),
        "check diffusion --rounds 3 --no-build"
    );
    assert!(text(&o).contains("✓ correct"), "{}", text(&o));
    assert_eq!(
        o.status.code(),
        Some(1),
        "the exercise binary's status is passed on"
    );
    // A build that fails stops the check with one clear line, and status 1.
    fake(101);
    let o = check();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(
        err.lines().last(),
        Some(
            "✗ the exercise does not build: fix the errors above in lessons/diffusion/exercise.rs, then check again"
        ),
        "{err}"
    );
    assert!(o.stdout.is_empty());
}

/// Walks every step of each of `lessons` quickly (the small size, one sample of at most
/// 0.02 s per variant), recording progress in `state`; checks what each walk printed.
fn walk(lessons: &[&'static dyn Lesson], dir: &Path, state: &Path) {
    for lesson in lessons {
        let small = lesson.small();
        let mut args = vec![
            "tutor",
            lesson.name(),
            "--no-pause",
            "--samples",
            "1",
            "--budget",
            "0.02",
        ];
        for p in &small {
            args.extend(["--param", p]);
        }
        let o = perflab(&args, dir, state);
        let out = text(&o);
        assert!(
            o.status.success(),
            "{}: {}",
            lesson.name(),
            String::from_utf8_lossy(&o.stderr)
        );
        let n = lesson.steps().len();
        for k in 1..=n {
            assert!(
                out.contains(&format!("step {k} of {n}")),
                "step {k} missing:\n{out}"
            );
        }
        // Every `$` line is a command, showing the timing it ran with, and every
        // placeholder was filled.
        for line in out.lines().filter(|l| l.starts_with("$ ")) {
            assert!(
                line.starts_with("$ cargo perflab "),
                "not a command: {line}"
            );
            if line.starts_with("$ cargo perflab compare ")
                || line.starts_with("$ cargo perflab sweep ")
            {
                assert!(line.contains(" --samples 1 --budget 0.02"), "{line}");
            }
        }
        for step in lesson.steps() {
            for name in perflab::student::tutor::placeholders(step.text) {
                assert!(
                    !out.contains(&format!("{{{name}}}")),
                    "{{{name}}} unfilled:\n{out}"
                );
            }
        }
        // Each command the tutor shows runs as typed (here: parses, through the binary).
        for line in out
            .lines()
            .filter_map(|l| l.strip_prefix("$ cargo perflab "))
        {
            let words: Vec<&str> = line.split_whitespace().collect();
            let o = perflab(&[&words[..], &["--help"]].concat(), dir, state);
            assert!(
                o.status.success(),
                "the tutor printed `cargo perflab {line}`, which fails"
            );
        }
    }
    let out = text(&perflab(&["progress"], dir, state));
    for lesson in lessons {
        let n = lesson.steps().len();
        // "diffusion — 2-D diffusion", then "  tutor     8 of 8 steps seen".
        let mut lines = out.lines();
        lines
            .find(|l| l.split_whitespace().next() == Some(lesson.name()))
            .unwrap_or_else(|| panic!("no {} in:\n{out}", lesson.name()));
        let tutor = lines.next().unwrap_or_default();
        assert!(tutor.contains(&format!("{n} of {n} steps seen")), "{out}");
    }
}

#[test]
fn tutor_runs_every_step_of_every_lesson() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    // One walk at a time: the tests beside this one time the exercise, and need cores.
    walk(perflab::lessons::all(), dir.path(), &state);
    // The diffusion tutor shows real results: a run, a comparison, the profiler's tables.
    let o = perflab(
        &["tutor", "diffusion", "--step", "4", "--param", "dx=0.5"],
        dir.path(),
        &state,
    );
    let out = text(&o);
    assert!(out.contains("ncalls") && out.contains("Line #"), "{out}");
    assert!(
        out.contains("step 8 of 8"),
        "input at its end lets the tutor go on:\n{out}"
    );
    let o = perflab(&["tutor", "diffusion", "--step", "9"], dir.path(), &state);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("invalid --step = 9: expected 1 to 8"));
}

#[test]
fn hints_come_one_at_a_time_and_progress_keeps_them() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let first = text(&perflab(&["hint", "diffusion"], dir.path(), &state));
    assert!(
        first.contains("hint 1 of 4") && !first.contains("hint 2 of 4"),
        "{first}"
    );
    let second = text(&perflab(&["hint", "diffusion"], dir.path(), &state));
    assert!(second.contains("hint 2 of 4"), "{second}");
    for _ in 0..3 {
        perflab(&["hint", "diffusion"], dir.path(), &state);
    }
    let all = text(&perflab(&["hint", "diffusion"], dir.path(), &state));
    assert!(
        all.contains("hint 4 of 4") && all.contains("(that is every hint)"),
        "{all}"
    );
    let progress = text(&perflab(&["progress"], dir.path(), &state));
    assert!(progress.contains("4 of 4 hints"), "{progress}");
    // A corrupt file is reported, kept aside and rebuilt.
    std::fs::write(&state, "[[[").unwrap();
    let o = perflab(&["hint", "diffusion"], dir.path(), &state);
    assert!(o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("was damaged") && err.contains("state.json.corrupt.1"),
        "{err}"
    );
    assert!(text(&o).contains("hint 1 of 4"));
    assert!(dir.path().join("state.json.corrupt.1").exists());
}

#[test]
fn reset_restores_the_exercise_and_keeps_the_students_copy() {
    let root = tempfile::tempdir().unwrap();
    let info = perflab::lessons::find("diffusion")
        .unwrap()
        .exercise()
        .unwrap();
    let file = root.path().join(info.file);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, "// my fast kernel\n").unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_diffusion"))
        .arg("reset")
        .env("PERFLAB_ROOT", root.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), info.start);
    let backup = file.with_extension("rs.bak");
    assert_eq!(
        std::fs::read_to_string(backup).unwrap(),
        "// my fast kernel\n"
    );
}

#[test]
fn one_save_triggers_one_recheck() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("exercise.rs");
    std::fs::write(&path, "// start\n").unwrap();
    let writer = {
        let path = path.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            // An editor's save: a write, then another touch of the same file.
            std::fs::write(&path, "// edited\n").unwrap();
            std::fs::write(&path, "// edited again\n").unwrap();
            std::fs::write(path.with_extension("txt"), "not source").unwrap();
        })
    };
    let mut calls = Vec::new();
    perflab::student::watch::watch(dir.path(), Duration::from_millis(200), Some(1), |changed| {
        calls.push(changed.to_vec());
        Ok(())
    })
    .unwrap();
    writer.join().unwrap();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].len(), 1, "{calls:?}");
    assert!(calls[0][0].ends_with("exercise.rs"));
    assert!(!perflab::student::watch::is_source(Path::new(
        "target/release/x.rs"
    )));
    assert!(!perflab::student::watch::is_source(Path::new(
        "lessons/.perflab-tmp.rs"
    )));
}

/// Every command that names the variant `exercise` builds the exercise's own binary with
/// the real cargo and runs there: run, timeit, compare, profile (every profiler), asm
/// and a differential profile, as a student types them.
#[test]
fn the_exercise_is_a_variant_of_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let small = ["--param", "dx=0.5", "--param", "runtime=1"];
    let reports = dir.path().join("reports");
    let out = reports.to_str().unwrap();
    // Each run replaces its folder whole: the diff gets one of its own.
    let diff_out = dir.path().join("diff");
    let diff_out = diff_out.to_str().unwrap();
    let cases: Vec<Vec<&str>> = vec![
        vec!["run", "diffusion", "--variant", "exercise"],
        vec![
            "timeit",
            "diffusion",
            "--variant",
            "exercise",
            "-r",
            "2",
            "-n",
            "1",
        ],
        vec![
            "compare",
            "diffusion",
            "--variants",
            "fused,exercise",
            "--samples",
            "2",
        ],
        vec![
            "profile",
            "diffusion",
            "--variant",
            "exercise",
            "--steps",
            "20",
            "--out",
            out,
        ],
        vec![
            "profile",
            "diffusion",
            "--diff",
            "nested",
            "exercise",
            "--budget",
            "0.3",
            "--out",
            diff_out,
        ],
        vec!["asm", "diffusion", "--variant", "exercise", "--summary"],
    ];
    for case in cases {
        let mut args = case.clone();
        // The differential flamegraph samples: it runs the default size for 0.3 s.
        if case[0] != "asm" && !case.contains(&"--diff") {
            args.extend(small);
        }
        let o = perflab(&args, dir.path(), &state);
        let (stdout, stderr) = (text(&o), String::from_utf8_lossy(&o.stderr));
        assert!(o.status.success(), "{}: {stderr}\n{stdout}", case.join(" "));
        assert!(
            stderr.contains("building your exercise"),
            "{}: {stderr}",
            case.join(" ")
        );
        match case[0] {
            "run" => assert!(
                stdout.contains("variant     exercise") && stdout.contains("✓ matches"),
                "{stdout}"
            ),
            "timeit" | "compare" => assert!(
                stdout.contains("exercise") && stdout.contains('✓'),
                "{stdout}"
            ),
            "asm" => assert!(stdout.contains("exercise::run"), "{stdout}"),
            _ => assert!(stdout.contains("wrote:"), "{stdout}"),
        }
    }
    // The line profiler saw the exercise's own lines.
    let lines = std::fs::read_to_string(reports.join("lines.txt")).unwrap();
    assert!(lines.contains("for _ in 0..steps"), "{lines}");
    let functions = std::fs::read_to_string(reports.join("functions.txt")).unwrap();
    assert!(functions.contains("exercise::run"), "{functions}");
}

/// The student commands as library calls, on files of the test's own.
#[test]
fn hint_reset_progress_and_tutor_called_directly() {
    use perflab::student::{exercise, progress, tutor};
    let lesson = perflab::lessons::find("particles").unwrap();
    let info = lesson.exercise().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let call = |f: &dyn Fn(&mut Vec<u8>) -> anyhow::Result<()>| {
        let mut out = Vec::new();
        f(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    };
    // Hints come one more at a time, and are counted.
    let first = call(&|out| exercise::hint(lesson, &state, out));
    assert!(
        first.starts_with(&format!("hint 1 of {}:", info.hints.len())),
        "{first}"
    );
    let second = call(&|out| exercise::hint(lesson, &state, out));
    assert!(
        second.contains(&format!("hint 2 of {}:", info.hints.len())),
        "{second}"
    );
    // Reset puts the shipped file back and keeps the student's.
    let file = dir.path().join(info.file);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, "mine").unwrap();
    let said = call(&|out| exercise::reset(lesson, dir.path(), out));
    assert!(said.contains("kept your version"), "{said}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), info.start);
    let mut bak = file.clone().into_os_string();
    bak.push(".bak");
    assert_eq!(std::fs::read_to_string(&bak).unwrap(), "mine");
    // The tutor's last step (a text), with Enter read from a buffer, is recorded.
    let n = lesson.steps().len();
    let options = tutor::TutorOptions {
        step: Some(n as u64),
        no_pause: false,
        params: Vec::new(),
        out: Some(dir.path().join("tutor")),
        ..Default::default()
    };
    let walked = call(&|out| {
        let mut input = std::io::Cursor::new(Vec::new());
        tutor::tutor(
            lesson,
            &options,
            &RealClock::default(),
            &mut input,
            &state,
            out,
        )
    });
    assert!(walked.contains(&format!("step {n} of {n}")), "{walked}");
    let shown = call(&|out| progress::progress(&[lesson], &state, out));
    assert!(shown.contains(&format!("1 of {n} steps seen")), "{shown}");
    assert!(
        shown.contains("✗ not passed — not checked yet, target 100×, 0 checks"),
        "{shown}"
    );
    assert!(
        shown.contains(&format!("2 of {} hints", info.hints.len())),
        "{shown}"
    );
}

/// The parameters a step runs with, as the tutor gives them (no user overrides): its own.
fn own_params(step: &perflab::lesson::Step) -> Vec<String> {
    use perflab::lesson::Action;
    let own: &[&str] = match step.action {
        Action::Run { params, .. }
        | Action::Compare { params, .. }
        | Action::Memory { params, .. }
        | Action::Profile { params, .. }
        | Action::Sweep { params, .. } => params,
        Action::Read | Action::Asm { .. } => &[],
    };
    own.iter().map(|p| p.to_string()).collect()
}

/// Every tutor step's text names counts and sizes through placeholders filled from the
/// step's own parameters, never as a number that could disagree with them, and every
/// command it shows parses as written.
#[test]
fn tutor_texts_agree_with_their_parameters() {
    use clap::Parser;
    use perflab::lesson::Action;
    use perflab::student::tutor::{PLACEHOLDERS, placeholders, typed};
    for lesson in perflab::lessons::all() {
        let names: Vec<&str> = lesson.params().iter().map(|p| p.name).collect();
        for step in lesson.steps() {
            let at = format!("{}, step {:?}", lesson.name(), step.title);
            let own = own_params(step);
            // Each placeholder is a parameter or one the tutor knows, and fits the step.
            for name in placeholders(step.text) {
                let known = names.contains(&name)
                    || match name.strip_prefix("exercise.") {
                        Some(key) => {
                            lesson.exercise().is_some() && (key == "size" || names.contains(&key))
                        }
                        None => PLACEHOLDERS.iter().any(|p| p.0 == name),
                    };
                assert!(known, "{at}: unknown {{{name}}}");
                match name {
                    "values" => assert!(matches!(step.action, Action::Sweep { .. }), "{at}"),
                    "line_steps" => assert!(matches!(step.action, Action::Profile { .. }), "{at}"),
                    "target" => assert!(lesson.exercise().is_some(), "{at}"),
                    _ => {}
                }
            }
            // Outside a command (`--param k=v`), a parameter's value is a placeholder.
            for (i, _) in step.text.match_indices('=') {
                let before = &step.text[..i];
                let key_start = before
                    .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .map_or(0, |k| k + 1);
                let key = &before[key_start..];
                if !names.contains(&key) {
                    continue;
                }
                let lead = &before[..key_start];
                let value = &step.text[i + 1..];
                assert!(
                    lead.ends_with("--param ") || lead.ends_with("-p ") || value.starts_with('{'),
                    "{at}: `{key}=…` outside a command; write `{key}={{{key}}}`"
                );
            }
            // The numbers the step sets appear only through placeholders.
            let tokens: Vec<&str> = step
                .text
                .split(|c: char| !(c.is_alphanumeric() || c == '.' || c == '-'))
                .map(|t| t.trim_matches(|c| c == '.' || c == '-'))
                .filter(|t| t.parse::<f64>().is_ok())
                .collect();
            for p in &own {
                let (key, value) = p.split_once('=').unwrap();
                if value.parse::<f64>().is_err() {
                    continue;
                }
                let outside = tokens.contains(&value);
                assert!(
                    !outside,
                    "{at}: the text names {value} where the step sets {key}={value}; write {{{key}}}"
                );
            }
            // Every command in the text parses as written, its placeholders filled.
            for piece in step.text.split('`').skip(1).step_by(2) {
                let Some(rest) = piece.strip_prefix("cargo perflab ") else {
                    continue;
                };
                let mut command = rest.to_string();
                for name in placeholders(rest) {
                    let value = typed(*lesson, &own, name).expect("a parameter");
                    command = command.replace(&format!("{{{name}}}"), &value);
                }
                let words = std::iter::once("perflab").chain(command.split_whitespace());
                if let Err(e) = perflab::cli::Cli::try_parse_from(words) {
                    panic!("{at}: `cargo perflab {command}` does not parse: {e}");
                }
            }
        }
    }
}

/// The placeholders are filled from what the step runs: its parameters as typed, the
/// user's over the step's, the steps the problem makes, the profile's own counts.
#[test]
fn tutor_fills_texts_from_the_step() {
    use perflab::lesson::{Action, Step};
    use perflab::student::tutor::fill;
    let diffusion = perflab::lessons::find("diffusion").unwrap();
    let find = |lesson: &dyn Lesson, title: &str| {
        *lesson.steps().iter().find(|s| s.title == title).unwrap()
    };
    let baseline = find(diffusion, "Measure first: the baseline");
    let params = vec!["runtime=1".to_string(), "dx=0.5".to_string()];
    let steps = diffusion
        .prepare(&diffusion.parse_params(&params).unwrap())
        .unwrap()
        .steps();
    let text = fill(diffusion, &baseline, &params).unwrap();
    assert!(
        text.contains(&format!("runtime=1 ({steps} steps)")),
        "{text}"
    );
    // The user's value, as typed, where the user gave one.
    let mine = vec!["runtime=1".to_string(), "runtime=0.50".to_string()];
    let text = fill(diffusion, &baseline, &mine).unwrap();
    assert!(text.contains("runtime=0.50 ("), "{text}");
    let profile = find(diffusion, "Profile: where does the time go?");
    let text = fill(diffusion, &profile, &[]).unwrap();
    assert!(
        text.contains("makes 300 steps and the line profiler's 30"),
        "{text}"
    );
    assert!(text.contains("profiler's own cost"), "{text}");
    // A problem shorter than the profile's steps: the profile makes a full run's.
    let short = vec!["dx=0.5".to_string(), "runtime=0.1".to_string()];
    let full = diffusion
        .prepare(&diffusion.parse_params(&short).unwrap())
        .unwrap()
        .steps();
    assert!(full < 300);
    let text = fill(diffusion, &profile, &short).unwrap();
    assert!(text.contains(&format!("makes {full} steps")), "{text}");
    let turn = find(diffusion, "Your turn");
    let text = fill(diffusion, &turn, &[]).unwrap();
    let info = diffusion.exercise().unwrap();
    assert!(
        text.contains(&format!(
            "at least {}× faster",
            perflab::lesson::params::show(info.target)
        )),
        "{text}"
    );
    // Numbers as typed: dt=0.01 is evolve(0.01), though its 999 steps of 1e-5 fall short.
    let particles = perflab::lessons::find("particles").unwrap();
    let text = fill(
        particles,
        &particles.steps()[0],
        &own_params(&particles.steps()[0]),
    )
    .unwrap();
    assert!(
        text.contains("on 100 particles and evolve(0.01): 999 steps of 1e-5"),
        "{text}"
    );
    let dt = vec!["n=10".to_string(), "dt=0.01".to_string()];
    let size = particles
        .prepare(&particles.parse_params(&dt).unwrap())
        .unwrap()
        .describe();
    assert_eq!(size, "10 particles, evolve(0.01): 999 steps of 1e-5");
    // A name that is no placeholder is an error, not a silent brace.
    let bad = Step {
        title: "bad",
        text: "{bogus} steps",
        action: Action::Read,
    };
    let err = fill(diffusion, &bad, &[]).unwrap_err().to_string();
    assert!(err.contains("{bogus}"), "{err}");
}

/// `watch` re-checks for the exercise's own file and what it includes, not for another
/// lesson's file, nor another file beside it.
#[test]
fn watch_follows_only_the_exercise_and_its_includes() {
    use perflab::student::watch::{is_watched, sources_of, watch_files};
    let dir = tempfile::tempdir().unwrap();
    let (mine, other) = (dir.path().join("mine"), dir.path().join("other"));
    std::fs::create_dir_all(mine.join("exercise")).unwrap();
    std::fs::create_dir_all(&other).unwrap();
    let exercise = mine.join("exercise.rs");
    std::fs::write(
        &exercise,
        "mod helper;\ninclude!(\"table.rs\");\n// include!(\"commented.rs\");\npub fn run() {}\n",
    )
    .unwrap();
    std::fs::write(mine.join("exercise").join("helper.rs"), "").unwrap();
    std::fs::write(mine.join("table.rs"), "").unwrap();
    std::fs::write(mine.join("commented.rs"), "").unwrap();
    std::fs::write(mine.join("mod.rs"), "").unwrap();
    std::fs::write(other.join("exercise.rs"), "").unwrap();
    let files = sources_of(&exercise);
    let mut sorted = files.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        vec![
            mine.join("exercise").join("helper.rs"),
            exercise.clone(),
            mine.join("table.rs"),
        ]
    );
    assert!(is_watched(&exercise, &files));
    assert!(is_watched(&mine.join("exercise/../table.rs"), &files));
    assert!(!is_watched(&other.join("exercise.rs"), &files));
    assert!(!is_watched(&mine.join("mod.rs"), &files));
    // A real watch: saves of another lesson's exercise and of the lesson's other file
    // come first, and are not a change; the exercise's own save is.
    let writer = {
        let (exercise, other, mine) = (exercise.clone(), other.clone(), mine.clone());
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            std::fs::write(other.join("exercise.rs"), "// theirs\n").unwrap();
            std::fs::write(mine.join("mod.rs"), "// the lesson\n").unwrap();
            std::thread::sleep(Duration::from_millis(400));
            std::fs::write(&exercise, "pub fn run() {}\n").unwrap();
        })
    };
    let mut calls = Vec::new();
    watch_files(&files, Duration::from_millis(200), Some(1), |changed| {
        calls.push(changed.to_vec());
        Ok(())
    })
    .unwrap();
    writer.join().unwrap();
    assert_eq!(calls, vec![vec![exercise]]);
}
