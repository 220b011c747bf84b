//! `jinko batch`: a VARIANTS.csv of constant multipliers, one row per variant, projected with the
//! batched engine.
//!
//! ```csv
//! id,fert_mult,mort_mult,mig_mult
//! low,0.9,1.1,1.2
//! high,1.1,0.9,0.8
//! ```
//! `id` is required; each multiplier column is optional (1 where absent). `fert_mult` and
//! `mort_mult` must be 0 or more; `mig_mult` may be negative (it turns net out-migration into net
//! in-migration with the same age pattern) but, with net migration rates, may not take any rate
//! below −1. See [`super::variant`] for what each multiplier does.

use super::engine::BatchEngine;
use super::progress::Progress;
use super::variant::{migration_problem, multiplier_problem, Multipliers};
use crate::engine::Cells;
use crate::error::{Error, Result};
use crate::grid::Sex;
use crate::pack::table::Table;
use crate::scenario::Scenario;
use rayon::prelude::*;
use std::path::Path;

/// One row of VARIANTS.csv.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    /// The row's id.
    pub id: String,
    /// Fertility multiplier.
    pub fert_mult: f64,
    /// Mortality multiplier.
    pub mort_mult: f64,
    /// Migration multiplier.
    pub mig_mult: f64,
}

/// Read and check VARIANTS.csv against the scenario (one error naming file, line and field).
pub fn read_variants(path: &Path, scenario: &Scenario) -> Result<Vec<Variant>> {
    let cols = ["fert_mult", "mort_mult", "mig_mult"];
    let table = Table::read(path, &["id"], &cols)?;
    let mut out = Vec::with_capacity(table.rows().len());
    let rates = super::variant::rate_range(&scenario.model);
    let mut ids: std::collections::HashMap<&str, u64> = std::collections::HashMap::new();
    for row in table.rows() {
        let id = table.str(row, "id");
        if id.is_empty() {
            return Err(Error::input(
                table.at(row, "id"),
                "the id is empty: expected a name or number for the variant",
            ));
        }
        if let Some(first) = ids.insert(id, row.line()) {
            return Err(Error::input(
                table.at(row, "id"),
                format!(
                    "duplicate id \"{id}\" (first on line {first}): expected each variant once"
                ),
            ));
        }
        let mut vals = [1.0; 3];
        for (v, col) in vals.iter_mut().zip(cols) {
            if table.has(col) && !table.str(row, col).is_empty() {
                *v = table.num(row, col)?;
                if let Some(msg) = multiplier_problem(col, *v) {
                    return Err(Error::input(table.at(row, col), msg));
                }
            }
        }
        let (lo, hi) = rates.unwrap_or((0.0, 0.0));
        if (lo * vals[2]).min(hi * vals[2]) < -1.0 {
            let msg = migration_problem(&scenario.model, vals[2]).unwrap_or_default();
            return Err(Error::input(
                table.at(row, "mig_mult"),
                format!("mig_mult = {msg}"),
            ));
        }
        out.push(Variant {
            id: id.to_string(),
            fert_mult: vals[0],
            mort_mult: vals[1],
            mig_mult: vals[2],
        });
    }
    Ok(out)
}

/// Totals of every variant: `totals[i * years + y]`.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchResult {
    /// Projected years, base first.
    pub years: Vec<i32>,
    /// The variant ids.
    pub ids: Vec<String>,
    /// Totals, variant-major.
    pub totals: Vec<f64>,
    /// Populations, variant-major (`--full` only).
    pub populations: Option<Vec<Cells>>,
    /// Age-group labels.
    pub ages: Vec<String>,
}

