//! The lessons, registered once. Each lesson lives in `lessons/<name>/`: its description
//! and kernels (`mod.rs`, `variants/`), a three-line binary (`main.rs`) and its text
//! (`README.md`). The CLI, the lesson binaries, the benches and the tests all read the
//! list below.

use crate::error::{Error, Result};
use crate::lesson::Lesson;
use crate::lesson::params::{Kind, ParamSpec};

/// How many times a full run evaluates a lesson whose problem is one evaluation.
pub const REPEAT: ParamSpec = ParamSpec {
    name: "repeat",
    default: "1",
    help: "evaluations in a full run (a whole number)",
    kind: Kind::Whole { min: 1.0, max: 1e6 },
};

/// The seed of a lesson's random inputs.
pub const SEED: ParamSpec = ParamSpec {
    name: "seed",
    default: "42",
    help: "seed of the random inputs (a whole number)",
    kind: Kind::Whole {
        min: 0.0,
        max: 9007199254740992.0,
    },
};

/// A [`crate::lesson::Variant`] from its name, kernel and one-line "what changed and
/// why"; `tolerance = x` before the text gives it a tolerance of its own, and
/// `wrong = "why"` marks it wrong on purpose (a race), its rows saying how wrong.
macro_rules! variant {
    ($name:literal, $kernel:path, $what:literal) => {
        variant!(@ $name, $kernel, None, None, $what)
    };
    ($name:literal, $kernel:path, tolerance = $tolerance:expr, $what:literal) => {
        variant!(@ $name, $kernel, Some($tolerance), None, $what)
    };
    ($name:literal, $kernel:path, wrong = $why:literal, $what:literal) => {
        variant!(@ $name, $kernel, None, Some($why), $what)
    };
    (@ $name:literal, $kernel:path, $tolerance:expr, $wrong:expr, $what:literal) => {
        $crate::lesson::Variant {
            info: $crate::lesson::VariantInfo {
                name: $name,
                what: $what,
            },
            kernel: $kernel,
            tolerance: $tolerance,
            wrong: $wrong,
        }
    };
}

pub mod cache;
pub mod diffusion;
pub mod fusion;
pub mod idioms;
pub mod laplace;
pub mod montecarlo;
pub mod mpi;
pub mod particles;
pub mod pools;
pub mod rng;
pub mod sharing;
pub mod tasks;

static ALL: &[&dyn Lesson] = &[
    &diffusion::LESSON,
    &particles::LESSON,
    &fusion::LESSON,
    &idioms::LESSON,
    &sharing::LESSON,
    &montecarlo::LESSON,
    &pools::LESSON,
    &tasks::LESSON,
    &mpi::LESSON,
    &cache::LESSON,
    &laplace::LESSON,
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
