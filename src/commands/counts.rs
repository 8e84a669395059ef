//! `cargo perflab counts <lesson> [--variant V,W…]`: counts that do not depend on noise —
//! instructions, D1 misses and last-level misses per unit of work, from valgrind's
//! cachegrind, and minor page faults of a native run.
//!
//! What is counted, exactly. The portable build of the lesson's binary (the one `profile
//! --valgrind` uses: [`super::valgrind::build_portable`]) runs the variant in a child
//! process that does nothing but prepare the problem and call the variant for a number of
//! steps: no calibration, no reference check. It runs twice under cachegrind, for S steps
//! and for 2S steps; the difference of the two counts is S steps of the kernel, since
//! everything else — valgrind's start of the program, parsing the parameters, building
//! the input, allocating the state and handing back the values — is the same in both
//! runs and cancels exactly. To make "the same" true to the last count, the child sees no
//! address-space randomisation (`personality(ADDR_NO_RANDOMIZE)`), an emptied environment
//! (only `PATH`, and the steps to run), and the step counts written with the same number of digits, so that its
//! stack is laid out identically. The counts are therefore steady-state figures: the
//! cold misses of the first steps (which fall in the S-step run) are not in them.
//!
//! The simulated caches are this machine's where Linux reports them (`/sys/…/cache`):
//! `--I1`, `--D1` and `--LL` (the last level, L3 where there is one) are set from them, so
//! the simulation has this machine's sizes, associativities and line sizes. cachegrind's
//! simulator is a simple one: no prefetching, LRU replacement, inclusive levels.
//!
//! Minor page faults come from a native run (not under valgrind) of S steps of the same
//! portable binary: `getrusage` in the child, read just before and after the run of the
//! variant, so they count the pages the run touches first (its state's allocation
//! included), not the process's start-up.
//!
//! Variants that run on several threads or processes (a lesson's `parallel` list) do not
//! count the same from run to run, and valgrind follows only the process it started
//! (worker processes' work is not counted): the output says so for them.

use crate::commands::Format;
use crate::error::{Error, Result};
use crate::lesson::{EXERCISE, Lesson};
use crate::timing::sig4;
use std::io::Write;
use std::os::unix::process::CommandExt as _;
use std::path::Path;
use std::process::Command;
use tabled::builder::Builder;
use tabled::settings::Style;

/// Units of work a counted stretch aims at, when `--steps` is not given: enough to make
/// the per-unit figures steady, few enough that valgrind takes seconds.
const TARGET_UNITS: u64 = 200_000;

/// The environment variable that makes `counts` the counting child, with the steps it
/// runs: an internal protocol between `counts` and the portable binary it starts, not an
/// option (the child's environment holds nothing else but `PATH`).
const INNER: &str = "PERFLAB_COUNTS_INNER_STEPS";

/// Digits the step counts are written with, so that both runs' arguments have one length.
const DIGITS: usize = 20;

/// What `counts` counts and how it shows it.
#[derive(Debug, Clone, Default)]
pub struct CountsOptions {
    /// Variants to count [default: every variant that runs in this process].
    pub variant: Vec<String>,
    /// `key=value` parameter overrides.
    pub params: Vec<String>,
    /// Steps counted (S) [default: enough for about 200 000 units of work].
    pub steps: Option<u64>,
    /// Output format.
    pub format: Format,
}

/// The simulated caches, as cachegrind states them in its output (`desc:` lines).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Simulated {
    /// e.g. "I1 cache: 32768 B, 64 B, 8-way associative".
    pub caches: Vec<String>,
    /// Where the figures came from, and any rounding valgrind needed.
    pub source: String,
}

/// One variant's counts.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Counts {
    /// Variant name.
    pub variant: String,
    /// The unit of work, singular ("cell-update").
    pub unit: String,
    /// Steps counted (the difference between the two runs).
    pub steps: u64,
    /// Units of work counted.
    pub units: u64,
    /// Instructions executed (cachegrind's Ir).
    pub instructions: u64,
    /// L1 data-cache misses, reads and writes (D1mr + D1mw).
    pub d1_misses: u64,
    /// Last-level cache misses of data, reads and writes (DLmr + DLmw).
    pub ll_misses: u64,
    /// Minor page faults of one native run of `steps` steps.
    pub minor_faults: u64,
    /// Every event cachegrind counted, by its name (Ir, I1mr, ILmr, Dr, D1mr, …).
    pub events: Vec<(String, u64)>,
    /// Whether the variant runs on several threads or processes (counts vary).
    pub parallel: bool,
}

