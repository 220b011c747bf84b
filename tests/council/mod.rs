//! Council-ready outputs (issue #12): what goes to the council (人口ビジョン, 議会資料) as it is.
//! One test (or more) per point of the issue, on the shipped Kama files.

use crate::common::kama;
use assert_cmd::Command;
use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
use std::path::Path;

fn jinko() -> Command {
    let mut cmd = Command::cargo_bin("jinko").expect("the jinko binary is built");
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}

/// Every shipped scenario of Kama.
const SCENARIOS: [&str; 5] = [
    "ipss-h30.toml",
    "sim1-tfr21.toml",
    "sim2-tfr21-zero-migration.toml",
    "target.toml",
    "ipss-h30-base2020.toml",
];

/// `jinko report` of every shipped scenario with the KPI file into `out`.
fn full_report(out: &Path, encoding: &str) {
    let mut cmd = jinko();
    cmd.arg("report");
    for s in SCENARIOS {
        cmd.arg(kama(s));
    }
    cmd.args(["--kpi"])
        .arg(kama("kpi.toml"))
        .args(["--encoding", encoding, "--no-png", "--out"])
        .arg(out)
        .assert()
        .success();
}

fn stdout(args: &[&str]) -> String {
    let out = jinko().args(args).output().expect("runs");
    assert!(
        out.status.success(),
        "jinko {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

fn workbook(path: &Path) -> Xlsx<std::io::Cursor<Vec<u8>>> {
    let bytes = std::fs::read(path).expect("xlsx");
    open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("calamine opens it")
}

/// Rows of a sheet as cells.
fn sheet(wb: &mut Xlsx<std::io::Cursor<Vec<u8>>>, name: &str) -> Vec<Vec<Data>> {
    wb.worksheet_range(name)
        .unwrap_or_else(|e| panic!("sheet {name}: {e}"))
        .rows()
        .map(<[Data]>::to_vec)
        .collect()
}

/// Whether a cell holds `v` (as a number, or as text reading `v`).
fn holds(d: &Data, v: f64) -> bool {
    match d {
        Data::Float(f) => (f - v).abs() < 1e-9,
        Data::Int(i) => (*i as f64 - v).abs() < 1e-9,
        Data::String(s) => s
            .replace(',', "")
            .parse::<f64>()
            .is_ok_and(|x| (x - v).abs() < 1e-9),
        _ => false,
    }
}

/// A figure as the review prints it: `decimals` decimals, thousands separators (written here,
/// independently of the crate's formatter).
fn printed(v: f64, decimals: usize) -> String {
    let s = format!("{:.*}", decimals, v.abs());
    let (int, frac) = s.split_once('.').map_or((s.as_str(), ""), |(i, f)| (i, f));
    let digits: Vec<char> = int.chars().collect();
    let mut grouped = String::new();
    for (i, c) in digits.iter().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(*c);
    }
    let sign = if v < 0.0 && s.chars().any(|c| ('1'..='9').contains(&c)) {
        "-"
    } else {
        ""
    };
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{frac}")
    }
}

/// Point 1: every file of the report set on the shipped data can be written in Shift_JIS —
/// the CSVs are, and no character of the HTML page or of a chart is outside Shift_JIS, jinko's
/// own "no figure" mark included.
#[test]
fn report_in_shift_jis_on_shipped_data() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("report");
    full_report(&out, "shift_jis");
    let mut csvs = 0;
    for entry in std::fs::read_dir(&out).expect("dir") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let bytes = std::fs::read(&path).expect("read");
        let ext = path.extension().map(|e| e.to_string_lossy().into_owned());
        match ext.as_deref() {
            Some("csv") => {
                csvs += 1;
                assert_ne!(&bytes[..3], b"\xEF\xBB\xBF", "{name}: no BOM in Shift_JIS");
                let (text, _, bad) = encoding_rs::SHIFT_JIS.decode(&bytes);
                assert!(!bad, "{name} is not valid Shift_JIS");
                assert!(text.contains("\r\n"), "{name}: CRLF");
                if name == "kpi.csv" {
                    // The 婚活 KPI has no R6 figure: its mark is in the file.
                    let row = text
                        .lines()
                        .find(|l| l.contains("matchmaking"))
                        .expect("matchmaking row");
                    assert!(row.contains(",―,"), "{row}");
                }
            }
            Some("html") | Some("svg") => {
                let text = String::from_utf8(bytes).expect("utf-8");
                let mut buf = [0u8; 4];
                let bad: std::collections::BTreeSet<char> = text
                    .chars()
                    .filter(|c| encoding_rs::SHIFT_JIS.encode(c.encode_utf8(&mut buf)).2)
                    .collect();
                assert!(bad.is_empty(), "{name}: outside Shift_JIS: {bad:?}");
            }
            _ => {}
        }
    }
    assert!(csvs >= 5, "{csvs} CSV files");
}

