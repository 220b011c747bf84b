//! The command-line interface: argument definitions (clap) and one module per command. The binary
//! (`src/main.rs`) only parses, dispatches here, prints the error once and sets the exit code.

use clap::{Parser, Subcommand};

pub mod assumptions;
pub mod backtest;
pub mod chart;
pub mod compare;
pub mod evaluate;
pub mod kpi;
pub mod project;
pub mod report;

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
    /// Compare scenarios with the official path and the target, with the impact analysis.
    Compare(compare::CompareArgs),
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
}

/// Run the parsed command line. Output goes to stdout (or to files the command names).
pub fn run(cli: Cli) -> crate::Result<()> {
    match cli.command {
        Command::Project(args) => project::run(&args),
        Command::Kpi(args) => kpi::run(&args),
        Command::Compare(args) => compare::run(&args),
        Command::Backtest(args) => backtest::run(&args),
        Command::Assumptions(args) => assumptions::run(&args),
        Command::Evaluate(args) => evaluate::run(&args),
        Command::Chart(args) => chart::run(&args),
        Command::Report(args) => report::run(&args),
    }
}
