//! The tasks exercise as its own binary: the student's kernel in
//! lessons/tasks/exercise.rs, registered as the lesson's variant `exercise`.

#[path = "../lessons/tasks/exercise.rs"]
mod exercise;

perflab::exercise_main!(tasks, exercise::run);
