//! Guards before work: the peak memory a command will need, estimated from the lesson's
//! parameters before the first state is allocated, and the refusal when it does not fit.
//!
//! A command's peak is the process's resident size now (the program, the lesson's inputs)
//! plus the most that its runs and the engine hold at once. Each lesson says what one run
//! of a variant needs ([`crate::lesson::Problem::memory`]); this module adds what the
//! commands and [`measure`](crate::measure::measure) keep beside the runs, as they are
//! written:
//!
//! - a variant run on its own (`run`'s and `timeit`'s first, `profile`'s): its run, with
//!   the snapshots it draws or the sampling profiler's tables;
//! - in `measure`, with the values of `given` runs held throughout: each variant checked
//!   and timed beside one more set of values (the reference's, kept for one step count at
//!   a time), the reference beside a measured variant's values, and the check holding the
//!   variant's values, the reference's and the exact answer at once.
//!
//! `tests/memory.rs` holds the estimates within 25 % of the peaks the kernel reports.

use crate::error::{Error, Result};
use crate::lesson::params::Params;
use crate::lesson::{Lesson, Prepared, Resize};

/// What a command runs, for its estimate.
#[derive(Debug, Clone, Default)]
pub struct Runs {
    /// Variants run on their own, nothing else held (run's and timeit's variant, the
    /// profiled ones).
    pub alone: Vec<usize>,
    /// Variants [`measure`](crate::measure::measure) checks and times (the reference
    /// runs there too).
    pub measured: Vec<usize>,
    /// Runs whose values the engine is handed and keeps throughout (`run`: one).
    pub given: u64,
    /// Bytes a profiler holds beside each run alone.
    pub beside: u64,
    /// Whether each run alone draws snapshots: it holds its frames, each its values
    /// (8 bytes a pixel) and, for the GIF, 3 bytes a pixel more.
    pub snapshots: bool,
    /// Whether runs alone are repeated, the values of the one before kept beside each
    /// (`timeit`).
    pub repeated: bool,
}

impl Runs {
    /// What `run` and `timeit` do: the variant alone, then the baseline measured beside
    /// its values (and the reference, for the check).
    pub fn run(prepared: &dyn Prepared, variant: usize) -> Runs {
        let baseline = prepared.scope().baseline;
        Runs {
            alone: vec![variant],
            measured: if baseline == variant {
                Vec::new()
            } else {
                vec![baseline]
            },
            given: 1,
            beside: 0,
            snapshots: false,
            repeated: false,
        }
    }
}

/// A command's estimated peak.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// Bytes resident when the estimate was made.
    pub resident: u64,
    /// Bytes the runs and the engine hold at once at the peak, beyond that.
    pub heap: u64,
    /// The variant whose run sets the peak.
    pub variant: usize,
    /// The lesson's words on the size.
    pub size: String,
    /// Bytes of the lesson's inputs among those resident.
    pub inputs: u64,
}

impl Estimate {
    /// The estimated peak resident size of the process, in bytes.
    pub fn peak(&self) -> u64 {
        self.resident.saturating_add(self.heap)
    }
}

/// What a command adds after the estimate besides its runs: the machine's description, the
/// report, the first use of threads (their stacks and allocator arenas). Measured at 0.5 to
/// 0.9 MiB on this project's small runs.
const AFTER: u64 = 768 << 10;

/// Bytes the sampling profiler holds beside the runs it samples: pprof's collector and the
/// symbol tables it reads from this executable's debug information, which stay loaded.
/// Measured at 8 times the size of the executable (about 190 MB for perflab's 23.6 MB,
/// with 0.1 to 1 GB of runs beside them).
pub fn sampler_overhead() -> u64 {
    let exe = std::env::current_exe().and_then(std::fs::metadata);
    8 * exe.map_or(24 << 20, |m| m.len())
}

/// Estimates the peak of a command that runs `runs` at `prepared`'s parameters.
pub fn estimate(prepared: &dyn Prepared, runs: &Runs) -> Estimate {
    let resident = resident_now();
    let (heap, variant) = heap(prepared, runs);
    let m = prepared.memory(variant);
    Estimate {
        resident,
        heap,
        variant,
        size: m.size,
        inputs: m.inputs.min(resident),
    }
}

