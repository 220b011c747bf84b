//! The API's answers: a simulation (totals beside パターン1, Sim1/Sim2 and the official path,
//! the three age groups, the pyramid of a year, the gap to the target, the impact levels, the
//! scenario TOML), a solve (the TFR, migration multiplier or households a year that reaches the
//! target, by `jinko solve`'s bisection, checked on the exported scenario), and the exports.

use super::api::{self, ApiError, MigrationKind, Request, SolveRequest, Unknown};
use super::state::{household_cells, simulate, Base, PlaceInfo};
use crate::batch::solve::{self, Unknown as SolveUnknown};
use crate::engine::Projection;
use crate::output::chart::build::Run;
use serde::Serialize;

/// Persons within which a solved value must reach the target on the exported scenario.
pub const LANDING_PERSONS: f64 = 0.01;

/// The three age groups per year.
#[derive(Debug, Clone, Serialize)]
pub struct Groups {
    /// 0-14.
    pub young: Vec<f64>,
    /// 15-64.
    pub working: Vec<f64>,
    /// 65+.
    pub old: Vec<f64>,
}

fn groups(p: &Projection) -> Groups {
    let n = p.ages.len();
    let g = |a: usize, b: usize| (0..p.years.len()).map(|k| p.sum_ages(k, a, b)).collect();
    Groups {
        young: g(0, 2),
        working: g(3, 12),
        old: g(13, n - 1),
    }
}

/// The pyramid of one year: persons by age group and sex, with パターン1's.
#[derive(Debug, Clone, Serialize)]
pub struct Pyramid {
    /// The year.
    pub year: i32,
    /// Age labels (0-4 … 90+).
    pub ages: Vec<String>,
    /// Men.
    pub male: Vec<f64>,
    /// Women.
    pub female: Vec<f64>,
    /// パターン1's men.
    pub pattern1_male: Vec<f64>,
    /// パターン1's women.
    pub pattern1_female: Vec<f64>,
}

/// The gap to the target.
#[derive(Debug, Clone, Serialize)]
pub struct Gap {
    /// The target's year.
    pub year: i32,
    /// The target.
    pub target: f64,
    /// Scenario − target, persons.
    pub persons: f64,
    /// As a percentage of the target.
    pub percent: f64,
    /// パターン1 − target.
    pub pattern1_persons: f64,
}

/// One impact level.
#[derive(Debug, Clone, Serialize)]
pub struct Level {
    /// Ratio × 100.
    pub percent: f64,
    /// 1 … 5.
    pub level: u8,
}

/// The impact analysis of the place (Sim1 / パターン1, Sim2 / Sim1).
#[derive(Debug, Clone, Serialize)]
pub struct Impact {
    /// The year.
    pub year: i32,
    /// 自然増減の影響度.
    pub natural: Level,
    /// 社会増減の影響度.
    pub social: Level,
    /// The scales' source.
    pub source: String,
}

/// A series.
#[derive(Debug, Clone, Serialize)]
pub struct Series {
    /// Label.
    pub label: String,
    /// (year, total).
    pub points: Vec<(i32, f64)>,
}

/// The answer of `/api/simulate`.
#[derive(Debug, Clone, Serialize)]
pub struct Simulation {
    /// The place.
    pub place: PlaceInfo,
    /// The basis.
    pub basis: i32,
    /// Years.
    pub years: Vec<i32>,
    /// The scenario's totals.
    pub total: Vec<f64>,
    /// パターン1's.
    pub pattern1: Vec<f64>,
    /// シミュレーション1's and 2's, where the place has them.
    pub sim1: Option<Vec<f64>>,
    /// Sim2.
    pub sim2: Option<Vec<f64>>,
    /// The official path.
    pub official: Series,
    /// The scenario's TFR by year (None where unknown).
    pub tfr: Vec<Option<f64>>,
    /// Net migration per period (persons), measures included.
    pub net_migration: Vec<f64>,
    /// The three age groups.
    pub groups: Groups,
    /// パターン1's.
    pub pattern1_groups: Groups,
    /// The pyramid.
    pub pyramid: Pyramid,
    /// The target.
    pub target: Option<api::Target>,
    /// The gap to it.
    pub gap: Option<Gap>,
    /// The impact levels of the place.
    pub impact: Option<Impact>,
    /// The TFR パターン1 stands for.
    pub tfr_base: Option<f64>,
    /// Notes from building the scenario.
    pub notes: Vec<String>,
    /// Warnings (cells set to zero).
    pub warnings: Vec<String>,
    /// The scenario TOML (what the export gives).
    pub toml: String,
    /// The suggested file name.
    pub file: &'static str,
}

