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

use crate::engine::derive::{migration_rates, observed_ratios};
use crate::engine::{Cells, FertilityMethod, MigrationForm, Model, Period, Timing};
use crate::error::{Error, Location, Result};
use crate::grid::{period_label, MAX_AGES};
use crate::pack::{read_toml, Pack};
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

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAssumptions {
    from: Option<Source>,
    survival: Option<SurvivalSource>,
    migration: Option<MigrationKind>,
    timing: Option<RawTiming>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    title: Option<String>,
    description: Option<String>,
    pack: Option<String>,
    base_year: Option<i32>,
    base: Option<BaseKind>,
    unknown_age: Option<UnknownAge>,
    method: Option<Method>,
    horizon: Option<i32>,
    beyond: Option<Beyond>,
    assumptions: Option<RawAssumptions>,
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
    /// The engine model.
    pub model: Model,
    /// The base population.
    pub base: Cells,
    /// What the base population is, in words.
    pub base_label: String,
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
    /// Read, resolve and validate the scenario at `path`.
    pub fn load(path: &Path) -> Result<Scenario> {
        let (raw, text) = read_toml::<RawScenario>(path)?;
        let at = |key: &str| {
            let mut loc = Location::file(path).field(key);
            if let Some(l) = key_line(&text, key) {
                loc = loc.line(l);
            }
            loc
        };
        let dir = path.parent().unwrap_or(Path::new("."));
        let pack_rel = raw.pack.clone().unwrap_or_else(|| ".".to_string());
        let pack_dir = dir.join(&pack_rel);
        let manifest = if pack_dir.is_dir() {
            pack_dir.join(crate::pack::MANIFEST)
        } else {
            pack_dir.clone()
        };
        if !manifest.exists() {
            return Err(Error::input(
                at("pack"),
                format!(
                    "the data pack \"{pack_rel}\" was not found: expected a folder holding {} (looked for {})",
                    crate::pack::MANIFEST,
                    manifest.display()
                ),
            ));
        }
        let pack = Pack::load(&pack_dir)?;
        let ages = pack.ages;
        let base_year = raw
            .base_year
            .ok_or_else(|| Error::input(Location::file(path).field("base_year"), "missing key `base_year`: expected the census year the projection starts from, e.g. 2015"))?;
        let base_kind = raw.base.unwrap_or(BaseKind::Census);
        let (base, base_label) = match base_kind {
            BaseKind::Census => {
                let census = pack.census.get(&base_year).ok_or_else(|| {
                    Error::input(
                        at("base_year"),
                        format!(
                            "the pack's census ({}) has no year {base_year}: expected one of {}",
                            pack.file("census").display(),
                            join_years(pack.census.keys())
                        ),
                    )
                })?;
                match raw.unknown_age.unwrap_or(UnknownAge::Prorate) {
                    UnknownAge::Prorate => (
                        census.prorated(ages),
                        format!("census {base_year}, unknown ages prorated"),
                    ),
                    UnknownAge::Drop => (
                        census.cells,
                        format!("census {base_year}, unknown ages left out"),
                    ),
                }
            }
            BaseKind::Projection => {
                let proj = pack.projection.as_ref().ok_or_else(|| {
                    Error::input(at("base"), "base = \"projection\" but the pack has no published projection (files.projection)")
                })?;
                let cells = proj.get(&base_year).ok_or_else(|| {
                    Error::input(
                        at("base_year"),
                        format!(
                            "the pack's projection has no year {base_year}: expected one of {}",
                            join_years(proj.keys())
                        ),
                    )
                })?;
                (
                    *cells,
                    format!("{base_year} column of the published projection"),
                )
            }
        };
        let horizon = raw.horizon.unwrap_or(2065);
        if horizon <= base_year || (horizon - base_year) % 5 != 0 {
            return Err(Error::input(
                at("horizon"),
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
        let steps = ((horizon - base_year) / 5) as usize;
        let mut periods: Vec<Period> = Vec::with_capacity(steps);
        for k in 0..steps {
            let start = base_year + 5 * k as i32;
            let period = match from {
                Source::Projection => {
                    period_from_projection(&pack, start, fertility, migration, survival_source)?
                }
                Source::Files => {
                    period_from_files(&pack, start, fertility, migration, survival_source)?
                }
            };
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
                            at("base_year"),
                            format!(
                                "the pack has no assumptions for the first period {}: expected them in its files or its projection",
                                period_label(start)
                            ),
                        ))
                    }
                    (Beyond::None, _) => {
                        return Err(Error::input(
                            at("horizon"),
                            format!(
                                "the assumptions end before {}, and beyond = \"none\": expected a horizon of {} at most, or beyond = \"hold-last\"",
                                period_label(start),
                                start
                            ),
                        ))
                    }
                },
            }
        }
        let model = Model {
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
        })
    }

    /// Project this scenario.
    pub fn project(&self) -> Result<crate::engine::Projection> {
        crate::engine::project(&self.model, &self.base)
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
    let observed = observed_ratios(pack.ages, start, p0, p1)?;
    let Some((surv, birth)) = survival(pack, start, survival_source)? else {
        return Err(Error::Invalid(format!(
            "the pack has no survival for {} (needed to split the cohort change ratios into survival and migration)",
            period_label(start)
        )));
    };
    Ok(Some(Period {
        start,
        survival: surv,
        birth_survival: birth,
        cwr: observed.cwr,
        sex_ratio: observed.sex_ratio,
        asfr: [0.0; MAX_AGES],
        migration: migration_rates(pack.ages, &observed.ccr, &surv),
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
