//! Scenarios: a TOML file names a data pack, a base, the method and the horizon, and where the
//! assumptions come from. It is read into raw serde structs (unknown keys are errors), then turned
//! into a validated [`Scenario`] holding an engine [`Model`] and the base population; nothing
//! downstream checks again.
//!
//! ```toml
//! title = "パターン1 (社人研推計準拠)"
//! pack = "."                # the folder with pack.toml, relative to this file
//! base_year = 2015
//! base = "projection"       # base population: "census" (unknown ages prorated) or "projection"
//! method = "cwr"            # "cwr" (child–woman ratio, IPSS) or "asfr" (age-specific fertility)
//! horizon = 2065
//! beyond = "hold-last"      # after the last assumption period: hold it ("hold-last") or stop ("none")
//!
//! [assumptions]
//! from = "projection"       # derive from the pack's published projection, or "files"
//! survival = "life-table"   # survival from the pack's death rates, or "file" (survival ratios)
//! migration = "rates"       # "rates" (純移動率) or "counts", with timing = "even" | "end"
//! ```

mod assumptions;
pub mod calibrate;
pub(crate) mod raw;
mod stages;

use crate::engine::{Cells, FertilityMethod, MigrationForm, Model};
use crate::error::{Error, Location, Result};
use crate::grid::Sex;
use crate::pack::Pack;
use raw::{Anchors, Merged};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Base population choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BaseKind {
    /// The census of the base year, unknown ages prorated (or dropped).
    Census,
    /// The base-year column of the pack's published projection.
    Projection,
    /// Estimated: the census five years earlier projected one step with the scenario's first
    /// assumptions, then raked to the base year's census margins (labelled estimated everywhere).
    Estimated,
    /// Estimated for a published projection summary: the census five years earlier projected one
    /// step with the scenario's first assumptions, then raked to the summary's base-year row
    /// (total and 0-14 / 15-64 / 65+, both sexes: IPSS 2023's base, unknown ages prorated) and,
    /// where the pack has them, the census margins' totals by sex.
    Summary,
}

/// Calibration of the assumptions (see [`calibrate`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Calibrate {
    /// None (the default; lets a scenario switch off the one it extends).
    None,
    /// To the pack's projection summary (files.projection_summary), in every year it has.
    Summary,
}

/// What a scenario stands for in the Cabinet Office's standard analysis (not inherited by
/// scenarios that extend it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// パターン1 (社人研推計準拠).
    Pattern1,
    /// シミュレーション1 (パターン1 + fertility at replacement).
    Sim1,
    /// シミュレーション2 (Sim1 + zero net migration).
    Sim2,
    /// The city's own target scenario (独自推計).
    Target,
}

/// What to do with persons of unknown age in a census base.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UnknownAge {
    /// Spread over the known ages of their sex in proportion (IPSS practice).
    Prorate,
    /// Leave them out.
    Drop,
}

/// Births method as written in a scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// Child–woman ratio.
    Cwr,
    /// Age-specific fertility rates.
    Asfr,
}

/// Rule for periods after the last one the assumptions cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Beyond {
    /// Hold every assumption of the last period constant (the 人口ビジョン convention).
    HoldLast,
    /// No extension: the horizon must be within the assumptions.
    None,
}

/// Where the assumptions come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// Derived from the pack's published projection (cohort change ratios, CWR, σ).
    Projection,
    /// The pack's assumption files.
    Files,
    /// Observed between two of the pack's censuses (`census_period`, default the five years
    /// before the base): net migration rates from the cohort change ratios and the period's life
    /// table, the child–woman ratio and 0-4 sex ratio of the later census, held in every period;
    /// survival from each period's life table.
    Census,
}

/// Where survival comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SurvivalSource {
    /// Life tables from the pack's death rates.
    LifeTable,
    /// The pack's survival-ratio file.
    File,
}

/// Migration form as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MigrationKind {
    /// Net migration rates.
    Rates,
    /// Net migrant counts.
    Counts,
}

/// Timing of migrant counts as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RawTiming {
    /// Half at the start, half at the end.
    Even,
    /// All at the end.
    End,
}

/// A TFR path: anchor years and values, linear between anchors, constant after the last; before
/// the first anchor the base path applies.
#[derive(Debug, Clone, PartialEq)]
pub struct Path1 {
    /// (year, value), years increasing.
    pub anchors: Vec<(i32, f64)>,
}

impl Path1 {
    /// The value at `year` (fractional years allowed): None before the first anchor.
    pub fn at(&self, year: f64) -> Option<f64> {
        let first = self.anchors.first()?;
        if year < first.0 as f64 {
            return None;
        }
        for w in self.anchors.windows(2) {
            let (y0, v0) = (w[0].0 as f64, w[0].1);
            let (y1, v1) = (w[1].0 as f64, w[1].1);
            if year <= y1 {
                return Some(v0 + (v1 - v0) * (year - y0) / (y1 - y0));
            }
        }
        self.anchors.last().map(|a| a.1)
    }
}

