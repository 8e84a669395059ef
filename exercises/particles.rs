//! The particles exercise as its own binary: the student's kernel in
//! lessons/particles/exercise.rs, registered as the lesson's variant `exercise`.

#[path = "../lessons/particles/exercise.rs"]
mod exercise;

perflab::exercise_main!(particles, exercise::run);
