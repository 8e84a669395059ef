//! `list`: the lessons, their variants (by topic, where a lesson has topics) with what
//! changed in each, and their parameters with ranges.

use crate::lesson::Lesson;
use crate::lesson::params::{Kind, ParamSpec};
use std::io::Write;

/// Lists `all` lessons, as `cargo perflab list` does.
pub fn list(all: &[&'static dyn Lesson], out: &mut dyn Write) -> anyhow::Result<()> {
    for lesson in all {
        writeln!(
            out,
            "{} — {}: {}",
            lesson.name(),
            lesson.title(),
            lesson.summary()
        )?;
        if let Some(missing) = lesson.missing() {
            writeln!(out, "  not runnable here: {missing}")?;
        }
        let infos = lesson.variants();
        let width = infos.iter().map(|v| v.name.len()).max().unwrap_or(0);
        let show = |names: &[&str], out: &mut dyn Write| -> std::io::Result<()> {
            for v in infos.iter().filter(|v| names.contains(&v.name)) {
                writeln!(out, "    {:width$}  {}", v.name, v.what)?;
            }
            Ok(())
        };
        if lesson.topics().is_empty() {
            writeln!(
                out,
                "  variants (speedups against {}, answers checked against {}):",
                lesson.baseline(),
                lesson.reference()
            )?;
            show(&infos.iter().map(|v| v.name).collect::<Vec<_>>(), out)?;
        }
        for t in lesson.topics() {
            writeln!(
                out,
                "  topic={} — {} (speedups against {}, answers checked against {}):",
                t.name, t.title, t.baseline, t.reference
            )?;
            show(t.variants, out)?;
        }
        if let Some(line) = exercise_line(*lesson) {
            writeln!(out, "{line}")?;
        }
        writeln!(out, "  parameters (--param key=value):")?;
        let width = lesson
            .params()
            .iter()
            .map(|p| p.name.len() + p.default.len() + 1)
            .max()
            .unwrap_or(0);
        for p in lesson.params() {
            let kv = format!("{}={}", p.name, p.default);
            writeln!(out, "    {kv:width$}  {}", described(p))?;
        }
        writeln!(out)?;
    }
    Ok(())
}

/// A parameter's help with its valid values, said once: where the help already names the
/// kind ("(a whole number)"), the range goes there rather than in a second bracket.
pub fn described(p: &ParamSpec) -> String {
    let kind = p.kind.describe();
    let word = "(a whole number";
    match p.kind {
        Kind::Whole { .. } if p.help.contains(word) => {
            p.help.replacen(word, &format!("({kind}"), 1)
        }
        _ => format!("{} ({kind})", p.help),
    }
}

/// The lesson's exercise in one line: its file, the speedup it must reach against which
/// variant, and the size `check` grades at; `None` for a lesson without one.
pub fn exercise_line(lesson: &dyn Lesson) -> Option<String> {
    let info = lesson.exercise()?;
    let topic = info
        .params
        .iter()
        .find_map(|p| p.split_once('=').filter(|(k, _)| k.trim() == "topic"))
        .and_then(|(_, t)| lesson.topics().iter().find(|x| x.name == t.trim()));
    let baseline = topic.map_or(lesson.baseline(), |t| t.baseline);
    let at = match info.params {
        [] => "the default size".to_string(),
        p => p.join(" "),
    };
    Some(format!(
        "  exercise: {} — at least {}× faster than {baseline}, at {at} (`cargo perflab check {}`)",
        info.file,
        crate::lesson::params::show(info.target),
        lesson.name()
    ))
}
