//! Pieces shared by the study files (`sweep`, `montecarlo` SPEC.toml) and the command-line
//! studies: lists or ranges of values, the scenario a spec names, the target population, and the
//! indicators a study reports.

use crate::engine::Cells;
use crate::error::{Error, Location, Result};
use crate::scenario::Scenario;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Values of a parameter as written: one number, a list, or a range
/// `{ from = 1.4, to = 2.4, step = 0.1 }` (or `n = 11` evenly spaced values).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum RawValues {
    /// One value.
    One(f64),
    /// A list of values.
    List(Vec<f64>),
    /// A range.
    Range(RawRange),
}

/// A range of values.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRange {
    /// First value.
    pub from: f64,
    /// Last value (included when the steps land on it).
    pub to: f64,
    /// Step between values.
    pub step: Option<f64>,
    /// Or: this many evenly spaced values from `from` to `to`.
    pub n: Option<usize>,
}

/// The most values one parameter may take.
pub const MAX_VALUES: usize = 100_000;

/// Round away the binary noise of `from + i·step` (0.30000000000000004 → 0.3).
fn tidy(x: f64) -> f64 {
    let r = (x * 1e12).round() / 1e12;
    if r.is_finite() {
        r
    } else {
        x
    }
}

impl RawValues {
    /// The values, checked: finite, a range with a positive step or n ≥ 1 and `from ≤ to`.
    pub fn values(&self, at: &dyn Fn() -> Location) -> Result<Vec<f64>> {
        let v = match self {
            RawValues::One(x) => vec![*x],
            RawValues::List(v) => v.clone(),
            RawValues::Range(r) => {
                if !(r.from.is_finite() && r.to.is_finite()) || r.to < r.from {
                    return Err(Error::input(
                        at(),
                        format!(
                            "range from {} to {}: expected finite bounds with from ≤ to",
                            r.from, r.to
                        ),
                    ));
                }
                match (r.step, r.n) {
                    (Some(step), None) => {
                        if !(step > 0.0 && step.is_finite()) {
                            return Err(Error::input(
                                at(),
                                format!("step = {step}: expected a positive step"),
                            ));
                        }
                        let steps = ((r.to - r.from) / step + 1e-9).floor();
                        if steps.is_nan() || steps >= MAX_VALUES as f64 {
                            return Err(Error::input(
                                at(),
                                format!(
                                    "the range has {} values: expected at most {MAX_VALUES}",
                                    crate::limits::show(steps + 1.0)
                                ),
                            ));
                        }
                        let count = steps as usize + 1;
                        (0..count).map(|i| tidy(r.from + i as f64 * step)).collect()
                    }
                    (None, Some(n)) => {
                        if n == 0 || n > MAX_VALUES {
                            return Err(Error::input(
                                at(),
                                format!("n = {n}: expected 1 to {MAX_VALUES} values"),
                            ));
                        }
                        if n == 1 {
                            vec![r.from]
                        } else {
                            (0..n)
                                .map(|i| tidy(r.from + (r.to - r.from) * i as f64 / (n - 1) as f64))
                                .collect()
                        }
                    }
                    _ => {
                        return Err(Error::input(
                            at(),
                            "a range needs either `step` or `n` (not both), e.g. { from = 1.4, to = 2.4, step = 0.1 }",
                        ))
                    }
                }
            }
        };
        if v.is_empty() {
            return Err(Error::input(
                at(),
                "the list is empty: expected at least one value",
            ));
        }
        if let Some(x) = v.iter().find(|x| !x.is_finite()) {
            return Err(Error::input(at(), format!("{x}: expected finite numbers")));
        }
        let mut sorted = v.clone();
        sorted.sort_by(f64::total_cmp);
        if let Some(w) = sorted.windows(2).find(|w| w[0] == w[1]) {
            return Err(Error::input(
                at(),
                format!(
                    "{} is given twice: expected each value once (a repeated value would leave a hole in the grid)",
                    w[0]
                ),
            ));
        }
        Ok(v)
    }
}

/// Parse `from:to:step` or a comma-separated list from the command line.
pub fn parse_values(text: &str) -> std::result::Result<Vec<f64>, String> {
    let parts: Vec<&str> = text.split(':').collect();
    let num = |s: &str| {
        s.trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| format!("\"{s}\" is not a number"))
    };
    match parts.len() {
        3 => {
            let r = RawValues::Range(RawRange {
                from: num(parts[0])?,
                to: num(parts[1])?,
                step: Some(num(parts[2])?),
                n: None,
            });
            r.values(&|| Location::file("command line"))
                .map_err(|e| e.to_string())
        }
        1 => text.split(',').map(num).collect(),
        _ => Err(format!(
            "\"{text}\": expected FROM:TO:STEP (e.g. 1.4:2.4:0.1) or a list (1.5,1.8,2.1)"
        )),
    }
}

/// A file named in a spec, relative to the spec's folder.
pub fn relative_to(spec: &Path, name: &str) -> PathBuf {
    let p = Path::new(name);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        spec.parent().unwrap_or(Path::new(".")).join(p)
    }
}

/// The first period of a migration multiplier when a study does not say (`solve migration`,
/// `solve frontier`, `sweep` without `migration_from`): the period starting ten years after the
/// base, 2025 for a 2015 base — the period after the one a strategy's own net-migration target
/// governs (2020-2025 in `target.toml`), as the shipped sweep spec and `target.toml` start it.
/// One default for every study, printed by each.
pub fn default_migration_from(scenario: &Scenario) -> i32 {
    scenario.model.base_year + 10
}

