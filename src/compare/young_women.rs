//! The 若年女性人口 indicator of 人口戦略会議's 2024 report (令和6年・地方自治体「持続可能性」分析
//! レポート): the change of the women aged 20-39 from 2020 to 2050 under the projection's own
//! migration (移動仮定) and in a closed population (封鎖人口: the same projection with no
//! migration from 2020, births and deaths only), and the report's nine categories (A, B-①/②,
//! C-①/②/③, D-①/②/③) in four groups (自立持続可能性, ブラックホール型, 消滅可能性, その他). The
//! years, age groups and category bounds are data (`scenarios/japan/sustainability.toml`, with
//! their source), not code.
//!
//! With the child–woman ratio method the closed population keeps the ratio, whose 0-4 include the
//! children's own migration; the report's closed projection is IPSS's, which we do not have.

use crate::engine::{project, Cells, Projection};
use crate::error::{Error, Location, Result};
use crate::scenario::Scenario;
use serde::Deserialize;
use std::sync::OnceLock;

const DEFINITION: &str = include_str!("../../scenarios/japan/sustainability.toml");

/// One category of the report.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    /// The report's id (A, B-①, …).
    pub id: String,
    /// Its group (消滅可能性自治体, …).
    pub group: String,
    /// What it calls for.
    pub label: String,
    /// Decline in the closed population: [from %, to %).
    pub closed: [f64; 2],
    /// Decline with migration: [from %, to %).
    pub migration: [f64; 2],
    /// The report's count of municipalities in it.
    pub published: usize,
}

/// The report's definitions.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Definition {
    /// Where they come from.
    pub source: String,
    /// First year.
    pub from: i32,
    /// Last year.
    pub to: i32,
    /// First and last age group (20-24 … 35-39).
    pub ages: [usize; 2],
    /// Municipalities the report classifies.
    pub municipalities: usize,
    /// The categories.
    pub category: Vec<Category>,
}

impl Definition {
    /// The shipped definitions (compiled in; an error only if the shipped file were broken).
    pub fn get() -> Result<&'static Definition> {
        static D: OnceLock<std::result::Result<Definition, String>> = OnceLock::new();
        D.get_or_init(|| {
            crate::tomlfile::parse(
                DEFINITION,
                std::path::Path::new("scenarios/japan/sustainability.toml"),
            )
            .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| Error::Invalid(e.clone()))
    }

    /// The category of a municipality whose young women decline by `migration` % with migration
    /// and `closed` % in the closed population.
    pub fn classify(&self, migration: f64, closed: f64) -> Option<&Category> {
        let inside = |v: f64, b: [f64; 2]| v >= b[0] && v < b[1];
        self.category
            .iter()
            .find(|c| inside(closed, c.closed) && inside(migration, c.migration))
    }

    /// The groups in the report's order, with their published counts.
    pub fn groups(&self) -> Vec<(&str, usize)> {
        let mut out: Vec<(&str, usize)> = Vec::new();
        for c in &self.category {
            match out.iter_mut().find(|(g, _)| *g == c.group) {
                Some((_, n)) => *n += c.published,
                None => out.push((&c.group, c.published)),
            }
        }
        out
    }
}

/// One municipality's (or scenario's) young women.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct YoungWomen {
    /// First year.
    pub from: i32,
    /// Last year.
    pub to: i32,
    /// Women 20-39 in the first year.
    pub base: f64,
    /// In the last year, with migration.
    pub with_migration: f64,
    /// In the last year, closed population.
    pub closed: f64,
    /// Decline with migration, % (positive = fewer).
    pub decline_migration: f64,
    /// Decline closed, %.
    pub decline_closed: f64,
    /// The category.
    pub category: Option<Category>,
}

fn women(cells: &Cells, ages: [usize; 2]) -> f64 {
    cells[1][ages[0]..=ages[1]].iter().sum()
}

fn in_year(p: &Projection, year: i32) -> Option<&Cells> {
    p.years
        .iter()
        .position(|&y| y == year)
        .map(|k| &p.population[k])
}

/// The scenario with no migration from the report's first year on (rates and migrant counts of
/// every period starting then or later set to zero).
pub fn closed_projection(s: &Scenario, from: i32) -> Result<Projection> {
    let mut model = s.model.clone();
    for p in model.periods.iter_mut().filter(|p| p.start >= from) {
        p.migration = [[0.0; crate::grid::MAX_AGES]; 2];
        p.flows = [[0.0; crate::grid::MAX_AGES]; 2];
        p.has_flows = false;
    }
    project(&model, &s.base)
}

