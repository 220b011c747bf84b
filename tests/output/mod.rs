//! What planners take away (issue #6): the SVG charts (snapshots of their structure and text),
//! the Excel workbook read back with calamine, CSV for Excel (BOM, CRLF, Shift_JIS and its
//! error), `jinko chart` and `jinko report` on the command line, the report set written whole or
//! not at all, the HTML report in a real headless browser, and the notebooks executed headless.
//!
//! The browser and notebook tests need `/usr/bin/chromium` and `jupyter` (`.ci/run` installs
//! them); without them they fail with a message saying how to install them, never skip.

use crate::common::kama;
use assert_cmd::Command;
use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
use jinko::output::chart::build::{self, Run};
use jinko::output::chart::{
    svg_summary, Band, Chart, Contour, FanChart, HeatmapChart, Marker, Series, TornadoBar,
    TornadoChart,
};
use jinko::output::csv::{encode, CsvTable, Encoding};
use jinko::output::report;
use std::path::{Path, PathBuf};

fn jinko() -> Command {
    let mut cmd = Command::cargo_bin("jinko").expect("the jinko binary is built");
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}

fn runs() -> Vec<Run> {
    vec![Run::load(&kama("ipss-h30.toml")).expect("ipss-h30 projects")]
}

fn kama_review_strategy() -> jinko::kpi::Strategy {
    jinko::kpi::load(&kama("kpi.toml")).expect("kpi.toml loads")
}

/// Every text of an SVG summary must be well-formed and the document must be an SVG.
fn check_svg(svg: &str) {
    assert!(svg.starts_with("<svg"), "{}", &svg[..80.min(svg.len())]);
    assert!(svg.trim_end().ends_with("</svg>"));
    assert!(svg.contains("font-family=\"Noto Sans CJK JP"));
}

#[test]
fn trajectory_chart_shows_scenario_ipss_and_target() {
    let svg = build::trajectories(&runs()).svg().expect("renders");
    check_svg(&svg);
    let summary = svg_summary(&svg);
    for needle in [
        "嘉麻市 総人口の推移",
        "パターン1 (社人研推計準拠)",
        "社人研推計（平成30年推計）",
        "社人研推計（平成30年推計）の延長（公表値）",
        "目標 17,033人（2065年）",
        "総人口（人）",
    ] {
        assert!(summary.contains(needle), "{needle} missing:\n{summary}");
    }
    insta::assert_snapshot!("chart_trajectories", summary);
}

#[test]
fn pyramid_chart_has_three_years_and_every_age_group() {
    let r = runs();
    let years = build::default_pyramid_years(&r[0].projection);
    assert_eq!(years, vec![2015, 2040, 2065]);
    let svg = build::pyramid(&r, &years).svg().expect("renders");
    check_svg(&svg);
    let summary = svg_summary(&svg);
    for needle in [
        "2015年",
        "2040年",
        "2065年",
        "0-4",
        "90+",
        "男性（",
        "女性（",
    ] {
        assert!(summary.contains(needle), "{needle} missing");
    }
    insta::assert_snapshot!("chart_pyramid", summary);
}

#[test]
fn shares_and_components_charts() {
    let r = runs();
    let shares = build::shares(&r).svg().expect("renders");
    check_svg(&shares);
    let s = svg_summary(&shares);
    assert!(s.contains("老年人口（65歳以上）"));
    insta::assert_snapshot!("chart_shares", s);
    let comp = build::components(&r).svg().expect("renders");
    check_svg(&comp);
    let c = svg_summary(&comp);
    assert!(
        c.contains("自然増減（出生−死亡）") && c.contains("期間（開始年）") && c.contains("2055")
    );
    insta::assert_snapshot!("chart_components", c);
}

#[test]
fn kpi_grade_chart_counts_per_goal() {
    let strategy = kama_review_strategy();
    let review = jinko::kpi::review(&strategy).expect("review");
    let chart = build::grades(&review);
    let total: usize = chart
        .bars
        .iter()
        .map(|b| b.achieved + b.not_achieved + b.other + b.pending)
        .sum();
    assert_eq!(total, review.total.count);
    let svg = chart.svg().expect("renders");
    check_svg(&svg);
    insta::assert_snapshot!("chart_kpi", svg_summary(&svg));
}

