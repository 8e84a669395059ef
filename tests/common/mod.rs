//! What several test files check the same way.

/// A comparison's JSON: `variants` rows, each with its time, speed-up, rate and a passed
/// check, and the machine it ran on.
pub fn check_keys(doc: &serde_json::Value, variants: usize) {
    let rows = doc["variants"].as_array().unwrap();
    assert_eq!(rows.len(), variants);
    for r in rows {
        for key in [
            "variant",
            "seconds",
            "speedup",
            "units_per_second",
            "matches_reference",
            "checksum",
        ] {
            assert!(r.get(key).is_some(), "no key {key} in {r}");
        }
        assert_eq!(r["matches_reference"], true, "{r}");
        assert!(r["seconds"].as_f64().unwrap() > 0.0);
        assert!(r["units_per_second"].as_f64().unwrap() > 0.0);
        assert!(r["speedup"].as_f64().unwrap() > 0.0);
    }
    assert!(doc["machine"]["cpu"].is_string());
}

/// How many variants the diffusion lesson has (its full comparison's rows).
pub fn diffusion_variants() -> usize {
    perflab::lessons::all()
        .iter()
        .find(|l| l.name() == "diffusion")
        .expect("the diffusion lesson")
        .variants()
        .len()
}
