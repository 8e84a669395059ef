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
use crate::inspect::asm::Symbols;
use crate::profile::sample::{FREQUENCY, SampledLine, project_path, source_line};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// Samples kept per run: 2²⁰ (an hour at 250 Hz); later ones are counted but dropped.
const CAPACITY: usize = 1 << 20;

static IPS: [AtomicUsize; CAPACITY] = [const { AtomicUsize::new(0) }; CAPACITY];
static NEXT: AtomicUsize = AtomicUsize::new(0);

/// Whole stacks kept per run, for profile.pb: 2¹⁵ (two minutes at 250 Hz), each at most
/// `DEPTH` frames deep; later samples keep their address above but not their stack.
const STACKS: usize = 1 << 15;
const DEPTH: usize = 64;
static STACK_IPS: [AtomicUsize; STACKS * DEPTH] = [const { AtomicUsize::new(0) }; STACKS * DEPTH];
static STACK_LEN: [AtomicUsize; STACKS] = [const { AtomicUsize::new(0) }; STACKS];

/// What a line-sampled run recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct LineSamples {
    /// Samples taken.
    pub total: u64,
    /// Samples whose address is in no function of this project (std, libc, …).
    pub outside: u64,
    /// Those samples by where they fell ("libc", "the allocator", "the standard library",
    /// …), most first.
    pub outside_by: Vec<(String, u64)>,
    /// Samples per project line, most first.
    pub lines: Vec<SampledLine>,
    /// Each distinct stack, as instruction addresses from the interrupted one outwards
    /// (return addresses above it), with its samples.
    pub stacks: Vec<(Vec<usize>, u64)>,
    /// CPU seconds the process used while sampling, where `/proc/self/stat` could be read.
    pub cpu_seconds: Option<f64>,
}

#[cfg(test)]
mod tests {
    use super::{is_project_function, short_function};

    #[test]
    fn functions_are_named_short_and_told_apart() {
        assert_eq!(
            short_function("perflab::lessons::diffusion::variants::nested::step"),
            "nested::step"
        );
        assert_eq!(
            short_function(
                "<rayon::iter::for_each::ForEachConsumer<F> as rayon::iter::plumbing::Folder<T>>::consume_iter"
            ),
            "ForEachConsumer::consume_iter"
        );
        assert_eq!(short_function("consume_iter<perflab::X>"), "consume_iter");
        assert!(is_project_function(
            "perflab::lessons::idioms::variants::queue::remove0"
        ));
        assert!(is_project_function("diffusion_exercise::exercise::run"));
        assert!(!is_project_function("core::ptr::drop_in_place<perflab::X>"));
    }
}