impl Counts {
    /// A count per unit of work.
    pub fn per_unit(&self, count: u64) -> f64 {
        count as f64 / self.units.max(1) as f64
    }
}

/// A variant to count, with its parameters checked.
struct Plan {
    name: &'static str,
    unit: &'static str,
    steps: u64,
    units_per_step: u64,
    parallel: bool,
}

/// `cargo perflab counts`: checks everything it can first (lesson, variants, parameters:
/// exit 2 before any build), then builds the portable binary once and counts each variant.
pub fn command(
    lesson: &dyn Lesson,
    args: &CountsOptions,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    // The child that `counts` starts: it runs the variant for the steps it is given.
    if let Some(steps) = std::env::var_os(INNER).and_then(|s| s.to_str()?.parse().ok()) {
        return inner(lesson, args, steps, out);
    }
    let (plans, skipped, problem) = plan(lesson, args)?;
    super::valgrind::require()?;
    let binary = super::valgrind::build_portable(lesson.name())?;
    let dir = tempfile::tempdir()
        .map_err(|e| Error::io("create a folder in", std::env::temp_dir(), e))?;
    let (flags, source) = cache_flags(Path::new("/sys/devices/system/cpu/cpu0/cache"));
    let mut rows = Vec::new();
    let mut simulated = Simulated {
        caches: vec![],
        source,
    };
    for p in &plans {
        eprintln!(
            "counting {} under cachegrind ({} and {} steps; tens of times slower than natively) …",
            p.name,
            p.steps,
            2 * p.steps
        );
        let one = cachegrind(&binary, p, p.steps, &flags, args, dir.path())?;
        let two = cachegrind(&binary, p, 2 * p.steps, &flags, args, dir.path())?;
        simulated.caches = one.desc.clone();
        let events: Vec<(String, u64)> = two
            .events
            .iter()
            .zip(&one.events)
            .map(|((name, b), (_, a))| (name.clone(), b.saturating_sub(*a)))
            .collect();
        let get = |n: &str| events.iter().find(|e| e.0 == n).map_or(0, |e| e.1);
        let faults = native_faults(&binary, p, args)?;
        rows.push(Counts {
            variant: p.name.to_string(),
            unit: p.unit.trim_end_matches('s').to_string(),
            steps: p.steps,
            units: p.steps * p.units_per_step,
            instructions: get("Ir"),
            d1_misses: get("D1mr") + get("D1mw"),
            ll_misses: get("DLmr") + get("DLmw"),
            minor_faults: faults,
            events,
            parallel: p.parallel,
        });
    }
    // One word for the table's headers: the variants' unit, where they share one.
    let unit = match rows.iter().all(|r| r.unit == rows[0].unit) {
        true => rows[0].unit.clone(),
        false => "unit".to_string(),
    };
    let unit = unit.as_str();
    match args.format {
        Format::Json => {
            #[derive(serde::Serialize)]
            struct Doc<'a> {
                lesson: &'a str,
                problem: &'a str,
                unit: &'a str,
                counted: &'a str,
                simulated: &'a Simulated,
                skipped: &'a [String],
                variants: Vec<serde_json::Value>,
            }
            let variants = rows
                .iter()
                .map(|r| {
                    let mut v = serde_json::to_value(r).unwrap_or_default();
                    v["events"] = r
                        .events
                        .iter()
                        .map(|(k, n)| (k.clone(), serde_json::Value::from(*n)))
                        .collect();
                    v["per_unit"] = serde_json::json!({
                        "instructions": r.per_unit(r.instructions),
                        "d1_misses": r.per_unit(r.d1_misses),
                        "ll_misses": r.per_unit(r.ll_misses),
                        "minor_faults": r.per_unit(r.minor_faults),
                    });
                    v
                })
                .collect();
            let doc = Doc {
                lesson: lesson.name(),
                problem: &problem,
                unit,
                counted: COUNTED,
                simulated: &simulated,
                skipped: &skipped,
                variants,
            };
            writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
        }
        Format::Text => {
            writeln!(out, "{} ({}) — {}", lesson.title(), lesson.name(), problem)?;
            write!(out, "{}", table(&rows, unit))?;
            for line in notes(&rows, &simulated, &skipped) {
                writeln!(out, "{line}")?;
            }
        }
    }
    Ok(())
}

