//! Hostile clients against the real `yasno collect` binary on loopback (issue 15): forged
//! `X-Forwarded-For`, `Origin: null`, slow and idle connections, SIGTERM with slow clients,
//! forged log lines, file modes, token guessing. Each test bounds its waits to seconds.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::{Http, Reply};

pub(crate) const SITE: &str = "https://example.org";
pub(crate) const TOKEN: &str = "a-long-enough-admin-token-42";

/// A running `yasno collect` on the starter site, its stderr going to a file.
pub(crate) struct Collector {
    child: Child,
    pub(crate) url: String,
    pub(crate) db: PathBuf,
    log: PathBuf,
    dir: tempfile::TempDir,
}

impl Collector {
    pub(crate) fn start(args: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("answers.db");
        Self::start_with_db(args, dir, db)
    }

    /// Starts on the starter site in `dir`, with the database at `db`.
    pub(crate) fn start_with_db(args: &[&str], dir: tempfile::TempDir, db: PathBuf) -> Self {
        let root = dir.path().join("site");
        yasno::scaffold::new_site(&root).unwrap();
        let log = dir.path().join("stderr.log");
        let mut child = Command::new(env!("CARGO_BIN_EXE_yasno"))
            .args(["collect", "--listen", "127.0.0.1:0"])
            .args(args)
            .arg("--root")
            .arg(&root)
            .arg("--db")
            .arg(&db)
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .env("YASNO_ADMIN_TOKEN", TOKEN)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected start-up line {line:?}"))
            .to_owned();
        Collector {
            child,
            url,
            db,
            log,
            dir,
        }
    }

    fn addr(&self) -> &str {
        self.url.strip_prefix("http://").unwrap()
    }

    pub(crate) fn post(&self, headers: &[(&str, &str)], content_type: &str, body: String) -> Reply {
        let mut req = Http::with_timeout(Duration::from_secs(5))
            .post(format!("{}/api/answers", self.url))
            .header("content-type", content_type);
        for (k, v) in headers {
            req = req.header(k, v);
        }
        block(req.body(body).send()).unwrap()
    }

    pub(crate) fn get(&self, path: &str, token: &str) -> Reply {
        block(
            Http::with_timeout(Duration::from_secs(5))
                .get(format!("{}{path}", self.url))
                .bearer_auth(token)
                .send(),
        )
        .unwrap()
    }

