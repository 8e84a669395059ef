//! The sampling profiler (Scalene's and py-spy's role), on pprof: a `SIGPROF` timer
//! interrupts the process `frequency` times per second of CPU time and records the stack
//! of the thread it lands on. Nothing in the code is changed, so the cost is the handler's
//! (measured in `benches/profiling.rs`).
//!
//! From the samples: a flamegraph (inferno) and a differential flamegraph of two runs.
//! (`profile.pb` comes from the line sampler's stacks, which keep every sample's
//! addresses: [`crate::profile::profile_pb`].) The sampled
//! line profile ([`crate::profile::lines_sampled`]) is shown here as a table and as
//! annotated source HTML.

use crate::error::{Error, Result};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};

/// Sampling frequencies accepted, in hertz. Above a few kHz the timer's signal handling
/// costs more than the samples are worth.
pub const FREQUENCY: RangeInclusive<i32> = 1..=10_000;

/// One frame of a sampled stack (an inlined function is a frame of its own).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Frame {
    /// Demangled function name.
    pub name: String,
    /// Source file from the debug info, if any.
    pub file: Option<PathBuf>,
    /// Line in that file (0 when unknown).
    pub line: u32,
}

/// Samples with the same stack on the same thread.
#[derive(Debug, Clone, PartialEq)]
pub struct Stack {
    /// Thread name (or id).
    pub thread: String,
    /// Frames, outermost first.
    pub frames: Vec<Frame>,
    /// Samples.
    pub count: u64,
}

/// What a sampled run recorded.
pub struct Samples {
    /// Distinct stacks, most samples first.
    pub stacks: Vec<Stack>,
    /// The frequency asked for.
    pub frequency: i32,
    /// CPU seconds the process used while sampling (all threads), measured by the kernel;
    /// `None` where `/proc/self/stat` cannot be read.
    pub cpu_seconds: Option<f64>,
}

/// The process's CPU time so far, user and system, all threads (exited ones too), from
/// `/proc/self/stat`: its clock ticks are USER_HZ, 100 a second on Linux.
pub fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line; 3 (the state) is fields[0].
    let ticks = |i: usize| fields.get(i)?.parse::<u64>().ok();
    Some((ticks(11)? + ticks(12)?) as f64 / 100.0)
}

static SESSION: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Held while a sampler owns `SIGPROF` (pprof's or the line sampler's): one at a time.
pub(crate) fn sampler_lock() -> std::sync::MutexGuard<'static, ()> {
    SESSION.lock().unwrap_or_else(|p| p.into_inner())
}

/// pprof's collector keeps its samples in a named temporary file in the temp folder (and
/// reopens it by name to read them), held by a static that is never dropped, so the file
/// would outlive the process. At exit (normal, or after Ctrl-C) this removes the
/// process's open files named like tempfile's (`.tmp…`) in the temp folder, which only
/// the collector makes here.
#[allow(unsafe_code)]
fn unlink_collector_files_at_exit() {
    extern "C" fn at_exit() {
        unlink_collector_files();
    }
    static ONCE: std::sync::Once = std::sync::Once::new();
    // SAFETY: registers a plain function with no arguments, once.
    ONCE.call_once(|| unsafe {
        libc::atexit(at_exit);
    });
}

fn unlink_collector_files() {
    let tmp = std::env::temp_dir();
    let Ok(fds) = std::fs::read_dir("/proc/self/fd") else {
        return;
    };
    for fd in fds.flatten() {
        let Ok(target) = std::fs::read_link(fd.path()) else {
            continue;
        };
        let ours = target.parent() == Some(tmp.as_path())
            && target
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(".tmp"));
        if ours && target.is_file() {
            let _ = std::fs::remove_file(&target);
        }
    }
}