fn years() -> Vec<i32> {
    (2015..=2065).step_by(5).collect()
}

#[test]
fn fan_chart_from_percentiles() {
    let ys = years();
    let median: Vec<f64> = ys
        .iter()
        .map(|y| 38_000.0 - 500.0 * (y - 2015) as f64)
        .collect();
    let band = |w: f64, label: &str| Band {
        label: label.into(),
        low: median
            .iter()
            .enumerate()
            .map(|(k, m)| m - w * k as f64)
            .collect(),
        high: median
            .iter()
            .enumerate()
            .map(|(k, m)| m + w * k as f64)
            .collect(),
    };
    let bands = vec![band(800.0, "5–95%"), band(400.0, "25–75%")];
    let chart = FanChart {
        title: "モンテカルロ 総人口".into(),
        y_label: "総人口（人）".into(),
        years: ys.clone(),
        median,
        median_label: "中央値".into(),
        bands,
        references: vec![Series {
            label: "社人研推計".into(),
            points: vec![(2015, 38_743.0), (2045, 18_457.0)],
        }],
        markers: vec![Marker {
            label: "目標 17,033人".into(),
            year: 2065,
            value: 17_033.0,
        }],
    };
    let svg = chart.svg().expect("renders");
    check_svg(&svg);
    insta::assert_snapshot!("chart_fan", svg_summary(&svg));
    // A band of the wrong length is an error, not a panic.
    let mut bad = chart.clone();
    bad.bands[0].low.pop();
    let err = bad.svg().expect_err("mismatched band");
    assert!(err.to_string().contains("5–95%"), "{err}");
}

#[test]
fn tornado_chart_sorts_by_span() {
    let chart = TornadoChart {
        title: "2065年人口への影響".into(),
        x_label: "2065年の総人口（人）".into(),
        base: 10_070.0,
        bars: vec![
            TornadoBar {
                label: "生残率 ±1%".into(),
                low: 9_900.0,
                high: 10_240.0,
            },
            TornadoBar {
                label: "合計特殊出生率 1.4–2.1".into(),
                low: 9_300.0,
                high: 12_900.0,
            },
            TornadoBar {
                label: "純移動率 ×0–×1.5".into(),
                low: 14_800.0,
                high: 8_100.0,
            },
        ],
        target: Some(Marker {
            label: "目標 17,033人".into(),
            year: 2065,
            value: 17_033.0,
        }),
    };
    let svg = chart.svg().expect("renders");
    check_svg(&svg);
    let summary = svg_summary(&svg);
    // The widest bar (migration) is the top row: drawn last, so its label comes last.
    let pos = |s: &str| summary.find(s).unwrap_or(usize::MAX);
    assert!(pos("生残率 ±1%") < pos("合計特殊出生率 1.4–2.1"));
    assert!(pos("合計特殊出生率 1.4–2.1") < pos("純移動率 ×0–×1.5"));
    insta::assert_snapshot!("chart_tornado", summary);
}

#[test]
fn heatmap_with_target_contour() {
    let x: Vec<f64> = vec![1.2, 1.4, 1.6, 1.8, 2.0, 2.2];
    let y: Vec<f64> = vec![0.0, 0.5, 1.0, 1.5];
    // A made-up surface: more births and less out-migration give more people.
    let values: Vec<Vec<f64>> = y
        .iter()
        .map(|m| {
            x.iter()
                .map(|t| 6_000.0 * t + 8_000.0 * (1.5 - m))
                .collect()
        })
        .collect();
    let chart = HeatmapChart {
        title: "2065年の総人口".into(),
        x_label: "合計特殊出生率".into(),
        y_label: "純移動率の倍率".into(),
        value_label: "2065年の総人口（人）".into(),
        x,
        y,
        values,
        contour: Some(Contour {
            level: 17_033.0,
            label: "目標 17,033人".into(),
        }),
    };
    let svg = chart.svg().expect("renders");
    check_svg(&svg);
    let summary = svg_summary(&svg);
    assert!(summary.contains("合計特殊出生率") && summary.contains("目標 17,033人"));
    insta::assert_snapshot!("chart_heatmap", summary);
    let mut bad = chart.clone();
    bad.values[1].push(1.0);
    assert!(bad.svg().is_err());
}

