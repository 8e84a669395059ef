//! `perflab`: the umbrella command line. Everything it does lives in the library.

perflab::tracking_allocator!();

fn main() -> std::process::ExitCode {
    perflab::cli::main()
}
