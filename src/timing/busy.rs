//! Each worker's busy time: how long every thread (or worker process, reporting back)
//! spent on its share of a parallel run, so that tables show overhead and imbalance, not
//! only a speedup. A kernel wraps each worker's share in [`busy`]; the engine calls
//! [`take`] before and after a run and reports the seconds per worker.
//!
//! Each thread adds to a slot of its own (one relaxed atomic add per section), so that a
//! worker timing many small sections does not contend on a lock; the slots of threads
//! that have ended are read once more and then dropped.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Every thread's slot of busy nanoseconds, in the order the threads first reported.
static SLOTS: Mutex<Vec<Arc<AtomicU64>>> = Mutex::new(Vec::new());

thread_local! {
    static SLOT: Arc<AtomicU64> = {
        let slot = Arc::new(AtomicU64::new(0));
        SLOTS.lock().unwrap_or_else(|e| e.into_inner()).push(slot.clone());
        slot
    };
}

/// Runs `f`, counting the wall time it takes as this thread's busy time.
pub fn busy<R>(f: impl FnOnce() -> R) -> R {
    let start = Instant::now();
    let r = f();
    add(start.elapsed().as_secs_f64());
    r
}

/// Adds `seconds` to this thread's busy time: for a worker process's time, measured
/// there and sent back, counted on the thread that waited for it.
pub fn add(seconds: f64) {
    let nanos = (seconds.max(0.0) * 1e9) as u64;
    SLOT.with(|s| s.fetch_add(nanos, Ordering::Relaxed));
}

/// The busy seconds of every worker that reported since the last call, in the order the
/// workers first reported, and zero for all of them again.
pub fn take() -> Vec<f64> {
    let mut slots = SLOTS.lock().unwrap_or_else(|e| e.into_inner());
    let seconds = slots
        .iter()
        .map(|s| s.swap(0, Ordering::Relaxed) as f64 * 1e-9)
        .collect::<Vec<f64>>();
    let mut kept = Vec::new();
    let mut out = Vec::new();
    for (slot, s) in slots.drain(..).zip(seconds) {
        if s > 0.0 {
            out.push(s);
        }
        // A slot only this list holds belongs to a thread that has ended.
        if Arc::strong_count(&slot) > 1 {
            kept.push(slot);
        }
    }
    *slots = kept;
    out
}

/// How unequal the workers' shares were: the busiest worker's time over the mean, less
/// one (0 for a perfect balance; 0.5 where the busiest worked half again the mean).
pub fn imbalance(busy: &[f64]) -> Option<f64> {
    let mean = busy.iter().sum::<f64>() / busy.len() as f64;
    let max = busy.iter().copied().fold(0.0, f64::max);
    (busy.len() > 1 && mean > 0.0).then(|| max / mean - 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_thread_reports_its_own_time() {
        // Other tests may run sections too: look only for ours, by their sizes.
        take();
        std::thread::scope(|s| {
            for ms in [30u64, 60] {
                s.spawn(move || busy(|| std::thread::sleep(std::time::Duration::from_millis(ms))));
            }
        });
        let got = take();
        let near = |want: f64| got.iter().any(|g| (g - want).abs() < 0.02);
        assert!(near(0.03) && near(0.06), "{got:?}");
        // Taken: nothing left, and the ended threads' slots are gone.
        assert!(take().iter().all(|g| *g < 0.02));
        assert!(imbalance(&[1.0, 1.0]) == Some(0.0));
        assert!((imbalance(&[1.0, 2.0]).unwrap() - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(imbalance(&[1.0]), None);
    }
}
