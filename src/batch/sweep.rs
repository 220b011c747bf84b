//! `jinko sweep SPEC.toml`: every combination of a grid of scenario parameters, projected with
//! the batched engine.
//!
//! ```toml
//! scenario = "ipss-h30.toml"     # relative to this file
//! year = 2065                    # the year of the grid and the indicators (default: horizon)
//! target = 17033                 # optional; default: the pack's reference series `target`
//! indicators = ["age_65_plus", "share_65_plus"]
//!
//! [parameters]                   # each: a number, a list, or { from, to, step | n }
//! tfr = { from = 1.4, to = 2.4, step = 0.1 }  # TFR reached in `tfr_by` and held after
//! tfr_by = 2030                  # year the TFR is reached
//! tfr_from = 2020                # the rise starts from the scenario's TFR in this year
//! migration = { from = 0, to = 1, step = 0.1 } # migration multiplier (scenario language)
//! migration_from = 2025          # from the period starting in this year on
//! fert_mult = 1.0                # and the constant multipliers of `jinko batch`
//! mort_mult = [0.9, 1.0, 1.1]
//! mig_mult = 1.0
//!
//! [grid]                         # the 2065 total as a matrix: rows × columns
//! rows = "tfr"
//! columns = "migration"
//! ```
//!
//! How variants are built: not by reloading the scenario for each (that reads the pack every
//! time), but by turning each parameter into per-period multipliers on the scenario's model
//! ([`super::variant`]): the TFR path into fertility multipliers (new TFR / scenario TFR per
//! period), the migration multiplier into migration multipliers (new / scenario multiplier per
//! period). Tests check this against `Scenario::load_with_overrides` with the same TOML.

use super::engine::BatchEngine;
use super::progress::Progress;
use super::spec::{self, num, Indicator, RawValues};
use super::variant::{multiplier_problem, MigrationChange, Multipliers, TfrChange};
use crate::error::{Error, Location, Result};
use crate::scenario::Scenario;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSweep {
    scenario: String,
    year: Option<i32>,
    target: Option<f64>,
    indicators: Option<Vec<Indicator>>,
    parameters: BTreeMap<String, RawValues>,
    grid: Option<RawGrid>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGrid {
    rows: String,
    columns: String,
}

/// A sweep parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Param {
    /// TFR reached.
    Tfr,
    /// Year the TFR is reached.
    TfrBy,
    /// Year the TFR change starts from.
    TfrFrom,
    /// Migration multiplier (scenario language).
    Migration,
    /// First period of that multiplier.
    MigrationFrom,
    /// Constant fertility multiplier.
    FertMult,
    /// Constant mortality multiplier.
    MortMult,
    /// Constant migration multiplier.
    MigMult,
}

impl Param {
    const ALL: [Param; 8] = [
        Param::Tfr,
        Param::TfrBy,
        Param::TfrFrom,
        Param::Migration,
        Param::MigrationFrom,
        Param::FertMult,
        Param::MortMult,
        Param::MigMult,
    ];

    /// The name in spec files and output.
    pub fn name(self) -> &'static str {
        match self {
            Param::Tfr => "tfr",
            Param::TfrBy => "tfr_by",
            Param::TfrFrom => "tfr_from",
            Param::Migration => "migration",
            Param::MigrationFrom => "migration_from",
            Param::FertMult => "fert_mult",
            Param::MortMult => "mort_mult",
            Param::MigMult => "mig_mult",
        }
    }

    fn parse(s: &str) -> Option<Param> {
        Param::ALL.into_iter().find(|p| p.name() == s)
    }

    fn is_year(self) -> bool {
        matches!(self, Param::TfrBy | Param::TfrFrom | Param::MigrationFrom)
    }
}

/// A validated sweep.
#[derive(Debug, Clone)]
pub struct Sweep {
    /// The spec file.
    pub spec: PathBuf,
    /// The scenario swept over.
    pub scenario: Scenario,
    /// The year of the grid and indicators.
    pub year: i32,
    /// The target population in that year, if known.
    pub target: Option<f64>,
    /// Indicators reported in `year`.
    pub indicators: Vec<Indicator>,
    /// The parameters and their values, in a fixed order (the last varies fastest).
    pub axes: Vec<(Param, Vec<f64>)>,
    /// Rows and columns of the grid.
    pub grid: Option<(Param, Param)>,
}

