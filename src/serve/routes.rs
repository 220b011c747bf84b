//! The HTTP routes: the page's three assets (inside the binary), the JSON API, the exports; body
//! limits, the JSON content type, bounded projection jobs, and errors as JSON
//! `{"error": "...", "field": "..."}`.
//!
//! On loopback the server answers only requests whose `Host` (and request-target authority, if
//! any) is `localhost`, `127.0.0.1`, `[::1]` or the loopback address bound, with its port: a
//! guard against DNS rebinding, by which a web page on another site, its name re-pointed at
//! 127.0.0.1, would otherwise reach the API from the browser as the same origin. Other hosts get a 403 that says so. Bound to another
//! address (with the warning), the server answers any host.

use super::answer;
use super::api::{self, ApiError, Request, SolveRequest};
use super::state::State as Places;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, RawQuery, Request as HttpRequest, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

const INDEX: &str = include_str!("assets/index.html");
const SCRIPT: &str = include_str!("assets/app.js");
const STYLE: &str = include_str!("assets/style.css");

/// How long a request waits for a projection job before a 503.
pub const QUEUE_WAIT: Duration = Duration::from_secs(10);

/// The most places a search returns.
pub const SEARCH_LIMIT: usize = 30;

/// Projection jobs at once: one per core.
pub fn permits() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// The `Host` values a loopback server answers (the DNS rebinding guard).
#[derive(Debug, Clone, PartialEq)]
pub struct Hosts(Vec<String>);

impl Hosts {
    /// `localhost`, `127.0.0.1`, `[::1]` and the loopback address bound (e.g. 127.0.0.2), with
    /// its port (and without it on port 80).
    pub fn loopback(addr: std::net::SocketAddr) -> Hosts {
        let mut names = vec!["localhost".to_string(), "127.0.0.1".into(), "[::1]".into()];
        let own = match addr.ip() {
            std::net::IpAddr::V4(ip) => ip.to_string(),
            std::net::IpAddr::V6(ip) => format!("[{ip}]"),
        };
        if !names.contains(&own) {
            names.push(own);
        }
        let port = addr.port();
        let mut v: Vec<String> = names.iter().map(|n| format!("{n}:{port}")).collect();
        if port == 80 {
            v.extend(names);
        }
        Hosts(v)
    }

    /// Whether `host` is one of them (ASCII case ignored).
    pub fn allows(&self, host: &str) -> bool {
        self.0.iter().any(|a| a.eq_ignore_ascii_case(host))
    }
}

/// The server's shared state.
#[derive(Debug)]
pub struct App {
    places: Places,
    jobs: Arc<Semaphore>,
    hosts: Option<Hosts>,
}

impl App {
    /// The state with one job permit per core; `hosts`: the only hosts answered (loopback), or
    /// None for any.
    pub fn new(places: Places, hosts: Option<Hosts>) -> App {
        App {
            places,
            jobs: Arc::new(Semaphore::new(permits())),
            hosts,
        }
    }
}

type Shared = State<Arc<App>>;

/// The router.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route(
            "/",
            get(|| async { asset(INDEX, "text/html; charset=utf-8") }),
        )
        .route(
            "/app.js",
            get(|| async { asset(SCRIPT, "text/javascript; charset=utf-8") }),
        )
        .route(
            "/style.css",
            get(|| async { asset(STYLE, "text/css; charset=utf-8") }),
        )
        .route("/api/places", get(places))
        .route("/api/place/{id}", get(place))
        .route("/api/simulate", post(simulate))
        .route("/api/solve", post(solve))
        .route("/api/export/toml", post(export_toml))
        .route("/api/export/xlsx", post(export_xlsx))
        .route("/api/export/report", post(export_report))
        .fallback(|| async { error(ApiError::status(404, "no such page or API route")) })
        .layer(DefaultBodyLimit::max(api::MAX_BODY))
        .layer(axum::middleware::from_fn_with_state(app.clone(), guard))
        .layer(axum::middleware::map_response(secure))
        .with_state(app)
}

