//! The line profiler: line_profiler's (kernprof -l -v) role, with memory_profiler's
//! per-line columns.
//!
//! `#[perflab::profile]` on a function keeps its body twice: as written, run when no
//! [`Session`] is on, and with a [`mark`] before every statement (and at the end of every
//! loop body, so a loop's own line collects the time of stepping its iterator, as
//! kernprof's `for` line does). Each mark reads the clock once and charges the time since
//! the previous mark to the previous line, like line_profiler's trace function; it also
//! charges the bytes this thread allocated and freed in between (from the tracking
//! allocator) and notes the live heap. A call to another profiled function is charged to
//! the calling line, callee included.

use crate::profile::registry::{Sites, display_file, id_of, lock, name_matches, qualified};
use crate::profile::{alloc, ticks};
use crate::timing::{format_seconds, format_si};
use parking_lot::lock_api::ArcMutexGuard;
use parking_lot::{Mutex, RawMutex};
use std::cell::RefCell;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering::Relaxed};
use std::sync::{Arc, MutexGuard};

/// A function under `#[perflab::profile]`, with its source. One static per function.
pub struct LineFn {
    name: &'static str,
    module: &'static str,
    file: &'static str,
    first_line: u32,
    source: &'static str,
    lines: u32,
    id: AtomicU32,
}

impl LineFn {
    /// The function `name` in `module`, whose source (`lines` lines starting at
    /// `first_line` of `file`) is `source`.
    pub const fn new(
        name: &'static str,
        module: &'static str,
        file: &'static str,
        first_line: u32,
        source: &'static str,
        lines: u32,
    ) -> LineFn {
        LineFn {
            name,
            module,
            file,
            first_line,
            source,
            lines,
            id: AtomicU32::new(0),
        }
    }

    #[inline]
    fn id(&'static self) -> u32 {
        id_of(self, &self.id, &FUNCTIONS)
    }
}

static ENABLED: AtomicBool = AtomicBool::new(false);
static FUNCTIONS: Sites<LineFn> = Sites::new(Vec::new());
static THREADS: std::sync::Mutex<Vec<Arc<Mutex<Records>>>> = std::sync::Mutex::new(Vec::new());
static SESSION: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Whether a session is recording: the profiled copy of a function runs only then.
#[inline(always)]
pub fn enabled() -> bool {
    ENABLED.load(Relaxed)
}

/// One line's numbers.
#[derive(Debug, Clone, Default)]
struct LineRec {
    hits: u64,
    ticks: u64,
    bytes: i64,
    allocations: u64,
    mem: i64,
}

#[derive(Debug, Clone, Default)]
struct FnRec {
    calls: u64,
    ticks: u64,
    lines: Vec<LineRec>,
}

/// One thread's records, indexed by function id − 1.
#[derive(Debug, Default)]
struct Records {
    fns: Vec<FnRec>,
}

#[derive(Clone, Copy)]
struct Cursor {
    func: u32,
    line: u32,
    entered: u64,
    t: u64,
    bytes: i64,
    allocations: u64,
}

const NO_LINE: u32 = u32::MAX;

struct Local {
    records: Arc<Mutex<Records>>,
    held: Option<ArcMutexGuard<RawMutex, Records>>,
    current: Option<Cursor>,
    stack: Vec<Option<Cursor>>,
}

thread_local! {
    static LOCAL: RefCell<Local> = RefCell::new({
        let records = Arc::new(Mutex::new(Records::default()));
        lock(&THREADS).push(Arc::clone(&records));
        Local { records, held: None, current: None, stack: Vec::with_capacity(16) }
    });
}

impl Local {
    /// Charges what happened since the cursor's last mark to its line.
    #[inline(always)]
    fn charge(&mut self, t: u64, bytes: i64, allocations: u64) {
        let (Some(c), Some(records)) = (self.current.as_mut(), self.held.as_mut()) else {
            return;
        };
        if c.line != NO_LINE {
            let f = &mut records.fns[c.func as usize - 1];
            if let Some(l) = f.lines.get_mut(c.line as usize) {
                l.ticks += t.saturating_sub(c.t);
                l.bytes += bytes - c.bytes;
                l.allocations += allocations - c.allocations;
                l.mem = l.mem.max(alloc::live_batched());
            }
        }
        c.t = t;
        c.bytes = bytes;
        c.allocations = allocations;
    }
}

/// An open call of a profiled function.
#[must_use = "the call's last line is charged when the guard is dropped"]
pub struct FnGuard {
    active: bool,
}

