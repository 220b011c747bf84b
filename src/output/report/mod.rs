//! The report set of `jinko report`: one self-contained HTML file (charts inline as SVG, no
//! script or style from the network), an Excel workbook with Japanese headers, CSVs that Excel
//! opens on a Japanese PC, and each chart as its own SVG file.
//!
//! The tables every format shares are computed once here ([`summary`], [`comparison`],
//! [`gaps`], [`kpi_rows`]); [`html`](mod@html) and [`xlsx`] lay them out. Everything is
//! rendered to bytes first ([`files`]), and only then written by [`write_set`], into a temporary
//! folder that is renamed into place, so a failure leaves no half-written set.

pub mod assumptions;
pub mod html;
pub mod xlsx;

use crate::error::{Error, Result};
use crate::kpi::Review;
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

/// One series of a KPI (the only one, or 小学校 / 中学校) as the report's table shows it: every
/// figure `jinko kpi` prints for it, as it prints them.
#[derive(Debug, Clone, PartialEq)]
pub struct KpiSeriesRow {
    /// The series label (小学校), when the KPI has several series.
    pub label: Option<String>,
    /// The base value (基準値) as printed, empty if none.
    pub base: Cell,
    /// The figure of each year of the strategy ([`kpi_years`]), empty where none.
    pub years: Vec<Cell>,
    /// The actual compared (実績値(目標値比較)).
    pub actual: Cell,
    /// The series' achievement: as a share (0.85) for a percent, and as printed.
    pub ratio: Option<f64>,
    /// The achievement as printed (`85%`, `到達`, …).
    pub ratio_text: String,
}

/// A figure: its value when it is a plain number (for the workbook), and its text as printed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Cell {
    /// The number, when the figure is one (no note, not 未実施 / 公表待ち / ―).
    pub value: Option<f64>,
    /// The text as `jinko kpi` prints it.
    pub text: String,
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
    /// Decimals of its figures.
    pub decimals: usize,
    /// Its series, each with every figure.
    pub series: Vec<KpiSeriesRow>,
    /// The target: the number, when printed as one, and as printed.
    pub target: Cell,
    /// Achievement of the KPI (its deciding series) as printed.
    pub ratio_text: String,
    /// Department in charge.
    pub department: String,
    /// Grade symbol (○ △ × or 公表待ち).
    pub grade: String,
}

/// The fiscal years of the strategy, as the KPI table's columns (R2 … R6 for Kama).
pub fn kpi_years(review: &Review) -> Vec<i32> {
    review.strategy.years().collect()
}

/// Column headers of the KPI table (as the report's 事業一覧), for the CSV and the workbook:
/// one row per series, 区分 naming the series of a KPI that has several.
pub fn kpi_headers(review: &Review) -> Vec<String> {
    use crate::kpi::strategy::era_label;
    let s = review.strategy;
    let mut h: Vec<String> = [
        "基本目標",
        "ID",
        "具体的な事業",
        "重要業績評価指標(KPI)",
        "単位",
        "区分",
    ]
    .map(String::from)
    .into();
    h.push(
        s.kpi_base_year
            .map_or("基準値".into(), |y| format!("基準値({})", era_label(y))),
    );
    for y in kpi_years(review) {
        h.push(format!("{}/実績値", era_label(y)));
    }
    h.push("実績値(目標値比較)".into());
    h.push(format!("目標値({}まで)", era_label(s.period.1)));
    for t in ["達成率", "担当課", "総合評価"] {
        h.push(t.into());
    }
    h
}

fn entry_cell(e: &crate::kpi::Entry, decimals: usize) -> Cell {
    use crate::kpi::render::entry_text;
    Cell {
        value: if e.note.is_none() {
            e.actual.value()
        } else {
            None
        },
        text: entry_text(e, decimals, crate::kpi::Lang::Ja),
    }
}

fn ratio_share(a: &crate::kpi::Assessment) -> Option<f64> {
    match a.reached {
        Some(_) => None,
        None => a.percent.map(|p| p / 100.0),
    }
}

