//! The Excel workbook of the report (`rust_xlsxwriter`): a summary sheet (概要), the comparison
//! with the IPSS path and the target (比較), population by year × sex × age for each scenario
//! (人口_NAME), components per period (人口動態), and the KPI review (KPI評価, KPI集計, and the goal indicators 数値目標). Headers
//! are Japanese and frozen; persons carry the `#,##0` format and shares `0.0%`, while the cells
//! keep full precision so that sums in Excel are exact.

use super::{comparison, gaps, goal_rows, kpi_headers, kpi_rows, summary, Cell, Run, GOAL_HEADERS};
use crate::error::{Error, Result};
use crate::kpi::Review;
use crate::output::projection::indicators;
use rust_xlsxwriter::{Color, Format, FormatBorder, Workbook, Worksheet, XlsxError};

fn xerr(e: XlsxError) -> Error {
    Error::Render {
        what: "Excel workbook".into(),
        message: e.to_string(),
    }
}

struct Formats {
    header: Format,
    persons: Format,
    share: Format,
    ratio: Format,
}

fn formats() -> Formats {
    Formats {
        header: Format::new()
            .set_bold()
            .set_background_color(Color::RGB(0xE8F1F8))
            .set_border(FormatBorder::Thin)
            .set_text_wrap(),
        persons: Format::new().set_num_format("#,##0"),
        share: Format::new().set_num_format("0.0%"),
        ratio: Format::new().set_num_format("0%"),
    }
}

/// A sheet name Excel accepts (at most 31 characters, none of `[]:*?/\`).
pub fn sheet_name(s: &str) -> String {
    s.chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .take(31)
        .collect()
}

fn headers(ws: &mut Worksheet, f: &Formats, row: u32, heads: &[&str]) -> Result<()> {
    for (c, h) in heads.iter().enumerate() {
        ws.write_string_with_format(row, c as u16, *h, &f.header)
            .map_err(xerr)?;
    }
    Ok(())
}

