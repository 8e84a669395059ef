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
}

/// A variant's machine code, as `perflab asm` does.
pub fn asm(lesson: &dyn Lesson, args: &AsmOptions, out: &mut dyn Write) -> anyhow::Result<()> {
    let v = lesson.variant_index(&args.variant)?;
    let listing = crate::inspect::asm::disassemble(lesson.kernel_address(v))?;
    if !args.summary {
        writeln!(
            out,
            "{} — ▶z/▶y/▶x: packed SIMD on zmm/ymm/xmm registers (8/4/2 doubles at once); ·: scalar floating point\n",
            listing.name
        )?;
        write!(out, "{}", listing.text)?;
        writeln!(out)?;
    }
    writeln!(out, "{}", listing.summary())?;
    if !listing.calls.is_empty() {
        writeln!(out, "calls: {}", listing.calls.join(", "))?;
    }
    Ok(())
}

/// This machine's bandwidth and peak flops, measured once and kept, as `perflab machine`
/// does; `again` measures anew.
pub fn machine(again: bool, out: &mut dyn Write) -> anyhow::Result<()> {
    use crate::inspect::roofline;
    let kept = if again { None } else { roofline::load() };
    let r = match kept {
        Some(r) => {
            writeln!(
                out,
                "measured earlier (kept in {}; --again measures anew):",
                roofline::path().display()
            )?;
            r
        }
        None => {
            eprintln!("measuring: STREAM triad over 768 MiB, then FMA loops (a few seconds) …");
            let r = roofline::measure()?;
            let path = roofline::save(&r)?;
            writeln!(out, "measured now, kept in {}:", path.display())?;
            r
        }
    };
    write!(out, "{}", r.describe())?;
    Ok(())
}
