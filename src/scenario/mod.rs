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

pub(crate) mod raw;

use crate::engine::derive::{migration_rates, observed_ratios};
use crate::engine::{Cells, FertilityMethod, MigrationForm, Model, Period, Timing};
use crate::error::{Error, Location, Result};
use crate::grid::{period_label, Sex, MAX_AGES};
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
}

/// The location of `key` (dotted, e.g. `fertility.tfr`) in the TOML `text` of `path`: the file,
/// the field, and the line where its last part is first set.
pub(crate) fn key_location(path: &Path, text: &str, key: &str) -> Location {
    let short = key.rsplit('.').next().unwrap_or(key);
    let mut loc = Location::file(path).field(key);
    if let Some(l) = key_line(text, short) {
        loc = loc.line(l);
    }
    loc
}

/// The 1-based line where `key = …` first appears in `text`, for messages about a valid-looking
/// but impossible value.
pub(crate) fn key_line(text: &str, key: &str) -> Option<u64> {
    text.lines()
        .position(|l| {
            let t = l.trim_start();
            t.strip_prefix(key)
                .map(|rest| rest.trim_start().starts_with('='))
                .unwrap_or(false)
        })
        .map(|i| i as u64 + 1)
}

impl Scenario {
    /// Read, resolve and validate the scenario at `path` (following `extends`).
    pub fn load(path: &Path) -> Result<Scenario> {
        let layers = raw::load_chain(path)?;
        let merged = raw::merge(layers);
        build(path, &merged)
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
        let mut s = build(path, &merged)?;
        s.path = path.to_path_buf();
        Ok(s)
    }

    /// Project this scenario.
    pub fn project(&self) -> Result<crate::engine::Projection> {
        let p = crate::engine::project(&self.model, &self.base)?;
        crate::checks::finite_projection(&p)?;
        Ok(p)
    }

