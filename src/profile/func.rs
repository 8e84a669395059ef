//! The function profiler: cProfile's role.
//!
//! A function marked `#[perflab::instrument]` opens a [`Scope`] on entry and closes it on
//! exit. While a [`Session`] is running, each thread records its calls in its own call
//! tree (a node per distinct call path, with its call count, inclusive and exclusive
//! time), so callers are never lost and threads never contend. Each thread takes its own
//! tree's lock once per outermost scope, not per call; the session takes every lock at the
//! end to merge the trees, which is how rayon workers' calls are summed. Outside a
//! session a scope costs one relaxed atomic load.
//!
//! From the merged tree come pstats' table ([`Profile::stats`], [`Profile::table`]),
//! KCachegrind's callgrind format ([`Profile::callgrind`]) and folded stacks for inferno
//! ([`Profile::folded`]).

use crate::profile::registry::{Sites, display_file, id_of, lock, name_matches, qualified};
use crate::profile::ticks;
use crate::timing::format_seconds;
use parking_lot::lock_api::ArcMutexGuard;
use parking_lot::{Mutex, RawMutex};
use std::cell::RefCell;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering::Relaxed};
use std::sync::{Arc, MutexGuard};

/// Where an instrumented function is defined. `#[perflab::instrument]` makes one static
/// per function.
pub struct Site {
    name: &'static str,
    module: &'static str,
    file: &'static str,
    line: u32,
    id: AtomicU32,
}

impl Site {
    /// A site for the function `name` in `module` (as `module_path!()`), at `file:line`.
    pub const fn new(
        name: &'static str,
        module: &'static str,
        file: &'static str,
        line: u32,
    ) -> Site {
        Site {
            name,
            module,
            file,
            line,
            id: AtomicU32::new(0),
        }
    }

    /// This site's number (1-based), registering it on first use.
    #[inline]
    fn id(&'static self) -> u32 {
        id_of(self, &self.id, &SITES)
    }
}

static ENABLED: AtomicBool = AtomicBool::new(false);
static SITES: Sites<Site> = Sites::new(Vec::new());
static THREADS: std::sync::Mutex<Vec<Arc<Mutex<Tree>>>> = std::sync::Mutex::new(Vec::new());
static SESSION: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// One thread's call tree. Node 0 is the thread itself.
#[derive(Debug, Clone)]
struct Tree {
    nodes: Vec<Node>,
}

#[derive(Debug, Clone)]
struct Node {
    site: u32,
    calls: u64,
    total: u64,
    own: u64,
    children: Vec<u32>,
}

impl Node {
    fn new(site: u32) -> Node {
        Node {
            site,
            calls: 0,
            total: 0,
            own: 0,
            children: Vec::new(),
        }
    }
}

impl Tree {
    fn new() -> Tree {
        Tree {
            nodes: vec![Node::new(0)],
        }
    }

    /// The child of `parent` for `site`, made if new.
    #[inline]
    fn child(&mut self, parent: u32, site: u32) -> u32 {
        let nodes = &mut self.nodes;
        if let Some(&c) = nodes[parent as usize]
            .children
            .iter()
            .find(|&&c| nodes[c as usize].site == site)
        {
            return c;
        }
        let c = nodes.len() as u32;
        nodes.push(Node::new(site));
        nodes[parent as usize].children.push(c);
        c
    }
}

struct Open {
    node: u32,
    start: u64,
    children: u64,
    /// The child last entered from here, tried first: loops call the same function again.
    hint: (u32, u32),
}

struct Local {
    tree: Option<Arc<Mutex<Tree>>>,
    held: Option<ArcMutexGuard<RawMutex, Tree>>,
    stack: Vec<Open>,
}

impl Local {
    /// Takes this thread's tree's lock, making and registering the tree on first use.
    #[cold]
    fn hold(&mut self) -> &mut ArcMutexGuard<RawMutex, Tree> {
        let tree = self.tree.get_or_insert_with(|| {
            let tree = Arc::new(Mutex::new(Tree::new()));
            lock(&THREADS).push(Arc::clone(&tree));
            tree
        });
        self.held.insert(tree.lock_arc())
    }
}

thread_local! {
    static LOCAL: RefCell<Local> = const {
        RefCell::new(Local { tree: None, held: None, stack: Vec::new() })
    };
}

/// An open call of an instrumented function; closing it (on drop) records the call.
#[must_use = "the call is recorded when the scope is dropped"]
pub struct Scope {
    active: bool,
}

/// Whether a session is recording: `#[perflab::instrument]` runs the plain copy of the
/// body when not.
#[inline(always)]
pub fn enabled() -> bool {
    ENABLED.load(Relaxed)
}

