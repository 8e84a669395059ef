#![doc = include_str!("README.md")]
// The README cites its sources as [EPPP12], which rustdoc would take for links.
#![allow(rustdoc::broken_intra_doc_links)]

use crate::error::{Error, Result};
use crate::lesson::params::{Kind, ParamSpec, Params};
use crate::lesson::{
    Action, Exercise, ExerciseInfo, Mark, Memory, Problem, Resize, Size, Spec, Step, Topic,
    Transfer, block,
};
use crate::lessons::particles::whole;
use crate::lessons::rng::{splitmix64, unit};
use ndarray::Array2;

pub mod variants;

/// Rows of both operands of the transpose topic (the tutorial's 20).
pub const TALL: usize = 20;
/// Columns of the inplace topic's array.
pub const WIDE: usize = 1000;
/// Bytes each point of the memory mountain passes over, at the least: the passes are
/// as many as make it up (one for a working set this large or larger).
pub const SWEPT: u64 = 128 << 20;

/// The lesson, as the registry, CLI, binary, benches and tests see it.
pub static LESSON: Spec<Cache> = Spec {
    name: "cache",
    title: "The memory hierarchy: access order, copies and the memory mountain",
    summary: "The same numbers read in another order, copied or not, blocked or not: how caches, lines and strides decide the speed, ending with the memory mountain of this machine.",
    unit: "",
    params: PARAMS,
    variants: variants::ALL,
    baseline: "",
    reference: "",
    topics: TOPICS,
    tolerance: 0.0,
    sizes: &[
        Size {
            name: "default",
            params: &["topic=matmul"],
        },
        Size {
            name: crate::lesson::SMALL,
            // No topic: the tutor's steps each name theirs, at this size.
            params: &["n=500"],
        },
    ],
    setup: Cache::new,
    steps: STEPS,
    work: None,
    parallel: &[],
    exercise: Some(Exercise::new(ExerciseInfo {
        file: "lessons/cache/exercise.rs",
        start: include_str!("exercise.start.rs"),
        target: 8.0,
        params: &["topic=matmul"],
        hints: &[
            "Look at the inner loop's reads: a[i*n + k] moves along a row, one value after the next, but b[k*n + j] moves down a column, n values (4 KiB at n = 512) a step. `cargo perflab compare cache -p topic=axis` shows what such a walk costs on a plain sum.",
            "Swap the two inner loops (i-k-j): take a[i][k] once, then add a[i][k] × b[k][j] into c[i][j] for every j. Row k of b and row i of c are then read in memory order; each c[i][j] still gets its products in the same k order, so the bits match `ijk`.",
            "Past the target? Tile the i-k-j loops in 64×64 blocks so a block of b stays in cache while a block of rows of c uses it — or call `p.a.dot(&p.b)` and read why it is faster still (the tolerance is 1e-12 there, since it sums in another order… but the exercise checks bits: the hand-written loops keep them).",
        ],
    })),
};

/// The lesson's topics: each a small experiment with its own variants.
pub const TOPICS: &[Topic] = &[
    Topic {
        name: "axis",
        title: "Summing an n×n array over axis 0 and over axis 1",
        unit: "elements",
        variants: &["axis0", "axis1", "interchange", "colmajor", "library"],
        baseline: "axis0",
        reference: "axis1",
    },
    Topic {
        name: "transpose",
        title: "A product with a transposed operand: strided, or a contiguous copy first",
        unit: "multiply-adds",
        variants: &["strided", "copy", "copied", "dot"],
        baseline: "strided",
        reference: "copied",
    },
    Topic {
        name: "inplace",
        title: "In place or a new array; a view or a copy",
        unit: "elements",
        variants: &["newarray", "inplace", "view", "selected"],
        baseline: "newarray",
        reference: "inplace",
    },
    Topic {
        name: "matmul",
        title: "Matrix multiply: i-j-k, i-k-j, tiled, and the library",
        unit: "multiply-adds",
        variants: &["ijk", "ikj", "tiled", "gemm"],
        baseline: "ijk",
        reference: "ijk",
    },
    Topic {
        name: "mountain",
        title: "The memory mountain: read speed against working set and stride",
        unit: "bytes read",
        variants: &["stride1", "stride2", "stride4", "stride8", "stride16"],
        baseline: "stride1",
        reference: "stride1",
    },
];

