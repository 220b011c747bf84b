//! Calibration of a scenario's assumptions to a published projection summary: the IPSS 2023
//! projection (令和5年推計) is published for every municipality as its total and three age
//! groups (0-14, 15-64, 65+) in 2020 … 2050, not by sex and five-year age. `calibrate = "summary"`
//! adjusts each period's assumptions, as little as the three published groups identify, so that
//! the projection reproduces the summary in every year it has; beyond its last year the last
//! calibrated period is held.
//!
//! Starting from the scenario's own assumptions (for パターン1 on the 2020 basis: those derived
//! from IPSS 2018, the 2040-2045 period held to 2050), each period gets three adjustments, one per
//! published group. They are solved in the order in which the groups depend on them, so each is
//! identified by one group alone (a triangular system, not a fit):
//!
//! 1. **Old-age mortality level** θ (from the 65+ at t+5, who are all survivors of the 60+ at t):
//!    the survival ratios of the groups 60-64 and over become `S^θ`, i.e. their cumulative death
//!    hazard over the period is scaled by θ (proportional hazards; θ < 1 is lower mortality). IPSS
//!    2023 rests on newer life tables than IPSS 2018, which is what this lever stands for; it also
//!    absorbs any change in old-age migration, which three groups cannot tell apart from it.
//! 2. **Net migration level** κ (from the 15-64 at t+5, whose change beyond survival is
//!    migration): the cohort change ratios of every destination group from 5-9 to 60-64, both
//!    sexes, are multiplied by κ, i.e. the net migration rates (純移動率) become
//!    `(1 + m)·κ − 1`: nearly a uniform shift of κ − 1 where rates are small, and never a rate below
//!    −1 (a uniform additive shift would empty the cohorts of the smallest villages). Children of
//!    5-14 move with their parents, so they take the same factor.
//! 3. **Child–woman ratio level** φ (from the 0-14 at t+5, of whom only the 0-4 are not already
//!    fixed by 1 and 2): the child–woman ratio (子ども女性比) is multiplied by φ. The TFR that the
//!    calibrated path stands for is then `tfr_base · φ`, so a TFR path (シミュレーション1) reaches the
//!    TFR it names on either basis.
//!
//! Where the published 0-14 is below what the 5-14 alone number after step 2, or the path has
//! no births for a ratio to scale (a few villages), no child–woman ratio can reach it: the ratio then keeps the previous period's factor (1 in
//! the first period) and the cohort change ratios of 5-9 and 10-14 take a further factor that
//! meets the 0-14.
//!
//! Each adjustment is solved on the engine's own step (the 65+ is monotone in θ; the 15-64 and
//! 0-14 are linear in δ and φ), so the projection hits the published figures to rounding error.
//! A period whose published figures the levers cannot reach (a 65+ above what no deaths at all
//! would give, a cell that the migration shift would take below zero) is an error naming the year
//! and the group.

use super::raw::Merged;
use super::Frame;
use crate::engine::{step, Cells, Period};
use crate::error::{Error, Location, Result};
use crate::grid::{period_label, MAX_AGES};
use crate::pack::{Pack, SummaryRow};

/// First age group of 15-64 and of 65+ (five-year groups).
const G15: usize = 3;
const G65: usize = 13;

/// The adjustments of one calibrated period.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct CalibratedPeriod {
    /// Start year of the period.
    pub start: i32,
    /// Old-age mortality level θ (survival of 60-64 and over raised to θ; 1 = unchanged).
    pub old_age_mortality: f64,
    /// Factor κ on the cohort change ratios of destination groups 5-9 … 60-64 (net migration
    /// rates `(1 + m)·κ − 1`).
    pub migration_factor: f64,
    /// Factor φ on the child–woman ratio.
    pub cwr_factor: f64,
    /// A further factor on the cohort change ratios of 5-9 and 10-14, where the child–woman ratio
    /// cannot meet the 0-14 (see the module doc); 1 otherwise.
    pub child_migration_factor: f64,
}

