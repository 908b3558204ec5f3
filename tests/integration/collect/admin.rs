//! The collector's administrative side, on the same test server as the answers (see the
//! parent module): export and report behind the token, graceful shutdown, start-up errors
//! and the `yasno report` command.

use super::*;

#[tokio::test]
async fn export_and_report_refuse_a_missing_or_wrong_token() {
    let mut server = Server::start(config()).await;
    server.post_json(&answer("token-test-0001")).await;
    for path in ["/api/export.csv", "/api/report?quarter=2026Q3"] {
        let none = server.client.get(server.url(path)).send().await.unwrap();
        assert_eq!(none.status(), StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(none.headers()["www-authenticate"], "Bearer");
        let wrong = server
            .client
            .get(server.url(path))
            .bearer_auth("s3cret-token-for-tests-0123456788")
            .send()
            .await
            .unwrap();
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED, "{path}");
        let text = wrong.body().clone();
        assert!(!text.contains("opeka"), "{path} leaks data: {text}");
        let right = server
            .client
            .get(server.url(path))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(right.status(), StatusCode::OK, "{path}");
    }
    // Without a configured token, nobody gets in.
    let mut open = config();
    open.admin_token = None;
    let mut server2 = Server::start(open).await;
    let res = server2
        .client
        .get(server2.url("/api/export.csv"))
        .bearer_auth("")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    server.stop().await;
    server2.stop().await;
}