/// Point 3: every KPI figure `jinko kpi` prints — the base, each year's figure and the actual
/// compared, of every series (小学校 −2.0 and 中学校 −5.0 both) — is in the HTML page, in kpi.csv
/// and in the workbook.
#[test]
fn every_kpi_value_in_every_output() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("report");
    full_report(&out, "utf-8");
    let html = std::fs::read_to_string(out.join("report.html")).expect("html");
    let csv = String::from_utf8(std::fs::read(out.join("kpi.csv")).expect("csv")[3..].to_vec())
        .expect("utf-8");
    let mut wb = workbook(&out.join("jinko-report.xlsx"));
    let rows = sheet(&mut wb, "KPI評価");
    let json: serde_json::Value = serde_json::from_str(&stdout(&[
        "kpi",
        "scenarios/kama/kpi.toml",
        "--format",
        "json",
    ]))
    .expect("json");
    let table = stdout(&["kpi", "scenarios/kama/kpi.toml"]);
    let strategy = jinko::kpi::load(&kama("kpi.toml")).expect("kpi.toml");
    let mut checked = 0;
    for k in json["kpis"].as_array().expect("kpis") {
        let id = k["id"].as_str().expect("id");
        let kpi = strategy.kpis.iter().find(|x| x.id == id).expect("in file");
        let d = kpi.decimals;
        // (series label, value) of every actual compared.
        let actuals: Vec<(Option<String>, f64)> = match k.get("series") {
            Some(series) => series
                .as_array()
                .expect("series")
                .iter()
                .filter_map(|s| {
                    Some((s["label"].as_str().map(String::from), s["actual"].as_f64()?))
                })
                .collect(),
            None => k["actual"]
                .as_f64()
                .map(|v| (None, v))
                .into_iter()
                .collect(),
        };
        // Plus every yearly figure and base of the file.
        let mut figures = actuals.clone();
        for s in &kpi.series {
            let label = (kpi.series.len() > 1)
                .then(|| s.label.as_ref().map(|l| l.ja.clone()))
                .flatten();
            for e in s.base.iter().chain(s.actuals.values()) {
                if let (Some(v), None) = (e.actual.value(), &e.note) {
                    figures.push((label.clone(), v));
                }
            }
        }
        let html_row = html
            .split("<tr>")
            .skip_while(|r| !r.contains(&format!("<b>{}</b>", kpi.name.ja)))
            .take(kpi.series.len())
            .collect::<Vec<_>>()
            .join("<tr>");
        assert!(!html_row.is_empty(), "{id} not in the HTML");
        let csv_rows: Vec<&str> = csv
            .lines()
            .filter(|l| l.contains(&format!(",{id},")))
            .collect();
        let xlsx_rows: Vec<&Vec<Data>> = rows
            .iter()
            .filter(|r| r.get(1).is_some_and(|c| *c == id))
            .collect();
        assert_eq!(
            csv_rows.len(),
            kpi.series.len(),
            "{id}: a CSV row per series"
        );
        assert_eq!(
            xlsx_rows.len(),
            kpi.series.len(),
            "{id}: a sheet row per series"
        );
        for (label, v) in &figures {
            let text = printed(*v, d);
            let shown = match label {
                Some(l) => format!("{l} {text}"),
                None => text.clone(),
            };
            assert!(table.contains(&shown), "{id}: `{shown}` is what kpi prints");
            assert!(
                html_row.contains(&format!(">{shown}<")),
                "{id}: `{shown}` missing from the HTML: {html_row}"
            );
            let quoted = if text.contains(',') {
                format!("\"{text}\"")
            } else {
                text.clone()
            };
            assert!(
                csv_rows.iter().any(|r| {
                    label.as_ref().is_none_or(|l| r.contains(&format!(",{l},")))
                        && r.split(',').any(|_| true)
                        && r.contains(&quoted)
                }),
                "{id}: {shown} missing from kpi.csv: {csv_rows:?}"
            );
            assert!(
                xlsx_rows.iter().any(|r| {
                    label.as_ref().is_none_or(|l| r[5].to_string() == *l)
                        && r.iter().any(|c| holds(c, *v))
                }),
                "{id}: {shown} missing from the workbook"
            );
            checked += 1;
        }
    }
    // 16 KPIs, about six figures each; the two school series both there.
    assert!(checked > 90, "{checked} figures checked");
    assert!(html.contains(">小学校 -2.0<") && html.contains(">中学校 -5.0<"));
}

