//! `jinko chart KIND INPUT... --out FILE`: draw one chart as SVG. The kinds that work from
//! scenarios (`trajectories`, `pyramid`, `shares`, `components`) take one or more scenario files;
//! `kpi` takes a KPI file. The file is written whole or not at all.

use crate::error::{Error, Result};
use crate::kpi;
use crate::output::atomic::write_atomic;
use crate::output::chart::build::{self, Run};
use crate::output::chart::Chart;
use std::path::PathBuf;

/// What to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// Total population of each scenario beside the IPSS path, with the target marked.
    Trajectories,
    /// Population pyramids (base year, 2040, 2065, or --year); the first two scenarios overlaid.
    Pyramid,
    /// Shares of 0-14 / 15-64 / 65+ over time, one panel per scenario.
    Shares,
    /// Natural and social change per five-year period, one panel per scenario.
    Components,
    /// KPI grades ○ △ × per basic goal (input: a KPI file).
    Kpi,
    /// The first scenario's total with its 50/80/95% prediction intervals from Japan's record.
    Intervals,
}

/// Arguments of `jinko chart`.
#[derive(Debug, clap::Args)]
pub struct ChartArgs {
    /// The kind of chart.
    #[arg(value_enum)]
    pub kind: Kind,
    /// Scenario files (TOML), or one KPI file for `kpi`.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// The file to write: FILE.svg, or FILE.png (rendered in Rust with the machine's Japanese font).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Resolution of a PNG (dots per inch; the chart is 160 mm wide, the text width of A4).
    #[arg(long, default_value_t = crate::output::chart::png::DEFAULT_DPI)]
    pub dpi: f64,
    /// Years of the pyramids (repeat for several); default: the base year, 2040 and 2065.
    #[arg(long = "year", value_name = "YEAR")]
    pub years: Vec<i32>,
}

/// Render the chart of `args` as SVG bytes.
pub fn render(args: &ChartArgs) -> Result<Vec<u8>> {
    if args.kind == Kind::Kpi {
        let [file] = args.inputs.as_slice() else {
            return Err(Error::Invalid(
                "jinko chart kpi takes one KPI file, e.g. scenarios/kama/kpi.toml".into(),
            ));
        };
        let strategy = kpi::load(file)?;
        let review = kpi::review(&strategy)?;
        return build::grades(&review).render();
    }
    let runs = args
        .inputs
        .iter()
        .map(|p| Run::load(p))
        .collect::<Result<Vec<Run>>>()?;
    let Some(first) = runs.first() else {
        return Err(Error::Invalid("expected one scenario file or more".into()));
    };
    match args.kind {
        Kind::Trajectories => build::trajectories(&runs).render(),
        Kind::Pyramid => {
            let years = if args.years.is_empty() {
                build::default_pyramid_years(&first.projection)
            } else {
                args.years.clone()
            };
            if let Some(y) = years.iter().find(|y| !first.projection.years.contains(y)) {
                return Err(Error::Invalid(format!(
                    "--year {y}: the projection of {} has years {}",
                    first.scenario.path.display(),
                    first
                        .projection
                        .years
                        .iter()
                        .map(|y| y.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
            build::pyramid(&runs, &years).render()
        }
        Kind::Shares => build::shares(&runs).render(),
        Kind::Components => build::components(&runs).render(),
        Kind::Intervals => {
            let s = &first.scenario;
            let a = crate::output::intervals::of_projection(&first.projection, s.model.base_year)?;
            crate::output::intervals::fan(&s.title, &s.pack, &a).render()
        }
        Kind::Kpi => Err(Error::Invalid("jinko chart kpi takes a KPI file".into())),
    }
}

/// Run `jinko chart`.
pub fn run(args: &ChartArgs) -> Result<()> {
    let bytes = render(args)?;
    write_atomic(&args.out, &chart_bytes(&args.out, bytes, args.dpi)?)
}

/// The bytes to write for a chart `svg` to `out`: the SVG itself, or a PNG at `dpi` when `out`
/// ends in `.png` (any case).
pub fn chart_bytes(out: &std::path::Path, svg: Vec<u8>, dpi: f64) -> Result<Vec<u8>> {
    let png = out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("png"));
    if !png {
        return Ok(svg);
    }
    let text = String::from_utf8(svg).map_err(|e| Error::Render {
        what: "chart".into(),
        message: e.to_string(),
    })?;
    crate::output::chart::png::svg_to_png(&text, dpi)
}
