//! valgrind runs on this machine's builds: `profile … --valgrind callgrind` builds a
//! portable copy (no AVX-512, which valgrind 3.19 cannot decode) and runs the variant
//! under callgrind. Its count of factorial's calls in the taylor topic is checked against
//! perflab's function profiler: 188 000 both, 187 250 of them recursive; the 750 from the
//! two series come, in callgrind's file, from `recursive`, into which the compiler
//! inlined taylor_exp and taylor_sin.

use perflab::lesson::Lesson;
use perflab::lessons::idioms::LESSON;
use perflab::profile::func;
use std::collections::HashMap;
use std::process::Command;

/// Calls into functions whose name contains `name`, from a callgrind file, by caller
/// (callgrind names the levels of a recursion `f'2`, `f'3`, …).
fn calls_into(callgrind: &str, name: &str) -> HashMap<String, u64> {
    let mut names: HashMap<String, String> = HashMap::new();
    let (mut caller, mut callee) = (String::new(), String::new());
    let mut by: HashMap<String, u64> = HashMap::new();
    for line in callgrind.lines() {
        let spec = line
            .strip_prefix("cfn=")
            .or_else(|| line.strip_prefix("fn="));
        if let Some(spec) = spec {
            let (id, rest) = spec.split_once(')').unwrap_or(("", spec));
            if !rest.trim().is_empty() {
                names.insert(id.to_string(), rest.trim().to_string());
            }
            let named = names.get(id).cloned().unwrap_or_default();
            match line.starts_with("cfn=") {
                true => callee = named,
                false => caller = named,
            }
        } else if let Some(n) = line.strip_prefix("calls=")
            && callee.contains(name)
        {
            let n: u64 = n.split_whitespace().next().unwrap().parse().unwrap();
            *by.entry(caller.clone()).or_default() += n;
        }
    }
    by
}

#[test]
fn callgrind_counts_the_calls_the_function_profiler_counts() {
    // perflab's own count, in this process.
    let params = LESSON.parse_params_for(&[], "recursive").unwrap();
    let prepared = LESSON.prepare(&params).unwrap();
    let v = LESSON.variant_index("recursive").unwrap();
    let session = func::Session::start();
    prepared
        .run(v, 1, &perflab::timing::RealClock::default(), None)
        .unwrap();
    let ours = session.finish().stat("factorial").unwrap().ncalls;
    assert_eq!(ours, 188_000);

    let dir = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_perflab"))
        .args([
            "profile",
            "idioms",
            "--variant",
            "recursive",
            "--valgrind",
            "callgrind",
        ])
        .arg("--out")
        .arg(dir.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("target-cpu=x86-64-v3"), "{err}");
    let file = std::fs::read_to_string(dir.path().join("callgrind.out.recursive")).unwrap();
    let by = calls_into(&file, "taylor::factorial");
    let theirs: u64 = by.values().sum();
    // The run's reference check runs `memoized`, whose Memo::factorial is another
    // function; so every call counted here is recursive's.
    assert_eq!(
        theirs, ours,
        "callgrind's calls of factorial against perflab's: {by:?}"
    );
    // Who calls: the recursion itself, and the two series, which the compiler inlined into
    // `recursive` (the function profiler's attribute keeps them apart in a session).
    let recursion: u64 = by
        .iter()
        .filter(|(caller, _)| caller.contains("taylor::factorial"))
        .map(|c| c.1)
        .sum();
    assert_eq!(recursion, 187_250, "{by:?}");
    let from_series: u64 = by
        .iter()
        .filter(|(caller, _)| {
            [
                "taylor::recursive",
                "taylor::taylor_exp",
                "taylor::taylor_sin",
            ]
            .iter()
            .any(|f| caller.ends_with(f))
        })
        .map(|c| c.1)
        .sum();
    assert_eq!(from_series, 750, "{by:?}");
    eprintln!("factorial: callgrind {theirs} calls ({by:?}), perflab's function profiler {ours}");
}
