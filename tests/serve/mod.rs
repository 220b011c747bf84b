//! `jinko serve` (issue 14): the JSON API (every field's bad input, oversized bodies, path tricks,
//! unknown places; the exported scenario TOML projected by `jinko project` gives the live numbers;
//! solves land on the target), the page in real headless Chromium (no console error; 飯塚市 with
//! the TFR control moved shows what `jinko project` prints for the exported file; the solve button
//! lands on the target; screenshots), the 2020 basis (IPSS 2023 estimated), the Host guard against
//! DNS rebinding, and a bounded load test (`#[ignore]`; 50 clients, 10 s).
//!
//! The servers run in this process on loopback, on a free port; the HTTP client is a plain
//! `TcpStream` (so that requests can carry paths no client library would send).

mod api;
mod basis;
mod browser;
mod host;
mod load;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

/// A server with the national bundle and Kama's pack (`pack:0`), shared by the tests.
pub fn server() -> SocketAddr {
    static ADDR: OnceLock<SocketAddr> = OnceLock::new();
    *ADDR.get_or_init(|| start(vec![crate::common::root().join("scenarios").join("kama")]))
}

/// Start a server on a free loopback port, in a thread of this process.
pub fn start(packs: Vec<PathBuf>) -> SocketAddr {
    let server = jinko::serve::Server::bind(&jinko::serve::Options {
        bind: "127.0.0.1".parse().expect("address"),
        port: 0,
        packs,
    })
    .expect("the server binds");
    let addr = server.addr().expect("address");
    std::thread::spawn(move || server.run());
    addr
}

/// An HTTP answer.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub head: String,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
        })
    }
}

/// Send raw request bytes (the connection closes after the answer).
pub fn raw(addr: SocketAddr, request: &[u8]) -> Reply {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(60)))
        .expect("timeout");
    s.write_all(request).expect("send");
    let mut all = Vec::new();
    let _ = s.read_to_end(&mut all);
    parse(&all)
}

fn parse(all: &[u8]) -> Reply {
    let split = all
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no HTTP head in {:?}", String::from_utf8_lossy(all)));
    let head = String::from_utf8_lossy(&all[..split]).into_owned();
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    let mut body = all[split + 4..].to_vec();
    let reply = Reply {
        status,
        head,
        body: Vec::new(),
    };
    if reply
        .header("transfer-encoding")
        .is_some_and(|v| v.contains("chunked"))
    {
        body = dechunk(&body);
    }
    Reply { body, ..reply }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = b.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size = usize::from_str_radix(std::str::from_utf8(&b[..eol]).unwrap_or("0").trim(), 16)
            .unwrap_or(0);
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&b[eol + 2..eol + 2 + size]);
        b = &b[eol + 4 + size..];
    }
}

/// GET `path`.
pub fn get(addr: SocketAddr, path: &str) -> Reply {
    raw(
        addr,
        format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes(),
    )
}

/// POST a JSON `body` to `path`.
pub fn post(addr: SocketAddr, path: &str, body: &str) -> Reply {
    post_as(addr, path, "application/json", body.as_bytes())
}

/// POST `body` with a content type.
pub fn post_as(addr: SocketAddr, path: &str, kind: &str, body: &[u8]) -> Reply {
    let mut req = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: {kind}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    req.extend_from_slice(body);
    raw(addr, &req)
}

/// The `jinko` binary, run in the repository.
pub fn jinko() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("jinko").expect("the jinko binary is built");
    cmd.current_dir(crate::common::root());
    cmd
}

/// Write 飯塚市's pack with `jinko init` into `dir` and the exported `toml` beside it; return
/// what `jinko project --format json` prints for it.
pub fn project_exported(dir: &std::path::Path, code: &str, toml: &str) -> serde_json::Value {
    let pack = dir.join(code);
    if !pack.exists() {
        jinko()
            .args(["init", code, "--out"])
            .arg(&pack)
            .assert()
            .success();
    }
    let file = pack.join("jinko-serve.toml");
    std::fs::write(&file, toml).expect("write the exported scenario");
    let out = jinko()
        .arg("project")
        .arg(&file)
        .args(["--format", "json"])
        .output()
        .expect("jinko project runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}
