//! Launching the ranks: `mpirun` with the lesson's binary, a time limit, and rank 0's
//! report read back.
//!
//! The ranks are an ordinary MPI program, the binary `mpi` of the package `perflab-mpi`
//! (`mpi/`), the only code that links Open MPI. A variant that runs on ranks calls
//! [`launch`]: it starts `mpirun -np N <binary> <topic> --variant V -p key=value … --out
//! FILE` in a process group of its own, waits at most `timeout` seconds (then kills the
//! whole group: `mpirun`, its daemons and every rank), and reads the report rank 0 wrote:
//! the JSON [`Report`] in FILE and the values, as raw little-endian doubles so that they
//! come back to the bit, in FILE.bin.

use crate::error::{Error, Result};
use crate::lesson::{Remote, Split};
use crate::lessons::mpi::Mpi;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What rank 0 writes at the end of a run.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Report {
    /// Seconds from the common start (after a barrier) to the last rank's end.
    pub seconds: f64,
    /// Each rank's time, in rank order.
    pub ranks: Vec<Split>,
    /// Each rank's CPU seconds (user and system) over that time, in rank order.
    pub cpu: Vec<f64>,
    /// The host each rank ran on (its network address where hosts are namespaces).
    pub hosts: Vec<String>,
    /// Set where the run was ended on purpose: the deadlock's watchdog, saying what it saw.
    pub stuck: Option<String>,
}

/// The Debian packages the lesson needs.
pub const PACKAGES: &str = "apt-get install openmpi-bin libopenmpi-dev libclang-dev";

/// The namespaces `lessons/mpi/hosts.sh up N` makes are `perflab-h1` … and it writes its
/// hostfile and launcher agent into this folder.
pub const HOSTS_DIR: &str = "/tmp/perflab-hosts";

/// Why the lesson cannot run here, if it cannot: `mpirun` is not on the PATH.
pub fn missing() -> Option<Error> {
    which("mpirun").is_none().then(|| Error::Missing {
        what: "the mpi lesson".to_string(),
        tool: "Open MPI (mpirun, and its headers and libclang to build the ranks)",
        install: PACKAGES,
    })
}

/// The first `name` on the PATH.
pub fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// The ranks' binary: this one where it is the lesson's own (`mpi`, or `mpi-exercise`,
/// which also holds the student's exchange), else `mpi` beside this binary, built first
/// with cargo where it is missing or older than this binary.
pub fn binary() -> Result<PathBuf> {
    static BUILT: std::sync::OnceLock<std::result::Result<PathBuf, String>> =
        std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| find_or_build().map_err(|e| e.to_string()))
        .clone()
        .map_err(Error::Remote)
}

fn find_or_build() -> Result<PathBuf> {
    let me = std::env::current_exe().map_err(|e| Error::io("find", "this binary", e))?;
    let stem = me.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    if stem == "mpi" || stem == "mpi-exercise" {
        return Ok(me);
    }
    // Beside this binary; from a test or bench harness in target/release/deps, one folder up.
    let here = me.with_file_name("mpi");
    let up = me
        .parent()
        .filter(|d| d.file_name().is_some_and(|n| n == "deps"))
        .and_then(|d| d.parent())
        .map(|d| d.join("mpi"));
    let ranks = match up {
        Some(up) if !here.is_file() => up,
        _ => here,
    };
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    if let (Some(theirs), Some(mine)) = (modified(&ranks), modified(&me))
        && theirs >= mine
    {
        return Ok(ranks);
    }
    let root = crate::files::root();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    eprintln!("building the MPI ranks' binary (cargo build --release -p perflab-mpi) …");
    let status = Command::new(&cargo)
        .args([
            "build",
            "--release",
            "--quiet",
            "-p",
            "perflab-mpi",
            "--bin",
            "mpi",
        ])
        .current_dir(&root)
        .stdout(Stdio::null())
        .status()
        .map_err(|e| Error::io("run cargo in", &root, e))?;
    if !status.success() || !ranks.is_file() {
        return Err(Error::Remote(format!(
            "cannot build the MPI ranks' binary (cargo build --release -p perflab-mpi, in {}): it needs Open MPI's headers and libclang ({PACKAGES})",
            root.display()
        )));
    }
    // Cargo leaves an up-to-date binary as it was: mark it as checked now, so that the next
    // launch does not run cargo again.
    if let Ok(f) = std::fs::File::options().append(true).open(&ranks) {
        let _ = f.set_modified(std::time::SystemTime::now());
    }
    Ok(ranks)
}

/// Runs `variant` of the problem's program on its ranks and reads what rank 0 reported:
/// the values, and the [`Remote`] times (or why the launch failed).
pub fn launch(p: &Mpi, variant: &str) -> (Vec<f64>, Result<Remote>) {
    match try_launch(p, variant) {
        Ok((values, report)) => (
            values,
            Ok(Remote {
                seconds: report.seconds,
                cpu: (report.cpu.len() == report.ranks.len()).then(|| report.cpu.iter().sum()),
                split: report.ranks,
            }),
        ),
        Err(e) => (Vec::new(), Err(e)),
    }
}

