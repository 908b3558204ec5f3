//! "Is this page useful?": the built pages without a service survey carry a plain form; a
//! browser without JavaScript posts it to a real collector, which stores the vote and sends
//! the visitor back to the thank-you note; the report lists the page.

use std::net::SocketAddr;
use std::sync::Arc;

use yasno::collect::{SqliteStore, Store};

use super::common::{Http, html, sel};
use super::report_control::{fixture_site, run_report};

/// The fields a browser without JavaScript would send from the page's vote form.
fn form_fields(doc: &scraper::Html, useful: &str, text: &str) -> (String, Vec<(String, String)>) {
    let form = doc
        .select(&sel("#page-useful form"))
        .next()
        .expect("the page has the vote form");
    let action = form.value().attr("action").unwrap().to_owned();
    let mut fields: Vec<(String, String)> = form
        .select(&sel("input[type=hidden]"))
        .map(|i| {
            let v = i.value();
            (
                v.attr("name").unwrap().into(),
                v.attr("value").unwrap_or("").into(),
            )
        })
        .collect();
    let radio = form
        .select(&sel(&format!("input[type=radio][value={useful}]")))
        .next()
        .unwrap();
    fields.push((radio.value().attr("name").unwrap().into(), useful.into()));
    let area = form.select(&sel("textarea")).next().unwrap();
    fields.push((area.value().attr("name").unwrap().into(), text.into()));
    (action, fields)
}

fn encode(fields: &[(String, String)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_vote_form_works_without_javascript_and_reaches_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let root = fixture_site(dir.path());
    let out = dir.path().join("public");
    let built = std::process::Command::new(env!("CARGO_BIN_EXE_yasno"))
        .args(["build", "--root"])
        .arg(&root)
        .arg("--output")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );

    // Pages with a service survey have no vote form; home and contacts have one.
    let mut with_survey = 0;
    for e in walkdir::WalkDir::new(&out) {
        let e = e.unwrap();
        if e.path().extension().is_some_and(|x| x == "html") {
            let doc = html(e.path());
            if doc.select(&sel("section#survey")).next().is_some() {
                with_survey += 1;
                assert!(
                    doc.select(&sel("#page-useful")).next().is_none(),
                    "{}",
                    e.path().display()
                );
            }
        }
    }
    assert!(with_survey >= 3, "the fixture's services have surveys");
    let contacts = html(&out.join("contacts/index.html"));
    let home = html(&out.join("index.html"));
    assert!(
        contacts
            .select(&sel("#page-useful-thanks"))
            .next()
            .is_some()
    );

    let db = dir.path().join("answers.db");
    let store = Arc::new(SqliteStore::open(&db).unwrap());
    let site = yasno::site::Site::load(&root, &Default::default()).unwrap();
    let config = yasno::collect::cli::from_site(&site).config;
    let app = yasno::collect::router(config, store.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    let http = Http::new();
    let post = |action: String, body: String| {
        http.post(format!("{base}{action}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "text/html")
            .body(body)
            .send()
    };

    let (action, fields) = form_fields(
        &contacts,
        "no",
        "Нет часов приёма, звоните +7 921 000-11-22",
    );
    let reply = post(action.clone(), encode(&fields)).await.unwrap();
    assert_eq!(reply.status(), 303, "{}", reply.body());
    assert_eq!(reply.headers()["location"], "/contacts/#page-useful-thanks");
    let (home_action, home_fields) = form_fields(&home, "yes", "");
    let reply = post(home_action, encode(&home_fields)).await.unwrap();
    assert_eq!(reply.status(), 303);

    // Wrong input: a precise 400 naming the field, nothing stored.
    let mut bad = fields.clone();
    bad.retain(|(n, _)| n != "useful");
    bad.push(("useful".into(), "maybe".into()));
    let reply = http
        .post(format!("{base}{action}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(encode(&bad))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 400);
    assert!(reply.body().contains("\"useful\""), "{}", reply.body());
    let mut foreign = fields.clone();
    foreign[0].1 = "https://evil.example/".into();
    assert_eq!(foreign[0].0, "page");
    let reply = post(action.clone(), encode(&foreign)).await.unwrap();
    assert_eq!(reply.status(), 400);
    server.abort();
    store.close().await.unwrap();

    let today = yasno::check::today();
    let quarter = format!("{}Q{}", today.year(), (today.month() - 1) / 3 + 1);
    let report = run_report(&root, &db, &quarter, &[]);
    let doc = html(&report.join("report.html"));
    let rows: Vec<Vec<String>> = doc
        .select(&sel("#page-votes tbody tr"))
        .map(|r| {
            r.select(&sel("th, td"))
                .map(|c| c.text().collect())
                .collect()
        })
        .collect();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0][..3], ["/contacts/", "1", "0"]);
    assert!(rows[0][5].contains("Нет часов приёма") && !rows[0][5].contains("000-11-22"));
    assert_eq!(rows[1][..3], ["/", "0", "1"]);
}
