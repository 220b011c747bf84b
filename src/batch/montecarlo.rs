//! `jinko montecarlo SPEC.toml`: N trajectories with random multipliers, percentiles of the total
//! by year, and the probability of reaching the target.
//!
//! ```toml
//! scenario = "ipss-h30.toml"
//! trajectories = 100000
//! seed = 20240501
//! year = 2065            # year of the probability (default: horizon)
//! target = 17033         # default: the pack's reference series `target` in `year`
//! percentiles = [5, 95]  # added to 2.5, 10, 25, 50, 75, 90, 97.5
//!
//! [parameters.fert_mult] # drawn once per trajectory, held over the horizon
//! distribution = "truncated-normal"   # normal | truncated-normal | uniform | beta | triangular | log-normal | fixed
//! mean = 1.0
//! sd = 0.1
//! min = 0.5
//! max = 1.5
//!
//! [shocks.mig]           # per-period shocks: multiplier × exp(e_k), e AR(1)
//! sd = 0.2               # stationary standard deviation of e
//! rho = 0.5              # autocorrelation (0 = independent periods)
//! ```
//!
//! Parameters: `fert_mult`, `mort_mult`, `mig_mult` ([`super::variant`]). Distribution keys:
//! normal `mean, sd`; truncated-normal `mean, sd, min, max` (inverse-CDF sampling); uniform
//! `min, max`; beta `alpha, beta` scaled to `[min, max]` (default 0…1); triangular
//! `min, mode, max`; log-normal `mu, sigma` (of the logarithm); fixed `value`. Draws of
//! `fert_mult` and `mort_mult` below 0 (possible with a normal) are set to 0 and counted.
//!
//! Shocks: for each period k, `e_k = rho·e_{k−1} + sqrt(1 − rho²)·sd·z_k` with `e_0 = sd·z_0`
//! (stationary AR(1)), and the period's multiplier is the trajectory's multiplier × `exp(e_k)`.
//!
//! Reproducibility: trajectory i draws from its own ChaCha8 stream — the generator seeded with
//! `seed`, stream number i — in a fixed order (parameters fert, mort, mig; then per period the
//! shocks fert, mort, mig). Its numbers depend on nothing else, so 1 thread and 64 threads give
//! the same output bit for bit; ChaCha8 is a specified algorithm, stable across versions.

use super::engine::BatchEngine;
use super::progress::Progress;
use super::spec::{self, num};
use super::stats::percentiles;
use super::variant::Multipliers;
use crate::error::{Error, Location, Result};
use crate::scenario::Scenario;
use rand::distributions::Distribution;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use statrs::distribution::{self as sd, ContinuousCDF};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The percentiles always reported.
pub const DEFAULT_PERCENTILES: [f64; 7] = [2.5, 10.0, 25.0, 50.0, 75.0, 90.0, 97.5];

/// The largest standard deviation of a shock (on the logarithm of the multiplier: 2 already spans
/// a factor of 50 either way at two standard deviations).
pub const MAX_SHOCK_SD: f64 = 2.0;

