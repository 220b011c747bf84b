//! Rendering one projection: the indicators planners read (totals, three age groups and 75+ with
//! shares), and the three formats of `jinko project` — a terminal table, the JSON object of the
//! design's "Outputs" contract, and long-form CSV. Renderers are pure: they return the text.

use crate::engine::Projection;
use crate::grid::Sex;
use crate::scenario::Scenario;
use serde_json::{json, Value};
use std::fmt::Write as _;

/// Age-structure indicators of one year.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct YearIndicators {
    /// Year.
    pub year: i32,
    /// Total.
    pub total: f64,
    /// Males.
    pub male: f64,
    /// Females.
    pub female: f64,
    /// 0-14 (年少人口).
    pub age_0_14: f64,
    /// 15-64 (生産年齢人口).
    pub age_15_64: f64,
    /// 65+ (老年人口).
    pub age_65_plus: f64,
    /// 75+ (後期高齢者).
    pub age_75_plus: f64,
}

impl YearIndicators {
    /// Share of `v` in the total (0 when the total is 0).
    pub fn share(&self, v: f64) -> f64 {
        if self.total > 0.0 {
            v / self.total
        } else {
            0.0
        }
    }
}

/// Indicators for every year of `p`.
pub fn indicators(p: &Projection) -> Vec<YearIndicators> {
    let n = p.ages.len();
    let sex_total = |k: usize, s: Sex| p.population[k][s.index()][..n].iter().sum::<f64>();
    p.years
        .iter()
        .enumerate()
        .map(|(k, &year)| YearIndicators {
            year,
            total: p.total(k),
            male: sex_total(k, Sex::Male),
            female: sex_total(k, Sex::Female),
            age_0_14: p.sum_ages(k, 0, 2),
            age_15_64: p.sum_ages(k, 3, 12),
            age_65_plus: p.sum_ages(k, 13, n - 1),
            age_75_plus: p.sum_ages(k, 15, n - 1),
        })
        .collect()
}

/// Whole persons with thousands separators, for tables (`-1,234`).
pub fn persons(v: f64) -> String {
    let r = v.round();
    let neg = r < 0.0;
    let digits = format!("{:.0}", r.abs());
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if neg && out != "0" {
        format!("-{out}")
    } else {
        out
    }
}

/// The readable table of `jinko project`, in English.
pub fn table(s: &Scenario, p: &Projection) -> String {
    table_in(s, p, crate::kpi::Lang::En)
}

