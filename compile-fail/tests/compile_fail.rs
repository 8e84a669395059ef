//! The sharing lesson's first point: a data race on a plain integer does not compile.
//! Two threads that both add to one `let mut` count are refused (E0499), and the error is
//! the one kept in `ui/sharing_race.stderr`.

#[test]
fn a_data_race_on_a_plain_integer_does_not_compile() {
    trybuild::TestCases::new().compile_fail("ui/sharing_*.rs");
}
