//! `cargo perflab check`: is the student's kernel right, and is it fast enough?
//!
//! Correctness comes first: the candidate runs beside the lesson's reference variant at
//! the same steps, and the first value off by more than the tolerance is reported with
//! where it is, what was expected and what came out. Only a correct kernel is timed: it
//! and the baseline run interleaved, and [`crate::measure::grade`] turns the per-round ratios into
//! a verdict with a confidence interval.

use crate::error::{Error, Result};
use crate::lesson::{EXERCISE, Lesson, Outcome, Prepared};
use crate::measure::calibrate;
use crate::measure::grade::{Grade, grade};
use crate::timing::Clock;
use crate::timing::load::Load;

/// A wrong answer: where, expected against got.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Mismatch {
    /// Steps both ran.
    pub steps: usize,
    /// Where the worst value is, in the lesson's words.
    pub location: String,
    /// The reference's value there.
    pub expected: f64,
    /// The candidate's value there.
    pub got: f64,
    /// Max-norm relative difference over all values.
    pub difference: f64,
    /// The largest accepted.
    pub tolerance: f64,
    /// Values each had (they differ when the candidate returned a wrong-sized grid).
    pub lengths: (usize, usize),
}

impl Mismatch {
    /// A few lines for the student.
    pub fn explain(&self) -> String {
        if self.lengths.0 != self.lengths.1 {
            return format!(
                "✗ wrong answer: after {} steps the reference has {} values and yours has {}",
                self.steps, self.lengths.0, self.lengths.1
            );
        }
        format!(
            "✗ wrong answer after {} steps: at {}, expected {} but got {}\n  \
             (max-norm relative difference {:.1e}, tolerance {:.0e})",
            self.steps, self.location, self.expected, self.got, self.difference, self.tolerance
        )
    }
}

/// A kernel under test: runs `steps` steps and returns its outcome.
pub type Candidate<'a> = &'a dyn Fn(usize, &dyn Clock) -> Result<Outcome>;

/// Runs `candidate` and the reference for `steps` steps; `None` when they agree.
pub fn correctness(
    lesson: &dyn Lesson,
    prepared: &dyn Prepared,
    candidate: Candidate<'_>,
    steps: usize,
    clock: &dyn Clock,
) -> Result<Option<Mismatch>> {
    let reference = prepared.scope().reference;
    let want = prepared.run(reference, steps, clock, None)?.values;
    let got = candidate(steps, clock)?.values;
    let difference = crate::lesson::max_rel_error(&got, &want);
    if difference <= lesson.tolerance() {
        return Ok(None);
    }
    // The worst value: the first that is not finite, or the largest difference.
    let worst = got
        .iter()
        .zip(&want)
        .enumerate()
        .max_by(|(_, (a, b)), (_, (c, d))| {
            let da = if a.is_finite() {
                (*a - *b).abs()
            } else {
                f64::INFINITY
            };
            let dc = if c.is_finite() {
                (*c - *d).abs()
            } else {
                f64::INFINITY
            };
            da.total_cmp(&dc)
        })
        .map(|(i, _)| i)
        .unwrap_or(0);
    Ok(Some(Mismatch {
        steps,
        location: prepared.locate(worst),
        expected: want.get(worst).copied().unwrap_or(f64::NAN),
        got: got.get(worst).copied().unwrap_or(f64::NAN),
        difference,
        tolerance: lesson.tolerance(),
        lengths: (want.len(), got.len()),
    }))
}

/// Times the baseline and `candidate` interleaved for `rounds` rounds of the steps the
/// baseline makes in `budget` seconds, and grades the speedup against `target`.
pub fn speed(
    prepared: &dyn Prepared,
    candidate: Candidate<'_>,
    rounds: usize,
    budget: f64,
    target: f64,
    clock: &dyn Clock,
) -> Result<(usize, Grade)> {
    let baseline = prepared.scope().baseline;
    let steps = calibrate(prepared, baseline, budget, clock)?.max(1);
    let (mut b, mut k) = (Vec::with_capacity(rounds), Vec::with_capacity(rounds));
    let start = clock.cpu();
    for _ in 0..rounds {
        b.push(prepared.run(baseline, steps, clock, None)?.seconds);
        k.push(candidate(steps, clock)?.seconds);
    }
    let mut g = grade(b, k, target, 0.95);
    g.load = Load::since(start, clock);
    Ok((steps, g))
}

/// What `cargo perflab check` found.
#[derive(Debug, Clone, PartialEq)]
pub enum Checked {
    /// The answer is wrong; nothing was timed.
    Wrong(Mismatch),
    /// The answer is right; here is the speed verdict, at this many steps.
    Graded(usize, Grade),
}

