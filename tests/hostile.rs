//! Hostile input, generated. The command lines below are not listed by hand: they come
//! from the lessons' own parameter specs (every numeric limit, just outside it, and numbers
//! that are not numbers; every choice, misspelt) and from clap's description of the CLI
//! (every command, every option that takes a value, its valid values or numeric range,
//! its conflicts, what it requires), for `perflab` and for every lesson's own binary. Each
//! must be refused the project's way: exit status 2, exactly one line on stderr that
//! names the culprit, nothing on stdout, no panic, no file left behind, and all of it
//! before any work, so that the whole suite takes seconds. A case that runs long is a
//! validation that comes too late, not a case to drop.

use perflab::cli;
use perflab::lesson::Lesson;
use perflab::lesson::params::{Kind, Limit, ParamSpec};
use perflab::lessons;
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const PERFLAB: &str = env!("CARGO_BIN_EXE_perflab");

/// A lesson's own binary (Cargo.toml's `[[bin]]` list; tests/registry.rs checks it).
fn lesson_bin(name: &str) -> &'static str {
    match name {
        "diffusion" => env!("CARGO_BIN_EXE_diffusion"),
        "particles" => env!("CARGO_BIN_EXE_particles"),
        "fusion" => env!("CARGO_BIN_EXE_fusion"),
        "idioms" => env!("CARGO_BIN_EXE_idioms"),
        "tasks" => env!("CARGO_BIN_EXE_tasks"),
        "pools" => env!("CARGO_BIN_EXE_pools"),
        "montecarlo" => env!("CARGO_BIN_EXE_montecarlo"),
        "sharing" => env!("CARGO_BIN_EXE_sharing"),
        "cache" => env!("CARGO_BIN_EXE_cache"),
        "laplace" => env!("CARGO_BIN_EXE_laplace"),
        // In the package perflab-mpi (built by `cargo build --workspace`), beside perflab.
        "mpi" => {
            let path = std::path::Path::new(env!("CARGO_BIN_EXE_perflab")).with_file_name("mpi");
            Box::leak(path.to_string_lossy().into_owned().into_boxed_str())
        }
        other => panic!("no binary for lesson {other}: add it here"),
    }
}

/// Processor time a case may use: a process start and a parse take a few milliseconds;
/// setting up a lesson's full problem takes a tenth of a second or more.
const WORK: Duration = Duration::from_millis(100);

/// Options whose values are free text, and the cases that try them.
const TEXT: &[&str] = &[
    "variant",
    "variants",
    "diff",
    "param",
    "out",
    "snapshots",
    "sweep",
    "chart",
    "ranks",
];

/// One hostile command line and what its error must name.
#[derive(Debug, Clone)]
struct Case {
    bin: &'static str,
    args: Vec<OsString>,
    /// Each must appear in the error, as printed (control characters escaped).
    names: Vec<String>,
}

/// `text` as an error prints it: control characters as Rust escapes.
fn printed(text: &str) -> String {
    text.chars()
        .map(|c| match c.is_control() {
            true => c.escape_default().to_string(),
            false => c.to_string(),
        })
        .collect()
}

#[derive(Default)]
struct Suite {
    cases: Vec<Case>,
    /// `(j, m)`: keep only every m-th case added, from the j-th (see `share`).
    share: Option<(usize, usize)>,
    added: usize,
}

impl Suite {
    /// From now on keep case number i (from 0) only where i % m == j: the lessons'
    /// binaries share one command line's cases between them, each its turn, so that each
    /// case runs through perflab and one lesson's binary, not all of them.
    fn share(&mut self, share: Option<(usize, usize)>) {
        self.share = share;
        self.added = 0;
    }

    fn add(&mut self, bin: &'static str, args: Vec<OsString>, names: &[&str]) {
        self.added += 1;
        if let Some((j, m)) = self.share
            && (self.added - 1) % m != j
        {
            return;
        }
        self.cases.push(Case {
            bin,
            args,
            names: names.iter().map(|n| printed(n)).collect(),
        });
    }

