//! Filling the chart structs from what jinko computes: scenarios and their projections, the data
//! pack's reference series (the IPSS path, the target), and a KPI review. Labels are Japanese,
//! as the council documents are.

use super::{
    ComponentsChart, ComponentsPanel, GradeBar, GradeChart, Marker, PeriodChange, PyramidChart,
    PyramidLayer, PyramidPanel, Series, SharesChart, SharesPanel, TrajectoryChart,
};
use crate::engine::Projection;
use crate::grid::Sex;
use crate::kpi::Review;
use crate::output::projection::{indicators, persons};
use crate::pack::Pack;
use crate::scenario::Scenario;

/// A scenario with its projection.
#[derive(Debug, Clone)]
pub struct Run {
    /// The validated scenario.
    pub scenario: Scenario,
    /// Its projection.
    pub projection: Projection,
}

impl Run {
    /// Load and project the scenario at `path`.
    pub fn load(path: &std::path::Path) -> crate::Result<Run> {
        let scenario = Scenario::load(path)?;
        let projection = scenario.project()?;
        Ok(Run {
            scenario,
            projection,
        })
    }
}

/// The published IPSS projection's totals by year, from the pack (both sexes, all ages).
pub fn ipss_totals(pack: &Pack) -> Vec<(i32, f64)> {
    let n = pack.ages.len();
    pack.projection
        .as_ref()
        .map(|p| {
            p.iter()
                .map(|(y, cells)| (*y, cells.iter().map(|s| s[..n].iter().sum::<f64>()).sum()))
                .collect()
        })
        .unwrap_or_default()
}

/// The IPSS path as references: the published projection (label 社人研推計), and the report's
/// figures for years after it (the extension to 2065 as printed in the strategy review).
pub fn ipss_references(pack: &Pack) -> Vec<Series> {
    let published = ipss_totals(pack);
    let last = published.last().map_or(i32::MIN, |p| p.0);
    let mut out = Vec::new();
    if !published.is_empty() {
        out.push(Series {
            label: pack.compare.official_label.clone(),
            points: published,
        });
    }
    let extended: Vec<(i32, f64)> = pack
        .compare
        .official
        .as_deref()
        .map(|series| pack.reference_series(series))
        .unwrap_or_default()
        .into_iter()
        .filter(|(y, _)| *y > last)
        .collect();
    if !extended.is_empty() {
        out.push(Series {
            label: format!("{}の延長（公表値）", pack.compare.official_label),
            points: extended,
        });
    }
    out
}

/// The target of the last target year in the pack (目標人口, e.g. 17,033 in 2065).
pub fn final_target(pack: &Pack) -> Option<(i32, f64)> {
    pack.reference_series(&pack.compare.target)
        .into_iter()
        .next_back()
}

/// Scenario totals beside the IPSS path, with the final target marked.
pub fn trajectories(runs: &[Run]) -> TrajectoryChart {
    let series = runs
        .iter()
        .map(|r| Series {
            label: r.scenario.title.clone(),
            points: indicators(&r.projection)
                .iter()
                .map(|y| (y.year, y.total))
                .collect(),
        })
        .collect();
    let pack = runs.first().map(|r| &r.scenario.pack);
    let name = pack.map_or(String::new(), |p| p.name.clone());
    TrajectoryChart {
        title: format!("{name} 総人口の推移"),
        y_label: "総人口（人）".into(),
        series,
        references: pack.map(ipss_references).unwrap_or_default(),
        markers: pack
            .and_then(final_target)
            .map(|(year, value)| Marker {
                label: format!("目標 {}人（{year}年）", persons(value)),
                year,
                value,
            })
            .into_iter()
            .collect(),
    }
}

/// The default pyramid years: the base year, 2040 and 2065 (those the projection has).
pub fn default_pyramid_years(p: &Projection) -> Vec<i32> {
    let mut years = vec![p.years.first().copied().unwrap_or(2015)];
    for y in [2040, 2065] {
        if p.years.contains(&y) && !years.contains(&y) {
            years.push(y);
        }
    }
    years
}

/// Pyramids for `years`, the first two scenarios overlaid (the first filled, the second
/// outlined). Years a projection does not have are left out of that layer.
pub fn pyramid(runs: &[Run], years: &[i32]) -> PyramidChart {
    let ages = runs
        .first()
        .map(|r| r.projection.ages.labels())
        .unwrap_or_default();
    let n = ages.len();
    let panels = years
        .iter()
        .map(|&year| PyramidPanel {
            title: format!("{year}年"),
            layers: runs
                .iter()
                .take(2)
                .filter_map(|r| {
                    let k = r.projection.years.iter().position(|&y| y == year)?;
                    let cells = &r.projection.population[k];
                    Some(PyramidLayer {
                        label: r.scenario.title.clone(),
                        male: cells[Sex::Male.index()][..n].to_vec(),
                        female: cells[Sex::Female.index()][..n].to_vec(),
                    })
                })
                .collect(),
        })
        .filter(|p: &PyramidPanel| !p.layers.is_empty())
        .collect();
    let name = runs
        .first()
        .map_or(String::new(), |r| r.scenario.pack.name.clone());
    PyramidChart {
        title: format!("{name} 人口ピラミッド（男女・5歳階級別）"),
        ages,
        panels,
    }
}

/// The three age groups' shares over time, one panel per scenario.
pub fn shares(runs: &[Run]) -> SharesChart {
    let panels = runs
        .iter()
        .map(|r| {
            let ind = indicators(&r.projection);
            let col = |f: &dyn Fn(&crate::output::projection::YearIndicators) -> f64| {
                ind.iter().map(|y| y.share(f(y))).collect::<Vec<f64>>()
            };
            SharesPanel {
                title: r.scenario.title.clone(),
                years: ind.iter().map(|y| y.year).collect(),
                groups: vec![
                    ("年少人口（0-14歳）".into(), col(&|y| y.age_0_14)),
                    ("生産年齢人口（15-64歳）".into(), col(&|y| y.age_15_64)),
                    ("老年人口（65歳以上）".into(), col(&|y| y.age_65_plus)),
                ],
            }
        })
        .collect();
    SharesChart {
        title: "年齢3区分別人口割合の推移".into(),
        panels,
    }
}

/// Natural and social change per period, one panel per scenario.
pub fn components(runs: &[Run]) -> ComponentsChart {
    let panels = runs
        .iter()
        .map(|r| ComponentsPanel {
            title: r.scenario.title.clone(),
            periods: r
                .projection
                .components
                .iter()
                .enumerate()
                .map(|(k, c)| PeriodChange {
                    label: format!(
                        "{}-{}",
                        r.projection.years[k],
                        r.projection.years.get(k + 1).copied().unwrap_or_default()
                    ),
                    natural: c.total_births() - c.total_deaths(),
                    social: c.total_net_migration(),
                })
                .collect(),
        })
        .collect();
    ComponentsChart {
        title: "自然増減・社会増減（5年間）".into(),
        panels,
    }
}

/// The KPI grades per basic goal.
pub fn grades(review: &Review) -> GradeChart {
    GradeChart {
        title: format!("{} KPIの達成状況（基本目標別）", review.strategy.name.ja),
        bars: review
            .goals
            .iter()
            .map(|g| GradeBar {
                label: format!("基本目標{}", g.goal),
                achieved: g.tally.achieved,
                not_achieved: g.tally.not_achieved,
                other: g.tally.other,
                pending: g.tally.pending,
            })
            .collect(),
    }
}
