//! The grading rule of a 総合戦略 review: one actual against one target gives ○, △, × or
//! pending.
//!
//! The rule is the one Kama City prints under 【目標値の達成状況の内容】 in its review of the 2nd
//! strategy (嘉麻市まち・ひと・しごと創生 第2期総合戦略 総括報告書):
//!
//! - ○ 概ね目標達成: actual / target = 80 % – 100 % (and above);
//! - △ 目標未達成: actual / target = 0 % – 79 %;
//! - × その他: the actual cannot be known (実績値の把握が不可能なもの) or the project was not carried
//!   out (事業未実施).
//!
//! The report's bands are whole percents (79 % is the last △), so by default the ratio is turned
//! into a percent rounded half away from zero to a whole number before it is compared with the
//! threshold: 79.5 % counts as 80 % (○), 79.4 % as 79 % (△). [`Rounding::None`] compares the exact
//! ratio instead. Both the threshold and the rounding are settings ([`Rule`]); the report's are the
//! defaults.
//!
//! Two cases the report does not need but a planner meets:
//!
//! - **Less is better** (a target to fall to, e.g. accidents, or out-migration). The ratio is
//!   target / actual, so an actual 25 % above its target gives 80 %. A negative target is
//!   mirrored first: target and actual change sign and the direction flips, so that the ratio is
//!   always taken against a positive target. Net migration (純移動数), where a *less negative*
//!   figure is better, is "more is better" with a negative target: target ▲913 and actual ▲1,833
//!   become "less is better", 913 / 1,833 = 50 % (△). When the actual crosses zero to the good
//!   side of a target (a net gain where a loss of 913 was the target, zero accidents where 5
//!   were allowed) the ratio is unbounded: the grade is ○ and the ratio is reported as absent.
//! - **Pending**: an actual that is not yet published (the 2025 census) is [`Grade::Pending`],
//!   not ×.
//!
//! A target of zero has no ratio and is an error; a KPI file reports it at load time with its file,
//! line and key.
//!
//! Every comparison tolerance of the evaluator is [`TOLERANCE`], here.

use crate::error::{Error, Result};
use serde::Deserialize;
use std::fmt;

/// Relative tolerance for every comparison in the KPI evaluator: rounding a percent that is a
/// half in exact arithmetic (79.5 % computed as 79.49999999999999), comparing a ratio with the
/// threshold, and comparing an actual with a level. Figures in a KPI file carry at most a few
/// decimals, so 1e-9 only absorbs floating-point error.
pub const TOLERANCE: f64 = 1e-9;

/// The grade of one indicator (総合評価).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Grade {
    /// ○ 概ね目標達成: the ratio reached the threshold, or the level was reached.
    Achieved,
    /// △ 目標未達成: below the threshold, or the level not reached.
    NotAchieved,
    /// × その他: no actual (not measurable, or the project was not carried out).
    Other,
    /// The actual is not yet published (for example the next census); not graded yet.
    Pending,
}

impl Grade {
    /// The symbol as printed in the report and in JSON: `○`, `△`, `×` or `pending`.
    pub fn symbol(self) -> &'static str {
        match self {
            Grade::Achieved => "○",
            Grade::NotAchieved => "△",
            Grade::Other => "×",
            Grade::Pending => "pending",
        }
    }

    /// Parse a symbol as written in a KPI file or in JSON: `○`, `△`, `×` or `pending`.
    pub fn from_symbol(s: &str) -> Option<Grade> {
        match s {
            "○" => Some(Grade::Achieved),
            "△" => Some(Grade::NotAchieved),
            "×" => Some(Grade::Other),
            "pending" => Some(Grade::Pending),
            _ => None,
        }
    }
}

impl fmt::Display for Grade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol())
    }
}

/// Which way is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// A higher actual is better (most KPIs; also net migration, where −913 beats −1,833).
    More,
    /// A lower actual is better.
    Less,
}

