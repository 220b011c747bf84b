//! The data pack: a folder of long-form CSV files and a `pack.toml` manifest that names them and
//! cites their sources. Everything is validated on load; a bad value is an error naming the file,
//! the line, the field and what was expected.
//!
//! Files (all optional but the census; see the README for the schema and a worked example):
//! - `census`: `year,sex,age,population`, ages `0-4` … open group, and `unknown` (年齢不詳).
//! - `projection`: a published projection, `year,sex,age,population` (e.g. 社人研推計).
//! - `mortality`: central death rates `period,sex,age,mx` on ages 0, 1, 5, …, open (`100+`).
//! - `survival`: survival ratios `period,sex,age,ratio` by starting group (the open pair as `85+`,
//!   births as `birth`).
//! - `fertility_cwr`: `period,cwr,sex_ratio_0_4`; `asfr`: `period,age,asfr`; `srb`:
//!   `period,sex_ratio_at_birth`.
//! - `migration_rates`: `period,sex,age,rate` by destination group; `migration_counts`:
//!   `period,sex,age,count`.
//! - `reference`: `series,year,population` paths and targets to compare with.

pub mod table;

use crate::engine::lifetable::{survival_from_nlx, LifeTable};
use crate::engine::{Ages, Cells};
use crate::error::{Error, Location, Result};
use crate::grid::{AgeGroups, Sex, MAX_AGES};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use table::{Row, Table};

/// The manifest file name inside a pack folder.
pub const MANIFEST: &str = "pack.toml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    name: String,
    #[serde(default)]
    name_en: Option<String>,
    #[serde(default)]
    code: Option<String>,
    #[serde(default = "default_open_age")]
    open_age: u32,
    files: RawFiles,
    #[serde(default)]
    sources: BTreeMap<String, String>,
    #[serde(default)]
    parameters: BTreeMap<String, RawParameter>,
    #[serde(default)]
    compare: CompareSeries,
}

/// Which reference series stand for the official path and the target in comparisons.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CompareSeries {
    /// The official projection path as the city prints it (e.g. `ipss_h30_report`); the pack's
    /// published projection fills the years it does not give.
    #[serde(default)]
    pub official: Option<String>,
    /// Label of the official path.
    #[serde(default = "default_official_label")]
    pub official_label: String,
    /// The target path's series.
    #[serde(default = "default_target")]
    pub target: String,
    /// Label of the target path.
    #[serde(default = "default_target_label")]
    pub target_label: String,
    /// Label of the published projection summary (files.projection_summary).
    #[serde(default = "default_summary_label")]
    pub summary_label: String,
}

impl Default for CompareSeries {
    fn default() -> Self {
        CompareSeries {
            official: None,
            official_label: default_official_label(),
            target: default_target(),
            target_label: default_target_label(),
            summary_label: default_summary_label(),
        }
    }
}

fn default_official_label() -> String {
    "社人研推計".into()
}
fn default_target() -> String {
    "target".into()
}
fn default_summary_label() -> String {
    "公表推計 (要約)".into()
}
fn default_target_label() -> String {
    "目標人口".into()
}

fn default_open_age() -> u32 {
    90
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFiles {
    census: String,
    projection: Option<String>,
    mortality: Option<String>,
    survival: Option<String>,
    fertility_cwr: Option<String>,
    asfr: Option<String>,
    srb: Option<String>,
    migration_rates: Option<String>,
    migration_counts: Option<String>,
    reference: Option<String>,
    margins: Option<String>,
    projection_summary: Option<String>,
}

/// A named scalar parameter of the pack with its source (e.g. the TFR the IPSS path stands for).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawParameter {
    /// The value.
    pub value: f64,
    /// Where it comes from.
    pub source: String,
}

/// One census year: population by sex and age, and persons of unknown age by sex.
#[derive(Debug, Clone, PartialEq)]
pub struct CensusYear {
    /// Known-age population.
    pub cells: Cells,
    /// Persons of unknown age (年齢不詳), by sex.
    pub unknown: [f64; 2],
}

impl CensusYear {
    /// The population with unknown ages prorated over the known age groups of their sex (IPSS
    /// practice for the base population).
    pub fn prorated(&self, ages: AgeGroups) -> Cells {
        let n = ages.len();
        let mut out = self.cells;
        for s in 0..2 {
            let known: f64 = self.cells[s][..n].iter().sum();
            if known > 0.0 && self.unknown[s] > 0.0 {
                let f = 1.0 + self.unknown[s] / known;
                for v in &mut out[s][..n] {
                    *v *= f;
                }
            }
        }
        out
    }

    /// Total including unknown ages.
    pub fn total(&self, ages: AgeGroups) -> f64 {
        let n = ages.len();
        self.cells
            .iter()
            .map(|s| s[..n].iter().sum::<f64>())
            .sum::<f64>()
            + self.unknown.iter().sum::<f64>()
    }
}

/// A reference value to compare projections with (a published path, a target, a census count).
#[derive(Debug, Clone, PartialEq)]
pub struct ReferencePoint {
    /// Series key, e.g. `ipss_h30_report`, `target`, `census`.
    pub series: String,
    /// Year.
    pub year: i32,
    /// Total population.
    pub population: f64,
}

