//! Files: the project's root, and writing a file whole or not at all. A leaf: every other
//! module may use it, and it uses none of them but the error type.

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
