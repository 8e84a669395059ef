//! The mpi lesson's ranks: the programs `mpirun` starts, one copy per rank.
//!
//! `mpirun -np 4 target/release/mpi ring` runs the ring on four ranks, as any MPI program
//! runs; `perflab run mpi` launches the same binary with `--out FILE`, and rank 0 writes
//! the run's [`Report`] there (the values, to the bit, beside it in FILE.bin). Without
//! `--out`, rank 0 prints what it found and whether that is right.
//!
//! Every rank reads the same parameters with the lesson's own parser
//! ([`perflab::lessons::mpi::Mpi`]), so the ranks and perflab agree on the problem.
//! Each program returns, on every rank, its compute and communication seconds, and on
//! rank 0 the values of the whole run; [`rank_main`] adds the common start, the wait at
//! the end for the slowest rank, and the report.

pub mod collectives;
pub mod deadlock;
pub mod diffusion;
pub mod nonblocking;
pub mod pingpong;
pub mod ring;

use mpi::topology::SimpleCommunicator;
use mpi::traits::*;
use perflab::lesson::{Lesson, Split};
use perflab::lessons::mpi::launch::Report;
use perflab::lessons::mpi::{Mpi, Program, programs};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The student's halo exchange, registered by the exercise's binary (`mpi-exercise`).
pub use diffusion::Exchange;

/// What one rank hands back from a program.
#[derive(Debug, Default)]
pub struct Done {
    /// On rank 0, the values of the whole run (gathered from every rank); elsewhere empty.
    pub values: Vec<f64>,
    /// Seconds this rank spent computing.
    pub compute: f64,
    /// Seconds this rank spent in message calls, waits for a partner included.
    pub communicate: f64,
}

/// What a program is given.
pub struct Ctx<'a> {
    /// Every rank.
    pub world: &'a SimpleCommunicator,
    /// The problem.
    pub p: &'a Mpi,
    /// The variant's name.
    pub variant: &'a str,
    /// Where rank 0 writes the report (`--out`), if anywhere.
    pub out: Option<&'a Path>,
    /// The student's exchange, in the exercise's binary.
    pub exchange: Option<Exchange>,
}

/// A program: every rank runs it.
pub type Run = fn(&Ctx) -> Result<Done, String>;

/// Whether this process was started as a rank of one of the lesson's programs: its first
/// argument names one (`mpi ring …`), rather than a perflab command (`mpi run …`).
pub fn is_rank() -> bool {
    std::env::args()
        .nth(1)
        .is_some_and(|a| Program::named(&a).is_some())
}

/// The arguments after the program's name.
struct Args {
    program: Program,
    variant: Option<String>,
    params: Vec<String>,
    out: Option<PathBuf>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = std::env::args().skip(1);
    let name = args.next().unwrap_or_default();
    let program = Program::named(&name).ok_or_else(|| format!("unknown program '{name}'"))?;
    let mut a = Args {
        program,
        variant: None,
        params: vec![format!("topic={name}")],
        out: None,
    };
    while let Some(arg) = args.next() {
        let mut value = |what: &str| {
            args.next()
                .ok_or_else(|| format!("{arg} needs {what} after it"))
        };
        match arg.as_str() {
            "--variant" => a.variant = Some(value("a variant's name")?),
            "-p" | "--param" => a.params.push(value("key=value")?),
            "--out" => a.out = Some(PathBuf::from(value("a file's path")?)),
            other if other.contains('=') => a.params.push(other.to_string()),
            other => {
                return Err(format!(
                    "unexpected argument '{other}' (expected --variant V, -p key=value, --out FILE)"
                ));
            }
        }
    }
    Ok(a)
}

/// This rank's number as mpirun set it, before MPI is initialised (0 outside mpirun).
fn launched_rank() -> u32 {
    [
        "OMPI_COMM_WORLD_RANK",
        "PMI_RANK",
        "PMIX_RANK",
        "SLURM_PROCID",
    ]
    .iter()
    .find_map(|k| std::env::var(k).ok()?.parse().ok())
    .unwrap_or(0)
}

/// Says `message` on rank 0 only, as one line perflab's launcher recognises.
pub fn say(message: &str) {
    if launched_rank() == 0 {
        eprintln!("perflab-mpi: {message}");
    }
}

