//! The HTML report: one self-contained file for the council document (議会資料) and for the
//! web. Charts are inline SVG; the style sheet and the one small script are inline; nothing is
//! loaded from the network. The script only checks the page as it loads (every chart drawn and
//! not empty, no script error) and records the result on `<body data-check="…">`, which the
//! browser test reads.

use super::{comparison, gaps, summary, Run};
use crate::error::Result;
use crate::kpi::render::NO_FIGURE;
use crate::kpi::Review;
use crate::output::projection::{indicators, persons};
use std::fmt::Write as _;

/// Escape text for HTML.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn pct(v: f64) -> String {
    format!("{:.1}%", 100.0 * v)
}

use crate::output::numbers::signed_persons as signed;

const STYLE: &str = r#"
body { font-family: "Noto Sans CJK JP", "Noto Sans JP", "Hiragino Sans", "Hiragino Kaku Gothic ProN", "Yu Gothic", Meiryo, sans-serif;
  margin: 24px auto; max-width: 1180px; padding: 0 16px; color: #222; line-height: 1.55; }
h1 { font-size: 1.6em; border-bottom: 3px solid #0072b2; padding-bottom: 4px; }
h2 { font-size: 1.25em; border-left: 6px solid #0072b2; padding-left: 8px; margin-top: 2em; }
h3 { font-size: 1.05em; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 0.9em; }
th, td { border: 1px solid #bbb; padding: 3px 8px; }
th { background: #e8f1f8; font-weight: 600; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
th.y { white-space: nowrap; }
table.wide { font-size: 0.8em; }
table.wide th, table.wide td { padding: 2px 4px; }
table.wide:not(.kpi) td:first-child { min-width: 8.5em; }
table.assumptions th { white-space: nowrap; vertical-align: top; text-align: left; }
table.kpi td.name { min-width: 12em; }
table.kpi td.n { white-space: normal; }
table.kpi td:nth-child(1) { white-space: nowrap; }
td.g { white-space: nowrap; }
table.kpi .dept { color: #555; }
@page { size: A4; margin: 20mm 25mm; }
@media print { body { max-width: none; margin: 0; padding: 0; } figure, tr { break-inside: avoid; } h2, h3 { break-after: avoid; } }
td.g { text-align: center; font-weight: 600; }
figure { margin: 12px 0 24px; overflow-x: auto; }
figure svg { max-width: 100%; height: auto; }
figcaption { font-size: 0.85em; color: #555; }
.note { font-size: 0.85em; color: #555; }
.scroll { overflow-x: auto; }
dt { font-weight: 600; margin-top: 6px; }
"#;

const CHECK: &str = r#"
(function () {
  var errors = [];
  window.addEventListener('error', function (e) { errors.push(String(e.message)); });
  window.addEventListener('load', function () {
    var figs = document.querySelectorAll('figure.chart');
    var empty = 0;
    figs.forEach(function (f) {
      var svg = f.querySelector('svg');
      if (!svg) { empty++; return; }
      var box = svg.getBoundingClientRect();
      var shapes = svg.querySelectorAll('rect, polyline, polygon, path, circle, line').length;
      var texts = svg.querySelectorAll('text').length;
      if (box.width < 10 || box.height < 10 || shapes < 3 || texts < 1) empty++;
    });
    document.body.setAttribute('data-check',
      'charts=' + figs.length + ' empty=' + empty + ' errors=' + errors.length);
  });
})();
"#;

fn figure(out: &mut String, id: &str, svg: &str, caption: &str) {
    // Drop the XML declaration if any; the SVG element goes inline.
    let body = svg.find("<svg").map_or(svg, |i| &svg[i..]);
    let _ = writeln!(
        out,
        "<figure class=\"chart\" id=\"{id}\">{body}<figcaption>{}</figcaption></figure>",
        escape(caption)
    );
}

/// Render the report as one HTML document. `charts` are the SVG charts by file name (as from
/// [`super::charts`]).
pub fn render(
    runs: &[Run],
    review: Option<&Review>,
    charts: &[(String, String)],
) -> Result<String> {
    render_with(runs, review, charts, None)
}

/// [`render`], with the first scenario's prediction intervals (a section in part 2).
pub fn render_with(
    runs: &[Run],
    review: Option<&Review>,
    charts: &[(String, String)],
    intervals: Option<&crate::backtest::intervals::Around>,
) -> Result<String> {
    let chart = |name: &str| {
        charts
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, svg)| svg.as_str())
    };
    let pack = runs.first().map(|r| &r.scenario.pack);
    let place = pack.map_or(String::new(), |p| p.name.clone());
    let mut o = String::new();
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"ja\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"jinko {}\">\n<title>{} 将来人口推計レポート</title>\n\
         <style>{STYLE}</style>\n<script>{CHECK}</script>\n</head>\n<body>\n",
        env!("CARGO_PKG_VERSION"),
        escape(&place)
    );
    let _ = writeln!(o, "<h1>{} 将来人口推計レポート</h1>", escape(&place));
    let _ = writeln!(
        o,
        "<p class=\"note\">jinko {} によるコーホート要因法の推計。シナリオ: {}。</p>",
        env!("CARGO_PKG_VERSION"),
        runs.iter()
            .map(|r| format!(
                "{}（{}）",
                escape(&r.scenario.title),
                escape(&r.scenario.name)
            ))
            .collect::<Vec<_>>()
            .join("、")
    );

    // 1. Summary.
    o.push_str("<h2>1. 概要</h2>\n<div class=\"scroll\"><table>\n<tr><th>シナリオ</th><th>基準年</th><th>基準年人口</th><th>2040年</th><th>推計最終年</th><th>最終年人口</th><th>増減率</th><th>年少人口割合</th><th>老年人口割合</th><th>目標人口との差</th></tr>\n");
    for s in summary(runs) {
        let _ = writeln!(
            o,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            escape(&s.title),
            s.base.0,
            persons(s.base.1),
            s.y2040.map_or(NO_FIGURE.into(), persons),
            s.horizon.0,
            persons(s.horizon.1),
            pct(s.change),
            pct(s.share_0_14),
            pct(s.share_65_plus),
            s.gap.map_or(NO_FIGURE.into(), signed),
        );
    }
    o.push_str("</table></div>\n<p class=\"note\">年少人口は0-14歳、老年人口は65歳以上、割合は推計最終年。</p>\n");

    // 2. Comparison with the IPSS path and the target.
    o.push_str("<h2>2. 社人研推計・目標人口との比較</h2>\n");
    if let Some(svg) = chart("trajectories.svg") {
        figure(
            &mut o,
            "chart-trajectories",
            svg,
            "総人口の推移: シナリオ（実線）、社人研推計（破線と○）、その延長の公表値（□）、目標人口（×）",
        );
    }
    let cmp = comparison(runs);
    o.push_str("<div class=\"scroll\"><table class=\"wide\">\n<tr><th>区分</th>");
    for y in &cmp.years {
        let _ = write!(o, "<th class=\"y\">{y}年</th>");
    }
    o.push_str("</tr>\n");
    for row in &cmp.rows {
        let _ = write!(o, "<tr><td>{}</td>", escape(&row.label));
        for v in &row.values {
            let _ = write!(
                o,
                "<td class=\"n\">{}</td>",
                v.map_or(String::new(), persons)
            );
        }
        o.push_str("</tr>\n");
    }
    o.push_str("</table></div>\n");
    let gaps = gaps(runs);
    if let Some(g0) = gaps.first() {
        let _ = writeln!(
            o,
            "<h3>目標人口（{}年 {}人）との差</h3>\n<table>\n<tr><th>シナリオ</th><th>{}年の推計人口</th><th>目標人口</th><th>差（人）</th><th>差（%）</th></tr>",
            g0.year,
            persons(g0.target),
            g0.year
        );
        for g in &gaps {
            let _ = writeln!(
                o,
                "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                escape(&g.title),
                persons(g.total),
                persons(g.target),
                signed(g.gap),
                crate::output::numbers::signed_share(g.percent)
            );
        }
        o.push_str("</table>\n");
    }
    if let (Some(a), Some(r)) = (intervals, runs.first()) {
        intervals_section(&mut o, r, a, chart("intervals.svg"));
    }
    impact_section(&mut o, runs);
    young_women_section(&mut o, runs)?;

    // 3. Pyramids.
    o.push_str("<h2>3. 人口ピラミッド</h2>\n");
    if let Some(svg) = chart("pyramid.svg") {
        figure(&mut o, "chart-pyramid", svg, &super::pyramid_caption(runs));
    }

    // 4. Age structure.
    o.push_str("<h2>4. 年齢3区分別人口</h2>\n");
    if let Some(svg) = chart("shares.svg") {
        figure(&mut o, "chart-shares", svg, "年齢3区分別人口割合の推移");
    }
    for r in runs {
        let _ = writeln!(
            o,
            "<h3>{}</h3>\n<div class=\"scroll\"><table class=\"wide\">\n<tr><th>年</th><th>総人口</th><th>男</th><th>女</th><th>0-14歳</th><th>割合</th><th>15-64歳</th><th>割合</th><th>65歳以上</th><th>割合</th><th>75歳以上</th><th>割合</th></tr>",
            escape(&r.scenario.title)
        );
        for y in indicators(&r.projection) {
            let _ = writeln!(
                o,
                "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                y.year,
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
            );
        }
        o.push_str("</table></div>\n");
    }

    long_run_section(&mut o, runs)?;

    // 5. Components.
    o.push_str("<h2>5. 自然増減・社会増減</h2>\n");
    if let Some(svg) = chart("components.svg") {
        figure(
            &mut o,
            "chart-components",
            svg,
            "5年間の自然増減（出生−死亡）と社会増減（純移動）",
        );
    }
    for r in runs {
        let p = &r.projection;
        let _ = writeln!(
            o,
            "<h3>{}</h3>\n<table>\n<tr><th>期間</th><th>出生数</th><th>死亡数</th><th>自然増減</th><th>社会増減（純移動）</th><th>人口増減</th></tr>",
            escape(&r.scenario.title)
        );
        for (k, c) in p.components.iter().enumerate() {
            let natural = c.total_births() - c.total_deaths();
            let _ = writeln!(
                o,
                "<tr><td>{}-{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                p.years[k],
                p.years.get(k + 1).copied().unwrap_or_default(),
                persons(c.total_births()),
                persons(c.total_deaths()),
                signed(natural),
                signed(c.total_net_migration()),
                signed(natural + c.total_net_migration()),
            );
        }
        o.push_str("</table>\n");
        if r.scenario.model.fertility == crate::engine::FertilityMethod::Cwr {
            o.push_str("<p class=\"note\">子ども女性比による推計のため、出生数は期末の0-4歳人口（期間中の死亡・移動を差し引いた数）。</p>\n");
        }
    }

    // 6. Assumptions and sources.
    o.push_str("<h2>6. 推計の仮定と出典</h2>\n");
    for r in runs {
        let s = &r.scenario;
        let _ = writeln!(
            o,
            "<h3>{}（{}）</h3>\n<table class=\"assumptions\">",
            escape(&s.title),
            escape(
                &s.path
                    .file_name()
                    .map_or(String::new(), |n| n.to_string_lossy().into_owned())
            )
        );
        for line in super::assumptions::lines(r, review) {
            let _ = writeln!(
                o,
                "<tr><th>{}</th><td>{}</td></tr>",
                line.what,
                escape(&line.text)
            );
        }
        o.push_str("</table>\n");
    }
    o.push_str("<p class=\"note\">出典に挙げたデータパックのファイルの内容は次のとおり。</p>\n");

    if let Some(pack) = pack {
        let _ = writeln!(
            o,
            "<h3>データパック: {}{}</h3>\n<dl>",
            escape(&pack.name),
            pack.name_en
                .as_deref()
                .map(|n| format!("（{}）", escape(n)))
                .unwrap_or_default()
        );
        for (file, source) in &pack.sources {
            let _ = writeln!(o, "<dt>{}</dt><dd>{}</dd>", escape(file), escape(source));
        }
        for (key, p) in &pack.parameters {
            let _ = writeln!(
                o,
                "<dt>{} = {}</dt><dd>{}</dd>",
                escape(key),
                p.value,
                escape(&p.source)
            );
        }
        o.push_str("</dl>\n");
    }

    // 7. KPI review.
    if let Some(review) = review {
        kpi_section(&mut o, review, chart("kpi.svg"));
    }
    o.push_str("</body>\n</html>\n");
    Ok(o)
}

/// The prediction intervals of the first scenario: the sentences for 2045 and the last year,
/// the band chart, the total's bands by year.
fn intervals_section(
    o: &mut String,
    r: &Run,
    a: &crate::backtest::intervals::Around,
    svg: Option<&str>,
) {
    use crate::output::intervals::{sentence_ja, SOURCE_JA};
    let _ = writeln!(
        o,
        "<h3>予測区間（{}、過去の推計誤差による）</h3>",
        escape(&r.scenario.title)
    );
    let last = a.rows.last().map(|x| x.year);
    for y in [Some(2045), last]
        .into_iter()
        .flatten()
        .collect::<std::collections::BTreeSet<_>>()
    {
        if let Some(s) = sentence_ja(a, y) {
            let _ = writeln!(o, "<p class=\"interval\">{}</p>", escape(&s));
        }
    }
    if let Some(svg) = svg {
        figure(
            o,
            "chart-intervals",
            svg,
            "総人口の推計値（実線）と50%・80%・95%予測区間（帯）",
        );
    }
    o.push_str("<div class=\"scroll\"><table class=\"wide\">\n<tr><th>年</th><th>推計値</th><th>80%下限</th><th>80%上限</th><th>95%下限</th><th>95%上限</th></tr>\n");
    for x in &a.rows {
        let _ = writeln!(
            o,
            "<tr><td>{}{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            x.year,
            if x.extrapolated { "*" } else { "" },
            persons(x.projected[0]),
            persons(x.bands[0][1].0),
            persons(x.bands[0][1].1),
            persons(x.bands[0][2].0),
            persons(x.bands[0][2].1),
        );
    }
    let _ = writeln!(
        o,
        "</table></div>\n<p class=\"note\">{} 人口規模の区分: {}（基準年人口）。*は35年を超える期間。区間は「この種の推計が過去にどれだけ外れたか」を示すもので、シナリオの仮定そのものの不確かさは含まない。</p>",
        escape(SOURCE_JA),
        escape(a.class.label_ja())
    );
}

/// The impact analysis (自然増減・社会増減の影響度) of every basis on which the report's scenarios
/// include パターン1, Sim1 and Sim2 (by their `role`; see [`crate::compare::impact::by_basis`]),
/// each in its default year (30 years after its base year), with the shipped levels of the Cabinet
/// Office guide.
fn impact_section(o: &mut String, runs: &[Run]) {
    use crate::compare::ImpactLevels;
    let pairs: Vec<_> = runs.iter().map(|r| (&r.scenario, &r.projection)).collect();
    let levels = ImpactLevels::default_levels();
    let Ok(impacts) = crate::compare::impact::by_basis(&pairs, &levels, None) else {
        return;
    };
    for b in &impacts {
        impact_table(o, b, impacts.len() > 1);
    }
}

fn impact_table(o: &mut String, b: &crate::compare::BasisImpact, named: bool) {
    let i = &b.result;
    let year = i.year;
    let basis = if named {
        format!("・{}", escape(&crate::output::compare::basis_label(b)))
    } else {
        String::new()
    };
    let _ = writeln!(
        o,
        "<h3 id=\"impact{}\">自然増減・社会増減の影響度（{year}年{basis}）</h3>\n<table>\n<tr><th>区分</th><th>計算</th><th>比率</th><th>影響度</th></tr>",
        if named { format!("-{}", b.base_year) } else { String::new() }
    );
    for (scale, calc, imp) in [
        (
            &i.levels.natural,
            "シミュレーション1 / パターン1",
            i.natural,
        ),
        (
            &i.levels.social,
            "シミュレーション2 / シミュレーション1",
            i.social,
        ),
    ] {
        let _ = writeln!(
            o,
            "<tr><td>{}</td><td>{}</td><td class=\"n\">{:.1}%</td><td class=\"n\">{}</td></tr>",
            escape(&scale.label),
            calc,
            imp.percent,
            imp.level
        );
    }
    let bands = |b: &[f64]| {
        let mut s = format!("1: {}%未満", b[0]);
        for (k, w) in b.windows(2).enumerate() {
            s.push_str(&format!("、{}: {}～{}%", k + 2, w[0], w[1]));
        }
        s.push_str(&format!("、{}: {}%以上", b.len() + 1, b[b.len() - 1]));
        s
    };
    let _ = writeln!(
        o,
        "</table>\n<p class=\"note\">{}: {}。{}: {}。出典: {}</p>",
        escape(&i.levels.natural.label),
        bands(&i.levels.natural.bounds_percent),
        escape(&i.levels.social.label),
        bands(&i.levels.social.bounds_percent),
        escape(&i.levels.source)
    );
}

/// The 若年女性人口 indicator (人口戦略会議 2024) of the 2020-based パターン1, when it is among the
/// report's scenarios or in the pack folder.
/// 人口の長期的な安定: each scenario's last period held (see [`crate::compare::longrun`]).
fn long_run_section(o: &mut String, runs: &[Run]) -> Result<()> {
    use crate::compare::longrun::{long_run, CONTINUE_YEARS};
    o.push_str("<h3 id=\"long-run\">人口の長期的な安定</h3>\n<table>\n<tr><th>シナリオ</th><th>5年あたりの増加率</th><th>安定人口 0-14歳 / 15-64歳 / 65歳以上</th><th>人口減少が止まる年</th><th>その年の人口</th><th>人口モメンタム</th></tr>\n");
    for r in runs {
        let l = long_run(&r.scenario.model, &r.projection)?;
        let (stop, level) = match l.stop {
            Some((y, t)) => (format!("{y}年"), persons(t)),
            None => (format!("{CONTINUE_YEARS}年後も減少"), "―".to_string()),
        };
        let _ = writeln!(
            o,
            "<tr><td>{}</td><td class=\"n\">{:.4}（年率{:+.2}%）</td><td class=\"n\">{} / {} / {}</td><td class=\"n\">{stop}</td><td class=\"n\">{level}</td><td class=\"n\">{:.3}</td></tr>",
            escape(&r.scenario.title),
            l.lambda,
            100.0 * l.annual_rate,
            pct(l.stable_groups[0]),
            pct(l.stable_groups[1]),
            pct(l.stable_groups[2]),
            l.momentum,
        );
    }
    o.push_str("</table>\n<p class=\"note\">推計最終期間の仮定（出生・死亡・移動）がその後も続くとした場合。増加率は年齢構成が安定した後の5年ごとの人口の倍率（1未満は減少）、安定人口はそのときの年齢構成、人口モメンタムは最終年の人口から出生を置換水準に、移動をゼロにしたとき最終的に落ち着く人口の比（jinko longrun）。</p>\n");
    Ok(())
}

fn young_women_section(o: &mut String, runs: &[Run]) -> Result<()> {
    use crate::compare::young_women;
    let pairs: Vec<_> = runs.iter().map(|r| (&r.scenario, &r.projection)).collect();
    let Some(f) = young_women::find(&pairs)? else {
        return Ok(());
    };
    let y = &f.indicator;
    let d = young_women::Definition::get()?;
    let from = match &f.from_pack {
        Some(p) => format!(
            "{}（パック内の {}）",
            escape(&f.title),
            escape(
                &p.file_name()
                    .map_or(String::new(), |n| n.to_string_lossy().into_owned())
            )
        ),
        None => escape(&f.title),
    };
    let _ = writeln!(
        o,
        "<h3 id=\"young-women\">若年女性人口（20～39歳の女性）</h3>\n<p>{}。</p>\n<table>\n<tr><th>区分</th><th>{}年</th><th>{}年</th><th>減少率</th></tr>",
        escape(&young_women::sentence(y)),
        y.from,
        y.to
    );
    for (label, end, decline) in [
        ("移動仮定", y.with_migration, y.decline_migration),
        ("封鎖人口（移動なし）", y.closed, y.decline_closed),
    ] {
        let _ = writeln!(
            o,
            "<tr><td>{label}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{:.1}%</td></tr>",
            persons(y.base),
            persons(end),
            decline
        );
    }
    let _ = writeln!(
        o,
        "</table>\n<p class=\"note\">推計: {from}。封鎖人口は同じ推計で{}年以降の純移動をゼロとしたもの。出典: {}</p>",
        y.from,
        escape(&d.source)
    );
    Ok(())
}

fn kpi_section(o: &mut String, review: &Review, svg: Option<&str>) {
    let s = review.strategy;
    let _ = writeln!(
        o,
        "<h2>7. 総合戦略 KPIの評価</h2>\n<p>{}（{}）。出典: {}（{}）。</p>",
        escape(&s.name.ja),
        escape(
            &s.source
                .covers
                .clone()
                .unwrap_or_else(|| format!("{}～{}年度", s.period.0, s.period.1))
        ),
        escape(&s.source.title),
        escape(&s.source.publisher)
    );
    let threshold = format!("{:.0}%", 100.0 * s.rule.threshold());
    let _ = writeln!(
        o,
        "<p class=\"note\">評価: ○ 実績/目標 {threshold}以上（到達目標は到達で○）、△ {threshold}未満、× 実績値の把握が不可能・事業未実施。</p>"
    );
    if let Some(svg) = svg {
        figure(o, "chart-kpi", svg, "基本目標別のKPI評価（件数）");
    }
    o.push_str("<h3>各施策の重要業績評価指標(KPI)の達成状況</h3>\n<table>\n<tr><th>基本目標</th><th>KPI設定数</th><th>○</th><th>△</th><th>×</th><th>○の割合</th><th>△の割合</th><th>×の割合</th></tr>\n");
    let share = |n: usize, of: usize| {
        s.rule
            .share_percent(n, of)
            .map_or(NO_FIGURE.into(), |p| format!("{p}%"))
    };
    let mut row = |label: String, t: &crate::kpi::Tally| {
        let _ = writeln!(
            o,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            escape(&label),
            t.count,
            t.achieved,
            t.not_achieved,
            t.other,
            share(t.achieved, t.count),
            share(t.not_achieved, t.count),
            share(t.other, t.count),
        );
    };
    for g in &review.goals {
        row(format!("基本目標{}", g.goal), &g.tally);
    }
    row("合計".into(), &review.total);
    o.push_str("</table>\n");
    let heads = super::kpi_headers(review);
    // The table of `jinko kpi`, laid out for A4: the project, the KPI, its unit and the
    // department in one cell; the series label before its figures, as `jinko kpi` prints it.
    let years = super::kpi_years(review);
    let (base_head, actual_head, target_head) =
        (&heads[6], &heads[7 + years.len()], &heads[8 + years.len()]);
    let _ = write!(
        o,
        "<h3>重要業績評価指標(KPI)</h3>\n<div class=\"scroll\"><table class=\"kpi wide\">\n<tr><th rowspan=\"2\">基本目標</th><th rowspan=\"2\">具体的な事業・重要業績評価指標(KPI)（単位）・担当課</th><th rowspan=\"2\">{}</th><th colspan=\"{}\">実績値</th><th rowspan=\"2\">{}</th><th rowspan=\"2\">{}</th><th rowspan=\"2\">達成率</th><th rowspan=\"2\">総合評価</th></tr>\n<tr>",
        escape(base_head),
        years.len(),
        escape(actual_head),
        escape(target_head)
    );
    for y in &years {
        let _ = write!(
            o,
            "<th class=\"y\">{}</th>",
            crate::kpi::strategy::era_label(*y)
        );
    }
    o.push_str("</tr>\n");
    for k in super::kpi_rows(review) {
        let n = k.series.len();
        for (i, s) in k.series.iter().enumerate() {
            let fig = |t: &str| match (&s.label, t.is_empty()) {
                (Some(l), false) => format!("{} {t}", l),
                _ => t.to_string(),
            };
            o.push_str("<tr>");
            if i == 0 {
                let _ = write!(
                    o,
                    "<td class=\"n\" rowspan=\"{n}\">{}</td><td class=\"name\" rowspan=\"{n}\">{}<br><b>{}</b>（{}）<br><span class=\"dept\">{}</span></td>",
                    k.goal,
                    escape(&k.project),
                    escape(&k.name),
                    escape(&k.unit),
                    escape(&k.department),
                );
            }
            let _ = write!(o, "<td class=\"n\">{}</td>", escape(&fig(&s.base.text)));
            for c in &s.years {
                let _ = write!(o, "<td class=\"n\">{}</td>", escape(&fig(&c.text)));
            }
            let _ = write!(o, "<td class=\"n\">{}</td>", escape(&fig(&s.actual.text)));
            if i == 0 {
                let _ = write!(
                    o,
                    "<td rowspan=\"{n}\">{}</td><td class=\"n\" rowspan=\"{n}\">{}</td><td class=\"g\" rowspan=\"{n}\">{}</td>",
                    escape(&k.target.text),
                    escape(&k.ratio_text),
                    escape(&k.grade),
                );
            }
            o.push_str("</tr>\n");
        }
    }
    o.push_str("</table></div>\n");
    goal_section(o, review);
}

/// The goal-indicator table (目標人口及び基本目標の数値目標), as the city's review lays it out.
fn goal_section(o: &mut String, review: &Review) {
    let rows = super::goal_rows(review);
    if rows.is_empty() {
        return;
    }
    o.push_str("<h3 id=\"goals\">目標人口及び基本目標の数値目標</h3>\n<div class=\"scroll\"><table class=\"goals\">\n<tr>");
    for h in super::GOAL_HEADERS {
        let _ = write!(o, "<th>{h}</th>");
    }
    o.push_str("</tr>\n");
    for g in rows {
        let _ = writeln!(
            o,
            "<tr><td class=\"n\">{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"g\">{}</td></tr>",
            g.goal.map_or(String::new(), |n| n.to_string()),
            escape(g.name.as_deref().unwrap_or("")),
            escape(g.unit.as_deref().unwrap_or("")),
            escape(&g.period),
            escape(&g.ipss.text),
            escape(&g.target.text),
            escape(&g.actual.text),
            escape(&g.ratio_text),
            escape(&g.grade),
        );
    }
    o.push_str("</table></div>\n");
}
