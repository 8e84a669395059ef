//! The measurement engine on a fake lesson with a fake clock: exact step counts, medians,
//! speedups, checks and tables, whatever the machine is doing.
#![allow(clippy::ptr_arg)] // kernels take the state type, Vec<f64>

use perflab::commands::compare::{CompareOptions, compare};
use perflab::commands::run::{RunOptions, TimeitOptions, run, time_it};
use perflab::commands::{Format, Timing};
use perflab::lesson::params::{Kind, ParamSpec, Params};
use perflab::lesson::{
    Action, Exercise, ExerciseInfo, Lesson, Memory, Problem, Resize, Size, Spec, Step, Variant,
    VariantInfo,
};
use perflab::measure::{Entry, Plan, Steps, measure};
use perflab::report::{self, Flavour};
use perflab::timing::FakeClock;
use std::time::Duration;

static CLOCK: FakeClock = FakeClock::new();

/// The tests share the fake clock that the kernels advance: one at a time.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

struct Counter {
    steps: usize,
}

impl Problem for Counter {
    type State = Vec<f64>;
    fn initial(&self) -> Vec<f64> {
        vec![0.0; 4]
    }
    fn steps(&self) -> usize {
        self.steps
    }
    fn units_per_step(&self) -> u64 {
        1000
    }
    fn describe(&self) -> String {
        format!("{} steps", self.steps)
    }
    fn values<'s>(&self, s: &'s Vec<f64>) -> &'s [f64] {
        s
    }
    fn memory(&self, _variant: &str) -> Memory {
        Memory {
            run: 32,
            values: 32,
            exact: 0,
            inputs: 0,
            size: "4 values".to_string(),
        }
    }
    fn resize(&self, scale: f64) -> Resize {
        Resize::at_most("steps", self.steps as f64, self.steps as f64 * scale)
    }
    fn how_wrong(&self, got: &[f64], want: &[f64]) -> String {
        format!(
            "{} over in all",
            got.iter().sum::<f64>() - want.iter().sum::<f64>()
        )
    }
}

fn count(s: &mut [f64], steps: usize, wrong: bool) {
    for v in s.iter_mut() {
        *v += steps as f64 + if wrong { 0.5 } else { 0.0 };
    }
}

fn slow(_: &Counter, s: &mut Vec<f64>, steps: usize) {
    CLOCK.advance(Duration::from_micros(100) * steps as u32);
    count(s, steps, false);
}
fn fast(_: &Counter, s: &mut Vec<f64>, steps: usize) {
    CLOCK.advance(Duration::from_micros(4) * steps as u32);
    count(s, steps, false);
}
fn wrong(_: &Counter, s: &mut Vec<f64>, steps: usize) {
    CLOCK.advance(Duration::from_micros(2) * steps as u32);
    count(s, steps, true);
}

macro_rules! fake {
    ($name:ident, $exercise:expr) => {
        fake!($name, $exercise, &[], &[]);
    };
    ($name:ident, $exercise:expr, $parallel:expr, $steps:expr) => {
        static $name: Spec<Counter> = Spec {
            name: "fake",
            title: "Fake",
            summary: "A lesson whose costs are scripted.",
            unit: "widgets",
            params: &[ParamSpec {
                name: "steps",
                default: "1000",
                help: "steps",
                kind: Kind::POSITIVE,
            }],
            variants: &[
                Variant {
                    info: VariantInfo {
                        name: "slow",
                        what: "100 µs a step",
                    },
                    kernel: slow,
                    tolerance: None,
                    wrong: None,
                },
                Variant {
                    info: VariantInfo {
                        name: "fast",
                        what: "4 µs a step",
                    },
                    kernel: fast,
                    tolerance: None,
                    wrong: None,
                },
                Variant {
                    info: VariantInfo {
                        name: "wrong",
                        what: "fast and wrong",
                    },
                    kernel: wrong,
                    tolerance: None,
                    wrong: None,
                },
                Variant {
                    info: VariantInfo {
                        name: "racy",
                        what: "fast and wrong on purpose",
                    },
                    kernel: wrong,
                    tolerance: None,
                    wrong: Some("a race"),
                },
            ],
            baseline: "slow",
            reference: "fast",
            topics: &[],
            tolerance: 1e-12,
            sizes: &[Size {
                name: "default",
                params: &[],
            }],
            setup: |p: &Params| {
                Ok(Counter {
                    steps: p.real("steps") as usize,
                })
            },
            steps: $steps,
            exercise: $exercise,
            work: None,
            parallel: $parallel,
        };
    };
}

