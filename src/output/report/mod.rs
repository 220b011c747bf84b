//! The report set of `jinko report`: one self-contained HTML file (charts inline as SVG, no
//! script or style from the network), an Excel workbook with Japanese headers, CSVs that Excel
//! opens on a Japanese PC, and each chart as its own SVG file.
//!
//! The tables every format shares are computed once here ([`summary`], [`comparison`],
//! [`gaps`], [`kpi_rows`]); [`html`](mod@html) and [`xlsx`] lay them out. Everything is
//! rendered to bytes first ([`files`]), and only then written by [`write_set`], into a temporary
//! folder that is renamed into place, so a failure leaves no half-written set.

pub mod html;
pub mod xlsx;

use crate::error::{Error, Result};
use crate::kpi::{Actual, Review};
use crate::output::chart::build::{self, final_target, ipss_references, Run};
use crate::output::chart::Chart;
use crate::output::csv::{encode, CsvTable, Encoding};
use crate::output::projection::indicators;
use std::path::Path;

/// One scenario's headline figures.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryRow {
    /// Scenario title.
    pub title: String,
    /// Scenario name (file stem).
    pub name: String,
    /// Base year and its total.
    pub base: (i32, f64),
    /// 2040 total, if projected.
    pub y2040: Option<f64>,
    /// Horizon year and its total.
    pub horizon: (i32, f64),
    /// Change from base to horizon, as a share of the base (−0.74 = −74 %).
    pub change: f64,
    /// Share 0-14 at the horizon.
    pub share_0_14: f64,
    /// Share 65+ at the horizon.
    pub share_65_plus: f64,
    /// Total in the target year minus the target, if the pack has a target and it is projected.
    pub gap: Option<f64>,
}

/// The headline figures of every scenario.
pub fn summary(runs: &[Run]) -> Vec<SummaryRow> {
    runs.iter()
        .filter_map(|r| {
            let ind = indicators(&r.projection);
            let (first, last) = (ind.first()?, ind.last()?);
            let gap = final_target(&r.scenario.pack)
                .and_then(|(y, t)| r.projection.total_in(y).map(|v| v - t));
            Some(SummaryRow {
                title: r.scenario.title.clone(),
                name: r.scenario.name.clone(),
                base: (first.year, first.total),
                y2040: r.projection.total_in(2040),
                horizon: (last.year, last.total),
                change: if first.total > 0.0 {
                    last.total / first.total - 1.0
                } else {
                    0.0
                },
                share_0_14: last.share(last.age_0_14),
                share_65_plus: last.share(last.age_65_plus),
                gap,
            })
        })
        .collect()
}

/// A row of the comparison table: a label and a value per year (or none).
#[derive(Debug, Clone, PartialEq)]
pub struct ComparisonRow {
    /// Row label: a scenario title, the IPSS path or the target.
    pub label: String,
    /// Values by [`Comparison::years`].
    pub values: Vec<Option<f64>>,
}

/// Totals by year of every scenario beside the IPSS path and the target population.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// Years (columns).
    pub years: Vec<i32>,
    /// Scenario rows, then the IPSS path, then the target.
    pub rows: Vec<ComparisonRow>,
}

/// The comparison table over the years of the scenarios.
pub fn comparison(runs: &[Run]) -> Comparison {
    let mut years: Vec<i32> = runs
        .iter()
        .flat_map(|r| r.projection.years.iter().copied())
        .collect();
    years.sort_unstable();
    years.dedup();
    let mut rows: Vec<ComparisonRow> = runs
        .iter()
        .map(|r| ComparisonRow {
            label: r.scenario.title.clone(),
            values: years.iter().map(|y| r.projection.total_in(*y)).collect(),
        })
        .collect();
    if let Some(pack) = runs.first().map(|r| &r.scenario.pack) {
        let ipss: std::collections::BTreeMap<i32, f64> = ipss_references(pack)
            .into_iter()
            .flat_map(|s| s.points)
            .collect();
        if !ipss.is_empty() {
            rows.push(ComparisonRow {
                label: "社人研推計（平成30年推計）".into(),
                values: years.iter().map(|y| ipss.get(y).copied()).collect(),
            });
        }
        let target = pack.reference_series("target");
        if !target.is_empty() {
            rows.push(ComparisonRow {
                label: "目標人口".into(),
                values: years.iter().map(|y| target.get(y).copied()).collect(),
            });
        }
    }
    Comparison { years, rows }
}

