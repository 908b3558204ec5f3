//! The collector on PostgreSQL with the real `yasno collect` binary: two processes on one
//! database (one client id posted to both at once is stored once; kill -9 of one under load
//! loses no acknowledged answer), two sites on one database (a site's token reads only its
//! own answers), and `yasno collect migrate` (run twice, nothing doubles).

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use ureq::http::StatusCode;
use yasno::collect::{PgStore, SqliteStore, Store};

use crate::collector_process::{self, Collector};
use crate::common::{Http, post_until_stopped};
use crate::pg;

const TOKEN_A: &str = "token-of-site-alpha-0123456789";
const TOKEN_B: &str = "token-of-site-bravo-0123456789";

/// Starts `yasno collect` for the site at `root` on `db`, with `token`.
fn start(root: &Path, db: &str, token: &str) -> Collector {
    let mut cmd = collector_process::command(root, OsStr::new(db));
    cmd.args(["--rate-limit", "0"])
        .env("YASNO_ADMIN_TOKEN", token);
    collector_process::spawn(cmd)
}

/// A new site in `dir`, with `site_id` set when given; returns its folder and the slug of
/// its service with a survey.
fn new_site(dir: &Path, name: &str, site_id: Option<&str>) -> (PathBuf, String) {
    let root = dir.join(name);
    yasno::scaffold::new_site(&root).expect("a new site");
    if let Some(id) = site_id {
        let path = root.join("content/site.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        let text = text.replacen(
            "lang = \"ru\"\n",
            &format!("lang = \"ru\"\nsite_id = \"{id}\"\n"),
            1,
        );
        std::fs::write(&path, text).unwrap();
    }
    let site = yasno::site::Site::load(&root, &Default::default()).expect("the site loads");
    let slug = site
        .services
        .iter()
        .find(|s| s.survey.is_some())
        .expect("a service with a survey")
        .slug
        .clone();
    (root, slug)
}

/// An answer to the starter site's survey.
fn answer(client_id: &str, service: &str, comment: &str) -> Value {
    json!({
        "client_id": client_id, "service": service, "survey": "default", "version": 1,
        "source": "web", "lang": "ru",
        "answers": {"rating": 4, "comment": comment},
    })
}

