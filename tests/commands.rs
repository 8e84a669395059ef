//! Every command perflab prints anywhere runs as typed: the tutor's steps, the hints, the
//! exercises' comments, every README and every message in the source say
//! `cargo perflab <command> …` (an alias in .cargo/config.toml) or `cargo run --release
//! --bin <lesson> -- …`, never a bare `perflab <command>`; and each such command parses —
//! its subcommand and flags (`--help` appended, through the real binary), its lesson, its
//! variants and its `--param key=value` overrides.

use perflab::lesson::{EXERCISE, Lesson};
use perflab::lessons;
use std::path::{Path, PathBuf};
use std::process::Command;

const COMMANDS: &[&str] = &[
    "list", "run", "compare", "timeit", "profile", "tour", "tutor", "check", "hint", "watch",
    "reset", "progress", "asm", "machine", "counts",
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every text a user can read: each lesson's tutor steps, hints and shipped exercise, and
/// the project's Markdown and Rust files (READMEs, messages, comments, docs).
fn texts() -> Vec<(String, String)> {
    let mut all = Vec::new();
    for lesson in lessons::all() {
        for (i, step) in lesson.steps().iter().enumerate() {
            all.push((
                format!("{} tutor step {}", lesson.name(), i + 1),
                step.text.into(),
            ));
        }
        if let Some(e) = lesson.exercise() {
            for (i, h) in e.hints.iter().enumerate() {
                all.push((format!("{} hint {}", lesson.name(), i + 1), h.to_string()));
            }
            all.push((
                format!("{} exercise as shipped", lesson.name()),
                e.start.into(),
            ));
        }
    }
    let mut stack: Vec<PathBuf> = [
        "README.md",
        "src",
        "lessons",
        "exercises",
        "reports",
        "benches",
        "macros",
    ]
    .iter()
    .map(|p| root().join(p))
    .collect();
    while let Some(p) = stack.pop() {
        if p.is_dir() {
            stack.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
        } else if p.extension().is_some_and(|x| x == "rs" || x == "md") {
            let name = p.strip_prefix(root()).unwrap().display().to_string();
            all.push((name, std::fs::read_to_string(&p).unwrap()));
        }
    }
    all
}

/// The words of each `cargo perflab …` command in `text`, up to the end of its code span,
/// line or shell comment.
fn commands_in(text: &str) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("cargo perflab ") {
        rest = &rest[i + "cargo perflab ".len()..];
        let end = rest.find(['`', '\n', '#', ')', '"']).unwrap_or(rest.len());
        let words: Vec<String> = rest[..end]
            .split_whitespace()
            .map(|w| w.trim_end_matches([',', ';', '.', ':']).to_string())
            .collect();
        found.push(words);
    }
    found
}

#[test]
fn the_alias_runs_perflab() {
    let config = std::fs::read_to_string(root().join(".cargo/config.toml")).unwrap();
    assert!(
        config.contains("perflab = \"run --release --package perflab --bin perflab --\""),
        ".cargo/config.toml lost the `cargo perflab` alias"
    );
}

#[test]
fn no_text_prints_a_bare_perflab_command() {
    let mut bare = Vec::new();
    for (name, text) in texts() {
        for (n, line) in text.lines().enumerate() {
            for c in COMMANDS {
                for quoted in [format!("`perflab {c}"), format!("$ perflab {c}")] {
                    if line.contains(&quoted) {
                        bare.push(format!("{name}:{}: {}", n + 1, line.trim()));
                    }
                }
            }
        }
    }
    assert!(
        bare.is_empty(),
        "commands nobody can type after a clone:\n{}",
        bare.join("\n")
    );
}

/// Checks what clap cannot: the lesson, the variants and the parameters a command names.
fn check_names(words: &[String]) -> Result<(), String> {
    let Some(command) = words.first() else {
        return Err("no command".into());
    };
    let takes_lesson = !["list", "tour", "progress", "machine"].contains(&command.as_str());
    let Some(lesson) = words.get(1).filter(|_| takes_lesson) else {
        return Ok(());
    };
    let lesson: &dyn Lesson = lessons::find(lesson).map_err(|e| e.to_string())?;
    let mut variants = Vec::new();
    let mut params = Vec::new();
    let mut i = 2;
    while i < words.len() {
        let value = words.get(i + 1).cloned().unwrap_or_default();
        match words[i].as_str() {
            // A sweep and counts take several variants, comma-separated.
            "--variant" | "-v" if command == "sweep" || command == "counts" => {
                variants.extend(value.split(',').map(String::from))
            }
            "--variant" | "-v" => variants.push(value),
            "--variants" => variants.extend(value.split(',').map(String::from)),
            "--diff" => {
                variants.push(value);
                variants.push(words.get(i + 2).cloned().unwrap_or_default());
            }
            "--param" | "-p" => params.push(value),
            _ => {}
        }
        i += 1;
    }
    for v in &variants {
        if v != EXERCISE || lesson.exercise().is_none() {
            lesson.variant_index(v).map_err(|e| e.to_string())?;
        }
    }
    lesson.parse_params(&params).map_err(|e| e.to_string())?;
    Ok(())
}

