//! Every municipality of Japan: the national bundle inside the binary (census 1980–2015 by sex and
//! five-year age for all 1,741 municipalities, the IPSS 2018 projection for 1,682, the IPSS 2023
//! summary, municipal TFR 2008–2012, the prefectures, every code change since 1970, and the
//! national mortality), its lookup by code or name ([`names`]), the data pack it makes for one
//! municipality ([`pack`]: in memory, or written as a folder by `jinko init`), and the projection
//! of all of them at once ([`run`], `jinko national`).
//!
//! The bundle builds the same validated [`crate::pack::Pack`] a pack folder does, so nothing
//! downstream knows where a population came from. Sources and licences: `scenarios/japan/README.md`.

pub mod bundle;
pub mod names;
pub mod pack;
pub mod run;

use crate::engine::lifetable::LifeTable;
use crate::engine::{Ages, Cells};
use crate::error::{Error, Result};
use crate::grid::MAX_AGES;
use crate::pack::{CensusYear, SummaryRow};
use bundle::{Counts, Sections};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

/// The bundle file the binary carries.
pub const BUNDLE: &[u8] = include_bytes!("../../scenarios/japan/bundle.bin");

/// The credit every output showing bundle figures carries (CC BY 4.0 and the government terms).
pub const CREDIT: &str = "出典: 総務省統計局「国勢調査」(e-Stat, 政府標準利用規約2.0), 国立社会保障・人口問題研究所「日本の地域別将来推計人口」(平成30年推計・令和5年推計), 厚生労働省「人口動態保健所・市区町村別統計」; 加工: aiseed.dev (統計メモ帳), CC BY 4.0; 国連 World Population Prospects 2024";

/// Names of the bundle's sections.
pub mod section {
    /// `code,prefecture_code,prefecture,name,ipss_h30`.
    pub const MUNICIPALITIES: &str = "municipalities.csv";
    /// `date,reason,old_code,old_name,new_code,new_name`.
    pub const CODE_CHANGES: &str = "code_changes.csv";
    /// `code,name,tfr`.
    pub const TFR: &str = "tfr_bayes_2008_2012.csv";
    /// `code,kind,prefecture,municipality,year,total,age_0_14,age_15_64,age_65_plus`.
    pub const SUMMARY: &str = "ipss_r5_projection_summary.csv";
    /// `period,sex,age,mx` (UN WPP 2024, Japan).
    pub const MORTALITY: &str = "wpp2024_japan_mx.csv";
    /// `period,sex_ratio_at_birth` (UN WPP 2024, Japan).
    pub const SRB: &str = "wpp2024_japan_srb.csv";
    /// `year,age,asfr` (Human Fertility Database, Japan).
    pub const ASFR: &str = "hfd_japan_asfr.csv";
    /// Census by municipality, year, sex, age and unknown.
    pub const CENSUS: &str = "census";
    /// IPSS 2018 projection by municipality.
    pub const IPSS_H30: &str = "ipss_h30";
    /// Census by prefecture.
    pub const PREF_CENSUS: &str = "pref_census";
    /// IPSS 2018 projection by prefecture.
    pub const PREF_IPSS_H30: &str = "pref_ipss_h30";
}

/// One municipality of the bundle.
#[derive(Debug, Clone, PartialEq)]
pub struct Municipality {
    /// The municipal code today (5 digits, without check digit), e.g. `40231`.
    pub code: String,
    /// The code of its rows in the census and IPSS 2018 tables (2016 boundaries), e.g. `40305`.
    pub data_code: String,
    /// The name today, e.g. 那珂川市.
    pub name: String,
    /// Two-digit prefecture code.
    pub prefecture_code: String,
    /// Prefecture name.
    pub prefecture: String,
    /// Whether IPSS 2018 projected it (not Fukushima's 59 municipalities).
    pub ipss_h30: bool,
    /// The change that gave it its code or name after the bundle's 2016 boundaries, if any:
    /// (date, old code, old name).
    pub renamed: Option<(String, String, String)>,
    census_row: usize,
    ipss_row: Option<usize>,
}

/// A code change (merger, promotion, rename) from `code_changes.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct CodeChange {
    /// Date `YYYY-MM-DD`.
    pub date: String,
    /// Reason as e-Stat words it (`absorption`, `changesToCity`, …).
    pub reason: String,
    /// Old code and name.
    pub old_code: String,
    /// Old name.
    pub old_name: String,
    /// New code.
    pub new_code: String,
    /// New name.
    pub new_name: String,
}

