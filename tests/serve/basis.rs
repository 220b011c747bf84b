//! The 2020 basis (IPSS 2023, estimated): パターン1 on it follows the published IPSS 2023 summary;
//! the exported file reproduces under `jinko project` on an init-ed pack, as on the 2015 basis;
//! solves land; places the summary lacks or the calibration cannot reach are 422s that say why;
//! an init-ed pack given with `--pack` offers both bases as the bundle does.

use super::{get, post, project_exported, server, start};
use serde_json::{json, Value};

fn nums(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect()
}

/// 飯塚市 on the 2020 basis: 2020 … 2070, パターン1 on the IPSS 2023 summary (its 2050 total is the
/// published 101,373, to rounding; every summary year within a person), the official path shown
/// is that summary, and the scenario extends pattern1-r5.toml.
#[test]
fn basis_2020_follows_the_ipss_2023_summary() {
    let addr = server();
    let r = post(
        addr,
        "/api/simulate",
        r#"{"place": "40205", "basis": 2020}"#,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let a = r.json();
    assert_eq!(a["basis"], 2020);
    let years = nums(&a["years"]);
    assert_eq!(years.first(), Some(&2020.0));
    assert_eq!(years.last(), Some(&2070.0));
    let total = nums(&a["total"]);
    assert_eq!(total, nums(&a["pattern1"]));
    let at = |y: f64| total[years.iter().position(|&x| x == y).expect("year")];
    let published = crate::common::value("ipss_r5_iizuka_total_2050");
    assert!(
        (at(2050.0) - published).abs() < 0.5,
        "2050: {} vs IPSS 2023 {published}",
        at(2050.0)
    );
    // The official path is the bundle's IPSS 2023 summary of 飯塚市, and パターン1 meets it.
    let b = jinko::national::Bundle::get().expect("bundle");
    let m = b.by_code("40205").expect("飯塚市");
    let summary = b.summary_of(m).expect("a summary row");
    assert_eq!(summary.rows[&2050].total, published);
    assert_eq!(a["official"]["label"], "社人研推計（令和5年推計）");
    let official = a["official"]["points"].as_array().expect("points");
    assert_eq!(official.len(), summary.rows.len());
    for p in official {
        let (y, v) = (p[0].as_f64().expect("year"), p[1].as_f64().expect("total"));
        assert_eq!(v, summary.rows[&(y as i32)].total);
        assert!((at(y) - v).abs() < 1.0, "{y}: {} vs {v}", at(y));
    }
    let toml = a["toml"].as_str().expect("toml");
    assert!(toml.contains("extends = \"pattern1-r5.toml\""), "{toml}");
    // The impact levels 30 years after the base, as `jinko national --basis r5`: 2050.
    assert_eq!(a["impact"]["year"], 2050);
    let (sim1, sim2) = (nums(&a["sim1"]), nums(&a["sim2"]));
    let k = years.iter().position(|&x| x == 2050.0).expect("2050");
    let natural = a["impact"]["natural"]["percent"].as_f64().expect("percent");
    assert!((natural - 100.0 * sim1[k] / total[k]).abs() < 1e-9);
    let social = a["impact"]["social"]["percent"].as_f64().expect("percent");
    assert!((social - 100.0 * sim2[k] / sim1[k]).abs() < 1e-9);
    // The place answer on this basis: its years and the TFR its first period stands for.
    let info = get(addr, "/api/place/40205?basis=2020").json();
    assert_eq!(info["base_year"], 2020);
    assert_eq!(info["horizon"], 2070);
    assert_eq!(info["official_label"], "社人研推計（令和5年推計）");
    assert_eq!(info["tfr_base"], a["tfr_base"]);
}

/// Every control on both bases: the exported TOML, projected by `jinko project` on the pack
/// `jinko init` writes, gives the live totals bit for bit.
#[test]
fn basis_2020_exports_reproduce_with_jinko_project() {
    let addr = server();
    let dir = tempfile::tempdir().expect("tempdir");
    let cases = [
        json!({"place": "40205", "basis": 2020, "tfr": {"value": 1.8, "by": 2040}}),
        json!({"place": "40205", "basis": 2020, "tfr": {"value": 2.07, "by": 2045},
               "migration": {"kind": "net", "value": -200.0, "from": 2030},
               "households": {"per_year": 20, "kind": "couple-30s-child", "from": 2025},
               "mortality": {"value": 0.9, "from": 2025}}),
        json!({"place": "40205", "basis": 2020,
               "migration": {"kind": "multiplier", "value": 0.5, "from": 2020},
               "households": {"per_year": 7.5, "kind": "couple-20s", "from": 2021}}),
        json!({"place": "40205", "basis": 2015, "tfr": {"value": 1.8, "by": 2035}}),
    ];
    for req in cases {
        let live = post(addr, "/api/simulate", &req.to_string());
        assert_eq!(live.status, 200, "{req}: {}", live.text());
        let live = live.json();
        let toml = post(addr, "/api/export/toml", &req.to_string());
        assert_eq!(toml.status, 200);
        assert_eq!(toml.text(), live["toml"].as_str().expect("toml"));
        let cli = project_exported(dir.path(), "40205", &toml.text());
        assert_eq!(cli["years"], live["years"], "{req}");
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

/// Moving no control but writing the TFR control at the TFR パターン1's first period stands for
/// changes nothing on the 2020 basis (the path starts where the calibrated path is).
#[test]
fn basis_2020_tfr_control_starts_on_the_calibrated_path() {
    let addr = server();
    let p1 = post(
        addr,
        "/api/simulate",
        r#"{"place": "40205", "basis": 2020}"#,
    )
    .json();
    let start = p1["tfr_base"].as_f64().expect("tfr");
    let req = json!({"place": "40205", "basis": 2020, "tfr": {"value": start, "by": 2040}});
    let a = post(addr, "/api/simulate", &req.to_string()).json();
    // 2020-2025 is untouched; later periods move only as far as the calibrated TFRs differ
    // from the first period's.
    assert_eq!(
        nums(&a["total"])[1].to_bits(),
        nums(&p1["total"])[1].to_bits()
    );
    let higher =
        json!({"place": "40205", "basis": 2020, "tfr": {"value": start + 0.3, "by": 2040}});
    let h = post(addr, "/api/simulate", &higher.to_string()).json();
    assert_eq!(
        nums(&h["total"])[1].to_bits(),
        nums(&p1["total"])[1].to_bits()
    );
    assert!(nums(&h["total"])[10] > nums(&a["total"])[10]);
}

/// Each solve lands on the target on the 2020 basis, in the scenario the page would export.
#[test]
fn basis_2020_solves_land_on_the_target() {
    let addr = server();
    let base = json!({"place": "40205", "basis": 2020,
        "tfr": {"value": 1.7, "by": 2040},
        "households": {"per_year": 10, "kind": "couple-20s", "from": 2025},
        "target": {"year": 2070, "population": 88500.0}});
    for what in ["tfr", "migration", "households"] {
        let r = post(
            addr,
            "/api/solve",
            &json!({"solve": what, "request": base}).to_string(),
        );
        assert_eq!(r.status, 200, "{}", r.text());
        let s = r.json();
        let v = s["value"].as_f64().unwrap_or_else(|| panic!("{what}: {s}"));
        let again = post(addr, "/api/simulate", &s["request"].to_string()).json();
        assert_eq!(again["basis"], 2020);
        let total = *nums(&again["total"]).last().expect("2070");
        assert!(
            (total - 88500.0).abs() <= 0.01,
            "{what} = {v}: {total} in 2070"
        );
    }
}

/// Places the 2020 basis cannot form: the calibration cannot reach their published figures
/// (利島村, 青ヶ島村, 上北山村), or the IPSS 2023 summary does not hold them (いわき市, which IPSS
/// projects only within Fukushima as a whole). Each is a 422 naming the basis, the place and why,
/// on every route; on the 2015 basis they simulate.
#[test]
fn places_the_2020_basis_cannot_form_are_422() {
    let addr = server();
    for (code, name, why) in [
        ("13362", "利島村", "cannot reproduce"),
        ("13402", "青ヶ島村", "cannot reproduce"),
        ("29451", "上北山村", "cannot reproduce"),
        ("07204", "いわき市", "not in the IPSS 2023 summary"),
    ] {
        let req = json!({"place": code, "basis": 2020});
        for path in ["/api/simulate", "/api/export/toml", "/api/export/xlsx"] {
            let r = post(addr, path, &req.to_string());
            assert_eq!(r.status, 422, "{code} {path}: {}", r.text());
            let v = r.json();
            assert_eq!(v["field"], "basis");
            let e = v["error"].as_str().expect("error");
            assert!(e.starts_with("basis: 2020: "), "{e}");
            assert!(e.contains(name) && e.contains(why), "{e}");
            assert!(e.contains("basis 2015"), "{e}");
        }
        let r = get(addr, &format!("/api/place/{code}?basis=2020"));
        assert_eq!(r.status, 422, "{}", r.text());
        let s = post(
            addr,
            "/api/solve",
            &json!({"solve": "tfr", "request": {"place": code, "basis": 2020,
                "target": {"year": 2070, "population": 100.0}}})
            .to_string(),
        );
        assert_eq!(s.status, 422);
        assert_eq!(s.json()["field"], "request.basis");
        let ok = post(addr, "/api/simulate", &json!({"place": code}).to_string());
        assert_eq!(ok.status, 200, "{code} on 2015: {}", ok.text());
    }
    // 双葉町 (evacuated in 2015; not in the IPSS 2023 summary): on 2020 the summary is the reason,
    // on 2015 it cannot be projected at all (a 404 as before, naming the census).
    let r = post(
        addr,
        "/api/simulate",
        r#"{"place": "07546", "basis": 2020}"#,
    );
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r.text().contains("双葉町") && r.text().contains("not in the IPSS 2023 summary"));
    let r = post(addr, "/api/simulate", r#"{"place": "07546"}"#);
    assert_eq!(r.status, 404, "{}", r.text());
    assert!(r.text().contains("no children aged 0-4"), "{}", r.text());
}

/// Bad bases and years of the 2020 frame: 400s naming the field.
#[test]
fn bad_basis_and_2020_years_name_the_field() {
    let addr = server();
    for (req, field, words) in [
        (
            json!({"place": "40205", "basis": 2017}),
            "basis",
            "expected 2015 (base 2015, IPSS 2018) or 2020",
        ),
        (
            json!({"place": "40205", "basis": "2020"}),
            "basis",
            "invalid type",
        ),
        (
            json!({"place": "40205", "basis": 2020, "tfr": {"value": 1.8, "by": 2025}}),
            "tfr.by",
            "expected a year from 2026 to 2070",
        ),
        (
            json!({"place": "40205", "basis": 2020, "migration": {"kind": "multiplier", "value": 1.2, "from": 2015}}),
            "migration.from",
            "2020, 2025 … 2065",
        ),
        (
            json!({"place": "40205", "basis": 2020, "households": {"per_year": 5.0, "kind": "couple-20s", "from": 2019}}),
            "households.from",
            "from 2020 to 2069",
        ),
        (
            json!({"place": "40205", "basis": 2020, "target": {"year": 2020, "population": 1e5}}),
            "target.year",
            "after the base year",
        ),
        (
            json!({"place": "40205", "basis": 2020, "year": 2015}),
            "year",
            "2020, 2025 … 2070",
        ),
    ] {
        let r = post(addr, "/api/simulate", &req.to_string());
        assert_eq!(r.status, 400, "{req}: {}", r.text());
        let v = r.json();
        assert_eq!(v["field"], field, "{req}: {v}");
        assert!(
            v["error"].as_str().expect("error").contains(words),
            "{req}: {v}"
        );
    }
    for q in ["basis=2017", "basis=x", "year=2020"] {
        let r = get(addr, &format!("/api/place/40205?{q}"));
        assert_eq!(r.status, 400, "{q}: {}", r.text());
    }
    let r = post(
        addr,
        "/api/solve",
        r#"{"solve": "tfr", "request": {"place": "40205", "basis": 1990}}"#,
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["field"], "request.basis");
}

/// An init-ed pack given with `--pack` offers both bases, as the bundle does (its パターン1 on
/// each basis is pattern1.toml / pattern1-r5.toml, Sim1 and Sim2 of the same basis); a copy of
/// Kama's pack without its 2020 パターン1 is a 422 on that basis, Kama's own pack is not.
#[test]
fn an_init_pack_offers_both_bases() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pack = dir.path().join("iizuka");
    super::jinko()
        .args(["init", "40205", "--out"])
        .arg(&pack)
        .assert()
        .success();
    // A copy of Kama's pack without its 2020-based scenarios (ipss-r5 / sim1-r5 / sim2-r5).
    let kama_2015 = crate::hardening::Pack::new();
    for f in ["ipss-r5.toml", "sim1-r5.toml", "sim2-r5.toml"] {
        std::fs::remove_file(kama_2015.path(f)).expect("remove");
    }
    let kama = crate::common::root().join("scenarios").join("kama");
    let own = start(vec![pack, kama_2015.dir.path().to_path_buf(), kama]);
    let shared = server();
    for basis in [2015, 2020] {
        let from_pack = post(
            own,
            "/api/simulate",
            &json!({"place": "pack:0", "basis": basis}).to_string(),
        );
        assert_eq!(from_pack.status, 200, "{}", from_pack.text());
        let p = from_pack.json();
        let b = post(
            shared,
            "/api/simulate",
            &json!({"place": "40205", "basis": basis}).to_string(),
        )
        .json();
        for key in ["years", "total", "sim1", "sim2", "official"] {
            assert_eq!(p[key], b[key], "basis {basis}: {key}");
        }
        let p1 = if basis == 2015 {
            "pattern1.toml"
        } else {
            "pattern1-r5.toml"
        };
        assert!(p["toml"]
            .as_str()
            .expect("toml")
            .contains(&format!("extends = \"{p1}\"")));
    }
    let r = post(
        own,
        "/api/simulate",
        r#"{"place": "pack:1", "basis": 2020}"#,
    );
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r.json()["error"]
        .as_str()
        .expect("error")
        .contains("no scenario with role = \"pattern1\" and base year 2020"));
    // Kama's own pack has the 2020 basis: ipss-r5.toml, which reproduces IPSS 2023's 18,118 in
    // 2050 (ipss_r5_projection_summary.csv).
    let r = post(
        own,
        "/api/simulate",
        r#"{"place": "pack:2", "basis": 2020}"#,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert!(v["toml"]
        .as_str()
        .expect("toml")
        .contains("extends = \"ipss-r5.toml\""));
    let k = v["years"]
        .as_array()
        .expect("years")
        .iter()
        .position(|y| y == 2050)
        .expect("2050");
    assert!((v["total"][k].as_f64().expect("total") - 18_118.0).abs() < 1.0);
}

/// The solver's TFR change (`jinko solve tfr`, the serve solve's bisection) on a calibrated
/// path: its model at a TFR x equals the scenario language's `tfr = { 2025 = start, 2040 = x }`
/// over pattern1-r5.toml, i.e. it divides by the TFR each calibrated period stands for
/// (`tfr_base · φ`), not by `tfr_base` alone.
#[test]
fn solver_tfr_change_follows_the_calibrated_path() {
    use jinko::batch::solve::Unknown;
    use jinko::scenario::Scenario;
    let b = jinko::national::Bundle::get().expect("bundle");
    let m = b.by_code("40205").expect("飯塚市");
    let pack = b.pack(m).expect("pack");
    let mut files = b
        .scenario_files_r5(m, &pack)
        .expect("r5 files")
        .expect("a summary row");
    let p1 = Scenario::from_texts_some(&pack.dir, &files, &pack, &["pattern1-r5.toml"])
        .expect("pattern1-r5")
        .remove(0);
    let start = p1.base_tfr_in(2025).expect("tfr");
    let phi = p1.calibration.as_ref().expect("calibrated").periods[0].cwr_factor;
    assert!((phi - 1.0).abs() > 1e-3, "a factor that matters: {phi}");
    files.push((
        "x.toml",
        format!(
            "extends = \"pattern1-r5.toml\"\n[fertility]\ntfr = {{ 2025 = {start:?}, 2040 = 1.8 }}\n"
        ),
    ));
    let written = Scenario::from_texts_some(&pack.dir, &files, &pack, &["x.toml"])
        .expect("x.toml")
        .remove(0)
        .project()
        .expect("projects");
    let model = Unknown::Tfr {
        from: 2025,
        by: 2040,
    }
    .model(&p1, 1.8)
    .expect("model");
    let solved = jinko::engine::project(&model, &p1.base).expect("projects");
    for k in 0..written.years.len() {
        let (a, w) = (solved.total(k), written.total(k));
        assert!(
            (a - w).abs() <= 1e-9 * w,
            "{}: {a} vs {w}",
            written.years[k]
        );
    }
}
