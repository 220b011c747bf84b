//! `jinko bundle` (for maintainers): build the national bundle file from the reference CSV
//! files (see `scenarios/japan/README.md` for the sources and the format).

use crate::output::atomic::write_atomic;
use std::path::PathBuf;

/// Arguments of `jinko bundle`.
#[derive(Debug, clap::Args)]
pub struct BundleArgs {
    /// The folder of the municipal reference data (municipalities.csv, census_1980_2015.csv, …).
    #[arg(long)]
    pub municipal: PathBuf,
    /// The folder with the national files in the project's schema (wpp2024_japan_mx.csv,
    /// wpp2024_japan_srb.csv, hfd_japan_asfr.csv), e.g. scenarios/kama.
    #[arg(long)]
    pub national: PathBuf,
    /// The bundle file to write, e.g. scenarios/japan/bundle.bin.
    #[arg(long)]
    pub out: PathBuf,
}

/// Run `jinko bundle`.
pub fn run(args: &BundleArgs) -> crate::Result<()> {
    let bytes = crate::national::build_bundle(&args.municipal, &args.national)?;
    write_atomic(&args.out, &bytes)?;
    println!("{}: {} bytes", args.out.display(), bytes.len());
    Ok(())
}
