//! Distributed diffusion on MPI ranks, through the built `perflab` binary (which launches
//! `mpirun`): the grid gathered to rank 0 is `loops`'s to the bit for every exchange, on
//! 1, 2 and 3 ranks and with deep halos; the sine mode follows its exact decay; a halo
//! deeper than a rank's rows is refused in one line before anything is launched.
//! Every test skips, saying why, where Open MPI is not installed.

use serde_json::Value;
use std::process::Command;

/// Why the tests cannot run here, if they cannot.
fn skip() -> bool {
    match perflab::lessons::mpi::launch::missing() {
        Some(e) => {
            eprintln!("skipped: {e}");
            true
        }
        None => false,
    }
}

/// `perflab compare mpi` of `variants` at `params`, one sample each, as JSON.
fn compare(variants: &str, params: &[&str]) -> Value {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_perflab"));
    cmd.args(["compare", "mpi", "--variants", variants, "--samples", "1"])
        .args(["--format", "json", "-p", "topic=diffusion"]);
    for p in params {
        cmd.args(["-p", p]);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{variants} at {params:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Each of `variants`' entries in a compare's JSON, checked to match `loops` to the bit.
fn assert_bit_identical(json: &Value, variants: &[&str], case: &str) {
    let rows = json["variants"].as_array().unwrap();
    for v in variants {
        let row = rows
            .iter()
            .find(|r| r["variant"] == *v)
            .unwrap_or_else(|| panic!("{case}: no row for {v}"));
        assert_eq!(row["rel_error"].as_f64(), Some(0.0), "{case}: {v}: {row}");
        assert_eq!(row["matches_reference"], true, "{case}: {v}");
    }
}

#[test]
fn ranks_give_the_bits_of_loops_at_the_default_parameters() {
    if skip() {
        return;
    }
    let json = compare("blocking,overlap", &["ranks=2"]);
    assert_eq!(
        json["problem"], "266×266 interior cells, 7075 steps, 2 ranks, halo 1",
        "the lesson's default problem"
    );
    assert_bit_identical(&json, &["blocking", "overlap"], "defaults on 2 ranks");
}

#[test]
fn ranks_give_the_bits_of_loops_on_small_grids_and_deep_halos() {
    if skip() {
        return;
    }
    // 100 rows: blocks of 34, 33, 33 on 3 ranks; 999 steps, so with halo 2 and 7 the last
    // round is shorter than the halo.
    for params in [
        &["dx=0.2", "ranks=3", "halo=2"][..],
        &["dx=0.2", "ranks=3", "halo=7"],
        &["dx=0.2", "ranks=1", "halo=3"],
        &["dx=0.2", "ranks=2", "halo=50"],
    ] {
        let json = compare("blocking,overlap", params);
        assert_bit_identical(&json, &["blocking", "overlap"], &format!("{params:?}"));
    }
}

#[test]
fn the_sine_mode_decays_as_the_exact_answer_says() {
    if skip() {
        return;
    }
    let tolerance = perflab::lessons::diffusion::LESSON.tolerance;
    let json = compare("blocking,overlap", &["init=mode", "dx=0.2", "ranks=3"]);
    for row in json["variants"].as_array().unwrap() {
        let err = row["exact_error"].as_f64();
        assert!(
            err.is_some_and(|e| e <= tolerance),
            "{}: {err:?} from the exact mode, tolerance {tolerance}",
            row["variant"]
        );
    }
}

#[test]
fn a_halo_deeper_than_a_ranks_rows_is_one_line_and_status_2() {
    if skip() {
        return;
    }
    let out = Command::new(env!("CARGO_BIN_EXE_perflab"))
        .args([
            "run",
            "mpi",
            "--variant",
            "blocking",
            "-p",
            "topic=diffusion",
        ])
        .args(["-p", "dx=0.2", "-p", "ranks=3", "-p", "halo=34"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("halo = 34") && err.contains("1 ≤ halo ≤ 33"),
        "{err}"
    );
}
