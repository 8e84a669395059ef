//! Re-running something whenever a source file is saved (`cargo perflab watch`, like
//! `rustlings watch`): a notify watcher on a folder, with the burst of events one save
//! makes (editors write, rename and touch) gathered into one change.

use crate::error::{Error, Result};
use notify::{EventKind, RecursiveMode, Watcher};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

/// Whether a changed path is source worth re-checking for: a `.rs` file, not a temporary
/// one, not under `target/`.
pub fn is_source(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    path.extension().is_some_and(|e| e == "rs")
        && !name.starts_with('.')
        && !path.components().any(|c| c.as_os_str() == "target")
}

/// Watches `dir` (recursively) and calls `on_change` with the source files changed, once
/// per burst of events (a burst ends after `quiet` without events). Returns after
/// `limit` calls, or never.
pub fn watch(
    dir: &Path,
    quiet: Duration,
    limit: Option<usize>,
    mut on_change: impl FnMut(&[PathBuf]) -> Result<()>,
) -> Result<()> {
    let (tx, rx) = mpsc::channel();
    let mut watcher = notify::recommended_watcher(move |event| {
        let _ = tx.send(event);
    })
    .map_err(|e| Error::Profiler {
        what: "start watching files",
        message: e.to_string(),
    })?;
    watcher
        .watch(dir, RecursiveMode::Recursive)
        .map_err(|e| Error::Profiler {
            what: "watch the folder",
            message: format!("{}: {e}", dir.display()),
        })?;
    let relevant = |event: &notify::Result<notify::Event>| -> Vec<PathBuf> {
        match event {
            Ok(e)
                if matches!(
                    e.kind,
                    EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_)
                ) =>
            {
                e.paths.iter().filter(|p| is_source(p)).cloned().collect()
            }
            _ => Vec::new(),
        }
    };
    let mut calls = 0;
    while limit.is_none_or(|l| calls < l) {
        let Ok(first) = rx.recv() else { break };
        let mut changed = relevant(&first);
        if changed.is_empty() {
            continue;
        }
        // Gather the rest of the burst.
        while let Ok(more) = rx.recv_timeout(quiet) {
            changed.extend(relevant(&more));
        }
        changed.sort();
        changed.dedup();
        on_change(&changed)?;
        calls += 1;
    }
    Ok(())
}

/// Checks the exercise now and again after every save under `lessons/`, as `perflab
/// watch` does (by running this program's `check`, which rebuilds the exercise).
pub fn command(
    lesson: &dyn crate::lesson::Lesson,
    out: &mut dyn std::io::Write,
) -> anyhow::Result<()> {
    use anyhow::Context;
    crate::student::exercise::exercise_of(lesson)?;
    let dir = crate::files::root().join("lessons");
    let exe = std::env::current_exe().context("cannot find this program")?;
    let is_lesson_binary = exe.file_stem().and_then(|n| n.to_str()) == Some(lesson.name());
    let run_check = || {
        let mut command = std::process::Command::new(&exe);
        command.arg("check");
        if !is_lesson_binary {
            command.arg(lesson.name());
        }
        // The check prints its own verdict; its status only matters to it.
        let _ = command.status();
    };
    writeln!(
        out,
        "checking once now, then on every save under {} (Ctrl-C stops)",
        dir.display()
    )?;
    out.flush()?;
    run_check();
    watch(
        &dir,
        std::time::Duration::from_millis(300),
        None,
        |changed| {
            let names: Vec<String> = changed.iter().map(|p| p.display().to_string()).collect();
            println!("\n── changed: {} ──", names.join(", "));
            run_check();
            Ok(())
        },
    )?;
    Ok(())
}
