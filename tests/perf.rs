//! The sampled profile against an independent profiler: `perf record -e cpu-clock` (a
//! software event: this kind of VM has no hardware counters) watching the very same
//! `perflab profile` process. The share of samples in the top function agrees within 10
//! percentage points: `nested::step` for nested diffusion, libc's memmove for `remove0`.

use std::path::Path;
use std::process::Command;

/// perf's share, in percent, of each symbol over the whole process.
fn perf_shares(data: &Path) -> Vec<(f64, String)> {
    let o = Command::new("perf")
        .args(["report", "--stdio", "--sort", "sym", "--no-children", "-i"])
        .arg(data)
        .output()
        .expect("perf report");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let (pct, rest) = l.trim().split_once('%')?;
            let symbol = rest.trim().split_once("] ")?.1.trim().to_string();
            Some((pct.trim().parse().ok()?, symbol))
        })
        .collect()
}

/// Of the samples in the kernel's code, the share (percent) in the top function: perf's
/// by symbol over the whole process (its startup, the profiler's report and the line
/// sampler's run included, hence the restriction to the kernel's symbols); ours from the
/// folded stacks that pass through the variant, with the top function on them.
fn shares(
    perf: &[(f64, String)],
    folded: &str,
    variant: &str,
    in_kernel: impl Fn(&str) -> bool,
    top: impl Fn(&str) -> bool,
) -> (f64, f64) {
    let kernel: f64 = perf.iter().filter(|(_, s)| in_kernel(s)).map(|p| p.0).sum();
    let hot: f64 = perf.iter().filter(|(_, s)| top(s)).map(|p| p.0).sum();
    let (mut hit, mut total) = (0u64, 0u64);
    for line in folded.lines() {
        let (stack, count) = line.rsplit_once(' ').unwrap();
        if !stack.split(';').any(|f| f == variant) {
            continue;
        }
        let count: u64 = count.parse().unwrap();
        total += count;
        // The top function's samples are those with it on the stack: the frames above it
        // are functions inlined into it (pprof keeps one address's inlined frames for a
        // whole bucket of samples), which perf counts as the function's own.
        if stack.split(';').any(&top) {
            hit += count;
        }
    }
    (
        100.0 * hot / kernel.max(1e-9),
        100.0 * hit as f64 / total.max(1) as f64,
    )
}

/// Runs `perflab profile <lesson> --variant <v> --flamegraph` under perf; returns perf's
/// shares and our folded stacks.
fn both(lesson: &str, variant: &str) -> (Vec<(f64, String)>, String) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("perf.data");
    let out = dir.path().join("ours");
    let o = Command::new("perf")
        .args(["record", "-e", "cpu-clock", "-F", "1000", "-o"])
        .arg(&data)
        .arg("--")
        .arg(env!("CARGO_BIN_EXE_perflab"))
        .args([
            "profile",
            lesson,
            "--variant",
            variant,
            "--flamegraph",
            "--out",
        ])
        .arg(&out)
        .output()
        .expect("perf is missing: install linux-perf (bash .ci/run does)");
    assert!(
        o.status.success(),
        "perf record could not record here (a software event needs perf_event_paranoid \
         ≤ 2, or root): {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let folded = std::fs::read_to_string(out.join("samples.folded")).unwrap();
    (perf_shares(&data), folded)
}

#[test]
fn sampled_shares_agree_with_perf() {
    let (perf, folded) = both("diffusion", "nested");
    let (theirs, ours) = shares(
        &perf,
        &folded,
        "nested::run",
        |s| s.contains("diffusion::variants::nested::"),
        |s| s.ends_with("nested::step"),
    );
    eprintln!("nested::step: perf {theirs:.1} %, perflab {ours:.1} % of the kernel's samples");
    assert!(
        (theirs - ours).abs() <= 10.0 && ours > 50.0,
        "nested::step: perf {theirs:.1} %, perflab {ours:.1} %\n{perf:?}\n{folded}"
    );

    let (perf, folded) = both("idioms", "remove0");
    let memmove = |s: &str| s.contains("memmove") || s.contains("memcpy");
    let (theirs, ours) = shares(
        &perf,
        &folded,
        "queue::remove0",
        |s| memmove(s) || s.contains("idioms::variants::queue::"),
        memmove,
    );
    eprintln!(
        "memmove in remove0: perf {theirs:.1} %, perflab {ours:.1} % of the kernel's samples"
    );
    assert!(
        (theirs - ours).abs() <= 10.0 && ours > 50.0,
        "memmove: perf {theirs:.1} %, perflab {ours:.1} %\n{perf:?}\n{folded}"
    );
}
