//! The drawing of each chart with plotters' SVG backend. Inputs have been checked by the
//! [`super::Chart`] implementations (lengths match, every value finite).

use super::{
    render_error, ComponentsChart, FanChart, GradeChart, HeatmapChart, Marker, PyramidChart,
    Series, SharesChart, TornadoChart, TrajectoryChart, FONT,
};
use crate::error::Result;
use crate::output::projection::persons;
use crate::output::table::width;
use plotters::coord::ranged1d::{KeyPointHint, NoDefaultFormatting, ValueFormatter};
use plotters::coord::types::{RangedCoordf64, RangedCoordi32};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// A continuous axis whose ticks are the whole numbers `0 … n−1`: categories (age groups,
/// periods, bars, grid columns) drawn at their index, with bars of any width around it.
#[derive(Clone)]
struct Categories {
    lo: f64,
    hi: f64,
    n: usize,
}

fn categories(n: usize, lo: f64, hi: f64) -> Categories {
    Categories { lo, hi, n }
}

impl Ranged for Categories {
    type FormatOption = NoDefaultFormatting;
    type ValueType = f64;
    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let r = (v - self.lo) / (self.hi - self.lo);
        limit.0 + (r * (limit.1 - limit.0) as f64).round() as i32
    }
    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            // Every category, or every second (third, …) when the axis asks for fewer labels.
            let step = self.n.div_ceil(hint.max_num_points().max(1)).max(1);
            (0..self.n).step_by(step).map(|k| k as f64).collect()
        }
    }
    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}

impl ValueFormatter<f64> for Categories {
    fn format(v: &f64) -> String {
        format!("{v}")
    }
}
type Drawn = std::result::Result<(), Box<dyn std::error::Error>>;

/// Colours of scenario series (a colour-blind-friendly order).
const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(230, 159, 0),
    RGBColor(120, 120, 120),
    RGBColor(0, 0, 0),
];
const REFERENCE: RGBColor = RGBColor(90, 90, 90);
const TARGET: RGBColor = RGBColor(200, 0, 0);
const MALE: RGBColor = RGBColor(70, 130, 200);
const FEMALE: RGBColor = RGBColor(220, 100, 110);
const GRID: RGBColor = RGBColor(225, 225, 225);

fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// The width of every chart, in SVG pixels: the text width of an A4 page (160 mm), so that a
/// chart placed at that width prints its text at the sizes below.
pub(super) const A4_WIDTH: u32 = 680;
/// Tick labels, legend and in-plot labels. plotters writes a font of size `s` as
/// `font-size = s / 1.24` px, so 17 gives 13.7 px = 3.2 mm = 9.1 pt when [`A4_WIDTH`] is 160 mm.
pub(super) const TEXT: u32 = 17;
/// Axis descriptions and panel titles.
const AXIS: u32 = 18;
/// Chart titles.
const TITLE: u32 = 21;
/// Height of one legend row.
const LEGEND_ROW: i32 = 22;

fn font(size: u32) -> TextStyle<'static> {
    TextStyle::from((FONT, size as f64).into_font()).color(&BLACK)
}

/// Legend entries of reference paths (the first dashed with its points, the others as points
/// only) and target markers.
fn reference_items<'c>(
    references: &'c [Series],
    markers: &'c [Marker],
) -> impl Iterator<Item = (String, Swatch)> + 'c {
    references
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let swatch = if i == 0 {
                Swatch::DashedPoints(REFERENCE)
            } else {
                Swatch::Points(REFERENCE)
            };
            (s.label.clone(), swatch)
        })
        .chain(
            markers
                .iter()
                .map(|m| (m.label.clone(), Swatch::Marker(TARGET))),
        )
}

/// Persons by year on `area` (years `x.0 − 1` … `x.1 + 2`, persons from 0 to above `ymax`), with
/// the mesh, axis labels and formatters of the trajectory and fan charts.
fn year_chart<'a, 'b>(
    area: &'a Area<'b>,
    x: (i32, i32),
    ymax: f64,
    y_label: &str,
) -> std::result::Result<
    ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordi32, RangedCoordf64>>,
    Box<dyn std::error::Error>,
> {
    let mut chart = ChartBuilder::on(area)
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(84)
        .build_cartesian_2d(x.0 - 1..x.1 + 2, padded(0.0, ymax, true))?;
    chart
        .configure_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID)
        .y_desc(y_label)
        .x_desc("年")
        .axis_desc_style(font(AXIS))
        .label_style(font(TEXT))
        .x_labels(7)
        .y_labels(8)
        .x_label_formatter(&|y| format!("{y}"))
        .y_label_formatter(&fmt_persons)
        .draw()?;
    Ok(chart)
}