/// The most trajectories one run may have.
pub const MAX_TRAJECTORIES: usize = 100_000_000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMc {
    scenario: String,
    trajectories: usize,
    seed: u64,
    year: Option<i32>,
    target: Option<f64>,
    percentiles: Option<Vec<f64>>,
    spread: Option<String>,
    #[serde(default)]
    parameters: BTreeMap<String, RawDist>,
    #[serde(default)]
    shocks: BTreeMap<String, RawShock>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDist {
    distribution: String,
    mean: Option<f64>,
    sd: Option<f64>,
    min: Option<f64>,
    max: Option<f64>,
    mode: Option<f64>,
    alpha: Option<f64>,
    beta: Option<f64>,
    mu: Option<f64>,
    sigma: Option<f64>,
    value: Option<f64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawShock {
    sd: f64,
    #[serde(default)]
    rho: f64,
}

/// A distribution of a multiplier.
#[derive(Debug, Clone)]
pub enum Dist {
    /// Normal.
    Normal(sd::Normal),
    /// Normal truncated to `[lo, hi]`, sampled by inverse CDF between `F(lo)` and `F(hi)`.
    TruncatedNormal(sd::Normal, f64, f64),
    /// Uniform.
    Uniform(sd::Uniform),
    /// Beta on `[min, max]`.
    Beta(sd::Beta, f64, f64),
    /// Triangular.
    Triangular(sd::Triangular),
    /// Log-normal.
    LogNormal(sd::LogNormal),
    /// A fixed value.
    Fixed(f64),
}

impl Dist {
    /// Draw one value.
    pub fn sample(&self, rng: &mut ChaCha8Rng) -> f64 {
        match self {
            Dist::Normal(d) => d.sample(rng),
            Dist::TruncatedNormal(d, plo, phi) => {
                let u: f64 = rand::Rng::gen(rng);
                d.inverse_cdf(plo + u * (phi - plo))
            }
            Dist::Uniform(d) => d.sample(rng),
            Dist::Beta(d, lo, hi) => lo + (hi - lo) * d.sample(rng),
            Dist::Triangular(d) => d.sample(rng),
            Dist::LogNormal(d) => d.sample(rng),
            Dist::Fixed(v) => *v,
        }
    }
}

/// A per-period AR(1) shock on the log of a multiplier.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shock {
    /// Stationary standard deviation.
    pub sd: f64,
    /// Autocorrelation between consecutive periods.
    pub rho: f64,
}

/// A validated Monte Carlo run.
#[derive(Debug, Clone)]
pub struct MonteCarlo {
    /// The scenario.
    pub scenario: Scenario,
    /// Number of trajectories.
    pub trajectories: usize,
    /// Seed.
    pub seed: u64,
    /// Year of the probability.
    pub year: i32,
    /// Target population, if known.
    pub target: Option<f64>,
    /// Percentiles reported (sorted, distinct).
    pub percentiles: Vec<f64>,
    /// Distributions of fert, mort, mig multipliers (None = 1).
    pub params: [Option<Dist>; 3],
    /// Shocks on fert, mort, mig.
    pub shocks: [Option<Shock>; 3],
    /// `spread = "record"`: errors drawn from Japan's record instead of multipliers.
    pub record: Option<super::record_spread::RecordSpread>,
    /// The spec file.
    pub spec: PathBuf,
    /// Where the number of trajectories was set (the spec's `trajectories`, or `-n` when the
    /// command line overrides it), for the memory check's message.
    pub trajectories_at: Location,
}

const NAMES: [&str; 3] = ["fert_mult", "mort_mult", "mig_mult"];
const SHOCK_NAMES: [&str; 3] = ["fert", "mort", "mig"];

fn dist(raw: &RawDist, at: &dyn Fn(&str) -> Location) -> Result<Dist> {
    let need = |v: Option<f64>, key: &str| {
        v.ok_or_else(|| {
            Error::input(
                at(key),
                format!("distribution \"{}\" needs `{key}`", raw.distribution),
            )
        })
    };
    let bad = |e: &dyn std::fmt::Display| {
        Error::input(
            at("distribution"),
            format!(
                "impossible parameters for the {} distribution ({e}): {}",
                raw.distribution,
                match raw.distribution.as_str() {
                    "normal" => "expected a finite mean and sd > 0",
                    "truncated-normal" => "expected a finite mean, sd > 0 and min < max",
                    "uniform" => "expected min < max",
                    "beta" => "expected alpha > 0, beta > 0 and min < max",
                    "triangular" => "expected min ≤ mode ≤ max and min < max",
                    "log-normal" => "expected a finite mu and sigma > 0",
                    _ => "",
                }
            ),
        )
    };
    let allowed: &[&str] = match raw.distribution.as_str() {
        "normal" => &["mean", "sd"],
        "truncated-normal" => &["mean", "sd", "min", "max"],
        "uniform" => &["min", "max"],
        "beta" => &["alpha", "beta", "min", "max"],
        "triangular" => &["min", "mode", "max"],
        "log-normal" => &["mu", "sigma"],
        "fixed" => &["value"],
        other => {
            return Err(Error::input(
                at("distribution"),
                format!("unknown distribution \"{other}\": expected normal, truncated-normal, uniform, beta, triangular, log-normal or fixed"),
            ))
        }
    };
    for (key, v) in [
        ("mean", raw.mean),
        ("sd", raw.sd),
        ("min", raw.min),
        ("max", raw.max),
        ("mode", raw.mode),
        ("alpha", raw.alpha),
        ("beta", raw.beta),
        ("mu", raw.mu),
        ("sigma", raw.sigma),
        ("value", raw.value),
    ] {
        if let Some(x) = v {
            if !allowed.contains(&key) {
                return Err(Error::input(
                    at(key),
                    format!(
                        "`{key}` is not a parameter of the {} distribution: expected {}",
                        raw.distribution,
                        allowed.join(", ")
                    ),
                ));
            }
            if !x.is_finite() {
                return Err(Error::input(
                    at(key),
                    format!("{key} = {x}: expected a finite number"),
                ));
            }
            let bound = crate::limits::MAX_MULTIPLIER;
            if x.abs() > bound && !matches!(key, "alpha" | "beta") {
                return Err(Error::input(
                    at(key),
                    format!("{key} = {x}: expected a number from −{bound} to {bound} (the distribution of a multiplier)"),
                ));
            }
        }
    }
    Ok(match raw.distribution.as_str() {
        "normal" => Dist::Normal(
            sd::Normal::new(need(raw.mean, "mean")?, need(raw.sd, "sd")?).map_err(|e| bad(&e))?,
        ),
        "truncated-normal" => {
            let n = sd::Normal::new(need(raw.mean, "mean")?, need(raw.sd, "sd")?)
                .map_err(|e| bad(&e))?;
            let (lo, hi) = (need(raw.min, "min")?, need(raw.max, "max")?);
            if lo >= hi {
                return Err(bad(&format!("min {lo} ≥ max {hi}")));
            }
            let (plo, phi) = (n.cdf(lo), n.cdf(hi));
            if phi - plo < 1e-12 {
                return Err(bad(&"the interval has no probability under the normal"));
            }
            Dist::TruncatedNormal(n, plo, phi)
        }
        "uniform" => Dist::Uniform(
            sd::Uniform::new(need(raw.min, "min")?, need(raw.max, "max")?).map_err(|e| bad(&e))?,
        ),
        "beta" => {
            let (lo, hi) = (raw.min.unwrap_or(0.0), raw.max.unwrap_or(1.0));
            if lo >= hi {
                return Err(bad(&format!("min {lo} ≥ max {hi}")));
            }
            Dist::Beta(
                sd::Beta::new(need(raw.alpha, "alpha")?, need(raw.beta, "beta")?)
                    .map_err(|e| bad(&e))?,
                lo,
                hi,
            )
        }
        "triangular" => Dist::Triangular(
            sd::Triangular::new(
                need(raw.min, "min")?,
                need(raw.max, "max")?,
                need(raw.mode, "mode")?,
            )
            .map_err(|e| bad(&e))?,
        ),
        "log-normal" => Dist::LogNormal(
            sd::LogNormal::new(need(raw.mu, "mu")?, need(raw.sigma, "sigma")?)
                .map_err(|e| bad(&e))?,
        ),
        _ => Dist::Fixed(need(raw.value, "value")?),
    })
}

/// Percentiles of the total by year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct YearPercentiles {
    /// The year.
    pub year: i32,
    /// Mean over trajectories.
    pub mean: f64,
    /// Values at [`McResult::percentiles`], in order.
    pub values: Vec<f64>,
}

