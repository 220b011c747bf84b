//! A variant of a scenario: per-period multipliers on fertility, mortality and migration, and
//! the scalar reference that applies them to a [`Model`].
//!
//! - `fert` multiplies the child–woman ratio (CWR method) or every age-specific fertility rate
//!   (ASFR method).
//! - `mort` moves every survival ratio S (births and the open group included) to
//!   `clamp(1 − (1 − S)·m, 0, 1)`: m = 2 doubles the probability of dying over the step, m = 0
//!   removes mortality. m = 1 leaves S exactly as it is.
//! - `mig` multiplies the net migration rates (純移動率) or the net migrant counts. Flows from
//!   policy measures (settling households, 定住組数) are not scaled.
//!
//! Scenario-language changes reduce to such multipliers without reloading the scenario:
//! - a TFR path reached from year `from` to year `by` ([`TfrChange`]) is the ratio of the new TFR
//!   to the scenario's TFR in each period (CWR: at the end of the step, as the scenario loader
//!   converts a TFR path into CWR, method.md; ASFR: at mid-step, against the TFR the period's
//!   rates imply);
//! - a migration multiplier from year `from` on ([`MigrationChange`]) is the ratio of the new
//!   multiplier to the scenario's multiplier in each period starting in or after `from`.
//!
//! Tests check that this equals loading the scenario with the same overrides
//! ([`Scenario::load_with_overrides`](crate::scenario::Scenario::load_with_overrides)).

use crate::engine::{FertilityMethod, MigrationForm, Model};
use crate::error::{Error, Result};
use crate::grid::{period_label, Sex};
use crate::scenario::Scenario;

/// Per-period multipliers of one variant (each vector holds one value per projection period).
#[derive(Debug, Clone, PartialEq)]
pub struct Multipliers {
    /// Fertility (CWR or ASFR) multiplier per period.
    pub fert: Vec<f64>,
    /// Mortality multiplier per period (on 1 − S).
    pub mort: Vec<f64>,
    /// Migration multiplier per period (rates or counts; not the measures' flows).
    pub mig: Vec<f64>,
}

impl Multipliers {
    /// The same three multipliers in every one of `periods` periods.
    pub fn constant(periods: usize, fert: f64, mort: f64, mig: f64) -> Multipliers {
        Multipliers {
            fert: vec![fert; periods],
            mort: vec![mort; periods],
            mig: vec![mig; periods],
        }
    }

    /// No change: all multipliers 1.
    pub fn identity(periods: usize) -> Multipliers {
        Multipliers::constant(periods, 1.0, 1.0, 1.0)
    }

    /// Reset to `periods` values of 1 (reusing the vectors).
    #[inline]
    pub fn reset(&mut self, periods: usize) {
        for v in [&mut self.fert, &mut self.mort, &mut self.mig] {
            if v.len() == periods {
                v.fill(1.0);
            } else {
                v.clear();
                v.resize(periods, 1.0);
            }
        }
    }

    /// Multiply every period's fertility, mortality and migration multipliers by these factors.
    #[inline]
    pub fn scale(&mut self, fert: f64, mort: f64, mig: f64) {
        self.fert.iter_mut().for_each(|v| *v *= fert);
        self.mort.iter_mut().for_each(|v| *v *= mort);
        self.mig.iter_mut().for_each(|v| *v *= mig);
    }

    /// The model with these multipliers applied: the scalar reference the batched engine equals.
    /// Periods beyond the vectors are left unchanged.
    pub fn apply(&self, model: &Model) -> Model {
        let mut m = model.clone();
        let n = m.ages.len();
        for (k, p) in m.periods.iter_mut().enumerate() {
            let f = self.fert.get(k).copied().unwrap_or(1.0);
            let d = self.mort.get(k).copied().unwrap_or(1.0);
            let g = self.mig.get(k).copied().unwrap_or(1.0);
            match model.fertility {
                FertilityMethod::Cwr => p.cwr *= f,
                FertilityMethod::Asfr => p.asfr.iter_mut().for_each(|v| *v *= f),
            }
            if d != 1.0 {
                for s in 0..2 {
                    for a in 0..n - 1 {
                        p.survival[s][a] = mortality(p.survival[s][a], d);
                    }
                    p.birth_survival[s] = mortality(p.birth_survival[s], d);
                }
            }
            for s in 0..2 {
                for v in &mut p.migration[s] {
                    *v *= g;
                }
            }
        }
        m
    }
}

/// A survival ratio under mortality multiplier `m`: `clamp(1 − (1 − S)·m, 0, 1)`.
#[inline]
pub fn mortality(s: f64, m: f64) -> f64 {
    (1.0 - (1.0 - s) * m).clamp(0.0, 1.0)
}

