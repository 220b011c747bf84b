//! `jinko tornado SCENARIO`: one assumption at a time moved down and up by a stated amount, the
//! change in the total of a year, ranked by the spread (largest first) — the bars of a tornado
//! chart.
//!
//! Assumptions and default amounts: `fert_mult` ±0.1, `mort_mult` ±0.1, `mig_mult` ±0.1 (the
//! multipliers of [`super::variant`], around 1), and `tfr` ±0.1 (the scenario's TFR moved by that
//! much in every period from the second on, i.e. after the base period's observed fertility).

use super::engine::BatchEngine;
use super::progress::Progress;
use super::spec;
use super::variant::{tfr_shift_factors, Multipliers};
use crate::error::{Error, Result};
use crate::scenario::Scenario;
use serde::Serialize;

/// The assumptions a tornado can move.
pub const PARAMETERS: [&str; 4] = ["fert_mult", "mort_mult", "mig_mult", "tfr"];

/// The default amount for each of [`PARAMETERS`].
pub const DEFAULT_DELTA: f64 = 0.1;

/// One bar.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TornadoBar {
    /// The assumption.
    pub parameter: String,
    /// The amount it was moved down and up.
    pub delta: f64,
    /// The total in the year with the assumption moved down.
    pub total_low: f64,
    /// … and up.
    pub total_high: f64,
    /// `total_low − base`.
    pub change_low: f64,
    /// `total_high − base`.
    pub change_high: f64,
    /// `|total_high − total_low|`, the ranking key.
    pub spread: f64,
}

/// The tornado.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TornadoResult {
    /// Scenario name.
    pub scenario: String,
    /// The year.
    pub year: i32,
    /// The scenario's total in that year.
    pub base_total: f64,
    /// Bars, largest spread first.
    pub bars: Vec<TornadoBar>,
}

/// Run the tornado for `deltas` (parameter, amount) in `year`.
pub fn tornado(
    s: &Scenario,
    deltas: &[(String, f64)],
    year: i32,
    progress: &Progress,
) -> Result<TornadoResult> {
    let k = s.model.periods.len();
    let y = spec::year_index(s, year)?;
    let mut variants = vec![Multipliers::identity(k)];
    for (name, d) in deltas {
        let most = if name == "tfr" {
            10.0
        } else {
            crate::limits::MAX_MULTIPLIER - 1.0
        };
        if !(d.is_finite() && *d > 0.0 && *d <= most) {
            return Err(Error::input(
                crate::Location::file("command line").field("--delta"),
                format!(
                    "--delta {name}={}: expected a positive amount of at most {most}",
                    crate::limits::show(*d)
                ),
            ));
        }
        for sign in [-1.0, 1.0] {
            let mut m = Multipliers::identity(k);
            let v = 1.0 + sign * d;
            match name.as_str() {
                "fert_mult" | "mort_mult" if v < 0.0 => {
                    return Err(Error::Invalid(format!(
                        "--delta {name}={d}: 1 − {d} is below 0, an impossible multiplier; expected an amount of at most 1"
                    )))
                }
                "fert_mult" => m.scale(v, 1.0, 1.0),
                "mort_mult" => m.scale(1.0, v, 1.0),
                "mig_mult" => {
                    super::sweep::check_rates(s, &vec![v; k])?;
                    m.scale(1.0, 1.0, v)
                }
                "tfr" => m.fert = tfr_shift_factors(s, s.model.base_year + 5, sign * d)?,
                other => {
                    return Err(Error::Invalid(format!(
                        "--delta {other}: unknown assumption, expected one of {}",
                        PARAMETERS.join(", ")
                    )))
                }
            }
            variants.push(m);
        }
    }
    let engine = BatchEngine::new(&s.model, &s.base)?;
    let years = engine.years_len();
    let totals = engine.totals(variants.len(), |i, m| *m = variants[i].clone(), progress);
    crate::limits::all_finite(
        &|i| format!("the total of tornado variant {}", i / years),
        &totals,
    )?;
    let at = |i: usize| totals[i * years + y];
    let base_total = at(0);
    let mut bars: Vec<TornadoBar> = deltas
        .iter()
        .enumerate()
        .map(|(j, (name, d))| {
            let (lo, hi) = (at(1 + 2 * j), at(2 + 2 * j));
            TornadoBar {
                parameter: name.clone(),
                delta: *d,
                total_low: lo,
                total_high: hi,
                change_low: lo - base_total,
                change_high: hi - base_total,
                spread: (hi - lo).abs(),
            }
        })
        .collect();
    bars.sort_by(|a, b| b.spread.total_cmp(&a.spread));
    Ok(TornadoResult {
        scenario: s.name.clone(),
        year,
        base_total,
        bars,
    })
}

impl TornadoResult {
    /// CSV `rank,parameter,delta,total_low,total_high,change_low,change_high,spread`.
    pub fn csv(&self) -> String {
        let mut s = String::from(
            "rank,parameter,delta,total_low,total_high,change_low,change_high,spread\n",
        );
        for (i, b) in self.bars.iter().enumerate() {
            s.push_str(&format!(
                "{},{},{},{},{},{},{},{}\n",
                i + 1,
                b.parameter,
                b.delta,
                b.total_low,
                b.total_high,
                b.change_low,
                b.change_high,
                b.spread
            ));
        }
        s
    }

    /// A readable table with text bars.
    pub fn table(&self) -> String {
        let mut s = format!(
            "Tornado: {} — total {} = {:.0}\n\n{:<10} {:>6} {:>10} {:>10} {:>10}\n",
            self.scenario, self.year, self.base_total, "parameter", "±", "low", "high", "spread"
        );
        let max = self.bars.iter().map(|b| b.spread).fold(0.0, f64::max);
        for b in &self.bars {
            let w = if max > 0.0 {
                (30.0 * b.spread / max).round() as usize
            } else {
                0
            };
            s.push_str(&format!(
                "{:<10} {:>6} {:>+10.0} {:>+10.0} {:>10.0} {}\n",
                b.parameter,
                b.delta,
                b.change_low,
                b.change_high,
                b.spread,
                "█".repeat(w)
            ));
        }
        s
    }
}
