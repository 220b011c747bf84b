//! The validated contents of a KPI file: a municipality's 総合戦略 (comprehensive strategy) with its
//! target population (目標人口), basic goals (基本目標) and their numeric indicators (数値目標), and
//! its KPIs (重要業績評価指標) with yearly actuals.
//!
//! These types come out of [`super::load`] / [`super::parse`] already checked (unique ids, years in
//! the strategy period, non-zero targets for ratio comparisons, …); the grading in
//! [`super::review()`] does not re-check them. Each KPI keeps the grade the report printed
//! (`published_grade`) for cross-checking only: grading never reads it.

use super::rule::{assess, Actual, Assessment, Comparison, Direction, Rule};
use crate::error::{Error, Result};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

/// Output language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// Japanese, as the report.
    #[default]
    Ja,
    /// English.
    En,
}

/// A text in Japanese with an optional English rendering.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Text {
    /// The Japanese text, as printed in the source.
    pub ja: String,
    /// The English text, if the file gives one.
    pub en: Option<String>,
}

impl Text {
    /// The text in `lang`, falling back to Japanese when there is no English.
    pub fn get(&self, lang: Lang) -> &str {
        match (lang, &self.en) {
            (Lang::En, Some(en)) => en,
            _ => &self.ja,
        }
    }
}

/// A year, or a span of years, that a figure refers to: `2025` (a census year, a fiscal year) or
/// `2015-2020` (net migration between two censuses, or an average over 2008–2012).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    /// First year.
    pub start: i32,
    /// Last year (equal to `start` for a single year).
    pub end: i32,
}

impl Period {
    /// A single year.
    pub fn year(year: i32) -> Period {
        Period {
            start: year,
            end: year,
        }
    }

    /// A span `start`–`end`.
    pub fn span(start: i32, end: i32) -> Period {
        Period { start, end }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.start == self.end {
            write!(f, "{}", self.start)
        } else {
            write!(f, "{}-{}", self.start, self.end)
        }
    }
}

impl FromStr for Period {
    type Err = String;

    /// `2025` or `2015-2020` (the first year not after the second).
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        let expected = || {
            format!("`{s}` is not a period; expected a year such as `2025` or a span such as `2015-2020`")
        };
        let year = |t: &str| t.trim().parse::<i32>().map_err(|_| expected());
        match s.split_once('-') {
            None => Ok(Period::year(year(s)?)),
            Some((a, b)) => {
                let (a, b) = (year(a)?, year(b)?);
                if a > b {
                    return Err(format!("`{s}`: the first year is after the second"));
                }
                Ok(Period::span(a, b))
            }
        }
    }
}

/// Parse a (fiscal) year as written in a KPI file or an actuals CSV: `2024`, or the 令和 era
/// form `R6` (令和n年 = 2018 + n).
pub fn parse_year(s: &str) -> Option<i32> {
    let s = s.trim();
    if let Some(n) = s.strip_prefix(['R', 'r']) {
        let n: i32 = n.parse().ok()?;
        return (n >= 1).then_some(2018 + n);
    }
    let y: i32 = s.parse().ok()?;
    (1000..=9999).contains(&y).then_some(y)
}

/// The short era label of a fiscal year as the report writes column heads: `H30` (平成30年度 =
/// 2018), `H31` (2019, which the report labels with 平成), `R2` (令和2年度 = 2020).
pub fn era_label(year: i32) -> String {
    if year >= 2020 {
        format!("R{}", year - 2018)
    } else if year >= 1989 {
        format!("H{}", year - 1988)
    } else {
        year.to_string()
    }
}

/// One figure as entered: an actual (or why there is none) and an optional note printed beside
/// it (the report's 「108万人(H31)」, 「60件(実績値)」).
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The figure, or missing / not carried out / pending.
    pub actual: Actual,
    /// A note printed beside the figure.
    pub note: Option<String>,
}

impl From<Actual> for Entry {
    fn from(actual: Actual) -> Self {
        Entry { actual, note: None }
    }
}

