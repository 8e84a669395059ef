//! Timing: a [`Clock`] seam (real or fake) for time and for the machine's CPU counters
//! ([`load`]: what other processes used meanwhile), robust summary statistics of repeated
//! samples, timeit's automatic loop count, and hyperfine-style self-scaling units.

pub mod busy;
pub mod load;

use load::{CpuStat, Snapshot};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A monotonic clock, and the machine's CPU counters beside it. The real one reads
/// [`Instant`] and the system's counters; [`FakeClock`] lets tests script both so that
/// tables, speedups, verdicts and load lines come out exactly.
pub trait Clock: Sync {
    /// Time since this clock's origin.
    fn now(&self) -> Duration;

    /// The machine's CPU counters and this process's CPU time now, from which a
    /// measurement's [`Load`](load::Load) is made: the real clock reads
    /// `/proc/stat` and `getrusage`, a fake one scripts them. `None` where they cannot be
    /// read.
    fn cpu(&self) -> Option<Snapshot>;

    /// CPU seconds this process has used so far, every thread, with the child processes
    /// it has waited for: a run's CPU time beside its wall time. Only `getrusage`, so
    /// cheap enough to read around every run.
    fn process_cpu(&self) -> Option<f64>;
}

/// The real monotonic clock.
#[derive(Debug, Clone, Copy)]
pub struct RealClock {
    origin: Instant,
}

impl Default for RealClock {
    fn default() -> Self {
        RealClock {
            origin: Instant::now(),
        }
    }
}

impl Clock for RealClock {
    fn now(&self) -> Duration {
        self.origin.elapsed()
    }

    fn cpu(&self) -> Option<Snapshot> {
        Snapshot::now()
    }

    fn process_cpu(&self) -> Option<f64> {
        load::own_cpu_seconds()
    }
}

/// A clock that only moves when told to: for tests. Its machine has 2 cores (or as many
/// as [`FakeClock::set_load`] says); while its time moves this process keeps one busy,
/// and other processes and the hypervisor as many as `set_load` scripts (none at first).
#[derive(Debug)]
pub struct FakeClock {
    nanos: AtomicU64,
    cpu: Mutex<FakeCpu>,
}

/// The fake machine's counters and the rates they grow at.
#[derive(Debug, Clone, Copy)]
struct FakeCpu {
    cores: usize,
    /// Cores other processes keep busy, and the hypervisor takes.
    others_rate: f64,
    steal_rate: f64,
    /// CPU seconds so far.
    own: f64,
    others: f64,
    steal: f64,
}

impl Default for FakeClock {
    fn default() -> Self {
        FakeClock::new()
    }
}

impl FakeClock {
    /// A fake clock at time zero, on a quiet 2-core machine.
    pub const fn new() -> Self {
        FakeClock {
            nanos: AtomicU64::new(0),
            cpu: Mutex::new(FakeCpu {
                cores: 2,
                others_rate: 0.0,
                steal_rate: 0.0,
                own: 0.0,
                others: 0.0,
                steal: 0.0,
            }),
        }
    }

    fn fake_cpu(&self) -> std::sync::MutexGuard<'_, FakeCpu> {
        self.cpu.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// From now on the machine has `cores` cores, of which other processes keep `others`
    /// busy and the hypervisor takes `steal` (on average, in cores) while time moves.
    pub fn set_load(&self, cores: usize, others: f64, steal: f64) {
        let mut c = self.fake_cpu();
        c.cores = cores.max(1);
        c.others_rate = others;
        c.steal_rate = steal;
    }

    /// Moves time forward.
    pub fn advance(&self, by: Duration) {
        let mut c = self.fake_cpu();
        self.nanos.fetch_add(by.as_nanos() as u64, Ordering::SeqCst);
        let s = by.as_secs_f64();
        c.own += s;
        c.others += c.others_rate * s;
        c.steal += c.steal_rate * s;
    }
}

impl Clock for FakeClock {
    fn now(&self) -> Duration {
        Duration::from_nanos(self.nanos.load(Ordering::SeqCst))
    }

    fn cpu(&self) -> Option<Snapshot> {
        let c = *self.fake_cpu();
        let counted = c.cores as f64 * self.now().as_secs_f64();
        let busy = c.own + c.others;
        Some(Snapshot {
            machine: CpuStat {
                cores: c.cores,
                busy,
                steal: c.steal,
                idle: counted - busy - c.steal,
            },
            own: c.own,
        })
    }

    fn process_cpu(&self) -> Option<f64> {
        Some(self.fake_cpu().own)
    }
}

/// Times one call of `f` on `clock`, in seconds.
pub fn time<R>(clock: &dyn Clock, f: impl FnOnce() -> R) -> (R, f64) {
    let start = clock.now();
    let r = f();
    (r, (clock.now() - start).as_secs_f64())
}

/// Summary of repeated timing samples. The centre is the median and the spread the median
/// absolute deviation (MAD): both ignore the odd sample slowed by the rest of the machine.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Summary {
    /// Median of the samples.
    pub median: f64,
    /// Median absolute deviation from the median.
    pub spread: f64,
    /// Smallest sample.
    pub min: f64,
    /// Largest sample.
    pub max: f64,
    /// Number of samples.
    pub count: usize,
}

impl Summary {
    /// Summarises samples; `None` for an empty slice or any non-finite sample.
    pub fn of(samples: &[f64]) -> Option<Summary> {
        if samples.is_empty() || samples.iter().any(|s| !s.is_finite()) {
            return None;
        }
        let median = median(samples.to_vec());
        let spread = self::median(samples.iter().map(|s| (s - median).abs()).collect());
        Some(Summary {
            median,
            spread,
            min: samples.iter().copied().fold(f64::INFINITY, f64::min),
            max: samples.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            count: samples.len(),
        })
    }

