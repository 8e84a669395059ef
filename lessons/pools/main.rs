//! `pools`: the parallel-map lesson as its own binary (`pools compare` is
//! `cargo perflab compare pools`).

perflab::tracking_allocator!();

fn main() -> std::process::ExitCode {
    perflab::cli::lesson_main("pools")
}
