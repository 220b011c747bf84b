//! One five-year cohort-component step, exactly as `method.md` states it. No allocation: the
//! step reads the population at t and writes the population at t+5 into a buffer it is given.

use super::{Cells, Components, FertilityMethod, MigrationForm, Period, Timing};
use crate::grid::{Sex, FERTILE_FIRST, FERTILE_LAST};

/// Set a negative cell to zero, recording it; returns the deficit (persons who could not leave).
#[inline(always)]
fn clamp(v: &mut f64, sex: Sex, a: usize, c: &mut Components) -> f64 {
    if *v < 0.0 {
        let deficit = -*v;
        *v = 0.0;
        c.clamped += 1;
        if c.first_clamped.is_none() {
            c.first_clamped = Some((sex, a));
        }
        deficit
    } else {
        0.0
    }
}

/// Project `from` (population at t, `n` age groups, open group last) one step with the
/// assumptions `p`, writing the population at t+5 into `to`; returns the step's components.
///
/// - Survival: `base[a] = P[a]` for a < n−2, `base[n−2] = P[n−2] + P[n−1]`; `to[a+1] = base[a]·S[a]`.
/// - Rates: the survivors are multiplied by `1 + m[a+1]`.
/// - Counts, `even`: `to[a+1] = S[a]·(P[a] + N[a]/2) + N[a+1]/2`; `end`: `S[a]·P[a] + N[a+1]`.
/// - CWR births: `C = CWR · Σ women 15-49 at t+5`, split `σ/(1+σ)` male, `1/(1+σ)` female.
/// - ASFR births: `B = 5 · Σ F[a]·(W*[a] + W[a](t+5))/2`, `to[0] = Sb · B_s` (+ 0-4 migration).
///
/// A cell that migration would take below zero is set to zero, counted in `clamped`, and the
/// missing emigrants are taken out of net migration, so the accounting identity holds exactly.
#[inline]
pub fn step(
    n: usize,
    fertility: FertilityMethod,
    migration: MigrationForm,
    p: &Period,
    from: &Cells,
    to: &mut Cells,
) -> Components {
    step_inline(n, fertility, migration, p, from, to)
}

/// [`step`], inlined into its caller (so that a caller compiled for a wider instruction set
/// compiles the step for it too).
#[inline(always)]
pub(crate) fn step_inline(
    n: usize,
    fertility: FertilityMethod,
    migration: MigrationForm,
    p: &Period,
    from: &Cells,
    to: &mut Cells,
) -> Components {
    // Monomorphise on the number of age groups, so that every loop has a constant trip count
    // and no bounds checks (the grid allows 4 … 21 groups).
    macro_rules! dispatch {
        ($($k:literal)*) => {
            match n {
                $($k => step_n::<$k>(fertility, migration, p, from, to),)*
                _ => Components::default(),
            }
        };
    }
    dispatch!(4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21)
}