    pub(crate) fn stored(&self) -> Vec<String> {
        let conn = rusqlite::Connection::open(&self.db).unwrap();
        let mut stmt = conn
            .prepare("SELECT client_id FROM answers ORDER BY id")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    /// Sends SIGTERM and waits at most `bound` for the exit; returns how long it took.
    pub(crate) fn terminate(&mut self, bound: Duration) -> Duration {
        let started = Instant::now();
        let ok = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
        while started.elapsed() < bound {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "{status}");
                return started.elapsed();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        panic!("still running {bound:?} after SIGTERM");
    }

    pub(crate) fn stderr(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap()
    }
}

impl Drop for Collector {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn block<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

pub(crate) fn answer(client_id: &str) -> String {
    json!({
        "client_id": client_id, "service": "primer", "survey": "default", "version": 1,
        "source": "web", "lang": "ru", "answers": {"rating": 4},
    })
    .to_string()
}

#[test]
fn forged_forwarded_for_entries_share_one_rate_limit() {
    let server = Collector::start(&["--trusted-proxies", "1", "--rate-limit", "4"]);
    // One client behind one proxy: it writes a fresh leftmost entry each time, the proxy
    // appends the address it really came from.
    let mut statuses = Vec::new();
    for i in 0..200 {
        let forged = format!("198.51.{}.{}, 203.0.113.7", i / 250, i % 250);
        let res = server.post(
            &[("x-forwarded-for", &forged)],
            "application/json",
            answer(&format!("forged-{i:04}")),
        );
        statuses.push(res.status().as_u16());
    }
    let stored = server.stored().len();
    let limited = statuses.iter().filter(|s| **s == 429).count();
    assert!(stored <= 3, "{stored} of 200 stored (burst is 2)");
    assert_eq!(stored + limited, 200, "{statuses:?}");
    // Another client behind the same proxy has its own allowance.
    let res = server.post(
        &[("x-forwarded-for", "198.51.0.1, 203.0.113.8")],
        "application/json",
        answer("other-client"),
    );
    assert_eq!(res.status(), 201);

    // Two addresses of one IPv6 /64 are one client; another /64 is another.
    for (i, (addr, status)) in [
        ("2001:db8:0:1::1", 201),
        ("2001:db8:0:1::2", 201),
        ("2001:db8:0:1:ffff::3", 429),
        ("2001:db8:0:2::1", 201),
    ]
    .into_iter()
    .enumerate()
    {
        let res = server.post(
            &[("x-forwarded-for", addr)],
            "application/json",
            answer(&format!("v6-client-{i:04}")),
        );
        assert_eq!(res.status(), status, "{addr}");
    }
}

#[test]
fn a_form_post_with_a_null_or_foreign_origin_is_refused_and_not_stored() {
    let server = Collector::start(&[]);
    let form = "service=primer&survey=default&version=1&return_to=/services/primer/&rating=5";
    for origin in ["null", "https://evil.example"] {
        let res = server.post(
            &[("origin", origin)],
            "application/x-www-form-urlencoded",
            form.into(),
        );
        assert_eq!(res.status(), 403, "{origin}");
        let body: Value = serde_json::from_str(res.body()).unwrap();
        assert_eq!(body["field"], "origin", "{origin}");
    }
    assert!(server.stored().is_empty());
    // The site's own page is accepted.
    let res = server.post(
        &[("origin", SITE)],
        "application/x-www-form-urlencoded",
        form.into(),
    );
    assert_eq!(res.status(), 303);
    assert_eq!(server.stored().len(), 1);
}

/// Seconds until the server closes `stream` (reads until EOF or reset), at most `bound`.
fn closed_within(mut stream: TcpStream, bound: Duration) -> (Duration, String) {
    let started = Instant::now();
    stream.set_read_timeout(Some(bound)).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
    let took = started.elapsed();
    assert!(took < bound, "still open after {took:?}");
    (took, String::from_utf8_lossy(&got).into_owned())
}

#[test]
fn slow_and_idle_connections_are_closed_and_the_cap_holds() {
    let server = Collector::start(&[
        "--header-timeout",
        "1",
        "--request-timeout",
        "2",
        "--max-connections",
        "3",
    ]);
    let connect = || TcpStream::connect(server.addr()).unwrap();
    // Half a request head; nothing at all (idle); a whole head and a tenth of the body.
    let mut half = connect();
    half.write_all(b"POST /api/answers HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let idle = connect();
    let mut slow_body = connect();
    slow_body
        .write_all(
            b"POST /api/answers HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"client_id\":",
        )
        .unwrap();
    // All three slots are taken: a fourth client waits for one to free.
    let started = Instant::now();
    let waiting = std::thread::spawn({
        let url = server.url.clone();
        move || {
            block(
                Http::with_timeout(Duration::from_secs(6))
                    .get(format!("{url}/api/health"))
                    .send(),
            )
            .unwrap()
            .status()
        }
    });
    let bound = Duration::from_secs(4);
    let (took, _) = closed_within(half, bound);
    eprintln!(
        "half request head closed {:?} after connect",
        started.elapsed()
    );
    assert!(took < Duration::from_millis(2500), "half head: {took:?}");
    let (took, _) = closed_within(idle, bound);
    eprintln!(
        "idle connection closed {:?} after connect",
        started.elapsed()
    );
    assert!(took < Duration::from_millis(2500), "idle: {took:?}");
    let (_, reply) = closed_within(slow_body, bound);
    eprintln!(
        "slow body answered and closed {:?} after connect",
        started.elapsed()
    );
    assert!(reply.starts_with("HTTP/1.1 408"), "slow body: {reply:?}");
    assert_eq!(waiting.join().unwrap(), 200);
    assert!(
        started.elapsed() > Duration::from_millis(700),
        "the fourth client was served before a slot was free"
    );
    assert!(server.stored().is_empty());
}

#[test]
fn sigterm_with_slow_clients_exits_by_the_deadline() {
    let mut server = Collector::start(&["--header-timeout", "60", "--shutdown-timeout", "1"]);
    let res = server.post(&[], "application/json", answer("before-term"));
    assert_eq!(res.status(), 201);
    let mut slow = Vec::new();
    for _ in 0..5 {
        let mut s = TcpStream::connect(server.addr()).unwrap();
        s.write_all(
            b"POST /api/answers HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{",
        )
        .unwrap();
        slow.push(s);
    }
    std::thread::sleep(Duration::from_millis(200));
    let took = server.terminate(Duration::from_secs(5));
    eprintln!("exit after SIGTERM with 5 slow clients: {took:?}");
    assert!(took < Duration::from_secs(3), "exit took {took:?}");
    assert_eq!(server.stored(), ["before-term"]);
    assert!(
        server.stderr().contains("shutdown deadline reached"),
        "{}",
        server.stderr()
    );
}

#[test]
fn a_question_id_cannot_forge_a_log_line() {
    let mut server = Collector::start(&[]);
    let forged = "x\n2026-01-01T00:00:00.000000Z ERROR yasno: forged\u{1b}[2J";
    let body = json!({
        "client_id": "log-forgery-01", "service": "primer", "survey": "default",
        "version": 1, "source": "web", "lang": "ru", "answers": {"rating": 4, forged: "y"},
    });
    let res = server.post(&[], "application/json", body.to_string());
    assert_eq!(res.status(), 400);
    server.terminate(Duration::from_secs(5));
    let log = server.stderr();
    assert!(log.contains("answer refused"), "{log}");
    assert!(
        !log.lines().any(|l| l.starts_with("2026-01-01T00:00:00")),
        "a forged line: {log}"
    );
    assert!(!log.contains('\u{1b}'), "a raw escape: {log:?}");
    assert!(
        log.contains(r"\n2026-01-01") && log.contains(r"\u{1b}[2J"),
        "{log}"
    );
    assert!(server.stored().is_empty());
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn answers_and_reports_are_private_and_not_cached() {
    let mut server = Collector::start(&[]);
    assert_eq!(
        server
            .post(&[], "application/json", answer("private-01"))
            .status(),
        201
    );
    for suffix in ["", "-wal", "-shm"] {
        let path = PathBuf::from(format!("{}{suffix}", server.db.display()));
        assert_eq!(mode(&path), 0o600, "{}", path.display());
    }
    for path in ["/api/export.csv", "/api/report"] {
        let res = server.get(path, TOKEN);
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(res.headers()["cache-control"], "no-store", "{path}");
    }
    server.terminate(Duration::from_secs(5));
    let out = server.dir.path().join("report");
    let status = Command::new(env!("CARGO_BIN_EXE_yasno"))
        .args(["report", "--root"])
        .arg(server.dir.path().join("site"))
        .arg("--db")
        .arg(&server.db)
        .arg("--output")
        .arg(&out)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let files: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(files.len() >= 2, "{files:?}");
    for f in files {
        assert_eq!(mode(&f), 0o600, "{}", f.display());
    }
}

#[test]
fn token_guessing_is_stopped_and_short_tokens_refused() {
    let server = Collector::start(&[]);
    let statuses: Vec<u16> = (0..20)
        .map(|i| {
            server
                .get("/api/export.csv", &format!("guess-{i:020}"))
                .status()
                .as_u16()
        })
        .collect();
    assert_eq!(statuses[..5], [401; 5], "{statuses:?}");
    assert!(statuses[5..].iter().all(|s| *s == 429), "{statuses:?}");
    // Locked out for the window: even the right token is not compared.
    assert_eq!(server.get("/api/export.csv", TOKEN).status(), 429);

    let dir = tempfile::tempdir().unwrap();
    yasno::scaffold::new_site(dir.path()).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_yasno"))
        .args(["collect", "--listen", "127.0.0.1:0", "--root"])
        .arg(dir.path())
        .env("YASNO_ADMIN_TOKEN", "short")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Bounded: a collector that accepted the token would run until killed.
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(5) {
            let _ = child.kill();
            panic!("a 5-character token was accepted: the collector kept running");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(!status.success());
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(
        err.contains("5 characters") && err.contains("at least 16"),
        "{err}"
    );
}

#[test]
fn contacts_in_comments_are_masked_before_they_are_stored() {
    let server = Collector::start(&[]);
    let body = json!({
        "client_id": "masked-at-rest", "service": "primer", "survey": "default", "version": 1,
        "source": "web", "lang": "ru",
        "answers": {"rating": 2, "comment": "Перезвоните +7 (812) 576-12-34, ivan.petrov@mail.ru; ждал 40 минут"},
    });
    assert_eq!(
        server
            .post(&[], "application/json", body.to_string())
            .status(),
        201
    );
    let form = "service=primer&survey=default&version=1&return_to=/services/primer/&rating=3&comment=%D0%BC%D0%BE%D0%B9+8+921+123+45+67";
    assert_eq!(
        server
            .post(
                &[("origin", SITE)],
                "application/x-www-form-urlencoded",
                form.into()
            )
            .status(),
        303
    );
    let conn = rusqlite::Connection::open(&server.db).unwrap();
    let stored: Vec<String> = conn
        .prepare("SELECT answers FROM answers ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let raw = std::fs::read(&server.db).unwrap();
    assert_eq!(stored.len(), 2);
    for (text, secret) in [
        (&stored[0], "576-12-34"),
        (&stored[0], "ivan.petrov"),
        (&stored[1], "123 45 67"),
    ] {
        assert!(!text.contains(secret), "{secret} stored raw: {text}");
    }
    let wal = std::fs::read(format!("{}-wal", server.db.display())).unwrap_or_default();
    for bytes in [&raw, &wal] {
        assert!(!String::from_utf8_lossy(bytes).contains("ivan.petrov"));
    }
    assert!(stored[0].contains("[телефон скрыт]") && stored[0].contains("ждал 40 минут"));
    assert!(stored[1].contains("[телефон скрыт]"), "{}", stored[1]);
}
