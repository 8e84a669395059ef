//! Side-by-side measurement of a lesson's variants: the engine behind `run`, `compare`,
//! `timeit`, `tour` and the benches.
//!
//! Every variant is first checked against the lesson's reference variant at the same number
//! of steps. Timings are then taken in rounds, each round running every variant once in a
//! rotated order (A B C, B C A, …), so that a slow drift of the machine's speed falls on
//! all variants alike. A variant too slow to run in full within the time budget runs fewer
//! steps; its rate and speedup are then per unit of work, and the table says so.

pub mod grade;
pub mod memory;
pub mod progress;
pub mod sweep;

use crate::error::Result;
use crate::lesson::params::Params;
use crate::lesson::{Lesson, Prepared, Split, VariantInfo, max_rel_error};
use crate::measure::progress::Progress;
use crate::timing::load::Load;
use crate::timing::{Clock, Summary, autorange, ratio};

/// How many steps a variant runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Steps {
    /// The full run that the parameters describe.
    Full,
    /// As many steps as fit in this many seconds (at least one, at most the full run).
    Budget(f64),
    /// Exactly this many.
    Exactly(usize),
}

/// One variant to measure.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Index of the variant in the lesson.
    pub variant: usize,
    /// How many steps it runs.
    pub steps: Steps,
    /// Runs already made (by `run` or [`timeit`]); when present the variant is not run again.
    pub given: Option<Given>,
}

/// Runs of a variant made before [`measure`] was called.
#[derive(Debug, Clone)]
pub struct Given {
    /// Their times, in seconds.
    pub samples: Vec<f64>,
    /// The final values of one of them.
    pub values: Vec<f64>,
    /// What other processes used while they ran, where it could be read.
    pub load: Option<Load>,
    /// CPU seconds of each run, where they were read (see [`crate::lesson::Outcome`]).
    pub cpu: Vec<Option<f64>>,
    /// Each worker's busy seconds in the last run, where the kernel reports them.
    pub busy: Vec<f64>,
    /// Each process's compute, communication and waiting in the last run, where the run
    /// was made by processes that report them.
    pub split: Vec<Split>,
}

impl Entry {
    /// An entry timed in the plan's rounds.
    pub fn new(variant: usize, steps: Steps) -> Entry {
        Entry {
            variant,
            steps,
            given: None,
        }
    }
}

/// What to measure.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The variants.
    pub entries: Vec<Entry>,
    /// Timed runs of each variant.
    pub samples: usize,
}

/// One variant's measurement.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Row {
    /// Name.
    pub variant: &'static str,
    /// What changed and why.
    pub what: &'static str,
    /// Steps each timed run made.
    pub steps: usize,
    /// Whether that is the full run.
    pub full_run: bool,
    /// Units of work in each timed run.
    pub units: u64,
    /// Median seconds of one run.
    pub seconds: f64,
    /// Median absolute deviation of the run times.
    pub spread: f64,
    /// Every timed run, in seconds.
    pub samples: Vec<f64>,
    /// Units of work per second, from the median.
    pub units_per_second: Option<f64>,
    /// Times faster than the baseline per unit of work (baseline ÷ this).
    pub speedup: Option<f64>,
    /// Spread of the speedup, propagated from both spreads.
    pub speedup_spread: Option<f64>,
    /// Sum of the final values.
    pub checksum: f64,
    /// Max-norm relative difference from the reference at the same steps.
    pub rel_error: f64,
    /// Whether `rel_error` is within the tolerance this variant is held to.
    pub matches_reference: bool,
    /// For a variant wrong on purpose (a race), and only for one: why, and how wrong its
    /// checking run came out, in the lesson's words; a mismatch is expected, not a
    /// failure (and a run where the race lost nothing says so).
    pub expected_wrong: Option<ExpectedWrong>,
    /// Median CPU seconds of the timed runs, every thread and waited-for worker process
    /// (above `seconds` where work ran in parallel).
    pub cpu_seconds: Option<f64>,
    /// Each worker's busy seconds in the timed run whose time was the median, where the
    /// kernel reports them: the gap to `seconds` is overhead, their spread imbalance.
    pub busy: Vec<f64>,
    /// Each process's compute, communication and waiting in that run, where the run was
    /// made by processes that report them (MPI ranks).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub split: Vec<Split>,
    /// That tolerance: the lesson's, or the variant's own.
    pub tolerance: f64,
    /// Max-norm relative difference from the exact answer, where there is one.
    pub exact_error: Option<f64>,
    /// Bytes of heap the checking run needed at its peak, above what was live before it
    /// (with the tracking allocator installed; exact to within 64 KiB per thread).
    pub peak_bytes: Option<i64>,
    /// What other processes used while this variant's timed runs ran, where it could be
    /// read.
    pub load: Option<Load>,
}

