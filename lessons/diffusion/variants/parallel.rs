//! `parallel`: rows split across a team of rayon threads that lives for the whole run.
//!
//! Each thread owns a block of rows, kept in its own two buffers together with `k` ghost
//! rows copied from each neighbour (so its data stays in its own core's cache), and
//! updated by the `fused` pass. Threads meet only every `k` steps: a ghost row is valid
//! for as many steps as it is deep, so between meetings each thread recomputes a shrinking
//! band of its neighbours' rows rather than waiting for them. At a meeting every thread
//! publishes the rows its neighbours will need, waits at a spinning barrier, and copies its
//! neighbours' rows into its ghosts. This is the halo exchange of a distributed-memory
//! code with deep halos: a few percent of extra arithmetic buys `k` times fewer
//! synchronisations, and each one costs whatever the slowest thread lost since the last.
//!
//! The team balances its own load. Equal blocks finish together only on equal cores, and
//! cores are often not equal: a laptop's performance and efficiency cores, a core that
//! also serves interrupts, or, on a virtual machine, a core the host shares with other
//! work. With a fixed split, the fast thread waits at every meeting for the slow one. So at
//! each meeting every thread also publishes how fast it went (rows per second over the
//! last segment); all threads fold these into the same smoothed speeds and move each
//! boundary between blocks a few rows towards the split that would finish together (the
//! dynamic load balancing that MPI codes do between time steps). Which thread computes a
//! row never changes what is computed, so the result is the same to the bit.
//!
//! Each team member is pinned to a core of its own (OpenMP's `OMP_PROC_BIND`), where
//! there are enough. New threads tend to start on their parent's core, and until the
//! scheduler moves one away, two spinning team members take turns on one core while
//! another core idles. On this 2-core machine that made the median small-grid run
//! (dx = 0.15) twice as slow as the pinned one (17.6 ms against 7.9 ms).

use super::Diffusion;
use super::fused::pass;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Instant;

/// Ghost rows on each side of a block: steps between two meetings of the team.
const HALO: usize = 16;

/// Weight of the newest measurement in each thread's smoothed speed: small enough that one
/// interrupted segment does not swing the split, large enough to follow a lasting change
/// within a few meetings.
const SMOOTHING: f64 = 0.25;

/// A barrier whose waiters spin, checking after every pause, and yield their core only
/// after a long wait: cheap when every thread has a core, still correct when they do not.
/// (`std::sync::Barrier` sleeps in the kernel, and waking a sleeper costs microseconds; an
/// exponential backoff overshoots by as much, since one `pause` is ~40 ns on recent x86.)
struct SpinBarrier {
    arrived: AtomicUsize,
    threads: usize,
}

impl SpinBarrier {
    /// Waits until every thread has arrived for the `round`-th time (rounds count from 1).
    fn wait(&self, round: usize) {
        self.arrived.fetch_add(1, Ordering::AcqRel);
        let mut spins = 0u32;
        while self.arrived.load(Ordering::Acquire) < round * self.threads {
            if spins < 20_000 {
                spins += 1;
                std::hint::spin_loop();
            } else {
                std::thread::yield_now();
            }
        }
    }
}

/// What a thread publishes at a meeting, one slot per meeting parity so that a fast
/// thread never overwrites what its neighbour has yet to read.
struct Slots {
    /// Rows for the thread above (its new ghosts, and any rows it takes over).
    above: [Mutex<Vec<f64>>; 2],
    /// Rows for the thread below.
    below: [Mutex<Vec<f64>>; 2],
    /// Rows computed per second in the last segment, as `f64` bits.
    speed: [AtomicU64; 2],
}

/// The fixed shape of a run: ghost depth, and how far boundaries may move.
#[derive(Clone, Copy, Debug)]
struct Layout {
    /// Ghost rows per inner side, and steps between meetings.
    k: usize,
    /// The most rows a boundary moves at one meeting.
    shift: usize,
}

impl Layout {
    /// The fewest rows a block may own. A thread sends each neighbour the rows it needs
    /// from the thread's old block: `k` ghost rows, plus up to `shift` rows taken over.
    fn min_block(&self) -> usize {
        self.k + self.shift
    }
}

/// A rule that picks the boundaries in force after the next meeting, writing them into
/// its last argument, from the current ones (`cuts[t]..cuts[t + 1]` are thread t's rows)
/// and each thread's smoothed speed. It allocates nothing: it runs at every meeting.
type Balance = fn(&Layout, usize, &[usize], &[f64], &mut [usize]);

/// Runs `steps` steps with one block of rows per thread, balanced by measured speed.
#[perflab::instrument]
pub fn run(p: &Diffusion, rho: &mut Vec<f64>, steps: usize) {
    team(p, rho, steps, balance);
}

