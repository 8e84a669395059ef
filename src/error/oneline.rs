//! Errors on one line. Clap writes its errors over several lines (the message, a list of
//! the missing arguments or of the valid values, a usage line, a hint); the project's rule
//! is one line that names the culprit and what would be valid, so this joins them: the
//! message, then the valid values, suggestions and usage in parentheses. Everything
//! printed passes through [`escape`], so that a newline or an escape sequence in what the
//! user typed cannot break the line or colour the terminal.

use clap::error::{ContextKind, ContextValue, ErrorKind};
use std::ffi::OsString;

/// `text` with every control character written as an escape (`\n`, `\u{1b}`), so that it
/// prints as one line and changes nothing in the terminal.
pub fn escape(text: &str) -> String {
    text.chars()
        .map(|c| match c.is_control() {
            true => c.escape_default().to_string(),
            false => c.to_string(),
        })
        .collect()
}

fn string(e: &clap::Error, kind: ContextKind) -> Option<String> {
    match e.get(kind)? {
        ContextValue::String(s) => Some(s.clone()),
        ContextValue::StyledStr(s) => Some(s.to_string()),
        ContextValue::Strings(v) => Some(v.join(", ")),
        ContextValue::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn strings(e: &clap::Error, kind: ContextKind) -> Vec<String> {
    match e.get(kind) {
        Some(ContextValue::Strings(v)) => v.clone(),
        Some(ContextValue::StyledStrs(v)) => v.iter().map(|s| s.to_string()).collect(),
        Some(ContextValue::String(s)) => vec![s.clone()],
        Some(ContextValue::StyledStr(s)) => vec![s.to_string()],
        _ => Vec::new(),
    }
}

/// The subcommand the arguments name, if they name one.
fn subcommand<'c>(command: &'c clap::Command, args: &[OsString]) -> Option<&'c clap::Command> {
    let first = args.get(1)?.to_str()?;
    command
        .get_subcommands()
        .find(|c| c.get_name() == first || c.get_all_aliases().any(|a| a == first))
}

/// The options of `command` a user can give, as `--long`.
fn options(command: &clap::Command) -> Vec<String> {
    command
        .get_arguments()
        .filter(|a| !a.is_positional() && !a.is_hide_set())
        .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
        .collect()
}

/// The commands a user can give.
fn commands(command: &clap::Command) -> Vec<String> {
    command
        .get_subcommands()
        .filter(|c| !c.is_hide_set())
        .map(|c| c.get_name().to_string())
        .collect()
}

/// Clap's usage line, as the command is typed here: `cargo perflab run …`.
fn usage(e: &clap::Error, command: &clap::Command, shown: &str) -> Option<String> {
    let text = string(e, ContextKind::Usage)?;
    let text = text.trim().strip_prefix("Usage:").unwrap_or(&text).trim();
    let bin = command.get_bin_name().unwrap_or(command.get_name());
    let text = match text.strip_prefix(bin) {
        Some(rest) => format!("{shown}{rest}"),
        None => text.to_string(),
    };
    Some(text.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// A clap error as one line, starting `error: `. `shown` is how the program is typed in
/// this project (`cargo perflab`), for the usage.
pub fn clap_error(
    e: &clap::Error,
    command: &clap::Command,
    args: &[OsString],
    shown: &str,
) -> String {
    let sub = subcommand(command, args);
    let arg = string(e, ContextKind::InvalidArg).unwrap_or_default();
    let value = string(e, ContextKind::InvalidValue).unwrap_or_default();
    let mut notes: Vec<String> = Vec::new();
    let mut with_usage = false;
    let head = match e.kind() {
        ErrorKind::InvalidSubcommand => {
            let name = string(e, ContextKind::InvalidSubcommand).unwrap_or_default();
            notes.push(format!("valid: {}", commands(command).join(", ")));
            format!("unknown command '{name}'")
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand | ErrorKind::MissingSubcommand => {
            notes.push(format!("valid: {}", commands(command).join(", ")));
            notes.push(format!("`{shown} --help` describes each"));
            "no command given".to_string()
        }
        ErrorKind::InvalidValue => {
            let valid = strings(e, ContextKind::ValidValue);
            if !valid.is_empty() {
                notes.push(format!("valid: {}", valid.join(", ")));
            }
            match value.is_empty() {
                true => format!("'{arg}' needs a value, but none was given"),
                false => format!("invalid value '{value}' for '{arg}'"),
            }
        }
        ErrorKind::ValueValidation => {
            let why = std::error::Error::source(e)
                .map(|s| format!(": {s}"))
                .unwrap_or_default();
            format!("invalid value '{value}' for '{arg}'{why}")
        }
        ErrorKind::MissingRequiredArgument => {
            let missing = strings(e, ContextKind::InvalidArg);
            with_usage = true;
            match missing.as_slice() {
                [one] => format!("missing required argument {one}"),
                many => format!("missing required arguments {}", many.join(", ")),
            }
        }
        ErrorKind::UnknownArgument => {
            if let Some(sub) = sub.filter(|s| !options(s).is_empty()) {
                notes.push(format!("valid options: {}", options(sub).join(", ")));
            }
            format!("unexpected argument '{arg}'")
        }
        ErrorKind::ArgumentConflict => {
            let prior = strings(e, ContextKind::PriorArg);
            if prior.contains(&arg) {
                format!("the argument '{arg}' cannot be given more than once")
            } else if prior.is_empty() {
                format!("the argument '{arg}' cannot be used with the others given")
            } else {
                let prior: Vec<String> = prior.iter().map(|p| format!("'{p}'")).collect();
                format!(
                    "the argument '{arg}' cannot be used with {}",
                    prior.join(", ")
                )
            }
        }
        ErrorKind::InvalidUtf8 => {
            let bad = args.iter().skip(1).find(|a| a.to_str().is_none());
            match bad {
                Some(a) => format!("argument {a:?} is not valid UTF-8"),
                None => "an argument is not valid UTF-8".to_string(),
            }
        }
        _ => {
            // Any other kind: clap's own text, its lines joined.
            let text = e.to_string();
            let mut lines = text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with("For more information"));
            let first = lines.next().unwrap_or("bad arguments");
            let first = first.strip_prefix("error:").unwrap_or(first).trim();
            for l in lines {
                match l.strip_prefix("Usage:") {
                    Some(_) => with_usage = true,
                    None => notes.push(l.to_string()),
                }
            }
            first.to_string()
        }
    };
    for kind in [
        ContextKind::SuggestedSubcommand,
        ContextKind::SuggestedArg,
        ContextKind::SuggestedValue,
    ] {
        let similar = strings(e, kind);
        if !similar.is_empty() {
            notes.push(format!("did you mean '{}'?", similar.join("' or '")));
        }
    }
    if with_usage && let Some(u) = usage(e, command, shown) {
        notes.push(format!("usage: {u}"));
    }
    let notes = match notes.is_empty() {
        true => String::new(),
        false => format!(" ({})", notes.join("; ")),
    };
    escape(&format!("error: {head}{notes}"))
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(escape("a\nb"), "a\\nb");
        assert_eq!(escape("\u{1b}[31mred"), "\\u{1b}[31mred");
        assert_eq!(escape("tab\there"), "tab\\there");
        assert_eq!(escape("naïve ≤ 3 'q'"), "naïve ≤ 3 'q'");
    }
}