/// Opens a scope for `site`: what `#[perflab::instrument]` puts at the top of a function.
#[inline(always)]
pub fn enter(site: &'static Site) -> Scope {
    if !ENABLED.load(Relaxed) {
        return Scope { active: false };
    }
    Scope {
        active: enter_enabled(site),
    }
}

#[inline]
fn enter_enabled(site: &'static Site) -> bool {
    let id = site.id();
    LOCAL
        .try_with(|local| {
            let mut guard = local.borrow_mut();
            let l = &mut *guard;
            let node = match l.stack.last_mut() {
                Some(open) if open.hint.0 == id => open.hint.1,
                Some(open) => {
                    let tree = l.held.as_mut().expect("held while the stack is not empty");
                    let node = tree.child(open.node, id);
                    open.hint = (id, node);
                    node
                }
                None => l.hold().child(0, id),
            };
            l.stack.push(Open {
                node,
                start: ticks::now(),
                children: 0,
                hint: (0, 0),
            });
        })
        .is_ok()
}

impl Drop for Scope {
    #[inline(always)]
    fn drop(&mut self) {
        if self.active {
            exit();
        }
    }
}

#[inline]
fn exit() {
    let end = ticks::now();
    let _ = LOCAL.try_with(|local| {
        let mut guard = local.borrow_mut();
        let l = &mut *guard;
        let Some(open) = l.stack.pop() else { return };
        let elapsed = end.saturating_sub(open.start);
        if let Some(tree) = l.held.as_mut() {
            let node = &mut tree.nodes[open.node as usize];
            node.calls += 1;
            node.total += elapsed;
            node.own += elapsed.saturating_sub(open.children);
        }
        match l.stack.last_mut() {
            Some(parent) => parent.children += elapsed,
            None => l.held = None,
        }
    });
}

/// A profiling session: records instrumented calls on every thread from [`Session::start`]
/// to [`Session::finish`]. Sessions run one at a time (a second `start` waits).
pub struct Session {
    _one_at_a_time: MutexGuard<'static, ()>,
    start: u64,
}

impl Session {
    /// Clears what earlier sessions left and starts recording.
    pub fn start() -> Session {
        let one = lock(&SESSION);
        ticks::init();
        for tree in lock(&THREADS).iter() {
            *tree.lock() = Tree::new();
        }
        let start = ticks::now();
        ENABLED.store(true, Relaxed);
        Session {
            _one_at_a_time: one,
            start,
        }
    }

    /// Stops recording and merges every thread's calls. Waits for calls still open on
    /// other threads to close.
    pub fn finish(self) -> Profile {
        ENABLED.store(false, Relaxed);
        let wall = ticks::now().saturating_sub(self.start);
        let mut merged = Tree::new();
        let mut threads = lock(&THREADS);
        for tree in threads.iter() {
            let mut t = tree.lock();
            merge(&t, 0, &mut merged, 0);
            *t = Tree::new();
        }
        // Trees of threads that have ended are only held here now.
        threads.retain(|t| Arc::strong_count(t) > 1);
        drop(threads);
        let sites = lock(&SITES);
        Profile::from_tree(&merged, &sites, ticks::seconds(wall))
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        ENABLED.store(false, Relaxed);
    }
}

fn merge(from: &Tree, at: u32, into: &mut Tree, to: u32) {
    let n = &from.nodes[at as usize];
    {
        let m = &mut into.nodes[to as usize];
        m.calls += n.calls;
        m.total += n.total;
        m.own += n.own;
    }
    for &c in &n.children {
        let target = into.child(to, from.nodes[c as usize].site);
        merge(from, c, into, target);
    }
}

/// An instrumented function.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Function {
    /// Its name, qualified by its module's last segment (`nested::step`).
    pub name: String,
    /// Source file, as `file!()` gives it.
    pub file: String,
    /// Line of its `fn`.
    pub line: u32,
}

impl Function {
    /// pstats' `filename:lineno(function)`.
    pub fn location(&self) -> String {
        format!("{}:{}({})", self.file, self.line, self.name)
    }
}

/// A node of the merged call tree: one call path.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CallNode {
    /// The function called (an index into [`Profile::functions`]); `None` for the root.
    pub function: Option<usize>,
    /// The node it was called from; `None` for the root.
    pub parent: Option<usize>,
    /// Calls along this path.
    pub calls: u64,
    /// Seconds inside these calls, callees included.
    pub total: f64,
    /// Seconds inside these calls, instrumented callees excluded.
    pub own: f64,
    /// Nodes called from here.
    pub children: Vec<usize>,
}

