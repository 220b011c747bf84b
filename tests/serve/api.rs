//! The JSON API: answers checked against the command line and the published projection, every
//! field's bad input, oversized and non-JSON bodies, path tricks, unknown places.

use super::{get, post, post_as, project_exported, raw, server};
use serde_json::{json, Value};

fn nums(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect()
}

/// Every control set: the exported TOML, projected by `jinko project`, gives the live totals.
#[test]
fn exported_toml_projects_to_the_live_numbers() {
    let addr = server();
    let dir = tempfile::tempdir().expect("tempdir");
    let cases = [
        json!({"place": "40205", "tfr": {"value": 1.8, "by": 2035}}),
        json!({"place": "40205", "tfr": {"value": 2.07, "by": 2040},
               "migration": {"kind": "net", "value": -500.0, "from": 2025},
               "households": {"per_year": 20, "kind": "couple-30s-child", "from": 2020},
               "mortality": {"value": 0.9, "from": 2020}}),
        json!({"place": "40205", "migration": {"kind": "multiplier", "value": 0.5, "from": 2020},
               "households": {"per_year": 7.5, "kind": "custom", "from": 2023,
                              "custom": {"female 25-29": 1, "male 25-29": 1, "0-4": 2}}}),
        json!({"place": "40205", "households": {"per_year": 30, "kind": "couple-60s", "from": 2025}}),
        json!({"place": "40205", "households": {"per_year": 30, "kind": "couple-20s", "from": 2025}}),
    ];
    for req in cases {
        let live = post(addr, "/api/simulate", &req.to_string());
        assert_eq!(live.status, 200, "{}", live.text());
        let live = live.json();
        let toml = post(addr, "/api/export/toml", &req.to_string());
        assert_eq!(toml.status, 200);
        assert!(toml
            .header("content-disposition")
            .is_some_and(|d| d.contains("attachment")));
        assert_eq!(toml.text(), live["toml"].as_str().expect("toml"));
        let cli = project_exported(dir.path(), "40205", &toml.text());
        let (a, b) = (nums(&live["total"]), nums(&cli["total"]));
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(
                x.to_bits(),
                y.to_bits(),
                "{req}: live {x} vs jinko project {y}"
            );
        }
    }
}

