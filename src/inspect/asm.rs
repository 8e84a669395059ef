//! `cargo perflab asm`: the machine code of a kernel, as `dis` shows Python's bytecode. It reads
//! the running binary's own symbol table (object), finds the function a variant's kernel
//! pointer lands in, and disassembles it (iced-x86). Each instruction that works on
//! several values at once (packed SIMD on xmm, ymm or zmm registers) is marked, and a
//! summary counts instructions, packed and scalar floating-point operations, and the
//! functions it calls, so a student can see why one variant outruns another.

use crate::error::{Error, Result};
use iced_x86::{
    Code, Decoder, DecoderOptions, FlowControl, Formatter, Instruction, IntelFormatter, OpKind,
    Register,
};
use object::{Object, ObjectSection, ObjectSymbol};

use std::fmt::Write as _;

/// A disassembled function.
#[derive(Debug, Clone, PartialEq)]
pub struct Listing {
    /// Demangled name.
    pub name: String,
    /// Bytes of code.
    pub bytes: usize,
    /// Instructions.
    pub instructions: usize,
    /// Packed SIMD instructions by register width: xmm (128-bit), ymm (256), zmm (512).
    pub packed: [usize; 3],
    /// Scalar floating-point instructions (one value each, on an xmm register).
    pub scalar: usize,
    /// Functions it calls, demangled, each once: directly, or through the global offset
    /// table (a shared library's function, such as libm's `pow`).
    pub calls: Vec<String>,
    /// The listing, one instruction a line.
    pub text: String,
}

fn fail(message: impl Into<String>) -> Error {
    Error::Profiler {
        what: "disassemble the kernel",
        message: message.into(),
    }
}

/// How wide the widest vector register an instruction touches is: 0 none, 1 xmm, 2 ymm,
/// 3 zmm.
fn width(ins: &Instruction) -> usize {
    (0..ins.op_count())
        .filter(|&i| ins.op_kind(i) == OpKind::Register)
        .map(|i| ins.op_register(i))
        .map(|r: Register| {
            if r.is_zmm() {
                3
            } else if r.is_ymm() {
                2
            } else if r.is_xmm() {
                1
            } else {
                0
            }
        })
        .max()
        .unwrap_or(0)
}

/// Whether a mnemonic is a packed (several values) or scalar floating-point operation.
fn kind(mnemonic: &str) -> (bool, bool) {
    let m = mnemonic.trim_start_matches('v');
    let fp_packed = ["pd", "ps"].iter().any(|s| m.ends_with(s));
    let int_packed = m.starts_with('p')
        && !["push", "pop", "pause", "prefetch"]
            .iter()
            .any(|s| m.starts_with(s));
    let scalar = ["sd", "ss"].iter().any(|s| m.ends_with(s));
    (fp_packed || int_packed, scalar)
}

/// This program's own code, read once: its symbols, where it is loaded, and its global
/// offset table.
struct Binary {
    data: Vec<u8>,
    bias: i64,
    symbols: Vec<(u64, u64, String)>,
}

impl Binary {
    fn this() -> Result<Binary> {
        if !cfg!(target_arch = "x86_64") {
            return Err(fail("asm reads x86-64 code only"));
        }
        let exe = std::env::current_exe().map_err(|e| fail(e.to_string()))?;
        let data = std::fs::read(&exe).map_err(|e| Error::io("read", &exe, e))?;
        let file = object::File::parse(&*data).map_err(|e| fail(e.to_string()))?;
        let bias = load_bias(&file, &exe)?;
        let symbols = text_symbols(&file);
        Ok(Binary {
            bias,
            symbols,
            data,
        })
    }

    /// The symbol containing the file address `at`.
    fn symbol_at(&self, at: u64) -> Option<&(u64, u64, String)> {
        self.symbols
            .iter()
            .find(|s| s.0 <= at && at < s.0 + s.1.max(1))
    }
}

