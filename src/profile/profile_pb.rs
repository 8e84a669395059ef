//! `profile.pb`: the sampled stacks as a whole pprof profile, for `go tool pprof` and
//! speedscope, built from the line sampler's stacks (each sample's own instruction
//! addresses; pprof-rs's collector keeps one address per function, so its profile could
//! not say which line or instruction).
//!
//! - A location per address, its lines the inlined frames there, innermost first, so
//!   `-list`, `-lines` and `-traces` see the code as it ran.
//! - A mapping per object (the executable, libc, …) with its path, file offset and build
//!   id, so `-disasm` and `-weblist` find the binary. The executable's addresses are its
//!   link-time ones, as its symbol table has them, whatever address-space randomisation
//!   did to this run: the same in every run, and what `go tool pprof` (which does not
//!   relocate) looks up to disassemble. Shared libraries keep their run-time addresses.
//! - Functions by their whole demangled names (`perflab::lessons::diffusion::…::step`),
//!   so Rust's `main` is not C's; an inlined frame that debug info names bare (`step`) is
//!   qualified by its source file's module, as the flamegraphs are. Their system names
//!   are the linker's mangled ones, which is what pprof's `-weblist` matches the
//!   symbolizer's answers against.
//! - Each sample weighs the CPU time it stands for: the run's CPU time over the samples.

use crate::error::{Error, Result};
use crate::profile::sample::qualified;
use pprof::protos::{Function, Line, Location, Mapping, Message, Profile, Sample, ValueType};
use std::collections::HashMap;
use std::path::Path;

/// An executable mapping of this process: start, end, file offset, path.
struct Object {
    start: u64,
    end: u64,
    offset: u64,
    path: String,
}

fn objects() -> Vec<Object> {
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap_or_default();
    maps.lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            let (start, end) = f.first()?.split_once('-')?;
            let path = f.get(5)?;
            (f.get(1)?.contains('x') && path.starts_with('/')).then_some(())?;
            Some(Object {
                start: u64::from_str_radix(start, 16).ok()?,
                end: u64::from_str_radix(end, 16).ok()?,
                offset: u64::from_str_radix(f.get(2)?, 16).ok()?,
                path: path.to_string(),
            })
        })
        .collect()
}

/// One frame at an address: its demangled (and, where bare, qualified) name, the
/// linker's (mangled) name that symbolizers report, its file and line.
struct Frame {
    name: String,
    system: String,
    file: String,
    line: i64,
}

/// A file's GNU build id, in hex, where it has one.
fn build_id(path: &str) -> Option<String> {
    use object::Object as _;
    let data = std::fs::read(path).ok()?;
    let file = object::File::parse(&*data).ok()?;
    let id = file.build_id().ok()??;
    Some(id.iter().map(|b| format!("{b:02x}")).collect())
}

/// The string table: index 0 is the empty string.
#[derive(Default)]
struct Strings {
    table: Vec<String>,
    index: HashMap<String, i64>,
}

impl Strings {
    fn id(&mut self, s: &str) -> i64 {
        if self.table.is_empty() {
            self.table.push(String::new());
            self.index.insert(String::new(), 0);
        }
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        let i = self.table.len() as i64;
        self.table.push(s.to_string());
        self.index.insert(s.to_string(), i);
        i
    }
}

