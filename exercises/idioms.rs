//! The idioms exercise as its own binary: the student's kernel in
//! lessons/idioms/exercise.rs, registered as the lesson's variant `exercise`.

#[path = "../lessons/idioms/exercise.rs"]
mod exercise;

perflab::exercise_main!(idioms, exercise::run);
