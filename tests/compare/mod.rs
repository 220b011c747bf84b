//! `jinko compare`, the estimated 2020 base, and `jinko backtest` on the Kama pack.

mod young_women;

use crate::common::{kama, rel};
use assert_cmd::Command;
use jinko::scenario::Scenario;
use std::collections::BTreeMap;

fn jinko() -> Command {
    Command::cargo_bin("jinko").unwrap()
}

fn shipped() -> Vec<std::path::PathBuf> {
    [
        "ipss-h30",
        "sim1-tfr21",
        "sim2-tfr21-zero-migration",
        "target",
    ]
    .iter()
    .map(|s| kama(&format!("{s}.toml")))
    .collect()
}

/// The 2020 census margins, read straight from the CSV (SSDSE-A-2026).
fn margins() -> BTreeMap<(String, String), f64> {
    let mut r = csv::Reader::from_path(kama("census_2020_margins.csv")).unwrap();
    r.records()
        .map(|x| {
            let x = x.unwrap();
            ((x[1].to_string(), x[2].to_string()), x[3].parse().unwrap())
        })
        .collect()
}

#[test]
fn estimated_2020_base_matches_every_census_margin_to_the_person() {
    let m = margins();
    // Without proration the raked base is the known-age population: each age margin holds.
    let s = Scenario::load_with_overrides(
        &kama("ipss-h30-base2020.toml"),
        "unknown_age = \"drop\"\n",
        "<test>",
    )
    .unwrap();
    assert!(s.base_label.contains("estimated"));
    let spans = [
        ("0-14", 0, 2),
        ("15-64", 3, 12),
        ("65+", 13, 18),
        ("75+", 15, 18),
    ];
    for (si, sex) in ["male", "female"].iter().enumerate() {
        for (label, a, b) in spans {
            let got: f64 = s.base[si][a..=b].iter().sum();
            let want = m[&(sex.to_string(), label.to_string())];
            assert_eq!(got.round(), want, "{sex} {label}: {got}");
        }
    }
    // With unknown ages prorated (the default), the sex totals and the total are the census's.
    let s = Scenario::load(&kama("ipss-h30-base2020.toml")).unwrap();
    let male: f64 = s.base[0][..19].iter().sum();
    let female: f64 = s.base[1][..19].iter().sum();
    assert_eq!(male.round(), m[&("male".into(), "total".into())]);
    assert_eq!(female.round(), m[&("female".into(), "total".into())]);
    assert_eq!((male + female).round(), 35_473.0);
}

#[test]
fn compare_json_has_gap_first_year_below_and_impact() {
    let out = jinko()
        .arg("compare")
        .args(shipped())
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let sc = v["scenarios"].as_array().unwrap();
    assert_eq!(sc.len(), 4);
    // The target scenario is within 1% of 17,033 in 2065; パターン1 far below it.
    let gap = |i: usize| sc[i]["gap_to_target"]["percent"].as_f64().unwrap();
    assert!(gap(3).abs() < 1.0);
    assert!(gap(0) < -35.0);
    assert_eq!(sc[0]["gap_to_target"]["target"].as_f64(), Some(17_033.0));
    // The official path carries the report's 2065 figure and the published 2045 total.
    assert_eq!(v["official"]["total"]["2065"].as_f64(), Some(10_044.0));
    assert_eq!(v["official"]["total"]["2045"].as_f64(), Some(18_457.0));
    // Impact analysis in 2045: Sim1 / パターン1 and Sim2 / Sim1, from the scenario totals.
    let t = |i: usize| {
        let years = sc[i]["years"].as_array().unwrap();
        let k = years.iter().position(|y| y.as_i64() == Some(2045)).unwrap();
        sc[i]["total"][k].as_f64().unwrap()
    };
    let natural = v["impact"]["natural"]["percent"].as_f64().unwrap();
    let social = v["impact"]["social"]["percent"].as_f64().unwrap();
    assert!(rel(natural, 100.0 * t(1) / t(0)) < 1e-12);
    assert!(rel(social, 100.0 * t(2) / t(1)) < 1e-12);
    // Levels by the guide's bands (natural: 105–110% → 3; social ≥ 130% → 5).
    let level = |p: f64, b: &[f64]| 1 + b.iter().filter(|&&x| p >= x).count() as u64;
    assert_eq!(
        v["impact"]["natural"]["level"].as_u64(),
        Some(level(natural, &[100.0, 105.0, 110.0, 115.0]))
    );
    assert_eq!(
        v["impact"]["social"]["level"].as_u64(),
        Some(level(social, &[100.0, 110.0, 120.0, 130.0]))
    );
    // First year below the target path (linear between 2020, 2025, 2065).
    assert_eq!(sc[2]["first_below_target"], serde_json::Value::Null);
    assert_eq!(sc[0]["first_below_target"].as_i64(), Some(2025));
}

#[test]
fn compare_table_snapshot() {
    let out = jinko().arg("compare").args(shipped()).output().unwrap();
    assert!(out.status.success());
    insta::assert_snapshot!("compare_kama_table", String::from_utf8(out.stdout).unwrap());
}