/// Point 4: the goal-indicator table (目標人口及び基本目標の数値目標) is in the HTML page and in
/// the workbook, with the review's figures: 目標人口 35,013 / 32,115 / 17,033 against the IPSS
/// 35,013 / 31,376 / 10,044, 就業者人口 13,157 and its actual 14,339, 純移動数 ▲913, 合計特殊出生率
/// 1.65, 住みやすい 75.0 against 65.3 (87%).
#[test]
fn goal_table_in_html_and_workbook() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("report");
    full_report(&out, "utf-8");
    let html = std::fs::read_to_string(out.join("report.html")).expect("html");
    let start = html
        .find("目標人口及び基本目標の数値目標")
        .expect("goal table heading");
    let goals = &html[start..start + html[start..].find("</table>").expect("table end")];
    // (the indicator's name or the period, which occurrence, cells of that line).
    let lines: Vec<&str> = goals.split("<tr>").skip(2).collect();
    for (label, nth, cells) in [
        ("目標人口", 0, &["2015(基準値)", "38,743"][..]),
        ("2020", 0, &["35,013", "35,473", "101%", "○"][..]),
        ("2025", 0, &["31,376", "32,115", "公表待ち"][..]),
        ("2065", 0, &["10,044", "17,033"][..]),
        ("就業者人口", 0, &["15,467"][..]),
        ("2020", 1, &["11,598", "13,157", "14,339", "109%", "○"][..]),
        ("2015-2020", 0, &["-1,772", "-1,833", "97%"][..]),
        ("2020-2025", 0, &["-1,543", "-913"][..]),
        ("合計特殊出生率", 0, &["1.48"][..]),
        ("2025", 2, &["1.56", "1.65"][..]),
        (
            "「住みやすい」「まあ住みやすい」と回答した人の割合",
            0,
            &["70.0"][..],
        ),
        ("2024", 0, &["75.0", "65.3", "87%", "○"][..]),
    ] {
        let row = lines
            .iter()
            .filter(|r| r.contains(&format!(">{label}<")))
            .nth(nth)
            .unwrap_or_else(|| panic!("{label} ({nth}) line missing:\n{goals}"));
        for c in cells {
            assert!(
                row.contains(&format!(">{c}<")),
                "{label}: {c} missing in {row}"
            );
        }
    }
    assert!(goals.contains(">13,157<") && goals.contains(">14,339<"));
    let mut wb = workbook(&out.join("jinko-report.xlsx"));
    let rows = sheet(&mut wb, "数値目標");
    let header: Vec<String> = rows[0].iter().map(|c| c.to_string()).collect();
    assert_eq!(
        header,
        [
            "基本目標",
            "指標",
            "単位",
            "年",
            "社人研推計値",
            "目標値",
            "実績値",
            "達成率",
            "評価"
        ]
    );
    let find =
        |period: &str, col: usize, v: f64| rows.iter().any(|r| r[3] == period && holds(&r[col], v));
    assert!(find("2065", 5, 17033.0), "17,033 target in 2065");
    assert!(find("2065", 4, 10044.0), "10,044 IPSS in 2065");
    assert!(find("2020-2025", 5, -913.0), "-913 net migration target");
    assert!(find("2025", 5, 1.65), "TFR target 1.65");
    assert!(find("2024", 6, 65.3), "65.3% actual");
    // 達成率 is a number formatted as a percent.
    assert!(find("2024", 7, 0.87), "87% as 0.87");
}

/// Point 6: `compare --format csv` names the scenario `target` and the target path apart, and
/// the `--help` of `compare` and `backtest` describes the CSV they print (its header line).
#[test]
fn compare_csv_series_apart_and_help_matches_csv() {
    let csv = stdout(&[
        "compare",
        "scenarios/kama/ipss-h30.toml",
        "scenarios/kama/target.toml",
        "--format",
        "csv",
    ]);
    let mut kinds: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> =
        Default::default();
    for line in csv.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        kinds
            .entry(cells[0].to_string())
            .or_default()
            .insert(cells[1].to_string());
    }
    for (series, k) in &kinds {
        assert_eq!(k.len(), 1, "series {series} is of kinds {k:?}");
    }
    assert_eq!(
        kinds["target"].iter().next().map(String::as_str),
        Some("scenario")
    );
    assert_eq!(
        kinds["目標人口"].iter().next().map(String::as_str),
        Some("target")
    );
    assert_eq!(
        kinds["社人研推計（平成30年推計）"]
            .iter()
            .next()
            .map(String::as_str),
        Some("official")
    );
    for (cmd, args) in [
        (
            "compare",
            &["compare", "scenarios/kama/ipss-h30.toml", "--format", "csv"][..],
        ),
        (
            "backtest",
            &["backtest", "scenarios/kama", "--format", "csv"][..],
        ),
    ] {
        let header = stdout(args).lines().next().expect("header").to_string();
        let help = stdout(&[cmd, "--help"]);
        assert!(
            help.contains(&header),
            "{cmd} --help does not describe `{header}`:\n{help}"
        );
        assert!(!help.contains("year,sex,age,population"), "{cmd} --help");
    }
}

