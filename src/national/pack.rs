//! The data pack of one municipality from the national bundle: in memory (a validated
//! [`Pack`], for `jinko national`) and as a folder (`jinko init`: the pack's CSV files, a
//! `pack.toml` citing every file, and the standard scenarios パターン1, シミュレーション1 and
//! シミュレーション2 with Japanese header comments, from the templates in
//! `scenarios/japan/templates/`). Both come from the same figures, so a written pack projects
//! exactly as the one in memory.
//!
//! `tfr_base`, the TFR the パターン1 path stands for (Sim1's path starts from it), is derived
//! here, the same way for every municipality: the children aged 0-4 at the end of the first
//! period after the base period (IPSS 2018: 0-4 in 2025; Fukushima, with no IPSS path: 0-4 in the
//! 2015 census) are births of that period that survived, so
//! `TFR = C / (Sb · Σ φ[a] · W̄[a])`, with `W̄` the mean of the women aged 15-19 … 45-49 at the
//! period's start and end, `φ` Japan's age pattern of fertility (Human Fertility Database, the
//! last year up to the base year, shares of the sum of the rates) and `Sb` the survival of births
//! to 0-4 from the national life table (sexes weighted by the sex ratio at birth). Migration of
//! children is inside `C`, as it is in the child–woman ratio. Kama: 1.54 against the 1.56 its
//! report gives (the Cabinet Office's conversion, whose national inputs we do not have).

use super::{section, Bundle, Municipality};
use crate::error::{Error, Result};
use crate::grid::{AgeGroups, FERTILE_FIRST, FERTILE_LAST};
use crate::pack::{CompareSeries, Pack, RawParameter, ReferencePoint};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const PACK_TEMPLATE: &str = include_str!("../../scenarios/japan/templates/pack.toml");
const P1_IPSS: &str = include_str!("../../scenarios/japan/templates/pattern1-ipss.toml");
const P1_CENSUS: &str = include_str!("../../scenarios/japan/templates/pattern1-census.toml");
const SIM1: &str = include_str!("../../scenarios/japan/templates/sim1.toml");
const SIM2: &str = include_str!("../../scenarios/japan/templates/sim2.toml");
const P1_R5: &str = include_str!("../../scenarios/japan/templates/pattern1-r5.toml");
const SIM1_R5: &str = include_str!("../../scenarios/japan/templates/sim1-r5.toml");
const SIM2_R5: &str = include_str!("../../scenarios/japan/templates/sim2-r5.toml");

/// The base year of the bundle's projections (the last census by age it holds).
pub const BASE_YEAR: i32 = 2015;

/// File names of a written pack.
pub mod files {
    /// Census 1980–2015.
    pub const CENSUS: &str = "census.csv";
    /// IPSS 2018 projection.
    pub const PROJECTION: &str = "ipss_h30_projection.csv";
    /// IPSS 2023 summary (2020 = the 2020 census).
    pub const SUMMARY: &str = "ipss_r5_projection_summary.csv";
    /// Census totals 1980–2020.
    pub const REFERENCE: &str = "reference.csv";
    /// The standard scenarios, in the order written.
    pub const SCENARIOS: [&str; 3] = ["pattern1.toml", "sim1.toml", "sim2.toml"];
    /// The standard scenarios on the 2020 basis (IPSS 2023, estimated), in the order written.
    pub const SCENARIOS_R5: [&str; 3] = ["pattern1-r5.toml", "sim1-r5.toml", "sim2-r5.toml"];
}

/// The TFR the パターン1 path stands for, with how it was found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TfrBase {
    /// Rounded to two decimals, as reports print it (the value packs carry).
    pub value: f64,
    /// Unrounded.
    pub exact: f64,
    /// Start year of the period whose births it is measured on.
    pub period: i32,
    /// The HFD year of the age pattern.
    pub pattern_year: i32,
    /// Whether it rests on the census (no IPSS path) rather than the IPSS projection.
    pub from_census: bool,
}

