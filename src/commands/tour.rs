//! `tour`: every lesson (every topic of a lesson with topics) compared, its baseline and
//! fastest variant profiled, and the whole written under `reports/`: Markdown and JSON
//! tables, the profiles, and the page `index.html` with its charts.

use crate::commands::compare::{compare_lesson, print_comparison};
use crate::commands::{Timing, shown};
use crate::inspect::machine::Machine;
use crate::lesson::Lesson;
use crate::measure::progress::Progress;
use crate::report;
use crate::report::html::{Learn, ProfileLink, Section};
use crate::timing::Clock;
use anyhow::Context;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

/// Seconds each profiled run may take at most (a shorter `--budget` shortens it too).
const PROFILE_BUDGET: f64 = 0.3;

/// Where the tour writes, how long each variant runs, and at what size.
#[derive(Debug, Clone)]
pub struct TourOptions {
    /// Folder for the tables, profiles and page, replaced whole (`None`: reports/tour).
    pub out: Option<PathBuf>,
    /// How long and how often each variant runs.
    pub timing: Timing,
    /// Each lesson at its small size ([`crate::lesson::SMALL`]), each profile from one run,
    /// each sweep at its two ends: a check that everything runs, not figures to quote.
    pub quick: bool,
}

/// What the page and tour.md say of a quick tour.
pub const QUICK_NOTE: &str = "A quick tour (--quick): every lesson at its benches' small \
     size, every profile from a single run, every sweep at the two ends of its range. It \
     checks that everything runs on this machine; its figures are not the lessons' and not \
     worth quoting.";