    /// The same summary with every figure divided by `d` (e.g. time per unit of work).
    pub fn per(&self, d: f64) -> Summary {
        Summary {
            median: self.median / d,
            spread: self.spread / d,
            min: self.min / d,
            max: self.max / d,
            count: self.count,
        }
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// The ratio `a / b` of two summarised quantities with its propagated spread, as hyperfine
/// reports "X ± Y times faster".
pub fn ratio(a: &Summary, b: &Summary) -> (f64, f64) {
    let r = a.median / b.median;
    let rel = ((a.spread / a.median).powi(2) + (b.spread / b.median).powi(2)).sqrt();
    (r, r * rel)
}

/// timeit's automatic loop count: the first of 1, 2, 5, 10, 20, 50, … loops whose total
/// time reaches `target` seconds. `run(n)` runs `n` loops and returns their total seconds.
pub fn autorange(target: f64, mut run: impl FnMut(u64) -> f64) -> (u64, f64) {
    let mut base = 1u64;
    loop {
        for m in [1, 2, 5] {
            let n = base * m;
            let t = run(n);
            if t >= target || n >= 1_000_000_000 {
                return (n, t);
            }
        }
        base *= 10;
    }
}

/// Formats seconds with a unit that suits them: `612.3 ms`, `1.234 s`, `45.21 µs`.
pub fn format_seconds(s: f64) -> String {
    let (v, unit) = scale_seconds(s);
    format!("{} {unit}", sig4(v))
}

/// Formats `median ± spread` in the median's unit: `612.3 ms ± 4.1 ms`.
pub fn format_seconds_pm(median: f64, spread: f64) -> String {
    let (v, unit) = scale_seconds(median);
    let factor = if median == 0.0 { 1.0 } else { v / median };
    format!("{} {unit} ± {} {unit}", sig4(v), sig4(spread * factor))
}

fn scale_seconds(s: f64) -> (f64, &'static str) {
    let a = s.abs();
    if a >= 1.0 || a == 0.0 {
        (s, "s")
    } else if a >= 1e-3 {
        (s * 1e3, "ms")
    } else if a >= 1e-6 {
        (s * 1e6, "µs")
    } else {
        (s * 1e9, "ns")
    }
}

/// Formats a rate per second with an SI prefix: `818.2 M cell-updates/s`.
pub fn format_rate(per_second: f64, unit: &str) -> String {
    format!("{} {unit}/s", format_si(per_second))
}

/// A number with an SI prefix: `818.2 M`, `3.100 k`, `12.00`.
pub fn format_si(v: f64) -> String {
    let (v, prefix) = if v >= 1e9 {
        (v / 1e9, " G")
    } else if v >= 1e6 {
        (v / 1e6, " M")
    } else if v >= 1e3 {
        (v / 1e3, " k")
    } else {
        (v, "")
    };
    format!("{}{prefix}", sig4(v))
}

/// Four significant digits, without scientific notation for everyday magnitudes.
pub fn sig4(v: f64) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    let a = v.abs();
    let decimals = if a >= 1000.0 {
        0
    } else if a >= 100.0 {
        1
    } else if a >= 10.0 {
        2
    } else {
        3
    };
    format!("{v:.decimals$}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_is_median_and_mad() {
        let s = Summary::of(&[1.0, 2.0, 3.0, 4.0, 100.0]).unwrap();
        assert_eq!(
            (s.median, s.spread, s.min, s.max, s.count),
            (3.0, 1.0, 1.0, 100.0, 5)
        );
        assert_eq!(Summary::of(&[2.0, 4.0]).unwrap().median, 3.0);
        assert!(Summary::of(&[]).is_none());
        assert!(Summary::of(&[f64::NAN]).is_none());
    }

    #[test]
    fn ratio_propagates_relative_spread() {
        let a = Summary::of(&[10.0, 9.0, 11.0]).unwrap();
        let b = Summary::of(&[2.0, 2.0, 2.0]).unwrap();
        let (r, e) = ratio(&a, &b);
        assert_eq!(r, 5.0);
        assert!((e - 0.5).abs() < 1e-12);
    }

    #[test]
    fn autorange_follows_timeit() {
        let mut tried = vec![];
        let (n, t) = autorange(0.2, |n| {
            tried.push(n);
            n as f64 * 0.011
        });
        assert_eq!(tried, vec![1, 2, 5, 10, 20]);
        assert_eq!(n, 20);
        assert!((t - 0.22).abs() < 1e-12);
    }

    #[test]
    fn units_scale() {
        assert_eq!(format_seconds(0.6123), "612.3 ms");
        assert_eq!(format_seconds(1.2345), "1.234 s");
        assert_eq!(format_seconds(4.5e-5), "45.00 µs");
        assert_eq!(format_seconds_pm(0.6123, 0.0041), "612.3 ms ± 4.100 ms");
        assert_eq!(
            format_rate(8.182e8, "cell-updates"),
            "818.2 M cell-updates/s"
        );
        assert_eq!(format_si(12.0), "12.00");
    }

    #[test]
    fn fake_clock_moves_only_when_told() {
        let c = FakeClock::new();
        let ((), t) = time(&c, || c.advance(Duration::from_millis(5)));
        assert_eq!(t, 0.005);
    }
}