/// Runs `f` under pprof's sampler at `frequency` Hz.
pub fn record<R>(frequency: i32, f: impl FnOnce() -> R) -> Result<(R, Samples)> {
    if !FREQUENCY.contains(&frequency) {
        return Err(Error::InvalidOption {
            option: "--frequency".into(),
            value: frequency.to_string(),
            expected: format!("{} to {} Hz", FREQUENCY.start(), FREQUENCY.end()),
        });
    }
    let _one_at_a_time = sampler_lock();
    let fail = |what| {
        move |e: pprof::Error| Error::Profiler {
            what,
            message: e.to_string(),
        }
    };
    let guard = pprof::ProfilerGuardBuilder::default()
        .frequency(frequency)
        // Samples that land in libc (memmove, malloc, futex), the vDSO or pthreads are
        // kept and unwound through their .eh_frame, so their time shows under the caller
        // (pprof's own example drops them). Only libgcc, the unwinder itself, stays
        // blocked: a sample taken inside it would re-enter it from the signal handler.
        // perflab's runs enter the unwinder only when a thread panics.
        .blocklist(&["libgcc"])
        .build()
        .map_err(fail("start the sampling profiler"))?;
    unlink_collector_files_at_exit();
    let cpu_before = process_cpu_seconds();
    let result = f();
    let cpu_seconds = process_cpu_seconds()
        .zip(cpu_before)
        .map(|(after, before)| after - before);
    let report = guard
        .report()
        .build()
        .map_err(fail("read the sampling profiler's report"))?;
    drop(guard);
    let mut merged: BTreeMap<(String, Vec<Frame>), u64> = BTreeMap::new();
    for (frames, &count) in &report.data {
        let stack: Vec<Frame> = frames
            .frames
            .iter()
            .rev()
            .flat_map(|symbols| symbols.iter().rev())
            .map(|s| Frame {
                name: s.name(),
                file: s.filename.clone(),
                line: s.lineno(),
            })
            .filter(|f| !is_profiler_frame(&f.name))
            .collect();
        *merged
            .entry((frames.thread_name_or_id(), stack))
            .or_default() += count.max(0) as u64;
    }
    let mut stacks: Vec<Stack> = merged
        .into_iter()
        .map(|((thread, frames), count)| Stack {
            thread,
            frames,
            count,
        })
        .collect();
    stacks.sort_by_key(|s| std::cmp::Reverse(s.count));
    Ok((
        result,
        Samples {
            stacks,
            frequency,
            cpu_seconds,
        },
    ))
}

/// Whether a frame is the harness's call of a variant's kernel: the lesson model's `run`
/// (`Prepared::run`), in `src/lesson/mod.rs`.
fn is_harness_run(f: &Frame) -> bool {
    let ours = f.file.as_deref().and_then(project_path);
    ours.is_some_and(|p| p == Path::new("src/lesson/mod.rs"))
        && short(&f.name)
            .trim_start_matches('<')
            .split(['<', ' '])
            .next()
            == Some("run")
}

/// A frame's name for a flamegraph: hash-free, and a bare name of this project's code
/// qualified by its file's module (`step` in lessons/diffusion/variants/nested.rs →
/// `nested::step`; a `mod.rs` by its folder).
fn display_name(f: &Frame) -> String {
    qualified(short(&f.name), f.file.as_deref())
}

/// A function's name, qualified where it is a bare name (an inlined frame's, from debug
/// info) of this project's code: by its source file's module, `mod.rs` by its folder.
pub fn qualified(name: &str, file: Option<&Path>) -> String {
    if name.contains("::") || name.is_empty() {
        return name.to_string();
    }
    let module = file.and_then(project_path).and_then(|p| {
        let stem = p.file_stem()?.to_str()?.to_string();
        match stem.as_str() {
            "mod" | "lib" | "main" => Some(p.parent()?.file_name()?.to_str()?.to_string()),
            _ => Some(stem),
        }
    });
    match module {
        Some(m) => format!("{m}::{name}"),
        None => name.to_string(),
    }
}

/// pprof's own frames (its signal handler and the unwinder), which sit at the tip of
/// some stacks.
fn is_profiler_frame(name: &str) -> bool {
    name.starts_with("pprof::") || name.starts_with("backtrace::") || name == "__restore_rt"
}

/// Drops the rust `::h0123…` hash a demangler may leave.
fn short(name: &str) -> &str {
    match name.rfind("::h") {
        Some(i) if name[i + 3..].chars().all(|c| c.is_ascii_hexdigit()) && name.len() - i == 19 => {
            &name[..i]
        }
        _ => name,
    }
}

/// The path of `file` inside this project (`lessons/…`, `src/…`), if it is one of ours;
/// `src/../lessons/x.rs` (how the lessons, compiled into the library, are named) becomes
/// `lessons/x.rs`.
pub fn project_path(file: &Path) -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let rel = tidy(file.strip_prefix(root).unwrap_or(file));
    let first = rel.components().next()?.as_os_str().to_str()?;
    (rel.is_relative() && ["lessons", "src", "tests", "benches"].contains(&first)).then_some(rel)
}