/// The KPI rows of `review`, in Japanese, with the texts `jinko kpi` prints.
pub fn kpi_rows(review: &Review) -> Vec<KpiRow> {
    use crate::kpi::render::{actual_text, format_number, grade_text, ratio_text};
    use crate::kpi::Lang;
    let years = kpi_years(review);
    review
        .kpis
        .iter()
        .map(|r| {
            let k = r.kpi;
            let several = k.series.len() > 1;
            let series = k
                .series
                .iter()
                .zip(&r.series)
                .map(|(s, res)| KpiSeriesRow {
                    label: s
                        .label
                        .as_ref()
                        .filter(|_| several)
                        .map(|l| l.get(Lang::Ja).to_string()),
                    base: s
                        .base
                        .as_ref()
                        .map_or_else(Cell::default, |b| entry_cell(b, k.decimals)),
                    years: years
                        .iter()
                        .map(|y| {
                            s.actuals
                                .get(y)
                                .map_or_else(Cell::default, |e| entry_cell(e, k.decimals))
                        })
                        .collect(),
                    actual: Cell {
                        value: res.actual.value(),
                        text: actual_text(res.actual, k.decimals, Lang::Ja),
                    },
                    ratio: ratio_share(&res.assessment),
                    ratio_text: ratio_text(&res.assessment, res.actual, Lang::Ja),
                })
                .collect();
            KpiRow {
                goal: k.goal,
                id: k.id.clone(),
                project: k.project.get(Lang::Ja).to_string(),
                name: k.name.get(Lang::Ja).to_string(),
                unit: k.unit.get(Lang::Ja).to_string(),
                decimals: k.decimals,
                series,
                target: match &k.target_label {
                    Some(t) => Cell {
                        value: None,
                        text: t.get(Lang::Ja).to_string(),
                    },
                    None => Cell {
                        value: Some(k.target),
                        text: format_number(k.target, k.decimals),
                    },
                },
                ratio_text: ratio_text(&r.assessment, r.actual, Lang::Ja),
                department: k.department.get(Lang::Ja).to_string(),
                grade: grade_text(r.assessment.grade, Lang::Ja).to_string(),
            }
        })
        .collect()
}

/// One line of the goal-indicator table (目標人口及び基本目標の数値目標), laid out as the city's
/// review: the indicator's name, unit and goal on its first line only.
#[derive(Debug, Clone, PartialEq)]
pub struct GoalRow {
    /// The basic goal (empty for the target population).
    pub goal: Option<u32>,
    /// Indicator name, on the indicator's first line.
    pub name: Option<String>,
    /// Unit, on the first line.
    pub unit: Option<String>,
    /// Year or period, `(基準値)` added to the base.
    pub period: String,
    /// The IPSS projection (社人研推計値).
    pub ipss: Cell,
    /// The target (目標値).
    pub target: Cell,
    /// The actual (実績値).
    pub actual: Cell,
    /// Achievement: share (1.01) and as printed.
    pub ratio: Option<f64>,
    /// Achievement as printed.
    pub ratio_text: String,
    /// Grade as printed.
    pub grade: String,
}

/// Headers of the goal-indicator table.
pub const GOAL_HEADERS: [&str; 9] = [
    "基本目標",
    "指標",
    "単位",
    "年",
    "社人研推計値",
    "目標値",
    "実績値",
    "達成率",
    "評価",
];

