//! `jinko backtest PACK`: ex-post accuracy of the cohort-change-ratio method on a pack's censuses.

use crate::cli::project::{emit, Format};
use crate::output::backtest;
use crate::pack::Pack;
use std::path::PathBuf;

/// Arguments of `jinko backtest`.
#[derive(Debug, clap::Args)]
pub struct BacktestArgs {
    /// The data pack folder (holding pack.toml), e.g. scenarios/kama.
    pub pack: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write to this file instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Run `jinko backtest`.
pub fn run(args: &BacktestArgs) -> crate::Result<()> {
    let pack = Pack::load(&args.pack)?;
    let b = crate::backtest::run(&pack)?;
    let text = match args.format {
        Format::Table => backtest::table(&b, &pack.name),
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&backtest::json(&b))
                .map_err(|e| crate::Error::Invalid(format!("cannot write JSON: {e}")))?;
            s.push('\n');
            s
        }
        Format::Csv => backtest::csv(&b),
    };
    emit(&text, args.out.as_deref())
}