/// The variants each program runs, with the code that runs them.
fn program_of(program: Program, variant: &str) -> Option<Run> {
    let run: Run = match (program, variant) {
        (Program::Ring, "sendrecv") => ring::sendrecv,
        (Program::Deadlock, "naive" | "ordered" | "paired") => deadlock::run,
        (Program::Collectives, "collectives") => collectives::run,
        (Program::Nonblocking, "isend") => nonblocking::run,
        (Program::Pingpong, "shm" | "tcp") => pingpong::run,
        (Program::Diffusion, "blocking" | "overlap" | "exercise") => diffusion::run,
        _ => return None,
    };
    Some(run)
}

/// The entry point of a rank: parses the arguments (every rank alike, so a bad one stops
/// them all with status 2 before MPI starts), runs the program, and on rank 0 writes the
/// report or prints the result.
pub fn rank_main(exchange: Option<Exchange>) -> ExitCode {
    let lesson = &perflab::lessons::mpi::LESSON;
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            say(&e);
            return ExitCode::from(2);
        }
    };
    let topic = perflab::lessons::mpi::TOPICS
        .iter()
        .find(|t| t.name == args.program.name())
        .expect("every program is a topic");
    let variant = args.variant.clone().unwrap_or(topic.baseline.to_string());
    // The exercise is no topic's own variant: it joins the topic its parameters name.
    let listed = topic.variants.contains(&variant.as_str()) || variant == perflab::lesson::EXERCISE;
    let Some(run) = program_of(args.program, &variant).filter(|_| listed) else {
        let ranked: Vec<&str> = topic
            .variants
            .iter()
            .copied()
            .filter(|v| program_of(args.program, v).is_some())
            .collect();
        say(&format!(
            "unknown variant '{variant}' of program {} on ranks (valid: {})",
            args.program.name(),
            ranked.join(", ")
        ));
        return ExitCode::from(2);
    };
    if variant == perflab::lesson::EXERCISE && exchange.is_none() {
        say("the variant exercise runs in the exercise's binary: cargo perflab check mpi");
        return ExitCode::from(2);
    }
    // Under mpirun the world's size is the number of ranks, whatever was typed.
    let mut params = args.params.clone();
    if let Some(size) = ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_NTASKS"]
        .iter()
        .find_map(|k| std::env::var(k).ok())
    {
        params.retain(|a| !a.starts_with("ranks="));
        params.push(format!("ranks={size}"));
    }
    let p = match lesson
        .parse_params(&params)
        .and_then(|params| Mpi::parse(&params))
    {
        Ok(p) => p,
        Err(e) => {
            say(&e.to_string());
            return ExitCode::from(2);
        }
    };
    let Some((universe, _)) = mpi::initialize_with_threading(mpi::Threading::Funneled) else {
        say("MPI could not be initialised");
        return ExitCode::from(2);
    };
    let world = universe.world();
    if world.size() as usize != p.ranks {
        say(&format!(
            "ranks = {} but {} rank(s) were started: run it as `mpirun -np {} …`",
            p.ranks,
            world.size(),
            p.ranks
        ));
        return ExitCode::from(2);
    }
    let ctx = Ctx {
        world: &world,
        p: &p,
        variant: &variant,
        out: args.out.as_deref(),
        exchange,
    };
    world.barrier();
    let cpu_start = perflab::timing::load::own_cpu_seconds().unwrap_or(f64::NAN);
    let start = mpi::time();
    let done = run(&ctx);
    let end = mpi::time();
    let cpu = perflab::timing::load::own_cpu_seconds().unwrap_or(f64::NAN) - cpu_start;
    let done = match done {
        Ok(d) => d,
        Err(e) => {
            eprintln!("perflab-mpi: rank {}: {e}", world.rank());
            world.abort(3);
        }
    };
    world.barrier();
    let wait = mpi::time() - end;
    let mine = [done.compute, done.communicate, wait, end - start, cpu];
    let host = host();
    let root = world.process_at_rank(0);
    if world.rank() == 0 {
        let mut all = vec![0.0f64; 5 * world.size() as usize];
        root.gather_into_root(&mine[..], &mut all[..]);
        let hosts = gather_strings(&world, &host);
        let report = Report {
            seconds: all.chunks_exact(5).map(|c| c[3]).fold(0.0, f64::max),
            cpu: all
                .chunks_exact(5)
                .map(|c| c[4])
                .filter(|c| c.is_finite())
                .collect(),
            ranks: all
                .chunks_exact(5)
                .map(|c| Split {
                    compute: c[0],
                    communicate: c[1],
                    wait: c[2],
                })
                .collect(),
            hosts,
            stuck: None,
        };
        match ctx.out {
            Some(out) => {
                if let Err(e) = write_report(out, &report, &done.values) {
                    eprintln!("perflab-mpi: {e}");
                    return ExitCode::from(2);
                }
            }
            None => print_result(&p, &variant, &report, &done.values),
        }
    } else {
        root.gather_into(&mine[..]);
        gather_strings(&world, &host);
    }
    ExitCode::SUCCESS
}

