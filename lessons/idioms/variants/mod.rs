//! The idioms kernels, one module per topic. Each kernel computes its topic's answer
//! `steps` times into the output; the variants of a topic give the same answer (the same
//! bits, except where a variant names its own rounding).

// Every kernel has the signature `fn(&Idioms, &mut Vec<f64>, usize)` that
// `lesson::Kernel` sets.
#![allow(clippy::ptr_arg)]

use super::Idioms;
use crate::lesson::Variant;

pub mod counting;
pub mod hoisting;
pub mod insert;
pub mod powers;
pub mod queue;
pub mod squares;
pub mod taylor;

/// Every variant, topic by topic, in teaching order.
pub static ALL: &[Variant<Idioms>] = &[
    variant!(
        "push",
        squares::push,
        "a loop pushes each square onto a Vec that starts empty: it grows by reallocating and copying, every push checks the capacity, and the sum reads it all back"
    ),
    variant!(
        "collect",
        squares::collect,
        "map and collect: the iterator knows its length, so the Vec is allocated once and filled without capacity checks (Python's list comprehension)"
    ),
    variant!(
        "sum",
        squares::sum,
        "the squares summed as they are made, with no Vec at all (a generator expression inside sum)"
    ),
    variant!(
        "hashmap",
        counting::hashmap,
        "counts in a HashMap with the standard SipHash hasher: each item hashes its key and probes the table (Python's dict or Counter)"
    ),
    variant!(
        "array",
        counting::array,
        "the keys are small whole numbers, so each indexes an array of counts directly: no hashing, no probing"
    ),
    variant!(
        "remove0",
        queue::remove0,
        "the queue is a Vec and each pop is remove(0), which shifts every remaining element one place: O(n) per pop (Python's list.pop(0))"
    ),
    variant!(
        "deque",
        queue::deque,
        "the queue is a VecDeque, a ring buffer: pop_front moves the front index, O(1) per pop (collections.deque)"
    ),
    variant!(
        "scan",
        insert::scan,
        "each value is inserted into a sorted Vec at a place found by a linear scan: O(n) comparisons, then O(n) moves"
    ),
    variant!(
        "bisect",
        insert::bisect,
        "the place is found by bisection (partition_point, Python's bisect): O(log n) comparisons, but the insert still moves half the list"
    ),
    variant!(
        "heaps",
        insert::heaps,
        "a better data structure: a max-heap of the lower half and a min-heap of the upper half give the median with O(log n) work per insert"
    ),
    variant!(
        "lookup",
        hoisting::lookup,
        "offset and scale are looked up by name in the settings map for every value: two string hashes and probes per value (Python's repeated attribute lookups)"
    ),
    variant!(
        "hoisted",
        hoisting::hoisted,
        "offset and scale are read once, before the loop: what is left is arithmetic, which the compiler vectorizes"
    ),
    variant!(
        "recursive",
        taylor::recursive,
        "the book's call graph: each coefficient calls a factorial that recurses down to 0! again, 188 000 calls in all for 500 terms of each series"
    ),
    variant!(
        "memoized",
        taylor::memoized,
        "factorial remembers every k! it has computed, so a call recurses at most once, into a remembered answer: 1249 calls for 500 terms of each series"
    ),
    variant!(
        "running",
        taylor::running,
        "no factorial at all: each coefficient is the previous one divided by k (rounded differently, within 1e-12)"
    ),
    variant!(
        "powf",
        powers::powf,
        "x.powf(e) with e = 2 held as data: one call of the C library's general pow per value, no SIMD (NumPy's a**2.1)"
    ),
    variant!(
        "powi",
        powers::powi,
        "x.powi(e) with e = 2 held as data: a call of the compiler's integer-power helper __powidf2 per value, which multiplies by repeated squaring"
    ),
    variant!(
        "multiply",
        powers::multiply,
        "x * x: one multiplication, which the compiler packs four to a 256-bit register (NumPy's a*a, and a**2 by its special case)"
    ),
];