/// Render the workbook as the bytes of an `.xlsx` file.
pub fn render(runs: &[Run], review: Option<&Review>) -> Result<Vec<u8>> {
    let f = formats();
    let mut wb = Workbook::new();

    // 概要
    {
        let ws = wb.add_worksheet();
        ws.set_name("概要").map_err(xerr)?;
        headers(
            ws,
            &f,
            0,
            &[
                "シナリオ",
                "ファイル",
                "基準年",
                "基準年人口",
                "2040年人口",
                "推計最終年",
                "最終年人口",
                "増減率",
                "年少人口割合",
                "老年人口割合",
                "目標人口との差",
            ],
        )?;
        for (i, s) in summary(runs).iter().enumerate() {
            let r = i as u32 + 1;
            ws.write_string(r, 0, &s.title).map_err(xerr)?;
            ws.write_string(r, 1, &s.name).map_err(xerr)?;
            ws.write_number(r, 2, s.base.0).map_err(xerr)?;
            ws.write_number_with_format(r, 3, s.base.1, &f.persons)
                .map_err(xerr)?;
            if let Some(v) = s.y2040 {
                ws.write_number_with_format(r, 4, v, &f.persons)
                    .map_err(xerr)?;
            }
            ws.write_number(r, 5, s.horizon.0).map_err(xerr)?;
            ws.write_number_with_format(r, 6, s.horizon.1, &f.persons)
                .map_err(xerr)?;
            ws.write_number_with_format(r, 7, s.change, &f.share)
                .map_err(xerr)?;
            ws.write_number_with_format(r, 8, s.share_0_14, &f.share)
                .map_err(xerr)?;
            ws.write_number_with_format(r, 9, s.share_65_plus, &f.share)
                .map_err(xerr)?;
            if let Some(g) = s.gap {
                ws.write_number_with_format(r, 10, g, &f.persons)
                    .map_err(xerr)?;
            }
        }
        ws.set_column_width(0, 34).map_err(xerr)?;
        ws.set_column_width(1, 18).map_err(xerr)?;
        for c in 2..=10 {
            ws.set_column_width(c, 13).map_err(xerr)?;
        }
        ws.set_freeze_panes(1, 1).map_err(xerr)?;
    }

    // 比較
    {
        let cmp = comparison(runs);
        let ws = wb.add_worksheet();
        ws.set_name("比較").map_err(xerr)?;
        ws.write_string_with_format(0, 0, "区分", &f.header)
            .map_err(xerr)?;
        for (c, y) in cmp.years.iter().enumerate() {
            ws.write_string_with_format(0, c as u16 + 1, format!("{y}年"), &f.header)
                .map_err(xerr)?;
        }
        for (i, row) in cmp.rows.iter().enumerate() {
            let r = i as u32 + 1;
            ws.write_string(r, 0, &row.label).map_err(xerr)?;
            for (c, v) in row.values.iter().enumerate() {
                if let Some(v) = v {
                    ws.write_number_with_format(r, c as u16 + 1, *v, &f.persons)
                        .map_err(xerr)?;
                }
            }
        }
        let gaps = gaps(runs);
        if let Some(g0) = gaps.first() {
            let top = cmp.rows.len() as u32 + 2;
            let head = format!("{}年の推計人口", g0.year);
            headers(
                ws,
                &f,
                top,
                &["シナリオ", &head, "目標人口", "差（人）", "差（%）"],
            )?;
            for (i, g) in gaps.iter().enumerate() {
                let r = top + 1 + i as u32;
                ws.write_string(r, 0, &g.title).map_err(xerr)?;
                ws.write_number_with_format(r, 1, g.total, &f.persons)
                    .map_err(xerr)?;
                ws.write_number_with_format(r, 2, g.target, &f.persons)
                    .map_err(xerr)?;
                ws.write_number_with_format(r, 3, g.gap, &f.persons)
                    .map_err(xerr)?;
                ws.write_number_with_format(r, 4, g.percent, &f.share)
                    .map_err(xerr)?;
            }
        }
        ws.set_column_width(0, 34).map_err(xerr)?;
        for c in 1..=cmp.years.len().max(5) as u16 {
            ws.set_column_width(c, 12).map_err(xerr)?;
        }
        ws.set_freeze_panes(1, 1).map_err(xerr)?;
    }

    // 人口_NAME: one sheet per scenario, rows year × sex, columns the age groups and the total.
    let mut used: Vec<String> = Vec::new();
    for run in runs {
        let mut name = sheet_name(&format!("人口_{}", run.scenario.name));
        let mut k = 2;
        while used.contains(&name) {
            name = sheet_name(&format!("人口_{}_{k}", run.scenario.name));
            k += 1;
        }
        used.push(name.clone());
        let p = &run.projection;
        let labels = p.ages.labels();
        let ws = wb.add_worksheet();
        ws.set_name(&name).map_err(xerr)?;
        let mut heads: Vec<String> = vec!["年".into(), "男女".into(), "総数".into()];
        heads.extend(labels.iter().map(|l| super::age_ja(l)));
        let refs: Vec<&str> = heads.iter().map(String::as_str).collect();
        headers(ws, &f, 0, &refs)?;
        let mut r = 1;
        for (k, year) in p.years.iter().enumerate() {
            for (sex, label) in [(None, "計"), (Some(0), "男"), (Some(1), "女")] {
                ws.write_number(r, 0, *year).map_err(xerr)?;
                ws.write_string(r, 1, label).map_err(xerr)?;
                let cell = |a: usize| match sex {
                    Some(s) => p.population[k][s][a],
                    None => p.population[k][0][a] + p.population[k][1][a],
                };
                let total: f64 = (0..labels.len()).map(cell).sum();
                ws.write_number_with_format(r, 2, total, &f.persons)
                    .map_err(xerr)?;
                for a in 0..labels.len() {
                    ws.write_number_with_format(r, a as u16 + 3, cell(a), &f.persons)
                        .map_err(xerr)?;
                }
                r += 1;
            }
        }
        ws.set_column_width(0, 7).map_err(xerr)?;
        ws.set_column_width(1, 6).map_err(xerr)?;
        ws.set_freeze_panes(1, 2).map_err(xerr)?;
    }

    // 人口動態: components and age structure per scenario.
    {
        let ws = wb.add_worksheet();
        ws.set_name("人口動態").map_err(xerr)?;
        headers(
            ws,
            &f,
            0,
            &[
                "シナリオ",
                "期間",
                "出生数",
                "死亡数",
                "自然増減",
                "純移動数（社会増減）",
                "人口増減",
            ],
        )?;
        let mut r = 1;
        for run in runs {
            let p = &run.projection;
            for (k, c) in p.components.iter().enumerate() {
                let natural = c.total_births() - c.total_deaths();
                ws.write_string(r, 0, &run.scenario.title).map_err(xerr)?;
                ws.write_string(
                    r,
                    1,
                    format!(
                        "{}-{}",
                        p.years[k],
                        p.years.get(k + 1).copied().unwrap_or_default()
                    ),
                )
                .map_err(xerr)?;
                for (col, v) in [
                    c.total_births(),
                    c.total_deaths(),
                    natural,
                    c.total_net_migration(),
                    natural + c.total_net_migration(),
                ]
                .into_iter()
                .enumerate()
                {
                    ws.write_number_with_format(r, col as u16 + 2, v, &f.persons)
                        .map_err(xerr)?;
                }
                r += 1;
            }
        }
        ws.set_column_width(0, 34).map_err(xerr)?;
        ws.set_column_width(1, 11).map_err(xerr)?;
        for c in 2..=6 {
            ws.set_column_width(c, 14).map_err(xerr)?;
        }
        ws.set_freeze_panes(1, 0).map_err(xerr)?;
    }

    // 年齢3区分: indicators per scenario and year.
    {
        let ws = wb.add_worksheet();
        ws.set_name("年齢3区分").map_err(xerr)?;
        headers(
            ws,
            &f,
            0,
            &[
                "シナリオ",
                "年",
                "総人口",
                "0-14歳",
                "15-64歳",
                "65歳以上",
                "75歳以上",
                "0-14歳割合",
                "15-64歳割合",
                "65歳以上割合",
                "75歳以上割合",
            ],
        )?;
        let mut r = 1;
        for run in runs {
            for y in indicators(&run.projection) {
                ws.write_string(r, 0, &run.scenario.title).map_err(xerr)?;
                ws.write_number(r, 1, y.year).map_err(xerr)?;
                for (c, v) in [
                    y.total,
                    y.age_0_14,
                    y.age_15_64,
                    y.age_65_plus,
                    y.age_75_plus,
                ]
                .into_iter()
                .enumerate()
                {
                    ws.write_number_with_format(r, c as u16 + 2, v, &f.persons)
                        .map_err(xerr)?;
                }
                for (c, v) in [y.age_0_14, y.age_15_64, y.age_65_plus, y.age_75_plus]
                    .into_iter()
                    .enumerate()
                {
                    ws.write_number_with_format(r, c as u16 + 7, y.share(v), &f.share)
                        .map_err(xerr)?;
                }
                r += 1;
            }
        }
        ws.set_column_width(0, 34).map_err(xerr)?;
        ws.set_freeze_panes(1, 0).map_err(xerr)?;
    }

    if let Some(review) = review {
        kpi_sheets(&mut wb, &f, review)?;
    }
    wb.save_to_buffer().map_err(xerr)
}

