//! `sharing`: the shared-state lesson as its own binary (`sharing compare` is
//! `cargo perflab compare sharing`).

perflab::tracking_allocator!();

fn main() -> std::process::ExitCode {
    perflab::cli::lesson_main("sharing")
}