#[cfg(all(
    target_os = "linux",
    any(target_arch = "x86_64", target_arch = "aarch64")
))]
mod signal {
    use super::{CAPACITY, DEPTH, IPS, NEXT, STACK_IPS, STACK_LEN, STACKS};
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
        if i < STACKS {
            // The stack, from the interrupted instruction outwards: the unwinder walks
            // this handler's frames and the signal frame first, then reaches `ip`. It
            // takes no lock and allocates nothing (pprof's handler does the same); the
            // one way to deadlock, a sample landing inside the unwinder itself, cannot
            // happen while only this handler unwinds.
            let base = i * DEPTH;
            let mut n = 0;
            let mut reached = false;
            // SAFETY: unwinding this thread's own stack from a signal handler, with no
            // other unwinding under way in perflab's runs (see above).
            unsafe {
                backtrace::trace_unsynchronized(|frame| {
                    let at = frame.ip() as usize;
                    reached |= at == ip;
                    // A zero address ends the walk (the unwinder's last frame).
                    if at == 0 {
                        return false;
                    }
                    if reached {
                        STACK_IPS[base + n].store(at, Relaxed);
                        n += 1;
                    }
                    n < DEPTH
                });
            }
            if !reached {
                // Not unwound: the sample keeps its own address, at least.
                STACK_IPS[base].store(ip, Relaxed);
                n = 1;
            }
            STACK_LEN[i].store(n, Relaxed);
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
    let cpu_before = crate::profile::sample::process_cpu_seconds();
    let fail = |e: std::io::Error| Error::Profiler {
        what: "run the line sampler",
        message: e.to_string(),
    };
    signal::start(1_000_000 / frequency as i64).map_err(fail)?;
    let result = f();
    signal::stop().map_err(fail)?;
    let cpu_seconds = crate::profile::sample::process_cpu_seconds()
        .zip(cpu_before)
        .map(|(after, before)| after - before);
    let taken = NEXT.load(Relaxed);
    let mut stacks: HashMap<Vec<usize>, u64> = HashMap::new();
    for i in 0..taken.min(STACKS) {
        let n = STACK_LEN[i].load(Relaxed).min(DEPTH);
        let ips: Vec<usize> = (0..n)
            .map(|k| STACK_IPS[i * DEPTH + k].load(Relaxed))
            .collect();
        *stacks.entry(ips).or_default() += 1;
    }
    let mut by_ip: HashMap<usize, u64> = HashMap::new();
    for slot in &IPS[..taken.min(CAPACITY)] {
        *by_ip.entry(slot.load(Relaxed)).or_default() += 1;
    }
    let mut counts: BTreeMap<(PathBuf, u32), u64> = BTreeMap::new();
    let mut outside_by: BTreeMap<String, u64> = BTreeMap::new();
    let maps = mappings();
    let symbols = crate::inspect::asm::Symbols::this().ok();
    for (ip, n) in by_ip {
        match place(ip, &maps, symbols.as_ref()) {
            Place::Line(file, line) => *counts.entry((file, line)).or_default() += n,
            // Instructions of a project function that carry no line: charged to the
            // function, as its line 0.
            Place::Function(name) => *counts.entry((PathBuf::from(name), 0)).or_default() += n,
            Place::Outside(kind) => *outside_by.entry(kind).or_default() += n,
        }
    }
    let outside = outside_by.values().sum();
    let mut outside_by: Vec<(String, u64)> = outside_by.into_iter().collect();
    outside_by.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
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
            outside_by,
            lines,
            stacks: stacks.into_iter().collect(),
            cpu_seconds,
        },
    ))
}

impl LineSamples {
    /// CPU nanoseconds one sample stands for: the CPU time measured over the run divided
    /// by the samples taken (1/frequency only where the CPU time could not be read).
    pub fn period_ns(&self, frequency: i32) -> f64 {
        match self.cpu_seconds {
            Some(cpu) if cpu > 0.0 && self.total > 0 => cpu * 1e9 / self.total as f64,
            _ => 1e9 / f64::from(frequency.max(1)),
        }
    }

    /// The stacks as `profile.pb` ([`crate::profile::profile_pb`]), each sample weighing
    /// [`LineSamples::period_ns`]; `None` without a stack.
    pub fn pprof(&self, frequency: i32, duration: std::time::Duration) -> Result<Option<Vec<u8>>> {
        if self.stacks.is_empty() {
            return Ok(None);
        }
        let period = self.period_ns(frequency);
        crate::profile::profile_pb::encode(&self.stacks, period, duration.as_nanos() as i64)
            .map(Some)
    }
}

/// Where a sampled address belongs.
#[derive(Debug, Clone, PartialEq)]
enum Place {
    /// A line of this project's sources (the innermost such frame, inlined ones first).
    Line(PathBuf, u32),
    /// A function of this project, at an instruction with no line of its own.
    Function(String),
    /// Code outside the project, by kind.
    Outside(String),
}

/// Whether a demangled function name is this project's: perflab's (its lessons and
/// toolkit) or an exercise's (`diffusion_exercise::…`).
fn is_project_function(name: &str) -> bool {
    let name = name.trim_start_matches('<');
    let krate = name.split("::").next().unwrap_or("");
    krate == "perflab" || krate.ends_with("_exercise")
}

/// The executable and shared objects mapped into this process: (start, end, path).
fn mappings() -> Vec<(usize, usize, String)> {
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap_or_default();
    maps.lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            let (start, end) = f.first()?.split_once('-')?;
            Some((
                usize::from_str_radix(start, 16).ok()?,
                usize::from_str_radix(end, 16).ok()?,
                f.get(5).copied().unwrap_or("").to_string(),
            ))
        })
        .collect()
}

