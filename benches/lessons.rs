//! Criterion benches: one group per registered lesson, every variant at every size the
//! lesson lists (`Spec::sizes`). Throughput is in the lesson's units of work, so criterion
//! reports e.g. cell-updates per second. A variant too slow for a full run at a size runs
//! the steps that fit in `BUDGET` seconds (calibrated as `cargo perflab compare` does).
//!
//! A lesson with topics (idioms) measures each topic's variants at each size, with the
//! topic chosen by its `topic` parameter.
//!
//! `cargo bench --bench lessons -- diffusion/loops` runs one benchmark.
//!
//! pprof's criterion profiler is plugged in: `cargo bench --bench lessons -- --profile-time 5`
//! profiles each benchmark for 5 s instead of timing it and writes
//! `target/criterion/<group>/<bench>/profile/flamegraph.svg`.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group};
use perflab::measure::calibrate;
use perflab::timing::RealClock;
use pprof::criterion::{Output, PProfProfiler};
use std::time::Duration;

/// Seconds one iteration may take.
const BUDGET: f64 = 0.1;

fn lessons(c: &mut Criterion) {
    let clock = RealClock::default();
    for lesson in perflab::lessons::all() {
        let mut group = c.benchmark_group(lesson.name());
        group
            .sample_size(10)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(3));
        let sized = lesson.sizes().iter().flat_map(|size| {
            let overrides: Vec<String> = size.params.iter().map(|s| s.to_string()).collect();
            lesson
                .topic_runs(&overrides)
                .into_iter()
                .map(move |o| (size, o))
        });
        for (size, overrides) in sized {
            let params = lesson.parse_params(&overrides).expect("bench sizes parse");
            let prepared = lesson.prepare(&params).expect("bench sizes are valid");
            for (v, info) in lesson.variants().iter().enumerate() {
                if !prepared.scope().variants.contains(&v) {
                    continue;
                }
                let steps = calibrate(prepared.as_ref(), v, BUDGET, &clock).expect("variant runs");
                group.throughput(Throughput::Elements(
                    steps as u64 * prepared.units_per_step(),
                ));
                group.bench_function(BenchmarkId::new(info.name, size.name), |b| {
                    b.iter_custom(|iters| {
                        (0..iters)
                            .map(|_| {
                                prepared
                                    .run(v, steps, &clock, None)
                                    .expect("variant runs")
                                    .seconds
                            })
                            .map(Duration::from_secs_f64)
                            .sum()
                    })
                });
            }
        }
        group.finish();
    }
}

/// Criterion with pprof's profiler for `--profile-time`, sampling at 1 kHz.
fn config() -> Criterion {
    Criterion::default().with_profiler(PProfProfiler::new(1000, Output::Flamegraph(None)))
}

criterion_group! {
    name = benches;
    config = config();
    targets = lessons
}
// criterion_main!, with procspawn::init first: the sharing lesson's `procs` variants start
// worker processes, which run this bench binary again and must be caught there before
// criterion starts.
fn main() {
    procspawn::init();
    benches();
    Criterion::default().configure_from_args().final_summary();
}
