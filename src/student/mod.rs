//! Student mode: the tutor, the exercise (checked, hinted, reset, watched, built apart)
//! and the progress file.
//!
//! - [`tutor`]: a lesson step by step.
//! - [`exercise`]: hints, reset, and the exercise's own binary.
//! - [`check`]: grading the exercise: correctness, then speed.
//! - [`watch`](mod@watch): checking again on every save.
//! - [`progress`](mod@progress) and [`state`]: how far the student is, kept in a file.

pub mod check;
pub mod exercise;
pub mod progress;
pub mod state;
pub mod tutor;
pub mod watch;