#[test]
fn compare_csv_and_2020_base_against_ipss_2023() {
    let out = jinko()
        .arg("compare")
        .args([kama("ipss-h30.toml"), kama("ipss-h30-base2020.toml")])
        .args(["--format", "csv"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("series,kind,year,total,share_0_14,share_15_64,share_65_plus\n"));
    assert!(text
        .lines()
        .any(|l| l.starts_with("ipss-h30-base2020,scenario,2020,")));
    assert!(text.lines().any(|l| l == "目標人口,target,2065,17033,,,"));
    let table = jinko()
        .arg("compare")
        .args([kama("ipss-h30.toml"), kama("ipss-h30-base2020.toml")])
        .output()
        .unwrap();
    let table = String::from_utf8(table.stdout).unwrap();
    assert!(
        table.contains("社人研推計（令和5年推計）との比較"),
        "{table}"
    );
}

#[test]
fn compare_without_the_standard_roles_says_so() {
    let out = jinko()
        .arg("compare")
        .arg(kama("target.toml"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("role = \"pattern1\""), "{text}");
}

/// The census by year, sex, age, unknown ages prorated, read independently.
fn censuses() -> BTreeMap<i32, [[f64; 19]; 2]> {
    let labels: Vec<String> = (0..19)
        .map(|a| {
            if a == 18 {
                "90+".into()
            } else {
                format!("{}-{}", 5 * a, 5 * a + 4)
            }
        })
        .collect();
    let mut known: BTreeMap<i32, [[f64; 19]; 2]> = BTreeMap::new();
    let mut unknown: BTreeMap<(i32, usize), f64> = BTreeMap::new();
    let mut r = csv::Reader::from_path(kama("census.csv")).unwrap();
    for x in r.records() {
        let x = x.unwrap();
        let y: i32 = x[0].parse().unwrap();
        let s = usize::from(&x[1] == "female");
        let v: f64 = x[3].parse().unwrap();
        match labels.iter().position(|l| l == &x[2]) {
            Some(a) => known.entry(y).or_insert([[0.0; 19]; 2])[s][a] = v,
            None => {
                unknown.insert((y, s), v);
            }
        }
    }
    for (y, c) in known.iter_mut() {
        for s in 0..2 {
            let k: f64 = c[s].iter().sum();
            let f = 1.0 + unknown.get(&(*y, s)).copied().unwrap_or(0.0) / k;
            for v in &mut c[s] {
                *v *= f;
            }
        }
    }
    known
}

#[test]
fn backtest_matches_an_independent_hamilton_perry_step_and_the_ipss_miss() {
    let out = jinko()
        .args(["backtest"])
        .arg(kama(""))
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // The IPSS 2018 projection's own miss for 2020: 35,013 against the census 35,473 = −1.30%.
    let miss = v["published_miss"]["error_percent"].as_f64().unwrap();
    assert!((miss - (35_013.0 - 35_473.0) / 35_473.0 * 100.0).abs() < 1e-9);
    assert_eq!(format!("{miss:.2}"), "-1.30");
    // One step 2010 → 2015 with the 2005→2010 ratios, computed here from the census alone.
    let c = censuses();
    let (p05, p10) = (&c[&2005], &c[&2010]);
    let mut next = [[0.0; 19]; 2];
    for s in 0..2 {
        for a in 0..18 {
            let b05 = if a == 17 {
                p05[s][17] + p05[s][18]
            } else {
                p05[s][a]
            };
            let b10 = if a == 17 {
                p10[s][17] + p10[s][18]
            } else {
                p10[s][a]
            };
            next[s][a + 1] = b10 * p10[s][a + 1] / b05;
        }
    }
    let cwr = (p10[0][0] + p10[1][0]) / p10[1][3..=9].iter().sum::<f64>();
    let expected: f64 = next.iter().map(|s| s.iter().sum::<f64>()).sum::<f64>()
        + cwr * next[1][3..=9].iter().sum::<f64>();
    let row = v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["variant"] == "last period" && r["base"] == 2010 && r["target"] == 2015)
        .unwrap();
    assert!(rel(row["projected"].as_f64().unwrap(), expected) < 1e-12);
    assert_eq!(row["census"].as_f64(), Some(38_743.0));
    // MAPE is reported for both variants at the 5-year horizon.
    let mape = v["mape"].as_array().unwrap();
    assert!(mape
        .iter()
        .any(|m| m["variant"] == "last period" && m["horizon"] == 5));
    assert!(mape
        .iter()
        .any(|m| m["variant"] == "mean of two periods" && m["horizon"] == 5));
}

#[test]
fn backtest_table_snapshot() {
    let out = jinko().args(["backtest"]).arg(kama("")).output().unwrap();
    assert!(out.status.success());
    insta::assert_snapshot!(
        "backtest_kama_table",
        String::from_utf8(out.stdout).unwrap()
    );
}

#[test]
fn report_carries_the_impact_analysis_of_compare() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("report");
    let status = jinko()
        .arg("report")
        .args(&shipped()[..3])
        .arg("--out")
        .arg(&out_dir)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let html = std::fs::read_to_string(out_dir.join("report.html")).unwrap();
    let out = jinko()
        .arg("compare")
        .args(&shipped()[..3])
        .args(["--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in ["natural", "social"] {
        let pct = format!("{:.1}%", v["impact"][key]["percent"].as_f64().unwrap());
        assert!(html.contains(&pct), "{pct} not in the report");
    }
    assert!(html.contains("自然増減の影響度") && html.contains("社会増減の影響度"));
}
