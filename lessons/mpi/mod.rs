#![doc = include_str!("README.md")]
// The README cites its sources as [IHPCSS24], [EPPP12] and [PHPP13], which rustdoc would
// take for links.
#![allow(rustdoc::broken_intra_doc_links)]

use crate::error::{Error, Result};
use crate::lesson::params::{Kind, Limit, ParamSpec, Params};
use crate::lesson::{
    Action, Exercise, ExerciseInfo, Memory, Problem, Remote, Resize, Size, Spec, Step, Topic,
    Transfer,
};
use crate::lessons::diffusion::{self, Diffusion};
use crate::lessons::particles::whole;

pub mod launch;
pub mod programs;
pub mod variants;

/// The lesson, as the registry, CLI, binary, benches and tests see it.
pub static LESSON: Spec<Mpi> = Spec {
    name: "mpi",
    title: "Distributed memory: MPI ranks, messages and the network",
    summary: "Processes that share nothing and exchange every byte as a message through Open MPI: rings, collectives, deadlock, latency and bandwidth, and the diffusion grid split across ranks.",
    unit: "",
    params: PARAMS,
    variants: variants::ALL,
    baseline: "",
    reference: "",
    topics: TOPICS,
    // Distributed diffusion adds the same numbers in the same order as `loops`: it must
    // give the same bits; the other topics' answers are whole numbers.
    tolerance: 0.0,
    sizes: &[
        Size {
            name: "default",
            params: &["topic=diffusion"],
        },
        Size {
            name: crate::lesson::SMALL,
            params: &["dx=0.2", "runtime=1"],
        },
        Size {
            name: "memory-bound",
            params: &["topic=diffusion", "dx=0.01", "runtime=0.0025"],
        },
        Size {
            name: "latency",
            params: &["topic=pingpong", "bytes=8"],
        },
    ],
    setup: Mpi::new,
    steps: STEPS,
    work: None,
    parallel: &["threads", "blocking", "overlap"],
    exercise: Some(Exercise::new(ExerciseInfo {
        file: "lessons/mpi/exercise.rs",
        start: include_str!("exercise.start.rs"),
        target: 1.3,
        params: &["topic=diffusion", "ranks=2", "runtime=2"],
        hints: &[
            "Read the ranks line under `cargo perflab compare mpi --variants blocking,exercise -p runtime=2`: both compute the same rows, so the difference is the time in message calls. Count the messages one exchange sends: one per cell of every halo row, each paying the latency.",
            "Send each side's halo rows as one message: `world.process_at_rank(rank + 1).send(&block[last..last + halo * n])` sends them all, and `receive_into(&mut block[..halo * n])` receives them into the upper ghost rows. One latency per message instead of one per cell.",
            "Then let both neighbours trade at once instead of one after the other: `mpi::point_to_point::send_receive_into(&block[a..b], &lower, &mut block[c..d], &lower)` is one call that sends and receives and cannot deadlock, whatever the order of the ranks; ranks with no neighbour on a side skip that side.",
        ],
    })),
};

/// The lesson's programs: each a topic with its own variants.
pub const TOPICS: &[Topic] = &[
    Topic {
        name: "diffusion",
        title: "Distributed diffusion: the grid split by rows, halos exchanged",
        unit: "cell-updates",
        variants: &["loops", "threads", "blocking", "overlap"],
        baseline: "loops",
        reference: "loops",
    },
    Topic {
        name: "ring",
        title: "A ring: each rank learns its neighbour's rank",
        unit: "messages",
        variants: &["sendrecv"],
        baseline: "sendrecv",
        reference: "sendrecv",
    },
    Topic {
        name: "deadlock",
        title: "Deadlock: the order of blocking sends and receives",
        unit: "messages",
        variants: &["naive", "ordered", "paired"],
        baseline: "ordered",
        reference: "ordered",
    },
    Topic {
        name: "collectives",
        title: "Collectives: bcast, scatter, gather, reduce, allreduce, barrier, alltoall",
        unit: "calls",
        variants: &["collectives"],
        baseline: "collectives",
        reference: "collectives",
    },
    Topic {
        name: "nonblocking",
        title: "Non-blocking isend and irecv",
        unit: "messages",
        variants: &["isend"],
        baseline: "isend",
        reference: "isend",
    },
    Topic {
        name: "pingpong",
        title: "Ping-pong: latency and bandwidth, shared memory against TCP",
        unit: "round trips",
        // TCP runs on one host and across hosts alike: the baseline everywhere.
        variants: &["shm", "tcp"],
        baseline: "tcp",
        reference: "tcp",
    },
];