/// A word that stands for what the user fills in: `<lesson>`, `[…]`, `V`, `DIR`, `n=N`, or
/// a format string's `{}`.
fn is_placeholder(word: &str) -> bool {
    let value = word.rsplit('=').next().unwrap_or(word);
    word.contains(['<', '[', '…', '|', '{'])
        || (!value.is_empty() && value.chars().all(|c| c.is_ascii_uppercase()))
}

#[test]
fn every_printed_command_parses() {
    let mut seen = 0;
    let mut bad = Vec::new();
    for (name, text) in texts() {
        for words in commands_in(&text) {
            // A synopsis with placeholders (`<lesson>`, `V`, `…`) is not a command to run,
            // nor a format string (`{}`): the tutor's are checked as it prints them
            // (tests/student.rs).
            if words.iter().any(|w| is_placeholder(w)) {
                continue;
            }
            seen += 1;
            let o = Command::new(env!("CARGO_BIN_EXE_perflab"))
                .args(&words)
                .arg("--help")
                .output()
                .unwrap();
            if !o.status.success() {
                bad.push(format!(
                    "{name}: cargo perflab {}: {}",
                    words.join(" "),
                    String::from_utf8_lossy(&o.stderr).trim()
                ));
            } else if let Err(e) = check_names(&words) {
                bad.push(format!("{name}: cargo perflab {}: {e}", words.join(" ")));
            }
        }
    }
    assert!(
        seen > 60,
        "only {seen} commands found: the extraction is broken"
    );
    assert!(
        bad.is_empty(),
        "commands that do not run as typed:\n{}",
        bad.join("\n")
    );
}

#[test]
fn extraction_finds_commands_and_a_wrong_one_is_caught() {
    let found = commands_in(
        "run `cargo perflab hint diffusion` or\ncargo perflab check fusion   # comment",
    );
    assert_eq!(found, [vec!["hint", "diffusion"], vec!["check", "fusion"]]);
    assert!(
        check_names(&[
            "run".into(),
            "diffusion".into(),
            "--variant".into(),
            "nope".into()
        ])
        .is_err()
    );
    assert!(check_names(&["run".into(), "nolesson".into()]).is_err());
    assert!(
        check_names(&[
            "run".into(),
            "diffusion".into(),
            "--param".into(),
            "dx=-1".into()
        ])
        .is_err()
    );
    assert!(
        check_names(&[
            "run".into(),
            "diffusion".into(),
            "--variant".into(),
            EXERCISE.into()
        ])
        .is_ok()
    );
}

#[test]
fn every_lesson_binary_command_parses() {
    let mut seen = 0;
    for (name, text) in texts() {
        let mut rest = text.as_str();
        while let Some(i) = rest.find("cargo run --release --bin ") {
            rest = &rest[i + "cargo run --release --bin ".len()..];
            let end = rest.find(['`', '\n', '#']).unwrap_or(rest.len());
            let words: Vec<&str> = rest[..end].split_whitespace().collect();
            let (bin, args) = match words.as_slice() {
                [bin, "--", args @ ..] => (*bin, args),
                [bin] => (*bin, &[][..]),
                other => panic!(
                    "{name}: cannot read `cargo run --release --bin {}`",
                    other.join(" ")
                ),
            };
            let Ok(lesson) = lessons::find(bin) else {
                panic!("{name}: --bin {bin} is not a lesson binary")
            };
            seen += 1;
            let exe = Path::new(env!("CARGO_BIN_EXE_perflab")).with_file_name(lesson.name());
            let o = Command::new(&exe)
                .args(args)
                .arg("--help")
                .output()
                .unwrap();
            assert!(
                o.status.success(),
                "{name}: cargo run --release --bin {bin} -- {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&o.stderr)
            );
        }
    }
    assert!(seen > 0, "no lesson-binary command found");
}
