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

use crate::measure::Comparison;
use std::io::Write;

pub mod compare;
pub mod inspect;
pub mod list;
pub mod profile;
pub mod run;
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
    /// Run every variant for the full number of steps, however long that takes.
    pub full: bool,
}

impl Default for Timing {
    fn default() -> Timing {
        Timing {
            samples: 5,
            budget: 0.5,
            full: false,
        }
    }
}

/// An exit status to leave with, already explained on the terminal (a failed check: 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exit(pub u8);

impl std::fmt::Display for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exit status {}", self.0)
    }
}

impl std::error::Error for Exit {}

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
