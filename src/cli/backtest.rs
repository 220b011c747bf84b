//! `jinko backtest PACK`: ex-post accuracy of the cohort-change-ratio method on a pack's censuses.

use crate::cli::kpi::LangArg;
use crate::cli::project::emit;
use crate::output::backtest;
use crate::pack::Pack;
use std::path::PathBuf;

/// Output format of `jinko backtest`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BacktestFormat {
    /// A readable table (Japanese, or English with `--lang en`).
    Table,
    /// One JSON object: `rows`, `mape`, `published_miss`.
    Json,
    /// One line per projection: `variant,base,target,horizon,projected,census,error_total,error_0_14,error_15_64,error_65_plus` (errors in percent).
    Csv,
}

/// Arguments of `jinko backtest`.
#[derive(Debug, clap::Args)]
pub struct BacktestArgs {
    /// The data pack folder (holding pack.toml), e.g. scenarios/kama.
    pub pack: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = BacktestFormat::Table)]
    pub format: BacktestFormat,
    /// Language of the table.
    #[arg(long, value_enum, default_value_t = LangArg::Ja)]
    pub lang: LangArg,
    /// Write to this file instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Run `jinko backtest`.
pub fn run(args: &BacktestArgs) -> crate::Result<()> {
    let pack = Pack::load(&args.pack)?;
    let b = crate::backtest::run(&pack)?;
    let text = match args.format {
        BacktestFormat::Table => backtest::table(&b, &pack.name, args.lang.into()),
        BacktestFormat::Json => {
            let mut s = serde_json::to_string_pretty(&backtest::json(&b))
                .map_err(|e| crate::Error::Invalid(format!("cannot write JSON: {e}")))?;
            s.push('\n');
            s
        }
        BacktestFormat::Csv => backtest::csv(&b),
    };
    emit(&text, args.out.as_deref())
}
