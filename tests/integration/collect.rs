//! Collector integration tests: the real HTTP service on 127.0.0.1 with a real SQLite file,
//! and (the `::postgres` variants of the store tests) a real PostgreSQL server.
//! Each test starts its own server on a free port and checks the database directly.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::{Value, json};
use ureq::http::StatusCode;
use yasno::collect::{self, CollectorConfig, PgStore, RateLimit, ReportLabels, SqliteStore, Store};
use yasno_survey_core::default_survey;

use crate::common::{Http, Json, Reply};

const SITE: &str = "https://uslugi.example.ru";
const TOKEN: &str = "s3cret-token-for-tests-0123456789";

/// (client_id, received_at, service, survey, version, source, lang, answers)
type Row = (String, String, String, String, i64, String, String, Value);

/// Which store a test runs on.
#[derive(Debug, Clone, Copy)]
enum Backend {
    Sqlite,
    Postgres,
}

/// Runs a store test on both stores: `NAME::sqlite` and `NAME::postgres`.
macro_rules! both_stores {
    ($name:ident) => {
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$name(super::Backend::Sqlite).await
            }
            #[tokio::test]
            async fn postgres() {
                super::$name(super::Backend::Postgres).await
            }
        }
    };
}

struct Server {
    base: String,
    db: PathBuf,
    /// The PostgreSQL database, for the `Postgres` backend.
    pg: Option<String>,
    client: Http,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    store: Arc<dyn Store>,
    _dir: tempfile::TempDir,
}

fn config() -> CollectorConfig {
    let mut surveys = BTreeMap::new();
    surveys.insert("opeka".to_owned(), default_survey());
    surveys.insert("propiska".to_owned(), default_survey());
    let mut config = CollectorConfig::new(surveys);
    config.allowed_origin = Some(SITE.into());
    config.admin_token = Some(TOKEN.into());
    config.site = "uslugi-example-ru".into();
    config.report = ReportLabels {
        site_name: "Администрация МО".into(),
        services: BTreeMap::from([("opeka".into(), "Опека и попечительство".into())]),
        locations: BTreeMap::from([("mfc-1".into(), "Приёмная, ул. Садовая, 1".into())]),
        surveys: BTreeMap::from([("default".into(), default_survey())]),
        ..ReportLabels::default()
    };
    config
}

impl Server {
    async fn start(config: CollectorConfig) -> Self {
        Self::start_on(Backend::Sqlite, config).await
    }

    async fn start_on(backend: Backend, config: CollectorConfig) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("answers.db");
        let (store, pg): (Arc<dyn Store>, _) = match backend {
            Backend::Sqlite => (
                Arc::new(SqliteStore::open_for_site(&db, &config.site).unwrap()),
                None,
            ),
            Backend::Postgres => {
                let url = crate::pg::fresh_database("collect");
                let store = PgStore::open(&url, &config.site).await.unwrap();
                (Arc::new(store), Some(url))
            }
        };
        let app = collect::router(config, store.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
        });
        let client = Http::new();
        Server {
            base: format!("http://{addr}"),
            db,
            pg,
            client,
            stop: Some(stop),
            task: Some(task),
            store,
            _dir: dir,
        }
    }

    async fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap();
        }
        self.store.close().await.unwrap();
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn post_json(&self, body: &Value) -> Reply {
        self.client
            .post(self.url("/api/answers"))
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap()
    }

    /// Posts `body` as `content_type` from a page at `origin`.
    async fn post_from(&self, origin: &str, content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
        self.client
            .post(self.url("/api/answers"))
            .header("content-type", content_type)
            .header("origin", origin)
            .body(body)
            .send()
            .await
            .unwrap()
    }

    async fn post_form(&self, fields: &[(&str, &str)]) -> Reply {
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        self.post_from(SITE, "application/x-www-form-urlencoded", body)
            .await
    }

    /// Rows as stored, oldest first.
    fn rows(&self) -> Vec<Row> {
        if let Some(url) = &self.pg {
            return pg_rows(url);
        }
        let conn = rusqlite::Connection::open(&self.db).unwrap();
        let mut stmt = conn
            .prepare(
                "SELECT client_id, received_at, service, survey, version, source, lang, answers
                 FROM answers ORDER BY id",
            )
            .unwrap();
        stmt.query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                serde_json::from_str(&r.get::<_, String>(7)?).unwrap(),
            ))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect()
    }
}