/// Draw reference paths as [`reference_items`] shows them: the first a dashed line with hollow
/// circles, the others hollow squares only.
fn draw_references<'a, 'b>(
    chart: &mut ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordi32, RangedCoordf64>>,
    references: &[Series],
) -> Drawn {
    for (i, s) in references.iter().enumerate() {
        if i == 0 {
            chart.draw_series(DashedLineSeries::new(
                s.points.clone(),
                7,
                4,
                REFERENCE.stroke_width(2),
            ))?;
            chart.draw_series(s.points.iter().map(|&p| {
                EmptyElement::at(p)
                    + Circle::new((0, 0), 5, WHITE.filled())
                    + Circle::new((0, 0), 5, REFERENCE.stroke_width(2))
            }))?;
        } else {
            chart.draw_series(s.points.iter().map(|&p| {
                EmptyElement::at(p)
                    + Rectangle::new([(-5, -5), (5, 5)], WHITE.filled())
                    + Rectangle::new([(-5, -5), (5, 5)], REFERENCE.stroke_width(2))
            }))?;
        }
    }
    Ok(())
}

/// Run `f` on a fresh SVG canvas of `size` and return the document.
fn canvas(what: &str, size: (u32, u32), f: impl FnOnce(&Area) -> Drawn) -> Result<String> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, size).into_drawing_area();
        let drawn = root
            .fill(&WHITE)
            .map_err(|e| Box::new(e) as Box<dyn std::error::Error>)
            .and_then(|()| f(&root))
            .and_then(|()| root.present().map_err(|e| Box::new(e) as _));
        drawn.map_err(|e| render_error(what, e.to_string()))?;
    }
    Ok(out)
}

/// The kind of swatch drawn before a legend label.
#[derive(Clone, Copy)]
enum Swatch {
    Line(RGBColor),
    Dashed(RGBColor),
    Box(RGBColor),
    Outline(RGBColor),
    Marker(RGBColor),
    /// Points only (hollow squares): published values without a line.
    Points(RGBColor),
    /// A dashed line with hollow circles on its points.
    DashedPoints(RGBColor),
}

/// Estimated width in pixels of `s` at font `size` (written as `size / 1.24` px; half-width
/// characters take about 0.55 em).
fn text_px(s: &str, size: u32) -> i32 {
    (width(s) as f64 * size as f64 / 1.24 * 0.55).ceil() as i32
}