/// What the counts are, in one line.
const COUNTED: &str = "a run of 2S steps minus a run of S steps under cachegrind (portable \
                       build): S steps of the kernel, start-up and set-up cancelled; minor \
                       page faults of one native run of S steps, state allocation included";

/// The table: per unit of work, then the totals.
pub fn table(rows: &[Counts], unit: &str) -> String {
    let mut b = Builder::default();
    b.push_record([
        "variant".to_string(),
        "steps".to_string(),
        format!("{unit}s"),
        format!("instructions per {unit}"),
        format!("D1 misses per {unit}"),
        format!("LL misses per {unit}"),
        format!("minor faults per {unit}"),
        "instructions (total)".to_string(),
        "D1 misses".to_string(),
        "LL misses".to_string(),
        "minor faults".to_string(),
    ]);
    for r in rows {
        let per = |n: u64| sig4(r.per_unit(n));
        b.push_record([
            format!("{}{}", r.variant, if r.parallel { " †" } else { "" }),
            r.steps.to_string(),
            r.units.to_string(),
            per(r.instructions),
            per(r.d1_misses),
            per(r.ll_misses),
            per(r.minor_faults),
            r.instructions.to_string(),
            r.d1_misses.to_string(),
            r.ll_misses.to_string(),
            r.minor_faults.to_string(),
        ]);
    }
    let mut t = b.build();
    t.with(Style::rounded());
    t.to_string() + "\n"
}

/// The lines under the table: what was counted, the simulated caches, the caveats.
pub fn notes(rows: &[Counts], simulated: &Simulated, skipped: &[String]) -> Vec<String> {
    let mut out = vec![
        "counted: a run of 2S steps minus a run of S steps of the portable build \
         (x86-64-v3) under cachegrind, so start-up, set-up and the first steps' cold misses \
         cancel; D1 and LL misses are of data, reads and writes; minor faults are of one \
         native run of S steps (its state's allocation included)."
            .to_string(),
    ];
    if !simulated.caches.is_empty() {
        out.push(format!(
            "simulated: {} ({}); no prefetcher, unlike the real CPU.",
            simulated.caches.join("; "),
            simulated.source
        ));
    }
    let parallel: Vec<&str> = rows
        .iter()
        .filter(|r| r.parallel)
        .map(|r| r.variant.as_str())
        .collect();
    if !parallel.is_empty() {
        out.push(format!(
            "† {} run on several threads or processes: their counts vary from run to run \
             (scheduling, spinning), and work in worker processes is not counted (valgrind \
             follows only the process it started).",
            parallel.join(", ")
        ));
    }
    for s in skipped {
        out.push(format!("not counted: {s}"));
    }
    out
}

/// The variants to count, each checked (unknown names, parameters and variants that run
/// elsewhere are errors here, before any build); the variants skipped, with why; the
/// problem's description.
fn plan(lesson: &dyn Lesson, args: &CountsOptions) -> Result<(Vec<Plan>, Vec<String>, String)> {
    let names: Vec<&'static str> = match args.variant.is_empty() {
        false => args
            .variant
            .iter()
            .map(|n| lesson.variant_index(n).map(|i| lesson.variants()[i].name))
            .collect::<Result<_>>()?,
        true => {
            let params = lesson.parse_params(&args.params)?;
            let prepared = lesson.prepare(&params)?;
            prepared
                .scope()
                .variants
                .iter()
                .map(|&i| lesson.variants()[i].name)
                .collect()
        }
    };
    let given = !args.variant.is_empty();
    if args.steps == Some(0) {
        return Err(Error::param("steps", 0, "a whole number ≥ 1"));
    }
    let mut plans = Vec::new();
    let mut skipped = Vec::new();
    let mut problem = String::new();
    for name in names {
        if name == EXERCISE {
            match given {
                true => {
                    return Err(Error::Profiler {
                        what: "count the exercise",
                        message: "counts runs the lesson's own variants; your exercise is not \
                                  one of them yet"
                            .into(),
                    });
                }
                false => continue,
            }
        }
        let params = lesson.parse_params_for(&args.params, name)?;
        let prepared = lesson.prepare(&params)?;
        let v = super::compare::in_scope(lesson, prepared.scope(), name)?;
        if !prepared.runs_here(v) {
            let why = format!(
                "{name} runs in other processes (MPI ranks), which valgrind does not follow"
            );
            match given {
                true => {
                    return Err(Error::Profiler {
                        what: "count this variant",
                        message: why,
                    });
                }
                false => {
                    skipped.push(why);
                    continue;
                }
            }
        }
        let units_per_step = prepared.units_per_step().max(1);
        let steps = args
            .steps
            .unwrap_or_else(|| TARGET_UNITS.div_ceil(units_per_step).max(1));
        if problem.is_empty() {
            problem = prepared.describe();
        }
        plans.push(Plan {
            name,
            unit: prepared.scope().topic.map_or(lesson.unit(), |t| t.unit),
            steps,
            units_per_step,
            parallel: lesson.parallel().contains(&name),
        });
    }
    if plans.is_empty() {
        return Err(Error::Profiler {
            what: "count",
            message: format!("no variant of {} runs in this process", lesson.name()),
        });
    }
    Ok((plans, skipped, problem))
}

