//! The long run of a scenario (人口の長期的な安定): one period's assumptions as one affine map
//! of the population, its dominant eigenvalue, the stable age structure, population momentum, and
//! when and at what level the population stops falling if the last period's assumptions hold.
//!
//! The map. With net migration rates, one five-year step of [`crate::engine::step`] is linear:
//! `x(t+5) = A x(t)`, `x` the 2n cells by sex and age. Survival with migration puts
//! `S[a−1]·max(0, 1+m[a])` below the diagonal (and on the open group's own cell, which survives
//! with the group below it); the 0-4 row is the births: the child–woman ratio times the rows of
//! the women 15-49 at t+5, split by the sex ratio (or, with age-specific rates,
//! `2.5·ΣF[a]·(W[a](t) + W[a](t+5))` times the sex share, the birth survival and `1+m[0]`).
//! Migrant counts and settling households (flows) add a constant: `x(t+5) = A x(t) + b`. The
//! matrix is built here from the period's numbers, not from the engine, so that the engine run
//! far out checks it.
//!
//! - Growth: the eigenvalue λ of A of largest modulus (real and positive: A is non-negative and,
//!   with any births, primitive), per five years; the annual rate is `ln λ / 5`.
//! - Stable structure: its right eigenvector `u` (shares by sex and age summing to 1), the
//!   structure any closed population converges to under these rates.
//! - With a constant `b` and λ < 1 the population converges to `x* = (I − A)⁻¹ b`: the level at
//!   which it stops falling for good.
//! - Momentum (Keyfitz 1971; Preston, Heuveline & Guillot 2001 §7.8): fertility scaled so that
//!   λ = 1 at the period's mortality, no migration, from the population `x0` of the scenario's
//!   last year; the population converges to `u·(v·x0)/(v·u)`, `v` the left eigenvector. The ratio
//!   of that level to `x0`'s total is the momentum; the scale of fertility is the replacement
//!   factor (1.0 means the period's fertility is exactly replacement).
//! - Stop: the scenario's projection continued with its last period held for
//!   [`CONTINUE_YEARS`] years by the engine; the first year at which the total no longer falls.
//!
//! Eigenvalues come from nalgebra's Schur decomposition and eigenvectors from the singular value
//! decomposition of `A − λI` (the singular vector of the smallest singular value).

use crate::engine::{step, Cells, FertilityMethod, MigrationForm, Model, Period, Timing};
use crate::error::{Error, Result};
use crate::grid::{Sex, FERTILE_FIRST, FERTILE_LAST, MAX_AGES};
use nalgebra::{DMatrix, DVector};

/// How many years past the scenario's horizon the last period is held to find the stop.
pub const CONTINUE_YEARS: i32 = 500;

/// The affine map of one period: `x(t+5) = a·x(t) + b`, cells ordered male 0…n−1, female 0…n−1.
#[derive(Debug, Clone, PartialEq)]
pub struct Map {
    /// Number of age groups.
    pub n: usize,
    /// The linear part (2n × 2n).
    pub a: DMatrix<f64>,
    /// The constant part (migrant counts and flows).
    pub b: DVector<f64>,
}

/// Index of a cell in the state vector.
fn idx(n: usize, s: usize, a: usize) -> usize {
    s * n + a
}

