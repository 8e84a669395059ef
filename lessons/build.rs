//! Builds the lessons' C reference kernels (`lessons/<name>/*.c`) into one static library,
//! with -O3 -march=native: the same CPU target as the Rust code (.cargo/config.toml), so
//! that the lessons compare like with like.

use std::path::PathBuf;

fn main() {
    let mut sources: Vec<PathBuf> = std::fs::read_dir("lessons")
        .expect("lessons/ is readable")
        .flatten()
        .filter(|e| e.path().is_dir())
        .flat_map(|d| std::fs::read_dir(d.path()).into_iter().flatten().flatten())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "c"))
        .collect();
    sources.sort();
    // Only the C files and the lesson registry: watching all of lessons/ would rebuild
    // the library whenever a student saves an exercise, which is built apart. A lesson
    // that brings a new C file is registered in lessons/mod.rs, which reruns this.
    println!("cargo:rerun-if-changed=lessons/mod.rs");
    for s in &sources {
        println!("cargo:rerun-if-changed={}", s.display());
    }
    if sources.is_empty() {
        return;
    }
    // A portable build (PERFLAB_PORTABLE=1, with RUSTFLAGS="-C target-cpu=x86-64-v3": what
    // `cargo perflab profile … --valgrind` makes) gives the C kernels the same target, AVX2
    // and FMA but no AVX-512, which valgrind cannot decode.
    println!("cargo:rerun-if-env-changed=PERFLAB_PORTABLE");
    let arch = match std::env::var_os("PERFLAB_PORTABLE") {
        Some(_) => "-march=x86-64-v3",
        None => "-march=native",
    };
    cc::Build::new()
        .files(&sources)
        .opt_level(3)
        .flag(arch)
        .flag_if_supported("-std=c11")
        .warnings(true)
        .compile("perflab_lessons_c");
}
