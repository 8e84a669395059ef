//! The sampling profiler's weights: each sample in profile.pb stands for the CPU time it
//! really covers (the run's CPU time over the samples taken), not 1/frequency, which on
//! Linux, where the profiling timer fires at most once per scheduler tick, undercounts
//! several times over; and the sampled line profile puts every sample where its time
//! went. Alone in its binary, so no other test's threads spend CPU time during a run.

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

/// One test, so that no other test's threads run while these sample the process.
#[test]
fn samples_weigh_their_cpu_time_and_land_where_the_time_went() {
    profile_pb_totals_the_runs_cpu_time();
    outside_is_split_and_line_zero_stays_home();
    time_in_libc_is_kept();
}

/// Time in libc is not dropped: `remove0` spends nearly all of it shifting the queue with
/// libc's memmove (perf agrees), and its sampled stacks say so, under `remove0`.
fn time_in_libc_is_kept() {
    let lesson = perflab::lessons::find("idioms").unwrap();
    let params = lesson.parse_params_for(&[], "remove0").unwrap();
    let prepared = lesson.prepare(&params).unwrap();
    let v = lesson.variant_index("remove0").unwrap();
    let clock = perflab::timing::RealClock::default();
    let (_, samples) = sample::record(1000, || {
        let start = std::time::Instant::now();
        while start.elapsed().as_secs_f64() < 1.0 {
            prepared.run(v, prepared.steps(), &clock, None).unwrap();
        }
    })
    .unwrap();
    let total = samples.total();
    let in_libc: u64 = samples
        .stacks
        .iter()
        .filter(|s| {
            s.frames
                .last()
                .is_some_and(|f| f.name.contains("memmove") || f.name.contains("memcpy"))
                && s.frames.iter().any(|f| f.name.contains("remove0"))
        })
        .map(|s| s.count)
        .sum();
    assert!(total > 100, "{total} samples");
    assert!(
        in_libc * 2 >= total,
        "{in_libc} of {total} samples in memmove under remove0:\n{}",
        samples.folded(true)
    );
}

fn profile_pb_totals_the_runs_cpu_time() {
    // The run's CPU and wall time, measured inside it (the profiler's report, built after
    // the run, is not part of it).
    let ((cpu, wall), samples) = perflab::profile::lines_sampled::record(1000, || {
        let (before, start) = (cpu_seconds(), std::time::Instant::now());
        spin(1.5);
        (cpu_seconds() - before, start.elapsed().as_secs_f64())
    })
    .unwrap();
    assert!(samples.total > 50, "only {} samples", samples.total);
    let pb = samples.pprof(1000, std::time::Duration::from_secs_f64(wall));
    let profile = pprof::protos::Profile::decode(pb.unwrap().unwrap().as_slice()).unwrap();
    let total_ns: i64 = profile.sample.iter().map(|s| s.value[1]).sum();
    let total = total_ns as f64 / 1e9;
    assert!(
        (total / cpu - 1.0).abs() < 0.1,
        "profile.pb totals {total:.3} s of CPU; the run used {cpu:.3} s"
    );
    // One thread spinning: its CPU time is (nearly) the wall time on a quiet machine,
    // whatever the timer's real rate (1/frequency weights would give a quarter of it at
    // 250 ticks a second); on a busy one, the share of a core the thread got.
    let share = (cpu / wall).min(1.0);
    assert!(
        total / wall > 0.7 * share,
        "{total:.3} s of samples in {wall:.3} s, with {:.0} % of a core",
        100.0 * share
    );
    assert_eq!(profile.period, samples.period_ns(1000).round() as i64);
    let rate = 1e9 / samples.period_ns(1000);
    assert!(
        rate > 50.0 && rate <= 1000.0 * 1.05,
        "effective rate {rate}"
    );
}

/// The sampled line profile's outside bucket holds only code outside the project, split
/// by which: `remove0` spends its time in libc's memmove, as perf shows; and the kernel's
/// own instructions without a line (nested diffusion's inlined `step`) are charged to
/// their function, not to the outside.
fn outside_is_split_and_line_zero_stays_home() {
    use perflab::profile::lines_sampled;
    let run_for = |lesson: &str, variant: &str, params: &[&str]| {
        let lesson = perflab::lessons::find(lesson).unwrap();
        let params: Vec<String> = params.iter().map(|p| p.to_string()).collect();
        let prepared = lesson
            .prepare(&lesson.parse_params_for(&params, variant).unwrap())
            .unwrap();
        let v = lesson.variant_index(variant).unwrap();
        let clock = perflab::timing::RealClock::default();
        let (_, sampled) = lines_sampled::record(1000, || {
            let start = std::time::Instant::now();
            while start.elapsed().as_secs_f64() < 1.0 {
                prepared.run(v, prepared.steps(), &clock, None).unwrap();
            }
        })
        .unwrap();
        sampled
    };
    let remove0 = run_for("idioms", "remove0", &[]);
    let libc = remove0
        .outside_by
        .iter()
        .find(|(k, _)| k == "libc")
        .map_or(0, |k| k.1);
    assert!(
        libc * 2 >= remove0.total,
        "memmove is libc's: {libc} of {} samples there; {:?}",
        remove0.total,
        remove0.outside_by
    );
    assert_eq!(
        remove0.outside,
        remove0.outside_by.iter().map(|k| k.1).sum::<u64>()
    );
    let nested = run_for("diffusion", "nested", &["dx=0.2"]);
    assert!(
        nested.outside * 20 <= nested.total,
        "nested is all the project's own: {:?}",
        nested.outside_by
    );
    let table = perflab::profile::sample::lines_table(&nested.lines, nested.total, 10);
    assert!(
        table.contains("lessons/diffusion/variants/nested.rs:"),
        "{table}"
    );
}
