//! The impact analysis of the Cabinet Office's guide for 人口ビジョン: 自然増減の影響度
//! (シミュレーション1 / パターン1) and 社会増減の影響度 (シミュレーション2 / シミュレーション1),
//! each a ratio of totals in one year classified into five levels by bounds read from a data file
//! (`scenarios/impact_levels.toml`, compiled in as the default; its header cites the guide).
//!
//! When scenarios of two bases are compared (the 2015-based パターン1 on IPSS 2018 and the
//! 2020-based one on IPSS 2023, each with its Sim1 and Sim2), [`by_basis`] groups them by basis —
//! base year, and whether the scenario is calibrated to a published summary (so that パターン1
//! from an estimated 2020 base on the IPSS 2018 assumptions is not paired with the 令和5年推計
//! Sim1) — and assesses each basis in its own year: the one asked for, or by default
//! [`IMPACT_AFTER`] years after its base year (2045 on the 2015 basis, 2050 on the 2020 basis: the
//! last year of the projection each basis stands on).

use crate::engine::Projection;
use crate::error::{Error, Location, Result};
use crate::scenario::{Role, Scenario};
use serde::Deserialize;
use std::path::Path;

/// The default levels file, compiled in from the tree.
const DEFAULT_LEVELS: &str = include_str!("../../scenarios/impact_levels.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScale {
    label: String,
    bounds_percent: Vec<f64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLevels {
    source: String,
    natural: RawScale,
    social: RawScale,
}

/// One scale: a label and increasing bounds in percent (level = bounds reached + 1).
#[derive(Debug, Clone, PartialEq)]
pub struct Scale {
    /// e.g. 自然増減の影響度.
    pub label: String,
    /// Increasing bounds in percent.
    pub bounds_percent: Vec<f64>,
}

impl Scale {
    /// The level (1 …) of a ratio given in percent.
    pub fn level(&self, percent: f64) -> u8 {
        1 + self
            .bounds_percent
            .iter()
            .filter(|&&b| percent >= b)
            .count() as u8
    }
}

/// The two scales and their source.
#[derive(Debug, Clone, PartialEq)]
pub struct ImpactLevels {
    /// Where the bounds come from.
    pub source: String,
    /// 自然増減の影響度.
    pub natural: Scale,
    /// 社会増減の影響度.
    pub social: Scale,
}

/// One impact: the ratio in percent and its level.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Impact {
    /// Ratio × 100.
    pub percent: f64,
    /// Level 1 … 5.
    pub level: u8,
}

/// The analysis in one year.
#[derive(Debug, Clone, PartialEq)]
pub struct ImpactResult {
    /// The year compared.
    pub year: i32,
    /// Sim1 / パターン1.
    pub natural: Impact,
    /// Sim2 / Sim1.
    pub social: Impact,
    /// The scales used.
    pub levels: ImpactLevels,
}

impl ImpactLevels {
    /// The levels shipped with jinko.
    pub fn default_levels() -> ImpactLevels {
        // The compiled-in file is tested; parsing it cannot fail at run time.
        Self::parse(DEFAULT_LEVELS, Path::new("scenarios/impact_levels.toml")).unwrap_or_else(
            |_| ImpactLevels {
                source: String::new(),
                natural: Scale {
                    label: String::new(),
                    bounds_percent: Vec::new(),
                },
                social: Scale {
                    label: String::new(),
                    bounds_percent: Vec::new(),
                },
            },
        )
    }

    /// Read a levels file.
    pub fn load(path: &Path) -> Result<ImpactLevels> {
        let text = crate::input::read_text(path)?;
        Self::parse(&text, path)
    }

    /// Parse levels from TOML text.
    pub fn parse(text: &str, path: &Path) -> Result<ImpactLevels> {
        let raw: RawLevels = crate::tomlfile::parse(text, path)?;
        let check = |s: RawScale, key: &str| -> Result<Scale> {
            let ok = !s.bounds_percent.is_empty()
                && s.bounds_percent.iter().all(|b| b.is_finite())
                && s.bounds_percent.windows(2).all(|w| w[0] < w[1]);
            if !ok {
                return Err(Error::input(
                    Location::file(path).field(format!("{key}.bounds_percent")),
                    "expected increasing finite bounds in percent, e.g. [100.0, 105.0, 110.0, 115.0]",
                ));
            }
            Ok(Scale {
                label: s.label,
                bounds_percent: s.bounds_percent,
            })
        };
        Ok(ImpactLevels {
            source: raw.source,
            natural: check(raw.natural, "natural")?,
            social: check(raw.social, "social")?,
        })
    }