impl Map {
    /// The map of period `p` of a model with `n` groups and the given methods.
    pub fn of(n: usize, fertility: FertilityMethod, migration: MigrationForm, p: &Period) -> Map {
        let dim = 2 * n;
        let mut a = DMatrix::<f64>::zeros(dim, dim);
        let mut b = DVector::<f64>::zeros(dim);
        let last = n - 1;
        // Share of migrant counts arriving at the start (exposed) and at the end of the step.
        let (start, end) = match migration {
            MigrationForm::Rates => (0.0, 0.0),
            MigrationForm::Counts(Timing::Even) => (0.5, 0.5),
            MigrationForm::Counts(Timing::End) => (0.0, 1.0),
        };
        let flows = if p.has_flows {
            p.flows
        } else {
            [[0.0; MAX_AGES]; 2]
        };
        for s in 0..2 {
            let sv = &p.survival[s];
            let mg = &p.migration[s];
            let f = &flows[s];
            for t in 1..n {
                let k = match migration {
                    MigrationForm::Rates => sv[t - 1] * (1.0 + mg[t]).max(0.0),
                    MigrationForm::Counts(_) => sv[t - 1],
                };
                a[(idx(n, s, t), idx(n, s, t - 1))] += k;
                if t == last {
                    a[(idx(n, s, t), idx(n, s, t))] += k;
                }
                // Counts: the start half survives with its cohort, the end half joins its group.
                let mut arriving = sv[t - 1] * (start * mg[t - 1] + 0.5 * f[t - 1]);
                if t == last {
                    arriving += sv[t - 1] * (start * mg[t] + 0.5 * f[t]);
                }
                // With rates `start` and `end` are 0: no count enters `b`.
                b[idx(n, s, t)] = arriving + end * mg[t] + 0.5 * f[t];
            }
        }
        // Births: the 0-4 rows, from the women 15-49 at t+5 (rows of the map) and at t.
        let sigma = p.sex_ratio;
        let shares = [sigma / (1.0 + sigma), 1.0 / (1.0 + sigma)];
        let w = Sex::Female.index();
        let mut row = DVector::<f64>::zeros(dim);
        let mut constant = 0.0;
        match fertility {
            FertilityMethod::Cwr => {
                for g in FERTILE_FIRST..=FERTILE_LAST {
                    row += a.row(idx(n, w, g)).transpose() * p.cwr;
                    constant += b[idx(n, w, g)] * p.cwr;
                }
            }
            FertilityMethod::Asfr => {
                for g in FERTILE_FIRST..=FERTILE_LAST {
                    let fr = 2.5 * p.asfr[g];
                    row += a.row(idx(n, w, g)).transpose() * fr;
                    row[idx(n, w, g)] += fr;
                    constant += fr * (b[idx(n, w, g)] + start * p.migration[w][g]);
                    constant += fr * 0.5 * flows[w][g];
                }
            }
        }
        for s in 0..2 {
            let mut k = shares[s];
            if fertility == FertilityMethod::Asfr {
                k *= p.birth_survival[s];
                if migration == MigrationForm::Rates {
                    k *= (1.0 + p.migration[s][0]).max(0.0);
                }
            }
            let r = idx(n, s, 0);
            for c in 0..dim {
                a[(r, c)] = k * row[c];
            }
            b[r] = k * constant + 0.5 * flows[s][0] + end * p.migration[s][0];
        }
        Map { n, a, b }
    }

    /// Apply the map to a population.
    pub fn apply(&self, x: &Cells) -> Cells {
        let v = self.vector(x);
        self.cells(&(&self.a * v + &self.b))
    }

    /// The state vector of a population.
    pub fn vector(&self, x: &Cells) -> DVector<f64> {
        DVector::from_fn(2 * self.n, |i, _| x[i / self.n][i % self.n])
    }

    /// The population of a state vector.
    pub fn cells(&self, v: &DVector<f64>) -> Cells {
        let mut out = [[0.0; MAX_AGES]; 2];
        for i in 0..2 * self.n {
            out[i / self.n][i % self.n] = v[i];
        }
        out
    }

    /// Whether the map has a constant part.
    pub fn affine(&self) -> bool {
        self.b.iter().any(|v| *v != 0.0)
    }
}

/// The dominant eigenvalue of `a` (largest modulus, real), or None for a zero matrix.
pub fn dominant_eigenvalue(a: &DMatrix<f64>) -> Option<f64> {
    let eig = a.clone().complex_eigenvalues();
    let mut best: Option<(f64, f64)> = None;
    for z in eig.iter() {
        let m = z.norm();
        // Among the largest moduli, the real one (Perron–Frobenius).
        let better = match best {
            None => true,
            Some((bm, _)) => m > bm * (1.0 + 1e-12) || (m >= bm * (1.0 - 1e-12) && z.im == 0.0),
        };
        if better {
            best = Some((m, z.re));
        }
    }
    best.filter(|(m, _)| *m > 0.0).map(|(_, re)| re)
}

