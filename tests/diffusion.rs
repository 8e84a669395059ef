//! The diffusion lesson: derived parameters, every variant against the reference, and the
//! scheme against exact answers.

use perflab::lesson::{Lesson, Problem, max_rel_error};
use perflab::lessons::diffusion::{Diffusion, LESSON};
use perflab::timing::RealClock;

fn problem(overrides: &[&str]) -> Diffusion {
    let o: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
    Diffusion::new(&LESSON.parse_params(&o).unwrap()).unwrap()
}

fn run(overrides: &[&str], variant: &str, steps: usize) -> Vec<f64> {
    let o: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
    let prepared = LESSON.prepare(&LESSON.parse_params(&o).unwrap()).unwrap();
    let v = LESSON.variant_index(variant).unwrap();
    prepared
        .run(v, steps, &RealClock::default(), None)
        .unwrap()
        .values
}

#[test]
fn defaults_follow_the_tutorial() {
    let p = problem(&[]);
    assert_eq!((p.nrows, p.npnts), (266, 268));
    assert!((p.dx - 20.0 / 266.0).abs() < 1e-15);
    assert!((p.dt - 0.25 * p.dx * p.dx).abs() < 1e-18);
    assert_eq!(p.nsteps, (10.0 / p.dt).floor() as usize);
    assert_eq!(p.nsteps, 7075);
    assert_eq!(p.nper, (0.5 / p.dt).floor() as usize);
    assert!((p.coef - 0.25).abs() < 1e-15);
    assert_eq!(p.units_per_step(), 266 * 266);
}

#[test]
fn four_peaks_start() {
    let p = problem(&["dx=0.5"]);
    let n = p.npnts;
    let g = p.initial();
    for k in 0..n {
        for v in [g[k], g[(n - 1) * n + k], g[k * n], g[k * n + n - 1]] {
            assert_eq!(v, 0.0, "boundary must be zero");
        }
    }
    assert!(g.iter().all(|&v| (0.0..=1.0).contains(&v)));
    // x = ±5 lies on grid lines 11 and 31 when dx = 0.5: the four peaks, of height 1.
    assert_eq!(p.x(11), -5.0);
    for (i, j) in [(11, 11), (11, 31), (31, 11), (31, 31)] {
        assert!((g[i * n + j] - 1.0).abs() < 1e-12);
    }
    // The middle of the domain is a valley.
    assert!(g[21 * n + 21].abs() < 1e-12);
}

#[test]
fn every_variant_matches_the_reference() {
    for sizes in [["dx=0.5"], ["dx=1.9"], ["dx=6"], ["dx=9"]] {
        for steps in [0, 1, 2, 7, 40] {
            let want = run(&sizes, LESSON.reference(), steps);
            for v in LESSON.variants() {
                let got = run(&sizes, v.name, steps);
                let err = max_rel_error(&got, &want);
                assert!(
                    err <= LESSON.tolerance(),
                    "{} at {sizes:?}, {steps} steps: {err:e}",
                    v.name
                );
            }
        }
    }
}

#[test]
fn parallel_variants_match_with_any_thread_count() {
    for threads in [1, 3, 5] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        for dx in ["dx=0.5", "dx=4", "dx=2.3"] {
            for steps in [1, 17, 50] {
                let want = run(&[dx], "loops", steps);
                for v in ["prange", "parallel"] {
                    let got = pool.install(|| run(&[dx], v, steps));
                    assert!(
                        max_rel_error(&got, &want) <= 1e-12,
                        "{v}, {threads} threads, {dx}, {steps} steps"
                    );
                }
            }
        }
    }
}

#[test]
fn sine_mode_decays_exactly_as_the_scheme_says() {
    // Every variant against the discrete exact answer ρ0·gⁿ, g = 1 − 8·coef·sin²(π·dx/2L).
    let p = problem(&["dx=0.5", "init=mode"]);
    let prepared = LESSON
        .prepare(
            &LESSON
                .parse_params(&["dx=0.5".into(), "init=mode".into()])
                .unwrap(),
        )
        .unwrap();
    for steps in [0, 1, 25, 160] {
        let exact = prepared.exact(steps).unwrap();
        assert_eq!(exact.len(), p.npnts * p.npnts);
        for v in LESSON.variants() {
            let got = run(&["dx=0.5", "init=mode"], v.name, steps);
            let err = max_rel_error(&got, &exact);
            assert!(err < 1e-12, "{} after {steps} steps: {err:e}", v.name);
        }
    }
    // The four-peak start has no exact answer.
    assert!(problem(&["dx=0.5"]).exact(3).is_none());
}

