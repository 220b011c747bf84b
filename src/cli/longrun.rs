//! `jinko longrun SCENARIO...`: the long run of each scenario (人口の長期的な安定): growth per five
//! years once the age structure is stable, the stable structure, when the decline stops and at
//! what level, and population momentum (see [`crate::compare::longrun`]).

use crate::cli::project::emit;
use crate::compare::longrun::long_run;
use crate::output::longrun;
use crate::scenario::Scenario;
use std::path::PathBuf;

/// Output format of `jinko longrun`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A readable table, one column per scenario.
    Table,
    /// A JSON array, one object per scenario.
    Json,
}

/// Arguments of `jinko longrun`.
#[derive(Debug, clap::Args)]
pub struct LongRunArgs {
    /// Scenario files (TOML), e.g. scenarios/kama/ipss-h30.toml scenarios/kama/sim2-tfr21-mig0.toml.
    #[arg(required = true)]
    pub scenarios: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write to this file instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Language of the table.
    #[arg(long, value_enum, default_value_t = crate::cli::kpi::LangArg::Ja)]
    pub lang: crate::cli::kpi::LangArg,
}

/// Run `jinko longrun`.
pub fn run(args: &LongRunArgs) -> crate::Result<()> {
    let mut scenarios = Vec::with_capacity(args.scenarios.len());
    for path in &args.scenarios {
        scenarios.push(Scenario::load(path)?);
    }
    let mut runs = Vec::with_capacity(scenarios.len());
    for s in &scenarios {
        let p = s.project()?;
        runs.push((s, long_run(&s.model, &p)?));
    }
    let text = match args.format {
        Format::Table => longrun::table(&runs, args.lang.into()),
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&longrun::json(&runs))
                .map_err(|e| crate::Error::Invalid(format!("cannot write JSON: {e}")))?;
            s.push('\n');
            s
        }
    };
    emit(&text, args.out.as_deref())
}
