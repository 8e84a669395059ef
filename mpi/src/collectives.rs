//! (to come)

use crate::{Ctx, Done};

/// Runs the program.
pub fn run(_c: &Ctx) -> Result<Done, String> {
    Err("not written yet".into())
}
