//! The fusion exercise as its own binary: the student's kernel in
//! lessons/fusion/exercise.rs, registered as the lesson's variant `exercise`.

#[path = "../lessons/fusion/exercise.rs"]
mod exercise;

perflab::exercise_main!(fusion, exercise::run);