/// One projected variant of a sweep.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SweepVariant {
    /// 1-based variant number.
    pub id: usize,
    /// Parameter values, by name.
    pub parameters: BTreeMap<String, f64>,
    /// Total population per year.
    pub totals: Vec<f64>,
    /// Indicators in the sweep year, by name.
    pub indicators: BTreeMap<String, f64>,
}

/// The total in the sweep year as a matrix (rows × columns), for each combination of the other
/// parameters: what a contour chart of the target draws.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SweepGrid {
    /// The values of the parameters that are neither rows nor columns.
    pub fixed: BTreeMap<String, f64>,
    /// Row parameter name.
    pub rows: String,
    /// Row values.
    pub row_values: Vec<f64>,
    /// Column parameter name.
    pub columns: String,
    /// Column values.
    pub column_values: Vec<f64>,
    /// `total[r][c]` in the sweep year.
    pub total: Vec<Vec<f64>>,
}

/// The result of a sweep.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SweepResult {
    /// Scenario name.
    pub scenario: String,
    /// Projected years.
    pub years: Vec<i32>,
    /// The grid year.
    pub year: i32,
    /// The target in that year.
    pub target: Option<f64>,
    /// Parameter names in order.
    pub parameters: Vec<String>,
    /// Every variant.
    pub variants: Vec<SweepVariant>,
    /// The grids.
    pub grids: Vec<SweepGrid>,
}

/// The most variants one sweep may have.
pub const MAX_VARIANTS: usize = 10_000_000;

