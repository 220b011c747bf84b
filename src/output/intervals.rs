//! Rendering a projection's empirical prediction intervals ([`crate::backtest::intervals`]): the
//! table, CSV and JSON of `jinko project --intervals`, the sentence of the report
//! ("2065年の総人口は80%の確率で…人から…人の間"), and the band chart. Renderers are pure.
//!
//! The bands come from the errors of the default census method over Japan's record (every
//! municipality IPSS 2018 projected, bases 1985 … 2015), by the projection's size class and
//! horizon; beyond 35 years they are extrapolated in proportion to the horizon (flagged).

use crate::backtest::intervals::{national, Around, BANDS, MODEL};
use crate::backtest::national::{VARIABLES, VARIABLES_JA};
use crate::engine::Projection;
use crate::error::Result;
use crate::output::chart::{Band, FanChart, Marker};
use crate::output::projection::{indicators, persons};
use crate::pack::Pack;
use serde_json::{json, Value};
use std::fmt::Write as _;

/// The CSV header of `jinko project --intervals --format csv`.
pub const CSV_HEADER: &str = "year,horizon,variable,projected,lower_50,upper_50,lower_80,upper_80,lower_95,upper_95,extrapolated";

/// Where the bands come from, in Japanese (for notes under tables and charts).
pub const SOURCE_JA: &str = "予測区間は、全国1,682市区町村について1985～2015年の各国勢調査を基準に行った推計の誤差（実績との比）から、人口規模と推計期間ごとに求めたもの。35年を超える期間は、誤差が期間に比例して広がると仮定して延長した。";

/// Where the bands come from, in English.
pub const SOURCE_EN: &str = "Intervals from the errors of projections of the 1,682 municipalities from each census 1985-2015 (actual/projected), by size class and horizon; beyond 35 years the errors are assumed to grow in proportion to the horizon.";

/// The intervals around projection `p` from `base_year` (the national record's fit).
pub fn of_projection(p: &Projection, base_year: i32) -> Result<Around> {
    let rows: Vec<(i32, [f64; 4])> = indicators(p)
        .iter()
        .filter(|y| y.year >= base_year)
        .map(|y| (y.year, [y.total, y.age_0_14, y.age_15_64, y.age_65_plus]))
        .collect();
    national()?.around(base_year, &rows)
}

/// The readable table: one row per year and variable.
pub fn table(a: &Around, ja: bool) -> String {
    use crate::output::table::{Align, Table};
    let heads: [&str; 9] = if ja {
        [
            "年",
            "区分",
            "推計値",
            "50%下限",
            "50%上限",
            "80%下限",
            "80%上限",
            "95%下限",
            "95%上限",
        ]
    } else {
        [
            "year",
            "variable",
            "projected",
            "50% low",
            "50% high",
            "80% low",
            "80% high",
            "95% low",
            "95% high",
        ]
    };
    let cols: Vec<(&str, Align)> = heads
        .iter()
        .enumerate()
        .map(|(i, h)| (*h, if i == 1 { Align::Left } else { Align::Right }))
        .collect();
    let mut t = Table::new(&cols);
    for r in &a.rows {
        for v in 0..VARIABLES.len() {
            let year = format!("{}{}", r.year, if r.extrapolated { "*" } else { "" });
            let mut row = vec![
                year,
                if ja { VARIABLES_JA[v] } else { VARIABLES[v] }.to_string(),
                persons(r.projected[v]),
            ];
            for b in 0..BANDS.len() {
                row.push(persons(r.bands[v][b].0));
                row.push(persons(r.bands[v][b].1));
            }
            t.row(row);
        }
    }
    let mut o = String::new();
    let class = if ja {
        a.class.label_ja()
    } else {
        a.class.label()
    };
    if ja {
        let _ = writeln!(o, "■ 予測区間（人口規模: {class}）");
    } else {
        let _ = writeln!(o, "Prediction intervals (size class {class})");
    }
    o.push_str(&t.render());
    let _ = writeln!(
        o,
        "{}",
        if ja {
            format!("* 35年を超える期間（延長）。{SOURCE_JA}")
        } else {
            format!("* beyond 35 years (extrapolated). {SOURCE_EN}")
        }
    );
    o
}