/// The readable table of `jinko project` in `lang` (Japanese by default on the command line).
pub fn table_in(s: &Scenario, p: &Projection, lang: crate::kpi::Lang) -> String {
    use crate::output::table::{Align, Table};
    let ja = lang == crate::kpi::Lang::Ja;
    let mut o = String::new();
    let _ = writeln!(o, "{} — {}（{}）", s.title, s.pack.name, s.name);
    let births = match (s.model.fertility, ja) {
        (crate::engine::FertilityMethod::Cwr, true) => "子ども女性比".to_string(),
        (crate::engine::FertilityMethod::Asfr, true) => "年齢別出生率".to_string(),
        (crate::engine::FertilityMethod::Cwr, false) => "child-woman ratio".to_string(),
        (crate::engine::FertilityMethod::Asfr, false) => "age-specific fertility".to_string(),
    };
    let migration = match (s.model.migration, ja) {
        (crate::engine::MigrationForm::Rates, true) => "純移動率".to_string(),
        (crate::engine::MigrationForm::Counts(t), true) => format!("純移動数（{t:?}）"),
        (crate::engine::MigrationForm::Rates, false) => "net migration rates".to_string(),
        (crate::engine::MigrationForm::Counts(t), false) => {
            format!("net migrant counts ({t:?} timing)").to_lowercase()
        }
    };
    if ja {
        let _ = writeln!(
            o,
            "基準人口: {}\n出生: {births}　移動: {migration}",
            crate::output::report::assumptions::base_text(s)
        );
        for line in solved_notes_ja(s) {
            let _ = writeln!(o, "注: {line}");
        }
    } else {
        let _ = writeln!(
            o,
            "base: {}; births: {births}; migration: {migration}",
            s.base_label
        );
        for note in &s.notes {
            let _ = writeln!(o, "note: {note}");
        }
    }
    let _ = writeln!(o);
    let heads: [&str; 12] = if ja {
        [
            "年",
            "総人口",
            "男",
            "女",
            "0-14歳",
            "%",
            "15-64歳",
            "%",
            "65歳以上",
            "%",
            "75歳以上",
            "%",
        ]
    } else {
        [
            "year", "total", "male", "female", "0-14", "%", "15-64", "%", "65+", "%", "75+", "%",
        ]
    };
    let cols: Vec<(&str, Align)> = heads.iter().map(|h| (*h, Align::Right)).collect();
    let mut t = Table::new(&cols);
    let pct = |v: f64| format!("{:.1}", 100.0 * v);
    for y in indicators(p) {
        t.row(vec![
            y.year.to_string(),
            persons(y.total),
            persons(y.male),
            persons(y.female),
            persons(y.age_0_14),
            pct(y.share(y.age_0_14)),
            persons(y.age_15_64),
            pct(y.share(y.age_15_64)),
            persons(y.age_65_plus),
            pct(y.share(y.age_65_plus)),
            persons(y.age_75_plus),
            pct(y.share(y.age_75_plus)),
        ]);
    }
    o.push_str(&t.render());
    let _ = writeln!(o);
    let heads: [&str; 5] = if ja {
        [
            "期間",
            "出生数",
            "死亡数",
            "自然増減",
            "純移動数（社会増減）",
        ]
    } else {
        ["period", "births", "deaths", "natural", "net migration"]
    };
    let cols: Vec<(&str, Align)> = heads.iter().map(|h| (*h, Align::Right)).collect();
    let mut t = Table::new(&cols);
    for (k, c) in p.components.iter().enumerate() {
        t.row(vec![
            format!("{}-{}", p.years[k], p.years[k + 1]),
            persons(c.total_births()),
            persons(c.total_deaths()),
            crate::output::numbers::signed_persons(c.total_births() - c.total_deaths()),
            crate::output::numbers::signed_persons(c.total_net_migration()),
        ]);
    }
    o.push_str(&t.render());
    if s.model.fertility == crate::engine::FertilityMethod::Cwr {
        let _ = writeln!(
            o,
            "{}",
            if ja {
                "（子ども女性比による推計のため、出生数は期末の0-4歳人口（期間中の死亡・移動を差し引いた数））"
            } else {
                "(child-woman ratio method: births are the 0-4 population at the end of each period, net of their deaths and migration)"
            }
        );
    }
    for w in &p.warnings {
        let _ = writeln!(o, "{}: {w}", if ja { "警告" } else { "warning" });
    }
    o
}

/// The scenario's notes in Japanese: solved net-migration targets and fixed life tables; other
/// notes as written.
fn solved_notes_ja(s: &Scenario) -> Vec<String> {
    s.notes
        .iter()
        .map(|n| {
            if let Some(rest) = n.strip_prefix("net migration ") {
                if let Some((period, rest)) = rest.split_once(" set to ") {
                    if let Some((target, rest)) = rest.split_once(": migration multiplier ") {
                        let m = rest.split_whitespace().next().unwrap_or("");
                        let t: f64 = target.parse().unwrap_or(f64::NAN);
                        return format!(
                            "{period}年の純移動数を{}人に設定: 導出した純移動率に倍率 {m} を適用",
                            crate::output::report::assumptions::triangle(t)
                        );
                    }
                }
            }
            if let Some(p) = n
                .strip_prefix("survival of every period from the ")
                .and_then(|r| r.strip_suffix(" life table"))
            {
                return format!("全期間の生存率を{p}年の生命表から作成");
            }
            n.clone()
        })
        .collect()
}