/// What a session recorded: every thread's calls merged into one call tree.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Profile {
    /// The instrumented functions that were called.
    pub functions: Vec<Function>,
    /// The call tree; node 0 is the root (no function).
    pub nodes: Vec<CallNode>,
    /// Seconds from the start to the end of the session.
    pub seconds: f64,
}

/// The caller, in callgrind files, of the functions called from outside the instrumented
/// code (valgrind's own files name theirs `(below main)`).
pub const OUTSIDE: &str = "(outside the instrumented functions)";

/// A source path as the project's root sees it, made absolute, so that a callgrind file
/// finds its sources from any directory; a path that is absolute already is kept.
fn absolute(file: &str) -> String {
    let path = std::path::Path::new(file);
    if path.is_absolute() {
        return file.to_string();
    }
    crate::files::root().join(path).display().to_string()
}

/// One function's line of pstats' table.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Stat {
    /// Index into [`Profile::functions`].
    pub function: usize,
    /// Calls, recursive ones included.
    pub ncalls: u64,
    /// Calls not made from inside another call of the same function.
    pub primitive: u64,
    /// Seconds in the function itself, instrumented callees excluded.
    pub tottime: f64,
    /// Seconds in its primitive calls, callees included.
    pub cumtime: f64,
    /// Who called it: the caller (`None` for a thread's outermost call), calls and seconds.
    pub callers: Vec<Caller>,
}

/// Calls of a function from one caller.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Caller {
    /// The calling function, `None` for none.
    pub function: Option<usize>,
    /// Calls from it.
    pub calls: u64,
    /// Seconds in those calls, callees included.
    pub seconds: f64,
}

/// Orders of pstats' table (`--sort`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SortKey {
    /// Time in the function itself, largest first.
    Tottime,
    /// Time including callees, largest first.
    Cumtime,
    /// Calls, most first.
    Ncalls,
    /// Function name, A to Z.
    Name,
}

impl SortKey {
    fn describe(self) -> &'static str {
        match self {
            SortKey::Tottime => "internal time",
            SortKey::Cumtime => "cumulative time",
            SortKey::Ncalls => "call count",
            SortKey::Name => "function name",
        }
    }
}

