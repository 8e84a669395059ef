//! The ranks' binary runs the way MPI programs run, under `mpirun` with no perflab around
//! it: the ring and the collectives on 3 ranks, each checked by the program itself (its
//! "✓ as the arithmetic says"). Skipped, saying so, where Open MPI's `mpirun` is missing.

use std::process::Command;

#[test]
fn mpirun_runs_the_programs_as_typed() {
    if Command::new("mpirun").arg("--version").output().is_err() {
        eprintln!("no mpirun on this machine (Debian: openmpi-bin): skipped");
        return;
    }
    for program in ["ring", "collectives"] {
        let o = Command::new("mpirun")
            .args([
                "--oversubscribe",
                "-np",
                "3",
                env!("CARGO_BIN_EXE_mpi"),
                program,
            ])
            // Open MPI refuses root unless told; as another user these change nothing.
            .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
            .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
            .output()
            .unwrap();
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(
            o.status.success(),
            "{program}: {out}{}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(out.contains("on 3 ranks"), "{program}: {out}");
        assert!(out.contains("✓ as the arithmetic says"), "{program}: {out}");
    }
}
