//! The laplace exercise as its own binary: the student's kernel in
//! lessons/laplace/exercise.rs, registered as the lesson's variant `exercise`.

#[path = "../lessons/laplace/exercise.rs"]
mod exercise;

perflab::exercise_main!(laplace, exercise::run);
