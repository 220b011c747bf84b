//! `jinko national` rendered: one row per municipality (code, prefecture, name, the basis of its
//! パターン1, the 2015 base, totals by year, change, 0-14 and 65+ shares, the impact levels),
//! then the prefectures and Japan summed from the municipalities beside IPSS's own prefecture
//! projection, the counts of municipalities per impact level, and the worst cell of the
//! prefecture check; as a terminal table, CSV (UTF-8 with BOM, for Excel), JSON or an xlsx
//! workbook. Every form carries the sources' credit.

use crate::error::{Error, Result};
use crate::national::run::{AreaRow, Basis, Figures, MunicipalRow, National, Standard};
use crate::output::csv::CsvTable;
use crate::output::projection::persons;
use crate::output::table::{Align, Table};
use serde_json::{json, Value};

/// Which municipal rows to show, and in what order.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// The scenarios whose columns are shown.
    pub scenarios: Vec<Standard>,
    /// Only municipalities with a 2015 population of at least this.
    pub min_population: Option<f64>,
    /// … and below this.
    pub max_population: Option<f64>,
    /// Only these natural-change impact levels.
    pub natural_levels: Vec<u8>,
    /// Only these social-change impact levels.
    pub social_levels: Vec<u8>,
    /// Sort key.
    pub sort: SortKey,
    /// Largest first.
    pub descending: bool,
}

/// Sort keys of the municipal rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum SortKey {
    /// Municipal code.
    #[default]
    Code,
    /// 2015 population.
    Population,
    /// Change of the first scenario shown, 2015 → the last year.
    Change,
    /// 自然増減の影響度 (percent).
    Natural,
    /// 社会増減の影響度 (percent).
    Social,
}

/// A value of a cell, typed for each output.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Text(String),
    Persons(f64),
    Percent(f64),
    Level(u8),
}

fn change(base: f64, v: f64) -> f64 {
    if base > 0.0 {
        100.0 * (v - base) / base
    } else {
        0.0
    }
}

fn share(part: f64, total: f64) -> f64 {
    if total > 0.0 {
        100.0 * part / total
    } else {
        0.0
    }
}

fn last(f: &Figures) -> f64 {
    f.totals.last().copied().unwrap_or(0.0)
}

/// The rows selected and sorted.
pub fn selected<'n, 'a>(n: &'n National<'a>, sel: &Selection) -> Vec<&'n MunicipalRow<'a>> {
    let first = sel.scenarios.first().copied().unwrap_or(Standard::P1);
    let mut rows: Vec<&MunicipalRow> = n
        .municipalities
        .iter()
        .filter(|r| sel.min_population.is_none_or(|v| r.base >= v))
        .filter(|r| sel.max_population.is_none_or(|v| r.base < v))
        .filter(|r| sel.natural_levels.is_empty() || sel.natural_levels.contains(&r.natural.level))
        .filter(|r| sel.social_levels.is_empty() || sel.social_levels.contains(&r.social.level))
        .collect();
    let key = |r: &MunicipalRow| -> f64 {
        match sel.sort {
            SortKey::Code | SortKey::Population => r.base,
            SortKey::Change => change(r.base, last(r.of(first))),
            SortKey::Natural => r.natural.percent,
            SortKey::Social => r.social.percent,
        }
    };
    if sel.sort == SortKey::Code {
        rows.sort_by(|a, b| a.municipality.code.cmp(&b.municipality.code));
    } else {
        rows.sort_by(|a, b| key(a).total_cmp(&key(b)));
    }
    if sel.descending {
        rows.reverse();
    }
    rows
}

fn basis(n: &National, census_based: bool) -> &'static str {
    match (n.basis, census_based) {
        (Basis::H30, true) => "国勢調査2010→2015",
        (Basis::H30, false) => "社人研推計準拠",
        (Basis::R5, true) => "令和5年推計準拠・推定（国勢調査2010→2015から）",
        (Basis::R5, false) => "令和5年推計準拠・推定",
    }
}

/// The last year of the official projection that the area table compares with.
fn official_last(n: &National) -> i32 {
    match n.basis {
        Basis::H30 => 2045,
        Basis::R5 => 2050,
    }
}