/// One scenario's gap to the target population in the target year.
#[derive(Debug, Clone, PartialEq)]
pub struct Gap {
    /// Scenario title.
    pub title: String,
    /// Target year.
    pub year: i32,
    /// The scenario's total in that year.
    pub total: f64,
    /// The target.
    pub target: f64,
    /// Total − target, persons.
    pub gap: f64,
    /// Gap as a share of the target (−0.41 = 41 % short).
    pub percent: f64,
}

/// The gap of every scenario to the final target of its pack (17,033 in 2065 for Kama).
pub fn gaps(runs: &[Run]) -> Vec<Gap> {
    runs.iter()
        .filter_map(|r| {
            let (year, target) = final_target(&r.scenario.pack)?;
            let total = r.projection.total_in(year)?;
            Some(Gap {
                title: r.scenario.title.clone(),
                year,
                total,
                target,
                gap: total - target,
                percent: if target != 0.0 {
                    (total - target) / target
                } else {
                    0.0
                },
            })
        })
        .collect()
}

/// One KPI as the report's table shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct KpiRow {
    /// Basic goal.
    pub goal: u32,
    /// Identifier.
    pub id: String,
    /// The project (具体的な事業).
    pub project: String,
    /// The KPI.
    pub name: String,
    /// Unit.
    pub unit: String,
    /// The actual compared, if any.
    pub actual: Option<f64>,
    /// The actual as printed (a number, 未実施, 公表待ち, —).
    pub actual_text: String,
    /// The target.
    pub target: f64,
    /// The target as printed.
    pub target_text: String,
    /// Achievement as printed (`85%`, `到達`, …).
    pub ratio_text: String,
    /// Department in charge.
    pub department: String,
    /// Grade symbol (○ △ × or 公表待ち).
    pub grade: String,
}

/// Column headers of the KPI table (as the report's 事業一覧), for the CSV and the workbook.
pub const KPI_HEADERS: [&str; 10] = [
    "基本目標",
    "ID",
    "具体的な事業",
    "重要業績評価指標(KPI)",
    "単位",
    "実績値",
    "目標値",
    "達成率",
    "担当課",
    "総合評価",
];

/// The KPI rows of `review`, in Japanese.
pub fn kpi_rows(review: &Review) -> Vec<KpiRow> {
    use crate::kpi::render::format_number;
    use crate::kpi::{Grade, Lang};
    review
        .kpis
        .iter()
        .map(|r| {
            let k = r.kpi;
            let a = &r.assessment;
            let actual_text = match r.actual {
                Actual::Value(v) => format_number(v, k.decimals),
                Actual::Missing => "—".into(),
                Actual::NotCarriedOut => "未実施".into(),
                Actual::Pending => "公表待ち".into(),
            };
            let ratio_text = match (a.reached, a.percent, r.actual) {
                (Some(true), _, _) => "到達".into(),
                (Some(false), _, _) => "未到達".into(),
                (None, Some(p), _) if p.fract() == 0.0 => format!("{p:.0}%"),
                (None, Some(p), _) => format!("{p:.1}%"),
                (None, None, Actual::Value(_)) => ">100%".into(),
                _ => String::new(),
            };
            KpiRow {
                goal: k.goal,
                id: k.id.clone(),
                project: k.project.get(Lang::Ja).to_string(),
                name: k.name.get(Lang::Ja).to_string(),
                unit: k.unit.get(Lang::Ja).to_string(),
                actual: r.actual.value(),
                actual_text,
                target: k.target,
                target_text: k.target_label.as_ref().map_or_else(
                    || format_number(k.target, k.decimals),
                    |t| t.get(Lang::Ja).to_string(),
                ),
                ratio_text,
                department: k.department.get(Lang::Ja).to_string(),
                grade: match a.grade {
                    Grade::Pending => "公表待ち".into(),
                    g => g.symbol().into(),
                },
            }
        })
        .collect()
}

/// The charts of the report, by file name, as SVG text.
pub fn charts(runs: &[Run], review: Option<&Review>) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    if let Some(first) = runs.first() {
        out.push(("trajectories.svg".into(), build::trajectories(runs).svg()?));
        let years = build::default_pyramid_years(&first.projection);
        out.push(("pyramid.svg".into(), build::pyramid(runs, &years).svg()?));
        out.push(("shares.svg".into(), build::shares(runs).svg()?));
        out.push(("components.svg".into(), build::components(runs).svg()?));
    }
    if let Some(review) = review {
        out.push(("kpi.svg".into(), build::grades(review).svg()?));
    }
    Ok(out)
}

