//! A bounded load test on loopback (`#[ignore]`: run it with
//! `cargo test --release --test tests serve::load -- --ignored --nocapture`): 50 clients, each on
//! one keep-alive connection, post `/api/simulate` with a TFR that changes every request (half the
//! clients on the 2015 basis, half on the 2020 basis), for 10 seconds; prints requests per second,
//! p50 / p99 latency (all, and by basis) and errors, and fails on any error.
//! With `JINKO_SERVE_ADDR=127.0.0.1:PORT` it loads a server started apart (e.g. the release
//! binary: `jinko serve --port PORT`) instead of one in this process.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

const CLIENTS: usize = 50;
const SECONDS: u64 = 10;

/// One request on a kept-alive connection: the status and the latency.
fn once(conn: &mut BufReader<TcpStream>, host: &str, body: &str) -> std::io::Result<u16> {
    let req = format!(
        "POST /api/simulate HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    conn.get_mut().write_all(req.as_bytes())?;
    let mut line = String::new();
    conn.read_line(&mut line)?;
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut length = 0usize;
    loop {
        line.clear();
        conn.read_line(&mut line)?;
        if line == "\r\n" || line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                length = v.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0u8; length];
    conn.read_exact(&mut body)?;
    Ok(status)
}

#[test]
#[ignore]
fn fifty_clients_for_ten_seconds() {
    let addr: std::net::SocketAddr = match std::env::var("JINKO_SERVE_ADDR") {
        Ok(a) => a.parse().expect("JINKO_SERVE_ADDR: expected HOST:PORT"),
        Err(_) => super::server(),
    };
    let host = addr.to_string();
    // Warm the cache of 飯塚市's パターン1 on both bases.
    for basis in [2015, 2020] {
        let body = format!(r#"{{"place": "40205", "basis": {basis}}}"#);
        assert_eq!(super::post(addr, "/api/simulate", &body).status, 200);
    }
    let end = Instant::now() + Duration::from_secs(SECONDS);
    let workers: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let host = host.clone();
            std::thread::spawn(move || {
                let mut lat = Vec::new();
                let mut errors = 0usize;
                let mut conn = BufReader::new(TcpStream::connect(addr).expect("connect"));
                let mut i = 0usize;
                while Instant::now() < end {
                    let tfr = 1.2 + ((c * 7919 + i) % 100) as f64 / 100.0;
                    let basis = if c % 2 == 0 { 2015 } else { 2020 };
                    let body = format!(
                        r#"{{"place": "40205", "basis": {basis}, "tfr": {{"value": {tfr}, "by": 2040}}, "households": {{"per_year": {}, "kind": "couple-30s-child", "from": 2025}}}}"#,
                        i % 50
                    );
                    let t0 = Instant::now();
                    match once(&mut conn, &host, &body) {
                        Ok(200) => lat.push(t0.elapsed()),
                        _ => {
                            errors += 1;
                            conn = BufReader::new(TcpStream::connect(addr).expect("connect"));
                        }
                    }
                    i += 1;
                }
                (c % 2, lat, errors)
            })
        })
        .collect();
    let mut lat = Vec::new();
    let mut by_basis = [Vec::new(), Vec::new()];
    let mut errors = 0;
    for w in workers {
        let (k, l, e) = w.join().expect("client");
        by_basis[k].extend(l.iter().copied());
        lat.extend(l);
        errors += e;
    }
    let q = |v: &mut Vec<Duration>, p: f64| {
        v.sort();
        v[((v.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1e3
    };
    assert!(!lat.is_empty() && by_basis.iter().all(|v| !v.is_empty()));
    eprintln!(
        "load: {CLIENTS} clients, {SECONDS} s: {} requests, {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms, errors {errors}",
        lat.len(),
        lat.len() as f64 / SECONDS as f64,
        q(&mut lat, 0.5),
        q(&mut lat, 0.99)
    );
    for (k, basis) in [2015, 2020].iter().enumerate() {
        let v = &mut by_basis[k];
        eprintln!(
            "load: basis {basis}: {} requests, p50 {:.2} ms, p99 {:.2} ms",
            v.len(),
            q(v, 0.5),
            q(v, 0.99)
        );
    }
    assert_eq!(errors, 0);
}
