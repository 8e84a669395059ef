//! The pools exercise as its own binary: the student's kernel in
//! lessons/pools/exercise.rs, registered as the lesson's variant `exercise`.

#[path = "../lessons/pools/exercise.rs"]
mod exercise;

perflab::exercise_main!(pools, exercise::run);
