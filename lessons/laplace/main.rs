//! `laplace`: the Laplace solver lesson as its own binary (`laplace compare` is
//! `cargo perflab compare laplace`).

perflab::tracking_allocator!();

fn main() -> std::process::ExitCode {
    perflab::cli::lesson_main("laplace")
}
