//! The profilers' clock: raw CPU timestamp counter reads through `quanta`, a few
//! nanoseconds each where the CPU has an invariant TSC (this machine does), converted to
//! nanoseconds only when a profile is collected.

use std::sync::OnceLock;

fn clock() -> &'static quanta::Clock {
    static CLOCK: OnceLock<quanta::Clock> = OnceLock::new();
    CLOCK.get_or_init(quanta::Clock::new)
}

/// The clock, calibrated once. Profilers call this before they enable themselves, so the
/// calibration never lands inside a measurement.
pub fn init() {
    clock();
}

/// A raw timestamp, in ticks.
#[inline(always)]
pub fn now() -> u64 {
    clock().raw()
}

/// Ticks (a difference, or a sum of differences) in seconds.
pub fn seconds(ticks: u64) -> f64 {
    clock().delta_as_nanos(0, ticks) as f64 * 1e-9
}