/// Opens a call of `f`: what `#[perflab::profile]` puts at the top of the profiled copy.
#[inline]
pub fn enter(f: &'static LineFn) -> FnGuard {
    let id = f.id();
    let active = LOCAL
        .try_with(|local| {
            // What the bookkeeping below allocates is the profiler's, not the caller's line's.
            let before = alloc::thread_counts();
            let mut guard = local.borrow_mut();
            let l = &mut *guard;
            let outer = l.current.take();
            if outer.is_none() && l.stack.is_empty() {
                l.held = Some(l.records.lock_arc());
            }
            l.stack.push(outer);
            let records = l.held.as_mut().expect("held while a call is open");
            if records.fns.len() < id as usize {
                records.fns.resize_with(id as usize, FnRec::default);
            }
            let rec = &mut records.fns[id as usize - 1];
            if rec.lines.len() < f.lines as usize {
                rec.lines.resize_with(f.lines as usize, LineRec::default);
            }
            let (bytes, allocations) = alloc::thread_counts();
            if let Some(Some(outer)) = l.stack.last_mut() {
                outer.bytes += bytes - before.0;
                outer.allocations += allocations - before.1;
            }
            let t = ticks::now();
            l.current = Some(Cursor {
                func: id,
                line: NO_LINE,
                entered: t,
                t,
                bytes,
                allocations,
            });
        })
        .is_ok();
    FnGuard { active }
}

/// Marks the start of the statement on line `first_line + offset` of the current
/// profiled function.
#[inline]
pub fn mark(offset: u32) {
    let t = ticks::now();
    let (bytes, allocations) = alloc::thread_counts();
    let _ = LOCAL.try_with(|local| {
        let mut guard = local.borrow_mut();
        let l = &mut *guard;
        l.charge(t, bytes, allocations);
        if let (Some(c), Some(records)) = (l.current.as_mut(), l.held.as_mut()) {
            c.line = offset;
            let f = &mut records.fns[c.func as usize - 1];
            if let Some(line) = f.lines.get_mut(offset as usize) {
                line.hits += 1;
            }
        }
    });
}

impl Drop for FnGuard {
    #[inline]
    fn drop(&mut self) {
        if !self.active {
            return;
        }
        let t = ticks::now();
        let (bytes, allocations) = alloc::thread_counts();
        let _ = LOCAL.try_with(|local| {
            let mut guard = local.borrow_mut();
            let l = &mut *guard;
            l.charge(t, bytes, allocations);
            if let (Some(c), Some(records)) = (l.current, l.held.as_mut()) {
                let f = &mut records.fns[c.func as usize - 1];
                f.calls += 1;
                f.ticks += t.saturating_sub(c.entered);
            }
            l.current = l.stack.pop().flatten();
            if l.current.is_none() && l.stack.is_empty() {
                l.held = None;
            }
        });
    }
}

/// A line-profiling session, from [`Session::start`] to [`Session::finish`]; one at a
/// time.
pub struct Session {
    _one_at_a_time: MutexGuard<'static, ()>,
}

impl Session {
    /// Clears earlier records and starts recording.
    pub fn start() -> Session {
        let one = lock(&SESSION);
        ticks::init();
        let _ = alloc::installed();
        for r in lock(&THREADS).iter() {
            *r.lock() = Records::default();
        }
        ENABLED.store(true, Relaxed);
        Session {
            _one_at_a_time: one,
        }
    }

    /// Stops recording and merges every thread's records.
    pub fn finish(self) -> LineProfile {
        ENABLED.store(false, Relaxed);
        let mut merged = Records::default();
        let mut threads = lock(&THREADS);
        for r in threads.iter() {
            let mut r = r.lock();
            for (i, f) in r.fns.iter().enumerate() {
                if merged.fns.len() <= i {
                    merged.fns.resize_with(i + 1, FnRec::default);
                }
                let m = &mut merged.fns[i];
                m.calls += f.calls;
                m.ticks += f.ticks;
                if m.lines.len() < f.lines.len() {
                    m.lines.resize_with(f.lines.len(), LineRec::default);
                }
                for (ml, fl) in m.lines.iter_mut().zip(&f.lines) {
                    ml.hits += fl.hits;
                    ml.ticks += fl.ticks;
                    ml.bytes += fl.bytes;
                    ml.allocations += fl.allocations;
                    ml.mem = ml.mem.max(fl.mem);
                }
            }
            *r = Records::default();
        }
        threads.retain(|r| Arc::strong_count(r) > 1);
        drop(threads);
        let fns = lock(&FUNCTIONS);
        let memory = alloc::installed();
        let functions = merged
            .fns
            .iter()
            .enumerate()
            .filter(|(_, f)| f.calls > 0)
            .map(|(i, f)| {
                let site = fns[i];
                let text: Vec<&str> = site.source.lines().collect();
                ProfiledFn {
                    name: qualified(site.module, site.name),
                    file: display_file(site.file),
                    calls: f.calls,
                    seconds: ticks::seconds(f.ticks),
                    memory,
                    lines: (0..site.lines as usize)
                        .map(|k| {
                            let r = f.lines.get(k).cloned().unwrap_or_default();
                            Line {
                                number: site.first_line + k as u32,
                                hits: r.hits,
                                seconds: ticks::seconds(r.ticks),
                                increment: r.bytes,
                                allocations: r.allocations,
                                mem_usage: (r.hits > 0).then_some(r.mem),
                                contents: text.get(k).unwrap_or(&"").to_string(),
                            }
                        })
                        .collect(),
                }
            })
            .collect();
        LineProfile { functions }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        ENABLED.store(false, Relaxed);
    }
}

