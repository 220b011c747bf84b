//! `jinko backtest PACK`: ex-post accuracy of the census-based methods on a pack's censuses;
//! `jinko backtest --national`: the same over every municipality of the national bundle, beside
//! IPSS 2018's own 2020 miss (see [`crate::backtest::national`]).

use crate::cli::kpi::LangArg;
use crate::cli::project::emit;
use crate::output::backtest;
use crate::output::backtest_national;
use crate::output::chart::Chart;
use crate::pack::Pack;
use std::path::PathBuf;

/// Output format of `jinko backtest`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BacktestFormat {
    /// A readable table (Japanese, or English with `--lang en`).
    Table,
    /// One JSON object: `rows`, `mape`, `published_miss` (with `--national`: `at_2020`, `by_horizon`).
    Json,
    /// One line per projection: `variant,base,target,horizon,projected,census,error_total,error_0_14,error_15_64,error_65_plus` (errors in percent); with `--national` one line per summary: `scope,method,horizon,size_class,variable,count,mape,median_ape,mean_signed,p90_ape`.
    Csv,
    /// An Excel workbook (with `--national`; needs --out).
    Xlsx,
}

/// Arguments of `jinko backtest`.
#[derive(Debug, clap::Args)]
pub struct BacktestArgs {
    /// The data pack folder (holding pack.toml), e.g. scenarios/kama (not with --national).
    #[arg(required_unless_present = "national", conflicts_with = "national")]
    pub pack: Option<PathBuf>,
    /// Every municipality of the national bundle (the 1,682 IPSS 2018 projected), every base
    /// census 1985 … 2015 and method, against every later census and 2020.
    #[arg(long)]
    pub national: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = BacktestFormat::Table)]
    pub format: BacktestFormat,
    /// Language of the table and chart.
    #[arg(long, value_enum, default_value_t = LangArg::Ja)]
    pub lang: LangArg,
    /// Write to this file (whole or not at all) instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// With --national: also draw the error by horizon and size to FILE.svg or FILE.png.
    #[arg(long, value_name = "FILE.svg|FILE.png", requires = "national")]
    pub chart: Option<PathBuf>,
    /// Resolution of a PNG chart (dots per inch).
    #[arg(long, default_value_t = crate::output::chart::png::DEFAULT_DPI)]
    pub dpi: f64,
}

fn invalid(msg: &str) -> crate::Error {
    crate::Error::input(crate::Location::file("command line"), msg.to_string())
}

/// Run `jinko backtest`.
pub fn run(args: &BacktestArgs) -> crate::Result<()> {
    if args.national {
        return national(args);
    }
    let Some(dir) = &args.pack else {
        return Err(invalid("expected a pack folder or --national"));
    };
    let pack = Pack::load(dir)?;
    let b = crate::backtest::run(&pack)?;
    let text = match args.format {
        BacktestFormat::Table => backtest::table(&b, &pack.name, args.lang.into()),
        BacktestFormat::Json => crate::cli::json(&backtest::json(&b))?,
        BacktestFormat::Csv => backtest::csv(&b),
        BacktestFormat::Xlsx => {
            return Err(invalid(
                "--format xlsx: the workbook is of the national backtest (add --national)",
            ))
        }
    };
    emit(&text, args.out.as_deref())
}

fn national(args: &BacktestArgs) -> crate::Result<()> {
    if args.format == BacktestFormat::Xlsx && args.out.is_none() {
        return Err(invalid(
            "--format xlsx writes a workbook: name the file with --out FILE.xlsx",
        ));
    }
    if args.chart.is_some() {
        crate::output::chart::png::check_dpi(args.dpi)?;
    }
    let b = crate::backtest::national::run(crate::national::Bundle::get()?)?;
    let lang = args.lang.into();
    let body: Vec<u8> = match args.format {
        BacktestFormat::Table => backtest_national::table(&b, lang).into_bytes(),
        BacktestFormat::Json => crate::cli::json(&backtest_national::json(&b))?.into_bytes(),
        BacktestFormat::Csv => backtest_national::csv(&b).into_bytes(),
        BacktestFormat::Xlsx => backtest_national::xlsx(&b)?,
    };
    let chart = match &args.chart {
        Some(path) => {
            let svg = backtest_national::chart(&b, lang).render()?;
            Some(super::chart::chart_bytes(path, svg, args.dpi)?)
        }
        None => None,
    };
    let mut files: Vec<(&std::path::Path, &[u8])> = Vec::new();
    if let (Some(path), Some(c)) = (&args.chart, &chart) {
        files.push((path, c.as_slice()));
    }
    if let Some(path) = &args.out {
        files.push((path, body.as_slice()));
    }
    crate::output::atomic::write_all(&files)?;
    if args.out.is_none() {
        emit(&String::from_utf8_lossy(&body), None)?;
    }
    Ok(())
}