/// Draw legend items left to right on `area` (wrapping), starting at `(x, y)`.
fn legend(area: &Area, items: &[(String, Swatch)], x: i32, y: i32) -> Drawn {
    let size = TEXT;
    let (w, _) = area.dim_in_pixel();
    let (mut cx, mut cy) = (x, y);
    for (label, swatch) in items {
        let item_w = 28 + text_px(label, size) + 18;
        if cx + item_w > w as i32 && cx > x {
            cx = x;
            cy += LEGEND_ROW;
        }
        let mid = cy + 7;
        match *swatch {
            Swatch::Line(c) => area.draw(&PathElement::new(
                vec![(cx, mid), (cx + 22, mid)],
                c.stroke_width(3),
            ))?,
            Swatch::Dashed(c) => {
                for k in 0..3 {
                    area.draw(&PathElement::new(
                        vec![(cx + 8 * k, mid), (cx + 8 * k + 5, mid)],
                        c.stroke_width(2),
                    ))?;
                }
            }
            Swatch::Box(c) => area.draw(&Rectangle::new(
                [(cx + 3, cy + 1), (cx + 19, cy + 13)],
                c.filled(),
            ))?,
            Swatch::Outline(c) => area.draw(&Rectangle::new(
                [(cx + 3, cy + 1), (cx + 19, cy + 13)],
                c.stroke_width(2),
            ))?,
            Swatch::Marker(c) => area.draw(&Cross::new((cx + 11, mid), 6, c.stroke_width(3)))?,
            Swatch::Points(c) => {
                area.draw(&Rectangle::new(
                    [(cx + 6, mid - 5), (cx + 16, mid + 5)],
                    c.stroke_width(2),
                ))?;
            }
            Swatch::DashedPoints(c) => {
                for k in 0..3 {
                    area.draw(&PathElement::new(
                        vec![(cx + 8 * k, mid), (cx + 8 * k + 5, mid)],
                        c.stroke_width(2),
                    ))?;
                }
                area.draw(&Circle::new((cx + 11, mid), 4, c.stroke_width(2)))?;
            }
        }
        area.draw(&Text::new(
            label.clone(),
            (cx + 28, mid),
            font(size).pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
        cx += item_w;
    }
    Ok(())
}

/// Rows needed for a legend of `items` in `width` px.
fn legend_height(items: &[(String, Swatch)], w: u32) -> u32 {
    let mut rows = 1;
    let mut cx = LEGEND_X;
    for (label, _) in items {
        let item_w = 28 + text_px(label, TEXT) + 18;
        if cx + item_w > w as i32 && cx > LEGEND_X {
            rows += 1;
            cx = LEGEND_X;
        }
        cx += item_w;
    }
    rows * LEGEND_ROW as u32 + 10
}

/// Left edge of the legend.
const LEGEND_X: i32 = 16;

/// A range from `lo` to `hi` with 5 % padding (and never empty).
fn padded(lo: f64, hi: f64, from_zero: bool) -> std::ops::Range<f64> {
    let lo = if from_zero { lo.min(0.0) } else { lo };
    let span = (hi - lo).abs().max(1.0);
    let lo = if from_zero && lo >= 0.0 {
        0.0
    } else {
        lo - 0.05 * span
    };
    lo..hi + 0.05 * span
}

/// A label of a whole number of persons.
fn fmt_persons(v: &f64) -> String {
    persons(*v)
}

/// Titles and a shared legend around a grid of panels; `f` draws panel `i` in its area.
fn panels(
    root: &Area,
    title: &str,
    n: usize,
    max_cols: usize,
    items: &[(String, Swatch)],
    mut f: impl FnMut(usize, &Area) -> Drawn,
) -> Drawn {
    let (w, _) = root.dim_in_pixel();
    let body = root.titled(title, font(TITLE))?;
    let lh = legend_height(items, w);
    let (plots, foot) = body.split_vertically(body.dim_in_pixel().1 - lh);
    legend(&foot, items, LEGEND_X, 4)?;
    let cols = n.clamp(1, max_cols.max(1));
    let rows = n.div_ceil(cols);
    for (i, area) in plots.split_evenly((rows, cols)).iter().enumerate().take(n) {
        f(i, area)?;
    }
    Ok(())
}

/// The canvas of `n` panels, at most `max_cols` a row, each `height` high: always
/// [`A4_WIDTH`] wide, plus the title and a legend of `items`.
fn panel_size(n: usize, max_cols: usize, height: u32, items: &[(String, Swatch)]) -> (u32, u32) {
    let cols = n.clamp(1, max_cols.max(1));
    let rows = n.div_ceil(cols).max(1) as u32;
    (
        A4_WIDTH,
        height * rows + 40 + legend_height(items, A4_WIDTH),
    )
}

pub(super) fn trajectories(c: &TrajectoryChart) -> Result<String> {
    let years = c
        .series
        .iter()
        .chain(&c.references)
        .flat_map(|s| s.points.iter().map(|p| p.0))
        .chain(c.markers.iter().map(|m| m.year));
    let (mut x0, mut x1) = (i32::MAX, i32::MIN);
    for y in years {
        x0 = x0.min(y);
        x1 = x1.max(y);
    }
    let ymax = c
        .series
        .iter()
        .chain(&c.references)
        .flat_map(|s| s.points.iter().map(|p| p.1))
        .chain(c.markers.iter().map(|m| m.value))
        .fold(0.0_f64, f64::max);
    let mut items: Vec<(String, Swatch)> = c
        .series
        .iter()
        .enumerate()
        .map(|(i, s)| (s.label.clone(), Swatch::Line(colour(i))))
        .collect();
    items.extend(reference_items(&c.references, &c.markers));
    let size = panel_size(1, 1, 400, &items);
    canvas("trajectory chart", size, |root| {
        panels(root, &c.title, 1, 1, &items, |_, area| {
            let mut chart = year_chart(area, (x0, x1), ymax, &c.y_label)?;
            for (i, s) in c.series.iter().enumerate() {
                let col = colour(i);
                chart.draw_series(LineSeries::new(s.points.clone(), col.stroke_width(3)))?;
                chart.draw_series(s.points.iter().map(|&p| Circle::new(p, 3, col.filled())))?;
            }
            // The official path on top of the scenarios (it lies under パターン1), its points
            // marked; published values beyond it as points only; the target as a cross. Their
            // labels are in the legend, so that no text lies across a line.
            draw_references(&mut chart, &c.references)?;
            for m in &c.markers {
                chart.draw_series(std::iter::once(Cross::new(
                    (m.year, m.value),
                    8,
                    TARGET.stroke_width(3),
                )))?;
            }
            Ok(())
        })
    })
}

pub(super) fn pyramid(c: &PyramidChart) -> Result<String> {
    let n = c.ages.len();
    let max = c
        .panels
        .iter()
        .flat_map(|p| &p.layers)
        .flat_map(|l| l.male.iter().chain(&l.female))
        .fold(0.0_f64, |a, b| a.max(b.abs()))
        .max(1.0)
        * 1.08;
    let first = c
        .panels
        .first()
        .and_then(|p| p.layers.first())
        .map_or(String::new(), |l| l.label.clone());
    let mut items = vec![
        (format!("男性（{first}）"), Swatch::Box(MALE)),
        (format!("女性（{first}）"), Swatch::Box(FEMALE)),
    ];
    let mut outlines: Vec<String> = Vec::new();
    for l in c.panels.iter().flat_map(|p| p.layers.iter().skip(1)) {
        if !outlines.contains(&l.label) {
            outlines.push(l.label.clone());
        }
    }
    for (i, label) in outlines.iter().enumerate() {
        items.push((label.clone(), Swatch::Outline(colour(i + 7))));
    }
    let ages = c.ages.clone();
    const MAX_COLS: usize = 3;
    let size = panel_size(c.panels.len(), MAX_COLS, 440, &items);
    canvas("pyramid", size, |root| {
        panels(
            root,
            &c.title,
            c.panels.len(),
            MAX_COLS,
            &items,
            |i, area| {
                let p = &c.panels[i];
                let mut chart = ChartBuilder::on(area)
                    .caption(p.title.as_str(), font(AXIS))
                    .margin(6)
                    .margin_right(24)
                    .x_label_area_size(48)
                    .y_label_area_size(46)
                    .build_cartesian_2d(-max..max, categories(n, -0.5, n as f64 - 0.5))?;
                let label = |y: &f64| {
                    let a = y.round();
                    if (y - a).abs() < 1e-6 && a >= 0.0 {
                        ages.get(a as usize).cloned().unwrap_or_default()
                    } else {
                        String::new()
                    }
                };
                let xfmt = |x: &f64| persons(x.abs());
                chart
                    .configure_mesh()
                    .disable_y_mesh()
                    .light_line_style(TRANSPARENT)
                    .bold_line_style(GRID)
                    .x_labels(3)
                    .y_labels(10)
                    .label_style(font(TEXT))
                    .x_desc("人")
                    .axis_desc_style(font(TEXT))
                    .x_label_formatter(&xfmt)
                    .y_label_formatter(&label)
                    .draw()?;
                for (li, layer) in p.layers.iter().enumerate() {
                    for a in 0..n {
                        let (lo, hi) = (a as f64 - 0.42, a as f64 + 0.42);
                        let (m, f) = (layer.male[a], layer.female[a]);
                        if li == 0 {
                            chart.draw_series([
                                Rectangle::new([(-m, lo), (0.0, hi)], MALE.filled()),
                                Rectangle::new([(0.0, lo), (f, hi)], FEMALE.filled()),
                            ])?;
                        } else {
                            let k = outlines.iter().position(|o| *o == layer.label).unwrap_or(0);
                            let style = colour(k + 7).stroke_width(2);
                            chart.draw_series([
                                Rectangle::new([(-m, lo), (0.0, hi)], style),
                                Rectangle::new([(0.0, lo), (f, hi)], style),
                            ])?;
                        }
                    }
                }
                Ok(())
            },
        )
    })
}

const GROUP_COLOURS: [RGBColor; 4] = [
    RGBColor(102, 187, 106),
    RGBColor(66, 133, 244),
    RGBColor(251, 140, 0),
    RGBColor(171, 71, 188),
];

pub(super) fn shares(c: &SharesChart) -> Result<String> {
    let items: Vec<(String, Swatch)> = c
        .panels
        .first()
        .map(|p| {
            p.groups
                .iter()
                .enumerate()
                .map(|(i, (l, _))| (l.clone(), Swatch::Box(GROUP_COLOURS[i % 4])))
                .collect()
        })
        .unwrap_or_default();
    const MAX_COLS: usize = 2;
    let size = panel_size(c.panels.len(), MAX_COLS, 300, &items);
    canvas("age-group shares chart", size, |root| {
        panels(
            root,
            &c.title,
            c.panels.len(),
            MAX_COLS,
            &items,
            |i, area| {
                let p = &c.panels[i];
                let (x0, x1) = (p.years[0], p.years[p.years.len() - 1]);
                let mut chart = ChartBuilder::on(area)
                    .caption(p.title.as_str(), font(AXIS))
                    .margin(8)
                    .x_label_area_size(30)
                    .y_label_area_size(56)
                    .build_cartesian_2d(x0..x1, 0.0..100.0)?;
                chart
                    .configure_mesh()
                    .light_line_style(TRANSPARENT)
                    .bold_line_style(GRID)
                    .label_style(font(TEXT))
                    .x_labels(4)
                    .y_labels(6)
                    .y_desc("%")
                    .axis_desc_style(font(TEXT))
                    .x_label_formatter(&|y| format!("{y}"))
                    .y_label_formatter(&|v| format!("{v:.0}"))
                    .draw()?;
                let mut below = vec![0.0; p.years.len()];
                for (g, (label, values)) in p.groups.iter().enumerate() {
                    let above: Vec<f64> = below
                        .iter()
                        .zip(values)
                        .map(|(b, v)| b + 100.0 * v)
                        .collect();
                    let mut pts: Vec<(i32, f64)> =
                        p.years.iter().copied().zip(above.iter().copied()).collect();
                    pts.extend(p.years.iter().copied().zip(below.iter().copied()).rev());
                    chart.draw_series(std::iter::once(Polygon::new(
                        pts,
                        GROUP_COLOURS[g % 4].mix(0.85).filled(),
                    )))?;
                    // The share of the last year, printed in the band.
                    let last = p.years.len() - 1;
                    let mid = (above[last] + below[last]) / 2.0;
                    chart.draw_series(std::iter::once(Text::new(
                        format!("{:.1}%", 100.0 * values[last]),
                        (x1, mid),
                        font(TEXT).pos(Pos::new(HPos::Right, VPos::Center)),
                    )))?;
                    let _ = label;
                    below = above;
                }
                Ok(())
            },
        )
    })
}

/// `2015-2020` as `2015`, the period's start year (the axis says so).
fn period_start(label: &str) -> String {
    match label.split_once('-') {
        Some((a, b)) if b.len() == 4 && a.len() == 4 => a.to_string(),
        _ => label.to_string(),
    }
}

pub(super) fn components(c: &ComponentsChart) -> Result<String> {
    const NATURAL: RGBColor = RGBColor(0, 114, 178);
    const SOCIAL: RGBColor = RGBColor(230, 159, 0);
    let items = vec![
        ("自然増減（出生−死亡）".to_string(), Swatch::Box(NATURAL)),
        ("社会増減（純移動）".to_string(), Swatch::Box(SOCIAL)),
        ("人口増減".to_string(), Swatch::Line(BLACK)),
    ];
    let (mut lo, mut hi) = (0.0_f64, 0.0_f64);
    for p in c.panels.iter().flat_map(|p| &p.periods) {
        for v in [p.natural, p.social, p.natural + p.social] {
            lo = lo.min(v);
            hi = hi.max(v);
        }
    }
    const MAX_COLS: usize = 2;
    let size = panel_size(c.panels.len(), MAX_COLS, 300, &items);
    canvas("components chart", size, |root| {
        panels(
            root,
            &c.title,
            c.panels.len(),
            MAX_COLS,
            &items,
            |i, area| {
                let p = &c.panels[i];
                let n = p.periods.len();
                let labels: Vec<String> = p.periods.iter().map(|c| c.label.clone()).collect();
                let mut chart = ChartBuilder::on(area)
                    .caption(p.title.as_str(), font(AXIS))
                    .margin(8)
                    .x_label_area_size(48)
                    .y_label_area_size(64)
                    .build_cartesian_2d(
                        categories(n, -0.6, n as f64 - 0.4),
                        padded(lo, hi, true),
                    )?;
                let xfmt = |x: &f64| {
                    let k = x.round();
                    if (x - k).abs() < 1e-6 && k >= 0.0 {
                        labels
                            .get(k as usize)
                            .map(|l| period_start(l))
                            .unwrap_or_default()
                    } else {
                        String::new()
                    }
                };
                chart
                    .configure_mesh()
                    .disable_x_mesh()
                    .light_line_style(TRANSPARENT)
                    .bold_line_style(GRID)
                    .label_style(font(TEXT))
                    .x_labels(5)
                    .y_labels(6)
                    .x_desc("期間（開始年）")
                    .y_desc("人")
                    .axis_desc_style(font(TEXT))
                    .x_label_formatter(&xfmt)
                    .y_label_formatter(&fmt_persons)
                    .draw()?;
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(-0.6, 0.0), (n as f64 - 0.4, 0.0)],
                    BLACK.stroke_width(1),
                )))?;
                for (k, per) in p.periods.iter().enumerate() {
                    let x = k as f64;
                    chart.draw_series([
                        Rectangle::new([(x - 0.36, 0.0), (x, per.natural)], NATURAL.filled()),
                        Rectangle::new([(x, 0.0), (x + 0.36, per.social)], SOCIAL.filled()),
                    ])?;
                }
                let total: Vec<(f64, f64)> = p
                    .periods
                    .iter()
                    .enumerate()
                    .map(|(k, c)| (k as f64, c.natural + c.social))
                    .collect();
                chart.draw_series(LineSeries::new(total.clone(), BLACK.stroke_width(2)))?;
                chart.draw_series(total.iter().map(|&pt| Circle::new(pt, 3, BLACK.filled())))?;
                Ok(())
            },
        )
    })
}

