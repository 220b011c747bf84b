//! The KPI evaluator (issue #4): reproducing Kama City's published review of its 2nd strategy,
//! the edges of the grading rule, the `jinko kpi` command, and snapshots of its tables.
//!
//! Everything here reads the project's own `scenarios/kama/kpi.toml` or files the tests write.

use assert_cmd::Command;
use jinko::kpi::{
    self, Actual, Comparison, Direction, Grade, IndicatorKind, Lang, Period, Rounding, Rule,
    Strategy,
};
use predicates::prelude::*;
use proptest::prelude::*;
use std::path::{Path, PathBuf};

fn kama_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/kama/kpi.toml")
}

fn kama() -> Strategy {
    kpi::load(&kama_path()).expect("scenarios/kama/kpi.toml loads")
}

fn jinko() -> Command {
    let mut cmd = Command::cargo_bin("jinko").expect("the jinko binary is built");
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}

/// A small KPI file with one goal and the given `[[kpis]]` (and optional `[rule]`) text.
fn mini(extra: &str) -> String {
    format!(
        r#"[strategy]
name = "テスト戦略"
period = [2020, 2024]

[source]
title = "test"
publisher = "test"

[[goals]]
number = 1
title = "目標1"

[goals.indicator]
id = "pop"
kind = "population"
name = "人口"
unit = "人"
direction = "more"
targets = {{ "2025" = 100 }}

{extra}"#
    )
}

/// One `[[kpis]]` table.
fn kpi_toml(id: &str, comparison: &str, direction: &str, target: &str, actuals: &str) -> String {
    format!(
        r#"
[[kpis]]
id = "{id}"
goal = 1
project = "事業"
name = "指標"
unit = "件"
actuals = {{ {actuals} }}
comparison = "{comparison}"
direction = "{direction}"
target = {target}
department = "課"
"#
    )
}

fn parse(text: &str) -> jinko::Result<Strategy> {
    kpi::parse(text, Path::new("test-kpi.toml"))
}

