//! Charts for planners, drawn as SVG with `plotters`: scenario trajectories beside the IPSS path
//! with the target marked, population pyramids (人口ピラミッド), the shares of the three age
//! groups (年齢3区分別人口割合), natural and social change per period (自然増減・社会増減),
//! a Monte Carlo fan chart, a tornado chart, a sweep heatmap with the target contour, and the
//! KPI grades per basic goal (○ △ ×).
//!
//! Every chart is a plain data struct defined here (series of `(year, value)`, percentile bands
//! by year, `(label, low, high)` bars, a grid of values with its axes), so that any command —
//! `jinko chart`, `jinko report`, and later `compare`, `montecarlo`, `tornado`, `sweep` — fills
//! one in and calls [`Chart::svg`]. [`build`] fills them from scenarios, projections and a KPI
//! review. Renderers are pure: they return the SVG text; files are written elsewhere with
//! [`crate::output::atomic::write_atomic`].
//!
//! Japanese text is SVG `<text>` with the font-family list [`FONT`], so the viewer's own Japanese
//! font draws it (Noto Sans CJK on Linux, Hiragino on macOS, Yu Gothic or Meiryo on Windows).
//! Layout widths of text are estimated (plotters has no font to measure with in SVG), which is
//! why legends are laid out here by display width ([`crate::output::table::width`]).

pub mod build;
mod draw;
pub mod png;
pub mod studies;

use crate::error::{Error, Result};

pub use draw::svg_summary;

/// The font-family list of every text in a chart.
pub const FONT: &str =
    "Noto Sans CJK JP, Noto Sans JP, Hiragino Sans, Hiragino Kaku Gothic ProN, Yu Gothic, Meiryo, sans-serif";

/// A chart that can be drawn as SVG.
pub trait Chart {
    /// What it is, for error messages ("trajectory chart").
    fn what(&self) -> &'static str;
    /// The chart as an SVG document.
    fn svg(&self) -> Result<String>;
    /// The chart as the bytes of an `.svg` file.
    fn render(&self) -> Result<Vec<u8>> {
        self.svg().map(String::into_bytes)
    }
}

/// A named series of `(year, value)` points.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend label.
    pub label: String,
    /// Points, in year order.
    pub points: Vec<(i32, f64)>,
}

/// A single marked value: a target (目標値) or a published figure.
#[derive(Debug, Clone, PartialEq)]
pub struct Marker {
    /// Label printed beside the marker (e.g. `目標 17,033人`).
    pub label: String,
    /// Year.
    pub year: i32,
    /// Value.
    pub value: f64,
}

/// Population totals over time: scenario lines, reference paths (dashed, e.g. the IPSS
/// projection) and markers (e.g. the 2065 target of 17,033).
#[derive(Debug, Clone, PartialEq)]
pub struct TrajectoryChart {
    /// Title.
    pub title: String,
    /// Y-axis label (e.g. `総人口（人）`).
    pub y_label: String,
    /// Scenario lines (solid).
    pub series: Vec<Series>,
    /// Reference paths (dashed, with their points marked).
    pub references: Vec<Series>,
    /// Marked values (targets).
    pub markers: Vec<Marker>,
}

/// One layer of a pyramid: a population by age group and sex.
#[derive(Debug, Clone, PartialEq)]
pub struct PyramidLayer {
    /// Legend label (the scenario).
    pub label: String,
    /// Males by age group (youngest first).
    pub male: Vec<f64>,
    /// Females by age group.
    pub female: Vec<f64>,
}

/// One pyramid: a year, with one layer per scenario (the first filled, the others outlined).
#[derive(Debug, Clone, PartialEq)]
pub struct PyramidPanel {
    /// Panel title (e.g. `2040年`).
    pub title: String,
    /// Layers.
    pub layers: Vec<PyramidLayer>,
}

/// Population pyramids side by side (base year, 2040, 2065), scenarios overlaid.
#[derive(Debug, Clone, PartialEq)]
pub struct PyramidChart {
    /// Title.
    pub title: String,
    /// Age-group labels, youngest first (`0-4` … `90+`).
    pub ages: Vec<String>,
    /// Panels, left to right.
    pub panels: Vec<PyramidPanel>,
}

/// Shares of age groups over time for one scenario, stacked to 100 %.
#[derive(Debug, Clone, PartialEq)]
pub struct SharesPanel {
    /// Panel title (the scenario).
    pub title: String,
    /// Years.
    pub years: Vec<i32>,
    /// Groups from the bottom of the stack up, each with its share (0–1) per year.
    pub groups: Vec<(String, Vec<f64>)>,
}

/// The three-age-group shares over time, one panel per scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct SharesChart {
    /// Title.
    pub title: String,
    /// Panels.
    pub panels: Vec<SharesPanel>,
}

/// Natural and social change of one period.
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodChange {
    /// Period label (`2015-2020`).
    pub label: String,
    /// Natural change (births − deaths, 自然増減).
    pub natural: f64,
    /// Social change (net migration, 社会増減).
    pub social: f64,
}