/// Point 7: no `-0.0%` in `compare`, `backtest` or the HTML page; the first year below the
/// target path follows the printed rule (more than 1% below the path linear between the
/// review's 35,013 (2020), 32,115 (2025) and 17,033 (2065)), so the target scenario's 17-person
/// shortfall in 2025 does not count and its first year is computed here independently.
#[test]
fn signs_and_first_year_below_read_right() {
    let k = |s: &str| format!("scenarios/kama/{s}");
    let all: Vec<String> = SCENARIOS[..4].iter().map(|s| k(s)).collect();
    let mut args = vec!["compare"];
    args.extend(all.iter().map(String::as_str));
    let table = stdout(&args);
    let backtest = stdout(&["backtest", "scenarios/kama"]);
    let dir = tempfile::tempdir().expect("tempdir");
    full_report(&dir.path().join("r"), "utf-8");
    let html = std::fs::read_to_string(dir.path().join("r/report.html")).expect("html");
    for (what, text) in [
        ("compare", &table),
        ("backtest", &backtest),
        ("report", &html),
    ] {
        for bad in ["-0.0%", "+0.0%", "-0.00%", "+0.00%", "+0人", "-0人"] {
            assert!(!text.contains(bad), "{what} prints {bad}");
        }
    }
    assert!(table.contains("1%を超えて下回る"), "the rule is printed");
    let target_line = table
        .lines()
        .find(|l| l.starts_with("target ") && l.contains("17,032"))
        .expect("target row of the gap table");
    assert!(target_line.contains(" 0.0%"), "{target_line}");

    // Independently: the path and the rule, on the JSON totals.
    let mut jargs = args.clone();
    jargs.extend(["--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&jargs)).expect("json");
    let path = |y: f64| {
        let pts = [(2020.0, 35013.0), (2025.0, 32115.0), (2065.0, 17033.0)];
        let w = pts.windows(2).find(|w| y >= w[0].0 && y <= w[1].0)?;
        Some(w[0].1 + (y - w[0].0) / (w[1].0 - w[0].0) * (w[1].1 - w[0].1))
    };
    for sc in json["scenarios"].as_array().expect("scenarios") {
        let years = sc["years"].as_array().expect("years");
        let totals = sc["total"].as_array().expect("total");
        let first = years.iter().zip(totals).find_map(|(y, t)| {
            let (y, t) = (y.as_f64()?, t.as_f64()?);
            (t < path(y)? * 0.99).then_some(y as i64)
        });
        assert_eq!(sc["first_below_target"].as_i64(), first, "{}", sc["name"]);
        if sc["name"] == "target" {
            // 32,098 against 32,115 in 2025 (0.05 % short) is not below; 2030 is (1.9 %).
            assert_eq!(first, Some(2030));
        }
    }
}

/// Point 12: notebooks/README.md names exactly the notebooks that exist; `report/` (the
/// README's output folder) is ignored by git; paths are printed without `./` inside.
/// (`solve` with an unreachable target: `batch::solve_says_when_the_target_cannot_be_reached`.)
#[test]
fn notebooks_readme_gitignore_and_tidy_paths() {
    let root = crate::common::root();
    let readme = std::fs::read_to_string(root.join("notebooks/README.md")).expect("README");
    let mut on_disk: Vec<String> = std::fs::read_dir(root.join("notebooks"))
        .expect("notebooks")
        .filter_map(|e| {
            let n = e.ok()?.file_name().to_string_lossy().into_owned();
            n.ends_with(".ipynb").then_some(n)
        })
        .collect();
    on_disk.sort();
    let mut named: Vec<String> = readme
        .split('`')
        .filter(|w| w.ends_with(".ipynb"))
        .map(String::from)
        .collect();
    named.sort();
    named.dedup();
    assert!(!on_disk.is_empty());
    assert_eq!(named, on_disk, "the notebooks the README describes");
    assert!(!readme.contains("will live here"));
    let ignore = std::fs::read_to_string(root.join(".gitignore")).expect(".gitignore");
    // Anchored at the root: an unanchored `report/` would also ignore src/output/report/.
    assert!(ignore.lines().any(|l| l.trim() == "/report/"), "{ignore}");

    // A bad cell in a copy of the pack: the error names the file without `/./`.
    let dir = tempfile::tempdir().expect("tempdir");
    for e in std::fs::read_dir(root.join("scenarios/kama")).expect("kama") {
        let p = e.expect("entry").path();
        if p.is_file() {
            std::fs::copy(&p, dir.path().join(p.file_name().expect("name"))).expect("copy");
        }
    }
    let census = dir.path().join("census.csv");
    let text = std::fs::read_to_string(&census).expect("census");
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let i = lines
        .iter()
        .position(|l| l.starts_with("2015,male,5-9,"))
        .expect("row");
    lines[i] = "2015,male,5-9,many".into();
    std::fs::write(&census, lines.join("\n") + "\n").expect("write");
    let out = jinko()
        .current_dir(dir.path())
        .args(["project", "ipss-h30.toml"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).expect("utf-8");
    assert!(err.starts_with("error: census.csv, line "), "{err}");
    assert!(!err.contains("./"), "{err}");
}

/// The caption of the pyramid figure in the HTML page.
fn pyramid_caption(html: &str) -> String {
    let start = html.find("id=\"chart-pyramid\"").expect("pyramid figure");
    let fig = &html[start..];
    let cap = fig.find("<figcaption>").expect("caption") + "<figcaption>".len();
    fig[cap..cap + fig[cap..].find("</figcaption>").expect("end")].to_string()
}

/// Point 13: the pyramid caption mentions an overlay only when there is one.
#[test]
fn pyramid_caption_mentions_overlay_only_with_two_scenarios() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (n, scenarios) in [
        (1, &["ipss-h30.toml"][..]),
        (2, &["ipss-h30.toml", "target.toml"][..]),
    ] {
        let out = dir.path().join(format!("r{n}"));
        let mut cmd = jinko();
        cmd.arg("report");
        for s in scenarios {
            cmd.arg(kama(s));
        }
        cmd.arg("--out").arg(&out).assert().success();
        let html = std::fs::read_to_string(out.join("report.html")).expect("html");
        let caption = pyramid_caption(&html);
        assert!(caption.contains("パターン1 (社人研推計準拠)"), "{caption}");
        if n == 1 {
            assert!(
                !caption.contains("重ね") && !caption.contains("2つ目"),
                "{caption}"
            );
        } else {
            assert!(
                caption.contains("重ねて") && caption.contains("目標人口 (嘉麻市 独自推計)"),
                "{caption}"
            );
        }
    }
}

/// The HTML rows of one scenario's table in 推計の仮定と出典 (from its heading to the table end).
fn assumptions_of<'a>(html: &'a str, file: &str) -> &'a str {
    let sec = &html[html.find("6. 推計の仮定と出典").expect("section 6")..];
    let start = sec
        .find(&format!("（{file}）</h3>"))
        .unwrap_or_else(|| panic!("{file}"));
    let part = &sec[start..];
    &part[..part.find("</table>").expect("table end")]
}

