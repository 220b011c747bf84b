//! `jinko batch SCENARIO VARIANTS.csv [--full] [--out FILE] [--quiet]`: project every variant of
//! VARIANTS.csv (`id` and any of `fert_mult`, `mort_mult`, `mig_mult`) with the batched engine;
//! print `id,total_<year>…`, or with `--full` the long form `id,year,sex,age,population`.

use super::project::emit_with;
use crate::batch::progress::Progress;
use crate::batch::variants;
use crate::scenario::Scenario;
use std::path::PathBuf;

/// Arguments of `jinko batch`.
#[derive(Debug, clap::Args)]
pub struct BatchArgs {
    /// The scenario file (TOML).
    pub scenario: PathBuf,
    /// The variants: CSV with `id` and any of `fert_mult`, `mort_mult`, `mig_mult`.
    pub variants: PathBuf,
    /// Long form `id,year,sex,age,population` instead of totals.
    #[arg(long)]
    pub full: bool,
    /// Write to this file (whole or not at all) instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Decimals of persons in the CSV (0–12), or `full` for every digit.
    #[arg(long, value_parser = crate::output::numbers::Precision::parse, default_value = "1")]
    pub precision: crate::output::numbers::Precision,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Run `jinko batch`.
pub fn run(args: &BatchArgs) -> crate::Result<()> {
    let scenario = Scenario::load(&args.scenario)?;
    let list = variants::read_variants(&args.variants, &scenario)?;
    let progress = Progress::new(list.len() as u64, "batch", !args.quiet);
    let result = variants::run(&scenario, &list, args.full, &progress)?;
    progress.finish();
    let clamped =
        crate::batch::clamps::count(&scenario.model, &scenario.base, list.len(), |i, m| {
            let v = &list[i];
            m.scale(v.fert_mult, v.mort_mult, v.mig_mult);
        });
    if let Some(w) = crate::batch::clamps::warning(clamped, list.len(), "variants") {
        eprintln!("{w}");
    }
    // Written row by row to the temporary file (or stdout).
    emit_with(args.out.as_deref(), |w| result.write_csv(w, args.precision))
}
