//! Rendering a [`Review`] for people (a text table in Japanese, with the report's headers, or in
//! English) and for programs (JSON). Renderers are pure: they return the text; the command writes
//! it to stdout or to a file.
//!
//! The JSON is a stable contract (notebooks and tests read it):
//!
//! ```text
//! { "strategy": {…}, "rule": {…},
//!   "kpis": [ { "id", "goal", "name", "actual", "target", "ratio", "grade", … } ],
//!   "summary": { "goals": [ { "goal", "count", "achieved", "not_achieved", "other", … } ],
//!                "total": { "count", "achieved", "not_achieved", "other",
//!                           "percent": { "achieved", "not_achieved", "other" }, … } },
//!   "goal_indicators": [ { "id", "kind", "goal", "name", "points": [ … ] } ] }
//! ```
//!
//! `grade` is `"○"`, `"△"`, `"×"` or `"pending"`. `actual` is the number compared (the sum, or
//! the latest figure) or `null`, with `actual_status` saying why (`missing`, `not_carried_out`,
//! `pending`). `ratio` is actual/target (target/actual when less is better) unrounded, or `null`
//! for a level or no actual; `percent` is the rounded percent that was compared with the
//! threshold. Numbers that are whole are written as integers.

use super::review::{IndicatorResult, KpiResult, Review, Tally};
use super::rule::{Actual, Assessment, Comparison, Direction, Grade, Rounding};
use super::strategy::{era_label, Entry, IndicatorKind, Lang, Period};
use crate::output::table::{Align, Table};
use serde_json::{json, Value};

/// A number with `decimals` decimals and thousands separators: `133,074`, `-1,833`, `34.26`.
pub fn format_number(v: f64, decimals: usize) -> String {
    let s = format!("{:.*}", decimals, v.abs());
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (s.as_str(), None),
    };
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let zero = s.chars().all(|c| c == '0' || c == '.');
    let mut out = if v < 0.0 && !zero {
        "-".to_string()
    } else {
        String::new()
    };
    out.push_str(&grouped);
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

/// The mark printed for "no figure": U+2015 (―, JIS X 0208 row 1 cell 29), which Shift_JIS
/// holds, rather than the em dash U+2014, which it does not.
pub const NO_FIGURE: &str = "―";

/// An actual as printed: the number with `decimals` decimals, ―, 未実施 or 公表待ち.
pub fn actual_text(a: Actual, decimals: usize, lang: Lang) -> String {
    match (a, lang) {
        (Actual::Value(v), _) => format_number(v, decimals),
        (Actual::Missing, _) => NO_FIGURE.into(),
        (Actual::NotCarriedOut, Lang::Ja) => "未実施".into(),
        (Actual::NotCarriedOut, Lang::En) => "not carried out".into(),
        (Actual::Pending, Lang::Ja) => "公表待ち".into(),
        (Actual::Pending, Lang::En) => "pending".into(),
    }
}

/// An entry as printed: its actual and its note in parentheses (`108(H31)`).
pub fn entry_text(e: &Entry, decimals: usize, lang: Lang) -> String {
    let mut s = actual_text(e.actual, decimals, lang);
    if let Some(note) = &e.note {
        s.push_str(&format!("({note})"));
    }
    s
}

/// A grade as printed: ○ △ × or 公表待ち (pending).
pub fn grade_text(g: Grade, lang: Lang) -> &'static str {
    match (g, lang) {
        (Grade::Pending, Lang::Ja) => "公表待ち",
        (g, _) => g.symbol(),
    }
}

/// A percent as printed: whole (`85%`) or with one decimal.
pub fn percent_text(p: f64) -> String {
    if p.fract() == 0.0 {
        format!("{p:.0}%")
    } else {
        format!("{p:.1}%")
    }
}

/// The achievement as printed: a percent, 到達 / 未到達 for a level, `>100%` when unbounded.
pub fn ratio_text(a: &Assessment, actual: Actual, lang: Lang) -> String {
    match (a.reached, a.percent, actual, lang) {
        (Some(true), _, _, Lang::Ja) => "到達".into(),
        (Some(false), _, _, Lang::Ja) => "未到達".into(),
        (Some(true), _, _, Lang::En) => "reached".into(),
        (Some(false), _, _, Lang::En) => "not reached".into(),
        (None, Some(p), _, _) => percent_text(p),
        // An actual beyond zero on the good side of the target: the ratio is unbounded.
        (None, None, Actual::Value(_), _) => ">100%".into(),
        _ => String::new(),
    }
}