/// Encodes `stacks` (addresses from the sampled instruction outwards, with counts) as a
/// pprof profile, each sample weighing `period_ns` CPU nanoseconds.
pub fn encode(stacks: &[(Vec<usize>, u64)], period_ns: f64, duration_ns: i64) -> Result<Vec<u8>> {
    let mut strings = Strings::default();
    let objects = objects();
    let symbols = crate::inspect::asm::Symbols::this().ok();
    let exe = std::env::current_exe()
        .and_then(|e| e.canonicalize())
        .ok()
        .map(|e| e.display().to_string());
    // What to subtract from an object's run-time addresses: the executable's load bias,
    // nothing for the rest.
    let shift = |obj: &Object| -> u64 {
        match &symbols {
            Some(s) if exe.as_deref() == Some(obj.path.as_str()) => s.bias() as u64,
            _ => 0,
        }
    };
    let mut profile = Profile::default();
    let samples = ValueType {
        ty: strings.id("samples"),
        unit: strings.id("count"),
    };
    let cpu = ValueType {
        ty: strings.id("cpu"),
        unit: strings.id("nanoseconds"),
    };
    profile.sample_type = vec![samples, cpu.clone()];
    profile.period_type = Some(cpu);
    let period = period_ns.round() as i64;
    profile.period = period;
    profile.duration_nanos = duration_ns;

    let mut mapping_of: HashMap<usize, u64> = HashMap::new();
    let mut add_mapping = |profile: &mut Profile, strings: &mut Strings, o: usize| -> u64 {
        *mapping_of.entry(o).or_insert_with(|| {
            let obj = &objects[o];
            let shift = shift(obj);
            let id = profile.mapping.len() as u64 + 1;
            let build = build_id(&obj.path).unwrap_or_default();
            profile.mapping.push(Mapping {
                id,
                memory_start: obj.start.wrapping_sub(shift),
                memory_limit: obj.end.wrapping_sub(shift),
                file_offset: obj.offset,
                filename: strings.id(&obj.path),
                build_id: strings.id(&build),
                has_functions: true,
                has_filenames: true,
                has_line_numbers: true,
                has_inline_frames: true,
            });
            id
        })
    };
    // The executable's mapping first: pprof takes the first mapping for the main binary
    // (its `File:` line, and where `-disasm` looks), whatever the first sample hit.
    if let Some(o) = objects
        .iter()
        .position(|o| exe.as_deref() == Some(o.path.as_str()))
    {
        add_mapping(&mut profile, &mut strings, o);
    }
    let mut location_of: HashMap<usize, u64> = HashMap::new();
    let mut function_of: HashMap<(String, String, String), u64> = HashMap::new();
    for (stack, count) in stacks {
        let mut ids = Vec::with_capacity(stack.len());
        for (depth, &ip) in stack.iter().enumerate() {
            if let Some(&id) = location_of.get(&ip) {
                ids.push(id);
                continue;
            }
            // A caller's address is where it returns to; its line is the call's, one
            // byte back.
            let lookup = if depth == 0 { ip } else { ip.saturating_sub(1) };
            let object = objects
                .iter()
                .position(|o| o.start <= ip as u64 && (ip as u64) < o.end);
            let shift = object.map_or(0, |o| shift(&objects[o]));
            let mapping_id = match object {
                Some(o) => add_mapping(&mut profile, &mut strings, o),
                None => 0,
            };
            // The frames at this address, innermost first; the outermost is the symbol.
            let mut frames: Vec<Frame> = Vec::new();
            backtrace::resolve(lookup as *mut std::ffi::c_void, |symbol| {
                let file = symbol.filename().map(Path::to_path_buf);
                let name = symbol.name().map(|n| format!("{n:#}")).unwrap_or_default();
                let system = symbol
                    .name()
                    .map(|n| String::from_utf8_lossy(n.as_bytes()).into_owned())
                    .unwrap_or_default();
                frames.push(Frame {
                    name: qualified(&name, file.as_deref()),
                    system,
                    file: file.map(|f| f.display().to_string()).unwrap_or_default(),
                    line: i64::from(symbol.lineno().unwrap_or(0)),
                });
            });
            // The symbol table has the whole name where debug info may give it bare, and
            // the linker's name that symbolizers answer with.
            if let (Some(last), Some(mangled)) = (
                frames.last_mut(),
                symbols.as_ref().and_then(|s| s.mangled(lookup)),
            ) {
                last.name = crate::inspect::asm::demangled(mangled);
                last.system = mangled.to_string();
            }
            if frames.is_empty() {
                frames.push(Frame {
                    name: format!("{ip:#x}"),
                    system: String::new(),
                    file: String::new(),
                    line: 0,
                });
            }
            let mut lines = Vec::with_capacity(frames.len());
            for f in frames {
                let line = f.line;
                let key = (f.name, f.system, f.file);
                let next = function_of.len() as u64 + 1;
                let function_id = *function_of.entry(key.clone()).or_insert_with(|| {
                    let (name, system, file) = &key;
                    profile.function.push(Function {
                        id: next,
                        name: strings.id(name),
                        system_name: strings.id(if system.is_empty() { name } else { system }),
                        filename: strings.id(file),
                        ..Function::default()
                    });
                    next
                });
                lines.push(Line { function_id, line });
            }
            let id = profile.location.len() as u64 + 1;
            profile.location.push(Location {
                id,
                mapping_id,
                address: (ip as u64).wrapping_sub(shift),
                line: lines,
                ..Location::default()
            });
            location_of.insert(ip, id);
            ids.push(id);
        }
        profile.sample.push(Sample {
            location_id: ids,
            value: vec![*count as i64, *count as i64 * period],
            ..Sample::default()
        });
    }
    profile.string_table = strings.table;
    let mut bytes = Vec::new();
    profile.encode(&mut bytes).map_err(|e| Error::Profiler {
        what: "encode the pprof protobuf",
        message: e.to_string(),
    })?;
    Ok(bytes)
}