/// Project every variant of `scenario`.
pub fn run(
    scenario: &Scenario,
    variants: &[Variant],
    full: bool,
    progress: &Progress,
) -> Result<BatchResult> {
    let years = scenario.model.periods.len() as f64 + 1.0;
    let n = variants.len() as f64;
    // Populations (with --full) or totals; the CSV is written row by row, not held in memory.
    let per_variant = if full {
        years * std::mem::size_of::<Cells>() as f64 + 8.0 * years
    } else {
        years * 8.0
    };
    crate::limits::check_memory(
        &format!("{} variants of {years} years", variants.len()),
        n * per_variant,
        crate::Location::file("command line").field(if full { "--full" } else { "VARIANTS" }),
    )?;
    let engine = BatchEngine::new(&scenario.model, &scenario.base)?;
    let fill = |i: usize, m: &mut Multipliers| {
        let v = &variants[i];
        m.scale(v.fert_mult, v.mort_mult, v.mig_mult);
    };
    let (totals, populations) = if full {
        let pops = engine.populations(variants.len(), fill, progress);
        let n = engine.ages();
        let totals = pops
            .iter()
            .map(|p| {
                let m: f64 = p[0][..n].iter().sum();
                let f: f64 = p[1][..n].iter().sum();
                m + f
            })
            .collect();
        (totals, Some(pops))
    } else {
        (engine.totals(variants.len(), fill, progress), None)
    };
    let years = engine.years();
    crate::limits::all_finite(
        &|i| {
            format!(
                "the total of variant \"{}\" in {}",
                variants[i / years.len()].id,
                years[i % years.len()]
            )
        },
        &totals,
    )?;
    Ok(BatchResult {
        years,
        ids: variants.iter().map(|v| v.id.clone()).collect(),
        totals,
        populations,
        ages: scenario.model.ages.labels(),
    })
}

impl BatchResult {
    /// CSV `id,total_<year>…` (wide) or, with populations, `id,year,sex,age,population` (long),
    /// numbers unrounded.
    pub fn csv(&self) -> String {
        self.csv_with(crate::output::numbers::Precision::Full)
    }

    /// [`BatchResult::csv`] with persons at `precision`.
    pub fn csv_with(&self, precision: crate::output::numbers::Precision) -> String {
        let mut bytes = Vec::new();
        // Writing to memory cannot fail.
        let _ = self.write_csv(&mut bytes, precision);
        String::from_utf8(bytes).unwrap_or_default()
    }

    /// Write [`BatchResult::csv_with`] to `w` row by row: variants are formatted in parallel in
    /// blocks of [`VARIANTS_PER_BLOCK`], so at most one block's text is in memory.
    pub fn write_csv(
        &self,
        w: &mut dyn std::io::Write,
        precision: crate::output::numbers::Precision,
    ) -> std::io::Result<()> {
        let years = self.years.len();
        let mut head = String::from("id");
        match &self.populations {
            None => {
                for y in &self.years {
                    head.push_str(&format!(",total_{y}"));
                }
            }
            Some(_) => head.push_str(",year,sex,age,population"),
        }
        head.push('\n');
        w.write_all(head.as_bytes())?;
        let line = |i: usize, s: &mut String| {
            let id = csv_field(&self.ids[i]);
            match &self.populations {
                None => {
                    s.push_str(&id);
                    for y in 0..years {
                        s.push(',');
                        precision.push(s, self.totals[i * years + y]);
                    }
                    s.push('\n');
                }
                Some(pops) => {
                    for (y, year) in self.years.iter().enumerate() {
                        let p = &pops[i * years + y];
                        for sex in Sex::BOTH {
                            for (a, label) in self.ages.iter().enumerate() {
                                s.push_str(&format!("{id},{year},{sex},{label},"));
                                precision.push(s, p[sex.index()][a]);
                                s.push('\n');
                            }
                        }
                    }
                }
            }
        };
        let block = if self.populations.is_some() {
            VARIANTS_PER_BLOCK / 64
        } else {
            VARIANTS_PER_BLOCK
        };
        let n = self.ids.len();
        let mut start = 0;
        while start < n {
            let end = (start + block).min(n);
            let parts: Vec<String> = (start..end)
                .into_par_iter()
                .chunks(256)
                .map(|ids| {
                    let mut s = String::new();
                    for i in ids {
                        line(i, &mut s);
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

/// Variants of the wide CSV formatted at a time (a line of about 12 bytes a year: 64k variants
/// of 11 years are under 10 MB); the long form (`--full`, 2 × 19 lines a year) takes 1/64 of it.
pub const VARIANTS_PER_BLOCK: usize = 65_536;

/// Quote a CSV field if it needs it.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