/// This program's function symbols, to name a run-time address by the function it is
/// in (the symbol table's whole, demangled name, where debug info may give an inlined
/// frame's bare one).
pub struct Symbols {
    bias: i64,
    symbols: Vec<(u64, u64, String)>,
}

impl Symbols {
    /// The running executable's symbols.
    pub fn this() -> Result<Symbols> {
        let b = Binary::this()?;
        Ok(Symbols {
            bias: b.bias,
            symbols: b.symbols,
        })
    }

    /// How far from its link-time addresses this executable was loaded (ASLR's shift):
    /// a run-time address minus this is the address in the binary's symbol table.
    pub fn bias(&self) -> i64 {
        self.bias
    }

    /// The demangled name of the function containing the run-time `address`, if it is in
    /// this executable.
    pub fn name(&self, address: usize) -> Option<String> {
        self.mangled(address).map(demangled)
    }

    /// The linker's (mangled) name of the function containing the run-time `address`.
    pub fn mangled(&self, address: usize) -> Option<&str> {
        let at = (address as i64 - self.bias) as u64;
        let i = self.symbols.partition_point(|s| s.0 <= at).checked_sub(1)?;
        let s = &self.symbols[i];
        (at < s.0 + s.1).then_some(s.2.as_str())
    }
}

/// Disassembles the function of this binary that contains `address` (a function pointer
/// taken at run time).
pub fn disassemble(address: usize) -> Result<Listing> {
    let binary = Binary::this()?;
    let at = (address as i64 - binary.bias) as u64;
    Ok(listing(&binary, at)?.0)
}

/// The part of a function's path that its own code shares: the lesson's module for a
/// lesson's kernel (`perflab::lessons::particles::`), else its crate (`diffusion_exercise::`
/// for an exercise). `--callees` follows calls within it: the kernel's own helpers, not
/// the standard library, the profilers' bookkeeping or other crates.
fn home(name: &str) -> String {
    let name = name.trim_start_matches('<');
    let parts: Vec<&str> = name.split("::").collect();
    let keep = if name.starts_with("perflab::lessons::") {
        3
    } else {
        1
    };
    format!("{}::", parts[..keep.min(parts.len())].join("::"))
}

/// Disassembles the function containing `address` and, with `callees`, every function of
/// the kernel's own code (its [`home`]) that it calls, directly or through them (others are
/// named in `calls` but not followed), kernel first, each once, at most `limit`.
pub fn disassemble_tree(address: usize, callees: bool, limit: usize) -> Result<Vec<Listing>> {
    let binary = Binary::this()?;
    let start = (address as i64 - binary.bias) as u64;
    let mut done: Vec<u64> = Vec::new();
    let mut queue = std::collections::VecDeque::from([start]);
    let mut out = Vec::new();
    let mut within = None;
    while let Some(at) = queue.pop_front() {
        let Some(symbol) = binary.symbol_at(at) else {
            continue;
        };
        if done.contains(&symbol.0) || out.len() >= limit {
            continue;
        }
        done.push(symbol.0);
        let (l, targets) = listing(&binary, at)?;
        let prefix = within.get_or_insert_with(|| home(&l.name)).clone();
        out.push(l);
        if callees {
            for t in targets {
                if let Some(s) = binary.symbol_at(t)
                    && demangled(&s.2).trim_start_matches('<').starts_with(&prefix)
                {
                    queue.push_back(t);
                }
            }
        }
    }
    Ok(out)
}