/// Point 2: 推計の仮定と出典 says per scenario, in Japanese, what it assumes — the TFR path,
/// the migration multipliers and the net-migration target with the solved multiplier (▲913 →
/// 0.5955, which gives the scenario's −913 in 2020-2025), measures, survival, base — and where
/// the numbers come from.
#[test]
fn per_scenario_assumptions_in_the_report() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("r");
    full_report(&out, "utf-8");
    let html = std::fs::read_to_string(out.join("report.html")).expect("html");
    let mut seen = std::collections::BTreeSet::new();
    for file in SCENARIOS {
        let a = assumptions_of(&html, file);
        for head in ["基準人口", "出生", "移動", "施策（定住組数）", "生存率"] {
            assert!(a.contains(&format!("<th>{head}</th>")), "{file}: {head}");
        }
        assert!(a.contains("出典"), "{file}: sources");
        assert!(
            !a.contains("column of the published"),
            "{file}: English left"
        );
        assert!(
            seen.insert(a.to_string()),
            "{file}: the same text as another scenario"
        );
    }
    let p1 = assumptions_of(&html, "ipss-h30.toml");
    assert!(p1.contains("倍率 1") && p1.contains("ipss_h30_projection.csv"));
    assert!(p1.contains("wpp2024_japan_mx.csv"));
    let sim1 = assumptions_of(&html, "sim1-tfr21.toml");
    assert!(sim1.contains("2020年 1.56 → 2030年 2.1"), "{sim1}");
    let sim2 = assumptions_of(&html, "sim2-tfr21-zero-migration.toml");
    assert!(
        sim2.contains("倍率 0") && sim2.contains("純移動ゼロ"),
        "{sim2}"
    );
    let target = assumptions_of(&html, "target.toml");
    for needle in [
        "▲913人",
        "0.5955",
        "基本目標2",
        "1.65",
        "基本目標3",
        "2040年 2.1",
        "0.389",
    ] {
        assert!(
            target.contains(needle),
            "target: {needle} missing: {target}"
        );
    }
    let est = assumptions_of(&html, "ipss-h30-base2020.toml");
    assert!(
        est.contains("推計値") && est.contains("census_2020_margins.csv"),
        "{est}"
    );

    // The multiplier printed is the one that gives the target's −913 in 2020-2025.
    let json: serde_json::Value = serde_json::from_str(&stdout(&[
        "project",
        "scenarios/kama/target.toml",
        "--format",
        "json",
    ]))
    .expect("json");
    let nm = json["components"][1]["net_migration"]
        .as_f64()
        .expect("2020-2025");
    assert!((nm + 913.0).abs() < 1e-6, "{nm}");
    let text = stdout(&["project", "scenarios/kama/target.toml"]);
    let m: f64 = text
        .split("倍率 ")
        .nth(1)
        .and_then(|t| t.split_whitespace().next())
        .or_else(|| {
            text.split("multiplier ")
                .nth(1)
                .and_then(|t| t.split_whitespace().next())
        })
        .and_then(|t| t.trim_end_matches(['。', ',']).parse().ok())
        .expect("the solved multiplier in the project notes");
    assert!(target.contains(&format!("{m:.4}")), "{m:.4} in {target}");
}

/// Point 5: one default start for the migration multiplier in every study (2025 for Kama's 2015
/// base, as the shipped sweep spec starts it), printed by each: `solve migration` and `solve
/// frontier` without `--from` agree with the sweep grid — TFR 2.1 by 2030, the multiplier that
/// keeps 17,033 in 2065 interpolated between the grid's columns.
#[test]
fn one_default_start_year_for_studies() {
    let ipss = "scenarios/kama/ipss-h30.toml";
    let json =
        |args: &[&str]| -> serde_json::Value { serde_json::from_str(&stdout(args)).expect("json") };
    let default = json(&["solve", "migration", ipss, "--format", "json"]);
    let given = json(&[
        "solve",
        "migration",
        ipss,
        "--from",
        "2025",
        "--format",
        "json",
    ]);
    assert_eq!(default["from"], 2025);
    assert_eq!(default["value"], given["value"]);
    let text = stdout(&["solve", "migration", ipss]);
    assert!(text.contains("starting in 2025"), "{text}");

    let frontier = stdout(&["solve", "frontier", ipss, "--tfr", "2.1", "--by", "2030"]);
    let mut lines = frontier.lines();
    assert_eq!(
        lines.next(),
        Some("tfr,tfr_from,tfr_by,migration_from,migration_multiplier,total")
    );
    let row: Vec<&str> = lines.next().expect("row").split(',').collect();
    assert_eq!(row[3], "2025", "the start is printed");
    let m: f64 = row[4].parse().expect("multiplier");

    let grid = stdout(&[
        "sweep",
        "scenarios/kama/studies/sweep-tfr-migration.toml",
        "--format",
        "grid",
        "--quiet",
    ]);
    let block = grid
        .split("# total")
        .find(|b| b.contains("tfr_by=2030"))
        .expect("the 2030 grid");
    assert!(block.contains("migration_from=2025"));
    let mut rows = block.lines().skip(1);
    let cols: Vec<f64> = rows
        .next()
        .expect("header")
        .split(',')
        .skip(1)
        .map(|c| c.parse().expect("column"))
        .collect();
    let tfr21: Vec<f64> = rows
        .find(|r| r.starts_with("2.1,"))
        .expect("TFR 2.1 row")
        .split(',')
        .skip(1)
        .map(|c| c.parse().expect("total"))
        .collect();
    let k = tfr21
        .windows(2)
        .position(|w| w[0] >= 17033.0 && w[1] < 17033.0)
        .expect("bracket");
    let f = (tfr21[k] - 17033.0) / (tfr21[k] - tfr21[k + 1]);
    let interpolated = cols[k] + f * (cols[k + 1] - cols[k]);
    assert!(
        (m - interpolated).abs() < 0.005,
        "frontier {m} against the sweep's {interpolated}"
    );
}

