//! Monte Carlo spreads drawn from Japan's record (`spread = "record"` in a Monte Carlo spec): each
//! trajectory is the scenario's projection times an error drawn from how far past projections
//! missed, so a probability such as P(2065 ≥ 17,033) rests on the record rather than on assumed
//! spreads.
//!
//! - The errors: the signed log ratios `ln(actual / projected)` of the total, of the default census
//!   method over every municipality IPSS 2018 projected, bases 1985 … 2015
//!   ([`crate::backtest::intervals`]), in the municipality's size class (its base-year total),
//!   from the latest base reaching each horizon; beyond the record's 35 years grown in proportion
//!   to the horizon.
//! - One draw per trajectory: `u ~ U(0, 1)` from trajectory i's own ChaCha8 stream (seeded with
//!   the spec's seed, stream i), and the error at every horizon is the `u` quantile of that
//!   horizon's errors (a trajectory that misses low at 10 years misses low at 30: errors of a
//!   municipality persist). So the percentiles by year are the record's quantiles around the
//!   projection, and the result is the same on any number of threads.
//! - Unlike the prediction intervals ([`crate::backtest::intervals::MODEL`]), the draws keep the
//!   record's bias in full (the signed errors, not widened to the projection): a Monte Carlo
//!   asks how the record's outcomes would be spread, and the median of the trajectories is the
//!   projection shifted by the record's median error.

use crate::backtest::intervals::{national, Intervals};
use crate::backtest::national::SizeClass;
use crate::error::{Error, Result};
use crate::scenario::Scenario;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

/// The projection a record-spread Monte Carlo draws around.
#[derive(Debug, Clone)]
pub struct RecordSpread {
    /// Projected years, the base first.
    pub years: Vec<i32>,
    /// The projected totals.
    pub projected: Vec<f64>,
    /// The base year.
    pub base_year: i32,
    /// The size class of the base total.
    pub class: SizeClass,
    intervals: &'static Intervals,
}

impl RecordSpread {
    /// Project `scenario` once and fit the record.
    pub fn new(scenario: &Scenario) -> Result<RecordSpread> {
        let p = scenario.project()?;
        let base_year = scenario.model.base_year;
        let projected: Vec<f64> = (0..p.years.len()).map(|k| p.total(k)).collect();
        let base = p
            .years
            .iter()
            .position(|&y| y == base_year)
            .map(|k| projected[k])
            .ok_or_else(|| {
                Error::Invalid(format!("the projection has no base year {base_year}"))
            })?;
        let intervals = national()?;
        let rs = RecordSpread {
            years: p.years.clone(),
            projected,
            base_year,
            class: SizeClass::of(base),
            intervals,
        };
        for &y in &rs.years {
            rs.log_ratio(y, 0.5)?;
        }
        Ok(rs)
    }

    fn log_ratio(&self, year: i32, u: f64) -> Result<f64> {
        let h = year - self.base_year;
        (h % 5 == 0)
            .then(|| self.intervals.log_ratio_quantile(0, self.class, h, u))
            .flatten()
            .ok_or_else(|| {
                Error::Invalid(format!(
                    "spread = \"record\": the record has no errors {h} years after a base (five-year steps are needed)"
                ))
            })
    }

    /// The totals of trajectory `u`, one per year, into `out`.
    fn trajectory(&self, u: f64, out: &mut [f64]) {
        for ((o, &y), &p) in out.iter_mut().zip(&self.years).zip(&self.projected) {
            // Checked for every year in `new`.
            let l = self.log_ratio(y, u).unwrap_or(0.0);
            *o = p * l.exp();
        }
    }

    /// The uniform draw of trajectory `i`.
    pub fn draw(seed: u64, i: usize) -> f64 {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(i as u64);
        rand::Rng::gen(&mut rng)
    }

    /// Every trajectory's totals, trajectory-major (`n × years`).
    pub fn totals(&self, n: usize, seed: u64) -> Vec<f64> {
        let ny = self.years.len();
        let mut out = vec![0.0; n * ny];
        out.par_chunks_mut(ny)
            .enumerate()
            .for_each(|(i, row)| self.trajectory(Self::draw(seed, i), row));
        out
    }
}
