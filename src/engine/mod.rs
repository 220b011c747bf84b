//! The cohort-component engine (コーホート要因法): five-year steps by sex and five-year age group.
//!
//! The arithmetic is the project's `method.md`: survival ratios move each cohort up one group (the
//! open group and the one below it survive together), births come either from the child–woman ratio
//! (子ども女性比, the IPSS method for municipalities) or from age-specific fertility rates (the UN /
//! Preston, Heuveline & Guillot 2001 ch. 6 method), and migration is either a net migration rate
//! (純移動率) on the survivors or a net migrant count with `even` or `end` timing.
//!
//! A [`Model`] is validated once; [`project_into`] then runs without allocating, writing into
//! buffers the caller owns, which is what batch studies reuse.

pub mod derive;
pub mod lifetable;
pub mod rake;
mod step;

pub use step::step;

use crate::error::{Error, Result};
use crate::grid::{AgeGroups, Sex, MAX_AGES};

/// Values by age group (only the first `AgeGroups::len()` entries are used).
pub type Ages = [f64; MAX_AGES];

/// A population by sex (index [`Sex::index`]) and age group.
pub type Cells = [Ages; 2];

/// How births are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FertilityMethod {
    /// Child–woman ratio: 0-4 at t+5 = CWR × women 15-49 at t+5, split by the 0-4 sex ratio.
    Cwr,
    /// Age-specific fertility rates of women 15-49, with the sex ratio at birth and birth survival.
    Asfr,
}

/// When net migrant counts arrive within a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timing {
    /// Half at the start (exposed to mortality and fertility), half at the end.
    Even,
    /// All at the end of the step.
    End,
}

/// How migration is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MigrationForm {
    /// Net migration rates on the survivors, by destination age group (純移動率).
    Rates,
    /// Net migrant counts per five-year period, by age group at arrival.
    Counts(Timing),
}

/// The assumptions of one five-year step.
#[derive(Debug, Clone, PartialEq)]
pub struct Period {
    /// Start year of the step.
    pub start: i32,
    /// `survival[s][a]`: probability that a person of group `a` at t is alive in group `a+1` at t+5,
    /// for a = 0 … n−2; the last (`n−2`) applies to the open group and the group below it together.
    pub survival: Cells,
    /// Survival of births to the 0-4 group at t+5 (`5L0 / 5 l0`), by sex (ASFR only).
    pub birth_survival: [f64; 2],
    /// Child–woman ratio (CWR only).
    pub cwr: f64,
    /// Males per female: among 0-4 at t+5 (CWR) or at birth (ASFR).
    pub sex_ratio: f64,
    /// Annual age-specific fertility rates by age group of the mother (ASFR only; zero outside 15-49).
    pub asfr: Ages,
    /// Net migration rates by destination group (rates) or net migrant counts by group (counts).
    pub migration: Cells,
    /// Additional migrant counts for the period on top of the migration above (policy measures
    /// such as settling households, 定住組数, and the migrants into cohorts that are empty at the
    /// start, which a rate cannot carry), by sex and age group at arrival; they arrive evenly
    /// (half at the start, exposed to mortality and fertility, half at the end). A negative count
    /// is a net departure; a cell it would take below zero is set to zero, with a warning.
    pub flows: Cells,
    /// Whether `flows` has any non-zero cell (the step skips them otherwise).
    pub has_flows: bool,
}

impl Period {
    /// A period with no mortality, fertility or migration: survival 1, all else 0.
    pub fn null(start: i32) -> Period {
        Period {
            start,
            survival: [[1.0; MAX_AGES]; 2],
            birth_survival: [1.0; 2],
            cwr: 0.0,
            sex_ratio: 1.05,
            asfr: [0.0; MAX_AGES],
            migration: [[0.0; MAX_AGES]; 2],
            flows: [[0.0; MAX_AGES]; 2],
            has_flows: false,
        }
    }
}