fn young_headers(n: &National, h: &mut Vec<String>) {
    if n.basis == Basis::R5 {
        h.extend(
            [
                "若年女性 2020年",
                "若年女性 2050年 移動仮定",
                "若年女性 2050年 封鎖人口",
                "若年女性 減少率 移動仮定 (%)",
                "若年女性 減少率 封鎖人口 (%)",
                "分類",
                "分類の内容",
            ]
            .map(String::from),
        );
    }
}

fn young_cells(n: &National, r: &MunicipalRow, c: &mut Vec<Cell>) {
    if n.basis != Basis::R5 {
        return;
    }
    match &r.young_women {
        Some(y) => {
            c.push(Cell::Persons(y.base));
            c.push(Cell::Persons(y.with_migration));
            c.push(Cell::Persons(y.closed));
            c.push(Cell::Percent(y.decline_migration));
            c.push(Cell::Percent(y.decline_closed));
            match &y.category {
                Some(k) => {
                    c.push(Cell::Text(format!("{} {}", k.id, k.group)));
                    c.push(Cell::Text(k.label.clone()));
                }
                None => {
                    c.push(Cell::Text(String::new()));
                    c.push(Cell::Text(String::new()));
                }
            }
        }
        None => c.extend((0..7).map(|_| Cell::Text(String::new()))),
    }
}

fn scenario_headers(n: &National, sel: &Selection, out: &mut Vec<String>) {
    let last_year = n.years.last().copied().unwrap_or(0);
    let base_year = n.basis.base_year();
    for s in &sel.scenarios {
        for y in &n.years {
            out.push(format!("{} {y}年", s.label()));
        }
        out.push(format!(
            "{} 増減率 {base_year}→{last_year}年 (%)",
            s.label()
        ));
        out.push(format!("{} 0-14歳 {last_year}年 (%)", s.label()));
        out.push(format!("{} 65歳以上 {last_year}年 (%)", s.label()));
    }
}

fn scenario_cells(base: f64, figures: &[&Figures], cells: &mut Vec<Cell>) {
    for f in figures {
        for &t in &f.totals {
            cells.push(Cell::Persons(t));
        }
        cells.push(Cell::Percent(change(base, last(f))));
        cells.push(Cell::Percent(share(f.young, last(f))));
        cells.push(Cell::Percent(share(f.old, last(f))));
    }
}

fn municipal_table(
    n: &National,
    sel: &Selection,
    rows: &[&MunicipalRow],
) -> (Vec<String>, Vec<Vec<Cell>>) {
    let mut h: Vec<String> = ["コード", "都道府県", "市区町村", "パターン1の基礎"]
        .map(String::from)
        .to_vec();
    h.push(format!("{}年人口", n.basis.base_year()));
    scenario_headers(n, sel, &mut h);
    let y = n.impact_year;
    h.extend([
        format!("{} {y}年 (%)", n.levels.natural.label),
        format!("{} 段階", n.levels.natural.label),
        format!("{} {y}年 (%)", n.levels.social.label),
        format!("{} 段階", n.levels.social.label),
    ]);
    young_headers(n, &mut h);
    let body = rows
        .iter()
        .map(|r| {
            let m = r.municipality;
            let mut c = vec![
                Cell::Text(m.code.clone()),
                Cell::Text(m.prefecture.clone()),
                Cell::Text(m.name.clone()),
                Cell::Text(basis(n, r.census_based).into()),
                Cell::Persons(r.base),
            ];
            let figs: Vec<&Figures> = sel.scenarios.iter().map(|&s| r.of(s)).collect();
            scenario_cells(r.base, &figs, &mut c);
            c.extend([
                Cell::Percent(r.natural.percent),
                Cell::Level(r.natural.level),
                Cell::Percent(r.social.percent),
                Cell::Level(r.social.level),
            ]);
            young_cells(n, r, &mut c);
            c
        })
        .collect();
    (h, body)
}