/// A scenario's calibration to a projection summary.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Calibration {
    /// The summary it reproduces (the pack's `compare.summary_label`).
    pub label: String,
    /// The calibrated periods, in order; later periods hold the last.
    pub periods: Vec<CalibratedPeriod>,
    /// The largest difference, in persons, between the projection and the summary's total or
    /// groups over the calibrated years.
    pub worst: f64,
    /// What it was solved from and what it gave, so that a scenario extending this one (Sim1
    /// and Sim2 on パターン1) with the same base and assumptions takes the result instead of
    /// solving again.
    #[serde(skip)]
    pub(crate) solved: Option<std::sync::Arc<Solved>>,
}

/// The inputs and result of one calibration (see [`Calibration::solved`]).
#[derive(Debug, PartialEq)]
pub(crate) struct Solved {
    base: Cells,
    before: Vec<Period>,
    after: Vec<Period>,
}

impl Calibration {
    /// The factor on the child–woman ratio of the period starting in `start` (held after the
    /// last calibrated period; 1 before the first).
    pub fn cwr_factor(&self, start: i32) -> f64 {
        self.periods
            .iter()
            .rev()
            .find(|p| p.start <= start)
            .map_or(1.0, |p| p.cwr_factor)
    }
}

/// The three groups and the total of a population.
pub fn groups(cells: &Cells, n: usize) -> [f64; 4] {
    let mut g = [0.0; 4];
    for s in 0..2 {
        for a in 0..n {
            let v = cells[s][a];
            g[if a < G15 {
                0
            } else if a < G65 {
                1
            } else {
                2
            }] += v;
        }
    }
    g[3] = g[0] + g[1] + g[2];
    g
}

/// Calibrate `periods` (a scenario's periods from `base`) to the pack's projection summary.
/// Calibrate `periods` (the scenario's assumptions before the later stages) from `base`. When
/// `prior` was solved from the same base and assumptions (a scenario built before on the same
/// pack), its result is taken as it is: the same inputs give the same solution.
pub(crate) fn calibrate(
    m: &Merged,
    pack: &Pack,
    frame: &Frame,
    base: &Cells,
    periods: &mut [Period],
    prior: Option<&Calibration>,
) -> Result<Calibration> {
    let at = || m.at("calibrate");
    let summary = &pack.projection_summary;
    if summary.is_empty() {
        return Err(Error::input(
            at(),
            "calibrate = \"summary\" needs a published projection summary: expected files.projection_summary in the pack",
        ));
    }
    if m.raw.base != Some(super::BaseKind::Summary) {
        let found = match m.raw.base {
            Some(super::BaseKind::Census) | None => "census",
            Some(super::BaseKind::Projection) => "projection",
            Some(super::BaseKind::Estimated) => "estimated",
            Some(super::BaseKind::Summary) => "summary",
        };
        return Err(Error::input(
            at(),
            format!("calibrate = \"summary\" reproduces the summary from its base-year row: expected base = \"summary\" (the base raked to that row), found base = \"{found}\""),
        ));
    }
    let n = pack.ages.len();
    if n != MAX_AGES - 2 || pack.ages.label(G65) != "65-69" {
        return Err(Error::input(
            at(),
            "calibrate = \"summary\" works on five-year groups to 90+: expected the pack's open_age = 90",
        ));
    }
    if let Some((c, solved)) = prior.and_then(|c| c.solved.as_ref().map(|s| (c, s))) {
        if solved.base == *base && solved.before.as_slice() == &*periods {
            periods.clone_from_slice(&solved.after);
            return Ok(c.clone());
        }
    }
    let before = periods.to_vec();
    let last_year = *summary.keys().next_back().unwrap_or(&frame.base_year);
    let mut pop = *base;
    let mut out = Vec::new();
    let mut worst: f64 = 0.0;
    let mut held: Option<Period> = None;
    for p in periods.iter_mut() {
        let end = p.start + 5;
        if end > last_year {
            if let Some(h) = &held {
                let start = p.start;
                *p = h.clone();
                p.start = start;
            }
            continue;
        }
        let Some(row) = summary.get(&end) else {
            return Err(Error::input(
                Location::file(pack.file("projection_summary")).field("year"),
                format!(
                    "calibrate = \"summary\": the summary has no year {end}, between the base year {} and its last year {last_year}: expected every fifth year",
                    frame.base_year
                ),
            ));
        };
        let previous_phi = out.last().map_or(1.0, |c: &CalibratedPeriod| c.cwr_factor);
        let c = calibrate_period(frame, n, p, &pop, row, previous_phi).map_err(|what| {
            Error::input(
                Location::file(pack.file("projection_summary")),
                format!(
                    "calibrate = \"summary\" cannot reproduce {end} ({}): {what}",
                    period_label(p.start)
                ),
            )
        })?;
        let mut next = [[0.0; MAX_AGES]; 2];
        step(n, frame.fertility, frame.migration, p, &pop, &mut next);
        let g = groups(&next, n);
        let want = [row.age_0_14, row.age_15_64, row.age_65_plus, row.total];
        for (x, y) in g.iter().zip(want) {
            worst = worst.max((x - y).abs());
        }
        pop = next;
        out.push(c);
        held = Some(p.clone());
    }
    Ok(Calibration {
        label: pack.compare.summary_label.clone(),
        periods: out,
        worst,
        solved: Some(std::sync::Arc::new(Solved {
            base: *base,
            before,
            after: periods.to_vec(),
        })),
    })
}

