//! Every registered lesson has its binary, its README, its bench group, and a description
//! whose parts agree (rustlings' `dev check`, for perflab).

use perflab::lessons;

fn manifest() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml")).unwrap()
}

#[test]
fn every_lesson_has_its_binary_and_readme() {
    let cargo = manifest();
    for lesson in lessons::all() {
        let name = lesson.name();
        // A lesson that links a system library (mpi: Open MPI) has its binary in a
        // workspace package of its own, so that perflab builds without the library.
        let entry = format!("[[bin]]\nname = \"{name}\"\npath = \"lessons/{name}/main.rs\"");
        let apart =
            std::fs::read_to_string(format!("{}/{name}/Cargo.toml", env!("CARGO_MANIFEST_DIR")))
                .unwrap_or_default();
        let own = format!("[[bin]]\nname = \"{name}\"\npath = \"../lessons/{name}/main.rs\"");
        assert!(
            cargo.contains(&entry) || apart.contains(&own),
            "Cargo.toml lacks the [[bin]] of lesson {name}"
        );
        // The benches' small case, which `tour --quick` runs too: there, and valid.
        assert!(
            lesson
                .sizes()
                .iter()
                .any(|s| s.name == perflab::lesson::SMALL),
            "lesson {name} has no size named {}",
            perflab::lesson::SMALL
        );
        for run in lesson.topic_runs(&lesson.small()) {
            let params = lesson.parse_params(&run).unwrap();
            lesson.prepare(&params).unwrap();
        }
        let main = std::fs::read_to_string(format!(
            "{}/lessons/{name}/main.rs",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        assert!(
            main.contains(&format!("lesson_main(\"{name}\")")),
            "lessons/{name}/main.rs runs another lesson"
        );
        let readme = std::fs::read_to_string(format!(
            "{}/lessons/{name}/README.md",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        assert!(
            readme.len() > 500,
            "lessons/{name}/README.md is too short to teach anything"
        );
        for v in lesson.variants() {
            assert!(
                readme.contains(&format!("`{}`", v.name)),
                "lessons/{name}/README.md never names variant {}",
                v.name
            );
        }
    }
}

#[test]
fn every_lesson_has_its_bench_group() {
    let cargo = manifest();
    assert!(cargo.contains("[[bench]]\nname = \"lessons\"\nharness = false"));
    let bench = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/benches/lessons.rs"))
        .unwrap();
    // The bench makes one group per registered lesson and one benchmark per variant and size.
    assert!(bench.contains("for lesson in perflab::lessons::all()"));
    assert!(bench.contains("c.benchmark_group(lesson.name())"));
    assert!(bench.contains("for (v, info) in lesson.variants().iter().enumerate()"));
    for lesson in lessons::all() {
        let sizes: Vec<&str> = lesson.sizes().iter().map(|s| s.name).collect();
        assert!(
            sizes.contains(&"default") && sizes.len() >= 2,
            "{}: sizes {sizes:?}",
            lesson.name()
        );
        for size in lesson.sizes() {
            let overrides: Vec<String> = size.params.iter().map(|s| s.to_string()).collect();
            let params = lesson.parse_params(&overrides).unwrap();
            lesson.prepare(&params).unwrap();
        }
    }
}

#[test]
fn descriptions_agree() {
    let mut names = std::collections::HashSet::new();
    for lesson in lessons::all() {
        assert!(
            names.insert(lesson.name()),
            "two lessons named {}",
            lesson.name()
        );
        assert_eq!(lessons::find(lesson.name()).unwrap().name(), lesson.name());
        let variants = lesson.variants();
        let mut seen = std::collections::HashSet::new();
        for v in &variants {
            assert!(
                seen.insert(v.name),
                "{}: two variants named {}",
                lesson.name(),
                v.name
            );
            assert!(!v.what.is_empty());
        }
        lesson.variant_index(lesson.baseline()).unwrap();
        lesson.variant_index(lesson.reference()).unwrap();
        // Topics: every variant in exactly one, each topic's baseline and reference among
        // its own variants, and the `topic` parameter choosing among exactly these.
        if !lesson.topics().is_empty() {
            for v in &variants {
                let homes = lesson
                    .topics()
                    .iter()
                    .filter(|t| t.variants.contains(&v.name))
                    .count();
                assert_eq!(
                    homes,
                    1,
                    "{}: variant {} in {homes} topics",
                    lesson.name(),
                    v.name
                );
            }
            let names: Vec<&str> = lesson.topics().iter().map(|t| t.name).collect();
            let param = lesson.params().iter().find(|p| p.name == "topic").unwrap();
            assert_eq!(
                param.kind,
                perflab::lesson::params::Kind::Choice(Box::leak(names.into_boxed_slice()))
            );
            for t in lesson.topics() {
                assert!(t.variants.contains(&t.baseline) && t.variants.contains(&t.reference));
                let owned = vec![format!("topic={}", t.name)];
                let prepared = lesson
                    .prepare(&lesson.parse_params(&owned).unwrap())
                    .unwrap();
                assert_eq!(prepared.scope().variants.len(), t.variants.len());
            }
        }
        // 0 for a lesson whose answers are whole numbers, exact in every variant.
        assert!(lesson.tolerance() >= 0.0 && lesson.tolerance() < 1e-6);
        lesson.parse_params(&[]).expect("defaults parse");
    }
    let Err(e) = lessons::find("nope") else {
        panic!("found a lesson called nope")
    };
    assert!(e.to_string().contains("valid: diffusion"));
}

#[test]
fn every_lesson_has_tutor_steps_and_an_exercise_that_fits_its_description() {
    use perflab::lesson::Action;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for lesson in lessons::all() {
        let name = lesson.name();
        assert!(!lesson.steps().is_empty(), "{name} has no tutor steps");
        for step in lesson.steps() {
            assert!(
                !step.title.is_empty() && step.text.len() > 40,
                "{name}: {}",
                step.title
            );
            let params: &[&str] = match step.action {
                Action::Read => &[],
                Action::Asm { variants } => {
                    for v in variants {
                        lesson.variant_index(v).unwrap();
                    }
                    &[]
                }
                Action::Run { variant, params }
                | Action::Profile {
                    variant, params, ..
                } => {
                    lesson.variant_index(variant).unwrap();
                    params
                }
                Action::Sweep {
                    variants,
                    param,
                    values,
                    params,
                } => {
                    // Every value sets up a problem every variant can run.
                    for value in values {
                        let mut owned: Vec<String> = params.iter().map(|s| s.to_string()).collect();
                        owned.push(format!("{param}={value}"));
                        for variant in variants {
                            let parsed = lesson.parse_params_for(&owned, variant).unwrap();
                            lesson.prepare(&parsed).unwrap();
                        }
                    }
                    params
                }
                Action::Compare { variants, params } | Action::Memory { variants, params } => {
                    for v in variants {
                        lesson.variant_index(v).unwrap();
                    }
                    // In a lesson with topics, a step's variants share one.
                    if let Some(first) = variants.first() {
                        let owned: Vec<String> = params.iter().map(|s| s.to_string()).collect();
                        let prepared = lesson
                            .prepare(&lesson.parse_params_for(&owned, first).unwrap())
                            .unwrap();
                        for v in variants {
                            let i = lesson.variant_index(v).unwrap();
                            assert!(
                                prepared.scope().variants.contains(&i),
                                "{name}: {v} and {first} in one step"
                            );
                        }
                    }
                    params
                }
            };
            let owned: Vec<String> = params.iter().map(|s| s.to_string()).collect();
            lesson
                .parse_params(&owned)
                .expect("a step's parameters parse");
        }
        let info = lesson
            .exercise()
            .unwrap_or_else(|| panic!("{name} has no exercise"));
        assert!(root.join(info.file).is_file(), "{name}: no {}", info.file);
        assert!(info.start.contains("pub fn run(") && info.start.contains("TODO"));
        assert!(info.target > 1.0 && !info.hints.is_empty());
        let owned: Vec<String> = info.params.iter().map(|s| s.to_string()).collect();
        lesson
            .prepare(&lesson.parse_params(&owned).unwrap())
            .unwrap();
        // The last step sends the student to the exercise.
        let last = lesson.steps().last().unwrap();
        assert!(
            last.text.contains(info.file),
            "{name}: the last step names {}",
            info.file
        );
    }
}