#[inline(always)]
fn step_n<const N: usize>(
    fertility: FertilityMethod,
    migration: MigrationForm,
    p: &Period,
    from: &Cells,
    to: &mut Cells,
) -> Components {
    let n = N;
    let mut c = Components::default();
    let last = n - 1;
    for sex in Sex::BOTH {
        let s = sex.index();
        let pf = &from[s];
        let sv = &p.survival[s];
        let mg = &p.migration[s];
        let out = &mut to[s];
        // One running sum per component; clamping (rare) is a branch outside the arithmetic.
        let mut deaths = 0.0;
        let mut net = 0.0;
        match migration {
            MigrationForm::Rates => {
                for a in 1..n {
                    let base = if a == last {
                        pf[a - 1] + pf[a]
                    } else {
                        pf[a - 1]
                    };
                    let surv = base * sv[a - 1];
                    deaths += base - surv;
                    let moved = surv * mg[a];
                    let mut v = surv + moved;
                    net += moved;
                    if v < 0.0 {
                        net += clamp(&mut v, sex, a, &mut c);
                    }
                    out[a] = v;
                }
            }
            MigrationForm::Counts(timing) => {
                let start_share = if timing == Timing::Even { 0.5 } else { 0.0 };
                let end_share = 1.0 - start_share;
                // Every migrant of the period arrives, half at the start and half at the end (or
                // all at the end); the 0-4 end-of-step arrivals are added with the births below.
                // The sum does not depend on the loop, so it does not hold the loop up.
                let mut arrivals = 0.0;
                for a in 0..n {
                    arrivals += mg[a];
                }
                net = arrivals - end_share * mg[0];
                for a in 1..n {
                    let mut base = if a == last {
                        pf[a - 1] + start_share * mg[a - 1] + (pf[a] + start_share * mg[a])
                    } else {
                        pf[a - 1] + start_share * mg[a - 1]
                    };
                    if base < 0.0 {
                        net += clamp(&mut base, sex, a - 1, &mut c);
                    }
                    let surv = base * sv[a - 1];
                    deaths += base - surv;
                    let mut v = surv + end_share * mg[a];
                    if v < 0.0 {
                        net += clamp(&mut v, sex, a, &mut c);
                    }
                    out[a] = v;
                }
            }
        }
        c.deaths[s] = deaths;
        c.net_migration[s] = net;
    }

    if p.has_flows {
        apply_flows::<N>(p, from, to, &mut c);
    }

    // Births.
    let women_end: f64 = to[1][FERTILE_FIRST..=FERTILE_LAST].iter().sum();
    let sigma = p.sex_ratio;
    let male_share = sigma / (1.0 + sigma);
    let female_share = 1.0 / (1.0 + sigma);
    match fertility {
        FertilityMethod::Cwr => {
            let births = p.cwr * women_end;
            c.births = [births * male_share, births * female_share];
            for sex in Sex::BOTH {
                let s = sex.index();
                to[s][0] = c.births[s];
            }
        }
        FertilityMethod::Asfr => {
            let start_share = match migration {
                MigrationForm::Counts(Timing::Even) => 0.5,
                _ => 0.0,
            };
            let mut sum = 0.0;
            for a in FERTILE_FIRST..=FERTILE_LAST {
                let mut w_start = from[1][a] + start_share * p.migration[1][a];
                if p.has_flows {
                    w_start += 0.5 * p.flows[1][a];
                }
                let w_start = w_start.max(0.0);
                sum += p.asfr[a] * (w_start + to[1][a]);
            }
            let births = 2.5 * sum;
            c.births = [births * male_share, births * female_share];
            for sex in Sex::BOTH {
                let s = sex.index();
                let surv = c.births[s] * p.birth_survival[s];
                c.deaths[s] += c.births[s] - surv;
                if migration == MigrationForm::Rates {
                    let moved = surv * p.migration[s][0];
                    let mut v = surv + moved;
                    c.net_migration[s] += moved + clamp(&mut v, sex, 0, &mut c);
                    to[s][0] = v;
                } else {
                    to[s][0] = surv;
                }
            }
        }
    }
    if p.has_flows {
        for sex in Sex::BOTH {
            let s = sex.index();
            let mut v = to[s][0] + 0.5 * p.flows[s][0];
            c.net_migration[s] += 0.5 * p.flows[s][0] + clamp(&mut v, sex, 0, &mut c);
            to[s][0] = v;
        }
    }
    // 0-4 migrant counts that arrive at the end of the step (all of them with `end` timing).
    if let MigrationForm::Counts(timing) = migration {
        let end_share = if timing == Timing::Even { 0.5 } else { 1.0 };
        for sex in Sex::BOTH {
            let s = sex.index();
            let add = end_share * p.migration[s][0];
            let mut v = to[s][0] + add;
            c.net_migration[s] += add + clamp(&mut v, sex, 0, &mut c);
            to[s][0] = v;
        }
    }
    c
}

/// Add the period's flows (policy measures) with even timing: the half arriving at the start ages
/// with its cohort and is exposed to mortality; the half arriving at the end joins its group. The
/// 0-4 end-of-step half is added after births.
#[inline(never)]
fn apply_flows<const N: usize>(p: &Period, _from: &Cells, to: &mut Cells, c: &mut Components) {
    let last = N - 1;
    for sex in Sex::BOTH {
        let s = sex.index();
        let f = &p.flows[s];
        let sv = &p.survival[s];
        let mut deaths = 0.0;
        let mut net = 0.0;
        for a in 1..N {
            let mut start = 0.5 * f[a - 1];
            if a == last {
                start += 0.5 * f[a];
            }
            let surv = start * sv[a - 1];
            deaths += start - surv;
            let mut v = to[s][a] + surv + 0.5 * f[a];
            net += start + 0.5 * f[a];
            if v < 0.0 {
                net += clamp(&mut v, sex, a, c);
            }
            to[s][a] = v;
        }
        c.deaths[s] += deaths;
        c.net_migration[s] += net;
    }
}
