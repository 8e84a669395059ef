//! dhat's testing mode: which diffusion kernels allocate per time step. The fast kernels
//! allocate their buffers once, so twice the steps make no more allocations; `slices`
//! (a temporary laplacian per step) and `dynamic` (a heap object per operation) do.

use perflab::lesson::Lesson;
use perflab::timing::RealClock;

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

/// Allocations (blocks) made during a run of `steps` steps of `variant` on a small grid.
/// dhat counts every thread's, and a thread pool that an earlier run dropped may still be
/// winding down in the background; that only ever adds, so the least of three runs is the
/// run's own count.
fn blocks(lesson: &dyn Lesson, variant: &str, steps: usize) -> u64 {
    let params = lesson.parse_params(&["dx=0.5".to_string()]).unwrap();
    let prepared = lesson.prepare(&params).unwrap();
    let v = lesson.variant_index(variant).unwrap();
    (0..3)
        .map(|_| {
            let before = dhat::HeapStats::get().total_blocks;
            prepared.run(v, steps, &RealClock::default(), None).unwrap();
            dhat::HeapStats::get().total_blocks - before
        })
        .min()
        .unwrap()
}

#[test]
fn fast_kernels_allocate_nothing_per_step() {
    let _profiler = dhat::Profiler::builder().testing().build();
    let lesson = perflab::lessons::find("diffusion").unwrap();
    // Warm up once, so that one-time allocations (rayon's pool, thread-locals) are done.
    for v in lesson.variants() {
        blocks(lesson, v.name, 1);
    }
    for v in lesson.variants() {
        let (few, many) = (blocks(lesson, v.name, 10), blocks(lesson, v.name, 40));
        println!("{:>9}: {few} allocations in 10 steps, {many} in 40", v.name);
        match v.name {
            "dynamic" | "slices" => {
                dhat::assert!(many >= few + 30, "{} allocates per step", v.name)
            }
            // Starting a thread pool allocates a little more or less from run to run
            // (threads meet in different orders), but less than once per extra step.
            "parallel" => dhat::assert!(many < few + 30, "parallel allocates per step"),
            _ => dhat::assert_eq!(many, few, "{} allocates per step", v.name),
        }
    }
}
