//! The DNS rebinding guard: on loopback the server answers only requests for its own host
//! (`localhost`, `127.0.0.1` or `[::1]` with its port); any other `Host`, a request target naming
//! another authority, or no host at all is a 403 that says why — on the page, the API and the
//! fallback alike.

use super::{raw, server};

fn request(addr: std::net::SocketAddr, target: &str, host: Option<&str>) -> super::Reply {
    let host = host.map_or(String::new(), |h| format!("Host: {h}\r\n"));
    raw(
        addr,
        format!("GET {target} HTTP/1.1\r\n{host}Connection: close\r\n\r\n").as_bytes(),
    )
}

#[test]
fn only_the_loopback_host_is_answered() {
    let addr = server();
    let port = addr.port();
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("LocalHost:{port}"),
        format!("[::1]:{port}"),
    ] {
        for target in ["/", "/api/places?q=40205"] {
            let r = request(addr, target, Some(&host));
            assert_eq!(r.status, 200, "{host} {target}: {}", r.text());
        }
    }
    for host in [
        format!("evil.example:{port}"),
        "evil.example".to_string(),
        "localhost".to_string(),
        format!("127.0.0.1:{}", port.wrapping_add(1)),
        format!("localhost.evil.example:{port}"),
        format!("127.0.0.1.nip.io:{port}"),
        format!("[::ffff:127.0.0.1]:{port}"),
    ] {
        for target in ["/", "/api/places?q=40205", "/api/place/40205", "/nowhere"] {
            let r = request(addr, target, Some(&host));
            assert_eq!(r.status, 403, "{host} {target}: {}", r.text());
            let e = r.json()["error"].as_str().expect("error").to_string();
            assert!(
                e.contains("DNS rebinding") && e.contains(&format!("127.0.0.1:{port}")),
                "{e}"
            );
        }
    }
    // A POST from a rebound page is refused before its body is read.
    let body = r#"{"place": "40205"}"#;
    let r = raw(
        addr,
        format!(
            "POST /api/simulate HTTP/1.1\r\nHost: evil.example:{port}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    );
    assert_eq!(r.status, 403, "{}", r.text());
    // No host at all (HTTP/1.0 allows it), and an absolute-form target naming another host.
    let r = raw(addr, b"GET / HTTP/1.0\r\n\r\n");
    assert_eq!(r.status, 403, "{}", r.text());
    let r = request(
        addr,
        "http://evil.example/api/places?q=40205",
        Some(&format!("127.0.0.1:{port}")),
    );
    assert_eq!(r.status, 403, "{}", r.text());
    let r = request(
        addr,
        &format!("http://127.0.0.1:{port}/api/places?q=40205"),
        Some(&format!("127.0.0.1:{port}")),
    );
    assert_eq!(r.status, 200, "{}", r.text());
}

/// Bound to another loopback address, that address is its own host too.
#[test]
fn another_loopback_address_is_its_own_host() {
    let server = jinko::serve::Server::bind(&jinko::serve::Options {
        bind: "127.0.0.2".parse().expect("address"),
        port: 0,
        packs: Vec::new(),
    })
    .expect("127.0.0.2 binds on Linux");
    let addr = server.addr().expect("address");
    std::thread::spawn(move || server.run());
    let r = request(addr, "/api/places?q=40205", Some(&addr.to_string()));
    assert_eq!(r.status, 200, "{}", r.text());
    let r = request(addr, "/", Some(&format!("localhost:{}", addr.port())));
    assert_eq!(r.status, 200, "{}", r.text());
    let r = request(addr, "/", Some(&format!("127.0.0.3:{}", addr.port())));
    assert_eq!(r.status, 403, "{}", r.text());
}
