//! `jinko report SCENARIO... [--kpi FILE] --out DIR`: the report set for planners — one
//! self-contained HTML file, an Excel workbook, CSVs that Excel opens on a Japanese PC, and the
//! charts as SVG and PNG — written whole or not at all.

use crate::error::Result;
use crate::kpi;
use crate::output::chart::build::Run;
use crate::output::csv::Encoding;
use crate::output::report;
use std::path::PathBuf;

/// Arguments of `jinko report`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Scenario files (TOML), e.g. scenarios/kama/ipss-h30.toml.
    #[arg(required = true)]
    pub scenarios: Vec<PathBuf>,
    /// A KPI file whose review is added (e.g. scenarios/kama/kpi.toml).
    #[arg(long, value_name = "FILE")]
    pub kpi: Option<PathBuf>,
    /// A CSV `kpi_id,year,value` of actuals for the KPI file.
    #[arg(long, value_name = "CSV", requires = "kpi")]
    pub actuals: Option<PathBuf>,
    /// Encoding of the CSV files: UTF-8 with a BOM (default) or Shift_JIS.
    #[arg(long, value_enum, default_value = "utf-8")]
    pub encoding: Encoding,
    /// Resolution of the PNG charts (dots per inch; each chart is 160 mm wide, the text width of A4).
    #[arg(long, default_value_t = crate::output::chart::png::DEFAULT_DPI)]
    pub dpi: f64,
    /// Write the charts as SVG only (no PNG; no Japanese font needed).
    #[arg(long)]
    pub no_png: bool,
    /// Add the first scenario's 50/80/95% prediction intervals from Japan's record of projection
    /// errors: a section of the HTML report ("2065年の総人口は80%の確率で…") and intervals.svg.
    #[arg(long)]
    pub intervals: bool,
    /// The folder to write (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// Run `jinko report`.
pub fn run(args: &ReportArgs) -> Result<()> {
    let runs = args
        .scenarios
        .iter()
        .map(|p| Run::load(p))
        .collect::<Result<Vec<Run>>>()?;
    let strategy = match &args.kpi {
        Some(path) => {
            let mut s = kpi::load(path)?;
            if let Some(csv) = &args.actuals {
                kpi::apply_actuals_file(&mut s, csv)?;
            }
            Some(s)
        }
        None => None,
    };
    let review = strategy.as_ref().map(kpi::review).transpose()?;
    let png = (!args.no_png).then_some(args.dpi);
    let files = report::files_with(&runs, review.as_ref(), args.encoding, png, args.intervals)?;
    report::write_set(&args.out, &files)?;
    for (name, bytes) in &files {
        eprintln!(
            "wrote {} ({} bytes)",
            args.out.join(name).display(),
            bytes.len()
        );
    }
    Ok(())
}
