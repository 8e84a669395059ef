//! The diffusion exercise as its own binary: the student's kernel in
//! lessons/diffusion/exercise.rs, registered as the lesson's variant `exercise`.

#[path = "../lessons/diffusion/exercise.rs"]
mod exercise;

perflab::exercise_main!(diffusion, exercise::run);