impl Sweep {
    /// Read and validate SPEC.toml.
    pub fn load(path: &Path) -> Result<Sweep> {
        let (raw, text) = crate::tomlfile::read::<RawSweep>(path)?;
        let at = |key: &str| crate::tomlfile::key_location(path, &text, key);
        let scenario = spec::load_scenario(path, &raw.scenario, at("scenario"))?;
        let year = raw.year.unwrap_or(scenario.model.horizon());
        spec::year_index(&scenario, year).map_err(|e| Error::input(at("year"), e.to_string()))?;
        let mut axes = Vec::new();
        for (name, values) in &raw.parameters {
            let key = format!("parameters.{name}");
            let param = Param::parse(name).ok_or_else(|| {
                Error::input(
                    at(&key),
                    format!(
                        "unknown parameter `{name}`: expected one of {}",
                        Param::ALL.map(|p| p.name()).join(", ")
                    ),
                )
            })?;
            let v = values.values(&|| at(&key))?;
            for x in &v {
                if param.is_year() && x.fract() != 0.0 {
                    return Err(Error::input(at(&key), format!("{x}: expected a year")));
                }
                if let Some(msg) = match param {
                    Param::FertMult | Param::MortMult | Param::MigMult => {
                        multiplier_problem(param.name(), *x)
                    }
                    Param::Tfr => (!(*x > 0.0 && *x <= 10.0))
                        .then(|| format!("{x}: expected a TFR above 0 and at most 10")),
                    _ => None,
                } {
                    return Err(Error::input(at(&key), msg));
                }
            }
            axes.push((param, v));
        }
        axes.sort_by_key(|(p, _)| *p);
        let has = |p: Param| axes.iter().any(|(q, _)| *q == p);
        if has(Param::Tfr) && !has(Param::TfrBy) {
            return Err(Error::input(
                at("parameters.tfr"),
                "`tfr` needs `tfr_by`, the year the TFR is reached (e.g. tfr_by = 2030)",
            ));
        }
        for (p, needs) in [
            (Param::TfrBy, Param::Tfr),
            (Param::TfrFrom, Param::Tfr),
            (Param::MigrationFrom, Param::Migration),
        ] {
            if has(p) && !has(needs) {
                return Err(Error::input(
                    at(&format!("parameters.{}", p.name())),
                    format!("`{}` is set but `{}` is not", p.name(), needs.name()),
                ));
            }
        }
        if axes.is_empty() {
            return Err(Error::input(
                at("parameters"),
                "no parameters: expected at least one of tfr, migration, fert_mult, mort_mult, mig_mult",
            ));
        }
        let count: f64 = axes.iter().map(|(_, v)| v.len() as f64).product();
        if count > MAX_VARIANTS as f64 {
            return Err(Error::input(
                at("parameters"),
                format!("{count} combinations: expected at most {MAX_VARIANTS}"),
            ));
        }
        if let Some(t) = raw.target {
            crate::limits::target(t, at("target"))?;
        }
        // Populations of every variant and year and the variants (see `run`); the CSV is written
        // row by row, not held in memory.
        let years = scenario.model.periods.len() as f64 + 1.0;
        let columns = axes.len() as f64 + raw.indicators.as_ref().map_or(4, |v| v.len()) as f64;
        let per_variant = years * (std::mem::size_of::<crate::engine::Cells>() as f64 + 8.0)
            + 96.0 * columns
            + 128.0;
        crate::limits::check_memory(
            &format!("{count} combinations of {years} years"),
            count * per_variant,
            at("parameters"),
        )?;
        let grid = match &raw.grid {
            None => None,
            Some(g) => {
                let find = |key: &str, name: &str| {
                    Param::parse(name).filter(|p| has(*p)).ok_or_else(|| {
                        Error::input(
                            at(key),
                            format!(
                                "\"{name}\" is not a parameter of this sweep: expected one of {}",
                                axes.iter()
                                    .map(|(p, _)| p.name())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        )
                    })
                };
                let r = find("grid.rows", &g.rows)?;
                let c = find("grid.columns", &g.columns)?;
                if r == c {
                    return Err(Error::input(
                        at("grid.columns"),
                        "rows and columns are the same parameter: expected two different ones",
                    ));
                }
                Some((r, c))
            }
        };
        let target = spec::target(&scenario, year, raw.target);
        let sweep = Sweep {
            spec: path.to_path_buf(),
            scenario,
            year,
            target,
            indicators: raw.indicators.unwrap_or_else(|| {
                vec![
                    Indicator::Age0_14,
                    Indicator::Age15_64,
                    Indicator::Age65Plus,
                    Indicator::Share65Plus,
                ]
            }),
            axes,
            grid,
        };
        // Every TFR and migration combination must be possible for the scenario.
        sweep
            .check()
            .map_err(|e| Error::input(Location::file(path), e.to_string()))?;
        Ok(sweep)
    }

    /// Number of variants.
    pub fn count(&self) -> usize {
        self.axes.iter().map(|(_, v)| v.len()).product()
    }

    /// The parameter values of variant `i` (the last axis varies fastest).
    pub fn values(&self, mut i: usize) -> Vec<f64> {
        let mut out = vec![0.0; self.axes.len()];
        for (j, (_, v)) in self.axes.iter().enumerate().rev() {
            out[j] = v[i % v.len()];
            i /= v.len();
        }
        out
    }

    fn value(&self, values: &[f64], p: Param) -> Option<f64> {
        self.axes
            .iter()
            .position(|(q, _)| *q == p)
            .map(|j| values[j])
    }

    /// The multipliers of a variant with parameter values `values`.
    pub fn multipliers(&self, values: &[f64]) -> Result<Multipliers> {
        let s = &self.scenario;
        let k = s.model.periods.len();
        let mut m = Multipliers::identity(k);
        if let Some(tfr) = self.value(values, Param::Tfr) {
            let change = TfrChange {
                from: self
                    .value(values, Param::TfrFrom)
                    .map(|y| y as i32)
                    .unwrap_or(s.model.base_year + 5),
                by: self.value(values, Param::TfrBy).unwrap_or(0.0) as i32,
                value: tfr,
            };
            m.fert = change.factors(s)?;
        }
        if let Some(mult) = self.value(values, Param::Migration) {
            let change = MigrationChange {
                from: self
                    .value(values, Param::MigrationFrom)
                    .map(|y| y as i32)
                    .unwrap_or(spec::default_migration_from(s)),
                value: mult,
            };
            m.mig = change.factors(s)?;
        }
        m.scale(
            self.value(values, Param::FertMult).unwrap_or(1.0),
            self.value(values, Param::MortMult).unwrap_or(1.0),
            self.value(values, Param::MigMult).unwrap_or(1.0),
        );
        Ok(m)
    }

    /// Check every distinct TFR and migration setting once (not every combination).
    fn check(&self) -> Result<()> {
        let only = |keep: &[Param]| -> Vec<Vec<f64>> {
            let sub: Vec<&(Param, Vec<f64>)> =
                self.axes.iter().filter(|(p, _)| keep.contains(p)).collect();
            let mut combos = vec![Vec::new()];
            for (_, vals) in &sub {
                combos = combos
                    .into_iter()
                    .flat_map(|c| {
                        vals.iter().map(move |v| {
                            let mut c = c.clone();
                            c.push(*v);
                            c
                        })
                    })
                    .collect();
            }
            combos
                .into_iter()
                .map(|c| {
                    // Back to a full values vector with the other axes at their first value.
                    let mut full: Vec<f64> = self.axes.iter().map(|(_, v)| v[0]).collect();
                    let mut it = c.into_iter();
                    for (j, (p, _)) in self.axes.iter().enumerate() {
                        if keep.contains(p) {
                            full[j] = it.next().unwrap_or(full[j]);
                        }
                    }
                    full
                })
                .collect()
        };
        for values in only(&[Param::Tfr, Param::TfrBy, Param::TfrFrom]) {
            self.multipliers(&values)?;
        }
        let mig = [Param::Migration, Param::MigrationFrom, Param::MigMult];
        for values in only(&mig) {
            let m = self.multipliers(&values)?;
            check_rates(&self.scenario, &m.mig)?;
        }
        Ok(())
    }

    /// Project every variant.
    pub fn run(&self, progress: &Progress) -> Result<SweepResult> {
        let s = &self.scenario;
        let engine = BatchEngine::new(&s.model, &s.base)?;
        let count = self.count();
        let y = spec::year_index(s, self.year)?;
        let years = engine.years_len();
        let n = engine.ages();
        let fill = |i: usize, m: &mut Multipliers| {
            if let Ok(x) = self.multipliers(&self.values(i)) {
                *m = x;
            }
        };
        let pops = engine.populations(count, fill, progress);
        let names: Vec<String> = self
            .axes
            .iter()
            .map(|(p, _)| p.name().to_string())
            .collect();
        let variants: Vec<SweepVariant> = (0..count)
            .map(|i| {
                let values = self.values(i);
                let totals: Vec<f64> = (0..years)
                    .map(|t| Indicator::Total.value(&pops[i * years + t], n))
                    .collect();
                SweepVariant {
                    id: i + 1,
                    parameters: names.iter().cloned().zip(values).collect(),
                    totals,
                    indicators: self
                        .indicators
                        .iter()
                        .map(|ind| (ind.name().to_string(), ind.value(&pops[i * years + y], n)))
                        .collect(),
                }
            })
            .collect();
        let ys = engine.years();
        for v in &variants {
            for (t, total) in v.totals.iter().enumerate() {
                crate::limits::finite(
                    &|| format!("the total of variant {} in {}", v.id, ys[t]),
                    *total,
                )?;
            }
            for (name, x) in &v.indicators {
                crate::limits::finite(
                    &|| format!("{name} of variant {} in {}", v.id, self.year),
                    *x,
                )?;
            }
        }
        let grids = match self.grid {
            None => Vec::new(),
            Some((r, c)) => self.grids(r, c, &variants, y),
        };
        Ok(SweepResult {
            scenario: s.name.clone(),
            years: engine.years(),
            year: self.year,
            target: self.target,
            parameters: names,
            variants,
            grids,
        })
    }

    fn grids(&self, r: Param, c: Param, variants: &[SweepVariant], y: usize) -> Vec<SweepGrid> {
        let rows = &self
            .axes
            .iter()
            .find(|(p, _)| *p == r)
            .map(|x| x.1.clone())
            .unwrap_or_default();
        let cols = &self
            .axes
            .iter()
            .find(|(p, _)| *p == c)
            .map(|x| x.1.clone())
            .unwrap_or_default();
        let mut out: Vec<SweepGrid> = Vec::new();
        let mut index: BTreeMap<Vec<u64>, usize> = BTreeMap::new();
        for v in variants {
            let fixed: BTreeMap<String, f64> = v
                .parameters
                .iter()
                .filter(|(k, _)| *k != r.name() && *k != c.name())
                .map(|(k, x)| (k.clone(), *x))
                .collect();
            let key: Vec<u64> = fixed.values().map(|x| x.to_bits()).collect();
            let g = *index.entry(key).or_insert_with(|| {
                out.push(SweepGrid {
                    fixed: fixed.clone(),
                    rows: r.name().into(),
                    row_values: rows.clone(),
                    columns: c.name().into(),
                    column_values: cols.clone(),
                    total: vec![vec![f64::NAN; cols.len()]; rows.len()],
                });
                out.len() - 1
            });
            let ri = rows.iter().position(|x| *x == v.parameters[r.name()]);
            let ci = cols.iter().position(|x| *x == v.parameters[c.name()]);
            if let (Some(ri), Some(ci)) = (ri, ci) {
                out[g].total[ri][ci] = v.totals[y];
            }
        }
        out
    }
}

/// Whether per-period migration multipliers keep every net migration rate at −1 or more.
pub fn check_rates(s: &Scenario, mig: &[f64]) -> Result<()> {
    if s.model.migration != crate::engine::MigrationForm::Rates {
        return Ok(());
    }
    let n = s.model.ages.len();
    for (p, &g) in s.model.periods.iter().zip(mig) {
        for sx in 0..2 {
            for &r in &p.migration[sx][..n] {
                if r * g < -1.0 {
                    return Err(Error::Invalid(format!(
                        "a migration multiplier of {g:.4} on the scenario's rates in {} makes a net migration rate {:.3}, below −1 (more leaving than there are people)",
                        crate::grid::period_label(p.start),
                        r * g
                    )));
                }
            }
        }
    }
    Ok(())
}

impl SweepResult {
    /// Long CSV: `id`, the parameters, `total_<year>` for every year, the indicators; numbers
    /// unrounded.
    pub fn csv(&self) -> String {
        self.csv_with(crate::output::numbers::Precision::Full)
    }