impl Direction {
    /// The other direction.
    pub fn flip(self) -> Direction {
        match self {
            Direction::More => Direction::Less,
            Direction::Less => Direction::More,
        }
    }
}

/// How the actual of a KPI is formed from its yearly figures and compared with the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    /// The yearly figures are added up and the total is compared with the target
    /// (目標値「5年間に15件」).
    Sum,
    /// The latest yearly figure is compared with the target (目標値「21,870人(R6)」).
    Latest,
    /// The latest yearly figure is compared with a stated level (「全国平均正答率に到達」):
    /// ○ when it reaches the level, else △. No ratio is formed.
    Level,
}

/// How a ratio or a share is rounded before it is compared or printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rounding {
    /// As a percent rounded half away from zero to a whole number (62.5 % → 63 %, as the report
    /// prints 10 of 16).
    WholePercent,
    /// Not rounded.
    None,
}

impl Rounding {
    /// `percent` (already multiplied by 100) rounded by this rule.
    pub fn apply(self, percent: f64) -> f64 {
        match self {
            Rounding::WholePercent => (percent * (1.0 + TOLERANCE)).round(),
            Rounding::None => percent,
        }
    }
}

/// The grading rule: threshold and rounding. [`Rule::default`] is the report's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rule {
    threshold: f64,
    ratio_rounding: Rounding,
    share_rounding: Rounding,
}

impl Default for Rule {
    /// The report's rule: ○ from 80 %, ratios and shares as whole percents.
    fn default() -> Self {
        Rule {
            threshold: 0.8,
            ratio_rounding: Rounding::WholePercent,
            share_rounding: Rounding::WholePercent,
        }
    }
}

impl Rule {
    /// A rule with `threshold` (a fraction: 0.8 for 80 %) and the rounding of ratios (before they
    /// are compared) and of the shares of ○ △ × in the summary. The threshold must be finite and
    /// above zero.
    pub fn new(threshold: f64, ratio_rounding: Rounding, share_rounding: Rounding) -> Result<Rule> {
        if !threshold.is_finite() || threshold <= 0.0 {
            return Err(Error::Invalid(format!(
                "the threshold is {threshold}; expected a fraction above zero such as 0.8 (80 %)"
            )));
        }
        Ok(Rule {
            threshold,
            ratio_rounding,
            share_rounding,
        })
    }

    /// The threshold as a fraction (0.8 = 80 %).
    pub fn threshold(&self) -> f64 {
        self.threshold
    }

    /// How a ratio is rounded before it is compared with the threshold.
    pub fn ratio_rounding(&self) -> Rounding {
        self.ratio_rounding
    }

    /// How the shares of ○ △ × are rounded.
    pub fn share_rounding(&self) -> Rounding {
        self.share_rounding
    }

    /// The share `part / whole` as a percent rounded by the share rounding; `None` when `whole`
    /// is zero.
    pub fn share_percent(&self, part: usize, whole: usize) -> Option<f64> {
        if whole == 0 {
            return None;
        }
        Some(
            self.share_rounding
                .apply(part as f64 * 100.0 / whole as f64),
        )
    }
}

/// One actual figure, or why there is none.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Actual {
    /// A figure.
    Value(f64),
    /// No figure (「—」, or nothing entered): graded ×.
    Missing,
    /// The project was not carried out that year (未実施): graded ×.
    NotCarriedOut,
    /// Not yet published (公表後記入予定): graded pending.
    Pending,
}

impl Actual {
    /// The figure, if there is one.
    pub fn value(self) -> Option<f64> {
        match self {
            Actual::Value(v) => Some(v),
            _ => None,
        }
    }
}

impl From<f64> for Actual {
    fn from(v: f64) -> Self {
        Actual::Value(v)
    }
}

impl From<Option<f64>> for Actual {
    /// `None` is [`Actual::Missing`].
    fn from(v: Option<f64>) -> Self {
        v.map_or(Actual::Missing, Actual::Value)
    }
}