fn area_table(n: &National, sel: &Selection) -> (Vec<String>, Vec<Vec<Cell>>) {
    let mut h: Vec<String> = ["コード", "都道府県", "市区町村数"]
        .map(String::from)
        .to_vec();
    h.push(format!("{}年人口", n.basis.base_year()));
    scenario_headers(n, sel, &mut h);
    let official = match n.basis {
        Basis::H30 => "社人研 県推計",
        Basis::R5 => "社人研 令和5年推計 市区町村の計",
    };
    for y in n.years.iter().filter(|&&y| y <= official_last(n)) {
        h.push(format!("{official} {y}年"));
        h.push(format!("パターン1の合計との差 {y}年"));
    }
    let row = |a: &AreaRow| {
        let mut c = vec![
            Cell::Text(a.code.clone()),
            Cell::Text(match (a.has_census_based, a.not_projected) {
                (false, _) => a.name.clone(),
                (true, 0) => format!("{}（国勢調査による推計を含む）", a.name),
                (true, k) => format!(
                    "{}（国勢調査による推計を含む; {k}市町村は推計なし）",
                    a.name
                ),
            }),
            Cell::Persons(a.municipalities as f64),
            Cell::Persons(a.base),
        ];
        let figs: Vec<&Figures> = sel.scenarios.iter().map(|&s| a.of(s)).collect();
        scenario_cells(a.base, &figs, &mut c);
        for (j, y) in n.years.iter().enumerate() {
            if *y > official_last(n) {
                continue;
            }
            match a.ipss[j] {
                Some(v) => {
                    c.push(Cell::Persons(v));
                    c.push(Cell::Persons(a.of(Standard::P1).totals[j] - v));
                }
                None => {
                    c.push(Cell::Text(String::new()));
                    c.push(Cell::Text(String::new()));
                }
            }
        }
        c
    };
    let mut body: Vec<Vec<Cell>> = n.prefectures.iter().map(row).collect();
    if n.prefectures.len() > 1 {
        body.push(row(&n.japan));
    }
    (h, body)
}

/// Counts of municipalities per level: `counts[natural−1][social−1]`.
pub fn level_counts(rows: &[&MunicipalRow]) -> [[usize; 5]; 5] {
    let mut c = [[0; 5]; 5];
    for r in rows {
        let (a, b) = (r.natural.level as usize, r.social.level as usize);
        if (1..=5).contains(&a) && (1..=5).contains(&b) {
            c[a - 1][b - 1] += 1;
        }
    }
    c
}

fn text_of(c: &Cell) -> String {
    match c {
        Cell::Text(s) => s.clone(),
        Cell::Persons(v) => persons(*v),
        Cell::Percent(v) => format!("{v:.1}"),
        Cell::Level(l) => l.to_string(),
    }
}

fn render_table(headers: &[String], body: &[Vec<Cell>]) -> String {
    let cols: Vec<(&str, Align)> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let align = match body.first().and_then(|r| r.get(i)) {
                Some(Cell::Text(_)) | None => Align::Left,
                _ => Align::Right,
            };
            (h.as_str(), align)
        })
        .collect();
    let mut t = Table::new(&cols);
    for r in body {
        t.row(r.iter().map(text_of).collect());
    }
    t.render()
}

fn skipped_lines(n: &National) -> String {
    if n.skipped.is_empty() {
        return String::new();
    }
    let mut s = format!("推計しない市町村 ({}):\n", n.skipped.len());
    for (_, why) in &n.skipped {
        s.push_str("  ");
        s.push_str(why);
        s.push('\n');
    }
    s
}

fn worst_line(n: &National) -> String {
    if n.basis == Basis::R5 {
        return match n.calibration_worst() {
            Some((m, w)) => format!(
                "令和5年推計との照合: 各市区町村のパターン1（令和5年推計準拠・推定）の総数・0-14歳・15-64歳・65歳以上（2020〜2050年, 2020年は推定した基準人口）と公表値の差は最大 {w:.2e}人（{} {}）。",
                m.prefecture, m.name
            ),
            None => "令和5年推計との照合: 推計した市区町村がない。".into(),
        };
    }
    match &n.worst_cell {
        Some(w) => format!(
            "都道府県別の照合: 市区町村のパターン1の合計と社人研の都道府県推計（平成30年推計, 2020–2045年, 男女・5歳階級の各セル）の差は最大 {:.2}人（{} {}年 {} {}: 合計 {:.2}, 県推計 {}）。福島県は市町村の推計がないため除く。",
            (w.sum - w.ipss).abs(),
            w.prefecture,
            w.year,
            if w.sex == "male" { "男" } else { "女" },
            w.age,
            w.sum,
            w.ipss
        ),
        None => "都道府県別の照合: 対象の都道府県がない（市町村がすべて揃った, 社人研推計のある都道府県だけを照合する）。".into(),
    }
}

