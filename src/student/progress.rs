//! `progress`: how far the student is in each lesson — tutor steps seen, hints shown, the
//! exercise passed or not and the best speedup — from the progress file
//! ([`crate::student::state`]).

use crate::commands::warn;
use crate::lesson::Lesson;
use crate::timing::sig4;
use std::io::Write;

/// Each of `all` lessons' progress, as `cargo perflab progress` shows it, from the progress
/// file `state`.
pub fn progress(
    all: &[&'static dyn Lesson],
    state: &std::path::Path,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let loaded = crate::student::state::load(state);
    warn(loaded.warning);
    if let Some(w) = loaded
        .state
        .lessons
        .keys()
        .find(|k| all.iter().all(|l| l.name() != *k))
    {
        writeln!(
            out,
            "(progress recorded for {w}, which is no longer a lesson)"
        )?;
    }
    for lesson in all {
        let p = loaded
            .state
            .lessons
            .get(lesson.name())
            .cloned()
            .unwrap_or_default();
        writeln!(out, "{} — {}", lesson.name(), lesson.title())?;
        writeln!(
            out,
            "  tutor     {} of {} steps seen",
            p.steps_seen.len(),
            lesson.steps().len()
        )?;
        match lesson.exercise() {
            None => writeln!(out, "  exercise  none")?,
            Some(info) => {
                let target = crate::lesson::params::show(info.target);
                let best = match p.best_speedup {
                    Some(s) => format!("best {}× of the {target}× target", sig4(s)),
                    None => format!("not checked yet, target {target}×"),
                };
                writeln!(
                    out,
                    "  exercise  {} — {best}, {} checks, {} of {} hints",
                    if p.passed {
                        "✓ passed"
                    } else {
                        "✗ not passed"
                    },
                    p.checks,
                    p.hints_shown,
                    info.hints.len()
                )?;
            }
        }
    }
    Ok(())
}
