//! `jinko assumptions SCENARIO --out DIR`: write the scenario's resolved assumptions (after
//! derivation, TFR paths, multipliers and targets) as data-pack CSV files.

use crate::output::assumptions;
use crate::scenario::Scenario;
use std::path::PathBuf;

/// Arguments of `jinko assumptions`.
#[derive(Debug, clap::Args)]
pub struct AssumptionsArgs {
    /// The scenario file (TOML).
    pub scenario: PathBuf,
    /// The folder to write into (created if missing).
    #[arg(long)]
    pub out: PathBuf,
}

/// Run `jinko assumptions`.
pub fn run(args: &AssumptionsArgs) -> crate::Result<()> {
    let scenario = Scenario::load(&args.scenario)?;
    if !scenario.measures.is_empty() {
        eprintln!("note: the scenario's [[measures]] are flows on top of these assumptions and are not written");
    }
    let files = assumptions::files(&scenario.model);
    let bytes: Vec<(String, Vec<u8>)> = files
        .into_iter()
        .map(|(n, s)| (n, s.into_bytes()))
        .collect();
    crate::output::report::write_set(&args.out, &bytes)?;
    for (name, b) in &bytes {
        eprintln!(
            "wrote {} ({} bytes)",
            args.out.join(name).display(),
            b.len()
        );
    }
    Ok(())
}
