//! `cargo perflab machine`: this machine's limits, measured once and kept, so that every
//! comparison can say how close each variant gets to them (the roofline model).
//!
//! - Memory bandwidth: the STREAM triad `a[i] = b[i] + s·c[i]` over arrays far larger
//!   than the caches, counted as STREAM counts it (24 bytes per element), on one thread
//!   and on all of them.
//! - Peak double-precision rate: independent chains of fused multiply-adds, enough of
//!   them to fill the FMA units' pipelines, on one thread and on all.
//! - Cores, and the cache sizes the OS reports.
//! - Read bandwidth from the L1 and the L2 caches: a sum over a working set of half the
//!   level's size (16 KiB and 256 KiB when the OS reports no sizes), on one thread. Older
//!   files without these figures still read; `cargo perflab machine` measures anew.
//!
//! A kernel doing `f` flops and moving `b` bytes per unit of work (its arithmetic
//! intensity is `f / b`) cannot beat `min(peak, f/b · bandwidth)` flops per second: its
//! roofline bound. [`Roofline::share`] says what fraction of that bound a rate reaches.

use crate::error::{Error, Result};
use crate::files::write_atomic;
use crate::inspect::machine::Machine;
use rayon::prelude::*;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What `cargo perflab machine` measured.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Roofline {
    /// The machine, in words (CPU, cores, memory, OS).
    pub machine: String,
    /// Threads used for the "all cores" figures.
    pub threads: usize,
    /// Triad bandwidth on one thread, bytes per second.
    pub bandwidth_one: f64,
    /// Triad bandwidth on all threads, bytes per second.
    pub bandwidth_all: f64,
    /// Peak FMA rate on one thread, flops per second.
    pub flops_one: f64,
    /// Peak FMA rate on all threads, flops per second.
    pub flops_all: f64,
    /// Caches the OS reports, e.g. "L1d 48 KiB", "L2 2 MiB".
    pub caches: Vec<String>,
    /// Read bandwidth from the L1 data cache on one thread, bytes per second (0: not
    /// measured, a file written before it was).
    #[serde(default)]
    pub l1_bandwidth: f64,
    /// Read bandwidth from the L2 cache on one thread, bytes per second (0: not measured).
    #[serde(default)]
    pub l2_bandwidth: f64,
}

impl Roofline {
    /// The bound on flops per second for a kernel of this arithmetic intensity (flops per
    /// byte), with one thread or all of them.
    pub fn bound(&self, intensity: f64, all_threads: bool) -> f64 {
        let (bw, peak) = if all_threads {
            (self.bandwidth_all, self.flops_all)
        } else {
            (self.bandwidth_one, self.flops_one)
        };
        (intensity * bw).min(peak)
    }

    /// What fraction of its bound a kernel reaches at `flops` per second.
    pub fn share(&self, flops: f64, intensity: f64, all_threads: bool) -> f64 {
        flops / self.bound(intensity, all_threads)
    }

    /// A few lines for the terminal.
    pub fn describe(&self) -> String {
        use crate::timing::format_si;
        format!(
            "machine       {}\n\
             bandwidth     {}B/s on 1 thread, {}B/s on {} (STREAM triad, 24 B per element)\n\
             peak flops    {}FLOP/s on 1 thread, {}FLOP/s on {} (double-precision FMA)\n\
             ridge point   {:.2} flops per byte on {} threads: below it a kernel is bound by memory\n\
             caches        {}\n\
             cache reads   {}\n",
            self.machine,
            format_si(self.bandwidth_one),
            format_si(self.bandwidth_all),
            self.threads,
            format_si(self.flops_one),
            format_si(self.flops_all),
            self.threads,
            self.flops_all / self.bandwidth_all,
            self.threads,
            if self.caches.is_empty() {
                "not reported".to_string()
            } else {
                self.caches.join(", ")
            },
            if self.has_cache_bandwidth() {
                format!(
                    "{}B/s from L1, {}B/s from L2 on 1 thread (sums over half of each)",
                    format_si(self.l1_bandwidth),
                    format_si(self.l2_bandwidth)
                )
            } else {
                "not measured (`cargo perflab machine --again` measures them)".to_string()
            }
        )
    }

