//! The `jinko` binary: parse the command line, run the command from the library, print any error
//! once and exit with its code (2 for bad input, 1 otherwise).

use clap::Parser;

fn main() {
    let cli = jinko::cli::Cli::parse();
    if let Err(err) = jinko::cli::run(cli) {
        eprintln!("error: {err}");
        std::process::exit(err.exit_code());
    }
}