/// No control moved: the answer is パターン1, which follows the published IPSS path to 2045
/// (within a person per cell, 38 cells) and equals `jinko project pattern1.toml`.
#[test]
fn no_controls_is_pattern1_on_the_official_path() {
    let addr = server();
    let a = post(addr, "/api/simulate", r#"{"place": "40205"}"#).json();
    assert_eq!(a["total"], a["pattern1"]);
    assert_eq!(a["place"]["name"], "飯塚市");
    let official = a["official"]["points"].as_array().expect("points");
    assert_eq!(official.len(), 7, "2015 … 2045");
    let years = nums(&a["years"]);
    let total = nums(&a["total"]);
    for p in official {
        let (y, v) = (p[0].as_f64().expect("year"), p[1].as_f64().expect("total"));
        let k = years.iter().position(|&x| x == y).expect("year projected");
        assert!(
            (total[k] - v).abs() <= 38.0,
            "{y}: {} vs IPSS {v}",
            total[k]
        );
    }
    // The three age groups add up to the total; the pyramid of the horizon too.
    let g = &a["groups"];
    let (y, w, o) = (nums(&g["young"]), nums(&g["working"]), nums(&g["old"]));
    for k in 0..total.len() {
        assert!((y[k] + w[k] + o[k] - total[k]).abs() < 1e-6 * total[k]);
    }
    let p = &a["pyramid"];
    assert_eq!(p["year"], 2065);
    let sum: f64 = nums(&p["male"]).iter().chain(&nums(&p["female"])).sum();
    assert!((sum - total[total.len() - 1]).abs() < 1e-6 * sum);
    // The impact levels are those of `jinko national`'s Sim1 / パターン1 and Sim2 / Sim1.
    let sim1 = nums(&a["sim1"]);
    let sim2 = nums(&a["sim2"]);
    let k45 = years.iter().position(|&x| x == 2045.0).expect("2045");
    let natural = a["impact"]["natural"]["percent"].as_f64().expect("percent");
    assert!((natural - 100.0 * sim1[k45] / total[k45]).abs() < 1e-9);
    let social = a["impact"]["social"]["percent"].as_f64().expect("percent");
    assert!((social - 100.0 * sim2[k45] / sim1[k45]).abs() < 1e-9);
}

/// Kama's pack (started with --pack): パターン1 is its ipss-h30.toml, as `jinko project` gives it.
#[test]
fn a_started_pack_is_offered_and_projects_as_the_cli() {
    let addr = server();
    let list = get(addr, "/api/places?q=").json();
    assert_eq!(list[0]["id"], "pack:0");
    let a = post(addr, "/api/simulate", r#"{"place": "pack:0"}"#).json();
    let s = jinko::scenario::Scenario::load(&crate::common::kama("ipss-h30.toml")).expect("loads");
    let p = s.project().expect("projects");
    let total = nums(&a["total"]);
    assert_eq!(total.len(), p.years.len());
    for (k, t) in total.iter().enumerate() {
        // Within the last digit serde_json's default float parser may differ by.
        assert!((t - p.total(k)).abs() <= 1e-12 * t, "{t} vs {}", p.total(k));
    }
    assert!(a["toml"]
        .as_str()
        .expect("toml")
        .contains("extends = \"ipss-h30.toml\""));
}

/// With no deaths (mortality × 0) and no migration, everyone alive in 2015 is alive in 2020:
/// the 2020 total less the 0-4 born in the period is the 2015 total (an identity, independent of
/// the code's survival arithmetic).
#[test]
fn mortality_zero_keeps_everyone_alive() {
    let addr = server();
    let a = post(
        addr,
        "/api/simulate",
        r#"{"place": "40205", "year": 2020,
            "mortality": {"value": 0.0, "from": 2015},
            "migration": {"kind": "multiplier", "value": 0.0, "from": 2015}}"#,
    );
    assert_eq!(a.status, 200, "{}", a.text());
    let a = a.json();
    let total = nums(&a["total"]);
    let p = &a["pyramid"];
    let born = nums(&p["male"])[0] + nums(&p["female"])[0];
    assert!(
        (total[1] - born - total[0]).abs() < 1e-6,
        "{} − {born} vs {}",
        total[1],
        total[0]
    );
    // A lower risk of dying means more people, and 1 changes nothing.
    let at = |m: f64| {
        let r = json!({"place": "40205", "mortality": {"value": m, "from": 2020}});
        nums(&post(addr, "/api/simulate", &r.to_string()).json()["total"])[10]
    };
    let p1 = nums(&a["pattern1"])[10];
    assert_eq!(at(1.0).to_bits(), p1.to_bits());
    assert!(at(0.8) > at(0.9) && at(0.9) > p1 && p1 > at(1.1));
}

/// Each solve lands on the target in the scenario the page would export (checked by projecting
/// the returned request again).
#[test]
fn solves_land_on_the_target() {
    let addr = server();
    let base = json!({"place": "40205",
        "tfr": {"value": 1.7, "by": 2040},
        "migration": {"kind": "net", "value": -400.0, "from": 2025},
        "households": {"per_year": 10, "kind": "couple-20s", "from": 2020},
        "target": {"year": 2065, "population": 90000.0}});
    for what in ["tfr", "migration", "households"] {
        let r = post(
            addr,
            "/api/solve",
            &json!({"solve": what, "request": base}).to_string(),
        );
        assert_eq!(r.status, 200, "{}", r.text());
        let s = r.json();
        let v = s["value"].as_f64().unwrap_or_else(|| panic!("{what}: {s}"));
        assert!(v.is_finite());
        let again = post(addr, "/api/simulate", &s["request"].to_string()).json();
        let total = *nums(&again["total"]).last().expect("2065");
        assert!(
            (total - 90000.0).abs() <= 0.01,
            "{what} = {v}: {total} in 2065"
        );
    }
    // Out of reach: the answer says so and gives no value.
    let far = json!({"solve": "tfr", "request": {"place": "40205", "tfr": {"value": 1.7, "by": 2040},
        "target": {"year": 2065, "population": 1e9}}});
    let s = post(addr, "/api/solve", &far.to_string()).json();
    assert!(s["value"].is_null());
    assert!(s["message"]
        .as_str()
        .expect("message")
        .contains("cannot be reached"));
}

/// The workbook and the report of `jinko report`, for パターン1 and the scenario.
#[test]
fn xlsx_and_report_exports() {
    let addr = server();
    let req = r#"{"place": "40205", "tfr": {"value": 1.8, "by": 2035}}"#;
    let x = post(addr, "/api/export/xlsx", req);
    assert_eq!(x.status, 200);
    let wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(x.body.clone())).expect("xlsx");
    use calamine::Reader;
    assert!(
        wb.sheet_names().iter().any(|n| n == "概要"),
        "{:?}",
        wb.sheet_names()
    );
    let h = post(addr, "/api/export/report", req);
    assert_eq!(h.status, 200);
    let text = h.text();
    assert!(text.starts_with("<!DOCTYPE html") || text.starts_with("<!doctype html"));
    assert!(text.contains("飯塚市") && text.contains("出生率1.8"));
}

