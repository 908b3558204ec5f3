//! `yasno report import requests|calls`: counts and waits in working days across a
//! holiday, all-or-nothing refusal of a bad file with its line, no doubles on re-import.

use std::ffi::OsStr;
use std::path::Path;
use std::process::Output;

use super::common::{html, sel};
use super::report_control::{fixture_db, fixture_site, run_report_on};

fn import(root: &Path, db: &OsStr, kind: &str, file: &Path) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_yasno"))
        .args(["report", "import", kind])
        .arg(file)
        .arg("--root")
        .arg(root)
        .arg("--db")
        .arg(db)
        .output()
        .unwrap()
}

/// The `th` label key → first `td` (now) of a figures table.
fn figures(doc: &scraper::Html, table: &str) -> Vec<(String, String)> {
    doc.select(&sel(&format!("table#{table} tbody tr")))
        .map(|r| {
            let now = r.select(&sel("td")).next().unwrap().text().collect();
            (r.value().attr("data-k").unwrap().to_owned(), now)
        })
        .collect()
}

const REQUESTS: &str = "id;channel;received;acknowledged;answered
R-1;email;2026-06-11 10:00;2026-06-11 15:00;2026-06-15 12:00
R-2;letter;2026-05-08 16:00;2026-05-12 09:00;2026-05-14 11:00
R-3;site;2026-06-29 09:00;;
";

const CALLS: &str = "time,status,wait_seconds
2026-04-02 09:00,answered,30
2026-04-02 09:05,answered,90
2026-05-20 10:00,missed,120
";

#[tokio::test]
async fn imports_count_waits_across_holidays_and_refuse_a_bad_file_whole() {
    let dir = tempfile::tempdir().unwrap();
    let root = fixture_site(dir.path());
    let db = dir.path().join("answers.db");
    fixture_db(&db).await;
    check_imports(dir.path(), &root, db.as_os_str());
}

/// The same imports and figures on PostgreSQL (the store's `pg_control` half).
#[test]
fn imports_on_postgresql_count_the_same_and_refuse_a_bad_file_whole() {
    let dir = tempfile::tempdir().unwrap();
    let root = fixture_site(dir.path());
    let url = super::pg::fresh_database("imports");
    check_imports(dir.path(), &root, OsStr::new(&url));
    // Stored with the site's id, and nothing of the refused file.
    let rows = super::pg::query(&url, "SELECT count(*), min(site) FROM requests");
    assert_eq!(rows[0][0].as_deref(), Some("3"));
    assert!(rows[0][1].as_deref().is_some_and(|s| !s.is_empty()));
}

fn check_imports(dir: &Path, root: &Path, db: &OsStr) {
    let requests = dir.join("requests.csv");
    let calls = dir.join("calls.csv");
    std::fs::write(&requests, REQUESTS).unwrap();
    std::fs::write(&calls, CALLS).unwrap();
    for (kind, file) in [("requests", &requests), ("calls", &calls)] {
        let out = import(root, db, kind, file);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("3 new, 0 already"));
    }
    // The same export again stores nothing twice.
    let again = import(root, db, "requests", &requests);
    assert!(String::from_utf8_lossy(&again.stdout).contains("0 new, 3 already"));

    // A file whose third line is bad: refused with file and line, its good row not stored.
    let bad = dir.join("bad.csv");
    std::fs::write(
        &bad,
        "id;channel;received;acknowledged;answered\nR-9;email;2026-06-01 10:00;;\nR-10;email;1 июня;;\n",
    )
    .unwrap();
    let refused = import(root, db, "requests", &bad);
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("bad.csv:3:") && err.contains("received"),
        "{err}"
    );

    let out = run_report_on(root, db, &dir.join("report-2026Q2"), "2026Q2", &[]);
    let doc = html(&out.join("report.html"));
    // 11 June → 15 June over the 12 June holiday and a weekend: 1 working day.
    // 8 May → 14 May over the weekend and the 11 May day off: 3 working days.
    // open since 29 June, to the quarter's end on 30 June: 1 working day.
    let expect = [
        ("received", "3"),
        ("ack24", "1"),
        ("noack24", "2"),
        ("answered", "2"),
        ("unanswered", "1"),
        ("avg", "2,0"),
        ("max", "3"),
        ("open", "1"),
    ];
    let expect: Vec<(String, String)> = expect
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    assert_eq!(figures(&doc, "requests"), expect);
    let calls_now = figures(&doc, "calls");
    let get = |k: &str| {
        calls_now
            .iter()
            .find(|(key, _)| key == k)
            .unwrap()
            .1
            .clone()
    };
    assert_eq!(
        (get("calls"), get("answered"), get("missed")),
        ("3".into(), "2".into(), "1".into())
    );
    assert_eq!((get("avg"), get("max")), ("80".into(), "120".into()));
    let csv = std::fs::read_to_string(out.join("letters.csv")).unwrap();
    assert!(
        csv.contains("requests_mean_wait_working_days;2,0;"),
        "{csv}"
    );
    assert!(csv.contains("calls_missed;1;0"), "{csv}");
}