fn totals(p: &Projection) -> Vec<f64> {
    (0..p.years.len()).map(|k| p.total(k)).collect()
}

/// The answer to a simulation request.
pub fn simulation(base: &Base, req: &Request) -> Result<Simulation, ApiError> {
    let o = simulate(base, req)?;
    let p = &o.projection;
    let year = req.year.unwrap_or(base.frame.horizon);
    let k = p.years.iter().position(|&y| y == year).unwrap_or(0);
    let n = p.ages.len();
    let row = |q: &Projection, s: usize| q.population[k][s][..n].to_vec();
    let gap = req.target.and_then(|t| {
        let at = p.total_in(t.year)?;
        Some(Gap {
            year: t.year,
            target: t.population,
            persons: at - t.population,
            percent: 100.0 * (at - t.population) / t.population,
            pattern1_persons: base.p1.total_in(t.year)? - t.population,
        })
    });
    Ok(Simulation {
        place: base.place.clone(),
        basis: req.basis,
        years: p.years.clone(),
        total: totals(p),
        pattern1: totals(&base.p1),
        sim1: base.sims.as_ref().map(|s| s[0].clone()),
        sim2: base.sims.as_ref().map(|s| s[1].clone()),
        official: Series {
            label: base.official_label.clone(),
            points: base.official.clone(),
        },
        tfr: p.years.iter().map(|&y| o.scenario.tfr_in(y)).collect(),
        net_migration: p
            .components
            .iter()
            .map(|c| c.total_net_migration())
            .collect(),
        groups: groups(p),
        pattern1_groups: groups(&base.p1),
        pyramid: Pyramid {
            year: p.years[k],
            ages: p.ages.labels(),
            male: row(p, 0),
            female: row(p, 1),
            pattern1_male: row(&base.p1, 0),
            pattern1_female: row(&base.p1, 1),
        },
        target: req.target,
        gap,
        impact: base.impact.as_ref().map(|i| Impact {
            year: i.year,
            natural: Level {
                percent: i.natural.percent,
                level: i.natural.level,
            },
            social: Level {
                percent: i.social.percent,
                level: i.social.level,
            },
            source: i.levels.source.clone(),
        }),
        tfr_base: base.tfr_start,
        notes: o.scenario.notes.clone(),
        warnings: p.warnings.clone(),
        toml: o.toml,
        file: api::USER_FILE,
    })
}

/// The answer of `/api/solve`.
#[derive(Debug, Clone, Serialize)]
pub struct Solved {
    /// What was solved for.
    pub solve: Unknown,
    /// The value found (None if the target is outside the bracket).
    pub value: Option<f64>,
    /// The bracket searched.
    pub bounds: [f64; 2],
    /// The total in the target year with the value, on the exported scenario.
    pub total: Option<f64>,
    /// The target.
    pub target: api::Target,
    /// A sentence.
    pub message: String,
    /// The request with the value set (what the page shows and exports next).
    pub request: Request,
}

/// The request with the unknown set to `x` (`template` gives the other fields of the control).
fn with_value(req: &Request, what: Unknown, x: f64, base: &Base) -> Request {
    let mut r = req.clone();
    let b = base.frame.base_year;
    match what {
        Unknown::Tfr => {
            let by = req.tfr.map_or(b + 20, |t| t.by);
            r.tfr = Some(api::Tfr { value: x, by });
        }
        Unknown::Migration => {
            let from = req.migration.map_or(b + 10, |m| m.from);
            r.migration = Some(api::Migration {
                kind: MigrationKind::Multiplier,
                value: x,
                from,
            });
        }
        Unknown::Households => {
            let mut h = req.households.clone().unwrap_or(api::Households {
                per_year: 0.0,
                kind: api::HouseholdKind::Couple30sChild,
                custom: None,
                from: b + 5,
            });
            h.per_year = x;
            r.households = Some(h);
        }
    }
    r
}

