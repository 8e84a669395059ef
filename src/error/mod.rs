//! The library's error type. Every variant is a mistake in what the user asked for or an
//! output that could not be written; the CLI prints it on one line and exits with status 2.

pub mod oneline;

use std::path::PathBuf;

/// What went wrong, with the offending value and what would have been valid.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No lesson of that name is registered.
    #[error("unknown lesson '{name}' (valid: {valid})")]
    UnknownLesson {
        /// The name asked for.
        name: String,
        /// The registered names, comma-separated.
        valid: String,
    },
    /// The lesson has no variant of that name.
    #[error("unknown variant '{name}' of {lesson} (valid: {valid})")]
    UnknownVariant {
        /// The lesson.
        lesson: String,
        /// The name asked for.
        name: String,
        /// The lesson's variant names, comma-separated.
        valid: String,
    },
    /// A variant run in a topic of its lesson that it does not belong to.
    #[error(
        "variant '{variant}' is not in topic {topic} of {lesson} (valid there: {valid}; '{variant}' is in topic {own})"
    )]
    VariantNotInTopic {
        /// The lesson.
        lesson: String,
        /// The variant asked for.
        variant: String,
        /// The topic chosen.
        topic: String,
        /// That topic's variants, comma-separated.
        valid: String,
        /// The variant's own topic.
        own: String,
    },
    /// The lesson has no parameter of that name.
    #[error("unknown parameter '{name}' of {lesson} (valid: {valid})")]
    UnknownParam {
        /// The lesson.
        lesson: String,
        /// The key given.
        name: String,
        /// The lesson's parameter names, comma-separated.
        valid: String,
    },
    /// A `--param` argument that is not `key=value`.
    #[error("malformed parameter '{arg}': expected key=value, e.g. dx=0.1")]
    MalformedParam {
        /// The argument as given.
        arg: String,
    },
    /// A `--param` key given more than once on one command line.
    #[error("parameter '{name}' given twice ('{first}', then '{second}'): give it once")]
    RepeatedParam {
        /// The key.
        name: String,
        /// The first argument that gave it.
        first: String,
        /// The second.
        second: String,
    },
    /// A parameter value outside its valid range, or of the wrong kind.
    #[error("invalid {name} = {value}: expected {expected}")]
    InvalidParam {
        /// The parameter.
        name: String,
        /// The value as given.
        value: String,
        /// The valid range, in words.
        expected: String,
    },
    /// A run that would need more memory than is available, refused before it starts.
    #[error("{param} = {value} needs about {need}")]
    TooBig {
        /// The parameter that sets the size.
        param: String,
        /// Its value.
        value: String,
        /// The rest, in words: the estimated peak, the size, the memory available and a
        /// bound on the parameter that fits ("23.1 GiB at its peak (…); 21.6 GiB is
        /// available: dx ≥ 0.0021 fits").
        need: String,
    },
    /// A command-line option outside its valid range.
    #[error("invalid {option} = {value}: expected {expected}")]
    InvalidOption {
        /// The option, e.g. `--repeat`.
        option: String,
        /// The value given.
        value: String,
        /// The valid range, in words.
        expected: String,
    },
    /// A file or folder could not be written or read.
    #[error("cannot {action} {}: {reason}", path.display())]
    Io {
        /// What was being done ("write", "create folder", …).
        action: &'static str,
        /// Where: the path as the user gave it, or the file named after it.
        path: PathBuf,
        /// The operating system's reason, once, without the names of any temporary files
        /// (see [`Error::io`]). Not a `source`: the CLI prints an error's chain, and the
        /// reason would then appear twice.
        reason: String,
    },
    /// An image could not be encoded.
    #[error("cannot encode {path}: {message}")]
    Encode {
        /// The file being written.
        path: PathBuf,
        /// The encoder's reason.
        message: String,
    },
    /// A tool the lesson needs is not installed, with what installs it.
    #[error("{what} needs {tool}, which is not installed here: {install}")]
    Missing {
        /// What needs it ("the mpi lesson").
        what: String,
        /// The tool ("Open MPI's mpirun").
        tool: &'static str,
        /// How to install it.
        install: &'static str,
    },
    /// Work run in other processes (MPI ranks under `mpirun`) failed, ran past its time
    /// limit or could not start: the message says which, in one line.
    #[error("{0}")]
    Remote(String),
    /// A profiler could not start or finish.
    #[error("cannot {what}: {message}")]
    Profiler {
        /// What was being done ("start the sampling profiler", …).
        what: &'static str,
        /// Why not.
        message: String,
    },
}

impl Error {
    /// Builds an [`Error::Io`] from the operating system's error. Errors from the
    /// `tempfile` crate name the temporary file (`… at path "dir/.perflab-x1Yz"`): that
    /// internal name is cut, since the message already names the path the user gave.
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        let reason = match source.raw_os_error() {
            Some(code) => std::io::Error::from_raw_os_error(code).to_string(),
            None => {
                let text = source.to_string();
                match text.find(" at path ") {
                    Some(cut) => text[..cut].to_string(),
                    None => text,
                }
            }
        };
        Error::Io {
            action,
            path: path.into(),
            reason,
        }
    }

    /// Builds an [`Error::InvalidParam`].
    pub fn param(name: &str, value: impl ToString, expected: impl Into<String>) -> Self {
        Error::InvalidParam {
            name: name.to_string(),
            value: value.to_string(),
            expected: expected.into(),
        }
    }
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An exit status to leave with, already explained on the terminal (a failed check: 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exit(pub u8);

impl std::fmt::Display for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exit status {}", self.0)
    }
}

impl std::error::Error for Exit {}

/// The exit status of a command's result, its error printed on one line: 0 for success
/// (and for a closed pipe, as in `cargo perflab list | head`), an [`Exit`] status as
/// given, 2 for any other error.
pub fn exit(result: anyhow::Result<()>) -> std::process::ExitCode {
    use std::process::ExitCode;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if let Some(Exit(code)) = e.downcast_ref::<Exit>() {
                return ExitCode::from(*code);
            }
            // A closed pipe (`cargo perflab list | head`) is not an error worth reporting.
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            {
                return ExitCode::SUCCESS;
            }
            eprintln!("{}", oneline::escape(&format!("error: {e:#}")));
            ExitCode::from(2)
        }
    }
}
