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