fn rule_text(review: &Review, lang: Lang) -> String {
    let rule = &review.strategy.rule;
    let t = percent_text(rule.threshold() * 100.0);
    match lang {
        Lang::Ja => {
            let rounding = match rule.ratio_rounding() {
                Rounding::WholePercent => "百分率を整数に四捨五入して比較",
                Rounding::None => "端数処理なしで比較",
            };
            format!(
                "評価: ○ 実績/目標 {t}以上（{rounding}、到達目標は到達で○）  △ {t}未満  × 実績値の把握が不可能・事業未実施"
            )
        }
        Lang::En => {
            let rounding = match rule.ratio_rounding() {
                Rounding::WholePercent => {
                    "percent rounded half up to a whole number before comparing"
                }
                Rounding::None => "exact ratio",
            };
            format!(
                "Grades: ○ actual/target ≥ {t} ({rounding}; a level target: reached)  △ below {t}  × no actual (not measurable, or not carried out)"
            )
        }
    }
}

fn heading(review: &Review, lang: Lang) -> String {
    let s = review.strategy;
    let mut out = String::new();
    let covers = match (lang, &s.source.covers) {
        (Lang::Ja, Some(c)) => c.clone(),
        _ => format!("FY{}–FY{}", s.period.0, s.period.1),
    };
    let name = s.name.get(lang);
    out.push_str(&match lang {
        Lang::Ja => format!("{name}（{covers}）\n"),
        Lang::En => format!("{name} ({covers})\n"),
    });
    let source = match lang {
        Lang::Ja => format!("出典: {}（{}）", s.source.title, s.source.publisher),
        Lang::En => format!("Source: {} ({})", s.source.title, s.source.publisher),
    };
    out.push_str(&source);
    out.push('\n');
    out.push_str(&rule_text(review, lang));
    out.push('\n');
    out
}

fn kpi_table(review: &Review, lang: Lang) -> String {
    let s = review.strategy;
    let years: Vec<i32> = s.years().collect();
    let (ja, base_year) = (lang == Lang::Ja, s.kpi_base_year);
    let mut heads: Vec<String> = if ja {
        vec![
            "基本目標".into(),
            "ID".into(),
            "具体的な事業".into(),
            "重要業績評価指標(KPI)".into(),
            "単位".into(),
            base_year.map_or("基準値".into(), |y| format!("基準値({})", era_label(y))),
        ]
    } else {
        vec![
            "Goal".into(),
            "ID".into(),
            "Project".into(),
            "KPI".into(),
            "Unit".into(),
            base_year.map_or("Base".into(), |y| format!("Base (FY{y})")),
        ]
    };
    for y in &years {
        heads.push(if ja {
            format!("{}/実績値", era_label(*y))
        } else {
            format!("FY{y}")
        });
    }
    let last = s.period.1;
    if ja {
        heads.extend([
            "実績値(目標値比較)".to_string(),
            format!("目標値({}まで)", era_label(last)),
            "達成率".into(),
            "担当課".into(),
            "総合評価".into(),
        ]);
    } else {
        heads.extend([
            "Actual (compared)".to_string(),
            format!("Target (by FY{last})"),
            "Ratio".into(),
            "Department".into(),
            "Grade".into(),
        ]);
    }
    let mut columns: Vec<(&str, Align)> = Vec::new();
    for (i, h) in heads.iter().enumerate() {
        let align = if i == 0 || (5..heads.len() - 4).contains(&i) {
            Align::Right
        } else {
            Align::Left
        };
        columns.push((h.as_str(), align));
    }
    // Goal, figures and ratio right-aligned; the target label and other text left-aligned.
    let ratio_col = heads.len() - 3;
    columns[ratio_col].1 = Align::Right;
    let mut table = Table::new(&columns);

    for r in &review.kpis {
        let k = r.kpi;
        let several = k.series.len() > 1;
        for (i, (series, result)) in k.series.iter().zip(&r.series).enumerate() {
            let prefix = |t: String| match (&series.label, several) {
                (Some(l), true) => format!("{} {t}", l.get(lang)),
                _ => t,
            };
            let mut row: Vec<String> = Vec::new();
            if i == 0 {
                row.extend([
                    k.goal.to_string(),
                    k.id.clone(),
                    k.project.get(lang).to_string(),
                    k.name.get(lang).to_string(),
                    k.unit.get(lang).to_string(),
                ]);
            } else {
                row.extend(vec![String::new(); 5]);
            }
            row.push(prefix(
                series
                    .base
                    .as_ref()
                    .map_or(String::new(), |b| entry_text(b, k.decimals, lang)),
            ));
            for y in &years {
                row.push(
                    series
                        .actuals
                        .get(y)
                        .map_or(String::new(), |e| prefix(entry_text(e, k.decimals, lang))),
                );
            }
            row.push(prefix(actual_text(result.actual, k.decimals, lang)));
            if i == 0 {
                let target = k.target_label.as_ref().map_or_else(
                    || format_number(k.target, k.decimals),
                    |t| t.get(lang).to_string(),
                );
                row.push(target);
                row.push(ratio_text(&r.assessment, r.actual, lang));
                row.push(k.department.get(lang).to_string());
                row.push(grade_text(r.assessment.grade, lang).to_string());
            }
            table.row(row);
        }
    }
    table.render()
}

