//! Files: the project's root, writing a file whole or not at all, and reading back a kept
//! JSON file, setting a damaged one aside. A leaf: every other module may use it, and it
//! uses none of them but the error type.

use crate::error::{Error, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The project's root: `PERFLAB_ROOT`, or where perflab was built from.
pub fn root() -> PathBuf {
    std::env::var_os("PERFLAB_ROOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}

/// Writes `bytes` to `path` whole or not at all: into a temporary file beside it, then
/// renamed over it. Creates missing parent folders.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(|e| Error::io("create folder", dir, e))?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(".perflab-");
    // A report is for reading: rw-r--r-- (before the umask), not a temp file's rw-------.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
    let mut tmp = builder
        .tempfile_in(dir)
        .map_err(|e| Error::io("write in", dir, e))?;
    tmp.write_all(bytes)
        .map_err(|e| Error::io("write", path, e))?;
    tmp.persist(path)
        .map_err(|e| Error::io("write", path, e.error))?;
    Ok(())
}

/// Where reports go by default: `PERFLAB_REPORTS`, or `reports/` in the project's root
/// (whatever folder perflab is run from).
pub fn reports() -> PathBuf {
    std::env::var_os("PERFLAB_REPORTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("reports"))
}

/// A path as printed: relative to the current folder where it is inside it.
pub fn shown(path: &Path) -> String {
    let here = std::env::current_dir().ok();
    match here.as_deref().and_then(|h| path.strip_prefix(h).ok()) {
        Some(rel) if !rel.as_os_str().is_empty() => rel.display().to_string(),
        _ => path.display().to_string(),
    }
}

/// The file that marks a folder as one perflab wrote, so that it may be replaced.
const MARK: &str = ".perflab-output";

/// Staging folders of this process, removed if it is interrupted (Ctrl-C).
static LIVE: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

fn on_interrupt() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Another handler already set (a program embedding perflab) keeps its own; the
        // next run removes what this one leaves.
        let _ = ctrlc::set_handler(|| {
            let live = LIVE.lock().map(|l| l.clone()).unwrap_or_default();
            for dir in live {
                let _ = std::fs::remove_dir_all(dir);
            }
            eprintln!("interrupted: nothing written");
            // The handler runs on a thread of its own, with no main to return to.
            #[allow(clippy::disallowed_methods)]
            std::process::exit(130);
        });
    });
}

/// An output folder written whole or not at all. Files go into a hidden staging folder
/// beside it; [`Output::commit`] swaps it into place in one rename, so a run that fails,
/// is interrupted or killed leaves the previous complete folder (or none) untouched.
/// Runs that write into the same parent folder take turns: each holds a lock on the
/// parent (which any later run waits on, saying so), and clears what a killed run left.
#[derive(Debug)]
pub struct Output {
    target: PathBuf,
    staging: PathBuf,
    created: Vec<PathBuf>,
    _lock: std::fs::File,
    done: bool,
}