/// The child: prepares the problem, runs the variant for `steps` steps once, and prints
/// the minor page faults of that run.
fn inner(
    lesson: &dyn Lesson,
    args: &CountsOptions,
    steps: u64,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let [name] = args.variant.as_slice() else {
        anyhow::bail!("the counting child runs one variant");
    };
    let params = lesson.parse_params_for(&args.params, name)?;
    let prepared = lesson.prepare(&params)?;
    let v = super::compare::in_scope(lesson, prepared.scope(), name)?;
    // A clock that stands still: reading the real one takes a branch or two more or
    // less with the time it reads (a borrow of nanoseconds), which would change the
    // instruction count from run to run.
    let clock = crate::timing::FakeClock::new();
    let before = minor_faults();
    prepared.run(v, steps as usize, &clock, None)?;
    let after = minor_faults();
    writeln!(out, "minor-faults {}", after.saturating_sub(before))?;
    Ok(())
}

/// This process's minor page faults so far.
#[allow(unsafe_code)]
fn minor_faults() -> u64 {
    // SAFETY: getrusage writes the struct it is given, which lives on this stack.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: as above; RUSAGE_SELF is a valid `who`.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    match rc {
        0 => usage.ru_minflt.max(0) as u64,
        _ => 0,
    }
}

/// The child's command: the portable binary's `counts` in its inner mode, under valgrind
/// with `valgrind` flags where given, with a fixed environment and no address-space
/// randomisation.
#[allow(unsafe_code)]
fn child(
    valgrind: Option<&[String]>,
    binary: &Path,
    p: &Plan,
    steps: u64,
    args: &CountsOptions,
) -> Command {
    let mut c = match valgrind {
        Some(flags) => {
            let mut c = Command::new("valgrind");
            c.args(flags).arg(binary);
            c
        }
        None => Command::new(binary),
    };
    c.env_clear();
    if let Some(path) = std::env::var_os("PATH") {
        c.env("PATH", path);
    }
    c.args(["counts", "--variant", p.name]);
    for param in &args.params {
        c.args(["--param", param]);
    }
    c.env(INNER, format!("{steps:0DIGITS$}"));
    // SAFETY: personality only sets this (forked, not yet exec'd) process's execution
    // domain flags; it allocates nothing and takes no lock.
    unsafe {
        c.pre_exec(|| {
            libc::personality(libc::ADDR_NO_RANDOMIZE as libc::c_ulong);
            Ok(())
        });
    }
    c
}

/// cachegrind's output: its `desc:` lines and the summary's events.
struct Output {
    desc: Vec<String>,
    events: Vec<(String, u64)>,
}

/// One run of `steps` steps under cachegrind.
fn cachegrind(
    binary: &Path,
    p: &Plan,
    steps: u64,
    flags: &[String],
    args: &CountsOptions,
    dir: &Path,
) -> Result<Output> {
    let file = dir.join(format!("cachegrind.out.{}.{steps}", p.name));
    let mut options = vec![
        "--tool=cachegrind".to_string(),
        "--cache-sim=yes".to_string(),
        "--branch-sim=no".to_string(),
        format!("--cachegrind-out-file={}", file.display()),
    ];
    options.extend(flags.iter().cloned());
    let mut command = child(Some(&options), binary, p, steps, args);
    let o = command
        .output()
        .map_err(|e| Error::io("run valgrind on", binary, e))?;
    let text = std::fs::read_to_string(&file).unwrap_or_default();
    if !o.status.success() || text.is_empty() {
        let log = String::from_utf8_lossy(&o.stderr);
        return Err(Error::Profiler {
            what: "count the variant under cachegrind",
            message: log.lines().rev().take(5).collect::<Vec<_>>().join(" | "),
        });
    }
    parse(&text).ok_or_else(|| Error::Profiler {
        what: "read cachegrind's output",
        message: format!("no events or summary line in {}", file.display()),
    })
}

