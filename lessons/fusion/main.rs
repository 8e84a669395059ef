//! `fusion`: the temporaries lesson as its own binary (`fusion compare` is
//! `cargo perflab compare fusion`).

perflab::tracking_allocator!();

fn main() -> std::process::ExitCode {
    perflab::cli::lesson_main("fusion")
}