/// Moves each boundary towards the split at which every thread would take the same time
/// per step: thread t's rows, plus the ghost rows it recomputes, in proportion to its
/// speed. The move is limited as `limit` says.
fn balance(layout: &Layout, _meeting: usize, cuts: &[usize], speed: &[f64], next: &mut [usize]) {
    let threads = speed.len();
    let total: f64 = speed.iter().sum();
    if !(total.is_finite() && total > 0.0) {
        return next.copy_from_slice(cuts);
    }
    // Rows a thread recomputes per step on average: (k - 1) / 2 per inner side.
    let extra = |t: usize| {
        let sides = usize::from(t > 0) + usize::from(t + 1 < threads);
        (layout.k as f64 - 1.0) / 2.0 * sides as f64
    };
    let rows = (cuts[threads] - cuts[0]) as f64;
    let per_speed = (rows + (0..threads).map(extra).sum::<f64>()) / total;
    // Boundary i is wanted where the blocks of threads 0..i, sized so, would end.
    let mut target = cuts[0] as f64;
    limit(layout, cuts, next, |i| {
        target += (per_speed * speed[i - 1] - extra(i - 1)).max(0.0);
        target
    });
}

/// Keeps every boundary where it is.
fn stay(_layout: &Layout, _meeting: usize, cuts: &[usize], _speed: &[f64], next: &mut [usize]) {
    next.copy_from_slice(cuts);
}

/// Writes into `next` the boundaries nearest to those `wanted` (asked for boundaries
/// 1, 2, … in turn) that move at most `shift` rows each and leave every block at least
/// `min_block` rows; a boundary that cannot move stays where it is. Given blocks of at
/// least `min_block` rows, every neighbour can then send the rows asked of it.
fn limit(
    layout: &Layout,
    cuts: &[usize],
    next: &mut [usize],
    mut wanted: impl FnMut(usize) -> f64,
) {
    next.copy_from_slice(cuts);
    let (shift, min) = (layout.shift as f64, layout.min_block());
    for i in 1..cuts.len() - 1 {
        let want = wanted(i);
        let (lowest, highest) = (next[i - 1] + min, cuts[i + 1].saturating_sub(min));
        if lowest > highest {
            continue;
        }
        let step = (want - cuts[i] as f64).round().clamp(-shift, shift);
        next[i] = (cuts[i] as f64 + step).clamp(lowest as f64, highest as f64) as usize;
    }
}