/// The `desc:` lines and the summary's events of a cachegrind file.
fn parse(text: &str) -> Option<Output> {
    let mut desc = Vec::new();
    let (mut names, mut values) = (None, None);
    for line in text.lines() {
        if let Some(d) = line.strip_prefix("desc: ") {
            desc.push(d.split_whitespace().collect::<Vec<_>>().join(" "));
        } else if let Some(e) = line.strip_prefix("events: ") {
            names = Some(e.split_whitespace().map(String::from).collect::<Vec<_>>());
        } else if let Some(s) = line.strip_prefix("summary: ") {
            values = Some(
                s.split_whitespace()
                    .map(|n| n.parse::<u64>().ok())
                    .collect::<Option<Vec<_>>>()?,
            );
        }
    }
    let (names, values) = (names?, values?);
    (names.len() == values.len()).then(|| Output {
        desc,
        events: names.into_iter().zip(values).collect(),
    })
}

/// Minor page faults of one native run of the plan's steps.
fn native_faults(binary: &Path, p: &Plan, args: &CountsOptions) -> Result<u64> {
    let o = child(None, binary, p, p.steps, args)
        .output()
        .map_err(|e| Error::io("run", binary, e))?;
    let text = String::from_utf8_lossy(&o.stdout);
    let found = text
        .lines()
        .find_map(|l| l.strip_prefix("minor-faults ")?.trim().parse().ok());
    match (o.status.success(), found) {
        (true, Some(n)) => Ok(n),
        _ => Err(Error::Profiler {
            what: "run the variant natively",
            message: String::from_utf8_lossy(&o.stderr)
                .lines()
                .rev()
                .take(3)
                .collect::<Vec<_>>()
                .join(" | "),
        }),
    }
}

/// One cache as Linux describes it.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Cache {
    level: u32,
    kind: char,
    size: u64,
    ways: u64,
    line: u64,
}

/// cachegrind's `--I1`, `--D1` and `--LL` for the caches under `sysfs` (cpu0's
/// `cache/index*`), and a line on where they came from. valgrind needs a power-of-two
/// number of sets: a cache without one is simulated with the sets rounded down to one and
/// the ways raised to keep the size (or, where that does not divide, the size rounded
/// down), which the line says.
fn cache_flags(sysfs: &Path) -> (Vec<String>, String) {
    let mut caches = Vec::new();
    for i in 0..8 {
        let dir = sysfs.join(format!("index{i}"));
        let read = |f: &str| {
            std::fs::read_to_string(dir.join(f))
                .ok()
                .map(|s| s.trim().to_string())
        };
        let size = read("size").and_then(|s| {
            let (n, mult) = match s.chars().last()? {
                'K' => (&s[..s.len() - 1], 1u64 << 10),
                'M' => (&s[..s.len() - 1], 1 << 20),
                'G' => (&s[..s.len() - 1], 1 << 30),
                _ => (s.as_str(), 1),
            };
            Some(n.parse::<u64>().ok()? * mult)
        });
        let num = |f: &str| read(f).and_then(|s| s.parse::<u64>().ok());
        let (Some(level), Some(kind), Some(size), Some(ways), Some(line)) = (
            num("level"),
            read("type"),
            size,
            num("ways_of_associativity"),
            num("coherency_line_size"),
        ) else {
            continue;
        };
        let kind = match kind.as_str() {
            "Data" => 'd',
            "Instruction" => 'i',
            _ => 'u',
        };
        caches.push(Cache {
            level: level as u32,
            kind,
            size,
            ways,
            line,
        });
    }
    let l1 = |k: char| caches.iter().find(|c| c.level == 1 && c.kind == k);
    let ll = caches
        .iter()
        .filter(|c| c.kind == 'u')
        .max_by_key(|c| c.level);
    let (Some(i1), Some(d1), Some(ll)) = (l1('i'), l1('d'), ll) else {
        return (
            vec![],
            "valgrind's own choice from CPUID: this machine's caches are not in sysfs".into(),
        );
    };
    let mut rounded = Vec::new();
    let mut flag = |name: &str, c: &Cache| {
        let (size, ways) = simulable(c);
        if (size, ways) != (c.size, c.ways) {
            rounded.push(format!(
                "{name} {} {}-way simulated as {} {ways}-way",
                kib(c.size),
                c.ways,
                kib(size)
            ));
        }
        format!("--{name}={size},{ways},{}", c.line)
    };
    let flags = vec![flag("I1", i1), flag("D1", d1), flag("LL", ll)];
    let mut source = format!("this machine's caches from sysfs, LL = its L{}", ll.level);
    if !rounded.is_empty() {
        source += &format!(
            "; valgrind needs a power-of-two number of sets: {}",
            rounded.join(", ")
        );
    }
    (flags, source)
}

