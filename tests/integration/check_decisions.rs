//! `yasno check --db` (issue 18, item 7): a service on the quarter's alert list with no
//! decision in `content/decisions/<QUARTER>.toml` is a `decision-missing` finding.

use std::path::Path;

use super::report_control::{fixture_db, fixture_site};

/// The day the checks run as of: vtoraya's law changed on 1 June, and its page is still
/// within the working days allowed, so the other rules find no error whatever the real date.
const TODAY: &str = "2026-06-02";

/// `yasno check` on the fixture site with the answer store, as of `today`.
fn check_on(root: &Path, db: &Path, today: &str, extra: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_yasno"))
        .args(["check", "--no-cache", "--today", today, "--root"])
        .arg(root)
        .arg("--db")
        .arg(db)
        .args(extra)
        .output()
        .unwrap()
}

/// [`check_on`] as of [`TODAY`].
fn check(root: &Path, db: &Path, extra: &[&str]) -> std::process::Output {
    check_on(root, db, TODAY, extra)
}

/// The `decision-missing` findings of a JSON run, and the run's exit code.
fn decision_findings(root: &Path, db: &Path, quarter: &str) -> (Vec<serde_json::Value>, i32) {
    let run = check(root, db, &["--format", "json", "--quarter", quarter]);
    let all: Vec<serde_json::Value> = serde_json::from_slice(&run.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&run.stdout),
            String::from_utf8_lossy(&run.stderr)
        )
    });
    let found = all
        .into_iter()
        .filter(|f| f["rule"] == "decision-missing")
        .collect();
    (found, run.status.code().unwrap())
}

/// The summary line's warning count of a human run.
fn warnings_in_summary(out: &str) -> usize {
    let tail = out.rsplit("предупреждений: ").next().unwrap();
    tail.split(' ').next().unwrap().parse().unwrap()
}

#[tokio::test]
async fn an_alert_service_without_a_decision_is_a_check_warning_until_decided() {
    let dir = tempfile::tempdir().unwrap();
    let root = fixture_site(dir.path());
    let db = dir.path().join("answers.db");
    fixture_db(&db).await;

    // 2026Q3: primer has 8 low ratings of 20 (40 % > 20 %); vtoraya none; tikhaya no
    // answers; bez-oprosa no survey. Only primer is on the alert list.
    let (found, code) = decision_findings(&root, &db, "2026Q3");
    assert_eq!(code, 0, "a warning does not fail the check");
    assert_eq!(found.len(), 1, "{found:#?}");
    let f = &found[0];
    assert_eq!(f["severity"], "warning");
    let file = f["file"].as_str().unwrap();
    assert!(file.ends_with("content/services/primer.md"), "{file}");
    let source = std::fs::read_to_string(file).unwrap();
    let line = source.lines().nth(f["line"].as_u64().unwrap() as usize - 1);
    assert!(
        line.unwrap().contains("Пример услуги"),
        "points at the title"
    );
    let message = f["message"].as_str().unwrap();
    for part in [
        "«Пример услуги»",
        "`primer`",
        "2026Q3",
        "40 %",
        "content/decisions/2026Q3.toml",
    ] {
        assert!(message.contains(part), "{part} in {message}");
    }
    let help = f["suggestion"].as_str().unwrap();
    assert!(
        help.contains("[[decision]]\nservice = \"primer\"\ndiscussed = 2026-10-01"),
        "{help}"
    );

    // Human output: the finding at the service's file, counted in the summary.
    let human = check(&root, &db, &["--quarter", "2026Q3"]);
    let out = String::from_utf8_lossy(&human.stdout);
    assert!(out.contains("warning[decision-missing]"), "{out}");
    assert!(out.contains("primer.md:2:10"), "{out}");
    assert!(
        !out.contains("yasno-allow: decision-missing"),
        "no line comment exempts it"
    );
    let without = std::process::Command::new(env!("CARGO_BIN_EXE_yasno"))
        .args(["check", "--no-cache", "--today", TODAY, "--root"])
        .arg(&root)
        .output()
        .unwrap();
    let without = String::from_utf8_lossy(&without.stdout);
    assert!(!without.contains("decision-missing"), "no store, no rule");
    assert_eq!(warnings_in_summary(&out), warnings_in_summary(&without) + 1);

    // The quarter before: one low rating of 10, no alert, so nothing to decide.
    assert!(decision_findings(&root, &db, "2026Q2").0.is_empty());

    // A decision about another service does not count; one about primer does.
    let decisions = root.join("content/decisions");
    std::fs::create_dir_all(&decisions).unwrap();
    let q3 = decisions.join("2026Q3.toml");
    std::fs::write(
        &q3,
        "[[decision]]\nservice = \"vtoraya\"\ndiscussed = 2026-10-05\nreengineer = false\nwhy = \"Всё хорошо\"\n",
    )
    .unwrap();
    assert_eq!(decision_findings(&root, &db, "2026Q3").0.len(), 1);
    std::fs::write(
        &q3,
        "[[decision]]\nservice = \"primer\"\ndiscussed = 2026-10-05\nreengineer = true\nwhy = \"Очереди\"\nwho = \"Петрова А. А.\"\nby = 2026-12-15\n",
    )
    .unwrap();
    assert!(decision_findings(&root, &db, "2026Q3").0.is_empty());
}

#[tokio::test]
async fn the_rule_follows_the_site_settings_and_the_default_quarter() {
    let dir = tempfile::tempdir().unwrap();
    let root = fixture_site(dir.path());
    let db = dir.path().join("answers.db");
    fixture_db(&db).await;
    // Without --quarter, the quarter of --today: 2026-08-15 is in 2026Q3.
    let run = check_on(&root, &db, "2026-08-15", &["--format", "json"]);
    let run = String::from_utf8_lossy(&run.stdout);
    assert!(run.contains("\"decision-missing\""), "{run}");

    // A mistake in the decisions file stops the check at its file, line and column.
    let decisions = root.join("content/decisions");
    std::fs::create_dir_all(&decisions).unwrap();
    std::fs::write(
        decisions.join("2026Q3.toml"),
        "[[decision]]\nservice = \"netu\"\ndiscussed = 2026-10-05\nreengineer = false\nwhy = \"—\"\n",
    )
    .unwrap();
    let run = check(&root, &db, &["--quarter", "2026Q3"]);
    let err = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{err}");
    assert!(
        err.contains("2026Q3.toml:2:11") && err.contains("netu"),
        "{err}"
    );
    std::fs::remove_file(decisions.join("2026Q3.toml")).unwrap();

    let settings = root.join("content/site.toml");
    let text = std::fs::read_to_string(&settings).unwrap();
    std::fs::write(
        &settings,
        format!("{text}\n[check.rules]\n\"decision-missing\" = \"error\"\n"),
    )
    .unwrap();
    let (found, code) = decision_findings(&root, &db, "2026Q3");
    assert_eq!((found.len(), code), (1, 1), "an error fails the check");
    assert_eq!(found[0]["severity"], "error");
    std::fs::write(
        &settings,
        format!("{text}\n[check.rules]\n\"decision-missing\" = \"off\"\n"),
    )
    .unwrap();
    assert!(decision_findings(&root, &db, "2026Q3").0.is_empty());

    // A missing store is an error, not silence.
    let run = check(&root, &dir.path().join("none.db"), &["--quarter", "2026Q3"]);
    assert_eq!(run.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&run.stderr).contains("no answer database"));
}