/// The range of net migration rates in a rates model (min, max), for checking that a migration
/// multiplier keeps every rate at −1 or more.
pub fn rate_range(model: &Model) -> Option<(f64, f64)> {
    if model.migration != MigrationForm::Rates {
        return None;
    }
    let n = model.ages.len();
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for p in &model.periods {
        for s in Sex::BOTH {
            for &v in &p.migration[s.index()][..n] {
                lo = lo.min(v);
                hi = hi.max(v);
            }
        }
    }
    Some((lo, hi))
}

/// Why a migration multiplier `m` is impossible for `model` (a rate would fall below −1), if it is.
pub fn migration_problem(model: &Model, m: f64) -> Option<String> {
    let (lo, hi) = rate_range(model)?;
    let worst = (lo * m).min(hi * m);
    (worst < -1.0).then(|| {
        format!(
            "{m} would make a net migration rate {worst:.3} (below −1, more leaving than there are people); \
             the scenario's rates run from {lo:.3} to {hi:.3}"
        )
    })
}

/// Why fertility and mortality multipliers are impossible, if they are.
pub fn multiplier_problem(name: &str, v: f64) -> Option<String> {
    if !v.is_finite() {
        return Some(format!("{name} = {v}: expected a finite number"));
    }
    let bound = crate::limits::MAX_MULTIPLIER;
    if v.abs() > bound {
        return Some(format!(
            "{name} = {}: expected a multiplier from {} to {bound}",
            crate::limits::show(v),
            if name == "mig_mult" { -bound } else { 0.0 }
        ));
    }
    if v < 0.0 && name != "mig_mult" {
        return Some(format!(
            "{name} = {v}: expected a multiplier of 0 or more (a negative {} is impossible)",
            if name == "fert_mult" {
                "fertility"
            } else {
                "mortality"
            }
        ));
    }
    None
}

/// A TFR path laid over the scenario's fertility: from the scenario's TFR in year `from`, linear
/// to `value` in year `by`, held after; before `from` the scenario's fertility is kept.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TfrChange {
    /// The year the change starts from (the scenario's TFR then is the first anchor).
    pub from: i32,
    /// The year the new TFR is reached.
    pub by: i32,
    /// The TFR reached (and held).
    pub value: f64,
}

/// The scenario's TFR at (fractional) `year`, as its loader uses it: its TFR path where it sets
/// one, else the TFR the base path stands for (CWR; on a calibrated path, that of the period
/// ending in `year`), or the TFR the period's rates imply (ASFR).
fn scenario_tfr(s: &Scenario, year: f64, k: Option<usize>) -> Option<f64> {
    if let Some(v) = s.fertility.as_ref().and_then(|f| f.tfr.at(year)) {
        return Some(v);
    }
    match s.model.fertility {
        // CWR years are period ends (whole years): the base path's TFR of that period.
        FertilityMethod::Cwr => s.base_tfr_in(year.round() as i32),
        FertilityMethod::Asfr => {
            let k = k.unwrap_or_else(|| {
                (((year - s.model.base_year as f64) / 5.0).floor().max(0.0) as usize)
                    .min(s.model.periods.len() - 1)
            });
            Some(5.0 * s.model.periods[k].asfr.iter().sum::<f64>())
        }
    }
}

/// Year within period `k` at which the TFR is read: end of the step (CWR), mid-step (ASFR).
fn tfr_year(s: &Scenario, k: usize) -> f64 {
    let start = s.model.periods[k].start as f64;
    match s.model.fertility {
        FertilityMethod::Cwr => start + 5.0,
        FertilityMethod::Asfr => start + 2.5,
    }
}

fn need_tfr(s: &Scenario, v: Option<f64>) -> Result<f64> {
    match v {
        Some(x) if x > 0.0 && x.is_finite() => Ok(x),
        _ => Err(Error::Invalid(format!(
            "scenario {}: changing the TFR needs the TFR its fertility stands for; set fertility.tfr_base in the scenario or parameters.tfr_base in the pack",
            s.path.display()
        ))),
    }
}

impl TfrChange {
    /// Check the change against the scenario's years.
    pub fn check(&self, s: &Scenario) -> Result<()> {
        if !(self.value > 0.0 && self.value <= 10.0) {
            return Err(Error::Invalid(format!(
                "TFR {}: expected a total fertility rate above 0 and at most 10",
                self.value
            )));
        }
        if self.by <= self.from {
            return Err(Error::Invalid(format!(
                "the TFR is reached in {} but the change starts in {}: expected a year after the start",
                self.by, self.from
            )));
        }
        if self.from < s.model.base_year {
            return Err(Error::Invalid(format!(
                "the TFR change starts in {}, before the base year {}",
                self.from, s.model.base_year
            )));
        }
        Ok(())
    }

    /// The new TFR at `year`, None before `from`.
    fn at(&self, start_value: f64, year: f64) -> Option<f64> {
        let from = self.from as f64;
        let by = self.by as f64;
        if year <= from {
            None
        } else if year >= by {
            Some(self.value)
        } else {
            Some(start_value + (self.value - start_value) * (year - from) / (by - from))
        }
    }