    /// Whether the L1 and L2 read bandwidths were measured (files from before they were
    /// have neither).
    pub fn has_cache_bandwidth(&self) -> bool {
        [self.l1_bandwidth, self.l2_bandwidth]
            .iter()
            .all(|x| x.is_finite() && *x > 0.0)
    }
}

/// Elements per triad array: 2²⁵ doubles (256 MiB), far past any cache.
const TRIAD_LEN: usize = 1 << 25;

fn triad(a: &mut [f64], b: &[f64], c: &[f64], s: f64, threads: usize) {
    let chunk = a.len().div_ceil(threads.max(1));
    a.par_chunks_mut(chunk)
        .zip(b.par_chunks(chunk))
        .zip(c.par_chunks(chunk))
        .for_each(|((a, b), c)| {
            for ((a, b), c) in a.iter_mut().zip(b).zip(c) {
                *a = b + s * c;
            }
        });
}

/// Best triad bandwidth over a few passes, on a pool of `threads`.
fn bandwidth(threads: usize, a: &mut [f64], b: &[f64], c: &[f64]) -> Result<f64> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::Profiler {
            what: "start threads for the bandwidth test",
            message: e.to_string(),
        })?;
    let bytes = 24.0 * a.len() as f64;
    let best = pool.install(|| {
        (0..5)
            .map(|_| {
                let t = Instant::now();
                triad(a, b, c, black_box(3.0), threads);
                t.elapsed().as_secs_f64()
            })
            .fold(f64::INFINITY, f64::min)
    });
    Ok(bytes / best)
}

/// Independent FMA chains: 64 accumulators, enough for two FMA units of eight lanes with a
/// four-cycle latency. Returns a value the optimiser must compute.
fn fma_chains(iters: u64) -> f64 {
    let mut acc = [0.0f64; 64];
    let (x, y) = (black_box(0.999_999_9), black_box(1e-9));
    for _ in 0..iters {
        for a in acc.iter_mut() {
            *a = a.mul_add(x, y);
        }
    }
    acc.iter().sum()
}