/// The sizes each topic runs at unless `n` is given: the tutorial's where it gives one
/// (a 10⁴×10⁴ array, K = 2¹⁸, 10⁷ values).
pub const DEFAULT_N: &[(&str, u64)] = &[
    ("axis", 10_000),
    ("transpose", 1 << 18),
    ("inplace", 10_000_000),
    ("matmul", 512),
    ("mountain", 0),
];

/// The parameters.
pub const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "topic",
        default: "axis",
        help: "which experiment (commands given no topic run every one)",
        kind: Kind::Choice(&["axis", "transpose", "inplace", "matmul", "mountain"]),
    },
    ParamSpec {
        name: "n",
        default: "0",
        help: "size, a whole number; 0: the topic's own (axis: a 10000×10000 array; transpose: K = 262144 columns; inplace: 10000000 values; matmul: 512×512); mountain: unused",
        kind: Kind::Whole { min: 0.0, max: 1e9 },
    },
    ParamSpec {
        name: "bytes",
        default: "1048576",
        help: "working set of the mountain topic in bytes, a whole number from 1024 to 1073741824 (rounded down to a multiple of 128)",
        kind: Kind::Whole {
            min: 1024.0,
            max: 1073741824.0,
        },
    },
    super::REPEAT,
    super::SEED,
];

/// Which experiment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// Column sums and row sums of a symmetric n×n array.
    Axis,
    /// b·aᵀ for two 20×n arrays.
    Transpose,
    /// Halving n values.
    Inplace,
    /// An n×n matrix product.
    Matmul,
    /// Reads over a working set of `bytes`.
    Mountain,
}

/// The problem at one parameter set: the chosen topic's inputs.
#[derive(Debug, Clone, PartialEq)]
pub struct Cache {
    /// The topic.
    pub which: Which,
    /// The topic's size: the side (axis, matmul), K (transpose), values (inplace).
    pub n: usize,
    /// The axis topic's symmetric n×n array, row-major.
    pub grid: Array2<f64>,
    /// The first operand: 20×K (transpose) or n×n (matmul).
    pub a: Array2<f64>,
    /// The second operand, the same shape.
    pub b: Array2<f64>,
    /// The inplace topic's starting array, rows of [`WIDE`].
    pub start: Array2<f64>,
    /// The mountain's working set.
    pub data: Vec<f64>,
    /// Evaluations in a full run (passes over the working set, for the mountain).
    pub repeat: usize,
}

/// What a kernel leaves: its answer, and an array it works on (the inplace topic's
/// array, the transpose topic's copy).
#[derive(Debug, Clone)]
pub struct State {
    /// The answer.
    pub out: Vec<f64>,
    /// The array.
    pub copy: Array2<f64>,
}

/// The axis topic's entry (i, j): symmetric, a multiple of 1/1024 below 1 (as a whole
/// number of 1024ths).
pub fn grid_entry(i: usize, j: usize) -> u64 {
    ((i * j + i + j) % 1021) as u64
}

/// The mountain's value number i, as a whole number: nonzero only every 16th.
pub fn mountain_entry(i: usize) -> u64 {
    if i.is_multiple_of(16) {
        ((i / 16) % 1024) as u64
    } else {
        0
    }
}

/// Largest `n` per topic: 1.6 GB of inputs at most.
fn limit(which: Which) -> u64 {
    match which {
        Which::Axis => 14_000,
        Which::Transpose => 5_000_000,
        Which::Inplace => 200_000_000,
        Which::Matmul => 4_000,
        Which::Mountain => u64::MAX,
    }
}

