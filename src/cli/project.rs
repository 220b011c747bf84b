//! `jinko project SCENARIO`: run one scenario and print it as a table, JSON or CSV.

/// Arguments of `jinko project`.
#[derive(Debug, clap::Args)]
pub struct ProjectArgs {
    /// The scenario file (TOML).
    pub scenario: std::path::PathBuf,
}

/// Run `jinko project`.
pub fn run(_args: &ProjectArgs) -> crate::Result<()> {
    Err(crate::Error::Invalid("not yet implemented".into()))
}