/// The fake lessons' exercise: where the kernel registered with `set_exercise` is graded.
const FAKE_EXERCISE: ExerciseInfo = ExerciseInfo {
    file: "lessons/fake/exercise.rs",
    start: "",
    target: 10.0,
    params: &[],
    hints: &["one"],
};

fake!(FAKE, None);
fake!(WITH_EXERCISE, Some(Exercise::new(FAKE_EXERCISE)));
fake!(WRONG_EXERCISE, Some(Exercise::new(FAKE_EXERCISE)));
/// The tutor's one step: slow and fast side by side.
const THREADS_STEP: &[Step] = &[Step {
    title: "Threads",
    text: "Side by side.",
    action: Action::Compare {
        variants: &["slow", "fast"],
        params: &[],
    },
}];
// `slow` as the lesson's threaded variant: it loses to `fast`; `fast` as it: it wins.
fake!(THREADS_LOSE, None, &["slow"], THREADS_STEP);
fake!(THREADS_WIN, None, &["fast"], THREADS_STEP);

#[test]
fn a_variant_wrong_on_purpose_says_how_wrong_and_is_expected() {
    let _one = serial();
    let params = FAKE.parse_params(&[]).unwrap();
    let prepared = FAKE.prepare(&params).unwrap();
    let plan = Plan {
        entries: vec![Entry::new(1, Steps::Full), Entry::new(3, Steps::Full)],
        samples: 3,
    };
    let c = measure(&FAKE, &params, prepared.as_ref(), &plan, &CLOCK).unwrap();
    let racy = c.row("racy").unwrap();
    assert!(!racy.matches_reference && racy.as_expected());
    let w = racy.expected_wrong.as_ref().unwrap();
    assert_eq!((w.why, w.how.as_str()), ("a race", "2 over in all"));
    let fast = c.row("fast").unwrap();
    assert!(fast.expected_wrong.is_none() && fast.as_expected());
    // The fake machine keeps one core busy while its time moves: CPU time = wall time.
    assert!((racy.cpu_seconds.unwrap() - racy.seconds).abs() < 1e-12);
    let table = report::table(&c, Flavour::Markdown);
    assert!(table.contains("✗ 5.0e-4 (expected)"), "{table}");
    let notes = report::notes(&c);
    assert!(
        notes.contains(
            &"racy is wrong on purpose (a race), as expected: 2 over in all.".to_string()
        ),
        "{notes:?}"
    );
    // A variant meant to be right and wrong is not excused.
    let plan = Plan {
        entries: vec![Entry::new(2, Steps::Full)],
        samples: 1,
    };
    let c = measure(&FAKE, &params, prepared.as_ref(), &plan, &CLOCK).unwrap();
    assert!(!c.rows[0].as_expected());
}