/// The listing of the function containing the file address `at`, and the file addresses
/// of the functions it calls directly.
fn listing(binary: &Binary, at: u64) -> Result<(Listing, Vec<u64>)> {
    let file = object::File::parse(&*binary.data).map_err(|e| fail(e.to_string()))?;
    let symbols = &binary.symbols;
    let symbol = binary
        .symbol_at(at)
        .filter(|s| at < s.0 + s.1)
        .ok_or_else(|| fail("the kernel's symbol is not in the symbol table (stripped binary?)"))?;
    let (file_start, size, raw) = (symbol.0, symbol.1, symbol.2.clone());
    let section = file
        .sections()
        .find(|s| s.address() <= file_start && file_start < s.address() + s.size())
        .ok_or_else(|| fail("the kernel's section is missing"))?;
    let code = section
        .data_range(file_start, size)
        .map_err(|e| fail(e.to_string()))?
        .ok_or_else(|| fail("the kernel's bytes are outside its section"))?;
    let name = demangled(&raw);
    let got = got_entries(&file, symbols);
    // Registers loaded with a GOT entry, for `call reg`.
    let mut held: Vec<(Register, String)> = Vec::new();
    let mut targets = Vec::new();

    let mut decoder = Decoder::with_ip(64, code, file_start, DecoderOptions::NONE);
    let mut formatter = IntelFormatter::new();
    let mut listing = Listing {
        name,
        bytes: code.len(),
        instructions: 0,
        packed: [0; 3],
        scalar: 0,
        calls: Vec::new(),
        text: String::new(),
    };
    let mut ins = Instruction::default();
    let mut line = String::new();
    while decoder.can_decode() {
        decoder.decode_out(&mut ins);
        line.clear();
        formatter.format(&ins, &mut line);
        listing.instructions += 1;
        let mnemonic = line.split_whitespace().next().unwrap_or("");
        let (packed, scalar) = kind(mnemonic);
        let w = width(&ins);
        let mark = if packed && w > 0 {
            listing.packed[w - 1] += 1;
            ["▶x", "▶y", "▶z"][w - 1]
        } else if scalar && w > 0 {
            listing.scalar += 1;
            " ·"
        } else {
            "  "
        };
        let mut note = String::new();
        // A RIP-relative load: which GOT entry it reads, if any.
        let slot = (ins.memory_base() == Register::RIP)
            .then(|| got.iter().find(|g| g.0 == ins.memory_displacement64()))
            .flatten()
            .map(|g| g.1.clone());
        let callee = match (ins.flow_control(), ins.op0_kind()) {
            (FlowControl::Call, OpKind::NearBranch64) => {
                let target = ins.near_branch64();
                let found = binary.symbol_at(target).map(|s| demangled(&s.2));
                if found.is_some() && !targets.contains(&target) {
                    targets.push(target);
                }
                found
            }
            (FlowControl::IndirectCall, OpKind::Register) => held
                .iter()
                .find(|h| h.0 == ins.op0_register().full_register())
                .map(|h| h.1.clone()),
            (FlowControl::IndirectCall, OpKind::Memory) => slot.clone(),
            _ => None,
        };
        if let Some(callee) = callee {
            note = format!("  ; {callee}");
            if !listing.calls.contains(&callee) {
                listing.calls.push(callee);
            }
        } else if ins.op_count() > 0 && ins.op0_kind() == OpKind::Register {
            // Track a register loaded from the GOT until something else writes it.
            let r = ins.op0_register().full_register();
            held.retain(|h| h.0 != r);
            if let (Some(name), Code::Mov_r64_rm64) = (slot, ins.code()) {
                held.push((r, name));
            }
        }
        let _ = writeln!(
            listing.text,
            "{mark} {:6x}  {line}{note}",
            ins.ip() - file_start
        );
    }
    Ok((listing, targets))
}

/// The global offset table's entries that dynamic relocations fill with a function's
/// address: (entry's address, function name). A shared library's function is named by
/// the relocation's symbol; one of this program's own (a position-independent
/// executable's relative relocation) by the address it adds, looked up in `symbols`.
fn got_entries(file: &object::File, symbols: &[(u64, u64, String)]) -> Vec<(u64, String)> {
    use object::{ObjectSymbolTable, RelocationTarget};
    let Some(relocations) = file.dynamic_relocations() else {
        return Vec::new();
    };
    let table = file.dynamic_symbol_table();
    relocations
        .filter_map(|(at, r)| match r.target() {
            RelocationTarget::Symbol(i) => {
                let symbol = table.as_ref()?.symbol_by_index(i).ok()?;
                Some((at, demangled(symbol.name().ok()?)))
            }
            RelocationTarget::Absolute => {
                let target = r.addend() as u64;
                symbols
                    .iter()
                    .find(|s| s.0 == target)
                    .map(|s| (at, demangled(&s.2)))
            }
            _ => None,
        })
        .collect()
}