/// Survival for one period: ratios by sex and starting group, and birth survival if given.
#[derive(Debug, Clone, PartialEq)]
pub struct SurvivalPeriod {
    /// Ratios (see [`crate::engine::Period::survival`]).
    pub ratios: Cells,
    /// Birth survival by sex, if the source gives it.
    pub birth: Option<[f64; 2]>,
}

/// A census margin: the population of one sex in a span of age groups, or the sex's total
/// (unknown ages included).
#[derive(Debug, Clone, PartialEq)]
pub struct Margin {
    /// Sex.
    pub sex: Sex,
    /// First and last age group index of the span, or None for the total.
    pub span: Option<(usize, usize)>,
    /// Population.
    pub population: f64,
    /// Line in the margins file, for messages.
    pub line: u64,
}

/// A published projection's summary for one year: total and three age groups.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SummaryRow {
    /// Total.
    pub total: f64,
    /// 0-14.
    pub age_0_14: f64,
    /// 15-64.
    pub age_15_64: f64,
    /// 65+.
    pub age_65_plus: f64,
}

/// A loaded, validated data pack.
#[derive(Debug, Clone)]
pub struct Pack {
    /// The pack folder.
    pub dir: PathBuf,
    /// Display name (Japanese).
    pub name: String,
    /// English name.
    pub name_en: Option<String>,
    /// Municipal code.
    pub code: Option<String>,
    /// The age grid.
    pub ages: AgeGroups,
    /// Census populations by year.
    pub census: BTreeMap<i32, CensusYear>,
    /// A published projection by year, if given.
    pub projection: Option<BTreeMap<i32, Cells>>,
    /// Life tables by period start year, by sex, if death rates are given.
    pub mortality: Option<BTreeMap<i32, [LifeTable; 2]>>,
    /// Survival ratios by period, if given directly.
    pub survival: Option<BTreeMap<i32, SurvivalPeriod>>,
    /// Child–woman ratio and 0-4 sex ratio by period.
    pub fertility_cwr: Option<BTreeMap<i32, (f64, f64)>>,
    /// Age-specific fertility rates by period.
    pub asfr: Option<BTreeMap<i32, Ages>>,
    /// Sex ratio at birth by period.
    pub srb: Option<BTreeMap<i32, f64>>,
    /// Net migration rates by period.
    pub migration_rates: Option<BTreeMap<i32, Cells>>,
    /// Net migrant counts by period.
    pub migration_counts: Option<BTreeMap<i32, Cells>>,
    /// Reference values.
    pub reference: Vec<ReferencePoint>,
    /// Sources, by file name or key.
    pub sources: BTreeMap<String, String>,
    /// Named parameters with sources.
    pub parameters: BTreeMap<String, RawParameter>,
    /// File paths, by role, for messages.
    pub files: BTreeMap<&'static str, PathBuf>,
    /// Reference series used by comparisons.
    pub compare: CompareSeries,
    /// Census margins by year (for estimating a base by raking).
    pub margins: BTreeMap<i32, Vec<Margin>>,
    /// A published projection's summary (total and three age groups) by year.
    pub projection_summary: BTreeMap<i32, SummaryRow>,
}

impl Pack {
    /// Load the pack in `dir` (the folder holding `pack.toml`, or the manifest itself).
    pub fn load(dir: &Path) -> Result<Pack> {
        let (dir, manifest) = if dir.is_file() {
            (
                dir.parent().unwrap_or(Path::new(".")).to_path_buf(),
                dir.to_path_buf(),
            )
        } else {
            (dir.to_path_buf(), dir.join(MANIFEST))
        };
        let (raw, text) = crate::tomlfile::read::<RawManifest>(&manifest)?;
        let ages = AgeGroups::with_open_start(raw.open_age).ok_or_else(|| {
            Error::input(
                Location::file(&manifest).field("open_age"),
                format!(
                    "open_age is {}: expected a multiple of 5 from 15 to {}",
                    raw.open_age,
                    5 * (MAX_AGES - 1)
                ),
            )
        })?;
        check_parameters(&manifest, &text, &raw.parameters)?;
        let mut files = BTreeMap::new();
        let mut missing: Option<Error> = None;
        let mut path_of = |role: &'static str, name: &Option<String>| -> Option<PathBuf> {
            name.as_ref().map(|n| {
                let p = dir.join(n);
                if !p.is_file() && missing.is_none() {
                    let mut loc = Location::file(&manifest).field(format!("files.{role}"));
                    if let Some(l) = crate::tomlfile::key_line(&text, role) {
                        loc = loc.line(l);
                    }
                    let what = if p.is_dir() {
                        "is a folder"
                    } else if p.exists() {
                        "is not a regular file"
                    } else {
                        "was not found"
                    };
                    missing = Some(Error::input(
                        loc,
                        format!(
                            "the file \"{n}\" {what} (looked for {}): expected a CSV file in the pack folder",
                            p.display()
                        ),
                    ));
                }
                files.insert(role, p.clone());
                p
            })
        };
        let census_path = path_of("census", &Some(raw.files.census.clone())).unwrap_or_default();
        let projection_path = path_of("projection", &raw.files.projection);
        let mortality_path = path_of("mortality", &raw.files.mortality);
        let survival_path = path_of("survival", &raw.files.survival);
        let cwr_path = path_of("fertility_cwr", &raw.files.fertility_cwr);
        let asfr_path = path_of("asfr", &raw.files.asfr);
        let srb_path = path_of("srb", &raw.files.srb);
        let rates_path = path_of("migration_rates", &raw.files.migration_rates);
        let counts_path = path_of("migration_counts", &raw.files.migration_counts);
        let reference_path = path_of("reference", &raw.files.reference);
        let margins_path = path_of("margins", &raw.files.margins);
        let summary_path = path_of("projection_summary", &raw.files.projection_summary);
        if let Some(e) = missing {
            return Err(e);
        }

