//! `jinko compare SCENARIO...`: scenarios side by side with the official path and the target,
//! the gap to the target, age-structure shares, natural and social change, and the impact
//! analysis (自然増減・社会増減の影響度).

use crate::cli::project::emit;
use crate::compare::{Comparison, ImpactLevels};
use crate::output::compare;
use crate::scenario::Scenario;
use std::path::PathBuf;

/// Output format of `jinko compare`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CompareFormat {
    /// Readable tables.
    Table,
    /// One JSON object (see the README).
    Json,
    /// Long form `series,kind,year,total,share_0_14,share_15_64,share_65_plus`; `kind` is `scenario`, `official` or `target`.
    Csv,
}

/// Arguments of `jinko compare`.
#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// Scenario files (TOML); the first one's data pack gives the official and target paths.
    #[arg(required = true)]
    pub scenarios: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CompareFormat::Table)]
    pub format: CompareFormat,
    /// Year of the impact analysis (Sim1 / パターン1, Sim2 / Sim1) on every basis given; default:
    /// 30 years after each basis's base year (2045 on the 2015 basis, 2050 on the 2020 basis).
    #[arg(long)]
    pub impact_year: Option<i32>,
    /// A levels file for the impact analysis (default: the Cabinet Office guide's, shipped).
    #[arg(long)]
    pub impact_levels: Option<PathBuf>,
    /// Add 50/80/95% prediction intervals of each scenario from Japan's record of projection
    /// errors (a table section; the JSON key `intervals` of each scenario; not in the CSV).
    #[arg(long)]
    pub intervals: bool,
    /// Write to this file instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Run `jinko compare`.
pub fn run(args: &CompareArgs) -> crate::Result<()> {
    let levels = match &args.impact_levels {
        Some(p) => ImpactLevels::load(p)?,
        None => ImpactLevels::default_levels(),
    };
    let scenarios = args
        .scenarios
        .iter()
        .map(|p| Scenario::load(p))
        .collect::<crate::Result<Vec<_>>>()?;
    let c = Comparison::new(scenarios, &levels, args.impact_year)?;
    let arounds = if args.intervals {
        c.runs
            .iter()
            .map(|r| {
                crate::output::intervals::of_projection(&r.projection, r.scenario.model.base_year)
            })
            .collect::<crate::Result<Vec<_>>>()?
    } else {
        Vec::new()
    };
    let text = match args.format {
        CompareFormat::Table => {
            let mut t = compare::table(&c);
            if args.intervals {
                t.push('\n');
                t.push_str(&compare::intervals_section(&c, &arounds));
            }
            t
        }
        CompareFormat::Json => {
            let mut v = compare::json(&c);
            for (i, a) in arounds.iter().enumerate() {
                v["scenarios"][i]["intervals"] = crate::output::intervals::json(a);
            }
            let mut s = serde_json::to_string_pretty(&v)
                .map_err(|e| crate::Error::Invalid(format!("cannot write JSON: {e}")))?;
            s.push('\n');
            s
        }
        CompareFormat::Csv => compare::csv(&c),
    };
    emit(&text, args.out.as_deref())
}
