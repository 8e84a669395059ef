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
    on_change: impl FnMut(&[PathBuf]) -> Result<()>,
) -> Result<()> {
    watch_where(
        &[dir.to_path_buf()],
        RecursiveMode::Recursive,
        is_source,
        quiet,
        limit,
        on_change,
    )
}

/// Watches the files `files` (the folders that hold them, since an editor's save may
/// replace a file by another of the same name) and calls `on_change` with those of them
/// changed, once per burst of events, as [`watch`] does; a change to any other file,
/// beside them or elsewhere, is not one.
pub fn watch_files(
    files: &[PathBuf],
    quiet: Duration,
    limit: Option<usize>,
    on_change: impl FnMut(&[PathBuf]) -> Result<()>,
) -> Result<()> {
    let mut dirs: Vec<PathBuf> = files
        .iter()
        .filter_map(|f| f.parent().map(Path::to_path_buf))
        .collect();
    dirs.sort();
    dirs.dedup();
    watch_where(
        &dirs,
        RecursiveMode::NonRecursive,
        |p| is_watched(p, files),
        quiet,
        limit,
        on_change,
    )
}

/// Whether a changed path is one of `files`: the same path, or the same file under
/// another spelling of its folder (a link, `..`).
pub fn is_watched(path: &Path, files: &[PathBuf]) -> bool {
    let canonical = |p: &Path| -> Option<PathBuf> {
        let dir = p.parent()?.canonicalize().ok()?;
        Some(dir.join(p.file_name()?))
    };
    let wanted = canonical(path);
    files
        .iter()
        .any(|f| f == path || (wanted.is_some() && canonical(f) == wanted))
}

/// The files the exercise `file` is built from: itself, and, transitively, the files it
/// brings in with `include!("…")`, `#[path = "…"]` or `mod name;` (as `name.rs` or
/// `name/mod.rs` beside it, or in a folder named after it), where they exist.
pub fn sources_of(file: &Path) -> Vec<PathBuf> {
    let mut found = vec![file.to_path_buf()];
    let mut i = 0;
    while i < found.len() {
        let current = found[i].clone();
        i += 1;
        let Ok(text) = std::fs::read_to_string(&current) else {
            continue;
        };
        let dir = current.parent().unwrap_or(Path::new("")).to_path_buf();
        let stem = current.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        let mut next = Vec::new();
        for line in text.lines().map(str::trim) {
            if line.starts_with("//") {
                continue;
            }
            for key in ["include!(\"", "include_str!(\"", "#[path = \""] {
                if let Some(rest) = line.split(key).nth(1)
                    && let Some(name) = rest.split('"').next()
                {
                    next.push(dir.join(name));
                }
            }
            let decl = line.strip_prefix("pub ").unwrap_or(line);
            if let Some(name) = decl.strip_prefix("mod ").and_then(|r| r.strip_suffix(';')) {
                let name = name.trim();
                next.extend([
                    dir.join(format!("{name}.rs")),
                    dir.join(name).join("mod.rs"),
                    dir.join(stem).join(format!("{name}.rs")),
                ]);
            }
        }
        for p in next {
            if p.is_file() && !found.contains(&p) {
                found.push(p);
            }
        }
    }
    found
}

fn watch_where(
    dirs: &[PathBuf],
    mode: RecursiveMode,
    wanted: impl Fn(&Path) -> bool,
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
    for dir in dirs {
        watcher.watch(dir, mode).map_err(|e| Error::Profiler {
            what: "watch the folder",
            message: format!("{}: {e}", dir.display()),
        })?;
    }
    let relevant = |event: &notify::Result<notify::Event>| -> Vec<PathBuf> {
        match event {
            Ok(e)
                if matches!(
                    e.kind,
                    EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_)
                ) =>
            {
                e.paths.iter().filter(|p| wanted(p)).cloned().collect()
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

/// Checks the exercise now and again after every save of its file (or of a file it
/// includes), as `cargo perflab watch` does, by running this program's `check`, which rebuilds
/// the exercise with cargo's own progress showing.
pub fn command(
    lesson: &dyn crate::lesson::Lesson,
    out: &mut dyn std::io::Write,
) -> anyhow::Result<()> {
    use anyhow::Context;
    let info = crate::student::exercise::exercise_of(lesson)?;
    let root = crate::files::root();
    let files = sources_of(&root.join(info.file));
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
    let shown: Vec<String> = files
        .iter()
        .map(|f| f.strip_prefix(&root).unwrap_or(f).display().to_string())
        .collect();
    writeln!(
        out,
        "checking once now, then on every save of {} (Ctrl-C stops)",
        shown.join(", ")
    )?;
    out.flush()?;
    run_check();
    watch_files(
        &files,
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