    /// [`SweepResult::csv`] with persons at `precision` (shares three decimals more) and the
    /// parameters to ten significant digits.
    pub fn csv_with(&self, precision: crate::output::numbers::Precision) -> String {
        let mut bytes = Vec::new();
        // Writing to memory cannot fail.
        let _ = self.write_csv(&mut bytes, precision);
        String::from_utf8(bytes).unwrap_or_default()
    }

    /// Write [`SweepResult::csv_with`] to `w` row by row (one variant's line in memory at a time).
    pub fn write_csv(
        &self,
        w: &mut dyn std::io::Write,
        precision: crate::output::numbers::Precision,
    ) -> std::io::Result<()> {
        use crate::output::numbers::{param, Precision};
        let full = precision == Precision::Full;
        let mut s = String::from("id");
        for p in &self.parameters {
            s.push(',');
            s.push_str(p);
        }
        for y in &self.years {
            s.push_str(&format!(",total_{y}"));
        }
        let inds: Vec<String> = self
            .variants
            .first()
            .map(|v| v.indicators.keys().cloned().collect())
            .unwrap_or_default();
        for i in &inds {
            s.push_str(&format!(",{i}_{}", self.year));
        }
        if self.target.is_some() {
            s.push_str(&format!(",reaches_target_{}", self.year));
        }
        s.push('\n');
        w.write_all(s.as_bytes())?;
        let y = self.years.iter().position(|&x| x == self.year).unwrap_or(0);
        for v in &self.variants {
            s.clear();
            s.push_str(&v.id.to_string());
            for p in &self.parameters {
                s.push(',');
                s.push_str(&if full {
                    num(v.parameters[p])
                } else {
                    param(v.parameters[p])
                });
            }
            for t in &v.totals {
                s.push(',');
                precision.push(&mut s, *t);
            }
            for i in &inds {
                s.push(',');
                let p = if i.starts_with("share") {
                    precision.plus(3)
                } else {
                    precision
                };
                p.push(&mut s, v.indicators[i]);
            }
            if let Some(t) = self.target {
                s.push_str(if v.totals[y] >= t { ",true" } else { ",false" });
            }
            s.push('\n');
            w.write_all(s.as_bytes())?;
        }
        Ok(())
    }

