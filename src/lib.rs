//! # perflab
//!
//! Performance engineering taught by doing. Each lesson pairs slow and fast kernels of one
//! problem, every variant checked against a reference; the toolkit measures them side by
//! side on the student's own machine.
//!
//! - [`lesson`]: the one description a lesson registers ([`lesson::Spec`]).
//! - [`params`]: parameters with ranges, parsed from `key=value`.
//! - [`measure`]: side-by-side timing with reference checks (`compare`, `run`, `timeit`).
//! - [`timing`]: the clock seam, robust statistics, timeit's loop count, units.
//! - [`report`]: tables, JSON, Markdown, atomic file writes.
//! - [`html`]: the tour's page, `reports/index.html`, with its charts.
//! - [`grade`]: speed verdicts from interleaved runs, with a confidence interval.
//! - [`check`]: grading a student's kernel: correctness, then speed.
//! - [`asm`]: a kernel's machine code, SIMD marked (`perflab asm`).
//! - [`state`]: the student's progress file.
//! - [`watch`]: re-running on every save.
//! - [`snapshot`]: colour-map PNGs and GIFs of 2-D fields.
//! - [`machine`]: what a measurement ran on.
//! - [`roofline`]: this machine's bandwidth and peak flops (`perflab machine`).
//! - [`lessons`]: the registry of lessons.
//! - [`profile`](mod@profile): the profilers, with the [`instrument`] and
//!   [`profile`](macro@profile) attributes.
#![deny(missing_docs)]

// The attributes' generated code names `::perflab`, which must resolve inside this crate
// too (the lessons are compiled into it).
extern crate self as perflab;

pub mod asm;
pub mod check;
pub mod cli;
pub mod error;
pub mod grade;
pub mod html;
pub mod lesson;
#[path = "../lessons/mod.rs"]
pub mod lessons;
pub mod machine;
pub mod measure;
pub mod params;
pub mod profile;
pub mod progress;
pub mod report;
pub mod roofline;
pub mod snapshot;
pub mod state;
pub mod timing;
pub mod watch;

pub use error::{Error, Result};
pub use perflab_macros::{instrument, profile};