/// The result of a Monte Carlo run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct McResult {
    /// Scenario name.
    pub scenario: String,
    /// Number of trajectories.
    pub trajectories: usize,
    /// The seed.
    pub seed: u64,
    /// Percentile levels (0–100).
    pub percentiles: Vec<f64>,
    /// Per year.
    pub by_year: Vec<YearPercentiles>,
    /// Year of the target.
    pub year: i32,
    /// Target population, if known.
    pub target: Option<f64>,
    /// Share of trajectories with a total at or above the target in `year`.
    pub probability: Option<f64>,
    /// Draws of fertility or mortality multipliers below 0 that were set to 0.
    pub clamped_draws: u64,
    /// Where the spreads come from: `parameters` (the spec's distributions and shocks) or
    /// `record` (errors drawn from Japan's record, with the size class: `record 20-100k`).
    pub spread: String,
    /// Totals of every trajectory (variant-major), when asked.
    #[serde(skip)]
    pub totals: Option<Vec<f64>>,
    /// Projected years.
    pub years: Vec<i32>,
}

impl MonteCarlo {
    /// Read and validate SPEC.toml.
    pub fn load(path: &Path) -> Result<MonteCarlo> {
        let (raw, text) = crate::tomlfile::read::<RawMc>(path)?;
        let at = |key: &str| crate::tomlfile::key_location(path, &text, key);
        let scenario = spec::load_scenario(path, &raw.scenario, at("scenario"))?;
        let year = raw.year.unwrap_or(scenario.model.horizon());
        spec::year_index(&scenario, year).map_err(|e| Error::input(at("year"), e.to_string()))?;
        if raw.trajectories == 0 || raw.trajectories > MAX_TRAJECTORIES {
            return Err(Error::input(
                at("trajectories"),
                format!(
                    "{}: expected 1 to {MAX_TRAJECTORIES} trajectories",
                    raw.trajectories
                ),
            ));
        }
        let mut ps: Vec<f64> = DEFAULT_PERCENTILES.to_vec();
        for p in raw.percentiles.unwrap_or_default() {
            if !(0.0..=100.0).contains(&p) {
                return Err(Error::input(
                    at("percentiles"),
                    format!("{p}: expected percentiles from 0 to 100"),
                ));
            }
            ps.push(p);
        }
        ps.sort_by(f64::total_cmp);
        ps.dedup();
        let mut params: [Option<Dist>; 3] = [None, None, None];
        for (name, d) in &raw.parameters {
            let i = NAMES.iter().position(|n| n == name).ok_or_else(|| {
                Error::input(
                    at(&format!("parameters.{name}")),
                    format!(
                        "unknown parameter `{name}`: expected fert_mult, mort_mult or mig_mult"
                    ),
                )
            })?;
            let key = format!("parameters.{name}");
            params[i] = Some(dist(d, &|k| {
                let mut loc = at(&key).field(format!("{key}.{k}"));
                if let Some(l) =
                    crate::tomlfile::table_key_line(&text, &format!("[parameters.{name}]"), k)
                {
                    loc = loc.line(l);
                }
                loc
            })?);
        }
        let mut shocks: [Option<Shock>; 3] = [None; 3];
        for (name, s) in &raw.shocks {
            let key = format!("shocks.{name}");
            let i = SHOCK_NAMES.iter().position(|n| n == name).ok_or_else(|| {
                Error::input(
                    at(&key),
                    format!("unknown shock `{name}`: expected fert, mort or mig"),
                )
            })?;
            if !(s.sd >= 0.0 && s.sd <= MAX_SHOCK_SD) {
                return Err(Error::input(
                    at(&format!("{key}.sd")),
                    format!(
                        "sd = {}: expected a standard deviation from 0 to {MAX_SHOCK_SD} (of the logarithm of the multiplier)",
                        s.sd
                    ),
                ));
            }
            if !(s.rho > -1.0 && s.rho < 1.0) {
                return Err(Error::input(
                    at(&format!("{key}.rho")),
                    format!(
                        "rho = {}: expected an autocorrelation above −1 and below 1",
                        s.rho
                    ),
                ));
            }
            shocks[i] = Some(Shock {
                sd: s.sd,
                rho: s.rho,
            });
        }
        if let Some(t) = raw.target {
            crate::limits::target(t, at("target"))?;
        }
        let target = spec::target(&scenario, year, raw.target);
        let record = match raw.spread.as_deref() {
            None | Some("parameters") => None,
            Some("record") if !raw.parameters.is_empty() || !raw.shocks.is_empty() => {
                return Err(Error::input(
                    at("spread"),
                    "spread = \"record\" draws the whole error from Japan's record: remove the [parameters] and [shocks] tables, or use spread = \"parameters\"",
                ))
            }
            Some("record") => Some(
                super::record_spread::RecordSpread::new(&scenario)
                    .map_err(|e| Error::input(at("spread"), e.to_string()))?,
            ),
            Some(other) => {
                return Err(Error::input(
                    at("spread"),
                    format!("spread = \"{other}\": expected \"parameters\" (the [parameters] and [shocks] tables, the default) or \"record\" (errors drawn from Japan's record of projections)"),
                ))
            }
        };
        Ok(MonteCarlo {
            scenario,
            trajectories: raw.trajectories,
            seed: raw.seed,
            year,
            target,
            percentiles: ps,
            params,
            shocks,
            record,
            spec: path.to_path_buf(),
            trajectories_at: at("trajectories"),
        })
    }