/// A policy measure resolved to additional migrants per period.
#[derive(Debug, Clone, PartialEq)]
pub struct Measure {
    /// Name as written.
    pub name: String,
    /// Households a year.
    pub households_per_year: f64,
    /// First and last year (inclusive) the households arrive.
    pub years: (i32, i32),
    /// Persons per household: (sex, or None for a child of either sex, age group index, count).
    /// Persons of either sex are split by the period's sex ratio (0-4 ratio or ratio at birth).
    pub household: Vec<(Option<Sex>, usize, f64)>,
}

/// Fertility assumptions of the scenario beyond the base path.
#[derive(Debug, Clone, PartialEq)]
pub struct FertilityPath {
    /// The TFR the base path stands for (Kama: 1.56).
    pub tfr_base: f64,
    /// The scenario's TFR path.
    pub tfr: Path1,
}

/// What every stage of building a scenario needs to know: its years, its methods, and where its
/// assumptions come from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Frame {
    /// The base year.
    pub base_year: i32,
    /// The last year projected.
    pub horizon: i32,
    /// Births method.
    pub fertility: FertilityMethod,
    /// Migration form.
    pub migration: MigrationForm,
    /// Source of the assumptions.
    pub from: Source,
    /// Source of survival.
    pub survival: SurvivalSource,
    /// Start year of the census period observed by [`Source::Census`].
    pub census_period: i32,
}

/// A validated scenario, ready to project.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Short name (the file stem).
    pub name: String,
    /// Title for tables and reports.
    pub title: String,
    /// Longer description, if given.
    pub description: Option<String>,
    /// The scenario file.
    pub path: PathBuf,
    /// The data pack.
    pub pack: Pack,
    /// The engine model (all scenario changes applied).
    pub model: Model,
    /// The base population.
    pub base: Cells,
    /// What the base population is, in words.
    pub base_label: String,
    /// The TFR path, if the scenario sets one.
    pub fertility: Option<FertilityPath>,
    /// The TFR the base path stands for, where known (scenario `tfr_base` or the pack's
    /// `tfr_base` parameter).
    pub tfr_base: Option<f64>,
    /// Migration multiplier applied to each period (1 = as derived).
    pub multipliers: Vec<f64>,
    /// Policy measures.
    pub measures: Vec<Measure>,
    /// Notes on how the scenario was resolved (solved multipliers and the like).
    pub notes: Vec<String>,
    /// The scenario's role in the standard analysis, if it declares one.
    pub role: Option<Role>,
    /// The calibration to a projection summary, if the scenario asks for one.
    pub calibration: Option<calibrate::Calibration>,
}

impl Scenario {
    /// Read, resolve and validate the scenario at `path` (following `extends`).
    pub fn load(path: &Path) -> Result<Scenario> {
        let layers = raw::load_chain(path)?;
        let merged = raw::merge(layers);
        stages::build(path, &merged)
    }

    /// Read the scenario at `path` with `overrides` (TOML text in the scenario language, e.g.
    /// `[fertility]\ntfr = { 2030 = 1.8 }`) laid over it as if a child scenario extended it. Batch
    /// studies use this to vary any scenario parameter. Errors in the overrides name `origin`.
    pub fn load_with_overrides(path: &Path, overrides: &str, origin: &str) -> Result<Scenario> {
        let mut layers = raw::load_chain(path)?;
        let over: raw::RawScenario = toml::from_str(overrides)
            .map_err(|e| Error::input(Location::file(origin), e.message().to_string()))?;
        if over.extends.is_some() || over.pack.is_some() {
            return Err(Error::input(
                Location::file(origin).field(if over.extends.is_some() {
                    "extends"
                } else {
                    "pack"
                }),
                "overrides cannot change `extends` or `pack`: expected scenario parameters only",
            ));
        }
        layers.insert(
            0,
            raw::Layer {
                path: PathBuf::from(origin),
                text: overrides.to_string(),
                raw: over,
            },
        );
        let mut merged = raw::merge(layers);
        merged.raw.extends = None;
        let mut s = stages::build(path, &merged)?;
        s.path = path.to_path_buf();
        Ok(s)
    }

    /// Build the scenarios `files` (file name, TOML text) of a pack held in memory, each
    /// following its `extends` among `files` (file names as written, in the same folder); `dir`
    /// names the folder in messages. `jinko national` builds the standard scenarios of every
    /// municipality this way, from the same texts `jinko init` writes.
    pub fn from_texts(dir: &Path, files: &[(&str, String)], pack: &Pack) -> Result<Vec<Scenario>> {
        let all: Vec<&str> = files.iter().map(|(n, _)| *n).collect();
        Self::from_texts_some(dir, files, pack, &all)
    }

    /// [`Scenario::from_texts`], building only the files named in `wanted` (in that order; the
    /// others are there to be extended).
    pub fn from_texts_some(
        dir: &Path,
        files: &[(&str, String)],
        pack: &Pack,
        wanted: &[&str],
    ) -> Result<Vec<Scenario>> {
        Self::from_texts_after(dir, files, pack, wanted, None)
    }

