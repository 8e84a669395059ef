//! The house's layout holds: `src/`'s top-level modules (one folder or file a concept)
//! import one another without a circle, and no part of the toolkit but the CLI knows the
//! lessons, while the lessons use only the lesson model and what sits below it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(rust_files(&p));
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
    out
}

/// The top-level modules each top-level module of `src/` names with `crate::…`, outside
/// comments.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in rust_files(&src) {
        let rel = file.strip_prefix(&src).unwrap();
        let top = rel.iter().next().unwrap().to_str().unwrap();
        let top = top.trim_end_matches(".rs").to_string();
        if top == "lib" || top == "main" {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        let uses = graph.entry(top.clone()).or_default();
        for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
            for (i, _) in line.match_indices("crate::") {
                let name: String = line[i + 7..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() && name != top {
                    uses.insert(name);
                }
            }
        }
    }
    graph
}

#[test]
fn the_toolkits_modules_import_without_a_circle() {
    let graph = imports();
    assert!(graph.len() >= 10, "found only {:?}", graph.keys());
    // Depth-first search for a path back to where it started.
    fn back(
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        let here = path.last().unwrap().clone();
        for next in graph.get(&here).into_iter().flatten() {
            if let Some(i) = path.iter().position(|p| p == next) {
                let mut circle = path[i..].to_vec();
                circle.push(next.clone());
                return Some(circle);
            }
            if done.insert(next.clone()) {
                path.push(next.clone());
                if let Some(c) = back(graph, path, done) {
                    return Some(c);
                }
                path.pop();
            }
        }
        None
    }
    for start in graph.keys() {
        let mut done = BTreeSet::new();
        if let Some(circle) = back(&graph, &mut vec![start.clone()], &mut done) {
            panic!("an import circle: {}", circle.join(" → "));
        }
    }
}

#[test]
fn only_the_cli_knows_the_lessons() {
    for (module, uses) in imports() {
        if module != "cli" {
            assert!(!uses.contains("lessons"), "src/{module} uses the lessons");
        }
    }
    // The lessons use the lesson model and the toolkit's leaves, never the commands.
    let lessons = Path::new(env!("CARGO_MANIFEST_DIR")).join("lessons");
    for file in rust_files(&lessons) {
        let text = std::fs::read_to_string(&file).unwrap();
        for above in [
            "crate::cli",
            "crate::commands",
            "crate::student",
            "crate::report",
        ] {
            assert!(!text.contains(above), "{} uses {above}", file.display());
        }
    }
}
