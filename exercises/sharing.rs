//! The sharing exercise as its own binary: the student's kernel in
//! lessons/sharing/exercise.rs, registered as the lesson's variant `exercise`.

#[path = "../lessons/sharing/exercise.rs"]
mod exercise;

perflab::exercise_main!(sharing, exercise::run);
