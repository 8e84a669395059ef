//! `cache`: the memory hierarchy lesson as its own binary (`cache compare` is
//! `cargo perflab compare cache`).

perflab::tracking_allocator!();

fn main() -> std::process::ExitCode {
    perflab::cli::lesson_main("cache")
}
