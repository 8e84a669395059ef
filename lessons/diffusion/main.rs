//! `diffusion`: the 2-D diffusion lesson as its own binary (`diffusion compare` is
//! `cargo perflab compare diffusion`).

perflab::tracking_allocator!();

fn main() -> std::process::ExitCode {
    perflab::cli::lesson_main("diffusion")
}