/// The longest run of digits (integer and fraction together) in any CSV field of `text`.
fn longest_number(text: &str) -> usize {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .flat_map(|l| l.split(','))
        .filter(|f| f.parse::<f64>().is_ok())
        .map(|f| f.chars().filter(char::is_ascii_digit).count())
        .max()
        .unwrap_or(0)
}

/// Point 11: numbers for people — no 15–17-digit floats in `batch`, `sweep --format grid`,
/// `solve frontier`, `project --format csv` unless `--precision full` asks for them; thousands
/// separators in the Monte Carlo table; in the workbook 達成率 a number formatted as %, and
/// 90歳以上 rather than 90+歳. (The progress bar's rate, "1.28 M/s", is
/// `output::numbers::rate_per_second`, unit-tested there: a bar needs a terminal.)
#[test]
fn numbers_for_people() {
    let dir = tempfile::tempdir().expect("tempdir");
    let variants = dir.path().join("v.csv");
    std::fs::write(
        &variants,
        "id,fert_mult,mig_mult\nbase,1,1\nlow,0.93,0.87\n",
    )
    .expect("write");
    let v = variants.to_str().expect("utf-8");
    let ipss = "scenarios/kama/ipss-h30.toml";
    let sweep = "scenarios/kama/studies/sweep-tfr-migration.toml";
    let cases: [Vec<&str>; 4] = [
        vec!["batch", ipss, v, "--quiet"],
        vec!["sweep", sweep, "--format", "grid", "--quiet"],
        vec![
            "solve",
            "frontier",
            ipss,
            "--tfr",
            "1.6:2.2:0.15",
            "--by",
            "2040",
        ],
        vec!["project", ipss, "--format", "csv"],
    ];
    for args in &cases {
        let text = stdout(args);
        let n = longest_number(&text);
        assert!(n <= 8, "{args:?}: a number of {n} digits");
        let mut full = args.clone();
        full.extend(["--precision", "full"]);
        assert!(
            longest_number(&stdout(&full)) >= 15,
            "{args:?} --precision full"
        );
    }
    // The 2065 total of the batch's base row reads 10,069.9 (README: 10,070).
    let batch = stdout(&cases[0]);
    assert!(
        batch.lines().nth(1).expect("base").ends_with(",10069.9"),
        "{batch}"
    );

    let mc = stdout(&[
        "montecarlo",
        "scenarios/kama/studies/montecarlo.toml",
        "-n",
        "500",
    ]);
    assert!(mc.contains("38,743") && mc.contains("試行 500回"), "{mc}");
    let mc_en = stdout(&[
        "montecarlo",
        "scenarios/kama/studies/montecarlo.toml",
        "-n",
        "500",
        "--lang",
        "en",
    ]);
    assert!(
        mc_en.contains("trajectories") && mc_en.contains("38,743"),
        "{mc_en}"
    );

    let out = dir.path().join("r");
    full_report(&out, "utf-8");
    let mut wb = workbook(&out.join("jinko-report.xlsx"));
    let kpi = sheet(&mut wb, "KPI評価");
    let col = kpi[0].iter().position(|c| *c == "達成率").expect("達成率");
    let startups = kpi.iter().find(|r| r[1] == "startups").expect("startups");
    // 19 of 15 over five years: 127% as 1.27.
    assert!(holds(&startups[col], 1.27), "{:?}", startups[col]);
    let pop = sheet(&mut wb, "人口_ipss-h30");
    let heads: Vec<String> = pop[0].iter().map(|c| c.to_string()).collect();
    assert!(heads.contains(&"90歳以上".to_string()), "{heads:?}");
    assert!(!heads.iter().any(|h| h.contains('+')), "{heads:?}");
}

/// Point 10: Japanese first — the `project`, `montecarlo`, `tornado` and `backtest` tables and
/// notes, the pack sources in the report — and `--lang en` for English; the tornado table says
/// what low and high are.
#[test]
fn japanese_first_and_lang_en() {
    let ipss = "scenarios/kama/ipss-h30.toml";
    let mc = "scenarios/kama/studies/montecarlo.toml";
    let cases: [(Vec<&str>, &[&str], &[&str]); 4] = [
        (
            vec!["project", ipss],
            &["総人口", "基準人口", "出生数"],
            &["year", "total", "base:", "births"],
        ),
        (
            vec!["montecarlo", mc, "-n", "300"],
            &["平均", "確率", "試行"],
            &["mean", "trajectories"],
        ),
        (
            vec!["tornado", ipss],
            &[
                "合計特殊出生率",
                "純移動率の倍率",
                "low: その仮定だけを下げた推計",
            ],
            &["parameter", "fert_mult", "mig_mult", "spread"],
        ),
        (
            vec!["backtest", "scenarios/kama"],
            &["直近1期間", "2期間平均", "誤差"],
            &["last period", "MAPE"],
        ),
    ];
    for (args, ja, en) in &cases {
        let text = stdout(args);
        for w in *ja {
            assert!(text.contains(w), "{args:?}: {w} missing:\n{text}");
        }
        for w in *en {
            assert!(
                !text.contains(w),
                "{args:?}: English `{w}` in the Japanese table:\n{text}"
            );
        }
        let mut en_args = args.clone();
        en_args.extend(["--lang", "en"]);
        let english = stdout(&en_args);
        assert!(
            en.iter().any(|w| english.contains(w)),
            "{args:?} --lang en is not English:\n{english}"
        );
    }
    // The pack's sources in the report start in Japanese.
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("r");
    full_report(&out, "utf-8");
    let html = std::fs::read_to_string(out.join("report.html")).expect("html");
    let start = html.find("<h3>データパック:").expect("pack sources");
    let dl = &html[start..start + html[start..].find("</dl>").expect("end")];
    let mut n = 0;
    for dd in dl.split("<dd>").skip(1) {
        // Japanese within the first 16 characters (a dataset's name such as SSDSE-A-2026 may
        // come first).
        assert!(
            dd.chars()
                .take(16)
                .any(|c| ('\u{3040}'..='\u{9fff}').contains(&c)),
            "a source in English: {}",
            &dd[..dd.find("</dd>").unwrap_or(dd.len())]
        );
        n += 1;
    }
    assert!(n >= 10, "{n} sources");
}

