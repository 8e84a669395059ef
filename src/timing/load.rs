//! The machine's load while something was measured: how much CPU other processes used,
//! how much the hypervisor took (steal), and how many cores were left free.
//!
//! Two [`Snapshot`]s, one before and one after, make a [`Load`]. A snapshot holds the
//! machine's CPU counters (Linux's `/proc/stat`, aggregate `cpu` line) and this process's
//! own CPU time (`getrusage(RUSAGE_SELF)`, every thread). Others' CPU time is the
//! machine's busy time less ours. Where the snapshots come from is the [`Clock`]'s
//! business ([`Clock::cpu`]):
//! the real clock reads the counters, a fake one scripts them, so tests do not depend on
//! what else the host is running.
//!
//! `unsafe` is allowed in this module for two libc calls that have no safe wrapper in the
//! standard library: `sysconf(_SC_CLK_TCK)` (the counters' tick) and `getrusage`.
#![allow(unsafe_code)]

use super::{Clock, sig4};

/// Others' CPU use (steal included), in cores on average, above which a measurement is
/// called busy: a quarter of a core. Above it a parallel variant shares its cores with
/// other work, and every time is longer than on a quiet machine.
pub const BUSY_CORES: f64 = 0.25;

/// The machine's CPU counters, in seconds of CPU time summed over its cores.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct CpuStat {
    /// Cores the counters cover (`cpuN` lines).
    pub cores: usize,
    /// Running anything: user + nice + system + irq + softirq.
    pub busy: f64,
    /// Taken by the hypervisor for other machines while a core wanted to run (VMs).
    pub steal: f64,
    /// Idle, waiting for input/output included.
    pub idle: f64,
}

impl CpuStat {
    /// Every second counted: busy, steal and idle; `cores` × the wall time.
    pub fn total(&self) -> f64 {
        self.busy + self.steal + self.idle
    }
}

/// Parses the text of `/proc/stat`, whose counters are in ticks of `1/hz` s; `None` when
/// it has no aggregate `cpu` line.
pub fn parse_stat(text: &str, hz: f64) -> Option<CpuStat> {
    let mut aggregate = None;
    let mut cores = 0;
    for line in text.lines() {
        let mut words = line.split_whitespace();
        match words.next() {
            Some("cpu") => {
                // user nice system idle iowait irq softirq steal guest guest_nice; guest
                // time is already inside user and nice. Older kernels stop earlier.
                let n: Vec<f64> = words
                    .map_while(|w| w.parse::<u64>().ok())
                    .map(|t| t as f64)
                    .collect();
                if n.len() < 4 {
                    return None;
                }
                let at = |i: usize| n.get(i).copied().unwrap_or(0.0) / hz;
                aggregate = Some((at(0) + at(1) + at(2) + at(5) + at(6), at(7), at(3) + at(4)));
            }
            Some(w) if w.len() > 3 && w.starts_with("cpu") && w[3..].parse::<u32>().is_ok() => {
                cores += 1;
            }
            _ => {}
        }
    }
    let (busy, steal, idle) = aggregate?;
    Some(CpuStat {
        cores: cores.max(1),
        busy,
        steal,
        idle,
    })
}

/// The counters at one moment, with this process's own CPU time.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Snapshot {
    /// The machine's counters.
    pub machine: CpuStat,
    /// CPU seconds this process has used, all its threads, user and system.
    pub own: f64,
}

impl Snapshot {
    /// Reads this machine's counters now: `/proc/stat` and `getrusage`; `None` where there
    /// is no `/proc/stat` (not Linux).
    pub fn now() -> Option<Snapshot> {
        let text = std::fs::read_to_string("/proc/stat").ok()?;
        // SAFETY: sysconf has no preconditions.
        let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
        let machine = parse_stat(&text, if hz > 0 { hz as f64 } else { 100.0 })?;
        Some(Snapshot {
            machine,
            own: own_cpu_seconds()?,
        })
    }
}

/// CPU seconds this process has used so far, user and system, every thread, with the
/// child processes it has waited for (worker processes of a parallel variant).
pub fn own_cpu_seconds() -> Option<f64> {
    // SAFETY: rusage is plain integers, for which all zeroes is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
    let mut total = 0.0;
    // Our own threads, and the worker processes we have waited for: their CPU time is
    // this command's work, not another process's load.
    for who in [libc::RUSAGE_SELF, libc::RUSAGE_CHILDREN] {
        // SAFETY: getrusage writes into the struct it is given, which outlives the call.
        if unsafe { libc::getrusage(who, &mut usage) } != 0 {
            return None;
        }
        total += seconds(usage.ru_utime) + seconds(usage.ru_stime);
    }
    Some(total)
}