/// The unit vector spanning the null space of `m` (the right singular vector of its smallest
/// singular value), signed so that its sum is positive.
fn null_vector(m: DMatrix<f64>) -> DVector<f64> {
    let dim = m.ncols();
    let svd = m.svd(false, true);
    let vt = svd.v_t.expect("v_t was requested");
    let (k, _) = svd
        .singular_values
        .iter()
        .enumerate()
        .fold(
            (0, f64::INFINITY),
            |acc, (i, &s)| if s < acc.1 { (i, s) } else { acc },
        );
    let v = DVector::from_fn(dim, |i, _| vt[(k, i)]);
    if v.sum() < 0.0 {
        -v
    } else {
        v
    }
}

/// Right and left eigenvectors of `a` for its eigenvalue `lambda`; the right one as shares.
pub fn eigenvectors(a: &DMatrix<f64>, lambda: f64) -> (DVector<f64>, DVector<f64>) {
    let dim = a.ncols();
    let shifted = a - DMatrix::<f64>::identity(dim, dim) * lambda;
    let mut u = null_vector(shifted.clone());
    u /= u.sum();
    let v = null_vector(shifted.transpose());
    (u, v)
}

/// The long run of one scenario.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LongRun {
    /// Start year of the period whose assumptions are analysed (the scenario's last).
    pub period: i32,
    /// Dominant eigenvalue: the growth factor per five years once the age structure is stable.
    pub lambda: f64,
    /// `ln λ / 5`, per year.
    pub annual_rate: f64,
    /// The stable age structure, shares by sex and age group (sum 1).
    pub stable: Vec<[f64; 2]>,
    /// Stable shares of 0-14, 15-64 and 65+.
    pub stable_groups: [f64; 3],
    /// Whether the period adds constant migrants (counts or settling households).
    pub affine: bool,
    /// With constant migrants and λ < 1: the total the population converges to.
    pub equilibrium: Option<f64>,
    /// The factor on the period's fertility that makes λ = 1 with no migration.
    pub replacement_factor: f64,
    /// The last projected year (the momentum's starting population).
    pub from_year: i32,
    /// The total in `from_year`.
    pub from_total: f64,
    /// The stationary total with replacement fertility and no migration from `from_year`.
    pub momentum_total: f64,
    /// `momentum_total / from_total`.
    pub momentum: f64,
    /// The first year in which the total, the last period held, is no lower than five years
    /// before, and that total; None if it falls for all [`CONTINUE_YEARS`] years.
    pub stop: Option<(i32, f64)>,
    /// The total after [`CONTINUE_YEARS`] more years with the last period held.
    pub far_total: f64,
}

/// The factor on fertility that brings the dominant eigenvalue of the closed map to 1.
/// Period `p` with no migration (rates, counts or flows) and its fertility times `f`.
fn closed_at(p: &Period, f: f64) -> Period {
    let mut q = p.clone();
    q.migration = [[0.0; MAX_AGES]; 2];
    q.flows = [[0.0; MAX_AGES]; 2];
    q.has_flows = false;
    q.cwr *= f;
    for r in q.asfr.iter_mut() {
        *r *= f;
    }
    q
}

