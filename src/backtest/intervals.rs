//! Empirical prediction intervals from Japan's record (Smith & Tayman 2003; Rayer, Smith &
//! Tayman 2009): how far past projections missed tells how far this one may miss.
//!
//! - The errors: every projection of the national backtest ([`super::national`]) by the default
//!   method ([`super::methods::Method::Damped`]), as the log ratio `ln(actual / projected)` of the
//!   total and of 0-14, 15-64 and 65+, grouped by horizon (5 … 35 years) and size class (the base
//!   population: under 5,000, 5,000–20,000, 20,000–100,000, 100,000 and over).
//! - The intervals: for a band of probability `b` (50, 80, 95 %) the `(1−b)/2` and `(1+b)/2`
//!   quantiles of those log ratios in the projection's horizon and size class, applied to the
//!   projected figure: `[P·e^{q_lo}, P·e^{q_hi}]`. The quantiles are of signed errors, so a bias of
//!   the method in the record (too low or too high) shifts the interval; they are not symmetric.
//! - Beyond the record (the record's longest horizon is 35 years, from 1985 to 2020): each
//!   quantile grows in proportion to the horizon from its value at 35 years,
//!   `q(h) = q(35) · h / 35`. Errors of cohort projections grow about linearly with the horizon
//!   (Smith & Sincich 1988; Rayer et al. 2009); this is an assumption, stated wherever an interval
//!   beyond 35 years is shown, and such intervals rest on one base year (1985).
//! - Other projections: the intervals describe the errors of the default census method. Applied
//!   to another projection (an IPSS-based パターン1, a scenario), they say how far projections of
//!   that kind have missed — IPSS 2018's 2020 errors were of the same size (MAPE 1.73 % against the
//!   default's 1.72 %) — not how far that scenario's own assumptions might be off.
//!
//! Coverage ([`coverage`]): fitted on the bases up to 2000 and counted on the projections from
//! 2005, 2010 and 2015 (to 2020), how often the actual fell inside each band.

use super::methods::Method;
use super::national::{quantile, Outcome, SizeClass, VARIABLES};
use std::collections::BTreeMap;

/// The bands: 50, 80 and 95 %.
pub const BANDS: [f64; 3] = [0.50, 0.80, 0.95];

/// How many of the latest bases reaching a horizon its errors come from.
pub const RECENT_BASES: usize = 1;

/// The log-ratio quantiles of one cell: (low, high) per band.
type Cell = [(f64, f64); 3];

/// Interval multipliers by variable, size class and horizon.
#[derive(Debug, Clone, PartialEq)]
pub struct Intervals {
    cells: BTreeMap<(usize, SizeClass, i32), Cell>,
    /// The longest horizon in the record.
    pub max_horizon: i32,
    /// How many projections it was fitted on.
    pub fitted_on: usize,
}

/// `ln(actual / projected)` from a percent error.
fn log_ratio(error_percent: f64) -> Option<f64> {
    let r = 1.0 + error_percent / 100.0;
    (error_percent.is_finite() && r > 0.0).then(|| -r.ln())
}