    /// [`Scenario::from_texts_some`], where a calibration to the summary is solved once: each
    /// scenario takes that of the one built before it (or of `prior`, a scenario already built on
    /// this pack, e.g. パターン1 for its Sim1 and Sim2) when it was solved from the same base and
    /// assumptions, as it is for scenarios that extend the calibrated one and change only
    /// fertility or migration (which are applied after the calibration).
    pub fn from_texts_after(
        dir: &Path,
        files: &[(&str, String)],
        pack: &Pack,
        wanted: &[&str],
        prior: Option<&Scenario>,
    ) -> Result<Vec<Scenario>> {
        let mut last: Option<calibrate::Calibration> = prior.and_then(|s| s.calibration.clone());
        let mut parsed: Vec<raw::Layer> = Vec::with_capacity(files.len());
        for (name, text) in files {
            let path = dir.join(name);
            let raw: raw::RawScenario = crate::tomlfile::parse(text, &path)?;
            parsed.push(raw::Layer {
                path,
                text: text.clone(),
                raw,
            });
        }
        let mut out = Vec::with_capacity(wanted.len());
        for want in wanted {
            let Some(i) = files.iter().position(|(n, _)| n == want) else {
                return Err(Error::Invalid(format!(
                    "no scenario {want} among the texts given"
                )));
            };
            let mut layers = vec![parsed[i].clone()];
            while let Some(parent) = layers.last().and_then(|l| l.raw.extends.clone()) {
                let Some(j) = files.iter().position(|(n, _)| *n == parent) else {
                    let child = layers.last().map(|l| l.path.clone()).unwrap_or_default();
                    return Err(Error::input(
                        Location::file(child).field("extends"),
                        format!(
                            "the scenario it extends, {parent}, is not among the pack's scenarios"
                        ),
                    ));
                };
                if layers.len() > files.len() {
                    return Err(Error::input(
                        Location::file(&parsed[i].path).field("extends"),
                        "`extends` makes a cycle: expected a chain that ends",
                    ));
                }
                layers.push(parsed[j].clone());
            }
            let merged = raw::merge(layers);
            let s = stages::build_after(&parsed[i].path, &merged, pack.clone(), last.as_ref())?;
            if s.calibration.is_some() {
                last.clone_from(&s.calibration);
            }
            out.push(s);
        }
        Ok(out)
    }

    /// Project this scenario.
    pub fn project(&self) -> Result<crate::engine::Projection> {
        let p = crate::engine::project(&self.model, &self.base)?;
        crate::checks::finite_projection(&p)?;
        Ok(p)
    }

    /// The scenario's total fertility rate in `year`: its TFR path where it sets one, else the
    /// TFR the base path stands for (None if neither is known) — on a calibrated path, times
    /// the factor on the child–woman ratio of the period ending in `year`
    /// ([`calibrate`]'s `tfr_base · φ`).
    pub fn tfr_in(&self, year: i32) -> Option<f64> {
        if let Some(f) = &self.fertility {
            if let Some(v) = f.tfr.at(year as f64) {
                return Some(v);
            }
        }
        self.base_tfr_in(year)
    }

    /// The TFR the base path stands for in the period ending in `year`: `tfr_base`, times the
    /// calibration's factor on the child–woman ratio of that period where the scenario is
    /// calibrated (1 before the first calibrated period).
    pub fn base_tfr_in(&self, year: i32) -> Option<f64> {
        let factor = self
            .calibration
            .as_ref()
            .map_or(1.0, |c| c.cwr_factor(year - 5));
        self.tfr_base.map(|t| t * factor)
    }
}

/// Parse anchors `{ year = value }`: years whole, strictly increasing, inside `range`; values
/// checked by `check` (which returns what was expected, on failure).
fn anchors(
    m: &Merged,
    key: &str,
    a: &Anchors,
    range: (i32, i32),
    check: &dyn Fn(f64) -> Option<&'static str>,
) -> Result<Vec<(i32, f64)>> {
    let mut out: Vec<(i32, f64)> = Vec::new();
    if a.0.is_empty() {
        return Err(Error::input(
            m.at(key),
            "the table is empty: expected at least one year = value",
        ));
    }
    for (k, v) in &a.0 {
        let year: i32 = k.trim().parse().map_err(|_| {
            Error::input(
                m.at(key),
                format!("\"{k}\" is not a year: expected keys such as 2030"),
            )
        })?;
        if year < range.0 || year > range.1 {
            return Err(Error::input(
                m.at(key),
                format!(
                    "year {year} is outside the projection: expected a year from {} to {}",
                    range.0, range.1
                ),
            ));
        }
        if let Some(&(prev, _)) = out.last() {
            if year <= prev {
                return Err(Error::input(
                    m.at(key),
                    format!(
                        "years out of order: {year} comes after {prev}; expected increasing years"
                    ),
                ));
            }
        }
        if !v.is_finite() {
            return Err(Error::input(
                m.at(key),
                format!("{year} = {v}: expected a finite number"),
            ));
        }
        if let Some(expected) = check(*v) {
            return Err(Error::input(
                m.at(key),
                format!("{year} = {v}: expected {expected}"),
            ));
        }
        out.push((year, *v));
    }
    Ok(out)
}
