//! `jinko tornado SCENARIO [--delta NAME=AMOUNT]… [--year Y] [--format table|csv|json]`: one
//! assumption at a time moved down and up, ranked by the change in the total
//! (see [`crate::batch::tornado`]).

use super::project::emit;
use crate::batch::progress::Progress;
use crate::batch::tornado::{tornado, DEFAULT_DELTA, PARAMETERS};
use crate::output::chart::Chart;
use crate::scenario::Scenario;
use std::path::PathBuf;

/// Output format of `jinko tornado`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TornadoFormat {
    /// A readable table with bars.
    Table,
    /// CSV, one bar a line.
    Csv,
    /// One JSON object.
    Json,
}

/// Arguments of `jinko tornado`.
#[derive(Debug, clap::Args)]
pub struct TornadoArgs {
    /// The scenario file (TOML).
    pub scenario: PathBuf,
    /// An assumption and the amount to move it, e.g. `fert_mult=0.1` (repeatable; fert_mult,
    /// mort_mult, mig_mult, tfr). Default: each of them by 0.1.
    #[arg(long, value_parser = parse_delta)]
    pub delta: Vec<(String, f64)>,
    /// The year whose total is compared (default: the horizon).
    #[arg(long)]
    pub year: Option<i32>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TornadoFormat::Table)]
    pub format: TornadoFormat,
    /// Write to this file (whole or not at all) instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Also draw the chart to this file: FILE.svg, or FILE.png.
    #[arg(long, value_name = "FILE.svg|FILE.png")]
    pub chart: Option<PathBuf>,
    /// Resolution of a PNG chart (dots per inch; the chart is 160 mm wide).
    #[arg(long, default_value_t = crate::output::chart::png::DEFAULT_DPI)]
    pub dpi: f64,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
    /// Language of the table.
    #[arg(long, value_enum, default_value_t = crate::cli::kpi::LangArg::Ja)]
    pub lang: crate::cli::kpi::LangArg,
}

fn parse_delta(s: &str) -> Result<(String, f64), String> {
    let (k, v) = s
        .split_once('=')
        .ok_or_else(|| format!("\"{s}\": expected NAME=AMOUNT, e.g. fert_mult=0.1"))?;
    let k = k.trim();
    if !PARAMETERS.contains(&k) {
        return Err(format!(
            "\"{k}\": expected one of {}",
            PARAMETERS.join(", ")
        ));
    }
    let v: f64 = v
        .trim()
        .parse()
        .ok()
        .filter(|x: &f64| x.is_finite() && *x > 0.0)
        .ok_or_else(|| format!("\"{v}\": expected a positive amount"))?;
    Ok((k.to_string(), v))
}

/// Run `jinko tornado`.
pub fn run(args: &TornadoArgs) -> crate::Result<()> {
    let scenario = Scenario::load(&args.scenario)?;
    let deltas: Vec<(String, f64)> = if args.delta.is_empty() {
        PARAMETERS
            .iter()
            .map(|p| (p.to_string(), DEFAULT_DELTA))
            .collect()
    } else {
        args.delta.clone()
    };
    let year = args.year.unwrap_or(scenario.model.horizon());
    let progress = Progress::new(2 * deltas.len() as u64 + 1, "tornado", !args.quiet);
    let result = tornado(&scenario, &deltas, year, &progress)?;
    progress.finish();
    if let Some(path) = &args.chart {
        let pack = &scenario.pack;
        let target = pack
            .reference_series(&pack.compare.target)
            .get(&year)
            .copied();
        let svg = crate::output::chart::studies::tornado(&result, pack, target).render()?;
        crate::output::atomic::write_atomic(
            path,
            &super::chart::chart_bytes(path, svg, args.dpi)?,
        )?;
    }
    let text = match args.format {
        TornadoFormat::Table => {
            crate::output::studies::tornado_table(&result, &scenario.title, args.lang.into())
        }
        TornadoFormat::Csv => result.csv(),
        TornadoFormat::Json => super::json(&result)?,
    };
    emit(&text, args.out.as_deref())
}
