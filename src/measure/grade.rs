//! Grading a speedup: is a kernel at least `target` times faster than a baseline?
//!
//! The two run interleaved (A B A B …), so that a machine whose speed drifts slows both
//! alike, and each round gives one ratio, baseline time over kernel time. The speedup is
//! the median of those ratios, with a distribution-free confidence interval for it: the
//! order statistics that bracket the median with at least the asked-for confidence under
//! the binomial law (no assumption about the shape of the noise). The verdict is a pass
//! when the whole interval is at or above the target, a fail when it is wholly below, and
//! otherwise inconclusive: the machine was too noisy to tell, and the student should run
//! the check again. The numbers always come with the verdict.

use crate::timing::{Clock, sig4};

/// The outcome of a speed check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Verdict {
    /// The speedup is at least the target, with the stated confidence.
    Pass,
    /// The speedup is below the target, with the stated confidence.
    Fail,
    /// The interval straddles the target: the machine was too noisy to tell.
    Inconclusive,
}

/// A graded comparison of a kernel with its baseline.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Grade {
    /// Baseline seconds per round.
    pub baseline: Vec<f64>,
    /// Kernel seconds per round.
    pub kernel: Vec<f64>,
    /// Median of the per-round ratios baseline / kernel.
    pub speedup: f64,
    /// The confidence interval of that median, `(low, high)`.
    pub interval: (f64, f64),
    /// The confidence the interval was built for (e.g. 0.95); with few rounds the
    /// interval is the widest there is, and its real confidence may be lower.
    pub confidence: f64,
    /// The speedup asked for.
    pub target: f64,
    /// Pass, fail or inconclusive.
    pub verdict: Verdict,
    /// What other processes used while the rounds ran, where it was read.
    pub load: Option<crate::timing::load::Load>,
}

impl Grade {
    /// One line with the verdict and its numbers.
    pub fn line(&self) -> String {
        let (lo, hi) = self.interval;
        let numbers = format!(
            "speedup {}× (median of {} interleaved rounds; {:.0} % interval {}–{}×), target {}×",
            sig4(self.speedup),
            self.kernel.len(),
            100.0 * self.confidence,
            sig4(lo),
            sig4(hi),
            // As the lesson states it (5×, 1.3×), not padded to four digits.
            self.target
        );
        match self.verdict {
            Verdict::Pass => format!("✓ fast enough: {numbers}"),
            Verdict::Fail => format!("✗ not fast enough yet: {numbers}"),
            Verdict::Inconclusive => {
                format!("? inconclusive — machine too noisy, rerun: {numbers}")
            }
        }
    }
}

/// Ranks `(k, n − k + 1)` (1-based) of the order statistics that bracket the median of `n`
/// samples with at least `confidence`, or `(1, n)` when `n` is too small for that.
pub fn median_ranks(n: usize, confidence: f64) -> (usize, usize) {
    if n == 0 {
        return (0, 0);
    }
    // [x_(k), x_(n−k+1)] misses the median with probability 2·P(X ≤ k − 1), where
    // X ~ Binomial(n, ½): take the largest k whose tail P(X ≤ k − 1) fits.
    let tail = (1.0 - confidence) / 2.0;
    let mut pmf = 0.5f64.powi(n as i32);
    let mut cdf = 0.0;
    let mut k = 1;
    for j in 0..n {
        cdf += pmf;
        if cdf > tail {
            break;
        }
        k = j + 1;
        pmf *= (n - j) as f64 / (j + 1) as f64;
    }
    let k = k.min(n.div_ceil(2));
    (k, n + 1 - k)
}

/// Grades per-round times already taken (`baseline[i]` and `kernel[i]` from round `i`).
pub fn grade(baseline: Vec<f64>, kernel: Vec<f64>, target: f64, confidence: f64) -> Grade {
    let mut ratios: Vec<f64> = baseline
        .iter()
        .zip(&kernel)
        .map(|(b, k)| b / k.max(f64::MIN_POSITIVE))
        .collect();
    ratios.sort_by(f64::total_cmp);
    let n = ratios.len();
    let speedup = match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => ratios[n / 2],
        _ => 0.5 * (ratios[n / 2 - 1] + ratios[n / 2]),
    };
    let (lo, hi) = median_ranks(n, confidence);
    let interval = if n == 0 {
        (f64::NAN, f64::NAN)
    } else {
        (ratios[lo - 1], ratios[hi - 1])
    };
    let verdict = if interval.0 >= target {
        Verdict::Pass
    } else if interval.1 < target {
        Verdict::Fail
    } else {
        Verdict::Inconclusive
    };
    Grade {
        baseline,
        kernel,
        speedup,
        interval,
        confidence,
        target,
        verdict,
        load: None,
    }
}

