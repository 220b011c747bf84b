//! `jinko solve tfr|migration|households|frontier SCENARIO …`: the value of one assumption that
//! reaches a target population in a year (see [`crate::batch::solve`]).
//!
//! ```text
//! jinko solve tfr        SCENARIO --by 2040 [--from 2020]
//! jinko solve migration  SCENARIO [--from 2025]
//! jinko solve households SCENARIO --household "male 30-34=1,female 30-34=1,0-4=1" [--from 2025] [--until 2064]
//! jinko solve frontier   SCENARIO --tfr 1.4:2.4:0.1 --by 2040 [--from 2020] [--migration-from 2025]
//! ```
//! Common: `--target N` (default: the pack's reference series `target` in the year), `--year Y`
//! (default: the horizon), `--min`/`--max` (the bracket), `--format text|json` (frontier: csv|json).
//! A target outside the bracket is an error (exit code 2) that gives the totals at both bounds.

use super::project::emit;
use crate::batch::solve::{frontier, parse_household, solve, Unknown};
use crate::batch::spec;
use crate::error::{Error, Result};
use crate::scenario::Scenario;
use std::path::PathBuf;

/// Output format of `jinko solve`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SolveFormat {
    /// A sentence (frontier: CSV).
    Text,
    /// One JSON object.
    Json,
}

/// Options shared by every `solve`.
#[derive(Debug, clap::Args)]
pub struct Common {
    /// The scenario file (TOML).
    pub scenario: PathBuf,
    /// Target population (default: the pack's reference series `target` in `--year`).
    #[arg(long)]
    pub target: Option<f64>,
    /// Year of the target (default: the horizon).
    #[arg(long)]
    pub year: Option<i32>,
    /// Lower end of the bracket searched.
    #[arg(long)]
    pub min: Option<f64>,
    /// Upper end of the bracket searched.
    #[arg(long)]
    pub max: Option<f64>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SolveFormat::Text)]
    pub format: SolveFormat,
    /// Write to this file (whole or not at all) instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// What `jinko solve` solves for.
#[derive(Debug, clap::Subcommand)]
pub enum SolveCommand {
    /// The TFR reached by `--by` (linear from the scenario's TFR in `--from`, held after).
    Tfr {
        #[command(flatten)]
        common: Common,
        /// Year the TFR is reached.
        #[arg(long)]
        by: i32,
        /// Year the change starts from (default: base year + 5).
        #[arg(long)]
        from: Option<i32>,
    },
    /// The migration multiplier (on the derived rates) from the period starting in `--from` on.
    Migration {
        #[command(flatten)]
        common: Common,
        /// First period start year (default: base year + 10, 2025 for Kama; the default of every study).
        #[arg(long)]
        from: Option<i32>,
    },
    /// Settling households a year (定住組数) of the composition `--household`.
    Households {
        #[command(flatten)]
        common: Common,
        /// Persons per household, e.g. "male 30-34=1,female 30-34=1,0-4=1" (an age alone: either sex).
        #[arg(long, default_value = "male 30-34=1,female 30-34=1,0-4=1")]
        household: String,
        /// First year households arrive (default: base year + 5).
        #[arg(long)]
        from: Option<i32>,
        /// Last year (default: the year before the horizon).
        #[arg(long)]
        until: Option<i32>,
    },
    /// For each TFR of `--tfr`, the migration multiplier that reaches the target.
    Frontier {
        #[command(flatten)]
        common: Common,
        /// TFR values: FROM:TO:STEP or a list.
        #[arg(long)]
        tfr: String,
        /// Year the TFR is reached.
        #[arg(long)]
        by: i32,
        /// Year the TFR change starts from (default: base year + 5).
        #[arg(long)]
        from: Option<i32>,
        /// First period of the migration multiplier (default: base year + 10, 2025 for Kama; the default of every study).
        #[arg(long)]
        migration_from: Option<i32>,
        /// Decimals of the total (0–12), or `full`; the multiplier gets three more.
        #[arg(long, value_parser = crate::output::numbers::Precision::parse, default_value = "1")]
        precision: crate::output::numbers::Precision,
    },
}

