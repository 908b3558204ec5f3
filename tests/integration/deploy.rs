//! deploy/nginx/yasno.conf, tested with the real programs: `nginx -t` (TLS included, with a
//! throwaway certificate), and a real nginx in front of a real `yasno collect` on loopback
//! (pages, headers, answers stored, the rate limit keyed on the address nginx saw; the widget
//! in chromium). nginx missing is a failure, not a skip: `bash tests/deploy/setup.sh` installs
//! it (tests/run-all.sh runs that). The systemd units are tested in `deploy_systemd`.

use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::collector_process::{Site, start};
use crate::common::repo;

/// The site's host in deploy/nginx/yasno.conf (`server_name`).
const HOST: &str = "uslugi.example.ru";

fn nginx_binary() -> PathBuf {
    [
        "/usr/sbin/nginx",
        "/usr/local/sbin/nginx",
        "/usr/local/nginx/sbin/nginx",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.is_file())
    .unwrap_or_else(|| {
        panic!("nginx is not installed; run `bash tests/deploy/setup.sh` (tests/run-all.sh does)")
    })
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Replaces `from` with `to` in `text`, failing if the config no longer contains `from`: the
/// test and deploy/nginx/yasno.conf must not drift apart silently.
fn swap(text: &str, from: &str, to: &str) -> String {
    assert!(
        text.contains(from),
        "deploy/nginx/yasno.conf has no «{from}»"
    );
    text.replace(from, to)
}

/// Where the rendered config points instead of the production paths.
struct Prefix {
    dir: PathBuf,
    public: PathBuf,
    collector: SocketAddr,
    http: u16,
    https: u16,
    /// Keep TLS on the main server (for `nginx -t`), or serve it as plain HTTP (end to end).
    tls: bool,
}

/// deploy/nginx/yasno.conf with paths and ports moved into a temporary prefix, inside a
/// minimal nginx.conf that runs unprivileged there (pid, logs and temp files in the prefix).
fn render(p: &Prefix) -> PathBuf {
    let conf = std::fs::read_to_string(repo().join("deploy/nginx/yasno.conf")).unwrap();
    let d = p.dir.display();
    let mut conf = swap(&conf, "/srv/yasno/public", &p.public.display().to_string());
    conf = swap(&conf, "127.0.0.1:8787", &p.collector.to_string());
    conf = swap(&conf, "    listen [::]:80;\n", "");
    conf = swap(&conf, "    listen [::]:443 ssl http2;\n", "");
    conf = swap(
        &conf,
        "listen 80;",
        &format!("listen 127.0.0.1:{};", p.http),
    );
    conf = swap(&conf, "/var/www/letsencrypt", &format!("{d}/acme"));
    conf = swap(
        &conf,
        "/etc/letsencrypt/live/uslugi.example.ru/",
        &format!("{d}/tls/"),
    );
    let https = format!("listen 127.0.0.1:{}", p.https);
    conf = if p.tls {
        swap(
            &conf,
            "listen 443 ssl http2;",
            &format!("{https} ssl http2;"),
        )
    } else {
        let plain = swap(&conf, "listen 443 ssl http2;", &format!("{https};"));
        plain
            .lines()
            .filter(|l| !l.trim_start().starts_with("ssl_"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    std::fs::write(p.dir.join("yasno.conf"), conf).unwrap();
    for sub in ["acme", "tls", "logs", "tmp"] {
        std::fs::create_dir_all(p.dir.join(sub)).unwrap();
    }
    let main = format!(
        "worker_processes 1;\ndaemon off;\npid {d}/nginx.pid;\nerror_log {d}/logs/error.log warn;\n\
         events {{ worker_connections 64; }}\n\
         http {{\n  include /etc/nginx/mime.types;\n  default_type application/octet-stream;\n\
         access_log {d}/logs/access.log;\n  client_body_temp_path {d}/tmp/body;\n\
         proxy_temp_path {d}/tmp/proxy;\n  fastcgi_temp_path {d}/tmp/fastcgi;\n\
         uwsgi_temp_path {d}/tmp/uwsgi;\n  scgi_temp_path {d}/tmp/scgi;\n\
         include {d}/yasno.conf;\n}}\n"
    );
    let path = p.dir.join("nginx.conf");
    std::fs::write(&path, main).unwrap();
    path
}

/// A temporary folder nginx's workers can read when the test runs as root (they drop to
/// `nobody`): temporary folders are 0700.
fn readable_tempdir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    dir
}

fn self_signed(dir: &Path) {
    let out = Command::new("openssl")
        .args(["req", "-x509", "-nodes", "-days", "1", "-subj"])
        .arg(format!("/CN={HOST}"))
        .args(["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"])
        .arg("-keyout")
        .arg(dir.join("tls/privkey.pem"))
        .arg("-out")
        .arg(dir.join("tls/fullchain.pem"))
        .output()
        .expect("openssl runs (apt-get install openssl)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_nginx_config_passes_nginx_t() {
    let dir = readable_tempdir();
    let public = dir.path().join("public");
    std::fs::create_dir(&public).unwrap();
    let prefix = Prefix {
        dir: dir.path().to_owned(),
        public: public.clone(),
        collector: "127.0.0.1:8787".parse().unwrap(),
        http: free_port(),
        https: free_port(),
        tls: true,
    };
    let conf = render(&prefix);
    self_signed(dir.path());
    let out = Command::new(nginx_binary())
        .arg("-t")
        .arg("-p")
        .arg(dir.path())
        // The built-in /var/log/nginx/error.log, opened before the config is read, is root's.
        .arg("-e")
        .arg(dir.path().join("logs/error.log"))
        .arg("-c")
        .arg(&conf)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stderr.contains("test is successful"),
        "nginx -t refuses deploy/nginx/yasno.conf:\n{stderr}"
    );
    assert!(!stderr.contains("[emerg]"), "{stderr}");

    // And it serves over TLS with that certificate (openssl is the client: no TLS in ureq here).
    std::fs::write(
        prefix.public.join("index.html"),
        "<!DOCTYPE html><title>t</title>",
    )
    .unwrap();
    let _nginx = Nginx::start(&conf, dir.path(), prefix.https);
    let reply = tls_get(prefix.https, "/");
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    assert!(
        reply.contains("Strict-Transport-Security: max-age=31536000"),
        "{reply}"
    );
}

/// `GET path` over TLS through `openssl s_client`; the raw reply.
fn tls_get(port: u16, path: &str) -> String {
    let mut client = Command::new("openssl")
        .args(["s_client", "-quiet", "-servername", HOST, "-connect"])
        .arg(format!("127.0.0.1:{port}"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("openssl runs");
    // HTTP/1.0: nginx closes the connection after the reply, which ends s_client.
    let request = format!("GET {path} HTTP/1.0\r\nHost: {HOST}\r\n\r\n");
    client
        .stdin
        .take()
        .unwrap()
        .write_all(request.as_bytes())
        .unwrap();
    let out = client.wait_with_output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A running nginx, stopped on drop.
struct Nginx {
    child: Child,
    dir: PathBuf,
}

impl Drop for Nginx {
    /// SIGTERM to the master, which stops its workers (SIGKILL would leave them running, holding
    /// the test's output pipe open).
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Nginx {
    fn start(conf: &Path, dir: &Path, port: u16) -> Self {
        let child = Command::new(nginx_binary())
            .arg("-p")
            .arg(dir)
            .arg("-e")
            .arg(dir.join("logs/error.log"))
            .arg("-c")
            .arg(conf)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("logs/stderr.log")).unwrap())
            .spawn()
            .expect("nginx starts");
        let mut nginx = Nginx {
            child,
            dir: dir.to_owned(),
        };
        let deadline = Instant::now() + Duration::from_secs(15);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = nginx.child.try_wait().unwrap() {
                panic!("nginx stopped ({status}):\n{}", nginx.log());
            }
            assert!(
                Instant::now() < deadline,
                "nginx did not listen:\n{}",
                nginx.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        nginx
    }

    fn log(&self) -> String {
        ["logs/stderr.log", "logs/error.log"]
            .map(|f| std::fs::read_to_string(self.dir.join(f)).unwrap_or_default())
            .join("")
    }
}

/// A reply: status, headers (names lower-case) and body.
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// One HTTP/1.0 exchange from the source address `from` (any 127.x.y.z is this machine), so
/// the test can be two different clients. HTTP/1.0: nginx answers without chunks or gzip.
fn exchange(port: u16, from: IpAddr, head: &str, body: &str) -> Reply {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // tokio's socket can bind the source address before connecting; std does the rest.
    let stream = rt.block_on(async {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind(SocketAddr::new(from, 0)).unwrap();
        socket
            .connect(SocketAddr::from(([127, 0, 0, 1], port)))
            .await
            .unwrap()
    });
    let mut stream = stream.into_std().unwrap();
    stream.set_nonblocking(false).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let request = format!(
        "{head}\r\nHost: {HOST}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .expect("nginx answers within 20 s");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").expect("a complete reply");
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Reply {
        status,
        headers,
        body: body.to_owned(),
    }
}

fn get(port: u16, path: &str) -> Reply {
    exchange(
        port,
        [127, 0, 0, 1].into(),
        &format!("GET {path} HTTP/1.0"),
        "",
    )
}

/// Posts an answer as the widget does, from `from`, with a forged `X-Forwarded-For`.
fn post_answer(port: u16, from: [u8; 4], forged: &str, body: &str) -> u16 {
    let head = format!(
        "POST /api/answers HTTP/1.0\r\nContent-Type: application/json\r\nX-Forwarded-For: {forged}"
    );
    exchange(port, from.into(), &head, body).status
}

/// A body over the collector's 16 KiB gets the collector's own message; one far larger stops
/// at nginx. From 127.0.0.4, whose rate limit nothing else uses.
fn check_body_limits(port: u16) {
    let head = "POST /api/answers HTTP/1.0\r\nContent-Type: application/json";
    let over = format!("{{\"pad\":\"{}\"}}", "x".repeat(20 * 1024));
    let reply = exchange(port, [127, 0, 0, 4].into(), head, &over);
    assert_eq!(reply.status, 413);
    assert!(
        reply.body.contains("\"too_large\""),
        "the collector's refusal: {}",
        reply.body
    );
    let huge = "x".repeat(200 * 1024);
    let reply = exchange(port, [127, 0, 0, 4].into(), head, &huge);
    assert_eq!(reply.status, 413);
    assert!(
        reply.body.contains("<html>"),
        "nginx's refusal: {}",
        reply.body
    );
}

fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ABC[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Every inline script of the built pages must be allowed by the CSP nginx sends.
fn assert_csp_allows_inline_scripts(public: &Path, csp: &str) {
    use sha2::Digest;
    let script = crate::common::sel("script:not([src]):not([type])");
    let mut checked = 0;
    for entry in walkdir::WalkDir::new(public) {
        let entry = entry.unwrap();
        if entry.path().extension().is_none_or(|e| e != "html") {
            continue;
        }
        for s in crate::common::html(entry.path()).select(&script) {
            let hash = base64(&sha2::Sha256::digest(s.inner_html().as_bytes()));
            assert!(
                csp.contains(&format!("'sha256-{hash}'")),
                "the CSP in deploy/nginx/yasno.conf blocks an inline script of {} (sha256-{hash})",
                entry.path().display()
            );
            checked += 1;
        }
    }
    assert!(checked > 0, "the theme has an inline script to check");
}

/// Pages through nginx: served with the security headers on every location, revalidated, the
/// site's own 404 page.
fn check_pages(port: u16, public: &Path, nginx: &Nginx) {
    let home = get(port, "/");
    assert_eq!(home.status, 200, "{}", nginx.log());
    assert!(home.body.contains("<html"), "{}", home.body);
    assert_eq!(home.header("cache-control"), Some("no-cache"));
    assert_eq!(home.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(
        home.header("referrer-policy"),
        Some("strict-origin-when-cross-origin")
    );
    let csp = home
        .header("content-security-policy")
        .expect("a CSP")
        .to_owned();
    assert!(
        csp.contains("'wasm-unsafe-eval'") && csp.contains("connect-src 'self'"),
        "{csp}"
    );
    assert_csp_allows_inline_scripts(public, &csp);
    let widget = get(port, "/widgets/survey_bg.wasm");
    assert_eq!(widget.status, 200);
    assert_eq!(widget.header("content-type"), Some("application/wasm"));
    // survey.js must not outlive the survey_bg.wasm it belongs to.
    for file in ["survey.js", "loader.js", "survey_bg.wasm"] {
        let reply = get(port, &format!("/widgets/{file}"));
        assert_eq!(reply.status, 200, "{file}");
        assert_eq!(reply.header("cache-control"), Some("no-cache"), "{file}");
    }
    let css = get(port, "/css/site.css");
    assert_eq!(css.header("cache-control"), Some("max-age=3600"));
    assert!(
        css.header("content-security-policy").is_some(),
        "headers on every location"
    );
    let slash = get(port, "/services/primer");
    assert_eq!(
        (slash.status, slash.header("location")),
        (301, Some("/services/primer/"))
    );
    let missing = get(port, "/no/such/page/");
    assert_eq!(missing.status, 404);
    let not_found = std::fs::read_to_string(public.join("404.html")).unwrap();
    assert_eq!(missing.body, not_found, "the site's own 404 page");
    assert!(missing.header("content-security-policy").is_some());
}

/// Runs tests/deploy/widget.mjs (Debian chromium, tests/browser's npm packages): the CSP lets
/// the inline script and the widget run, and both the widget and the plain form answer.
fn check_in_browser(url: &str) {
    let script = repo().join("tests/deploy/widget.mjs");
    let out =
        Command::new("node").arg(&script).arg(url).output().expect(
            "node runs (bash tests/browser/setup.sh installs what the browser check needs)",
        );
    assert!(
        out.status.success(),
        "the site through nginx fails in chromium:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn nginx_serves_the_site_and_passes_answers_with_the_real_client_address() {
    let dir = readable_tempdir();
    let root = dir.path().join("site");
    let site = Site::new(&root);
    let public = dir.path().join("public");
    let build = Command::new(env!("CARGO_BIN_EXE_yasno"))
        .args(["build", "--root"])
        .arg(&root)
        .arg("--output")
        .arg(&public)
        .output()
        .unwrap();
    assert!(
        build.status.success(),
        "{}",
        String::from_utf8_lossy(&build.stderr)
    );
    let db = dir.path().join("answers.db");
    // 4 a minute: a burst of 2, then 429 for a while. Trust the one proxy: nginx.
    let collector = start(&root, &db, &["--rate-limit", "4", "--trusted-proxies", "1"]);
    let collector_addr: SocketAddr = collector.url.trim_start_matches("http://").parse().unwrap();
    let prefix = Prefix {
        dir: dir.path().join("nginx"),
        public: public.clone(),
        collector: collector_addr,
        http: free_port(),
        https: free_port(),
        tls: false,
    };
    std::fs::create_dir(&prefix.dir).unwrap();
    let conf = render(&prefix);
    let nginx = Nginx::start(&conf, &prefix.dir, prefix.https);
    let port = prefix.https;

    check_pages(port, &public, &nginx);
    // From 127.0.0.1: the widget's answer and the form's, two of that address's burst.
    check_in_browser(&format!("http://127.0.0.1:{port}/services/primer/"));
    check_body_limits(port);

    // Answers through nginx: stored; the limit keys on the address nginx saw, so a forged
    // X-Forwarded-For neither helps one client past it nor blocks another.
    let answer = |id: &str| site.answer(id, 4).to_string();
    let a: Vec<u16> = (0..3)
        .map(|i| {
            post_answer(
                port,
                [127, 0, 0, 3],
                &format!("203.0.113.{i}"),
                &answer(&format!("nginx-a-{i}")),
            )
        })
        .collect();
    assert_eq!(
        a,
        [201, 201, 429],
        "two answers, then the limit, whatever the client forges"
    );
    let b = post_answer(port, [127, 0, 0, 2], "127.0.0.1", &answer("nginx-b-0"));
    assert_eq!(b, 201, "another client address has its own limit");
    let conn = rusqlite::Connection::open(&db).unwrap();
    let mut stmt = conn
        .prepare("SELECT client_id FROM answers WHERE client_id LIKE 'nginx-%' ORDER BY client_id")
        .unwrap();
    let stored: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(stored, ["nginx-a-0", "nginx-a-1", "nginx-b-0"]);
    let total: i64 = conn
        .query_row("SELECT count(*) FROM answers", [], |r| r.get(0))
        .unwrap();
    assert_eq!(total, 5, "and the browser's two answers");

    // Plain HTTP sends everyone to HTTPS.
    let http = get(prefix.http, "/services/primer/");
    assert_eq!(http.status, 301);
    assert_eq!(
        http.header("location"),
        Some("https://uslugi.example.ru/services/primer/")
    );
    drop(nginx);
    drop(collector);
}
