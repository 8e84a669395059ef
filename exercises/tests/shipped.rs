//! Every exercise binary of this package, as shipped: it builds (cargo builds this
//! package's binaries for its tests) and its kernel, the variant `exercise`, gives the
//! reference's answer at the size `cargo perflab check` grades it at. A student's edit is
//! checked by `check`; this is the starting point every student gets.

use std::path::PathBuf;
use std::process::Command;

/// The binaries this package's manifest declares (`<lesson>-exercise`).
fn binaries() -> Vec<String> {
    let manifest = include_str!("../Cargo.toml");
    manifest
        .lines()
        .filter_map(|l| l.strip_prefix("name = \""))
        .filter_map(|l| l.strip_suffix('"'))
        .filter(|name| name.ends_with("-exercise"))
        .map(str::to_string)
        .collect()
}

#[test]
fn every_shipped_exercise_is_correct() {
    // The test's own binary sits in target/<profile>/deps; the package's binaries one up.
    let dir: PathBuf = std::env::current_exe()
        .unwrap()
        .parent()
        .and_then(|d| d.parent())
        .unwrap()
        .to_path_buf();
    let names = binaries();
    let mut checked = 0;
    for lesson in perflab::lessons::all() {
        let Some(info) = lesson.exercise() else {
            continue;
        };
        let name = format!("{}-exercise", lesson.name());
        if !names.contains(&name) {
            // A lesson whose exercise links a system library (mpi) builds it in its own
            // package.
            continue;
        }
        let mut args = vec![
            "compare".to_string(),
            lesson.name().to_string(),
            "--variants".into(),
            "exercise".into(),
            "--samples".into(),
            "1".into(),
            "--budget".into(),
            "0.01".into(),
        ];
        for p in info.params {
            args.extend(["--param".to_string(), p.to_string()]);
        }
        let o = Command::new(dir.join(&name)).args(&args).output().unwrap();
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(
            o.status.success(),
            "{name} {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&o.stderr)
        );
        let row = out
            .lines()
            .find(|l| l.starts_with("│ exercise "))
            .unwrap_or_else(|| panic!("{name}: no row for the exercise in\n{out}"));
        assert!(
            row.contains('✓'),
            "{name}: the shipped exercise is wrong:\n{out}"
        );
        checked += 1;
    }
    assert_eq!(checked, names.len(), "a binary of {names:?} has no lesson");
}
