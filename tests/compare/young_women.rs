//! Issue 11 in `jinko compare` and `jinko report`: the 若年女性人口 indicator of the 2020-based
//! パターン1 (given, or found in the pack) checked against the projection's own cells and an
//! independently built closed population, and the impact analysis per basis when both bases
//! are compared.

use crate::common::{kama, rel};
use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn jinko() -> Command {
    Command::cargo_bin("jinko").unwrap()
}

fn ok_json(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Value {
    let mut c = jinko();
    for a in args {
        c.arg(a.as_ref());
    }
    let out = c.args(["--format", "json"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Women aged 20-39 in `year` of `jinko project PATH --format json`, summed here from the
/// female cells by their age labels.
fn women_20_39(projection: &Value, year: i64) -> f64 {
    let ages: Vec<&str> = projection["age_groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    let k = projection["years"]
        .as_array()
        .unwrap()
        .iter()
        .position(|y| y.as_i64() == Some(year))
        .unwrap();
    let row = projection["population"]["female"][k].as_array().unwrap();
    ["20-24", "25-29", "30-34", "35-39"]
        .iter()
        .map(|l| {
            row[ages.iter().position(|a| a == l).unwrap()]
                .as_f64()
                .unwrap()
        })
        .sum()
}

fn project(path: &Path) -> Value {
    ok_json(&[&"project", &path])
}

fn both_bases() -> Vec<PathBuf> {
    [
        "ipss-h30",
        "sim1-tfr21",
        "sim2-tfr21-zero-migration",
        "ipss-r5",
        "sim1-r5",
        "sim2-r5",
    ]
    .iter()
    .map(|s| kama(&format!("{s}.toml")))
    .collect()
}

fn compare(paths: &[PathBuf]) -> Value {
    let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&"compare"];
    for p in paths {
        args.push(p);
    }
    ok_json(&args)
}

/// The change and the report's group, computed here: the closed population is a scenario file
/// that sets the migration multiplier to 0 from 2020 (the scenario language's own way), not the
/// indicator's code path; the groups by the report's rule (人口戦略会議 2024: 消滅可能性 = decline
/// of 50% or more with migration; 自立持続可能性 = under 20% both ways; ブラックホール型 = under
/// 50% with migration and 50% or more closed).
#[test]
fn kama_young_women_match_the_cells_and_an_independent_closed_run() {
    let pack = crate::hardening::Pack::new();
    let closed_file = pack.write(
        "closed.toml",
        "extends = \"ipss-r5.toml\"\nrole = \"target\"\n[migration]\nmultiplier = { 2020 = 0 }\n",
    );
    let p1 = project(&kama("ipss-r5.toml"));
    let closed = project(&closed_file);
    let base = women_20_39(&p1, 2020);
    let with_migration = women_20_39(&p1, 2050);
    let closed_2050 = women_20_39(&closed, 2050);
    assert!(rel(women_20_39(&closed, 2020), base) < 1e-12);
    let dm = 100.0 * (1.0 - with_migration / base);
    let dc = 100.0 * (1.0 - closed_2050 / base);

    let v = compare(&both_bases());
    let y = &v["young_women"];
    assert_eq!(y["scenario"], "ipss-r5");
    assert_eq!(y["from_pack"], Value::Null);
    let i = &y["indicator"];
    assert!(rel(i["base"].as_f64().unwrap(), base) < 1e-12);
    assert!(rel(i["with_migration"].as_f64().unwrap(), with_migration) < 1e-12);
    assert!(rel(i["closed"].as_f64().unwrap(), closed_2050) < 1e-9);
    assert!((i["decline_migration"].as_f64().unwrap() - dm).abs() < 1e-9);
    assert!((i["decline_closed"].as_f64().unwrap() - dc).abs() < 1e-7);
    let group = if dm >= 50.0 {
        "消滅可能性自治体"
    } else if dc < 20.0 && dm < 20.0 {
        "自立持続可能性自治体"
    } else if dc >= 50.0 {
        "ブラックホール型自治体"
    } else {
        "その他の自治体"
    };
    assert_eq!(i["category"]["group"], group);
    let sentence = format!("2020→2050年に{dm:.1}%減少（封鎖人口では{dc:.1}%減少）：{group}");
    assert!(
        y["sentence"].as_str().unwrap().contains(&sentence),
        "{sentence} / {}",
        y["sentence"]
    );

    // The table says the same sentence; the CSV carries the four counts.
    let out = jinko().arg("compare").args(both_bases()).output().unwrap();
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(table.contains(&sentence), "{table}");
    let out = jinko()
        .arg("compare")
        .args(both_bases())
        .args(["--format", "csv"])
        .output()
        .unwrap();
    let csv = String::from_utf8(out.stdout).unwrap();
    let value = |kind: &str, year: &str| -> f64 {
        csv.lines()
            .find(|l| l.ends_with(",,,") && l.contains(&format!(" (ipss-r5),{kind},{year},")))
            .unwrap_or_else(|| panic!("{kind} {year} in {csv}"))
            .split(',')
            .nth(3)
            .unwrap()
            .parse()
            .unwrap()
    };
    assert!(rel(value("young_women", "2020"), base) < 1e-12);
    assert!(rel(value("young_women", "2050"), with_migration) < 1e-12);
    assert!(rel(value("young_women_closed", "2050"), closed_2050) < 1e-9);
}

#[test]
fn young_women_are_found_in_the_pack_when_only_2015_scenarios_are_compared() {
    let v = compare(&[kama("ipss-h30.toml")]);
    let y = &v["young_women"];
    assert!(
        y["from_pack"].as_str().unwrap().ends_with("ipss-r5.toml"),
        "{y}"
    );
    let both = compare(&both_bases());
    assert_eq!(y["indicator"], both["young_women"]["indicator"]);

    // A pack without a 2020-based パターン1: no indicator, and the table says what it needs. An
    // uncalibrated 2020-based パターン1 (IPSS 2018 assumptions on the 2020 base) is not one.
    let pack = crate::hardening::Pack::new();
    for f in ["ipss-r5.toml", "sim1-r5.toml", "sim2-r5.toml"] {
        std::fs::remove_file(pack.path(f)).unwrap();
    }
    let p = pack.write(
        "p1-2020.toml",
        "extends = \"ipss-h30-base2020.toml\"\nrole = \"pattern1\"\n",
    );
    let v = compare(&[pack.path("ipss-h30.toml"), p.clone()]);
    assert_eq!(v["young_women"], Value::Null);
    let out = jinko().arg("compare").arg(&p).output().unwrap();
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(
        table.contains("若年女性人口: needs a 2020-based パターン1"),
        "{table}"
    );
}

#[test]
fn a_broken_2020_based_pattern1_in_the_pack_is_an_error_not_skipped() {
    let pack = crate::hardening::Pack::new();
    pack.edit(
        "ipss-r5.toml",
        "calibrate = \"summary\"",
        "calibrate = \"summary\"\nhorizon = 2045",
    );
    let out = jinko()
        .arg("compare")
        .arg(pack.path("ipss-h30.toml"))
        .output()
        .unwrap();
    // A horizon before 2050 is a valid scenario: no indicator, no error.
    assert!(out.status.success());
    pack.edit("ipss-r5.toml", "horizon = 2045", "horizon = 2015");
    let out = jinko()
        .arg("compare")
        .arg(pack.path("ipss-h30.toml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("ipss-r5.toml") && err.contains("horizon"),
        "{err}"
    );
}

/// Totals of scenario `name` in `year` from the compare JSON.
fn total(v: &Value, name: &str, year: i64) -> f64 {
    let s = v["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap();
    let k = s["years"]
        .as_array()
        .unwrap()
        .iter()
        .position(|y| y.as_i64() == Some(year))
        .unwrap();
    s["total"][k].as_f64().unwrap()
}

#[test]
fn impact_analysis_runs_per_basis_in_its_own_year() {
    let v = compare(&both_bases());
    let impacts = v["impacts"].as_array().unwrap();
    assert_eq!(impacts.len(), 2, "{v}");
    for (b, base_year, year, names) in [
        (
            &impacts[0],
            2015,
            2045,
            ["ipss-h30", "sim1-tfr21", "sim2-tfr21-zero-migration"],
        ),
        (&impacts[1], 2020, 2050, ["ipss-r5", "sim1-r5", "sim2-r5"]),
    ] {
        assert_eq!(b["base_year"], base_year);
        assert_eq!(b["year"], year);
        assert_eq!(b["scenarios"]["pattern1"], names[0]);
        assert_eq!(b["scenarios"]["sim1"], names[1]);
        assert_eq!(b["scenarios"]["sim2"], names[2]);
        let natural = 100.0 * total(&v, names[1], year) / total(&v, names[0], year);
        let social = 100.0 * total(&v, names[2], year) / total(&v, names[1], year);
        assert!(rel(b["natural"]["percent"].as_f64().unwrap(), natural) < 1e-12);
        assert!(rel(b["social"]["percent"].as_f64().unwrap(), social) < 1e-12);
    }
    assert_eq!(v["impact"]["year"], 2045);
    // The 2020-based P1 reproduces IPSS 2023's 18,118 in 2050 (ipss_r5_projection_summary.csv).
    assert!((total(&v, "ipss-r5", 2050) - 18_118.0).abs() < 1.0);
    // An uncalibrated 2020-based パターン1 is not paired with the IPSS 2023 Sim1 and Sim2.
    let pack = crate::hardening::Pack::new();
    let p = pack.write(
        "p1-2020.toml",
        "extends = \"ipss-h30-base2020.toml\"\nrole = \"pattern1\"\n",
    );
    let v = compare(&[p, pack.path("sim1-r5.toml"), pack.path("sim2-r5.toml")]);
    assert_eq!(v["impacts"], serde_json::json!([]));
    // --impact-year applies to every basis.
    let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&"compare", &"--impact-year", &"2060"];
    let paths = both_bases();
    for p in &paths {
        args.push(p);
    }
    let v = ok_json(&args);
    for b in v["impacts"].as_array().unwrap() {
        assert_eq!(b["year"], 2060);
    }
}

#[test]
fn report_has_the_impact_of_each_basis_and_the_young_women() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("report");
    let out = jinko()
        .arg("report")
        .args(both_bases())
        .args(["--no-png", "--out"])
        .arg(&out_dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(out_dir.join("report.html")).unwrap();
    let v = compare(&both_bases());
    assert!(html.contains("自然増減・社会増減の影響度（2045年・2015年基準）"));
    assert!(html.contains("自然増減・社会増減の影響度（2050年・2020年基準"));
    for b in v["impacts"].as_array().unwrap() {
        for key in ["natural", "social"] {
            let pct = format!("{:.1}%", b[key]["percent"].as_f64().unwrap());
            assert!(html.contains(&pct), "{pct} not in the report");
        }
    }
    let sentence = v["young_women"]["sentence"].as_str().unwrap();
    assert!(html.contains(sentence), "{sentence}");
}