impl Cache {
    /// Builds the chosen topic's inputs.
    pub fn new(p: &Params) -> Result<Cache> {
        let topic = p.word("topic");
        let which = match topic {
            "axis" => Which::Axis,
            "transpose" => Which::Transpose,
            "inplace" => Which::Inplace,
            "matmul" => Which::Matmul,
            _ => Which::Mountain,
        };
        let mut n = whole(p, "n")?;
        if n == 0 {
            n = DEFAULT_N
                .iter()
                .find(|(t, _)| *t == topic)
                .map_or(0, |d| d.1);
        }
        if n > limit(which) {
            return Err(Error::param(
                "n",
                n,
                format!("0 ≤ n ≤ {} for topic {topic}", limit(which)),
            ));
        }
        let n = n as usize;
        let bytes = whole(p, "bytes")? / 128 * 128;
        let mut seed = whole(p, "seed")?;
        let repeat = whole(p, "repeat")? as usize;
        let empty = || Array2::zeros((0, 0));
        let mut c = Cache {
            which,
            n,
            grid: empty(),
            a: empty(),
            b: empty(),
            start: empty(),
            data: Vec::new(),
            repeat,
        };
        let mut ints = |rows: usize, cols: usize| {
            Array2::from_shape_simple_fn((rows, cols), || {
                (splitmix64(&mut seed) % 1024) as f64 / 1024.0
            })
        };
        match which {
            Which::Axis => {
                c.grid = Array2::from_shape_fn((n, n), |(i, j)| grid_entry(i, j) as f64 / 1024.0);
            }
            Which::Transpose => {
                c.a = ints(TALL, n);
                c.b = ints(TALL, n);
            }
            Which::Inplace => c.start = ints(n.div_ceil(WIDE), WIDE),
            Which::Matmul => {
                c.a = Array2::from_shape_simple_fn((n, n), || unit(&mut seed));
                c.b = Array2::from_shape_simple_fn((n, n), || unit(&mut seed));
            }
            Which::Mountain => {
                c.n = bytes as usize / 8;
                c.data = (0..c.n).map(|i| mountain_entry(i) as f64).collect();
            }
        }
        Ok(c)
    }

    /// Passes over the working set in a full run of the mountain: enough to pass over
    /// [`SWEPT`] bytes, times `repeat`.
    pub fn passes(&self) -> usize {
        let bytes = (8 * self.n).max(1) as u64;
        SWEPT.div_ceil(bytes).max(1) as usize * self.repeat
    }

    /// The mountain's sum over one pass, in closed form: the nonzero values are
    /// 0, 1, …, 1023 over and over, one every 16 values.
    pub fn mountain_pass(&self) -> u64 {
        let m = self.n.div_ceil(16) as u64;
        let (full, rest) = (m / 1024, m % 1024);
        full * (1023 * 1024 / 2) + rest * rest.saturating_sub(1) / 2
    }

    /// Sample positions of the inplace topic's array: 1000 spread evenly.
    fn samples(&self) -> impl Iterator<Item = usize> + '_ {
        let len = self.start.len();
        (0..1000.min(len)).map(move |s| s * len / 1000.min(len))
    }

    /// The inplace topic's checked values: the array's sum, and 1000 values spread
    /// evenly.
    fn inplace_values(&self, a: &Array2<f64>) -> Vec<f64> {
        let flat = a.as_slice().expect("row-major");
        let mut v = vec![flat.iter().sum()];
        v.extend(self.samples().map(|i| flat[i]));
        v
    }
}

impl Problem for Cache {
    type State = State;

