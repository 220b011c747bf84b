//! Bad input: each gets one clear message naming the file, the line, the field and what was
//! expected, and exit code 2; never a panic. Each case copies the Kama pack to a temporary folder
//! and breaks one thing.

use crate::common::kama;
use assert_cmd::Command;
use std::path::{Path, PathBuf};

/// A copy of the Kama pack and its scenario in a temporary folder.
struct Pack {
    dir: tempfile::TempDir,
}

impl Pack {
    fn new() -> Pack {
        let dir = tempfile::tempdir().unwrap();
        for entry in std::fs::read_dir(kama("")).unwrap() {
            let p = entry.unwrap().path();
            if p.is_file() {
                std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
            }
        }
        Pack { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Replace the text `from` by `to` in `file` (which must contain it).
    fn edit(&self, file: &str, from: &str, to: &str) -> &Self {
        let p = self.path(file);
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.contains(from), "{file} does not contain {from:?}");
        std::fs::write(&p, text.replacen(from, to, 1)).unwrap();
        self
    }

    fn write(&self, file: &str, text: &str) -> &Self {
        std::fs::write(self.path(file), text).unwrap();
        self
    }

    /// Run `jinko project` on the scenario `scenario` and return stderr, asserting exit code 2,
    /// one error line, and no panic.
    fn fails(&self, scenario: &str) -> String {
        let out = Command::cargo_bin("jinko")
            .unwrap()
            .args(["project"])
            .arg(self.path(scenario))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
        assert!(out.stdout.is_empty(), "nothing on stdout when failing");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "one message: {stderr}");
        assert!(stderr.starts_with("error: "), "{stderr}");
        stderr
    }
}

fn has_all(stderr: &str, parts: &[&str]) {
    for p in parts {
        assert!(stderr.contains(p), "expected {p:?} in: {stderr}");
    }
}

fn name(p: &Path) -> String {
    p.file_name().unwrap().to_string_lossy().into_owned()
}

#[test]
fn row_with_a_missing_field() {
    let pack = Pack::new();
    pack.edit("census.csv", "1980,male,5-9,1922", "1980,male,5-9");
    let e = pack.fails("ipss-h30.toml");
    has_all(&e, &["census.csv", "line 3", "expected 4 fields"]);
}

#[test]
fn non_numeric_population() {
    let pack = Pack::new();
    pack.edit("census.csv", "1980,male,5-9,1922", "1980,male,5-9,many");
    let e = pack.fails("ipss-h30.toml");
    has_all(
        &e,
        &[
            "census.csv",
            "line 3",
            "field `population`",
            "expected a finite number",
            "many",
        ],
    );
}

#[test]
fn negative_population() {
    let pack = Pack::new();
    pack.edit(
        "ipss_h30_projection.csv",
        "2015,male,5-9,780",
        "2015,male,5-9,-780",
    );
    let e = pack.fails("ipss-h30.toml");
    has_all(
        &e,
        &[
            "ipss_h30_projection.csv",
            "line 3",
            "field `population`",
            "0 or more",
        ],
    );
}

#[test]
fn nan_population() {
    let pack = Pack::new();
    pack.edit("census.csv", "1980,male,5-9,1922", "1980,male,5-9,NaN");
    let e = pack.fails("ipss-h30.toml");
    has_all(
        &e,
        &["census.csv", "line 3", "field `population`", "finite"],
    );
}

#[test]
fn survival_ratio_above_one() {
    let pack = Pack::new();
    pack.write(
        "survival.csv",
        "period,sex,age,ratio\n2015-2020,male,0-4,0.999\n2015-2020,male,5-9,1.2\n",
    );
    pack.edit(
        "pack.toml",
        "[files]\n",
        "[files]\nsurvival = \"survival.csv\"\n",
    );
    let e = pack.fails("ipss-h30.toml");
    has_all(
        &e,
        &[
            "survival.csv",
            "line 3",
            "field `ratio`",
            "from 0 to 1",
            "1.2",
        ],
    );
}

#[test]
fn missing_age_group() {
    let pack = Pack::new();
    pack.edit("census.csv", "2015,female,30-34,878\n", "");
    let e = pack.fails("ipss-h30.toml");
    has_all(
        &e,
        &[
            "census.csv",
            "field `age`",
            "missing age group 30-34",
            "2015 female",
            "line ",
        ],
    );
}

#[test]
fn unknown_age_label() {
    let pack = Pack::new();
    pack.edit("census.csv", "1980,male,5-9,1922", "1980,male,5-10,1922");
    let e = pack.fails("ipss-h30.toml");
    has_all(
        &e,
        &[
            "census.csv",
            "line 3",
            "field `age`",
            "5-10",
            "expected one of",
        ],
    );
}

#[test]
fn period_gap() {
    let pack = Pack::new();
    let p = pack.path("wpp2024_japan_mx.csv");
    let text = std::fs::read_to_string(&p).unwrap();
    let kept: String = text
        .lines()
        .filter(|l| !l.starts_with("2020-2025,"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&p, kept).unwrap();
    let e = pack.fails("ipss-h30.toml");
    has_all(
        &e,
        &[
            "wpp2024_japan_mx.csv",
            "line ",
            "field `period`",
            "period gap",
            "expected 2020-2025",
        ],
    );
}

#[test]
fn unknown_scenario_key() {
    let pack = Pack::new();
    pack.edit("ipss-h30.toml", "horizon = 2065", "horizn = 2065");
    let e = pack.fails("ipss-h30.toml");
    has_all(&e, &["ipss-h30.toml", "line ", "horizn"]);
}

#[test]
fn unknown_scenario_value() {
    let pack = Pack::new();
    pack.edit("ipss-h30.toml", "method = \"cwr\"", "method = \"cwrr\"");
    let e = pack.fails("ipss-h30.toml");
    has_all(&e, &["ipss-h30.toml", "line ", "cwrr", "cwr"]);
}

#[test]
fn scenario_naming_a_missing_pack() {
    let pack = Pack::new();
    pack.edit("ipss-h30.toml", "pack = \".\"", "pack = \"nowhere\"");
    let e = pack.fails("ipss-h30.toml");
    has_all(
        &e,
        &[
            "ipss-h30.toml",
            "line 13",
            "field `pack`",
            "nowhere",
            "not found",
        ],
    );
}

#[test]
fn pack_naming_a_missing_file() {
    let pack = Pack::new();
    pack.edit(
        "pack.toml",
        "census = \"census.csv\"",
        "census = \"census_missing.csv\"",
    );
    let e = pack.fails("ipss-h30.toml");
    has_all(
        &e,
        &[
            "pack.toml",
            "field `files.census`",
            "census_missing.csv",
            "not found",
            "line ",
        ],
    );
}

#[test]
fn missing_scenario_file() {
    let pack = Pack::new();
    let e = pack.fails("no-such-scenario.toml");
    has_all(&e, &[&name(&pack.path("no-such-scenario.toml"))]);
}

#[test]
fn horizon_not_on_the_five_year_grid() {
    let pack = Pack::new();
    pack.edit("ipss-h30.toml", "horizon = 2065", "horizon = 2063");
    let e = pack.fails("ipss-h30.toml");
    has_all(
        &e,
        &[
            "ipss-h30.toml",
            "field `horizon`",
            "2063",
            "multiple of five",
        ],
    );
}
