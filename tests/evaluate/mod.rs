//! `jinko evaluate`: a scenario's projected goal indicators graded by the strategy's rule.

use crate::common::{kama, rel};
use assert_cmd::Command;
use serde_json::Value;

fn evaluate(scenario: &str) -> Value {
    let out = Command::cargo_bin("jinko")
        .unwrap()
        .arg("evaluate")
        .arg(kama(scenario))
        .arg("--kpi")
        .arg(kama("kpi.toml"))
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn find<'a>(v: &'a Value, id: &str, period: &str) -> &'a Value {
    v["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id && i["period"] == period)
        .unwrap_or_else(|| panic!("no {id} {period} in {v}"))
}

#[test]
fn ipss_path_misses_the_2065_target_and_the_migration_goal() {
    let v = evaluate("ipss-h30.toml");
    let p2065 = find(&v, "population", "2065");
    assert_eq!(p2065["target"].as_f64(), Some(17_033.0));
    // 10,070 / 17,033 = 59% < 80% → △.
    assert_eq!(p2065["grade"], "△");
    let nm = find(&v, "net_migration", "2020-2025");
    assert_eq!(nm["target"].as_f64(), Some(-913.0));
    assert_eq!(nm["grade"], "△");
    // The base path's TFR 1.56 against 1.65: 95% → ○ (the rule grades ≥ 80% as ○).
    let tfr = find(&v, "total_fertility_rate", "2025");
    assert_eq!(tfr["projected"].as_f64(), Some(1.56));
    assert_eq!(tfr["grade"], "○");
}

#[test]
fn target_scenario_meets_every_goal_indicator() {
    let v = evaluate("target.toml");
    for i in v["indicators"].as_array().unwrap() {
        assert_eq!(i["grade"], "○", "{i}");
    }
    let pop = find(&v, "population", "2025");
    assert!(rel(pop["projected"].as_f64().unwrap(), 32_115.0) < 0.01);
}

#[test]
fn employed_persons_use_the_census_ratio_and_say_so() {
    let v = evaluate("ipss-h30.toml");
    let e = find(&v, "employed_persons", "2025");
    assert_eq!(e["target"].as_f64(), Some(11_913.0));
    let method = e["method"].as_str().unwrap();
    assert!(
        method.contains("2020 census") && method.contains("no employment ratios by age and sex"),
        "{method}"
    );
    // 14,339 employed (2020 census, the strategy's actual) / 35,473 (2020 census total) × the
    // projected 2025 total.
    let project = Command::cargo_bin("jinko")
        .unwrap()
        .args(["project", "--format", "json"])
        .arg(kama("ipss-h30.toml"))
        .output()
        .unwrap();
    let p: Value = serde_json::from_slice(&project.stdout).unwrap();
    let k = p["years"]
        .as_array()
        .unwrap()
        .iter()
        .position(|y| y == 2025)
        .unwrap();
    let total = p["total"][k].as_f64().unwrap();
    assert!(
        rel(
            e["projected"].as_f64().unwrap(),
            14_339.0 / 35_473.0 * total
        ) < 1e-12
    );
}