async fn post(http: &Http, base: &str, body: &Value) -> Result<StatusCode, ureq::Error> {
    let reply = http
        .post(format!("{base}/api/answers"))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await?;
    // A refusal here is a broken test or collector: say why.
    assert!(
        reply.status().as_u16() < 400,
        "{} for {body}: {}",
        reply.status(),
        reply.body()
    );
    Ok(reply.status())
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn count(url: &str, sql: &str) -> i64 {
    pg::query(url, sql)[0][0]
        .as_deref()
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn one_client_id_posted_to_two_collectors_at_once_is_stored_once() {
    let dir = tempfile::tempdir().unwrap();
    let (root, service) = new_site(dir.path(), "site", None);
    let db = pg::fresh_database("same_id");
    let (a, b) = (start(&root, &db, TOKEN_A), start(&root, &db, TOKEN_A));
    let rt = runtime();
    let statuses = rt.block_on(async {
        let http = Http::new();
        let mut pairs = Vec::new();
        for i in 0..40 {
            let body = answer(&format!("both-{i:04}"), &service, "оба сразу");
            let (ra, rb) = tokio::join!(post(&http, &a.url, &body), post(&http, &b.url, &body));
            pairs.push((ra.unwrap(), rb.unwrap()));
        }
        pairs
    });
    for (ra, rb) in &statuses {
        // One of the two stored it (201), the other found it stored (200 duplicate).
        let mut got = [ra.as_u16(), rb.as_u16()];
        got.sort();
        assert_eq!(got, [200, 201], "{statuses:?}");
    }
    assert_eq!(count(&db, "SELECT count(*) FROM answers"), 40);
    assert_eq!(
        count(&db, "SELECT count(DISTINCT client_id) FROM answers"),
        40
    );
    // Without `site_id`, the site is the host of `base_url` (https://example.org) as a slug.
    assert_eq!(
        pg::query(&db, "SELECT DISTINCT site FROM answers"),
        [[Some("example-org".to_owned())]]
    );
}

#[test]
fn kill_9_of_one_of_two_collectors_under_load_loses_no_acknowledged_answer() {
    let dir = tempfile::tempdir().unwrap();
    let (root, service) = new_site(dir.path(), "site", None);
    let db = pg::fresh_database("kill9");
    let mut victim = start(&root, &db, TOKEN_A);
    let survivor = start(&root, &db, TOKEN_A);
    let rt = runtime();
    let stop = Arc::new(AtomicBool::new(false));
    let acks = Arc::new(AtomicUsize::new(0));
    let acked = rt.block_on(async {
        let http = Http::with_timeout(Duration::from_secs(5));
        let mut tasks = Vec::new();
        for c in 0..16 {
            // Half the clients talk to the collector that is killed.
            let base = if c % 2 == 0 {
                victim.url.clone()
            } else {
                survivor.url.clone()
            };
            let (http, stop, acks, service) =
                (http.clone(), stop.clone(), acks.clone(), service.clone());
            tasks.push(tokio::spawn(post_until_stopped(
                http,
                format!("{base}/api/answers"),
                format!("kill-{c:02}"),
                stop,
                acks,
                move |id, _| answer(id, &service, "под нагрузкой"),
            )));
        }
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while acks.load(Ordering::Relaxed) < 300 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // SIGKILL mid-load: no shutdown hook runs in the victim.
        victim.child.kill().expect("kill -9");
        victim.child.wait().unwrap();
        // The survivor keeps taking answers.
        let after = acks.load(Ordering::Relaxed);
        while acks.load(Ordering::Relaxed) < after + 100 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        stop.store(true, Ordering::Relaxed);
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.unwrap());
        }
        all
    });
    drop(survivor);
    assert!(acked.len() > 300, "{} acknowledged", acked.len());
    let stored: BTreeSet<String> = pg::query(&db, "SELECT client_id FROM answers")
        .into_iter()
        .map(|r| r[0].clone().unwrap())
        .collect();
    let missing: Vec<&String> = acked.iter().filter(|id| !stored.contains(*id)).collect();
    eprintln!(
        "two collectors, one killed: {} acknowledged, {} stored",
        acked.len(),
        stored.len()
    );
    assert!(
        missing.is_empty(),
        "{} of {} acknowledged answers lost, e.g. {:?}",
        missing.len(),
        acked.len(),
        missing.first()
    );
}