impl Output {
    /// Gets ready to write `target`: checks that it can be written, before any work.
    /// `waiting` is told once if another run holds the parent folder.
    pub fn begin(target: &Path, waiting: &mut dyn FnMut(&Path)) -> Result<Output> {
        let bad = |why: String| Error::io("write to", target, std::io::Error::other(why));
        let leaf = target
            .file_name()
            .ok_or_else(|| bad("give a folder's name".to_string()))?
            .to_os_string();
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        // Folders this run creates, innermost last, to remove again if it fails.
        let mut created = Vec::new();
        let mut missing = Vec::new();
        let mut up = parent.as_path();
        while !up.exists() {
            missing.push(up.to_path_buf());
            match up.parent() {
                Some(p) if !p.as_os_str().is_empty() => up = p,
                _ => break,
            }
        }
        if up.exists() && !up.is_dir() {
            let e = std::io::Error::from_raw_os_error(libc::ENOTDIR);
            return Err(Error::io("create folder", target, e));
        }
        for dir in missing.into_iter().rev() {
            match std::fs::create_dir(&dir) {
                Ok(()) => created.push(dir),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => {
                    remove_empty(&created);
                    return Err(Error::io("create folder", target, e));
                }
            }
        }
        let fail = |created: &[PathBuf], e: Error| {
            remove_empty(created);
            e
        };
        let lock = std::fs::File::open(&parent)
            .map_err(|e| fail(&created, Error::io("write to", target, e)))?;
        match flock(&lock, false) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                waiting(&parent);
                flock(&lock, true)
                    .map_err(|e| fail(&created, Error::io("lock folder", &parent, e)))?;
            }
            Err(e) => return Err(fail(&created, Error::io("lock folder", &parent, e))),
        }
        if target.exists() {
            let ours = target.join(MARK).exists();
            let empty = std::fs::read_dir(target).map(|mut d| d.next().is_none());
            match (target.is_dir(), ours, empty) {
                (false, _, _) => {
                    return Err(fail(&created, bad("it is a file, not a folder".into())));
                }
                (true, true, _) | (true, _, Ok(true)) => {}
                _ => {
                    return Err(fail(
                        &created,
                        bad(
                            "the folder exists and perflab did not write it; name a new one".into(),
                        ),
                    ));
                }
            }
        }
        // What a killed run left (no run holds this lock but us).
        let prefix = format!(".{}.staging-", leaf.to_string_lossy());
        if let Ok(entries) = std::fs::read_dir(&parent) {
            for e in entries.flatten() {
                if e.file_name().to_string_lossy().starts_with(&prefix) {
                    let _ = std::fs::remove_dir_all(e.path());
                }
            }
        }
        // The lock is held: no other run makes a staging folder here now.
        let staging = parent.join(format!("{prefix}{}", std::process::id()));
        std::fs::create_dir(&staging)
            .map_err(|e| fail(&created, Error::io("write to", target, e)))?;
        on_interrupt();
        if let Ok(mut live) = LIVE.lock() {
            live.push(staging.clone());
        }
        let out = Output {
            target: target.to_path_buf(),
            staging,
            created,
            _lock: lock,
            done: false,
        };
        write_atomic(
            &out.staging.join(MARK),
            b"written by perflab; replaced whole by its next run\n",
        )?;
        Ok(out)
    }

    /// The folder to write into until [`Output::commit`].
    pub fn dir(&self) -> &Path {
        &self.staging
    }

    /// The folder the files end up in.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Where a file written into [`Output::dir`] will be once committed.
    pub fn final_path(&self, staged: &Path) -> PathBuf {
        match staged.strip_prefix(&self.staging) {
            Ok(rel) => self.target.join(rel),
            Err(_) => staged.to_path_buf(),
        }
    }

    /// Puts the staged folder in place of the target, whole, in one rename.
    pub fn commit(mut self) -> Result<PathBuf> {
        swap_in(&self.staging, &self.target)?;
        // The staging path now holds the previous folder, if there was one.
        let _ = std::fs::remove_dir_all(&self.staging);
        self.done = true;
        self.forget();
        Ok(self.target.clone())
    }

    fn forget(&self) {
        if let Ok(mut live) = LIVE.lock() {
            live.retain(|d| d != &self.staging);
        }
    }
}

impl Drop for Output {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_dir_all(&self.staging);
            self.forget();
            remove_empty(&self.created);
        }
    }
}

/// Locks `file` for this process (flock, exclusive), waiting for it or not; the lock goes
/// with the file's closing.
#[allow(unsafe_code)]
fn flock(file: &std::fs::File, wait: bool) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    let how = if wait {
        libc::LOCK_EX
    } else {
        libc::LOCK_EX | libc::LOCK_NB
    };
    // SAFETY: an open file descriptor and a valid operation.
    match unsafe { libc::flock(file.as_raw_fd(), how) } {
        0 => Ok(()),
        _ => Err(std::io::Error::last_os_error()),
    }
}

/// Removes these folders, innermost first, where they are empty.
fn remove_empty(dirs: &[PathBuf]) {
    for d in dirs.iter().rev() {
        let _ = std::fs::remove_dir(d);
    }
}

