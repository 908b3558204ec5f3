//! The quarterly control report (issue 18): every service, the previous quarter, Wilson
//! intervals, alerts, languages and sources, on a fixture site and a fixture database.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use yasno::collect::{SqliteStore, Store};
use yasno_survey_core::{Answer, AnswerValue};

use super::common::{html, sel};

/// A site with four services: `primer` and `vtoraya` (survey on), `tikhaya` (survey on, no
/// answers) and `bez-oprosa` (survey off).
pub(crate) fn fixture_site(dir: &Path) -> PathBuf {
    let root = dir.join("site");
    yasno::scaffold::new_site(&root).unwrap();
    let services = root.join("content/services");
    let primer = std::fs::read_to_string(services.join("primer.md")).unwrap();
    for (slug, title, off) in [
        ("vtoraya", "Вторая услуга", false),
        ("tikhaya", "Тихая услуга", false),
        ("bez-oprosa", "Услуга без опроса", true),
    ] {
        let mut text = primer.replace("Пример услуги", title);
        if slug == "vtoraya" {
            // The law changed on 1 June and the page (updated in January) was not updated.
            text = text.replace(
                "date = 2003-10-06 }",
                "date = 2003-10-06, amended = 2026-06-01 }",
            );
        }
        if off {
            text = text.replacen("+++\n", "+++\nsurvey = false\n", 1);
        }
        std::fs::write(services.join(format!("{slug}.md")), text).unwrap();
    }
    let mut settings = std::fs::read_to_string(root.join("content/site.toml")).unwrap();
    settings.push_str(
        "\n[report]\nlow_share_alert = 0.2\nmin_answers = 10\n\
         [[report.themes]]\nname = \"Очереди\"\nwords = [\"очередь\", \"ждать\"]\n\
         [[report.themes]]\nname = \"Документы\"\nwords = [\"справка\", \"документ\"]\n",
    );
    std::fs::write(root.join("content/site.toml"), settings).unwrap();
    root
}

/// An answer to the scaffold's default survey.
pub(crate) fn answer(id: &str, service: &str, rating: u8, lang: &str, comment: &str) -> Answer {
    let mut answers = BTreeMap::from([("rating".to_owned(), AnswerValue::Rating(rating))]);
    if !comment.is_empty() {
        answers.insert("comment".into(), AnswerValue::Text(comment.into()));
    }
    Answer {
        client_id: format!("fixture-{id:0>8}"),
        service: service.into(),
        survey: "default".into(),
        version: 1,
        source: if lang == "en" {
            "mfc-1".into()
        } else {
            "web".into()
        },
        lang: lang.into(),
        answers,
    }
}

/// Fills `db`: 2026Q2 and 2026Q3 answers as the tests below expect.
pub(crate) async fn fixture_db(db: &Path) {
    let store = SqliteStore::open(db).unwrap();
    let mut n = 0;
    let mut put = async |service: &str, ratings: &[u8], when: &str, lang: &str, comment: &str| {
        for r in ratings {
            n += 1;
            let at: jiff::Timestamp = when.parse().unwrap();
            let a = answer(&n.to_string(), service, *r, lang, comment);
            store.insert(a, at).await.unwrap();
        }
    };
    // primer, 2026Q2: 10 rated, one low.
    put(
        "primer",
        &[1, 5, 5, 5, 5, 5, 5, 5, 5, 5],
        "2026-05-12T09:00:00Z",
        "ru",
        "",
    )
    .await;
    // primer, 2026Q3: 20 rated, 8 low (6×1, 2×2) — above the 20 % threshold.
    put(
        "primer",
        &[1; 3],
        "2026-07-06T09:00:00Z",
        "ru",
        "Долго стоял в очереди",
    )
    .await;
    put(
        "primer",
        &[1; 2],
        "2026-07-07T09:00:00Z",
        "ru",
        "очереди огромные, звоните +7 921 000-11-22",
    )
    .await;
    put(
        "primer",
        &[1],
        "2026-07-08T09:00:00Z",
        "ru",
        "Пришлось ждать два часа",
    )
    .await;
    put(
        "primer",
        &[2, 2],
        "2026-08-03T09:00:00Z",
        "en",
        "Не приняли справку",
    )
    .await;
    put("primer", &[5; 12], "2026-09-01T09:00:00Z", "ru", "").await;
    // vtoraya, 2026Q3 only: 12 rated 4.
    put("vtoraya", &[4; 12], "2026-08-20T09:00:00Z", "ru", "Спасибо").await;
    store.close().await.unwrap();
}

