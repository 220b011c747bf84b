//! Rendering the national backtest ([`NationalBacktest`]): the readable table (2020 from 2015
//! beside IPSS 2018, MAPE by horizon and size class, the three age groups), CSV and JSON of every
//! summary, an xlsx workbook, and the chart of error by horizon and size.

use crate::backtest::methods::Method;
use crate::backtest::national::{
    NationalBacktest, SizeClass, Stats, Summary, Who, VARIABLES, VARIABLES_JA,
};
use crate::error::{Error, Result};
use crate::kpi::Lang;
use crate::output::chart::{Series, TrajectoryChart};
use crate::output::table::{Align, Table};
use serde_json::{json, Value};
use std::fmt::Write as _;

fn who_name(w: Who, lang: Lang) -> &'static str {
    match lang {
        Lang::Ja => w.label_ja(),
        Lang::En => w.label(),
    }
}

fn class_name(c: Option<SizeClass>, lang: Lang) -> &'static str {
    match (c, lang) {
        (None, Lang::Ja) => "全体",
        (None, Lang::En) => "all",
        (Some(c), Lang::Ja) => c.label_ja(),
        (Some(c), Lang::En) => c.label(),
    }
}

fn pct(v: Option<&Stats>, f: impl Fn(&Stats) -> f64) -> String {
    v.map(|s| format!("{:.2}", f(s))).unwrap_or_default()
}

fn whos() -> Vec<Who> {
    std::iter::once(Who::Ipss)
        .chain(Method::ALL.map(Who::Method))
        .collect()
}

fn section_2020(b: &NationalBacktest, ja: bool, lang: Lang, o: &mut String) {
    let _ = writeln!(
        o,
        "{}",
        if ja {
            "■ 2020年の総人口（2015年までの情報で推計、5年後）: 誤差率（%）"
        } else {
            "■ The 2020 total, projected with information up to 2015: percent errors"
        }
    );
    let mut heads: Vec<String> = if ja {
        [
            "方法",
            "件数",
            "平均絶対",
            "中央値",
            "平均（符号）",
            "90%点",
        ]
    } else {
        ["method", "n", "MAPE", "median", "mean signed", "P90"]
    }
    .map(String::from)
    .to_vec();
    heads.extend(SizeClass::ALL.map(|c| class_name(Some(c), lang).to_string()));
    let mut cols: Vec<(&str, Align)> = heads.iter().map(|h| (h.as_str(), Align::Right)).collect();
    cols[0].1 = Align::Left;
    let mut t = Table::new(&cols);
    for w in whos() {
        let s = b.find(true, w, 5, None, 0);
        let mut row = vec![
            who_name(w, lang).to_string(),
            s.map(|s| s.count.to_string()).unwrap_or_default(),
            pct(s, |s| s.mape),
            pct(s, |s| s.median),
            pct(s, |s| s.mean_signed),
            pct(s, |s| s.p90),
        ];
        row.extend(SizeClass::ALL.map(|c| pct(b.find(true, w, 5, Some(c), 0), |s| s.mape)));
        t.row(row);
    }
    o.push_str(&t.render());
    let _ = writeln!(
        o,
        "{}",
        if ja {
            "（規模別の列は平均絶対誤差率。規模は基準年の人口）"
        } else {
            "(the size columns are MAPE; size by the base-year population)"
        }
    );
}

fn section_horizon(b: &NationalBacktest, ja: bool, lang: Lang, o: &mut String) {
    let _ = writeln!(
        o,
        "{}",
        if ja {
            "■ 総人口の平均絶対誤差率（%）: 推計年数・規模別（1985～2015年の各基準年をまとめて）"
        } else {
            "■ MAPE of the total (%) by horizon and size, pooled over the bases 1985 … 2015"
        }
    );
    let mut heads: Vec<String> = if ja {
        vec!["年数".into(), "規模".into()]
    } else {
        vec!["years".into(), "size".into()]
    };
    heads.extend(Method::ALL.map(|m| who_name(Who::Method(m), lang).to_string()));
    heads.push(if ja { "件数" } else { "n" }.into());
    heads.push(if ja { "既定の90%点" } else { "default P90" }.into());
    let cols: Vec<(&str, Align)> = heads.iter().map(|h| (h.as_str(), Align::Right)).collect();
    let mut t = Table::new(&cols);
    for h in b.horizons() {
        for c in std::iter::once(None).chain(SizeClass::ALL.map(Some)) {
            let mut row = vec![h.to_string(), class_name(c, lang).to_string()];
            row.extend(
                Method::ALL.map(|m| pct(b.find(false, Who::Method(m), h, c, 0), |s| s.mape)),
            );
            let d = b.find(false, Who::Method(Method::Damped), h, c, 0);
            row.push(d.map(|s| s.count.to_string()).unwrap_or_default());
            row.push(pct(d, |s| s.p90));
            t.row(row);
        }
    }
    o.push_str(&t.render());
}