/// `a/../b` → `b`, `./a` → `a`, without touching the file system.
pub fn tidy(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out: Vec<Component> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.last(), Some(Component::Normal(_))) => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out.iter().collect()
}

impl Samples {
    /// All samples taken.
    pub fn total(&self) -> u64 {
        self.stacks.iter().map(|s| s.count).sum()
    }

    /// Folded stacks (`thread;outer;…;inner count`), inferno's input. A frame of this
    /// project's code whose name is bare (an inlined function's, `step`) is qualified by
    /// its source file's module (`nested::step`). With `trim`, a stack that passes through
    /// the harness's call of the kernel (the lesson's `run`, in `src/lesson/mod.rs`)
    /// starts above it, at the variant's own function: the ~20 frames of `main`, the
    /// CLI and the profiler below it say nothing about the variant.
    pub fn folded(&self, trim: bool) -> String {
        let mut out = String::new();
        for s in &self.stacks {
            let harness = s.frames.iter().rposition(is_harness_run);
            let from = match (trim, harness) {
                (true, Some(i)) => i + 1,
                _ => 0,
            };
            let mut line = s.thread.replace(';', ":");
            for f in &s.frames[from..] {
                line.push(';');
                line.push_str(&display_name(f).replace(';', ":"));
            }
            let _ = writeln!(out, "{line} {}", s.count);
        }
        out
    }

    /// Whether some sampled stack has a frame whose name contains `name`.
    pub fn has_frame(&self, name: &str) -> bool {
        self.stacks
            .iter()
            .any(|s| s.frames.iter().any(|f| f.name.contains(name)))
    }

    /// CPU nanoseconds one sample stands for: the CPU time measured over the run divided
    /// by the samples taken. The timer is asked for `frequency` a second, but Linux fires
    /// it at most once per scheduler tick, so 1/frequency would undercount; without a
    /// measured CPU time, 1/frequency is all there is.
    pub fn period_ns(&self) -> f64 {
        match (self.cpu_seconds, self.total()) {
            (Some(cpu), n) if n > 0 && cpu > 0.0 => cpu * 1e9 / n as f64,
            _ => 1e9 / f64::from(self.frequency),
        }
    }
}

/// Samples on one source line.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SampledLine {
    /// The file, relative to the project's root.
    pub file: PathBuf,
    /// Line number.
    pub line: u32,
    /// Samples whose innermost project frame was this line.
    pub samples: u64,
    /// Their share of all samples.
    pub share: f64,
    /// The source text.
    pub contents: String,
}

fn read_source(file: &Path) -> Option<String> {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(file)).ok()
}

pub(crate) fn source_line(file: &Path, line: u32) -> Option<String> {
    let text = read_source(file)?;
    text.lines()
        .nth(line.checked_sub(1)? as usize)
        .map(|l| l.trim().to_string())
}