#[test]
fn measurements_are_exact_on_a_fake_clock() {
    let _one = serial();
    let params = FAKE.parse_params(&[]).unwrap();
    let prepared = FAKE.prepare(&params).unwrap();
    // slow needs 0.1 s for the full 1000 steps: a 0.05 s budget halves it.
    let plan = Plan {
        entries: vec![
            Entry::new(0, Steps::Budget(0.05)),
            Entry::new(1, Steps::Budget(0.05)),
            Entry::new(2, Steps::Full),
        ],
        samples: 3,
    };
    let c = measure(&FAKE, &params, prepared.as_ref(), &plan, &CLOCK).unwrap();
    let slow = c.row("slow").unwrap();
    assert_eq!(
        (slow.steps, slow.full_run, slow.units),
        (500, false, 500_000)
    );
    assert_eq!(slow.samples, vec![0.05; 3]);
    assert_eq!((slow.seconds, slow.spread), (0.05, 0.0));
    assert_eq!(slow.speedup, Some(1.0));
    let fast = c.row("fast").unwrap();
    assert_eq!((fast.steps, fast.full_run), (1000, true));
    assert!((fast.seconds - 0.004).abs() < 1e-15);
    assert!((fast.speedup.unwrap() - 25.0).abs() < 1e-9);
    assert!((fast.units_per_second.unwrap() - 2.5e8).abs() < 1.0);
    assert!(fast.matches_reference && slow.matches_reference);
    let bad = c.row("wrong").unwrap();
    assert!(!bad.matches_reference);
    assert!((bad.rel_error - 0.5 / 1000.0).abs() < 1e-12);
    assert_eq!(bad.checksum, 4.0 * 1000.5);

    let table = report::table(&c, Flavour::Markdown);
    let expected = "\
| variant | steps | time (median ± MAD) | widgets/s | speedup vs slow | matches fast |
|---------|-------|---------------------|-----------|-----------------|--------------|
| slow    | 500*  | 50.00 ms ± 0.000 ms | 10.00 M   | 1.000 ± 0.000×  | ✓ 0.0e0      |
| fast    | 1000  | 4.000 ms ± 0.000 ms | 250.0 M   | 25.00 ± 0.000×  | ✓ 0.0e0      |
| wrong   | 1000  | 2.000 ms ± 0.000 ms | 500.0 M   | 50.00 ± 0.000×  | ✗ 5.0e-4     |";
    assert_eq!(table, expected);
    let notes = report::notes(&c);
    assert_eq!(
        notes[0],
        "* ran fewer steps than the full 1000 to keep the run short; rates and speedups are per widget."
    );
    assert_eq!(
        report::summary_line(&c).unwrap(),
        "fast ran 25.00 ± 0.000 times faster than slow"
    );
}

