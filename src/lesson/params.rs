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
    /// A whole number from `min` to `max`, both included (at most 2⁵³, the largest range
    /// in which a float holds every whole number).
    Whole {
        /// The smallest valid value.
        min: f64,
        /// The largest valid value.
        max: f64,
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
            Kind::Whole { min, max } => {
                format!("a whole number {} ≤ x ≤ {}", show(*min), show(*max))
            }
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
        let (min, max) = match self {
            Kind::Real { min, max } => (min, max),
            Kind::Whole { min, max } => return v.fract() == 0.0 && *min <= v && v <= *max,
            Kind::Choice(_) => return false,
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

    /// Replaces the number under `name`, for a problem derived from these parameters
    /// (a grid scaled with the processes); a name that is not a declared number is left.
    pub fn set_real(&mut self, name: &str, value: f64) {
        if let Some(v @ Value::Real(_)) = self.values.get_mut(name) {
            *v = Value::Real(value);
        }
    }

    /// Every parameter with its value, in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &Value)> {
        self.values.iter().map(|(k, v)| (*k, v))
    }
}

/// Checks that no key is given twice among a user's `key=value` arguments. (Within the
/// program later overrides win, as [`Params::parse`] says: a topic or a tutor step's own
/// values are added to the user's.) Malformed arguments are left to [`Params::parse`].
pub fn given_once<S: AsRef<str>>(overrides: &[S]) -> Result<()> {
    for (i, arg) in overrides.iter().enumerate() {
        let Some((key, _)) = arg.as_ref().split_once('=') else {
            continue;
        };
        let again = overrides[i + 1..].iter().find(|o| {
            o.as_ref()
                .split_once('=')
                .is_some_and(|(k, _)| k.trim() == key.trim())
        });
        if let (Some(again), false) = (again, key.trim().is_empty()) {
            return Err(Error::RepeatedParam {
                name: key.trim().to_string(),
                first: arg.as_ref().to_string(),
                second: again.as_ref().to_string(),
            });
        }
    }
    Ok(())
}

/// The default of the numeric parameter `name` among `specs` (a lesson bug if it has none).
pub fn default_real(specs: &[ParamSpec], name: &str) -> f64 {
    let spec = specs.iter().find(|s| s.name == name);
    match spec.map(|s| s.default.parse::<f64>()) {
        Some(Ok(v)) => v,
        _ => panic!("parameter {name} has no numeric default"),
    }
}

/// The valid value next to `bad`, on the way from `good` (valid) to `bad` (not): the
/// exact edge of the valid values, found by bisection over the floating-point numbers in
/// order, so that a message's "x ≤ edge" is the range the check enforces to the last bit.
/// `valid` must hold at `good`, fail at `bad`, and change only once between them.
pub fn edge(good: f64, bad: f64, valid: impl Fn(f64) -> bool) -> f64 {
    // Floats ordered as integers: the bits of a positive number, mirrored for negatives.
    let key = |x: f64| {
        let b = x.to_bits() as i64;
        b ^ ((((b >> 63) as u64) >> 1) as i64)
    };
    let unkey = |k: i64| f64::from_bits((k ^ ((((k >> 63) as u64) >> 1) as i64)) as u64);
    let (mut ok, mut not) = (key(good) as i128, key(bad) as i128);
    while (not - ok).abs() > 1 {
        let mid = ok + (not - ok) / 2;
        match valid(unkey(mid as i64)) {
            true => ok = mid,
            false => not = mid,
        }
    }
    unkey(ok as i64)
}

/// The error for parameters that are each valid but together describe a problem that
/// cannot run. It names the value the user gave that made it impossible: `natural` (the
/// parameter `condition` is about) if the user changed it, else the first other numeric
/// parameter the user changed whose default fits. `condition` is the requirement that
/// failed, in words with the values it failed at: when it is about `natural` and `exact`
/// (it states the valid range of `natural`, "0 < dx < x2 − x1 = 20"), it is the whole
/// message; otherwise the message gives the culprit's exact limit ([`edge`]) and
/// `condition` in parentheses. `fits(name, v)`: whether the problem can run with `name`
/// set to `v` and the others as given.
pub fn blame(
    p: &Params,
    specs: &[ParamSpec],
    natural: &str,
    condition: &str,
    exact: bool,
    fits: impl Fn(&str, f64) -> bool,
) -> Error {
    let natural_value = p.real(natural);
    if exact && natural_value != default_real(specs, natural) {
        return Error::param(natural, show(natural_value), condition);
    }
    let numeric = specs
        .iter()
        .filter(|s| matches!(s.kind, Kind::Real { .. } | Kind::Whole { .. }))
        .map(|s| s.name);
    for name in std::iter::once(natural).chain(numeric) {
        let (value, good) = (p.real(name), default_real(specs, name));
        if value != good && fits(name, good) {
            let limit = edge(good, value, |v| fits(name, v));
            let side = if value < good { "≥" } else { "≤" };
            return Error::param(
                name,
                show(value),
                format!("{name} {side} {} ({condition})", show(limit)),
            );
        }
    }
    Error::param(natural, show(natural_value), condition.to_string())
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
        kind @ (Kind::Real { .. } | Kind::Whole { .. }) => {
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
    fn edges_are_exact() {
        let e = edge(1.0, 1e9, |v| v <= 3.5);
        assert_eq!(e, 3.5);
        let e = edge(1.0, -5.0, |v| v > 0.1);
        assert!(e > 0.1 && e.next_down() <= 0.1, "{e}");
        let e = edge(0.0, f64::INFINITY, |v| (v * v).is_finite());
        assert!((e * e).is_finite() && !(e.next_up() * e.next_up()).is_finite());
        let e = edge(-1.0, -f64::MAX, |v| (v - 1e308).is_finite());
        assert!((e - 1e308).is_finite() && !(e.next_down() - 1e308).is_finite());
    }

    #[test]
    fn repeated_keys_are_refused() {
        assert!(given_once(&["dx=1", "t=2"]).is_ok());
        assert!(
            given_once(&["dx", "dx"]).is_ok(),
            "malformed: Params::parse says so"
        );
        let e = given_once(&["dx=1", "t=2", " dx =3"]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "parameter 'dx' given twice ('dx=1', then ' dx =3'): give it once"
        );
    }

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
