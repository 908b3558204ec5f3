//! Helpers shared by the integration test modules.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use scraper::{Html, Selector};

/// The repository root (the example site lives there).
pub(crate) fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Copies a folder tree (fixture sites into temporary folders).
pub(crate) fn copy_dir(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from) {
        let e = e.unwrap();
        let dest = to.join(e.path().strip_prefix(from).unwrap());
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}

/// The example site's content and theme in a new temporary folder.
pub(crate) fn example_site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for part in ["content", "themes"] {
        copy_dir(&repo().join(part), &dir.path().join(part));
    }
    dir
}

/// Parses an HTML file of the output.
pub(crate) fn html(path: &Path) -> Html {
    Html::parse_document(&std::fs::read_to_string(path).unwrap())
}

/// A CSS selector (panics on a typo in the test).
pub(crate) fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap()
}

/// A response with its body read: what the collector tests look at.
pub(crate) type Reply = ureq::http::Response<String>;

/// An HTTP client for async tests: ureq (blocking, already the `serve` tests' client) on
/// tokio's blocking pool, so a test and the server it talks to can share one runtime. Redirects
/// are not followed and error statuses are replies, not errors: the tests look at both.
#[derive(Clone)]
pub(crate) struct Http {
    agent: ureq::Agent,
}

impl Http {
    pub(crate) fn new() -> Self {
        Self::with_timeout(std::time::Duration::from_secs(30))
    }

    /// A client whose requests give up after `timeout` in all.
    pub(crate) fn with_timeout(timeout: std::time::Duration) -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(timeout))
            .build()
            .into();
        Http { agent }
    }

    pub(crate) fn get(&self, url: impl Into<String>) -> Request {
        self.request(ureq::http::Method::GET, url)
    }

    pub(crate) fn post(&self, url: impl Into<String>) -> Request {
        self.request(ureq::http::Method::POST, url)
    }

    pub(crate) fn request(&self, method: ureq::http::Method, url: impl Into<String>) -> Request {
        Request {
            agent: self.agent.clone(),
            builder: ureq::http::Request::builder()
                .method(method)
                .uri(url.into()),
            body: Vec::new(),
        }
    }
}

/// A request being built; `send` runs it.
pub(crate) struct Request {
    agent: ureq::Agent,
    builder: ureq::http::request::Builder,
    body: Vec<u8>,
}

impl Request {
    pub(crate) fn header(mut self, name: &str, value: impl AsRef<str>) -> Self {
        self.builder = self.builder.header(name, value.as_ref());
        self
    }

    pub(crate) fn bearer_auth(self, token: &str) -> Self {
        self.header("authorization", format!("Bearer {token}"))
    }

    pub(crate) fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// Sends the request; `Err` only when no HTTP reply came (refused, reset, timed out).
    pub(crate) async fn send(self) -> Result<Reply, ureq::Error> {
        let Request {
            agent,
            builder,
            body,
        } = self;
        let request = builder.body(body).expect("a valid request");
        tokio::task::spawn_blocking(move || {
            let reply = agent.run(request)?;
            let (parts, mut body) = reply.into_parts();
            let text = body.read_to_string()?;
            Ok(ureq::http::Response::from_parts(parts, text))
        })
        .await
        .expect("the request thread")
    }
}

/// Reading a reply's body as JSON.
pub(crate) trait Json {
    /// The body parsed as JSON (panics, naming the body, when it is not).
    fn json<T: serde::de::DeserializeOwned>(&self) -> T;
}

impl Json for Reply {
    fn json<T: serde::de::DeserializeOwned>(&self) -> T {
        serde_json::from_str(self.body())
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body()))
    }
}

/// One client of a kill test: posts `answer(id, n)` to `url` until `stop`, keeping each
/// acknowledged id (the result) and counting it in `acks`. A connection error means the
/// collector is gone and nothing was promised for that answer: the client waits and goes on.
/// A refusal fails the test.
pub(crate) async fn post_until_stopped(
    http: Http,
    url: String,
    tag: String,
    stop: Arc<AtomicBool>,
    acks: Arc<AtomicUsize>,
    answer: impl Fn(&str, u32) -> serde_json::Value,
) -> Vec<String> {
    let mut acked = Vec::new();
    let mut n = 0;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let id = format!("{tag}-{n:08}");
        let body = answer(&id, n);
        let res = http
            .post(&url)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await;
        match res {
            Ok(r) if r.status().is_success() => {
                acked.push(id);
                acks.fetch_add(1, Ordering::Relaxed);
            }
            Ok(r) => panic!(
                "refused under load: {} for {body}: {}",
                r.status(),
                r.body()
            ),
            // The collector is gone: nothing was promised for this one.
            Err(_) => tokio::time::sleep(Duration::from_millis(5)).await,
        }
    }
    acked
}

/// `yasno check --no-cache --today <today> --root <root> <args>`, run to its end.
pub(crate) fn check_cli_output(root: &Path, today: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_yasno"))
        .args(["check", "--no-cache", "--today", today, "--root"])
        .arg(root)
        .args(args)
        .output()
        .expect("yasno runs")
}

/// stdout of [`check_cli_output`], which must exit 1 (the fixture sites have errors).
pub(crate) fn check_cli(root: &Path, today: &str, args: &[&str]) -> String {
    let out = check_cli_output(root, today, args);
    assert_eq!(out.status.code(), Some(1), "errors exit 1: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}