fn text(f: impl FnOnce(&mut Vec<u8>) -> anyhow::Result<()>) -> String {
    let mut out = Vec::new();
    f(&mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// What `run` prints for one variant of a fake lesson.
fn run_one(lesson: &Spec<Counter>, variant: &str) -> String {
    text(|out| {
        let options = RunOptions {
            variant: Some(variant.into()),
            ..RunOptions::default()
        };
        run(lesson, &options, &CLOCK, out)
    })
}

#[test]
fn commands_print_what_they_measured() {
    let _one = serial();
    let ran = run_one(&FAKE, "fast");
    assert!(ran.starts_with("Fake (fake) — 1000 steps\n"), "{ran}");
    assert!(ran.contains("  time        4.000 ms\n"), "{ran}");
    assert!(ran.contains("  rate        250.0 M widgets/s\n"), "{ran}");
    assert!(
        ran.contains("  speedup     25.00 ± 0.000× vs slow"),
        "{ran}"
    );
    assert!(ran.contains("✓ matches fast"), "{ran}");

    let timed = text(|out| {
        let options = TimeitOptions {
            variant: "wrong".into(),
            params: vec!["steps=100".into()],
            format: Format::Text,
            repeat: 3,
            number: Some(2),
            long: false,
        };
        time_it(&FAKE, &options, &CLOCK, out)
    });
    // 100 steps of 2 µs, two loops a timing: 200 µs a loop.
    assert!(
        timed
            .contains("wrong: 200.0 µs ± 0.000 µs per loop (median ± MAD of 3 runs, 2 loops each)"),
        "{timed}"
    );
    assert!(timed.contains("✗ differs from fast"), "{timed}");

    let compared = text(|out| {
        let options = CompareOptions {
            variants: vec!["fast".into()],
            format: Format::Json,
            timing: Timing {
                samples: 3,
                budget: 1.0,
                full: false,
                long: false,
            },
            ..CompareOptions::default()
        };
        compare(&FAKE, &options, &CLOCK, out)
    });
    let doc: serde_json::Value = serde_json::from_str(&compared).unwrap();
    let rows = doc["variants"].as_array().unwrap();
    let names: Vec<&str> = rows
        .iter()
        .map(|r| r["variant"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["slow", "fast"], "the baseline is always measured");
    assert_eq!(rows[1]["speedup"].as_f64().unwrap().round(), 25.0);

    let listed = text(|out| perflab::commands::list::list(&[&FAKE], out));
    assert!(listed.contains("    fast   4 µs a step\n"), "{listed}");
    assert!(listed.contains("steps=1000"), "{listed}");
}

#[test]
fn the_students_kernel_is_one_more_variant_where_it_is_registered() {
    let _one = serial();
    assert!(!WITH_EXERCISE.has_exercise_kernel());
    assert!(WITH_EXERCISE.variant_index("exercise").is_err());
    WITH_EXERCISE.set_exercise(fast);
    WRONG_EXERCISE.set_exercise(wrong);
    assert!(WITH_EXERCISE.has_exercise_kernel());
    assert_eq!(WITH_EXERCISE.variant_index("exercise").unwrap(), 4);
    let options = CompareOptions {
        variants: vec!["exercise".into()],
        format: Format::Text,
        timing: Timing {
            samples: 3,
            budget: 1.0,
            full: false,
            long: false,
        },
        ..CompareOptions::default()
    };
    let right = text(|out| compare(&WITH_EXERCISE, &options, &CLOCK, out));
    let row = right.lines().find(|l| l.contains("exercise")).unwrap();
    assert!(row.contains("25.00") && row.contains('✓'), "{right}");
    // A wrong exercise is marked wrong in the table, as any variant is.
    let wrong = text(|out| compare(&WRONG_EXERCISE, &options, &CLOCK, out));
    let row = wrong.lines().find(|l| l.contains("exercise")).unwrap();
    assert!(
        row.contains("✗ 5.0e-4") && !row.contains("expected"),
        "{wrong}"
    );
    let ran = run_one(&WRONG_EXERCISE, "exercise");
    assert!(ran.contains("✗ differs from fast"), "{ran}");
}

/// A full run that a short calibration puts over ten minutes stops before it starts and
/// names --long; with --long it runs. `slow` takes 100 µs a step on the fake clock.
#[test]
fn a_run_over_ten_minutes_needs_long() {
    let _one = serial();
    let options = |steps: &str, long: bool| RunOptions {
        variant: Some("slow".into()),
        params: vec![format!("steps={steps}")],
        long,
        ..RunOptions::default()
    };
    // 7 million steps: 700 s of slow, and the reference's 28 s.
    let mut out = Vec::new();
    let err = run(&FAKE, &options("7000000", false), &CLOCK, &mut out).unwrap_err();
    let message = format!("{err:#}");
    assert!(
        message.contains("about 12 minutes") && message.contains("--long"),
        "{message}"
    );
    assert!(out.is_empty(), "printed before refusing");
    // 5 million: 500 s + 20 s, under the limit; and 7 million with --long.
    let ran = text(|out| run(&FAKE, &options("5000000", false), &CLOCK, out));
    assert!(ran.contains("  time        500.0 s"), "{ran}");
    let ran = text(|out| run(&FAKE, &options("7000000", true), &CLOCK, out));
    assert!(ran.contains("  time        700.0 s"), "{ran}");
    // compare --full counts every sample: 3 samples and a check run of 1.5 million
    // steps of slow are 600 s, the reference's another 24 s.
    let compare_full = |long: bool| {
        let options = CompareOptions {
            variants: vec!["slow".into()],
            params: vec!["steps=1500000".into()],
            format: Format::Text,
            timing: Timing {
                samples: 3,
                budget: 1.0,
                full: true,
                long,
            },
        };
        let mut out = Vec::new();
        compare(&FAKE, &options, &CLOCK, &mut out).map(|()| out)
    };
    assert!(format!("{:#}", compare_full(false).unwrap_err()).contains("--long"));
    assert!(compare_full(true).is_ok());
}

/// What `compare` prints for the fake lesson, on a machine where other processes keep
/// `others` cores busy and the hypervisor takes `steal`.
fn compare_under(others: f64, steal: f64, format: Format) -> String {
    CLOCK.set_load(2, others, steal);
    let options = CompareOptions {
        format,
        timing: Timing {
            samples: 3,
            budget: 1.0,
            full: false,
            long: false,
        },
        ..CompareOptions::default()
    };
    let out = text(|out| compare(&FAKE, &options, &CLOCK, out));
    CLOCK.set_load(2, 0.0, 0.0);
    out
}

#[test]
fn a_busy_machine_is_named_with_its_figures_and_a_quiet_one_is_not() {
    let _one = serial();
    let quiet = compare_under(0.1, 0.0, Format::Text);
    assert!(
        quiet.contains("\nload: others used 0.10 cores (steal 0.00) of 2 during the "),
        "{quiet}"
    );
    assert!(quiet.contains(" s measured; 1.90 free\n"), "{quiet}");
    assert!(!quiet.contains("busy machine"), "{quiet}");

    let busy = compare_under(1.2, 0.1, Format::Text);
    assert!(
        busy.contains("load: others used 1.20 cores (steal 0.10) of 2 during the "),
        "{busy}"
    );
    let warning = busy
        .lines()
        .find(|l| l.starts_with("⚠ busy machine"))
        .unwrap_or_else(|| panic!("no warning:\n{busy}"));
    assert_eq!(
        warning,
        "⚠ busy machine: others used 1.20 cores (steal 0.10) of 2, above 0.25: times are longer than on a quiet machine and threads had 0.70 cores free, so absolute figures and parallel speedups are unreliable."
    );
    // Steal counts against the threshold too.
    let stolen = compare_under(0.0, 0.3, Format::Text);
    assert!(
        stolen.contains("⚠ busy machine: others used 0.00 cores (steal 0.30)"),
        "{stolen}"
    );

    // run and timeit say it too.
    CLOCK.set_load(2, 0.5, 0.0);
    let ran = run_one(&FAKE, "fast");
    let timed = text(|out| {
        let options = TimeitOptions {
            variant: "fast".into(),
            params: vec!["steps=100".into()],
            format: Format::Text,
            repeat: 3,
            number: Some(2),
            long: false,
        };
        time_it(&FAKE, &options, &CLOCK, out)
    });
    CLOCK.set_load(2, 0.0, 0.0);
    assert!(
        ran.contains("\n  load        others used 0.50 cores (steal 0.00) of 2"),
        "{ran}"
    );
    assert!(
        ran.contains("\n  ⚠ busy machine: others used 0.50 cores"),
        "{ran}"
    );
    assert!(
        timed.contains("\nload: others used 0.50 cores (steal 0.00) of 2"),
        "{timed}"
    );
    assert!(
        timed.contains("\n⚠ busy machine: others used 0.50 cores"),
        "{timed}"
    );
}

#[test]
fn json_holds_the_load_of_the_whole_comparison_and_of_each_variant() {
    let _one = serial();
    let doc: serde_json::Value =
        serde_json::from_str(&compare_under(1.2, 0.1, Format::Json)).unwrap();
    let near = |v: &serde_json::Value, x: f64| (v.as_f64().unwrap() - x).abs() < 1e-9;
    let load = &doc["load"];
    assert_eq!(load["cores"], 2, "{load}");
    assert!(near(&load["others_cores"], 1.2), "{load}");
    assert!(near(&load["steal_cores"], 0.1), "{load}");
    assert!(near(&load["free_cores"], 0.7), "{load}");
    // The fake kernels keep one core busy: the machine's busy time is ours and theirs.
    let seconds = load["seconds"].as_f64().unwrap();
    assert!(near(&load["own_core_seconds"], seconds), "{load}");
    assert!(near(&load["others_core_seconds"], 1.2 * seconds), "{load}");
    assert!(near(&load["busy_core_seconds"], 2.2 * seconds), "{load}");
    assert!(near(&load["steal_core_seconds"], 0.1 * seconds), "{load}");
    for row in doc["variants"].as_array().unwrap() {
        let l = &row["load"];
        assert!(near(&l["others_cores"], 1.2), "{row}");
        // Over the variant's timed runs only: three samples of its median.
        let timed = 3.0 * row["seconds"].as_f64().unwrap();
        assert!(near(&l["seconds"], timed), "{row}");
    }
    // `run`: the variant's row holds its one run; the whole, the baseline's runs too.
    CLOCK.set_load(2, 0.5, 0.0);
    let ran = text(|out| {
        let options = RunOptions {
            variant: Some("fast".into()),
            format: Format::Json,
            ..RunOptions::default()
        };
        run(&FAKE, &options, &CLOCK, out)
    });
    CLOCK.set_load(2, 0.0, 0.0);
    let doc: serde_json::Value = serde_json::from_str(&ran).unwrap();
    let row = &doc["variants"][0]["load"];
    assert!(near(&row["seconds"], 0.004), "{row}");
    assert!(near(&row["others_cores"], 0.5), "{row}");
    assert!(doc["load"]["seconds"].as_f64().unwrap() > 0.004, "{doc}");
}

/// The tutor's walk through a fake lesson with one threaded variant, on a machine where
/// other processes keep `others` of `cores` cores busy; its words, one space apart.
fn tutor_under(lesson: &Spec<Counter>, cores: usize, others: f64) -> String {
    let dir = tempfile::tempdir().unwrap();
    let options = perflab::student::tutor::TutorOptions {
        no_pause: true,
        ..Default::default()
    };
    CLOCK.set_load(cores, others, 0.0);
    let out = text(|out| {
        perflab::student::tutor::tutor(
            lesson,
            &options,
            &CLOCK,
            &mut std::io::empty(),
            &dir.path().join("progress.json"),
            out,
        )
    });
    CLOCK.set_load(2, 0.0, 0.0);
    // The tutor wraps its texts; the words matter here.
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn the_tutor_reads_this_runs_figures_on_threads() {
    let _one = serial();
    // Lost on a quiet machine: the reason is the variant's own.
    let quiet = tutor_under(&THREADS_LOSE, 2, 0.0);
    assert!(
        quiet.contains("This run: `slow` lost to `fast`, 0.040 ± 0.000× its speed. Not the machine's load: while it ran, other processes used 0.00 cores (steal 0.00), leaving 2.00 of 2 free."),
        "{quiet}"
    );
    // Lost on a busy one: the reason is the load, with its figures.
    let busy = tutor_under(&THREADS_LOSE, 2, 1.5);
    assert!(
        busy.contains("This run: `slow` lost to `fast`, 0.040 ± 0.000× its speed. The measured reason: while it ran, other processes used 1.50 cores (steal 0.00), leaving 0.50 of 2 free, so its threads waited"),
        "{busy}"
    );
    assert!(!busy.contains("Not the machine's load"), "{busy}");
    // One core.
    let one = tutor_under(&THREADS_LOSE, 1, 0.0);
    assert!(
        one.contains("The reason: this machine has only 1 core, so the threads take turns"),
        "{one}"
    );
    // Won: by how much, and what others used meanwhile.
    let won = tutor_under(&THREADS_WIN, 2, 0.1);
    assert!(
        won.contains("This run: `fast` beat `slow`, 25.00 ± 0.000× its speed, with 2 cores. While it ran, other processes used 0.10 cores (steal 0.00), leaving 1.90 of 2 free."),
        "{won}"
    );
    assert!(!won.contains("lost to"), "{won}");
}

#[test]
fn check_and_the_tours_files_show_the_load_too() {
    let _one = serial();
    CLOCK.set_load(2, 0.5, 0.0);
    let params = FAKE.parse_params(&[]).unwrap();
    let prepared = FAKE.prepare(&params).unwrap();
    // `check`: the fake's `fast` as the student's kernel.
    let candidate =
        |steps: usize, clock: &dyn perflab::timing::Clock| prepared.run(1, steps, clock, None);
    let checked =
        perflab::student::check::check(&FAKE, prepared.as_ref(), &candidate, 3, 10.0, &CLOCK)
            .unwrap();
    let explained = perflab::student::check::explain(&FAKE, prepared.as_ref(), &checked);
    // The tour: its Markdown and its page's section.
    let plan = Plan {
        entries: vec![Entry::new(0, Steps::Full), Entry::new(1, Steps::Full)],
        samples: 3,
    };
    let c = measure(&FAKE, &params, prepared.as_ref(), &plan, &CLOCK).unwrap();
    CLOCK.set_load(2, 0.0, 0.0);
    assert!(
        explained.contains("\n  load: others used 0.50 cores (steal 0.00) of 2 during the "),
        "{explained}"
    );
    assert!(
        explained.contains("\n  ⚠ busy machine: others used 0.50 cores"),
        "{explained}"
    );
    let machine = perflab::inspect::machine::Machine::this();
    let md = report::markdown(&c, &machine);
    assert!(
        md.contains("load: others used 0.50 cores (steal 0.00) of 2 during the "),
        "{md}"
    );
    assert!(
        md.contains("⚠ busy machine: others used 0.50 cores"),
        "{md}"
    );
    let (section, _) = perflab::report::html::lesson_section(&c, &[]).unwrap();
    assert!(
        section.contains("<p class=\"note load\">load: others used 0.50 cores (steal 0.00) of 2"),
        "{section}"
    );
    assert!(
        section.contains("<p class=\"note bad\">⚠ busy machine: others used 0.50 cores"),
        "{section}"
    );
}

#[test]
fn a_sweep_checks_and_times_every_value_and_refuses_bad_ones_first() {
    use perflab::commands::sweep::{SweepOptions, parse_sweep, sweep_lesson};
    let _one = serial();
    let timing = Timing {
        samples: 3,
        budget: 1.0,
        full: false,
        long: false,
    };
    let values = ["100".to_string(), "1000".to_string()];
    let s = sweep_lesson(&FAKE, "slow", "steps", &values, &[], &timing, &CLOCK).unwrap();
    assert_eq!(s.points.len(), 2);
    // slow: 100 µs a step of 1000 widgets, whatever the number of steps.
    for p in &s.points {
        assert!(p.row.matches_reference, "{p:?}");
        assert!((p.cost() - 1e-7).abs() < 1e-15, "{}", p.cost());
    }
    assert_eq!(s.points[0].row.steps, 100);
    assert!(
        perflab::report::html::sweep_chart(std::slice::from_ref(&s))
            .unwrap()
            .contains("<svg")
    );
    let table = perflab::commands::sweep::markdown_table(&s);
    assert!(
        table.contains("| 1000 ") && table.contains("✓ 0.0e0"),
        "{table}"
    );
    // Bad input: malformed, one value, a value out of range (before anything runs), the
    // swept parameter given twice.
    assert!(parse_sweep("steps").is_err() && parse_sweep("steps=5").is_err());
    assert_eq!(
        parse_sweep("steps=1,2").unwrap(),
        ("steps".to_string(), vec!["1".to_string(), "2".to_string()])
    );
    let before = perflab::timing::Clock::now(&CLOCK);
    let bad = ["100".to_string(), "-1".to_string()];
    let e = sweep_lesson(&FAKE, "slow", "steps", &bad, &[], &timing, &CLOCK).unwrap_err();
    assert!(format!("{e:#}").contains("steps = -1"), "{e:#}");
    assert_eq!(
        perflab::timing::Clock::now(&CLOCK),
        before,
        "a bad value ran first"
    );
    let twice = ["steps=5".to_string()];
    let e = sweep_lesson(&FAKE, "slow", "steps", &values, &twice, &timing, &CLOCK).unwrap_err();
    assert!(format!("{e}").contains("both set steps"), "{e}");
    let options = SweepOptions {
        variant: "fast".into(),
        sweep: Some("steps=10,20".into()),
        timing,
        ..SweepOptions::default()
    };
    let printed = text(|out| perflab::commands::sweep::sweep(&FAKE, &options, &CLOCK, out));
    assert!(printed.contains("fake fast across steps"), "{printed}");
}