#[test]
fn charts_reject_non_finite_values() {
    let chart = TornadoChart {
        title: "t".into(),
        x_label: "x".into(),
        base: 1.0,
        bars: vec![TornadoBar {
            label: "a".into(),
            low: f64::NAN,
            high: 2.0,
        }],
        target: None,
    };
    let err = chart.svg().expect_err("NaN");
    assert!(err.to_string().contains("finite"), "{err}");
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        // One decimal, whole numbers without it: rounding first keeps the text independent of
        // the last bits of a sum (e.g. -3729.99999999 and -3730.00000001 both read -3730).
        Data::Float(f) => {
            let r = (f * 10.0).round() / 10.0;
            if r.fract() == 0.0 {
                format!("{r:.0}")
            } else {
                format!("{r:.1}")
            }
        }
        Data::Int(i) => i.to_string(),
        other => other.to_string(),
    }
}

#[test]
fn workbook_reads_back_with_japanese_headers() {
    let r = runs();
    let strategy = kama_review_strategy();
    let review = jinko::kpi::review(&strategy).expect("review");
    let bytes = report::xlsx::render(&r, Some(&review)).expect("workbook");
    let mut wb: Xlsx<_> =
        open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("calamine opens it");
    let names = wb.sheet_names().to_vec();
    assert_eq!(
        names,
        vec![
            "概要",
            "比較",
            "人口_ipss-h30",
            "人口動態",
            "年齢3区分",
            "KPI評価",
            "KPI集計",
            "数値目標"
        ]
    );
    let mut dump = String::new();
    for name in &names {
        let range = wb.worksheet_range(name).expect("sheet");
        dump.push_str(&format!(
            "## {name} ({} x {})\n",
            range.height(),
            range.width()
        ));
        // Whole sheets for the small ones; the header and first rows of the large ones.
        let rows = if name.starts_with("人口_") { 4 } else { 40 };
        for row in range.rows().take(rows) {
            let cells: Vec<String> = row.iter().map(cell_text).collect();
            dump.push_str(&cells.join(" | "));
            dump.push('\n');
        }
    }
    // The 2065 total matches the projection, and the gap to the target is there.
    let cmp = wb.worksheet_range("比較").expect("比較");
    let total_2065 = r[0].projection.total_in(2065).expect("2065");
    let header: Vec<String> = cmp
        .rows()
        .next()
        .expect("header")
        .iter()
        .map(cell_text)
        .collect();
    let col = header
        .iter()
        .position(|h| h == "2065年")
        .expect("2065 column");
    match cmp.get((1, col)) {
        Some(Data::Float(v)) => assert!((v - total_2065).abs() < 1e-6),
        other => panic!("2065 total: {other:?}"),
    }
    insta::assert_snapshot!("workbook", dump);
}

#[test]
fn csv_for_excel_bom_crlf_and_shift_jis() {
    let tables = report::csv_tables(&runs(), None);
    let (_, cmp) = tables
        .iter()
        .find(|(n, _)| n == "comparison.csv")
        .expect("comparison.csv");
    let utf8 = encode(cmp, Encoding::Utf8Bom).expect("utf-8");
    assert_eq!(&utf8[..3], b"\xEF\xBB\xBF");
    let text = std::str::from_utf8(&utf8[3..]).expect("utf-8");
    assert!(text.starts_with("区分,2015年,2020年"), "{text}");
    assert!(text.lines().count() >= 3);
    assert!(text.split("\r\n").all(|l| !l.contains('\n')), "CRLF only");
    let sjis = encode(cmp, Encoding::ShiftJis).expect("shift_jis");
    let (back, _, bad) = encoding_rs::SHIFT_JIS.decode(&sjis);
    assert!(!bad);
    assert_eq!(back, text);

    let mut t = CsvTable::new(["名前", "値"]);
    t.push(vec!["髙橋".into(), "1".into()]);
    t.push(vec!["𠮷田".into(), "2".into()]);
    let err = encode(&t, Encoding::ShiftJis).expect_err("𠮷 is outside Shift_JIS");
    assert_eq!(
        err.to_string(),
        "row 3, column `名前`: the character '𠮷' (U+20BB7) cannot be written in Shift_JIS: replace it, or write UTF-8 (the default) instead"
    );
}