impl Intervals {
    /// Fit on the default method's outcomes among `outcomes`, at each horizon from the latest
    /// [`RECENT_BASES`] bases that reach it.
    pub fn fit<'a>(outcomes: impl Iterator<Item = &'a Outcome> + Clone) -> Intervals {
        let mut bases: BTreeMap<i32, Vec<i32>> = BTreeMap::new();
        for o in outcomes.clone().filter(|o| o.method == Method::Damped) {
            let b = bases.entry(o.horizon()).or_default();
            if !b.contains(&o.base) {
                b.push(o.base);
            }
        }
        for b in bases.values_mut() {
            b.sort_unstable();
            let k = b.len().saturating_sub(RECENT_BASES);
            b.drain(..k);
        }
        let mut groups: BTreeMap<(usize, SizeClass, i32), Vec<f64>> = BTreeMap::new();
        let mut fitted_on = 0;
        for o in outcomes
            .filter(|o| o.method == Method::Damped)
            .filter(|o| bases.get(&o.horizon()).is_some_and(|b| b.contains(&o.base)))
        {
            fitted_on += 1;
            for v in 0..VARIABLES.len() {
                if let Some(l) = log_ratio(o.error[v]) {
                    groups.entry((v, o.class, o.horizon())).or_default().push(l);
                }
            }
        }
        let mut cells = BTreeMap::new();
        let mut max_horizon = 0;
        for (key, mut v) in groups {
            v.sort_by(f64::total_cmp);
            let cell =
                BANDS.map(|b| (quantile(&v, (1.0 - b) / 2.0), quantile(&v, (1.0 + b) / 2.0)));
            max_horizon = max_horizon.max(key.2);
            cells.insert(key, cell);
        }
        Intervals {
            cells,
            max_horizon,
            fitted_on,
        }
    }

    /// The multipliers `(low, high)` of a projected figure for variable `v` (index into
    /// [`VARIABLES`]), size class, horizon in years (0: the base, exact) and band index into
    /// [`BANDS`]; None where the record has no such cell.
    pub fn multipliers(
        &self,
        v: usize,
        class: SizeClass,
        horizon: i32,
        band: usize,
    ) -> Option<(f64, f64)> {
        if horizon <= 0 {
            return Some((1.0, 1.0));
        }
        let (h, scale) = if horizon > self.max_horizon {
            (
                self.max_horizon,
                f64::from(horizon) / f64::from(self.max_horizon),
            )
        } else {
            (horizon, 1.0)
        };
        let c = self.cells.get(&(v, class, h))?;
        let (lo, hi) = c[band];
        Some(((lo * scale).exp(), (hi * scale).exp()))
    }

    /// Whether `horizon` lies beyond the record (extrapolated).
    pub fn extrapolated(&self, horizon: i32) -> bool {
        horizon > self.max_horizon
    }

    /// The interval `(low, high)` around `projected`.
    pub fn interval(
        &self,
        projected: f64,
        v: usize,
        class: SizeClass,
        horizon: i32,
        band: usize,
    ) -> Option<(f64, f64)> {
        self.multipliers(v, class, horizon, band)
            .map(|(lo, hi)| (projected * lo, projected * hi))
    }
}

/// The intervals of the whole national record (every base 1985 … 2015), fitted once.
pub fn national() -> crate::Result<&'static Intervals> {
    static FIT: std::sync::OnceLock<std::result::Result<Intervals, String>> =
        std::sync::OnceLock::new();
    FIT.get_or_init(|| {
        let bundle = crate::national::Bundle::get().map_err(|e| e.to_string())?;
        let rec = super::national::Record::from_bundle(bundle).map_err(|e| e.to_string())?;
        let mut out = Vec::new();
        super::national::outcomes(&rec, Method::Damped, None, &mut out);
        Ok(Intervals::fit(out.iter()))
    })
    .as_ref()
    .map_err(|e| crate::Error::Invalid(e.clone()))
}

/// How often held-out actuals fell inside one band.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Coverage {
    /// The band's probability (0.5, 0.8, 0.95).
    pub band: f64,
    /// Variable index into [`VARIABLES`].
    pub variable: usize,
    /// Held-out projections whose actual fell inside.
    pub inside: usize,
    /// Held-out projections counted.
    pub count: usize,
}

impl Coverage {
    /// The share inside, in percent.
    pub fn percent(&self) -> f64 {
        100.0 * self.inside as f64 / self.count.max(1) as f64
    }
}

/// Coverage of intervals fitted on `fit` when applied to `test` (default-method outcomes), per
/// band and variable.
pub fn coverage<'a, I>(fit: I, test: impl Iterator<Item = &'a Outcome> + Clone) -> Vec<Coverage>
where
    I: Iterator<Item = &'a Outcome> + Clone,
{
    let iv = Intervals::fit(fit);
    let mut out = Vec::new();
    for (b, &band) in BANDS.iter().enumerate() {
        for v in 0..VARIABLES.len() {
            let mut c = Coverage {
                band,
                variable: v,
                inside: 0,
                count: 0,
            };
            for o in test.clone().filter(|o| o.method == Method::Damped) {
                let (Some(l), Some((lo, hi))) = (
                    log_ratio(o.error[v]),
                    iv.multipliers(v, o.class, o.horizon(), b),
                ) else {
                    continue;
                };
                c.count += 1;
                if (lo.ln()..=hi.ln()).contains(&l) {
                    c.inside += 1;
                }
            }
            out.push(c);
        }
    }
    out
}