fn summary_table(review: &Review, lang: Lang) -> String {
    let ja = lang == Lang::Ja;
    let pending = review.total.pending > 0;
    let mut heads: Vec<&str> = if ja {
        vec!["基本目標", "KPI設定数", "○", "△", "×"]
    } else {
        vec!["Goal", "KPIs", "○", "△", "×"]
    };
    if pending {
        heads.push(if ja { "公表待ち" } else { "Pending" });
    }
    heads.extend(if ja {
        ["○の割合", "△の割合", "×の割合"]
    } else {
        ["○ share", "△ share", "× share"]
    });
    if pending {
        heads.push(if ja {
            "公表待ちの割合"
        } else {
            "Pending share"
        });
    }
    let columns: Vec<(&str, Align)> = heads.iter().map(|h| (*h, Align::Right)).collect();
    let mut table = Table::new(&columns);
    let rule = &review.strategy.rule;
    let row = |label: String, t: &Tally| {
        let mut grades = vec![Grade::Achieved, Grade::NotAchieved, Grade::Other];
        if pending {
            grades.push(Grade::Pending);
        }
        let mut cells = vec![label, t.count.to_string()];
        cells.extend(grades.iter().map(|g| t.get(*g).to_string()));
        cells.extend(grades.iter().map(|g| {
            rule.share_percent(t.get(*g), t.count)
                .map_or(NO_FIGURE.into(), percent_text)
        }));
        cells
    };
    for g in &review.goals {
        table.row(row(g.goal.to_string(), &g.tally));
    }
    table.row(row(
        if ja { "合計" } else { "Total" }.to_string(),
        &review.total,
    ));
    table.render()
}

fn indicator_table(review: &Review, lang: Lang) -> String {
    let ja = lang == Lang::Ja;
    let heads: [(&str, Align); 9] = if ja {
        [
            ("基本目標", Align::Right),
            ("指標", Align::Left),
            ("単位", Align::Left),
            ("年", Align::Left),
            ("社人研推計値", Align::Right),
            ("目標値", Align::Right),
            ("実績値", Align::Right),
            ("達成率", Align::Right),
            ("評価", Align::Left),
        ]
    } else {
        [
            ("Goal", Align::Right),
            ("Indicator", Align::Left),
            ("Unit", Align::Left),
            ("Year", Align::Left),
            ("IPSS", Align::Right),
            ("Target", Align::Right),
            ("Actual", Align::Right),
            ("Ratio", Align::Right),
            ("Grade", Align::Left),
        ]
    };
    let mut table = Table::new(&heads);
    for r in &review.indicators {
        indicator_rows(&mut table, r, lang);
    }
    table.render()
}

fn indicator_rows(table: &mut Table, r: &IndicatorResult, lang: Lang) {
    let ind = r.indicator;
    let d = ind.decimals;
    for (i, p) in r.points.iter().enumerate() {
        let mut row = if i == 0 {
            vec![
                r.goal.map_or(String::new(), |g| g.to_string()),
                ind.name.get(lang).to_string(),
                ind.unit.get(lang).to_string(),
            ]
        } else {
            vec![String::new(); 3]
        };
        let period = p.period.to_string();
        row.push(match (p.is_base, lang) {
            (true, Lang::Ja) => format!("{period}(基準値)"),
            (true, Lang::En) => format!("{period} (base)"),
            (false, _) => period,
        });
        let num = |v: Option<f64>| v.map_or(String::new(), |v| format_number(v, d));
        row.push(num(p.ipss));
        row.push(num(p.target));
        row.push(
            p.actual
                .as_ref()
                .map_or(String::new(), |e| entry_text(e, d, lang)),
        );
        match (&p.assessment, &p.actual) {
            (Some(a), Some(e)) => {
                row.push(ratio_text(a, e.actual, lang));
                row.push(grade_text(a.grade, lang).to_string());
            }
            _ => row.extend([String::new(), String::new()]),
        }
        table.row(row);
    }
}

