//! The long-run table (人口の長期的な安定) of `jinko longrun`: one column per scenario, one row per
//! measure of [`crate::compare::longrun::LongRun`], in Japanese or English; and its JSON.

use crate::compare::longrun::{LongRun, CONTINUE_YEARS};
use crate::kpi::Lang;
use crate::output::numbers::grouped;
use crate::output::table::{Align, Table};
use crate::scenario::Scenario;
use serde_json::json;

/// The rows' labels (Japanese, English).
const ROWS: [(&str, &str); 12] = [
    ("仮定の期間", "Assumptions of period"),
    ("5年あたりの増加率 (λ)", "Growth per 5 years (λ)"),
    ("年率", "Annual rate"),
    ("安定人口 0-14歳", "Stable share 0-14"),
    ("安定人口 15-64歳", "Stable share 15-64"),
    ("安定人口 65歳以上", "Stable share 65+"),
    ("置換水準への出生の倍率", "Fertility factor to replacement"),
    ("人口減少が止まる年", "Year the decline stops"),
    ("その年の人口", "Population then"),
    ("移動による均衡人口", "Equilibrium with the migrants"),
    (
        "人口モメンタム (置換水準・封鎖)",
        "Momentum (replacement, closed)",
    ),
    ("", ""),
];

fn pct(v: f64, d: usize) -> String {
    format!("{:.*}%", d, 100.0 * v)
}

/// One column of the table.
fn column(l: &LongRun, lang: Lang) -> Vec<String> {
    let ja = lang == Lang::Ja;
    let none = if ja { "—" } else { "-" };
    vec![
        crate::grid::period_label(l.period),
        format!("{:.6}", l.lambda),
        format!("{:+.3}%", 100.0 * l.annual_rate),
        pct(l.stable_groups[0], 1),
        pct(l.stable_groups[1], 1),
        pct(l.stable_groups[2], 1),
        format!("{:.4}", l.replacement_factor),
        match l.stop {
            Some((y, _)) => y.to_string(),
            None if ja => format!("{CONTINUE_YEARS}年後も減少"),
            None => format!("still falling after {CONTINUE_YEARS} years"),
        },
        l.stop
            .map(|(_, t)| grouped(t, 0))
            .unwrap_or_else(|| none.into()),
        l.equilibrium
            .map(|t| grouped(t, 0))
            .unwrap_or_else(|| none.into()),
        format!(
            "{} → {} ({:.3})",
            grouped(l.from_total, 0),
            grouped(l.momentum_total, 0),
            l.momentum
        ),
    ]
}

/// The table of several scenarios' long runs.
pub fn table(runs: &[(&Scenario, LongRun)], lang: Lang) -> String {
    let ja = lang == Lang::Ja;
    let mut cols: Vec<(&str, Align)> = vec![(if ja { "項目" } else { "Measure" }, Align::Left)];
    for (s, _) in runs {
        cols.push((s.name.as_str(), Align::Right));
    }
    let mut t = Table::new(&cols);
    let columns: Vec<Vec<String>> = runs.iter().map(|(_, l)| column(l, lang)).collect();
    for (i, (lj, le)) in ROWS.iter().take(11).enumerate() {
        let mut row = vec![if ja { lj } else { le }.to_string()];
        row.extend(columns.iter().map(|c| c[i].clone()));
        t.row(row);
    }
    let mut out = String::from(if ja {
        "人口の長期的な安定 (最後の期間の仮定が続くとき)\n"
    } else {
        "The long run (the last period's assumptions held)\n"
    });
    out.push_str(&t.render());
    out.push_str(if ja {
        "λ: 年齢構成が安定した後の5年ごとの人口の倍率。モメンタム: その期間の死亡率のまま出生を置換水準に、移動をゼロにしたとき最終的に落ち着く人口 (最終年の人口から)。\n"
    } else {
        "λ: the factor per five years once the age structure is stable. Momentum: the level the population settles at from the last year with fertility at replacement and no migration, at the period's mortality.\n"
    });
    out
}

/// JSON of several scenarios' long runs.
pub fn json(runs: &[(&Scenario, LongRun)]) -> serde_json::Value {
    json!(runs
        .iter()
        .map(|(s, l)| json!({"scenario": s.name, "title": s.title, "long_run": l}))
        .collect::<Vec<_>>())
}
