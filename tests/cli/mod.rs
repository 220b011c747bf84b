//! The `jinko project` command line: the three formats, `--out`, and the JSON contract of
//! design.md ("Outputs").

use crate::common::{kama, prec, rel};
use assert_cmd::Command;

fn jinko() -> Command {
    Command::cargo_bin("jinko").unwrap()
}

#[test]
fn project_table_shows_years_totals_and_components() {
    let out = jinko()
        .args(["project"])
        .arg(kama("ipss-h30.toml"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("パターン1 (社人研推計準拠)"), "{text}");
    for needle in [
        "年",
        "総人口",
        "0-14歳",
        "15-64歳",
        "65歳以上",
        "75歳以上",
        "出生数",
        "死亡数",
        "純移動数",
    ] {
        assert!(text.contains(needle), "missing {needle}");
    }
    // The IPSS 2020 total and the 2065 extension appear, rounded, with separators.
    assert!(text.contains("35,013"), "{text}");
    assert!(text.contains("2065"));
}

#[test]
fn project_json_follows_the_contract() {
    let out = jinko()
        .args(["project", "--format", "json"])
        .arg(kama("ipss-h30.toml"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["scenario"], "ipss-h30");
    assert_eq!(v["base_year"], 2015);
    let years: Vec<i64> = v["years"]
        .as_array()
        .unwrap()
        .iter()
        .map(|y| y.as_i64().unwrap())
        .collect();
    assert_eq!(years, (0..=10).map(|k| 2015 + 5 * k).collect::<Vec<_>>());
    let ages = v["age_groups"].as_array().unwrap();
    assert_eq!(ages.len(), 19);
    assert_eq!(ages[0], "0-4");
    assert_eq!(ages[18], "90+");
    let total = v["total"].as_array().unwrap();
    assert_eq!(total.len(), 11);
    for (k, t) in total.iter().enumerate() {
        let male: f64 = v["population"]["male"][k]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .sum();
        let female: f64 = v["population"]["female"][k]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .sum();
        assert!(rel(male + female, t.as_f64().unwrap()) < prec::SAME_REL);
        let kids = v["indicators"]["age_0_14"][k].as_f64().unwrap();
        let work = v["indicators"]["age_15_64"][k].as_f64().unwrap();
        let old = v["indicators"]["age_65_plus"][k].as_f64().unwrap();
        assert!(rel(kids + work + old, t.as_f64().unwrap()) < prec::SAME_REL);
    }
    let comps = v["components"].as_array().unwrap();
    assert_eq!(comps.len(), 10);
    assert_eq!(comps[0]["period"], "2015-2020");
    for key in ["births", "deaths", "net_migration"] {
        assert!(comps[0][key].is_number());
    }
    assert!(v["warnings"].as_array().unwrap().is_empty());
}

#[test]
fn project_csv_is_long_form() {
    let out = jinko()
        .args(["project", "--format", "csv"])
        .arg(kama("ipss-h30.toml"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("year,sex,age,population"));
    assert_eq!(text.lines().count(), 1 + 11 * 2 * 19);
    assert!(text.lines().any(|l| l == "2015,male,0-4,642"));
}

#[test]
fn out_writes_the_same_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("kama.json");
    jinko()
        .args(["project", "--format", "json", "--out"])
        .arg(&file)
        .arg(kama("ipss-h30.toml"))
        .assert()
        .success()
        .stdout("");
    let stdout = jinko()
        .args(["project", "--format", "json"])
        .arg(kama("ipss-h30.toml"))
        .output()
        .unwrap()
        .stdout;
    assert_eq!(std::fs::read(&file).unwrap(), stdout);
    // Only the one file: no temporary left behind.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn out_into_a_missing_folder_fails_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("no").join("such").join("kama.csv");
    let out = jinko()
        .args(["project", "--format", "csv", "--out"])
        .arg(&file)
        .arg(kama("ipss-h30.toml"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(!file.exists());
    assert!(String::from_utf8_lossy(&out.stderr).contains("kama.csv"));
}