pub(super) fn fan(c: &FanChart) -> Result<String> {
    const FAN: RGBColor = RGBColor(0, 114, 178);
    let (x0, x1) = (c.years[0], c.years[c.years.len() - 1]);
    let ymax = c
        .bands
        .iter()
        .flat_map(|b| b.high.iter())
        .chain(&c.median)
        .copied()
        .chain(
            c.references
                .iter()
                .flat_map(|s| s.points.iter().map(|p| p.1)),
        )
        .chain(c.markers.iter().map(|m| m.value))
        .fold(0.0_f64, f64::max);
    let nb = c.bands.len().max(1) as f64;
    let alpha = |i: usize| 0.15 + 0.35 * (i as f64 + 1.0) / nb;
    let mut items: Vec<(String, Swatch)> = c
        .bands
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let a = alpha(i);
            let mixed = |ch: u8| (255.0 - a * (255.0 - ch as f64)).round() as u8;
            (
                b.label.clone(),
                Swatch::Box(RGBColor(mixed(FAN.0), mixed(FAN.1), mixed(FAN.2))),
            )
        })
        .collect();
    items.push((c.median_label.clone(), Swatch::Line(FAN)));
    items.extend(reference_items(&c.references, &c.markers));
    let size = panel_size(1, 1, 400, &items);
    canvas("fan chart", size, |root| {
        panels(root, &c.title, 1, 1, &items, |_, area| {
            let mut chart = year_chart(area, (x0, x1), ymax, &c.y_label)?;
            for (i, b) in c.bands.iter().enumerate() {
                let mut pts: Vec<(i32, f64)> = c
                    .years
                    .iter()
                    .copied()
                    .zip(b.high.iter().copied())
                    .collect();
                pts.extend(c.years.iter().copied().zip(b.low.iter().copied()).rev());
                chart.draw_series(std::iter::once(Polygon::new(
                    pts,
                    FAN.mix(alpha(i)).filled(),
                )))?;
            }
            chart.draw_series(LineSeries::new(
                c.years.iter().copied().zip(c.median.iter().copied()),
                FAN.stroke_width(3),
            ))?;
            draw_references(&mut chart, &c.references)?;
            for m in &c.markers {
                chart.draw_series(std::iter::once(Cross::new(
                    (m.year, m.value),
                    7,
                    TARGET.stroke_width(3),
                )))?;
            }
            Ok(())
        })
    })
}