/// The outcome of grading one actual against one target.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Assessment {
    /// ○ △ × or pending.
    pub grade: Grade,
    /// actual / target (or target / actual when less is better), unrounded; `None` for a level
    /// comparison, for no actual, or when the actual is beyond zero on the good side of the
    /// target (unbounded, graded ○).
    pub ratio: Option<f64>,
    /// The ratio as a percent, rounded as the rule says: the number compared with the threshold.
    pub percent: Option<f64>,
    /// For a level comparison with an actual: whether the level was reached.
    pub reached: Option<bool>,
}

/// The achievement ratio of `actual` against `target` in `direction` (see the module docs):
/// `Ok(Some(ratio))`, `Ok(None)` when it is unbounded (the actual is at or beyond zero on the
/// good side of a target that is not), or an error for a zero or non-finite target or actual.
pub fn achievement_ratio(actual: f64, target: f64, direction: Direction) -> Result<Option<f64>> {
    check_finite(actual, target)?;
    if target == 0.0 {
        return Err(zero_target());
    }
    let (a, t, direction) = if target < 0.0 {
        (-actual, -target, direction.flip())
    } else {
        (actual, target, direction)
    };
    let ratio = match direction {
        Direction::More => Some(a / t),
        Direction::Less if a > 0.0 => Some(t / a),
        Direction::Less => None,
    };
    if let Some(r) = ratio {
        if !r.is_finite() {
            return Err(Error::Invalid(format!(
                "actual {actual} against target {target}: the ratio is {r}; expected figures whose ratio is a finite number"
            )));
        }
    }
    Ok(ratio)
}

/// Grade `actual` against `target` (see [`assess`] for the ratio and percent too).
///
/// `comparison` only matters as "level or not": how yearly figures are summed or picked is done
/// before (see [`mod@super::review`]). Errors: a zero target for a ratio comparison, a non-finite
/// target or actual, all as [`Error::Invalid`].
pub fn grade(
    actual: impl Into<Actual>,
    target: f64,
    comparison: Comparison,
    direction: Direction,
    rule: &Rule,
) -> Result<Grade> {
    assess(actual, target, comparison, direction, rule).map(|a| a.grade)
}

/// Grade `actual` against `target` and report the ratio and the percent compared.
pub fn assess(
    actual: impl Into<Actual>,
    target: f64,
    comparison: Comparison,
    direction: Direction,
    rule: &Rule,
) -> Result<Assessment> {
    let value = match actual.into() {
        Actual::Value(v) => v,
        Actual::Pending => return without_actual(Grade::Pending, target, comparison),
        Actual::Missing | Actual::NotCarriedOut => {
            return without_actual(Grade::Other, target, comparison)
        }
    };
    if comparison == Comparison::Level {
        check_finite(value, target)?;
        let margin = TOLERANCE * target.abs().max(1.0);
        let reached = match direction {
            Direction::More => value >= target - margin,
            Direction::Less => value <= target + margin,
        };
        return Ok(Assessment {
            grade: if reached {
                Grade::Achieved
            } else {
                Grade::NotAchieved
            },
            ratio: None,
            percent: None,
            reached: Some(reached),
        });
    }
    let Some(ratio) = achievement_ratio(value, target, direction)? else {
        return Ok(Assessment {
            grade: Grade::Achieved,
            ratio: None,
            percent: None,
            reached: None,
        });
    };
    let percent = rule.ratio_rounding.apply(ratio * 100.0);
    if !percent.is_finite() {
        return Err(Error::Invalid(format!(
            "actual {value} against target {target}: the percent achieved is {percent}; expected figures whose ratio is a finite number"
        )));
    }
    let achieved = percent >= rule.threshold * 100.0 * (1.0 - TOLERANCE);
    Ok(Assessment {
        grade: if achieved {
            Grade::Achieved
        } else {
            Grade::NotAchieved
        },
        ratio: Some(ratio),
        percent: Some(percent),
        reached: None,
    })
}

