//! The numeric options of the commands and their valid values: the command line's
//! parsers read this table, and so do the tests that try values just outside each range
//! (tests/hostile.rs).

use crate::lesson::params::show;

/// A numeric option and its valid values.
#[derive(Debug, Clone, Copy)]
pub struct Number {
    /// The long flag, without `--`.
    pub long: &'static str,
    /// What it is, as the message says it: "a whole number", "seconds".
    pub what: &'static str,
    /// The lowest valid value, and whether it is valid itself (`false`: only above it).
    pub min: (f64, bool),
    /// The highest valid value (always valid itself).
    pub max: f64,
    /// Whole numbers only.
    pub whole: bool,
}

impl Number {
    const fn count(long: &'static str, min: f64, max: f64) -> Number {
        Number {
            long,
            what: "a whole number",
            min: (min, true),
            max,
            whole: true,
        }
    }

    /// The valid values in words: "a whole number, 1 ≤ samples ≤ 1000".
    pub fn describe(&self) -> String {
        let op = if self.min.1 { "≤" } else { "<" };
        format!(
            "{}, {} {op} {} ≤ {}",
            self.what,
            show(self.min.0),
            self.long,
            show(self.max)
        )
    }

    /// `raw` as a number, if it is one of the valid values.
    pub fn parse(&self, raw: &str) -> Result<f64, String> {
        let v: f64 = raw
            .parse()
            .map_err(|_| format!("expected {}", self.describe()))?;
        let above = v > self.min.0 || (self.min.1 && v == self.min.0);
        let fits = v.is_finite() && above && v <= self.max && (!self.whole || v.fract() == 0.0);
        match fits {
            true => Ok(v),
            false => Err(format!("expected {}", self.describe())),
        }
    }
}

/// Every numeric option, with its valid values.
pub const NUMBERS: &[Number] = &[
    Number::count("samples", 1.0, 1000.0),
    Number::count("repeat", 1.0, 1000.0),
    Number::count("number", 1.0, 1e9),
    Number::count("top", 1.0, 100_000.0),
    Number::count("frequency", 1.0, 10_000.0),
    Number::count("steps", 1.0, 1e12),
    Number::count("step", 1.0, 1000.0),
    Number::count("rounds", 3.0, 1000.0),
    Number {
        long: "budget",
        what: "seconds",
        min: (0.0, false),
        max: 3600.0,
        whole: false,
    },
];

/// The numeric option `long` (a bug in the table above if it is missing, which every test
/// that parses a command line finds).
pub fn number(long: &str) -> Option<&'static Number> {
    NUMBERS.iter().find(|n| n.long == long)
}

fn number_or_panic(long: &'static str) -> &'static Number {
    number(long).unwrap_or_else(|| panic!("--{long} is not in NUMBERS"))
}

/// The parser of a whole-number option (for clap's `value_parser`): its range from
/// [`NUMBERS`].
pub fn whole<T>(long: &'static str) -> impl Fn(&str) -> Result<T, String> + Clone + Send + Sync
where
    T: TryFrom<u64> + Clone + Send + Sync + 'static,
{
    move |raw| {
        let n = number_or_panic(long);
        let v = n.parse(raw)?;
        T::try_from(v as u64).map_err(|_| format!("expected {}", n.describe()))
    }
}

/// The parser of an option in seconds: its range from [`NUMBERS`].
pub fn seconds(long: &'static str) -> impl Fn(&str) -> Result<f64, String> + Clone + Send + Sync {
    move |raw| number_or_panic(long).parse(raw)
}
