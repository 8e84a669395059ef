//! The student's progress: tutor steps seen, hints shown, whether the exercise passed and
//! the best speedup reached, per lesson. A small JSON file at the project's root
//! (`.perflab-state.json`, git-ignored; `PERFLAB_STATE` names another), written whole or
//! not at all. A file that cannot be read back is kept aside as `….corrupt`, reported in
//! one line, and started afresh, never silently lost.

use crate::error::{Error, Result};
use crate::files::write_atomic;
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

/// A loaded state, with a warning when the file was corrupt and has been set aside.
#[derive(Debug)]
pub struct Loaded {
    /// The state (empty if there was none).
    pub state: State,
    /// What happened to a corrupt file, to print.
    pub warning: Option<String>,
}

/// Reads the state at `path`: empty when there is no file; a corrupt file is renamed to
/// `<path>.corrupt` and reported.
pub fn load(path: &Path) -> Result<Loaded> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Loaded {
                state: State::default(),
                warning: None,
            });
        }
        Err(e) => return Err(Error::io("read", path, e)),
    };
    match serde_json::from_str::<State>(&text) {
        Ok(state) => Ok(Loaded {
            state,
            warning: None,
        }),
        Err(e) => {
            let mut aside = path.as_os_str().to_owned();
            aside.push(".corrupt");
            let aside = PathBuf::from(aside);
            std::fs::rename(path, &aside).map_err(|e| Error::io("set aside", path, e))?;
            Ok(Loaded {
                state: State::default(),
                warning: Some(format!(
                    "warning: progress file {} could not be read ({e}); kept it as {} and started a new one",
                    path.display(),
                    aside.display()
                )),
            })
        }
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

/// Loads the state, lets `f` change one lesson's progress, and saves it; returns the
/// warning about a corrupt file, if there was one.
pub fn update(
    path: &Path,
    lesson: &str,
    f: impl FnOnce(&mut LessonProgress),
) -> Result<Option<String>> {
    let mut loaded = load(path)?;
    f(loaded.state.lessons.entry(lesson.to_string()).or_default());
    save(path, &loaded.state)?;
    Ok(loaded.warning)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_round_trips_and_a_corrupt_file_is_kept_aside() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        assert_eq!(load(&path).unwrap().state, State::default());
        let mut s = State::default();
        let l = s.lessons.entry("diffusion".into()).or_default();
        l.steps_seen.extend([1, 3]);
        l.best_speedup = Some(6.5);
        save(&path, &s).unwrap();
        assert_eq!(load(&path).unwrap().state, s);
        std::fs::write(&path, "{ not json").unwrap();
        let loaded = load(&path).unwrap();
        assert_eq!(loaded.state, State::default());
        let warning = loaded.warning.unwrap();
        assert!(warning.contains("could not be read") && warning.contains(".corrupt"));
        assert_eq!(
            std::fs::read_to_string(dir.path().join("state.json.corrupt")).unwrap(),
            "{ not json"
        );
    }
}
