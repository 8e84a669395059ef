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