/// The `mpirun` command line for `variant`, writing its report to `out`.
pub fn command(p: &Mpi, variant: &str, binary: &Path, out: &Path) -> Result<Command> {
    let mpirun =
        which("mpirun").ok_or_else(|| missing().unwrap_or(Error::Remote(String::new())))?;
    let mut cmd;
    let mut mpi_args: Vec<String> = Vec::new();
    if p.hosts > 1 {
        // The hosts are network namespaces (`hosts.sh up N`): mpirun starts in the first,
        // its rsh agent starts a daemon in each other one, and the ranks talk TCP over the
        // bridge between them. Every path (binary, agent, report) is on the one file
        // system all namespaces share, so it resolves alike on every host.
        let dir = Path::new(HOSTS_DIR);
        let script = crate::files::root().join("lessons/mpi/hosts.sh");
        let make = |why: String| {
            Error::Remote(format!(
                "hosts = {} {why}: make them as root with `{} up {}` (remove them with `{} down`)",
                p.hosts,
                script.display(),
                p.hosts,
                script.display()
            ))
        };
        if !is_root() {
            return Err(make(format!(
                "runs mpirun inside {} network namespaces, which needs root",
                p.hosts
            )));
        }
        let ip = which("ip").ok_or_else(|| {
            Error::Remote(format!(
                "hosts = {} needs `ip` (iproute2) to enter the hosts' namespaces: apt-get install iproute2",
                p.hosts
            ))
        })?;
        let subnet = std::fs::read_to_string(dir.join("subnet")).unwrap_or_default();
        let hostfile = dir.join("hostfile");
        let lines = std::fs::read_to_string(&hostfile).unwrap_or_default();
        let hosts: Vec<&str> = lines
            .lines()
            .filter_map(|l| l.split_whitespace().next())
            .collect();
        let agent = dir.join("agent");
        if subnet.trim().is_empty() || hosts.len() < p.hosts || !agent.is_file() {
            return Err(make(format!(
                "needs {} network namespaces as hosts, and {} lists {}",
                p.hosts,
                hostfile.display(),
                hosts.len()
            )));
        }
        // The folder may outlive its namespaces (they go with a reboot, or by hand).
        if let Some(k) = (1..=p.hosts).find(|k| !namespace(*k).is_file()) {
            return Err(make(format!(
                "needs the network namespace perflab-h{k}, which is gone ({} is left from an earlier `up`)",
                hostfile.display()
            )));
        }
        let hosts = &hosts[..p.hosts];
        cmd = Command::new(ip);
        cmd.args(["netns", "exec", "perflab-h1"]).arg(&mpirun);
        let subnet = subnet.trim();
        mpi_args.extend(
            [
                // Each host gets as many slots as its share of the ranks, and the ranks
                // are dealt round the hosts (rank r on host r mod hosts).
                "--host",
                &hosts
                    .iter()
                    .map(|h| format!("{h}:{}", p.ranks.div_ceil(p.hosts)))
                    .collect::<Vec<_>>()
                    .join(","),
                "--map-by",
                "node",
                // Each "host" believes the machine's cores are its own and would bind its
                // first rank to core 0: every host's rank on one core, taking turns.
                "--bind-to",
                "none",
                "--mca",
                "plm_rsh_agent",
                &agent.to_string_lossy(),
                // Messages over TCP (shared memory would bypass the network between
                // "hosts" that are in truth one machine), and both the messages and
                // Open MPI's own out-of-band channel only on the hosts' subnet.
                "--mca",
                "btl",
                "tcp,self",
                "--mca",
                "btl_tcp_if_include",
                subnet,
                "--mca",
                "oob_tcp_if_include",
                subnet,
            ]
            .map(String::from),
        );
    } else {
        cmd = Command::new(&mpirun);
        match variant {
            "shm" => mpi_args.extend(["--mca", "btl", "self,vader"].map(String::from)),
            "tcp" => mpi_args.extend(["--mca", "btl", "self,tcp"].map(String::from)),
            _ => {}
        }
    }
    // Ranks beyond the cores take turns on them (Open MPI refuses that unless asked).
    mpi_args.push("--oversubscribe".into());
    if is_root() {
        mpi_args.push("--allow-run-as-root".into());
    }
    cmd.args(&mpi_args)
        .args(["-np", &p.ranks.to_string()])
        .arg(binary)
        .args([p.program.name(), "--variant", variant]);
    for a in &p.args {
        cmd.args(["-p", a]);
    }
    cmd.arg("--out").arg(out);
    Ok(cmd)
}

/// The file that holds host `k`'s network namespace (`ip netns add perflab-hK`).
fn namespace(k: usize) -> PathBuf {
    Path::new("/run/netns").join(format!("perflab-h{k}"))
}