/// The groups at t+5 of `p` applied to `pop`.
fn groups_after(frame: &Frame, n: usize, p: &Period, pop: &Cells) -> [f64; 4] {
    let mut next = [[0.0; MAX_AGES]; 2];
    let c = step(n, frame.fertility, frame.migration, p, pop, &mut next);
    let mut g = groups(&next, n);
    // A clamped cell breaks the linearity the solve relies on: flag it as NaN.
    if c.clamped > 0 {
        g = [f64::NAN; 4];
    }
    g
}

/// Solve the three levers of one period in place; returns them.
fn calibrate_period(
    frame: &Frame,
    n: usize,
    p: &mut Period,
    pop: &Cells,
    row: &SummaryRow,
    previous_phi: f64,
) -> std::result::Result<CalibratedPeriod, String> {
    let sum_parts = row.age_0_14 + row.age_15_64 + row.age_65_plus;
    if (sum_parts - row.total).abs() > 0.5 {
        return Err(format!(
            "its groups sum to {sum_parts}, not its total {}: expected a consistent row",
            row.total
        ));
    }
    let original = p.survival;
    // 1. Old-age mortality level θ from the 65+.
    let old = |th: f64, p: &mut Period| {
        for s in 0..2 {
            for a in G65 - 1..n - 1 {
                p.survival[s][a] = original[s][a].powf(th);
            }
        }
        groups_after(frame, n, p, pop)[2]
    };
    let target = row.age_65_plus;
    let theta = solve_decreasing(|th| old(th, p), target).ok_or_else(|| {
        format!(
            "65+ of {target}: old-age mortality alone cannot reach it (no deaths at all give {:.1}; all deaths leave the migrants into old ages that a ratio does not carry): expected a figure that the survivors of the 60+ can reach",
            old(0.0, p)
        )
    })?;
    old(theta, p);
    // 2. Net migration level κ from the 15-64 (linear in κ).
    let rates = p.migration;
    let scale = |k: f64, p: &mut Period| {
        for s in 0..2 {
            for a in 1..G65 {
                p.migration[s][a] = (1.0 + rates[s][a]) * k - 1.0;
            }
        }
    };
    let mid = |k: f64, p: &mut Period| {
        scale(k, p);
        groups_after(frame, n, p, pop)
    };
    let kappa = solve_linear(|k| mid(k, p)[1], row.age_15_64).ok_or_else(|| {
        format!(
            "15-64 of {}: expected a figure the survivors of 0-59 can reach with a non-negative factor on their cohort change ratios",
            row.age_15_64
        )
    })?;
    scale(kappa, p);
    // 3. Child–woman ratio level φ from the 0-14 (linear in φ through the 0-4).
    let cwr = p.cwr;
    let mut next = [[0.0; MAX_AGES]; 2];
    step(n, frame.fertility, frame.migration, p, pop, &mut next);
    let births = next[0][0] + next[1][0];
    let older = groups(&next, n)[0] - births;
    let need = row.age_0_14 - older;
    let mut child = 1.0;
    let phi = if need > 0.0 && births > 0.0 {
        need / births
    } else {
        // The 5-14 alone exceed the 0-14 (or the path has no births for a ratio to scale): the
        // ratio keeps its previous level, the children's migration takes the rest (linear).
        let phi = previous_phi;
        p.cwr = cwr * phi;
        let kids = |c: f64, p: &mut Period| {
            for s in 0..2 {
                for a in 1..G15 {
                    p.migration[s][a] = (1.0 + rates[s][a]) * kappa * c - 1.0;
                }
            }
            groups_after(frame, n, p, pop)
        };
        child = solve_linear(|c| kids(c, p)[0], row.age_0_14).ok_or_else(|| {
            format!(
                "0-14 of {}: the 5-14 alone number {older:.1} and the 0-4 {births:.1}: expected a figure a non-negative factor on the cohort change ratios of 5-14 can reach",
                row.age_0_14
            )
        })?;
        kids(child, p);
        return Ok(CalibratedPeriod {
            start: p.start,
            old_age_mortality: theta,
            migration_factor: kappa,
            cwr_factor: phi,
            child_migration_factor: child,
        });
    };
    p.cwr = cwr * phi;
    Ok(CalibratedPeriod {
        start: p.start,
        old_age_mortality: theta,
        migration_factor: kappa,
        cwr_factor: phi,
        child_migration_factor: child,
    })
}