/// The DNS rebinding guard (module doc): a 403 unless the `Host` header and the request
/// target's authority, where given, are the loopback server's own, and at least one is given.
async fn guard(State(app): Shared, req: HttpRequest, next: Next) -> Response {
    if let Some(hosts) = &app.hosts {
        let host = req
            .headers()
            .get(header::HOST)
            .map(|v| v.to_str().unwrap_or("(not text)"));
        let authority = req.uri().authority().map(|a| a.as_str());
        let bad = [host, authority]
            .into_iter()
            .flatten()
            .find(|h| !hosts.allows(h));
        if bad.is_some() || (host.is_none() && authority.is_none()) {
            let shown: String = bad.unwrap_or("(none)").chars().take(60).collect();
            return error(ApiError::status(
                403,
                format!(
                    "Host {shown:?} is not this server: expected {} (jinko serve on loopback answers only its own address, a guard against DNS rebinding; use --bind to serve other addresses)",
                    hosts.0.join(", ")
                ),
            ));
        }
    }
    next.run(req).await
}

async fn secure(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
        ),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    r
}

fn asset(body: &'static str, kind: &'static str) -> Response {
    ([(header::CONTENT_TYPE, kind)], body).into_response()
}

fn error(e: ApiError) -> Response {
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::to_string(&e).unwrap_or_else(|_| "{}".into());
    (
        status,
        [
            (header::CONTENT_TYPE, "application/json; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

fn json<T: serde::Serialize>(v: &T) -> Response {
    match serde_json::to_string(v) {
        Ok(body) => (
            [
                (header::CONTENT_TYPE, "application/json; charset=utf-8"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            body,
        )
            .into_response(),
        Err(e) => error(ApiError::status(500, format!("cannot write JSON: {e}"))),
    }
}

/// Run `f` as a projection job: at most [`permits`] at once, waiting at most [`QUEUE_WAIT`].
async fn job<T: Send + 'static>(
    app: &App,
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let permit = tokio::time::timeout(QUEUE_WAIT, app.jobs.clone().acquire_owned())
        .await
        .map_err(|_| ApiError::status(503, "the server is busy: try again"))?
        .map_err(|_| ApiError::status(503, "the server is stopping"))?;
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        f()
    })
    .await
    .map_err(|e| ApiError::status(500, format!("the projection job failed: {e}")))?
}

/// The body of a POST: JSON, within the limit.
fn body(headers: &HeaderMap, body: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiError> {
    let kind = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !kind
        .trim_start()
        .to_ascii_lowercase()
        .starts_with("application/json")
    {
        return Err(ApiError::status(
            415,
            "expected a JSON body with Content-Type: application/json",
        ));
    }
    body.map_err(|e| {
        let status = e.status().as_u16();
        if status == 413 {
            ApiError::status(
                413,
                format!("the request body is larger than {} bytes", api::MAX_BODY),
            )
        } else {
            ApiError::status(status, format!("cannot read the request body: {e}"))
        }
    })
}

async fn places(State(app): Shared, RawQuery(q): RawQuery) -> Response {
    let mut text = String::new();
    for (k, v) in form_pairs(q.as_deref().unwrap_or("")) {
        match k.as_str() {
            "q" => text = v,
            _ => return error(ApiError::bad(&k, "unknown parameter: expected q")),
        }
    }
    if text.chars().count() > 100 {
        return error(ApiError::bad("q", "longer than 100 characters"));
    }
    json(&app.places.search(&text, SEARCH_LIMIT))
}

/// `a=b&c=d`, percent-decoded (`+` is a space).
fn form_pairs(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(v) => {
                        out.push(v);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[derive(serde::Serialize)]
struct PlaceAnswer {
    place: super::state::PlaceInfo,
    basis: i32,
    base_year: i32,
    horizon: i32,
    years: Vec<i32>,
    tfr_base: Option<f64>,
    pattern1_title: String,
    official_label: String,
    pattern1: Vec<f64>,
    sim1: Option<Vec<f64>>,
}

/// `GET /api/place/{id}?basis=2020` (the basis defaults to 2015).
async fn place(State(app): Shared, Path(id): Path<String>, RawQuery(q): RawQuery) -> Response {
    let mut year = 2015;
    for (k, v) in form_pairs(q.as_deref().unwrap_or("")) {
        match (k.as_str(), v.parse::<i32>()) {
            ("basis", Ok(y)) => year = y,
            ("basis", Err(_)) => {
                return error(ApiError::bad(
                    "basis",
                    format!("{v:?}: expected 2015 or 2020"),
                ))
            }
            _ => return error(ApiError::bad(&k, "unknown parameter: expected basis")),
        }
    }
    let basis = match api::basis(year, "basis") {
        Ok(b) => b,
        Err(e) => return error(e),
    };
    let a = app.clone();
    let r = job(&app, move || {
        let b = a.places.base(&id, basis)?;
        Ok(PlaceAnswer {
            place: b.place.clone(),
            basis: year,
            base_year: b.frame.base_year,
            horizon: b.frame.horizon,
            years: b.p1.years.clone(),
            tfr_base: b.tfr_start,
            pattern1_title: b.pattern1.title.clone(),
            official_label: b.official_label.clone(),
            pattern1: (0..b.p1.years.len()).map(|k| b.p1.total(k)).collect(),
            sim1: b.sims.as_ref().map(|s| s[0].clone()),
        })
    })
    .await;
    match r {
        Ok(v) => json(&v),
        Err(e) => error(e),
    }
}

/// Parse a request body and run `f` on the place it names, as a job.
async fn with_request<T: Send + 'static>(
    app: Arc<App>,
    headers: HeaderMap,
    raw: Result<Bytes, BytesRejection>,
    f: fn(&super::state::Base, &Request) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    let bytes = body(&headers, raw)?;
    let req: Request = api::parse(&bytes)?;
    let basis = api::basis(req.basis, "basis")?;
    let a = app.clone();
    job(&app, move || {
        let base = a.places.base(&req.place, basis)?;
        f(&base, &req)
    })
    .await
}

async fn simulate(
    State(app): Shared,
    headers: HeaderMap,
    raw: Result<Bytes, BytesRejection>,
) -> Response {
    match with_request(app, headers, raw, answer::simulation).await {
        Ok(v) => json(&v),
        Err(e) => error(e),
    }
}

async fn solve(
    State(app): Shared,
    headers: HeaderMap,
    raw: Result<Bytes, BytesRejection>,
) -> Response {
    let r = async {
        let bytes = body(&headers, raw)?;
        let sr: SolveRequest = api::parse(&bytes)?;
        let basis = api::basis(sr.request.basis, "request.basis")?;
        let a = app.clone();
        job(&app, move || {
            let base = a.places.base(&sr.request.place, basis).map_err(|mut e| {
                e.field = e.field.map(|f| format!("request.{f}"));
                e
            })?;
            answer::solved(&base, &sr)
        })
        .await
    }
    .await;
    match r {
        Ok(v) => json(&v),
        Err(e) => error(e),
    }
}

fn download(bytes: Vec<u8>, kind: &'static str, file: &str) -> Response {
    // RFC 6266 / 5987: an ASCII fallback and the UTF-8 name.
    let encoded: String = file
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let disposition = format!("attachment; filename=\"jinko-serve\"; filename*=UTF-8''{encoded}");
    let mut r = ([(header::CONTENT_TYPE, kind)], bytes).into_response();
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

async fn export_toml(
    State(app): Shared,
    headers: HeaderMap,
    raw: Result<Bytes, BytesRejection>,
) -> Response {
    match with_request(app, headers, raw, |b, r| {
        Ok(super::state::simulate(b, r)?.toml)
    })
    .await
    {
        Ok(t) => download(
            t.into_bytes(),
            "application/toml; charset=utf-8",
            api::USER_FILE,
        ),
        Err(e) => error(e),
    }
}

async fn export_xlsx(
    State(app): Shared,
    headers: HeaderMap,
    raw: Result<Bytes, BytesRejection>,
) -> Response {
    match with_request(app, headers, raw, answer::xlsx).await {
        Ok(b) => download(
            b,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "jinko-serve.xlsx",
        ),
        Err(e) => error(e),
    }
}

async fn export_report(
    State(app): Shared,
    headers: HeaderMap,
    raw: Result<Bytes, BytesRejection>,
) -> Response {
    match with_request(app, headers, raw, answer::report).await {
        Ok(h) => download(
            h.into_bytes(),
            "text/html; charset=utf-8",
            "jinko-serve-report.html",
        ),
        Err(e) => error(e),
    }
}