/// A cache's size and ways with a power-of-two number of sets, as valgrind needs.
fn simulable(c: &Cache) -> (u64, u64) {
    let ways = c.ways.max(1);
    let line = c.line.max(1);
    let sets = (c.size / (ways * line)).max(1);
    if sets.is_power_of_two() && sets * ways * line == c.size {
        return (c.size, ways);
    }
    let sets = 1u64 << (63 - sets.leading_zeros());
    match c.size % (sets * line) {
        0 => (c.size, c.size / (sets * line)),
        _ => (sets * ways * line, ways),
    }
}

fn kib(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b => format!("{} KiB", b >> 10),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cache_without_power_of_two_sets_keeps_its_size_with_more_ways() {
        let c = |size, ways| Cache {
            level: 3,
            kind: 'u',
            size,
            ways,
            line: 64,
        };
        assert_eq!(simulable(&c(32 << 20, 16)), (32 << 20, 16));
        // 36 MiB 12-way: 49 152 sets; 32 768 sets of 18 ways keep 36 MiB.
        assert_eq!(simulable(&c(36 << 20, 12)), (36 << 20, 18));
        // 1.375 MiB 11-way (2048 sets): already a power of two.
        assert_eq!(simulable(&c(1408 << 10, 11)), (1408 << 10, 11));
    }

    #[test]
    fn the_simulated_caches_are_the_ones_sysfs_describes() {
        let dir = tempfile::tempdir().unwrap();
        let caches = [
            ("1", "Data", "48K", "12"),
            ("1", "Instruction", "32K", "8"),
            ("2", "Unified", "2048K", "16"),
            ("3", "Unified", "36M", "12"),
        ];
        for (i, (level, kind, size, ways)) in caches.iter().enumerate() {
            let d = dir.path().join(format!("index{i}"));
            std::fs::create_dir(&d).unwrap();
            for (f, v) in [
                ("level", *level),
                ("type", *kind),
                ("size", *size),
                ("ways_of_associativity", *ways),
                ("coherency_line_size", "64"),
            ] {
                std::fs::write(d.join(f), format!("{v}\n")).unwrap();
            }
        }
        let (flags, source) = cache_flags(dir.path());
        // D1 48 KiB 12-way has 64 sets already; the L3's 49 152 sets become 32 768 of 18 ways.
        assert_eq!(
            flags,
            ["--I1=32768,8,64", "--D1=49152,12,64", "--LL=37748736,18,64"]
        );
        assert!(source.contains("LL = its L3"), "{source}");
        assert!(
            source.contains("LL 36 MiB 12-way simulated as 36 MiB 18-way"),
            "{source}"
        );
        // No sysfs: valgrind chooses.
        let (flags, source) = cache_flags(&dir.path().join("none"));
        assert!(flags.is_empty() && source.contains("CPUID"), "{source}");
    }

    #[test]
    fn the_summary_line_gives_the_events() {
        let text = "desc: I1 cache: 32768 B, 64 B, 8-way associative\n\
                    desc: D1 cache: 32768 B, 64 B, 8-way associative\n\
                    cmd: x\nevents: Ir D1mr\nfl=a\n1 2 3\nsummary: 100 7\n";
        let o = parse(text).unwrap();
        assert_eq!(o.desc.len(), 2);
        assert_eq!(o.events, vec![("Ir".into(), 100), ("D1mr".into(), 7)]);
        assert!(parse("events: Ir D1mr\nsummary: 1\n").is_none());
    }
}