#[test]
fn a_sites_token_reads_only_its_own_answers_on_a_shared_database() {
    let dir = tempfile::tempdir().unwrap();
    let (root_a, service_a) = new_site(dir.path(), "alpha", Some("alpha"));
    let (root_b, service_b) = new_site(dir.path(), "bravo", Some("bravo"));
    let db = pg::fresh_database("two_sites");
    let (a, b) = (start(&root_a, &db, TOKEN_A), start(&root_b, &db, TOKEN_B));
    let rt = runtime();
    let http = Http::new();
    let export = |base: &str, token: &str| {
        rt.block_on(
            http.get(format!("{base}/api/export.csv"))
                .bearer_auth(token)
                .send(),
        )
        .unwrap()
    };
    rt.block_on(async {
        for i in 0..3 {
            let a_answer = answer(&format!("alpha-{i:04}"), &service_a, "ответ сайта альфа");
            assert_eq!(post(&http, &a.url, &a_answer).await.unwrap(), 201);
        }
        let b_answer = answer("bravo-0000", &service_b, "ответ сайта браво");
        assert_eq!(post(&http, &b.url, &b_answer).await.unwrap(), 201);
    });
    let sites = pg::query(
        &db,
        "SELECT site, count(*) FROM answers GROUP BY site ORDER BY site",
    );
    assert_eq!(
        sites,
        [
            [Some("alpha".to_owned()), Some("3".to_owned())],
            [Some("bravo".to_owned()), Some("1".to_owned())]
        ]
    );
    let from_a = export(&a.url, TOKEN_A);
    assert_eq!(from_a.status(), 200);
    assert_eq!(from_a.body().matches("ответ сайта альфа").count(), 3);
    assert!(!from_a.body().contains("браво"), "{}", from_a.body());
    let from_b = export(&b.url, TOKEN_B);
    assert_eq!(from_b.body().matches("ответ сайта браво").count(), 1);
    assert!(!from_b.body().contains("альфа"), "{}", from_b.body());
    // Site A's token opens nothing on site B's collector, though both share the database.
    assert_eq!(export(&b.url, TOKEN_A).status(), 401);
    let report = rt
        .block_on(
            http.get(format!("{}/api/report", b.url))
                .bearer_auth(TOKEN_A)
                .send(),
        )
        .unwrap();
    assert_eq!(report.status(), 401);

    // `yasno report` reads one site's answers from the shared database too.
    let out = Command::new(env!("CARGO_BIN_EXE_yasno"))
        .arg("report")
        .arg("--root")
        .arg(&root_a)
        .args(["--db", &db, "--output"])
        .arg(dir.path().join("report-alpha"))
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains(": 3 answers"), "{stdout}");
    let csv = std::fs::read_dir(dir.path().join("report-alpha"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "csv"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect::<String>();
    assert!(csv.contains("альфа") && !csv.contains("браво"), "{csv}");
}

#[test]
fn collectors_starting_together_on_a_new_database_apply_the_schema_once() {
    let db = pg::fresh_database("start_together");
    let rt = runtime();
    rt.block_on(async {
        let opens = (0..4).map(|i| {
            let db = db.clone();
            tokio::spawn(async move { PgStore::open(&db, &format!("site-{i}")).await })
        });
        for open in opens.collect::<Vec<_>>() {
            let store = open.await.unwrap().expect("every collector starts");
            store.close().await.unwrap();
        }
    });
    // Each version once: the answers' schema (1) and the quarterly control's tables (2).
    assert_eq!(
        pg::query(
            &db,
            "SELECT version FROM schema_migrations ORDER BY version"
        ),
        [[Some("1".to_owned())], [Some("2".to_owned())]]
    );
}

#[test]
fn a_site_id_that_is_not_a_slug_is_named_with_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    yasno::scaffold::new_site(&root).unwrap();
    let path = root.join("content/site.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replacen(
            "lang = \"ru\"\n",
            "lang = \"ru\"\nsite_id = \"Остров 1\"\n",
            1,
        ),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_yasno"))
        .args([
            "collect",
            "--listen",
            "127.0.0.1:0",
            "--db",
            "postgres://127.0.0.1:1/x",
        ])
        .arg("--root")
        .arg(&root)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    // `lang` is on line 5 of the starter site.toml; `site_id` follows it.
    assert!(
        stderr.contains("site.toml:6:12") && stderr.contains("site_id"),
        "{stderr}"
    );
}

/// Runs `yasno collect migrate` and returns its exit status, stdout and stderr.
fn migrate(from: &Path, to: &str) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_yasno"))
        .args(["collect", "migrate", "--from"])
        .arg(from)
        .args(["--to", to])
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Page votes (two alike in one second: the time is stored to the second), requests and
/// calls of `site`, through the store's own methods.
async fn add_control_rows(store: &SqliteStore, site: &str) {
    use yasno::collect::{CallRecord, PageVote, RequestRecord};
    let at = |t: &str| -> jiff::Timestamp { t.parse().unwrap() };
    let civil = |t: &str| -> jiff::civil::DateTime { t.parse().unwrap() };
    for (t, useful, text) in [
        ("2026-07-02T09:00:00Z", true, ""),
        ("2026-07-02T09:00:00Z", true, ""),
        ("2026-07-03T11:30:00Z", false, "Нет телефона «отдела»"),
    ] {
        let vote = PageVote {
            received_at: at(t),
            page: "/services/opeka/".into(),
            useful,
            text: text.into(),
            lang: "ru".into(),
        };
        store.insert_page_vote(vote).await.unwrap();
    }
    let requests = ["1", "2"]
        .iter()
        .map(|n| RequestRecord {
            id: format!("{site}-{n}"),
            channel: "email".into(),
            received: civil("2026-07-01T10:00:00"),
            acknowledged: Some(civil("2026-07-01T15:00:00")),
            answered: (*n == "1").then(|| civil("2026-07-20T12:00:00")),
        })
        .collect();
    store.import_requests(requests).await.unwrap();
    let calls = [(true, 40), (false, 300)]
        .iter()
        .map(|&(answered, wait_seconds)| CallRecord {
            time: civil("2026-07-04T10:15:00"),
            answered,
            wait_seconds,
        })
        .collect();
    store.import_calls(calls).await.unwrap();
}