/// The rows of a PostgreSQL store, oldest first, as [`Server::rows`] gives them.
fn pg_rows(url: &str) -> Vec<Row> {
    crate::pg::query(
        url,
        "SELECT client_id, received_at, service, survey, version, source, lang, answers
         FROM answers ORDER BY id",
    )
    .into_iter()
    .map(|r| {
        let text = |i: usize| r[i].clone().unwrap();
        (
            text(0),
            text(1),
            text(2),
            text(3),
            text(4).parse().unwrap(),
            text(5),
            text(6),
            serde_json::from_str(&text(7)).unwrap(),
        )
    })
    .collect()
}

fn answer(client_id: &str) -> Value {
    json!({
        "client_id": client_id,
        "service": "opeka",
        "survey": "default",
        "version": 1,
        "source": "web",
        "lang": "ru",
        "answers": {"rating": 5, "got_result": "yes", "comment": "Всё быстро, спасибо"}
    })
}

fn looks_like_utc_second(s: &str) -> bool {
    let b = s.as_bytes();
    s.len() == 20
        && b[4] == b'-'
        && b[10] == b'T'
        && b[19] == b'Z'
        && s.parse::<jiff::Timestamp>().is_ok()
}

both_stores!(stores_a_json_answer_exactly_and_nothing_personal);
async fn stores_a_json_answer_exactly_and_nothing_personal(backend: Backend) {
    let mut server = Server::start_on(backend, config()).await;
    let res = server.post_json(&answer("widget-client-0001")).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let body: Value = res.json();
    assert_eq!(body["status"], "stored");

    let rows = server.rows();
    assert_eq!(rows.len(), 1);
    let (id, at, service, survey, version, source, lang, answers) = &rows[0];
    assert_eq!(id, "widget-client-0001");
    assert!(looks_like_utc_second(at), "{at}");
    assert_eq!(
        (
            service.as_str(),
            survey.as_str(),
            *version,
            source.as_str(),
            lang.as_str()
        ),
        ("opeka", "default", 1, "web", "ru")
    );
    assert_eq!(
        answers,
        &json!({"rating": 5, "got_result": "yes", "comment": "Всё быстро, спасибо"})
    );

    // The schema itself has no place for an address, a user agent or a cookie; the site
    // column says whose answer it is.
    let expected = [
        "id",
        "client_id",
        "received_at",
        "service",
        "survey",
        "version",
        "source",
        "lang",
        "answers",
        "site",
    ];
    if let Some(url) = &server.pg {
        let mut columns: Vec<String> = crate::pg::query(
            url,
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'answers'",
        )
        .into_iter()
        .map(|r| r[0].clone().unwrap())
        .collect();
        columns.sort();
        let mut expected = expected.map(str::to_owned).to_vec();
        expected.sort();
        assert_eq!(columns, expected);
        // The test cluster has synchronous_commit off by default; the store refuses to open
        // unless its own sessions commit synchronously, so getting here proves they do.
        let sync = crate::pg::query(url, "SHOW synchronous_commit");
        assert_eq!(sync[0][0].as_deref(), Some("off"));
        let site = crate::pg::query(url, "SELECT DISTINCT site FROM answers");
        assert_eq!(site, [[Some("uslugi-example-ru".to_owned())]]);
        server.stop().await;
        return;
    }
    let conn = rusqlite::Connection::open(&server.db).unwrap();
    let columns: Vec<String> = conn
        .prepare("SELECT name FROM pragma_table_info('answers')")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(columns, expected);
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let site: String = conn
        .query_row("SELECT DISTINCT site FROM answers", [], |r| r.get(0))
        .unwrap();
    assert_eq!(site, "uslugi-example-ru");
    server.stop().await;
}

#[tokio::test]
async fn stores_a_form_answer_and_redirects_to_the_thanks_state() {
    let mut server = Server::start(config()).await;
    let res = server
        .post_form(&[
            ("service", "opeka"),
            ("survey", "default"),
            ("version", "1"),
            ("source", "mfc-1"),
            ("lang", "ru"),
            ("return_to", "/services/opeka/"),
            ("website", ""),
            ("rating", "4"),
            ("got_result", "partly"),
            ("comment", "Долго ждал в очереди"),
        ])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/services/opeka/#survey-thanks");
    let rows = server.rows();
    assert_eq!(rows.len(), 1);
    let (id, _, service, _, _, source, _, answers) = &rows[0];
    assert_eq!(id.len(), 32, "server-made client id: {id}");
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!((service.as_str(), source.as_str()), ("opeka", "mfc-1"));
    assert_eq!(
        answers,
        &json!({"rating": 4, "got_result": "partly", "comment": "Долго ждал в очереди"})
    );
    server.stop().await;
}