/// The x ≥ 0 where the increasing, linear `f` equals `target` (two evaluations and one
/// correction), or None when that needs a negative x, no slope, or a clamped cell (NaN).
fn solve_linear(mut f: impl FnMut(f64) -> f64, target: f64) -> Option<f64> {
    let f1 = f(1.0);
    let f0 = f(0.0);
    let slope = f1 - f0;
    if !(slope > 0.0 && slope.is_finite()) {
        return None;
    }
    let mut x = 1.0 + (target - f1) / slope;
    if x.is_nan() || x < 0.0 {
        return None;
    }
    let fx = f(x);
    if fx.is_nan() {
        return None;
    }
    x += (target - fx) / slope;
    (x >= 0.0).then_some(x)
}

/// The θ ≥ 0 where the decreasing `f` equals `target` (bracketing, then bisection with secant
/// steps), or None when `f(0)` is already below it.
fn solve_decreasing(mut f: impl FnMut(f64) -> f64, target: f64) -> Option<f64> {
    let f0 = f(0.0) - target;
    if f0 < 0.0 || f0.is_nan() {
        return None;
    }
    if f0 == 0.0 {
        return Some(0.0);
    }
    let (mut lo, mut hi) = (0.0, 1.0);
    let (mut flo, mut fhi) = (f0, f(1.0) - target);
    let mut grow = 0;
    while fhi > 0.0 {
        lo = hi;
        flo = fhi;
        hi *= 2.0;
        fhi = f(hi) - target;
        grow += 1;
        if grow > 60 || fhi.is_nan() {
            return None;
        }
    }
    for _ in 0..200 {
        // Secant inside the bracket, bisection when it would leave it.
        let mut x = hi - fhi * (hi - lo) / (fhi - flo);
        if !(x > lo && x < hi) {
            x = 0.5 * (lo + hi);
        }
        let fx = f(x) - target;
        if fx.abs() < 1e-9 || (hi - lo) < 1e-15 {
            return Some(x);
        }
        if fx > 0.0 {
            lo = x;
            flo = fx;
        } else {
            hi = x;
            fhi = fx;
        }
        // Guard against a stalled secant end: halve towards the other end.
        if (hi - lo) > 0.0 && fx.abs() > 0.5 * flo.abs().min(fhi.abs()) {
            let mid = 0.5 * (lo + hi);
            let fm = f(mid) - target;
            if fm > 0.0 {
                lo = mid;
                flo = fm;
            } else {
                hi = mid;
                fhi = fm;
            }
        }
    }
    Some(0.5 * (lo + hi))
}
