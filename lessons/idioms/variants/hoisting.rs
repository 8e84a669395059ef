//! `(x − offset) × scale` for every value, with offset and scale kept in a settings map by
//! name.

use super::super::Idioms;

/// Both settings looked up for every value.
pub fn lookup(p: &Idioms, out: &mut Vec<f64>, steps: usize) {
    for _ in 0..steps {
        out.clear();
        out.extend(
            p.values
                .iter()
                .map(|&x| (x - p.setting("offset")) * p.setting("scale")),
        );
    }
}

/// Both settings read once, before the loop.
pub fn hoisted(p: &Idioms, out: &mut Vec<f64>, steps: usize) {
    for _ in 0..steps {
        let (offset, scale) = (p.setting("offset"), p.setting("scale"));
        out.clear();
        out.extend(p.values.iter().map(|&x| (x - offset) * scale));
    }
}