pub(super) fn tornado(c: &TornadoChart) -> Result<String> {
    const LOW: RGBColor = RGBColor(86, 180, 233);
    const HIGH: RGBColor = RGBColor(213, 94, 0);
    let mut bars = c.bars.clone();
    // Widest at the top: the last drawn row is the top row.
    bars.sort_by(|a, b| {
        let (sa, sb) = ((a.high - a.low).abs(), (b.high - b.low).abs());
        sa.total_cmp(&sb)
    });
    let n = bars.len();
    let (mut lo, mut hi) = (c.base, c.base);
    for b in &bars {
        lo = lo.min(b.low.min(b.high));
        hi = hi.max(b.low.max(b.high));
    }
    if let Some(t) = &c.target {
        lo = lo.min(t.value);
        hi = hi.max(t.value);
    }
    let mut items = vec![
        ("入力が低い場合".to_string(), Swatch::Box(LOW)),
        ("入力が高い場合".to_string(), Swatch::Box(HIGH)),
        (format!("基準 {}", persons(c.base)), Swatch::Line(BLACK)),
    ];
    if let Some(t) = &c.target {
        items.push((t.label.clone(), Swatch::Dashed(TARGET)));
    }
    let label_w = bars
        .iter()
        .map(|b| text_px(&b.label, TEXT))
        .max()
        .unwrap_or(40)
        .clamp(40, 260) as u32
        + 12;
    let height = (n as u32 * 44 + 110).max(260) + legend_height(&items, A4_WIDTH);
    canvas("tornado chart", (A4_WIDTH, height), |root| {
        panels(root, &c.title, 1, 1, &items, |_, area| {
            let mut chart = ChartBuilder::on(area)
                .margin(12)
                .x_label_area_size(48)
                .y_label_area_size(label_w)
                .build_cartesian_2d(padded(lo, hi, false), categories(n, -0.6, n as f64 - 0.4))?;
            let yfmt = |y: &f64| {
                let k = y.round();
                if (y - k).abs() < 1e-6 && k >= 0.0 {
                    bars.get(k as usize)
                        .map(|b| b.label.clone())
                        .unwrap_or_default()
                } else {
                    String::new()
                }
            };
            chart
                .configure_mesh()
                .disable_y_mesh()
                .light_line_style(TRANSPARENT)
                .bold_line_style(GRID)
                .x_desc(c.x_label.as_str())
                .axis_desc_style(font(AXIS))
                .label_style(font(TEXT))
                .x_labels(5)
                .x_label_formatter(&fmt_persons)
                .y_label_formatter(&yfmt)
                .draw()?;
            for (k, b) in bars.iter().enumerate() {
                let y = k as f64;
                chart.draw_series([
                    Rectangle::new([(c.base, y - 0.35), (b.low, y + 0.35)], LOW.filled()),
                    Rectangle::new([(c.base, y - 0.35), (b.high, y + 0.35)], HIGH.filled()),
                ])?;
            }
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(c.base, -0.6), (c.base, n as f64 - 0.4)],
                BLACK.stroke_width(2),
            )))?;
            if let Some(t) = &c.target {
                chart.draw_series(DashedLineSeries::new(
                    vec![(t.value, -0.6), (t.value, n as f64 - 0.4)],
                    6,
                    4,
                    TARGET.stroke_width(2),
                ))?;
            }
            Ok(())
        })
    })
}