/// The goal-indicator lines of `review`, with the texts `jinko kpi` prints.
pub fn goal_rows(review: &Review) -> Vec<GoalRow> {
    use crate::kpi::render::{entry_text, format_number, grade_text, ratio_text};
    use crate::kpi::Lang;
    let mut out = Vec::new();
    for r in &review.indicators {
        let ind = r.indicator;
        let d = ind.decimals;
        let num = |v: Option<f64>| Cell {
            value: v,
            text: v.map_or(String::new(), |v| format_number(v, d)),
        };
        for (i, p) in r.points.iter().enumerate() {
            let first = i == 0;
            let (ratio, ratio_text, grade) = match (&p.assessment, &p.actual) {
                (Some(a), Some(e)) => (
                    ratio_share(a),
                    ratio_text(a, e.actual, Lang::Ja),
                    grade_text(a.grade, Lang::Ja).to_string(),
                ),
                _ => (None, String::new(), String::new()),
            };
            out.push(GoalRow {
                goal: if first { r.goal } else { None },
                name: first.then(|| ind.name.get(Lang::Ja).to_string()),
                unit: first.then(|| ind.unit.get(Lang::Ja).to_string()),
                period: if p.is_base {
                    format!("{}(基準値)", p.period)
                } else {
                    p.period.to_string()
                },
                ipss: num(p.ipss),
                target: num(p.target),
                actual: p.actual.as_ref().map_or_else(Cell::default, |e| Cell {
                    value: if e.note.is_none() {
                        e.actual.value()
                    } else {
                        None
                    },
                    text: entry_text(e, d, Lang::Ja),
                }),
                ratio,
                ratio_text,
                grade,
            });
        }
    }
    out
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

/// An age group as Japanese tables write it: `0-4歳`, `90歳以上`.
pub fn age_ja(label: &str) -> String {
    match label.strip_suffix('+') {
        Some(n) => format!("{n}歳以上"),
        None => format!("{label}歳"),
    }
}

/// The caption of the pyramid chart: the scenario drawn, and the overlay only when there is
/// one (the chart overlays the second scenario as outlines; a third and later are not drawn).
pub fn pyramid_caption(runs: &[Run]) -> String {
    let titles: Vec<&str> = runs.iter().map(|r| r.scenario.title.as_str()).collect();
    match titles.as_slice() {
        [] => String::new(),
        [one] => format!("男女・5歳階級別人口（{one}）"),
        [first, second, rest @ ..] => {
            let mut s = format!("男女・5歳階級別人口。{first}を塗り、{second}を枠で重ねて表示");
            if !rest.is_empty() {
                s.push_str(&format!(
                    "（3つ目以降のシナリオ{}件は表示していない）",
                    rest.len()
                ));
            }
            s
        }
    }
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
                        age_ja(label),
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
        let mut kpi = CsvTable::new(kpi_headers(review));
        for k in kpi_rows(review) {
            for s in &k.series {
                let mut row = vec![
                    k.goal.to_string(),
                    k.id.clone(),
                    k.project.clone(),
                    k.name.clone(),
                    k.unit.clone(),
                    s.label.clone().unwrap_or_default(),
                    s.base.text.clone(),
                ];
                row.extend(s.years.iter().map(|c| c.text.clone()));
                row.extend([
                    s.actual.text.clone(),
                    k.target.text.clone(),
                    s.ratio_text.clone(),
                    k.department.clone(),
                    k.grade.clone(),
                ]);
                kpi.push(row);
            }
        }
        let mut goals = CsvTable::new(GOAL_HEADERS);
        for g in goal_rows(review) {
            goals.push(vec![
                g.goal.map_or(String::new(), |n| n.to_string()),
                g.name.unwrap_or_default(),
                g.unit.unwrap_or_default(),
                g.period,
                g.ipss.text,
                g.target.text,
                g.actual.text,
                g.ratio_text,
                g.grade,
            ]);
        }
        out.push(("kpi.csv".into(), kpi));
        out.push(("goals.csv".into(), goals));
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
    files_with_png(runs, review, encoding, None)
}

/// [`files`], and with `png_dpi` each chart also as PNG at that resolution (`trajectories.png`
/// beside `trajectories.svg`, …), rendered in Rust (see [`crate::output::chart::png`]).
pub fn files_with_png(
    runs: &[Run],
    review: Option<&Review>,
    encoding: Encoding,
    png_dpi: Option<f64>,
) -> Result<Vec<(String, Vec<u8>)>> {
    files_with(runs, review, encoding, png_dpi, false)
}

/// [`files_with_png`], and with `intervals` the first scenario's prediction intervals (a section
/// of the HTML report with its sentences, and the band chart `intervals.svg`).
pub fn files_with(
    runs: &[Run],
    review: Option<&Review>,
    encoding: Encoding,
    png_dpi: Option<f64>,
    intervals: bool,
) -> Result<Vec<(String, Vec<u8>)>> {
    let Some(first) = runs.first() else {
        return Err(Error::Invalid(
            "a report needs one scenario file or more".into(),
        ));
    };
    let mut charts = charts(runs, review)?;
    let around = if intervals {
        let a = crate::output::intervals::of_projection(
            &first.projection,
            first.scenario.model.base_year,
        )?;
        let fan = crate::output::intervals::fan(&first.scenario.title, &first.scenario.pack, &a);
        charts.push(("intervals.svg".into(), fan.svg()?));
        Some(a)
    } else {
        None
    };
    let mut out = vec![
        (
            "report.html".to_string(),
            html::render_with(runs, review, &charts, around.as_ref())?.into_bytes(),
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
    if let Some(dpi) = png_dpi {
        crate::output::chart::png::check_dpi(dpi)?;
        let pngs: Vec<Result<(String, Vec<u8>)>> = {
            use rayon::prelude::*;
            charts
                .par_iter()
                .map(|(name, svg)| {
                    let png = crate::output::chart::png::svg_to_png(svg, dpi)?;
                    Ok((name.replace(".svg", ".png"), png))
                })
                .collect()
        };
        for p in pngs {
            out.push(p?);
        }
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