/// Search by name, prefecture + name, or code.
#[test]
fn search_finds_by_name_and_code() {
    let addr = server();
    for q in [
        "%E9%A3%AF%E5%A1%9A",
        "40205",
        "%E7%A6%8F%E5%B2%A1%E7%9C%8C%E9%A3%AF%E5%A1%9A",
    ] {
        let list = get(addr, &format!("/api/places?q={q}")).json();
        assert!(
            list.as_array()
                .expect("list")
                .iter()
                .any(|p| p["id"] == "40205" && p["name"] == "飯塚市"),
            "{q}: {list}"
        );
    }
    assert_eq!(
        get(
            addr,
            "/api/places?q=%E5%AD%98%E5%9C%A8%E3%81%97%E3%81%AA%E3%81%84"
        )
        .json(),
        json!([])
    );
    let bad = get(addr, "/api/places?city=x");
    assert_eq!(bad.status, 400);
    assert_eq!(bad.json()["field"], "city");
}

/// (request, field, words the message must hold).
fn bad_cases() -> Vec<(Value, &'static str, &'static str)> {
    let p = |extra: Value| {
        let mut o = json!({"place": "40205"});
        for (k, v) in extra.as_object().expect("object") {
            o[k] = v.clone();
        }
        o
    };
    vec![
        (p(json!({"basis": 2010})), "basis", "expected 2015"),
        (p(json!({"basis": "x"})), "basis", "invalid type"),
        (
            p(json!({"tfr": {"value": 12.0, "by": 2035}})),
            "tfr.value",
            "at most 10",
        ),
        (
            p(json!({"tfr": {"value": 0.0, "by": 2035}})),
            "tfr.value",
            "above 0",
        ),
        (
            p(json!({"tfr": {"value": "high", "by": 2035}})),
            "tfr.value",
            "invalid type",
        ),
        (
            p(json!({"tfr": {"value": 1.8, "by": 2010}})),
            "tfr.by",
            "expected a year from 2021 to 2065",
        ),
        (
            p(json!({"tfr": {"value": 1.8, "by": 2070}})),
            "tfr.by",
            "2070",
        ),
        (
            p(json!({"tfr": {"value": 1.8}})),
            "tfr",
            "missing field `by`",
        ),
        (
            p(json!({"tfr": {"value": 1.8, "by": 2035, "from": 2020}})),
            "tfr.from",
            "unknown field",
        ),
        (
            p(json!({"migration": {"kind": "sideways", "value": 1.0, "from": 2020}})),
            "migration.kind",
            "unknown variant",
        ),
        (
            p(json!({"migration": {"kind": "multiplier", "value": 50.0, "from": 2020}})),
            "migration.value",
            "expected a multiplier",
        ),
        (
            p(json!({"migration": {"kind": "multiplier", "value": 1.2, "from": 2022}})),
            "migration.from",
            "start year of a projection period",
        ),
        (
            p(json!({"migration": {"kind": "multiplier", "value": 1.2, "from": 2065}})),
            "migration.from",
            "2060",
        ),
        (
            p(json!({"migration": {"kind": "net", "value": 1e12, "from": 2020}})),
            "migration.value",
            "net migrants",
        ),
        (
            p(json!({"households": {"per_year": -1.0, "kind": "couple-20s", "from": 2020}})),
            "households.per_year",
            "from 0",
        ),
        (
            p(json!({"households": {"per_year": 5.0, "kind": "couple-20s", "from": 2070}})),
            "households.from",
            "expected a year from 2015 to 2064",
        ),
        (
            p(json!({"households": {"per_year": 5.0, "kind": "family", "from": 2020}})),
            "households.kind",
            "unknown variant",
        ),
        (
            p(json!({"households": {"per_year": 5.0, "kind": "custom", "from": 2020}})),
            "households.custom",
            "missing",
        ),
        (
            p(
                json!({"households": {"per_year": 5.0, "kind": "couple-20s", "from": 2020, "custom": {"0-4": 1}}}),
            ),
            "households.custom",
            "kind = \\\"custom\\\"",
        ),
        (
            p(
                json!({"households": {"per_year": 5.0, "kind": "custom", "from": 2020, "custom": {"alien 30-34": 1}}}),
            ),
            "households",
            "expected \\\"male AGE\\\"",
        ),
        (
            p(
                json!({"households": {"per_year": 5.0, "kind": "custom", "from": 2020, "custom": {"female 31-35": 1}}}),
            ),
            "households",
            "unknown age group",
        ),
        (
            p(
                json!({"households": {"per_year": 5.0, "kind": "custom", "from": 2020, "custom": {"0-4": -1}}}),
            ),
            "households",
            "0 or more",
        ),
        (
            p(json!({"mortality": {"value": 20.0, "from": 2020}})),
            "mortality.value",
            "from 0 to 10",
        ),
        (
            p(json!({"mortality": {"value": 0.9, "from": 2021}})),
            "mortality.from",
            "start year",
        ),
        (
            p(json!({"target": {"year": 2017, "population": 1e5}})),
            "target.year",
            "projected year",
        ),
        (
            p(json!({"target": {"year": 2015, "population": 1e5}})),
            "target.year",
            "after the base year",
        ),
        (
            p(json!({"target": {"year": 2065, "population": -5.0}})),
            "target.population",
            "above 0",
        ),
        (p(json!({"year": 2063})), "year", "projected year"),
        (p(json!({"tfrr": 1})), "tfrr", "unknown field"),
        (
            json!({"tfr": {"value": 1.8, "by": 2035}}),
            "",
            "missing field `place`",
        ),
    ]
}

