//! Lesson parameters: their declared kinds and ranges, and `key=value` parsing against
//! them. A lesson declares its parameters once ([`ParamSpec`]); the CLI, benches and tests
//! all parse through [`Params::parse`], so a bad value is caught in one place with one
//! message that names the value and the valid range.

use crate::error::{Error, Result};
use std::collections::BTreeMap;
use std::fmt;

/// One end of a numeric range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Limit {
    /// No limit on this side (but the value must be finite).
    None,
    /// The value may equal this.
    Incl(f64),
    /// The value must differ from this.
    Excl(f64),
}

/// What values a parameter takes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// A finite real number between two limits.
    Real {
        /// Lower limit.
        min: Limit,
        /// Upper limit.
        max: Limit,
    },
    /// One word out of a fixed list.
    Choice(&'static [&'static str]),
}

impl Kind {
    /// A real number greater than zero.
    pub const POSITIVE: Kind = Kind::Real {
        min: Limit::Excl(0.0),
        max: Limit::None,
    };
    /// A real number greater than or equal to zero.
    pub const NON_NEGATIVE: Kind = Kind::Real {
        min: Limit::Incl(0.0),
        max: Limit::None,
    };
    /// Any finite real number.
    pub const FINITE: Kind = Kind::Real {
        min: Limit::None,
        max: Limit::None,
    };

    /// The valid values in words, as error messages print them.
    pub fn describe(&self) -> String {
        match self {
            Kind::Choice(words) => format!("one of: {}", words.join(", ")),
            Kind::Real { min, max } => {
                let lo = match min {
                    Limit::None => None,
                    Limit::Incl(v) => Some(format!("{v} ≤ ")),
                    Limit::Excl(v) => Some(format!("{v} < ")),
                };
                let hi = match max {
                    Limit::None => None,
                    Limit::Incl(v) => Some(format!(" ≤ {v}")),
                    Limit::Excl(v) => Some(format!(" < {v}")),
                };
                match (lo, hi) {
                    (None, None) => "a finite number".to_string(),
                    (lo, hi) => format!(
                        "a number {}x{}",
                        lo.unwrap_or_default(),
                        hi.unwrap_or_default()
                    ),
                }
            }
        }
    }

    fn accepts(&self, v: f64) -> bool {
        let Kind::Real { min, max } = self else {
            return false;
        };
        let above = match *min {
            Limit::None => true,
            Limit::Incl(m) => v >= m,
            Limit::Excl(m) => v > m,
        };
        let below = match *max {
            Limit::None => true,
            Limit::Incl(m) => v <= m,
            Limit::Excl(m) => v < m,
        };
        v.is_finite() && above && below
    }
}

/// A lesson parameter: its name, default, meaning and valid values.
#[derive(Debug, Clone, Copy)]
pub struct ParamSpec {
    /// The key used in `--param key=value`.
    pub name: &'static str,
    /// The default, written as on the command line.
    pub default: &'static str,
    /// What it means, with its unit.
    pub help: &'static str,
    /// Its valid values.
    pub kind: Kind,
}

/// A parsed parameter value.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(untagged)]
pub enum Value {
    /// A number.
    Real(f64),
    /// A word from a [`Kind::Choice`].
    Word(String),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Real(v) => f.write_str(&show(*v)),
            Value::Word(w) => f.write_str(w),
        }
    }
}

/// A full set of parameter values for one lesson: the defaults with overrides applied.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Params {
    values: BTreeMap<&'static str, Value>,
}

impl Params {
    /// Parses `key=value` overrides (later ones win) against a lesson's specs.
    pub fn parse<S: AsRef<str>>(
        lesson: &str,
        specs: &[ParamSpec],
        overrides: &[S],
    ) -> Result<Self> {
        let mut values = BTreeMap::new();
        for spec in specs {
            values.insert(spec.name, parse_value(spec, spec.default)?);
        }
        for arg in overrides {
            let arg = arg.as_ref();
            let (key, raw) = arg
                .split_once('=')
                .filter(|(k, _)| !k.trim().is_empty())
                .ok_or_else(|| Error::MalformedParam {
                    arg: arg.to_string(),
                })?;
            let key = key.trim();
            let spec = specs
                .iter()
                .find(|s| s.name == key)
                .ok_or_else(|| Error::UnknownParam {
                    lesson: lesson.to_string(),
                    name: key.to_string(),
                    valid: specs.iter().map(|s| s.name).collect::<Vec<_>>().join(", "),
                })?;
            values.insert(spec.name, parse_value(spec, raw.trim())?);
        }
        Ok(Params { values })
    }