fn levels_table(n: &National, rows: &[&MunicipalRow]) -> String {
    let counts = level_counts(rows);
    let mut cols: Vec<(String, Align)> = vec![(
        format!("{} \\ {}", n.levels.natural.label, n.levels.social.label),
        Align::Left,
    )];
    for b in 1..=5 {
        cols.push((format!("社会{b}"), Align::Right));
    }
    cols.push(("計".into(), Align::Right));
    let refs: Vec<(&str, Align)> = cols.iter().map(|(h, a)| (h.as_str(), *a)).collect();
    let mut t = Table::new(&refs);
    for a in 0..5 {
        let mut r = vec![format!("自然{}", a + 1)];
        r.extend(counts[a].iter().map(|c| c.to_string()));
        r.push(counts[a].iter().sum::<usize>().to_string());
        t.row(r);
    }
    let mut total = vec!["計".to_string()];
    for b in 0..5 {
        total.push((0..5).map(|a| counts[a][b]).sum::<usize>().to_string());
    }
    total.push(rows.len().to_string());
    t.row(total);
    format!(
        "影響度別の市区町村数（{}年; 自然 = シミュレーション1/パターン1, 社会 = シミュレーション2/シミュレーション1; {}）\n{}",
        n.impact_year,
        n.levels.source,
        t.render()
    )
}

/// The 若年女性人口 categories: counts over every municipality projected, beside the report's.
fn categories_table(n: &National) -> Result<(Vec<String>, Vec<Vec<Cell>>)> {
    let counts = n.category_counts()?;
    let h = [
        "分類",
        "区分",
        "内容",
        "封鎖人口の減少率",
        "移動仮定の減少率",
        "jinko",
        "人口戦略会議",
    ]
    .map(String::from)
    .to_vec();
    let bounds = |b: [f64; 2]| match (b[0] <= -1e8, b[1] >= 1e8) {
        (true, _) => format!("{}%未満", b[1]),
        (_, true) => format!("{}%以上", b[0]),
        _ => format!("{}〜{}%", b[0], b[1]),
    };
    let mut body: Vec<Vec<Cell>> = counts
        .iter()
        .map(|c| {
            vec![
                Cell::Text(c.category.id.clone()),
                Cell::Text(c.category.group.clone()),
                Cell::Text(c.category.label.clone()),
                Cell::Text(bounds(c.category.closed)),
                Cell::Text(bounds(c.category.migration)),
                Cell::Persons(c.count as f64),
                Cell::Persons(c.category.published as f64),
            ]
        })
        .collect();
    let mut groups: Vec<(String, usize, usize)> = Vec::new();
    for c in &counts {
        match groups.iter_mut().find(|(g, _, _)| *g == c.category.group) {
            Some((_, a, b)) => {
                *a += c.count;
                *b += c.category.published;
            }
            None => groups.push((c.category.group.clone(), c.count, c.category.published)),
        }
    }
    for (g, a, b) in groups {
        body.push(vec![
            Cell::Text("計".into()),
            Cell::Text(g),
            Cell::Text(String::new()),
            Cell::Text(String::new()),
            Cell::Text(String::new()),
            Cell::Persons(a as f64),
            Cell::Persons(b as f64),
        ]);
    }
    Ok((h, body))
}

fn categories_text(n: &National) -> Result<String> {
    if n.basis != Basis::R5 {
        return Ok(String::new());
    }
    let d = crate::compare::young_women::Definition::get()?;
    let (h, body) = categories_table(n)?;
    Ok(format!(
        "\n若年女性人口（20-39歳女性）の{}→{}年の減少率による分類（推計した{}市区町村; 人口戦略会議は{}自治体）\n{}出典: {}\n注: jinko の値はパターン1（令和5年推計準拠・推定）と, その2020年以降の移動をゼロにした封鎖人口によるもの。令和5年推計の男女・5歳階級の値と社人研の封鎖人口推計は公表データに含まれないため推定であり, 件数は公表値と一致しない（政令指定都市は市全体, 東京都特別区は区ごとに数える点は同じ）。\n",
        d.from,
        d.to,
        n.municipalities.len(),
        d.municipalities,
        render_table(&h, &body),
        d.source
    ))
}