/// One area of the IPSS 2023 summary.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryArea {
    /// `a` prefecture, `1` designated city, `0` ward, `2` city, `3` town or village, `9` region.
    pub kind: String,
    /// Prefecture name.
    pub prefecture: String,
    /// Municipality name (empty for a prefecture).
    pub name: String,
    /// Total and three age groups by year (2020 = the 2020 census).
    pub rows: BTreeMap<i32, SummaryRow>,
}

/// The national bundle, decoded.
#[derive(Debug)]
pub struct Bundle {
    /// The municipalities in code order (2016 boundaries, today's codes and names).
    pub municipalities: Vec<Municipality>,
    /// Prefectures: (two-digit code, name), in code order.
    pub prefectures: Vec<(String, String)>,
    /// Every code change 1970–2024.
    pub changes: Vec<CodeChange>,
    /// TFR 2008–2012 (Bayesian estimate) by data code.
    pub tfr_2008_2012: BTreeMap<String, f64>,
    /// The IPSS 2023 summary by its own code.
    pub summary: BTreeMap<String, SummaryArea>,
    /// National life tables by period (UN WPP 2024 Japan).
    pub mortality: BTreeMap<i32, [LifeTable; 2]>,
    /// National sex ratio at birth by period.
    pub srb: BTreeMap<i32, f64>,
    /// National age-specific fertility rates by year (HFD), ages by group index.
    pub asfr: BTreeMap<i32, Ages>,
    /// The CSV text sections as stored (written into packs as they are).
    pub texts: BTreeMap<String, String>,
    census: Counts,
    ipss: Counts,
    pref_census: Counts,
    pref_ipss: Counts,
}

static GLOBAL: OnceLock<std::result::Result<Bundle, String>> = OnceLock::new();

fn text<'a>(s: &'a Sections, name: &str) -> Result<&'a str> {
    s.texts
        .get(name)
        .map(String::as_str)
        .ok_or_else(|| Error::Invalid(format!("the national bundle has no section {name}")))
}

fn table(s: &mut Sections, name: &str) -> Result<Counts> {
    s.tables
        .remove(name)
        .ok_or_else(|| Error::Invalid(format!("the national bundle has no table {name}")))
}

/// Split simple CSV text (no quoted fields: the bundle's own tables) into rows after the header,
/// checking the header.
fn rows<'a>(name: &str, text: &'a str, header: &str) -> Result<Vec<Vec<&'a str>>> {
    let mut lines = text.lines();
    let first = lines.next().unwrap_or("").trim_start_matches('\u{feff}');
    if first != header {
        return Err(Error::Invalid(format!(
            "the national bundle's {name} has the header {first:?}: expected {header:?}"
        )));
    }
    let n = header.split(',').count();
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.trim_end_matches('\r').split(',').collect();
            if f.len() == n {
                Ok(f)
            } else {
                Err(Error::Invalid(format!(
                    "the national bundle's {name} has a row with {} fields: expected {n} ({l:?})",
                    f.len()
                )))
            }
        })
        .collect()
}

fn number(name: &str, v: &str) -> Result<f64> {
    v.parse::<f64>()
        .ok()
        .filter(|x| x.is_finite())
        .ok_or_else(|| {
            Error::Invalid(format!(
                "the national bundle's {name} has {v:?} where a number belongs"
            ))
        })
}