/// Every field: a 400 naming the field and what was expected.
#[test]
fn bad_input_names_the_field() {
    let addr = server();
    for (req, field, words) in bad_cases() {
        for path in ["/api/simulate", "/api/export/toml"] {
            let r = post(addr, path, &req.to_string());
            assert_eq!(r.status, 400, "{req} → {}", r.text());
            let body = r.text();
            let v = r.json();
            if !field.is_empty() {
                assert_eq!(v["field"], field, "{req} → {body}");
                assert!(
                    v["error"]
                        .as_str()
                        .expect("error")
                        .starts_with(&format!("{field}: ")),
                    "{body}"
                );
            }
            assert!(body.contains(words), "{req}: expected {words:?} in {body}");
        }
    }
    // A solve names the field inside its request, and needs a target.
    let r = post(
        addr,
        "/api/solve",
        r#"{"solve": "tfr", "request": {"place": "40205"}}"#,
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["field"], "request.target");
    let r = post(
        addr,
        "/api/solve",
        r#"{"solve": "age", "request": {"place": "40205"}}"#,
    );
    assert_eq!(r.json()["field"], "solve");
}

/// Unknown places are 404s that say what a place id is.
#[test]
fn unknown_places_are_404() {
    let addr = server();
    for id in ["99999", "abc", "pack:7", "pack:x", "4020"] {
        let r = get(addr, &format!("/api/place/{id}"));
        assert_eq!(r.status, 404, "{id}: {}", r.text());
        assert_eq!(r.json()["field"], "place");
        let r = post(addr, "/api/simulate", &json!({"place": id}).to_string());
        assert_eq!(r.status, 404, "{id}: {}", r.text());
        assert!(r.json()["error"]
            .as_str()
            .expect("error")
            .starts_with("place: "));
    }
    let r = post(addr, "/api/simulate", r#"{"place": "99999"}"#);
    assert!(r
        .text()
        .contains("no municipality of the national bundle has this code"));
}

/// Bodies: too large (413), not JSON (400), not declared JSON (415); and GET on a POST route.
#[test]
fn bodies_are_limited_and_must_be_json() {
    let addr = server();
    let big = format!(r#"{{"place": "40205", "pad": "{}"}}"#, "x".repeat(20_000));
    let r = post(addr, "/api/simulate", &big);
    assert_eq!(r.status, 413, "{}", r.text());
    assert!(r.json()["error"]
        .as_str()
        .expect("error")
        .contains("16384 bytes"));
    // Declared small, sent large: the server reads no more than the limit either.
    let r = post(
        addr,
        "/api/simulate",
        &format!("{{\"place\": \"{}\"}}", "9".repeat(1 << 20)),
    );
    assert_eq!(r.status, 413);
    let r = post(addr, "/api/simulate", "place=40205");
    assert_eq!(r.status, 400);
    assert!(r.json()["error"]
        .as_str()
        .expect("error")
        .contains("expected"));
    let r = post_as(
        addr,
        "/api/simulate",
        "text/plain",
        br#"{"place": "40205"}"#,
    );
    assert_eq!(r.status, 415);
    let r = post_as(
        addr,
        "/api/simulate",
        "application/x-www-form-urlencoded",
        b"place=40205",
    );
    assert_eq!(r.status, 415);
    assert_eq!(get(addr, "/api/simulate").status, 405);
}

/// No request path reaches the file system: traversal in every spelling is a 404 (or 400) that
/// holds none of the files it names.
#[test]
fn path_tricks_reach_no_file() {
    let addr = server();
    let paths = [
        "/../Cargo.toml",
        "/..%2fCargo.toml",
        "/%2e%2e/%2e%2e/Cargo.toml",
        "/app.js/../../Cargo.toml",
        "/style.css/..%2f..%2fsrc%2fmain.rs",
        "/api/place/..%2F..%2FCargo.toml",
        "/api/place/../../../etc/passwd",
        "/api/places/../../etc/passwd",
        "//etc/passwd",
        "/scenarios/kama/pack.toml",
        "/pack.toml",
        "/src/main.rs",
        "/index.html",
        "/assets/app.js",
    ];
    for p in paths {
        let r = get(addr, p);
        assert!(r.status == 404 || r.status == 400, "{p}: {}", r.status);
        let t = r.text();
        assert!(
            !t.contains("[package]") && !t.contains("root:") && !t.contains("fn main"),
            "{p}: {t}"
        );
    }
    // Raw request targets no browser would send (with the server's own Host, so that they pass
    // the DNS rebinding guard and reach the router).
    for target in [
        "../Cargo.toml",
        "/a/../../../../etc/passwd",
        "*",
        "http://x/../../etc/passwd",
    ] {
        let r = raw(
            addr,
            format!("GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        );
        assert!(r.status >= 400, "{target}: {}", r.status);
        assert!(!r.text().contains("root:") && !r.text().contains("[package]"));
    }
    // A place id with a path in it names no file either.
    let r = post(
        addr,
        "/api/simulate",
        r#"{"place": "../../scenarios/kama"}"#,
    );
    assert_eq!(r.status, 404);
}

/// The page and its assets come from the binary, with a content type and a strict policy.
#[test]
fn page_and_assets_are_served() {
    let addr = server();
    for (p, kind, words) in [
        ("/", "text/html", "jinko 人口シミュレーター"),
        ("/app.js", "text/javascript", "/api/simulate"),
        ("/style.css", "text/css", "font-family"),
    ] {
        let r = get(addr, p);
        assert_eq!(r.status, 200);
        assert!(r
            .header("content-type")
            .is_some_and(|c| c.starts_with(kind)));
        assert!(r
            .header("content-security-policy")
            .is_some_and(|c| c.contains("default-src 'self'")));
        assert!(r.text().contains(words));
    }
}

/// The command: another address than loopback gets the no-login warning; a folder that is not a
/// pack is an error (exit code 2) before anything listens.
#[test]
fn command_warns_off_loopback_and_checks_packs() {
    use std::io::BufRead;
    let bin = assert_cmd::cargo::cargo_bin("jinko");
    let mut child = std::process::Command::new(&bin)
        .args(["serve", "--bind", "0.0.0.0", "--port", "0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("jinko serve starts");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("the address line");
    let _ = child.kill();
    let out = child.wait_with_output().expect("ends");
    assert!(line.starts_with("jinko serve: http://0.0.0.0:"), "{line}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("warning: listening on 0.0.0.0: the page has no login"),
        "{err}"
    );

    let dir = tempfile::tempdir().expect("tempdir");
    super::jinko()
        .args(["serve", "--port", "0", "--pack"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("pack.toml"));
}
