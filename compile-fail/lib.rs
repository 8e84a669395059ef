//! Programs the compiler must refuse, each in `ui/` with the error it gives in a
//! `.stderr` file beside it; `tests/compile_fail.rs` checks them with trybuild. The
//! sharing lesson quotes `ui/sharing_race.stderr`.