    /// The multipliers of trajectory `i`; returns how many draws were set to 0.
    pub fn draw(&self, base: &ChaCha8Rng, i: usize, m: &mut Multipliers) -> u32 {
        let mut rng = base.clone();
        rng.set_stream(i as u64);
        let mut clamped = 0;
        let mut level = [1.0; 3];
        for (j, d) in self.params.iter().enumerate() {
            if let Some(d) = d {
                let mut v = d.sample(&mut rng);
                if j < 2 && v < 0.0 {
                    v = 0.0;
                    clamped += 1;
                }
                level[j] = v;
            }
        }
        let mut e = [0.0; 3];
        let normal = sd::Normal::standard();
        for k in 0..m.fert.len() {
            for (j, sh) in self.shocks.iter().enumerate() {
                let factor = match sh {
                    None => 1.0,
                    Some(sh) => {
                        let z: f64 = normal.sample(&mut rng);
                        e[j] = if k == 0 {
                            sh.sd * z
                        } else {
                            sh.rho * e[j] + (1.0 - sh.rho * sh.rho).sqrt() * sh.sd * z
                        };
                        e[j].exp()
                    }
                };
                let v = level[j] * factor;
                match j {
                    0 => m.fert[k] = v,
                    1 => m.mort[k] = v,
                    _ => m.mig[k] = v,
                }
            }
        }
        clamped
    }

