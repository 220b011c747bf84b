//! 推計の仮定と出典, per scenario and in Japanese: the base population, the TFR path, the
//! migration multipliers and net-migration targets with the solved multiplier (▲913 → 0.5955),
//! the measures (定住組数), survival, and where each number comes from (the pack's files and
//! parameters with their sources, the KPI file's numeric goals when the report has one, or the
//! scenario file).

use super::Run;
use crate::kpi::{IndicatorKind, Period, Review};
use crate::output::projection::persons;
use crate::scenario::Scenario;

/// One line of a scenario's assumptions: what (基準人口, 出生, …) and the text.
#[derive(Debug, Clone, PartialEq)]
pub struct AssumptionLine {
    /// The heading (基準人口, 出生, 移動, 施策, 生存率).
    pub what: &'static str,
    /// The assumption and its source, in Japanese.
    pub text: String,
}

/// A count with the ▲ of Japanese tables for a negative value (`▲913`).
pub fn triangle(v: f64) -> String {
    let p = persons(v);
    match p.strip_prefix('-') {
        Some(abs) => format!("▲{abs}"),
        None => p,
    }
}

fn file_name(s: &Scenario) -> String {
    s.path
        .file_name()
        .map_or(String::new(), |n| n.to_string_lossy().into_owned())
}

/// The source of a pack file, cited by the file's name.
fn pack_file(s: &Scenario, role: &str) -> Option<String> {
    let path = s.pack.files.get(role)?;
    let name = path.file_name()?.to_string_lossy().into_owned();
    Some(format!("データパックの {name}"))
}

/// A net-migration target noted by the scenario: (period start, target, solved multiplier).
fn solved_targets(s: &Scenario) -> Vec<(i32, f64, f64)> {
    // The scenario notes them as "net migration 2020-2025 set to -913: migration multiplier
    // 0.595533 on the derived rates".
    s.notes
        .iter()
        .filter_map(|n| {
            let rest = n.strip_prefix("net migration ")?;
            let (period, rest) = rest.split_once(" set to ")?;
            let (target, rest) = rest.split_once(": migration multiplier ")?;
            let m = rest.split_whitespace().next()?;
            let start = period.split('-').next()?.parse().ok()?;
            Some((start, target.parse().ok()?, m.parse().ok()?))
        })
        .collect()
}

/// The goal (基本目標N) of the KPI file whose numeric target of `kind` in `period` is `value`.
fn goal_of(
    review: Option<&Review>,
    kind: IndicatorKind,
    period: Period,
    value: f64,
) -> Option<String> {
    let r = review?;
    r.indicators.iter().find_map(|i| {
        let t = i.indicator.target(period)?;
        (i.indicator.kind == kind && (t - value).abs() < 1e-9).then(|| match i.goal {
            Some(g) => format!(
                "{}の数値目標（基本目標{g}、{}）",
                r.strategy.source.title, i.indicator.name.ja
            ),
            None => format!("{}の{}", r.strategy.source.title, i.indicator.name.ja),
        })
    })
}

/// The base population in words, in Japanese, with its source.
pub fn base_text(s: &Scenario) -> String {
    let base_year = s.model.base_year;
    let label = &s.base_label;
    if label.contains("column of the published projection") {
        format!(
            "{base_year}年の社人研推計の値（国勢調査人口、年齢不詳を社人研が按分）。出典: {}",
            pack_file(s, "projection").unwrap_or_else(|| "データパックの公表推計".into())
        )
    } else if label.contains("0-14 / 15-64 / 65+") {
        format!(
            "{base_year}年の推計基準人口（推定）: {}年国勢調査を1期間推計し、{}の{base_year}年の総数・0-14歳・15-64歳・65歳以上（国勢調査人口、年齢不詳按分）{}にレーキングして作成。出典: {}、{}",
            base_year - 5,
            s.pack.compare.summary_label,
            if label.contains("by sex") { "と男女別総数" } else { "" },
            pack_file(s, "census").unwrap_or_default(),
            pack_file(s, "projection_summary").unwrap_or_default()
        )
    } else if label.starts_with("estimated") {
        format!(
            "{base_year}年の推計基準人口: 前回の国勢調査を推計し、{base_year}年国勢調査の男女・年齢区分別の人口にレーキングして作成（推計値）。出典: {}、{}",
            pack_file(s, "census").unwrap_or_default(),
            pack_file(s, "margins").unwrap_or_default()
        )
    } else if label.contains("unknown ages left out") {
        format!(
            "{base_year}年国勢調査人口（年齢不詳を除く）。出典: {}",
            pack_file(s, "census").unwrap_or_default()
        )
    } else if label.starts_with("census") {
        format!(
            "{base_year}年国勢調査人口（年齢不詳を男女別に按分）。出典: {}",
            pack_file(s, "census").unwrap_or_default()
        )
    } else {
        label.clone()
    }
}