impl Bundle {
    /// The bundle the binary carries, decoded once.
    pub fn get() -> Result<&'static Bundle> {
        GLOBAL
            .get_or_init(|| Bundle::parse(BUNDLE).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|e| Error::Invalid(e.clone()))
    }

    /// Decode a bundle file.
    pub fn parse(bytes: &[u8]) -> Result<Bundle> {
        let mut s = Sections::parse(bytes)?;
        let changes: Vec<CodeChange> = rows(
            section::CODE_CHANGES,
            text(&s, section::CODE_CHANGES)?,
            "date,reason,old_code,old_name,new_code,new_name",
        )?
        .into_iter()
        .map(|f| CodeChange {
            date: f[0].into(),
            reason: f[1].into(),
            old_code: f[2].into(),
            old_name: f[3].into(),
            new_code: f[4].into(),
            new_name: f[5].into(),
        })
        .collect();
        let census = table(&mut s, section::CENSUS)?;
        let ipss = table(&mut s, section::IPSS_H30)?;
        let mut municipalities = Vec::new();
        let mut prefectures: Vec<(String, String)> = Vec::new();
        let mut ipss_row = 0;
        // Promotions and renames after the bundle's boundaries (2016-10-10) give today's codes.
        let later: Vec<&CodeChange> = changes
            .iter()
            .filter(|c| {
                c.date.as_str() > "2016-10-10"
                    && (c.reason == "changesToCity" || c.reason == "changesOfNames")
            })
            .collect();
        for (i, f) in rows(
            section::MUNICIPALITIES,
            text(&s, section::MUNICIPALITIES)?,
            "code,prefecture_code,prefecture,name,ipss_h30",
        )?
        .into_iter()
        .enumerate()
        {
            let projected = f[4] == "yes";
            let renamed = later.iter().copied().find(|c| c.old_code == f[0]);
            municipalities.push(Municipality {
                code: renamed.map_or(f[0], |c| &c.new_code).to_string(),
                data_code: f[0].into(),
                name: renamed.map_or(f[3], |c| &c.new_name).to_string(),
                prefecture_code: f[1].into(),
                prefecture: f[2].into(),
                ipss_h30: projected,
                renamed: renamed.map(|c| (c.date.clone(), c.old_code.clone(), c.old_name.clone())),
                census_row: i,
                ipss_row: projected.then_some(ipss_row),
            });
            if projected {
                ipss_row += 1;
            }
            if prefectures.last().map(|p| p.0.as_str()) != Some(f[1]) {
                prefectures.push((f[1].into(), f[2].into()));
            }
        }
        if census.units != municipalities.len() || ipss.units != ipss_row {
            return Err(Error::Invalid(format!(
                "the national bundle's tables do not match its list: {} municipalities, {} census units; {} projected, {} projection units",
                municipalities.len(),
                census.units,
                ipss_row,
                ipss.units
            )));
        }
        let mut tfr_2008_2012 = BTreeMap::new();
        for f in rows(section::TFR, text(&s, section::TFR)?, "code,name,tfr")? {
            tfr_2008_2012.insert(f[0].to_string(), number(section::TFR, f[2])?);
        }
        // Rows come grouped by area: build each area from its run of rows.
        let mut summary: BTreeMap<String, SummaryArea> = BTreeMap::new();
        let mut current: Option<(&str, SummaryArea)> = None;
        for f in rows(
            section::SUMMARY,
            text(&s, section::SUMMARY)?,
            "code,kind,prefecture,municipality,year,total,age_0_14,age_15_64,age_65_plus",
        )? {
            if current.as_ref().is_none_or(|(c, _)| *c != f[0]) {
                if let Some((c, area)) = current.take() {
                    summary.entry(c.to_string()).or_insert(area);
                }
                current = Some((
                    f[0],
                    SummaryArea {
                        kind: f[1].into(),
                        prefecture: f[2].into(),
                        name: f[3].into(),
                        rows: BTreeMap::new(),
                    },
                ));
            }
            if let Some((_, area)) = current.as_mut() {
                area.rows.insert(
                    number(section::SUMMARY, f[4])? as i32,
                    SummaryRow {
                        total: number(section::SUMMARY, f[5])?,
                        age_0_14: number(section::SUMMARY, f[6])?,
                        age_15_64: number(section::SUMMARY, f[7])?,
                        age_65_plus: number(section::SUMMARY, f[8])?,
                    },
                );
            }
        }
        if let Some((c, area)) = current.take() {
            summary.entry(c.to_string()).or_insert(area);
        }
        let ages = crate::grid::AgeGroups::JAPAN;
        let mut asfr: BTreeMap<i32, Ages> = BTreeMap::new();
        for f in rows(section::ASFR, text(&s, section::ASFR)?, "year,age,asfr")? {
            let a = ages.index(f[1]).ok_or_else(|| {
                Error::Invalid(format!(
                    "the national bundle's {} has age {:?}",
                    section::ASFR,
                    f[1]
                ))
            })?;
            asfr.entry(number(section::ASFR, f[0])? as i32)
                .or_insert([0.0; MAX_AGES])[a] = number(section::ASFR, f[2])?;
        }
        let mortality = crate::pack::parse_mortality(
            Path::new(section::MORTALITY),
            text(&s, section::MORTALITY)?.as_bytes(),
            crate::grid::AgeGroups::JAPAN,
        )?;
        let srb =
            crate::pack::parse_srb(Path::new(section::SRB), text(&s, section::SRB)?.as_bytes())?;
        Ok(Bundle {
            municipalities,
            prefectures,
            changes,
            tfr_2008_2012,
            summary,
            mortality,
            srb,
            asfr,
            pref_census: table(&mut s, section::PREF_CENSUS)?,
            pref_ipss: table(&mut s, section::PREF_IPSS_H30)?,
            texts: s.texts,
            census,
            ipss,
        })
    }

    /// The census of municipality `m` by year (unknown ages apart).
    pub fn census(&self, m: &Municipality) -> BTreeMap<i32, CensusYear> {
        census_years(&self.census, m.census_row)
    }

    /// The IPSS 2018 projection of municipality `m` by year, if IPSS projected it.
    pub fn projection(&self, m: &Municipality) -> Option<BTreeMap<i32, Cells>> {
        m.ipss_row.map(|r| cells_by_year(&self.ipss, r))
    }

    /// The census of prefecture number `p` (index into [`Bundle::prefectures`]).
    pub fn prefecture_census(&self, p: usize) -> BTreeMap<i32, CensusYear> {
        census_years(&self.pref_census, p)
    }

    /// The IPSS 2018 projection of prefecture number `p` (Fukushima's included).
    pub fn prefecture_projection(&self, p: usize) -> BTreeMap<i32, Cells> {
        cells_by_year(&self.pref_ipss, p)
    }

    /// The IPSS 2023 summary area of municipality `m` (under today's code), if it has one of its
    /// own (13 municipalities of Fukushima's 浜通り were projected as one region).
    pub fn summary_of(&self, m: &Municipality) -> Option<&SummaryArea> {
        self.summary
            .get(&m.code)
            .or_else(|| self.summary.get(&m.data_code))
            .filter(|a| a.kind != "a" && a.kind != "9")
    }
}

