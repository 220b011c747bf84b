//! Rendering a [`Comparison`]: the terminal table (Japanese headers, aligned by display width),
//! the JSON object of `jinko compare --format json`, and long-form CSV.

use crate::compare::{below_rule, target_at, Comparison};
use crate::output::numbers::{signed_percent, signed_persons as signed};
use crate::output::projection::persons;
use crate::output::table::{Align, Table};
use serde_json::{json, Value};
use std::fmt::Write as _;

fn pct(v: f64) -> String {
    format!("{v:.1}%")
}

/// The readable comparison.
pub fn table(c: &Comparison) -> String {
    let mut o = String::new();
    let pack = &c.runs[0].scenario.pack;
    let _ = writeln!(o, "人口の比較 (scenario comparison) — {}", pack.name);
    for r in &c.runs {
        let _ = writeln!(o, "  {} = {}", r.scenario.name, r.scenario.title);
    }
    let _ = writeln!(o);

    // Totals by year.
    let mut cols: Vec<(String, Align)> = vec![("年".into(), Align::Right)];
    for r in &c.runs {
        cols.push((r.scenario.name.clone(), Align::Right));
    }
    cols.push((c.official_label.clone(), Align::Right));
    cols.push((c.target_label.clone(), Align::Right));
    let colrefs: Vec<(&str, Align)> = cols.iter().map(|(h, a)| (h.as_str(), *a)).collect();
    let mut t = Table::new(&colrefs);
    for &y in &c.years {
        let mut row = vec![y.to_string()];
        for r in &c.runs {
            row.push(r.total(y).map(persons).unwrap_or_default());
        }
        row.push(c.official.get(&y).map(|&v| persons(v)).unwrap_or_default());
        row.push(c.target.get(&y).map(|&v| persons(v)).unwrap_or_default());
        t.row(row);
    }
    let _ = writeln!(o, "■ 総人口 (total population)");
    o.push_str(&t.render());
    let _ = writeln!(o);

    // Gap to the final target and first year below the target path.
    if let Some((ty, tv)) = c.final_target() {
        let _ = writeln!(
            o,
            "■ {}年の{} {} との差 (gap to the target; target path linear between {})",
            ty,
            c.target_label,
            persons(tv),
            c.target
                .keys()
                .map(|y| y.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
        let mut t = Table::new(&[
            ("シナリオ", Align::Left),
            ("総人口", Align::Right),
            ("差 (人)", Align::Right),
            ("差 (%)", Align::Right),
            ("目標経路を下回る最初の年 (*)", Align::Right),
        ]);
        for r in &c.runs {
            let gap = r.gap(ty, tv);
            t.row(vec![
                r.scenario.name.clone(),
                r.total(ty).map(persons).unwrap_or_default(),
                gap.map(|g| signed(g.0)).unwrap_or_default(),
                gap.map(|g| signed_percent(g.1, 1)).unwrap_or_default(),
                c.first_below_target(r)
                    .map(|y| y.to_string())
                    .unwrap_or_else(|| crate::kpi::render::NO_FIGURE.into()),
            ]);
        }
        o.push_str(&t.render());
        let _ = writeln!(o, "(*) {}", below_rule(&c.target));
        let _ = writeln!(o);
    }

    // Three age groups.
    let _ = writeln!(o, "■ 年齢3区分別人口割合 (shares of 0-14 / 15-64 / 65+)");
    let mut t = Table::new(&[
        ("シナリオ", Align::Left),
        ("年", Align::Right),
        ("0-14歳", Align::Right),
        ("15-64歳", Align::Right),
        ("65歳以上", Align::Right),
    ]);
    for r in &c.runs {
        let years = &r.projection.years;
        let pick: Vec<i32> = [years[0], 2045, *years.last().unwrap_or(&years[0])]
            .into_iter()
            .filter(|y| years.contains(y))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        for y in pick {
            if let Some(ind) = r.indicators.iter().find(|i| i.year == y) {
                t.row(vec![
                    r.scenario.name.clone(),
                    y.to_string(),
                    pct(100.0 * ind.share(ind.age_0_14)),
                    pct(100.0 * ind.share(ind.age_15_64)),
                    pct(100.0 * ind.share(ind.age_65_plus)),
                ]);
            }
        }
    }
    o.push_str(&t.render());
    let _ = writeln!(o);

    // Natural and social change.
    let _ = writeln!(
        o,
        "■ 自然増減・社会増減 (natural change = births − deaths; social change = net migration)"
    );
    let mut cols: Vec<(String, Align)> = vec![("期間".into(), Align::Left)];
    for r in &c.runs {
        cols.push((format!("{} 自然", r.scenario.name), Align::Right));
        cols.push((format!("{} 社会", r.scenario.name), Align::Right));
    }
    let colrefs: Vec<(&str, Align)> = cols.iter().map(|(h, a)| (h.as_str(), *a)).collect();
    let mut t = Table::new(&colrefs);
    let periods: Vec<String> = {
        let mut p: Vec<String> = c
            .runs
            .iter()
            .flat_map(|r| r.changes().into_iter().map(|x| x.0))
            .collect();
        p.sort();
        p.dedup();
        p
    };
    let changes: Vec<Vec<(String, f64, f64)>> = c.runs.iter().map(|r| r.changes()).collect();
    for period in &periods {
        let mut row = vec![period.clone()];
        for ch in &changes {
            match ch.iter().find(|x| &x.0 == period) {
                Some(x) => {
                    row.push(signed(x.1));
                    row.push(signed(x.2));
                }
                None => {
                    row.push(String::new());
                    row.push(String::new());
                }
            }
        }
        t.row(row);
    }
    o.push_str(&t.render());

    // A published projection's summary (e.g. IPSS 2023), for runs that reach its years.
    if !c.summary.is_empty() {
        let _ = writeln!(o);
        let _ = writeln!(
            o,
            "■ {}との比較 (difference from the published projection: total and three age groups)",
            c.summary_label
        );
        let mut t = Table::new(&[
            ("シナリオ", Align::Left),
            ("年", Align::Right),
            ("総人口", Align::Right),
            ("公表値", Align::Right),
            ("差 (%)", Align::Right),
            ("0-14歳 差", Align::Right),
            ("15-64歳 差", Align::Right),
            ("65歳以上 差", Align::Right),
        ]);
        for r in &c.runs {
            for (&y, s) in &c.summary {
                let Some(ind) = r.indicators.iter().find(|i| i.year == y) else {
                    continue;
                };
                t.row(vec![
                    r.scenario.name.clone(),
                    y.to_string(),
                    persons(ind.total),
                    persons(s.total),
                    signed_percent(100.0 * (ind.total - s.total) / s.total, 1),
                    signed(ind.age_0_14 - s.age_0_14),
                    signed(ind.age_15_64 - s.age_15_64),
                    signed(ind.age_65_plus - s.age_65_plus),
                ]);
            }
        }
        o.push_str(&t.render());
    }

    // Impact analysis, per basis.
    let _ = writeln!(o);
    for b in &c.impacts {
        impact_text(&mut o, b, c.impacts.len() > 1);
    }
    if c.impacts.is_empty() {
        let _ = writeln!(
            o,
            "(impact analysis: give scenarios with role = \"pattern1\", \"sim1\" and \"sim2\" on one basis to see 自然増減・社会増減の影響度)"
        );
    }
    young_women_text(&mut o, c);
    o
}

/// The basis of an impact analysis in words: 2015年基準 or 2020年基準（社人研推計（令和5年推計）準拠）.
pub fn basis_label(b: &crate::compare::BasisImpact) -> String {
    match &b.calibrated_to {
        Some(l) => format!("{}年基準・{}準拠", b.base_year, l),
        None => format!("{}年基準", b.base_year),
    }
}

fn impact_text(o: &mut String, b: &crate::compare::BasisImpact, named: bool) {
    let i = &b.result;
    if named {
        let _ = writeln!(
            o,
            "■ 自然増減・社会増減の影響度 ({}年, {}: {} / {} / {})",
            i.year,
            basis_label(b),
            b.scenarios[0],
            b.scenarios[1],
            b.scenarios[2]
        );
    } else {
        let _ = writeln!(
            o,
            "■ 自然増減・社会増減の影響度 ({}年, {})",
            i.year,
            basis_label(b)
        );
    }
    let _ = writeln!(
        o,
        "  {} (シミュレーション1 / パターン1) = {:.1}% → {}",
        i.levels.natural.label, i.natural.percent, i.natural.level
    );
    let _ = writeln!(
        o,
        "  {} (シミュレーション2 / シミュレーション1) = {:.1}% → {}",
        i.levels.social.label, i.social.percent, i.social.level
    );
    let bands = |b: &[f64]| {
        let mut s = format!("1: <{}%", b[0]);
        for (k, w) in b.windows(2).enumerate() {
            s.push_str(&format!(", {}: {}–{}%", k + 2, w[0], w[1]));
        }
        s.push_str(&format!(", {}: ≥{}%", b.len() + 1, b[b.len() - 1]));
        s
    };
    let _ = writeln!(
        o,
        "  levels: natural {}; social {}",
        bands(&i.levels.natural.bounds_percent),
        bands(&i.levels.social.bounds_percent)
    );
    let _ = writeln!(o, "  source: {}", i.levels.source);
}

/// The 若年女性人口 section of the table.
fn young_women_text(o: &mut String, c: &Comparison) {
    let _ = writeln!(o);
    let Some(f) = &c.young_women else {
        let _ = writeln!(
            o,
            "(若年女性人口: needs a 2020-based パターン1 calibrated to IPSS 2023 that reaches 2050, among the scenarios or in the pack folder)"
        );
        return;
    };
    let y = &f.indicator;
    let from = match &f.from_pack {
        Some(p) => format!(
            "{}（パック内の {}）",
            f.title,
            p.file_name()
                .map_or(String::new(), |n| n.to_string_lossy().into_owned())
        ),
        None => f.title.clone(),
    };
    let _ = writeln!(o, "■ 若年女性人口（20～39歳の女性）: {from}");
    let _ = writeln!(
        o,
        "  {}年 {} 人 → {}年 {} 人（移動仮定）, {} 人（封鎖人口）",
        y.from,
        persons(y.base),
        y.to,
        persons(y.with_migration),
        persons(y.closed)
    );
    let _ = writeln!(o, "  {}", crate::compare::young_women::sentence(y));
    if let Ok(d) = crate::compare::young_women::Definition::get() {
        let _ = writeln!(o, "  source: {}", d.source);
    }
}

/// The JSON object of `jinko compare --format json`.
pub fn json(c: &Comparison) -> Value {
    let final_target = c.final_target();
    let scenarios: Vec<Value> = c
        .runs
        .iter()
        .map(|r| {
            let ind = &r.indicators;
            json!({
                "name": r.scenario.name,
                "title": r.scenario.title,
                "role": r.scenario.role,
                "years": r.projection.years,
                "total": ind.iter().map(|i| i.total).collect::<Vec<_>>(),
                "share_0_14": ind.iter().map(|i| i.share(i.age_0_14)).collect::<Vec<_>>(),
                "share_15_64": ind.iter().map(|i| i.share(i.age_15_64)).collect::<Vec<_>>(),
                "share_65_plus": ind.iter().map(|i| i.share(i.age_65_plus)).collect::<Vec<_>>(),
                "gap_to_target": final_target.and_then(|(y, v)| r.gap(y, v)).map(|g| json!({
                    "year": final_target.map(|t| t.0),
                    "target": final_target.map(|t| t.1),
                    "persons": g.0,
                    "percent": g.1,
                })),
                "first_below_target": c.first_below_target(r),
                "first_below_target_tolerance": crate::compare::BELOW_TOLERANCE,
                "changes": r.changes().into_iter().map(|(p, n, s)| json!({"period": p, "natural": n, "social": s})).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "years": c.years,
        "official": {"label": c.official_label, "total": c.official},
        "target": {
            "label": c.target_label,
            "points": c.target,
            "path": c.years.iter().map(|&y| target_at(&c.target, y)).collect::<Vec<_>>(),
        },
        "scenarios": scenarios,
        "published_summary": {
            "label": c.summary_label,
            "years": c.summary.keys().collect::<Vec<_>>(),
            "total": c.summary.values().map(|s| s.total).collect::<Vec<_>>(),
            "age_0_14": c.summary.values().map(|s| s.age_0_14).collect::<Vec<_>>(),
            "age_15_64": c.summary.values().map(|s| s.age_15_64).collect::<Vec<_>>(),
            "age_65_plus": c.summary.values().map(|s| s.age_65_plus).collect::<Vec<_>>(),
        },
        "impact": c.impact.as_ref().map(impact_json),
        "impacts": c.impacts.iter().map(|b| {
            let mut v = impact_json(&b.result);
            v["base_year"] = json!(b.base_year);
            v["calibrated_to"] = json!(b.calibrated_to);
            v["scenarios"] = json!({"pattern1": b.scenarios[0], "sim1": b.scenarios[1], "sim2": b.scenarios[2]});
            v
        }).collect::<Vec<_>>(),
        "young_women": c.young_women.as_ref().map(|f| {
            let mut v = json!(f);
            v["sentence"] = json!(crate::compare::young_women::sentence(&f.indicator));
            v
        }),
    })
}

fn impact_json(i: &crate::compare::ImpactResult) -> Value {
    json!({
        "year": i.year,
        "natural": {"label": i.levels.natural.label, "percent": i.natural.percent, "level": i.natural.level, "bounds_percent": i.levels.natural.bounds_percent},
        "social": {"label": i.levels.social.label, "percent": i.social.percent, "level": i.social.level, "bounds_percent": i.levels.social.bounds_percent},
        "source": i.levels.source,
    })
}

/// Long-form CSV: `series,kind,year,total,share_0_14,share_15_64,share_65_plus` for every
/// scenario (`kind` = `scenario`, `series` its name), then the official path (`official`) and
/// the target's known points (`target`), each under its label (shares empty), so that a
/// scenario named `target` and the target path never share a name; then, where a 2020-based
/// パターン1 is found, its women aged 20-39 in 2020 and 2050 (`young_women`, with migration, series
/// `若年女性人口 (NAME)`; `young_women_closed`, the closed population, series
/// `若年女性人口・封鎖人口 (NAME)`), shares empty: every series is of one kind.
pub fn csv(c: &Comparison) -> String {
    let mut o = String::from("series,kind,year,total,share_0_14,share_15_64,share_65_plus\n");
    for r in &c.runs {
        for i in &r.indicators {
            let _ = writeln!(
                o,
                "{},scenario,{},{},{},{},{}",
                csv_field(&r.scenario.name),
                i.year,
                i.total,
                i.share(i.age_0_14),
                i.share(i.age_15_64),
                i.share(i.age_65_plus)
            );
        }
    }
    for (y, v) in &c.official {
        let _ = writeln!(o, "{},official,{y},{v},,,", csv_field(&c.official_label));
    }
    for (y, v) in &c.target {
        let _ = writeln!(o, "{},target,{y},{v},,,", csv_field(&c.target_label));
    }
    if let Some(f) = &c.young_women {
        let y = &f.indicator;
        let series = |what: &str| csv_field(&format!("{what} ({})", f.scenario));
        let (w, closed) = (series("若年女性人口"), series("若年女性人口・封鎖人口"));
        let _ = writeln!(o, "{w},young_women,{},{},,,", y.from, y.base);
        let _ = writeln!(o, "{w},young_women,{},{},,,", y.to, y.with_migration);
        let _ = writeln!(o, "{closed},young_women_closed,{},{},,,", y.from, y.base);
        let _ = writeln!(o, "{closed},young_women_closed,{},{},,,", y.to, y.closed);
    }
    o
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The prediction-interval section of `jinko compare --intervals`: each scenario's total in 2045
/// and in the final target year with its 80 % and 95 % intervals, and whether the target lies
/// inside them. `arounds` are the scenarios' intervals, in the order of `c.runs`.
pub fn intervals_section(c: &Comparison, arounds: &[crate::backtest::intervals::Around]) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "■ 予測区間 (prediction intervals of the total from Japan's record of projection errors)"
    );
    let target = c.final_target();
    let mut years = vec![2045];
    if let Some((ty, _)) = target {
        years.push(ty);
    }
    years.sort_unstable();
    years.dedup();
    let mut t = Table::new(&[
        ("シナリオ", Align::Left),
        ("年", Align::Right),
        ("推計値", Align::Right),
        ("80%下限", Align::Right),
        ("80%上限", Align::Right),
        ("95%下限", Align::Right),
        ("95%上限", Align::Right),
        ("目標", Align::Left),
    ]);
    for (r, a) in c.runs.iter().zip(arounds) {
        for &y in &years {
            let Some(x) = a.at(y) else { continue };
            let (l80, h80) = x.bands[0][1];
            let (l95, h95) = x.bands[0][2];
            let verdict = match target {
                Some((ty, tv)) if ty == y => {
                    if (l80..=h80).contains(&tv) {
                        "80%区間内"
                    } else if (l95..=h95).contains(&tv) {
                        "95%区間内"
                    } else {
                        "95%区間外"
                    }
                }
                _ => "",
            };
            t.row(vec![
                r.scenario.name.clone(),
                format!("{y}{}", if x.extrapolated { "*" } else { "" }),
                persons(x.projected[0]),
                persons(l80),
                persons(h80),
                persons(l95),
                persons(h95),
                verdict.into(),
            ]);
        }
    }
    o.push_str(&t.render());
    let _ = writeln!(o, "* {}", crate::output::intervals::SOURCE_JA);
    o
}