/// The parameters: the program, how many ranks on how many hosts, each program's own,
/// and the diffusion lesson's (the same names, ranges and defaults).
pub const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "topic",
        default: "diffusion",
        help: "which program (commands given no topic run every one)",
        kind: Kind::Choice(&[
            "diffusion",
            "ring",
            "deadlock",
            "collectives",
            "nonblocking",
            "pingpong",
        ]),
    },
    ParamSpec {
        name: "ranks",
        default: "2",
        help: "MPI processes (`mpirun -np`); more than the cores oversubscribes them (a whole number)",
        kind: Kind::Whole {
            min: 1.0,
            max: 64.0,
        },
    },
    ParamSpec {
        name: "hosts",
        default: "1",
        help: "hosts the ranks are spread over: 1 is this machine; more are network namespaces made by `lessons/mpi/hosts.sh up N` (a whole number)",
        kind: Kind::Whole { min: 1.0, max: 8.0 },
    },
    ParamSpec {
        name: "timeout",
        default: "120",
        help: "seconds one launch may take before its ranks are killed",
        kind: Kind::Real {
            min: Limit::Excl(0.0),
            max: Limit::Incl(86400.0),
        },
    },
    ParamSpec {
        name: "halo",
        default: "1",
        help: "diffusion: ghost rows each rank keeps per side, so time steps between exchanges (a whole number)",
        kind: Kind::Whole {
            min: 1.0,
            max: 256.0,
        },
    },
    ParamSpec {
        name: "scaling",
        default: "strong",
        help: "diffusion: strong keeps the grid; weak gives it `ranks` times the cells (dx/√ranks) over the same number of steps",
        kind: Kind::Choice(&["strong", "weak"]),
    },
    ParamSpec {
        name: "bytes",
        default: "8",
        help: "pingpong: bytes in each message, 0 … 16 MiB (a whole number)",
        kind: Kind::Whole {
            min: 0.0,
            max: 16777216.0,
        },
    },
    ParamSpec {
        name: "reps",
        default: "0",
        help: "pingpong: round trips timed; 0: as many as take about 0.1 s at 50 µs and 1 GB/s (a whole number)",
        kind: Kind::Whole { min: 0.0, max: 1e7 },
    },
    ParamSpec {
        name: "watchdog",
        default: "0.5",
        help: "deadlock: seconds without progress after which `naive` is declared deadlocked and ended",
        kind: Kind::Real {
            min: Limit::Excl(0.0),
            max: Limit::Incl(3600.0),
        },
    },
    diffusion::PARAMS[0],
    diffusion::PARAMS[1],
    diffusion::PARAMS[2],
    diffusion::PARAMS[3],
    diffusion::PARAMS[4],
    diffusion::PARAMS[5],
    diffusion::PARAMS[6],
];

/// The lesson's programs, as the `topic` parameter names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Program {
    /// The diffusion grid split by rows.
    Diffusion,
    /// A ring `sendrecv`.
    Ring,
    /// Blocking sends and receives in a ring, in three orders.
    Deadlock,
    /// The collective operations.
    Collectives,
    /// `isend`/`irecv` to both neighbours.
    Nonblocking,
    /// Two ranks bouncing a message.
    Pingpong,
}

impl Program {
    /// Its name, the value of `topic`.
    pub fn name(self) -> &'static str {
        match self {
            Program::Diffusion => "diffusion",
            Program::Ring => "ring",
            Program::Deadlock => "deadlock",
            Program::Collectives => "collectives",
            Program::Nonblocking => "nonblocking",
            Program::Pingpong => "pingpong",
        }
    }
    /// The program named `name`.
    pub fn named(name: &str) -> Option<Program> {
        [
            Program::Diffusion,
            Program::Ring,
            Program::Deadlock,
            Program::Collectives,
            Program::Nonblocking,
            Program::Pingpong,
        ]
        .into_iter()
        .find(|p| p.name() == name)
    }
}