fn grades_of(s: &Strategy) -> Vec<(String, Grade)> {
    let review = kpi::review(s).expect("review");
    review
        .kpis
        .iter()
        .map(|r| (r.kpi.id.clone(), r.assessment.grade))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The report

#[test]
fn every_kpi_gets_the_published_grade() {
    let s = kama();
    assert_eq!(s.kpis.len(), 16);
    let review = kpi::review(&s).expect("review");
    for r in &review.kpis {
        assert_eq!(
            Some(r.assessment.grade),
            r.kpi.published_grade,
            "KPI `{}`",
            r.kpi.id
        );
    }
}

#[test]
fn every_kpi_actual_is_the_published_one() {
    let s = kama();
    let review = kpi::review(&s).expect("review");
    let mut checked = 0;
    for r in &review.kpis {
        for (series, result) in r.kpi.series.iter().zip(&r.series) {
            let published = series
                .published_actual
                .unwrap_or_else(|| panic!("`{}` has a published actual", r.kpi.id));
            match (result.actual, published) {
                (Actual::Value(a), Actual::Value(p)) => {
                    assert!((a - p).abs() < 1e-9, "`{}`: {a} vs {p}", r.kpi.id)
                }
                (a, p) => assert_eq!(a, p, "`{}`", r.kpi.id),
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 17, "16 KPIs, one of them in two series");
}

#[test]
fn summary_per_goal_and_overall_is_the_reports() {
    let s = kama();
    let review = kpi::review(&s).expect("review");
    let per_goal: Vec<(u32, usize, usize, usize, usize)> = review
        .goals
        .iter()
        .map(|g| {
            let t = g.tally;
            (g.goal, t.count, t.achieved, t.not_achieved, t.other)
        })
        .collect();
    assert_eq!(
        per_goal,
        vec![
            (1, 4, 4, 0, 0),
            (2, 4, 1, 3, 0),
            (3, 4, 2, 1, 1),
            (4, 4, 3, 1, 0)
        ]
    );
    let t = review.total;
    assert_eq!(
        (t.count, t.achieved, t.not_achieved, t.other, t.pending),
        (16, 10, 5, 1, 0)
    );
    let rule = &s.rule;
    assert_eq!(rule.share_percent(t.achieved, t.count), Some(63.0));
    assert_eq!(rule.share_percent(t.not_achieved, t.count), Some(31.0));
    assert_eq!(rule.share_percent(t.other, t.count), Some(6.0));
    // Per goal, as printed: 100/0/0, 25/75/0, 50/25/25, 75/25/0.
    let shares: Vec<Vec<Option<f64>>> = review
        .goals
        .iter()
        .map(|g| {
            [g.tally.achieved, g.tally.not_achieved, g.tally.other]
                .iter()
                .map(|n| rule.share_percent(*n, g.tally.count))
                .collect()
        })
        .collect();
    let expect = |a: f64, b: f64, c: f64| vec![Some(a), Some(b), Some(c)];
    assert_eq!(
        shares,
        vec![
            expect(100.0, 0.0, 0.0),
            expect(25.0, 75.0, 0.0),
            expect(50.0, 25.0, 25.0),
            expect(75.0, 25.0, 0.0)
        ]
    );
}

#[test]
fn grading_never_reads_the_published_grade() {
    let text = std::fs::read_to_string(kama_path()).expect("read");
    let stripped: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("published_grade"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(
        text.lines().count() - stripped.lines().count(),
        16,
        "one per KPI removed"
    );
    let original = kama();
    let copy = parse(&stripped).expect("parses without published_grade");
    assert!(copy.kpis.iter().all(|k| k.published_grade.is_none()));
    let published: Vec<(String, Grade)> = original
        .kpis
        .iter()
        .map(|k| (k.id.clone(), k.published_grade.expect("published")))
        .collect();
    assert_eq!(grades_of(&copy), published);
}

#[test]
fn each_kpi_knows_its_line() {
    let text = std::fs::read_to_string(kama_path()).expect("read");
    let s = kama();
    for k in &s.kpis {
        let id_line = text
            .lines()
            .position(|l| l == format!("id = \"{}\"", k.id))
            .expect("id line") as u64
            + 1;
        assert_eq!(
            k.line,
            id_line - 1,
            "`{}`: its [[kpis]] header is the line above its id",
            k.id
        );
    }
}

#[test]
fn the_reports_rule_is_the_default_and_the_files() {
    let s = kama();
    assert_eq!(s.rule, Rule::default());
    assert_eq!(s.rule.threshold(), 0.8);
    assert_eq!(s.rule.ratio_rounding(), Rounding::WholePercent);
    // 62.5 % is printed 63 %: half away from zero, not to even.
    assert_eq!(s.rule.share_percent(10, 16), Some(63.0));
}

#[test]
fn goal_indicators_expose_their_targets_for_evaluate() {
    let s = kama();
    let pop = s.indicator(IndicatorKind::Population).expect("population");
    assert_eq!(pop.target(Period::year(2025)), Some(32115.0));
    assert_eq!(pop.target(Period::year(2065)), Some(17033.0));
    assert_eq!(pop.ipss.get(&Period::year(2065)), Some(&10044.0));
    let mig = s
        .indicator(IndicatorKind::NetMigration)
        .expect("net migration");
    assert_eq!(mig.target(Period::span(2020, 2025)), Some(-913.0));
    assert_eq!(mig.direction, Direction::More);
    let tfr = s.indicator(IndicatorKind::TotalFertilityRate).expect("TFR");
    assert_eq!(tfr.target(Period::year(2025)), Some(1.65));
    let emp = s
        .indicator(IndicatorKind::EmployedPersons)
        .expect("employed");
    assert_eq!(emp.target(Period::year(2025)), Some(11913.0));

    // A projection's figures graded against them.
    let rule = &s.rule;
    let g =
        |i: &kpi::GoalIndicator, p, v: f64| i.assess(p, Actual::Value(v), rule).map(|a| a.grade);
    assert_eq!(
        g(pop, Period::year(2065), 10044.0).ok(),
        Some(Grade::NotAchieved)
    ); // 59 %
    assert_eq!(
        g(pop, Period::year(2025), 31376.0).ok(),
        Some(Grade::Achieved)
    ); // 98 %
    assert_eq!(
        g(mig, Period::span(2020, 2025), -1543.0).ok(),
        Some(Grade::NotAchieved)
    ); // 59 %
    assert_eq!(
        g(mig, Period::span(2020, 2025), 100.0).ok(),
        Some(Grade::Achieved)
    ); // a net gain
    assert_eq!(g(tfr, Period::year(2025), 1.56).ok(), Some(Grade::Achieved)); // 95 %
    assert!(
        g(tfr, Period::year(2030), 1.56).is_err(),
        "no target for 2030"
    );
}

#[test]
fn goal_indicators_are_graded_where_reported_and_pending_where_not() {
    let s = kama();
    let review = kpi::review(&s).expect("review");
    let grade_at = |id: &str, p: Period| {
        review
            .indicators
            .iter()
            .find(|r| r.indicator.id == id)
            .and_then(|r| r.points.iter().find(|x| x.period == p))
            .and_then(|x| x.assessment)
            .map(|a| (a.grade, a.percent))
    };
    assert_eq!(
        grade_at("population", Period::year(2020)),
        Some((Grade::Achieved, Some(101.0)))
    );
    assert_eq!(
        grade_at("population", Period::year(2025)),
        Some((Grade::Pending, None))
    );
    assert_eq!(
        grade_at("population", Period::year(2065)),
        None,
        "no actual yet"
    );
    assert_eq!(
        grade_at("employed_persons", Period::year(2020)),
        Some((Grade::Achieved, Some(109.0)))
    );
    // ▲1,833 against ▲1,772: less negative is better, 1,772 / 1,833 = 97 %.
    assert_eq!(
        grade_at("net_migration", Period::span(2015, 2020)),
        Some((Grade::Achieved, Some(97.0)))
    );
    assert_eq!(
        grade_at("total_fertility_rate", Period::year(2025)),
        Some((Grade::Pending, None))
    );
    assert_eq!(
        grade_at("livability", Period::year(2024)),
        Some((Grade::Achieved, Some(87.0)))
    );
}

// ---------------------------------------------------------------------------------------------
// Edges of the rule

#[test]
fn exactly_80_percent_is_achieved() {
    let r = Rule::default();
    assert_eq!(
        kpi::grade(40.0, 50.0, Comparison::Sum, Direction::More, &r).ok(),
        Some(Grade::Achieved)
    );
    let exact = Rule::new(0.8, Rounding::None, Rounding::None).expect("rule");
    assert_eq!(
        kpi::grade(12.0, 15.0, Comparison::Latest, Direction::More, &exact).ok(),
        Some(Grade::Achieved)
    );
    // In a file too.
    let s = parse(&mini(&kpi_toml(
        "k",
        "sum",
        "more",
        "50",
        "2020 = 15, 2021 = 25",
    )))
    .expect("parse");
    assert_eq!(grades_of(&s), vec![("k".into(), Grade::Achieved)]);
}

#[test]
fn just_below_80_percent_is_not_achieved() {
    let r = Rule::default();
    // 79.4 % rounds to 79 %: △. 79.5 % rounds to 80 %: ○, as the report's whole-percent bands.
    assert_eq!(
        kpi::grade(79.4, 100.0, Comparison::Latest, Direction::More, &r).ok(),
        Some(Grade::NotAchieved)
    );
    assert_eq!(
        kpi::grade(159.0, 200.0, Comparison::Latest, Direction::More, &r).ok(),
        Some(Grade::Achieved)
    );
    // Without rounding, 79.5 % is below 80 %.
    let exact = Rule::new(0.8, Rounding::None, Rounding::None).expect("rule");
    assert_eq!(
        kpi::grade(159.0, 200.0, Comparison::Latest, Direction::More, &exact).ok(),
        Some(Grade::NotAchieved)
    );
    assert_eq!(
        kpi::grade(79.999, 100.0, Comparison::Latest, Direction::More, &exact).ok(),
        Some(Grade::NotAchieved)
    );
    // The setting in a file.
    let text = mini(&format!(
        "[rule]\nratio_rounding = \"none\"\n{}",
        kpi_toml("k", "latest", "more", "200", "2024 = 159")
    ));
    let s = parse(&text).expect("parse");
    assert_eq!(grades_of(&s), vec![("k".into(), Grade::NotAchieved)]);
    let text = mini(&format!(
        "[rule]\nthreshold = 0.75\n{}",
        kpi_toml("k", "latest", "more", "200", "2024 = 150")
    ));
    assert_eq!(
        grades_of(&parse(&text).expect("parse")),
        vec![("k".into(), Grade::Achieved)]
    );
}

#[test]
fn a_zero_target_is_an_error_naming_file_line_and_key() {
    let text = mini(&kpi_toml("zero", "latest", "more", "0", "2024 = 3"));
    let line = text
        .lines()
        .position(|l| l.starts_with("target = 0"))
        .expect("target line") as u64
        + 1;
    let err = parse(&text).expect_err("zero target").to_string();
    assert!(err.contains("test-kpi.toml"), "{err}");
    assert!(err.contains(&format!("line {line}")), "{err}");
    assert!(err.contains("field `target`"), "{err}");
    assert!(err.contains("zero"), "{err}");
    assert!(err.contains("`zero`"), "names the KPI: {err}");
    // The library function refuses it too.
    assert!(kpi::grade(
        3.0,
        0.0,
        Comparison::Latest,
        Direction::More,
        &Rule::default()
    )
    .is_err());
    // A level of zero is fine (reaching the national average).
    let text = mini(&kpi_toml("lvl", "level", "more", "0", "2024 = -1.5"));
    assert_eq!(
        grades_of(&parse(&text).expect("parse")),
        vec![("lvl".into(), Grade::NotAchieved)]
    );
}

#[test]
fn less_is_better_with_sign_changes() {
    let r = Rule::default();
    let g = |a: f64, t: f64, d| kpi::assess(a, t, Comparison::Latest, d, &r).expect("assess");
    // Plain less-is-better: target / actual.
    assert_eq!(g(125.0, 100.0, Direction::Less).percent, Some(80.0));
    assert_eq!(g(126.0, 100.0, Direction::Less).grade, Grade::NotAchieved);
    // Crossing zero to the good side of a positive target: unbounded, ○, no ratio.
    let a = g(-3.0, 10.0, Direction::Less);
    assert_eq!((a.grade, a.ratio), (Grade::Achieved, None));
    let a = g(0.0, 10.0, Direction::Less);
    assert_eq!((a.grade, a.ratio), (Grade::Achieved, None));
    // Net migration, less negative is better: a net gain against a loss target is ○.
    let a = g(200.0, -913.0, Direction::More);
    assert_eq!((a.grade, a.ratio), (Grade::Achieved, None));
    // A bigger loss than the target: 913 / 1,833 = 50 %.
    assert_eq!(g(-1833.0, -913.0, Direction::More).percent, Some(50.0));
    // More is better, actual crossed to the bad side of a positive target: negative ratio, △.
    let a = g(-5.0, 10.0, Direction::More);
    assert_eq!((a.grade, a.percent), (Grade::NotAchieved, Some(-50.0)));
    // Less is better with a negative target (reach −10 or below); +5 is on the bad side.
    assert_eq!(g(-12.0, -10.0, Direction::Less).grade, Grade::Achieved);
    assert_eq!(g(5.0, -10.0, Direction::Less).grade, Grade::NotAchieved);
}

#[test]
fn a_missing_actual_is_other() {
    let r = Rule::default();
    assert_eq!(
        kpi::grade(None, 5.0, Comparison::Latest, Direction::More, &r).ok(),
        Some(Grade::Other)
    );
    assert_eq!(
        kpi::grade(
            Actual::NotCarriedOut,
            5.0,
            Comparison::Sum,
            Direction::More,
            &r
        )
        .ok(),
        Some(Grade::Other)
    );
    let text = mini(
        &[
            kpi_toml(
                "dash",
                "latest",
                "more",
                "5",
                r#"2023 = 3, 2024 = "missing""#,
            ),
            kpi_toml("none", "latest", "more", "5", ""),
            kpi_toml(
                "never",
                "sum",
                "more",
                "5",
                r#"2020 = "未実施", 2021 = "not_carried_out""#,
            ),
            kpi_toml("partly", "sum", "more", "5", r#"2020 = "未実施", 2021 = 4"#),
        ]
        .concat(),
    );
    let s = parse(&text).expect("parse");
    assert_eq!(
        grades_of(&s),
        vec![
            ("dash".into(), Grade::Other),
            ("none".into(), Grade::Other),
            ("never".into(), Grade::Other),
            ("partly".into(), Grade::Achieved),
        ]
    );
}

#[test]
fn a_pending_actual_is_pending_not_other() {
    let r = Rule::default();
    assert_eq!(
        kpi::grade(
            Actual::Pending,
            5.0,
            Comparison::Latest,
            Direction::More,
            &r
        )
        .ok(),
        Some(Grade::Pending)
    );
    let text = mini(
        &[
            kpi_toml("p", "latest", "more", "5", r#"2024 = "pending""#),
            kpi_toml("q", "sum", "more", "5", r#"2023 = 9, 2024 = "pending""#),
            kpi_toml("r", "latest", "more", "5", "2024 = 5"),
        ]
        .concat(),
    );
    let s = parse(&text).expect("parse");
    let review = kpi::review(&s).expect("review");
    assert_eq!(
        grades_of(&s),
        vec![
            ("p".into(), Grade::Pending),
            ("q".into(), Grade::Pending),
            ("r".into(), Grade::Achieved)
        ]
    );
    let t = review.total;
    assert_eq!((t.count, t.achieved, t.other, t.pending), (3, 1, 0, 2));
    // Shown as its own column in the table, and as "pending" in JSON.
    let table = kpi::render_table(&review, Lang::Ja);
    assert!(table.contains("公表待ち"), "{table}");
    let json: serde_json::Value =
        serde_json::from_str(&kpi::render_json(&review, Lang::Ja)).expect("json");
    assert_eq!(json["kpis"][0]["grade"], "pending");
    assert_eq!(json["summary"]["total"]["pending"], 2);
}

#[test]
fn the_latest_entry_counts_even_when_it_is_a_dash() {
    // As 婚活: R5 has a figure, R6 is 「—」, and the report grades ×. A year not entered at all
    // (a review mid-strategy) is passed over instead.
    let text = mini(
        &[
            kpi_toml("dash", "latest", "more", "5", r#"2023 = 5, 2024 = "—""#),
            kpi_toml("midway", "latest", "more", "5", "2021 = 4"),
        ]
        .concat(),
    );
    assert_eq!(
        grades_of(&parse(&text).expect("parse")),
        vec![
            ("dash".into(), Grade::Other),
            ("midway".into(), Grade::Achieved)
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// Bad files

fn parse_err(text: &str) -> String {
    match parse(text) {
        Ok(_) => panic!("expected an error"),
        Err(e) => {
            assert_eq!(e.exit_code(), 2);
            e.to_string()
        }
    }
}

#[test]
fn bad_files_name_the_line_and_key() {
    let err = parse_err(&mini("[[kpis]]\nid = \"x\"\ncolour = \"red\"\n"));
    assert!(
        err.contains("colour") && err.contains("test-kpi.toml, line "),
        "{err}"
    );

    let err = parse_err(&mini(&kpi_toml(
        "k",
        "latest",
        "more",
        "5",
        r#"2024 = "lots""#,
    )));
    assert!(
        err.contains("field `actuals.2024`") && err.contains("\"lots\"") && err.contains("pending"),
        "{err}"
    );

    let err = parse_err(&mini(&kpi_toml("k", "latest", "more", "5", "2026 = 3")));
    assert!(
        err.contains("outside the strategy period 2020–2024"),
        "{err}"
    );

    let err = parse_err(&mini(&kpi_toml("k", "average", "more", "5", "2024 = 3")));
    assert!(
        err.contains("field `comparison`") && err.contains("average"),
        "{err}"
    );

    let twice = [
        kpi_toml("k", "latest", "more", "5", ""),
        kpi_toml("k", "latest", "more", "5", ""),
    ]
    .concat();
    let err = parse_err(&mini(&twice));
    assert!(err.contains("`k` is used twice"), "{err}");

    let err = parse_err(&mini(
        &kpi_toml("k", "latest", "more", "5", "2024 = 3").replace("goal = 1", "goal = 7"),
    ));
    assert!(
        err.contains("field `goal`") && err.contains("goal 7 is not defined"),
        "{err}"
    );

    let err = parse_err(&mini("[rule]\nthreshold = -1\n"));
    assert!(err.contains("field `threshold`"), "{err}");

    let err = parse_err("[strategy\n");
    assert!(err.contains("line 1"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// Properties

fn direction() -> impl proptest::strategy::Strategy<Value = Direction> {
    prop_oneof![Just(Direction::More), Just(Direction::Less)]
}

proptest! {
    /// A better actual never gets a worse grade.
    #[test]
    fn grades_are_monotone_in_the_actual(
        a in -1.0e6f64..1.0e6, b in -1.0e6f64..1.0e6,
        target in prop_oneof![-1.0e6f64..-1.0e-3, 1.0e-3f64..1.0e6],
        d in direction(),
    ) {
        let r = Rule::default();
        let (worse, better) = match d {
            Direction::More => (a.min(b), a.max(b)),
            Direction::Less => (a.max(b), a.min(b)),
        };
        let gw = kpi::grade(worse, target, Comparison::Latest, d, &r).expect("finite inputs grade");
        let gb = kpi::grade(better, target, Comparison::Latest, d, &r).expect("finite inputs grade");
        prop_assert!(!(gw == Grade::Achieved && gb == Grade::NotAchieved), "{worse} {gw:?} vs {better} {gb:?}");
    }

    /// Hitting the target exactly is always ○, for any sign and direction.
    #[test]
    fn the_target_itself_is_achieved(
        target in prop_oneof![-1.0e6f64..-1.0e-3, 1.0e-3f64..1.0e6],
        d in direction(),
        c in prop_oneof![Just(Comparison::Sum), Just(Comparison::Latest), Just(Comparison::Level)],
    ) {
        let g = kpi::grade(target, target, c, d, &Rule::default()).expect("grade");
        prop_assert_eq!(g, Grade::Achieved);
    }

    /// Any number in a KPI file's yearly figures grades without panicking, and the tally adds up.
    #[test]
    fn any_yearly_figures_grade(values in proptest::collection::vec(-1.0e9f64..1.0e9, 0..5), target in 1.0f64..1.0e6) {
        let actuals: Vec<String> = values.iter().enumerate().map(|(i, v)| format!("{} = {v:?}", 2020 + i)).collect();
        let text = mini(&[
            kpi_toml("a", "sum", "more", &format!("{target:?}"), &actuals.join(", ")),
            kpi_toml("b", "latest", "less", &format!("{target:?}"), &actuals.join(", ")),
        ].concat());
        let s = parse(&text).expect("parse");
        let review = kpi::review(&s).expect("review");
        let t = review.total;
        prop_assert_eq!(t.count, t.achieved + t.not_achieved + t.other + t.pending);
        prop_assert_eq!(t.count, 2);
    }
}

// ---------------------------------------------------------------------------------------------
// The command

#[test]
fn cli_prints_the_table_and_summary() {
    let out = jinko()
        .args(["kpi", "scenarios/kama/kpi.toml"])
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).expect("utf-8");
    for needle in [
        "重要業績評価指標(KPI)",
        "実績値(目標値比較)",
        "総合評価",
        "担当課",
        "合計",
        "63%",
        "31%",
        "6%",
    ] {
        assert!(text.contains(needle), "missing {needle}:\n{text}");
    }
}

#[test]
fn cli_json_has_the_summary() {
    let out = jinko()
        .args(["kpi", "scenarios/kama/kpi.toml", "--format", "json"])
        .assert()
        .success();
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).expect("json");
    let total = &json["summary"]["total"];
    assert_eq!(total["count"], 16);
    assert_eq!(total["achieved"], 10);
    assert_eq!(total["not_achieved"], 5);
    assert_eq!(total["other"], 1);
    assert_eq!(total["percent"]["achieved"], 63);
    assert_eq!(total["percent"]["not_achieved"], 31);
    assert_eq!(total["percent"]["other"], 6);
    let goals = json["summary"]["goals"].as_array().expect("goals");
    let rows: Vec<[i64; 5]> = goals
        .iter()
        .map(|g| {
            ["goal", "count", "achieved", "not_achieved", "other"]
                .map(|k| g[k].as_i64().unwrap_or(-1))
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            [1, 4, 4, 0, 0],
            [2, 4, 1, 3, 0],
            [3, 4, 2, 1, 1],
            [4, 4, 3, 1, 0]
        ]
    );
    let kpis = json["kpis"].as_array().expect("kpis");
    assert_eq!(kpis.len(), 16);
    for k in kpis {
        for key in ["id", "goal", "name", "actual", "target", "ratio", "grade"] {
            assert!(k.get(key).is_some(), "{key} in {k}");
        }
        assert!(
            ["○", "△", "×", "pending"].contains(&k["grade"].as_str().unwrap_or("")),
            "{k}"
        );
    }
    assert_eq!(kpis[0]["id"], "startups");
    assert_eq!(kpis[0]["actual"], 19);
    assert_eq!(kpis[0]["target"], 15);
    assert_eq!(kpis[0]["grade"], "○");
    let matchmaking = kpis
        .iter()
        .find(|k| k["id"] == "matchmaking")
        .expect("matchmaking");
    assert_eq!(matchmaking["actual"], serde_json::Value::Null);
    assert_eq!(matchmaking["grade"], "×");
}

#[test]
fn cli_english() {
    jinko()
        .args(["kpi", "scenarios/kama/kpi.toml", "--lang", "en"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Actual (compared)"))
        .stdout(predicate::str::contains(
            "Businesses founded with start-up support",
        ))
        .stdout(predicate::str::contains("Total"));
}

#[test]
fn cli_actuals_csv_adds_and_overrides() {
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = dir.path().join("actuals.csv");
    // The R6 matchmaking figure arrives (5 couples: ○), the 2025 census arrives, and the tourism
    // facility figure is corrected upwards (18,000 / 21,870 = 82 %: ○).
    std::fs::write(
        &csv,
        "\u{feff}kpi_id,year,value\nmatchmaking,R6,5\npopulation,2025,\"32,000\"\ntourism_facility_users,2024,18000\nacademic_ability/elementary,2024,0.5\n",
    )
    .expect("write");
    let out = jinko()
        .args([
            "kpi",
            "scenarios/kama/kpi.toml",
            "--format",
            "json",
            "--actuals",
        ])
        .arg(&csv)
        .assert()
        .success();
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).expect("json");
    let total = &json["summary"]["total"];
    assert_eq!(
        (
            total["achieved"].as_i64(),
            total["not_achieved"].as_i64(),
            total["other"].as_i64()
        ),
        (Some(12), Some(4), Some(0))
    );
    let pop = json["goal_indicators"]
        .as_array()
        .and_then(|a| a.iter().find(|i| i["id"] == "population"))
        .expect("population");
    let p2025 = pop["points"]
        .as_array()
        .and_then(|p| p.iter().find(|x| x["period"] == "2025"))
        .expect("2025");
    assert_eq!(p2025["actual"], 32000);
    assert_eq!(p2025["grade"], "○");
    // Junior high is still below the national average: the KPI stays △ and shows that series.
    let academic = json["kpis"]
        .as_array()
        .and_then(|k| k.iter().find(|k| k["id"] == "academic_ability"))
        .expect("academic");
    assert_eq!(academic["grade"], "△");
    assert_eq!(academic["actual"], -5);
}

#[test]
fn cli_bad_actuals_csv_names_file_line_and_field() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases = [
        (
            "kpi_id,year,value\nstartups,2024,3\nstartups,2023,lots\n",
            "line 3",
            "field `value`",
        ),
        (
            "kpi_id,year,value\nno_such_kpi,2024,3\n",
            "line 2",
            "field `kpi_id`",
        ),
        (
            "kpi_id,year,value\nstartups,2031,3\n",
            "line 2",
            "field `year`",
        ),
        (
            "kpi_id,year,value\nacademic_ability,2024,3\n",
            "line 2",
            "field `kpi_id`",
        ),
        (
            "kpi_id,year,value\nstartups,2024,3\nstartups,R6,4\n",
            "line 3",
            "already given on line 2",
        ),
        ("id,year,value\n", "line 1", "kpi_id,year,value"),
        ("kpi_id,year,value\nstartups,2024\n", "line 2", "expected 3"),
    ];
    for (i, (body, line, what)) in cases.iter().enumerate() {
        let csv = dir.path().join(format!("bad{i}.csv"));
        std::fs::write(&csv, body).expect("write");
        jinko()
            .args(["kpi", "scenarios/kama/kpi.toml", "--actuals"])
            .arg(&csv)
            .assert()
            .code(2)
            .stdout(predicate::str::is_empty())
            .stderr(predicate::str::contains(format!("bad{i}.csv")))
            .stderr(predicate::str::contains(*line))
            .stderr(predicate::str::contains(*what));
    }
}

#[test]
fn cli_missing_file_and_zero_target_exit_2() {
    jinko()
        .args(["kpi", "no/such/kpi.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no/such/kpi.toml"));
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("zero.toml");
    std::fs::write(&file, mini(&kpi_toml("z", "sum", "more", "0", "2020 = 1"))).expect("write");
    jinko()
        .arg("kpi")
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("zero.toml, line "))
        .stderr(predicate::str::contains("field `target`"))
        .stderr(predicate::str::contains("zero"));
}

#[test]
fn cli_out_writes_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("review.json");
    jinko()
        .args([
            "kpi",
            "scenarios/kama/kpi.toml",
            "--format",
            "json",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::is_empty());
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&out).expect("read")).expect("json");
    assert_eq!(json["summary"]["total"]["count"], 16);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).expect("dir").collect();
    assert_eq!(leftovers.len(), 1, "no temporary file left behind");
}

// ---------------------------------------------------------------------------------------------
// Snapshots (checked by eye, then accepted)

fn table(lang: &str) -> String {
    let out = jinko()
        .args(["kpi", "scenarios/kama/kpi.toml", "--lang", lang])
        .assert()
        .success();
    String::from_utf8(out.get_output().stdout.clone()).expect("utf-8")
}

#[test]
fn snapshot_table_ja() {
    insta::assert_snapshot!("kama_kpi_table_ja", table("ja"));
}

#[test]
fn snapshot_table_en() {
    insta::assert_snapshot!("kama_kpi_table_en", table("en"));
}

#[test]
fn table_columns_line_up_by_display_width() {
    // In the KPI table every row of the same block has its `総合評価` column at the same display
    // column: the text before it has the same display width.
    let text = table("ja");
    let block: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("■ 重要業績評価指標"))
        .skip(1)
        .take_while(|l| !l.is_empty())
        .collect();
    assert!(block.len() > 16);
    let header = block[0];
    let grade_at = unicode_width::UnicodeWidthStr::width(header)
        - unicode_width::UnicodeWidthStr::width("総合評価");
    for line in block.iter().skip(2) {
        let grade = line.chars().last().map(String::from).unwrap_or_default();
        if ["○", "△", "×"].contains(&grade.as_str()) {
            let before = &line[..line.len() - grade.len()];
            assert_eq!(
                unicode_width::UnicodeWidthStr::width(before),
                grade_at,
                "{line}"
            );
        }
    }
}
