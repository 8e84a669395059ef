//! `mpi-exercise`: the mpi lesson's exercise as its own binary. The student's halo
//! exchange in lessons/mpi/exercise.rs runs on the ranks as the diffusion's variant
//! `exercise` (`mpirun -np 4 target/release/mpi-exercise diffusion --variant exercise`);
//! without a program's name first, it is the lesson's command line with that variant
//! registered, as `cargo perflab check mpi` runs it.

#[path = "../lessons/mpi/exercise.rs"]
mod exercise;

perflab::tracking_allocator!();

fn main() -> std::process::ExitCode {
    if perflab_mpi::is_rank() {
        return perflab_mpi::rank_main(Some(exercise::run));
    }
    perflab::cli::exercise_main(|| {
        perflab::lessons::mpi::LESSON.set_exercise(perflab::lessons::mpi::variants::exercise)
    })
}
