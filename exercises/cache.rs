//! The cache exercise as its own binary: the student's kernel in
//! lessons/cache/exercise.rs, registered as the lesson's variant `exercise`.

#[path = "../lessons/cache/exercise.rs"]
mod exercise;

perflab::exercise_main!(cache, exercise::run);