/// Natural and social change per period for one scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct ComponentsPanel {
    /// Panel title (the scenario).
    pub title: String,
    /// Periods in order.
    pub periods: Vec<PeriodChange>,
}

/// Natural and social change per period, one panel per scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct ComponentsChart {
    /// Title.
    pub title: String,
    /// Panels.
    pub panels: Vec<ComponentsPanel>,
}

/// A percentile band of a fan chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    /// Legend label (e.g. `5–95%`).
    pub label: String,
    /// Lower percentile per year (same length as the chart's years).
    pub low: Vec<f64>,
    /// Upper percentile per year.
    pub high: Vec<f64>,
}

/// A Monte Carlo fan chart: percentile bands by year around the median, with reference paths
/// and markers as in [`TrajectoryChart`].
#[derive(Debug, Clone, PartialEq)]
pub struct FanChart {
    /// Title.
    pub title: String,
    /// Y-axis label.
    pub y_label: String,
    /// Years.
    pub years: Vec<i32>,
    /// Median per year (or the projection the bands surround).
    pub median: Vec<f64>,
    /// Legend label of the median line (`中央値`, `推計値`).
    pub median_label: String,
    /// Bands, widest first.
    pub bands: Vec<Band>,
    /// Reference paths (dashed).
    pub references: Vec<Series>,
    /// Markers (targets).
    pub markers: Vec<Marker>,
}

/// One bar of a tornado chart: the outcome with one input at its low and at its high value,
/// the others at base.
#[derive(Debug, Clone, PartialEq)]
pub struct TornadoBar {
    /// The input (e.g. `合計特殊出生率 1.4–2.1`).
    pub label: String,
    /// Outcome with the input low.
    pub low: f64,
    /// Outcome with the input high.
    pub high: f64,
}

/// A tornado chart of one outcome (e.g. the 2065 population), bars sorted by their span.
#[derive(Debug, Clone, PartialEq)]
pub struct TornadoChart {
    /// Title.
    pub title: String,
    /// Axis label of the outcome.
    pub x_label: String,
    /// Outcome with every input at base.
    pub base: f64,
    /// Bars, in any order.
    pub bars: Vec<TornadoBar>,
    /// A target of the outcome, drawn as a vertical line (e.g. 17,033).
    pub target: Option<Marker>,
}

/// A level drawn as a contour on a heatmap.
#[derive(Debug, Clone, PartialEq)]
pub struct Contour {
    /// The level (e.g. 17,033).
    pub level: f64,
    /// Legend label.
    pub label: String,
}

/// A sweep result: a value per (x, y) cell, coloured, with a contour at a target level.
#[derive(Debug, Clone, PartialEq)]
pub struct HeatmapChart {
    /// Title.
    pub title: String,
    /// X-axis label (e.g. `合計特殊出生率`).
    pub x_label: String,
    /// Y-axis label (e.g. `純移動率の倍率`).
    pub y_label: String,
    /// What the values are (colour-bar label).
    pub value_label: String,
    /// X values (columns), increasing.
    pub x: Vec<f64>,
    /// Y values (rows), increasing.
    pub y: Vec<f64>,
    /// `values[row][column]`: `y.len()` rows of `x.len()` values.
    pub values: Vec<Vec<f64>>,
    /// A contour level.
    pub contour: Option<Contour>,
}

/// The grades of one basic goal's KPIs.
#[derive(Debug, Clone, PartialEq)]
pub struct GradeBar {
    /// Label (`基本目標1`).
    pub label: String,
    /// ○ count.
    pub achieved: usize,
    /// △ count.
    pub not_achieved: usize,
    /// × count.
    pub other: usize,
    /// Not yet published.
    pub pending: usize,
}

/// KPI grades per basic goal as stacked bars (○ △ ×).
#[derive(Debug, Clone, PartialEq)]
pub struct GradeChart {
    /// Title.
    pub title: String,
    /// One bar per goal.
    pub bars: Vec<GradeBar>,
}

/// An error of chart `what` with `message`.
pub(crate) fn render_error(what: &str, message: impl Into<String>) -> Error {
    Error::Render {
        what: what.into(),
        message: message.into(),
    }
}

fn finite(what: &str, label: &str, at: impl std::fmt::Display, v: f64) -> Result<()> {
    if v.is_finite() {
        Ok(())
    } else {
        Err(render_error(
            what,
            format!("{label} at {at} is {v}: expected a finite number"),
        ))
    }
}

fn check_series(what: &str, s: &Series) -> Result<()> {
    s.points
        .iter()
        .try_for_each(|(year, v)| finite(what, &s.label, year, *v))
}

impl Chart for TrajectoryChart {
    fn what(&self) -> &'static str {
        "trajectory chart"
    }
    fn svg(&self) -> Result<String> {
        if self
            .series
            .iter()
            .chain(&self.references)
            .all(|s| s.points.is_empty())
        {
            return Err(render_error(self.what(), "no series to draw"));
        }
        for s in self.series.iter().chain(&self.references) {
            check_series(self.what(), s)?;
        }
        for m in &self.markers {
            finite(self.what(), &m.label, m.year, m.value)?;
        }
        draw::trajectories(self)
    }
}