/// The problem at one parameter set, as perflab and every rank read it.
#[derive(Debug, Clone, PartialEq)]
pub struct Mpi {
    /// The program.
    pub program: Program,
    /// MPI processes.
    pub ranks: usize,
    /// Hosts they are spread over (1: this machine).
    pub hosts: usize,
    /// Seconds a launch may take.
    pub timeout: f64,
    /// Ghost rows per side in distributed diffusion.
    pub halo: usize,
    /// Whether the diffusion grid grows with the ranks.
    pub weak: bool,
    /// Bytes per ping-pong message.
    pub bytes: usize,
    /// Ping-pong round trips timed.
    pub reps: usize,
    /// Seconds before `naive` is declared deadlocked.
    pub watchdog: f64,
    /// The diffusion problem (weak scaling applied).
    pub diffusion: Diffusion,
    /// Every parameter as `key=value`, handed to the ranks.
    pub args: Vec<String>,
}

impl Mpi {
    /// Reads the parameters and checks that Open MPI is here: the lesson's `setup`.
    pub fn new(p: &Params) -> Result<Mpi> {
        let mpi = Mpi::parse(p)?;
        if let Some(missing) = launch::missing() {
            return Err(missing);
        }
        Ok(mpi)
    }

    /// Reads the parameters only: what a rank does.
    pub fn parse(p: &Params) -> Result<Mpi> {
        let program = Program::named(p.word("topic")).unwrap_or(Program::Diffusion);
        let ranks = whole(p, "ranks")? as usize;
        let hosts = whole(p, "hosts")? as usize;
        if hosts > ranks {
            return Err(Error::param(
                "hosts",
                hosts,
                format!("1 ≤ hosts ≤ ranks = {ranks} (a host with no rank has no work)"),
            ));
        }
        if program == Program::Pingpong && ranks != 2 {
            return Err(Error::param(
                "ranks",
                ranks,
                "ranks = 2 for topic pingpong (two ranks bounce one message)",
            ));
        }
        let weak = p.word("scaling") == "weak";
        let mut diffusion = Diffusion::new(p)?;
        if weak && ranks > 1 {
            // ranks times the cells, over as many steps: dx/√ranks, runtime/ranks.
            let mut scaled = p.clone();
            let s = ranks as f64;
            scaled.set_real("dx", p.real("dx") / s.sqrt());
            scaled.set_real("runtime", p.real("runtime") / s);
            diffusion = Diffusion::new(&scaled)?;
        }
        let halo = whole(p, "halo")? as usize;
        if program == Program::Diffusion && ranks * halo > diffusion.nrows {
            return Err(Error::param(
                "halo",
                halo,
                format!(
                    "1 ≤ halo ≤ {} (each of the {ranks} ranks needs at least halo of the {} interior rows)",
                    (diffusion.nrows / ranks).max(1),
                    diffusion.nrows
                ),
            ));
        }
        let bytes = whole(p, "bytes")? as usize;
        let mut reps = whole(p, "reps")? as usize;
        if reps == 0 {
            // About 0.1 s of messages at 50 µs a round trip plus 1 GB/s each way: TCP's
            // cost on this kind of machine; shared memory takes less.
            let trip = 50e-6 + 2.0 * bytes as f64 / 1e9;
            reps = ((0.1 / trip) as usize).clamp(10, 100_000);
        }
        Ok(Mpi {
            program,
            ranks,
            hosts,
            timeout: p.real("timeout"),
            halo,
            weak,
            bytes,
            reps,
            watchdog: p.real("watchdog"),
            diffusion,
            args: p.iter().map(|(k, v)| format!("{k}={v}")).collect(),
        })
    }

    /// The diffusion grid's rows each rank owns: rank r holds interior rows
    /// `start[r] + 1 … start[r + 1]` (blocks as equal as whole rows allow, the larger
    /// ones first).
    pub fn rows(&self) -> Vec<usize> {
        let (n, r) = (self.diffusion.nrows, self.ranks);
        (0..=r).map(|k| k * (n / r) + k.min(n % r)).collect()
    }
}

/// A run's state: the answer, and what the launch reported.
#[derive(Debug, Default)]
pub struct Run {
    /// The values the check reads (gathered to rank 0, or computed here).
    pub values: Vec<f64>,
    /// For a launched run: what the ranks reported, or why the launch failed.
    pub remote: Option<Result<Remote>>,
}

impl Problem for Mpi {
    type State = Run;

