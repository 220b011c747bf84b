//! `jinko solve`: the value of one assumption that makes the total population in a year equal a
//! target, the others as the scenario sets them.
//!
//! - the TFR reached by a year (from the scenario's TFR in a start year, linear, held after);
//! - the migration multiplier (scenario language) from a period on;
//! - the number of settling households a year of a stated composition (定住組数: how many
//!   households must settle — the 田園回帰1% question), arriving evenly as `[[measures]]` do;
//! - the frontier: for each TFR of a list, the migration multiplier that reaches the target.
//!
//! The total in the target year is monotone in each of these (more births, less net emigration,
//! more settlers: more people), so bisection on the bracket `[min, max]` finds the root; it runs
//! until the total is within 0.001 persons of the target (or the bracket is 1e-12 wide). If the
//! target lies outside the totals at the two bounds, the answer says so and gives both totals.
//! Each evaluation is one scalar projection of the changed model — the same code as `jinko project`.

use super::variant::{household_flows, with_flows, MigrationChange, Multipliers, TfrChange};
use crate::engine::{project, Model};
use crate::error::{Error, Result};
use crate::grid::Sex;
use crate::scenario::Scenario;
use rayon::prelude::*;
use serde::Serialize;

/// What is solved for.
#[derive(Debug, Clone, PartialEq)]
pub enum Unknown {
    /// The TFR reached in year `by`, from the scenario's TFR in year `from`.
    Tfr {
        /// Start year of the change.
        from: i32,
        /// Year the TFR is reached.
        by: i32,
    },
    /// The migration multiplier from the period starting in `from`.
    Migration {
        /// First period start year.
        from: i32,
    },
    /// Settling households a year from `from` to `until` (inclusive).
    Households {
        /// First year.
        from: i32,
        /// Last year.
        until: i32,
        /// Persons per household: (sex or None for either, age group, count).
        household: Vec<(Option<Sex>, usize, f64)>,
    },
}

impl Unknown {
    /// Name for output.
    pub fn name(&self) -> &'static str {
        match self {
            Unknown::Tfr { .. } => "tfr",
            Unknown::Migration { .. } => "migration_multiplier",
            Unknown::Households { .. } => "households_per_year",
        }
    }

    /// The model with the unknown set to `x`.
    pub fn model(&self, s: &Scenario, x: f64) -> Result<Model> {
        let k = s.model.periods.len();
        match self {
            Unknown::Tfr { from, by } => {
                let mut m = Multipliers::identity(k);
                m.fert = TfrChange {
                    from: *from,
                    by: *by,
                    value: x,
                }
                .factors(s)?;
                Ok(m.apply(&s.model))
            }
            Unknown::Migration { from } => {
                let mut m = Multipliers::identity(k);
                m.mig = MigrationChange {
                    from: *from,
                    value: x,
                }
                .factors(s)?;
                Ok(m.apply(&s.model))
            }
            Unknown::Households {
                from,
                until,
                household,
            } => {
                if x < 0.0 {
                    return Err(Error::Invalid(format!(
                        "{x} households a year: expected 0 or more"
                    )));
                }
                Ok(with_flows(
                    &s.model,
                    &household_flows(&s.model, x, *from, *until, household),
                ))
            }
        }
    }

    /// Total population in year index `y` with the unknown set to `x`.
    pub fn total(&self, s: &Scenario, x: f64, y: usize) -> Result<f64> {
        let model = self.model(s, x)?;
        let p = project(&model, &s.base)?;
        crate::limits::finite(
            &|| format!("the total with {} = {x}", self.name()),
            p.total(y),
        )
    }
}

/// The answer of a solve.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Solution {
    /// What was solved for.
    pub unknown: String,
    /// The target population.
    pub target: f64,
    /// The year of the target.
    pub year: i32,
    /// The bracket searched.
    pub bounds: [f64; 2],
    /// Totals at the two bounds.
    pub totals_at_bounds: [f64; 2],
    /// The value found, if the target is inside the bracket.
    pub value: Option<f64>,
    /// The total with that value.
    pub total: Option<f64>,
    /// Bisection steps.
    pub iterations: u32,
    /// A sentence for people.
    pub message: String,
}

/// Persons within which the solve stops.
pub const TOLERANCE_PERSONS: f64 = 1e-3;