/// Whole persons for CSV (no separators).
fn whole(v: f64) -> String {
    format!("{:.0}", v.round() + 0.0)
}

/// The CSV tables of the report, by file name.
pub fn csv_tables(runs: &[Run], review: Option<&Review>) -> Vec<(String, CsvTable)> {
    let mut out = Vec::new();
    let mut pop = CsvTable::new(["シナリオ", "年", "男女", "年齢", "人口"]);
    let mut comp = CsvTable::new([
        "シナリオ",
        "期間",
        "出生数",
        "死亡数",
        "自然増減",
        "純移動数（社会増減）",
        "人口増減",
    ]);
    for r in runs {
        let p = &r.projection;
        let labels = p.ages.labels();
        for (k, year) in p.years.iter().enumerate() {
            for (sex, name) in [(0, "男"), (1, "女")] {
                for (a, label) in labels.iter().enumerate() {
                    pop.push(vec![
                        r.scenario.title.clone(),
                        year.to_string(),
                        name.into(),
                        label.clone(),
                        format!("{:.1}", p.population[k][sex][a]),
                    ]);
                }
            }
        }
        for (k, c) in p.components.iter().enumerate() {
            let natural = c.total_births() - c.total_deaths();
            comp.push(vec![
                r.scenario.title.clone(),
                format!(
                    "{}-{}",
                    p.years[k],
                    p.years.get(k + 1).copied().unwrap_or_default()
                ),
                whole(c.total_births()),
                whole(c.total_deaths()),
                whole(natural),
                whole(c.total_net_migration()),
                whole(natural + c.total_net_migration()),
            ]);
        }
    }
    let cmp = comparison(runs);
    let mut table = CsvTable::new(
        std::iter::once("区分".to_string()).chain(cmp.years.iter().map(|y| format!("{y}年"))),
    );
    for row in &cmp.rows {
        table.push(
            std::iter::once(row.label.clone())
                .chain(row.values.iter().map(|v| v.map_or(String::new(), whole)))
                .collect(),
        );
    }
    out.push(("population.csv".into(), pop));
    out.push(("components.csv".into(), comp));
    out.push(("comparison.csv".into(), table));
    if let Some(review) = review {
        let mut kpi = CsvTable::new(KPI_HEADERS);
        for k in kpi_rows(review) {
            kpi.push(vec![
                k.goal.to_string(),
                k.id,
                k.project,
                k.name,
                k.unit,
                k.actual_text,
                k.target_text,
                k.ratio_text,
                k.department,
                k.grade,
            ]);
        }
        out.push(("kpi.csv".into(), kpi));
    }
    out
}

/// Every file of the report set, rendered: `report.html`, `jinko-report.xlsx`, the CSVs in
/// `encoding`, and the charts as SVG.
pub fn files(
    runs: &[Run],
    review: Option<&Review>,
    encoding: Encoding,
) -> Result<Vec<(String, Vec<u8>)>> {
    if runs.is_empty() {
        return Err(Error::Invalid(
            "a report needs one scenario file or more".into(),
        ));
    }
    let charts = charts(runs, review)?;
    let mut out = vec![
        (
            "report.html".to_string(),
            html::render(runs, review, &charts)?.into_bytes(),
        ),
        ("jinko-report.xlsx".to_string(), xlsx::render(runs, review)?),
    ];
    for (name, table) in csv_tables(runs, review) {
        let bytes = encode(&table, encoding).map_err(|e| match e {
            Error::Unencodable {
                row,
                column,
                character,
                encoding,
            } => Error::Invalid(format!(
                "{name}: {}",
                Error::Unencodable {
                    row,
                    column,
                    character,
                    encoding
                }
            )),
            e => e,
        })?;
        out.push((name, bytes));
    }
    for (name, svg) in charts {
        out.push((name, svg.into_bytes()));
    }
    Ok(out)
}

/// Write `files` into `dir`, all or none (see [`crate::output::atomic::write_set`]: the set is
/// written into a new folder that replaces `dir` whole; files of `dir` not in the set are kept).
pub fn write_set(dir: &Path, files: &[(String, Vec<u8>)]) -> Result<()> {
    crate::output::atomic::write_set(dir, files)
}
