//! The particle lesson: the book's three-particle test for every stepped variant, every
//! variant against the reference, the exact rotation, and the parameters' edges.

use perflab::lesson::{Lesson, max_rel_error};
use perflab::lessons::particles::{BOOK_AFTER, LESSON};
use perflab::timing::RealClock;

fn run(params: &[&str], variant: &str, steps: Option<usize>) -> Vec<f64> {
    let owned: Vec<String> = params.iter().map(|s| s.to_string()).collect();
    let prepared = LESSON
        .prepare(&LESSON.parse_params(&owned).unwrap())
        .unwrap();
    let v = LESSON.variant_index(variant).unwrap();
    let steps = steps.unwrap_or(prepared.steps());
    prepared
        .run(v, steps, &RealClock::default(), None)
        .unwrap()
        .values
}

const STEPPED: [&str; 5] = ["objects", "structs", "arrays", "typed", "parallel"];

#[test]
fn the_books_test_passes_for_every_stepped_variant() {
    for v in STEPPED {
        let got = run(&["init=book"], v, None);
        for (i, &(x, y)) in BOOK_AFTER.iter().enumerate() {
            assert!(
                (got[2 * i] - x).abs() < 1e-5,
                "{v}: particle {i} x {}",
                got[2 * i]
            );
            assert!(
                (got[2 * i + 1] - y).abs() < 1e-5,
                "{v}: particle {i} y {}",
                got[2 * i + 1]
            );
        }
    }
}

#[test]
fn every_variant_matches_the_reference() {
    for params in [
        &["n=1"][..],
        &["n=37", "dt=0.001"],
        &["n=1000", "dt=0.002", "seed=7"],
    ] {
        let reference = run(params, "typed", None);
        for v in STEPPED {
            let got = run(params, v, None);
            assert_eq!(got, reference, "{v} at {params:?} is not bit-identical");
        }
        let exact = run(params, "exact", None);
        let e = max_rel_error(&exact, &reference);
        assert!(
            e < LESSON.tolerance_of(5) && e > 0.0,
            "exact differs by {e}"
        );
    }
}

#[test]
fn parallel_is_the_same_with_any_number_of_threads() {
    let reference = run(&["n=3000", "dt=0.001"], "typed", None);
    for threads in [1, 3, 5] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let got = pool.install(|| run(&["n=3000", "dt=0.001"], "parallel", None));
        assert_eq!(got, reference, "{threads} threads");
    }
}

#[test]
fn the_stepping_error_against_the_exact_rotation_is_first_order() {
    // Halving the time step halves the drift: the tangent-step scheme is first order.
    let err = |timestep: &str| {
        let p = ["n=50", "dt=0.05", timestep];
        let stepped = run(&p, "typed", None);
        let exact = run(&p, "exact", None);
        max_rel_error(&stepped, &exact)
    };
    let (e1, e2) = (err("timestep=1e-4"), err("timestep=5e-5"));
    let order = (e1 / e2).log2();
    assert!((0.8..1.2).contains(&order), "order {order} ({e1} → {e2})");
}

#[test]
fn steps_truncate_as_pythons_int_does() {
    let steps = |dt: &str| {
        let p = LESSON.parse_params(&[format!("dt={dt}")]).unwrap();
        LESSON.prepare(&p).unwrap().steps()
    };
    assert_eq!(steps("0.1"), 10000);
    assert_eq!(steps("0.3"), 29999);
    assert_eq!(steps("0.01"), 999);
}

#[test]
fn bad_parameters_name_the_value_and_the_range() {
    let err = |args: &[&str]| {
        let owned: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        match LESSON.parse_params(&owned).and_then(|p| LESSON.prepare(&p)) {
            Ok(_) => panic!("{args:?} was accepted"),
            Err(e) => e.to_string(),
        }
    };
    assert!(err(&["n=1.5"]).contains("invalid n = 1.5: expected a whole number"));
    assert!(err(&["n=0"]).contains("invalid n = 0"));
    assert!(
        err(&["timestep=1", "dt=0.1"])
            .contains("invalid timestep = 1: expected 0 < timestep ≤ dt = 0.1")
    );
    assert!(err(&["init=grid"]).contains("invalid init = grid"));
}

/// `asm --callees`, called as a library function: structs' run hands its work to
/// `evolve`, which the summary then covers too, and no function outside the lesson's code
/// is followed.
#[test]
fn asm_follows_the_kernel_into_its_own_callees() {
    use perflab::commands::inspect::{AsmOptions, asm};
    let lesson = perflab::lessons::find("particles").unwrap();
    let show = |callees: bool| {
        let mut out = Vec::new();
        let options = AsmOptions {
            variant: "structs".into(),
            summary: true,
            callees,
        };
        asm(lesson, &options, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    };
    let alone = show(false);
    assert!(!alone.contains("structs::evolve:"), "{alone}");
    assert!(
        alone.contains("structs::evolve"),
        "run calls evolve: {alone}"
    );
    let tree = show(true);
    let heads: Vec<&str> = tree
        .lines()
        .filter(|l| l.contains(" instructions in "))
        .map(|l| l.split(": ").next().unwrap())
        .collect();
    assert!(heads.len() >= 2, "{tree}");
    assert!(heads[0].ends_with("structs::run"), "{tree}");
    assert!(
        heads.iter().any(|h| h.ends_with("structs::evolve")),
        "{tree}"
    );
    assert!(
        heads
            .iter()
            .all(|h| h.starts_with("perflab::lessons::particles::")),
        "followed out of the lesson: {heads:?}"
    );
    assert!(
        tree.contains(&format!("in all, {} functions:", heads.len())),
        "{tree}"
    );
}
