//! How often each key occurs among the items: the answer is the count of key 0, 1, …,
//! keys−1.

use super::super::Idioms;
use std::collections::HashMap;

/// Counts in a HashMap with the standard hasher.
pub fn hashmap(p: &Idioms, out: &mut Vec<f64>, steps: usize) {
    for _ in 0..steps {
        let mut counts: HashMap<u32, u64> = HashMap::new();
        for &k in &p.items {
            *counts.entry(k).or_insert(0) += 1;
        }
        *out = (0..p.keys as u32)
            .map(|k| counts.get(&k).copied().unwrap_or(0) as f64)
            .collect();
    }
}

/// Counts in an array indexed by the key.
pub fn array(p: &Idioms, out: &mut Vec<f64>, steps: usize) {
    for _ in 0..steps {
        let mut counts = vec![0u64; p.keys];
        for &k in &p.items {
            counts[k as usize] += 1;
        }
        *out = counts.iter().map(|&c| c as f64).collect();
    }
}
