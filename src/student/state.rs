//! The student's progress: tutor steps seen, hints shown, whether the exercise passed and
//! the best speedup reached, per lesson. A small JSON file at the project's root
//! (`.perflab-state.json`, git-ignored; `PERFLAB_STATE` names another), written whole or
//! not at all. A file that cannot be read back is moved aside as `….corrupt.<n>` (never
//! replacing an earlier copy), reported in one line, and started afresh, never silently
//! lost; a progress file that cannot be saved costs a one-line warning, not a result.

use crate::error::{Error, Result};
use crate::files::{Kept, write_atomic};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// One lesson's progress.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct LessonProgress {
    /// Tutor steps seen (1-based).
    pub steps_seen: BTreeSet<usize>,
    /// Hints revealed so far.
    pub hints_shown: usize,
    /// Whether the exercise has passed `cargo perflab check`.
    pub passed: bool,
    /// The best speedup over the baseline that `cargo perflab check` measured.
    pub best_speedup: Option<f64>,
    /// Checks run.
    pub checks: u32,
}

/// Every lesson's progress.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct State {
    /// Progress by lesson name.
    pub lessons: BTreeMap<String, LessonProgress>,
}

/// The state file: `PERFLAB_STATE`, or `.perflab-state.json` at the root.
pub fn path() -> PathBuf {
    std::env::var_os("PERFLAB_STATE")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::files::root().join(".perflab-state.json"))
}

/// A loaded state, with a warning when the file was damaged.
#[derive(Debug)]
pub struct Loaded {
    /// The state (empty if there was none, or none that could be read).
    pub state: State,
    /// What happened to a damaged file, in one line to print.
    pub warning: Option<String>,
    /// Whether the state may be saved: not when a damaged file could not be set aside,
    /// for saving would replace it.
    pub keep: bool,
}

/// Reads the state at `path`; never fails. Empty when there is no file. Anything else
/// there that is not a progress file (a folder, bytes that are not UTF-8 or not JSON, JSON
/// of another shape, an empty file) is moved aside to `<path>.corrupt.<n>`, never
/// replacing an earlier copy, and the state starts afresh; the warning says where it went
/// and why. Where it cannot even be moved aside, the warning says so and the state is an
/// empty one kept in memory only.
pub fn load(path: &Path) -> Loaded {
    let why = match crate::files::read_json::<State>(path) {
        Kept::Missing => None,
        Kept::Read(state) => {
            return Loaded {
                state,
                warning: None,
                keep: true,
            };
        }
        Kept::Damaged(why) => Some(why),
    };
    let (warning, keep) = match why {
        None => (None, true),
        Some(why) => match crate::files::set_aside(path) {
            Ok(aside) => (
                Some(format!(
                    "warning: progress file {} was damaged ({why}); moved it to {} and started afresh",
                    path.display(),
                    aside.display()
                )),
                true,
            ),
            Err(e) => (
                Some(format!(
                    "warning: progress file {} is damaged ({why}) and could not be moved aside ({e}); going on without it, and this run's progress will not be saved",
                    path.display(),
                )),
                false,
            ),
        },
    };
    Loaded {
        state: State::default(),
        warning,
        keep,
    }
}

/// Writes the state to `path`, whole or not at all.
pub fn save(path: &Path, state: &State) -> Result<()> {
    let json = serde_json::to_string_pretty(state).map_err(|e| Error::Profiler {
        what: "encode the progress file",
        message: e.to_string(),
    })?;
    write_atomic(path, format!("{json}\n").as_bytes())
}

/// Loads the state, lets `f` change one lesson's progress, and saves it; never fails, so
/// that no command loses its result to the progress file. Returns one line to print when
/// something went wrong: a damaged file set aside, or progress that could not be saved.
pub fn update(path: &Path, lesson: &str, f: impl FnOnce(&mut LessonProgress)) -> Option<String> {
    let mut loaded = load(path);
    f(loaded.state.lessons.entry(lesson.to_string()).or_default());
    if !loaded.keep {
        return loaded.warning;
    }
    match (save(path, &loaded.state), loaded.warning) {
        (Ok(()), warning) => warning,
        (Err(e), None) => Some(format!("warning: progress not saved ({e})")),
        (Err(e), Some(w)) => Some(format!("{w}; but progress not saved ({e})")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_round_trips_and_a_damaged_file_is_kept_aside() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let loaded = load(&path);
        assert_eq!(
            (loaded.state, loaded.warning, loaded.keep),
            (State::default(), None, true)
        );
        let mut s = State::default();
        let l = s.lessons.entry("diffusion".into()).or_default();
        l.steps_seen.extend([1, 3]);
        l.best_speedup = Some(6.5);
        save(&path, &s).unwrap();
        assert_eq!(load(&path).state, s);
        for (n, bad) in [&b"{ not json"[..], b"\x00\xff"].into_iter().enumerate() {
            std::fs::write(&path, bad).unwrap();
            let loaded = load(&path);
            assert_eq!(loaded.state, State::default());
            assert!(loaded.keep);
            let warning = loaded.warning.unwrap();
            let aside = dir.path().join(format!("state.json.corrupt.{}", n + 1));
            assert!(
                warning.contains(&format!("moved it to {}", aside.display())),
                "{warning}"
            );
            assert_eq!(std::fs::read(&aside).unwrap(), bad);
            assert!(!path.exists());
        }
    }

    #[test]
    fn update_never_fails() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        std::fs::write(&path, "[1, 2]").unwrap();
        let w = update(&path, "diffusion", |p| p.hints_shown = 1).unwrap();
        assert!(w.contains("not the expected fields"), "{w}");
        assert_eq!(load(&path).state.lessons["diffusion"].hints_shown, 1);
        assert_eq!(update(&path, "diffusion", |p| p.checks = 2), None);
        // A file where the file's folder should be: nothing there, and it cannot be saved.
        std::fs::write(dir.path().join("file"), "").unwrap();
        let blocked = dir.path().join("file").join("state.json");
        let w = update(&blocked, "diffusion", |p| p.checks = 1).unwrap();
        assert!(
            w.starts_with("warning: progress not saved (cannot create folder"),
            "{w}"
        );
        assert_eq!(w.lines().count(), 1);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_damaged_file_that_cannot_be_moved_is_left_alone() {
        // Not JSON, and no one (root neither) can rename or replace a file of /proc.
        let path = Path::new("/proc/self/status");
        let loaded = load(path);
        assert!(!loaded.keep);
        assert_eq!(loaded.state, State::default());
        let w = update(path, "diffusion", |p| p.checks = 1).unwrap();
        assert!(w.contains("could not be moved aside"), "{w}");
        assert!(w.ends_with("this run's progress will not be saved"), "{w}");
        assert_eq!(w.lines().count(), 1);
    }
}