/// Where this indicator's figure comes from in a projection, so that a projection's goal
/// indicators can be graded (`jinko evaluate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorKind {
    /// Total population (総人口), persons, at a census year.
    Population,
    /// Employed persons (就業者人口), at a census year.
    EmployedPersons,
    /// Net migration (純移動数) over a five-year period, persons; negative is a net loss.
    NetMigration,
    /// Total fertility rate (合計特殊出生率).
    TotalFertilityRate,
    /// Anything a projection does not produce (a survey share, …).
    Other,
}

/// A numeric indicator with targets by year: the target population (目標人口) or the numeric
/// target of a basic goal (数値目標).
#[derive(Debug, Clone, PartialEq)]
pub struct GoalIndicator {
    /// Identifier, used by `--actuals` (`population`, `net_migration`, …).
    pub id: String,
    /// What the figure is, for grading a projection.
    pub kind: IndicatorKind,
    /// Name as in the report (指標).
    pub name: Text,
    /// Unit.
    pub unit: Text,
    /// Decimals to print.
    pub decimals: usize,
    /// Which way is better.
    pub direction: Direction,
    /// The base value (基準値) and its period.
    pub base: Option<(Period, Entry)>,
    /// The IPSS projection (社人研推計値) by period.
    pub ipss: BTreeMap<Period, f64>,
    /// The targets (目標値) by period; never zero.
    pub targets: BTreeMap<Period, f64>,
    /// The actuals (実績値) by period.
    pub actuals: BTreeMap<Period, Entry>,
    /// The target as the strategy states it in words.
    pub statement: Option<String>,
    /// A remark (備考).
    pub note: Option<String>,
}

impl GoalIndicator {
    /// The target for `period`, if there is one.
    pub fn target(&self, period: Period) -> Option<f64> {
        self.targets.get(&period).copied()
    }

