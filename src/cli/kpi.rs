//! `jinko kpi FILE`: grade a strategy's KPIs and goal indicators ○ / △ / × and print the table
//! and the summary per goal (text in Japanese or English, or JSON).

use crate::error::{Error, Result};
use crate::kpi::{self, Lang};
use crate::output::atomic::write_atomic;
use std::io::Write;
use std::path::PathBuf;

/// Output language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LangArg {
    /// Japanese, with the report's headers.
    Ja,
    /// English.
    En,
}

impl From<LangArg> for Lang {
    fn from(l: LangArg) -> Lang {
        match l {
            LangArg::Ja => Lang::Ja,
            LangArg::En => Lang::En,
        }
    }
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    /// Text tables.
    Table,
    /// One JSON object.
    Json,
}

/// Arguments of `jinko kpi`.
#[derive(Debug, clap::Args)]
pub struct KpiArgs {
    /// The KPI file (TOML), e.g. scenarios/kama/kpi.toml.
    pub file: PathBuf,
    /// A CSV `kpi_id,year,value` of actuals that add to or override those in the file.
    #[arg(long, value_name = "CSV")]
    pub actuals: Option<PathBuf>,
    /// Language of the table (and of names in JSON).
    #[arg(long, value_enum, default_value = "ja")]
    pub lang: LangArg,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: FormatArg,
    /// Write to this file (whole or not at all) instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Run `jinko kpi`.
pub fn run(args: &KpiArgs) -> Result<()> {
    let mut strategy = kpi::load(&args.file)?;
    if let Some(csv) = &args.actuals {
        kpi::apply_actuals_file(&mut strategy, csv)?;
    }
    let review = kpi::review(&strategy)?;
    let lang = match args.lang {
        LangArg::Ja => Lang::Ja,
        LangArg::En => Lang::En,
    };
    let text = match args.format {
        FormatArg::Table => kpi::render_table(&review, lang),
        FormatArg::Json => kpi::render_json(&review, lang),
    };
    match &args.out {
        Some(path) => write_atomic(path, text.as_bytes()),
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())
                .and_then(|()| out.flush())
                .map_err(|e| Error::io("<stdout>", e))
        }
    }
}
