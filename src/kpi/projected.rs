//! Grading what a scenario projects against the strategy's numeric goals (`jinko evaluate`):
//! the population in each target year (目標人口), net migration in each target period (純移動数),
//! the scenario's total fertility rate in each target year (合計特殊出生率), and employed persons
//! (就業者人口), by the same rule as the yearly review.
//!
//! Employed persons are not projected by the cohort-component engine. jinko derives them from the
//! projected population: by age and sex where the data pack has employment-to-population ratios,
//! otherwise by the overall ratio implied by the latest census year for which the strategy gives
//! employed persons and the pack gives the census total (Kama: 14,339 employed / 35,473 persons in
//! 2020). The method used is stated in every result.

use super::{Actual, Assessment, IndicatorKind, Period, Strategy};
use crate::engine::Projection;
use crate::error::Result;
use crate::scenario::Scenario;

/// One graded goal indicator of a projection.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectedIndicator {
    /// Indicator id in the strategy file.
    pub id: String,
    /// Name (Japanese, as in the report).
    pub name: String,
    /// The year or period graded.
    pub period: Period,
    /// The projected figure.
    pub projected: f64,
    /// The target.
    pub target: f64,
    /// The grade and ratio.
    pub assessment: Assessment,
    /// How the figure was obtained.
    pub method: String,
}

/// The census total in `year` from the pack: a full census, or the totals of its margins.
fn census_total(s: &Scenario, year: i32) -> Option<f64> {
    if let Some(c) = s.pack.census.get(&year) {
        return Some(c.total(s.pack.ages));
    }
    let m = s.pack.margins.get(&year)?;
    let totals: Vec<f64> = m
        .iter()
        .filter(|x| x.span.is_none())
        .map(|x| x.population)
        .collect();
    (totals.len() == 2).then(|| totals.iter().sum())
}

/// Grade the goal indicators of `strategy` that `scenario`'s projection `p` can answer.
pub fn evaluate(
    strategy: &Strategy,
    scenario: &Scenario,
    p: &Projection,
) -> Result<Vec<ProjectedIndicator>> {
    let rule = &strategy.rule;
    let mut out = Vec::new();
    for (_, ind) in strategy.indicators() {
        for (&period, &target) in &ind.targets {
            let (projected, method) = match ind.kind {
                IndicatorKind::Population
                    if period.start == period.end && period.start > p.years[0] =>
                {
                    match p.total_in(period.start) {
                        Some(t) => (t, "projected total population".to_string()),
                        None => continue,
                    }
                }
                IndicatorKind::NetMigration if period.end == period.start + 5 => {
                    let Some(k) = p.years.iter().position(|&y| y == period.start) else {
                        continue;
                    };
                    if k >= p.components.len() {
                        continue;
                    }
                    (
                        p.components[k].total_net_migration(),
                        "projected net migration of the period (ages 5+ in the CWR method)"
                            .to_string(),
                    )
                }
                IndicatorKind::TotalFertilityRate if period.start == period.end => {
                    match scenario.tfr_in(period.start) {
                        Some(v) => (
                            v,
                            if scenario.fertility.is_some() {
                                "the scenario's TFR path".to_string()
                            } else {
                                "the TFR the base path stands for (no TFR path in the scenario)"
                                    .to_string()
                            },
                        ),
                        None => continue,
                    }
                }
                IndicatorKind::EmployedPersons
                    if period.start == period.end && period.start > p.years[0] =>
                {
                    let Some(total) = p.total_in(period.start) else {
                        continue;
                    };
                    // The latest year with both employed persons (strategy) and a census total (pack).
                    let mut known: Vec<(i32, f64)> = ind
                        .actuals
                        .iter()
                        .filter_map(|(per, e)| e.actual.value().map(|v| (per.start, v)))
                        .chain(
                            ind.base
                                .iter()
                                .filter_map(|(per, e)| e.actual.value().map(|v| (per.start, v))),
                        )
                        .filter_map(|(y, v)| census_total(scenario, y).map(|c| (y, v / c)))
                        .collect();
                    known.sort_by_key(|k| k.0);
                    let Some(&(year, ratio)) = known.last() else {
                        continue;
                    };
                    (
                        ratio * total,
                        format!(
                            "projected population × the employed-to-population ratio of the {year} census ({:.4}); the pack has no employment ratios by age and sex",
                            ratio
                        ),
                    )
                }
                _ => continue,
            };
            let assessment = ind.assess(period, Actual::Value(projected), rule)?;
            out.push(ProjectedIndicator {
                id: ind.id.clone(),
                name: ind.name.ja.clone(),
                period,
                projected,
                target,
                assessment,
                method,
            });
        }
    }
    Ok(out)
}
