//! The impact analysis of the Cabinet Office's guide for 人口ビジョン: 自然増減の影響度
//! (シミュレーション1 / パターン1) and 社会増減の影響度 (シミュレーション2 / シミュレーション1),
//! each a ratio of totals in one year classified into five levels by bounds read from a data file
//! (`scenarios/impact_levels.toml`, compiled in as the default; its header cites the guide).

use crate::error::{Error, Location, Result};
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