/// The review as text tables: heading, the KPI table, the summary per goal and overall, and the
/// goal indicators.
pub fn render_table(review: &Review, lang: Lang) -> String {
    let mut out = heading(review, lang);
    let (kpis, summary, indicators) = match lang {
        Lang::Ja => (
            "■ 重要業績評価指標(KPI)",
            "■ 各施策の重要業績評価指標(KPI)の達成状況",
            "■ 目標人口及び基本目標の数値目標",
        ),
        Lang::En => (
            "■ Key performance indicators (KPI)",
            "■ KPI grades by basic goal",
            "■ Target population and numeric targets of the basic goals",
        ),
    };
    for (title, body) in [
        (kpis, kpi_table(review, lang)),
        (summary, summary_table(review, lang)),
        (indicators, indicator_table(review, lang)),
    ] {
        out.push('\n');
        out.push_str(title);
        out.push('\n');
        out.push_str(&body);
    }
    out
}

/// A number as JSON: whole numbers as integers, others as floats, non-finite as null.
fn num(v: f64) -> Value {
    if v.is_finite() && v.fract() == 0.0 && v.abs() < 9.0e15 {
        json!(v as i64)
    } else {
        serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
    }
}

fn opt(v: Option<f64>) -> Value {
    v.map_or(Value::Null, num)
}

fn status(a: Actual) -> &'static str {
    match a {
        Actual::Value(_) => "value",
        Actual::Missing => "missing",
        Actual::NotCarriedOut => "not_carried_out",
        Actual::Pending => "pending",
    }
}

fn comparison_name(c: Comparison) -> &'static str {
    match c {
        Comparison::Sum => "sum",
        Comparison::Latest => "latest",
        Comparison::Level => "level",
    }
}

fn direction_name(d: Direction) -> &'static str {
    match d {
        Direction::More => "more",
        Direction::Less => "less",
    }
}

fn rounding_name(r: Rounding) -> &'static str {
    match r {
        Rounding::WholePercent => "whole_percent",
        Rounding::None => "none",
    }
}

fn kind_name(k: IndicatorKind) -> &'static str {
    match k {
        IndicatorKind::Population => "population",
        IndicatorKind::EmployedPersons => "employed_persons",
        IndicatorKind::NetMigration => "net_migration",
        IndicatorKind::TotalFertilityRate => "total_fertility_rate",
        IndicatorKind::Other => "other",
    }
}

fn assessment_json(actual: Actual, a: &Assessment) -> serde_json::Map<String, Value> {
    let mut m = serde_json::Map::new();
    m.insert("actual".into(), opt(actual.value()));
    m.insert("actual_status".into(), json!(status(actual)));
    m.insert("ratio".into(), opt(a.ratio));
    m.insert("percent".into(), opt(a.percent));
    m.insert("reached".into(), a.reached.map_or(Value::Null, Value::Bool));
    m.insert("grade".into(), json!(a.grade.symbol()));
    m
}

fn kpi_json(r: &KpiResult, lang: Lang) -> Value {
    let k = r.kpi;
    let mut m = serde_json::Map::new();
    m.insert("id".into(), json!(k.id));
    m.insert("goal".into(), json!(k.goal));
    m.insert("name".into(), json!(k.name.get(lang)));
    m.insert("project".into(), json!(k.project.get(lang)));
    m.insert("unit".into(), json!(k.unit.get(lang)));
    m.insert("comparison".into(), json!(comparison_name(k.comparison)));
    m.insert("direction".into(), json!(direction_name(k.direction)));
    m.insert("target".into(), num(k.target));
    m.insert("department".into(), json!(k.department.get(lang)));
    m.extend(assessment_json(r.actual, &r.assessment));
    if k.series.len() > 1 {
        let series: Vec<Value> = k
            .series
            .iter()
            .zip(&r.series)
            .map(|(s, res)| {
                let mut m = serde_json::Map::new();
                m.insert("id".into(), json!(s.id));
                m.insert("label".into(), json!(s.label.as_ref().map(|l| l.get(lang))));
                m.extend(assessment_json(res.actual, &res.assessment));
                Value::Object(m)
            })
            .collect();
        m.insert("series".into(), Value::Array(series));
    }
    Value::Object(m)
}