/// What the rest of the machine did between two snapshots.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Load {
    /// Cores of the machine.
    pub cores: usize,
    /// Wall seconds between the snapshots (all counted CPU time over the cores).
    pub seconds: f64,
    /// CPU seconds the whole machine was busy, every process.
    pub busy_core_seconds: f64,
    /// CPU seconds this process used.
    pub own_core_seconds: f64,
    /// CPU seconds other processes used: the machine's busy time less ours, at least 0.
    pub others_core_seconds: f64,
    /// CPU seconds the hypervisor took (steal).
    pub steal_core_seconds: f64,
    /// Others' CPU seconds per wall second: the cores they kept busy on average.
    pub others_cores: f64,
    /// Steal per wall second, in cores.
    pub steal_cores: f64,
    /// Cores neither others nor steal took: cores − others − steal, at least 0.
    pub free_cores: f64,
}

impl Load {
    /// The load between `start` and `end`; `None` when no time was counted between them
    /// or the counters went backwards.
    pub fn between(start: &Snapshot, end: &Snapshot) -> Option<Load> {
        let (a, b) = (&start.machine, &end.machine);
        let cores = b.cores.max(1);
        let seconds = (b.total() - a.total()) / cores as f64;
        if seconds.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
            return None;
        }
        Some(Load::of(
            cores,
            seconds,
            (b.busy - a.busy).max(0.0),
            (end.own - start.own).max(0.0),
            (b.steal - a.steal).max(0.0),
        ))
    }

    /// The load from `start` (a [`Clock::cpu`] reading) until
    /// now; `None` where either reading is missing.
    pub fn since(start: Option<Snapshot>, clock: &dyn Clock) -> Option<Load> {
        start
            .zip(clock.cpu())
            .and_then(|(a, b)| Load::between(&a, &b))
    }

    /// The load from its totals: `busy`, `own` and `steal` CPU seconds over `seconds`.
    pub fn of(cores: usize, seconds: f64, busy: f64, own: f64, steal: f64) -> Load {
        let others = (busy - own).max(0.0);
        let (others_cores, steal_cores) = (others / seconds, steal / seconds);
        Load {
            cores,
            seconds,
            busy_core_seconds: busy,
            own_core_seconds: own,
            others_core_seconds: others,
            steal_core_seconds: steal,
            others_cores,
            steal_cores,
            free_cores: (cores as f64 - others_cores - steal_cores).max(0.0),
        }
    }

    /// Two spans of time together (e.g. every timed run of one variant).
    pub fn add(&self, other: &Load) -> Load {
        Load::of(
            self.cores.max(other.cores),
            self.seconds + other.seconds,
            self.busy_core_seconds + other.busy_core_seconds,
            self.own_core_seconds + other.own_core_seconds,
            self.steal_core_seconds + other.steal_core_seconds,
        )
    }

    /// Both, either, or neither.
    pub fn sum(a: Option<Load>, b: Option<Load>) -> Option<Load> {
        match (a, b) {
            (Some(a), Some(b)) => Some(a.add(&b)),
            (a, b) => a.or(b),
        }
    }

    /// Whether others and steal took more than [`BUSY_CORES`].
    pub fn busy(&self) -> bool {
        self.others_cores + self.steal_cores > BUSY_CORES
    }

    /// One line: what others used while this measured, and what was left.
    pub fn line(&self) -> String {
        format!(
            "load: others used {:.2} cores (steal {:.2}) of {} during the {} s measured; {:.2} free",
            self.others_cores,
            self.steal_cores,
            self.cores,
            sig4(self.seconds),
            self.free_cores
        )
    }

    /// The warning for a busy machine, with its figures; `None` on a quiet one.
    pub fn warning(&self) -> Option<String> {
        self.busy().then(|| {
            format!(
                "⚠ busy machine: others used {:.2} cores (steal {:.2}) of {}, above {BUSY_CORES}: times are longer than on a quiet machine and threads had {:.2} cores free, so absolute figures and parallel speedups are unreliable.",
                self.others_cores, self.steal_cores, self.cores, self.free_cores
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A /proc/stat of two cores: user nice system idle iowait irq softirq steal guest
    /// guest_nice, in ticks of 1/100 s.
    fn stat(user: u64, system: u64, idle: u64, steal: u64) -> String {
        format!(
            "cpu  {user} 0 {system} {idle} 0 0 0 {steal} 0 0\n\
             cpu0 1 0 1 1 0 0 0 0 0 0\n\
             cpu1 1 0 1 1 0 0 0 0 0 0\n\
             intr 12345 0 0\nctxt 999\nbtime 1700000000\nprocesses 77\n"
        )
    }

    #[test]
    fn parses_the_aggregate_line_and_counts_cores() {
        let text =
            "cpu  100 20 30 400 50 6 7 8 90 10\ncpu0 1 2 3 4\ncpu1 1 2 3 4\ncpu2 1 2 3 4\nintr 1\n";
        let s = parse_stat(text, 100.0).unwrap();
        assert_eq!(s.cores, 3);
        // busy = user + nice + system + irq + softirq; guest is inside user already.
        assert!((s.busy - 1.63).abs() < 1e-12, "{s:?}");
        assert!((s.steal - 0.08).abs() < 1e-12);
        // idle with iowait.
        assert!((s.idle - 4.5).abs() < 1e-12);
        // An old kernel's four fields.
        let old = parse_stat("cpu 10 0 10 80\ncpu0 10 0 10 80\n", 100.0).unwrap();
        assert_eq!(
            (old.cores, old.busy, old.steal, old.idle),
            (1, 0.2, 0.0, 0.8)
        );
        assert!(parse_stat("intr 1\n", 100.0).is_none());
    }

    #[test]
    fn others_are_the_machine_less_this_process() {
        // Two cores for 10 s (2000 ticks): 1200 busy, of which this process 8 s; 100 steal.
        let start = Snapshot {
            machine: parse_stat(&stat(1000, 0, 5000, 0), 100.0).unwrap(),
            own: 3.0,
        };
        let end = Snapshot {
            machine: parse_stat(&stat(2000, 200, 5700, 100), 100.0).unwrap(),
            own: 11.0,
        };
        let l = Load::between(&start, &end).unwrap();
        assert_eq!(l.cores, 2);
        assert!((l.seconds - 10.0).abs() < 1e-9, "{l:?}");
        assert!((l.busy_core_seconds - 12.0).abs() < 1e-9);
        assert!((l.own_core_seconds - 8.0).abs() < 1e-9);
        assert!((l.others_core_seconds - 4.0).abs() < 1e-9);
        assert!((l.others_cores - 0.4).abs() < 1e-9);
        assert!((l.steal_cores - 0.1).abs() < 1e-9);
        assert!((l.free_cores - 1.5).abs() < 1e-9);
        assert!(l.busy());
        assert_eq!(
            l.line(),
            "load: others used 0.40 cores (steal 0.10) of 2 during the 10.00 s measured; 1.50 free"
        );
        let w = l.warning().unwrap();
        assert!(
            w.contains("others used 0.40 cores (steal 0.10) of 2, above 0.25"),
            "{w}"
        );
        assert!(w.contains("1.50 cores free"), "{w}");
    }

    #[test]
    fn our_own_time_is_never_counted_as_others() {
        // The machine counted 5 s busy; getrusage says we used 5.02 s (different clocks).
        let start = Snapshot {
            machine: parse_stat(&stat(0, 0, 0, 0), 100.0).unwrap(),
            own: 0.0,
        };
        let end = Snapshot {
            machine: parse_stat(&stat(500, 0, 500, 0), 100.0).unwrap(),
            own: 5.02,
        };
        let l = Load::between(&start, &end).unwrap();
        assert_eq!(l.others_core_seconds, 0.0);
        assert!((l.free_cores - 2.0).abs() < 1e-9);
        assert!(!l.busy() && l.warning().is_none());
        // Counters that did not move make no reading.
        assert!(Load::between(&start, &start).is_none());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn this_machine_can_be_read() {
        let a = Snapshot::now().expect("/proc/stat and getrusage");
        assert!(a.machine.cores >= 1 && a.machine.total() > 0.0, "{a:?}");
        assert!(a.own > 0.0, "{a:?}");
    }

    #[test]
    fn spans_add_up() {
        let a = Load::of(2, 1.0, 1.0, 1.0, 0.0);
        let b = Load::of(2, 3.0, 5.0, 2.0, 0.3);
        let s = a.add(&b);
        assert!((s.others_cores - 0.75).abs() < 1e-12, "{s:?}");
        assert!((s.steal_cores - 0.075).abs() < 1e-12);
        assert_eq!(Load::sum(None, Some(a)), Some(a));
        assert_eq!(Load::sum(None, None), None);
        // Just at the threshold is quiet; above it busy.
        assert!(!Load::of(2, 4.0, 5.0, 4.0, 0.0).busy());
        assert!(Load::of(2, 4.0, 5.04, 4.0, 0.0).busy());
    }
}
