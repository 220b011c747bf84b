//! The command-line interface: argument definitions (clap) and one module per command. The binary
//! (`src/main.rs`) only parses, dispatches here, prints the error once and sets the exit code.

use clap::{Parser, Subcommand};

pub mod assumptions;
pub mod backtest;
pub mod batch;
pub mod bundle;
pub mod chart;
pub mod compare;
pub mod evaluate;
pub mod init;
pub mod kpi;
pub mod longrun;
pub mod montecarlo;
pub mod national;
pub mod project;
pub mod report;
pub mod serve;
pub mod solve;
pub mod sweep;
pub mod tornado;

/// jinko (人口): population projection and scenario simulation for Japanese municipalities.
#[derive(Debug, Parser)]
#[command(name = "jinko", version, about, long_about = None)]
pub struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Project a scenario and print the result (table, JSON or CSV).
    Project(project::ProjectArgs),
    /// Write the data pack of any municipality of Japan (code or name) from the national bundle.
    Init(init::InitArgs),
    /// Project every municipality of Japan (パターン1, Sim1, Sim2) with prefecture and Japan sums.
    National(national::NationalArgs),
    /// Compare scenarios with the official path and the target, with the impact analysis.
    Compare(compare::CompareArgs),
    /// The long run of scenarios (人口の長期的な安定): stable growth and structure, when the decline stops, momentum.
    Longrun(longrun::LongRunArgs),
    /// Write a scenario's resolved assumptions as data-pack CSV files.
    Assumptions(assumptions::AssumptionsArgs),
    /// Ex-post accuracy of the projection method on the pack's past censuses.
    Backtest(backtest::BacktestArgs),
    /// Grade a scenario's projected goal indicators against the strategy's numeric goals.
    Evaluate(evaluate::EvaluateArgs),
    /// Grade a strategy's KPIs and goal indicators ○ / △ / × (table or JSON).
    Kpi(kpi::KpiArgs),
    /// Draw a chart (SVG) from scenarios or a KPI file.
    Chart(chart::ChartArgs),
    /// Write the report set: one self-contained HTML file, an Excel workbook, CSVs and charts.
    Report(report::ReportArgs),
    /// Project many variants of a scenario (VARIANTS.csv of multipliers) with the batched engine.
    Batch(batch::BatchArgs),
    /// Project every combination of a grid of scenario parameters (SPEC.toml).
    Sweep(sweep::SweepArgs),
    /// Monte Carlo: percentiles of the total by year and the probability of the target.
    Montecarlo(montecarlo::McArgs),
    /// Solve for the TFR, migration multiplier or settling households that reach a target.
    Solve(solve::SolveArgs),
    /// Serve the simulator page and its JSON API (loopback by default).
    Serve(serve::ServeArgs),
    /// Move one assumption at a time and rank the change in the total (tornado chart).
    Tornado(tornado::TornadoArgs),
    /// Build the national bundle from the reference CSV files (for maintainers).
    #[command(hide = true)]
    Bundle(bundle::BundleArgs),
}

/// Run the parsed command line. Output goes to stdout (or to files the command names).
pub fn run(cli: Cli) -> crate::Result<()> {
    match cli.command {
        Command::Project(args) => project::run(&args),
        Command::Init(args) => init::run(&args),
        Command::National(args) => national::run(&args),
        Command::Bundle(args) => bundle::run(&args),
        Command::Kpi(args) => kpi::run(&args),
        Command::Compare(args) => compare::run(&args),
        Command::Longrun(args) => longrun::run(&args),
        Command::Backtest(args) => backtest::run(&args),
        Command::Assumptions(args) => assumptions::run(&args),
        Command::Evaluate(args) => evaluate::run(&args),
        Command::Chart(args) => chart::run(&args),
        Command::Report(args) => report::run(&args),
        Command::Batch(args) => batch::run(&args),
        Command::Sweep(args) => sweep::run(&args),
        Command::Montecarlo(args) => montecarlo::run(&args),
        Command::Solve(args) => solve::run(&args),
        Command::Tornado(args) => tornado::run(&args),
        Command::Serve(args) => serve::run(&args),
    }
}

/// Pretty JSON of `value`, with a final newline.
pub(crate) fn json<T: serde::Serialize>(value: &T) -> crate::Result<String> {
    let mut s = serde_json::to_string_pretty(value)
        .map_err(|e| crate::Error::Invalid(format!("cannot write JSON: {e}")))?;
    s.push('\n');
    Ok(s)
}

/// Write `value` as pretty JSON (and a newline) to `w`, without building the text in memory.
pub(crate) fn json_to<T: serde::Serialize>(
    w: &mut dyn std::io::Write,
    value: &T,
) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, value)?;
    w.write_all(b"\n")
}

/// Run `f` on a rayon pool of `threads` threads (or the global pool for none or 0), refusing more
/// than [`crate::limits::max_threads`].
pub(crate) fn with_threads<T: Send>(
    threads: Option<usize>,
    f: impl FnOnce() -> crate::Result<T> + Send,
) -> crate::Result<T> {
    match crate::limits::threads(threads)? {
        None => f(),
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build()
            .map_err(|e| crate::Error::Invalid(format!("cannot start {n} threads: {e}")))?
            .install(f),
    }
}