/// Checks a candidate: correctness at a few steps, then speed.
pub fn check(
    lesson: &dyn Lesson,
    prepared: &dyn Prepared,
    candidate: Candidate<'_>,
    rounds: usize,
    target: f64,
    clock: &dyn Clock,
) -> Result<Checked> {
    let steps = prepared.steps().clamp(1, 20);
    if let Some(m) = correctness(lesson, prepared, candidate, steps, clock)? {
        return Ok(Checked::Wrong(m));
    }
    let (steps, g) = speed(prepared, candidate, rounds, 0.1, target, clock)?;
    Ok(Checked::Graded(steps, g))
}

/// The exercise registered in this binary (the variant [`EXERCISE`]), as a
/// [`Candidate`].
pub fn exercise(
    lesson: &dyn Lesson,
    prepared: &dyn Prepared,
    steps: usize,
    clock: &dyn Clock,
) -> Result<Outcome> {
    if !lesson.has_exercise_kernel() {
        return Err(Error::InvalidOption {
            option: "lesson".into(),
            value: lesson.name().into(),
            expected: "a lesson whose exercise is built into this binary".into(),
        });
    }
    prepared.run(lesson.variant_index(EXERCISE)?, steps, clock, None)
}

/// The lines `cargo perflab check` prints for a result.
pub fn explain(lesson: &dyn Lesson, prepared: &dyn Prepared, checked: &Checked) -> String {
    let names = lesson.variants();
    let scope = prepared.scope();
    match checked {
        Checked::Wrong(m) => m.explain(),
        Checked::Graded(steps, g) => {
            let mut text = format!(
                "✓ correct: matches {} to {:.0e}\n{}\n  ({} steps per run; {} median {} against yours {})",
                names[scope.reference].name,
                lesson.tolerance(),
                g.line(),
                steps,
                names[scope.baseline].name,
                crate::timing::format_seconds(median(&g.baseline)),
                crate::timing::format_seconds(median(&g.kernel)),
            );
            if let Some(l) = &g.load {
                text.push_str(&format!("\n  {}", l.line()));
                if let Some(w) = l.warning() {
                    text.push_str(&format!("\n  {w}"));
                }
            }
            text
        }
    }
}

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => 0.5 * (v[n / 2 - 1] + v[n / 2]),
    }
}

/// How `cargo perflab check` grades.
#[derive(Debug, Clone, Copy)]
pub struct CheckOptions {
    /// Interleaved rounds of baseline and exercise.
    pub rounds: u64,
    /// Grade the exercise registered in this binary, without building it first.
    pub no_build: bool,
}

/// Checks the student's exercise, as `cargo perflab check` does: builds its binary and grades
/// it there, or (`no_build`, in that binary) grades the registered kernel: correctness
/// first, then speed against the target. A failed check is [`Exit`]`(1)`.
pub fn command(
    lesson: &dyn Lesson,
    args: &CheckOptions,
    clock: &dyn Clock,
    state: &std::path::Path,
    out: &mut dyn std::io::Write,
) -> anyhow::Result<()> {
    let info = crate::student::exercise::exercise_of(lesson)?;
    if !args.no_build {
        return crate::student::exercise::build_and_check(lesson, args.rounds);
    }
    let params = lesson.parse_params(
        &info
            .params
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>(),
    )?;
    let prepared = lesson.prepare(&params)?;
    let runs = crate::measure::memory::Runs {
        measured: vec![lesson.variant_index(EXERCISE)?, prepared.scope().baseline],
        ..Default::default()
    };
    crate::measure::memory::guard(lesson, &params, prepared.as_ref(), &runs)?;
    writeln!(
        out,
        "checking {} (target: {}× faster than {}) on {}",
        info.file,
        crate::lesson::params::show(info.target),
        lesson.variants()[prepared.scope().baseline].name,
        prepared.describe()
    )?;
    let candidate = |steps: usize, clock: &dyn crate::timing::Clock| {
        exercise(lesson, prepared.as_ref(), steps, clock)
    };
    let checked = check(
        lesson,
        prepared.as_ref(),
        &candidate,
        args.rounds as usize,
        info.target,
        clock,
    )?;
    writeln!(out, "{}", explain(lesson, prepared.as_ref(), &checked))?;
    let (passed, speedup) = match &checked {
        Checked::Graded(_, g) => (
            g.verdict == crate::measure::grade::Verdict::Pass,
            Some(g.speedup),
        ),
        Checked::Wrong(_) => (false, None),
    };
    crate::commands::warn(crate::student::state::update(state, lesson.name(), |p| {
        p.checks += 1;
        p.passed |= passed;
        if let Some(s) = speedup {
            p.best_speedup = Some(p.best_speedup.map_or(s, |b| b.max(s)));
        }
    }));
    if passed {
        writeln!(out, "exercise passed: see `cargo perflab progress`")?;
        Ok(())
    } else {
        writeln!(
            out,
            "not passed yet: `cargo perflab hint {}` for a hint",
            lesson.name()
        )?;
        Err(crate::commands::Exit(1).into())
    }
}