/// The control tables' rows, as text, in one order, from a store read by `query`.
fn control_rows(query: impl Fn(&str) -> Vec<Vec<Option<String>>>) -> [Vec<Vec<Option<String>>>; 3] {
    [
        "SELECT site, received_at, page, useful::int::text, text, lang FROM page_votes ORDER BY 1, 2, 3, 4, 5",
        "SELECT site, id, channel, received, acknowledged, answered FROM requests ORDER BY 1, 2",
        "SELECT site, time, answered::int::text, wait_seconds::text FROM calls ORDER BY 1, 2, 3",
    ]
    .map(query)
}

/// Rows of `sql` on the SQLite file at `file`, every value as text.
fn sqlite_query(file: &Path, sql: &str) -> Vec<Vec<Option<String>>> {
    // SQLite has no `::` casts; its integers read back as text below.
    let sql = sql.replace("::int::text", "").replace("::text", "");
    let conn = rusqlite::Connection::open(file).unwrap();
    let mut stmt = conn.prepare(&sql).unwrap();
    let n = stmt.column_count();
    stmt.query_map([], |r| {
        (0..n)
            .map(|i| {
                let v: rusqlite::types::Value = r.get(i)?;
                Ok(match v {
                    rusqlite::types::Value::Null => None,
                    rusqlite::types::Value::Integer(n) => Some(n.to_string()),
                    rusqlite::types::Value::Text(t) => Some(t),
                    other => panic!("{other:?}"),
                })
            })
            .collect()
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

/// Every row of a store, as text, in one order (by client id).
const ALL_ROWS: &str = "SELECT site, client_id, received_at, service, survey, version, source, lang, answers FROM answers ORDER BY client_id";

#[test]
fn migrate_copies_a_sqlite_file_into_postgresql_once() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("answers.db");
    // Two sites in one file: each row must keep its own.
    let rt = runtime();
    rt.block_on(async {
        for (site, n) in [("alpha", 25), ("bravo", 5)] {
            let store = SqliteStore::open_for_site(&file, site).unwrap();
            for i in 0..n {
                let mut a: yasno_survey_core::Answer = serde_json::from_value(answer(
                    &format!("{site}-{i:03}"),
                    "opeka",
                    "«кавычки» и ёж",
                ))
                .unwrap();
                a.version = 1 + i % 3;
                let at: jiff::Timestamp = format!("2026-07-{:02}T10:00:00Z", 1 + i % 28)
                    .parse()
                    .unwrap();
                store.insert(a, at).await.unwrap();
            }
            add_control_rows(&store, site).await;
            store.close().await.unwrap();
        }
    });
    let db = pg::fresh_database("migrate");
    let (ok, out, err) = migrate(&file, &db);
    assert!(ok, "{out}{err}");
    assert!(out.contains("copied 30 answers, skipped 0"), "{out}");
    assert!(
        out.contains("copied 6 page votes (skipped 0), 4 requests (0), 4 calls (0)"),
        "{out}"
    );
    let sqlite_control = control_rows(|sql| sqlite_query(&file, sql));
    assert_eq!(sqlite_control.iter().map(Vec::len).sum::<usize>(), 14);
    assert_eq!(control_rows(|sql| pg::query(&db, sql)), sqlite_control);

    let sqlite_rows = sqlite_query(&file, ALL_ROWS);
    assert_eq!(sqlite_rows.len(), 30);
    assert_eq!(pg::query(&db, ALL_ROWS), sqlite_rows);

    // A second run adds nothing and says so.
    let (ok, out, err) = migrate(&file, &db);
    assert!(ok, "{out}{err}");
    assert!(out.contains("copied 0 answers, skipped 30"), "{out}");
    assert!(
        out.contains("copied 0 page votes (skipped 6), 0 requests (4), 0 calls (4)"),
        "{out}"
    );
    assert_eq!(pg::query(&db, ALL_ROWS), sqlite_rows);
    assert_eq!(control_rows(|sql| pg::query(&db, sql)), sqlite_control);

    // A SQLite file as the target is an editor mistake, named with a hint.
    let (ok, _, err) = migrate(&file, "other.db");
    assert!(!ok);
    assert!(
        err.contains("--to other.db") && err.contains("postgres://"),
        "{err}"
    );
    let (ok, _, err) = migrate(&dir.path().join("missing.db"), &db);
    assert!(!ok);
    assert!(
        err.contains("missing.db: no such answer file") && err.contains("hint"),
        "{err}"
    );
}
