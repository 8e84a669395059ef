//! What each command does, as library calls: a command takes its options, the lesson (or
//! every lesson), the clock it measures with and where its output goes, and returns. The
//! CLI only turns arguments into these calls; tests call them directly.
//!
//! - [`run`]: one variant once, and `timeit`.
//! - [`compare`]: variants side by side.
//! - [`profile`](mod@profile): the profilers on one variant, or a differential flamegraph.
//! - [`inspect`]: `asm` and `machine`.
//! - [`list`]: the lessons, their variants and parameters.
//! - [`tour`]: every lesson compared and profiled, written under `reports/`.
//! - [`valgrind`]: a variant under valgrind's tools, from a portable build.
//! - [`counts`]: instructions, cache misses and page faults per unit of work (cachegrind).

use crate::measure::Comparison;
use std::io::Write;

pub mod compare;
pub mod counts;
pub mod inspect;
pub mod list;
pub mod numbers;
pub mod profile;
pub mod run;
pub mod sweep;
pub mod tour;
pub mod valgrind;

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Tables and lines for people.
    #[default]
    Text,
    /// JSON for programs.
    Json,
}

/// How long each variant of a comparison runs, and how often.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timing {
    /// Timed runs of each variant.
    pub samples: u64,
    /// Seconds one run of a variant may take; slower variants run fewer steps.
    pub budget: f64,
    /// Run every variant for the full number of steps.
    pub full: bool,
    /// Allow full runs estimated at over [`LONG_RUN`] seconds.
    pub long: bool,
}

impl Default for Timing {
    fn default() -> Timing {
        Timing {
            samples: 5,
            budget: 0.5,
            full: false,
            long: false,
        }
    }
}

/// Seconds past which a run needs `--long`: about ten minutes.
pub const LONG_RUN: f64 = 600.0;

/// Refuses, unless `long`, a command whose runs would take more than [`LONG_RUN`]: each
/// of `runs` is (variant, steps, times), and a short calibration of each variant gives
/// its time per step. Says what it would take and how it was estimated.
pub fn guard_time(
    lesson: &dyn crate::lesson::Lesson,
    prepared: &dyn crate::lesson::Prepared,
    runs: &[(usize, usize, u64)],
    long: bool,
    clock: &dyn crate::timing::Clock,
) -> anyhow::Result<()> {
    // A heap-profiling build records every allocation: calibration runs would be in it.
    if long || cfg!(feature = "dhat-heap") {
        return Ok(());
    }
    let mut total = 0.0;
    let mut slowest = (0.0, 0usize, 0usize);
    for &(variant, steps, times) in runs {
        let per = crate::measure::seconds_per_step(prepared, variant, 0.05, clock)?;
        let t = per * steps as f64 * times as f64;
        total += t;
        if t > slowest.0 {
            slowest = (per, steps, variant);
        }
        // A first variant over the limit settles it.
        if total > LONG_RUN {
            break;
        }
    }
    if total > LONG_RUN {
        let (per, steps, variant) = slowest;
        let about = match total {
            t if t < 2.0 * 3600.0 => format!("{:.0} minutes", t / 60.0),
            t if t < 2.0 * 86400.0 => format!("{:.0} hours", t / 3600.0),
            t => format!("{:.0} days", t / 86400.0),
        };
        anyhow::bail!(
            "this would run for about {about} ({steps} steps of {}, {} a step in a short \
             calibration; over {:.0} minutes needs --long): add --long to run it anyway, or \
             choose parameters that make fewer steps",
            lesson.variants()[variant].name,
            crate::timing::format_seconds(per),
            LONG_RUN / 60.0,
        );
    }
    Ok(())
}

pub use crate::error::Exit;

/// `key=value` overrides as they are typed: `--param a=1 --param b=2`.
pub fn shown(params: &[String]) -> String {
    params
        .iter()
        .map(|p| format!("--param {p}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Prints a warning, if there is one, on standard error.
pub fn warn(warning: Option<String>) {
    if let Some(w) = warning {
        eprintln!("{w}");
    }
}

/// The first line of a comparison: title, lesson, problem.
pub fn header(c: &Comparison, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "{} ({}) — {}", c.title, c.lesson, c.problem)
}
