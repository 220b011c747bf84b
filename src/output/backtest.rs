//! Rendering a [`Backtest`]: the table of every projection against the census, MAPE by horizon for
//! each method variant, and the published projection's own miss; JSON and CSV for tools.

use crate::backtest::{Backtest, Variant};
use crate::kpi::Lang;
use crate::output::numbers::signed_percent;
use crate::output::projection::persons;
use crate::output::table::{Align, Table};
use serde_json::{json, Value};
use std::fmt::Write as _;

fn variant_name(v: Variant, lang: Lang) -> &'static str {
    match (v, lang) {
        (Variant::LastPeriod, Lang::Ja) => "直近1期間",
        (Variant::TwoPeriodMean, Lang::Ja) => "2期間平均",
        (Variant::Damped, Lang::Ja) => "減衰2期間平均（既定）",
        (v, Lang::En) => v.label(),
    }
}

/// The readable backtest, in Japanese or English.
pub fn table(b: &Backtest, pack_name: &str, lang: Lang) -> String {
    let ja = lang == Lang::Ja;
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{}",
        if ja {
            format!("事後検証 — {pack_name}: 各国勢調査年を基準に、それ以前に観測したコーホート変化率と子ども女性比を固定して推計し、後の国勢調査と比べる")
        } else {
            format!("Backtest — {pack_name}: cohort change ratios and child-woman ratio observed before each census base, held constant, against the later censuses")
        }
    );
    for variant in Variant::ALL {
        let _ = writeln!(o);
        let _ = writeln!(
            o,
            "■ {}（{}）",
            variant_name(variant, lang),
            match (variant, ja) {
                (Variant::LastPeriod, true) => "基準年前5年間の変化率",
                (Variant::TwoPeriodMean, true) => "基準年前10年間の2期間の変化率の平均",
                (Variant::LastPeriod, false) => "ratios of the five years before the base",
                (Variant::TwoPeriodMean, false) => {
                    "mean of the ratios of the ten years before the base"
                }
                (Variant::Damped, true) => {
                    "2期間平均の全国からの乖離を5年ごとに0.75倍に減衰（基準年が1985年なら1期間）"
                }
                (Variant::Damped, false) => {
                    "the two-period mean, its departure from Japan's ratios shrunk by 0.75 every five years"
                }
            }
        );
        let heads: [&str; 9] = if ja {
            [
                "基準年",
                "推計年",
                "年数",
                "推計",
                "国勢調査",
                "誤差（総数）",
                "0-14歳",
                "15-64歳",
                "65歳以上",
            ]
        } else {
            [
                "base",
                "target",
                "years",
                "projected",
                "census",
                "error total",
                "0-14",
                "15-64",
                "65+",
            ]
        };
        let cols: Vec<(&str, Align)> = heads.iter().map(|h| (*h, Align::Right)).collect();
        let mut t = Table::new(&cols);
        for r in b.rows.iter().filter(|r| r.variant == variant) {
            t.row(vec![
                r.base.to_string(),
                r.target.to_string(),
                r.horizon().to_string(),
                persons(r.projected),
                persons(r.census),
                signed_percent(r.error_percent[0], 2),
                signed_percent(r.error_percent[1], 1),
                signed_percent(r.error_percent[2], 1),
                signed_percent(r.error_percent[3], 1),
            ]);
        }
        o.push_str(&t.render());
    }
    let _ = writeln!(
        o,
        "{}",
        if ja {
            "誤差 = （推計 − 国勢調査）÷ 国勢調査。正は過大推計、負は過小推計。"
        } else {
            "error = (projected − census) / census; positive: projected too high."
        }
    );
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "{}",
        if ja {
            "■ 平均絶対誤差率（総人口、推計年数別。全方式がそろう基準年のみ）"
        } else {
            "■ MAPE of the total by horizon (over the bases every method covers)"
        }
    );
    let mut heads: Vec<String> = vec![if ja { "年数" } else { "years" }.to_string()];
    heads.extend(Variant::ALL.map(|v| variant_name(v, lang).to_string()));
    heads.push(if ja { "件数" } else { "n" }.to_string());
    heads.push(if ja { "誤差が最小" } else { "best" }.to_string());
    let mut cols: Vec<(&str, Align)> = heads.iter().map(|h| (h.as_str(), Align::Right)).collect();
    if let Some(last) = cols.last_mut() {
        last.1 = Align::Left;
    }
    let mut t = Table::new(&cols);
    let horizons: std::collections::BTreeSet<i32> = b.mape.iter().map(|m| m.1).collect();
    for h in horizons {
        let get = |v: Variant| b.mape.iter().find(|m| m.0 == v && m.1 == h);
        let found: Vec<_> = Variant::ALL.iter().filter_map(|&v| get(v)).collect();
        let low = found.iter().map(|m| m.2).fold(f64::INFINITY, f64::min);
        let best: Vec<&str> = found
            .iter()
            .filter(|m| m.2 == low)
            .map(|m| variant_name(m.0, lang))
            .collect();
        let mut row = vec![h.to_string()];
        row.extend(
            Variant::ALL.map(|v| get(v).map(|m| format!("{:.2}%", m.2)).unwrap_or_default()),
        );
        row.push(found.first().map(|m| m.3.to_string()).unwrap_or_default());
        row.push(if found.len() > 1 {
            best.join("・")
        } else {
            String::new()
        });
        t.row(row);
    }
    o.push_str(&t.render());
    if let Some((y, p, c, e)) = b.published_miss {
        let _ = writeln!(o);
        let _ = writeln!(
            o,
            "{}",
            if ja {
                format!(
                    "公表された推計の{y}年: {}人、国勢調査 {}人との誤差 {}",
                    persons(p),
                    persons(c),
                    signed_percent(e, 2)
                )
            } else {
                format!(
                    "published projection for {y}: {} against the census {}: {}",
                    persons(p),
                    persons(c),
                    signed_percent(e, 2)
                )
            }
        );
    }
    o
}

/// JSON of `jinko backtest --format json`.
pub fn json(b: &Backtest) -> Value {
    json!({
        "rows": b.rows.iter().map(|r| json!({
            "variant": r.variant.label(),
            "base": r.base,
            "target": r.target,
            "horizon": r.horizon(),
            "projected": r.projected,
            "census": r.census,
            "error_percent": {"total": r.error_percent[0], "age_0_14": r.error_percent[1], "age_15_64": r.error_percent[2], "age_65_plus": r.error_percent[3]},
        })).collect::<Vec<_>>(),
        "mape": b.mape.iter().map(|(v, h, m, n)| json!({"variant": v.label(), "horizon": h, "mape_percent": m, "count": n})).collect::<Vec<_>>(),
        "published_miss": b.published_miss.map(|(y, p, c, e)| json!({"year": y, "projected": p, "census": c, "error_percent": e})),
    })
}

/// CSV: one row per projection.
pub fn csv(b: &Backtest) -> String {
    let mut o = String::from("variant,base,target,horizon,projected,census,error_total,error_0_14,error_15_64,error_65_plus\n");
    for r in &b.rows {
        let _ = writeln!(
            o,
            "{},{},{},{},{},{},{},{},{},{}",
            r.variant.label(),
            r.base,
            r.target,
            r.horizon(),
            r.projected,
            r.census,
            r.error_percent[0],
            r.error_percent[1],
            r.error_percent[2],
            r.error_percent[3]
        );
    }
    o
}
