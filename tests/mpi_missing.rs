//! A machine without Open MPI: perflab lists the mpi lesson and tours past it with one
//! line naming the packages to install, and refuses to run it with that line and exit
//! status 2. (One test in this file: it empties the PATH of its own process.)

use perflab::commands::Timing;
use perflab::commands::tour::{TourOptions, tour};
use perflab::lesson::Lesson;
use perflab::lessons::mpi::LESSON;
use perflab::timing::RealClock;

#[test]
fn without_mpirun_the_lesson_is_a_note_not_a_failure() {
    let empty = tempfile::tempdir().unwrap();
    // SAFETY: this test binary runs one test, so no other thread reads the environment.
    #[allow(unsafe_code)]
    unsafe {
        std::env::set_var("PATH", empty.path());
    }
    let missing = LESSON
        .missing()
        .expect("no mpirun on an empty PATH")
        .to_string();
    assert!(
        missing.contains("apt-get install openmpi-bin libopenmpi-dev libclang-dev"),
        "{missing}"
    );

    let mut listed = Vec::new();
    perflab::commands::list::list(&[&LESSON], &mut listed).unwrap();
    let listed = String::from_utf8(listed).unwrap();
    assert!(
        listed.contains(&format!("  not runnable here: {missing}")),
        "{listed}"
    );

    let out = tempfile::tempdir().unwrap();
    let options = TourOptions {
        out: Some(out.path().join("tour")),
        timing: Timing::default(),
        quick: false,
    };
    let mut printed = Vec::new();
    tour(&[&LESSON], &options, &RealClock::default(), &mut printed).unwrap();
    let printed = String::from_utf8(printed).unwrap();
    assert!(
        printed.contains(&format!("mpi — not run: {missing}")),
        "{printed}"
    );
    let page = std::fs::read_to_string(out.path().join("tour/index.html")).unwrap();
    assert!(page.contains("<section id=\"mpi\">"), "{page}");
    assert!(page.contains("not run: the mpi lesson needs Open MPI"));

    // `run` says the same in one line, exit status 2, from the real binary.
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_perflab"))
        .args(["run", "mpi", "--ranks", "2"])
        .env("PATH", empty.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("apt-get install openmpi-bin"), "{err}");
}
