//! Strict answer parsing in the real `yasno collect` (issue 15): duplicate question keys,
//! unknown source tags, CSV formulas hidden behind spaces or full-width signs; and a property
//! test over arbitrary requests to the collector's router: no panic, nothing stored from a
//! refused request.

use std::collections::BTreeMap;
use std::sync::Arc;

use proptest::prelude::*;
use serde_json::json;

use crate::collect_hostile::{Collector, TOKEN, answer};

#[test]
fn duplicate_keys_and_unknown_sources_are_refused_and_not_stored() {
    let server = Collector::start(&[]);
    let duplicate = r#"{"client_id":"duplicate-key-1","service":"primer","survey":"default","version":1,"source":"web","lang":"ru","answers":{"rating":5,"rating":1}}"#;
    let res = server.post(&[], "application/json", duplicate.into());
    assert_eq!(res.status(), 400);
    let body: serde_json::Value = serde_json::from_str(res.body()).unwrap();
    assert_eq!(body["field"], "answers.rating", "{body}");

    let mut unknown: serde_json::Value = serde_json::from_str(&answer("unknown-source")).unwrap();
    unknown["source"] = "nowhere".into();
    let res = server.post(&[], "application/json", unknown.to_string());
    assert_eq!(res.status(), 400);
    let body: serde_json::Value = serde_json::from_str(res.body()).unwrap();
    assert_eq!(body["field"], "source", "{body}");
    assert!(server.stored().is_empty());

    // The site's own location tag and `web` are accepted.
    let mut located: serde_json::Value = serde_json::from_str(&answer("located-answer")).unwrap();
    located["source"] = "priemnaya".into();
    assert_eq!(
        server
            .post(&[], "application/json", located.to_string())
            .status(),
        201
    );
    assert_eq!(
        server
            .post(&[], "application/json", answer("web-answer-01"))
            .status(),
        201
    );
    assert_eq!(server.stored(), ["located-answer", "web-answer-01"]);
}

#[test]
fn csv_export_neutralises_formulas_behind_spaces_and_full_width_signs() {
    let server = Collector::start(&["--rate-limit", "0"]);
    let comments = [
        " =HYPERLINK(\"http://evil\")",
        "\n=1+1",
        "＝1+1",
        "\u{3000}@SUM(A1)",
    ];
    for (i, comment) in comments.iter().enumerate() {
        let body = json!({
            "client_id": format!("formula-{i:04}"), "service": "primer", "survey": "default",
            "version": 1, "source": "web", "lang": "ru",
            "answers": {"rating": 3, "comment": comment},
        });
        assert_eq!(
            server
                .post(&[], "application/json", body.to_string())
                .status(),
            201
        );
    }
    let res = server.get("/api/export.csv", TOKEN);
    assert_eq!(res.status(), 200);
    let csv = res.body().trim_start_matches('\u{feff}');
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(csv.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let at = headers
        .iter()
        .position(|h| h == "comment")
        .expect("a comment column");
    let cells: Vec<String> = reader
        .records()
        .map(|r| r.unwrap()[at].to_owned())
        .collect();
    assert_eq!(cells.len(), comments.len(), "{csv}");
    for cell in cells {
        assert!(cell.starts_with('\''), "not neutralised: {cell:?}");
    }
}

/// A body for the property test: a valid answer with one field replaced by an arbitrary
/// JSON value, raw bytes, or a form with arbitrary fields.
fn body_strategy() -> impl Strategy<Value = Vec<u8>> {
    let field = prop::sample::select(vec![
        "client_id",
        "service",
        "survey",
        "version",
        "source",
        "lang",
        "answers",
    ]);
    let value = prop_oneof![
        1 => any::<i64>().prop_map(serde_json::Value::from),
        1 => ".{0,40}".prop_map(serde_json::Value::from),
        // Tag-shaped strings pass the shape checks and reach the deeper ones.
        3 => "[a-z0-9-]{1,12}".prop_map(serde_json::Value::from),
        1 => prop::collection::btree_map("[a-z\n\u{1b}]{0,6}", 0u8..9, 0..4)
            .prop_map(|m| json!(m)),
        1 => Just(serde_json::Value::Null),
    ];
    prop_oneof![
        // A fresh client id each case: a repeated one would be a duplicate, stored once,
        // and hide a refused answer that was stored anyway.
        8 => (field, value, any::<u64>()).prop_map(|(field, value, id)| {
            let mut a = json!({
                "client_id": format!("prop-client-{id:016x}"), "service": "opeka",
                "survey": "default", "version": 1, "source": "web", "lang": "ru",
                "answers": {"rating": 5},
            });
            a[field] = value;
            a.to_string().into_bytes()
        }),
        1 => prop::collection::vec(any::<u8>(), 0..200),
        1 => prop::collection::vec(("[a-z_]{1,10}", ".{0,20}"), 0..8).prop_map(|pairs| {
            form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs)
                .finish()
                .into_bytes()
        }),
    ]
}

fn rows(db: &std::path::Path) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row("SELECT count(*) FROM answers", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn arbitrary_requests_never_panic_and_refusals_store_nothing() {
    use tower::ServiceExt;
    use yasno::collect::Store;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("answers.db");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let store = rt.block_on(async { Arc::new(yasno::collect::SqliteStore::open(&db).unwrap()) });
    let mut config = yasno::collect::CollectorConfig::new(BTreeMap::from([(
        "opeka".to_owned(),
        yasno_survey_core::default_survey(),
    )]));
    config.allowed_origin = Some("https://uslugi.example.ru".into());
    config.rate_limit = None;
    config
        .report
        .locations
        .insert("mfc-1".into(), "Приёмная".into());
    let app = yasno::collect::router(config, store.clone());
    let content_types = [
        "application/json",
        "application/x-www-form-urlencoded",
        "text/plain",
    ];
    let origins = [
        None,
        Some("null"),
        Some("https://uslugi.example.ru"),
        Some("https://evil.example"),
    ];
    let cases = ProptestConfig {
        cases: 200,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    proptest!(cases, |(body in body_strategy(), ct in 0..3usize, origin in 0..4usize)| {
        let before = rows(&db);
        let mut request = axum::http::Request::post("/api/answers")
            .header("content-type", content_types[ct]);
        if let Some(o) = origins[origin] {
            request = request.header("origin", o);
        }
        let request = request.body(axum::body::Body::from(body)).unwrap();
        let response = rt.block_on(app.clone().oneshot(request)).unwrap();
        let status = response.status().as_u16();
        prop_assert!(status < 500, "server error {status}");
        let after = rows(&db);
        if status == 201 {
            prop_assert_eq!(after, before + 1);
        } else {
            prop_assert_eq!(after, before, "refused with {} but stored", status);
        }
    });
    rt.block_on(store.close()).unwrap();
}