/// Best FMA rate on `threads` threads.
fn peak(threads: usize) -> f64 {
    let iters = 4_000_000u64;
    let flops = (threads as u64 * iters * 64 * 2) as f64;
    let best = (0..3)
        .map(|_| {
            let t = Instant::now();
            std::thread::scope(|s| {
                for _ in 0..threads {
                    s.spawn(|| black_box(fma_chains(black_box(iters))));
                }
            });
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min);
    flops / best
}

/// Sums `set` with sixteen independent accumulators (four AVX2 vectors), so that loads,
/// not the adds' latency, set the pace.
fn sum16(set: &[f64]) -> f64 {
    let mut acc = [0.0f64; 16];
    for chunk in set.chunks_exact(16) {
        for (a, x) in acc.iter_mut().zip(chunk) {
            *a += x;
        }
    }
    acc.iter().sum()
}

/// Best read bandwidth over a working set of `bytes` (kept in the cache it fits), bytes
/// per second: five rounds of about 40 ms each.
fn cache_bandwidth(bytes: usize) -> f64 {
    let set = vec![1.0f64; (bytes / 8).max(16) / 16 * 16];
    let bytes = 8.0 * set.len() as f64;
    // Passes for about 40 ms at 100 GB/s; the best round counts.
    let passes = ((4e9 / bytes) as u64).max(1);
    (0..5)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..passes {
                black_box(sum16(black_box(&set)));
            }
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
        .recip()
        * bytes
        * passes as f64
}

/// The size in bytes of the cache named `name` ("L1d", "L2") in `caches`, as [`caches`]
/// writes them.
fn cache_size(caches: &[String], name: &str) -> Option<usize> {
    caches.iter().find_map(|c| {
        let mut words = c.split_whitespace();
        (words.next()? == name).then_some(())?;
        let number: usize = words.next()?.parse().ok()?;
        let unit = match words.next()? {
            "KiB" => 1 << 10,
            "MiB" => 1 << 20,
            _ => 1,
        };
        Some(number * unit)
    })
}

/// The caches Linux reports for CPU 0.
fn caches() -> Vec<String> {
    cache_sizes()
        .into_iter()
        .map(|(name, bytes)| match bytes % (1 << 20) {
            0 => format!("{name} {} MiB", bytes >> 20),
            _ => format!("{name} {} KiB", bytes >> 10),
        })
        .collect()
}

/// The caches Linux reports for CPU 0, each as its name (`L1d`, `L1i`, `L2`, `L3`) and its
/// size in bytes, from the smallest level up.
pub fn cache_sizes() -> Vec<(String, u64)> {
    let base = Path::new("/sys/devices/system/cpu/cpu0/cache");
    let mut out = Vec::new();
    for i in 0..8 {
        let dir = base.join(format!("index{i}"));
        let read = |f: &str| {
            std::fs::read_to_string(dir.join(f))
                .ok()
                .map(|s| s.trim().to_string())
        };
        let (Some(level), Some(kind), Some(size)) = (read("level"), read("type"), read("size"))
        else {
            continue;
        };
        let kind = match kind.as_str() {
            "Data" => "d",
            "Instruction" => "i",
            _ => "",
        };
        let (digits, scale) = match size.strip_suffix('K') {
            Some(d) => (d, 1u64 << 10),
            None => match size.strip_suffix('M') {
                Some(d) => (d, 1 << 20),
                None => (size.as_str(), 1),
            },
        };
        let Ok(n) = digits.parse::<u64>() else {
            continue;
        };
        out.push((format!("L{level}{kind}"), n * scale));
    }
    out
}

/// Measures this machine (a few seconds: 768 MiB of triad arrays, then FMA loops).
pub fn measure() -> Result<Roofline> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    // Touch the arrays in parallel, so their pages spread over the memory the threads use.
    let mut a = vec![0.0f64; TRIAD_LEN];
    let mut b = vec![0.0f64; TRIAD_LEN];
    let mut c = vec![0.0f64; TRIAD_LEN];
    a.par_iter_mut()
        .zip(b.par_iter_mut())
        .zip(c.par_iter_mut())
        .for_each(|((a, b), c)| {
            *a = 1.0;
            *b = 2.0;
            *c = 0.5;
        });
    let bandwidth_one = bandwidth(1, &mut a, &b, &c)?;
    let bandwidth_all = bandwidth(threads, &mut a, &b, &c)?;
    drop((a, b, c));
    let caches = caches();
    let half = |name: &str, default: usize| cache_size(&caches, name).map_or(default, |b| b / 2);
    let l1_bandwidth = cache_bandwidth(half("L1d", 16 << 10));
    let l2_bandwidth = cache_bandwidth(half("L2", 256 << 10));
    Ok(Roofline {
        machine: Machine::this().to_string(),
        threads,
        bandwidth_one,
        bandwidth_all,
        flops_one: peak(1),
        flops_all: peak(threads),
        caches,
        l1_bandwidth,
        l2_bandwidth,
    })
}

/// Where the measurement is kept: `PERFLAB_MACHINE`, or `.perflab-machine.json` at the
/// project's root.
pub fn path() -> PathBuf {
    std::env::var_os("PERFLAB_MACHINE")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::files::root().join(".perflab-machine.json"))
}

/// The kept measurement, as read back.
#[derive(Debug)]
pub enum Kept {
    /// No file: nothing measured yet.
    Missing,
    /// A measurement of this machine.
    Usable(Roofline),
    /// A file that cannot be used (not a measurement, or one with a figure that is not a
    /// positive number): why, in a few words.
    Damaged(String),
    /// Another machine's measurement: that machine, in words.
    OtherMachine(String),
}

