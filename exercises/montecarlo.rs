//! The montecarlo exercise as its own binary: the student's kernel in
//! lessons/montecarlo/exercise.rs, registered as the lesson's variant `exercise`.

#[path = "../lessons/montecarlo/exercise.rs"]
mod exercise;

perflab::exercise_main!(montecarlo, exercise::run);
