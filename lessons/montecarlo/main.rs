//! `montecarlo`: the granularity lesson as its own binary (`montecarlo compare` is
//! `cargo perflab compare montecarlo`).

perflab::tracking_allocator!();

fn main() -> std::process::ExitCode {
    perflab::cli::lesson_main("montecarlo")
}
