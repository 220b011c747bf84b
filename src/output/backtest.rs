//! Rendering a [`Backtest`]: the table of every projection against the census, MAPE by horizon for
//! each method variant, and the published projection's own miss; JSON and CSV for tools.

use crate::backtest::{Backtest, Variant};
use crate::output::projection::persons;
use crate::output::table::{Align, Table};
use serde_json::{json, Value};
use std::fmt::Write as _;

/// The readable backtest.
pub fn table(b: &Backtest, pack_name: &str) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "事後検証 (backtest) — {pack_name}: cohort change ratios and child-woman ratio observed before each census base, held constant"
    );
    for variant in [Variant::LastPeriod, Variant::TwoPeriodMean] {
        let _ = writeln!(o);
        let _ = writeln!(
            o,
            "■ {} ({})",
            variant.label(),
            match variant {
                Variant::LastPeriod => "ratios of the five years before the base",
                Variant::TwoPeriodMean => "mean of the ratios of the ten years before the base",
            }
        );
        let mut t = Table::new(&[
            ("基準年", Align::Right),
            ("目標年", Align::Right),
            ("年数", Align::Right),
            ("推計", Align::Right),
            ("国勢調査", Align::Right),
            ("誤差 総数", Align::Right),
            ("0-14歳", Align::Right),
            ("15-64歳", Align::Right),
            ("65歳以上", Align::Right),
        ]);
        for r in b.rows.iter().filter(|r| r.variant == variant) {
            t.row(vec![
                r.base.to_string(),
                r.target.to_string(),
                r.horizon().to_string(),
                persons(r.projected),
                persons(r.census),
                format!("{:+.2}%", r.error_percent[0]),
                format!("{:+.1}%", r.error_percent[1]),
                format!("{:+.1}%", r.error_percent[2]),
                format!("{:+.1}%", r.error_percent[3]),
            ]);
        }
        o.push_str(&t.render());
    }
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "■ 平均絶対誤差率 (MAPE of the total by horizon, over the bases both variants cover)"
    );
    let mut t = Table::new(&[
        ("年数", Align::Right),
        ("last period", Align::Right),
        ("mean of two periods", Align::Right),
        ("n", Align::Right),
        ("better", Align::Left),
    ]);
    let horizons: std::collections::BTreeSet<i32> = b.mape.iter().map(|m| m.1).collect();
    for h in horizons {
        let get = |v: Variant| b.mape.iter().find(|m| m.0 == v && m.1 == h);
        let (a, c) = (get(Variant::LastPeriod), get(Variant::TwoPeriodMean));
        let better = match (a, c) {
            (Some(a), Some(c)) if a.2 < c.2 => "last period",
            (Some(a), Some(c)) if c.2 < a.2 => "mean of two periods",
            (Some(_), Some(_)) => "equal",
            _ => "",
        };
        t.row(vec![
            h.to_string(),
            a.map(|m| format!("{:.2}%", m.2)).unwrap_or_default(),
            c.map(|m| format!("{:.2}%", m.2)).unwrap_or_default(),
            a.or(c).map(|m| m.3.to_string()).unwrap_or_default(),
            better.to_string(),
        ]);
    }
    o.push_str(&t.render());
    if let Some((y, p, c, e)) = b.published_miss {
        let _ = writeln!(o);
        let _ = writeln!(
            o,
            "published projection for {y}: {} against the census {}: {e:+.2}%",
            persons(p),
            persons(c)
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