fn section_groups(b: &NationalBacktest, ja: bool, lang: Lang, o: &mut String) {
    let _ = writeln!(
        o,
        "{}",
        if ja {
            "■ 年齢3区分の平均絶対誤差率（%）: 推計年数別（全規模）"
        } else {
            "■ MAPE of the three age groups (%) by horizon, all sizes"
        }
    );
    let mut heads: Vec<String> = vec![if ja { "年数" } else { "years" }.into()];
    for v in 1..4 {
        for m in [Method::LastPeriod, Method::Damped] {
            let g = if ja { VARIABLES_JA[v] } else { VARIABLES[v] };
            heads.push(format!("{g} {}", who_name(Who::Method(m), lang)));
        }
    }
    let cols: Vec<(&str, Align)> = heads.iter().map(|h| (h.as_str(), Align::Right)).collect();
    let mut t = Table::new(&cols);
    let mut row = vec!["2020".to_string()];
    for v in 1..4 {
        for m in [Method::LastPeriod, Method::Damped] {
            row.push(pct(b.find(true, Who::Method(m), 5, None, v), |s| s.mape));
        }
    }
    t.row(row);
    for h in b.horizons() {
        let mut row = vec![h.to_string()];
        for v in 1..4 {
            for m in [Method::LastPeriod, Method::Damped] {
                row.push(pct(b.find(false, Who::Method(m), h, None, v), |s| s.mape));
            }
        }
        t.row(row);
    }
    o.push_str(&t.render());
    let ipss: Vec<String> = (1..4)
        .map(|v| {
            format!(
                "{} {}",
                if ja { VARIABLES_JA[v] } else { VARIABLES[v] },
                pct(b.find(true, Who::Ipss, 5, None, v), |s| s.mape)
            )
        })
        .collect();
    let _ = writeln!(
        o,
        "{}{}",
        if ja {
            "（2020の行は2015年基準。社人研 平成30年推計の2020年: "
        } else {
            "(the 2020 row is from 2015. IPSS 2018 for 2020: "
        },
        ipss.join(", ") + if ja { "）" } else { ")" }
    );
}

/// The readable national backtest, in Japanese or English.
pub fn table(b: &NationalBacktest, lang: Lang) -> String {
    let ja = lang == Lang::Ja;
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{}",
        if ja {
            format!("全国の事後検証 — 社人研が個別に推計した{}市区町村: 各国勢調査年（1985～2015年）を基準に推計し、後の国勢調査と2020年国勢調査に比べる", b.record.units.len())
        } else {
            format!("National backtest — the {} municipalities IPSS 2018 projected one by one: projected from every census 1985 … 2015 and compared with every later census and 2020", b.record.units.len())
        }
    );
    let _ = writeln!(o);
    section_2020(b, ja, lang, &mut o);
    let _ = writeln!(o);
    section_horizon(b, ja, lang, &mut o);
    let _ = writeln!(o);
    section_groups(b, ja, lang, &mut o);
    let _ = writeln!(
        o,
        "{}",
        if ja {
            "誤差 = （推計 − 実績）÷ 実績。正は過大推計。既定 = 2期間平均の変化率の全国からの乖離を5年ごとに0.75倍に減衰。"
        } else {
            "error = (projected − actual) / actual; positive: too high. default = the two-period mean whose departure from Japan's ratios shrinks by 0.75 every five years."
        }
    );
    let _ = writeln!(o, "{}", crate::national::CREDIT);
    o
}

fn summary_json(s: &Summary) -> Value {
    json!({
        "method": s.who.label(),
        "horizon": s.horizon,
        "size_class": s.class.map_or("all", SizeClass::label),
        "variable": VARIABLES[s.variable],
        "count": s.stats.count,
        "mape": s.stats.mape,
        "median_ape": s.stats.median,
        "mean_signed": s.stats.mean_signed,
        "p90_ape": s.stats.p90,
    })
}

/// JSON of `jinko backtest --national --format json`.
pub fn json(b: &NationalBacktest) -> Value {
    json!({
        "municipalities": b.record.units.len(),
        "at_2020": b.at_2020.iter().map(summary_json).collect::<Vec<_>>(),
        "by_horizon": b.by_horizon.iter().map(summary_json).collect::<Vec<_>>(),
        "credit": crate::national::CREDIT,
    })
}

/// The CSV header of [`csv`].
pub const CSV_HEADER: &str =
    "scope,method,horizon,size_class,variable,count,mape,median_ape,mean_signed,p90_ape";