both_stores!(export_is_csv_with_bom_and_header);
async fn export_is_csv_with_bom_and_header(backend: Backend) {
    let mut server = Server::start_on(backend, config()).await;
    server.post_json(&answer("export-test-0001")).await;
    let res = server
        .client
        .get(server.url("/api/export.csv"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    let bytes = res.body().as_bytes();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF");
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(&bytes[3..]);
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        &header[..7],
        [
            "received_at",
            "service",
            "survey",
            "version",
            "source",
            "lang",
            "satisfaction"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    assert_eq!(&rows[0][col("comment")], "Всё быстро, спасибо");
    assert_eq!(&rows[0][col("satisfaction")], "5");
    server.stop().await;
}

both_stores!(report_escapes_script_in_comments_and_masks_contacts);
async fn report_escapes_script_in_comments_and_masks_contacts(backend: Backend) {
    let mut server = Server::start_on(backend, config()).await;
    let mut a = answer("report-test-0001");
    a["answers"]["comment"] =
        json!("<script>alert('x')</script> перезвоните 8 (921) 123-45-67, pochta@example.ru");
    assert_eq!(server.post_json(&a).await.status(), StatusCode::CREATED);
    let mut b = answer("report-test-0002");
    b["source"] = json!("mfc-1");
    b["answers"]["rating"] = json!(2);
    assert_eq!(server.post_json(&b).await.status(), StatusCode::CREATED);

    let res = server
        .client
        .get(server.url("/api/report"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.body().clone();
    assert!(html.contains("&lt;script&gt;"), "comment is escaped");
    assert!(!html.contains("<script>alert"), "no live script");
    let doc = scraper::Html::parse_document(&html);
    let sel = |s: &str| scraper::Selector::parse(s).unwrap();
    assert_eq!(doc.select(&sel("script")).count(), 0);
    let quotes: Vec<String> = doc
        .select(&sel("#service-opeka blockquote"))
        .map(|q| q.text().collect())
        .collect();
    let with_script = quotes
        .iter()
        .find(|q| q.contains("<script>alert('x')</script>"))
        .expect("the comment is shown as text");
    assert!(with_script.contains("[телефон скрыт]"), "{with_script}");
    assert!(with_script.contains("[e-mail скрыт]"), "{with_script}");
    assert!(!with_script.contains("123-45-67") && !with_script.contains("pochta@"));

    // Figures: 2 answers, mean 3,50, one of two rated 4–5; both sources listed by name.
    let figures: String = doc
        .select(&sel("#service-opeka .figures"))
        .next()
        .unwrap()
        .text()
        .collect();
    assert!(
        figures.contains('2') && figures.contains("3,50") && figures.contains("50 %"),
        "{figures}"
    );
    let sources: String = doc
        .select(&sel("#service-opeka table"))
        .map(|t| t.text().collect::<String>())
        .collect();
    assert!(sources.contains("Сайт (web)") && sources.contains("Приёмная, ул. Садовая, 1"));

    // Every chart is an image labelled by an existing caption.
    let charts: Vec<_> = doc.select(&sel("svg[role=img]")).collect();
    assert!(charts.len() >= 4, "{}", charts.len());
    for chart in charts {
        let id = chart.value().attr("aria-labelledby").unwrap();
        assert_eq!(
            doc.select(&sel(&format!("figcaption#{id}"))).count(),
            1,
            "{id}"
        );
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_keeps_every_acknowledged_answer() {
    let mut server = Server::start(config()).await;
    // Each acknowledged post reports here, so the shutdown starts only once answers are being
    // acknowledged: a fixed sleep could stop the server before any, and prove nothing.
    let (acks, mut acked_one) = tokio::sync::mpsc::unbounded_channel::<()>();
    let mut tasks = Vec::new();
    for i in 0..200 {
        let client = server.client.clone();
        let url = server.url("/api/answers");
        let acks = acks.clone();
        tasks.push(tokio::spawn(async move {
            let res = client
                .post(url)
                .header("content-type", "application/json")
                .body(answer(&format!("shutdown-client-{i:04}")).to_string())
                .send()
                .await;
            let ok = res.is_ok_and(|r| r.status().is_success());
            if ok {
                let _ = acks.send(());
            }
            ok.then(|| format!("shutdown-client-{i:04}"))
        }));
    }
    drop(acks);
    let first = tokio::time::timeout(std::time::Duration::from_secs(60), acked_one.recv()).await;
    assert!(
        matches!(first, Ok(Some(()))),
        "no answer was acknowledged before the shutdown"
    );
    server.stop().await;
    let mut acked = Vec::new();
    for t in tasks {
        if let Some(id) = t.await.unwrap() {
            acked.push(id);
        }
    }
    assert!(!acked.is_empty(), "no answer was acknowledged");
    let stored: std::collections::BTreeSet<String> =
        server.rows().into_iter().map(|r| r.0).collect();
    for id in &acked {
        assert!(stored.contains(id), "{id} was acknowledged but not stored");
    }
    eprintln!(
        "graceful shutdown: {} of 200 answers acknowledged, all stored",
        acked.len()
    );
}

#[tokio::test]
async fn start_up_errors_name_the_database_and_the_port() {
    let dir = tempfile::tempdir().unwrap();
    let err = collect::run(
        config(),
        collect::CollectOptions {
            listen: "127.0.0.1:0".parse().unwrap(),
            db: collect::DbUrl::Sqlite(dir.path().join("no-such-folder").join("answers.db")),
            prefix: String::new(),
            limits: Default::default(),
        },
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("no-such-folder/answers.db") && err.contains("hint"),
        "{err}"
    );

    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let err = collect::run(
        config(),
        collect::CollectOptions {
            listen: taken.local_addr().unwrap(),
            db: collect::DbUrl::Sqlite(dir.path().join("answers.db")),
            prefix: String::new(),
            limits: Default::default(),
        },
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("cannot listen on") && err.contains("--listen"),
        "{err}"
    );
}

#[tokio::test]
async fn start_up_on_an_unreachable_postgresql_names_it_without_the_password() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let err = collect::run(
        config(),
        collect::CollectOptions {
            listen: "127.0.0.1:0".parse().unwrap(),
            db: collect::DbUrl::parse(&format!(
                "postgres://yasno:hunter2secret@127.0.0.1:{port}/answers"
            )),
            prefix: String::new(),
            limits: Default::default(),
        },
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(
        err.contains(&format!("postgres://yasno:***@127.0.0.1:{port}/answers"))
            && err.contains("hint")
            && !err.contains("hunter2"),
        "{err}"
    );
}

#[tokio::test]
async fn report_command_writes_escaped_html_and_csv_with_bom() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    yasno::scaffold::new_site(&root).unwrap();
    let site = yasno::site::Site::load(&root, &Default::default()).unwrap();
    let service = site.services.iter().find(|s| s.survey.is_some()).unwrap();
    let survey = service.survey.clone().unwrap();
    let db = dir.path().join("answers.db");
    let store = SqliteStore::open(&db).unwrap();
    let mut answers = BTreeMap::new();
    for q in &survey.questions {
        let v = match q.kind {
            yasno_survey_core::QuestionKind::Rating => yasno_survey_core::AnswerValue::Rating(4),
            yasno_survey_core::QuestionKind::Choice => {
                yasno_survey_core::AnswerValue::Text(q.options[0].value.clone())
            }
            yasno_survey_core::QuestionKind::Text => yasno_survey_core::AnswerValue::Text(
                "<script>alert(1)</script> мой телефон +7 921 000-11-22".into(),
            ),
        };
        answers.insert(q.id.clone(), v);
    }
    let answer = yasno_survey_core::Answer {
        client_id: "report-cli-0001".into(),
        service: service.slug.clone(),
        survey: survey.id.clone(),
        version: survey.version,
        source: "web".into(),
        lang: "ru".into(),
        answers,
    };
    survey.validate(&answer).unwrap();
    let at: jiff::Timestamp = "2026-08-14T09:30:00Z".parse().unwrap();
    store.insert(answer, at).await.unwrap();
    store.close().await.unwrap();

    let out = dir.path().join("report");
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_yasno"))
        .args(["report", "--quarter", "2026Q3"])
        .arg("--root")
        .arg(&root)
        .arg("--db")
        .arg(&db)
        .arg("--output")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "escaped"
    );
    assert!(!html.contains("<script>"));
    assert!(!html.contains("000-11-22"));
    assert!(
        html.contains(&service.meta.title),
        "service title from the site"
    );
    for name in [
        "summary.csv",
        "distribution.csv",
        "weeks.csv",
        "sources.csv",
        "comments.csv",
    ] {
        let bytes = std::fs::read(out.join(name)).unwrap();
        assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "{name}");
    }
    let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    let lines: Vec<&str> = summary.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(
        lines[0],
        "service;title;answers;rated;mean;share_4_5_percent"
    );
    assert!(
        lines[1].starts_with("all;") && lines[1].ends_with(";1;1;4,00;100,0"),
        "{}",
        lines[1]
    );

    // A wrong quarter is refused with the field named, and nothing is written.
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_yasno"))
        .args(["report", "--quarter", "2026Q5", "--output"])
        .arg(dir.path().join("nothing"))
        .arg("--root")
        .arg(&root)
        .arg("--db")
        .arg(&db)
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--quarter"));
    assert!(!dir.path().join("nothing").exists());
}