/// Runs `yasno report` and returns its output folder.
pub(crate) fn run_report(root: &Path, db: &Path, quarter: &str, extra: &[&str]) -> PathBuf {
    let out = db.parent().unwrap().join(format!("report-{quarter}"));
    run_report_on(root, db.as_os_str(), &out, quarter, extra)
}

/// `yasno report` on any store (a SQLite file or a postgres:// address), into `out`.
pub(crate) fn run_report_on(
    root: &Path,
    db: &std::ffi::OsStr,
    out: &Path,
    quarter: &str,
    extra: &[&str],
) -> PathBuf {
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_yasno"))
        .args(["report", "--quarter", quarter])
        .args(extra)
        .arg("--root")
        .arg(root)
        .arg("--db")
        .arg(db)
        .arg("--output")
        .arg(out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    out.to_owned()
}

/// The Wilson interval computed here independently, in percent, rounded as the report does.
fn wilson_text(k: f64, n: f64) -> String {
    let z = 1.96_f64;
    let p = k / n;
    let c = (p + z * z / (2.0 * n)) / (1.0 + z * z / n);
    let h = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / (1.0 + z * z / n);
    let r = |x: f64| format!("{:.0}", x * 100.0);
    format!("{} % (95 %: {}–{} %)", r(p), r(c - h), r(c + h))
}

fn row_cells(doc: &scraper::Html, slug: &str) -> Vec<String> {
    let row = doc
        .select(&sel(&format!("#every-service tr[data-slug='{slug}']")))
        .next()
        .unwrap_or_else(|| panic!("no row for {slug}"));
    row.select(&sel("th, td"))
        .map(|c| c.text().collect::<String>())
        .collect()
}

#[tokio::test]
async fn every_service_appears_with_the_previous_quarter_intervals_and_alerts() {
    let dir = tempfile::tempdir().unwrap();
    let root = fixture_site(dir.path());
    let db = dir.path().join("answers.db");
    fixture_db(&db).await;
    let out = run_report(&root, &db, "2026Q3", &[]);
    let doc = html(&out.join("report.html"));

    let slugs: Vec<String> = doc
        .select(&sel("#every-service tbody tr"))
        .map(|r| r.value().attr("data-slug").unwrap().to_owned())
        .collect();
    assert_eq!(slugs, ["bez-oprosa", "primer", "tikhaya", "vtoraya"]);

    // primer: 20 answers now, 10 before; ratings 1–2: 8 of 20 now, 1 of 10 before.
    let primer = row_cells(&doc, "primer");
    assert_eq!(primer[1], "20 (10; +10)");
    assert_eq!(primer[6], wilson_text(8.0, 20.0));
    assert_eq!(primer[7], wilson_text(1.0, 10.0));
    assert_eq!(primer[8], "+30 п. п.");
    assert_eq!(primer[3], wilson_text(12.0, 20.0));
    assert!(primer[9].contains("many low ratings"), "{primer:?}");

    // vtoraya: none before, so too few to compare; 0 of 12 low: no alert.
    let vtoraya = row_cells(&doc, "vtoraya");
    assert!(
        vtoraya[5].contains("too few answers to compare"),
        "{vtoraya:?}"
    );
    assert_eq!(vtoraya[6], wilson_text(0.0, 12.0));
    assert!(!vtoraya[9].contains("many low"));

    assert!(row_cells(&doc, "tikhaya")[9].contains("no answers at all"));
    let off = row_cells(&doc, "bez-oprosa");
    assert!(off[9].contains("survey switched off") && off[9].contains("no answers"));

    let alerts: Vec<String> = doc
        .select(&sel("#control ul[aria-labelledby='alerts-h'] li a"))
        .map(|a| a.value().attr("href").unwrap().to_owned())
        .collect();
    assert_eq!(alerts, ["#service-primer"]);
    // Every service also has its own section, the quiet ones included.
    assert!(doc.select(&sel("section#service-tikhaya")).next().is_some());

    // By language: 2 English answers now, none before.
    let en: Vec<String> = doc
        .select(&sel("#by-lang tbody tr"))
        .find(|r| r.text().collect::<String>().contains("English"))
        .unwrap()
        .select(&sel("td"))
        .map(|c| c.text().collect())
        .collect();
    assert_eq!(en[..3], ["2", "0", "+2"]);
    // And per service: primer's 20 answers, 18 in Russian and 2 in English.
    let langs: Vec<String> = doc
        .select(&sel("#service-primer-languages tbody tr td:first-of-type"))
        .map(|c| c.text().collect())
        .collect();
    assert_eq!(langs, ["18", "2"]);

    // Themes: «очереди», «очереди» and «ждать» are queues (6 answers), «справку» documents
    // (2), the rest nothing; contacts stay masked.
    let themes: Vec<(String, String)> = doc
        .select(&sel("#service-primer-themes tbody tr"))
        .map(|r| {
            let cells: Vec<String> = r
                .select(&sel("th, td"))
                .map(|c| c.text().collect())
                .collect();
            (cells[0].clone(), cells[1].clone())
        })
        .collect();
    let expect = [
        ("Очереди", "6"),
        ("Документы", "2"),
        ("Другое / Other", "0"),
    ];
    let expect: Vec<(String, String)> = expect
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(themes, expect);
    let page = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(!page.contains("000-11-22"), "contacts are masked");
    let themes_csv = std::fs::read_to_string(out.join("themes.csv")).unwrap();
    assert!(
        themes_csv.contains("vtoraya;Другое / Other;12"),
        "{themes_csv}"
    );

    // Monitoring: every service, freshness as of the quarter's end, missing parts.
    let monitoring: Vec<(String, String, String)> = doc
        .select(&sel("#monitoring-table tbody tr"))
        .map(|r| {
            let v = r.value();
            let missing = r.select(&sel("td")).nth(1).unwrap().text().collect();
            (
                v.attr("data-slug").unwrap().into(),
                v.attr("data-freshness").unwrap().into(),
                missing,
            )
        })
        .collect();
    let slugs_m: Vec<&str> = monitoring.iter().map(|m| m.0.as_str()).collect();
    assert_eq!(slugs_m, ["bez-oprosa", "primer", "tikhaya", "vtoraya"]);
    assert_eq!(monitoring[3].1, "overdue", "{monitoring:?}");
    assert_eq!(monitoring[1].1, "ok", "{monitoring:?}");
    assert!(
        monitoring[0].2.contains("survey") && !monitoring[1].2.contains("survey"),
        "{monitoring:?}"
    );

    let monitoring_csv = std::fs::read_to_string(out.join("monitoring.csv")).unwrap();
    assert!(
        monitoring_csv
            .lines()
            .any(|l| l.starts_with("vtoraya;overdue;")),
        "{monitoring_csv}"
    );

    let services_csv = std::fs::read_to_string(out.join("services.csv")).unwrap();
    let primer_csv = services_csv
        .lines()
        .find(|l| l.starts_with("primer;"))
        .unwrap();
    let cells: Vec<&str> = primer_csv.split(';').collect();
    assert_eq!(
        (cells[3], cells[4], cells[11], cells[14], cells[15]),
        ("20", "10", "40,0", "10,0", "yes"),
        "{primer_csv}"
    );
}

fn report_command(root: &Path, db: &Path, quarter: &str) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_yasno"))
        .args(["report", "--quarter", quarter, "--root"])
        .arg(root)
        .arg("--db")
        .arg(db)
        .arg("--output")
        .arg(db.parent().unwrap().join("decisions-report"))
        .output()
        .unwrap()
}