/// Moves folder `from` to `to`: where `to` exists, the two are exchanged in one step
/// (Linux's renameat2 with RENAME_EXCHANGE), so `to` is never missing; elsewhere, or on a
/// file system without it, the old one is moved aside first.
#[allow(unsafe_code)]
fn swap_in(from: &Path, to: &Path) -> Result<()> {
    if !to.exists() {
        return std::fs::rename(from, to).map_err(|e| Error::io("write", to, e));
    }
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::ffi::OsStrExt;
        let c = |p: &Path| std::ffi::CString::new(p.as_os_str().as_bytes()).ok();
        if let (Some(a), Some(b)) = (c(from), c(to)) {
            // SAFETY: two valid NUL-terminated paths, relative to the current folder.
            let r = unsafe {
                libc::renameat2(
                    libc::AT_FDCWD,
                    a.as_ptr(),
                    libc::AT_FDCWD,
                    b.as_ptr(),
                    libc::RENAME_EXCHANGE,
                )
            };
            if r == 0 {
                return Ok(());
            }
        }
    }
    let aside = from.with_extension("old");
    std::fs::rename(to, &aside).map_err(|e| Error::io("write", to, e))?;
    std::fs::rename(from, to).map_err(|e| Error::io("write", to, e))?;
    std::fs::rename(&aside, from).map_err(|e| Error::io("write", to, e))?;
    Ok(())
}

/// A kept JSON file (the progress file, the machine's measurement) as read back.
#[derive(Debug)]
pub enum Kept<T> {
    /// Nothing at that path.
    Missing,
    /// The file, decoded.
    Read(T),
    /// Something is there that cannot be used: why, in a few words for a one-line warning.
    Damaged(String),
}

/// Longest reason [`read_json`] gives, in characters: a decoder's message quotes the
/// file's text, which may be anything.
const MOST_REASON: usize = 160;

/// Reads the JSON file at `path` as a `T`. Anything at that path that is not one (a folder,
/// a file that cannot be read, bytes that are not UTF-8, an empty file, text that is not
/// JSON or is cut short, JSON of another shape) is [`Kept::Damaged`], saying why.
pub fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Kept<T> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        // No file, or no folder for it: nothing kept yet.
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
            ) =>
        {
            return Kept::Missing;
        }
        Err(_) if path.is_dir() => return Kept::Damaged("it is a folder, not a file".into()),
        Err(e) => return Kept::Damaged(format!("cannot read it: {e}")),
    };
    let text = match std::str::from_utf8(&bytes) {
        Ok(t) => t,
        Err(e) => {
            return Kept::Damaged(format!(
                "not UTF-8 text: byte {} is not part of a character",
                e.valid_up_to()
            ));
        }
    };
    if text.trim().is_empty() {
        return Kept::Damaged("it is empty".into());
    }
    match serde_json::from_str(text) {
        Ok(t) => Kept::Read(t),
        Err(e) => {
            use serde_json::error::Category;
            let what = match e.classify() {
                Category::Eof => "cut short",
                Category::Data => "not the expected fields",
                Category::Syntax | Category::Io => "not valid JSON",
            };
            let mut why = format!("{what}: {e}");
            if let Some((cut, _)) = why.char_indices().nth(MOST_REASON) {
                why.truncate(cut);
                why.push('…');
            }
            Kept::Damaged(why)
        }
    }
}