/// The demographic components of one step, by sex.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Components {
    /// Births (ASFR: all births; CWR: the 0-4 population at t+5 that the ratio gives).
    pub births: [f64; 2],
    /// Deaths of the population at t (and of births, in ASFR; and of migrants who arrived at the start).
    pub deaths: [f64; 2],
    /// Net migration as applied (after any clamping at zero).
    pub net_migration: [f64; 2],
    /// How many cells would have gone below zero and were set to zero.
    pub clamped: u32,
    /// The first clamped cell (sex, age group index), for the warning.
    pub first_clamped: Option<(Sex, usize)>,
}

impl Components {
    /// Births of both sexes.
    pub fn total_births(&self) -> f64 {
        self.births[0] + self.births[1]
    }
    /// Deaths of both sexes.
    pub fn total_deaths(&self) -> f64 {
        self.deaths[0] + self.deaths[1]
    }
    /// Net migration of both sexes.
    pub fn total_net_migration(&self) -> f64 {
        self.net_migration[0] + self.net_migration[1]
    }
}

/// A validated projection model: grid, methods and one [`Period`] per step.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// The age groups.
    pub ages: AgeGroups,
    /// Births method.
    pub fertility: FertilityMethod,
    /// Migration form.
    pub migration: MigrationForm,
    /// Base year (the census year of the starting population).
    pub base_year: i32,
    /// One period per step, consecutive from the base year.
    pub periods: Vec<Period>,
}

fn check_finite(
    what: &str,
    period: i32,
    sex: Option<Sex>,
    age: Option<usize>,
    v: f64,
) -> Result<()> {
    if v.is_finite() {
        Ok(())
    } else {
        Err(Error::Invalid(format!(
            "{what} for period {}{}{} is {v}: expected a finite number",
            crate::grid::period_label(period),
            sex.map(|s| format!(", {s}")).unwrap_or_default(),
            age.map(|a| format!(", age group {a}")).unwrap_or_default()
        )))
    }
}