#[tokio::test]
async fn decisions_sit_beside_the_figures_and_an_alert_without_one_is_warned() {
    let dir = tempfile::tempdir().unwrap();
    let root = fixture_site(dir.path());
    let db = dir.path().join("answers.db");
    fixture_db(&db).await;
    let decisions = root.join("content/decisions");
    std::fs::create_dir_all(&decisions).unwrap();
    std::fs::write(
        decisions.join("2026Q2.toml"),
        "[[decision]]\nservice = \"primer\"\ndiscussed = 2026-07-03\nreengineer = false\nwhy = \"Оценки хорошие\"\n",
    )
    .unwrap();
    // 2026Q3: primer is on the alert list, and the meeting has not decided about it yet.
    let q3 = decisions.join("2026Q3.toml");
    std::fs::write(
        &q3,
        "[[decision]]\nservice = \"vtoraya\"\ndiscussed = 2026-10-05\nreengineer = false\nwhy = \"Всё хорошо\"\n",
    )
    .unwrap();
    let run = report_command(&root, &db, "2026Q3");
    assert!(run.status.success());
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        err.contains("`primer` is on the alert list with no decision for 2026Q3"),
        "{err}"
    );
    assert!(!err.contains("`vtoraya`"));
    let doc = html(&dir.path().join("decisions-report/report.html"));
    let primer = row_cells(&doc, "primer");
    assert!(
        primer[9].contains("no decision for this alert"),
        "{primer:?}"
    );
    assert!(
        primer[10].contains("03.07.2026") && primer[10].contains("keep as is"),
        "{primer:?}"
    );
    assert!(primer[10].contains(&format!(
        "{} → {}",
        wilson_text(1.0, 10.0),
        wilson_text(8.0, 20.0)
    )));
    assert!(row_cells(&doc, "vtoraya")[10].starts_with("05.10.2026: оставить"));

    // With the decision taken, the warning is gone and the decision is shown.
    std::fs::write(
        &q3,
        "[[decision]]\nservice = \"primer\"\ndiscussed = 2026-10-05\nreengineer = true\nwhy = \"Очереди\"\nwho = \"Петрова А. А.\"\nby = 2026-12-15\n",
    )
    .unwrap();
    let run = report_command(&root, &db, "2026Q3");
    assert!(!String::from_utf8_lossy(&run.stderr).contains("alert list"));
    let doc = html(&dir.path().join("decisions-report/report.html"));
    assert!(
        row_cells(&doc, "primer")[10]
            .contains("re-engineer — Очереди; Петрова А. А., до 15.12.2026")
    );

    // A mistake: the report refuses, naming file, line and column.
    std::fs::write(&q3, "[[decision]]\nservice = \"primer\"\ndiscussed = 2026-10-05\nreengineer = true\nwhy = \"Очереди\"\n").unwrap();
    let run = report_command(&root, &db, "2026Q3");
    assert!(!run.status.success());
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        err.contains("2026Q3.toml:2:11") && err.contains("who, by"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_collectors_report_route_compares_with_the_previous_quarter_too() {
    let dir = tempfile::tempdir().unwrap();
    let root = fixture_site(dir.path());
    let db = dir.path().join("answers.db");
    fixture_db(&db).await;
    let site = yasno::site::Site::load(&root, &Default::default()).unwrap();
    let mut config = yasno::collect::cli::from_site(&site).config;
    config.admin_token = Some("report-route-token-0123".into());
    let store = std::sync::Arc::new(SqliteStore::open(&db).unwrap());
    let app = yasno::collect::router(config, store.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let reply = super::common::Http::new()
        .get(format!("{base}/api/report?quarter=2026Q3"))
        .bearer_auth("report-route-token-0123")
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    let doc = scraper::Html::parse_document(reply.body());
    assert_eq!(row_cells(&doc, "primer")[1], "20 (10; +10)");
    assert_eq!(row_cells(&doc, "tikhaya")[1], "0 (0; 0)");
    server.abort();
    store.close().await.unwrap();
}