/// Runs `steps` steps with one block of rows per thread, its boundaries moved at each
/// meeting by `rule`. Returns how many meetings moved a boundary.
fn team(p: &Diffusion, rho: &mut Vec<f64>, steps: usize, rule: Balance) -> usize {
    let n = p.npnts;
    let rows = n - 2;
    let threads = rayon::current_num_threads().clamp(1, rows);
    let per = rows.div_ceil(threads);
    let threads = rows.div_ceil(per);
    let start: Vec<usize> = (0..=threads).map(|t| (1 + t * per).min(n - 1)).collect();
    let smallest = (0..threads).map(|t| start[t + 1] - start[t]).min();
    let k = HALO.min(smallest.unwrap_or(1));
    let layout = Layout {
        k,
        shift: (k / 4).max(1),
    };
    // Moving a boundary needs room on both sides of it; tiny blocks stay where they are.
    let rule = if smallest.unwrap_or(0) >= layout.min_block() {
        rule
    } else {
        stay
    };
    let barrier = SpinBarrier {
        arrived: AtomicUsize::new(0),
        threads,
    };
    let most = (k + layout.shift) * n;
    let slots: Vec<Slots> = (0..threads)
        .map(|_| Slots {
            above: [(); 2].map(|_| Mutex::new(Vec::with_capacity(most))),
            below: [(); 2].map(|_| Mutex::new(Vec::with_capacity(most))),
            speed: [(); 2].map(|_| AtomicU64::new(0)),
        })
        .collect();
    // A pool of our own: team members wait for each other, so they must not share threads
    // with unrelated rayon work.
    let Ok(pool) = rayon::ThreadPoolBuilder::new().num_threads(threads).build() else {
        super::fused::run(p, rho, steps);
        return 0;
    };
    let src: &[f64] = rho;
    // The cores this process may run on; pinning only where each thread gets its own.
    let cores = core_affinity::get_core_ids().unwrap_or_default();
    let pin = cores.len() >= threads;
    let blocks: Vec<(usize, Vec<f64>, usize)> = pool.broadcast(|ctx| {
        let t = ctx.index();
        if pin {
            // A refusal (a restricted container, say) leaves the thread where it is.
            core_affinity::set_for_current(cores[t]);
        }
        let (top, bottom) = (t == 0, t + 1 == threads);
        // The rows a block a..b needs, its ghosts included (the fixed boundary row on an
        // outer side), and the window of rows kept, with room for the block to move.
        let needs = |a: usize, b: usize| {
            let lo = if top { 0 } else { a - k };
            (lo, if bottom { n } else { b + k })
        };
        let window = |a: usize, b: usize| {
            let (lo, hi) = needs(a, b);
            (lo.saturating_sub(k), (hi + k).min(n))
        };
        let mut cuts = start.clone();
        let mut next_cuts = start.clone();
        let mut speed = vec![0.0; threads];
        let (mut lo, mut hi) = window(cuts[t], cuts[t + 1]);
        let mut cur = src[lo * n..hi * n].to_vec();
        let mut next = cur.clone();
        let mut done = 0;
        let mut meeting = 0;
        let mut moves = 0;
        while done < steps {
            let (a, b) = (cuts[t], cuts[t + 1]);
            let segment = k.min(steps - done);
            let clock = Instant::now();
            let mut computed = 0;
            for j in 0..segment {
                // Rows still valid after j steps of this segment, less the fixed boundary.
                let from = if top { 1 } else { a - k + 1 + j };
                let to = if bottom { n - 1 } else { b + k - 1 - j };
                computed += to - from;
                let (from, to) = (from - lo, to - lo);
                pass(
                    &cur[(from - 1) * n..(to + 1) * n],
                    &mut next[from * n..to * n],
                    n,
                    p.coef,
                );
                std::mem::swap(&mut cur, &mut next);
            }
            let seconds = clock.elapsed().as_secs_f64().max(1e-9);
            done += segment;
            if done == steps || threads == 1 {
                continue;
            }
            let parity = meeting % 2;
            meeting += 1;
            // The thread above will own rows up to `na` and need k more below that; it has
            // everything above `a`. Likewise for the thread below.
            let (na, nb) = (next_cuts[t], next_cuts[t + 1]);
            let mine = &slots[t];
            if !top {
                let mut rows = lock(&mine.above[parity]);
                rows.clear();
                rows.extend_from_slice(&cur[(a - lo) * n..(na + k - lo) * n]);
            }
            if !bottom {
                let mut rows = lock(&mine.below[parity]);
                rows.clear();
                rows.extend_from_slice(&cur[(nb - k - lo) * n..(b - lo) * n]);
            }
            let rate = computed as f64 / seconds;
            mine.speed[parity].store(rate.to_bits(), Ordering::Relaxed);
            barrier.wait(meeting);
            let (need_lo, need_hi) = needs(na, nb);
            if need_lo < lo || need_hi > hi {
                let moved = window(na, nb);
                slide(&mut cur, n, (lo, hi), moved);
                slide(&mut next, n, (lo, hi), moved);
                (lo, hi) = moved;
            }
            if !top {
                let rows = lock(&slots[t - 1].below[parity]);
                cur[(na - k - lo) * n..(a - lo) * n].copy_from_slice(&rows);
            }
            if !bottom {
                let rows = lock(&slots[t + 1].above[parity]);
                cur[(b - lo) * n..(nb + k - lo) * n].copy_from_slice(&rows);
            }
            // Every thread folds the same published speeds in the same order, so all of
            // them agree on the next boundaries without another meeting.
            for (s, slot) in speed.iter_mut().zip(&slots) {
                let v = f64::from_bits(slot.speed[parity].load(Ordering::Relaxed));
                *s = if meeting == 1 {
                    v
                } else {
                    *s + SMOOTHING * (v - *s)
                };
            }
            moves += usize::from(cuts != next_cuts);
            std::mem::swap(&mut cuts, &mut next_cuts);
            rule(&layout, meeting, &cuts, &speed, &mut next_cuts);
        }
        let (a, b) = (cuts[t], cuts[t + 1]);
        (a, cur[(a - lo) * n..(b - lo) * n].to_vec(), moves)
    });
    for (a, block, _) in &blocks {
        rho[a * n..a * n + block.len()].copy_from_slice(block);
    }
    blocks.first().map_or(0, |b| b.2)
}

/// Moves a buffer holding grid rows `from.0..from.1` to hold rows `to.0..to.1`, keeping
/// the rows the two ranges share (the others are filled before they are read). It grows
/// in place, so a block that wanders back and forth allocates only when it outgrows every
/// earlier window.
fn slide(buf: &mut Vec<f64>, n: usize, from: (usize, usize), to: (usize, usize)) {
    let (first, last) = (from.0.max(to.0), from.1.min(to.1));
    let len = (to.1 - to.0) * n;
    if len > buf.capacity() {
        // Room for HALO rows more than asked, so that a growing block reallocates rarely.
        buf.reserve_exact(len + HALO * n - buf.len());
    }
    if len > buf.len() {
        buf.resize(len, 0.0);
    }
    if first < last {
        buf.copy_within(
            (first - from.0) * n..(last - from.0) * n,
            (first - to.0) * n,
        );
    }
    buf.truncate(len);
}

