//! The student's exercise: its hints, restoring it as shipped, and its binary.
//!
//! An exercise is not part of the perflab library. Each lesson's `exercise.rs` builds as
//! a binary of its own, `<lesson>-exercise` in the package `perflab-exercises`
//! (`exercises/`; the mpi lesson's in `perflab-mpi`, the only package that links Open MPI), which links the library and registers the student's kernel as the
//! variant `exercise` (as rustlings builds each exercise apart from its runner). So an
//! exercise that does not compile stops nothing but the commands that need it, and after
//! an edit only that small binary is rebuilt. A command that names the variant
//! `exercise` here is run again in that binary: [`delegate`].

use crate::commands::{Exit, warn};
use crate::files::write_atomic;
use crate::lesson::Lesson;
use crate::student::tutor::wrapped;
use anyhow::Context;
use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The package the exercises' binaries belong to.
pub const PACKAGE: &str = "perflab-exercises";

/// The name of a lesson's exercise binary.
pub fn binary_name(lesson: &str) -> String {
    format!("{lesson}-exercise")
}

/// The lesson's exercise, or an error saying it has none.
pub fn exercise_of(lesson: &dyn Lesson) -> anyhow::Result<crate::lesson::ExerciseInfo> {
    lesson
        .exercise()
        .ok_or_else(|| anyhow::anyhow!("lesson {} has no exercise", lesson.name()))
}

/// Builds the lesson's exercise binary with cargo, in release mode, at the project's root;
/// the compiler's messages go straight to the terminal. Returns the binary's path, or,
/// when the exercise does not build, says so in one line and returns [`Exit`]`(1)`.
pub fn build(lesson: &dyn Lesson) -> anyhow::Result<PathBuf> {
    let info = exercise_of(lesson)?;
    let root = crate::files::root();
    let name = binary_name(lesson.name());
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    // `--workspace --bin NAME` builds that binary only, in whichever package holds it:
    // most are in `perflab-exercises`, the mpi lesson's in `perflab-mpi` (it links MPI).
    eprintln!("building your exercise (cargo build --release --workspace --bin {name}) …");
    let start = std::time::Instant::now();
    // On a terminal cargo shows its own progress (what it compiles, a bar), so a rebuild
    // that takes a while is seen to go on; piped, only its errors.
    let quiet = match std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        true => None,
        false => Some("--quiet"),
    };
    let status = Command::new(&cargo)
        .arg("build")
        .arg("--release")
        .args(quiet)
        .args(["--workspace", "--bin", &name])
        .current_dir(&root)
        .status()
        .with_context(|| format!("cannot run cargo in {}", root.display()))?;
    if !status.success() {
        eprintln!(
            "✗ the exercise does not build: fix the errors above in {}, then check again",
            info.file
        );
        return Err(Exit(1).into());
    }
    eprintln!("built in {:.1} s", start.elapsed().as_secs_f64());
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    Ok(target.join("release").join(name))
}

/// Runs `binary` with `args`, as if it were called `arg0`, and leaves with its status.
fn run_as(binary: &Path, arg0: OsString, args: Vec<OsString>) -> anyhow::Result<()> {
    use std::os::unix::process::CommandExt;
    let status = Command::new(binary)
        .arg0(arg0)
        .args(args)
        .status()
        .with_context(|| format!("cannot run {}", binary.display()))?;
    match status.code() {
        Some(0) => Ok(()),
        Some(code) => Err(Exit(code.clamp(1, 255) as u8).into()),
        None => Err(Exit(2).into()),
    }
}

/// Runs this very command again in the lesson's exercise binary, where the student's
/// kernel is the variant `exercise`: builds it, runs it with this process's arguments
/// (and its name, so that it parses them the same way) and leaves with its status.
pub fn delegate(lesson: &dyn Lesson) -> anyhow::Result<()> {
    let binary = build(lesson)?;
    let mut args = std::env::args_os();
    let arg0 = args.next().unwrap_or_else(|| "perflab".into());
    run_as(&binary, arg0, args.collect())
}

/// Builds the exercise binary and grades the exercise in it (`check … --no-build` there).
pub fn build_and_check(lesson: &dyn Lesson, rounds: u64) -> anyhow::Result<()> {
    let binary = build(lesson)?;
    let args = [
        "check",
        lesson.name(),
        "--rounds",
        &rounds.to_string(),
        "--no-build",
    ];
    run_as(
        &binary,
        "perflab".into(),
        args.iter().map(OsString::from).collect(),
    )
}

/// Shows the hints revealed so far and one more, as `cargo perflab hint` does, counting them
/// in the progress file `state`.
pub fn hint(lesson: &dyn Lesson, state: &Path, out: &mut dyn Write) -> anyhow::Result<()> {
    let info = exercise_of(lesson)?;
    anyhow::ensure!(
        !info.hints.is_empty(),
        "lesson {} has no hints",
        lesson.name()
    );
    let mut shown = 0;
    // The hint is shown even when the progress file cannot be saved: a warning, no more.
    warn(crate::student::state::update(state, lesson.name(), |p| {
        p.hints_shown = (p.hints_shown + 1).min(info.hints.len());
        shown = p.hints_shown;
    }));
    for (i, h) in info.hints.iter().enumerate().take(shown) {
        writeln!(out, "hint {} of {}:", i + 1, info.hints.len())?;
        wrapped(h, out)?;
        writeln!(out)?;
    }
    if shown == info.hints.len() {
        writeln!(out, "(that is every hint)")?;
    }
    Ok(())
}

/// Restores the exercise under the project's `root` as shipped, keeping the student's
/// version beside it as `.bak`, as `cargo perflab reset` does.
pub fn reset(lesson: &dyn Lesson, root: &Path, out: &mut dyn Write) -> anyhow::Result<()> {
    let info = exercise_of(lesson)?;
    let path = root.join(info.file);
    if let Ok(current) = std::fs::read_to_string(&path)
        && current != info.start
    {
        let mut backup = path.as_os_str().to_owned();
        backup.push(".bak");
        write_atomic(Path::new(&backup), current.as_bytes())?;
        writeln!(out, "kept your version as {}", Path::new(&backup).display())?;
    }
    write_atomic(&path, info.start.as_bytes())?;
    writeln!(out, "restored {} as shipped", path.display())?;
    Ok(())
}