    /// The scenario's total fertility rate in `year`: its TFR path where it sets one, else the
    /// TFR the base path stands for (None if neither is known).
    pub fn tfr_in(&self, year: i32) -> Option<f64> {
        if let Some(f) = &self.fertility {
            if let Some(v) = f.tfr.at(year as f64) {
                return Some(v);
            }
        }
        self.tfr_base
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

fn build(path: &Path, m: &Merged) -> Result<Scenario> {
    let raw = &m.raw;
    let pack_rel = raw.pack.clone().unwrap_or_else(|| ".".to_string());
    let pack_dir = m.dir_of("pack").join(&pack_rel);
    let manifest = if pack_dir.is_dir() {
        pack_dir.join(crate::pack::MANIFEST)
    } else {
        pack_dir.clone()
    };
    if !manifest.exists() {
        return Err(Error::input(
            m.at("pack"),
            format!(
                "the data pack \"{pack_rel}\" was not found: expected a folder holding {} (looked for {})",
                crate::pack::MANIFEST,
                manifest.display()
            ),
        ));
    }
    let pack = Pack::load(&pack_dir)?;
    let ages = pack.ages;
    let base_year = raw.base_year.ok_or_else(|| {
        Error::input(
            Location::file(path).field("base_year"),
            "missing key `base_year`: expected the census year the projection starts from, e.g. 2015",
        )
    })?;
    let horizon = raw.horizon.unwrap_or(2065);
    crate::limits::check_horizon(base_year, horizon, m.at("horizon"), m.at("base_year"))?;
    if horizon <= base_year || (horizon - base_year) % 5 != 0 {
        return Err(Error::input(
            m.at("horizon"),
            format!("horizon {horizon}: expected a year after the base year {base_year}, a multiple of five years from it"),
        ));
    }
    let method = raw.method.unwrap_or(Method::Cwr);
    let assumptions = raw.assumptions.clone().unwrap_or_default();
    let from = assumptions.from.unwrap_or(Source::Files);
    let survival_source = assumptions.survival.unwrap_or(SurvivalSource::LifeTable);
    let migration = match assumptions.migration.unwrap_or(MigrationKind::Rates) {
        MigrationKind::Rates => MigrationForm::Rates,
        MigrationKind::Counts => {
            MigrationForm::Counts(match assumptions.timing.unwrap_or(RawTiming::Even) {
                RawTiming::Even => Timing::Even,
                RawTiming::End => Timing::End,
            })
        }
    };
    let fertility = match method {
        Method::Cwr => FertilityMethod::Cwr,
        Method::Asfr => FertilityMethod::Asfr,
    };
    let (base, base_label) = match m.raw.base {
        Some(BaseKind::Estimated) => estimate_base(
            m,
            &pack,
            base_year,
            from,
            fertility,
            migration,
            survival_source,
        )?,
        _ => base_population(m, &pack, base_year)?,
    };
    let steps = ((horizon - base_year) / 5) as usize;
    let mut periods: Vec<Period> = Vec::with_capacity(steps);
    for k in 0..steps {
        let start = base_year + 5 * k as i32;
        let period = period_for(&pack, start, from, fertility, migration, survival_source)?;
        match period {
            Some(p) => periods.push(p),
            None => match (raw.beyond.unwrap_or(Beyond::HoldLast), periods.last()) {
                (Beyond::HoldLast, Some(last)) => {
                    let mut p = last.clone();
                    p.start = start;
                    periods.push(p);
                }
                (Beyond::HoldLast, None) => {
                    return Err(Error::input(
                        m.at("base_year"),
                        format!(
                            "the pack has no assumptions for the first period {}: expected them in its files or its projection",
                            period_label(start)
                        ),
                    ))
                }
                (Beyond::None, _) => {
                    return Err(Error::input(
                        m.at("horizon"),
                        format!(
                            "the assumptions end before {}, and beyond = \"none\": expected a horizon of {start} at most, or beyond = \"hold-last\"",
                            period_label(start)
                        ),
                    ))
                }
            },
        }
    }
    let mut notes = Vec::new();

    // Survival from a fixed life table: keep each period's net migration rates (or counts), replace
    // survival. With rates derived from a projection this changes the cohort change ratios.
    if let Some(sv) = raw.survival.as_ref().and_then(|s| s.life_table.clone()) {
        let start = crate::grid::parse_period(&sv).ok_or_else(|| {
            Error::input(
                m.at("survival.life_table"),
                format!("\"{sv}\": expected a period such as \"2040-2045\""),
            )
        })?;
        let Some((ratios, birth)) = survival(&pack, start, survival_source)? else {
            return Err(Error::input(
                m.at("survival.life_table"),
                format!(
                    "the pack has no survival for {sv}: expected a period its death rates cover"
                ),
            ));
        };
        for p in &mut periods {
            p.survival = ratios;
            p.birth_survival = birth;
        }
        notes.push(format!("survival of every period from the {sv} life table"));
    }

    // Fertility: a TFR path turned into CWR (method.md) or scaling the ASFR.
    let tfr_base_pack = pack.parameters.get("tfr_base").map(|p| p.value);
    let tfr_base = raw
        .fertility
        .as_ref()
        .and_then(|f| f.tfr_base)
        .or(tfr_base_pack);
    let mut fertility_path = None;
    if let Some(tfr) = raw.fertility.as_ref().and_then(|f| f.tfr.as_ref()) {
        let path = Path1 {
            anchors: anchors(m, "fertility.tfr", tfr, (base_year, horizon), &|v| {
                (!(v > 0.0 && v <= 10.0)).then_some("a total fertility rate above 0 and at most 10")
            })?,
        };
        match fertility {
            FertilityMethod::Cwr => {
                let Some(tb) = tfr_base else {
                    return Err(Error::input(
                        m.at("fertility.tfr"),
                        "a TFR path in the CWR method needs the TFR the base path stands for: expected fertility.tfr_base in the scenario or parameters.tfr_base in the pack",
                    ));
                };
                if !(tb > 0.0 && tb.is_finite()) {
                    return Err(Error::input(
                        m.at("fertility.tfr_base"),
                        format!("tfr_base = {tb}: expected a positive number"),
                    ));
                }
                for p in &mut periods {
                    if let Some(v) = path.at((p.start + 5) as f64) {
                        p.cwr *= v / tb;
                    }
                }
            }
            FertilityMethod::Asfr => {
                for p in &mut periods {
                    if let Some(v) = path.at(p.start as f64 + 2.5) {
                        let implied: f64 = 5.0 * p.asfr.iter().sum::<f64>();
                        if implied > 0.0 {
                            for f in &mut p.asfr {
                                *f *= v / implied;
                            }
                        }
                    }
                }
            }
        }
        fertility_path = Some(FertilityPath {
            tfr_base: tfr_base.unwrap_or(f64::NAN),
            tfr: path,
        });
    }

    // Migration multiplier path (by period start year; 1 before the first anchor).
    let mut multipliers = vec![1.0; periods.len()];
    if let Some(mult) = raw.migration.as_ref().and_then(|x| x.multiplier.as_ref()) {
        let path = Path1 {
            anchors: anchors(
                m,
                "migration.multiplier",
                mult,
                (base_year, horizon - 5),
                &|_| None,
            )?,
        };
        for (k, p) in periods.iter().enumerate() {
            if let Some(v) = path.at(p.start as f64) {
                multipliers[k] = v;
            }
        }
    }
    for (p, &k) in periods.iter_mut().zip(&multipliers) {
        if k != 1.0 {
            for s in 0..2 {
                for v in &mut p.migration[s] {
                    *v *= k;
                }
            }
        }
    }

    // Policy measures: settling households as additional migrants with even timing.
    let mut measures = Vec::new();
    if let Some(list) = &raw.measures {
        for (i, rm) in list.iter().enumerate() {
            let key = "measures";
            let here = |msg: String| {
                Error::input(
                    m.at(key),
                    format!("measure {} (\"{}\"): {msg}", i + 1, rm.name),
                )
            };
            if !(rm.households_per_year.is_finite() && rm.households_per_year >= 0.0) {
                return Err(here(format!(
                    "households_per_year = {}: expected a number of 0 or more",
                    rm.households_per_year
                )));
            }
            let until = rm.until.unwrap_or(horizon - 1);
            if rm.from < base_year || rm.from >= horizon || until < rm.from {
                return Err(here(format!(
                    "from = {}, until = {until}: expected years from {base_year} to {}, from before until",
                    rm.from,
                    horizon - 1
                )));
            }
            let mut household = Vec::new();
            for (who, &count) in &rm.household {
                if !(count.is_finite() && count >= 0.0) {
                    return Err(here(format!(
                        "household \"{who}\" = {count}: expected a count of 0 or more"
                    )));
                }
                let (sex, age) = match who.trim().split_once(' ') {
                    Some((sx, age)) => (
                        Some(Sex::parse(sx).ok_or_else(|| {
                            here(format!("household key \"{who}\": expected \"male AGE\", \"female AGE\" or \"AGE\" (either sex), e.g. \"female 30-34\""))
                        })?),
                        age,
                    ),
                    None => (None, who.trim()),
                };
                let a = ages.index(age).ok_or_else(|| {
                    here(format!(
                        "household key \"{who}\": unknown age group \"{age}\", expected 0-4 … {}",
                        ages.label(ages.len() - 1)
                    ))
                })?;
                household.push((sex, a, count));
            }
            measures.push(Measure {
                name: rm.name.clone(),
                households_per_year: rm.households_per_year,
                years: (rm.from, until),
                household,
            });
        }
    }
    for p in &mut periods {
        for ms in &measures {
            let first = ms.years.0.max(p.start);
            let last = ms.years.1.min(p.start + 4);
            if last < first {
                continue;
            }
            let years = (last - first + 1) as f64;
            let male_share = p.sex_ratio / (1.0 + p.sex_ratio);
            for &(sex, a, count) in &ms.household {
                let persons = ms.households_per_year * years * count;
                match sex {
                    Some(sx) => p.flows[sx.index()][a] += persons,
                    None => {
                        p.flows[0][a] += persons * male_share;
                        p.flows[1][a] += persons * (1.0 - male_share);
                    }
                }
            }
        }
        p.has_flows = p.flows.iter().any(|s| s.iter().any(|&v| v != 0.0));
    }

    let mut model = Model {
        ages,
        fertility,
        migration,
        base_year,
        periods,
    };
    model.validate().map_err(|e| {
        Error::input(
            Location::file(path),
            format!("the assumptions are not valid: {e}"),
        )
    })?;

    // Net migration targets: solve the period's multiplier so that its net migration (measures
    // included) equals the target. Net migration is linear in the multiplier given the population
    // at the start of the period, which earlier periods fix.
    if let Some(targets) = raw
        .migration
        .as_ref()
        .and_then(|x| x.net_migration.as_ref())
    {
        let targets = anchors(
            m,
            "migration.net_migration",
            targets,
            (base_year, horizon - 5),
            &|_| None,
        )?;
        for (year, target) in targets {
            if (year - base_year) % 5 != 0 {
                return Err(Error::input(
                    m.at("migration.net_migration"),
                    format!("{year}: expected the first year of a projection period ({base_year}, {}, …)", base_year + 5),
                ));
            }
            let k = ((year - base_year) / 5) as usize;
            let p = crate::engine::project(&model, &base)?;
            let start = p.population[k];
            let mut unit = model.periods[k].clone();
            let current = multipliers[k];
            let mut comps = [crate::engine::Components::default(); 2];
            // Net migration with the period's migration at multiplier 1, and with no migration (flows only).
            if current != 0.0 {
                for s in 0..2 {
                    for v in &mut unit.migration[s] {
                        *v /= current;
                    }
                }
            } else {
                unit.migration = period_base_migration(&pack, &model, from, survival_source, k)?;
            }
            let mut zero = unit.clone();
            zero.migration = [[0.0; MAX_AGES]; 2];
            let mut scratch = [[0.0; MAX_AGES]; 2];
            for (c, per) in comps.iter_mut().zip([&unit, &zero]) {
                *c = crate::engine::step(
                    ages.len(),
                    fertility,
                    migration,
                    per,
                    &start,
                    &mut scratch,
                );
            }
            let per_unit = comps[0].total_net_migration() - comps[1].total_net_migration();
            if per_unit.abs() < 1e-9 {
                return Err(Error::input(
                    m.at("migration.net_migration"),
                    format!("{}: the period has no net migration to scale, so {target} cannot be reached", period_label(year)),
                ));
            }
            let solved = (target - comps[1].total_net_migration()) / per_unit;
            for s in 0..2 {
                for a in 0..MAX_AGES {
                    model.periods[k].migration[s][a] = unit.migration[s][a] * solved;
                }
            }
            multipliers[k] = solved;
            notes.push(format!(
                "net migration {} set to {target}: migration multiplier {solved:.6} on the derived rates",
                period_label(year)
            ));
            model.validate().map_err(|e| {
                Error::input(
                    m.at("migration.net_migration"),
                    format!("{year} = {target} cannot be reached: the migration multiplier it needs ({solved:.6}) makes the assumptions impossible ({e})"),
                )
            })?;
        }
    }

    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "scenario".into());
    Ok(Scenario {
        title: raw.title.clone().unwrap_or_else(|| name.clone()),
        name,
        description: raw.description.clone(),
        path: path.to_path_buf(),
        pack,
        model,
        base,
        base_label,
        fertility: fertility_path,
        tfr_base,
        multipliers,
        measures,
        notes,
        role: raw.role,
    })
}

/// The migration of period `k` as derived (multiplier 1), for solving from a zero multiplier.
fn period_base_migration(
    pack: &Pack,
    model: &Model,
    from: Source,
    survival_source: SurvivalSource,
    k: usize,
) -> Result<Cells> {
    let start = model.periods[k].start;
    let mut s = start;
    loop {
        let p = period_for(
            pack,
            s,
            from,
            model.fertility,
            model.migration,
            survival_source,
        )?;
        if let Some(p) = p {
            return Ok(p.migration);
        }
        if s <= model.base_year {
            return Err(Error::Invalid(format!(
                "no migration assumptions for {}",
                period_label(start)
            )));
        }
        s -= 5; // beyond the assumptions: the last period held
    }
}

/// The estimated base (see [`BaseKind::Estimated`]).
fn estimate_base(
    m: &Merged,
    pack: &Pack,
    base_year: i32,
    from: Source,
    fertility: FertilityMethod,
    migration: MigrationForm,
    survival_source: SurvivalSource,
) -> Result<(Cells, String)> {
    let ages = pack.ages;
    let prev = base_year - 5;
    let census = pack.census.get(&prev).ok_or_else(|| {
        Error::input(
            m.at("base"),
            format!(
                "base = \"estimated\" projects the census of {prev}, which the pack does not have: expected one of {}",
                join_years(pack.census.keys())
            ),
        )
    })?;
    let margins = pack.margins.get(&base_year).ok_or_else(|| {
        Error::input(
            m.at("base"),
            format!("base = \"estimated\" rakes to census margins of {base_year}: expected them in the pack's files.margins"),
        )
    })?;
    let period =
        period_for(pack, prev, from, fertility, migration, survival_source)?.ok_or_else(|| {
            Error::input(
                m.at("base"),
                format!(
                    "base = \"estimated\" needs the assumptions of {}: the pack has none",
                    period_label(prev)
                ),
            )
        })?;
    let start = census.prorated(ages);
    let mut est = [[0.0; MAX_AGES]; 2];
    crate::engine::step(ages.len(), fertility, migration, &period, &start, &mut est);
    let constraints: Vec<crate::engine::rake::Constraint> = margins
        .iter()
        .filter_map(|mg| {
            mg.span.map(|(a, b)| crate::engine::rake::Constraint {
                sex: mg.sex,
                from: a,
                to: b,
                target: mg.population,
            })
        })
        .collect();
    crate::engine::rake::rake(&mut est, &constraints, 1e-12, 10_000).map_err(|e| {
        Error::input(
            Location::file(pack.file("margins")),
            format!("cannot rake the {base_year} base: {e}"),
        )
    })?;
    let n = ages.len();
    let mut unknown = [0.0; 2];
    for mg in margins.iter().filter(|mg| mg.span.is_none()) {
        let s = mg.sex.index();
        let known: f64 = est[s][..n].iter().sum();
        unknown[s] = mg.population - known;
        if unknown[s] < -1e-6 {
            return Err(Error::input(
                Location::file(pack.file("margins")).line(mg.line).field("population"),
                format!(
                    "the {base_year} {} total {} is below the sum of its age margins ({known:.0}): expected the total to include them",
                    mg.sex, mg.population
                ),
            ));
        }
        unknown[s] = unknown[s].max(0.0);
    }
    let prorate = m.raw.unknown_age.unwrap_or(UnknownAge::Prorate) == UnknownAge::Prorate;
    if prorate {
        let c = crate::pack::CensusYear {
            cells: est,
            unknown,
        };
        est = c.prorated(ages);
    }
    let spans: Vec<String> = margins
        .iter()
        .filter_map(|mg| {
            mg.span.map(|(a, b)| {
                if b == n - 1 {
                    format!("{}+", 5 * a)
                } else {
                    format!("{}-{}", 5 * a, 5 * b + 4)
                }
            })
        })
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    Ok((
        est,
        format!(
            "estimated {base_year}: census {prev} projected with the {} assumptions and raked to the {base_year} census margins ({} by sex){}",
            period_label(prev),
            spans.join(", "),
            if prorate { "; unknown ages prorated" } else { "; unknown ages left out" }
        ),
    ))
}

fn base_population(m: &Merged, pack: &Pack, base_year: i32) -> Result<(Cells, String)> {
    let ages = pack.ages;
    match m.raw.base.unwrap_or(BaseKind::Census) {
        BaseKind::Census => {
            let census = pack.census.get(&base_year).ok_or_else(|| {
                Error::input(
                    m.at("base_year"),
                    format!(
                        "the pack's census ({}) has no year {base_year}: expected one of {}",
                        pack.file("census").display(),
                        join_years(pack.census.keys())
                    ),
                )
            })?;
            Ok(match m.raw.unknown_age.unwrap_or(UnknownAge::Prorate) {
                UnknownAge::Prorate => (
                    census.prorated(ages),
                    format!("census {base_year}, unknown ages prorated"),
                ),
                UnknownAge::Drop => (
                    census.cells,
                    format!("census {base_year}, unknown ages left out"),
                ),
            })
        }
        BaseKind::Projection => {
            let proj = pack.projection.as_ref().ok_or_else(|| {
                Error::input(m.at("base"), "base = \"projection\" but the pack has no published projection (files.projection)")
            })?;
            let cells = proj.get(&base_year).ok_or_else(|| {
                Error::input(
                    m.at("base_year"),
                    format!(
                        "the pack's projection has no year {base_year}: expected one of {}",
                        join_years(proj.keys())
                    ),
                )
            })?;
            Ok((
                *cells,
                format!("{base_year} column of the published projection"),
            ))
        }
        BaseKind::Estimated => Err(Error::Invalid(
            "internal: the estimated base is built by estimate_base".into(),
        )),
    }
}

fn join_years<'a>(years: impl Iterator<Item = &'a i32>) -> String {
    years.map(|y| y.to_string()).collect::<Vec<_>>().join(", ")
}

