//! The laplace lesson: each algorithm's variants give their reference's bits (and the
//! same error sums), the three algorithms are really three (different iterates), each
//! converges to the exact harmonic solution, Gauss–Seidel needs about half of Jacobi's
//! sweeps to a tolerance, and bad parameters are refused with one line.

use perflab::lesson::{Lesson, Problem};
use perflab::lessons::laplace::{Grid, LESSON, Laplace};
use std::process::Command;

fn problem(params: &[&str]) -> Laplace {
    let owned: Vec<String> = params.iter().map(|s| s.to_string()).collect();
    Laplace::new(&LESSON.parse_params(&owned).unwrap()).unwrap()
}

/// Runs variant `name` on a fresh grid for the problem's full run.
fn solve(p: &Laplace, name: &str) -> Grid {
    let v = LESSON
        .variants
        .iter()
        .find(|v| v.info.name == name)
        .unwrap_or_else(|| panic!("no variant {name}"));
    let mut state = p.initial();
    (v.kernel)(p, &mut state, p.steps());
    state
}

fn max_diff(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

/// The three orders written as plainly as possible, on rows, independently of the
/// lesson's code: one sweep, returning its error sum.
fn naive_sweep(u: &mut [Vec<f64>], order: &str) -> f64 {
    let n = u.len();
    let old: Vec<Vec<f64>> = u.to_vec();
    let mut err = 0.0;
    let visit = |u: &mut [Vec<f64>], i: usize, j: usize| {
        // Jacobi reads the copy; the in-place orders read the grid as it is now.
        let src: &[Vec<f64>] = if order == "jacobi" { &old } else { u };
        let new = 0.25 * (((src[i - 1][j] + src[i + 1][j]) + src[i][j - 1]) + src[i][j + 1]);
        let d = new - u[i][j];
        u[i][j] = new;
        d * d
    };
    if order == "redblack" {
        for colour in 0..2 {
            for i in 1..n - 1 {
                let mut row = 0.0;
                for j in 1..n - 1 {
                    if (i + j) % 2 == colour {
                        row += visit(u, i, j);
                    }
                }
                err += row;
            }
        }
    } else {
        for i in 1..n - 1 {
            for j in 1..n - 1 {
                err += visit(u, i, j);
            }
        }
    }
    err
}

fn naive(p: &Laplace, order: &str) -> (Vec<f64>, Vec<f64>) {
    let n = p.n;
    let start = p.initial().u;
    let mut u: Vec<Vec<f64>> = start.chunks(n).map(|r| r.to_vec()).collect();
    let errors = (0..p.steps()).map(|_| naive_sweep(&mut u, order)).collect();
    (u.concat(), errors)
}

const GAUSS_SEIDEL: &[&str] = &["objects", "inplace", "c"];
const JACOBI: &[&str] = &["slices", "jacobi"];
const RED_BLACK: &[&str] = &["rbserial", "redblack"];

#[test]
fn every_variant_gives_its_algorithms_bits_and_error_sums() {
    for params in [
        &["n=3", "iterations=3"][..],
        &["n=4", "iterations=5"],
        &["n=37", "iterations=11"],
        &["n=100", "iterations=4"],
    ] {
        let p = problem(params);
        for (order, variants) in [
            ("gaussseidel", GAUSS_SEIDEL),
            ("jacobi", JACOBI),
            ("redblack", RED_BLACK),
        ] {
            let (want, errors) = naive(&p, order);
            for v in variants {
                let got = solve(&p, v);
                assert!(
                    got.u == want,
                    "{params:?} {v}: not the {order} order's bits"
                );
                assert_eq!(got.errors.len(), p.steps(), "{params:?} {v}");
                for (k, (e, w)) in got.errors.iter().zip(&errors).enumerate() {
                    // ndarray adds `slices`' squares in another order.
                    let tol = if *v == "slices" { 1e-12 * w.abs() } else { 0.0 };
                    assert!((e - w).abs() <= tol, "{params:?} {v} sweep {k}: {e} vs {w}");
                }
            }
        }
    }
}

#[test]
fn redblack_gives_the_serial_bits_on_any_pool() {
    let p = problem(&["n=203", "iterations=6"]);
    let want = solve(&p, "rbserial");
    for threads in [1, 2, 3, 7] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let got = pool.install(|| solve(&p, "redblack"));
        assert!(got == want, "{threads} threads");
    }
}

#[test]
fn the_three_orders_are_three_algorithms() {
    // The seed's loop (in place) and its NumPy version (from a copy) give different
    // iterates: they must not be compared with each other bit for bit.
    let p = problem(&["n=30", "iterations=10"]);
    let gs = solve(&p, "inplace").u;
    let jacobi = solve(&p, "slices").u;
    let rb = solve(&p, "rbserial").u;
    assert!(max_diff(&gs, &jacobi) > 1e-2, "{}", max_diff(&gs, &jacobi));
    assert!(max_diff(&gs, &rb) > 1e-3, "{}", max_diff(&gs, &rb));
    assert!(max_diff(&jacobi, &rb) > 1e-2, "{}", max_diff(&jacobi, &rb));
    // The toolkit checks each against its own topic's reference.
    for (topic, reference) in [
        ("gaussseidel", "inplace"),
        ("jacobi", "jacobi"),
        ("redblack", "rbserial"),
    ] {
        let t = LESSON.topics().iter().find(|t| t.name == topic).unwrap();
        assert_eq!(t.reference, reference);
    }
}