    /// Fertility multipliers per period: new TFR / scenario TFR.
    pub fn factors(&self, s: &Scenario) -> Result<Vec<f64>> {
        self.check(s)?;
        let start_value = need_tfr(s, scenario_tfr(s, self.from as f64, None))?;
        (0..s.model.periods.len())
            .map(|k| {
                let y = tfr_year(s, k);
                match self.at(start_value, y) {
                    None => Ok(1.0),
                    Some(v) => Ok(v / need_tfr(s, scenario_tfr(s, y, Some(k)))?),
                }
            })
            .collect()
    }
}

/// Fertility multipliers per period that move the scenario's TFR by `delta` (a level shift) in
/// every period from year `from` on.
pub fn tfr_shift_factors(s: &Scenario, from: i32, delta: f64) -> Result<Vec<f64>> {
    (0..s.model.periods.len())
        .map(|k| {
            let y = tfr_year(s, k);
            if y <= from as f64 {
                return Ok(1.0);
            }
            let old = need_tfr(s, scenario_tfr(s, y, Some(k)))?;
            if old + delta <= 0.0 {
                return Err(Error::Invalid(format!(
                    "TFR {old:.3} {delta:+} in {}: expected a TFR above 0",
                    period_label(s.model.periods[k].start)
                )));
            }
            Ok((old + delta) / old)
        })
        .collect()
}

/// The scenario language's migration multiplier (on the derived rates or counts), set to `value`
/// for every period starting in or after `from`; earlier periods keep the scenario's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MigrationChange {
    /// First period start year the multiplier applies to.
    pub from: i32,
    /// The multiplier (1 = as derived, 0 = balanced).
    pub value: f64,
}

impl MigrationChange {
    /// Migration multipliers per period relative to the scenario: new / scenario multiplier.
    pub fn factors(&self, s: &Scenario) -> Result<Vec<f64>> {
        if !self.value.is_finite() {
            return Err(Error::Invalid(format!(
                "migration multiplier {}: expected a finite number",
                self.value
            )));
        }
        s.model
            .periods
            .iter()
            .enumerate()
            .map(|(k, p)| {
                if p.start < self.from {
                    return Ok(1.0);
                }
                let old = s.multipliers.get(k).copied().unwrap_or(1.0);
                if old == 0.0 {
                    if self.value == 0.0 {
                        return Ok(1.0);
                    }
                    return Err(Error::Invalid(format!(
                        "scenario {} sets migration to zero in {}, so a multiplier cannot be laid over it: \
                         vary the migration multiplier on a scenario with migration (e.g. the one it extends)",
                        s.path.display(),
                        period_label(p.start)
                    )));
                }
                Ok(self.value / old)
            })
            .collect()
    }
}

/// Additional migrants per period (the model's `flows`) from `households` settling households a
/// year from `from` to `until` (inclusive), each of composition `household` — (sex or None for a
/// child of either sex, age group, persons) — exactly as the scenario loader resolves `[[measures]]`.
pub fn household_flows(
    model: &Model,
    households: f64,
    from: i32,
    until: i32,
    household: &[(Option<Sex>, usize, f64)],
) -> Vec<crate::engine::Cells> {
    model
        .periods
        .iter()
        .map(|p| {
            let mut flows = [[0.0; crate::grid::MAX_AGES]; 2];
            let first = from.max(p.start);
            let last = until.min(p.start + 4);
            if last >= first {
                let years = (last - first + 1) as f64;
                let male_share = p.sex_ratio / (1.0 + p.sex_ratio);
                for &(sex, a, count) in household {
                    let persons = households * years * count;
                    match sex {
                        Some(sx) => flows[sx.index()][a] += persons,
                        None => {
                            flows[0][a] += persons * male_share;
                            flows[1][a] += persons * (1.0 - male_share);
                        }
                    }
                }
            }
            flows
        })
        .collect()
}

/// `model` with `extra` flows added to each period's flows.
pub fn with_flows(model: &Model, extra: &[crate::engine::Cells]) -> Model {
    let mut m = model.clone();
    for (p, f) in m.periods.iter_mut().zip(extra) {
        for s in 0..2 {
            for a in 0..crate::grid::MAX_AGES {
                p.flows[s][a] += f[s][a];
            }
        }
        p.has_flows = p.flows.iter().any(|s| s.iter().any(|&v| v != 0.0));
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mortality_multiplier() {
        assert_eq!(mortality(0.9, 0.0), 1.0);
        assert!((mortality(0.9, 2.0) - 0.8).abs() < 1e-15);
        assert_eq!(mortality(0.3, 2.0), 0.0);
        assert_eq!(mortality(0.9, 1.0), 1.0 - (1.0 - 0.9));
    }

    #[test]
    fn impossible_multipliers() {
        assert!(multiplier_problem("fert_mult", -0.1).is_some());
        assert!(multiplier_problem("mort_mult", f64::NAN).is_some());
        assert!(multiplier_problem("mig_mult", -1.0).is_none());
        assert!(multiplier_problem("fert_mult", 0.0).is_none());
    }
}