    fn initial(&self) -> Run {
        Run::default()
    }
    /// One step is one whole run: one launch of the ranks.
    fn steps(&self) -> usize {
        1
    }
    fn units_per_step(&self) -> u64 {
        let n = self.ranks as u64;
        match self.program {
            Program::Diffusion => {
                (self.diffusion.nrows as u64).pow(2) * self.diffusion.nsteps as u64
            }
            Program::Ring | Program::Deadlock => n,
            Program::Collectives => programs::COLLECTIVES,
            Program::Nonblocking => 2 * n,
            Program::Pingpong => self.reps as u64,
        }
    }
    fn describe(&self) -> String {
        let on = match self.hosts {
            1 => format!("{} ranks", self.ranks),
            h => format!("{} ranks on {h} hosts", self.ranks),
        };
        match self.program {
            Program::Diffusion => format!(
                "{}×{} interior cells, {} steps{}, {on}, halo {}",
                self.diffusion.nrows,
                self.diffusion.nrows,
                self.diffusion.nsteps,
                if self.weak { " (weak scaling)" } else { "" },
                self.halo
            ),
            Program::Pingpong => {
                format!("{} round trips of {} bytes, {on}", self.reps, self.bytes)
            }
            Program::Deadlock => format!("{on}, watchdog {} s", self.watchdog),
            _ => on,
        }
    }
    fn values<'s>(&self, state: &'s Run) -> &'s [f64] {
        &state.values
    }
    fn take_values(&self, state: Run) -> Vec<f64> {
        state.values
    }
    fn locate(&self, index: usize) -> String {
        match self.program {
            Program::Diffusion => {
                let n = self.diffusion.npnts;
                format!("cell ({}, {}) of the grid", index / n, index % n)
            }
            _ => programs::locate(self, index),
        }
    }
    fn how_wrong(&self, got: &[f64], want: &[f64]) -> String {
        match self.program {
            Program::Diffusion => format!(
                "{:.2e} from the reference (max-norm, relative)",
                crate::lesson::max_rel_error(got, want)
            ),
            _ => programs::how_wrong(self, got, want),
        }
    }
    fn exact(&self, steps: usize) -> Option<Vec<f64>> {
        match self.program {
            Program::Diffusion => self.diffusion.exact(self.diffusion.nsteps * steps),
            _ => Some(programs::exact(self)),
        }
    }
    /// This process holds what comes back from the ranks (or what the in-process
    /// variants compute): for diffusion the grid, twice where the variant runs here.
    fn memory(&self, variant: &str) -> Memory {
        let values = 8 * match self.program {
            Program::Diffusion => (self.diffusion.npnts as u64).pow(2),
            _ => programs::values_len(self) as u64,
        };
        // A launched run reads rank 0's values file whole (8 bytes a value) and decodes it
        // into the values: both are resident at the peak.
        let here = match variant {
            "loops" => 2 * values,
            "threads" => self.diffusion.memory("parallel").run,
            _ => 2 * values,
        };
        let exact = self.exact_bytes();
        Memory {
            run: here,
            values,
            exact,
            inputs: 0,
            size: self.describe(),
        }
    }
    fn resize(&self, scale: f64) -> Resize {
        self.diffusion.resize(scale)
    }
    fn remote(&self, state: &mut Run) -> Result<Option<Remote>> {
        state.remote.take().transpose()
    }
    /// Only the diffusion lesson's own kernels run here; every other variant on ranks.
    fn runs_here(&self, variant: &str) -> bool {
        matches!(variant, "loops" | "threads")
    }
    fn missing() -> Option<Error> {
        launch::missing()
    }
    /// The ranks.
    fn workers(&self) -> Option<usize> {
        Some(self.ranks)
    }
    /// A ping-pong's round trip moves its message there and back.
    fn transfer(&self) -> Option<Transfer> {
        (self.program == Program::Pingpong).then_some(Transfer {
            amount: 2.0 * self.bytes as f64,
            unit: "B",
            transfers: 2.0,
        })
    }
}

impl Mpi {
    fn exact_bytes(&self) -> u64 {
        match self.program {
            Program::Diffusion if self.diffusion.init == diffusion::Init::Mode => {
                8 * (self.diffusion.npnts as u64).pow(2)
            }
            Program::Diffusion => 0,
            _ => 8 * programs::values_len(self) as u64,
        }
    }
}

