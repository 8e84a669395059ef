//! The sampled line profile (Scalene's role): where the instruction pointer is when the
//! profiling timer fires, mapped to source lines through the debug info's line tables.
//!
//! pprof merges its samples by function (its collector keys stacks by each frame's
//! enclosing function), which is right for flamegraphs but loses the line. So lines get a
//! sampler of their own: a `SIGPROF` handler that stores the interrupted instruction
//! pointer, and nothing else, in a preallocated buffer. After the run each distinct
//! address is resolved (inlined frames included) and charged to the innermost frame that
//! lies in this project's sources.
//!
//! `unsafe` is allowed in this module only: installing a signal handler and reading the
//! interrupted context are system calls and raw-pointer reads that no safe API offers.
//! The handler is async-signal-safe: one atomic add and one atomic store.
#![allow(unsafe_code)]

use crate::error::{Error, Result};
use crate::profile::sample::{FREQUENCY, SampledLine, project_path, source_line};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// Samples kept per run: 2²⁰ (an hour at 250 Hz); later ones are counted but dropped.
const CAPACITY: usize = 1 << 20;

static IPS: [AtomicUsize; CAPACITY] = [const { AtomicUsize::new(0) }; CAPACITY];
static NEXT: AtomicUsize = AtomicUsize::new(0);

/// What a line-sampled run recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct LineSamples {
    /// Samples taken.
    pub total: u64,
    /// Samples whose address had no frame in this project's sources (std, libc, …).
    pub outside: u64,
    /// Samples per project line, most first.
    pub lines: Vec<SampledLine>,
}

#[cfg(all(
    target_os = "linux",
    any(target_arch = "x86_64", target_arch = "aarch64")
))]
mod signal {
    use super::{CAPACITY, IPS, NEXT};
    use std::sync::atomic::Ordering::Relaxed;

    extern "C" fn on_sigprof(_: libc::c_int, _: *mut libc::siginfo_t, context: *mut libc::c_void) {
        // SAFETY: the kernel passes a valid ucontext_t to an SA_SIGINFO handler.
        let uc = unsafe { &*(context as *const libc::ucontext_t) };
        #[cfg(target_arch = "x86_64")]
        let ip = uc.uc_mcontext.gregs[libc::REG_RIP as usize] as usize;
        #[cfg(target_arch = "aarch64")]
        let ip = uc.uc_mcontext.pc as usize;
        let i = NEXT.fetch_add(1, Relaxed);
        if i < CAPACITY {
            IPS[i].store(ip, Relaxed);
        }
    }

    fn timer(micros: libc::suseconds_t) -> std::io::Result<()> {
        let t = libc::timeval {
            tv_sec: micros / 1_000_000,
            tv_usec: micros % 1_000_000,
        };
        let it = libc::itimerval {
            it_interval: t,
            it_value: t,
        };
        // SAFETY: `it` is a valid itimerval; the old value is not asked for.
        match unsafe { libc::setitimer(libc::ITIMER_PROF, &it, std::ptr::null_mut()) } {
            0 => Ok(()),
            _ => Err(std::io::Error::last_os_error()),
        }
    }

    fn handle(handler: libc::sighandler_t, flags: libc::c_int) -> std::io::Result<()> {
        // SAFETY: a zeroed sigaction is valid; its fields are then set.
        let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
        action.sa_sigaction = handler;
        action.sa_flags = flags;
        // SAFETY: `action` is valid; the old action is not asked for.
        match unsafe { libc::sigaction(libc::SIGPROF, &action, std::ptr::null_mut()) } {
            0 => Ok(()),
            _ => Err(std::io::Error::last_os_error()),
        }
    }

    /// Starts sampling every `micros` µs of process CPU time.
    pub fn start(micros: i64) -> std::io::Result<()> {
        let f: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) = on_sigprof;
        handle(f as libc::sighandler_t, libc::SA_SIGINFO | libc::SA_RESTART)?;
        timer(micros as libc::suseconds_t)
    }

    /// Stops the timer; a signal still in flight is then ignored, never fatal.
    pub fn stop() -> std::io::Result<()> {
        timer(0)?;
        handle(libc::SIG_IGN, 0)
    }
}

#[cfg(not(all(
    target_os = "linux",
    any(target_arch = "x86_64", target_arch = "aarch64")
)))]
mod signal {
    fn unsupported() -> std::io::Error {
        std::io::Error::new(
            std::io::ErrorKind::Unsupported,
            "the line sampler reads the interrupted address on Linux x86-64 and aarch64 only",
        )
    }
    pub fn start(_: i64) -> std::io::Result<()> {
        Err(unsupported())
    }
    pub fn stop() -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs `f` while sampling the instruction pointer `frequency` times per second of CPU
/// time, then charges the samples to source lines.
pub fn record<R>(frequency: i32, f: impl FnOnce() -> R) -> Result<(R, LineSamples)> {
    if !FREQUENCY.contains(&frequency) {
        return Err(Error::InvalidOption {
            option: "--frequency".into(),
            value: frequency.to_string(),
            expected: format!("{} to {} Hz", FREQUENCY.start(), FREQUENCY.end()),
        });
    }
    let _one_at_a_time = crate::profile::sample::sampler_lock();
    NEXT.store(0, Relaxed);
    let fail = |e: std::io::Error| Error::Profiler {
        what: "run the line sampler",
        message: e.to_string(),
    };
    signal::start(1_000_000 / frequency as i64).map_err(fail)?;
    let result = f();
    signal::stop().map_err(fail)?;
    let taken = NEXT.load(Relaxed);
    let mut by_ip: HashMap<usize, u64> = HashMap::new();
    for slot in &IPS[..taken.min(CAPACITY)] {
        *by_ip.entry(slot.load(Relaxed)).or_default() += 1;
    }
    let mut counts: BTreeMap<(PathBuf, u32), u64> = BTreeMap::new();
    let mut outside = 0;
    for (ip, n) in by_ip {
        match resolve(ip) {
            Some(key) => *counts.entry(key).or_default() += n,
            None => outside += n,
        }
    }
    let total = taken.min(CAPACITY) as u64;
    let mut lines: Vec<SampledLine> = counts
        .into_iter()
        .map(|((file, line), samples)| SampledLine {
            contents: source_line(&file, line).unwrap_or_default(),
            file,
            line,
            samples,
            share: samples as f64 / total.max(1) as f64,
        })
        .collect();
    lines.sort_by(|a, b| b.samples.cmp(&a.samples).then(a.line.cmp(&b.line)));
    Ok((
        result,
        LineSamples {
            total,
            outside,
            lines,
        },
    ))
}

/// The innermost frame at `ip` (inlined ones first) that lies in this project's sources.
fn resolve(ip: usize) -> Option<(PathBuf, u32)> {
    let mut found = None;
    backtrace::resolve(ip as *mut std::ffi::c_void, |symbol| {
        if found.is_some() {
            return;
        }
        if let (Some(file), Some(line)) = (symbol.filename(), symbol.lineno())
            && let Some(p) = project_path(file)
        {
            found = Some((p, line));
        }
    });
    found
}