impl Roofline {
    /// What makes a decoded measurement unusable, if anything: no threads, or a figure
    /// that is not a finite positive number (a bound of zero would divide by zero).
    fn flaw(&self) -> Option<String> {
        if self.threads == 0 {
            return Some("threads is 0".into());
        }
        [
            ("bandwidth_one", self.bandwidth_one),
            ("bandwidth_all", self.bandwidth_all),
            ("flops_one", self.flops_one),
            ("flops_all", self.flops_all),
        ]
        .into_iter()
        .find(|(_, x)| !(x.is_finite() && *x > 0.0))
        .map(|(name, x)| format!("{name} is {x}, not a positive number"))
    }
}

/// Reads the measurement kept at `path`.
pub fn read(path: &Path) -> Kept {
    match crate::files::read_json::<Roofline>(path) {
        crate::files::Kept::Missing => Kept::Missing,
        crate::files::Kept::Damaged(why) => Kept::Damaged(why),
        crate::files::Kept::Read(r) => match r.flaw() {
            Some(why) => Kept::Damaged(why),
            None if r.machine != Machine::this().to_string() => Kept::OtherMachine(r.machine),
            None => Kept::Usable(r),
        },
    }
}

/// The line to print when the measurement kept at `path` cannot be used for the roofline
/// columns; none when it can, or when there is none (nothing measured yet is no fault).
pub fn unusable(path: &Path, kept: &Kept) -> Option<String> {
    let (what, remedy) = match kept {
        Kept::Missing | Kept::Usable(_) => return None,
        Kept::Damaged(why) => (format!("cannot be used ({why})"), "measures anew"),
        Kept::OtherMachine(m) => (format!("is another machine's ({m})"), "measures this one"),
    };
    Some(format!(
        "warning: machine file {} {what}, so no roofline columns; `cargo perflab machine` {remedy}",
        path.display()
    ))
}

/// The kept measurement for the roofline columns of `compare` and `tour`, if it can be
/// used. One that cannot is said in one line on standard error, once a process (a tour or
/// a tutor compares many times); a missing one is not.
pub fn for_tables() -> Option<Roofline> {
    static WARNED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    let path = path();
    match read(&path) {
        Kept::Usable(r) => Some(r),
        kept => {
            if let Some(w) = unusable(&path, &kept)
                && !WARNED.swap(true, std::sync::atomic::Ordering::Relaxed)
            {
                eprintln!("{w}");
            }
            None
        }
    }
}

