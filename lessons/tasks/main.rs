//! `tasks`: the task-graph lesson as its own binary (`tasks compare` is
//! `cargo perflab compare tasks`).

perflab::tracking_allocator!();

fn main() -> std::process::ExitCode {
    perflab::cli::lesson_main("tasks")
}