/// Solve the request's target for one control with `jinko solve`'s bisection on the scenario
/// without that control, then check (and, where other controls interact with it, such as
/// net-migration targets re-solved on the changed births, refine by secant steps) on the
/// scenario the page would export, so that the answer lands on the target there.
pub fn solved(base: &Base, sr: &SolveRequest) -> Result<Solved, ApiError> {
    let req = &sr.request;
    req.check(&base.frame)?;
    let target = req.target.ok_or_else(|| {
        ApiError::bad(
            "request.target",
            "missing: expected the target {year, population} to solve for",
        )
    })?;
    let b = base.frame.base_year;
    let mut without = req.clone();
    let (unknown, bounds) = match sr.solve {
        Unknown::Tfr => {
            without.tfr = None;
            let by = req.tfr.map_or(b + 20, |t| t.by);
            (SolveUnknown::Tfr { from: b + 5, by }, (0.5, 3.0))
        }
        Unknown::Migration => {
            without.migration = None;
            let from = req.migration.map_or(b + 10, |m| m.from);
            (SolveUnknown::Migration { from }, (0.0, 2.0))
        }
        Unknown::Households => {
            without.households = None;
            let h = with_value(req, Unknown::Households, 0.0, base)
                .households
                .expect("set");
            let household = household_cells(base, &h)?;
            (
                SolveUnknown::Households {
                    from: h.from,
                    until: base.frame.horizon - 1,
                    household,
                },
                (0.0, 1000.0),
            )
        }
    };
    let built = simulate(base, &without)?;
    let y = ((target.year - b) / 5) as usize;
    let sol = solve::solve(
        &built.scenario,
        &unknown,
        target.population,
        target.year,
        y,
        bounds,
    )
    .map_err(ApiError::from_scenario)?;
    let Some(x0) = sol.value else {
        return Ok(Solved {
            solve: sr.solve,
            value: None,
            bounds: [bounds.0, bounds.1],
            total: None,
            target,
            message: sol.message,
            request: req.clone(),
        });
    };
    let total_at = |x: f64| -> Result<f64, ApiError> {
        let o = simulate(base, &with_value(req, sr.solve, x, base))?;
        Ok(o.projection.total(y) - target.population)
    };
    let (x, f) = secant(x0, bounds, &total_at)?;
    let value_req = with_value(req, sr.solve, x, base);
    Ok(Solved {
        solve: sr.solve,
        value: Some(x),
        bounds: [bounds.0, bounds.1],
        total: Some(f + target.population),
        target,
        message: format!(
            "{} = {x:.6} gives {:.3} in {} (target {:.0})",
            sol.unknown,
            f + target.population,
            target.year,
            target.population
        ),
        request: value_req,
    })
}

/// Refine `x0` by secant steps on the exact function until within [`LANDING_PERSONS`] (at most
/// 12 evaluations, inside `bounds`); returns x and f(x).
fn secant(
    x0: f64,
    bounds: (f64, f64),
    f: &dyn Fn(f64) -> Result<f64, ApiError>,
) -> Result<(f64, f64), ApiError> {
    let (mut x, mut fx) = (x0, f(x0)?);
    if fx.abs() <= LANDING_PERSONS {
        return Ok((x, fx));
    }
    let mut xp = x0 + 1e-4 * (bounds.1 - bounds.0);
    let mut fp = f(xp)?;
    for _ in 0..10 {
        if fx.abs() <= LANDING_PERSONS || fx == fp {
            break;
        }
        let next = (x - fx * (x - xp) / (fx - fp)).clamp(bounds.0, bounds.1);
        xp = x;
        fp = fx;
        x = next;
        fx = f(x)?;
    }
    Ok((x, fx))
}

/// パターン1 and the scenario, as the report writers take them.
pub fn runs(base: &Base, req: &Request) -> Result<Vec<Run>, ApiError> {
    let o = simulate(base, req)?;
    Ok(vec![
        Run {
            scenario: base.pattern1.clone(),
            projection: base.p1.clone(),
        },
        Run {
            scenario: o.scenario,
            projection: o.projection,
        },
    ])
}

/// The xlsx workbook of `jinko report` for パターン1 and the scenario.
pub fn xlsx(base: &Base, req: &Request) -> Result<Vec<u8>, ApiError> {
    crate::output::report::xlsx::render(&runs(base, req)?, None).map_err(ApiError::from_scenario)
}

/// The HTML report of `jinko report` for パターン1 and the scenario.
pub fn report(base: &Base, req: &Request) -> Result<String, ApiError> {
    let runs = runs(base, req)?;
    let charts = crate::output::report::charts(&runs, None).map_err(ApiError::from_scenario)?;
    crate::output::report::html::render(&runs, None, &charts).map_err(ApiError::from_scenario)
}