/// Survival and birth survival for `start` from the pack, by the chosen source.
fn survival(pack: &Pack, start: i32, source: SurvivalSource) -> Result<Option<(Cells, [f64; 2])>> {
    match source {
        SurvivalSource::LifeTable => {
            let Some(tables) = pack.mortality.as_ref() else {
                return Err(Error::input(
                    Location::file(pack.dir.join(crate::pack::MANIFEST)).field("files.mortality"),
                    "survival = \"life-table\" needs death rates: expected files.mortality in the pack",
                ));
            };
            let Some(t) = tables.get(&start) else {
                return Ok(None);
            };
            let mut ratios = [[0.0; MAX_AGES]; 2];
            let mut birth = [0.0; 2];
            for s in 0..2 {
                let (r, b) = t[s].survival_ratios(pack.ages)?;
                ratios[s] = r;
                birth[s] = b;
            }
            Ok(Some((ratios, birth)))
        }
        SurvivalSource::File => {
            let Some(map) = pack.survival.as_ref() else {
                return Err(Error::input(
                    Location::file(pack.dir.join(crate::pack::MANIFEST)).field("files.survival"),
                    "survival = \"file\" needs survival ratios: expected files.survival in the pack",
                ));
            };
            Ok(map
                .get(&start)
                .map(|sp| (sp.ratios, sp.birth.unwrap_or([1.0; 2]))))
        }
    }
}