    /// The grids as CSV matrices: a comment line naming the fixed parameters, then a header
    /// `rows\columns,<column values>` and one line per row value; numbers unrounded.
    pub fn grid_csv(&self) -> String {
        self.grid_csv_with(crate::output::numbers::Precision::Full)
    }

    /// [`SweepResult::grid_csv`] with totals at `precision` and parameters to ten significant
    /// digits.
    pub fn grid_csv_with(&self, precision: crate::output::numbers::Precision) -> String {
        use crate::output::numbers::{param, Precision};
        let full = precision == Precision::Full;
        let par = |v: f64| if full { num(v) } else { param(v) };
        let mut s = String::new();
        for g in &self.grids {
            let fixed: Vec<String> = g
                .fixed
                .iter()
                .map(|(k, v)| format!("{k}={}", par(*v)))
                .collect();
            s.push_str(&format!(
                "# total {}{}{}\n",
                self.year,
                if fixed.is_empty() { "" } else { "; " },
                fixed.join(", ")
            ));
            s.push_str(&format!("{}\\{}", g.rows, g.columns));
            for c in &g.column_values {
                s.push(',');
                s.push_str(&par(*c));
            }
            s.push('\n');
            for (r, row) in g.row_values.iter().zip(&g.total) {
                s.push_str(&par(*r));
                for v in row {
                    s.push(',');
                    precision.push(&mut s, *v);
                }
                s.push('\n');
            }
        }
        s
    }
}
