//! `jinko montecarlo SPEC.toml [--format table|csv|json] [--trajectories-out FILE] [--threads N]`:
//! percentiles of the total by year and the probability of reaching the target
//! (see [`crate::batch::montecarlo`]).

use super::project::emit;
use crate::batch::montecarlo::MonteCarlo;
use crate::batch::progress::Progress;
use crate::output::atomic::{commit, stage};
use crate::output::chart::Chart;
use std::io::Write;
use std::path::PathBuf;

/// Output format of `jinko montecarlo`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum McFormat {
    /// A readable table and the probability.
    Table,
    /// `year,mean,p2.5,…`.
    Csv,
    /// One JSON object.
    Json,
}

/// Arguments of `jinko montecarlo`.
#[derive(Debug, clap::Args)]
pub struct McArgs {
    /// The Monte Carlo spec (TOML).
    pub spec: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = McFormat::Table)]
    pub format: McFormat,
    /// Write to this file (whole or not at all) instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Also write every trajectory's totals (`trajectory,total_<year>…`) to this file.
    #[arg(long)]
    pub trajectories_out: Option<PathBuf>,
    /// Override the spec's number of trajectories.
    #[arg(long, short = 'n')]
    pub trajectories: Option<usize>,
    /// Override the spec's seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Threads (default or 0: every core; at most 4 per core). The output does not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
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

/// Run `jinko montecarlo`.
pub fn run(args: &McArgs) -> crate::Result<()> {
    let mut mc = MonteCarlo::load(&args.spec)?;
    if let Some(n) = args.trajectories {
        if n == 0 || n > crate::batch::montecarlo::MAX_TRAJECTORIES {
            return Err(crate::Error::input(
                crate::Location::file("command line").field("-n"),
                format!(
                    "-n {n}: expected 1 to {} trajectories",
                    crate::batch::montecarlo::MAX_TRAJECTORIES
                ),
            ));
        }
        mc.trajectories = n;
        mc.trajectories_at = crate::Location::file("command line").field("-n");
    }
    if let Some(s) = args.seed {
        mc.seed = s;
    }
    let keep = args.trajectories_out.is_some();
    let go = || -> crate::Result<_> {
        let progress = Progress::new(mc.trajectories as u64, "montecarlo", !args.quiet);
        let r = mc.run(keep, &progress)?;
        progress.finish();
        Ok(r)
    };
    let result = super::with_threads(args.threads, go)?;
    if result.clamped_draws > 0 {
        eprintln!("{}", result.clamped_warning());
    }
    let rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(mc.seed);
    let s = &mc.scenario;
    let clamped = super::with_threads(args.threads, || {
        Ok(crate::batch::clamps::count(
            &s.model,
            &s.base,
            mc.trajectories,
            |i, m| {
                mc.draw(&rng, i, m);
            },
        ))
    })?;
    if let Some(w) = crate::batch::clamps::warning(clamped, mc.trajectories, "trajectories") {
        eprintln!("{w}");
    }
    let text = match args.format {
        McFormat::Table => {
            crate::output::studies::montecarlo_table(&result, &mc.scenario.title, args.lang.into())
        }
        McFormat::Csv => result.csv(),
        McFormat::Json => super::json(&result)?,
    };
    // Every file of the run is committed together (all or none), stdout only after. The
    // trajectories are written row by row to their temporary file.
    let chart = match &args.chart {
        Some(path) => {
            let svg = crate::output::chart::studies::fan(&result, &mc.scenario.pack).render()?;
            Some(super::chart::chart_bytes(path, svg, args.dpi)?)
        }
        None => None,
    };
    let mut files = Vec::new();
    if let Some(path) = &args.trajectories_out {
        let mut f = stage(path)?;
        result.write_trajectories(&mut f).map_err(|e| f.error(e))?;
        files.push(f);
    }
    let small = [
        (args.chart.as_deref(), chart.as_deref()),
        (args.out.as_deref(), Some(text.as_bytes())),
    ];
    for (path, bytes) in small {
        if let (Some(path), Some(bytes)) = (path, bytes) {
            let mut f = stage(path)?;
            f.write_all(bytes).map_err(|e| f.error(e))?;
            files.push(f);
        }
    }
    commit(files)?;
    if args.out.is_none() {
        emit(&text, None)?;
    }
    Ok(())
}
