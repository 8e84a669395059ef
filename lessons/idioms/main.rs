//! `idioms`: the idioms lesson as its own binary (`idioms compare` is
//! `cargo perflab compare idioms`).

perflab::tracking_allocator!();

fn main() -> std::process::ExitCode {
    perflab::cli::lesson_main("idioms")
}