impl Profile {
    fn from_tree(tree: &Tree, sites: &[&'static Site], seconds: f64) -> Profile {
        let mut functions = Vec::new();
        let mut index = vec![usize::MAX; sites.len() + 1];
        let mut nodes = Vec::with_capacity(tree.nodes.len());
        let mut order = vec![(0u32, None::<usize>)];
        while let Some((at, parent)) = order.pop() {
            let n = &tree.nodes[at as usize];
            let function = (n.site > 0).then(|| {
                let s = n.site as usize;
                if index[s] == usize::MAX {
                    let site = sites[s - 1];
                    index[s] = functions.len();
                    functions.push(Function {
                        name: qualified(site.module, site.name),
                        file: display_file(site.file),
                        line: site.line,
                    });
                }
                index[s]
            });
            let me = nodes.len();
            nodes.push(CallNode {
                function,
                parent,
                calls: n.calls,
                total: ticks::seconds(n.total),
                own: ticks::seconds(n.own),
                children: Vec::new(),
            });
            if let Some(p) = parent {
                nodes[p].children.push(me);
            }
            for &c in n.children.iter().rev() {
                order.push((c, Some(me)));
            }
        }
        Profile {
            functions,
            nodes,
            seconds,
        }
    }

    /// The path of functions from the root to `node`, outermost first.
    fn path(&self, mut node: usize) -> Vec<usize> {
        let mut path = Vec::new();
        while let Some(f) = self.nodes[node].function {
            path.push(f);
            node = self.nodes[node].parent.unwrap_or(0);
        }
        path.reverse();
        path
    }

    /// Whether `node` is a primitive call: its function is not already on the path.
    fn primitive(&self, node: usize) -> bool {
        let Some(f) = self.nodes[node].function else {
            return false;
        };
        let mut up = self.nodes[node].parent;
        while let Some(p) = up {
            if self.nodes[p].function == Some(f) {
                return false;
            }
            up = self.nodes[p].parent;
        }
        true
    }

    /// pstats' numbers for every function, in the order they were first called.
    pub fn stats(&self) -> Vec<Stat> {
        let mut stats: Vec<Stat> = (0..self.functions.len())
            .map(|function| Stat {
                function,
                ncalls: 0,
                primitive: 0,
                tottime: 0.0,
                cumtime: 0.0,
                callers: Vec::new(),
            })
            .collect();
        for (i, n) in self.nodes.iter().enumerate() {
            let Some(f) = n.function else { continue };
            let s = &mut stats[f];
            s.ncalls += n.calls;
            s.tottime += n.own;
            let caller = n.parent.and_then(|p| self.nodes[p].function);
            match s.callers.iter_mut().find(|c| c.function == caller) {
                Some(c) => {
                    c.calls += n.calls;
                    c.seconds += n.total;
                }
                None => s.callers.push(Caller {
                    function: caller,
                    calls: n.calls,
                    seconds: n.total,
                }),
            }
            if self.primitive(i) {
                s.primitive += n.calls;
                s.cumtime += n.total;
            }
        }
        stats
    }

    /// The statistics of the function whose name ends with `name` (`"step"` finds
    /// `nested::step`).
    pub fn stat(&self, name: &str) -> Option<Stat> {
        let f = self.function(name)?;
        self.stats().into_iter().find(|s| s.function == f)
    }

    /// The index of the function whose qualified name is `name` or ends with `::name`.
    pub fn function(&self, name: &str) -> Option<usize> {
        self.functions
            .iter()
            .position(|f| name_matches(&f.name, name))
    }

    /// Calls of every function, recursive ones included.
    pub fn total_calls(&self) -> u64 {
        self.nodes.iter().map(|n| n.calls).sum()
    }

    /// pstats' table: a header line, then ncalls, tottime, percall, cumtime, percall and
    /// `filename:lineno(function)`, sorted by `sort`, the first `top` rows.
    pub fn table(&self, sort: SortKey, top: Option<usize>) -> String {
        let mut stats = self.stats();
        let name = |s: &Stat| self.functions[s.function].name.clone();
        match sort {
            SortKey::Tottime => stats.sort_by(|a, b| b.tottime.total_cmp(&a.tottime)),
            SortKey::Cumtime => stats.sort_by(|a, b| b.cumtime.total_cmp(&a.cumtime)),
            SortKey::Ncalls => stats.sort_by_key(|s| std::cmp::Reverse(s.ncalls)),
            SortKey::Name => stats.sort_by_key(name),
        }
        let calls = self.total_calls();
        let primitive: u64 = stats.iter().map(|s| s.primitive).sum();
        let mut out = String::new();
        let _ = write!(out, "{calls} function calls");
        if primitive != calls {
            let _ = write!(out, " ({primitive} primitive calls)");
        }
        let _ = writeln!(out, " in {}", format_seconds(self.seconds));
        let _ = writeln!(out, "\n   Ordered by: {}", sort.describe());
        if let Some(n) = top.filter(|&n| n < stats.len()) {
            let _ = writeln!(
                out,
                "   List reduced from {} to {n} due to --top",
                stats.len()
            );
            stats.truncate(n);
        }
        let _ = writeln!(out);
        let rows: Vec<[String; 6]> = stats
            .iter()
            .map(|s| {
                let ncalls = if s.primitive == s.ncalls {
                    s.ncalls.to_string()
                } else {
                    format!("{}/{}", s.ncalls, s.primitive)
                };
                [
                    ncalls,
                    format_seconds(s.tottime),
                    format_seconds(s.tottime / s.ncalls.max(1) as f64),
                    format_seconds(s.cumtime),
                    format_seconds(s.cumtime / s.primitive.max(1) as f64),
                    self.functions[s.function].location(),
                ]
            })
            .collect();
        let head = ["ncalls", "tottime", "percall", "cumtime", "percall"];
        let mut width = head.map(str::len);
        for r in &rows {
            for (w, cell) in width.iter_mut().zip(r) {
                *w = (*w).max(cell.chars().count());
            }
        }
        for (w, h) in width.iter().zip(head) {
            let _ = write!(out, "{h:>w$}  ");
        }
        let _ = writeln!(out, "filename:lineno(function)");
        for r in rows {
            for (w, cell) in width.iter().zip(&r) {
                let _ = write!(out, "{cell:>w$}  ");
            }
            let _ = writeln!(out, "{}", r[5]);
        }
        out
    }

    /// Folded stacks (`outer;inner own-nanoseconds` per call path), inferno's input.
    pub fn folded(&self) -> String {
        let mut out = String::new();
        for (i, n) in self.nodes.iter().enumerate() {
            let ns = (n.own * 1e9).round() as u64;
            if n.function.is_none() || ns == 0 {
                continue;
            }
            let path: Vec<&str> = self
                .path(i)
                .into_iter()
                .map(|f| self.functions[f].name.as_str())
                .collect();
            let _ = writeln!(out, "{} {ns}", path.join(";"));
        }
        out
    }

    /// The call graph in callgrind's format, which KCachegrind, QCacheGrind and
    /// callgrind_annotate read (the role of pyprof2calltree). The event is nanoseconds;
    /// each function's self cost sits on its `fn` line, each call edge carries its call
    /// count and inclusive cost. Source paths are absolute, so the file opens from any
    /// directory, and the calls from outside the instrumented functions (the kernel's
    /// caller) come from one function named [`OUTSIDE`], so every function has callers.
    pub fn callgrind(&self, command: &str) -> String {
        let ns = |s: f64| (s * 1e9).round() as u64;
        let stats = self.stats();
        let mut files: Vec<&str> = Vec::new();
        for f in &self.functions {
            if !files.contains(&f.file.as_str()) {
                files.push(&f.file);
            }
        }
        let file_id = |f: &Function| files.iter().position(|x| *x == f.file).unwrap_or(0) + 1;
        let total: u64 = stats.iter().map(|s| ns(s.tottime)).sum();
        let mut out = String::new();
        let _ = writeln!(out, "# callgrind format");
        let _ = writeln!(out, "version: 1");
        let _ = writeln!(out, "creator: perflab {}", env!("CARGO_PKG_VERSION"));
        let _ = writeln!(out, "cmd: {command}");
        let _ = writeln!(out, "positions: line");
        // The `events:` line ends the header (callgrind_annotate stops reading it there).
        let _ = writeln!(out, "event: ns : Nanoseconds");
        let _ = writeln!(out, "events: ns");
        let _ = writeln!(out, "summary: {total}");
        let mut named_files = vec![false; files.len() + 1];
        let mut named_fns = vec![false; self.functions.len()];
        let mut name_file = |out: &mut String, key: &str, f: &Function| {
            let id = file_id(f);
            if named_files[id] {
                let _ = writeln!(out, "{key}=({id})");
            } else {
                named_files[id] = true;
                let _ = writeln!(out, "{key}=({id}) {}", absolute(&f.file));
            }
        };
        let mut name_fn = |out: &mut String, key: &str, i: usize| {
            if named_fns[i] {
                let _ = writeln!(out, "{key}=({})", i + 1);
            } else {
                named_fns[i] = true;
                let _ = writeln!(out, "{key}=({}) {}", i + 1, self.functions[i].name);
            }
        };
        for s in &stats {
            let f = &self.functions[s.function];
            let _ = writeln!(out);
            name_file(&mut out, "fl", f);
            name_fn(&mut out, "fn", s.function);
            let _ = writeln!(out, "{} {}", f.line, ns(s.tottime));
            // Calls made by this function, summed over call paths.
            let mut callees: Vec<(usize, u64, f64)> = Vec::new();
            for n in &self.nodes {
                let (Some(callee), Some(p)) = (n.function, n.parent) else {
                    continue;
                };
                if self.nodes[p].function != Some(s.function) {
                    continue;
                }
                match callees.iter_mut().find(|c| c.0 == callee) {
                    Some(c) => {
                        c.1 += n.calls;
                        c.2 += n.total;
                    }
                    None => callees.push((callee, n.calls, n.total)),
                }
            }
            for (callee, calls, seconds) in callees {
                let g = &self.functions[callee];
                name_file(&mut out, "cfl", g);
                name_fn(&mut out, "cfn", callee);
                let _ = writeln!(out, "calls={calls} {}", g.line);
                let _ = writeln!(out, "{} {}", f.line, ns(seconds));
            }
        }
        // The calls into the instrumented code from outside it, summed by function.
        let mut top: Vec<(usize, u64, f64)> = Vec::new();
        for n in &self.nodes {
            let (Some(callee), Some(p)) = (n.function, n.parent) else {
                continue;
            };
            if self.nodes[p].function.is_some() {
                continue;
            }
            match top.iter_mut().find(|c| c.0 == callee) {
                Some(c) => {
                    c.1 += n.calls;
                    c.2 += n.total;
                }
                None => top.push((callee, n.calls, n.total)),
            }
        }
        if !top.is_empty() {
            let outside = self.functions.len() + 1;
            let _ = writeln!(out);
            let _ = writeln!(out, "fl=({}) ???", files.len() + 1);
            let _ = writeln!(out, "fn=({outside}) {OUTSIDE}");
            let _ = writeln!(out, "0 0");
            for (callee, calls, seconds) in top {
                let g = &self.functions[callee];
                name_file(&mut out, "cfl", g);
                name_fn(&mut out, "cfn", callee);
                let _ = writeln!(out, "calls={calls} {}", g.line);
                let _ = writeln!(out, "0 {}", ns(seconds));
            }
        }
        out
    }
}