/// Texts of an SVG document with their font sizes.
fn svg_texts(svg: &str) -> Vec<(f64, String)> {
    let mut out = Vec::new();
    let mut rest = svg;
    while let Some(i) = rest.find("<text") {
        rest = &rest[i..];
        let end = rest.find('>').expect("tag end");
        let tag = &rest[..end];
        let size = tag
            .split("font-size=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .and_then(|s| s.parse().ok())
            .expect("font-size");
        let close = rest.find("</text>").expect("close");
        out.push((size, rest[end + 1..close].trim().to_string()));
        rest = &rest[close..];
    }
    out
}

/// Every chart the report and the study commands draw, by file name.
fn every_chart(dir: &Path) -> Vec<(String, String)> {
    let out = dir.join("r");
    full_report(&out, "utf-8");
    let mut charts = Vec::new();
    for name in ["trajectories", "pyramid", "shares", "components", "kpi"] {
        let svg = std::fs::read_to_string(out.join(format!("{name}.svg"))).expect("svg");
        charts.push((name.to_string(), svg));
    }
    for (name, args) in [
        (
            "fan",
            vec![
                "montecarlo",
                "scenarios/kama/studies/montecarlo.toml",
                "-n",
                "2000",
            ],
        ),
        ("tornado", vec!["tornado", "scenarios/kama/ipss-h30.toml"]),
        (
            "heatmap",
            vec!["sweep", "scenarios/kama/studies/sweep-tfr-migration.toml"],
        ),
    ] {
        let path = dir.join(format!("{name}.svg"));
        let mut cmd = jinko();
        cmd.args(&args).arg("--quiet").arg("--chart").arg(&path);
        cmd.assert().success();
        charts.push((
            name.to_string(),
            std::fs::read_to_string(&path).expect("chart"),
        ));
    }
    charts
}

/// Point 8: charts for A4 — placed at the 160 mm text width of an A4 page every text is 9 pt or
/// more; every value axis has its unit; no internal name (`tfr`, `mig_mult`, …) in any label;
/// the official path drawn above the scenarios; distinct legend entries; the target's label only
/// in the legend (not across the lines); thousands separators in every number.
#[test]
fn charts_fit_a4_and_read_right() {
    let dir = tempfile::tempdir().expect("tempdir");
    let min_mm = 9.0 * 25.4 / 72.0;
    for (name, svg) in every_chart(dir.path()) {
        let width: f64 = svg
            .split("width=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .and_then(|s| s.parse().ok())
            .expect("width");
        let texts = svg_texts(&svg);
        assert!(texts.len() > 5, "{name}");
        for (size, text) in &texts {
            let mm = size * 160.0 / width;
            assert!(
                mm >= min_mm,
                "{name}: `{text}` is {:.1} pt at A4 width",
                mm / 25.4 * 72.0
            );
            for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
                assert!(
                    ![
                        "tfr",
                        "mig_mult",
                        "fert_mult",
                        "mort_mult",
                        "migration",
                        "migration_from"
                    ]
                    .contains(&word),
                    "{name}: internal name in `{text}`"
                );
            }
            // Numbers: 1,000 and up with separators; four digits alone only as years.
            let mut digits = String::new();
            for c in text.chars().chain(std::iter::once(' ')) {
                if c.is_ascii_digit() || (c == ',' && !digits.is_empty()) {
                    digits.push(c);
                } else {
                    let int: String = digits.chars().filter(char::is_ascii_digit).collect();
                    if !digits.contains(',') && int.len() >= 4 {
                        let year =
                            int.len() == 4 && (1900..=2100).contains(&int.parse().unwrap_or(0));
                        assert!(year, "{name}: `{text}` has {int} without separators");
                    }
                    if c != '.' {
                        digits.clear();
                    }
                }
            }
        }
        let all: Vec<&str> = texts.iter().map(|t| t.1.as_str()).collect();
        let unit = match name.as_str() {
            "trajectories" | "fan" => all.iter().any(|t| t.contains("（人）")),
            "pyramid" | "components" => all.contains(&"人"),
            "shares" => all.contains(&"%"),
            "tornado" | "heatmap" => all.iter().any(|t| t.contains("総人口（人）")),
            "kpi" => all.contains(&"KPI数"),
            _ => false,
        };
        assert!(unit, "{name}: no unit on the value axis: {all:?}");
        if name == "trajectories" || name == "fan" {
            let labels: Vec<&&str> = all.iter().filter(|t| !t.is_ascii()).collect();
            let unique: std::collections::BTreeSet<&&&str> = labels.iter().collect();
            assert_eq!(
                unique.len(),
                labels.len(),
                "{name}: a legend entry twice: {labels:?}"
            );
            let target = all
                .iter()
                .filter(|t| t.contains("17,033人（2065年）"))
                .count();
            assert_eq!(target, 1, "{name}: the target's label once, in the legend");
        }
        if name == "trajectories" {
            // パターン1's line (#0072B2, the plotted one with all its points) before the last
            // element of the official path (#5A5A5A): drawn on top of it.
            let line = svg
                .match_indices("stroke=\"#0072B2\"")
                .map(|(i, _)| i)
                .filter(|&i| {
                    svg[i..]
                        .split("/>")
                        .next()
                        .is_some_and(|t| t.matches(',').count() > 5)
                })
                .last()
                .expect("パターン1's line");
            let reference = svg.rfind("stroke=\"#5A5A5A\"").expect("official path");
            assert!(
                reference > line,
                "the official path is drawn under パターン1"
            );
        }
    }
}

/// The width, height and pHYs resolution (pixels per metre) of a PNG.
fn png_info(png: &[u8]) -> (u32, u32, Option<u32>) {
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "a PNG");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    let (w, h) = (be(&png[16..20]), be(&png[20..24]));
    let mut i = 8;
    let mut ppm = None;
    while i + 8 <= png.len() {
        let len = be(&png[i..i + 4]) as usize;
        if &png[i + 4..i + 8] == b"pHYs" {
            ppm = Some(be(&png[i + 8..i + 12]));
        }
        i += 12 + len;
    }
    (w, h, ppm)
}

