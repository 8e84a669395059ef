//! The measurement engine on a fake lesson with a fake clock: exact step counts, medians,
//! speedups, checks and tables, whatever the machine is doing.
#![allow(clippy::ptr_arg)] // kernels take the state type, Vec<f64>

use perflab::commands::compare::{CompareOptions, compare};
use perflab::commands::run::{RunOptions, TimeitOptions, run, time_it};
use perflab::commands::{Format, Timing};
use perflab::lesson::params::{Kind, ParamSpec, Params};
use perflab::lesson::{
    Exercise, ExerciseInfo, Lesson, Memory, Problem, Resize, Size, Spec, Variant, VariantInfo,
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
                },
                Variant {
                    info: VariantInfo {
                        name: "fast",
                        what: "4 µs a step",
                    },
                    kernel: fast,
                    tolerance: None,
                },
                Variant {
                    info: VariantInfo {
                        name: "wrong",
                        what: "fast and wrong",
                    },
                    kernel: wrong,
                    tolerance: None,
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
            steps: &[],
            exercise: $exercise,
            work: None,
            parallel: &[],
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
    assert_eq!(WITH_EXERCISE.variant_index("exercise").unwrap(), 3);
    let options = CompareOptions {
        variants: vec!["exercise".into()],
        format: Format::Text,
        timing: Timing {
            samples: 3,
            budget: 1.0,
            full: false,
        },
        ..CompareOptions::default()
    };
    let right = text(|out| compare(&WITH_EXERCISE, &options, &CLOCK, out));
    let row = right.lines().find(|l| l.contains("exercise")).unwrap();
    assert!(row.contains("25.00") && row.contains('✓'), "{right}");
    // A wrong exercise is marked wrong in the table, as any variant is.
    let wrong = text(|out| compare(&WRONG_EXERCISE, &options, &CLOCK, out));
    let row = wrong.lines().find(|l| l.contains("exercise")).unwrap();
    assert!(row.contains("✗ 5.0e-4"), "{wrong}");
    let ran = run_one(&WRONG_EXERCISE, "exercise");
    assert!(ran.contains("✗ differs from fast"), "{ran}");
}