both_stores!(refuses_each_kind_of_bad_request_with_the_field_and_stores_nothing);
async fn refuses_each_kind_of_bad_request_with_the_field_and_stores_nothing(backend: Backend) {
    let mut server = Server::start_on(backend, config()).await;
    let with = |f: &dyn Fn(&mut Value)| {
        let mut a = answer("bad-request-0001");
        f(&mut a);
        a
    };
    let json_cases: Vec<(&str, Value, &str)> = vec![
        (
            "unknown service",
            with(&|a| a["service"] = json!("nope")),
            "service",
        ),
        (
            "wrong version",
            with(&|a| a["version"] = json!(2)),
            "version",
        ),
        (
            "wrong survey",
            with(&|a| a["survey"] = json!("other")),
            "survey",
        ),
        (
            "rating out of range",
            with(&|a| a["answers"]["rating"] = json!(6)),
            "answers.rating",
        ),
        (
            "unknown option",
            with(&|a| a["answers"]["got_result"] = json!("maybe")),
            "answers.got_result",
        ),
        (
            "text too long",
            with(&|a| a["answers"]["comment"] = json!("ж".repeat(501))),
            "answers.comment",
        ),
        (
            "unknown question",
            with(&|a| a["answers"]["age"] = json!("40")),
            "answers.age",
        ),
        (
            "missing required rating",
            with(&|a| {
                a["answers"].as_object_mut().unwrap().remove("rating");
            }),
            "answers.rating",
        ),
        (
            "bad client id",
            with(&|a| a["client_id"] = json!("x")),
            "client_id",
        ),
        ("not an answer", json!({"hello": 1}), "body"),
    ];
    for (what, body, field) in json_cases {
        let res = server.post_json(&body).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{what}");
        let err: Value = res.json();
        assert_eq!(err["field"], field, "{what}: {err}");
        assert!(err["message"].as_str().unwrap().len() > 5, "{what}");
    }

    // Not JSON at all, a wrong media type, a body over the limit.
    let res = server
        .client
        .post(server.url("/api/answers"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = server
        .client
        .post(server.url("/api/answers"))
        .header("content-type", "text/plain")
        .body(answer("bad-request-0002").to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let huge = with(&|a| a["answers"]["comment"] = json!("x".repeat(40_000)));
    let res = server.post_json(&huge).await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let err: Value = res.json();
    assert_eq!(err["field"], "body");

    // Form posts: an open redirect, a rating that is not a number, an unknown service.
    let form = |extra: &[(&'static str, &'static str)]| {
        let mut f: Vec<(&str, &str)> = vec![
            ("service", "opeka"),
            ("survey", "default"),
            ("version", "1"),
            ("source", "web"),
            ("lang", "ru"),
            ("return_to", "/services/opeka/"),
            ("rating", "5"),
        ];
        for (k, v) in extra {
            f.retain(|(name, _)| name != k);
            f.push((k, v));
        }
        f
    };
    for (extra, field) in [
        (vec![("return_to", "//evil.example/")], "return_to"),
        (vec![("return_to", "https://evil.example/")], "return_to"),
        (vec![("rating", "five")], "answers.rating"),
        (vec![("service", "nope")], "service"),
        (vec![("version", "v1")], "version"),
    ] {
        let res = server.post_form(&form(&extra)).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{extra:?}");
        assert!(res.headers().get("location").is_none());
        let err: Value = res.json();
        assert_eq!(err["field"], field, "{extra:?}");
    }

    // A browser posting the no-JS form gets a readable page, escaped, with a way back.
    let res = server
        .client
        .post(server.url("/api/answers"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "text/html,application/xhtml+xml")
        .body("service=opeka&survey=default&version=1&return_to=/services/opeka/&rating=9")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let page = scraper::Html::parse_document(res.body());
    let link = scraper::Selector::parse("a").unwrap();
    assert_eq!(
        page.select(&link).next().unwrap().value().attr("href"),
        Some("/services/opeka/#survey")
    );

    assert!(server.rows().is_empty(), "nothing may be stored");
    server.stop().await;
}

#[tokio::test]
async fn honeypot_answers_look_accepted_but_are_not_stored() {
    let mut server = Server::start(config()).await;
    let res = server
        .post_form(&[
            ("service", "opeka"),
            ("survey", "default"),
            ("version", "1"),
            ("return_to", "/services/opeka/"),
            ("website", "http://spam.example"),
            ("rating", "5"),
        ])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(server.rows().is_empty());
    server.stop().await;
}

both_stores!(stores_a_repeated_client_id_once_and_answers_success);
async fn stores_a_repeated_client_id_once_and_answers_success(backend: Backend) {
    let mut server = Server::start_on(backend, config()).await;
    let first = server.post_json(&answer("retry-client-0001")).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let again = server.post_json(&answer("retry-client-0001")).await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(again.json::<Value>()["status"], "duplicate");

    // Retries racing each other (likely in one group commit) are stored once too.
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let client = server.client.clone();
        let url = server.url("/api/answers");
        tasks.push(tokio::spawn(async move {
            client
                .post(url)
                .header("content-type", "application/json")
                .body(answer("retry-client-0002").to_string())
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    let mut created = 0;
    for t in tasks {
        let status = t.await.unwrap();
        assert!(status.is_success(), "{status}");
        created += usize::from(status == StatusCode::CREATED);
    }
    assert_eq!(created, 1);
    let ids: Vec<String> = server.rows().into_iter().map(|r| r.0).collect();
    assert_eq!(ids, ["retry-client-0001", "retry-client-0002"]);
    server.stop().await;
}

#[tokio::test]
async fn cors_allows_only_the_site_origin() {
    let mut server = Server::start(config()).await;
    let preflight = |origin: &'static str| {
        server
            .client
            .request(ureq::http::Method::OPTIONS, server.url("/api/answers"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
    };
    let ok = preflight(SITE).await.unwrap();
    assert_eq!(ok.headers()["access-control-allow-origin"], SITE);
    let evil = preflight("https://evil.example").await.unwrap();
    assert!(evil.headers().get("access-control-allow-origin").is_none());

    // A foreign page that posts anyway (a simple form post needs no preflight) is refused.
    let res = server
        .post_from(
            "https://evil.example",
            "application/json",
            answer("foreign-origin-01").to_string(),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(res.json::<Value>()["field"], "origin");
    let res = server
        .post_from(
            "https://evil.example",
            "application/x-www-form-urlencoded",
            "service=opeka&survey=default&version=1&return_to=/&rating=5",
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // The collector's own origin (as in `yasno serve`) is accepted.
    let res = server
        .post_from(
            &server.base,
            "application/json",
            answer("same-origin-0001").to_string(),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(server.rows().len(), 1);

    // `Origin: null` (a sandboxed frame, a `data:` or file page) is foreign for both: the
    // site's pages always send their origin.
    for content_type in ["application/x-www-form-urlencoded", "application/json"] {
        let body = if content_type == "application/json" {
            answer("null-origin-0001").to_string()
        } else {
            "service=opeka&survey=default&version=1&return_to=/&rating=5".to_owned()
        };
        let res = server.post_from("null", content_type, body).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{content_type}");
        assert_eq!(res.json::<Value>()["field"], "origin", "{content_type}");
    }
    assert_eq!(server.rows().len(), 1, "nothing stored from a null origin");
    server.stop().await;
}

#[tokio::test]
async fn rate_limit_refuses_a_flood_from_one_client() {
    let mut cfg = config();
    cfg.rate_limit = Some(RateLimit {
        per_minute: NonZeroU32::new(1).unwrap(),
        burst: NonZeroU32::new(3).unwrap(),
    });
    let mut server = Server::start(cfg).await;
    for i in 0..3 {
        let res = server
            .post_json(&answer(&format!("flood-client-{i:04}")))
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
    }
    let res = server.post_json(&answer("flood-client-9999")).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert_eq!(server.rows().len(), 3);
    server.stop().await;
}

#[tokio::test]
async fn health_answers_ok() {
    let mut server = Server::start(config()).await;
    let res = server
        .client
        .get(server.url("/api/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>()["status"], "ok");
    server.stop().await;
}

// Export, report, shutdown and start-up: the collector's administrative side.
mod admin;
