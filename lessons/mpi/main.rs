//! `mpi`: the mpi lesson as its own binary, and the MPI program its ranks run.
//! `mpirun -np 4 target/release/mpi ring` runs a program on four ranks;
//! `mpi compare` is `cargo perflab compare mpi`.

perflab::tracking_allocator!();

fn main() -> std::process::ExitCode {
    if perflab_mpi::is_rank() {
        return perflab_mpi::rank_main(None);
    }
    perflab::cli::lesson_main("mpi")
}
