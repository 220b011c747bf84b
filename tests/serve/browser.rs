//! The page in real headless Chromium (Debian's `/usr/bin/chromium`; `.ci/test` installs it; the
//! test fails, never skips, without it), driven over the DevTools protocol with real mouse and
//! keyboard events: the page loads with no console error; 飯塚市 is found by name and chosen; the
//! TFR slider is moved and the 2065 figure becomes what `jinko project` prints for the exported
//! file; the solve button's TFR lands on the target; the 2020 basis (IPSS 2023 estimated), and a
//! place it cannot form; English; screenshots in
//! `target/tmp/serve-*.png`.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tungstenite::{Message, WebSocket};

/// A headless Chromium with one page, attached over one DevTools WebSocket.
struct Browser {
    child: Child,
    ws: WebSocket<TcpStream>,
    session: String,
    next: u64,
    events: Vec<Value>,
    _profile: tempfile::TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn chromium() -> PathBuf {
    let path = PathBuf::from("/usr/bin/chromium");
    assert!(
        path.exists(),
        "the browser test needs Debian's chromium: run `apt-get install -y chromium fonts-noto-cjk` (.ci/test does)"
    );
    path
}

impl Browser {
    fn launch() -> Browser {
        let profile = tempfile::tempdir().expect("profile");
        let mut child = Command::new(chromium())
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--remote-debugging-port=0",
                "--window-size=1280,1600",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("chromium starts");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(url) = line.split("DevTools listening on ").nth(1) {
                    let _ = tx.send(url.trim().to_string());
                }
            }
        });
        let url = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("chromium prints its DevTools address");
        let hostport = url
            .trim_start_matches("ws://")
            .split('/')
            .next()
            .expect("host")
            .to_string();
        let stream = TcpStream::connect(&hostport).expect("connect to DevTools");
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .expect("timeout");
        let (ws, _) = tungstenite::client(url.as_str(), stream).expect("WebSocket");
        let mut b = Browser {
            child,
            ws,
            session: String::new(),
            next: 0,
            events: Vec::new(),
            _profile: profile,
        };
        let target = b.call("Target.createTarget", json!({"url": "about:blank"}));
        let id = target["targetId"].as_str().expect("target").to_string();
        let att = b.call(
            "Target.attachToTarget",
            json!({"targetId": id, "flatten": true}),
        );
        b.session = att["sessionId"].as_str().expect("session").to_string();
        for m in ["Runtime.enable", "Log.enable", "Page.enable"] {
            b.call(m, json!({}));
        }
        b.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": 1280, "height": 1600, "deviceScaleFactor": 1, "mobile": false}),
        );
        b
    }

    /// Send a command (to the page once attached) and wait for its answer; events meanwhile are
    /// kept.
    fn call(&mut self, method: &str, params: Value) -> Value {
        self.next += 1;
        let id = self.next;
        let mut msg = json!({"id": id, "method": method, "params": params});
        if !self.session.is_empty() {
            msg["sessionId"] = json!(self.session);
        }
        self.ws
            .send(Message::text(msg.to_string()))
            .expect("send to DevTools");
        loop {
            let m = self.ws.read().expect("read from DevTools");
            let Message::Text(text) = m else { continue };
            let v: Value = serde_json::from_str(text.as_str()).expect("DevTools JSON");
            if v["id"] == json!(id) {
                assert!(v.get("error").is_none(), "{method}: {v}");
                return v["result"].clone();
            }
            if v.get("method").is_some() {
                self.events.push(v);
            }
        }
    }

    /// Evaluate a JavaScript expression in the page (promises awaited) and return its value.
    fn eval(&mut self, expr: &str) -> Value {
        let r = self.call(
            "Runtime.evaluate",
            json!({"expression": expr, "returnByValue": true, "awaitPromise": true}),
        );
        assert!(r.get("exceptionDetails").is_none(), "{expr}: {r}");
        r["result"]["value"].clone()
    }

    /// Wait until `expr` is true.
    fn wait(&mut self, expr: &str, what: &str) {
        let end = Instant::now() + Duration::from_secs(30);
        while Instant::now() < end {
            if self.eval(expr) == json!(true) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("timed out waiting for {what} ({expr})");
    }

    /// A real mouse click at the centre of the element `selector`.
    fn click(&mut self, selector: &str) {
        let r = self.eval(&format!(
            "(() => {{ const e = document.querySelector({selector:?}); e.scrollIntoView({{block: 'center'}}); const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; }})()"
        ));
        let (x, y) = (r[0].as_f64().expect("x"), r[1].as_f64().expect("y"));
        self.call(
            "Input.dispatchMouseEvent",
            json!({"type": "mouseMoved", "x": x, "y": y}),
        );
        for t in ["mousePressed", "mouseReleased"] {
            self.call(
                "Input.dispatchMouseEvent",
                json!({"type": t, "x": x, "y": y, "button": "left", "clickCount": 1}),
            );
        }
    }

    /// A key press (e.g. ArrowRight) on the focused element.
    fn key(&mut self, key: &str, code: u32) {
        for t in ["rawKeyDown", "keyUp"] {
            self.call(
                "Input.dispatchKeyEvent",
                json!({"type": t, "key": key, "code": key, "windowsVirtualKeyCode": code}),
            );
        }
    }

    /// Type text into the focused element.
    fn type_text(&mut self, text: &str) {
        self.call("Input.insertText", json!({"text": text}));
    }

    /// A screenshot of the whole page into `target/tmp/NAME.png`.
    fn screenshot(&mut self, name: &str) -> PathBuf {
        let r = self.call(
            "Page.captureScreenshot",
            json!({"format": "png", "captureBeyondViewport": true}),
        );
        let png = base64(r["data"].as_str().expect("data"));
        assert!(
            png.starts_with(b"\x89PNG") && png.len() > 20_000,
            "{} bytes",
            png.len()
        );
        let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}.png"));
        std::fs::write(&path, png).expect("write the screenshot");
        path
    }

    /// Console messages, uncaught exceptions and log entries of level warning or error.
    fn problems(&self) -> Vec<String> {
        self.events
            .iter()
            .filter(|e| match e["method"].as_str() {
                Some("Runtime.exceptionThrown") => true,
                Some("Runtime.consoleAPICalled") => {
                    matches!(
                        e["params"]["type"].as_str(),
                        Some("error" | "warning" | "assert")
                    )
                }
                Some("Log.entryAdded") => {
                    matches!(
                        e["params"]["entry"]["level"].as_str(),
                        Some("error" | "warning")
                    )
                }
                _ => false,
            })
            .map(|e| e.to_string())
            .collect()
    }
}

