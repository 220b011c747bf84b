//! `jinko serve`: a simulator in the browser for any municipality, on the real engine — one page
//! (Japanese, with an English toggle; its HTML, script and style are inside the binary) and a JSON
//! API, served by axum on tokio, on loopback unless another address is given.
//!
//! - [`api`]: the request (the page's controls) and its checks; each control is one key of the
//!   scenario language, and the request is written as the scenario TOML that extends the
//!   municipality's パターン1. The live result is projected *from that text*, so the exported file
//!   gives, under `jinko project`, the very numbers the page shows.
//! - [`state`]: the places (the national bundle, the `--pack` folders read once at start), the
//!   built パターン1 of each on each basis — 2015 (IPSS 2018) or 2020 (IPSS 2023 estimated,
//!   `pattern1-r5.toml`; a 422 naming why where it cannot be formed) — in a bounded cache, and
//!   the simulation.
//! - [`answer`]: the answers (totals beside パターン1, Sim1, Sim2 and the official path, the age
//!   groups, the pyramid, the gap to the target, the impact levels) and the solve (`jinko solve`'s
//!   bisection, then checked — and refined by secant steps where other controls interact — on the
//!   exported scenario, so that the answer lands on the target within 0.01 persons).
//! - [`routes`]: the HTTP routes, limits and errors.
//!
//! Limits: on loopback, only requests for the server's own host (`localhost`, `127.0.0.1`,
//! `[::1]` with its port; 403 otherwise, against DNS rebinding: [`routes`]); request bodies of at
//! most [`api::MAX_BODY`] bytes (413 beyond); POST bodies must be
//! `application/json` (415 otherwise, which also keeps other web pages from posting forms to the
//! server); at most one projection job per core at a time (others wait, 503 after 10 s); a bad
//! field is a 400 naming it and what was expected (the scenario language's own messages for
//! values), an unknown place a 404. Routes are fixed: no path of a request is ever joined to a
//! folder, so `../` and its encodings only reach the 404 fallback.
//!
//! Endpoints: `GET /` (the page), `/app.js`, `/style.css`; `GET /api/places?q=飯塚` (search by
//! name or code); `GET /api/place/{id}?basis=2020`; `POST /api/simulate`, `/api/solve`,
//! `/api/export/toml`, `/api/export/xlsx`, `/api/export/report`.

pub mod answer;
pub mod api;
pub mod routes;
pub mod state;

use crate::error::{Error, Result};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

/// How the server is started.
#[derive(Debug, Clone)]
pub struct Options {
    /// The address to listen on.
    pub bind: IpAddr,
    /// The port (0: any free port).
    pub port: u16,
    /// Pack folders to offer beside the national bundle.
    pub packs: Vec<PathBuf>,
}

/// A bound server, ready to run.
#[derive(Debug)]
pub struct Server {
    listener: std::net::TcpListener,
    app: Arc<routes::App>,
}

impl Server {
    /// Read the packs, build their パターン1, and bind the address.
    pub fn bind(options: &Options) -> Result<Server> {
        let state = state::State::new(&options.packs)?;
        let addr = SocketAddr::new(options.bind, options.port);
        let listener = std::net::TcpListener::bind(addr)
            .map_err(|e| Error::Invalid(format!("cannot listen on {addr}: {e}")))?;
        listener
            .set_nonblocking(true)
            .map_err(|e| Error::Invalid(format!("cannot listen on {addr}: {e}")))?;
        let bound = listener
            .local_addr()
            .map_err(|e| Error::Invalid(format!("cannot read the bound address: {e}")))?;
        let hosts = options
            .bind
            .is_loopback()
            .then(|| routes::Hosts::loopback(bound));
        Ok(Server {
            listener,
            app: Arc::new(routes::App::new(state, hosts)),
        })
    }

    /// The address bound (with the port chosen when 0 was asked).
    pub fn addr(&self) -> Result<SocketAddr> {
        self.listener
            .local_addr()
            .map_err(|e| Error::Invalid(format!("cannot read the bound address: {e}")))
    }

    /// Serve until the process ends.
    pub fn run(self) -> Result<()> {
        let workers = routes::permits().clamp(1, 4);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .max_blocking_threads(routes::permits() + 2)
            .enable_all()
            .build()
            .map_err(|e| Error::Invalid(format!("cannot start the server: {e}")))?;
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(self.listener)
                .map_err(|e| Error::Invalid(format!("cannot listen: {e}")))?;
            axum::serve(listener, routes::router(self.app))
                .await
                .map_err(|e| Error::Invalid(format!("the server stopped: {e}")))
        })
    }
}