/// The JSON object of `jinko project --format json` (design.md, "Outputs").
pub fn json(s: &Scenario, p: &Projection) -> Value {
    let n = p.ages.len();
    let by_sex = |sex: Sex| -> Vec<Vec<f64>> {
        p.population
            .iter()
            .map(|c| c[sex.index()][..n].to_vec())
            .collect()
    };
    let ind = indicators(p);
    let col = |f: &dyn Fn(&YearIndicators) -> f64| -> Vec<f64> { ind.iter().map(f).collect() };
    let components: Vec<Value> = p
        .components
        .iter()
        .enumerate()
        .map(|(k, c)| {
            json!({
                "period": format!("{}-{}", p.years[k], p.years[k + 1]),
                "births": c.total_births(),
                "deaths": c.total_deaths(),
                "net_migration": c.total_net_migration(),
                "births_by_sex": {"male": c.births[0], "female": c.births[1]},
                "deaths_by_sex": {"male": c.deaths[0], "female": c.deaths[1]},
                "net_migration_by_sex": {"male": c.net_migration[0], "female": c.net_migration[1]},
            })
        })
        .collect();
    let mut out = json!({
        "scenario": s.name,
        "title": s.title,
        "pack": s.pack.name,
        "base_year": s.model.base_year,
        "base": s.base_label,
        "method": match s.model.fertility {
            crate::engine::FertilityMethod::Cwr => "cwr",
            crate::engine::FertilityMethod::Asfr => "asfr",
        },
        "years": p.years,
        "age_groups": p.ages.labels(),
        "total": col(&|y| y.total),
        "population": {"male": by_sex(Sex::Male), "female": by_sex(Sex::Female)},
        "components": components,
        "indicators": {
            "male": col(&|y| y.male),
            "female": col(&|y| y.female),
            "age_0_14": col(&|y| y.age_0_14),
            "age_15_64": col(&|y| y.age_15_64),
            "age_65_plus": col(&|y| y.age_65_plus),
            "age_75_plus": col(&|y| y.age_75_plus),
            "share_0_14": col(&|y| y.share(y.age_0_14)),
            "share_15_64": col(&|y| y.share(y.age_15_64)),
            "share_65_plus": col(&|y| y.share(y.age_65_plus)),
            "share_75_plus": col(&|y| y.share(y.age_75_plus)),
        },
        "assumptions": {
            "tfr": p.years.iter().map(|&y| s.tfr_in(y)).collect::<Vec<_>>(),
            "migration_multiplier": s.multipliers,
            "measures": s.measures.iter().map(|m| json!({
                "name": m.name,
                "households_per_year": m.households_per_year,
                "from": m.years.0,
                "until": m.years.1,
            })).collect::<Vec<_>>(),
        },
        "notes": s.notes,
        "warnings": p.warnings,
    });
    // Only a calibrated scenario carries the key (a `null` would read as a missing number).
    if let Some(c) = &s.calibration {
        out["calibration"] = json!(c);
    }
    out
}

/// Long-form CSV `year,sex,age,population` (full precision; round when presenting).
pub fn csv(p: &Projection) -> String {
    csv_with(p, crate::output::numbers::Precision::Full)
}

/// [`csv()`] with persons at `precision`.
pub fn csv_with(p: &Projection, precision: crate::output::numbers::Precision) -> String {
    let n = p.ages.len();
    let labels = p.ages.labels();
    let mut o = String::from("year,sex,age,population\n");
    for (k, &year) in p.years.iter().enumerate() {
        for sex in Sex::BOTH {
            for (a, label) in labels.iter().enumerate().take(n) {
                let _ = write!(o, "{year},{sex},{label},");
                precision.push(&mut o, p.population[k][sex.index()][a]);
                o.push('\n');
            }
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::persons;

    #[test]
    fn persons_format() {
        assert_eq!(persons(0.4), "0");
        assert_eq!(persons(-0.4), "0");
        assert_eq!(persons(1234.5), "1,235");
        assert_eq!(persons(-1772.0), "-1,772");
        assert_eq!(persons(999.0), "999");
        assert_eq!(persons(1_000_000.0), "1,000,000");
    }
}