        let census = load_census(&census_path, ages)?;
        let projection = projection_path
            .map(|p| load_population(&p, ages))
            .transpose()?;
        let mortality = mortality_path
            .map(|p| load_mortality(&p, ages))
            .transpose()?;
        let survival = survival_path.map(|p| load_survival(&p, ages)).transpose()?;
        let fertility_cwr = cwr_path.map(|p| load_cwr(&p)).transpose()?;
        let asfr = asfr_path.map(|p| load_asfr(&p, ages)).transpose()?;
        let srb = srb_path.map(|p| load_srb(&p)).transpose()?;
        let migration_rates = rates_path
            .map(|p| load_migration(&p, ages, "rate"))
            .transpose()?;
        let migration_counts = counts_path
            .map(|p| load_migration(&p, ages, "count"))
            .transpose()?;
        let reference = reference_path
            .map(|p| load_reference(&p))
            .transpose()?
            .unwrap_or_default();
        Ok(Pack {
            dir,
            name: raw.name,
            name_en: raw.name_en,
            code: raw.code,
            ages,
            census,
            projection,
            mortality,
            survival,
            fertility_cwr,
            asfr,
            srb,
            migration_rates,
            migration_counts,
            reference,
            sources: raw.sources,
            parameters: raw.parameters,
            files,
            compare: raw.compare,
            margins: margins_path
                .map(|p| load_margins(&p, ages))
                .transpose()?
                .unwrap_or_default(),
            projection_summary: summary_path
                .map(|p| load_summary(&p))
                .transpose()?
                .unwrap_or_default(),
        })
    }

    /// The path of the file with `role` (e.g. "census"), for messages.
    pub fn file(&self, role: &str) -> PathBuf {
        self.files
            .get(role)
            .cloned()
            .unwrap_or_else(|| self.dir.join(MANIFEST))
    }

    /// The location of the row of the file with `role` whose fields equal `keys` (read again: for
    /// messages only), e.g. `("year", "2015"), ("sex", "male"), ("age", "0-4")`.
    pub fn row_at(&self, role: &str, keys: &[(&str, &str)], field: &str) -> Location {
        let path = self.file(role);
        let line = (|| {
            let text = crate::input::read_text(&path).ok()?;
            let mut lines = text.lines().enumerate();
            let (_, header) = lines.find(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))?;
            let cols: Vec<&str> = header.split(',').map(str::trim).collect();
            let idx: Vec<(usize, &str)> = keys
                .iter()
                .map(|(k, v)| cols.iter().position(|c| c == k).map(|i| (i, *v)))
                .collect::<Option<_>>()?;
            lines
                .find(|(_, l)| {
                    let f: Vec<&str> = l.split(',').map(str::trim).collect();
                    idx.iter().all(|&(i, v)| f.get(i) == Some(&v))
                })
                .map(|(i, _)| i as u64 + 1)
        })();
        let loc = Location::file(&path).field(field);
        match line {
            Some(l) => loc.line(l),
            None => loc,
        }
    }

    /// The official path: the pack's published projection totals, with the years only the
    /// official series gives (e.g. the report's 2065) added from it.
    pub fn official_path(&self) -> BTreeMap<i32, f64> {
        let n = self.ages.len();
        let mut path: BTreeMap<i32, f64> = self
            .projection
            .as_ref()
            .map(|p| {
                p.iter()
                    .map(|(&y, c)| (y, c.iter().map(|s| s[..n].iter().sum::<f64>()).sum()))
                    .collect()
            })
            .unwrap_or_default();
        if let Some(series) = &self.compare.official {
            for (y, v) in self.reference_series(series) {
                path.entry(y).or_insert(v);
            }
        }
        path
    }

    /// The values of reference series `series`, by year.
    pub fn reference_series(&self, series: &str) -> BTreeMap<i32, f64> {
        self.reference
            .iter()
            .filter(|r| r.series == series)
            .map(|r| (r.year, r.population))
            .collect()
    }

    /// Survival ratios and birth survival for the period starting in `start`, by sex, from the
    /// survival file if the pack has it for that period, else from the life table.
    pub fn survival_for(&self, start: i32) -> Option<(Cells, [f64; 2])> {
        if let Some(sp) = self.survival.as_ref().and_then(|m| m.get(&start)) {
            return Some((sp.ratios, sp.birth.unwrap_or([f64::NAN; 2])));
        }
        let tables = self.mortality.as_ref()?.get(&start)?;
        let mut ratios = [[0.0; MAX_AGES]; 2];
        let mut birth = [0.0; 2];
        for s in 0..2 {
            let (r, b) = tables[s].survival_ratios(self.ages).ok()?;
            ratios[s] = r;
            birth[s] = b;
        }
        Some((ratios, birth))
    }
}