#[test]
fn terminal_table_lines_up_japanese() {
    use jinko::output::table::{width, Align, Table};
    let mut t = Table::new(&[("シナリオ", Align::Left), ("2065年", Align::Right)]);
    t.row(vec!["パターン1 (社人研推計準拠)".into(), "10,070".into()]);
    t.row(vec!["target".into(), "17,033".into()]);
    let out = t.render();
    let widths: Vec<usize> = out.lines().map(width).collect();
    assert!(widths.iter().all(|w| *w == widths[0]), "{out}");
}

#[test]
fn chart_command_writes_svg() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (kind, input) in [
        ("trajectories", kama("ipss-h30.toml")),
        ("pyramid", kama("ipss-h30.toml")),
        ("shares", kama("ipss-h30.toml")),
        ("components", kama("ipss-h30.toml")),
        ("kpi", kama("kpi.toml")),
    ] {
        let out = dir.path().join(format!("{kind}.svg"));
        jinko()
            .args(["chart", kind])
            .arg(&input)
            .arg("--out")
            .arg(&out)
            .assert()
            .success();
        let svg = std::fs::read_to_string(&out).expect("written");
        check_svg(&svg);
    }
    // A pyramid year the projection does not have is a clear error.
    let out = dir.path().join("bad.svg");
    let assert = jinko()
        .args(["chart", "pyramid"])
        .arg(kama("ipss-h30.toml"))
        .args(["--year", "2042", "--out"])
        .arg(&out)
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(stderr.contains("--year 2042"), "{stderr}");
    assert!(!out.exists());
}

const REPORT_FILES: [&str; 17] = [
    "report.html",
    "jinko-report.xlsx",
    "population.csv",
    "components.csv",
    "comparison.csv",
    "kpi.csv",
    "goals.csv",
    "trajectories.svg",
    "pyramid.svg",
    "shares.svg",
    "components.svg",
    "kpi.svg",
    "trajectories.png",
    "pyramid.png",
    "shares.png",
    "components.png",
    "kpi.png",
];

fn write_report(out: &Path) {
    jinko()
        .arg("report")
        .arg(kama("ipss-h30.toml"))
        .arg("--kpi")
        .arg(kama("kpi.toml"))
        .arg("--out")
        .arg(out)
        .assert()
        .success();
}

#[test]
fn report_command_writes_the_whole_set() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("report");
    write_report(&out);
    let mut found: Vec<String> = std::fs::read_dir(&out)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    found.sort();
    let mut want: Vec<String> = REPORT_FILES.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(found, want, "no temporary file is left behind");
    let html = std::fs::read_to_string(out.join("report.html")).expect("html");
    for needle in [
        "嘉麻市 将来人口推計レポート",
        "目標人口（2065年 17,033人）との差",
        "10,070",
        "-6,963",
        "-40.9%",
        "国勢調査",
        "各施策の重要業績評価指標(KPI)の達成状況",
    ] {
        assert!(html.contains(needle), "{needle} missing from the report");
    }
    // Self-contained: nothing fetched from elsewhere.
    for bad in ["http://", "https://", "<link", "src="] {
        let hits: Vec<&str> = html
            .match_indices(bad)
            .map(|(i, _)| &html[i.saturating_sub(40)..(i + 60).min(html.len())])
            .filter(|ctx| !ctx.contains("http://www.w3.org/2000/svg"))
            .collect();
        assert!(hits.is_empty(), "{bad}: {hits:?}");
    }
    let csv = std::fs::read(out.join("population.csv")).expect("csv");
    assert_eq!(&csv[..3], b"\xEF\xBB\xBF");
    // Writing again over an existing folder replaces the files, leaves nothing else.
    write_report(&out);
    assert_eq!(
        std::fs::read_dir(&out).expect("dir").count(),
        REPORT_FILES.len()
    );
}