/// How a variant that is wrong on purpose came out.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ExpectedWrong {
    /// Why it is wrong, from the lesson.
    pub why: &'static str,
    /// How wrong its checking run was, in the lesson's words.
    pub how: String,
}

impl Row {
    /// Whether the check passed, or failed as a variant wrong on purpose is expected to.
    pub fn as_expected(&self) -> bool {
        self.matches_reference || self.expected_wrong.is_some()
    }

    /// Summary of the per-run times.
    pub fn summary(&self) -> Option<Summary> {
        Summary::of(&self.samples)
    }
}

/// Every measured variant of one lesson at one parameter set.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Comparison {
    /// Lesson name.
    pub lesson: &'static str,
    /// The topic, for a lesson with topics.
    pub topic: Option<&'static str>,
    /// Lesson title (the topic's, for a lesson with topics).
    pub title: &'static str,
    /// Unit of work, plural.
    pub unit: &'static str,
    /// The parameters.
    pub params: Params,
    /// The problem size in words.
    pub problem: String,
    /// Steps of a full run.
    pub full_steps: usize,
    /// The speed baseline.
    pub baseline: &'static str,
    /// The reference variant.
    pub reference: &'static str,
    /// Tolerance of the reference check.
    pub tolerance: f64,
    /// The measurements, in the plan's order.
    #[serde(rename = "variants")]
    pub rows: Vec<Row>,
    /// Flops and bytes per unit of work, where the lesson gives them.
    pub work: Option<crate::lesson::Work>,
    /// The variants that use every core.
    pub parallel: &'static [&'static str],
    /// What other processes used during the whole measurement, where it could be read.
    pub load: Option<Load>,
    /// The memory the command estimated before it ran and the peak resident size the
    /// process reached, in bytes, where a command measured both (`run`, `compare`).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub memory: Option<Peak>,
}

/// A command's memory estimate beside the peak it reached.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Peak {
    /// The process's peak resident size, in bytes.
    pub peak_rss_bytes: u64,
    /// What the memory guard estimated before any run, in bytes.
    pub estimated_peak_bytes: u64,
}

impl Comparison {
    /// The lesson's name, with the topic's after a slash where there is one: where the
    /// tour writes this comparison's files.
    pub fn key(&self) -> String {
        match self.topic {
            Some(t) => format!("{}/{t}", self.lesson),
            None => self.lesson.to_string(),
        }
    }
    /// The row of a variant.
    pub fn row(&self, variant: &str) -> Option<&Row> {
        self.rows.iter().find(|r| r.variant == variant)
    }

    /// The fastest row per unit of work among those that match the reference: a wrong
    /// answer fast is no win.
    pub fn fastest(&self) -> Option<&Row> {
        self.rows
            .iter()
            .filter(|r| r.units_per_second.is_some() && r.matches_reference)
            .max_by(|a, b| {
                a.units_per_second
                    .partial_cmp(&b.units_per_second)
                    .unwrap_or(std::cmp::Ordering::Equal)
            })
    }
}

/// Runs `variant` for steps doubling from one until a run takes a tenth of `budget` (or
/// the full run is reached); returns the steps that fit in `budget`.
pub fn calibrate(
    prepared: &dyn Prepared,
    variant: usize,
    budget: f64,
    clock: &dyn Clock,
) -> Result<usize> {
    let full = prepared.steps();
    if full == 0 {
        return Ok(0);
    }
    let mut steps = 1;
    loop {
        let t = prepared.run(variant, steps, clock, None)?.seconds;
        if steps >= full {
            return Ok(full);
        }
        if t >= budget / 10.0 {
            let per_step = t / steps as f64;
            return Ok(((budget / per_step) as usize).clamp(1, full));
        }
        steps = (steps * 2).min(full);
    }
}

/// Seconds one step of `variant` takes, from a short calibration: runs of steps
/// doubling from one until a run takes `at_least` seconds (or the full run is reached).
pub fn seconds_per_step(
    prepared: &dyn Prepared,
    variant: usize,
    at_least: f64,
    clock: &dyn Clock,
) -> Result<f64> {
    let full = prepared.steps().max(1);
    let mut steps = 1;
    loop {
        let t = prepared.run(variant, steps, clock, None)?.seconds;
        if steps >= full || t >= at_least {
            return Ok(t / steps as f64);
        }
        steps = (steps * 2).min(full);
    }
}