/// A sequential colour scale (light yellow → green → dark blue) at `t` in [0, 1].
fn scale(t: f64) -> RGBColor {
    const STOPS: [(f64, (f64, f64, f64)); 4] = [
        (0.0, (255.0, 255.0, 204.0)),
        (0.35, (161.0, 218.0, 180.0)),
        (0.7, (65.0, 182.0, 196.0)),
        (1.0, (37.0, 52.0, 148.0)),
    ];
    let t = t.clamp(0.0, 1.0);
    for w in STOPS.windows(2) {
        let ((t0, c0), (t1, c1)) = (w[0], w[1]);
        if t <= t1 {
            let f = (t - t0) / (t1 - t0);
            let mix = |a: f64, b: f64| (a + f * (b - a)).round() as u8;
            return RGBColor(mix(c0.0, c1.0), mix(c0.1, c1.1), mix(c0.2, c1.2));
        }
    }
    RGBColor(37, 52, 148)
}

/// Segments of the contour at `level` through the grid of cell centres (marching squares), in
/// index coordinates (column, row).
pub(crate) fn contour_segments(values: &[Vec<f64>], level: f64) -> Vec<[(f64, f64); 2]> {
    let rows = values.len();
    let cols = values.first().map_or(0, Vec::len);
    let mut out = Vec::new();
    if rows < 2 || cols < 2 {
        return out;
    }
    for r in 0..rows - 1 {
        for c in 0..cols - 1 {
            // Corners counter-clockwise from the lower left: (c, r), (c+1, r), (c+1, r+1), (c, r+1).
            let corners = [
                (c as f64, r as f64, values[r][c]),
                (c as f64 + 1.0, r as f64, values[r][c + 1]),
                (c as f64 + 1.0, r as f64 + 1.0, values[r + 1][c + 1]),
                (c as f64, r as f64 + 1.0, values[r + 1][c]),
            ];
            let mut points: Vec<(f64, f64)> = Vec::new();
            for e in 0..4 {
                let (x0, y0, v0) = corners[e];
                let (x1, y1, v1) = corners[(e + 1) % 4];
                if (v0 < level) != (v1 < level) {
                    let t = (level - v0) / (v1 - v0);
                    points.push((x0 + t * (x1 - x0), y0 + t * (y1 - y0)));
                }
            }
            for pair in points.chunks(2) {
                if let [a, b] = pair {
                    out.push([*a, *b]);
                }
            }
        }
    }
    out
}