    /// `sub args…` for `lesson`, through perflab (`sub lesson args…`) and the lesson's
    /// own binary (`sub args…`).
    fn both(&mut self, sub: &str, lesson: &str, args: &[String], names: &[&str]) {
        let os = |v: &[&str]| -> Vec<OsString> { v.iter().map(OsString::from).collect() };
        let rest: Vec<&str> = args.iter().map(String::as_str).collect();
        let umbrella = [&[sub, lesson][..], &rest].concat();
        self.add(PERFLAB, os(&umbrella), names);
        let own = [&[sub][..], &rest].concat();
        self.add(lesson_bin(lesson), os(&own), names);
    }
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// The subcommands of a command line, by name.
fn subcommands(command: &clap::Command) -> Vec<&clap::Command> {
    command.get_subcommands().collect()
}

fn has(sub: &clap::Command, id: &str) -> bool {
    sub.get_arguments().any(|a| a.get_id() == id)
}

/// Arguments that make the rest of a command line valid: the lesson's reference variant
/// where the command takes one.
fn base(sub: &clap::Command, lesson: &dyn Lesson) -> Vec<String> {
    match has(sub, "variant") {
        true => strings(&["--variant", lesson.reference()]),
        false => Vec::new(),
    }
}

/// A float as Rust writes it, which parses back to the same float.
fn write(v: f64) -> String {
    format!("{v:?}")
}

/// Whether `v` is outside what `kind` accepts (the specs' semantics, restated).
fn outside(kind: &Kind, v: f64) -> bool {
    let inside = match *kind {
        Kind::Real { min, max } => {
            let above = match min {
                Limit::None => true,
                Limit::Incl(m) => v >= m,
                Limit::Excl(m) => v > m,
            };
            let below = match max {
                Limit::None => true,
                Limit::Incl(m) => v <= m,
                Limit::Excl(m) => v < m,
            };
            above && below
        }
        Kind::Whole { min, max } => v.fract() == 0.0 && min <= v && v <= max,
        Kind::Choice(_) => false,
    };
    !(v.is_finite() && inside)
}

/// Strings that are no number at all (or no finite one).
const NOT_NUMBERS: &[&str] = &[
    "NaN", "nan", "inf", "-inf", "infinity", "1e400", "-1e400", "", "0x10", "1,5", "abc", "1e",
    "--1", "1 2", "½", "+-1", "1_000",
];

/// Values of a numeric spec just outside each limit (the next float, and a near decimal),
/// far outside, and halfway between whole numbers: only those the spec refuses.
fn numbers_outside(kind: &Kind) -> Vec<String> {
    let (lo, hi) = match *kind {
        Kind::Real { min, max } => (min, max),
        Kind::Whole { min, max } => (Limit::Incl(min), Limit::Incl(max)),
        Kind::Choice(_) => return Vec::new(),
    };
    let mut candidates = vec![-1.0, 0.0, -0.0, 0.5, 1e300, -1e300, 5e-324];
    let near = |m: f64| 1e-6 * m.abs().max(1.0);
    match lo {
        Limit::Incl(m) | Limit::Excl(m) => {
            candidates.extend([m, m.next_down(), m - near(m), m + 0.5, m - 1.0])
        }
        Limit::None => {}
    }
    match hi {
        Limit::Incl(m) | Limit::Excl(m) => {
            candidates.extend([m, m.next_up(), m + near(m), m - 0.5, m + 1.0])
        }
        Limit::None => {}
    }
    let mut out: Vec<String> = candidates
        .into_iter()
        .filter(|v| outside(kind, *v))
        .map(write)
        .collect();
    out.extend(NOT_NUMBERS.iter().map(|s| s.to_string()));
    out.sort();
    out.dedup();
    out
}

/// Words a choice refuses: made up, empty, shouted, split by a newline, behind an ANSI
/// escape.
fn words_outside(words: &[&str]) -> Vec<String> {
    let first = words[0];
    let (a, b) = first.split_at(first.len() / 2);
    vec![
        "bogus".into(),
        String::new(),
        first.to_uppercase(),
        format!("{a}\n{b}"),
        format!("\u{1b}[31m{first}"),
        format!("{first},{first}"),
    ]
}

/// Every value a parameter must refuse.
fn refused(spec: &ParamSpec) -> Vec<String> {
    match spec.kind {
        Kind::Choice(words) => words_outside(words),
        kind => numbers_outside(&kind),
    }
}

fn generate() -> Vec<Case> {
    let mut suite = Suite::default();
    let umbrella = cli::command();
    let subs = subcommands(&umbrella);
    let with_params: Vec<&clap::Command> = subs
        .iter()
        .copied()
        .filter(|s| s.get_arguments().any(|a| a.get_long() == Some("param")))
        .collect();
    assert!(
        with_params.len() >= 4,
        "commands with --param: {with_params:?}"
    );
    let mut turn = 0;
    let mut next = |n: usize| {
        turn += 1;
        turn % n
    };

    for lesson in lessons::all() {
        let name = lesson.name();
        // Every parameter, every value it refuses, on the commands that take parameters
        // in turn.
        for spec in lesson.params() {
            for value in refused(spec) {
                let sub = with_params[next(with_params.len())];
                let mut args = base(sub, *lesson);
                args.extend(["-p".into(), format!("{}={value}", spec.name)]);
                suite.both(sub.get_name(), name, &args, &[spec.name, value.trim()]);
            }
        }
        // Malformed `key=value`, an unknown key, a key given twice: on each command.
        let key = lesson.params()[0].name;
        let default = lesson.params()[0].default;
        let shouted = format!("'{}x'", key.to_uppercase());
        let twice = format!("'{key}' given twice");
        {
            let malformed: &[(&[String], &str)] = &[
                (&[key.to_string()], key),
                (&["=1".into()], "=1"),
                (&[" =1".into()], " =1"),
                (&["=".into()], "'='"),
                (&[String::new()], "''"),
                (&["nope=1".into()], "nope"),
                (&[format!("{}x=1", key.to_uppercase())], &shouted),
                (
                    &[format!("{key}={default}"), format!("{key}={default}")],
                    &twice,
                ),
                (&[format!("{key}=1\n2")], "1\\n2"),
            ];
            for (params, culprit) in malformed {
                let sub = with_params[next(with_params.len())];
                let mut args = base(sub, *lesson);
                for p in params.iter() {
                    args.extend(["-p".into(), p.clone()]);
                }
                suite.both(sub.get_name(), name, &args, &[culprit]);
            }
        }
        // Variants that do not exist, wherever a variant is named.
        let bad_variants = [
            "nope".to_string(),
            String::new(),
            lesson.reference().to_uppercase(),
            format!("{}\n", lesson.reference()),
            "\u{1b}[0mx".to_string(),
        ];
        for sub in &subs {
            for bad in &bad_variants {
                if has(sub, "variant") {
                    let args = strings(&["--variant", bad]);
                    suite.both(sub.get_name(), name, &args, &[bad]);
                }
                if has(sub, "variants") && !bad.is_empty() {
                    let list = format!("{},{bad}", lesson.reference());
                    suite.both(
                        sub.get_name(),
                        name,
                        &strings(&["--variants", &list]),
                        &[bad],
                    );
                }
                if has(sub, "diff") {
                    let (r, b) = (lesson.reference(), lesson.baseline());
                    suite.both(sub.get_name(), name, &strings(&["--diff", r, bad]), &[bad]);
                    suite.both(sub.get_name(), name, &strings(&["--diff", bad, b]), &[bad]);
                }
            }
        }
        // Sweeps: malformed, too few values, a parameter that does not exist, a value out
        // of range, and none at all.
        let number = lesson
            .params()
            .iter()
            .find(|p| !matches!(p.kind, Kind::Choice(_)))
            .expect("a numeric parameter");
        let (first, default) = (number.name, number.default);
        for sub in subs.iter().filter(|s| has(s, "sweep")) {
            let cases: [(String, &str); 4] = [
                (first.to_string(), "--sweep"),
                (format!("{first}={default}"), "--sweep"),
                ("nope=1,2".into(), "nope"),
                (format!("{first}={default},nan"), "nan"),
            ];
            for (sweep, named) in cases {
                let mut args = base(sub, *lesson);
                args.extend(["--sweep".to_string(), sweep]);
                suite.both(sub.get_name(), name, &args, &[named]);
            }
            suite.both(sub.get_name(), name, &base(sub, *lesson), &["--sweep"]);
        }
        // --ranks N is --param ranks=N: out of range or not a number where the lesson has
        // ranks, an unknown parameter where it has not, and given twice.
        let ranks = lesson.params().iter().any(|p| p.name == "ranks");
        for sub in subs.iter().filter(|s| has(s, "ranks")) {
            let cases: Vec<(Vec<&str>, Vec<&str>)> = match ranks {
                true => vec![
                    (vec!["--ranks", "0"], vec!["ranks = 0", "1 ≤ x ≤ 64"]),
                    (vec!["--ranks", "65"], vec!["ranks = 65"]),
                    (vec!["--ranks", "two"], vec!["ranks = two"]),
                    (
                        vec!["--ranks", "2", "-p", "ranks=3"],
                        vec!["ranks", "twice"],
                    ),
                ],
                false => vec![(vec!["--ranks", "2"], vec!["'ranks'", name])],
            };
            for (extra, named) in cases {
                let mut args = base(sub, *lesson);
                args.extend(strings(&extra));
                suite.both(sub.get_name(), name, &args, &named);
            }
        }
        // Folders that cannot be made: the path given and the OS reason, once, before
        // the problem (at its full size) is set up.
        let small: Vec<String> = lesson
            .sizes()
            .iter()
            .find(|s| s.name == "small")
            .map_or(Vec::new(), |s| strings(s.params));
        let frames = lesson
            .prepare(&lesson.parse_params(&small).unwrap())
            .unwrap()
            .frame_every()
            .is_some();
        for path in ["/dev/null/x", "/proc/perflab-hostile/x"] {
            for sub in &subs {
                for long in ["out", "snapshots", "chart"] {
                    let takes = sub.get_arguments().any(|a| a.get_long() == Some(long));
                    if !takes || (long == "snapshots" && !frames) {
                        continue;
                    }
                    let mut args = base(sub, *lesson);
                    args.extend([format!("--{long}"), path.into()]);
                    if has(sub, "lesson") {
                        suite.both(sub.get_name(), name, &args, &[path]);
                    }
                }
            }
        }
    }

    // Lesson names that do not exist, on every command that takes one (perflab only).
    let bad_lessons: Vec<OsString> = vec![
        "nope".into(),
        "".into(),
        "DIFFUSION".into(),
        "diffusion ".into(),
        "dif\nfusion".into(),
        "\u{1b}[31mred".into(),
        "../diffusion".into(),
        OsString::from_vec(b"diff\xffusion".to_vec()),
    ];
    for sub in &subs {
        if !has(sub, "lesson") {
            continue;
        }
        for bad in &bad_lessons {
            let culprit = match bad.to_str() {
                Some(s) => format!("'{}'", printed(s)),
                None => "diff\\xFFusion".to_string(),
            };
            let args = vec![OsString::from(sub.get_name()), bad.clone()];
            suite.cases.push(Case {
                bin: PERFLAB,
                args,
                names: vec![culprit],
            });
        }
    }

    // Every command line, perflab's and each lesson's: its options, their values, their
    // conflicts, what they require; and commands that do not exist.
    let mut lines: Vec<(&'static str, clap::Command, Option<&'static dyn Lesson>)> =
        vec![(PERFLAB, cli::command(), None)];
    for lesson in lessons::all() {
        let command = cli::lesson_command(lesson.name()).unwrap();
        lines.push((lesson_bin(lesson.name()), command, Some(*lesson)));
    }
    let mut numeric = 0;
    let mut conflicts = 0;
    for (bin, command, own) in &lines {
        let index = own.and_then(|o| lessons::all().iter().position(|l| l.name() == o.name()));
        suite.share(index.map(|j| (j, lessons::all().len())));
        let os = |v: &[String]| -> Vec<OsString> { v.iter().map(OsString::from).collect() };
        let visible: Vec<&str> = command
            .get_subcommands()
            .filter(|s| !s.is_hide_set())
            .map(|s| s.get_name())
            .collect();
        for bad in ["bogus", "", "RUN", "ru\nn", "\u{1b}[2J"] {
            let mut names = vec![bad];
            names.extend(&visible);
            suite.add(bin, os(&strings(&[bad])), &names);
        }
        suite.add(bin, os(&strings(&["--bogus"])), &["--bogus"]);
        for sub in command.get_subcommands() {
            let lesson = own.unwrap_or(lessons::all()[0]);
            // The command with a valid lesson (perflab) and a valid variant.
            let mut start = vec![sub.get_name().to_string()];
            if own.is_none() && has(sub, "lesson") {
                start.push(lesson.name().into());
            }
            start.extend(base(sub, lesson));
            let line =
                |more: &[String]| -> Vec<OsString> { os(&[start.clone(), more.to_vec()].concat()) };
            suite.add(bin, line(&strings(&["--bogus"])), &["--bogus"]);
            suite.add(bin, line(&strings(&["-Z"])), &["-Z"]);
            suite.add(bin, line(&strings(&["extra", "args"])), &["extra"]);
            for arg in sub.get_arguments() {
                let Some(long) = arg.get_long() else {
                    continue;
                };
                let flag = format!("--{long}");
                let possible: Vec<String> = arg
                    .get_possible_values()
                    .iter()
                    .map(|p| p.get_name().to_string())
                    .collect();
                let takes_value = arg.get_action().takes_values();
                if !takes_value {
                    // A switch given a value, or given twice.
                    suite.add(bin, line(&[format!("{flag}=yes")]), &[&flag, "yes"]);
                    suite.add(bin, line(&[flag.clone(), flag.clone()]), &[&flag]);
                    continue;
                }
                // The option last, without its value.
                if !start.contains(&flag) {
                    suite.add(bin, line(std::slice::from_ref(&flag)), &[&flag]);
                }
                if !possible.is_empty() {
                    for bad in ["bogus", "", "\u{1b}[1m", "x\ny"] {
                        let mut names: Vec<&str> = vec![&flag, bad];
                        names.extend(possible.iter().map(String::as_str));
                        suite.add(bin, line(&[flag.clone(), bad.into()]), &names);
                    }
                    let twice = [&flag, &possible[0], &flag, &possible[0]].map(String::clone);
                    suite.add(bin, line(&twice), &[&flag]);
                } else if let Some(range) = perflab::commands::numbers::number(long) {
                    numeric += 1;
                    let kind = match range.whole {
                        true => Kind::Whole {
                            min: range.min.0,
                            max: range.max,
                        },
                        false => Kind::Real {
                            min: match range.min.1 {
                                true => Limit::Incl(range.min.0),
                                false => Limit::Excl(range.min.0),
                            },
                            max: Limit::Incl(range.max),
                        },
                    };
                    let describe = range.describe();
                    for bad in numbers_outside(&kind) {
                        let names = [flag.as_str(), bad.as_str(), describe.as_str()];
                        suite.add(bin, line(&[flag.clone(), bad.clone()]), &names);
                    }
                    let max = write(range.max);
                    let twice = [&flag, &max, &flag, &max].map(String::clone);
                    suite.add(bin, line(&twice), &[&flag]);
                } else {
                    assert!(
                        TEXT.contains(&long),
                        "--{long} of {}: a new option; give it hostile cases here",
                        sub.get_name()
                    );
                }
                // Conflicts, as clap declares them: both options, nothing else that could
                // conflict.
                for other in sub.get_arg_conflicts_with(arg) {
                    let Some(other_long) = other.get_long() else {
                        continue;
                    };
                    let value = |a: &clap::Arg| -> Vec<String> {
                        let mut v = vec![format!("--{}", a.get_long().unwrap())];
                        if a.get_action().takes_values() {
                            match a.get_id().as_str() {
                                "diff" => {
                                    v.extend(strings(&[lesson.reference(), lesson.baseline()]))
                                }
                                "variant" => v.push(lesson.reference().into()),
                                _ => match a.get_possible_values().first() {
                                    Some(p) => v.push(p.get_name().into()),
                                    None => v.push("1".into()),
                                },
                            }
                        }
                        v
                    };
                    let mut args = start[..1 + usize::from(own.is_none())].to_vec();
                    args.extend(value(arg));
                    args.extend(value(other));
                    suite.add(bin, os(&args), &[&flag, &format!("--{other_long}")]);
                    conflicts += 1;
                }
            }
            // Required arguments left out.
            for arg in sub.get_arguments().filter(|a| a.is_required_set()) {
                let mut args = vec![sub.get_name().to_string()];
                if arg.get_id() != "lesson" && own.is_none() {
                    args.push(lesson.name().into());
                }
                let shown = match arg.get_long() {
                    Some(l) => format!("--{l}"),
                    None => format!("<{}>", arg.get_id().as_str().to_uppercase()),
                };
                suite.add(bin, os(&args), &[&shown]);
            }
        }
        // Variant or --diff: profile needs one of them.
        let profile = match own {
            None => strings(&["profile", "diffusion"]),
            Some(_) => strings(&["profile"]),
        };
        suite.add(bin, os(&profile), &["--variant"]);
    }
    suite.share(None);
    assert!(numeric >= 9, "numeric options found: {numeric}");
    assert!(conflicts >= 6, "conflicts found: {conflicts}");
    for bin in std::iter::once(PERFLAB).chain(lessons::all().iter().map(|l| lesson_bin(l.name()))) {
        for path in ["/dev/null/x", "/proc/perflab-hostile/x"] {
            let args = ["tour", "--out", path].map(OsString::from).to_vec();
            suite.add(bin, args, &[path]);
        }
    }
    suite.add(PERFLAB, Vec::new(), &["no command given"]);

    // Values that only the lesson's problem refuses: named with the value that made the
    // problem impossible, and the limit.
    for (lesson, params, names) in DERIVED {
        let mut args = Vec::new();
        for p in *params {
            args.extend(["-p".to_string(), p.to_string()]);
        }
        suite.both("run", lesson, &args, names);
        // (A topic given to the tutor replaces every step's own, and stops at the first
        // step of another topic; that is what it says then.)
        if lessons::find(lesson).unwrap().topics().is_empty() {
            suite.both("tutor", lesson, &args, names);
        }
    }
    suite.cases
}

/// Parameters each in range that together make a problem that cannot run, and what the
/// error must name.
const DERIVED: &[(&str, &[&str], &[&str])] = &[
    (
        "diffusion",
        &["D=5e-324"],
        &["invalid D = 5e-324", "D ≥", "overflows"],
    ),
    ("diffusion", &["D=1e308"], &["invalid D = 1e308", "D ≤"]),
    (
        "diffusion",
        &["D=1e300"],
        &["invalid D = 1e300", "D ≤", "1e12 steps"],
    ),
    (
        "diffusion",
        &["runtime=1e300"],
        &["invalid runtime = 1e300", "runtime ≤"],
    ),
    ("diffusion", &["x1=20"], &["invalid x1 = 20", "x1 ≤"]),
    (
        "diffusion",
        &["x2=-20"],
        &["invalid x2 = -20", "x2 > x1 = -10"],
    ),
    (
        "diffusion",
        &["x1=-1e308", "x2=1e308"],
        &["invalid x2 = 1e308", "x2 − x1 ≤"],
    ),
    (
        "diffusion",
        &["dx=25"],
        &["invalid dx = 25", "0 < dx < x2 − x1 = 20"],
    ),
    (
        "diffusion",
        &["x1=0", "x2=0.05"],
        &["invalid x1 = 0", "x1 ≤"],
    ),
    (
        "diffusion",
        &["dx=1e-9", "runtime=0"],
        &["invalid dx = 1e-9", "dx ≥"],
    ),
    (
        "diffusion",
        &["x1=0", "x2=1e155", "dx=9e154"],
        &["invalid dx = 9e154", "dx ≤"],
    ),
    (
        "particles",
        &["dt=1e-6"],
        &["invalid dt = 1e-6", "dt ≥ 1e-5"],
    ),
    ("particles", &["dt=1e5"], &["invalid dt = 100000", "dt ≤"]),
    (
        "particles",
        &["timestep=0.5"],
        &["invalid timestep = 0.5", "timestep ≤ dt"],
    ),
    (
        "particles",
        &["timestep=1e-15"],
        &["invalid timestep = 1e-15", "timestep ≥"],
    ),
    (
        "idioms",
        &["topic=queue", "n=300000"],
        &["invalid n = 300000", "n ≤ 200000"],
    ),
    (
        "idioms",
        &["topic=taylor", "n=20000"],
        &["invalid n = 20000", "n ≤ 10000"],
    ),
];

/// Runs `case` in `dir` and returns the processor time it used and what is wrong with
/// how it failed, if anything.
fn check(case: &Case, dir: &Path) -> (Duration, Option<String>) {
    let start = Instant::now();
    let mut child = Command::new(case.bin)
        .args(&case.args)
        .current_dir(dir)
        .env("PERFLAB_ROOT", dir)
        .env_remove("PERFLAB_EXERCISE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Its processor time, read from /proc once it has exited and before it is reaped:
    // unlike the time it takes, that does not grow when the machine is busy.
    let stat = format!("/proc/{}/stat", child.id());
    let mut cpu = None;
    loop {
        let text = std::fs::read_to_string(&stat).unwrap_or_default();
        let fields: Vec<&str> = match text.rsplit_once(')') {
            Some((_, rest)) => rest.split_whitespace().collect(),
            None => Vec::new(),
        };
        if fields.first() == Some(&"Z") {
            let ticks = |i: usize| fields[i].parse::<f64>().unwrap();
            cpu = Some(Duration::from_secs_f64((ticks(11) + ticks(12)) / 100.0)); // USER_HZ
            break;
        }
        if fields.is_empty() || start.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let took = start.elapsed();
    let out = child.wait_with_output().unwrap();
    let status = out.status;
    let err = String::from_utf8_lossy(&out.stderr);
    let mut wrong = Vec::new();
    if status.code() != Some(2) {
        wrong.push(format!("exit status {status}"));
    }
    if err.trim_end().lines().count() != 1 || !err.ends_with('\n') || err.matches('\n').count() != 1
    {
        wrong.push("stderr is not exactly one line".into());
    }
    if !err.starts_with("error: ") {
        wrong.push("stderr does not start with 'error: '".into());
    }
    if err.contains("panicked") {
        wrong.push("panicked".into());
    }
    if err.contains('\u{1b}') {
        wrong.push("an escape character reached the terminal".into());
    }
    if !out.stdout.is_empty() {
        wrong.push(format!("{} bytes on stdout", out.stdout.len()));
    }
    for name in &case.names {
        if !err.contains(name.as_str()) {
            wrong.push(format!("does not name {name:?}"));
        }
    }
    if err.matches("(os error").count() > 1 || err.contains(".perflab-") {
        wrong.push("an OS error repeated, or a temporary file named".into());
    }
    match cpu {
        Some(cpu) if cpu > WORK => wrong.push(format!(
            "used {cpu:.2?} of processor time: work before the check"
        )),
        Some(_) => {}
        None => wrong.push(format!("still running after {took:.1?}")),
    }
    let left: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    if !left.is_empty() {
        wrong.push(format!("left files: {left:?}"));
        for p in left {
            let _ = std::fs::remove_dir_all(&p).or_else(|_| std::fs::remove_file(&p));
        }
    }
    let wrong = match wrong.is_empty() {
        true => None,
        false => Some(format!(
            "{} {:?}: {}\n    stderr: {err:?}",
            Path::new(case.bin).file_name().unwrap().to_string_lossy(),
            case.args,
            wrong.join("; ")
        )),
    };
    (cpu.unwrap_or(took), wrong)
}

#[test]
fn hostile_input_is_refused_on_one_line_before_any_work() {
    let cases = generate();
    assert!(cases.len() >= 300, "only {} cases", cases.len());
    let started = Instant::now();
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    let slowest = Mutex::new((Duration::ZERO, 0));
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get()) * 2;
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                let dir = tempfile::tempdir().unwrap();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(case) = cases.get(i) else { break };
                    let (cpu, wrong) = check(case, dir.path());
                    if let Some(f) = wrong {
                        failures.lock().unwrap().push(f);
                    }
                    let mut slowest = slowest.lock().unwrap();
                    if cpu > slowest.0 {
                        *slowest = (cpu, i);
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    let (cpu, i) = slowest.into_inner().unwrap();
    eprintln!(
        "{} hostile cases in {:.1?}, {} refused wrongly; the most processor time, {cpu:.2?}: {:?}",
        cases.len(),
        started.elapsed(),
        failures.len(),
        cases[i].args
    );
    assert!(
        failures.is_empty(),
        "{} of {} cases refused wrongly; the first:\n{}",
        failures.len(),
        cases.len(),
        failures
            .iter()
            .take(25)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// The limit an error states ("D ≥ 7.86e-312") is the one enforced, to the last bit: the
/// problem can be set up at the limit, and not one float beyond it. (In-process: setting
/// up a problem is cheap; running it is not done.)
#[test]
fn stated_limits_are_the_enforced_ones() {
    let mut checked = 0;
    for (name, params, _) in DERIVED {
        let lesson = lessons::find(name).unwrap();
        let given = strings(params);
        let setup = |over: &[String]| lesson.prepare(&lesson.parse_params(over)?).map(drop);
        let err = setup(&given).unwrap_err().to_string();
        if err.contains("GiB") {
            continue; // what fits in memory changes from one moment to the next
        }
        // "invalid NAME = V: expected NAME ≤ LIMIT (…)"
        let Some(rest) = err.split(": expected ").nth(1) else {
            continue;
        };
        let mut words = rest.split_whitespace();
        let (Some(key), Some(side), Some(limit)) = (words.next(), words.next(), words.next())
        else {
            continue;
        };
        if !(side == "≤" || side == "≥") || !lesson.params().iter().any(|p| p.name == key) {
            continue;
        }
        let limit: f64 = limit
            .trim_end_matches([':', ',', ';'])
            .parse()
            .unwrap_or_else(|_| panic!("{name}: limit of {key} in {err:?} is not a number"));
        let beyond = if side == "≤" {
            limit.next_up()
        } else {
            limit.next_down()
        };
        let with = |v: f64| -> Vec<String> {
            let mut o: Vec<String> = given
                .iter()
                .filter(|p| !p.starts_with(&format!("{key}=")))
                .cloned()
                .collect();
            o.push(format!("{key}={v:?}"));
            o
        };
        assert!(
            setup(&with(limit)).is_ok(),
            "{name} {params:?}: {key} = {limit:?} (the stated limit) is refused: {err}"
        );
        assert!(
            setup(&with(beyond)).is_err(),
            "{name} {params:?}: {key} = {beyond:?} (beyond the stated limit) is accepted: {err}"
        );
        checked += 1;
    }
    assert!(checked >= 8, "only {checked} stated limits checked");
}
