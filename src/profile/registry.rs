//! What the function and line profilers share: numbering their static sites on first use,
//! the registries of sites and of per-thread records, and how a site is named.

use std::sync::atomic::{AtomicU32, Ordering::Relaxed};
use std::sync::{Mutex, MutexGuard};

/// Locks a registry; a poisoned lock only means a thread panicked while holding it, and
/// the list itself is whole.
pub(crate) fn lock<T>(m: &'static Mutex<T>) -> MutexGuard<'static, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The registered sites of one profiler, numbered from 1 in the order they first ran.
pub(crate) type Sites<T> = Mutex<Vec<&'static T>>;

/// `site`'s number (from 1) in `sites`, registering it on first use; `id` is the site's
/// own cache of its number (0 until registered).
#[inline]
pub(crate) fn id_of<T>(site: &'static T, id: &AtomicU32, sites: &'static Sites<T>) -> u32 {
    match id.load(Relaxed) {
        0 => register(site, id, sites),
        n => n,
    }
}

#[cold]
fn register<T>(site: &'static T, id: &AtomicU32, sites: &'static Sites<T>) -> u32 {
    let mut all = lock(sites);
    match id.load(Relaxed) {
        0 => {
            all.push(site);
            let n = all.len() as u32;
            id.store(n, Relaxed);
            n
        }
        n => n,
    }
}

/// A function's display name: its module's last segment and its own (`nested::step`).
pub(crate) fn qualified(module: &str, name: &str) -> String {
    let last = module.rsplit("::").next().unwrap_or(module);
    format!("{last}::{name}")
}

/// A source path as `file!()` gives it, tidied (`src/../lessons/x.rs` → `lessons/x.rs`).
pub(crate) fn display_file(file: &str) -> String {
    crate::profile::sample::tidy(file.as_ref())
        .display()
        .to_string()
}

/// Whether the qualified name `full` is `name` or ends with `::name`.
pub(crate) fn name_matches(full: &str, name: &str) -> bool {
    full == name
        || full
            .strip_suffix(name)
            .is_some_and(|rest| rest.ends_with("::"))
}