    /// The number under `name`. Panics if the lesson did not declare `name` as a number:
    /// that is a bug in the lesson's description, caught by its tests.
    pub fn real(&self, name: &str) -> f64 {
        match self.values.get(name) {
            Some(Value::Real(v)) => *v,
            other => panic!("parameter {name} is not a declared number: {other:?}"),
        }
    }

    /// The word under `name`; panics if `name` is not a declared choice (a lesson bug).
    pub fn word(&self, name: &str) -> &str {
        match self.values.get(name) {
            Some(Value::Word(w)) => w,
            other => panic!("parameter {name} is not a declared choice: {other:?}"),
        }
    }

    /// Every parameter with its value, in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &Value)> {
        self.values.iter().map(|(k, v)| (*k, v))
    }
}

/// A number as a person would write it: `0.075`, `1e-7`, `1e300`.
pub fn show(v: f64) -> String {
    if v != 0.0 && v.is_finite() && !(1e-4..1e6).contains(&v.abs()) {
        format!("{v:e}")
    } else {
        v.to_string()
    }
}

fn parse_value(spec: &ParamSpec, raw: &str) -> Result<Value> {
    let invalid = || Error::param(spec.name, raw, spec.kind.describe());
    match spec.kind {
        Kind::Choice(words) => words
            .iter()
            .find(|w| **w == raw)
            .map(|w| Value::Word(w.to_string()))
            .ok_or_else(invalid),
        kind @ Kind::Real { .. } => {
            let v: f64 = raw.parse().map_err(|_| invalid())?;
            if kind.accepts(v) {
                Ok(Value::Real(v))
            } else {
                Err(invalid())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPECS: &[ParamSpec] = &[
        ParamSpec {
            name: "dx",
            default: "0.5",
            help: "",
            kind: Kind::POSITIVE,
        },
        ParamSpec {
            name: "t",
            default: "0",
            help: "",
            kind: Kind::NON_NEGATIVE,
        },
        ParamSpec {
            name: "init",
            default: "a",
            help: "",
            kind: Kind::Choice(&["a", "b"]),
        },
    ];

    #[test]
    fn defaults_and_overrides() {
        let p = Params::parse("x", SPECS, &["dx=0.25", "init=b", "dx=2"]).unwrap();
        assert_eq!(p.real("dx"), 2.0);
        assert_eq!(p.real("t"), 0.0);
        assert_eq!(p.word("init"), "b");
    }

    #[test]
    fn errors_name_the_value_and_range() {
        let msg = |args: &[&str]| Params::parse("x", SPECS, args).unwrap_err().to_string();
        assert_eq!(msg(&["dx=0"]), "invalid dx = 0: expected a number 0 < x");
        assert_eq!(msg(&["t=-1"]), "invalid t = -1: expected a number 0 ≤ x");
        assert_eq!(
            msg(&["dx=abc"]),
            "invalid dx = abc: expected a number 0 < x"
        );
        assert_eq!(
            msg(&["dx=inf"]),
            "invalid dx = inf: expected a number 0 < x"
        );
        assert_eq!(
            msg(&["dx=NaN"]),
            "invalid dx = NaN: expected a number 0 < x"
        );
        assert_eq!(msg(&["init=c"]), "invalid init = c: expected one of: a, b");
        assert_eq!(
            msg(&["nope=1"]),
            "unknown parameter 'nope' of x (valid: dx, t, init)"
        );
        assert_eq!(
            msg(&["dx"]),
            "malformed parameter 'dx': expected key=value, e.g. dx=0.1"
        );
        assert_eq!(
            msg(&["=3"]),
            "malformed parameter '=3': expected key=value, e.g. dx=0.1"
        );
    }
}