impl Model {
    /// Check the model: consecutive periods from the base year, survival in [0, 1], fertility ≥ 0,
    /// finite migration; any violation is an error naming the period, sex and age.
    pub fn validate(&self) -> Result<()> {
        let n = self.ages.len();
        if self.periods.is_empty() {
            return Err(Error::Invalid("the model has no projection period".into()));
        }
        for (k, p) in self.periods.iter().enumerate() {
            let want = self.base_year + 5 * k as i32;
            if p.start != want {
                return Err(Error::Invalid(format!(
                    "assumption periods are not consecutive: expected {} but found {}",
                    crate::grid::period_label(want),
                    crate::grid::period_label(p.start)
                )));
            }
            for sex in Sex::BOTH {
                let s = sex.index();
                for a in 0..n - 1 {
                    let v = p.survival[s][a];
                    check_finite("survival ratio", p.start, Some(sex), Some(a), v)?;
                    if !(0.0..=1.0).contains(&v) {
                        return Err(Error::Invalid(format!(
                            "survival ratio for period {}, {sex}, age {} is {v}: expected a value from 0 to 1",
                            crate::grid::period_label(p.start),
                            self.ages.label(a)
                        )));
                    }
                }
                for a in 0..n {
                    check_finite("migration", p.start, Some(sex), Some(a), p.migration[s][a])?;
                    check_finite("flow", p.start, Some(sex), Some(a), p.flows[s][a])?;
                }
                let b = p.birth_survival[s];
                check_finite("birth survival", p.start, Some(sex), None, b)?;
                if !(0.0..=1.0).contains(&b) {
                    return Err(Error::Invalid(format!(
                        "birth survival for period {}, {sex} is {b}: expected a value from 0 to 1",
                        crate::grid::period_label(p.start)
                    )));
                }
            }
            check_finite("child-woman ratio", p.start, None, None, p.cwr)?;
            check_finite("sex ratio", p.start, None, None, p.sex_ratio)?;
            if p.cwr < 0.0 {
                return Err(Error::Invalid(format!(
                    "child-woman ratio for period {} is {}: expected a value of 0 or more",
                    crate::grid::period_label(p.start),
                    p.cwr
                )));
            }
            if p.sex_ratio <= 0.0 {
                return Err(Error::Invalid(format!(
                    "sex ratio for period {} is {}: expected a positive number of males per female",
                    crate::grid::period_label(p.start),
                    p.sex_ratio
                )));
            }
            for a in 0..n {
                check_finite(
                    "fertility rate",
                    p.start,
                    Some(Sex::Female),
                    Some(a),
                    p.asfr[a],
                )?;
                if p.asfr[a] < 0.0 {
                    return Err(Error::Invalid(format!(
                        "fertility rate for period {}, age {} is {}: expected a value of 0 or more",
                        crate::grid::period_label(p.start),
                        self.ages.label(a),
                        p.asfr[a]
                    )));
                }
            }
            if self.migration == MigrationForm::Rates {
                for sex in Sex::BOTH {
                    for a in 0..n {
                        if p.migration[sex.index()][a] < -1.0 {
                            return Err(Error::Invalid(format!(
                                "net migration rate for period {}, {sex}, age {} is {}: expected a value of -1 or more",
                                crate::grid::period_label(p.start),
                                self.ages.label(a),
                                p.migration[sex.index()][a]
                            )));
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Years of the projection: the base year and the end of every step.
    pub fn years(&self) -> Vec<i32> {
        (0..=self.periods.len())
            .map(|k| self.base_year + 5 * k as i32)
            .collect()
    }

    /// The last projected year.
    pub fn horizon(&self) -> i32 {
        self.base_year + 5 * self.periods.len() as i32
    }
}

/// Project `base` through every period of `model`, writing population `k` (year base + 5k) into
/// `pops[k]` and the components of step `k` into `components[k]`. Allocates nothing.
///
/// `pops` must hold `periods + 1` entries and `components` `periods` entries; the model should have
/// been checked with [`Model::validate`] and the base must be non-negative.
pub fn project_into(
    model: &Model,
    base: &Cells,
    pops: &mut [Cells],
    components: &mut [Components],
) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2, checked just above.
            unsafe { project_into_avx2(model, base, pops, components) };
            return;
        }
    }
    project_steps(model, base, pops, components);
}

/// The same loop compiled with AVX2 enabled (the VEX three-operand encoding saves register
/// copies); the arithmetic is identical, so are the results, to the bit.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn project_into_avx2(
    model: &Model,
    base: &Cells,
    pops: &mut [Cells],
    components: &mut [Components],
) {
    project_steps(model, base, pops, components);
}

#[inline(always)]
fn project_steps(model: &Model, base: &Cells, pops: &mut [Cells], components: &mut [Components]) {
    let steps = model
        .periods
        .len()
        .min(components.len())
        .min(pops.len().saturating_sub(1));
    if pops.is_empty() {
        return;
    }
    pops[0] = *base;
    let n = model.ages.len();
    for k in 0..steps {
        let (done, rest) = pops.split_at_mut(k + 1);
        components[k] = step::step_inline(
            n,
            model.fertility,
            model.migration,
            &model.periods[k],
            &done[k],
            &mut rest[0],
        );
    }
}

/// A finished projection: population by year, sex and age, components per step, warnings.
#[derive(Debug, Clone, PartialEq)]
pub struct Projection {
    /// The age groups.
    pub ages: AgeGroups,
    /// Years, base first.
    pub years: Vec<i32>,
    /// Population per year.
    pub population: Vec<Cells>,
    /// Components per step (`components[k]` leads from `years[k]` to `years[k+1]`).
    pub components: Vec<Components>,
    /// Human-readable warnings (cells clamped at zero).
    pub warnings: Vec<String>,
}

impl Projection {
    /// Total population (both sexes, all ages) in year index `k`.
    pub fn total(&self, k: usize) -> f64 {
        let n = self.ages.len();
        self.population[k]
            .iter()
            .map(|s| s[..n].iter().sum::<f64>())
            .sum()
    }

    /// Total population in `year`, if projected.
    pub fn total_in(&self, year: i32) -> Option<f64> {
        self.years
            .iter()
            .position(|&y| y == year)
            .map(|k| self.total(k))
    }

    /// Sum over both sexes of age groups `from..=to` in year index `k`.
    pub fn sum_ages(&self, k: usize, from: usize, to: usize) -> f64 {
        let to = to.min(self.ages.len() - 1);
        self.population[k]
            .iter()
            .map(|s| s[from..=to].iter().sum::<f64>())
            .sum()
    }
}

/// Validate `model` and project `base` to the model's horizon.
pub fn project(model: &Model, base: &Cells) -> Result<Projection> {
    model.validate()?;
    let n = model.ages.len();
    for sex in Sex::BOTH {
        for a in 0..n {
            let v = base[sex.index()][a];
            if !v.is_finite() || v < 0.0 {
                return Err(Error::Invalid(format!(
                    "base population {} {sex} {} is {v}: expected a non-negative number",
                    model.base_year,
                    model.ages.label(a)
                )));
            }
        }
    }
    let steps = model.periods.len();
    let mut population = vec![[[0.0; MAX_AGES]; 2]; steps + 1];
    let mut components = vec![Components::default(); steps];
    project_into(model, base, &mut population, &mut components);
    let warnings = components
        .iter()
        .zip(&model.periods)
        .filter(|(c, _)| c.clamped > 0)
        .map(|(c, p)| {
            let (sex, a) = c.first_clamped.unwrap_or((Sex::Male, 0));
            format!(
                "period {}: {} cell(s) would have fallen below zero and were set to zero (first: {sex} {}); \
                 the emigrants who did not exist are removed from net migration",
                crate::grid::period_label(p.start),
                c.clamped,
                model.ages.label(a)
            )
        })
        .collect();
    Ok(Projection {
        ages: model.ages,
        years: model.years(),
        population,
        components,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The AVX2-compiled loop and the portable one give the same numbers, to the bit.
    #[test]
    fn avx2_and_portable_loops_agree_bit_for_bit() {
        let ages = AgeGroups::JAPAN;
        let n = ages.len();
        let mut base = [[0.0; MAX_AGES]; 2];
        for s in 0..2 {
            for a in 0..n {
                base[s][a] = 1000.0 + 37.0 * a as f64 - 11.0 * s as f64;
            }
        }
        for (fertility, migration) in [
            (FertilityMethod::Cwr, MigrationForm::Rates),
            (FertilityMethod::Asfr, MigrationForm::Counts(Timing::Even)),
            (FertilityMethod::Asfr, MigrationForm::Counts(Timing::End)),
            (FertilityMethod::Cwr, MigrationForm::Counts(Timing::Even)),
        ] {
            let periods = (0..9)
                .map(|k| {
                    let mut p = Period::null(2015 + 5 * k);
                    for s in 0..2 {
                        for a in 0..n {
                            p.survival[s][a] = 0.999 - 0.01 * a as f64 * (1.0 + s as f64) / 3.0;
                            p.migration[s][a] = if migration == MigrationForm::Rates {
                                -0.02 + 0.001 * a as f64
                            } else {
                                -40.0 + 3.0 * a as f64
                            };
                        }
                        p.flows[s][6] = 10.0;
                    }
                    p.has_flows = k % 2 == 0;
                    p.birth_survival = [0.997, 0.998];
                    p.cwr = 0.2;
                    p.sex_ratio = 1.05;
                    for a in 3..=9 {
                        p.asfr[a] = 0.01 * (a as f64 - 2.0);
                    }
                    p
                })
                .collect();
            let model = Model {
                ages,
                fertility,
                migration,
                base_year: 2015,
                periods,
            };
            model.validate().unwrap();
            let mut a = vec![[[0.0; MAX_AGES]; 2]; 10];
            let mut b = a.clone();
            let mut ca = vec![Components::default(); 9];
            let mut cb = ca.clone();
            project_into(&model, &base, &mut a, &mut ca);
            project_steps(&model, &base, &mut b, &mut cb);
            assert_eq!(a, b);
            assert_eq!(ca, cb);
        }
    }
}