fn without_actual(grade: Grade, target: f64, comparison: Comparison) -> Result<Assessment> {
    if !target.is_finite() {
        return Err(Error::Invalid(format!(
            "the target is {target}; expected a finite number"
        )));
    }
    if target == 0.0 && comparison != Comparison::Level {
        return Err(zero_target());
    }
    Ok(Assessment {
        grade,
        ratio: None,
        percent: None,
        reached: None,
    })
}

fn check_finite(actual: f64, target: f64) -> Result<()> {
    if !target.is_finite() {
        return Err(Error::Invalid(format!(
            "the target is {target}; expected a finite number"
        )));
    }
    if !actual.is_finite() {
        return Err(Error::Invalid(format!(
            "the actual is {actual}; expected a finite number"
        )));
    }
    Ok(())
}

fn zero_target() -> Error {
    Error::Invalid(
        "the target is zero, so actual/target has no meaning; give the target as a non-zero \
         number, or compare with `level` if the goal is to reach a stated level"
            .into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pct(actual: f64, target: f64, direction: Direction) -> Option<f64> {
        assess(
            actual,
            target,
            Comparison::Latest,
            direction,
            &Rule::default(),
        )
        .ok()
        .and_then(|a| a.percent)
    }

    #[test]
    fn whole_percent_rounds_half_away_from_zero() {
        assert_eq!(Rounding::WholePercent.apply(62.5), 63.0);
        assert_eq!(Rounding::WholePercent.apply(79.49), 79.0);
        assert_eq!(Rounding::WholePercent.apply(-62.5), -63.0);
        // 0.795 * 100 is 79.49999999999999 in floating point; it is a half.
        assert_eq!(Rounding::WholePercent.apply(0.795 * 100.0), 80.0);
    }

    #[test]
    fn more_is_better_ratio() {
        assert_eq!(pct(19.0, 15.0, Direction::More), Some(127.0));
        assert_eq!(pct(-5.0, 10.0, Direction::More), Some(-50.0));
    }

    #[test]
    fn negative_target_is_mirrored() {
        // Net migration: ▲1,833 against ▲1,772 (less negative is better).
        assert_eq!(pct(-1833.0, -1772.0, Direction::More), Some(97.0));
        assert_eq!(pct(-1833.0, -913.0, Direction::More), Some(50.0));
        // Less is better with a negative target: reach −10 or below.
        assert_eq!(pct(-12.0, -10.0, Direction::Less), Some(120.0));
    }

    #[test]
    fn unbounded_ratio_is_achieved() {
        let a = assess(
            0.0,
            5.0,
            Comparison::Latest,
            Direction::Less,
            &Rule::default(),
        );
        assert!(matches!(
            a,
            Ok(Assessment {
                grade: Grade::Achieved,
                ratio: None,
                ..
            })
        ));
    }

    #[test]
    fn threshold_must_be_positive() {
        assert!(Rule::new(0.0, Rounding::None, Rounding::None).is_err());
        assert!(Rule::new(f64::NAN, Rounding::None, Rounding::None).is_err());
        assert!(Rule::new(0.9, Rounding::None, Rounding::None).is_ok());
    }

    #[test]
    fn non_finite_inputs_are_errors() {
        let r = Rule::default();
        assert!(grade(f64::NAN, 1.0, Comparison::Sum, Direction::More, &r).is_err());
        assert!(grade(1.0, f64::INFINITY, Comparison::Sum, Direction::More, &r).is_err());
        assert!(grade(Actual::Missing, 0.0, Comparison::Sum, Direction::More, &r).is_err());
        assert_eq!(
            grade(Actual::Missing, 0.0, Comparison::Level, Direction::More, &r).ok(),
            Some(Grade::Other)
        );
    }
}