/// The indicator for `s`, whose projection is `p`; None when the projection does not cover both
/// years of the report (e.g. a 2015 base with a horizon before 2050 … or no 2020 in it).
pub fn young_women(s: &Scenario, p: &Projection) -> Result<Option<YoungWomen>> {
    let d = Definition::get()?;
    let (Some(base), Some(end)) = (in_year(p, d.from), in_year(p, d.to)) else {
        return Ok(None);
    };
    if s.model.ages.len() <= d.ages[1] {
        return Ok(None);
    }
    let closed = closed_projection(s, d.from)
        .map_err(|e| Error::input(Location::file(&s.path), e.to_string()))?;
    let Some(closed_end) = in_year(&closed, d.to) else {
        return Ok(None);
    };
    let b = women(base, d.ages);
    let w = women(end, d.ages);
    let c = women(closed_end, d.ages);
    let decline = |x: f64| {
        if b > 0.0 {
            100.0 * (1.0 - x / b)
        } else {
            f64::NAN
        }
    };
    let (dm, dc) = (decline(w), decline(c));
    Ok(Some(YoungWomen {
        from: d.from,
        to: d.to,
        base: b,
        with_migration: w,
        closed: c,
        decline_migration: dm,
        decline_closed: dc,
        category: d.classify(dm, dc).cloned(),
    }))
}

/// The indicator of a comparison's 2020-based パターン1 (社人研（令和5年推計）準拠・推定).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Found {
    /// The scenario's name.
    pub scenario: String,
    /// Its title.
    pub title: String,
    /// Its file, when it was not among the compared scenarios but found in the pack's folder.
    pub from_pack: Option<std::path::PathBuf>,
    /// The indicator.
    pub indicator: YoungWomen,
}

/// Whether `s` is a パターン1 on the report's basis: role `pattern1`, base year the report's first
/// year, calibrated to a published summary (IPSS 2023), i.e. the projection the report stands on.
pub fn is_basis_pattern1(s: &Scenario, d: &Definition) -> bool {
    s.role == Some(crate::scenario::Role::Pattern1)
        && s.model.base_year == d.from
        && s.calibration.is_some()
}

/// The indicator for the first 2020-based パターン1 among `runs` that reaches 2050; if none is
/// given, the first one (by file name) among the scenario files of the first run's pack folder
/// (e.g. Kama's `ipss-r5.toml`, or the `pattern1-r5.toml` that `jinko init` writes). A file of
/// that folder is a candidate when it reads as a scenario chain whose own role is `pattern1`,
/// with `base_year` the report's first year and `calibrate = "summary"`; other files (pack.toml,
/// KPI files, other scenarios) are passed over, but a candidate that fails to build is an error
/// naming it, never silently skipped.
pub fn find(runs: &[(&Scenario, &Projection)]) -> Result<Option<Found>> {
    let d = Definition::get()?;
    for (s, p) in runs.iter().filter(|(s, _)| is_basis_pattern1(s, d)) {
        if let Some(indicator) = young_women(s, p)? {
            return Ok(Some(Found {
                scenario: s.name.clone(),
                title: s.title.clone(),
                from_pack: None,
                indicator,
            }));
        }
    }
    let Some((first, _)) = runs.first() else {
        return Ok(None);
    };
    for path in pack_scenarios(&first.pack.dir) {
        if !is_candidate(&path, d) {
            continue;
        }
        let s = Scenario::load(&path)?;
        let p = s.project()?;
        if let Some(indicator) = young_women(&s, &p)? {
            return Ok(Some(Found {
                scenario: s.name.clone(),
                title: s.title.clone(),
                from_pack: Some(path),
                indicator,
            }));
        }
    }
    Ok(None)
}

/// Whether the file at `path` reads as a 2020-based パターン1 (see [`find`]) before it is built.
fn is_candidate(path: &std::path::Path, d: &Definition) -> bool {
    use crate::scenario::raw;
    let Ok(layers) = raw::load_chain(path) else {
        return false;
    };
    let m = raw::merge(layers);
    m.raw.role == Some(crate::scenario::Role::Pattern1)
        && m.raw.base_year == Some(d.from)
        && m.raw.calibrate == Some(crate::scenario::Calibrate::Summary)
}

/// Most files of a pack folder searched for a 2020-based パターン1.
const MAX_SEARCHED: usize = 64;

/// The `.toml` files of a pack folder other than `pack.toml`, by name (at most
/// [`MAX_SEARCHED`]; none if the folder cannot be read).
fn pack_scenarios(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(if dir.as_os_str().is_empty() {
        std::path::Path::new(".")
    } else {
        dir
    }) else {
        return Vec::new();
    };
    let mut files: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && p.extension().is_some_and(|e| e == "toml")
                && p.file_name().is_some_and(|n| n != "pack.toml")
        })
        .collect();
    files.sort();
    files.truncate(MAX_SEARCHED);
    files
}

/// The indicator in one sentence, e.g. 「若年女性人口（20～39歳の女性）は2020→2050年に37.5%減少
/// （封鎖人口では25.0%減少）：その他の自治体（D-①）」.
pub fn sentence(y: &YoungWomen) -> String {
    let change = |v: f64| {
        if v >= 0.0 {
            format!("{v:.1}%減少")
        } else {
            format!("{:.1}%増加", -v)
        }
    };
    let category = match &y.category {
        Some(c) => format!("{}（{}: {}）", c.group, c.id, c.label),
        None => "分類なし".to_string(),
    };
    format!(
        "若年女性人口（20～39歳の女性）は{}→{}年に{}（封鎖人口では{}）：{}",
        y.from,
        y.to,
        change(y.decline_migration),
        change(y.decline_closed),
        category
    )
}