fn kpi_sheets(wb: &mut Workbook, f: &Formats, review: &Review) -> Result<()> {
    {
        let ws = wb.add_worksheet();
        ws.set_name("KPI評価").map_err(xerr)?;
        let heads = kpi_headers(review);
        let refs: Vec<&str> = heads.iter().map(String::as_str).collect();
        headers(ws, f, 0, &refs)?;
        let n = heads.len() as u16;
        let mut r = 1;
        for k in kpi_rows(review) {
            let figures = figure_format(k.decimals);
            for s in &k.series {
                ws.write_number(r, 0, k.goal).map_err(xerr)?;
                for (c, t) in [&k.id, &k.project, &k.name, &k.unit]
                    .into_iter()
                    .enumerate()
                {
                    ws.write_string(r, c as u16 + 1, t).map_err(xerr)?;
                }
                ws.write_string(r, 5, s.label.as_deref().unwrap_or(""))
                    .map_err(xerr)?;
                let mut c = 6;
                for cell in std::iter::once(&s.base)
                    .chain(&s.years)
                    .chain(std::iter::once(&s.actual))
                    .chain(std::iter::once(&k.target))
                {
                    write_cell(ws, r, c, cell, &figures)?;
                    c += 1;
                }
                match s.ratio {
                    Some(v) => ws.write_number_with_format(r, c, v, &f.ratio),
                    None => ws.write_string(r, c, &s.ratio_text),
                }
                .map_err(xerr)?;
                ws.write_string(r, n - 2, &k.department).map_err(xerr)?;
                ws.write_string(r, n - 1, &k.grade).map_err(xerr)?;
                r += 1;
            }
        }
        for (c, w) in [(0, 8), (1, 10), (2, 30), (3, 36), (4, 8), (5, 8)] {
            ws.set_column_width(c, w).map_err(xerr)?;
        }
        ws.set_column_width(n - 4, 24).map_err(xerr)?;
        ws.set_column_width(n - 2, 14).map_err(xerr)?;
        ws.set_freeze_panes(1, 0).map_err(xerr)?;
    }
    let ws = wb.add_worksheet();
    ws.set_name("KPI集計").map_err(xerr)?;
    headers(
        ws,
        f,
        0,
        &[
            "基本目標",
            "KPI設定数",
            "○",
            "△",
            "×",
            "公表待ち",
            "○の割合",
            "△の割合",
            "×の割合",
        ],
    )?;
    let rule = &review.strategy.rule;
    let mut rows: Vec<(String, &crate::kpi::Tally)> = review
        .goals
        .iter()
        .map(|g| (format!("基本目標{}", g.goal), &g.tally))
        .collect();
    rows.push(("合計".into(), &review.total));
    for (i, (label, t)) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, label).map_err(xerr)?;
        for (c, v) in [t.count, t.achieved, t.not_achieved, t.other, t.pending]
            .into_iter()
            .enumerate()
        {
            ws.write_number(r, c as u16 + 1, v as f64).map_err(xerr)?;
        }
        for (c, n) in [t.achieved, t.not_achieved, t.other]
            .into_iter()
            .enumerate()
        {
            if let Some(p) = rule.share_percent(n, t.count) {
                ws.write_number_with_format(r, c as u16 + 6, p / 100.0, &f.share)
                    .map_err(xerr)?;
            }
        }
    }
    ws.set_column_width(0, 12).map_err(xerr)?;
    ws.set_freeze_panes(1, 0).map_err(xerr)?;
    goal_sheet(wb, f, review)
}