/// Arguments of `jinko solve`.
#[derive(Debug, clap::Args)]
pub struct SolveArgs {
    /// What to solve for.
    #[command(subcommand)]
    pub what: SolveCommand,
}

fn setup(c: &Common) -> Result<(Scenario, f64, i32, usize)> {
    let s = Scenario::load(&c.scenario)?;
    let year = c.year.unwrap_or(s.model.horizon());
    let y = spec::year_index(&s, year)?;
    if let Some(t) = c.target {
        crate::limits::target(t, crate::Location::file("command line").field("--target"))?;
    }
    let target = spec::target(&s, year, c.target).ok_or_else(|| {
        Error::Invalid(format!(
            "no target for {year}: give --target, or a `target` series for {year} in the pack's reference file"
        ))
    })?;
    Ok((s, target, year, y))
}

/// An error unless `flag`'s value `v` lies in `lo..=hi`.
fn in_range<T: PartialOrd + std::fmt::Display + Copy>(
    flag: &str,
    v: T,
    lo: T,
    hi: T,
    what: &str,
) -> Result<T> {
    if !(v >= lo && v <= hi) {
        return Err(Error::input(
            crate::Location::file("command line").field(flag),
            format!("{flag} {v}: expected {what} from {lo} to {hi}"),
        ));
    }
    Ok(v)
}

/// The bracket `--min`/`--max` (defaults `d`), each inside `lo..=hi`.
fn bracket(c: &Common, d: (f64, f64), lo: f64, hi: f64, what: &str) -> Result<(f64, f64)> {
    Ok((
        in_range("--min", c.min.unwrap_or(d.0), lo, hi, what)?,
        in_range("--max", c.max.unwrap_or(d.1), lo, hi, what)?,
    ))
}

