//! `cargo perflab profile <lesson> --variant V --valgrind TOOL`: a variant under one of
//! valgrind's tools (callgrind, cachegrind, massif, dhat).
//!
//! perflab is built for the CPU it runs on (`target-cpu=native`), and valgrind 3.19 cannot
//! decode AVX-512 instructions: it stops with SIGILL. So this builds a portable copy of the
//! lesson's binary first (`-C target-cpu=x86-64-v3`: AVX2 and FMA, no AVX-512; the C
//! kernels likewise), in a target folder of its own (`target/portable`), and runs that copy's
//! `run` under the tool. Its kernels are the same source compiled for an older CPU, so its
//! speed is not the native build's, and valgrind's counts are of that build.
//!
//! `cargo perflab counts` ([`super::counts`]) runs the same portable build under
//! cachegrind: one build, shared by both commands.

use crate::error::{Error, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

/// valgrind's tools that `--valgrind` runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Tool {
    /// Calls and instructions per function and line (KCachegrind, callgrind_annotate).
    Callgrind,
    /// Cache and branch simulation per line (cg_annotate).
    Cachegrind,
    /// Heap over time (ms_print, massif-visualizer).
    Massif,
    /// Heap blocks by allocation site (DHAT's viewer, dh_view.html).
    Dhat,
}

impl Tool {
    fn name(self) -> &'static str {
        match self {
            Tool::Callgrind => "callgrind",
            Tool::Cachegrind => "cachegrind",
            Tool::Massif => "massif",
            Tool::Dhat => "dhat",
        }
    }

    /// The file the tool writes, and the flag that names it.
    fn output(self, variant: &str) -> (String, String) {
        let file = match self {
            Tool::Dhat => format!("dhat.out.{variant}.json"),
            t => format!("{}.out.{variant}", t.name()),
        };
        let flag = format!("--{}-out-file", self.name());
        (file, flag)
    }
}

/// Whether valgrind is installed: the error that names its Debian package where not.
pub fn require() -> Result<()> {
    let found = Command::new("valgrind").arg("--version").output();
    if !found.is_ok_and(|o| o.status.success()) {
        return Err(Error::Profiler {
            what: "run valgrind",
            message: "valgrind is not installed (Debian: apt-get install valgrind)".into(),
        });
    }
    Ok(())
}

/// Builds the lesson's binary for valgrind (portable CPU target, its own target folder)
/// and returns its path; cargo's messages go to the terminal. `.ci/run` starts the same
/// build early, in the background: keep the two commands alike.
pub fn build_portable(lesson: &str) -> Result<PathBuf> {
    let root = crate::files::root();
    let target = root.join("target").join("portable");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    eprintln!(
        "building a portable {lesson} for valgrind (-C target-cpu=x86-64-v3, in {}) …",
        target.display()
    );
    let status = Command::new(cargo)
        .args(["build", "--release", "--quiet", "--bin", lesson])
        .current_dir(&root)
        .env("RUSTFLAGS", "-C target-cpu=x86-64-v3")
        .env("CARGO_TARGET_DIR", &target)
        .env("PERFLAB_PORTABLE", "1")
        .status()
        .map_err(|e| Error::io("run cargo in", &root, e))?;
    if !status.success() {
        return Err(Error::Profiler {
            what: "build the portable binary for valgrind",
            message: format!("cargo build exited with {status}"),
        });
    }
    Ok(target.join("release").join(lesson))
}

/// Runs `run --variant V` of the lesson's portable binary under `tool`, with `params`,
/// writing the tool's file into `out`; returns its path and valgrind's summary lines.
pub fn run(
    tool: Tool,
    lesson: &str,
    variant: &str,
    params: &[String],
    out: &Path,
) -> Result<(PathBuf, String)> {
    require()?;
    let binary = build_portable(lesson)?;
    let (file, flag) = tool.output(variant);
    let path = out.join(&file);
    let mut command = Command::new("valgrind");
    command
        .arg(format!("--tool={}", tool.name()))
        .arg(format!("{flag}={}", path.display()))
        .arg(&binary)
        // --long: no calibration runs before the run, which the tool would count too.
        .args(["run", "--variant", variant, "--long"]);
    for p in params {
        command.args(["--param", p]);
    }
    eprintln!("running {file} under valgrind (tens of times slower than natively) …");
    let o = command
        .output()
        .map_err(|e| Error::io("run valgrind on", &binary, e))?;
    let log = String::from_utf8_lossy(&o.stderr);
    if !o.status.success() || !path.exists() {
        return Err(Error::Profiler {
            what: "run the variant under valgrind",
            message: log.lines().rev().take(5).collect::<Vec<_>>().join(" | "),
        });
    }
    // valgrind's own summary lines start with ==pid==.
    let summary: Vec<&str> = log
        .lines()
        .filter(|l| l.starts_with("==") && l.len() > l.find("== ").map_or(0, |i| i + 3))
        .collect();
    Ok((path, summary.join("\n") + "\n"))
}