/// Tours `lessons`, as `cargo perflab tour` does.
pub fn tour(
    lessons: &[&'static dyn Lesson],
    args: &TourOptions,
    clock: &dyn Clock,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let target = args
        .out
        .clone()
        .unwrap_or_else(|| crate::files::reports().join("tour"));
    // Everything goes into a staging folder that replaces the old tour whole at the end:
    // the page always agrees with the files it links, and a bad folder fails first.
    let output = crate::files::Output::begin(&target, &mut crate::commands::profile::waiting)?;
    let stage = output.dir().to_path_buf();
    let machine = Machine::this();
    let start = crate::timing::load::Snapshot::now();
    // The page links the lessons' files from where it will be, not from the staging folder.
    let page_dir = std::path::absolute(&target).unwrap_or_else(|_| target.clone());
    let mut index = format!("# cargo perflab tour\n\nMachine: {machine}\n\n");
    if args.quick {
        writeln!(out, "{QUICK_NOTE}\n")?;
        index.push_str(&format!("{QUICK_NOTE}\n\n"));
    }
    let mut written = Vec::new();
    let mut sections = Vec::new();
    // A lesson that needs a tool this machine lacks is a note, not a failure.
    for lesson in lessons {
        if let Some(missing) = lesson.missing() {
            let note = format!("{} — not run: {missing}", lesson.name());
            writeln!(out, "{note}\n")?;
            index.push_str(&format!(
                "## {} ({})\n\n{note}\n\n",
                lesson.title(),
                lesson.name()
            ));
            sections.push((
                lesson.name(),
                Section {
                    id: lesson.name().to_string(),
                    title: format!("{} (not run)", lesson.title()),
                    level: 2,
                    html: crate::report::html::note_section(lesson.name(), lesson.title(), &note),
                },
            ));
        }
    }
    let every = lessons;
    let lessons: Vec<&'static dyn Lesson> = lessons
        .iter()
        .copied()
        .filter(|l| l.missing().is_none())
        .collect();
    let lessons = lessons.as_slice();
    // Each lesson, or each topic of a lesson with topics (at the small size, if quick).
    let runs: Vec<(&'static dyn Lesson, Vec<String>)> = lessons
        .iter()
        .flat_map(|l| {
            let size = if args.quick { l.small() } else { Vec::new() };
            l.topic_runs(&size).into_iter().map(move |p| (*l, p))
        })
        .collect();
    let all: Vec<(&dyn Lesson, Vec<String>)> = runs.iter().map(|(l, p)| (*l, p.clone())).collect();
    crate::commands::compare::guard_all(&all, &[], &args.timing, true)?;
    let bar = Progress::new(runs.len() as u64, "tour");
    for (done, (lesson, params)) in runs.iter().enumerate() {
        let lesson = *lesson;
        bar.set(done as u64);
        let c = compare_lesson(lesson, params, &[], &args.timing, clock)
            .with_context(|| format!("comparing the {} lesson {}", lesson.name(), shown(params)))?;
        print_comparison(&c, &machine, out)?;
        writeln!(out)?;
        let dir = stage.join(c.key());
        let md = report::markdown(&c, &machine);
        for (name, body) in [
            ("compare.md", md.clone()),
            ("compare.json", report::json(&c, &machine)),
        ] {
            let path = dir.join(name);
            crate::files::write_atomic(&path, body.as_bytes())?;
            written.push(path);
        }
        index.push_str(&md);
        index.push('\n');
        // Sampled and instrumented profiles of the baseline and the fastest variant, for
        // the page's links.
        let mut links = Vec::new();
        let prepared = lesson.prepare(&lesson.parse_params(params)?)?;
        let mut profiled = vec![c.baseline];
        if let Some(f) = c.fastest().map(|r| r.variant)
            && f != c.baseline
        {
            profiled.push(f);
        }
        // The profilers see this process only: variants that run elsewhere (MPI ranks)
        // have no profile here.
        profiled.retain(|name| {
            lesson
                .variant_index(name)
                .is_ok_and(|v| prepared.runs_here(v))
        });
        for name in profiled {
            let v = lesson.variant_index(name)?;
            // As long as a run may take, and no more than 0.3 s: a quick tour (the tests'
            // `--budget 0.02`) profiles quickly too.
            let (steps, line_steps) = crate::commands::profile::steps_for(
                prepared.as_ref(),
                v,
                args.timing.budget.min(PROFILE_BUDGET),
            )?;
            let options = crate::commands::profile::Options {
                functions: true,
                lines: false,
                memory: false,
                flamegraph: true,
                sort: crate::profile::func::SortKey::Cumtime,
                top: 20,
                frequency: 1000,
                full_stacks: false,
                repeat: !args.quick,
                steps,
                line_steps,
                out: dir.join(name),
                command: format!("cargo perflab tour (profile of {} {name})", c.key()),
            };
            let done = crate::commands::profile::profile(lesson, prepared.as_ref(), v, &options)?;
            for file in done.files.clone() {
                let leaf = file.file_name().and_then(|f| f.to_str()).unwrap_or("");
                if [
                    "flamegraph.svg",
                    "functions.svg",
                    "functions.txt",
                    "annotated.html",
                    "profile.pb",
                ]
                .contains(&leaf)
                    || leaf.starts_with("callgrind.out.")
                {
                    // A sampled file from too few samples says so on its link.
                    let few = match done.samples {
                        Some(n)
                            if n < crate::commands::profile::MIN_SAMPLES
                                && ["flamegraph.svg", "profile.pb", "annotated.html"]
                                    .contains(&leaf) =>
                        {
                            format!(" (too short to sample: {n} samples)")
                        }
                        _ => String::new(),
                    };
                    links.push(ProfileLink {
                        variant: name.to_string(),
                        href: format!("{}/{name}/{leaf}", c.key()),
                        leaf: leaf.to_string(),
                        note: few.trim().trim_matches(['(', ')']).to_string(),
                    });
                }
                written.push(file);
            }
        }
        let learn = learn(lesson, &page_dir);
        let (section, charts) = crate::report::html::lesson_part(&c, &links, Some(&learn));
        for (file, svg) in charts {
            let path = stage.join(file);
            crate::files::write_atomic(&path, svg.as_bytes())?;
            written.push(path);
        }
        sections.push((lesson.name(), section));
    }
    bar.finish();
    // Each sweep a lesson's tutor steps name: its table and its curve.
    let mut leaves = std::collections::HashSet::new();
    for lesson in lessons {
        for step in lesson.steps() {
            let crate::lesson::Action::Sweep {
                variants,
                param,
                values,
                params,
            } = step.action
            else {
                continue;
            };
            // A quick tour sweeps the two ends of the range only.
            let values: Vec<String> = match values {
                [first, .., last] if args.quick => vec![first.to_string(), last.to_string()],
                all => all.iter().map(|v| v.to_string()).collect(),
            };
            let params: Vec<String> = params.iter().map(|p| p.to_string()).collect();
            let mut sweeps = Vec::with_capacity(variants.len());
            let mut mds = String::new();
            for variant in variants {
                let s = crate::commands::sweep::sweep_lesson(
                    *lesson,
                    variant,
                    param,
                    &values,
                    &params,
                    &args.timing,
                    clock,
                )
                .with_context(|| format!("sweeping {} {variant} across {param}", lesson.name()))?;
                crate::commands::sweep::print_sweep(&s, out)?;
                writeln!(out)?;
                let md = format!(
                    "### {} {variant} across {param}\n\n{}\n\n{}\n",
                    lesson.name(),
                    crate::commands::sweep::markdown_table(&s),
                    crate::commands::sweep::notes(&s).join("  \n")
                );
                index.push_str(&md);
                index.push('\n');
                mds.push_str(&md);
                sweeps.push(s);
            }
            // Two sweeps of the same variants and parameter (strong and weak scaling)
            // differ in their other parameters: the second's files and anchor say which.
            let mut leaf = format!("{}/sweep-{}-{param}", lesson.name(), variants.join("-"));
            if !leaves.insert(leaf.clone()) {
                let extra: String = params
                    .iter()
                    .filter(|p| !p.starts_with("topic="))
                    .flat_map(|p| p.chars().chain(['-']))
                    .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                    .collect();
                leaf = format!("{leaf}-{}", extra.trim_end_matches('-'));
                leaves.insert(leaf.clone());
            }
            let json = match sweeps.as_slice() {
                [one] => serde_json::to_string_pretty(one)?,
                all => serde_json::to_string_pretty(all)?,
            };
            let files = [
                (format!("{leaf}.md"), mds),
                (format!("{leaf}.json"), json),
                (
                    format!("{leaf}.svg"),
                    crate::report::html::sweep_chart(&sweeps)?,
                ),
            ];
            for (name, body) in files {
                let path = stage.join(name);
                crate::files::write_atomic(&path, body.as_bytes())?;
                written.push(path);
            }
            sections.push((
                lesson.name(),
                crate::report::html::sweep_part(&sweeps, &format!("{leaf}.svg")),
            ));
        }
    }
    // Each lesson's sweeps right after its own sections (a stable sort keeps the rest).
    let place = |name: &str| every.iter().position(|l| l.name() == name);
    sections.sort_by_key(|(name, _)| place(name));
    let sections: Vec<Section> = sections.into_iter().map(|(_, s)| s).collect();
    let load = start
        .zip(crate::timing::load::Snapshot::now())
        .and_then(|(a, b)| crate::timing::load::Load::between(&a, &b));
    let path = stage.join("index.html");
    crate::files::write_atomic(
        &path,
        crate::report::html::page(
            &sections,
            &machine,
            load.as_ref(),
            args.quick.then_some(QUICK_NOTE),
        )
        .as_bytes(),
    )?;
    written.push(path);
    let path = stage.join("tour.md");
    crate::files::write_atomic(&path, index.as_bytes())?;
    written.push(path);
    let written: Vec<PathBuf> = written.iter().map(|p| output.final_path(p)).collect();
    output.commit()?;
    for p in written {
        writeln!(out, "wrote {}", crate::files::shown(&p))?;
    }
    Ok(())
}

/// Where to learn more about `lesson`, linked from a page in `page_dir` (absolute): its
/// README (`lessons/<name>/README.md` in the project's root, where there is one), its tutor
/// and its exercise, by the project's conventions.
pub fn learn(lesson: &dyn Lesson, page_dir: &Path) -> Learn {
    let root = crate::files::root();
    let root = root.canonicalize().unwrap_or(root);
    let readme = root.join("lessons").join(lesson.name()).join("README.md");
    Learn {
        readme: readme.is_file().then(|| link(page_dir, &readme)),
        tutor: format!("cargo perflab tutor {}", lesson.name()),
        exercise: lesson
            .exercise()
            .map(|e| (link(page_dir, &root.join(e.file)), e.file.to_string())),
        check: lesson
            .exercise()
            .map(|_| format!("cargo perflab check {}", lesson.name())),
    }
}

/// A link from a page in `from` (a folder) to `to`, both absolute: relative, with `/`
/// between the parts, so that it works wherever the two are and whatever serves them.
pub fn link(from: &Path, to: &Path) -> String {
    let from = from.canonicalize().unwrap_or_else(|_| normal(from));
    let to = to.canonicalize().unwrap_or_else(|_| normal(to));
    let a: Vec<Component> = from.components().collect();
    let b: Vec<Component> = to.components().collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = vec!["..".to_string(); a.len() - common];
    parts.extend(
        b[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

/// `path` with its `.` and `..` resolved by name (for a folder not made yet).
fn normal(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}