/// Locks a slot; a poisoned lock only means another thread panicked, and the rows in it
/// are still whole.
fn lock(m: &Mutex<Vec<f64>>) -> std::sync::MutexGuard<'_, Vec<f64>> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lesson::Problem;

    /// A rule that swings every boundary as far as allowed, up at odd meetings and down at
    /// even ones, the opposite way for every other boundary: the data movement that
    /// balancing relies on, exercised at every meeting.
    fn swing(layout: &Layout, meeting: usize, cuts: &[usize], _: &[f64], next: &mut [usize]) {
        let up = |i: usize| (meeting + i).is_multiple_of(2);
        let sign = |i: usize| if up(i) { 1.0 } else { -1.0 };
        limit(layout, cuts, next, |i| {
            cuts[i] as f64 + sign(i) * layout.shift as f64
        });
    }

    /// A rule that pushes every boundary down as far as allowed at every meeting, so that
    /// blocks leave their windows and the buffers slide.
    fn drift(layout: &Layout, _: usize, cuts: &[usize], _: &[f64], next: &mut [usize]) {
        limit(layout, cuts, next, |i| (cuts[i] + layout.shift) as f64);
    }

    fn grid(dx: f64) -> (Diffusion, Vec<f64>) {
        let lesson = crate::lessons::find("diffusion").unwrap();
        let params = lesson.parse_params(&[format!("dx={dx}")]).unwrap();
        let p = Diffusion::new(&params).unwrap();
        let rho = p.initial();
        (p, rho)
    }

    #[test]
    fn moving_boundaries_change_no_bit() {
        for threads in [2, 3, 4] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            for (dx, steps) in [(0.1, 200), (0.2, 145)] {
                let (p, start) = grid(dx);
                let mut want = start.clone();
                super::super::loops::run(&p, &mut want, steps);
                let rules = [
                    ("swing", swing as Balance),
                    ("drift", drift),
                    ("balance", balance),
                ];
                for (name, rule) in rules {
                    let mut got = start.clone();
                    let moves = pool.install(|| team(&p, &mut got, steps, rule));
                    let case = format!("{name}, {threads} threads, dx {dx}, {steps} steps");
                    assert!(got == want, "{case}");
                    match name {
                        // Every meeting but the first moves the boundaries.
                        "swing" => assert_eq!(moves, (steps - 1) / HALO - 1, "{case}"),
                        // 4 rows a move: 5 moves take a block past its window's 16 spare
                        // rows (on the larger grid, whose blocks have room to shrink).
                        "drift" if dx == 0.1 => assert!(moves >= 5, "{case}: {moves} moves"),
                        _ => {}
                    }
                }
            }
        }
    }

    fn balanced(layout: &Layout, cuts: &[usize], speed: &[f64]) -> Vec<usize> {
        let mut next = vec![0; cuts.len()];
        balance(layout, 1, cuts, speed, &mut next);
        next
    }

    #[test]
    fn boundaries_follow_speed_within_limits() {
        let layout = Layout { k: 16, shift: 4 };
        let even = vec![1, 101, 201];
        // Equal speeds: the even split stays.
        assert_eq!(balanced(&layout, &even, &[1.0, 1.0]), even);
        // The first thread twice as fast: its block grows, by at most `shift` at a time,
        // until it owns about two thirds of the rows (each thread also recomputes 7.5).
        let mut cuts = even.clone();
        for _ in 0..40 {
            let next = balanced(&layout, &cuts, &[2.0, 1.0]);
            assert!(next[1].abs_diff(cuts[1]) <= layout.shift);
            cuts = next;
        }
        let first = cuts[1] - cuts[0];
        assert!((135..=136).contains(&first), "{cuts:?}");
        // One thread stalled (speed zero): the other takes all but the smallest block.
        let mut cuts = even.clone();
        for _ in 0..40 {
            cuts = balanced(&layout, &cuts, &[0.0, 1.0]);
        }
        assert_eq!(cuts[1] - cuts[0], layout.min_block(), "{cuts:?}");
        // Blocks too small to move keep their boundaries.
        let tight = vec![1, 21, 41];
        assert_eq!(balanced(&layout, &tight, &[5.0, 1.0]), tight);
    }

    #[test]
    fn sliding_keeps_the_shared_rows() {
        let n = 3;
        let mut buf: Vec<f64> = (0..12).map(f64::from).collect(); // rows 10..14
        slide(&mut buf, n, (10, 14), (12, 17));
        assert_eq!(buf.len(), 15);
        assert_eq!(&buf[..6], &[6.0, 7.0, 8.0, 9.0, 10.0, 11.0]);
        slide(&mut buf, n, (12, 17), (11, 13));
        assert_eq!(buf.len(), 6);
        assert_eq!(&buf[3..6], &[6.0, 7.0, 8.0]);
    }
}