#[test]
fn sine_mode_follows_the_continuum_to_second_order() {
    // The continuum's amplitude is exp(−2π²Dt/L²); the scheme's error is O(dx²): about
    // t·π⁴·dx²/(3L⁴) relative, 4.5e-5 at dx = 0.5 and t = 1. Halving dx quarters it.
    let error = |dx: &str| {
        let p = problem(&[dx, "init=mode", "runtime=1"]);
        let got = run(&[dx, "init=mode", "runtime=1"], "fused", p.nsteps);
        let decay = p.continuum_decay(p.nsteps);
        let want: Vec<f64> = p.initial().iter().map(|v| v * decay).collect();
        max_rel_error(&got, &want)
    };
    let (coarse, fine) = (error("dx=0.5"), error("dx=0.25"));
    assert!(coarse < 1e-4, "dx = 0.5: {coarse:e}");
    assert!(fine < 2.5e-5, "dx = 0.25: {fine:e}");
    let order = (coarse / fine).log2();
    assert!((1.8..2.2).contains(&order), "observed order {order}");
}

#[test]
fn bad_parameters_are_refused_with_the_valid_range() {
    let err = |o: &[&str]| {
        let o: Vec<String> = o.iter().map(|s| s.to_string()).collect();
        LESSON
            .parse_params(&o)
            .and_then(|p| Diffusion::new(&p).map(|_| ()))
            .unwrap_err()
            .to_string()
    };
    assert_eq!(err(&["dx=0"]), "invalid dx = 0: expected a number 0 < x");
    assert_eq!(
        err(&["dx=20"]),
        "invalid dx = 20: expected 0 < dx < x2 − x1 = 20"
    );
    assert_eq!(
        err(&["runtime=-1"]),
        "invalid runtime = -1: expected a number 0 ≤ x"
    );
    assert_eq!(err(&["D=0"]), "invalid D = 0: expected a number 0 < x");
    assert_eq!(err(&["x2=-20"]), "invalid x2 = -20: expected x2 > x1 = -10");
    // Grids too big for the machine are the memory guard's to refuse (tests/memory.rs);
    // past a billion rows the arithmetic itself would not hold.
    assert!(
        err(&["dx=1e-10"]).starts_with(
            "invalid dx = 1e-10: expected dx ≥ 1.9999999980000004e-8 (at most a billion rows"
        ),
        "{}",
        err(&["dx=1e-10"])
    );
    assert!(err(&["runtime=1e300"]).starts_with("invalid runtime = 1e300"));
}

#[test]
fn blocked_is_bit_identical_to_loops_at_any_depth() {
    use perflab::lessons::diffusion::variants::{blocked, loops};
    // Odd and even grids (npnts 268, 43, 25, 12, 5, 3), step counts that the depths do and
    // do not divide, and depths deeper than the run.
    for dx in ["dx=0.075", "dx=0.5", "dx=0.87", "dx=2", "dx=6", "dx=15"] {
        for init in ["init=peaks", "init=mode"] {
            let p = problem(&[dx, init]);
            for steps in [0, 1, 2, 3, 7, 16, 41] {
                let mut want = p.initial();
                loops::run(&p, &mut want, steps);
                for depth in [1, 2, 3, 4, 5, 8, 64] {
                    let mut got = p.initial();
                    blocked::run_depth(&p, &mut got, steps, depth);
                    let differ = got
                        .iter()
                        .zip(&want)
                        .position(|(a, b)| a.to_bits() != b.to_bits());
                    assert_eq!(
                        differ, None,
                        "{dx} {init}, {steps} steps, depth {depth}: first differing cell"
                    );
                }
            }
        }
    }
    // The variant as registered, on the full default run's first 500 steps.
    let (want, got) = (run(&[], "loops", 500), run(&[], "blocked", 500));
    assert!(
        want.iter()
            .zip(&got)
            .all(|(a, b)| a.to_bits() == b.to_bits())
    );
}

#[test]
fn blocked_keeps_whatever_boundary_the_state_has() {
    use perflab::lessons::diffusion::variants::{blocked, loops};
    // loops never writes the boundary, so a non-zero one stays and feeds its neighbours;
    // the blocked sweep must read it the same way at every step level.
    let p = problem(&["dx=0.9"]);
    let n = p.npnts;
    let mut start = p.initial();
    for k in 0..n {
        for c in [k, (n - 1) * n + k, k * n, k * n + n - 1] {
            start[c] = 0.5 + k as f64 / n as f64;
        }
    }
    for steps in [1, 5, 12] {
        let mut want = start.clone();
        loops::run(&p, &mut want, steps);
        for depth in [2, 3, 5] {
            let mut got = start.clone();
            blocked::run_depth(&p, &mut got, steps, depth);
            assert!(
                got.iter()
                    .zip(&want)
                    .all(|(a, b)| a.to_bits() == b.to_bits()),
                "{steps} steps, depth {depth}"
            );
        }
    }
}