impl TfrBase {
    /// The `source` line of `parameters.tfr_base`.
    pub fn source(&self) -> String {
        format!(
            "jinko が計算: パターン1の経路が表す合計特殊出生率。{}の{}–{}年の出生（{}年の0-4歳人口）を, 女性15-49歳の期首・期末平均, 全国の出生率の年齢パターン（Human Fertility Database, 日本 {}年）, 出生の0-4歳への生残率（国連 WPP 2024 の生命表）で割ったもの（計算値 {:.4}）。嘉麻市では1.54（同市の報告書の値は1.56）。",
            if self.from_census { "国勢調査" } else { "社人研推計（平成30年推計）" },
            self.period,
            self.period + 5,
            self.period + 5,
            self.pattern_year,
            self.exact
        )
    }
}

/// A pack's folder as named in messages when the pack lives in memory.
fn virtual_dir(m: &Municipality) -> PathBuf {
    PathBuf::from(format!("jinko-national/{}", m.code))
}

/// The IPSS 2018 official label, or the census-based one for municipalities IPSS did not project.
fn official_label(m: &Municipality) -> &'static str {
    if m.ipss_h30 {
        "社人研推計（平成30年推計）"
    } else {
        "社人研推計なし（福島県の市町村は県全体のみ推計）"
    }
}

