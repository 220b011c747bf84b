//! Charts of batch studies: the Monte Carlo fan chart (percentile bands of the total by year with
//! the official path and the target), the tornado of one-at-a-time sensitivities, and the sweep
//! heatmap with the target contour. Each is built from the study's plain result.

use super::{Band, Contour, FanChart, HeatmapChart, Marker, TornadoBar, TornadoChart};
use crate::batch::montecarlo::McResult;
use crate::batch::sweep::SweepGrid;
use crate::batch::tornado::TornadoResult;
use crate::kpi::Lang;
use crate::output::studies::parameter_label;
use crate::pack::Pack;

fn target_marker(pack: &Pack, year: i32, value: Option<f64>) -> Option<Marker> {
    value.map(|v| Marker {
        label: format!(
            "{} {}人（{year}年）",
            pack.compare.target_label,
            crate::output::projection::persons(v)
        ),
        year,
        value: v,
    })
}

/// The fan chart of a Monte Carlo run: the median and the 2.5–97.5, 10–90 and 25–75 percentile
/// bands (those the run computed), the official path, and the target.
pub fn fan(r: &McResult, pack: &Pack) -> FanChart {
    let idx = |p: f64| r.percentiles.iter().position(|&q| (q - p).abs() < 1e-9);
    let col = |i: usize| r.by_year.iter().map(|y| y.values[i]).collect::<Vec<f64>>();
    let mut bands = Vec::new();
    for (lo, hi) in [(2.5, 97.5), (10.0, 90.0), (25.0, 75.0)] {
        if let (Some(a), Some(b)) = (idx(lo), idx(hi)) {
            bands.push(Band {
                label: format!("{lo}～{hi}%"),
                low: col(a),
                high: col(b),
            });
        }
    }
    let median = match idx(50.0) {
        Some(i) => col(i),
        None => r.by_year.iter().map(|y| y.mean).collect(),
    };
    FanChart {
        title: format!(
            "{} 総人口の不確実性（{}本の軌跡）",
            pack.name,
            crate::output::numbers::grouped(r.trajectories as f64, 0)
        ),
        y_label: "総人口（人）".into(),
        years: r.by_year.iter().map(|y| y.year).collect(),
        median,
        median_label: "中央値".into(),
        bands,
        references: super::build::ipss_references(pack),
        markers: target_marker(pack, r.year, r.target).into_iter().collect(),
    }
}

/// The tornado of one-at-a-time sensitivities of the total in the result's year.
pub fn tornado(r: &TornadoResult, pack: &Pack, target: Option<f64>) -> TornadoChart {
    TornadoChart {
        title: format!("{} {}年の総人口の感度", pack.name, r.year),
        x_label: format!("{}年の総人口（人）", r.year),
        base: r.base_total,
        bars: r
            .bars
            .iter()
            .map(|b| TornadoBar {
                label: format!(
                    "{} ±{}",
                    parameter_label(&b.parameter, Lang::Ja),
                    crate::output::numbers::param(b.delta)
                ),
                low: b.total_low,
                high: b.total_high,
            })
            .collect(),
        target: target_marker(pack, r.year, target),
    }
}

/// The heatmap of one sweep grid, with the target as a contour.
pub fn heatmap(g: &SweepGrid, year: i32, target: Option<f64>, pack: &Pack) -> HeatmapChart {
    HeatmapChart {
        title: format!("{} {}年の総人口", pack.name, year),
        x_label: parameter_label(&g.columns, Lang::Ja),
        y_label: parameter_label(&g.rows, Lang::Ja),
        value_label: format!("{year}年の総人口（人）"),
        x: g.column_values.clone(),
        y: g.row_values.clone(),
        values: g.total.clone(),
        contour: target.map(|t| Contour {
            level: t,
            label: format!(
                "{} {}人",
                pack.compare.target_label,
                crate::output::projection::persons(t)
            ),
        }),
    }
}
