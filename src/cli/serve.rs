//! `jinko serve [--bind 127.0.0.1] [--port 8710] [--pack DIR]...`: the simulator page and its
//! JSON API (see [`crate::serve`]). Loopback by default; any other address gets a warning, since
//! the page has no login.

use std::io::Write;
use std::net::IpAddr;
use std::path::PathBuf;

/// Arguments of `jinko serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The address to listen on (another than loopback makes the page reachable by others).
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// The port (0: any free port; the address is printed).
    #[arg(long, default_value_t = 8710)]
    pub port: u16,
    /// A data pack folder to offer beside the national bundle (its パターン1 on each basis is
    /// the scenario with role = "pattern1" and base year 2015, or 2020); may be given more than
    /// once.
    #[arg(long, value_name = "DIR")]
    pub pack: Vec<PathBuf>,
}

/// Run `jinko serve` (until the process is stopped).
pub fn run(args: &ServeArgs) -> crate::Result<()> {
    if !args.bind.is_loopback() {
        eprintln!(
            "warning: listening on {}: the page has no login, so anyone who can reach this address can use it (and the packs given with --pack)",
            args.bind
        );
    }
    let server = crate::serve::Server::bind(&crate::serve::Options {
        bind: args.bind,
        port: args.port,
        packs: args.pack.clone(),
    })?;
    let addr = server.addr()?;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "jinko serve: http://{addr}/ (Ctrl-C で終了)");
    let _ = out.flush();
    drop(out);
    server.run()
}