/// The calibration to a published summary, in Japanese: what was adjusted, period by period.
pub fn calibration_text(c: &crate::scenario::calibrate::Calibration) -> String {
    let per: Vec<String> = c
        .periods
        .iter()
        .map(|p| {
            format!(
                "{}–{}年 死亡水準×{:.3}・5-64歳のコーホート変化率×{:.4}{}・子ども女性比×{:.3}",
                p.start,
                p.start + 5,
                p.old_age_mortality,
                p.migration_factor,
                if p.child_migration_factor != 1.0 {
                    format!("（5-14歳はさらに×{:.4}）", p.child_migration_factor)
                } else {
                    String::new()
                },
                p.cwr_factor
            )
        })
        .collect();
    format!(
        "{}の総数と3区分（0-14歳・15-64歳・65歳以上）を各年で再現するよう, 期間ごとに3つの水準を調整（推定）: 60歳以上の死亡の水準（65歳以上から）, 5-64歳の移動の水準（コーホート変化率への係数, 15-64歳から）, 子ども女性比（0-14歳から）。{}。最終年以降は最後の期間を据え置き。最大誤差 {:.2e} 人。",
        c.label,
        per.join("、"),
        c.worst
    )
}

/// The assumptions of `run`, line by line.
pub fn lines(run: &Run, review: Option<&Review>) -> Vec<AssumptionLine> {
    let s = &run.scenario;
    let file = file_name(s);
    let base_year = s.model.base_year;
    let mut out = Vec::new();

    let base = base_text(s);
    out.push(AssumptionLine {
        what: "基準人口",
        text: base,
    });
    if let Some(c) = &s.calibration {
        out.push(AssumptionLine {
            what: "推計の較正",
            text: calibration_text(c),
        });
    }

    // 出生
    let method = match s.model.fertility {
        crate::engine::FertilityMethod::Cwr => "子ども女性比（社人研の市区町村推計の方法）",
        crate::engine::FertilityMethod::Asfr => "年齢別出生率",
    };
    let tfr_base_source = s
        .pack
        .parameters
        .get("tfr_base")
        .map(|p| format!("（基準値 {} の出典: {}）", p.value, p.source))
        .unwrap_or_default();
    let fertility = match &s.fertility {
        None => format!(
            "{method}。合計特殊出生率は社人研推計の経路のまま{}",
            s.tfr_base
                .map(|t| format!("（{t} 相当）{tfr_base_source}"))
                .unwrap_or_default()
        ),
        Some(f) => {
            let anchors: Vec<String> = f
                .tfr
                .anchors
                .iter()
                .map(|(y, v)| {
                    let src = goal_of(
                        review,
                        IndicatorKind::TotalFertilityRate,
                        Period::year(*y),
                        *v,
                    )
                    .map(|g| format!("〔{g}〕"))
                    .unwrap_or_default();
                    format!("{y}年 {v}{src}")
                })
                .collect();
            format!(
                "{method}。合計特殊出生率: {}（間は直線、最後の値以降は一定）。各期の子ども女性比を合計特殊出生率 ÷ {} 倍{}。数値の出典: {file}",
                anchors.join(" → "),
                f.tfr_base,
                tfr_base_source
            )
        }
    };
    out.push(AssumptionLine {
        what: "出生",
        text: fertility,
    });

    // 移動
    let form = match s.model.migration {
        crate::engine::MigrationForm::Rates => "純移動率",
        crate::engine::MigrationForm::Counts(_) => "純移動数",
    };
    let years = &run.projection.years;
    let solved = solved_targets(s);
    let mut parts: Vec<String> = Vec::new();
    let mut k = 0;
    while k < s.multipliers.len() {
        let m = s.multipliers[k];
        let start = years.get(k).copied().unwrap_or(base_year + 5 * k as i32);
        if let Some((_, target, mult)) = solved.iter().find(|t| t.0 == start) {
            let src = goal_of(
                review,
                IndicatorKind::NetMigration,
                Period::span(start, start + 5),
                *target,
            )
            .map(|g| format!("〔{g}〕"))
            .unwrap_or_else(|| format!("（{file}）"));
            parts.push(format!(
                "{start}-{}年: 純移動数を{}人に設定{src}、これを満たす倍率 {:.4} を求めて適用",
                start + 5,
                triangle(*target),
                mult
            ));
            k += 1;
            continue;
        }
        let mut j = k;
        while j + 1 < s.multipliers.len()
            && (s.multipliers[j + 1] - m).abs() < 1e-12
            && !solved
                .iter()
                .any(|t| t.0 == years.get(j + 1).copied().unwrap_or(0))
        {
            j += 1;
        }
        let end = years.get(j + 1).copied().unwrap_or(start + 5);
        if (m - 1.0).abs() > 1e-12 {
            parts.push(format!(
                "{start}-{end}年: 倍率 {}{}（{file}）",
                crate::output::numbers::param(m),
                if m == 0.0 {
                    "（純移動ゼロ）"
                } else {
                    ""
                }
            ));
        }
        k = j + 1;
    }
    let derived = match pack_file(s, "projection") {
        Some(p) => format!("{form}は社人研推計（{p}）のコーホート変化率から生残率を除いて導出"),
        None => format!("{form}はデータパックの仮定値"),
    };
    let migration = if parts.is_empty() {
        format!("{derived}。全期間そのまま（倍率 1）")
    } else {
        format!("{derived}。{}。ほかの期間は倍率 1", parts.join("。"))
    };
    out.push(AssumptionLine {
        what: "移動",
        text: migration,
    });

    // 施策
    let measures = if s.measures.is_empty() {
        "なし".to_string()
    } else {
        s.measures
            .iter()
            .map(|m| {
                format!(
                    "{}: 定住 年{}組（{}～{}年）、1組 {}人、期首と期末に半数ずつ転入（{file}）",
                    m.name,
                    crate::output::numbers::param(m.households_per_year),
                    m.years.0,
                    m.years.1,
                    crate::output::numbers::param(m.household.iter().map(|h| h.2).sum::<f64>())
                )
            })
            .collect::<Vec<_>>()
            .join("。")
    };
    out.push(AssumptionLine {
        what: "施策（定住組数）",
        text: measures,
    });

    // 生存率
    let fixed = s.notes.iter().find_map(|n| {
        n.strip_prefix("survival of every period from the ")?
            .strip_suffix(" life table")
    });
    let survival = match (fixed, pack_file(s, "mortality")) {
        (Some(p), _) => format!("全期間 {p}年の生命表による生存率（{file}）"),
        (None, Some(f)) => format!("各期の生命表による生存率（死亡率の出典: {f}）"),
        (None, None) => "データパックの生存率".to_string(),
    };
    out.push(AssumptionLine {
        what: "生存率",
        text: survival,
    });
    out.push(AssumptionLine {
        what: "推計期間",
        text: format!("{base_year}～{}年（5年ごと）", s.model.horizon()),
    });
    out
}
