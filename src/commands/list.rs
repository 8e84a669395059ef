//! `list`: the lessons, their variants (by topic, where a lesson has topics) with what
//! changed in each, and their parameters with ranges.

use crate::lesson::Lesson;
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
        writeln!(out, "  parameters (--param key=value):")?;
        let width = lesson
            .params()
            .iter()
            .map(|p| p.name.len() + p.default.len() + 1)
            .max()
            .unwrap_or(0);
        for p in lesson.params() {
            let kv = format!("{}={}", p.name, p.default);
            writeln!(out, "    {kv:width$}  {} ({})", p.help, p.kind.describe())?;
        }
        writeln!(out)?;
    }
    Ok(())
}