fn tally_json(t: &Tally, review: &Review) -> serde_json::Map<String, Value> {
    let rule = &review.strategy.rule;
    let share = |n: usize| opt(rule.share_percent(n, t.count));
    let mut m = serde_json::Map::new();
    m.insert("count".into(), json!(t.count));
    m.insert("achieved".into(), json!(t.achieved));
    m.insert("not_achieved".into(), json!(t.not_achieved));
    m.insert("other".into(), json!(t.other));
    m.insert("pending".into(), json!(t.pending));
    m.insert(
        "percent".into(),
        json!({
            "achieved": share(t.achieved),
            "not_achieved": share(t.not_achieved),
            "other": share(t.other),
            "pending": share(t.pending),
        }),
    );
    m
}

fn period_json(p: Period) -> Value {
    json!(p.to_string())
}

fn indicator_json(r: &IndicatorResult, lang: Lang) -> Value {
    let ind = r.indicator;
    let points: Vec<Value> = r
        .points
        .iter()
        .map(|p| {
            let mut m = serde_json::Map::new();
            m.insert("period".into(), period_json(p.period));
            m.insert("base".into(), json!(p.is_base));
            m.insert("ipss".into(), opt(p.ipss));
            m.insert("target".into(), opt(p.target));
            let actual = p.actual.as_ref().map(|e| e.actual);
            m.insert("actual".into(), opt(actual.and_then(Actual::value)));
            m.insert(
                "actual_status".into(),
                actual.map_or(Value::Null, |a| json!(status(a))),
            );
            match &p.assessment {
                Some(a) => {
                    m.insert("ratio".into(), opt(a.ratio));
                    m.insert("percent".into(), opt(a.percent));
                    m.insert("grade".into(), json!(a.grade.symbol()));
                }
                None => {
                    m.insert("ratio".into(), Value::Null);
                    m.insert("percent".into(), Value::Null);
                    m.insert("grade".into(), Value::Null);
                }
            }
            Value::Object(m)
        })
        .collect();
    json!({
        "id": ind.id,
        "kind": kind_name(ind.kind),
        "goal": r.goal,
        "name": ind.name.get(lang),
        "unit": ind.unit.get(lang),
        "direction": direction_name(ind.direction),
        "points": points,
    })
}

/// The review as one JSON object (see the module docs), pretty-printed with a final newline.
pub fn render_json(review: &Review, lang: Lang) -> String {
    let s = review.strategy;
    let rule = &s.rule;
    let goals: Vec<Value> = review
        .goals
        .iter()
        .map(|g| {
            let mut m = serde_json::Map::new();
            m.insert("goal".into(), json!(g.goal));
            m.extend(tally_json(&g.tally, review));
            Value::Object(m)
        })
        .collect();
    let doc = json!({
        "strategy": {
            "name": s.name.get(lang),
            "period": [s.period.0, s.period.1],
            "source": {
                "title": s.source.title,
                "publisher": s.source.publisher,
                "covers": s.source.covers,
                "url": s.source.url,
            },
        },
        "rule": {
            "threshold": num(rule.threshold()),
            "ratio_rounding": rounding_name(rule.ratio_rounding()),
            "share_rounding": rounding_name(rule.share_rounding()),
        },
        "kpis": review.kpis.iter().map(|r| kpi_json(r, lang)).collect::<Vec<_>>(),
        "summary": {
            "goals": goals,
            "total": Value::Object(tally_json(&review.total, review)),
        },
        "goal_indicators": review.indicators.iter().map(|r| indicator_json(r, lang)).collect::<Vec<_>>(),
    });
    // Serialising a `Value` cannot fail; fall back to the compact form all the same.
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| doc.to_string());
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_have_thousands_separators() {
        assert_eq!(format_number(133074.0, 0), "133,074");
        assert_eq!(format_number(-1833.0, 0), "-1,833");
        assert_eq!(format_number(12.3, 2), "12.30");
        assert_eq!(format_number(1234567.891, 1), "1,234,567.9");
        assert_eq!(format_number(-0.0001, 1), "0.0");
        assert_eq!(format_number(999.0, 0), "999");
    }

    #[test]
    fn json_numbers_are_integers_when_whole() {
        assert_eq!(num(63.0).to_string(), "63");
        assert_eq!(num(0.8).to_string(), "0.8");
        assert_eq!(num(f64::NAN), Value::Null);
    }
}