impl Chart for PyramidChart {
    fn what(&self) -> &'static str {
        "pyramid"
    }
    fn svg(&self) -> Result<String> {
        if self.panels.is_empty() || self.ages.is_empty() {
            return Err(render_error(self.what(), "no pyramid to draw"));
        }
        for p in &self.panels {
            if p.layers.is_empty() {
                return Err(render_error(self.what(), format!("{}: no layer", p.title)));
            }
            for l in &p.layers {
                if l.male.len() != self.ages.len() || l.female.len() != self.ages.len() {
                    return Err(render_error(
                        self.what(),
                        format!(
                            "{} {}: expected {} age groups for each sex",
                            p.title,
                            l.label,
                            self.ages.len()
                        ),
                    ));
                }
                for (a, v) in l.male.iter().chain(&l.female).enumerate() {
                    finite(self.what(), &l.label, a, *v)?;
                }
            }
        }
        draw::pyramid(self)
    }
}

impl Chart for SharesChart {
    fn what(&self) -> &'static str {
        "age-group shares chart"
    }
    fn svg(&self) -> Result<String> {
        if self.panels.is_empty() {
            return Err(render_error(self.what(), "no panel to draw"));
        }
        for p in &self.panels {
            if p.years.len() < 2 || p.groups.is_empty() {
                return Err(render_error(
                    self.what(),
                    format!(
                        "{}: expected two years or more and one group or more",
                        p.title
                    ),
                ));
            }
            for (label, values) in &p.groups {
                if values.len() != p.years.len() {
                    return Err(render_error(
                        self.what(),
                        format!("{} {label}: expected one share per year", p.title),
                    ));
                }
                for (y, v) in p.years.iter().zip(values) {
                    finite(self.what(), label, y, *v)?;
                }
            }
        }
        draw::shares(self)
    }
}

impl Chart for ComponentsChart {
    fn what(&self) -> &'static str {
        "components chart"
    }
    fn svg(&self) -> Result<String> {
        if self.panels.is_empty() || self.panels.iter().any(|p| p.periods.is_empty()) {
            return Err(render_error(self.what(), "no period to draw"));
        }
        for p in &self.panels {
            for c in &p.periods {
                finite(self.what(), &p.title, &c.label, c.natural)?;
                finite(self.what(), &p.title, &c.label, c.social)?;
            }
        }
        draw::components(self)
    }
}

impl Chart for FanChart {
    fn what(&self) -> &'static str {
        "fan chart"
    }
    fn svg(&self) -> Result<String> {
        let n = self.years.len();
        if n < 2 || self.median.len() != n {
            return Err(render_error(
                self.what(),
                "expected two years or more and one median per year",
            ));
        }
        for b in &self.bands {
            if b.low.len() != n || b.high.len() != n {
                return Err(render_error(
                    self.what(),
                    format!("band {}: expected one low and one high per year", b.label),
                ));
            }
            for (k, (lo, hi)) in b.low.iter().zip(&b.high).enumerate() {
                finite(self.what(), &b.label, self.years[k], *lo)?;
                finite(self.what(), &b.label, self.years[k], *hi)?;
            }
        }
        for (y, v) in self.years.iter().zip(&self.median) {
            finite(self.what(), "median", y, *v)?;
        }
        for s in &self.references {
            check_series(self.what(), s)?;
        }
        draw::fan(self)
    }
}

impl Chart for TornadoChart {
    fn what(&self) -> &'static str {
        "tornado chart"
    }
    fn svg(&self) -> Result<String> {
        if self.bars.is_empty() {
            return Err(render_error(self.what(), "no bar to draw"));
        }
        finite(self.what(), "base", "base", self.base)?;
        for b in &self.bars {
            finite(self.what(), &b.label, "low", b.low)?;
            finite(self.what(), &b.label, "high", b.high)?;
        }
        draw::tornado(self)
    }
}

impl Chart for HeatmapChart {
    fn what(&self) -> &'static str {
        "heatmap"
    }
    fn svg(&self) -> Result<String> {
        if self.x.is_empty() || self.y.is_empty() {
            return Err(render_error(self.what(), "no cell to draw"));
        }
        if self.values.len() != self.y.len() || self.values.iter().any(|r| r.len() != self.x.len())
        {
            return Err(render_error(
                self.what(),
                format!(
                    "expected {} rows (one per y) of {} values (one per x)",
                    self.y.len(),
                    self.x.len()
                ),
            ));
        }
        for (i, row) in self.values.iter().enumerate() {
            for (j, v) in row.iter().enumerate() {
                finite(self.what(), "value", format!("row {i}, column {j}"), *v)?;
            }
        }
        draw::heatmap(self)
    }
}

impl Chart for GradeChart {
    fn what(&self) -> &'static str {
        "KPI grade chart"
    }
    fn svg(&self) -> Result<String> {
        if self.bars.is_empty() {
            return Err(render_error(self.what(), "no goal to draw"));
        }
        draw::grades(self)
    }
}