/// The most that `runs` hold at once beyond what is resident before them, and the variant
/// whose run that is.
fn heap(prepared: &dyn Prepared, runs: &Runs) -> (u64, usize) {
    // (bytes, variant) of each phase; the largest is the peak.
    let mut phases: Vec<(u64, usize)> = Vec::new();
    for &v in &runs.alone {
        let m = prepared.memory(v);
        let frames = match prepared.frame_every() {
            Some(every) if runs.snapshots => prepared.steps().div_ceil(every.max(1)) as u64 + 1,
            _ => 0,
        };
        let frames = frames.saturating_mul(m.values / 8).saturating_mul(11);
        let before = if runs.repeated { m.values } else { 0 };
        phases.push((sum(&[m.run, runs.beside, frames, before]), v));
    }
    if !runs.measured.is_empty() || runs.given > 0 {
        let reference = prepared.scope().reference;
        let r = prepared.memory(reference);
        let held = runs.given.saturating_mul(r.values);
        // A measured variant's values are held while the reference runs for its check, and
        // the reference's may be held while a variant runs; given values are only lent.
        let beside = if runs.measured.is_empty() {
            0
        } else {
            r.values
        };
        phases.push((sum(&[held, beside, r.run]), reference));
        phases.push((sum(&[held, beside, r.values, r.exact]), reference));
        for &v in &runs.measured {
            phases.push((sum(&[held, r.values, prepared.memory(v).run]), v));
        }
    }
    let (heap, variant) = phases.into_iter().max().unwrap_or((0, 0));
    (heap.saturating_add(AFTER), variant)
}

/// A sum that stops at `u64::MAX` (a grid of 10¹⁸ cells is refused, not wrapped round).
fn sum(parts: &[u64]) -> u64 {
    parts.iter().fold(0, |a, b| a.saturating_add(*b))
}

/// Estimates the peak of `runs` at `params` and refuses, naming the parameter that sets
/// the size and a bound on it that fits, when it is more than the memory available
/// ([`available`]).
pub fn guard(
    lesson: &dyn Lesson,
    params: &Params,
    prepared: &dyn Prepared,
    runs: &Runs,
) -> Result<Estimate> {
    let e = estimate(prepared, runs);
    let (available, source) = available();
    if e.peak() <= available {
        return Ok(e);
    }
    // The runs and the inputs scale with the size; the rest of what is resident stays.
    let room = available.saturating_sub(e.resident - e.inputs);
    let resize = fitting(lesson, params, prepared, runs, room, &e);
    let mut fits = resize.fits();
    if resize.bound.is_none() && runs.beside > room {
        fits = format!(
            "{fits}: the sampling profiler alone takes about {} (the other profilers do not)",
            gib(runs.beside)
        );
    }
    let variant = lesson.variants().get(e.variant).map_or("?", |v| v.name);
    Err(Error::TooBig {
        param: resize.param.to_string(),
        value: resize.value.clone(),
        need: format!(
            "{} at its peak ({}, with variant {variant}); {} {source}: {fits}",
            gib(e.peak()),
            e.size,
            gib(available),
        ),
    })
}

/// The bound on the size parameter at which `runs` need at most `room` bytes beyond what
/// stays resident: the lesson's, for memory in proportion to the size, checked by
/// preparing the problem at it and tightened until it fits.
fn fitting(
    lesson: &dyn Lesson,
    params: &Params,
    prepared: &dyn Prepared,
    runs: &Runs,
    room: u64,
    e: &Estimate,
) -> Resize {
    let mut scale = 0.97 * room as f64 / e.heap.saturating_add(e.inputs).max(1) as f64;
    for _ in 0..12 {
        let resize = prepared.resize(scale);
        let Some(bound) = &resize.bound else {
            return resize;
        };
        let mut overrides: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
        overrides.push(format!("{}={bound}", resize.param));
        let trial = lesson
            .parse_params(&overrides)
            .and_then(|p| lesson.prepare(&p));
        if let Ok(t) = trial {
            let (heap, v) = heap(t.as_ref(), runs);
            if heap.saturating_add(t.memory(v).inputs) <= room {
                return resize;
            }
        }
        scale *= 0.8;
    }
    Resize {
        bound: None,
        ..prepared.resize(scale)
    }
}