/// Point 9: a PNG beside every SVG of the report, rendered in Rust with the machine's Japanese
/// font, 160 mm wide at `--dpi` (its pHYs says so), with the title's Japanese text drawn; `jinko
/// chart … --out FILE.png` and `--chart FILE.png`; a bad `--dpi` is an error.
#[test]
fn png_beside_every_svg() {
    assert!(
        jinko::output::chart::png::japanese_font().is_some(),
        "no Japanese font: apt-get install fonts-noto-cjk"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("r");
    jinko()
        .arg("report")
        .args([kama("ipss-h30.toml"), kama("target.toml")])
        .arg("--kpi")
        .arg(kama("kpi.toml"))
        .args(["--dpi", "150", "--out"])
        .arg(&out)
        .assert()
        .success();
    let mut n = 0;
    for e in std::fs::read_dir(&out).expect("dir") {
        let p = e.expect("entry").path();
        if p.extension().is_some_and(|x| x == "svg") {
            let png = std::fs::read(p.with_extension("png")).expect("a PNG beside the SVG");
            let (w, h, ppm) = png_info(&png);
            // 160 mm at 150 dpi = 944.9 pixels.
            assert!(
                (w as f64 - 160.0 / 25.4 * 150.0).abs() <= 1.0,
                "{p:?}: {w} px wide"
            );
            assert_eq!(
                ppm,
                Some((150.0_f64 / 0.0254).round() as u32),
                "{p:?}: pHYs"
            );
            let svg = std::fs::read_to_string(&p).expect("svg");
            let ratio = |s: &str, key: &str| -> f64 {
                s.split(&format!("{key}=\""))
                    .nth(1)
                    .and_then(|v| v.split('"').next())
                    .and_then(|v| v.parse().ok())
                    .expect("size")
            };
            let (sw, sh) = (ratio(&svg, "width"), ratio(&svg, "height"));
            assert!(
                (h as f64 / w as f64 - sh / sw).abs() < 0.01,
                "{p:?}: aspect"
            );
            // The title (Japanese) is drawn: dark pixels in the top band, centred.
            let pix = resvg::tiny_skia::Pixmap::decode_png(&png).expect("decodes");
            let band = (h as f64 * 24.0 / sh) as u32;
            let dark = (0..band)
                .flat_map(|y| (w / 4..3 * w / 4).map(move |x| (x, y)))
                .filter(|&(x, y)| {
                    let c = pix.pixel(x, y).expect("pixel");
                    (c.red() as u32 + c.green() as u32 + c.blue() as u32) < 200
                })
                .count();
            assert!(
                dark > 200,
                "{p:?}: the title is not drawn ({dark} dark pixels)"
            );
            n += 1;
        }
    }
    assert_eq!(n, 5, "five charts");

    let png = dir.path().join("t.png");
    jinko()
        .args(["chart", "trajectories"])
        .arg(kama("ipss-h30.toml"))
        .arg("--out")
        .arg(&png)
        .assert()
        .success();
    let (w, _, ppm) = png_info(&std::fs::read(&png).expect("png"));
    assert!(
        (w as f64 - 160.0 / 25.4 * 300.0).abs() <= 1.0,
        "default 300 dpi: {w}"
    );
    assert_eq!(ppm, Some(11811));
    let fan = dir.path().join("fan.png");
    jinko()
        .args([
            "montecarlo",
            "scenarios/kama/studies/montecarlo.toml",
            "-n",
            "500",
            "--quiet",
            "--dpi",
            "96",
            "--chart",
        ])
        .arg(&fan)
        .assert()
        .success();
    assert!(png_info(&std::fs::read(&fan).expect("fan png")).0 > 500);
    let bad = jinko()
        .args(["chart", "trajectories"])
        .arg(kama("ipss-h30.toml"))
        .args(["--dpi", "0", "--out"])
        .arg(dir.path().join("x.png"))
        .output()
        .expect("runs");
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--dpi"));
    assert!(!dir.path().join("x.png").exists());
}