    /// Assess the totals of パターン1, Sim1 and Sim2 in `year`.
    pub fn assess(
        &self,
        year: i32,
        p1: Option<f64>,
        sim1: Option<f64>,
        sim2: Option<f64>,
    ) -> Result<ImpactResult> {
        let (Some(p1), Some(s1), Some(s2)) = (p1, sim1, sim2) else {
            return Err(Error::Invalid(format!(
                "the impact analysis year {year} is not projected by パターン1, Sim1 and Sim2: choose a year they all reach (--impact-year)"
            )));
        };
        if p1 <= 0.0 || s1 <= 0.0 {
            return Err(Error::Invalid(format!(
                "the impact analysis needs positive totals in {year}"
            )));
        }
        let natural = 100.0 * s1 / p1;
        let social = 100.0 * s2 / s1;
        Ok(ImpactResult {
            year,
            natural: Impact {
                percent: natural,
                level: self.natural.level(natural),
            },
            social: Impact {
                percent: social,
                level: self.social.level(social),
            },
            levels: self.clone(),
        })
    }
}

/// Default distance of the impact analysis year from the base year (the 30 years both IPSS
/// projections run from their base).
pub const IMPACT_AFTER: i32 = 30;

/// The impact analysis of one basis.
#[derive(Debug, Clone, PartialEq)]
pub struct BasisImpact {
    /// The basis's base year.
    pub base_year: i32,
    /// The published summary its scenarios are calibrated to (e.g. 社人研推計（令和5年推計）), if any.
    pub calibrated_to: Option<String>,
    /// Names of the パターン1, Sim1 and Sim2 scenarios.
    pub scenarios: [String; 3],
    /// The analysis.
    pub result: ImpactResult,
}

/// The basis key of a scenario: base year and the summary it is calibrated to.
fn basis(s: &Scenario) -> (i32, Option<&str>) {
    (
        s.model.base_year,
        s.calibration.as_ref().map(|c| c.label.as_str()),
    )
}

/// The impact analysis of every basis on which パターン1, Sim1 and Sim2 are all given (the first
/// of each role on that basis), in the order in which each basis's パターン1 appears. `year`:
/// the year asked for (every basis), or None for [`IMPACT_AFTER`] years after each base year.
pub fn by_basis(
    runs: &[(&Scenario, &Projection)],
    levels: &ImpactLevels,
    year: Option<i32>,
) -> Result<Vec<BasisImpact>> {
    let mut out = Vec::new();
    let mut seen: Vec<(i32, Option<&str>)> = Vec::new();
    for (p1, _) in runs.iter().filter(|(s, _)| s.role == Some(Role::Pattern1)) {
        let key = basis(p1);
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        let find = |role: Role| {
            runs.iter()
                .find(|(s, _)| s.role == Some(role) && basis(s) == key)
        };
        let (Some(a), Some(b), Some(c)) =
            (find(Role::Pattern1), find(Role::Sim1), find(Role::Sim2))
        else {
            continue;
        };
        let y = year.unwrap_or(key.0 + IMPACT_AFTER);
        let result = levels.assess(y, a.1.total_in(y), b.1.total_in(y), c.1.total_in(y))?;
        out.push(BasisImpact {
            base_year: key.0,
            calibrated_to: key.1.map(str::to_string),
            scenarios: [a.0.name.clone(), b.0.name.clone(), c.0.name.clone()],
            result,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_levels_parse_and_classify() {
        let l = ImpactLevels::parse(DEFAULT_LEVELS, Path::new("impact_levels.toml")).unwrap();
        assert_eq!(l.natural.level(99.9), 1);
        assert_eq!(l.natural.level(100.0), 2);
        assert_eq!(l.natural.level(104.99), 2);
        assert_eq!(l.natural.level(105.0), 3);
        assert_eq!(l.natural.level(115.0), 5);
        assert_eq!(l.social.level(109.9), 2);
        assert_eq!(l.social.level(129.9), 4);
        assert_eq!(l.social.level(130.0), 5);
    }

    #[test]
    fn bounds_must_increase() {
        let text = "source = \"x\"\n[natural]\nlabel = \"a\"\nbounds_percent = [105.0, 100.0]\n[social]\nlabel = \"b\"\nbounds_percent = [100.0]\n";
        let e = ImpactLevels::parse(text, Path::new("l.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("natural.bounds_percent"), "{e}");
    }
}