#[test]
fn every_algorithm_converges_to_the_exact_solution() {
    // u = 1 + x² − y² is harmonic and the 5-point stencil is exact on quadratics, so the
    // discrete solution is the exact one: what is left is the tolerance's remainder.
    let p = problem(&["n=24", "stop=tolerance", "tol=1e-13", "iterations=100000"]);
    let exact = p.exact(0).expect("an exact answer with stop=tolerance");
    for v in GAUSS_SEIDEL.iter().chain(JACOBI).chain(RED_BLACK) {
        let got = solve(&p, v);
        assert!(got.converged, "{v} did not reach the tolerance");
        let e = max_diff(&got.u, &exact);
        assert!(e < 1e-10, "{v}: {e:e} from the exact solution");
    }
    // A fixed number of sweeps is still far from it.
    let early = solve(&problem(&["n=24", "iterations=10"]), "inplace");
    assert!(max_diff(&early.u, &exact) > 0.1);
}

/// Sweeps until √(error sum) < tol.
fn sweeps_to(n: usize, tol: &str, variant: &str) -> usize {
    let p = problem(&[
        &format!("n={n}"),
        "stop=tolerance",
        &format!("tol={tol}"),
        "iterations=1000000",
    ]);
    let got = solve(&p, variant);
    assert!(got.converged, "{variant}");
    // Each sweep changed the grid less than the one before, after the first few.
    got.errors.len()
}

#[test]
fn gauss_seidel_needs_about_half_of_jacobis_sweeps() {
    for n in [20, 40, 60] {
        let jacobi = sweeps_to(n, "1e-6", "jacobi");
        let gs = sweeps_to(n, "1e-6", "inplace");
        let rb = sweeps_to(n, "1e-6", "rbserial");
        println!("n={n}: Jacobi {jacobi} sweeps, Gauss–Seidel {gs}, red-black {rb}");
        let ratio = gs as f64 / jacobi as f64;
        assert!(
            (0.4..0.6).contains(&ratio),
            "n={n}: {gs}/{jacobi} = {ratio}"
        );
        let rb_ratio = rb as f64 / jacobi as f64;
        assert!((0.4..0.6).contains(&rb_ratio), "n={n}: {rb}/{jacobi}");
        // The same algorithm's variants stop at the same sweep.
        assert_eq!(sweeps_to(n, "1e-6", "slices"), jacobi);
        assert_eq!(sweeps_to(n, "1e-6", "c"), gs);
        assert_eq!(sweeps_to(n, "1e-6", "redblack"), rb);
    }
}

fn laplace_bin(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_laplace"))
        .args(args)
        .env(
            "PERFLAB_REPORTS",
            std::env::temp_dir().join("perflab-laplace-test"),
        )
        .env("RAYON_NUM_THREADS", "2")
        .output()
        .unwrap()
}

#[test]
fn bad_parameters_are_refused_with_one_line() {
    for (args, says) in [
        (&["run", "--param", "n=2"][..], "invalid n = 2"),
        (
            &["run", "--param", "n=2.5"],
            "invalid n = 2.5: expected a whole number",
        ),
        (
            &["run", "--param", "iterations=0"],
            "invalid iterations = 0",
        ),
        (&["run", "--param", "stop=never"], "invalid stop = never"),
        (&["run", "--param", "tol=0"], "invalid tol = 0"),
        (&["run", "--param", "topic=sor"], "invalid topic = sor"),
        (
            &["run", "--variant", "slices", "--param", "topic=gaussseidel"],
            "slices",
        ),
    ] {
        let out = laplace_bin(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
}

#[test]
fn json_reports_the_check_cpu_and_workers() {
    let out = laplace_bin(&[
        "compare",
        "--param",
        "topic=redblack",
        "--param",
        "n=120",
        "--param",
        "iterations=20",
        "--samples",
        "1",
        "--format",
        "json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let variants = json["variants"].as_array().unwrap();
    assert_eq!(variants.len(), 2);
    for v in variants {
        assert_eq!(v["matches_reference"], true, "{v}");
        assert_eq!(v["rel_error"], 0.0, "{v}");
        assert!(v["cpu_seconds"].as_f64().unwrap() > 0.0, "{v}");
    }
    let rb = variants
        .iter()
        .find(|v| v["variant"] == "redblack")
        .unwrap();
    let busy = rb["busy"].as_array().unwrap();
    assert!((1..=2).contains(&busy.len()), "{busy:?}");
    // With a tolerance the exact answer is shown, and a converged grid is on it.
    let out = laplace_bin(&[
        "run",
        "--variant",
        "inplace",
        "--param",
        "n=20",
        "--param",
        "stop=tolerance",
        "--param",
        "tol=1e-12",
        "--param",
        "iterations=100000",
        "--format",
        "json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let text = json.to_string();
    assert!(text.contains("exact_error"), "{text}");
}