/// Standard base64 (the screenshots).
fn base64(s: &str) -> Vec<u8> {
    let val = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => (c - b'A') as u32,
            b'a'..=b'z' => (c - b'a' + 26) as u32,
            b'0'..=b'9' => (c - b'0' + 52) as u32,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("not base64: {c}"),
        }
    };
    let bytes: Vec<u8> = s
        .bytes()
        .filter(|&c| c != b'=' && !c.is_ascii_whitespace())
        .collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= val(c) << (18 - 6 * i);
        }
        out.push((n >> 16) as u8);
        if chunk.len() > 2 {
            out.push((n >> 8) as u8);
        }
        if chunk.len() > 3 {
            out.push(n as u8);
        }
    }
    out
}

/// Wait until the page has drawn the answer to its latest request.
fn settled(b: &mut Browser) {
    b.wait(
        "document.body.dataset.state === 'done' && !S.busy && !S.pending",
        "the page's latest answer",
    );
}

fn shown_total(b: &mut Browser) -> i64 {
    b.eval("Number(document.getElementById('totalHorizon').dataset.value)")
        .as_i64()
        .expect("the 2065 figure")
}

#[test]
fn page_simulates_iizuka_and_solves_in_chromium() {
    let addr = super::server();
    let mut b = Browser::launch();
    b.call("Page.navigate", json!({"url": format!("http://{addr}/")}));
    b.wait(
        "document.body && document.body.dataset.ready === '1'",
        "the page",
    );

    // Find 飯塚市 by name and choose it with the mouse.
    b.click("#search");
    b.type_text("飯塚");
    b.wait(
        "!!document.querySelector('#results li[data-id=\"40205\"]')",
        "飯塚市 in the results",
    );
    b.click("#results li[data-id=\"40205\"]");
    b.wait(
        "!!S.answer && S.answer.place.id === '40205'",
        "飯塚市's answer",
    );
    settled(&mut b);
    let p1 = shown_total(&mut b);
    let p1_api = super::post(addr, "/api/simulate", r#"{"place": "40205"}"#).json()["pattern1"]
        .as_array()
        .and_then(|v| v.last())
        .and_then(Value::as_f64)
        .expect("2065");
    assert_eq!(p1, p1_api.round() as i64);
    b.screenshot("serve-iizuka-pattern1");

    // Move the TFR slider: a click on it, then five steps right with the keyboard.
    b.click("#tfr");
    for _ in 0..5 {
        b.key("ArrowRight", 39);
    }
    settled(&mut b);
    let slider = b
        .eval("Number(document.getElementById('tfr').value)")
        .as_f64()
        .expect("tfr");
    assert_eq!(b.eval("window.__request.tfr.value").as_f64(), Some(slider));
    let moved = shown_total(&mut b);
    assert_ne!(moved, p1, "moving the TFR to {slider} changed nothing");
    let ms: f64 = b
        .eval("Number(document.body.dataset.lastMs)")
        .as_f64()
        .expect("latency");
    eprintln!("serve page: input to redraw {ms} ms (TFR {slider})");
    assert!(ms < 1000.0, "{ms} ms from input to redraw");

    // The exported file (the page's preview is the export) projected by `jinko project`.
    let preview = b.eval("document.getElementById('toml').textContent");
    let preview = preview.as_str().expect("toml").to_string();
    let exported = b.eval(
        "fetch('/api/export/toml', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(window.__request)}).then(r => r.text())",
    );
    assert_eq!(exported.as_str(), Some(preview.as_str()));
    assert!(preview.contains(&format!("2035 = {slider:?}")), "{preview}");
    let dir = tempfile::tempdir().expect("tempdir");
    let cli = super::project_exported(dir.path(), "40205", &preview);
    let cli_2065 = cli["total"]
        .as_array()
        .and_then(|t| t.last())
        .and_then(Value::as_f64)
        .expect("2065");
    assert_eq!(moved, cli_2065.round() as i64, "page vs jinko project");
    b.screenshot("serve-iizuka-tfr");

    // A target and the TFR solve button: the answer lands on the target.
    let target = moved + 3000;
    b.eval("(() => { const e = document.getElementById('target'); e.focus(); e.select(); return true; })()");
    b.type_text(&target.to_string());
    settled(&mut b);
    b.click("#solveTfr");
    b.wait("!!document.body.dataset.solved", "the solve");
    settled(&mut b);
    assert_eq!(shown_total(&mut b), target);
    let gap = b.eval("S.answer.gap.persons").as_f64().expect("gap");
    assert!(gap.abs() <= 0.01, "gap {gap}");
    let solved = b
        .eval("Number(document.body.dataset.solved)")
        .as_f64()
        .expect("tfr");
    assert!(
        solved > slider,
        "a higher target needs a higher TFR: {solved} vs {slider}"
    );
    b.screenshot("serve-iizuka-solved");

    // The 2020 basis (IPSS 2023 estimated): パターン1 again, to 2070, with the IPSS 2023 summary as
    // the official path; the 2070 figure is the API's.
    b.eval("(() => { const s = document.getElementById('basis'); s.focus(); s.value = '2020'; s.dispatchEvent(new Event('change')); return true; })()");
    b.wait(
        "!!S.answer && S.answer.basis === 2020 && S.answer.years[S.answer.years.length - 1] === 2070",
        "the 2020 basis answer",
    );
    settled(&mut b);
    let r5 = super::post(
        addr,
        "/api/simulate",
        r#"{"place": "40205", "basis": 2020}"#,
    )
    .json();
    let r5_2070 = r5["pattern1"]
        .as_array()
        .and_then(|v| v.last())
        .and_then(Value::as_f64)
        .expect("2070");
    assert_eq!(shown_total(&mut b), r5_2070.round() as i64);
    assert_eq!(
        b.eval("document.getElementById('horizonLabel').textContent")
            .as_str(),
        Some("2070年の総人口")
    );
    assert_eq!(
        b.eval("[...document.querySelectorAll('#chart text.legend')].some(t => t.textContent === '社人研推計（令和5年推計）')"),
        json!(true),
        "the IPSS 2023 summary in the chart's legend"
    );
    b.screenshot("serve-iizuka-2020");

    // English.
    b.click("#lang");
    assert_eq!(
        b.eval("document.getElementById('title').textContent")
            .as_str(),
        Some("jinko population simulator")
    );
    b.screenshot("serve-iizuka-english");

    let problems = b.problems();
    assert!(problems.is_empty(), "console: {problems:#?}");

    // A place the 2020 basis cannot form: the page says why and keeps 飯塚市 (the 422 itself is
    // a console entry of the browser's, so this comes after the console check).
    b.eval("(() => { const e = document.getElementById('search'); e.focus(); e.select(); return true; })()");
    b.type_text("利島");
    b.wait(
        "!!document.querySelector('#results li[data-id=\"13362\"]')",
        "利島村 in the results",
    );
    b.click("#results li[data-id=\"13362\"]");
    b.wait(
        "!document.getElementById('error').classList.contains('hidden')",
        "the error",
    );
    let shown = b.eval("document.getElementById('error').textContent");
    let shown = shown.as_str().expect("error");
    assert!(
        shown.contains("利島村") && shown.contains("basis 2015"),
        "{shown}"
    );
    assert_eq!(b.eval("S.info.place.id"), json!("40205"));
    b.screenshot("serve-toshima-2020");
}