fn csv_rows(scope: &str, list: &[Summary], o: &mut String) {
    for s in list {
        let _ = writeln!(
            o,
            "{scope},{},{},{},{},{},{},{},{},{}",
            s.who.label(),
            s.horizon,
            s.class.map_or("all", SizeClass::label),
            VARIABLES[s.variable],
            s.stats.count,
            s.stats.mape,
            s.stats.median,
            s.stats.mean_signed,
            s.stats.p90
        );
    }
}

/// CSV: one row per summary; scope `2020` (from 2015, with IPSS) or `pooled` (every base).
pub fn csv(b: &NationalBacktest) -> String {
    let mut o = String::from(CSV_HEADER);
    o.push('\n');
    csv_rows("2020", &b.at_2020, &mut o);
    csv_rows("pooled", &b.by_horizon, &mut o);
    o
}

fn xerr(e: rust_xlsxwriter::XlsxError) -> Error {
    Error::Render {
        what: "the backtest workbook".into(),
        message: e.to_string(),
    }
}

fn sheet(wb: &mut rust_xlsxwriter::Workbook, name: &str, list: &[Summary]) -> Result<()> {
    use rust_xlsxwriter::Format;
    let head = Format::new().set_bold();
    let pct = Format::new().set_num_format("0.00");
    let ws = wb.add_worksheet();
    ws.set_name(name).map_err(xerr)?;
    for (c, h) in CSV_HEADER.split(',').skip(1).enumerate() {
        ws.write_string_with_format(0, c as u16, h, &head)
            .map_err(xerr)?;
    }
    ws.set_column_width(0, 24).map_err(xerr)?;
    for (i, s) in list.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, s.who.label()).map_err(xerr)?;
        ws.write_number(r, 1, f64::from(s.horizon)).map_err(xerr)?;
        ws.write_string(r, 2, s.class.map_or("all", SizeClass::label))
            .map_err(xerr)?;
        ws.write_string(r, 3, VARIABLES[s.variable]).map_err(xerr)?;
        ws.write_number(r, 4, s.stats.count as f64).map_err(xerr)?;
        for (c, v) in [
            s.stats.mape,
            s.stats.median,
            s.stats.mean_signed,
            s.stats.p90,
        ]
        .into_iter()
        .enumerate()
        {
            ws.write_number_with_format(r, 5 + c as u16, v, &pct)
                .map_err(xerr)?;
        }
    }
    ws.set_freeze_panes(1, 0).map_err(xerr)?;
    ws.write_string(list.len() as u32 + 2, 0, crate::national::CREDIT)
        .map_err(xerr)?;
    Ok(())
}

/// The workbook: sheets `2020` (from 2015, beside IPSS 2018) and `horizon` (pooled).
pub fn xlsx(b: &NationalBacktest) -> Result<Vec<u8>> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    sheet(&mut wb, "2020", &b.at_2020)?;
    sheet(&mut wb, "horizon", &b.by_horizon)?;
    wb.save_to_buffer().map_err(xerr)
}

/// The chart of the total's MAPE by horizon: the default by size class and overall, the naive
/// and two-period methods overall, and IPSS 2018's 2020 miss at five years.
pub fn chart(b: &NationalBacktest, lang: Lang) -> TrajectoryChart {
    let ja = lang == Lang::Ja;
    let line = |label: String, m: Method, c: Option<SizeClass>| Series {
        label,
        points: b
            .horizons()
            .into_iter()
            .filter_map(|h| b.find(false, Who::Method(m), h, c, 0).map(|s| (h, s.mape)))
            .collect(),
    };
    let default = who_name(Who::Method(Method::Damped), lang);
    let mut series: Vec<Series> = SizeClass::ALL
        .into_iter()
        .map(|c| {
            line(
                format!("{default} {}", class_name(Some(c), lang)),
                Method::Damped,
                Some(c),
            )
        })
        .collect();
    series.push(line(
        format!("{default} {}", class_name(None, lang)),
        Method::Damped,
        None,
    ));
    for m in [Method::LastPeriod, Method::TwoPeriodMean] {
        series.push(line(
            format!(
                "{} {}",
                who_name(Who::Method(m), lang),
                class_name(None, lang)
            ),
            m,
            None,
        ));
    }
    let references = b
        .find(true, Who::Ipss, 5, None, 0)
        .map(|s| Series {
            label: format!("{} (2020)", who_name(Who::Ipss, lang)),
            points: vec![(5, s.mape)],
        })
        .into_iter()
        .collect();
    TrajectoryChart {
        title: if ja {
            "総人口の推計誤差（平均絶対誤差率）: 推計年数・規模別".into()
        } else {
            "Error of the total (MAPE) by horizon and size".into()
        },
        y_label: if ja {
            "平均絶対誤差率（%）".into()
        } else {
            "MAPE (%)".into()
        },
        series,
        references,
        markers: Vec::new(),
    }
}