/// Run `jinko solve`.
pub fn run(args: &SolveArgs) -> Result<()> {
    let (common, unknown, bounds, scenario, target, year, y) = match &args.what {
        SolveCommand::Frontier {
            common,
            tfr,
            by,
            from,
            migration_from,
            precision,
        } => {
            let (s, target, year, y) = setup(common)?;
            let first = s.model.base_year + 5;
            let (base, horizon) = (s.model.base_year, s.model.horizon());
            let m = crate::limits::MAX_MULTIPLIER;
            let bounds = bracket(common, (0.0, 2.0), -m, m, "a migration multiplier")?;
            in_range("--from", from.unwrap_or(first), base, horizon - 5, "a year")?;
            in_range("--by", *by, from.unwrap_or(first) + 1, horizon, "a year")?;
            in_range(
                "--migration-from",
                migration_from.unwrap_or(spec::default_migration_from(&s)),
                base,
                horizon - 5,
                "a year",
            )?;
            let migration_from = migration_from.unwrap_or(spec::default_migration_from(&s));
            let tfr_from = from.unwrap_or(first);
            let tfrs = spec::parse_values(tfr).map_err(|e| Error::Invalid(format!("--tfr {e}")))?;
            let points = frontier(
                &s,
                &tfrs,
                tfr_from,
                *by,
                migration_from,
                target,
                year,
                y,
                bounds,
            )?;
            let text = match common.format {
                SolveFormat::Json => {
                    let mut v = serde_json::to_value(&points)
                        .map_err(|e| Error::Invalid(format!("cannot write JSON: {e}")))?;
                    if let Some(list) = v.as_array_mut() {
                        for p in list {
                            p["tfr_from"] = tfr_from.into();
                            p["tfr_by"] = (*by).into();
                            p["migration_from"] = migration_from.into();
                        }
                    }
                    super::json(&v)?
                }
                SolveFormat::Text => {
                    let mut t = String::from(
                        "tfr,tfr_from,tfr_by,migration_from,migration_multiplier,total\n",
                    );
                    for p in &points {
                        t.push_str(&format!(
                            "{},{tfr_from},{by},{migration_from},{},{}\n",
                            crate::output::numbers::param(p.tfr),
                            p.migration_multiplier
                                .map(|m| precision.plus(3).text(m))
                                .unwrap_or_default(),
                            p.total.map(|v| precision.text(v)).unwrap_or_default()
                        ));
                    }
                    t
                }
            };
            return emit(&text, common.out.as_deref());
        }
        SolveCommand::Tfr { common, by, from } => {
            let (s, target, year, y) = setup(common)?;
            let from = from.unwrap_or(s.model.base_year + 5);
            let horizon = s.model.horizon();
            in_range("--from", from, s.model.base_year, horizon - 5, "a year")?;
            in_range("--by", *by, from + 1, horizon, "a year")?;
            let b = bracket(common, (0.5, 3.0), 0.0, 10.0, "a TFR")?;
            (
                common,
                Unknown::Tfr { from, by: *by },
                b,
                s,
                target,
                year,
                y,
            )
        }
        SolveCommand::Migration { common, from } => {
            let (s, target, year, y) = setup(common)?;
            let from = from.unwrap_or(spec::default_migration_from(&s));
            in_range(
                "--from",
                from,
                s.model.base_year,
                s.model.horizon() - 5,
                "a year",
            )?;
            let m = crate::limits::MAX_MULTIPLIER;
            let b = bracket(common, (0.0, 2.0), -m, m, "a migration multiplier")?;
            (common, Unknown::Migration { from }, b, s, target, year, y)
        }
        SolveCommand::Households {
            common,
            household,
            from,
            until,
        } => {
            let (s, target, year, y) = setup(common)?;
            let h = parse_household(household, s.model.ages)
                .map_err(|e| Error::Invalid(format!("--household: {e}")))?;
            let from = from.unwrap_or(s.model.base_year + 5);
            let until = until.unwrap_or(s.model.horizon() - 1);
            if from < s.model.base_year || until < from || until >= s.model.horizon() {
                return Err(Error::Invalid(format!(
                    "--from {from} --until {until}: expected years from {} to {}, from before until",
                    s.model.base_year,
                    s.model.horizon() - 1
                )));
            }
            let b = bracket(common, (0.0, 1000.0), 0.0, 1e6, "households a year")?;
            let u = Unknown::Households {
                from,
                until,
                household: h,
            };
            (common, u, b, s, target, year, y)
        }
    };
    let sol = solve(&scenario, &unknown, target, year, y, bounds)?;
    let from = match &unknown {
        Unknown::Tfr { from, .. } | Unknown::Migration { from } => *from,
        Unknown::Households { from, .. } => *from,
    };
    let what = match &unknown {
        Unknown::Tfr { from, by } => {
            format!("TFR from the scenario's {from} value, reached in {by}")
        }
        Unknown::Migration { from } => {
            format!("migration multiplier from the period starting in {from}")
        }
        Unknown::Households { from, until, .. } => format!("households a year {from}-{until}"),
    };
    // An unreachable target is a failure: the JSON (value null, the totals at both bounds) is
    // still written for tools, and the sentence goes to stderr with a non-zero exit.
    match (common.format, sol.value) {
        (SolveFormat::Json, _) => {
            let mut v = serde_json::to_value(&sol)
                .map_err(|e| Error::Invalid(format!("cannot write JSON: {e}")))?;
            v["from"] = from.into();
            v["solved_for"] = what.clone().into();
            emit(&super::json(&v)?, common.out.as_deref())?
        }
        (SolveFormat::Text, Some(_)) => emit(
            &format!("{} ({what})\n", sol.message),
            common.out.as_deref(),
        )?,
        (SolveFormat::Text, None) => {}
    }
    match sol.value {
        Some(_) => Ok(()),
        None => Err(Error::Invalid(format!("{} ({what})", sol.message))),
    }
}