/// Bytes in binary units with three significant digits: "412 MiB", "23.1 GiB".
pub fn gib(bytes: u64) -> String {
    let units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
    let mut v = bytes as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < units.len() {
        v /= 1024.0;
        u += 1;
    }
    let decimals = match v {
        _ if u == 0 || v >= 100.0 => 0,
        _ if v >= 10.0 => 1,
        _ => 2,
    };
    format!("{v:.decimals$} {}", units[u])
}

/// The environment variable that caps the memory perflab counts as available, e.g.
/// `PERFLAB_MEMORY_LIMIT=64MiB` (also `kB`, `MB`, `GB`, `KiB`, `GiB`, or bytes).
pub const LIMIT_VAR: &str = "PERFLAB_MEMORY_LIMIT";

/// The memory available to a run: what the system reports available (MemAvailable), the
/// room left under the memory limit of the process's control group where that is lower,
/// or [`LIMIT_VAR`] where that is set and lower still; with the words that say which.
pub fn available() -> (u64, &'static str) {
    let system = crate::inspect::machine::available_memory();
    let own = std::fs::read_to_string("/proc/self/cgroup").unwrap_or_default();
    let (room, source) = match cgroup_room(std::path::Path::new("/sys/fs/cgroup"), &own) {
        Some(room) if room < system => (room, "is left under this cgroup's memory limit"),
        _ => (system, "is available"),
    };
    match std::env::var(LIMIT_VAR).ok().and_then(|s| parse_bytes(&s)) {
        Some(limit) if limit < room => (limit, "is the limit PERFLAB_MEMORY_LIMIT sets"),
        _ => (room, source),
    }
}

/// The room a control group's memory limit leaves: the limit less what the group uses,
/// not counting the inactive page cache the kernel would reclaim first; the smallest over
/// the cgroup v2 and v1 memory controllers `own` (the text of /proc/self/cgroup) names
/// under `root`. Inside a cgroup namespace the group is the mount's own root, so that is
/// read where the group's path is not there. `None` where no limit is set or none can be
/// read.
pub fn cgroup_room(root: &std::path::Path, own: &str) -> Option<u64> {
    let number = |p: std::path::PathBuf| -> Option<u64> {
        std::fs::read_to_string(p).ok()?.trim().parse().ok()
    };
    let stat = |p: std::path::PathBuf, key: &str| -> u64 {
        let text = std::fs::read_to_string(p).unwrap_or_default();
        text.lines()
            .filter_map(|l| l.split_once(' '))
            .find(|(k, _)| *k == key)
            .and_then(|(_, v)| v.trim().parse().ok())
            .unwrap_or(0)
    };
    let mut rooms = Vec::new();
    for line in own.lines() {
        let mut parts = line.splitn(3, ':');
        let (Some(_), Some(controllers), Some(path)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let (base, [max, used, inactive]) = match controllers {
            "" => (
                root.to_path_buf(),
                ["memory.max", "memory.current", "inactive_file"],
            ),
            c if c.split(',').any(|c| c == "memory") => (
                root.join("memory"),
                [
                    "memory.limit_in_bytes",
                    "memory.usage_in_bytes",
                    "total_inactive_file",
                ],
            ),
            _ => continue,
        };
        for dir in [base.join(path.trim_start_matches('/')), base] {
            // v2 writes "max" where there is no limit: not a number, so no room to count.
            let (Some(limit), Some(usage)) = (number(dir.join(max)), number(dir.join(used))) else {
                continue;
            };
            let cache = stat(dir.join("memory.stat"), inactive);
            rooms.push(limit.saturating_sub(usage.saturating_sub(cache)));
            break;
        }
    }
    rooms.into_iter().min()
}

/// Parses a size such as `64MiB`, `1.5 GB` or `1000000`.
pub fn parse_bytes(s: &str) -> Option<u64> {
    let s = s.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let number: f64 = number.parse().ok()?;
    let scale = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "m" | "mb" => 1e6,
        "g" | "gb" => 1e9,
        "t" | "tb" => 1e12,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        "tib" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    number.is_finite().then_some((number * scale) as u64)
}

/// The process's resident size now, in bytes (from /proc/self/statm; 0 where there is
/// none).
pub fn resident_now() -> u64 {
    let pages = std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .unwrap_or(0);
    pages * page_size()
}

/// The process's peak resident size so far, in bytes (getrusage's `ru_maxrss`).
#[allow(unsafe_code)] // getrusage fills the struct it is given
pub fn peak_resident() -> u64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: RUSAGE_SELF with a pointer to a zeroed rusage of the right type.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) };
    if rc != 0 {
        return 0;
    }
    // SAFETY: getrusage returned 0, so it wrote the struct.
    let usage = unsafe { usage.assume_init() };
    // Linux reports kibibytes.
    usage.ru_maxrss.max(0) as u64 * 1024
}

