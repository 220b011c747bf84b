//! Comparing scenarios (人口ビジョンの比較): totals by year beside the official path (社人研推計)
//! and the target path (目標人口), the gap to the target in its final year, the first year each
//! scenario falls below the target path, age-structure shares, natural and social change per
//! period, and the impact analysis of the Cabinet Office's guide (自然増減・社会増減の影響度:
//! Sim1 / パターン1 and Sim2 / Sim1 in a chosen year, classified into five levels).
//!
//! The target path is known at the years the pack gives (Kama: 2020, 2025, 2065); between them it
//! is interpolated linearly, which is what "falls below the target path" is measured against.

pub mod impact;
pub mod longrun;
pub mod young_women;

use crate::engine::Projection;
use crate::error::{Error, Result};
use crate::output::projection::{indicators, YearIndicators};
use crate::scenario::Scenario;
use std::collections::BTreeMap;

pub use impact::{BasisImpact, Impact, ImpactLevels, ImpactResult};

/// One scenario's projection, summarised for comparison.
#[derive(Debug, Clone)]
pub struct Run {
    /// The scenario.
    pub scenario: Scenario,
    /// Its projection.
    pub projection: Projection,
    /// Indicators per year.
    pub indicators: Vec<YearIndicators>,
}

impl Run {
    /// Total in `year`, if projected.
    pub fn total(&self, year: i32) -> Option<f64> {
        self.projection.total_in(year)
    }

    /// Gap to `target` in `year`: (persons, percent of the target); positive above the target.
    pub fn gap(&self, year: i32, target: f64) -> Option<(f64, f64)> {
        let t = self.total(year)?;
        Some((t - target, 100.0 * (t - target) / target))
    }

    /// Natural change (births − deaths) and social change (net migration) per period.
    pub fn changes(&self) -> Vec<(String, f64, f64)> {
        let p = &self.projection;
        p.components
            .iter()
            .enumerate()
            .map(|(k, c)| {
                (
                    format!("{}-{}", p.years[k], p.years[k + 1]),
                    c.total_births() - c.total_deaths(),
                    c.total_net_migration(),
                )
            })
            .collect()
    }
}

/// A comparison of several scenarios with the official and target paths.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// The runs, in the order given.
    pub runs: Vec<Run>,
    /// All years of any run, sorted.
    pub years: Vec<i32>,
    /// The official path by year (published projection, plus the official series' extra years).
    pub official: BTreeMap<i32, f64>,
    /// Label of the official path.
    pub official_label: String,
    /// The target path's known points.
    pub target: BTreeMap<i32, f64>,
    /// Label of the target path.
    pub target_label: String,
    /// The impact analysis of the first basis whose パターン1, Sim1 and Sim2 are among the runs.
    pub impact: Option<ImpactResult>,
    /// The impact analysis of every such basis (see [`impact::by_basis`]).
    pub impacts: Vec<BasisImpact>,
    /// The 若年女性人口 indicator of the 2020-based パターン1 (given, or found in the pack).
    pub young_women: Option<young_women::Found>,
    /// A published projection's summary to compare with (e.g. IPSS 2023), by year.
    pub summary: BTreeMap<i32, crate::pack::SummaryRow>,
    /// Its label.
    pub summary_label: String,
}

/// How far below the target path (a share of it) a total must be to count as below it: 1 %.
pub const BELOW_TOLERANCE: f64 = 0.01;

/// The rule of [`Comparison::first_below_target`] in words, for the outputs that print it.
pub fn below_rule(target: &BTreeMap<i32, f64>) -> String {
    format!(
        "目標経路は{}年の目標人口を直線で結んだ経路。目標経路を{}%を超えて下回る最初の年（{}%以内の差は下回りとしない）",
        target
            .keys()
            .map(|y| y.to_string())
            .collect::<Vec<_>>()
            .join("・"),
        100.0 * BELOW_TOLERANCE,
        100.0 * BELOW_TOLERANCE
    )
}

/// The target path at `year`: linear between known points, None outside them.
pub fn target_at(target: &BTreeMap<i32, f64>, year: i32) -> Option<f64> {
    if let Some(&v) = target.get(&year) {
        return Some(v);
    }
    let before = target.range(..year).next_back()?;
    let after = target.range(year..).next()?;
    let f = (year - before.0) as f64 / (after.0 - before.0) as f64;
    Some(before.1 + f * (after.1 - before.1))
}

impl Comparison {
    /// Project every scenario and compare. The official and target paths come from the first
    /// scenario's pack. `impact_year` is the year of the impact analysis (None: 30 years after
    /// each basis's base year).
    pub fn new(
        scenarios: Vec<Scenario>,
        levels: &ImpactLevels,
        impact_year: Option<i32>,
    ) -> Result<Comparison> {
        let Some(first) = scenarios.first() else {
            return Err(Error::Invalid("compare needs at least one scenario".into()));
        };
        let pack = &first.pack;
        let official = pack.official_path();
        let target = pack.reference_series(&pack.compare.target);
        let official_label = pack.compare.official_label.clone();
        let summary = pack.projection_summary.clone();
        let summary_label = pack.compare.summary_label.clone();
        let target_label = pack.compare.target_label.clone();
        let mut runs = Vec::new();
        for s in scenarios {
            let projection = s.project()?;
            let ind = indicators(&projection);
            runs.push(Run {
                scenario: s,
                projection,
                indicators: ind,
            });
        }
        let mut years: Vec<i32> = runs
            .iter()
            .flat_map(|r| r.projection.years.clone())
            .collect();
        years.sort_unstable();
        years.dedup();
        let pairs: Vec<_> = runs.iter().map(|r| (&r.scenario, &r.projection)).collect();
        let impacts = impact::by_basis(&pairs, levels, impact_year)?;
        let impact = impacts.first().map(|b| b.result.clone());
        let young_women = young_women::find(&pairs)?;
        Ok(Comparison {
            summary,
            summary_label,
            runs,
            years,
            official,
            official_label,
            target,
            target_label,
            impact,
            impacts,
            young_women,
        })
    }

    /// The final target: its last year and value.
    pub fn final_target(&self) -> Option<(i32, f64)> {
        self.target.iter().next_back().map(|(&y, &v)| (y, v))
    }

    /// The first projected year, from the first target year on, in which `run` is below the
    /// target path by more than [`BELOW_TOLERANCE`] of it (a scenario built to meet a target
    /// does not "fall below" it by the 17 persons its rounding leaves).
    pub fn first_below_target(&self, run: &Run) -> Option<i32> {
        let first = *self.target.keys().next()?;
        run.projection
            .years
            .iter()
            .copied()
            .filter(|&y| y >= first)
            .find(|&y| match (run.total(y), target_at(&self.target, y)) {
                (Some(t), Some(path)) => t < path * (1.0 - BELOW_TOLERANCE),
                _ => false,
            })
    }
}