/// Rows of a `…,sex,age,value` table keyed by year or period, checked for completeness.
struct ByKey {
    /// key → (cells, unknown, first line of the key)
    map: BTreeMap<i32, (Cells, [f64; 2], u64)>,
}

#[derive(Clone, Copy, PartialEq)]
enum Key {
    Year,
    Period,
}

impl Key {
    fn field(self) -> &'static str {
        match self {
            Key::Year => "year",
            Key::Period => "period",
        }
    }
    fn label(self, k: i32) -> String {
        match self {
            Key::Year => k.to_string(),
            Key::Period => crate::grid::period_label(k),
        }
    }
}

/// Which age labels a by-sex-age table uses.
#[derive(Clone, Copy, PartialEq)]
enum AgeSet {
    /// Every group of the grid.
    Groups,
    /// Every group and `unknown`.
    GroupsUnknown,
    /// Destination groups 5-9 … open, and 0-4 optionally.
    Destination,
}

fn read_by_sex_age(
    path: &Path,
    key: Key,
    value: &str,
    ages: AgeGroups,
    age_set: AgeSet,
    check: &dyn Fn(&Table, &Row, &str) -> Result<f64>,
) -> Result<ByKey> {
    let table = Table::read(path, &[key.field(), "sex", "age", value], &[])?;
    let n = ages.len();
    let mut map: BTreeMap<i32, (Cells, [f64; 2], u64)> = BTreeMap::new();
    let mut seen: BTreeMap<(i32, usize, usize), u64> = BTreeMap::new();
    for row in table.rows() {
        let k = match key {
            Key::Year => table.year(row, "year")?,
            Key::Period => table.period(row, "period")?,
        };
        let sex = table.sex(row, "sex")?;
        let age_raw = table.str(row, "age");
        let a = if age_raw == "unknown" && age_set == AgeSet::GroupsUnknown {
            MAX_AGES
        } else {
            ages.index(age_raw).ok_or_else(|| {
                Error::input(
                    table.at(row, "age"),
                    format!(
                        "unknown age group \"{age_raw}\": expected one of {}{}",
                        describe_groups(ages),
                        if age_set == AgeSet::GroupsUnknown {
                            " or `unknown`"
                        } else {
                            ""
                        }
                    ),
                )
            })?
        };
        let v = check(&table, row, value)?;
        if let Some(prev) = seen.insert((k, sex.index(), a), row.line()) {
            return Err(Error::input(
                table.at(row, "age"),
                format!(
                    "duplicate row for {} {sex} {age_raw} (first on line {prev}): expected one value per {}, sex and age",
                    key.label(k),
                    key.field()
                ),
            ));
        }
        let entry = map
            .entry(k)
            .or_insert(([[0.0; MAX_AGES]; 2], [0.0; 2], row.line()));
        if a == MAX_AGES {
            entry.1[sex.index()] = v;
        } else {
            entry.0[sex.index()][a] = v;
        }
    }
    if map.is_empty() {
        return Err(Error::input(
            Location::file(path),
            "the file has no data rows".to_string(),
        ));
    }
    for (&k, &(_, _, line)) in &map {
        for sex in Sex::BOTH {
            let first = if age_set == AgeSet::Destination { 1 } else { 0 };
            for a in first..n {
                if !seen.contains_key(&(k, sex.index(), a)) {
                    return Err(Error::input(
                        Location::file(path).line(line).field("age"),
                        format!(
                            "missing age group {} for {} {sex}: expected every group {} for each {} and sex",
                            ages.label(a),
                            key.label(k),
                            describe_groups(ages),
                            key.field()
                        ),
                    ));
                }
            }
        }
    }
    if key == Key::Period {
        check_consecutive(path, map.iter().map(|(&k, v)| (k, v.2)))?;
    }
    Ok(ByKey { map })
}

fn describe_groups(ages: AgeGroups) -> String {
    format!(
        "0-4, 5-9, …, {}, {}",
        ages.label(ages.len() - 2),
        ages.label(ages.len() - 1)
    )
}

/// Periods must follow each other without a gap.
fn check_consecutive(path: &Path, periods: impl Iterator<Item = (i32, u64)>) -> Result<()> {
    let mut prev: Option<i32> = None;
    for (k, line) in periods {
        if let Some(p) = prev {
            if k != p + 5 {
                return Err(Error::input(
                    Location::file(path).line(line).field("period"),
                    format!(
                        "period gap: expected {} after {}, found {}",
                        crate::grid::period_label(p + 5),
                        crate::grid::period_label(p),
                        crate::grid::period_label(k)
                    ),
                ));
            }
        }
        prev = Some(k);
    }
    Ok(())
}

fn load_census(path: &Path, ages: AgeGroups) -> Result<BTreeMap<i32, CensusYear>> {
    let by = read_by_sex_age(
        path,
        Key::Year,
        "population",
        ages,
        AgeSet::GroupsUnknown,
        &|t, r, f| t.persons(r, f),
    )?;
    Ok(by
        .map
        .into_iter()
        .map(|(y, (cells, unknown, _))| (y, CensusYear { cells, unknown }))
        .collect())
}

