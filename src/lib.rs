//! # perflab
//!
//! Performance engineering taught by doing. Each lesson pairs slow and fast kernels of one
//! problem, every variant checked against a reference; the toolkit measures them side by
//! side on the student's own machine.
//!
//! The toolkit, one folder a concept:
//! - [`lesson`]: the one description a lesson registers ([`lesson::Spec`]), and its
//!   parameters.
//! - [`timing`]: the clock, robust statistics and units, which everything measures with,
//!   and the machine's load while it does ([`timing::load`]).
//! - [`measure`]: the side-by-side engine, speed verdicts and progress bars.
//! - [`profile`](mod@profile): the profilers, with the [`instrument`] and
//!   [`profile`](macro@profile) attributes.
//! - [`inspect`]: machine code, the machine, its roofline.
//! - [`report`]: tables, JSON, Markdown, the tour's page, charts and snapshots.
//! - [`commands`]: what each command does (`run`, `compare`, `profile`, `tour`, …).
//! - [`student`]: the tutor, the exercise and the progress file.
//! - [`cli`]: arguments in, one library call out.
//! - [`files`], [`error`]: writing files whole, and the errors.
//!
//! The lessons use the toolkit and the toolkit knows nothing of them:
//! - [`lessons`]: the registry of lessons (`lessons/` at the project's root).
#![deny(missing_docs)]

// The attributes' generated code names `::perflab`, which must resolve inside this crate
// too (the lessons are compiled into it).
extern crate self as perflab;

pub mod cli;
pub mod commands;
pub mod error;
pub mod files;
pub mod inspect;
pub mod lesson;
#[path = "../lessons/mod.rs"]
pub mod lessons;
pub mod measure;
pub mod profile;
pub mod report;
pub mod student;
pub mod timing;

pub use error::{Error, Result};
pub use perflab_macros::{instrument, profile};

/// The `main` of a lesson's exercise binary (`exercises/<lesson>.rs`): installs the
/// tracking allocator, registers the student's kernel with the lesson, and runs the CLI.
///
/// ```ignore
/// #[path = "../lessons/diffusion/exercise.rs"]
/// mod exercise;
/// perflab::exercise_main!(diffusion, exercise::run);
/// ```
#[macro_export]
macro_rules! exercise_main {
    ($lesson:ident, $kernel:path) => {
        $crate::tracking_allocator!();

        fn main() -> ::std::process::ExitCode {
            $crate::cli::exercise_main(|| $crate::lessons::$lesson::LESSON.set_exercise($kernel))
        }
    };
}
