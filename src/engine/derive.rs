//! Deriving assumptions from published populations (method.md, "Deriving assumptions").
//!
//! - Cohort change ratio (コーホート変化率): `CCR[a] = P[a+1](t+5) / base[a](t)`, with the open
//!   group and the one below it together as `base[n−2]`.
//! - Child–woman ratio (子ども女性比): `CWR = P[0-4](t+5) / Σ women 15-49 (t+5)`; 0-4 sex ratio
//!   `σ = male 0-4 / female 0-4`.
//! - With survival ratios from a life table, the net migration rate (純移動率) is
//!   `m[a+1] = CCR[a] / S[a] − 1`.
//! - Residual net migration between two populations: `Σ (P[a+1](t+5) − base[a](t)·S[a])` over the
//!   destination groups 5-9 and above.

use super::{Ages, Cells};
use crate::error::{Error, Result};
use crate::grid::{AgeGroups, Sex, FERTILE_FIRST, FERTILE_LAST, MAX_AGES};

/// The survivorship base at t: `P[a]` for a < n−2 and `P[n−2] + P[n−1]` for the open group.
pub fn survivorship_base(ages: AgeGroups, p: &Ages) -> Ages {
    let n = ages.len();
    let mut base = [0.0; MAX_AGES];
    base[..n - 1].copy_from_slice(&p[..n - 1]);
    base[n - 2] += p[n - 1];
    base
}

/// Ratios observed between two populations five years apart.
#[derive(Debug, Clone, PartialEq)]
pub struct ObservedRatios {
    /// `ccr[s][a]`, a = 0 … n−2.
    pub ccr: Cells,
    /// Child–woman ratio at t+5.
    pub cwr: f64,
    /// Males per female aged 0-4 at t+5.
    pub sex_ratio: f64,
}

/// Cohort change ratios, CWR and 0-4 sex ratio between `start` (year `t`) and `end` (t+5).
///
/// Fails, naming the year, sex and age, where a ratio would divide by zero.
pub fn observed_ratios(
    ages: AgeGroups,
    t: i32,
    start: &Cells,
    end: &Cells,
) -> Result<ObservedRatios> {
    let n = ages.len();
    let mut ccr = [[0.0; MAX_AGES]; 2];
    for sex in Sex::BOTH {
        let s = sex.index();
        let base = survivorship_base(ages, &start[s]);
        for a in 0..n - 1 {
            if base[a] <= 0.0 {
                return Err(Error::Invalid(format!(
                    "cannot derive the cohort change ratio {t}→{} for {sex} {}: the population at {t} is {}",
                    t + 5,
                    if a == n - 2 {
                        format!("{}+", 5 * a)
                    } else {
                        ages.label(a)
                    },
                    base[a]
                )));
            }
            ccr[s][a] = end[s][a + 1] / base[a];
        }
    }
    let women: f64 = end[1][FERTILE_FIRST..=FERTILE_LAST].iter().sum();
    if women <= 0.0 || end[1][0] <= 0.0 {
        return Err(Error::Invalid(format!(
            "cannot derive the child-woman ratio and 0-4 sex ratio for {}: no women aged 15-49 or no girls aged 0-4",
            t + 5
        )));
    }
    Ok(ObservedRatios {
        ccr,
        cwr: (end[0][0] + end[1][0]) / women,
        sex_ratio: end[0][0] / end[1][0],
    })
}

/// Split cohort change ratios into survival and net migration rates by destination group:
/// `m[a+1] = CCR[a] / S[a] − 1` (a zero survival ratio gives a zero rate).
pub fn migration_rates(ages: AgeGroups, ccr: &Cells, survival: &Cells) -> Cells {
    let n = ages.len();
    let mut m = [[0.0; MAX_AGES]; 2];
    for s in 0..2 {
        for a in 0..n - 1 {
            m[s][a + 1] = if survival[s][a] > 0.0 {
                ccr[s][a] / survival[s][a] - 1.0
            } else {
                0.0
            };
        }
    }
    m
}

/// Residual net migration between `start` and `end` (five years later) given survival ratios, by
/// sex: `Σ (P[a+1](t+5) − base[a](t)·S[a])` over destination groups 5-9 and above.
pub fn residual_net_migration(
    ages: AgeGroups,
    start: &Cells,
    end: &Cells,
    survival: &Cells,
) -> [f64; 2] {
    let n = ages.len();
    let mut out = [0.0; 2];
    for s in 0..2 {
        let base = survivorship_base(ages, &start[s]);
        out[s] = (0..n - 1)
            .map(|a| end[s][a + 1] - base[a] * survival[s][a])
            .sum();
    }
    out
}