/// The tutor's walk.
pub const STEPS: &[Step] = &[
    Step {
        title: "Ranks share nothing",
        text: "An MPI program is started as several copies of one binary, the ranks, each with its own memory; `mpirun` starts them, here on this machine. Nothing is shared: whatever one rank needs from another travels as a message. The smallest example: each rank sends its number to the rank on its right and receives from the one on its left, in one `sendrecv` (mpi4py's `comm.sendrecv`). The check compares what each rank learned with (rank + 1) mod ranks.",
        action: Action::Compare {
            variants: &["sendrecv"],
            params: &["topic=ring", "ranks=4"],
        },
    },
    Step {
        title: "Deadlock, and the order that avoids it",
        text: "If every rank first sends and only then receives, and a send waits until its message is received (as `synchronous_send` always does, and a large standard send does once MPI's buffers are full), every rank waits for a receive nobody reaches: a deadlock. `naive` does exactly that; a watchdog ends it after {watchdog} seconds without progress (the `watchdog` parameter) and its row says so. `ordered` lets even ranks send first and odd ranks receive first; `paired` leaves the pairing to MPI with `sendrecv`.",
        action: Action::Compare {
            variants: &["naive", "ordered", "paired"],
            params: &["topic=deadlock", "ranks=4"],
        },
    },
    Step {
        title: "Collectives",
        text: "Most parallel programs need a few patterns over and over: one rank's data to all (`bcast`), pieces out and back (`scatter`, `gather`), a sum on one rank or on all (`reduce`, `allreduce`), everyone's pieces to everyone (`alltoall`), and waiting for all (`barrier`). Each is one call, which MPI carries out with an algorithm suited to the ranks and the network. Every result below is checked against its arithmetic.",
        action: Action::Compare {
            variants: &["collectives"],
            params: &["topic=collectives", "ranks=4"],
        },
    },
    Step {
        title: "Non-blocking calls",
        text: "`isend` and `irecv` (mpi4py's `comm.isend`, `comm.irecv`) start a transfer and return at once, with a request to wait on; the rank waits only where it needs the data. Here every rank starts four transfers, one to and one from each neighbour, and then waits for all of them together, so no order of the ranks can block the others.",
        action: Action::Compare {
            variants: &["isend"],
            params: &["topic=nonblocking", "ranks=4"],
        },
    },
    Step {
        title: "Latency and bandwidth",
        text: "Two ranks bounce a message, from 8 bytes to 16 MiB, through Open MPI's shared-memory transport (`shm`: a copy in and a copy out) and through its TCP transport (`tcp`: the kernel's network stack, as between hosts). The chart's upper panel is the latency, half a round trip; the lower one is the bandwidth, the bytes moved there and back per second of round trip. Read from the table where each curve is flat (a fixed cost per message) and where it grows with the size (the bandwidth's limit), and what TCP costs at each size.",
        action: Action::Sweep {
            variants: &["shm", "tcp"],
            param: "bytes",
            values: &["8", "256", "8192", "262144", "16777216"],
            params: &["topic=pingpong"],
        },
    },
    Step {
        title: "Diffusion across ranks",
        text: "The diffusion grid cut into blocks of rows, one per rank. Each step a rank needs one row from each neighbour: the halo. `blocking` exchanges it with `sendrecv` and then computes; `overlap` starts the exchange, computes the rows that need no halo meanwhile, and finishes the edge rows when it arrives. Every variant gives the bits `loops` gives. The ranks line shows where each rank's time went: computing, in message calls, or waiting at the end.",
        action: Action::Compare {
            variants: &["loops", "threads", "blocking", "overlap"],
            params: &["topic=diffusion"],
        },
    },
    Step {
        title: "Strong scaling",
        text: "The same grid on {values} ranks. This machine has the cores its load line names; where ranks outnumber them, ranks take turns on a core, and the table shows what that costs.",
        action: Action::Sweep {
            variants: &["blocking"],
            param: "ranks",
            values: &["1", "2", "4"],
            params: &["topic=diffusion", "dx=0.05", "runtime=1"],
        },
    },
    Step {
        title: "Weak scaling",
        text: "Now the grid grows with the ranks: `--param scaling=weak` gives each rank as many cells as one rank had alone, over as many steps. Perfect weak scaling keeps the time per run flat while the cell-updates per second grow with the ranks.",
        action: Action::Sweep {
            variants: &["blocking"],
            param: "ranks",
            values: &["1", "2", "4"],
            params: &["topic=diffusion", "dx=0.05", "runtime=1", "scaling=weak"],
        },
    },
    Step {
        title: "Your turn",
        text: "Open lessons/mpi/exercise.rs: a correct halo exchange that sends every cell of the halo rows as a message of its own, and relays them from rank to rank. Make the distributed diffusion on {exercise.ranks} ranks at least {target}× faster than `loops` with the same bits. `cargo perflab check mpi` builds it, checks it and times it; `cargo perflab hint mpi` gives one hint at a time.",
        action: Action::Read,
    },
];