/// The assumptions of the period starting in `start` from the chosen source (None where the
/// source has none for it).
fn period_for(
    pack: &Pack,
    start: i32,
    from: Source,
    fertility: FertilityMethod,
    migration: MigrationForm,
    survival_source: SurvivalSource,
) -> Result<Option<Period>> {
    match from {
        Source::Projection => {
            period_from_projection(pack, start, fertility, migration, survival_source)
        }
        Source::Files => period_from_files(pack, start, fertility, migration, survival_source),
    }
}

fn period_from_projection(
    pack: &Pack,
    start: i32,
    fertility: FertilityMethod,
    migration: MigrationForm,
    survival_source: SurvivalSource,
) -> Result<Option<Period>> {
    let manifest = pack.dir.join(crate::pack::MANIFEST);
    let Some(proj) = pack.projection.as_ref() else {
        return Err(Error::input(
            Location::file(manifest).field("files.projection"),
            "assumptions.from = \"projection\" needs a published projection: expected files.projection in the pack",
        ));
    };
    if fertility != FertilityMethod::Cwr || migration != MigrationForm::Rates {
        return Err(Error::input(
            Location::file(manifest).field("files.projection"),
            "assumptions derived from a published projection are child-woman ratios and net migration rates: use method = \"cwr\" and migration = \"rates\"",
        ));
    }
    let (Some(p0), Some(p1)) = (proj.get(&start), proj.get(&(start + 5))) else {
        return Ok(None);
    };
    crate::checks::projection_cells(pack, start, p0, p1)?;
    let observed = observed_ratios(pack.ages, start, p0, p1)?;
    let Some((surv, birth)) = survival(pack, start, survival_source)? else {
        let role = match survival_source {
            SurvivalSource::LifeTable => "mortality",
            SurvivalSource::File => "survival",
        };
        return Err(crate::checks::no_survival(pack, start, role));
    };
    Ok(Some(Period {
        start,
        survival: surv,
        birth_survival: birth,
        cwr: observed.cwr,
        sex_ratio: observed.sex_ratio,
        asfr: [0.0; MAX_AGES],
        migration: migration_rates(pack.ages, &observed.ccr, &surv),
        flows: [[0.0; MAX_AGES]; 2],
        has_flows: false,
    }))
}