/// What kind of code outside the project `ip` is in: the allocator (by its functions'
/// names, in any object), a shared library by name (libc, libm, the loader, the vDSO), or
/// in the executable the standard library or another crate.
fn outside_kind(ip: usize, name: Option<&str>, maps: &[(usize, usize, String)]) -> String {
    let name = name.unwrap_or("");
    let bare = name.trim_start_matches('<');
    let allocator = [
        "malloc",
        "free",
        "realloc",
        "calloc",
        "_int_malloc",
        "_int_free",
        "cfree",
        "__rust_alloc",
        "__rust_dealloc",
        "__rust_realloc",
        "__rust_alloc_zeroed",
        "__rdl_",
        "alloc::alloc::",
    ];
    if allocator.iter().any(|a| bare.starts_with(a)) || bare.contains("malloc") {
        return "the allocator".into();
    }
    let object = maps
        .iter()
        .find(|m| m.0 <= ip && ip < m.1)
        .map(|m| m.2.as_str())
        .unwrap_or("");
    let exe = std::env::current_exe().ok();
    let in_exe = exe
        .as_deref()
        .is_some_and(|e| std::path::Path::new(object) == e);
    if !in_exe && !object.is_empty() {
        let file = object.rsplit('/').next().unwrap_or(object);
        return match file {
            f if f.starts_with("libc.so") || f.starts_with("libc-") => "libc".into(),
            f if f.starts_with("libm.so") => "libm".into(),
            f if f.starts_with("ld-linux") => "the dynamic loader".into(),
            "[vdso]" => "the kernel's vDSO".into(),
            f => f.to_string(),
        };
    }
    let krate = bare.split("::").next().unwrap_or("");
    let krate = krate.split('[').next().unwrap_or(krate);
    match krate {
        "std" | "core" | "alloc" => "the standard library".into(),
        "" => "addresses with no symbol".into(),
        k => format!("the {k} crate"),
    }
}

/// Where `ip` belongs: the innermost frame (inlined ones first) in this project's sources
/// with a line; else, when the function it is in is this project's (by the symbol
/// table's name, or a frame's source file), that function; else the kind of code outside
/// the project.
fn place(ip: usize, maps: &[(usize, usize, String)], symbols: Option<&Symbols>) -> Place {
    let mut line = None;
    let mut project_file = false;
    let mut debug_name: Option<String> = None;
    backtrace::resolve(ip as *mut std::ffi::c_void, |symbol| {
        if line.is_some() {
            return;
        }
        let file = symbol.filename().and_then(project_path);
        match (file, symbol.lineno()) {
            (Some(file), Some(l)) if l > 0 => line = Some((file, l)),
            (file, _) => {
                project_file |= file.is_some();
                // The outermost frame's name: the function itself.
                debug_name = symbol.name().map(|n| format!("{n:#}"));
            }
        }
    });
    if let Some((file, l)) = line {
        return Place::Line(file, l);
    }
    let name = symbols.and_then(|s| s.name(ip)).or(debug_name);
    if project_file || name.as_deref().is_some_and(is_project_function) {
        let name = name.unwrap_or_else(|| "(a function of this project)".into());
        return Place::Function(short_function(&name));
    }
    Place::Outside(outside_kind(ip, name.as_deref(), maps))
}

/// A project function's name as the line table shows it: its last two path segments
/// (`nested::run`), generic arguments left out, a trait method named by its type
/// (`<T as Trait>::f` → `T::f`).
fn short_function(name: &str) -> String {
    let name = match name.strip_prefix('<').and_then(|r| r.split_once(" as ")) {
        Some((ty, rest)) => format!("{ty}::{}", rest.rsplit("::").next().unwrap_or(rest)),
        None => name.to_string(),
    };
    let mut plain = String::new();
    let mut depth = 0;
    for c in name.chars() {
        match c {
            '<' => depth += 1,
            '>' => depth -= 1,
            c if depth == 0 => plain.push(c),
            _ => {}
        }
    }
    let parts: Vec<&str> = plain.split("::").filter(|p| !p.is_empty()).collect();
    parts[parts.len().saturating_sub(2)..].join("::")
}