fn strip_hash(name: &str) -> &str {
    match name.rfind("::h") {
        Some(i) if name.len() - i == 19 => &name[..i],
        _ => name,
    }
}

/// A mangled name demangled, without its hash.
pub fn demangled(raw: &str) -> String {
    strip_hash(&rustc_demangle::demangle(raw).to_string()).to_string()
}

/// The function symbols of the file: (address, size, mangled name), by address.
fn text_symbols(file: &object::File) -> Vec<(u64, u64, String)> {
    let mut v: Vec<(u64, u64, String)> = file
        .symbols()
        .filter(|s| s.kind() == object::SymbolKind::Text && s.size() > 0)
        .filter_map(|s| Some((s.address(), s.size(), s.name().ok()?.to_string())))
        .collect();
    v.sort();
    v
}

/// How far the running executable sits from its file addresses (position-independent
/// executables load anywhere): its first mapping in `/proc/self/maps` against the address
/// of the segment that starts the file.
fn load_bias(file: &object::File, exe: &std::path::Path) -> Result<i64> {
    use object::ObjectSegment;
    let exe = exe.canonicalize().unwrap_or_else(|_| exe.to_path_buf());
    let maps = std::fs::read_to_string("/proc/self/maps").map_err(|e| fail(e.to_string()))?;
    let start = maps
        .lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            (f.len() >= 6
                && std::path::Path::new(f[5]) == exe
                && u64::from_str_radix(f[2], 16) == Ok(0))
            .then(|| u64::from_str_radix(f[0].split('-').next()?, 16).ok())
            .flatten()
        })
        .next()
        .ok_or_else(|| fail("cannot find this program in /proc/self/maps"))?;
    let first = file
        .segments()
        .find(|s| s.file_range().0 == 0)
        .map_or(0, |s| s.address());
    Ok(start as i64 - first as i64)
}

impl Listing {
    /// The summary line.
    pub fn summary(&self) -> String {
        let [x, y, z] = self.packed;
        format!(
            "{}: {} instructions in {} bytes; packed SIMD: {} (zmm {z}, ymm {y}, xmm {x}); \
             scalar floating-point: {}",
            self.name,
            self.instructions,
            self.bytes,
            x + y + z,
            self.scalar
        )
    }
}

#[cfg(test)]
mod tests {
    use super::{home, kind};

    #[test]
    fn callees_are_followed_within_the_kernels_own_code() {
        assert_eq!(
            home("perflab::lessons::particles::variants::structs::run"),
            "perflab::lessons::particles::"
        );
        assert_eq!(
            home("diffusion_exercise::exercise::run"),
            "diffusion_exercise::"
        );
        assert_eq!(
            home("<perflab::lessons::fusion::Fusion as perflab::lesson::Problem>::initial"),
            "perflab::lessons::fusion::"
        );
    }

    #[test]
    fn mnemonics_sort_into_packed_and_scalar() {
        assert_eq!(kind("vfmadd231pd"), (true, false));
        assert_eq!(kind("vsqrtsd"), (false, true));
        assert_eq!(kind("vdivpd"), (true, false));
        assert_eq!(kind("addsd"), (false, true));
        assert_eq!(kind("vpaddq"), (true, false));
        assert_eq!(kind("push"), (false, false));
        assert_eq!(kind("vmovupd"), (true, false));
        assert_eq!(kind("vmovsd"), (false, true));
        assert_eq!(kind("mov"), (false, false));
    }
}
