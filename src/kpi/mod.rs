//! The KPI evaluator: grading a municipality's 総合戦略 (まち・ひと・しごと創生 comprehensive
//! strategy) the way its yearly and final reviews do, ○ / △ / × for every KPI (重要業績評価指標),
//! with the counts and shares per basic goal (基本目標) and overall, and the goal indicators
//! (目標人口 and the 数値目標 of each goal) against their targets by year.
//!
//! The rule is Kama City's (嘉麻市まち・ひと・しごと創生 第2期総合戦略 総括報告書, 嘉麻市総合政策課):
//! ○ when actual/target is 80 % or more, △ below, × when there is no actual; see [`rule`] for the
//! details the report leaves open (rounding, less-is-better, pending).
//!
//! The pieces:
//!
//! - [`file`](mod@file): reading a KPI file (TOML) into a validated [`Strategy`] ([`load`], [`parse`]);
//! - [`actuals`]: yearly updates from a CSV `kpi_id,year,value`;
//! - [`rule`]: grading one actual against one target ([`grade`], [`assess`]);
//! - [`review`](mod@review): grading a whole strategy ([`review()`]);
//! - [`render`]: text tables (Japanese or English) and JSON.
//!
//! For grading a projection's goal indicators (`jinko evaluate`), take the indicator of the
//! wanted [`IndicatorKind`] from [`Strategy::indicator`] and call [`GoalIndicator::assess`] with
//! the projected figure for each period in [`GoalIndicator::targets`]:
//!
//! ```
//! use jinko::kpi::{self, Actual, IndicatorKind, Period};
//! # fn main() -> jinko::Result<()> {
//! let strategy = kpi::load(std::path::Path::new(concat!(
//!     env!("CARGO_MANIFEST_DIR"),
//!     "/scenarios/kama/kpi.toml"
//! )))?;
//! let migration = strategy.indicator(IndicatorKind::NetMigration).expect("in the file");
//! let period = Period::span(2020, 2025);
//! assert_eq!(migration.target(period), Some(-913.0));
//! let a = migration.assess(period, Actual::Value(-1200.0), &strategy.rule)?;
//! assert_eq!(a.grade, kpi::Grade::NotAchieved); // 913 / 1,200 = 76 %
//! # Ok(())
//! # }
//! ```

pub mod actuals;
pub mod file;
pub mod projected;
pub mod render;
pub mod review;
pub mod rule;
pub mod strategy;

pub use actuals::{apply_actuals, apply_actuals_file};
pub use file::parse;
pub use render::{render_json, render_table};
pub use review::{
    grade_kpi, review, series_actual, GoalSummary, IndicatorPoint, IndicatorResult, KpiResult,
    Review, SeriesResult, Tally,
};
pub use rule::{
    achievement_ratio, assess, grade, Actual, Assessment, Comparison, Direction, Grade, Rounding,
    Rule, TOLERANCE,
};
pub use strategy::{
    Entry, Goal, GoalIndicator, IndicatorKind, Kpi, Lang, Period, Series, Source, Strategy, Text,
};

use crate::error::Result;
use std::path::Path;

/// Read and validate the KPI file at `path`.
pub fn load(path: &Path) -> Result<Strategy> {
    let text = crate::input::read_text(path)?;
    parse(&text, path)
}