fn period_from_files(
    pack: &Pack,
    start: i32,
    fertility: FertilityMethod,
    migration: MigrationForm,
    survival_source: SurvivalSource,
) -> Result<Option<Period>> {
    let manifest = pack.dir.join(crate::pack::MANIFEST);
    let missing = |key: &str, what: &str| {
        Error::input(
            Location::file(&manifest).field(format!("files.{key}")),
            format!("the scenario needs {what}: expected files.{key} in the pack"),
        )
    };
    let Some((surv, birth)) = survival(pack, start, survival_source)? else {
        return Ok(None);
    };
    let mut p = Period::null(start);
    p.survival = surv;
    p.birth_survival = birth;
    match fertility {
        FertilityMethod::Cwr => {
            let map = pack
                .fertility_cwr
                .as_ref()
                .ok_or_else(|| missing("fertility_cwr", "child-woman ratios"))?;
            let Some(&(cwr, sigma)) = map.get(&start) else {
                return Ok(None);
            };
            p.cwr = cwr;
            p.sex_ratio = sigma;
        }
        FertilityMethod::Asfr => {
            let asfr = pack
                .asfr
                .as_ref()
                .ok_or_else(|| missing("asfr", "age-specific fertility rates"))?;
            let srb = pack
                .srb
                .as_ref()
                .ok_or_else(|| missing("srb", "the sex ratio at birth"))?;
            let (Some(f), Some(&s)) = (asfr.get(&start), srb.get(&start)) else {
                return Ok(None);
            };
            p.asfr = *f;
            p.sex_ratio = s;
        }
    }
    let mig = match migration {
        MigrationForm::Rates => pack
            .migration_rates
            .as_ref()
            .ok_or_else(|| missing("migration_rates", "net migration rates"))?,
        MigrationForm::Counts(_) => pack
            .migration_counts
            .as_ref()
            .ok_or_else(|| missing("migration_counts", "net migrant counts"))?,
    };
    let Some(m) = mig.get(&start) else {
        return Ok(None);
    };
    p.migration = *m;
    Ok(Some(p))
}