/// The terminal table.
pub fn table(n: &National, sel: &Selection) -> Result<String> {
    let rows = selected(n, sel);
    let (h, body) = municipal_table(n, sel, &rows);
    let (ah, abody) = area_table(n, sel);
    Ok(format!(
        "全国の市区町村の将来推計（{}; {}市区町村を表示, 推計 {}市区町村）\n{}{}\n都道府県・全国（推計したすべての市区町村の合計）\n{}\n{}\n{}\n{}\n{}\n",
        n.basis.label(),
        rows.len(),
        n.municipalities.len(),
        render_table(&h, &body),
        skipped_lines(n),
        render_table(&ah, &abody),
        levels_table(n, &rows),
        categories_text(n)?,
        worst_line(n),
        crate::national::CREDIT
    ))
}

fn csv_of(headers: &[String], body: &[Vec<Cell>]) -> CsvTable {
    let mut t = CsvTable::new(headers.iter().cloned());
    for r in body {
        t.push(
            r.iter()
                .map(|c| match c {
                    Cell::Text(s) => s.clone(),
                    Cell::Persons(v) => format!("{}", v.round()),
                    Cell::Percent(v) => format!("{v:.2}"),
                    Cell::Level(l) => l.to_string(),
                })
                .collect(),
        );
    }
    t
}

/// CSV: the municipal rows, then (after a blank line) the prefecture and Japan rows.
pub fn csv(n: &National, sel: &Selection) -> String {
    let rows = selected(n, sel);
    let (h, body) = municipal_table(n, sel, &rows);
    let (ah, abody) = area_table(n, sel);
    let mut out = String::from("\u{feff}");
    out.push_str(&crate::output::csv::text(&csv_of(&h, &body)));
    out.push_str("\r\n");
    out.push_str(&crate::output::csv::text(&csv_of(&ah, &abody)));
    out.push_str("\r\n");
    out.push_str(&crate::output::csv::text(&CsvTable {
        headers: vec!["出典".into()],
        rows: vec![vec![crate::national::CREDIT.into()]],
    }));
    out
}

fn figures_json(years: &[i32], base: f64, f: &Figures) -> Value {
    json!({
        "totals": years.iter().zip(&f.totals).map(|(y, t)| json!({"year": y, "total": t})).collect::<Vec<_>>(),
        "change_percent": change(base, last(f)),
        "share_0_14_percent": share(f.young, last(f)),
        "share_65_plus_percent": share(f.old, last(f)),
    })
}

/// One JSON object: `years`, `impact_year`, `municipalities`, `prefectures`, `japan`,
/// `level_counts` (`[natural−1][social−1]`), `worst_cell`, `credit`.
pub fn json(n: &National, sel: &Selection) -> Result<Value> {
    let rows = selected(n, sel);
    let scen = |base: f64, of: &dyn Fn(Standard) -> Figures| -> Value {
        let mut m = serde_json::Map::new();
        for &s in &sel.scenarios {
            m.insert(s.key().into(), figures_json(&n.years, base, &of(s)));
        }
        Value::Object(m)
    };
    let official_key = match n.basis {
        Basis::H30 => "ipss_h30",
        Basis::R5 => "ipss_r5",
    };
    let area = |a: &AreaRow| {
        let mut v = json!({
            "code": a.code, "name": a.name, "municipalities": a.municipalities, "base": a.base,
            "census_based_members": a.has_census_based,
            "scenarios": scen(a.base, &|s| a.of(s).clone()),
        });
        v[official_key] = n
            .years
            .iter()
            .zip(&a.ipss)
            .filter_map(|(y, v)| v.map(|v| json!({"year": y, "total": v})))
            .collect::<Vec<_>>()
            .into();
        v
    };
    Ok(json!({
        "basis": match n.basis { Basis::H30 => "h30", Basis::R5 => "r5" },
        "base_year": n.basis.base_year(),
        "years": n.years,
        "impact_year": n.impact_year,
        "municipalities": rows.iter().map(|r| {
            let m = r.municipality;
            json!({
                "code": m.code, "prefecture_code": m.prefecture_code, "prefecture": m.prefecture,
                "name": m.name, "pattern1": if r.census_based { "census-2010-2015" } else { "ipss-h30" },
                "base": r.base, "tfr_base": r.tfr_base,
                "scenarios": scen(r.base, &|s| r.of(s).clone()),
                "natural": {"percent": r.natural.percent, "level": r.natural.level},
                "social": {"percent": r.social.percent, "level": r.social.level},
                "warnings": r.warnings,
                "young_women": r.young_women,
                "calibration_worst": r.calibration_worst,
            })
        }).collect::<Vec<_>>(),
        "prefectures": n.prefectures.iter().map(area).collect::<Vec<_>>(),
        "japan": area(&n.japan),
        "level_counts": level_counts(&rows),
        "young_women_categories": n.category_counts()?.iter().map(|c| json!({
            "id": c.category.id, "group": c.category.group, "label": c.category.label,
            "count": c.count, "published": c.category.published,
        })).collect::<Vec<_>>(),
        "not_projected": n.skipped.iter().map(|(m, why)| json!({"code": m.code, "name": m.name, "reason": why})).collect::<Vec<_>>(),
        "worst_cell": n.worst_cell.as_ref().map(|w| json!({
            "prefecture": w.prefecture, "year": w.year, "sex": w.sex, "age": w.age, "sum": w.sum, "ipss": w.ipss
        })),
        "credit": crate::national::CREDIT,
    }))
}

