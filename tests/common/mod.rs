//! Shared helpers of the integration tests: paths, published reference values, and every
//! comparison tolerance in one place.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;

/// Tolerances used by the tests (one place, as statrs' `prec.rs`).
pub mod prec {
    /// The accounting identity P(t+5) = P(t) + births − deaths + net migration, relative.
    pub const IDENTITY_REL: f64 = 1e-9;
    /// Life expectancy at birth against the published value, in years (method.md).
    pub const E0_YEARS: f64 = 0.1;
    /// A published projection cell, in persons ("within rounding").
    pub const CELL_PERSONS: f64 = 1.0;
    /// Residual net migration against the report, relative (issue #2).
    pub const NET_MIGRATION_REL: f64 = 0.03;
    /// 2065 total against the report's 10,044, relative (issue #2).
    pub const REPORT_2065_REL: f64 = 0.005;
    /// 2025 total against the report's 31,376, relative (issue #2).
    pub const REPORT_2025_REL: f64 = 0.0005;
    /// Floating-point agreement of two computations of the same quantity, relative.
    pub const SAME_REL: f64 = 1e-12;
}

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A file under `tests/data`.
pub fn data(name: &str) -> PathBuf {
    root().join("tests").join("data").join(name)
}

/// A file under `scenarios/kama`.
pub fn kama(name: &str) -> PathBuf {
    root().join("scenarios").join("kama").join(name)
}

/// The published single values of `tests/data/published_values.csv`.
pub fn published() -> BTreeMap<String, f64> {
    let mut r = csv::Reader::from_path(data("published_values.csv")).expect("published_values.csv");
    r.records()
        .map(|rec| {
            let rec = rec.expect("row");
            (rec[0].to_string(), rec[1].parse::<f64>().expect("value"))
        })
        .collect()
}

/// One published value by key.
pub fn value(key: &str) -> f64 {
    *published()
        .get(key)
        .unwrap_or_else(|| panic!("no published value {key}"))
}

/// Relative difference |a − b| / |b|.
pub fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs()
}
