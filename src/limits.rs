//! Bounds on every size a file or flag can set, checked before anything is allocated or started,
//! and the check that every number printed is finite.
//!
//! - The horizon: at most [`MAX_HORIZON_YEARS`] years after the base year (no projection of a
//!   municipality is meaningful further out; a horizon of 1,000,000,000 would need 500 GB).
//! - Threads: `--threads 0` means every core; more than [`THREADS_PER_CORE`] threads per core is
//!   an error (they would only compete for the cores).
//! - Memory: a study (sweep, Monte Carlo, batch, frontier) estimates the memory its results need
//!   before it starts, and stops with an error when that exceeds the budget: the environment
//!   variable `JINKO_MAX_MEMORY` (bytes, or with a `K`, `M` or `G` suffix) if set, else half of the
//!   machine's memory (`/proc/meminfo`), else 4 GiB.
//! - `extends` chains: at most [`MAX_EXTENDS_DEPTH`] files.
//! - `solve frontier`: at most [`MAX_FRONTIER_POINTS`] TFR values.

use crate::error::{Error, Location, Result};

/// The farthest horizon, in years after the base year.
pub const MAX_HORIZON_YEARS: i32 = 500;

/// Threads allowed per core.
pub const THREADS_PER_CORE: usize = 4;

/// The longest `extends` chain, in files (the scenario itself included).
pub const MAX_EXTENDS_DEPTH: usize = 64;

/// The most TFR values of `solve frontier` (each is a bisection of about 40 projections).
pub const MAX_FRONTIER_POINTS: usize = 10_000;

/// The largest multiplier (`fert_mult`, `mort_mult`, `mig_mult`, and the values of their
/// distributions): ten times the assumption is already far outside any planning question.
pub const MAX_MULTIPLIER: f64 = 10.0;

/// The largest population a pack or a target may give, in persons (more than any country).
pub const MAX_PERSONS: f64 = 1e10;

/// Check a target population: finite, above 0 and at most [`MAX_PERSONS`].
pub fn target(v: f64, at: Location) -> Result<f64> {
    if !(v > 0.0 && v <= MAX_PERSONS) {
        return Err(Error::input(
            at,
            format!(
                "target {}: expected a population above 0 and at most {MAX_PERSONS:e}",
                show(v)
            ),
        ));
    }
    Ok(v)
}

/// The memory budget when neither `JINKO_MAX_MEMORY` nor `/proc/meminfo` says otherwise.
pub const DEFAULT_MEMORY_BUDGET: u64 = 4 * 1024 * 1024 * 1024;

/// Calendar years a scenario may name (base year, horizon).
pub const YEARS: std::ops::RangeInclusive<i32> = 1000..=9999;

/// Check the base year and the horizon; `at` is where the horizon was set, `base_at` the base
/// year.
pub fn check_horizon(base_year: i32, horizon: i32, at: Location, base_at: Location) -> Result<()> {
    if !YEARS.contains(&base_year) {
        return Err(Error::input(
            base_at,
            format!("base_year {base_year}: expected a calendar year such as 2015"),
        ));
    }
    if !YEARS.contains(&horizon) {
        return Err(Error::input(
            at,
            format!("horizon {horizon}: expected a calendar year such as 2065"),
        ));
    }
    if horizon as i64 - base_year as i64 > MAX_HORIZON_YEARS as i64 {
        return Err(Error::input(
            at,
            format!(
                "horizon {horizon}: expected at most {MAX_HORIZON_YEARS} years after the base year {base_year} (at most {})",
                base_year as i64 + MAX_HORIZON_YEARS as i64
            ),
        ));
    }
    Ok(())
}

/// The number of cores (at least 1).
pub fn cores() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

/// The most threads a run may ask for.
pub fn max_threads() -> usize {
    THREADS_PER_CORE * cores()
}

/// `--threads N`: None for every core (not given, or 0), Some(n) if allowed.
pub fn threads(n: Option<usize>) -> Result<Option<usize>> {
    match n {
        None | Some(0) => Ok(None),
        Some(n) if n > max_threads() => Err(Error::input(
            Location::file("command line").field("--threads"),
            format!(
                "{n} threads: expected 0 (every core) to {} ({THREADS_PER_CORE} per core, {} cores here)",
                max_threads(),
                cores()
            ),
        )),
        Some(n) => Ok(Some(n)),
    }
}

/// Parse `4096`, `512K`, `64M`, `2G` (powers of 1024).
fn parse_bytes(s: &str) -> Option<u64> {
    let s = s.trim();
    let (num, mult) = match s.char_indices().last()? {
        (i, 'k' | 'K') => (&s[..i], 1u64 << 10),
        (i, 'm' | 'M') => (&s[..i], 1 << 20),
        (i, 'g' | 'G') => (&s[..i], 1 << 30),
        _ => (s, 1),
    };
    num.trim().parse::<u64>().ok()?.checked_mul(mult)
}

fn machine_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// The memory budget in bytes (see the module documentation).
pub fn memory_budget() -> Result<u64> {
    if let Ok(v) = std::env::var("JINKO_MAX_MEMORY") {
        return parse_bytes(&v).filter(|&b| b > 0).ok_or_else(|| {
            Error::input(
                Location::file("environment").field("JINKO_MAX_MEMORY"),
                format!("\"{v}\": expected a number of bytes, optionally with K, M or G"),
            )
        });
    }
    Ok(machine_memory()
        .map(|m| m / 2)
        .unwrap_or(DEFAULT_MEMORY_BUDGET))
}

fn gib(b: f64) -> String {
    format!("{:.1} GiB", b / (1u64 << 30) as f64)
}

/// Stop with an error at `at` if `what` needs more than the memory budget (`bytes` estimated).
pub fn check_memory(what: &str, bytes: f64, at: Location) -> Result<()> {
    let budget = memory_budget()?;
    if bytes.is_nan() || bytes > budget as f64 {
        return Err(Error::input(
            at,
            format!(
                "{what} would need about {} of memory: expected at most {} (half the machine's memory, or JINKO_MAX_MEMORY); make it smaller",
                gib(bytes),
                gib(budget as f64)
            ),
        ));
    }
    Ok(())
}

/// `v` for messages: plain for ordinary numbers, in exponent form for very large or very small
/// ones (`1e308`, not 309 digits; `1e10`).
pub fn show(v: f64) -> String {
    if v != 0.0 && v.is_finite() && !(1e-6..1e9).contains(&v.abs()) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

/// An error unless `v` is finite: `what` names the number, `hint` what to change.
pub fn finite(what: &dyn Fn() -> String, v: f64) -> Result<f64> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(Error::Invalid(format!(
            "{} is {v}: the arithmetic overflowed; expected inputs in the ranges a projection can use (smaller multipliers, rates or populations)",
            what()
        )))
    }
}

/// Check every value of `values` is finite (see [`finite`]); `what(i)` names value `i`.
pub fn all_finite(what: &dyn Fn(usize) -> String, values: &[f64]) -> Result<()> {
    match values.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(i) => finite(&|| what(i), values[i]).map(|_| ()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes() {
        assert_eq!(parse_bytes("4096"), Some(4096));
        assert_eq!(parse_bytes("2K"), Some(2048));
        assert_eq!(parse_bytes("3G"), Some(3 << 30));
        assert_eq!(parse_bytes("x"), None);
    }
}