    /// Run every trajectory; keep their totals if `keep`.
    pub fn run(&self, keep: bool, progress: &Progress) -> Result<McResult> {
        let s = &self.scenario;
        let ny_est = s.model.periods.len() as f64 + 1.0;
        let n_est = self.trajectories as f64;
        // Totals and their year-major copy, and one column per thread. The trajectories CSV is
        // written row by row from the totals (see `write_trajectories`), not held in memory.
        let bytes = n_est * ny_est * 16.0 + n_est * 8.0 * crate::limits::cores() as f64;
        crate::limits::check_memory(
            &format!("{} trajectories of {} years", self.trajectories, ny_est),
            bytes,
            self.trajectories_at.clone(),
        )?;
        let clamped = std::sync::atomic::AtomicU64::new(0);
        let (totals, years) = match &self.record {
            Some(r) => (r.totals(self.trajectories, self.seed), r.years.clone()),
            None => {
                let engine = BatchEngine::new(&s.model, &s.base)?;
                let base = ChaCha8Rng::seed_from_u64(self.seed);
                let totals = engine.totals(
                    self.trajectories,
                    |i, m| {
                        let c = self.draw(&base, i, m);
                        if c > 0 {
                            clamped.fetch_add(c as u64, std::sync::atomic::Ordering::Relaxed);
                        }
                    },
                    progress,
                );
                (totals, engine.years())
            }
        };
        let ny = years.len();
        let n = self.trajectories;
        // Year-major columns: transpose block by block (one pass over memory), then join.
        let blocks: Vec<Vec<Vec<f64>>> = totals
            .par_chunks(65_536 * ny)
            .map(|blk| {
                let m = blk.len() / ny;
                let mut cols = vec![Vec::with_capacity(m); ny];
                for row in blk.chunks_exact(ny) {
                    for (c, v) in cols.iter_mut().zip(row) {
                        c.push(*v);
                    }
                }
                cols
            })
            .collect();
        let yi = spec::year_index(s, self.year)?;
        let by_year: Vec<(YearPercentiles, Option<f64>)> = (0..ny)
            .into_par_iter()
            .map(|y| {
                let mut col: Vec<f64> = Vec::with_capacity(n);
                for b in &blocks {
                    col.extend_from_slice(&b[y]);
                }
                let mean = super::stats::mean(&col);
                let probability = match self.target {
                    Some(t) if y == yi => {
                        Some(col.iter().filter(|&&v| v >= t).count() as f64 / n as f64)
                    }
                    _ => None,
                };
                let yp = YearPercentiles {
                    year: years[y],
                    mean,
                    values: percentiles(&mut col, &self.percentiles),
                };
                (yp, probability)
            })
            .collect();
        drop(blocks);
        let probability = by_year.iter().find_map(|(_, p)| *p);
        let by_year: Vec<YearPercentiles> = by_year.into_iter().map(|(y, _)| y).collect();
        for y in &by_year {
            crate::limits::finite(&|| format!("the mean total of {}", y.year), y.mean)?;
            for (p, v) in self.percentiles.iter().zip(&y.values) {
                crate::limits::finite(
                    &|| format!("percentile {p} of the total of {}", y.year),
                    *v,
                )?;
            }
        }
        Ok(McResult {
            scenario: s.name.clone(),
            trajectories: n,
            seed: self.seed,
            percentiles: self.percentiles.clone(),
            by_year,
            year: self.year,
            target: self.target,
            probability,
            clamped_draws: clamped.into_inner(),
            spread: self.record.as_ref().map_or("parameters".into(), |r| {
                format!("record {}", r.class.label())
            }),
            totals: keep.then_some(totals),
            years,
        })
    }
}