fn load_population(path: &Path, ages: AgeGroups) -> Result<BTreeMap<i32, Cells>> {
    let by = read_by_sex_age(
        path,
        Key::Year,
        "population",
        ages,
        AgeSet::Groups,
        &|t, r, f| t.persons(r, f),
    )?;
    let mut prev: Option<i32> = None;
    for (&y, &(_, _, line)) in &by.map {
        if let Some(p) = prev {
            if y != p + 5 {
                return Err(Error::input(
                    Location::file(path).line(line).field("year"),
                    format!("year gap: expected {} after {p}, found {y}", p + 5),
                ));
            }
        }
        prev = Some(y);
    }
    Ok(by.map.into_iter().map(|(y, (c, _, _))| (y, c)).collect())
}

fn load_migration(path: &Path, ages: AgeGroups, value: &str) -> Result<BTreeMap<i32, Cells>> {
    let check: &dyn Fn(&Table, &Row, &str) -> Result<f64> = if value == "rate" {
        &|t: &Table, r: &Row, f: &str| {
            let v = t.num(r, f)?;
            if v > 10.0 {
                return Err(Error::input(
                    t.at(r, f),
                    format!("expected a net migration rate of at most 10 (ten times the survivors), found {v}"),
                ));
            }
            if v < -1.0 {
                return Err(Error::input(
                    t.at(r, f),
                    format!("a net migration rate cannot be below -1 (everyone leaves), found {v}"),
                ));
            }
            Ok(v)
        }
    } else {
        &|t: &Table, r: &Row, f: &str| {
            let m = crate::limits::MAX_PERSONS;
            t.within(r, f, -m, m, "a number of net migrants")
        }
    };
    let by = read_by_sex_age(path, Key::Period, value, ages, AgeSet::Destination, check)?;
    Ok(by.map.into_iter().map(|(k, (c, _, _))| (k, c)).collect())
}

/// Abridged ages of a death-rate file: 0, 1, 5, 10, …, with the open group as `100+`.
fn parse_abridged_age(raw: &str) -> Option<(u32, bool)> {
    if let Some(s) = raw.strip_suffix('+') {
        return s.trim().parse().ok().map(|v| (v, true));
    }
    raw.parse().ok().map(|v| (v, false))
}

fn load_mortality(path: &Path, grid: AgeGroups) -> Result<BTreeMap<i32, [LifeTable; 2]>> {
    parse_mortality(path, &crate::input::read_bytes(path)?, grid)
}

/// Life tables by period and sex from the text of a death-rate file `period,sex,age,mx` (named
/// `path` in messages).
pub(crate) fn parse_mortality(
    path: &Path,
    bytes: &[u8],
    grid: AgeGroups,
) -> Result<BTreeMap<i32, [LifeTable; 2]>> {
    let table = Table::parse(path, bytes, &["period", "sex", "age", "mx"], &[])?;
    // (period, sex) -> (age -> (mx, line)), open age
    /// Rates by age with their lines, the open age, and the first line.
    type SexRates = (BTreeMap<u32, (f64, u64)>, Option<u32>, u64);
    let mut rows: BTreeMap<(i32, Sex), SexRates> = BTreeMap::new();
    for row in table.rows() {
        let period = table.period(row, "period")?;
        let sex = table.sex(row, "sex")?;
        let raw = table.str(row, "age");
        let (age, open) = parse_abridged_age(raw).ok_or_else(|| {
            Error::input(
                table.at(row, "age"),
                format!(
                    "expected an age 0, 1, 5, 10, … or an open group such as 100+, found \"{raw}\""
                ),
            )
        })?;
        let mx = table.within(row, "mx", 0.0, MAX_MX, "a central death rate")?;
        let e = rows
            .entry((period, sex))
            .or_insert((BTreeMap::new(), None, row.line()));
        if e.0.insert(age, (mx, row.line())).is_some() {
            return Err(Error::input(
                table.at(row, "age"),
                format!(
                    "duplicate death rate for {} {sex} age {raw}",
                    crate::grid::period_label(period)
                ),
            ));
        }
        if open {
            e.1 = Some(age);
        }
    }
    let mut out: BTreeMap<i32, [Option<LifeTable>; 2]> = BTreeMap::new();
    let mut first_line: BTreeMap<i32, u64> = BTreeMap::new();
    for ((period, sex), (ages_map, open, line)) in rows {
        let fl = first_line.entry(period).or_insert(line);
        *fl = (*fl).min(line);
        let Some(open) = open else {
            return Err(Error::input(
                Location::file(path).line(line).field("age"),
                format!(
                    "no open age group (such as 100+) for {} {sex}",
                    crate::grid::period_label(period)
                ),
            ));
        };
        let mut ages = Vec::new();
        let mut mx = Vec::new();
        let mut expected = 0u32;
        while expected <= open {
            match ages_map.get(&expected) {
                Some(&(v, _)) => {
                    ages.push(expected);
                    mx.push(v);
                }
                None => {
                    return Err(Error::input(
                        Location::file(path).line(line).field("age"),
                        format!(
                            "missing death rate for {} {sex} age {expected}: expected ages 0, 1, 5, 10, …, {open}+",
                            crate::grid::period_label(period)
                        ),
                    ))
                }
            }
            expected = if expected == 0 {
                1
            } else if expected == 1 {
                5
            } else {
                expected + 5
            };
        }
        let lt = LifeTable::from_mx(sex, &ages, &mx).map_err(|e| {
            Error::input(Location::file(path).line(line).field("mx"), e.to_string())
        })?;
        check_survival(path, &lt, grid, period, sex, &ages_map, line)?;
        out.entry(period).or_insert([None, None])[sex.index()] = Some(lt);
    }
    let mut result = BTreeMap::new();
    for (period, [m, f]) in out {
        match (m, f) {
            (Some(m), Some(f)) => {
                result.insert(period, [m, f]);
            }
            _ => {
                return Err(Error::input(
                    Location::file(path).field("sex"),
                    format!(
                    "death rates for {} are given for one sex only: expected both male and female",
                    crate::grid::period_label(period)
                ),
                ))
            }
        }
    }
    check_consecutive(path, first_line.into_iter())?;
    Ok(result)
}

