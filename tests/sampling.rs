//! The sampling profiler's weights: each sample in profile.pb stands for the CPU time it
//! really covers (the run's CPU time over the samples taken), not 1/frequency, which on
//! Linux, where the profiling timer fires at most once per scheduler tick, undercounts
//! several times over. Alone in its binary, so no other test's threads spend CPU time
//! during the run.

use perflab::profile::sample;
use pprof::protos::Message;

/// This process's CPU seconds from /proc/self/stat (utime + stime, in USER_HZ ticks),
/// read here independently of the profiler's own reading.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let after = &stat[stat.rfind(')').unwrap() + 1..];
    let f: Vec<u64> = after
        .split_whitespace()
        .skip(11)
        .take(2)
        .map(|x| x.parse().unwrap())
        .collect();
    (f[0] + f[1]) as f64 / 100.0
}

fn spin(seconds: f64) -> f64 {
    let start = std::time::Instant::now();
    let mut x = 1.0f64;
    while start.elapsed().as_secs_f64() < seconds {
        for _ in 0..10_000 {
            x = std::hint::black_box(x * 1.000_000_1 + 1e-9);
        }
    }
    x
}

#[test]
fn profile_pb_totals_the_runs_cpu_time() {
    // The run's CPU and wall time, measured inside it (the profiler's report, built after
    // the run, is not part of it).
    let ((cpu, wall), samples) = sample::record(1000, || {
        let (before, start) = (cpu_seconds(), std::time::Instant::now());
        spin(1.5);
        (cpu_seconds() - before, start.elapsed().as_secs_f64())
    })
    .unwrap();
    assert!(samples.total() > 50, "only {} samples", samples.total());
    let profile = pprof::protos::Profile::decode(samples.pprof().unwrap().as_slice()).unwrap();
    let total_ns: i64 = profile.sample.iter().map(|s| s.value[1]).sum();
    let total = total_ns as f64 / 1e9;
    assert!(
        (total / cpu - 1.0).abs() < 0.1,
        "profile.pb totals {total:.3} s of CPU; the run used {cpu:.3} s"
    );
    // One thread spinning: its CPU time is (nearly) the wall time, whatever the timer's
    // real rate; 1/frequency weights would give a quarter of it at 250 ticks a second.
    assert!(total / wall > 0.7, "{total:.3} s of samples in {wall:.3} s");
    assert_eq!(profile.period, samples.period_ns().round() as i64);
    let rate = 1e9 / samples.period_ns();
    assert!(
        rate > 50.0 && rate <= 1000.0 * 1.05,
        "effective rate {rate}"
    );
}