/// The number format of figures with `decimals` decimals: `#,##0`, `#,##0.0`, …
fn figure_format(decimals: usize) -> Format {
    let mut code = String::from("#,##0");
    if decimals > 0 {
        code.push('.');
        code.push_str(&"0".repeat(decimals));
    }
    Format::new().set_num_format(code)
}

/// A figure: a number cell when it is a plain number, else its text.
fn write_cell(ws: &mut Worksheet, r: u32, c: u16, cell: &Cell, format: &Format) -> Result<()> {
    match cell.value {
        Some(v) => ws.write_number_with_format(r, c, v, format),
        None if cell.text.is_empty() => return Ok(()),
        None => ws.write_string(r, c, &cell.text),
    }
    .map_err(xerr)?;
    Ok(())
}

/// 数値目標: the target population and each goal's numeric indicator by year, as the city's
/// review lays them out.
fn goal_sheet(wb: &mut Workbook, f: &Formats, review: &Review) -> Result<()> {
    let rows = goal_rows(review);
    if rows.is_empty() {
        return Ok(());
    }
    let ws = wb.add_worksheet();
    ws.set_name("数値目標").map_err(xerr)?;
    headers(ws, f, 0, &GOAL_HEADERS)?;
    let mut decimals = 0;
    for (i, g) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        if let Some(n) = g.goal {
            ws.write_number(r, 0, n).map_err(xerr)?;
        }
        if let Some(name) = &g.name {
            ws.write_string(r, 1, name).map_err(xerr)?;
            decimals = review
                .indicators
                .iter()
                .find(|x| x.indicator.name.get(crate::kpi::Lang::Ja) == name)
                .map_or(0, |x| x.indicator.decimals);
        }
        if let Some(unit) = &g.unit {
            ws.write_string(r, 2, unit).map_err(xerr)?;
        }
        ws.write_string(r, 3, &g.period).map_err(xerr)?;
        let figures = figure_format(decimals);
        for (c, cell) in [&g.ipss, &g.target, &g.actual].into_iter().enumerate() {
            write_cell(ws, r, c as u16 + 4, cell, &figures)?;
        }
        match g.ratio {
            Some(v) => ws.write_number_with_format(r, 7, v, &f.ratio),
            None => ws.write_string(r, 7, &g.ratio_text),
        }
        .map_err(xerr)?;
        ws.write_string(r, 8, &g.grade).map_err(xerr)?;
    }
    for (c, w) in [(0, 8), (1, 44), (2, 6), (3, 18), (4, 13), (5, 13), (6, 13)] {
        ws.set_column_width(c, w).map_err(xerr)?;
    }
    ws.set_freeze_panes(1, 0).map_err(xerr)?;
    Ok(())
}
