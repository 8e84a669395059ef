//! `perflab`: the umbrella command line. Everything it does lives in the library.
fn main() -> std::process::ExitCode {
    perflab::cli::main()
}
