//! `cargo perflab machine`: this machine's limits, measured once and kept, so that every
//! comparison can say how close each variant gets to them (the roofline model).
//!
//! - Memory bandwidth: the STREAM triad `a[i] = b[i] + s·c[i]` over arrays far larger
//!   than the caches, counted as STREAM counts it (24 bytes per element), on one thread
//!   and on all of them.
//! - Peak double-precision rate: independent chains of fused multiply-adds, enough of
//!   them to fill the FMA units' pipelines, on one thread and on all.
//! - Cores, and the cache sizes the OS reports.
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
             caches        {}\n",
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
            }
        )
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

/// The caches Linux reports for CPU 0.
fn caches() -> Vec<String> {
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
        let size = size.replace('K', " KiB").replace('M', " MiB");
        out.push(format!("L{level}{kind} {size}"));
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
    Ok(Roofline {
        machine: Machine::this().to_string(),
        threads,
        bandwidth_one,
        bandwidth_all,
        flops_one: peak(1),
        flops_all: peak(threads),
        caches: caches(),
    })
}

/// Where the measurement is kept: `PERFLAB_MACHINE`, or `.perflab-machine.json` at the
/// project's root.
pub fn path() -> PathBuf {
    std::env::var_os("PERFLAB_MACHINE")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::files::root().join(".perflab-machine.json"))
}

/// The kept measurement, if there is one for this machine (a file from another machine,
/// or one that cannot be read, counts as none).
pub fn load() -> Option<Roofline> {
    let text = std::fs::read_to_string(path()).ok()?;
    let r: Roofline = serde_json::from_str(&text).ok()?;
    (r.machine == Machine::this().to_string()).then_some(r)
}

/// Keeps a measurement, whole or not at all.
pub fn save(r: &Roofline) -> Result<PathBuf> {
    let path = path();
    let json = serde_json::to_string_pretty(r).map_err(|e| Error::Profiler {
        what: "encode the machine's measurement",
        message: e.to_string(),
    })?;
    write_atomic(&path, format!("{json}\n").as_bytes())?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bound_is_the_lower_roof() {
        let r = Roofline {
            machine: "test".into(),
            threads: 2,
            bandwidth_one: 10e9,
            bandwidth_all: 16e9,
            flops_one: 50e9,
            flops_all: 100e9,
            caches: vec![],
        };
        // Memory-bound below the ridge (100/16 = 6.25 flops per byte), compute-bound above.
        assert_eq!(r.bound(0.5, true), 8e9);
        assert_eq!(r.bound(10.0, true), 100e9);
        assert_eq!(r.bound(0.5, false), 5e9);
        assert_eq!(r.share(4e9, 0.5, true), 0.5);
        assert!(r.describe().contains("ridge point   6.25 flops per byte"));
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
