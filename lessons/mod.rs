//! The lessons, registered once. Each lesson lives in `lessons/<name>/`: its description
//! and kernels (`mod.rs`, `variants/`), a three-line binary (`main.rs`) and its text
//! (`README.md`). The CLI, the lesson binaries, the benches and the tests all read the
//! list below.

use crate::error::{Error, Result};
use crate::lesson::Lesson;

pub mod diffusion;
pub mod fusion;
pub mod idioms;
pub mod particles;
pub mod rng;

static ALL: &[&dyn Lesson] = &[
    &diffusion::LESSON,
    &particles::LESSON,
    &fusion::LESSON,
    &idioms::LESSON,
];

/// Every lesson, in teaching order.
pub fn all() -> &'static [&'static dyn Lesson] {
    ALL
}

/// A lesson by name, or an error listing the names there are.
pub fn find(name: &str) -> Result<&'static dyn Lesson> {
    all()
        .iter()
        .copied()
        .find(|l| l.name() == name)
        .ok_or_else(|| Error::UnknownLesson {
            name: name.to_string(),
            valid: all()
                .iter()
                .map(|l| l.name())
                .collect::<Vec<_>>()
                .join(", "),
        })
}
