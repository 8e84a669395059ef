//! The cache kernels, one module per topic. Each computes its topic's answer `steps`
//! times into the state.

use super::Cache;
use crate::lesson::Variant;

pub mod axis;
pub mod inplace;
pub mod matmul;
pub mod mountain;
pub mod transpose;

/// Every variant, topic by topic, in teaching order.
pub static ALL: &[Variant<Cache>] = &[
    variant!(
        "axis0",
        axis::axis0,
        "column sums (axis 0) down each column: consecutive reads a row (8n bytes) apart, a cache line and often a page for every value"
    ),
    variant!(
        "axis1",
        axis::axis1,
        "row sums (axis 1) along each row: consecutive reads next to each other, all of every cache line used"
    ),
    variant!(
        "interchange",
        axis::interchange,
        "column sums again, loops swapped: each row added into n running sums, so memory is read in order (and the adds vectorize)"
    ),
    variant!(
        "colmajor",
        axis::colmajor,
        "column sums of the same numbers stored column-major (`.t()`, a view): down each column is now contiguous"
    ),
    variant!(
        "library",
        axis::library,
        "ndarray's sum_axis(Axis(0)): the library adds whole rows, in memory order"
    ),
    variant!(
        "strided",
        transpose::strided,
        "b·aᵀ reading aᵀ where it lies: each row of aᵀ is a column of a, 20 values 8K bytes apart"
    ),
    variant!(
        "copy",
        transpose::copy,
        "only the contiguous copy of aᵀ, to see its cost (the check multiplies with it afterwards, untimed)"
    ),
    variant!(
        "copied",
        transpose::copied,
        "copy aᵀ to a contiguous array first, then the same product reading it in order"
    ),
    variant!(
        "dot",
        transpose::dot,
        "ndarray's b.dot(&a.t()): matrixmultiply packs blocks of both operands itself"
    ),
    variant!(
        "newarray",
        inplace::newarray,
        "a = 0.5 * a: a new array allocated and written, the old one freed"
    ),
    variant!(
        "inplace",
        inplace::inplace,
        "a *= 0.5: one pass, reading and writing the same memory"
    ),
    variant!(
        "view",
        inplace::view,
        "halved in place through a view (slice_mut): a view copies nothing"
    ),
    variant!(
        "selected",
        inplace::copied,
        "select (fancy indexing) copies the rows into a new array, which is halved and kept: one more pass"
    ),
    variant!(
        "ijk",
        matmul::ijk,
        "the definition, i-j-k: the inner loop walks down a column of b, a cache line per value"
    ),
    variant!(
        "ikj",
        matmul::ikj,
        "loops interchanged, i-k-j: rows of b added into rows of c, all in memory order (and vectorized)"
    ),
    variant!(
        "tiled",
        matmul::tiled,
        "i-k-j in 64×64 tiles: a block of b is reused while it is still in cache"
    ),
    variant!(
        "gemm",
        matmul::dot,
        tolerance = 1e-12,
        "ndarray's a.dot(&b), the matrixmultiply crate: packed cache-sized blocks and a SIMD micro-kernel (sums in another order)"
    ),
    variant!(
        "stride1",
        mountain::stride1,
        "reads every value of the working set"
    ),
    variant!("stride2", mountain::stride2, "reads every second value"),
    variant!("stride4", mountain::stride4, "reads every fourth value"),
    variant!(
        "stride8",
        mountain::stride8,
        "reads every eighth value: one per 64-byte cache line"
    ),
    variant!(
        "stride16",
        mountain::stride16,
        "reads every sixteenth value: every other cache line"
    ),
];