/// Parameters must be finite; `tfr_base` a TFR above 0 and at most 10.
fn check_parameters(
    manifest: &Path,
    text: &str,
    parameters: &BTreeMap<String, RawParameter>,
) -> Result<()> {
    for (name, p) in parameters {
        let problem = if !p.value.is_finite() {
            Some("expected a finite number")
        } else if name == "tfr_base" && !(p.value > 0.0 && p.value <= 10.0) {
            Some("expected a total fertility rate above 0 and at most 10")
        } else {
            None
        };
        if let Some(expected) = problem {
            let header = format!("[parameters.{name}]");
            let line = text.lines().position(|l| l.trim() == header).and_then(|h| {
                text.lines()
                    .enumerate()
                    .skip(h + 1)
                    .find(|(_, l)| l.trim_start().starts_with("value"))
                    .map(|(i, _)| i as u64 + 1)
            });
            let mut loc = Location::file(manifest).field(format!("parameters.{name}.value"));
            if let Some(l) = line {
                loc = loc.line(l);
            }
            return Err(Error::input(
                loc,
                format!("value = {}: {expected}", p.value),
            ));
        }
    }
    Ok(())
}

/// The largest central death rate accepted (deaths per person-year; Japan's highest in WPP 2024
/// is 0.63, at 100+).
const MAX_MX: f64 = 10.0;

/// The survival ratios of `lt` on the grid must be probabilities: death rates that leave nobody
/// alive before the grid's open group (q = 1) are an error at the row that does it.
fn check_survival(
    path: &Path,
    lt: &LifeTable,
    grid: AgeGroups,
    period: i32,
    sex: Sex,
    rates: &BTreeMap<u32, (f64, u64)>,
    first_line: u64,
) -> Result<()> {
    let Ok((ratios, birth)) = lt.survival_ratios(grid) else {
        return Ok(()); // a table ending below the open group is reported where it is used
    };
    let n = grid.len();
    let bad = ratios[..n - 1]
        .iter()
        .position(|r| !(0.0..=1.0).contains(r))
        .map(|a| {
            if a == n - 2 {
                format!("{}+", 5 * (n - 2))
            } else {
                grid.label(a)
            }
        })
        .or_else(|| (!(0.0..=1.0).contains(&birth)).then(|| "birth".to_string()));
    let Some(group) = bad else {
        return Ok(());
    };
    let dead = lt.qx[..lt.qx.len() - 1].iter().position(|&q| q >= 1.0);
    let (line, age) = match dead.map(|i| lt.x[i] as u32) {
        Some(x) => (
            rates.get(&x).map_or(first_line, |r| r.1),
            format!("age {x}"),
        ),
        None => (first_line, "these ages".to_string()),
    };
    Err(Error::input(
        Location::file(path).line(line).field("mx"),
        format!(
            "the death rates of {} {sex} leave no survivors at {age} (probability of dying 1), so the survival ratio of {group} cannot be computed: expected death rates of a population that survives to {}+",
            crate::grid::period_label(period),
            grid.open_start()
        ),
    ))
}