    fn initial(&self) -> State {
        State {
            out: Vec::new(),
            copy: if self.which == Which::Inplace {
                self.start.clone()
            } else {
                Array2::zeros((0, 0))
            },
        }
    }
    fn steps(&self) -> usize {
        match self.which {
            Which::Mountain => self.passes(),
            _ => self.repeat,
        }
    }
    fn units_per_step(&self) -> u64 {
        let n = self.n as u64;
        match self.which {
            Which::Axis => n * n,
            Which::Matmul => n * n * n,
            Which::Transpose => (TALL * TALL) as u64 * n,
            Which::Inplace => self.start.len() as u64,
            Which::Mountain => 8 * n,
        }
    }
    fn describe(&self) -> String {
        let n = self.n;
        match self.which {
            Which::Axis => format!("sums of a {n}×{n} array ({})", decimal_bytes(8 * n * n)),
            Which::Transpose => format!("b·aᵀ with a, b {TALL}×{n}"),
            Which::Inplace => format!(
                "halving {}×{WIDE} values ({})",
                self.start.nrows(),
                decimal_bytes(8 * self.start.len())
            ),
            Which::Matmul => format!("a {n}×{n} matrix product"),
            Which::Mountain => format!(
                "{} passes over a working set of {} bytes",
                self.passes(),
                8 * n
            ),
        }
    }
    fn values<'s>(&self, state: &'s State) -> &'s [f64] {
        &state.out
    }
    fn take_values(&self, state: State) -> Vec<f64> {
        match self.which {
            Which::Inplace => self.inplace_values(&state.copy),
            Which::Transpose if state.out.is_empty() => {
                variants::transpose::from_copy(self, &state)
            }
            _ => state.out,
        }
    }
    /// The data and unified caches of this machine on the mountain's working-set axis.
    fn marks(&self, param: &str) -> Vec<Mark> {
        if self.which != Which::Mountain || param != "bytes" {
            return Vec::new();
        }
        crate::inspect::roofline::cache_sizes()
            .into_iter()
            .filter(|(name, _)| !name.ends_with('i'))
            .map(|(name, bytes)| Mark {
                value: bytes as f64,
                label: match bytes % (1 << 20) {
                    0 => format!("{name} {} MiB", bytes >> 20),
                    _ => format!("{name} {} KiB", bytes >> 10),
                },
            })
            .collect()
    }
    fn transfer(&self) -> Option<Transfer> {
        (self.which == Which::Mountain).then_some(Transfer {
            amount: 1.0,
            unit: "B",
            transfers: 1.0,
        })
    }
    fn locate(&self, index: usize) -> String {
        let n = self.n;
        match self.which {
            Which::Axis => format!("the sum of column {index}"),
            Which::Transpose => format!("c[{}][{}]", index / TALL, index % TALL),
            Which::Inplace if index == 0 => "the array's sum".to_string(),
            Which::Inplace => format!("sample {}", index - 1),
            Which::Matmul => format!("c[{}][{}]", index / n.max(1), index % n.max(1)),
            Which::Mountain => "the sum read".to_string(),
        }
    }
    /// As each variant's code is written (8 bytes a double; big blocks in whole pages):
    /// - axis: the inputs are the n×n array; a run holds the n sums (ndarray's
    ///   `sum_axis` a second n for the result it builds);
    /// - transpose: the inputs are a and b; a run holds the 20×20 answer, and the
    ///   contiguous copy of aᵀ (20n) in `copy` and `copied`;
    /// - inplace: the inputs are the starting array; a run's state is a copy of it, and
    ///   `newarray` and `selected` hold a second array while they write it; the values
    ///   checked are 1001;
    /// - matmul: the inputs are a and b; a run holds c (n²);
    /// - mountain: the inputs are the working set; a run holds one sum.
    fn memory(&self, variant: &str) -> Memory {
        let n = self.n as u64;
        let (run, values, size) = match self.which {
            Which::Axis => {
                let extra = if variant == "library" { 2 } else { 1 };
                (extra * block(8 * n), 8 * n, format!("a {n}×{n} array"))
            }
            Which::Transpose => {
                let copy = match variant {
                    "copy" | "copied" => block(8 * TALL as u64 * n),
                    _ => 0,
                };
                (copy + 3200, 3200, format!("two {TALL}×{n} arrays"))
            }
            Which::Inplace => {
                let one = block(8 * self.start.len() as u64);
                let two = matches!(variant, "newarray" | "selected");
                (
                    if two { 2 * one } else { one },
                    8008,
                    format!("{} values", self.start.len()),
                )
            }
            Which::Matmul => (block(8 * n * n), 8 * n * n, format!("{n}×{n} matrices")),
            Which::Mountain => (8, 8, format!("a working set of {} bytes", 8 * n)),
        };
        let inputs = [&self.grid, &self.a, &self.b, &self.start]
            .iter()
            .map(|x| {
                if x.is_empty() {
                    0
                } else {
                    block(8 * x.len() as u64)
                }
            })
            .sum::<u64>()
            + if self.data.is_empty() {
                0
            } else {
                block(8 * n)
            };
        Memory {
            run,
            values,
            exact: values,
            inputs,
            size,
        }
    }
    fn resize(&self, scale: f64) -> Resize {
        let n = self.n as f64;
        match self.which {
            Which::Axis | Which::Matmul => Resize::at_most("n", n, n * scale.sqrt()),
            Which::Mountain => Resize::at_most("bytes", 8.0 * n, 8.0 * n * scale),
            _ => Resize::at_most("n", n, n * scale),
        }
    }
    /// Where whole numbers give the answer: the axis sums and the transpose product in
    /// integer arithmetic; the inplace values halved `steps` times; the mountain's sum in
    /// closed form. (The matrix product of random doubles has none.)
    fn exact(&self, steps: usize) -> Option<Vec<f64>> {
        let n = self.n;
        match self.which {
            Which::Axis => Some(
                (0..n)
                    .map(|j| (0..n).map(|i| grid_entry(i, j)).sum::<u64>() as f64 / 1024.0)
                    .collect(),
            ),
            Which::Transpose => {
                let whole = |x: &Array2<f64>| x.mapv(|v| (v * 1024.0) as u64);
                let (a, b) = (whole(&self.a), whole(&self.b));
                let mut c = Vec::with_capacity(TALL * TALL);
                for i in 0..TALL {
                    for j in 0..TALL {
                        let s: u64 = b.row(i).iter().zip(a.row(j)).map(|(x, y)| x * y).sum();
                        c.push(s as f64 / (1u64 << 20) as f64);
                    }
                }
                Some(c)
            }
            Which::Inplace => {
                let mut a = self.inplace_values(&self.start);
                let flat = self.start.as_slice().expect("row-major");
                for _ in 0..steps {
                    for x in &mut a {
                        *x *= 0.5;
                    }
                }
                // The sum of the halved array is the halved sum only while no value
                // falls below the smallest normal double; past that, add them again.
                if flat
                    .iter()
                    .any(|&x| x != 0.0 && x * 0.5f64.powi(steps as i32) < f64::MIN_POSITIVE)
                {
                    let mut halved = flat.to_vec();
                    for _ in 0..steps {
                        for x in &mut halved {
                            *x *= 0.5;
                        }
                    }
                    a[0] = halved.iter().sum();
                }
                Some(a)
            }
            Which::Matmul => None,
            Which::Mountain => Some(vec![(self.mountain_pass() * steps as u64) as f64]),
        }
    }
}

