//! `jinko sweep SPEC.toml [--format csv|json|grid] [--out FILE] [--grid-out FILE] [--quiet]`:
//! every combination of the spec's parameters (see [`crate::batch::sweep`]).

use super::project::emit_with;
use crate::batch::progress::Progress;
use crate::batch::sweep::Sweep;
use crate::output::atomic::write_atomic;
use crate::output::chart::Chart;
use std::path::PathBuf;

/// Output format of `jinko sweep`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SweepFormat {
    /// Long CSV: one line per variant (parameters, totals by year, indicators).
    Csv,
    /// One JSON object: variants and grids.
    Json,
    /// The grid year's total as CSV matrices (rows × columns).
    Grid,
}

/// Arguments of `jinko sweep`.
#[derive(Debug, clap::Args)]
pub struct SweepArgs {
    /// The sweep spec (TOML).
    pub spec: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SweepFormat::Csv)]
    pub format: SweepFormat,
    /// Write to this file (whole or not at all) instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Also write the grid matrices to this file.
    #[arg(long)]
    pub grid_out: Option<PathBuf>,
    /// Also draw the chart to this file: FILE.svg, or FILE.png.
    #[arg(long, value_name = "FILE.svg|FILE.png")]
    pub chart: Option<PathBuf>,
    /// Resolution of a PNG chart (dots per inch; the chart is 160 mm wide).
    #[arg(long, default_value_t = crate::output::chart::png::DEFAULT_DPI)]
    pub dpi: f64,
    /// Decimals of persons in the CSV (0–12), or `full` for every digit.
    #[arg(long, value_parser = crate::output::numbers::Precision::parse, default_value = "1")]
    pub precision: crate::output::numbers::Precision,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Run `jinko sweep`.
pub fn run(args: &SweepArgs) -> crate::Result<()> {
    let sweep = Sweep::load(&args.spec)?;
    let progress = Progress::new(sweep.count() as u64, "sweep", !args.quiet);
    let result = sweep.run(&progress)?;
    progress.finish();
    let s = &sweep.scenario;
    let clamped = crate::batch::clamps::count(&s.model, &s.base, sweep.count(), |i, m| {
        if let Ok(x) = sweep.multipliers(&sweep.values(i)) {
            *m = x;
        }
    });
    if let Some(w) = crate::batch::clamps::warning(clamped, sweep.count(), "variants") {
        eprintln!("{w}");
    }
    if let Some(path) = &args.chart {
        let Some(grid) = result.grids.first() else {
            return Err(crate::Error::Invalid(
                "--chart needs a grid: give the spec a [grid] with rows and columns".into(),
            ));
        };
        let svg = crate::output::chart::studies::heatmap(
            grid,
            result.year,
            result.target,
            &sweep.scenario.pack,
        )
        .render()?;
        write_atomic(path, &super::chart::chart_bytes(path, svg, args.dpi)?)?;
    }
    if let Some(g) = &args.grid_out {
        write_atomic(g, result.grid_csv_with(args.precision).as_bytes())?;
    }
    // Written row by row (CSV) or streamed (JSON) to the temporary file or stdout.
    emit_with(args.out.as_deref(), |w| match args.format {
        SweepFormat::Csv => result.write_csv(w, args.precision),
        SweepFormat::Grid => w.write_all(result.grid_csv_with(args.precision).as_bytes()),
        SweepFormat::Json => super::json_to(w, &result),
    })
}
