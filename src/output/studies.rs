//! Tables of the batch studies for people — `jinko montecarlo` and `jinko tornado` — in Japanese
//! (the default) or English, with thousands separators and signs that read right, and the
//! readable names of the studies' parameters (`tfr` → 合計特殊出生率), which the charts use too.

use crate::batch::montecarlo::McResult;
use crate::batch::tornado::TornadoResult;
use crate::kpi::Lang;
use crate::output::numbers::{grouped, param, signed_persons};
use crate::output::projection::persons;
use crate::output::table::{Align, Table};
use std::fmt::Write as _;

/// The readable name of a study parameter (`fert_mult`, `tfr`, `migration`, …); an unknown name
/// is returned as it is.
pub fn parameter_label(name: &str, lang: Lang) -> String {
    let (ja, en) = match name {
        "fert_mult" => ("出生率の倍率", "fertility multiplier"),
        "mort_mult" => ("死亡率の倍率", "mortality multiplier"),
        "mig_mult" => ("純移動率の倍率", "net migration multiplier"),
        "tfr" => ("合計特殊出生率", "total fertility rate"),
        "tfr_by" => ("合計特殊出生率の到達年", "year the TFR is reached"),
        "tfr_from" => ("合計特殊出生率の変化の開始年", "year the TFR change starts"),
        "migration" => ("純移動率の倍率", "migration multiplier"),
        "migration_from" => (
            "移動の倍率の適用開始年",
            "first year of the migration multiplier",
        ),
        _ => return name.to_string(),
    };
    match lang {
        Lang::Ja => ja.to_string(),
        Lang::En => en.to_string(),
    }
}

/// What a tornado's low and high mean for `parameter` moved by `delta`, for the table's note.
fn low_high(parameter: &str, delta: f64, lang: Lang) -> String {
    let d = param(delta);
    match (parameter, lang) {
        ("tfr", Lang::Ja) => format!("各期の合計特殊出生率を −{d} / +{d}"),
        ("tfr", Lang::En) => format!("the TFR of every period −{d} / +{d}"),
        (_, Lang::Ja) => format!(
            "倍率 {} / {}（基準 1）",
            param(1.0 - delta),
            param(1.0 + delta)
        ),
        (_, Lang::En) => format!(
            "multiplier 1 → {} / {}",
            param(1.0 - delta),
            param(1.0 + delta)
        ),
    }
}