/// Load the scenario `name` a spec at `spec` names (relative to the spec); a missing or unreadable
/// file is an error at the spec's `scenario` key (`at`).
pub fn load_scenario(spec: &Path, name: &str, at: Location) -> Result<Scenario> {
    let path = relative_to(spec, name);
    if let Err(Error::Input { message, .. }) =
        crate::input::check_regular(&path, crate::input::MAX_INPUT_BYTES)
    {
        return Err(Error::input(
            at,
            format!("the scenario \"{name}\" ({}): {message}", path.display()),
        ));
    }
    Scenario::load(&path)
}

/// The target population in `year`: as given, or the pack's reference series `target`.
pub fn target(scenario: &Scenario, year: i32, given: Option<f64>) -> Option<f64> {
    given.or_else(|| scenario.pack.reference_series("target").get(&year).copied())
}

/// Index of `year` among the years of a projection from `base_year` in five-year steps.
pub fn year_index(scenario: &Scenario, year: i32) -> Result<usize> {
    let base = scenario.model.base_year;
    let horizon = scenario.model.horizon();
    if year < base || year > horizon || (year - base) % 5 != 0 {
        return Err(Error::Invalid(format!(
            "year {year} is not a projected year of {}: expected {base}, {}, … {horizon}",
            scenario.path.display(),
            base + 5
        )));
    }
    Ok(((year - base) / 5) as usize)
}

/// An indicator of the age structure in one year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
pub enum Indicator {
    /// Both sexes, all ages.
    #[serde(rename = "total")]
    Total,
    /// Ages 0-14 (年少人口).
    #[serde(rename = "age_0_14")]
    Age0_14,
    /// Ages 15-64 (生産年齢人口).
    #[serde(rename = "age_15_64")]
    Age15_64,
    /// Ages 65+ (老年人口).
    #[serde(rename = "age_65_plus")]
    Age65Plus,
    /// Ages 75+.
    #[serde(rename = "age_75_plus")]
    Age75Plus,
    /// Share of 0-14 in the total.
    #[serde(rename = "share_0_14")]
    Share0_14,
    /// Share of 15-64.
    #[serde(rename = "share_15_64")]
    Share15_64,
    /// Share of 65+ (高齢化率).
    #[serde(rename = "share_65_plus")]
    Share65Plus,
    /// Share of 75+.
    #[serde(rename = "share_75_plus")]
    Share75Plus,
    /// Women 15-49.
    #[serde(rename = "women_15_49")]
    Women15_49,
}

impl Indicator {
    /// The name used in files.
    pub fn name(self) -> &'static str {
        match self {
            Indicator::Total => "total",
            Indicator::Age0_14 => "age_0_14",
            Indicator::Age15_64 => "age_15_64",
            Indicator::Age65Plus => "age_65_plus",
            Indicator::Age75Plus => "age_75_plus",
            Indicator::Share0_14 => "share_0_14",
            Indicator::Share15_64 => "share_15_64",
            Indicator::Share65Plus => "share_65_plus",
            Indicator::Share75Plus => "share_75_plus",
            Indicator::Women15_49 => "women_15_49",
        }
    }

    /// The value for population `p` with `n` age groups.
    pub fn value(self, p: &Cells, n: usize) -> f64 {
        let sum = |from: usize, to: usize| -> f64 {
            let to = to.min(n - 1);
            if from > to {
                return 0.0; // a grid whose open group starts below this age
            }
            (0..2).map(|s| p[s][from..=to].iter().sum::<f64>()).sum()
        };
        let total = sum(0, n - 1);
        match self {
            Indicator::Total => total,
            Indicator::Age0_14 => sum(0, 2),
            Indicator::Age15_64 => sum(3, 12),
            Indicator::Age65Plus => sum(13, n - 1),
            Indicator::Age75Plus => sum(15, n - 1),
            Indicator::Share0_14 => sum(0, 2) / total,
            Indicator::Share15_64 => sum(3, 12) / total,
            Indicator::Share65Plus => sum(13, n - 1) / total,
            Indicator::Share75Plus => sum(15, n - 1) / total,
            Indicator::Women15_49 => p[1][3.min(n - 1)..=9.min(n - 1)].iter().sum(),
        }
    }
}

/// Format a number for CSV: shortest representation that reads back exactly (empty if not
/// finite).
pub fn num(v: f64) -> String {
    let mut s = String::new();
    push_num(&mut s, v);
    s
}

/// Append [`num`]`(v)` to `out` without allocating (ryu; `38743.0` is written `38743`).
pub fn push_num(out: &mut String, v: f64) {
    if v.is_finite() {
        let mut b = ryu::Buffer::new();
        let t = b.format_finite(v);
        out.push_str(t.strip_suffix(".0").unwrap_or(t));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        let at = || Location::file("x");
        let r = RawValues::Range(RawRange {
            from: 0.0,
            to: 1.0,
            step: Some(0.1),
            n: None,
        });
        let v = r.values(&at).unwrap();
        assert_eq!(v.len(), 11);
        assert_eq!(v[3], 0.3);
        assert_eq!(v[10], 1.0);
        assert_eq!(parse_values("1.5,1.8").unwrap(), vec![1.5, 1.8]);
        assert_eq!(parse_values("1:2:0.5").unwrap(), vec![1.0, 1.5, 2.0]);
        assert!(parse_values("1:x:0.5").is_err());
    }
}