/// One source line of a profiled function.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Line {
    /// Line number in the file.
    pub number: u32,
    /// Times a statement starting on this line ran (a loop's line: once per pass plus one).
    pub hits: u64,
    /// Seconds charged to it.
    pub seconds: f64,
    /// Net bytes this thread allocated while it ran (allocated minus freed), summed over hits.
    pub increment: i64,
    /// Allocations made while it ran.
    pub allocations: u64,
    /// The most bytes live in the process at the end of any of its hits (as threads
    /// report them: within [`alloc::BATCH`] bytes per thread).
    pub mem_usage: Option<i64>,
    /// The source text.
    pub contents: String,
}

/// A profiled function's lines.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ProfiledFn {
    /// Its name, qualified by its module's last segment.
    pub name: String,
    /// Source file, as `file!()` gives it.
    pub file: String,
    /// Calls.
    pub calls: u64,
    /// Seconds inside it.
    pub seconds: f64,
    /// Whether the tracking allocator was installed (else the memory columns are empty).
    pub memory: bool,
    /// Every line of its source, statement or not.
    pub lines: Vec<Line>,
}

/// What a line-profiling session recorded, for each profiled function that ran.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LineProfile {
    /// The functions, in the order they were first registered.
    pub functions: Vec<ProfiledFn>,
}

impl LineProfile {
    /// The function named `name` (or ending with `::name`).
    pub fn function(&self, name: &str) -> Option<&ProfiledFn> {
        self.functions.iter().find(|f| name_matches(&f.name, name))
    }

    /// kernprof's table for every function, with memory_profiler's columns where the
    /// tracking allocator was installed.
    pub fn table(&self) -> String {
        self.functions
            .iter()
            .map(ProfiledFn::table)
            .collect::<Vec<_>>()
            .join("\n")
    }
}

fn bytes(b: i64) -> String {
    let sign = if b < 0 { "-" } else { "" };
    format!("{sign}{}B", format_si(b.unsigned_abs() as f64))
}

impl ProfiledFn {
    /// The line on which `needle` appears in the source.
    pub fn line_containing(&self, needle: &str) -> Option<&Line> {
        self.lines.iter().find(|l| l.contents.contains(needle))
    }

    /// kernprof -l -v's table: Line #, Hits, Time, Per Hit, % Time, then (with the tracking
    /// allocator) Mem usage, Increment and Allocs, then Line Contents.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "Total time: {}", format_seconds(self.seconds));
        let _ = writeln!(out, "File: {}", self.file);
        let _ = writeln!(out, "Function: {} ({} calls)", self.name, self.calls);
        let _ = writeln!(out);
        let total: f64 = self.lines.iter().map(|l| l.seconds).sum();
        let mut head = vec!["Line #", "Hits", "Time", "Per Hit", "% Time"];
        if self.memory {
            head.extend(["Mem usage", "Increment", "Allocs"]);
        }
        let rows: Vec<Vec<String>> = self
            .lines
            .iter()
            .map(|l| {
                let mut row = vec![l.number.to_string()];
                if l.hits == 0 {
                    row.resize(head.len(), String::new());
                } else {
                    row.extend([
                        l.hits.to_string(),
                        format_seconds(l.seconds),
                        format_seconds(l.seconds / l.hits as f64),
                        format!("{:.1}", 100.0 * l.seconds / total.max(f64::MIN_POSITIVE)),
                    ]);
                    if self.memory {
                        row.extend([
                            l.mem_usage.map(bytes).unwrap_or_default(),
                            bytes(l.increment),
                            l.allocations.to_string(),
                        ]);
                    }
                }
                row
            })
            .collect();
        let mut width: Vec<usize> = head.iter().map(|h| h.len()).collect();
        for r in &rows {
            for (w, cell) in width.iter_mut().zip(r) {
                *w = (*w).max(cell.chars().count());
            }
        }
        for (w, h) in width.iter().zip(&head) {
            let _ = write!(out, "{h:>w$}  ");
        }
        let _ = writeln!(out, "Line Contents");
        let rule: usize = width.iter().map(|w| w + 2).sum::<usize>() + 13;
        let _ = writeln!(out, "{}", "=".repeat(rule));
        for (r, l) in rows.iter().zip(&self.lines) {
            for (w, cell) in width.iter().zip(r) {
                let _ = write!(out, "{cell:>w$}  ");
            }
            let _ = writeln!(out, "{}", l.contents);
        }
        out
    }
}
