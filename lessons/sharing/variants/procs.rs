//! The count shared between worker PROCESSES, as in the tutorials' `multiprocessing`
//! example: a memory-mapped file that every worker maps, the count an atomic in the
//! mapping. The workers are started with procspawn (which runs this executable again and
//! sends each worker its arguments, serialized); each returns its busy seconds, which the
//! thread that waited for it records.
#![allow(unsafe_code)] // mapping a file, and an atomic in the mapping: see the SAFETY notes

use super::{Sharing, per_thread};
use crate::timing::busy;
use memmap2::MmapMut;
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Instant;

/// Bytes of the shared file: the count at offset 0, the start line at offset [`READY`].
const LEN: u64 = 4096;
/// Where the count of workers ready to start lives, two cache lines from the count.
const READY: usize = 128;

/// What each worker process is sent.
#[derive(serde::Serialize, serde::Deserialize)]
struct Job {
    /// The shared file.
    path: std::path::PathBuf,
    /// Increments to make.
    n: u64,
    /// Workers in all, to wait for at the start line.
    workers: u64,
    /// Load-then-store (true) or fetch_add (false).
    racy: bool,
}

/// The count and the start line in a mapping of the shared file.
fn atomics(map: &mut MmapMut) -> (&AtomicU64, &AtomicU64) {
    assert!(map.len() >= LEN as usize);
    let base = map.as_mut_ptr();
    // SAFETY: the mapping is page-aligned and LEN bytes long, so both 8-byte words are
    // in it and aligned; they are only ever accessed as atomics (here, in the parent, and
    // in every other worker's mapping of the same file), and the references borrow `map`,
    // so they cannot outlive the mapping.
    unsafe {
        (
            AtomicU64::from_ptr(base.cast()),
            AtomicU64::from_ptr(base.add(READY).cast()),
        )
    }
}

/// Maps the shared file.
fn map(file: &std::fs::File) -> std::io::Result<MmapMut> {
    // SAFETY: the file is this run's own temporary file; no process truncates it while it
    // is mapped, and its contents are only accessed as atomics.
    unsafe { MmapMut::map_mut(file) }
}

/// One worker process: maps the file, waits until every worker is ready, counts, and
/// returns the seconds it spent counting.
fn worker(job: Job) -> Result<f64, String> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&job.path)
        .map_err(|e| format!("{}: {e}", job.path.display()))?;
    let mut mapping = map(&file).map_err(|e| format!("mmap: {e}"))?;
    let (count, ready) = atomics(&mut mapping);
    ready.fetch_add(1, Relaxed);
    while ready.load(Relaxed) < job.workers {
        std::thread::yield_now();
    }
    let start = Instant::now();
    if job.racy {
        for _ in 0..job.n {
            let seen = count.load(Relaxed);
            count.store(seen + black_box(1), Relaxed);
        }
    } else {
        for _ in 0..job.n {
            count.fetch_add(black_box(1), Relaxed);
        }
    }
    Ok(start.elapsed().as_secs_f64())
}

/// Runs `p.threads` worker processes on one shared count; adds the count to `state[0]`.
fn on_processes(p: &Sharing, state: &mut [f64], steps: usize, racy: bool) {
    let n = per_thread(p, steps);
    // Shared memory where there is a memory file system, else the temporary directory.
    let dir = std::path::Path::new("/dev/shm");
    let file = if dir.is_dir() {
        tempfile::NamedTempFile::new_in(dir)
    } else {
        tempfile::NamedTempFile::new()
    }
    .and_then(|f| f.as_file().set_len(LEN).map(|()| f))
    .unwrap_or_else(|e| panic!("the shared file: {e}"));
    let mut mapping = map(file.as_file()).unwrap_or_else(|e| panic!("mmap: {e}"));
    std::thread::scope(|s| {
        for _ in 0..p.threads {
            let job = Job {
                path: file.path().to_path_buf(),
                n,
                workers: p.threads as u64,
                racy,
            };
            s.spawn(move || match procspawn::spawn(job, worker).join() {
                Ok(Ok(seconds)) => busy::add(seconds),
                Ok(Err(e)) => panic!("a worker process failed: {e}"),
                Err(e) => panic!("a worker process failed: {e}"),
            });
        }
    });
    let (count, _) = atomics(&mut mapping);
    state[0] += count.load(Relaxed) as f64;
}

#[perflab::instrument]
pub(super) fn racy(p: &Sharing, state: &mut Vec<f64>, steps: usize) {
    on_processes(p, state, steps, true)
}

#[perflab::instrument]
pub(super) fn atomic(p: &Sharing, state: &mut Vec<f64>, steps: usize) {
    on_processes(p, state, steps, false)
}