fn load_survival(path: &Path, ages: AgeGroups) -> Result<BTreeMap<i32, SurvivalPeriod>> {
    let table = Table::read(path, &["period", "sex", "age", "ratio"], &[])?;
    let n = ages.len();
    let pair_label = format!("{}+", 5 * (n - 2));
    /// Ratios, which starting groups were seen, which birth rows were seen, first line.
    type Seen = (SurvivalPeriod, [[bool; MAX_AGES]; 2], [bool; 2], u64);
    let mut map: BTreeMap<i32, Seen> = BTreeMap::new();
    for row in table.rows() {
        let period = table.period(row, "period")?;
        let sex = table.sex(row, "sex")?;
        let raw = table.str(row, "age");
        let ratio = table.probability(row, "ratio")?;
        let e = map.entry(period).or_insert((
            SurvivalPeriod {
                ratios: [[0.0; MAX_AGES]; 2],
                birth: None,
            },
            [[false; MAX_AGES]; 2],
            [false; 2],
            row.line(),
        ));
        let s = sex.index();
        if raw == "birth" {
            let mut b = e.0.birth.unwrap_or([f64::NAN; 2]);
            b[s] = ratio;
            e.0.birth = Some(b);
            e.2[s] = true;
            continue;
        }
        let a = if raw == pair_label {
            n - 2
        } else {
            match ages.index(raw) {
                Some(a) if a < n - 2 => a,
                _ => {
                    return Err(Error::input(
                        table.at(row, "age"),
                        format!(
                            "unknown starting age group \"{raw}\": expected 0-4 … {}, {pair_label} (the open pair) or `birth`",
                            ages.label(n - 3)
                        ),
                    ))
                }
            }
        };
        if e.1[s][a] {
            return Err(Error::input(
                table.at(row, "age"),
                format!(
                    "duplicate survival ratio for {} {sex} {raw}",
                    crate::grid::period_label(period)
                ),
            ));
        }
        e.1[s][a] = true;
        e.0.ratios[s][a] = ratio;
    }
    for (&period, (sp, seen, births, line)) in &map {
        for sex in Sex::BOTH {
            for a in 0..n - 1 {
                if !seen[sex.index()][a] {
                    let label = if a == n - 2 {
                        pair_label.clone()
                    } else {
                        ages.label(a)
                    };
                    return Err(Error::input(
                        Location::file(path).line(*line).field("age"),
                        format!(
                            "missing age group {label} for {} {sex}: expected a survival ratio for every starting group",
                            crate::grid::period_label(period)
                        ),
                    ));
                }
            }
        }
        if sp.birth.is_some() && births != &[true, true] {
            return Err(Error::input(
                Location::file(path).line(*line).field("age"),
                format!(
                    "birth survival for {} is given for one sex only: expected `birth` rows for both",
                    crate::grid::period_label(period)
                ),
            ));
        }
    }
    check_consecutive(path, map.iter().map(|(&k, v)| (k, v.3)))?;
    Ok(map.into_iter().map(|(k, v)| (k, v.0)).collect())
}

/// Read a file with one row per period (`period,…`): each row parsed by `parse`, no period twice,
/// periods consecutive.
fn read_by_period<T>(
    path: &Path,
    bytes: &[u8],
    required: &[&str],
    parse: &dyn Fn(&Table, &Row) -> Result<T>,
) -> Result<BTreeMap<i32, T>> {
    let table = Table::parse(path, bytes, required, &[])?;
    let mut map = BTreeMap::new();
    let mut lines = Vec::new();
    for row in table.rows() {
        let period = table.period(row, "period")?;
        let value = parse(&table, row)?;
        if map.insert(period, value).is_some() {
            return Err(Error::input(
                table.at(row, "period"),
                "duplicate period: expected one row per period",
            ));
        }
        lines.push((period, row.line()));
    }
    lines.sort();
    check_consecutive(path, lines.into_iter())?;
    Ok(map)
}

/// A positive number of boys per girl in `field`.
fn sex_ratio(table: &Table, row: &Row, field: &str) -> Result<f64> {
    let v = table.num(row, field)?;
    if !(0.5..=2.0).contains(&v) {
        return Err(Error::input(
            table.at(row, field),
            format!("expected a number of boys per girl from 0.5 to 2, found {v}"),
        ));
    }
    Ok(v)
}

fn load_cwr(path: &Path) -> Result<BTreeMap<i32, (f64, f64)>> {
    let bytes = crate::input::read_bytes(path)?;
    read_by_period(
        path,
        &bytes,
        &["period", "cwr", "sex_ratio_0_4"],
        &|t, r| {
            Ok((
                t.within(r, "cwr", 0.0, 5.0, "a child–woman ratio")?,
                sex_ratio(t, r, "sex_ratio_0_4")?,
            ))
        },
    )
}

fn load_srb(path: &Path) -> Result<BTreeMap<i32, f64>> {
    parse_srb(path, &crate::input::read_bytes(path)?)
}

/// Sex ratio at birth by period from the text of a file `period,sex_ratio_at_birth`.
pub(crate) fn parse_srb(path: &Path, bytes: &[u8]) -> Result<BTreeMap<i32, f64>> {
    read_by_period(path, bytes, &["period", "sex_ratio_at_birth"], &|t, r| {
        sex_ratio(t, r, "sex_ratio_at_birth")
    })
}