/// Measures the plan's variants side by side.
pub fn measure(
    lesson: &dyn Lesson,
    params: &Params,
    prepared: &dyn Prepared,
    plan: &Plan,
    clock: &dyn Clock,
) -> Result<Comparison> {
    let infos = lesson.variants();
    let scope = prepared.scope();
    let (reference, baseline) = (scope.reference, scope.baseline);
    let samples = plan.samples.max(1);
    let progress = Progress::new((plan.entries.len() * (samples + 1)) as u64, lesson.name());
    let start = clock.cpu();

    // Step counts (calibration runs double as warm-up).
    let mut steps = Vec::with_capacity(plan.entries.len());
    for e in &plan.entries {
        progress.message(&format!("calibrating {}", infos[e.variant].name));
        steps.push(match e.steps {
            Steps::Full => prepared.steps(),
            Steps::Exactly(n) => n,
            Steps::Budget(b) => calibrate(prepared, e.variant, b, clock)?,
        });
    }

    // Correctness first: each variant against the reference at the same steps. The
    // reference's values are kept for one step count at a time (the last one needed), so
    // that the engine holds at most two sets of values beside a run: see [`memory`].
    let mut reference_values: Option<(usize, Vec<f64>)> = None;
    let mut checks = Vec::with_capacity(plan.entries.len());
    for (i, e) in plan.entries.iter().enumerate() {
        let v = e.variant;
        progress.message(&format!("checking {}", infos[v].name));
        // The heap the run needs at its peak, where the tracking allocator is installed.
        let tracked = crate::profile::alloc::installed();
        let before = tracked.then(|| {
            crate::profile::alloc::reset_peak();
            (
                crate::profile::alloc::counters(),
                crate::profile::alloc::thread_counts().0,
            )
        });
        if reference_values.as_ref().is_some_and(|r| r.0 != steps[i]) {
            reference_values = None;
        }
        let values = match &e.given {
            Some(g) => std::borrow::Cow::Borrowed(&g.values),
            None => std::borrow::Cow::Owned(prepared.run(v, steps[i], clock, None)?.values),
        };
        let peak = match (&e.given, before) {
            // Exact for what this thread allocated; other threads' share is counted in
            // batches of 64 KiB.
            (None, Some((b, own))) => Some(
                (crate::profile::alloc::counters().peak - b.live)
                    .max(crate::profile::alloc::thread_peak() - own),
            ),
            _ => None,
        };
        let want = match &mut reference_values {
            Some((_, w)) => w,
            None => {
                let r = if v == reference {
                    values.to_vec()
                } else {
                    prepared.run(reference, steps[i], clock, None)?.values
                };
                &reference_values.insert((steps[i], r)).1
            }
        };
        let rel = max_rel_error(&values, want);
        let exact = prepared.exact(steps[i]).map(|x| max_rel_error(&values, &x));
        let wrong = lesson.wrong_of(v).map(|why| ExpectedWrong {
            why,
            how: prepared.how_wrong(&values, want),
        });
        checks.push((values.iter().sum::<f64>(), rel, exact, peak, wrong));
        progress.inc(1);
    }
    drop(reference_values);

    // Timed rounds in rotated order.
    let n = plan.entries.len();
    let mut loads: Vec<Option<Load>> = plan
        .entries
        .iter()
        .map(|e| e.given.as_ref().and_then(|g| g.load))
        .collect();
    // CPU seconds and workers' busy seconds of each timed run, beside its time.
    let mut cpus: Vec<Vec<Option<f64>>> = plan
        .entries
        .iter()
        .map(|e| e.given.as_ref().map(|g| g.cpu.clone()).unwrap_or_default())
        .collect();
    let mut busies: Vec<Vec<Vec<f64>>> = plan
        .entries
        .iter()
        .map(|e| match &e.given {
            Some(g) => vec![g.busy.clone(); g.samples.len()],
            None => Vec::new(),
        })
        .collect();
    let mut splits: Vec<Vec<Vec<Split>>> = plan
        .entries
        .iter()
        .map(|e| match &e.given {
            Some(g) => vec![g.split.clone(); g.samples.len()],
            None => Vec::new(),
        })
        .collect();
    let mut times: Vec<Vec<f64>> = plan
        .entries
        .iter()
        .map(|e| {
            e.given
                .as_ref()
                .map(|g| g.samples.clone())
                .unwrap_or_default()
        })
        .collect();
    for round in 0..samples {
        for k in 0..n {
            let i = (k + round) % n;
            if plan.entries[i].given.is_some() {
                continue;
            }
            let v = plan.entries[i].variant;
            progress.message(infos[v].name);
            let before = clock.cpu();
            let o = prepared.run(v, steps[i], clock, None)?;
            times[i].push(o.seconds);
            cpus[i].push(o.cpu);
            busies[i].push(o.busy);
            splits[i].push(o.split);
            let during = Load::since(before, clock);
            loads[i] = Load::sum(loads[i], during);
            progress.inc(1);
        }
    }
    progress.finish();
    let load = Load::since(start, clock);

    let units = |s: usize| s as u64 * prepared.units_per_step();
    let per_unit = |i: usize| {
        Summary::of(&times[i])
            .filter(|_| units(steps[i]) > 0)
            .map(|s| s.per(units(steps[i]) as f64))
    };
    let base_per_unit = match plan.entries.iter().position(|e| e.variant == baseline) {
        Some(i) => per_unit(i),
        None => None,
    };
    let rows = plan
        .entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let info: VariantInfo = infos[e.variant];
            let summary = Summary::of(&times[i]);
            let pu = per_unit(i);
            let speed = match (&base_per_unit, &pu) {
                (Some(b), Some(p)) if p.median > 0.0 => Some(ratio(b, p)),
                _ => None,
            };
            let (checksum, rel_error, exact_error, peak_bytes, expected_wrong) = checks[i].clone();
            // Every run's CPU time, or none: a median of some would mislead.
            let cpu: Option<Vec<f64>> = cpus[i].iter().copied().collect();
            Row {
                variant: info.name,
                what: info.what,
                steps: steps[i],
                full_run: steps[i] == prepared.steps(),
                units: units(steps[i]),
                seconds: summary.map_or(f64::NAN, |s| s.median),
                spread: summary.map_or(f64::NAN, |s| s.spread),
                samples: times[i].clone(),
                units_per_second: pu.filter(|p| p.median > 0.0).map(|p| 1.0 / p.median),
                speedup: speed.map(|s| s.0),
                speedup_spread: speed.map(|s| s.1),
                checksum,
                rel_error,
                matches_reference: rel_error <= lesson.tolerance_of(e.variant),
                expected_wrong,
                cpu_seconds: cpu.and_then(|c| Summary::of(&c)).map(|s| s.median),
                busy: median_run(&times[i])
                    .and_then(|k| busies[i].get(k).cloned())
                    .unwrap_or_default(),
                split: median_run(&times[i])
                    .and_then(|k| splits[i].get(k).cloned())
                    .unwrap_or_default(),
                tolerance: lesson.tolerance_of(e.variant),
                exact_error,
                peak_bytes,
                load: loads[i],
            }
        })
        .collect();
    Ok(Comparison {
        lesson: lesson.name(),
        topic: scope.topic.map(|t| t.name),
        title: scope.topic.map_or(lesson.title(), |t| t.title),
        unit: scope.unit,
        params: params.clone(),
        problem: prepared.describe(),
        full_steps: prepared.steps(),
        baseline: infos[baseline].name,
        reference: infos[reference].name,
        tolerance: lesson.tolerance(),
        rows,
        work: lesson.work(),
        parallel: lesson.parallel(),
        load,
        memory: None,
    })
}