/// Scenario files by name, as `jinko init` writes them.
pub type ScenarioFiles = Vec<(&'static str, String)>;

impl Bundle {
    /// Why パターン1 of `m` cannot be formed, if it cannot: a municipality with no IPSS 2018 path
    /// whose 2015 census counts no children aged 0-4 (the towns and villages of Fukushima under
    /// evacuation orders after the 2011 nuclear accident, most of them with no residents at all).
    pub fn unprojectable(&self, m: &Municipality) -> Option<String> {
        if m.ipss_h30 {
            return None;
        }
        let ages = AgeGroups::JAPAN;
        let census = self.census(m);
        let c = census.get(&BASE_YEAR)?;
        let children: f64 = c.cells[0][0] + c.cells[1][0];
        (children == 0.0).then(|| {
            format!(
                "{} ({}, {}): the {BASE_YEAR} census counts {} persons and no children aged 0-4 (evacuation orders after the 2011 nuclear accident), and IPSS 2018 did not project it: パターン1 cannot be formed from {BASE_YEAR}",
                m.name,
                m.prefecture,
                m.code,
                crate::output::projection::persons(c.total(ages))
            )
        })
    }

    /// The validated data pack of `m`, in memory (the same figures `jinko init` writes).
    pub fn pack(&self, m: &Municipality) -> Result<Pack> {
        if let Some(why) = self.unprojectable(m) {
            return Err(Error::Invalid(why));
        }
        let ages = AgeGroups::JAPAN;
        let dir = virtual_dir(m);
        let census = self.census(m);
        let projection = self.projection(m);
        let summary = self
            .summary_of(m)
            .map(|a| a.rows.clone())
            .unwrap_or_default();
        let mut reference: Vec<ReferencePoint> = census
            .iter()
            .map(|(&y, c)| ReferencePoint {
                series: "census".into(),
                year: y,
                population: c.total(ages),
            })
            .collect();
        if let Some(r) = summary.get(&2020) {
            reference.push(ReferencePoint {
                series: "census".into(),
                year: 2020,
                population: r.total,
            });
        }
        let mut files = BTreeMap::new();
        files.insert("census", dir.join(files::CENSUS));
        files.insert("mortality", dir.join(section::MORTALITY));
        files.insert("srb", dir.join(section::SRB));
        files.insert("reference", dir.join(files::REFERENCE));
        if projection.is_some() {
            files.insert("projection", dir.join(files::PROJECTION));
        }
        if !summary.is_empty() {
            files.insert("projection_summary", dir.join(files::SUMMARY));
        }
        let mut pack = Pack {
            dir,
            name: m.name.clone(),
            name_en: None,
            code: Some(m.code.clone()),
            ages,
            census,
            projection,
            mortality: Some(self.mortality.clone()),
            survival: None,
            fertility_cwr: None,
            asfr: None,
            srb: Some(self.srb.clone()),
            migration_rates: None,
            migration_counts: None,
            reference,
            sources: BTreeMap::new(),
            parameters: BTreeMap::new(),
            files,
            compare: CompareSeries {
                official_label: official_label(m).into(),
                summary_label: "社人研推計（令和5年推計）".into(),
                ..CompareSeries::default()
            },
            margins: BTreeMap::new(),
            projection_summary: summary,
        };
        let tfr = self.tfr_base(m, &pack)?;
        pack.parameters.insert(
            "tfr_base".into(),
            RawParameter {
                value: tfr.value,
                source: tfr.source(),
            },
        );
        if let Some(&v) = self.tfr_2008_2012.get(&m.data_code) {
            pack.parameters.insert(
                "tfr_2008_2012".into(),
                RawParameter {
                    value: v,
                    source: "厚生労働省「人口動態保健所・市区町村別統計」平成20年～24年 合計特殊出生率（ベイズ推定値）".into(),
                },
            );
        }
        Ok(pack)
    }

    /// The TFR the パターン1 path of `m` stands for (module doc).
    pub fn tfr_base(&self, m: &Municipality, pack: &Pack) -> Result<TfrBase> {
        let ages = pack.ages;
        let (period, start, end, from_census) = match &pack.projection {
            Some(p) => {
                let t = BASE_YEAR + 5;
                let (Some(a), Some(b)) = (p.get(&t), p.get(&(t + 5))) else {
                    return Err(Error::Invalid(format!(
                        "{}: the IPSS 2018 projection lacks {t} or {}",
                        m.name,
                        t + 5
                    )));
                };
                (t, *a, *b, false)
            }
            None => {
                let t = BASE_YEAR - 5;
                let (Some(a), Some(b)) = (pack.census.get(&t), pack.census.get(&BASE_YEAR)) else {
                    return Err(Error::Invalid(format!(
                        "{}: the census lacks {t} or {BASE_YEAR}",
                        m.name
                    )));
                };
                (t, a.prorated(ages), b.prorated(ages), true)
            }
        };
        let Some((&pattern_year, rates)) = self.asfr.range(..=BASE_YEAR).next_back() else {
            return Err(Error::Invalid(format!(
                "the national bundle has no fertility pattern up to {BASE_YEAR}"
            )));
        };
        let sum: f64 = rates[FERTILE_FIRST..=FERTILE_LAST].iter().sum();
        let exposure: f64 = (FERTILE_FIRST..=FERTILE_LAST)
            .map(|a| rates[a] / sum * (start[1][a] + end[1][a]) / 2.0)
            .sum();
        let Some(tables) = self.mortality.get(&period) else {
            return Err(Error::Invalid(format!(
                "the national bundle has no life table for {}",
                crate::grid::period_label(period)
            )));
        };
        let (_, sb_m) = tables[0].survival_ratios(ages)?;
        let (_, sb_f) = tables[1].survival_ratios(ages)?;
        let sigma = self.srb.get(&period).copied().ok_or_else(|| {
            Error::Invalid(format!(
                "the national bundle has no sex ratio at birth for {}",
                crate::grid::period_label(period)
            ))
        })?;
        let sb = (sigma * sb_m + sb_f) / (1.0 + sigma);
        let children = end[0][0] + end[1][0];
        if !(exposure > 0.0 && children > 0.0) {
            return Err(Error::Invalid(format!(
                "{}: no women aged 15-49 or no children aged 0-4 in {}: the TFR of the path cannot be measured",
                m.name,
                period + 5
            )));
        }
        let exact = children / (sb * exposure);
        Ok(TfrBase {
            value: (exact * 100.0).round() / 100.0,
            exact,
            period,
            pattern_year,
            from_census,
        })
    }

    /// The standard scenario files of `m` (file name, TOML text), パターン1 first.
    pub fn scenario_files(&self, m: &Municipality, pack: &Pack) -> Vec<(&'static str, String)> {
        let tfr = pack
            .parameters
            .get("tfr_base")
            .map(|p| p.value)
            .unwrap_or(f64::NAN);
        let fill = |t: &str| {
            t.replace("{name}", &m.name)
                .replace("{code}", &m.code)
                .replace("{tfr_base}", &format!("{tfr:.2}"))
        };
        let p1 = if pack.projection.is_some() {
            P1_IPSS
        } else {
            P1_CENSUS
        };
        vec![
            (files::SCENARIOS[0], fill(p1)),
            (files::SCENARIOS[1], fill(SIM1)),
            (files::SCENARIOS[2], fill(SIM2)),
        ]
    }

    /// The standard scenario files of `m` on the 2020 basis (パターン1 calibrated to the IPSS 2023
    /// summary, Sim1 and Sim2 on it), after the 2015-basis パターン1 they extend; None where the
    /// bundle has no IPSS 2023 summary of `m`. Sim1's path starts from the TFR the calibrated
    /// 2020-2025 period stands for, so パターン1 on this basis is built once here.
    pub fn scenario_files_r5(
        &self,
        m: &Municipality,
        pack: &Pack,
    ) -> Result<Option<Vec<(&'static str, String)>>> {
        Ok(self.scenarios_r5(m, pack)?.map(|(files, _)| files))
    }

    /// [`Bundle::scenario_files_r5`], with the 2020-based パターン1 it builds (calibrated once;
    /// `Scenario::from_texts_after` builds Sim1 and Sim2 on its calibration).
    pub fn scenarios_r5(
        &self,
        m: &Municipality,
        pack: &Pack,
    ) -> Result<Option<(ScenarioFiles, crate::scenario::Scenario)>> {
        if pack.projection_summary.is_empty() {
            return Ok(None);
        }
        let mut out = self.scenario_files(m, pack);
        out.truncate(1);
        let fill = |t: &str| t.replace("{name}", &m.name).replace("{code}", &m.code);
        out.push((files::SCENARIOS_R5[0], fill(P1_R5)));
        let mut p1 = crate::scenario::Scenario::from_texts_some(
            &pack.dir,
            &out,
            pack,
            &[files::SCENARIOS_R5[0]],
        )?;
        let tfr = pack
            .parameters
            .get("tfr_base")
            .map(|p| p.value)
            .unwrap_or(f64::NAN);
        let factor = p1[0]
            .calibration
            .as_ref()
            .map_or(1.0, |c| c.cwr_factor(crate::national::pack::BASE_YEAR + 5));
        let start = (tfr * factor * 100.0).round() / 100.0;
        let sim1 = fill(SIM1_R5)
            .replace("{tfr_r5}", &format!("{start:.2}"))
            .replace("{tfr_base}", &format!("{tfr:.2}"))
            .replace("{cwr_factor}", &format!("{factor:.3}"));
        out.push((files::SCENARIOS_R5[1], sim1));
        out.push((files::SCENARIOS_R5[2], fill(SIM2_R5)));
        let Some(p1) = p1.pop() else {
            return Err(crate::error::Error::Invalid(format!(
                "{}: the 2020-based パターン1 was not built",
                m.name
            )));
        };
        Ok(Some((out, p1)))
    }

    /// Every file of the pack folder of `m` (name, contents).
    pub fn pack_files(&self, m: &Municipality) -> Result<Vec<(String, String)>> {
        let pack = self.pack(m)?;
        let ages = pack.ages;
        let labels = super::bundle::age_labels(false);
        let mut out: Vec<(String, String)> = Vec::new();
        let mut census = String::from("year,sex,age,population\n");
        for (y, c) in &pack.census {
            for (s, sex) in ["male", "female"].iter().enumerate() {
                for (a, label) in labels.iter().enumerate() {
                    let _ = writeln!(census, "{y},{sex},{label},{}", c.cells[s][a]);
                }
                let _ = writeln!(census, "{y},{sex},unknown,{}", c.unknown[s]);
            }
        }
        out.push((files::CENSUS.into(), census));
        if let Some(p) = &pack.projection {
            let mut text = String::from("year,sex,age,population\n");
            for (y, c) in p {
                for (s, sex) in ["male", "female"].iter().enumerate() {
                    for (a, label) in labels.iter().enumerate().take(ages.len()) {
                        let _ = writeln!(text, "{y},{sex},{label},{}", c[s][a]);
                    }
                }
            }
            out.push((files::PROJECTION.into(), text));
        }
        for name in [section::MORTALITY, section::SRB] {
            out.push((name.into(), self.texts[name].clone()));
        }
        if !pack.projection_summary.is_empty() {
            let mut text = String::from("year,total,age_0_14,age_15_64,age_65_plus\n");
            for (y, r) in &pack.projection_summary {
                let _ = writeln!(
                    text,
                    "{y},{},{},{},{}",
                    r.total, r.age_0_14, r.age_15_64, r.age_65_plus
                );
            }
            out.push((files::SUMMARY.into(), text));
        }
        let mut reference = String::from("series,year,population,note\n");
        for r in &pack.reference {
            let _ = writeln!(
                reference,
                "{},{},{},国勢調査 総人口（年齢不詳を含む）",
                r.series, r.year, r.population
            );
        }
        out.push((files::REFERENCE.into(), reference));
        let tfr = self.tfr_base(m, &pack)?;
        let toml_string = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
        let manifest = PACK_TEMPLATE
            .replace("{name}", &toml_string(&m.name))
            .replace("{code}", &m.code)
            .replace("{prefecture}", &m.prefecture)
            .replace("{credit}", super::CREDIT)
            .replace(
                "{projection_line}",
                if pack.projection.is_some() {
                    "projection = \"ipss_h30_projection.csv\""
                } else {
                    "# projection: なし（社人研の平成30年推計は福島県の市町村を個別に推計していない）"
                },
            )
            .replace(
                "{summary_line}",
                if pack.projection_summary.is_empty() {
                    "# projection_summary: なし（令和5年推計はこの市町村を単独で推計していない）"
                } else {
                    "projection_summary = \"ipss_r5_projection_summary.csv\""
                },
            )
            .replace("{tfr_base}", &format!("{:.2}", tfr.value))
            .replace("{tfr_base_source}", &toml_string(&tfr.source()))
            .replace(
                "{tfr_2008_2012}",
                &pack
                    .parameters
                    .get("tfr_2008_2012")
                    .map_or("nan".to_string(), |p| p.value.to_string()),
            )
            .replace("{official_label}", official_label(m));
        // A municipality without a 2008–2012 TFR (three were towns then) has no such parameter.
        let manifest = if pack.parameters.contains_key("tfr_2008_2012") {
            manifest
        } else {
            strip_table(&manifest, "[parameters.tfr_2008_2012]")
        };
        out.push(("pack.toml".into(), manifest));
        let mut scenarios = self.scenario_files(m, &pack);
        if let Some(r5) = self.scenario_files_r5(m, &pack)? {
            scenarios.extend(r5.into_iter().skip(1));
        }
        for (name, text) in scenarios {
            out.push((name.into(), text));
        }
        Ok(out)
    }

    /// Write the pack folder of `m` into `dir` (created; it must not hold a pack already). The
    /// files are written into a temporary folder beside it and moved in whole.
    pub fn write_pack(&self, m: &Municipality, dir: &Path) -> Result<Vec<PathBuf>> {
        let files = self.pack_files(m)?;
        if dir.join(crate::pack::MANIFEST).exists() {
            return Err(Error::Invalid(format!(
                "{} already holds a data pack: choose another folder with --out, or remove it first",
                dir.display()
            )));
        }
        if dir.exists() && !dir.is_dir() {
            return Err(Error::Invalid(format!(
                "{} exists and is not a folder: expected a new folder for the pack (--out)",
                dir.display()
            )));
        }
        let parent = dir
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        let tmp = parent.join(format!(
            ".{}.jinko-tmp-{}",
            dir.file_name()
                .map(|s| s.to_string_lossy())
                .unwrap_or_default(),
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&tmp);
        std::fs::create_dir(&tmp).map_err(|e| Error::io(&tmp, e))?;
        let result = (|| -> Result<Vec<PathBuf>> {
            for (name, text) in &files {
                let p = tmp.join(name);
                std::fs::write(&p, text).map_err(|e| Error::io(&p, e))?;
            }
            if dir.is_dir() {
                // An existing empty (or non-pack) folder: move the files in one by one.
                for (name, _) in &files {
                    let to = dir.join(name);
                    if to.exists() {
                        return Err(Error::Invalid(format!(
                            "{} already exists: the pack would overwrite it",
                            to.display()
                        )));
                    }
                }
                for (name, _) in &files {
                    std::fs::rename(tmp.join(name), dir.join(name))
                        .map_err(|e| Error::io(dir.join(name), e))?;
                }
                let _ = std::fs::remove_dir(&tmp);
            } else {
                std::fs::rename(&tmp, dir).map_err(|e| Error::io(dir, e))?;
            }
            Ok(files.iter().map(|(n, _)| dir.join(n)).collect())
        })();
        if result.is_err() {
            let _ = std::fs::remove_dir_all(&tmp);
        }
        result
    }
}

/// `text` without the TOML table headed `header` (up to the next table or the end).
fn strip_table(text: &str, header: &str) -> String {
    let mut out = String::new();
    let mut skipping = false;
    for line in text.lines() {
        if line.trim_start().starts_with('[') {
            skipping = line.trim() == header;
        }
        if !skipping {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}