fn load_asfr(path: &Path, ages: AgeGroups) -> Result<BTreeMap<i32, Ages>> {
    let table = Table::read(path, &["period", "age", "asfr"], &[])?;
    let mut map: BTreeMap<i32, (Ages, u64, u32)> = BTreeMap::new();
    for row in table.rows() {
        let period = table.period(row, "period")?;
        let raw = table.str(row, "age");
        let a = match ages.index(raw) {
            Some(a) if (crate::grid::FERTILE_FIRST..=crate::grid::FERTILE_LAST).contains(&a) => a,
            _ => {
                return Err(Error::input(
                    table.at(row, "age"),
                    format!("expected a mother's age group 15-19 … 45-49, found \"{raw}\""),
                ))
            }
        };
        let v = table.within(row, "asfr", 0.0, 1.0, "an annual birth rate per woman")?;
        let e = map
            .entry(period)
            .or_insert(([0.0; MAX_AGES], row.line(), 0));
        if e.2 & (1 << a) != 0 {
            return Err(Error::input(
                table.at(row, "age"),
                format!(
                    "duplicate rate for {} {raw}",
                    crate::grid::period_label(period)
                ),
            ));
        }
        e.2 |= 1 << a;
        e.0[a] = v;
    }
    for (&period, &(_, line, mask)) in &map {
        for a in crate::grid::FERTILE_FIRST..=crate::grid::FERTILE_LAST {
            if mask & (1 << a) == 0 {
                return Err(Error::input(
                    Location::file(path).line(line).field("age"),
                    format!(
                        "missing age group {} for {}: expected rates for 15-19 … 45-49",
                        ages.label(a),
                        crate::grid::period_label(period)
                    ),
                ));
            }
        }
    }
    check_consecutive(path, map.iter().map(|(&k, v)| (k, v.1)))?;
    Ok(map.into_iter().map(|(k, v)| (k, v.0)).collect())
}

fn load_reference(path: &Path) -> Result<Vec<ReferencePoint>> {
    let table = Table::read(path, &["series", "year", "population"], &["note"])?;
    let mut out = Vec::new();
    for row in table.rows() {
        let series = table.str(row, "series").to_string();
        if series.is_empty() {
            return Err(Error::input(
                table.at(row, "series"),
                "the field is empty: expected a series name such as `target`",
            ));
        }
        out.push(ReferencePoint {
            series,
            year: table.year(row, "year")?,
            population: table.within(
                row,
                "population",
                1.0,
                crate::limits::MAX_PERSONS,
                "a population",
            )?,
        });
    }
    Ok(out)
}

/// Survival ratios from a Preston-style table of person-years (used by the validation case).
pub fn survival_from_person_years(nlx: &[f64], l0: f64) -> Result<(Ages, f64)> {
    survival_from_nlx(nlx, l0)
}

fn load_margins(path: &Path, ages: AgeGroups) -> Result<BTreeMap<i32, Vec<Margin>>> {
    let table = Table::read(path, &["year", "sex", "ages", "population"], &[])?;
    let mut out: BTreeMap<i32, Vec<Margin>> = BTreeMap::new();
    for row in table.rows() {
        let year = table.year(row, "year")?;
        let sex = table.sex(row, "sex")?;
        let raw = table.str(row, "ages");
        let span = if raw == "total" {
            None
        } else {
            Some(parse_span(raw, ages).ok_or_else(|| {
                Error::input(
                    table.at(row, "ages"),
                    format!(
                        "\"{raw}\": expected `total` or a span of whole age groups such as 0-14, 15-64, 65+ (the last no older than {}+)",
                        ages.open_start()
                    ),
                )
            })?)
        };
        let population = table.persons(row, "population")?;
        let list = out.entry(year).or_default();
        if list.iter().any(|m| m.sex == sex && m.span == span) {
            return Err(Error::input(
                table.at(row, "ages"),
                format!("duplicate margin {year} {sex} {raw}"),
            ));
        }
        list.push(Margin {
            sex,
            span,
            population,
            line: row.line(),
        });
    }
    Ok(out)
}

/// Parse `15-64` or `65+` into first and last age-group indices.
fn parse_span(raw: &str, ages: AgeGroups) -> Option<(usize, usize)> {
    if let Some(start) = raw.strip_suffix('+') {
        let start: usize = start.trim().parse().ok()?;
        let a = start / 5;
        return (start.is_multiple_of(5) && a < ages.len()).then_some((a, ages.len() - 1));
    }
    let (lo, hi) = raw.split_once('-')?;
    let lo: usize = lo.trim().parse().ok()?;
    // `hi + 1` checked: an age of 18446744073709551615 is refused, not an overflow.
    let end: usize = hi.trim().parse::<usize>().ok()?.checked_add(1)?;
    let (a, b) = (lo / 5, end / 5);
    // `then`, not `then_some`: `b - 1` is computed only for a valid span (b = 0 for `0-3`).
    (lo.is_multiple_of(5) && end.is_multiple_of(5) && b > a && b < ages.len()).then(|| (a, b - 1))
}

fn load_summary(path: &Path) -> Result<BTreeMap<i32, SummaryRow>> {
    let table = Table::read(
        path,
        &["year", "total", "age_0_14", "age_15_64", "age_65_plus"],
        &[],
    )?;
    let mut out = BTreeMap::new();
    for row in table.rows() {
        let year = table.year(row, "year")?;
        let r = SummaryRow {
            total: table.within(
                row,
                "total",
                1.0,
                crate::limits::MAX_PERSONS,
                "a total population",
            )?,
            age_0_14: table.persons(row, "age_0_14")?,
            age_15_64: table.persons(row, "age_15_64")?,
            age_65_plus: table.persons(row, "age_65_plus")?,
        };
        if out.insert(year, r).is_some() {
            return Err(Error::input(
                table.at(row, "year"),
                format!("duplicate year {year}"),
            ));
        }
    }
    Ok(out)
}