    /// Grade `actual` against the target for `period` (a point comparison: ratio, threshold,
    /// direction as in [`super::rule`]). Error if there is no target for `period`.
    pub fn assess(&self, period: Period, actual: Actual, rule: &Rule) -> Result<Assessment> {
        let target = self.target(period).ok_or_else(|| {
            Error::Invalid(format!(
                "indicator `{}` has no target for {period}; its targets are for {}",
                self.id,
                self.targets
                    .keys()
                    .map(Period::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?;
        assess(actual, target, Comparison::Latest, self.direction, rule)
    }
}

/// A basic goal (基本目標).
#[derive(Debug, Clone, PartialEq)]
pub struct Goal {
    /// Its number (1, 2, …).
    pub number: u32,
    /// Its title as in the goal table (基本目標達成状況等一覧表).
    pub title: Text,
    /// Its title as in the project list (事業一覧), where the report words it differently.
    pub title_in_project_list: Option<String>,
    /// The main measures (主な施策).
    pub measures: Vec<String>,
    /// The numeric indicator (数値目標).
    pub indicator: GoalIndicator,
}

/// One series of yearly figures of a KPI. Most KPIs have one; a KPI measured in several parts
/// (elementary and junior high school) has one per part, and is graded by the worst.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Identifier within the KPI (for `--actuals` as `KPI/SERIES`); `None` for a KPI's only series.
    pub id: Option<String>,
    /// Label printed before its figures (小学校).
    pub label: Option<Text>,
    /// Base value (基準値).
    pub base: Option<Entry>,
    /// Figures by fiscal year, all within the strategy period.
    pub actuals: BTreeMap<i32, Entry>,
    /// The actual the report printed in 実績値(目標値比較), for cross-checking only.
    pub published_actual: Option<Actual>,
}

/// A KPI (重要業績評価指標) of one project (具体的な事業).
#[derive(Debug, Clone, PartialEq)]
pub struct Kpi {
    /// Identifier (ASCII), used by `--actuals`.
    pub id: String,
    /// The basic goal it belongs to.
    pub goal: u32,
    /// The project (具体的な事業).
    pub project: Text,
    /// The indicator (重要業績評価指標).
    pub name: Text,
    /// Unit.
    pub unit: Text,
    /// Decimals to print.
    pub decimals: usize,
    /// One or more series of yearly figures.
    pub series: Vec<Series>,
    /// How the actual is formed and compared.
    pub comparison: Comparison,
    /// Which way is better.
    pub direction: Direction,
    /// The target, or the level for [`Comparison::Level`]; never zero for a ratio comparison.
    pub target: f64,
    /// The target as printed (目標値「5年間に15件」).
    pub target_label: Option<Text>,
    /// The department in charge (担当課).
    pub department: Text,
    /// The grade the report printed (総合評価), for cross-checking only: grading never reads it.
    pub published_grade: Option<super::rule::Grade>,
    /// Line of the KPI's `[[kpis]]` header in its file.
    pub line: u64,
}

/// The source the figures were transcribed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// Title of the document.
    pub title: String,
    /// Who published it.
    pub publisher: String,
    /// What it covers (令和2年度～令和6年度).
    pub covers: Option<String>,
    /// Where it can be found.
    pub url: Option<String>,
}

/// A strategy with its goals, KPIs and grading rule, as read from a KPI file.
#[derive(Debug, Clone, PartialEq)]
pub struct Strategy {
    /// The file it was read from.
    pub path: PathBuf,
    /// Its name.
    pub name: Text,
    /// The municipality.
    pub municipality: Option<Text>,
    /// The source of the figures.
    pub source: Source,
    /// First and last fiscal year of the strategy (KPI actuals lie within).
    pub period: (i32, i32),
    /// Fiscal year of the KPI base values (基準値), if stated.
    pub kpi_base_year: Option<i32>,
    /// The grading rule.
    pub rule: Rule,
    /// The target population (目標人口), if given.
    pub population: Option<GoalIndicator>,
    /// The basic goals, by number.
    pub goals: Vec<Goal>,
    /// The KPIs, in file order.
    pub kpis: Vec<Kpi>,
}

impl Strategy {
    /// All goal indicators: the target population first, then each goal's, with the goal number.
    pub fn indicators(&self) -> impl Iterator<Item = (Option<u32>, &GoalIndicator)> {
        self.population
            .iter()
            .map(|i| (None, i))
            .chain(self.goals.iter().map(|g| (Some(g.number), &g.indicator)))
    }

    /// The first goal indicator of `kind` (for grading a projection: population, net migration,
    /// TFR, employed persons).
    pub fn indicator(&self, kind: IndicatorKind) -> Option<&GoalIndicator> {
        self.indicators().map(|(_, i)| i).find(|i| i.kind == kind)
    }

    /// The KPI with `id`.
    pub fn kpi(&self, id: &str) -> Option<&Kpi> {
        self.kpis.iter().find(|k| k.id == id)
    }

    /// The fiscal years of the strategy period.
    pub fn years(&self) -> std::ops::RangeInclusive<i32> {
        self.period.0..=self.period.1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_parse() {
        assert_eq!("2025".parse::<Period>(), Ok(Period::year(2025)));
        assert_eq!("2015-2020".parse::<Period>(), Ok(Period::span(2015, 2020)));
        assert!("2020-2015".parse::<Period>().is_err());
        assert!("R7".parse::<Period>().is_err());
        assert_eq!(Period::span(2015, 2020).to_string(), "2015-2020");
    }

    #[test]
    fn years_parse_in_both_eras() {
        assert_eq!(parse_year("2024"), Some(2024));
        assert_eq!(parse_year("R6"), Some(2024));
        assert_eq!(parse_year("r2"), Some(2020));
        assert_eq!(parse_year("R0"), None);
        assert_eq!(parse_year("24"), None);
        assert_eq!(era_label(2018), "H30");
        assert_eq!(era_label(2019), "H31");
        assert_eq!(era_label(2024), "R6");
    }
}