fn census_years(t: &Counts, unit: usize) -> BTreeMap<i32, CensusYear> {
    let n = t.ages - 1;
    t.years
        .iter()
        .enumerate()
        .map(|(y, &year)| {
            let mut cells = [[0.0; MAX_AGES]; 2];
            let mut unknown = [0.0; 2];
            for s in 0..2 {
                let c = t.cells(unit, y, s);
                for a in 0..n {
                    cells[s][a] = f64::from(c[a]);
                }
                unknown[s] = f64::from(c[n]);
            }
            (year, CensusYear { cells, unknown })
        })
        .collect()
}

fn cells_by_year(t: &Counts, unit: usize) -> BTreeMap<i32, Cells> {
    t.years
        .iter()
        .enumerate()
        .map(|(y, &year)| {
            let mut cells = [[0.0; MAX_AGES]; 2];
            for s in 0..2 {
                for (a, &v) in t.cells(unit, y, s).iter().enumerate() {
                    cells[s][a] = f64::from(v);
                }
            }
            (year, cells)
        })
        .collect()
}

/// Build a bundle file from the reference CSV files: `municipal` holds the national
/// municipal data (municipalities.csv, census_1980_2015.csv, ipss_h30_projection.csv,
/// prefectures_*.csv, ipss_r5_projection_summary.csv, tfr_bayes_2008_2012.csv,
/// code_changes.csv), `national` the national mortality, sex ratio at birth and fertility pattern
/// in the project's schema (wpp2024_japan_mx.csv, wpp2024_japan_srb.csv, hfd_japan_asfr.csv).
pub fn build_bundle(municipal: &Path, national: &Path) -> Result<Vec<u8>> {
    let read = |dir: &Path, name: &str| -> Result<String> {
        let p = dir.join(name);
        std::fs::read_to_string(&p).map_err(|e| Error::io(&p, e))
    };
    let mut s = Sections::default();
    for name in [
        section::MUNICIPALITIES,
        section::CODE_CHANGES,
        section::TFR,
        section::SUMMARY,
    ] {
        s.texts.insert(name.into(), read(municipal, name)?);
    }
    for name in [section::MORTALITY, section::SRB, section::ASFR] {
        s.texts.insert(name.into(), read(national, name)?);
    }
    let list = rows(
        section::MUNICIPALITIES,
        &s.texts[section::MUNICIPALITIES],
        "code,prefecture_code,prefecture,name,ipss_h30",
    )?;
    let codes: Vec<String> = list.iter().map(|f| f[0].to_string()).collect();
    let projected: Vec<String> = list
        .iter()
        .filter(|f| f[4] == "yes")
        .map(|f| f[0].to_string())
        .collect();
    let mut prefs: Vec<String> = list.iter().map(|f| f[1].to_string()).collect();
    prefs.dedup();
    let table = |file: &str, col: &str, units: &[String], unknown: bool| {
        bundle::counts_from_csv(&municipal.join(file), col, units, unknown)
    };
    s.tables.insert(
        section::CENSUS.into(),
        table("census_1980_2015.csv", "code", &codes, true)?,
    );
    s.tables.insert(
        section::IPSS_H30.into(),
        table("ipss_h30_projection.csv", "code", &projected, false)?,
    );
    s.tables.insert(
        section::PREF_CENSUS.into(),
        table(
            "prefectures_census_1980_2015.csv",
            "prefecture_code",
            &prefs,
            true,
        )?,
    );
    s.tables.insert(
        section::PREF_IPSS_H30.into(),
        table(
            "prefectures_ipss_h30_projection.csv",
            "prefecture_code",
            &prefs,
            false,
        )?,
    );
    let bytes = s.to_bytes();
    Bundle::parse(&bytes)?; // what is written must read back
    Ok(bytes)
}