/// The tutor's walk.
pub const STEPS: &[Step] = &[
    Step {
        title: "Five experiments",
        text: "This lesson is five small experiments, each a topic: `-p topic=axis` (or transpose, inplace, matmul, mountain) picks one. In each, the variants compute the same numbers; only the order they read memory in, or whether they copy it, changes. Memory moves to the processor in 64-byte cache lines, through caches of a few tens of KiB (L1), a few hundred KiB to a MiB (L2) and some MiB (L3): `cargo perflab machine` lists this machine's.",
        action: Action::Read,
    },
    Step {
        title: "Rows or columns",
        text: "Sum a row-major {n}×{n} array over axis 0 (down each column) and over axis 1 (along each row). Down a column, consecutive values are a whole row apart: each read brings in a 64-byte line for one 8-byte value, and a page's translation for it too. Along a row, all eight values of each line are used.",
        action: Action::Compare {
            variants: &["axis0", "axis1"],
            params: &["topic=axis", "n=4000"],
        },
    },
    Step {
        title: "Same sums, better order",
        text: "Column sums need not walk down columns: swap the loops and add each row into n running sums (interchange), or store the array column-major (`.t()` of a row-major array is a column-major view) so that a column is contiguous, or call the library's sum_axis, which does the interchange for you.",
        action: Action::Compare {
            variants: &["axis0", "interchange", "colmajor", "library"],
            params: &["topic=axis", "n=4000"],
        },
    },
    Step {
        title: "A transposed operand",
        text: "{size}, the tutorial's shapes. Reading aᵀ where it lies means reading down columns of a: its 20 values a whole row of a apart, 2 MiB at 2¹⁸ columns, which all fall in the same few cache sets. A contiguous copy costs a pass over a, shown alone as `copy`; with it the product reads in order. The library packs the blocks itself.",
        action: Action::Compare {
            variants: &[],
            params: &["topic=transpose"],
        },
    },
    Step {
        title: "In place, views and copies",
        text: "Halving an array ({size}) in place is one pass over it; `a = 0.5 * a` allocates as much again, the system maps and zeroes it, and both arrays stream through the caches. A view (`slice_mut`) is a pointer and strides: free. `select` (fancy indexing) copies, and a copy is a pass over memory like any arithmetic pass.",
        action: Action::Compare {
            variants: &[],
            params: &["topic=inplace"],
        },
    },
    Step {
        title: "The matrix multiply ladder",
        text: "i-j-k walks down a column of b in its inner loop: a line per value. Swapping to i-k-j reads every array along its rows and lets the compiler vectorize; tiling keeps a block of b in cache while it is reused; the matrixmultiply crate behind ndarray's dot adds packing and a register-blocked SIMD kernel.",
        action: Action::Compare {
            variants: &[],
            params: &["topic=matmul"],
        },
    },
    Step {
        title: "Why ijk is slow, in machine code",
        text: "Compare the two summaries' packed SIMD and scalar floating-point counts. ijk's inner loop runs down a column of b, values n apart, so the compiler cannot load several at once: it is scalar, one multiply-add per value. ikj's inner loop runs along rows, so it can be packed: a ymm instruction handles four doubles, a zmm one eight (which one your machine gets is in the counts).",
        action: Action::Asm {
            variants: &["ijk", "ikj"],
        },
    },
    Step {
        title: "The memory mountain",
        text: "Read a working set from 1 KiB to 256 MiB, pass after pass, at strides of 1 to 16 values. Every point reads the same number of bytes: a stride of s reads one value in s, so it makes s times the passes. The throughput (bytes read per second) falls in steps where the set outgrows L1, L2 and L3, marked on the chart with this machine's sizes; and it falls with the stride once the set is out of L1, since a line of 64 bytes is fetched whole for the one value in it that a wide stride uses.",
        action: Action::Sweep {
            variants: &["stride1", "stride2", "stride4", "stride8", "stride16"],
            param: "bytes",
            values: &[
                "1024",
                "4096",
                "16384",
                "65536",
                "262144",
                "1048576",
                "4194304",
                "16777216",
                "67108864",
                "268435456",
            ],
            params: &["topic=mountain"],
        },
    },
    Step {
        title: "Your turn",
        text: "Open lessons/cache/exercise.rs: the i-j-k matrix product. Make it at least {target}× faster than `ijk` ({exercise.size}), with the same bits. `cargo perflab check cache` rebuilds, checks and times it; `cargo perflab hint cache` gives one hint at a time.",
        action: Action::Read,
    },
];

/// Whole megabytes (the seeds' unit), or kilobytes below one megabyte: "800 MB", "8 kB".
fn decimal_bytes(bytes: usize) -> String {
    match bytes {
        b if b >= 1_000_000 => format!("{} MB", b / 1_000_000),
        b => format!("{} kB", b.div_ceil(1000)),
    }
}