/// Long-form CSV ([`CSV_HEADER`]), persons to one decimal.
pub fn csv(a: &Around) -> String {
    let mut o = format!("{CSV_HEADER}\n");
    for r in &a.rows {
        for v in 0..VARIABLES.len() {
            let _ = write!(
                o,
                "{},{},{},{:.1}",
                r.year, r.horizon, VARIABLES[v], r.projected[v]
            );
            for b in 0..BANDS.len() {
                let _ = write!(o, ",{:.1},{:.1}", r.bands[v][b].0, r.bands[v][b].1);
            }
            let _ = writeln!(o, ",{}", r.extrapolated);
        }
    }
    o
}

/// The `intervals` object of the projection JSON.
pub fn json(a: &Around) -> Value {
    let rows: Vec<Value> = a
        .rows
        .iter()
        .flat_map(|r| {
            (0..VARIABLES.len()).map(move |v| {
                let mut o = json!({
                    "year": r.year,
                    "horizon": r.horizon,
                    "extrapolated": r.extrapolated,
                    "variable": VARIABLES[v],
                    "projected": r.projected[v],
                });
                for (b, band) in BANDS.iter().enumerate() {
                    let pct = (band * 100.0).round();
                    o[format!("lower_{pct}")] = json!(r.bands[v][b].0);
                    o[format!("upper_{pct}")] = json!(r.bands[v][b].1);
                }
                o
            })
        })
        .collect();
    json!({
        "size_class": a.class.label(),
        "base_year": a.base_year,
        "model": MODEL.label(),
        "source": SOURCE_EN,
        "rows": rows,
    })
}

/// A rounded figure for a sentence: to 100 persons where the projection is 10,000 or more, else
/// to 10.
fn rounded(v: f64, projected: f64) -> String {
    let step = if projected >= 10_000.0 { 100.0 } else { 10.0 };
    persons((v / step).round() * step)
}

/// The sentence a council member reads: "2065年の総人口は80%の確率で約…人から約…人の間"; None
/// where `year` is not projected.
pub fn sentence_ja(a: &Around, year: i32) -> Option<String> {
    let r = a.at(year)?;
    let (lo, hi) = r.bands[0][1];
    let mut s = format!(
        "{year}年の総人口は80%の確率で約{}人から約{}人の間（推計値{}人）、95%の確率で約{}人から約{}人の間です。",
        rounded(lo, r.projected[0]),
        rounded(hi, r.projected[0]),
        persons(r.projected[0]),
        rounded(r.bands[0][2].0, r.projected[0]),
        rounded(r.bands[0][2].1, r.projected[0]),
    );
    if r.extrapolated {
        s.push_str(
            "（推計期間が35年を超えるため、過去の誤差を期間に比例して延ばした仮定による幅です。）",
        );
    }
    Some(s)
}

/// The band chart of one projection: 95, 80 and 50 % bands around the projected total, with the
/// pack's IPSS path and target.
pub fn fan(title: &str, pack: &Pack, a: &Around) -> FanChart {
    let bands = [2usize, 1, 0]
        .iter()
        .map(|&b| Band {
            label: format!("{:.0}%予測区間", BANDS[b] * 100.0),
            low: a.rows.iter().map(|r| r.bands[0][b].0).collect(),
            high: a.rows.iter().map(|r| r.bands[0][b].1).collect(),
        })
        .collect();
    FanChart {
        title: format!("{} 総人口の予測区間（{title}）", pack.name),
        y_label: "総人口（人）".into(),
        years: a.rows.iter().map(|r| r.year).collect(),
        median: a.rows.iter().map(|r| r.projected[0]).collect(),
        median_label: "推計値".into(),
        bands,
        references: crate::output::chart::build::ipss_references(pack),
        markers: crate::output::chart::build::final_target(pack)
            .map(|(year, value)| Marker {
                label: format!("目標 {}人（{year}年）", persons(value)),
                year,
                value,
            })
            .into_iter()
            .collect(),
    }
}