/// Keeps a measurement at `path`, whole or not at all. A damaged file there is first moved
/// aside to `<path>.corrupt.<n>` ([`crate::files::set_aside`]), never replaced; returns
/// the line saying so, if it was.
pub fn save_at(path: &Path, r: &Roofline) -> Result<Option<String>> {
    let json = serde_json::to_string_pretty(r).map_err(|e| Error::Profiler {
        what: "encode the machine's measurement",
        message: e.to_string(),
    })?;
    let note = match read(path) {
        Kept::Damaged(why) => {
            let aside =
                crate::files::set_aside(path).map_err(|e| Error::io("set aside", path, e))?;
            Some(format!(
                "moved the damaged machine file {} to {} ({why})",
                path.display(),
                aside.display()
            ))
        }
        _ => None,
    };
    write_atomic(path, format!("{json}\n").as_bytes())?;
    Ok(note)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A roofline of round figures for `machine`.
    fn round(machine: String) -> Roofline {
        Roofline {
            machine,
            threads: 2,
            bandwidth_one: 10e9,
            bandwidth_all: 16e9,
            flops_one: 50e9,
            flops_all: 100e9,
            caches: vec![],
            l1_bandwidth: 200e9,
            l2_bandwidth: 80e9,
        }
    }

    #[test]
    fn the_bound_is_the_lower_roof() {
        let r = round("test".into());
        // Memory-bound below the ridge (100/16 = 6.25 flops per byte), compute-bound above.
        assert_eq!(r.bound(0.5, true), 8e9);
        assert_eq!(r.bound(10.0, true), 100e9);
        assert_eq!(r.bound(0.5, false), 5e9);
        assert_eq!(r.share(4e9, 0.5, true), 0.5);
        assert!(r.describe().contains("ridge point   6.25 flops per byte"));
    }

    #[test]
    fn a_figure_that_is_not_a_positive_number_makes_the_file_unusable() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("machine.json");
        assert!(matches!(read(&path), Kept::Missing));
        assert_eq!(unusable(&path, &read(&path)), None);
        let good = round(Machine::this().to_string());
        assert_eq!(save_at(&path, &good).unwrap(), None);
        assert!(matches!(read(&path), Kept::Usable(r) if r == good));
        for (bad, why) in [
            (
                Roofline {
                    flops_all: 0.0,
                    ..good.clone()
                },
                "flops_all is 0, not a positive number",
            ),
            (
                Roofline {
                    bandwidth_one: -1.0,
                    ..good.clone()
                },
                "bandwidth_one is -1, not a positive number",
            ),
            (
                Roofline {
                    threads: 0,
                    ..good.clone()
                },
                "threads is 0",
            ),
        ] {
            assert_eq!(bad.flaw().as_deref(), Some(why));
        }
        assert_eq!(
            Roofline {
                bandwidth_all: f64::NAN,
                ..good.clone()
            }
            .flaw()
            .unwrap(),
            "bandwidth_all is NaN, not a positive number"
        );
        assert!(
            Roofline {
                flops_one: f64::INFINITY,
                ..good.clone()
            }
            .flaw()
            .is_some()
        );
        std::fs::write(
            &path,
            serde_json::to_string(&Roofline {
                flops_all: 0.0,
                ..good.clone()
            })
            .unwrap(),
        )
        .unwrap();
        let w = unusable(&path, &read(&path)).unwrap();
        assert!(
            w.contains("cannot be used (flops_all is 0, not a positive number)"),
            "{w}"
        );
        assert!(w.ends_with("`cargo perflab machine` measures anew"), "{w}");
        let other = Roofline {
            machine: "a far bigger machine".into(),
            ..good
        };
        std::fs::write(&path, serde_json::to_string(&other).unwrap()).unwrap();
        let w = unusable(&path, &read(&path)).unwrap();
        assert!(
            w.contains("is another machine's (a far bigger machine)"),
            "{w}"
        );
    }

    #[test]
    fn cache_figures_are_optional_in_old_files_and_sizes_parse() {
        let r = round(Machine::this().to_string());
        assert!(r.has_cache_bandwidth());
        assert!(
            r.describe().contains("200.0 GB/s from L1"),
            "{}",
            r.describe()
        );
        let mut json: serde_json::Value = serde_json::to_value(&r).unwrap();
        let map = json.as_object_mut().unwrap();
        map.remove("l1_bandwidth");
        map.remove("l2_bandwidth");
        let old: Roofline = serde_json::from_value(json).unwrap();
        assert!(!old.has_cache_bandwidth());
        assert!(old.flaw().is_none());
        assert!(old.describe().contains("not measured"));
        let caches = vec!["L1d 32 KiB".to_string(), "L2 1 MiB".to_string()];
        assert_eq!(cache_size(&caches, "L1d"), Some(32 << 10));
        assert_eq!(cache_size(&caches, "L2"), Some(1 << 20));
        assert_eq!(cache_size(&caches, "L3"), None);
        assert_eq!(sum16(&[1.0; 48]), 48.0);
        assert!(cache_bandwidth(4096) > 0.0);
    }

    #[test]
    fn the_fma_kernel_computes_something() {
        assert!(fma_chains(10) > 0.0);
        let v = vec![1.0; 1000];
        let mut a = vec![0.0; 1000];
        triad(&mut a, &v, &v, 2.0, 3);
        assert!(a.iter().all(|&x| x == 3.0));
    }
}
