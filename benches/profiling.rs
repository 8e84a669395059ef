//! What the profilers cost, measured side by side in one run (the figures quoted in the
//! README's "Profiling overhead" section come from here):
//!
//! - `call`: a call of a tiny function, plain and with `#[perflab::instrument]` while a
//!   session records (nested in an open call, and outermost, which also takes its
//!   thread's lock);
//! - `line`: a pass of a loop body of two statements, plain and with `#[perflab::profile]`
//!   recording (each pass is three line hits: two statements and the loop's line);
//! - `alloc`: an allocation-heavy kernel (the `dynamic` diffusion variant, a heap object
//!   per arithmetic operation) with the tracking allocator counting and not counting;
//! - `sampling`: the `fused` diffusion variant without a sampler, under pprof at 100 Hz
//!   and 1 kHz, and under the line sampler at 1 kHz.
//!
//! `cargo bench --bench profiling` runs them all.

use criterion::{Criterion, criterion_group, criterion_main};
use perflab::profile::{alloc, func, lines, lines_sampled, sample};
use perflab::timing::RealClock;
use std::hint::black_box;
use std::time::Duration;

perflab::tracking_allocator!();

#[inline(never)]
fn plain(x: u64) -> u64 {
    black_box(x).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

#[inline(never)]
#[perflab::instrument]
fn instrumented(x: u64) -> u64 {
    black_box(x).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

#[perflab::instrument]
fn outer(iters: u64) -> u64 {
    (0..iters).fold(0, |acc, i| acc ^ instrumented(i))
}

fn calls(c: &mut Criterion) {
    let mut g = c.benchmark_group("call");
    g.bench_function("plain", |b| b.iter(|| plain(black_box(7))));
    g.bench_function("instrumented, no session", |b| {
        b.iter(|| instrumented(black_box(7)))
    });
    g.bench_function("instrumented, nested", |b| {
        let session = func::Session::start();
        // One outer call around all of criterion's iterations: every measured call is
        // nested, as a kernel's helpers are.
        b.iter_custom(|iters| {
            let t = std::time::Instant::now();
            black_box(outer(iters));
            t.elapsed()
        });
        drop(session.finish());
    });
    g.bench_function("instrumented, outermost", |b| {
        let session = func::Session::start();
        b.iter(|| instrumented(black_box(7)));
        drop(session.finish());
    });
    g.finish();
}

#[inline(never)]
fn loop_plain(n: u64) -> u64 {
    let mut acc = 0u64;
    for i in 0..n {
        let x = black_box(i).wrapping_mul(3);
        acc ^= x;
    }
    acc
}

#[inline(never)]
#[perflab::profile]
fn loop_profiled(n: u64) -> u64 {
    let mut acc = 0u64;
    for i in 0..n {
        let x = black_box(i).wrapping_mul(3);
        acc ^= x;
    }
    acc
}

fn line_hits(c: &mut Criterion) {
    let mut g = c.benchmark_group("line");
    const N: u64 = 10_000;
    g.throughput(criterion::Throughput::Elements(N));
    g.bench_function("plain pass", |b| b.iter(|| loop_plain(black_box(N))));
    g.bench_function("profiled pass, no session", |b| {
        b.iter(|| loop_profiled(black_box(N)))
    });
    g.bench_function("profiled pass", |b| {
        let session = lines::Session::start();
        b.iter(|| loop_profiled(black_box(N)));
        drop(session.finish());
    });
    g.finish();
}

/// Runs `steps` steps of a diffusion variant on a small grid.
fn diffusion(variant: &str, dx: &str) -> impl Fn(usize) -> f64 {
    let lesson = perflab::lessons::find("diffusion").unwrap();
    let params = lesson.parse_params(&[format!("dx={dx}")]).unwrap();
    let prepared = lesson.prepare(&params).unwrap();
    let v = lesson.variant_index(variant).unwrap();
    move |steps| {
        prepared
            .run(v, steps, &RealClock::default(), None)
            .unwrap()
            .values[0]
    }
}

fn allocator(c: &mut Criterion) {
    let mut g = c.benchmark_group("alloc");
    g.sample_size(20);
    let dynamic = diffusion("dynamic", "0.5");
    for (name, counting) in [("system", false), ("tracking", true)] {
        g.bench_function(format!("dynamic kernel, {name}"), |b| {
            alloc::set_counting(counting);
            b.iter(|| black_box(dynamic(5)));
            alloc::set_counting(true);
        });
    }
    g.finish();
}

fn sampling(c: &mut Criterion) {
    let mut g = c.benchmark_group("sampling");
    g.sample_size(10).measurement_time(Duration::from_secs(6));
    let fused = diffusion("fused", "0.075");
    let steps = 500;
    g.bench_function("fused, no sampler", |b| b.iter(|| black_box(fused(steps))));
    for hz in [100, 1000] {
        g.bench_function(format!("fused, pprof {hz} Hz"), |b| {
            sample::record(hz, || b.iter(|| black_box(fused(steps)))).unwrap();
        });
    }
    g.bench_function("fused, line sampler 1000 Hz", |b| {
        lines_sampled::record(1000, || b.iter(|| black_box(fused(steps)))).unwrap();
    });
    g.finish();
}

criterion_group!(benches, calls, line_hits, allocator, sampling);
criterion_main!(benches);