/// The host a rank runs on: the machine's name, and where ranks run in network
/// namespaces on one machine (which share its name), the namespace's number.
fn host() -> String {
    let name = mpi::environment::processor_name().unwrap_or_default();
    match std::fs::read_link("/proc/self/ns/net") {
        Ok(ns) => format!("{name} {}", ns.to_string_lossy()),
        Err(_) => name,
    }
}

/// Every rank's string on rank 0 (fixed 128-byte fields); empty elsewhere.
fn gather_strings(world: &SimpleCommunicator, s: &str) -> Vec<String> {
    let mut field = [0u8; 128];
    let b = s.as_bytes();
    let n = b.len().min(128);
    field[..n].copy_from_slice(&b[..n]);
    let root = world.process_at_rank(0);
    if world.rank() == 0 {
        let mut all = vec![0u8; 128 * world.size() as usize];
        root.gather_into_root(&field[..], &mut all[..]);
        all.chunks_exact(128)
            .map(|c| {
                let end = c.iter().position(|&x| x == 0).unwrap_or(128);
                String::from_utf8_lossy(&c[..end]).into_owned()
            })
            .collect()
    } else {
        root.gather_into(&field[..]);
        Vec::new()
    }
}

/// Writes the report as JSON to `out` and the values beside it (`out` + ".bin"), raw
/// little-endian doubles.
pub fn write_report(out: &Path, report: &Report, values: &[f64]) -> Result<(), String> {
    let json = serde_json::to_string(report).map_err(|e| e.to_string())?;
    let mut bin = out.as_os_str().to_owned();
    bin.push(".bin");
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(&bin, bytes)
        .map_err(|e| format!("cannot write {}: {e}", Path::new(&bin).display()))?;
    std::fs::write(out, json).map_err(|e| format!("cannot write {}: {e}", out.display()))
}

/// Rank 0's words for a person who ran the program by hand.
fn print_result(p: &Mpi, variant: &str, report: &Report, values: &[f64]) {
    println!(
        "{} ({variant}) on {} ranks: {:.6} s",
        p.program.name(),
        p.ranks,
        report.seconds
    );
    if p.program == Program::Diffusion {
        println!("  total density {:.12e}", values.iter().sum::<f64>());
        // The reference, here on rank 0 after the timed run: the diffusion lesson's loops.
        use perflab::lesson::Problem;
        let d = &p.diffusion;
        let mut want = d.initial();
        perflab::lessons::diffusion::variants::loops::run(d, &mut want, d.nsteps);
        match perflab::lesson::max_rel_error(values, &want) {
            0.0 => println!("  ✓ the same bits as the diffusion lesson's loops"),
            e => println!("  ✗ differs from loops: max-norm relative difference {e:.1e}"),
        }
    } else {
        let want = programs::exact(p);
        let shown: Vec<String> = values.iter().take(16).map(|v| format!("{v}")).collect();
        println!(
            "  values {}{}",
            shown.join(" "),
            if values.len() > 16 { " …" } else { "" }
        );
        if values == want.as_slice() {
            println!("  ✓ as the arithmetic says");
        } else {
            println!("  ✗ {}", programs::how_wrong(p, values, &want));
        }
    }
    for (r, s) in report.ranks.iter().enumerate() {
        println!(
            "  rank {r} on {}: compute {:.6} s, communicate {:.6} s, wait {:.6} s",
            report.hosts.get(r).map_or("?", |h| h.as_str()),
            s.compute,
            s.communicate,
            s.wait
        );
    }
}