/// Moves whatever is at `path` (a damaged file, a folder) aside to `<path>.corrupt.<n>`,
/// the first `n` from 1 not taken, so that no earlier copy is ever replaced. Returns where
/// it went.
pub fn set_aside(path: &Path) -> std::io::Result<PathBuf> {
    for n in 1..=10_000u32 {
        let mut name = path.as_os_str().to_owned();
        name.push(format!(".corrupt.{n}"));
        let aside = PathBuf::from(name);
        // A dangling link counts as taken too.
        if aside.symlink_metadata().is_ok() {
            continue;
        }
        // A hard link fails rather than replace a copy made meanwhile. A folder cannot be
        // linked, nor can every file system link: there, a rename to the free name.
        match std::fs::hard_link(path, &aside) {
            Ok(()) => {
                if let Err(e) = std::fs::remove_file(path) {
                    let _ = std::fs::remove_file(&aside);
                    return Err(e);
                }
                return Ok(aside);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(_) => {
                return std::fs::rename(path, &aside).map(|()| aside);
            }
        }
    }
    Err(std::io::Error::other("10000 copies are set aside already"))
}

/// Checks, without creating anything that stays, that the folder `dir` could be made and
/// written in: the nearest part of the path that exists must be a folder that takes a
/// file (a temporary one, removed at once). A command that writes files calls this before
/// any work, so that a bad output folder is refused at once, and a command that then fails
/// for another reason leaves no empty folder behind.
pub fn check_folder(dir: &Path) -> Result<()> {
    let action = if dir.is_dir() {
        "write in folder"
    } else {
        "create folder"
    };
    let mut probe = dir;
    loop {
        match std::fs::metadata(probe) {
            Ok(m) if m.is_dir() => break,
            Ok(_) => {
                let reason = match probe == dir {
                    true => libc::EEXIST,
                    false => libc::ENOTDIR,
                };
                let e = std::io::Error::from_raw_os_error(reason);
                return Err(Error::io(action, dir, e));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                probe = match probe.parent() {
                    Some(p) if !p.as_os_str().is_empty() => p,
                    _ => Path::new("."),
                };
            }
            Err(e) => return Err(Error::io(action, dir, e)),
        }
    }
    tempfile::Builder::new()
        .prefix(".perflab-")
        .tempfile_in(probe)
        .map(drop)
        .map_err(|e| Error::io(action, dir, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_damaged_file_is_set_aside_without_replacing_an_earlier_copy() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kept.json");
        std::fs::write(&path, b"first").unwrap();
        let one = set_aside(&path).unwrap();
        assert_eq!(one, dir.path().join("kept.json.corrupt.1"));
        assert!(!path.exists());
        std::fs::write(&path, b"second").unwrap();
        let two = set_aside(&path).unwrap();
        assert_eq!(two, dir.path().join("kept.json.corrupt.2"));
        assert_eq!(std::fs::read(&one).unwrap(), b"first");
        assert_eq!(std::fs::read(&two).unwrap(), b"second");
        // A folder goes aside whole.
        std::fs::create_dir(&path).unwrap();
        std::fs::write(path.join("inside"), b"x").unwrap();
        let three = set_aside(&path).unwrap();
        assert_eq!(std::fs::read(three.join("inside")).unwrap(), b"x");
        assert!(!path.exists());
        // Nothing there to set aside: an error, not a panic.
        assert!(set_aside(&path).is_err());
    }

    #[test]
    fn each_kind_of_damage_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kept.json");
        let why = |bytes: &[u8]| {
            std::fs::write(&path, bytes).unwrap();
            match read_json::<std::collections::BTreeMap<String, u32>>(&path) {
                Kept::Damaged(why) => why,
                other => panic!("{other:?}"),
            }
        };
        assert!(why(b"\xff\xfe{").starts_with("not UTF-8 text: byte 0"));
        assert_eq!(why(b" \n"), "it is empty");
        assert!(why(b"{\"a\": 1,").starts_with("cut short: EOF while parsing"));
        assert_eq!(
            why(b"{ not json"),
            "not valid JSON: key must be a string at line 1 column 3"
        );
        assert!(why(b"{\"a\": \"one\"}").starts_with("not the expected fields: invalid type"));
        // The decoder quotes the string it did not expect, newlines escaped: cut short.
        let long = format!("{{\"a\": \"{}\"}}", "\\n".repeat(1000));
        let why = why(long.as_bytes());
        assert_eq!(why.chars().count(), MOST_REASON + 1, "{why}");
        assert!(!why.contains('\n'));
        std::fs::write(&path, b"{\"a\": 1}").unwrap();
        assert!(
            matches!(read_json::<std::collections::BTreeMap<String, u32>>(&path), Kept::Read(m) if m["a"] == 1)
        );
        std::fs::remove_file(&path).unwrap();
        assert!(matches!(read_json::<u32>(&path), Kept::Missing));
        std::fs::create_dir(&path).unwrap();
        assert!(
            matches!(read_json::<u32>(&path), Kept::Damaged(w) if w == "it is a folder, not a file")
        );
    }
}