/// The sampled line profile as a table: the `top` lines with most samples.
pub fn lines_table(lines: &[SampledLine], total: u64, top: usize) -> String {
    let mut out = String::new();
    let in_project: u64 = lines.iter().map(|l| l.samples).sum();
    if total == 0 {
        return "no samples: the run was shorter than one sampling interval of CPU time\n"
            .to_string();
    }
    let _ = writeln!(
        out,
        "{total} samples, {in_project} in this project's sources ({:.1} %); top {} lines:\n",
        100.0 * in_project as f64 / total.max(1) as f64,
        top.min(lines.len())
    );
    let rows: Vec<[String; 4]> = lines
        .iter()
        .take(top)
        .map(|l| {
            [
                match l.line {
                    // A project function's instructions that carry no line.
                    0 => format!("{} (no line)", l.file.display()),
                    n => format!("{}:{n}", l.file.display()),
                },
                l.samples.to_string(),
                format!("{:.1}", 100.0 * l.share),
                l.contents.clone(),
            ]
        })
        .collect();
    let head = ["File:Line", "Samples", "% Samples"];
    let mut width = head.map(str::len);
    for r in &rows {
        for (w, c) in width.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let _ = writeln!(
        out,
        "{:<w0$}  {:>w1$}  {:>w2$}  Line Contents",
        head[0],
        head[1],
        head[2],
        w0 = width[0],
        w1 = width[1],
        w2 = width[2]
    );
    for r in rows {
        let _ = writeln!(
            out,
            "{:<w0$}  {:>w1$}  {:>w2$}  {}",
            r[0],
            r[1],
            r[2],
            r[3],
            w0 = width[0],
            w1 = width[1],
            w2 = width[2]
        );
    }
    out
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Annotated source HTML (Cython's `-a` view, shaded by samples): every project file with
/// samples, each line shaded by its share of all samples, with the count and percentage in
/// the margin.
pub fn annotated_html(title: &str, lines: &[SampledLine], total: u64) -> String {
    let mut files: Vec<&Path> = Vec::new();
    for l in lines {
        if !files.contains(&l.file.as_path()) {
            files.push(&l.file);
        }
    }
    let max_share = lines.iter().map(|l| l.share).fold(0.0, f64::max).max(1e-12);
    let mut html = String::new();
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>{t}</title><style>\
         body{{font-family:sans-serif;margin:1.5em}}\
         table{{border-collapse:collapse;font-family:monospace;font-size:13px}}\
         td{{padding:0 .6em;white-space:pre}} td.n{{text-align:right;color:#666}}\
         h2{{font-size:1.05em;margin-top:2em}}\
         </style></head><body>\n<h1>{t}</h1>\n<p>{total} samples. Each line is shaded by its \
         share of them (darkest: the hottest line, {max:.1} %); a sample counts on the \
         innermost line of this project's code on its stack.</p>\n",
        t = escape(title),
        max = 100.0 * max_share
    );
    for file in files {
        let Some(text) = read_source(file) else {
            continue;
        };
        let _ = writeln!(
            html,
            "<h2>{}</h2>\n<table>",
            escape(&file.display().to_string())
        );
        for (i, src) in text.lines().enumerate() {
            let n = i as u32 + 1;
            let hit = lines.iter().find(|l| l.file == file && l.line == n);
            let (samples, pct, style) = match hit {
                Some(l) => (
                    l.samples.to_string(),
                    format!("{:.1}%", 100.0 * l.share),
                    format!(
                        " style=\"background:rgba(255,140,0,{:.3})\"",
                        0.08 + 0.8 * l.share / max_share
                    ),
                ),
                None => (String::new(), String::new(), String::new()),
            };
            let _ = writeln!(
                html,
                "<tr{style}><td class=\"n\">{n}</td><td class=\"n\">{samples}</td>\
                 <td class=\"n\">{pct}</td><td>{}</td></tr>",
                escape(src)
            );
        }
        let _ = writeln!(html, "</table>");
    }
    html.push_str("</body></html>\n");
    html
}

/// A flamegraph SVG of folded stacks.
pub fn flamegraph(folded: &str, title: &str, count_name: &str) -> Result<Vec<u8>> {
    let mut options = inferno::flamegraph::Options::default();
    options.title = title.to_string();
    options.count_name = count_name.to_string();
    let mut svg = Vec::new();
    inferno::flamegraph::from_lines(&mut options, folded.lines(), &mut svg).map_err(|e| {
        Error::Profiler {
            what: "draw the flamegraph",
            message: e.to_string(),
        }
    })?;
    Ok(svg)
}

/// A differential flamegraph: the shape of `after`, each frame coloured by how its share
/// of samples changed from `before` (red grew, blue shrank); counts are normalised so runs
/// of different lengths compare. `negate` swaps the colours (inferno's `--negate`):
/// called with the two runs swapped, it draws the earlier run's shape coloured as the
/// forward graph is, so a frame that vanished later stays visible.
pub fn differential(
    before: &str,
    after: &str,
    title: &str,
    subtitle: &str,
    negate: bool,
) -> Result<Vec<u8>> {
    let fail = |e: &dyn std::fmt::Display| Error::Profiler {
        what: "draw the differential flamegraph",
        message: e.to_string(),
    };
    let mut diff = Vec::new();
    let options = inferno::differential::Options {
        normalize: true,
        ..Default::default()
    };
    inferno::differential::from_readers(options, before.as_bytes(), after.as_bytes(), &mut diff)
        .map_err(|e| fail(&e))?;
    let mut fg = inferno::flamegraph::Options::default();
    fg.title = title.to_string();
    fg.subtitle = Some(subtitle.to_string());
    fg.negate_differentials = negate;
    let mut svg = Vec::new();
    inferno::flamegraph::from_reader(&mut fg, diff.as_slice(), &mut svg).map_err(|e| fail(&e))?;
    Ok(svg)
}