fn axis_value(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 && v.abs() >= 100.0 {
        persons(v)
    } else {
        let s = format!("{v:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

pub(super) fn heatmap(c: &HeatmapChart) -> Result<String> {
    let (nx, ny) = (c.x.len(), c.y.len());
    let (mut vmin, mut vmax) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in c.values.iter().flatten() {
        vmin = vmin.min(*v);
        vmax = vmax.max(*v);
    }
    let span = (vmax - vmin).max(f64::MIN_POSITIVE);
    let mut items = vec![(
        format!(
            "{}: {}～{}",
            c.value_label,
            axis_value(vmin.round()),
            axis_value(vmax.round())
        ),
        Swatch::Box(scale(0.6)),
    )];
    if let Some(k) = &c.contour {
        items.push((k.label.clone(), Swatch::Line(TARGET)));
    }
    let size = (A4_WIDTH, 520 + legend_height(&items, A4_WIDTH));
    canvas("heatmap", size, |root| {
        panels(root, &c.title, 1, 1, &items, |_, area| {
            let (plot, bar) = area.split_horizontally(area.dim_in_pixel().0 - 96);
            let mut chart = ChartBuilder::on(&plot)
                .margin(12)
                .x_label_area_size(48)
                .y_label_area_size(72)
                .build_cartesian_2d(
                    categories(nx, -0.5, nx as f64 - 0.5),
                    categories(ny, -0.5, ny as f64 - 0.5),
                )?;
            let pick = |vals: &[f64], v: f64| {
                let k = v.round();
                if (v - k).abs() < 1e-6 && k >= 0.0 {
                    vals.get(k as usize)
                        .map_or(String::new(), |x| axis_value(*x))
                } else {
                    String::new()
                }
            };
            let xfmt = |v: &f64| pick(&c.x, *v);
            let yfmt = |v: &f64| pick(&c.y, *v);
            chart
                .configure_mesh()
                .disable_mesh()
                .x_desc(c.x_label.as_str())
                .y_desc(c.y_label.as_str())
                .axis_desc_style(font(AXIS))
                .label_style(font(TEXT))
                .x_labels(7)
                .y_labels(11)
                .x_label_formatter(&xfmt)
                .y_label_formatter(&yfmt)
                .draw()?;
            for (r, row) in c.values.iter().enumerate() {
                chart.draw_series(row.iter().enumerate().map(|(col, v)| {
                    let (x, y) = (col as f64, r as f64);
                    Rectangle::new(
                        // A little over the next cell (drawn after it covers it), so that
                        // no seam shows between cells when rasterised.
                        [
                            (x - 0.5, y - 0.5),
                            (
                                x + if col + 1 < nx { 0.53 } else { 0.5 },
                                y + if r + 1 < ny { 0.53 } else { 0.5 },
                            ),
                        ],
                        scale((v - vmin) / span).filled(),
                    )
                }))?;
            }
            if let Some(k) = &c.contour {
                chart.draw_series(
                    contour_segments(&c.values, k.level)
                        .into_iter()
                        .map(|[a, b]| PathElement::new(vec![a, b], TARGET.stroke_width(3))),
                )?;
            }
            // Colour bar.
            let (_, h) = bar.dim_in_pixel();
            let (top, bottom) = (24_i32, h as i32 - 60);
            let steps = 40;
            for s in 0..steps {
                let t = s as f64 / (steps - 1) as f64;
                let y1 = bottom - ((bottom - top) as f64 * t) as i32;
                let y0 = bottom - ((bottom - top) as f64 * (t + 1.0 / steps as f64)) as i32;
                // One pixel of overlap, so that no seam shows between steps when rasterised.
                bar.draw(&Rectangle::new([(14, y0 - 1), (34, y1)], scale(t).filled()))?;
            }
            for (t, v) in [(0.0, vmin), (0.5, (vmin + vmax) / 2.0), (1.0, vmax)] {
                let y = bottom - ((bottom - top) as f64 * t) as i32;
                bar.draw(&Text::new(
                    axis_value(v.round()),
                    (40, y),
                    font(TEXT).pos(Pos::new(HPos::Left, VPos::Center)),
                ))?;
            }
            if let Some(k) = &c.contour {
                let t = ((k.level - vmin) / span).clamp(0.0, 1.0);
                let y = bottom - ((bottom - top) as f64 * t) as i32;
                bar.draw(&PathElement::new(
                    vec![(10, y), (38, y)],
                    TARGET.stroke_width(3),
                ))?;
            }
            Ok(())
        })
    })
}

pub(super) fn grades(c: &GradeChart) -> Result<String> {
    const COLOURS: [(RGBColor, &str); 4] = [
        (RGBColor(0, 158, 115), "○ 概ね目標達成"),
        (RGBColor(230, 159, 0), "△ 目標未達成"),
        (RGBColor(150, 150, 150), "× その他"),
        (RGBColor(86, 180, 233), "公表待ち"),
    ];
    let pending = c.bars.iter().any(|b| b.pending > 0);
    let items: Vec<(String, Swatch)> = COLOURS
        .iter()
        .take(if pending { 4 } else { 3 })
        .map(|(col, l)| (l.to_string(), Swatch::Box(*col)))
        .collect();
    let n = c.bars.len();
    let max = c
        .bars
        .iter()
        .map(|b| b.achieved + b.not_achieved + b.other + b.pending)
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let height = (n as u32 * 48 + 110).max(240) + legend_height(&items, A4_WIDTH);
    canvas("KPI grade chart", (A4_WIDTH, height), |root| {
        panels(root, &c.title, 1, 1, &items, |_, area| {
            let mut chart = ChartBuilder::on(area)
                .margin(12)
                .x_label_area_size(48)
                .y_label_area_size(100)
                .build_cartesian_2d(0.0..max * 1.05, categories(n, -0.6, n as f64 - 0.4))?;
            // The first goal at the top.
            let yfmt = |y: &f64| {
                let k = y.round();
                if (y - k).abs() < 1e-6 && k >= 0.0 && (k as usize) < n {
                    c.bars[n - 1 - k as usize].label.clone()
                } else {
                    String::new()
                }
            };
            chart
                .configure_mesh()
                .disable_y_mesh()
                .light_line_style(TRANSPARENT)
                .bold_line_style(GRID)
                .x_desc("KPI数")
                .axis_desc_style(font(AXIS))
                .label_style(font(TEXT))
                .x_label_formatter(&|v| {
                    if (v - v.round()).abs() < 1e-9 {
                        format!("{v:.0}")
                    } else {
                        String::new()
                    }
                })
                .y_label_formatter(&yfmt)
                .draw()?;
            for (i, b) in c.bars.iter().enumerate() {
                let y = (n - 1 - i) as f64;
                let mut x = 0.0;
                for (k, count) in [b.achieved, b.not_achieved, b.other, b.pending]
                    .into_iter()
                    .enumerate()
                {
                    if count == 0 {
                        continue;
                    }
                    let x1 = x + count as f64;
                    chart.draw_series(std::iter::once(Rectangle::new(
                        [(x, y - 0.34), (x1, y + 0.34)],
                        COLOURS[k].0.filled(),
                    )))?;
                    chart.draw_series(std::iter::once(Text::new(
                        count.to_string(),
                        ((x + x1) / 2.0, y),
                        font(TEXT)
                            .color(&WHITE)
                            .pos(Pos::new(HPos::Center, VPos::Center)),
                    )))?;
                    x = x1;
                }
            }
            Ok(())
        })
    })
}

/// A short, stable description of an SVG document for snapshot tests and checks: its size,
/// the count of each element, and every text in document order.
pub fn svg_summary(svg: &str) -> String {
    use std::collections::BTreeMap;
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut texts: Vec<String> = Vec::new();
    let mut rest = svg;
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if name.is_empty() {
            continue;
        }
        *counts.entry(name.clone()).or_default() += 1;
        if name == "text" {
            if let (Some(open), Some(close)) = (rest.find('>'), rest.find("</text>")) {
                if open < close {
                    let t = rest[open + 1..close].trim();
                    texts.push(
                        t.replace("&amp;", "&")
                            .replace("&lt;", "<")
                            .replace("&gt;", ">")
                            .replace("&quot;", "\"")
                            .replace("&#39;", "'"),
                    );
                }
            }
        }
    }
    let size = svg
        .find("<svg")
        .and_then(|i| svg[i..].find('>').map(|j| &svg[i..i + j]))
        .map(|tag| {
            let attr = |a: &str| {
                tag.find(&format!(" {a}=\""))
                    .map(|k| {
                        let s = &tag[k + a.len() + 3..];
                        s[..s.find('"').unwrap_or(0)].to_string()
                    })
                    .unwrap_or_default()
            };
            format!("{}x{}", attr("width"), attr("height"))
        })
        .unwrap_or_default();
    let mut out = format!("size: {size}\n");
    for (k, v) in &counts {
        out.push_str(&format!("<{k}>: {v}\n"));
    }
    out.push_str("texts:\n");
    for t in texts {
        out.push_str(&format!("  {t}\n"));
    }
    out
}
