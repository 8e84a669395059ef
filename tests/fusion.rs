//! The fusion lesson: every variant gives the fused loop's bits for both expressions, on
//! any number of threads, and the results are what mathematics says.

use perflab::lesson::{Lesson, max_rel_error};
use perflab::lessons::fusion::LESSON;
use perflab::timing::RealClock;

fn run(params: &[&str], variant: &str) -> Vec<f64> {
    let owned: Vec<String> = params.iter().map(|s| s.to_string()).collect();
    let prepared = LESSON
        .prepare(&LESSON.parse_params(&owned).unwrap())
        .unwrap();
    let v = LESSON.variant_index(variant).unwrap();
    prepared
        .run(v, prepared.steps(), &RealClock::default(), None)
        .unwrap()
        .values
}

#[test]
fn every_variant_gives_the_same_bits() {
    for params in [
        &["n=1"][..],
        &["n=100003", "repeat=2"],
        &["expr=distance", "points=1"],
        &["expr=distance", "points=257", "seed=3"],
    ] {
        let reference = run(params, "fused");
        assert!(reference.iter().all(|v| v.is_finite()), "{params:?}");
        for v in LESSON.variants() {
            assert_eq!(run(params, v.name), reference, "{} at {params:?}", v.name);
        }
    }
}

#[test]
fn results_are_what_mathematics_says() {
    // a² + b² + 2ab = (a + b)², to rounding.
    let owned = vec!["n=50000".to_string()];
    let prepared = LESSON
        .prepare(&LESSON.parse_params(&owned).unwrap())
        .unwrap();
    let got = prepared
        .run(1, 1, &RealClock::default(), None)
        .unwrap()
        .values;
    let exact = prepared.exact(1).unwrap();
    assert!(max_rel_error(&got, &exact) < 1e-15);
    // Distances: zero on the diagonal, symmetric, and the triangle inequality holds.
    let n = 60;
    let d = run(&["expr=distance", "points=60"], "parallel");
    for i in 0..n {
        assert_eq!(d[i * n + i], 0.0);
        for j in 0..n {
            assert_eq!(d[i * n + j], d[j * n + i]);
            assert!(d[i * n + j] <= d[i * n + 7] + d[7 * n + j] + 1e-12);
        }
    }
}

#[test]
fn parallel_variants_agree_on_any_pool() {
    let reference = run(&["n=300000"], "fused");
    for threads in [1, 3] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        assert_eq!(pool.install(|| run(&["n=300000"], "parallel")), reference);
    }
}

#[test]
fn bad_sizes_are_refused_with_the_range() {
    let err = |args: &[&str]| {
        let owned: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        match LESSON.parse_params(&owned).and_then(|p| LESSON.prepare(&p)) {
            Ok(_) => panic!("{args:?} accepted"),
            Err(e) => e.to_string(),
        }
    };
    assert!(err(&["n=2.5"]).contains("invalid n = 2.5: expected a whole number"));
    assert!(err(&["n=0"]).contains("invalid n = 0"));
    assert!(err(&["points=20000"]).contains("invalid points = 20000"));
    assert!(err(&["expr=cube"]).contains("invalid expr = cube"));
}