/// Runs `baseline` and `kernel` interleaved for `rounds` rounds (A B A B …), timing each
/// with `clock`, and grades the kernel against `target`.
pub fn interleaved(
    rounds: usize,
    clock: &dyn Clock,
    mut baseline: impl FnMut(),
    mut kernel: impl FnMut(),
    target: f64,
    confidence: f64,
) -> Grade {
    let time = |f: &mut dyn FnMut()| {
        let start = clock.now();
        f();
        (clock.now() - start).as_secs_f64()
    };
    let (mut b, mut k) = (Vec::with_capacity(rounds), Vec::with_capacity(rounds));
    let start = clock.cpu();
    for _ in 0..rounds {
        b.push(time(&mut baseline));
        k.push(time(&mut kernel));
    }
    let mut g = grade(b, k, target, confidence);
    g.load = crate::timing::load::Load::since(start, clock);
    g
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timing::FakeClock;
    use std::time::Duration;

    #[test]
    fn median_ranks_follow_the_binomial_law() {
        // Known distribution-free 95 % intervals for the median.
        assert_eq!(median_ranks(5, 0.95), (1, 5));
        assert_eq!(median_ranks(6, 0.95), (1, 6));
        assert_eq!(median_ranks(9, 0.95), (2, 8));
        assert_eq!(median_ranks(10, 0.95), (2, 9));
        assert_eq!(median_ranks(20, 0.95), (6, 15));
        assert_eq!(median_ranks(100, 0.95), (40, 61));
        assert_eq!(median_ranks(1, 0.95), (1, 1));
    }

    /// A kernel that "takes" the given times, one per call, on the fake clock.
    fn scripted<'a>(clock: &'a FakeClock, ms: &'a [f64]) -> impl FnMut() + 'a {
        let mut i = 0;
        move || {
            clock.advance(Duration::from_secs_f64(ms[i % ms.len()] * 1e-3));
            i += 1;
        }
    }

    #[test]
    fn verdicts_are_deterministic_on_a_fake_clock() {
        let clock = FakeClock::new();
        let base = [100.0, 102.0, 98.0, 101.0, 99.0];
        // Steady 4× faster: a pass against 3×, a fail against 5×.
        let fast = [25.0, 25.5, 24.5, 25.2, 24.8];
        let g = interleaved(
            20,
            &clock,
            scripted(&clock, &base),
            scripted(&clock, &fast),
            3.0,
            0.95,
        );
        assert_eq!(g.verdict, Verdict::Pass, "{}", g.line());
        assert!((g.speedup - 4.0).abs() < 0.1);
        assert_eq!(g.kernel.len(), 20);
        let g = interleaved(
            20,
            &clock,
            scripted(&clock, &base),
            scripted(&clock, &fast),
            5.0,
            0.95,
        );
        assert_eq!(g.verdict, Verdict::Fail, "{}", g.line());
        assert!(g.line().starts_with("✗ not fast enough yet: speedup"));
        // Noisy around the target: inconclusive, never a pass by accident.
        let noisy = [20.0, 40.0, 22.0, 38.0, 30.0, 19.0, 41.0];
        let g = interleaved(
            21,
            &clock,
            scripted(&clock, &base),
            scripted(&clock, &noisy),
            3.3,
            0.95,
        );
        assert_eq!(g.verdict, Verdict::Inconclusive, "{}", g.line());
        assert!(g.line().contains("machine too noisy, rerun"));
        assert!(g.interval.0 < 3.3 && g.interval.1 >= 3.3);
    }

    #[test]
    fn grade_reports_the_interval_it_used() {
        let g = grade(
            vec![10.0; 9],
            (1..=9).map(|i| i as f64).collect(),
            2.0,
            0.95,
        );
        // Ratios 10/9 … 10/1, sorted: the median is 10/5 = 2 and ranks (2, 8).
        assert_eq!(g.speedup, 2.0);
        assert_eq!(g.interval, (10.0 / 8.0, 10.0 / 2.0));
        assert_eq!(g.verdict, Verdict::Inconclusive);
    }
}
