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
    /// `ccr[s][a]`, a = 0 … n−2 (0 where the cohort is empty at t).
    pub ccr: Cells,
    /// Persons in destination group `a` at t+5 whose cohort was empty at t (`arrivals[s][a]`,
    /// a = 1 … n−1): a ratio cannot carry them, so they are net migrant counts.
    pub arrivals: Cells,
    /// Child–woman ratio at t+5 (0 where there are neither women aged 15-49 nor children).
    pub cwr: f64,
    /// Males per female aged 0-4 at t+5; None where there are no children aged 0-4 (the ratio
    /// then splits no births, and the caller chooses one).
    pub sex_ratio: Option<f64>,
}

impl ObservedRatios {
    /// Whether any cohort empty at t has persons at t+5.
    pub fn has_arrivals(&self) -> bool {
        self.arrivals.iter().any(|s| s.iter().any(|&v| v != 0.0))
    }
}

/// Cohort change ratios, CWR and 0-4 sex ratio between `start` (year `t`) and `end` (t+5).
///
/// An empty cohort at t (IPSS projects a few persons into such cohorts in the smallest villages)
/// has ratio 0 and its persons at t+5 in `arrivals`. Fails, naming the year, sex and age, where
/// the ratios cannot be formed: children but no women aged 15-49, or boys but no girls aged 0-4.
pub fn observed_ratios(
    ages: AgeGroups,
    t: i32,
    start: &Cells,
    end: &Cells,
) -> Result<ObservedRatios> {
    let n = ages.len();
    let mut ccr = [[0.0; MAX_AGES]; 2];
    let mut arrivals = [[0.0; MAX_AGES]; 2];
    for sex in Sex::BOTH {
        let s = sex.index();
        let base = survivorship_base(ages, &start[s]);
        for a in 0..n - 1 {
            if base[a] > 0.0 {
                ccr[s][a] = end[s][a + 1] / base[a];
            } else {
                arrivals[s][a + 1] = end[s][a + 1];
            }
        }
    }
    let women: f64 = end[1][FERTILE_FIRST..=FERTILE_LAST].iter().sum();
    let children = end[0][0] + end[1][0];
    let cwr = if women > 0.0 {
        children / women
    } else if children == 0.0 {
        0.0
    } else {
        return Err(Error::Invalid(format!(
            "cannot derive the child-woman ratio for {}: {children} children aged 0-4 but no women aged 15-49",
            t + 5
        )));
    };
    let sex_ratio = if end[1][0] > 0.0 {
        Some(end[0][0] / end[1][0])
    } else if end[0][0] == 0.0 {
        None
    } else {
        return Err(Error::Invalid(format!(
            "cannot derive the 0-4 sex ratio for {}: {} boys aged 0-4 but no girls",
            t + 5,
            end[0][0]
        )));
    };
    Ok(ObservedRatios {
        ccr,
        arrivals,
        cwr,
        sex_ratio,
    })
}

/// Flows in the form of [`crate::engine::Period::flows`] (even timing) that add exactly
/// `arrivals[s][a]` persons to group `a` at t+5 and nothing to any other group, given the
/// period's survival: the half of a flow that arrives at the start ages into the next group, so
/// each group's flow is the arrivals less what the group below passes on,
/// `f[a] = 2·X[a] − S[a−1]·f[a−1]`, and for the open group, whose own start half stays,
/// `f[n−1] = (2·X[n−1] − S[n−2]·f[n−2]) / (1 + S[n−2])`.
pub fn arrival_flows(ages: AgeGroups, arrivals: &Cells, survival: &Cells) -> Cells {
    let n = ages.len();
    let mut f = [[0.0; MAX_AGES]; 2];
    for s in 0..2 {
        for a in 1..n - 1 {
            f[s][a] = 2.0 * arrivals[s][a] - survival[s][a - 1] * f[s][a - 1];
        }
        let l = n - 1;
        f[s][l] =
            (2.0 * arrivals[s][l] - survival[s][l - 1] * f[s][l - 1]) / (1.0 + survival[s][l - 1]);
    }
    f
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