/// Kills every process left in the namespaces of the first `hosts` hosts: the daemons
/// mpirun started there through its agent (each in a process group of its own) and
/// their ranks, which would otherwise outlive a killed mpirun by a second or so.
fn kill_hosts(hosts: usize) {
    if hosts < 2 {
        return;
    }
    for k in 1..=hosts {
        let Ok(o) = Command::new("ip")
            .args(["netns", "pids", &format!("perflab-h{k}")])
            .stderr(Stdio::null())
            .output()
        else {
            return;
        };
        for pid in String::from_utf8_lossy(&o.stdout).split_whitespace() {
            let _ = Command::new("kill")
                .args(["-KILL", pid])
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// Whether this process runs as root (Open MPI then wants `--allow-run-as-root`, and only
/// root can make the hosts' namespaces).
pub fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}

fn try_launch(p: &Mpi, variant: &str) -> Result<(Vec<f64>, Report)> {
    let binary = binary()?;
    let dir = tempfile::Builder::new()
        .prefix("perflab-mpi-")
        .tempdir()
        .map_err(|e| Error::io("create a folder in", std::env::temp_dir(), e))?;
    let out = dir.path().join("report.json");
    let log = dir.path().join("output");
    let mut cmd = command(p, variant, &binary, &out)?;
    let file = std::fs::File::create(&log).map_err(|e| Error::io("create", &log, e))?;
    let err = file.try_clone().map_err(|e| Error::io("open", &log, e))?;
    use std::os::unix::process::CommandExt;
    cmd.stdin(Stdio::null())
        .stdout(file)
        .stderr(err)
        .process_group(0);
    let mut child = cmd
        .spawn()
        .map_err(|e| Error::Remote(format!("cannot start mpirun: {e}")))?;
    let deadline = Instant::now() + Duration::from_secs_f64(p.timeout);
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            _ => {
                kill_group(child.id());
                kill_hosts(p.hosts);
                let _ = child.wait();
                return Err(Error::Remote(format!(
                    "{} on {} ranks passed its time limit of {} s (timeout = {}): mpirun and its ranks were killed",
                    variant,
                    p.ranks,
                    crate::lesson::params::show(p.timeout),
                    crate::lesson::params::show(p.timeout)
                )));
            }
        }
    };
    // Ranks that outlive mpirun (they should not) go with it.
    kill_group(child.id());
    kill_hosts(p.hosts);
    let text = std::fs::read_to_string(&out).ok();
    let report: Option<Report> = text.as_deref().and_then(|t| serde_json::from_str(t).ok());
    let output = std::fs::read_to_string(&log).unwrap_or_default();
    match report {
        Some(r) if status.success() || r.stuck.is_some() => {
            let bin = out.with_extension("json.bin");
            let bytes = std::fs::read(&bin).map_err(|e| Error::io("read", &bin, e))?;
            let values: Vec<f64> = bytes
                .chunks_exact(8)
                .map(|c| f64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
                .collect();
            let want = super::variants::expected_len(p);
            if values.len() != want {
                return Err(Error::Remote(format!(
                    "{variant} on {} ranks: rank 0 reported {} values, {want} expected",
                    p.ranks,
                    values.len()
                )));
            }
            Ok((values, r))
        }
        _ => Err(Error::Remote(failure(variant, p.ranks, status, &output))),
    }
}

/// One line on a failed launch: the first line a rank wrote about its failure, or
/// mpirun's own.
fn failure(variant: &str, ranks: usize, status: std::process::ExitStatus, output: &str) -> String {
    let said = output
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("perflab-mpi"))
        .or_else(|| {
            output
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty() && !l.chars().all(|c| c == '-'))
        })
        .unwrap_or("no output");
    let code = status.code().map_or("killed by a signal".to_string(), |c| {
        format!("exit status {c}")
    });
    format!("{variant} on {ranks} ranks failed ({code}): {said}")
}

/// Kills mpirun's process group and every process below mpirun with SIGKILL (by `kill`,
/// so that no unsafe code is needed). Open MPI starts each rank in a process group of its
/// own, so killing mpirun's group alone would leave the ranks running.
fn kill_group(pid: u32) {
    let mut all = vec![format!("-{pid}")];
    all.extend(descendants(pid).iter().map(u32::to_string));
    let _ = Command::new("kill")
        .args(["-KILL", "--"])
        .args(&all)
        .stderr(Stdio::null())
        .status();
}

/// Every process below `pid` (its children, theirs, …), as /proc lists them.
fn descendants(pid: u32) -> Vec<u32> {
    let mut found = Vec::new();
    let mut next = vec![pid];
    while let Some(p) = next.pop() {
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{p}/task")) else {
            continue;
        };
        for task in tasks.flatten() {
            let children =
                std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
            for c in children.split_whitespace().filter_map(|c| c.parse().ok()) {
                if !found.contains(&c) {
                    found.push(c);
                    next.push(c);
                }
            }
        }
    }
    found
}