/// The Monte Carlo table: percentiles of the total by year, the mean, and the probability of
/// reaching the target.
pub fn montecarlo_table(r: &McResult, title: &str, lang: Lang) -> String {
    let ja = lang == Lang::Ja;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{}",
        if ja {
            format!(
                "モンテカルロ法: {title}（{}）— 試行 {}回、乱数シード {}",
                r.scenario,
                grouped(r.trajectories as f64, 0),
                r.seed
            )
        } else {
            format!(
                "Monte Carlo: {title} ({}) — {} trajectories, seed {}",
                r.scenario,
                grouped(r.trajectories as f64, 0),
                r.seed
            )
        }
    );
    let _ = writeln!(s);
    let heads: Vec<String> = [
        if ja { "年" } else { "year" }.to_string(),
        if ja { "平均" } else { "mean" }.to_string(),
    ]
    .into_iter()
    .chain(r.percentiles.iter().map(|p| {
        if ja {
            format!("{}%点", param(*p))
        } else {
            format!("p{}", param(*p))
        }
    }))
    .collect();
    let cols: Vec<(&str, Align)> = heads.iter().map(|h| (h.as_str(), Align::Right)).collect();
    let mut t = Table::new(&cols);
    for y in &r.by_year {
        let mut row = vec![y.year.to_string(), persons(y.mean)];
        row.extend(y.values.iter().map(|v| persons(*v)));
        t.row(row);
    }
    s.push_str(&t.render());
    let _ = writeln!(
        s,
        "{}",
        if ja {
            "総人口（人）。p%点: 試行のp%がこの値以下。"
        } else {
            "Total population (persons). pN: N% of the trajectories are at or below it."
        }
    );
    if let Some(class) = r.spread.strip_prefix("record ") {
        let _ = writeln!(
            s,
            "{}",
            if ja {
                format!("ばらつき: 全国1,682市区町村の過去の推計誤差（1985～2015年基準、人口規模 {class}）から抽出。35年を超える期間は誤差が期間に比例して広がると仮定。")
            } else {
                format!("Spreads drawn from the errors of past projections of 1,682 municipalities (bases 1985-2015, size class {class}); beyond 35 years grown in proportion to the horizon.")
            }
        );
    }
    if let (Some(t), Some(p)) = (r.target, r.probability) {
        let _ = writeln!(
            s,
            "\n{}",
            if ja {
                format!(
                    "{}年の総人口が目標 {}人以上となる確率: {:.2}%",
                    r.year,
                    persons(t),
                    100.0 * p
                )
            } else {
                format!("P(total {} ≥ {}) = {:.2}%", r.year, persons(t), 100.0 * p)
            }
        );
    }
    if r.clamped_draws > 0 {
        let _ = writeln!(
            s,
            "{}",
            if ja {
                format!(
                    "注意: 出生率または死亡率の倍率の抽出 {}件が0未満となり、0としました",
                    grouped(r.clamped_draws as f64, 0)
                )
            } else {
                format!(
                    "warning: {} draws of a fertility or mortality multiplier were below 0 and were set to 0",
                    grouped(r.clamped_draws as f64, 0)
                )
            }
        );
    }
    s
}

/// The tornado table: each assumption moved down (low) and up (high), the change in the total,
/// ranked by the spread, with text bars and a note saying what low and high are.
pub fn tornado_table(r: &TornadoResult, title: &str, lang: Lang) -> String {
    let ja = lang == Lang::Ja;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{}",
        if ja {
            format!(
                "トルネード図（感度分析）: {title}（{}）— {}年の総人口 {}人",
                r.scenario,
                r.year,
                persons(r.base_total)
            )
        } else {
            format!(
                "Tornado: {title} ({}) — total {} = {}",
                r.scenario,
                r.year,
                persons(r.base_total)
            )
        }
    );
    let _ = writeln!(s);
    let heads: [&str; 7] = if ja {
        [
            "順位",
            "仮定",
            "low / high",
            "lowの増減",
            "highの増減",
            "幅",
            "",
        ]
    } else {
        [
            "rank",
            "assumption",
            "low / high",
            "change low",
            "change high",
            "spread",
            "",
        ]
    };
    let mut t = Table::new(&[
        (heads[0], Align::Right),
        (heads[1], Align::Left),
        (heads[2], Align::Left),
        (heads[3], Align::Right),
        (heads[4], Align::Right),
        (heads[5], Align::Right),
        (heads[6], Align::Left),
    ]);
    let max = r.bars.iter().map(|b| b.spread).fold(0.0, f64::max);
    for (i, b) in r.bars.iter().enumerate() {
        let w = if max > 0.0 {
            (30.0 * b.spread / max).round() as usize
        } else {
            0
        };
        t.row(vec![
            (i + 1).to_string(),
            parameter_label(&b.parameter, lang),
            low_high(&b.parameter, b.delta, lang),
            signed_persons(b.change_low),
            signed_persons(b.change_high),
            persons(b.spread),
            "█".repeat(w),
        ]);
    }
    s.push_str(&t.render());
    let _ = writeln!(
        s,
        "{}",
        if ja {
            "low: その仮定だけを下げた推計、high: 上げた推計（他の仮定は基準のまま）。増減は基準の総人口との差（人）、幅は |high − low|。"
        } else {
            "low: only this assumption moved down; high: moved up (the others at base). Changes against the base total (persons); spread = |high − low|."
        }
    );
    s
}