/// Solve `unknown` so that the total in year index `y` (year `year`) equals `target`, searching
/// `[lo, hi]`.
pub fn solve(
    s: &Scenario,
    unknown: &Unknown,
    target: f64,
    year: i32,
    y: usize,
    (lo, hi): (f64, f64),
) -> Result<Solution> {
    if !(lo.is_finite() && hi.is_finite() && lo < hi) {
        return Err(Error::Invalid(format!(
            "bounds {lo} … {hi}: expected finite numbers with min < max"
        )));
    }
    crate::limits::target(
        target,
        crate::Location::file("command line").field("--target"),
    )?;
    let f = |x: f64| unknown.total(s, x, y).map(|t| t - target);
    let (flo, fhi) = (f(lo)?, f(hi)?);
    let name = unknown.name();
    let mut sol = Solution {
        unknown: name.into(),
        target,
        year,
        bounds: [lo, hi],
        totals_at_bounds: [flo + target, fhi + target],
        value: None,
        total: None,
        iterations: 0,
        message: String::new(),
    };
    if flo.signum() == fhi.signum()
        && flo.abs() > TOLERANCE_PERSONS
        && fhi.abs() > TOLERANCE_PERSONS
    {
        sol.message = format!(
            "the target {target:.0} in {year} cannot be reached with {name} from {lo} to {hi}: \
             {name} = {lo} gives {:.0} and {name} = {hi} gives {:.0}{}",
            flo + target,
            fhi + target,
            if name == "tfr" {
                " (a TFR outside these bounds is not plausible; widen --min/--max to see it)"
            } else {
                "; widen --min/--max"
            }
        );
        return Ok(sol);
    }
    let (mut a, mut b, mut fa) = (lo, hi, flo);
    let mut x = if flo.abs() <= fhi.abs() { lo } else { hi };
    let mut fx = flo.abs().min(fhi.abs());
    for _ in 0..200 {
        if fx.abs() <= TOLERANCE_PERSONS || (b - a).abs() <= 1e-12 * (1.0 + a.abs()) {
            break;
        }
        sol.iterations += 1;
        x = 0.5 * (a + b);
        fx = f(x)?;
        if fx.signum() == fa.signum() {
            a = x;
            fa = fx;
        } else {
            b = x;
        }
    }
    let total = f(x)? + target;
    sol.value = Some(x);
    sol.total = Some(total);
    sol.message = format!("{name} = {x:.6} gives {total:.3} in {year} (target {target:.0})");
    Ok(sol)
}

/// One point of the TFR–migration frontier.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FrontierPoint {
    /// The TFR reached.
    pub tfr: f64,
    /// The migration multiplier that reaches the target with it (None if outside the bounds).
    pub migration_multiplier: Option<f64>,
    /// The total with both.
    pub total: Option<f64>,
}

/// For each TFR in `tfrs` (reached by `by` from `from`), the migration multiplier from
/// `migration_from` on that reaches `target` in `year`. The TFR change is applied first, then the
/// migration multiplier is solved on the changed scenario.
#[allow(clippy::too_many_arguments)]
pub fn frontier(
    s: &Scenario,
    tfrs: &[f64],
    from: i32,
    by: i32,
    migration_from: i32,
    target: f64,
    year: i32,
    y: usize,
    bounds: (f64, f64),
) -> Result<Vec<FrontierPoint>> {
    if tfrs.len() > crate::limits::MAX_FRONTIER_POINTS {
        return Err(Error::input(
            crate::Location::file("command line").field("--tfr"),
            format!(
                "{} TFR values: expected at most {} (a coarser step)",
                tfrs.len(),
                crate::limits::MAX_FRONTIER_POINTS
            ),
        ));
    }
    let progress = super::progress::Progress::new(tfrs.len() as u64, "frontier", true);
    let out = tfrs
        .par_iter()
        .map(|&tfr| {
            let mut changed = s.clone();
            changed.model = Unknown::Tfr { from, by }.model(s, tfr)?;
            let sol = solve(
                &changed,
                &Unknown::Migration {
                    from: migration_from,
                },
                target,
                year,
                y,
                bounds,
            )?;
            progress.inc(1);
            Ok(FrontierPoint {
                tfr,
                migration_multiplier: sol.value,
                total: sol.total,
            })
        })
        .collect();
    progress.finish();
    out
}

/// Parse a household composition `"male 30-34=1,female 30-34=1,0-4=1"`.
pub fn parse_household(
    text: &str,
    ages: crate::grid::AgeGroups,
) -> std::result::Result<Vec<(Option<Sex>, usize, f64)>, String> {
    text.split(',')
        .map(|part| {
            let (who, count) = part.split_once('=').ok_or_else(|| {
                format!("\"{part}\": expected WHO=COUNT, e.g. \"female 30-34=1\"")
            })?;
            let count: f64 = count
                .trim()
                .parse()
                .ok()
                .filter(|c: &f64| c.is_finite() && *c >= 0.0)
                .ok_or_else(|| format!("\"{part}\": expected a count of 0 or more"))?;
            let who = who.trim();
            let (sex, age) = match who.split_once(' ') {
                Some((sx, age)) => (
                    Some(Sex::parse(sx).ok_or_else(|| {
                        format!("\"{who}\": expected \"male AGE\", \"female AGE\" or \"AGE\"")
                    })?),
                    age.trim(),
                ),
                None => (None, who),
            };
            let a = ages
                .index(age)
                .ok_or_else(|| format!("\"{who}\": unknown age group \"{age}\""))?;
            Ok((sex, a, count))
        })
        .collect()
}