#[allow(unsafe_code)] // sysconf reads a constant
fn page_size() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if size > 0 { size as u64 } else { 4096 }
}

/// Makes the allocator behave as the estimates assume: every block of 128 KiB or more
/// mapped on its own and returned to the system when freed ([`crate::lesson::block`]).
/// glibc starts so, but raises its threshold to the size of each mapped block freed, after
/// which big blocks come from its heaps and stay resident once freed, so a command's
/// short calibration runs would add to the peak of the run that follows them. Fixing the
/// threshold keeps the peak what the run itself needs. Called once, at start.
#[allow(unsafe_code)]
pub fn map_large_blocks() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets a tuning value of glibc's allocator; it is called before
    // any thread is started.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 << 10);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_cgroup_limit_leaves_its_room_less_the_active_use() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let v2 = root.join("user.slice/job");
        std::fs::create_dir_all(&v2).unwrap();
        std::fs::write(v2.join("memory.max"), "1000000000\n").unwrap();
        std::fs::write(v2.join("memory.current"), "300000000\n").unwrap();
        std::fs::write(v2.join("memory.stat"), "anon 1\ninactive_file 100000000\n").unwrap();
        assert_eq!(cgroup_room(root, "0::/user.slice/job\n"), Some(800_000_000));
        // No limit ("max"), or no memory controller named: nothing to count.
        std::fs::write(v2.join("memory.max"), "max\n").unwrap();
        assert_eq!(cgroup_room(root, "0::/user.slice/job\n"), None);
        assert_eq!(cgroup_room(root, "4:cpu:/user.slice/job\n"), None);
        // v1, inside a namespace: the group's path is not under the mount, its root is.
        let v1 = root.join("memory");
        std::fs::create_dir_all(&v1).unwrap();
        std::fs::write(v1.join("memory.limit_in_bytes"), "500000000").unwrap();
        std::fs::write(v1.join("memory.usage_in_bytes"), "100000000").unwrap();
        let own = "4:memory:/process_api/abc\n0::/user.slice/job\n";
        assert_eq!(cgroup_room(root, own), Some(400_000_000));
    }

    use super::*;

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_bytes("64MiB"), Some(64 << 20));
        assert_eq!(parse_bytes("1.5 GB"), Some(1_500_000_000));
        assert_eq!(parse_bytes("4096"), Some(4096));
        assert_eq!(parse_bytes("2gib"), Some(2 << 30));
        assert_eq!(parse_bytes("lots"), None);
        assert_eq!(parse_bytes("3 parsecs"), None);
    }

    #[test]
    fn binary_units() {
        assert_eq!(gib(512), "512 bytes");
        assert_eq!(gib(412 << 20), "412 MiB");
        assert_eq!(gib(23_100_000_000), "21.5 GiB");
    }

    #[test]
    fn resident_sizes_are_read() {
        let now = resident_now();
        assert!(now > 1 << 20, "{now}");
        assert!(peak_resident() >= now / 2, "{}", peak_resident());
    }
}