#[test]
fn report_in_shift_jis_fails_whole_on_an_unencodable_title() {
    let dir = tempfile::tempdir().expect("tempdir");
    let scenario = dir.path().join("yoshi.toml");
    let pack = kama("pack.toml");
    let pack_dir = pack.parent().expect("pack dir");
    std::fs::write(
        &scenario,
        format!(
            "title = \"𠮷野ケース\"\npack = \"{}\"\nbase_year = 2015\nbase = \"projection\"\nmethod = \"cwr\"\nhorizon = 2065\n\n[assumptions]\nfrom = \"projection\"\nsurvival = \"life-table\"\nmigration = \"rates\"\n",
            pack_dir.display().to_string().replace('\\', "/")
        ),
    )
    .expect("write scenario");
    let out = dir.path().join("report");
    let assert = jinko()
        .arg("report")
        .arg(&scenario)
        .args(["--encoding", "shift_jis", "--out"])
        .arg(&out)
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(
        stderr.contains("population.csv: row 2, column `シナリオ`") && stderr.contains("U+20BB7"),
        "{stderr}"
    );
    assert!(!out.exists(), "nothing written");
    // In UTF-8 the same report is fine.
    jinko()
        .arg("report")
        .arg(&scenario)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
}

#[test]
fn write_set_leaves_nothing_on_failure() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("set");
    let files = vec![
        ("a.txt".to_string(), b"a".to_vec()),
        // A name that is a path into a missing folder cannot be written.
        ("missing/b.txt".to_string(), b"b".to_vec()),
    ];
    assert!(report::write_set(&out, &files).is_err());
    assert!(!out.exists());
    assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 0);
}

fn chromium() -> PathBuf {
    let path = PathBuf::from("/usr/bin/chromium");
    assert!(
        path.exists(),
        "the browser test needs Debian's chromium: run `apt-get install -y chromium fonts-noto-cjk` (.ci/run does)"
    );
    path
}

fn headless(profile: &Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(chromium());
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--enable-logging=stderr",
        "--v=0",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    cmd
}

#[test]
fn report_loads_in_a_headless_browser() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("report");
    write_report(&out);
    let url = format!("file://{}", out.join("report.html").display());

    let dom = headless(&dir.path().join("profile-dom"))
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .expect("chromium runs");
    assert!(dom.status.success(), "chromium failed: {dom:?}");
    let html = String::from_utf8_lossy(&dom.stdout);
    let stderr = String::from_utf8_lossy(&dom.stderr);
    assert!(
        html.contains("data-check=\"charts=5 empty=0 errors=0\""),
        "the page's own check did not pass: {}\nstderr: {stderr}",
        html.lines()
            .find(|l| l.contains("<body"))
            .unwrap_or("(no body)")
    );
    let console: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("CONSOLE") || l.contains("Uncaught"))
        .collect();
    assert!(console.is_empty(), "console messages: {console:#?}");

    let shot = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("report-screenshot.png");
    let _ = std::fs::remove_file(&shot);
    let status = headless(&dir.path().join("profile-shot"))
        .arg(format!("--screenshot={}", shot.display()))
        .arg("--window-size=1280,2000")
        .arg(&url)
        .output()
        .expect("chromium runs");
    assert!(status.status.success(), "{status:?}");
    let png = std::fs::read(&shot).expect("screenshot written");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 20_000,
        "{} bytes",
        png.len()
    );
}

#[test]
fn notebooks_execute_headless() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let found = std::process::Command::new("jupyter")
        .args(["nbconvert", "--version"])
        .output();
    assert!(
        matches!(&found, Ok(o) if o.status.success()),
        "the notebook test needs jupyter: run `pip install nbconvert nbclient ipykernel matplotlib` (.ci/run does)"
    );
    let mut notebooks: Vec<PathBuf> = std::fs::read_dir(root.join("notebooks"))
        .expect("notebooks/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "ipynb"))
        .collect();
    notebooks.sort();
    assert!(notebooks.len() >= 3, "{notebooks:?}");
    let out = tempfile::tempdir().expect("tempdir");
    for nb in &notebooks {
        let text = std::fs::read_to_string(nb).expect("notebook");
        assert!(
            !text.contains("\"output_type\""),
            "{} is committed with outputs: clear them",
            nb.display()
        );
        let run = std::process::Command::new("jupyter")
            .args(["nbconvert", "--to", "notebook", "--execute"])
            .arg("--ExecutePreprocessor.timeout=600")
            .arg("--output-dir")
            .arg(out.path())
            .arg(nb)
            .env("JINKO_BIN", env!("CARGO_BIN_EXE_jinko"))
            .env("MPLBACKEND", "Agg")
            .output()
            .expect("jupyter runs");
        assert!(
            run.status.success(),
            "{} failed:\n{}",
            nb.display(),
            String::from_utf8_lossy(&run.stderr)
        );
    }
}