/// The index of the run whose time is the median (the lower middle of an even count).
fn median_run(times: &[f64]) -> Option<usize> {
    let mut order: Vec<usize> = (0..times.len()).collect();
    order.sort_by(|a, b| times[*a].total_cmp(&times[*b]));
    order.get(times.len().saturating_sub(1) / 2).copied()
}

/// timeit's loop: the loop count that makes `target` seconds (or `number` if given), then
/// `repeat` timings of that many loops; returns the loop count and the per-loop seconds.
pub fn timeit(
    prepared: &dyn Prepared,
    variant: usize,
    steps: usize,
    repeat: usize,
    number: Option<u64>,
    target: f64,
    clock: &dyn Clock,
) -> Result<(u64, Given)> {
    let mut err = None;
    let mut values = Vec::new();
    let mut loops = |n: u64| -> f64 {
        let mut total = 0.0;
        for _ in 0..n {
            match prepared.run(variant, steps, clock, None) {
                Ok(o) => {
                    total += o.seconds;
                    values = o.values;
                }
                Err(e) => {
                    err.get_or_insert(e);
                    return f64::INFINITY;
                }
            }
        }
        total
    };
    let number = match number {
        Some(n) => n,
        None => autorange(target, &mut loops).0,
    };
    let start = clock.cpu();
    let progress = Progress::new(repeat as u64, "timeit");
    let mut per_loop = Vec::with_capacity(repeat);
    for _ in 0..repeat {
        per_loop.push(loops(number) / number as f64);
        progress.inc(1);
    }
    progress.finish();
    match err {
        Some(e) => Err(e),
        None => Ok((
            number,
            Given {
                samples: per_loop,
                values,
                load: Load::since(start, clock),
                cpu: Vec::new(),
                busy: Vec::new(),
                split: Vec::new(),
            },
        )),
    }
}
