//! `asm` and `machine`: what the code compiles to, and what the machine can do.

use crate::lesson::Lesson;
use std::io::Write;

/// What `asm` shows.
#[derive(Debug, Clone)]
pub struct AsmOptions {
    /// Variant whose kernel to show.
    pub variant: String,
    /// Only the summary, without the listing.
    pub summary: bool,
    /// Also every function of the program's own that the kernel calls, directly or not.
    pub callees: bool,
}

/// Functions `--callees` shows at most.
const MOST_CALLEES: usize = 24;

/// A variant's machine code, as `cargo perflab asm` does: its kernel (and with `callees`
/// the program's functions it calls), each with a summary of its instructions.
pub fn asm(lesson: &dyn Lesson, args: &AsmOptions, out: &mut dyn Write) -> anyhow::Result<()> {
    let v = lesson.variant_index(&args.variant)?;
    let listings = crate::inspect::asm::disassemble_tree(
        lesson.kernel_address(v),
        args.callees,
        MOST_CALLEES,
    )?;
    for (i, listing) in listings.iter().enumerate() {
        if !args.summary {
            if i > 0 {
                writeln!(out)?;
            }
            writeln!(
                out,
                "{} — ▶z/▶y/▶x: packed SIMD on zmm/ymm/xmm registers (8/4/2 doubles at once); ·: scalar floating point\n",
                listing.name
            )?;
            write!(out, "{}", listing.text)?;
            writeln!(out)?;
        }
        summarise(listing, out)?;
    }
    if listings.len() > 1 {
        let sum =
            |f: fn(&crate::inspect::asm::Listing) -> usize| listings.iter().map(f).sum::<usize>();
        writeln!(
            out,
            "in all, {} functions: {} instructions; packed SIMD: {}; scalar floating-point: {}",
            listings.len(),
            sum(|l| l.instructions),
            sum(|l| l.packed.iter().sum()),
            sum(|l| l.scalar)
        )?;
    }
    Ok(())
}

/// A listing's summary line and the functions it calls.
fn summarise(listing: &crate::inspect::asm::Listing, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "{}", listing.summary())?;
    if !listing.calls.is_empty() {
        writeln!(out, "  calls: {}", listing.calls.join(", "))?;
    }
    Ok(())
}

/// This machine's bandwidth and peak flops, measured once and kept, as `cargo perflab machine`
/// does; `again` measures anew.
pub fn machine(again: bool, out: &mut dyn Write) -> anyhow::Result<()> {
    use crate::inspect::roofline;
    let path = roofline::path();
    let kept = match roofline::read(&path) {
        // A file from before the cache bandwidths were measured is measured anew.
        roofline::Kept::Usable(r) if !again && r.has_cache_bandwidth() => Some(r),
        _ => None,
    };
    let r = match kept {
        Some(r) => {
            writeln!(
                out,
                "measured earlier (kept in {}; --again measures anew):",
                path.display()
            )?;
            r
        }
        None => {
            eprintln!(
                "measuring: STREAM triad over 768 MiB, FMA loops, then L1 and L2 reads (a few seconds) …"
            );
            let r = roofline::measure()?;
            // A damaged file is moved aside, not replaced, and that is said.
            crate::commands::warn(roofline::save_at(&path, &r)?);
            writeln!(out, "measured now, kept in {}:", path.display())?;
            r
        }
    };
    write!(out, "{}", r.describe())?;
    Ok(())
}