impl McResult {
    /// CSV `year,mean,p2.5,…` (one line per year).
    pub fn csv(&self) -> String {
        let mut s = String::from("year,mean");
        for p in &self.percentiles {
            s.push_str(&format!(",p{p}"));
        }
        s.push('\n');
        for y in &self.by_year {
            s.push_str(&format!("{},{}", y.year, num(y.mean)));
            for v in &y.values {
                s.push(',');
                s.push_str(&num(*v));
            }
            s.push('\n');
        }
        s
    }

    /// A readable table with the probability of reaching the target.
    pub fn table(&self) -> String {
        let mut s = format!(
            "Monte Carlo: {} — {} trajectories, seed {}\n\n",
            self.scenario, self.trajectories, self.seed
        );
        s.push_str(&format!("{:>6} {:>10}", "year", "mean"));
        for p in &self.percentiles {
            s.push_str(&format!(" {:>10}", format!("p{p}")));
        }
        s.push('\n');
        for y in &self.by_year {
            s.push_str(&format!("{:>6} {:>10.0}", y.year, y.mean));
            for v in &y.values {
                s.push_str(&format!(" {:>10.0}", v));
            }
            s.push('\n');
        }
        if let (Some(t), Some(p)) = (self.target, self.probability) {
            s.push_str(&format!(
                "\nP(total {} ≥ {t}) = {:.4} ({:.2}%)\n",
                self.year,
                p,
                100.0 * p
            ));
        }
        if self.clamped_draws > 0 {
            s.push_str(&self.clamped_warning());
            s.push('\n');
        }
        s
    }

    /// The warning about draws set to 0 (printed on stderr in every format, and in the table).
    pub fn clamped_warning(&self) -> String {
        format!(
            "warning: {} draws of a fertility or mortality multiplier were below 0 and were set to 0",
            self.clamped_draws
        )
    }

    /// Trajectories as CSV `trajectory,total_<year>…` (if kept), in memory (see
    /// [`McResult::write_trajectories`] for large runs).
    pub fn trajectories_csv(&self) -> Option<String> {
        self.totals.as_ref()?;
        let mut bytes = Vec::new();
        self.write_trajectories(&mut bytes).ok()?;
        String::from_utf8(bytes).ok()
    }

    /// Write the trajectories as CSV `trajectory,total_<year>…` to `w`, row by row (rows are
    /// formatted in parallel in blocks of [`ROWS_PER_BLOCK`], so at most one block is held in
    /// memory); nothing if the totals were not kept.
    pub fn write_trajectories(&self, w: &mut dyn std::io::Write) -> std::io::Result<()> {
        let Some(t) = self.totals.as_ref() else {
            return Ok(());
        };
        let ny = self.years.len();
        let mut head = String::from("trajectory");
        for y in &self.years {
            head.push_str(&format!(",total_{y}"));
        }
        head.push('\n');
        w.write_all(head.as_bytes())?;
        let row = |i: usize, s: &mut String| {
            s.push_str(&i.to_string());
            for y in 0..ny {
                s.push(',');
                s.push_str(&num(t[i * ny + y]));
            }
            s.push('\n');
        };
        let n = self.trajectories;
        let mut start = 0;
        while start < n {
            let end = (start + ROWS_PER_BLOCK).min(n);
            let parts: Vec<String> = (start..end)
                .into_par_iter()
                .chunks(1024)
                .map(|rows| {
                    let mut s = String::with_capacity(rows.len() * (ny + 1) * 12);
                    for i in rows {
                        row(i, &mut s);
                    }
                    s
                })
                .collect();
            for p in parts {
                w.write_all(p.as_bytes())?;
            }
            start = end;
        }
        Ok(())
    }
}

/// Rows of the trajectories CSV formatted at a time (about 12 bytes a number: 64k rows of 11
/// years are under 10 MB).
pub const ROWS_PER_BLOCK: usize = 65_536;
