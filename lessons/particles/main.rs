//! `particles`: the particle simulator lesson as its own binary (`particles compare` is
//! `cargo perflab compare particles`).

perflab::tracking_allocator!();

fn main() -> std::process::ExitCode {
    perflab::cli::lesson_main("particles")
}
