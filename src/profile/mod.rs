//! The profiling toolkit: the Rust counterparts of cProfile + pstats, pyprof2calltree,
//! line_profiler, memory_profiler + mprof and Scalene.
//!
//! - [`func`]: the function profiler behind `#[perflab::instrument]`.
//! - [`lines`]: the line profiler behind `#[perflab::profile]`, with per-line memory.
//! - [`alloc`]: the tracking global allocator.
//! - [`memory`]: a run's peak, totals and memory timeline plot.
//! - [`sample`]: pprof's sampling profiler: flamegraphs, `profile.pb`, differential
//!   flamegraphs; tables and annotated source for the sampled line profile.
//! - [`lines_sampled`]: the sampled line profile (instruction pointers → source lines),
//!   and each sample's stack.
//! - [`profile_pb`]: those stacks as a whole pprof profile, `profile.pb`.
//! - [`run`]: profiling a lesson variant with any of them (`cargo perflab profile`).
//! - [`ticks`]: the profilers' clock.

pub mod alloc;
pub mod func;
pub mod lines;
pub mod lines_sampled;
pub mod memory;
pub mod profile_pb;
mod registry;
pub mod sample;
pub mod ticks;

/// dhat's allocator, which the `dhat-heap` feature installs in place of the tracking one.
#[cfg(feature = "dhat-heap")]
pub use dhat::Alloc as DhatAlloc;

/// With the `dhat-heap` feature, starts dhat's heap profiler, which writes
/// `reports/dhat-heap.json` (for the DHAT viewer) when the returned value is dropped at
/// exit.
#[cfg(feature = "dhat-heap")]
pub fn dhat_heap() -> Option<dhat::Profiler> {
    let dir = std::path::Path::new("reports");
    // dhat writes the file itself at exit; the folder must be there by then.
    let _ = std::fs::create_dir_all(dir);
    Some(
        dhat::Profiler::builder()
            .file_name(dir.join("dhat-heap.json"))
            .build(),
    )
}

/// Without the `dhat-heap` feature there is no dhat profiler to start.
#[cfg(not(feature = "dhat-heap"))]
pub fn dhat_heap() -> Option<()> {
    None
}
