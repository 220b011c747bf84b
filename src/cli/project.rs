//! `jinko project SCENARIO`: run one scenario and print it as a table, JSON or CSV, to stdout or
//! (whole or not at all) to a file.

use crate::output::{atomic::write_atomic, intervals, projection};
use crate::scenario::Scenario;
use std::io::Write;
use std::path::PathBuf;

/// Output format of `jinko project`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A readable table.
    Table,
    /// One JSON object (see the README).
    Json,
    /// Long form `year,sex,age,population` (persons to `--precision` decimals).
    Csv,
}

/// Arguments of `jinko project`.
#[derive(Debug, clap::Args)]
pub struct ProjectArgs {
    /// The scenario file (TOML), e.g. scenarios/kama/ipss-h30.toml.
    pub scenario: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Decimals of persons in the CSV (0–12), or `full` for every digit.
    #[arg(long, value_parser = crate::output::numbers::Precision::parse, default_value = "1")]
    pub precision: crate::output::numbers::Precision,
    /// Write to this file instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Language of the table.
    #[arg(long, value_enum, default_value_t = crate::cli::kpi::LangArg::Ja)]
    pub lang: crate::cli::kpi::LangArg,
    /// Add 50/80/95% prediction intervals of the total and 0-14 / 15-64 / 65+ from Japan's
    /// record of projection errors: a table section, the JSON key `intervals`, or (CSV) the
    /// interval table `year,horizon,variable,projected,lower_50,upper_50,lower_80,upper_80,lower_95,upper_95,extrapolated`
    /// instead of the population.
    #[arg(long)]
    pub intervals: bool,
}

/// Print `text` to stdout, or write it whole to `out`.
pub fn emit(text: &str, out: Option<&std::path::Path>) -> crate::Result<()> {
    match out {
        Some(path) => write_atomic(path, text.as_bytes()),
        None => {
            let mut stdout = std::io::stdout().lock();
            // A closed pipe (e.g. `| head`) is not an error worth reporting.
            let _ = stdout.write_all(text.as_bytes());
            let _ = stdout.flush();
            Ok(())
        }
    }
}

/// Write an output row by row with `write`: to a temporary file committed over `out` when it is
/// complete (whole or not at all), or to stdout (a closed pipe ends the output quietly).
pub fn emit_with(
    out: Option<&std::path::Path>,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> crate::Result<()> {
    match out {
        Some(path) => {
            let mut file = crate::output::atomic::stage(path)?;
            write(&mut file).map_err(|e| file.error(e))?;
            crate::output::atomic::commit(vec![file])
        }
        None => {
            let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
            match write(&mut stdout).and_then(|()| stdout.flush()) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    Err(crate::Error::io("standard output", e))
                }
                _ => Ok(()),
            }
        }
    }
}

/// Run `jinko project`.
pub fn run(args: &ProjectArgs) -> crate::Result<()> {
    let scenario = Scenario::load(&args.scenario)?;
    let p = scenario.project()?;
    // Warnings go to stderr in every format (the table and JSON carry them too).
    for w in &p.warnings {
        eprintln!("warning: {w}");
    }
    let around = if args.intervals {
        Some(intervals::of_projection(&p, scenario.model.base_year)?)
    } else {
        None
    };
    let lang: crate::kpi::Lang = args.lang.into();
    let text = match (args.format, &around) {
        (Format::Table, a) => {
            let mut t = projection::table_in(&scenario, &p, lang);
            if let Some(a) = a {
                t.push('\n');
                t.push_str(&intervals::table(a, lang == crate::kpi::Lang::Ja));
            }
            t
        }
        (Format::Json, a) => {
            let mut v = projection::json(&scenario, &p);
            if let Some(a) = a {
                v["intervals"] = intervals::json(a);
            }
            let mut s = serde_json::to_string_pretty(&v)
                .map_err(|e| crate::Error::Invalid(format!("cannot write JSON: {e}")))?;
            s.push('\n');
            s
        }
        (Format::Csv, Some(a)) => intervals::csv(a),
        (Format::Csv, None) => projection::csv_with(&p, args.precision),
    };
    emit(&text, args.out.as_deref())
}