fn replacement_factor(n: usize, model: &Model, p: &Period) -> Result<f64> {
    let closed = |f: f64| {
        let m = Map::of(n, model.fertility, MigrationForm::Rates, &closed_at(p, f));
        dominant_eigenvalue(&m.a).unwrap_or(0.0)
    };
    let (mut lo, mut hi) = (0.0, 1.0);
    while closed(hi) < 1.0 {
        hi *= 2.0;
        if hi > 1e6 {
            return Err(Error::Invalid(format!(
                "period {}: no fertility level replaces the population (no women reach ages 15-49)",
                crate::grid::period_label(p.start)
            )));
        }
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if closed(mid) < 1.0 {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo < 1e-13 * hi {
            break;
        }
    }
    Ok(0.5 * (lo + hi))
}

/// Continue `x` with period `p` for `years`, returning (first year no lower than five years
/// before, with its total) and the last total.
fn continue_run(
    model: &Model,
    p: &Period,
    x: &Cells,
    year: i32,
    years: i32,
    mut prev_total: f64,
) -> (Option<(i32, f64)>, f64) {
    let n = model.ages.len();
    let mut cur = *x;
    let mut next = [[0.0; MAX_AGES]; 2];
    let mut stop = None;
    let mut total = prev_total;
    for k in 1..=years / 5 {
        step(n, model.fertility, model.migration, p, &cur, &mut next);
        std::mem::swap(&mut cur, &mut next);
        total = cur.iter().map(|s| s[..n].iter().sum::<f64>()).sum();
        if stop.is_none() && total >= prev_total {
            stop = Some((year + 5 * k, total));
        }
        prev_total = total;
    }
    (stop, total)
}

/// The long run of a scenario's projection: the last period's map, analysed.
pub fn long_run(model: &Model, projection: &crate::engine::Projection) -> Result<LongRun> {
    let n = model.ages.len();
    let p = model
        .periods
        .last()
        .ok_or_else(|| Error::Invalid("the model has no projection period".into()))?;
    let map = Map::of(n, model.fertility, model.migration, p);
    let lambda = dominant_eigenvalue(&map.a).ok_or_else(|| {
        Error::Invalid(format!(
            "period {}: the projection matrix is zero (no one survives)",
            crate::grid::period_label(p.start)
        ))
    })?;
    let (u, _) = eigenvectors(&map.a, lambda);
    let stable: Vec<[f64; 2]> = (0..n).map(|g| [u[g], u[n + g]]).collect();
    let group = |lo: usize, hi: usize| (lo..=hi).map(|g| u[g] + u[n + g]).sum::<f64>();
    let stable_groups = [group(0, 2), group(3, 12), group(13, n - 1)];
    let affine = map.affine();
    let equilibrium = (affine && lambda < 1.0)
        .then(|| {
            let dim = 2 * n;
            let lhs = DMatrix::<f64>::identity(dim, dim) - &map.a;
            lhs.lu().solve(&map.b).map(|x| x.sum())
        })
        .flatten();
    let replacement = replacement_factor(n, model, p)?;
    let cmap = Map::of(
        n,
        model.fertility,
        MigrationForm::Rates,
        &closed_at(p, replacement),
    );
    let (cu, cv) = eigenvectors(&cmap.a, 1.0);
    let k_last = projection.population.len() - 1;
    let x0 = map.vector(&projection.population[k_last]);
    let from_total = x0.sum();
    let momentum_total = cu.sum() * cv.dot(&x0) / cv.dot(&cu);
    // The stop: first within the projection, else continuing it.
    let mut stop = None;
    for k in 1..=k_last {
        if projection.total(k) >= projection.total(k - 1) {
            stop = Some((projection.years[k], projection.total(k)));
            break;
        }
    }
    let year = projection.years[k_last];
    let (later, far_total) = continue_run(
        model,
        p,
        &projection.population[k_last],
        year,
        CONTINUE_YEARS,
        from_total,
    );
    let label = crate::grid::period_label(p.start);
    let mut checked = vec![lambda, replacement, momentum_total, far_total];
    checked.extend(u.iter());
    checked.extend(equilibrium);
    crate::limits::all_finite(&|_| format!("the long run of period {label}"), &checked)?;
    Ok(LongRun {
        period: p.start,
        lambda,
        annual_rate: lambda.ln() / 5.0,
        stable,
        stable_groups,
        affine,
        equilibrium,
        replacement_factor: replacement,
        from_year: year,
        from_total,
        momentum_total,
        momentum: momentum_total / from_total,
        stop: stop.or(later),
        far_total,
    })
}