fn xerr(e: rust_xlsxwriter::XlsxError) -> Error {
    Error::Render {
        what: "the national workbook".into(),
        message: e.to_string(),
    }
}

fn sheet(
    wb: &mut rust_xlsxwriter::Workbook,
    name: &str,
    headers: &[String],
    body: &[Vec<Cell>],
) -> Result<()> {
    use rust_xlsxwriter::{Format, FormatAlign};
    let head = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center);
    let persons = Format::new().set_num_format("#,##0");
    let pct = Format::new().set_num_format("0.0");
    let ws = wb.add_worksheet();
    ws.set_name(name).map_err(xerr)?;
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h, &head)
            .map_err(xerr)?;
        ws.set_column_width(c as u16, if c < 4 { 12 } else { 13 })
            .map_err(xerr)?;
    }
    for (i, r) in body.iter().enumerate() {
        let row = i as u32 + 1;
        for (c, cell) in r.iter().enumerate() {
            let col = c as u16;
            match cell {
                Cell::Text(s) => ws.write_string(row, col, s).map(|_| ()),
                Cell::Persons(v) => ws
                    .write_number_with_format(row, col, *v, &persons)
                    .map(|_| ()),
                Cell::Percent(v) => ws.write_number_with_format(row, col, *v, &pct).map(|_| ()),
                Cell::Level(l) => ws.write_number(row, col, f64::from(*l)).map(|_| ()),
            }
            .map_err(xerr)?;
        }
    }
    ws.set_freeze_panes(1, 3).map_err(xerr)?;
    ws.write_string(body.len() as u32 + 2, 0, crate::national::CREDIT)
        .map_err(xerr)?;
    Ok(())
}

/// The workbook: sheets 市区町村, 都道府県, 影響度.
pub fn xlsx(n: &National, sel: &Selection) -> Result<Vec<u8>> {
    let rows = selected(n, sel);
    let mut wb = rust_xlsxwriter::Workbook::new();
    let (h, body) = municipal_table(n, sel, &rows);
    sheet(&mut wb, "市区町村", &h, &body)?;
    let (ah, abody) = area_table(n, sel);
    sheet(&mut wb, "都道府県", &ah, &abody)?;
    let counts = level_counts(&rows);
    let mut lh = vec![format!(
        "{}＼{}",
        n.levels.natural.label, n.levels.social.label
    )];
    lh.extend((1..=5).map(|b| format!("社会{b}")));
    let lb: Vec<Vec<Cell>> = (0..5)
        .map(|a| {
            let mut r = vec![Cell::Text(format!("自然{}", a + 1))];
            r.extend(counts[a].iter().map(|&c| Cell::Persons(c as f64)));
            r
        })
        .collect();
    sheet(&mut wb, "影響度", &lh, &lb)?;
    if n.basis == Basis::R5 {
        let (ch, cb) = categories_table(n)?;
        sheet(&mut wb, "若年女性", &ch, &cb)?;
    }
    wb.save_to_buffer().map_err(xerr)
}
