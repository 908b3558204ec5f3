//! Crash test of the collector: the real `yasno collect` binary is killed with SIGKILL while
//! clients send answers; after a restart, every answer that got a success response must be
//! in the database. Bounded: about one second of load.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use crate::collector_process::{self, Collector};
use crate::common::{Http, post_until_stopped};

/// Starts `yasno collect` on a free port without a rate limit.
fn start(root: &Path, db: &Path) -> Collector {
    collector_process::start(root, db, &["--rate-limit", "0"])
}

#[test]
fn every_acknowledged_answer_survives_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    let site = Arc::new(collector_process::Site::new(&root));
    let db = dir.path().join("answers.db");

    let mut server = start(&root, &db);
    let url = server.url.clone();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    // Acknowledgements so far: the kill waits for enough of them rather than for a fixed
    // time, which a slow or shared machine may not fill.
    let acks = Arc::new(AtomicUsize::new(0));
    let acked = rt.block_on(async {
        let http = Http::with_timeout(Duration::from_secs(2));
        let mut tasks = Vec::new();
        for c in 0..16 {
            let http = http.clone();
            let url = format!("{url}/api/answers");
            let stop = stop.clone();
            let acks = acks.clone();
            let site = site.clone();
            tasks.push(tokio::spawn(post_until_stopped(
                http,
                url,
                format!("crash-{c:02}"),
                stop,
                acks,
                move |id, n| site.answer(id, n),
            )));
        }
        // Kill mid-load: after at least 200 acknowledged answers (bounded to 30 s), while the
        // clients keep sending.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while acks.load(Ordering::Relaxed) < 200 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // SIGKILL: no shutdown hook runs, queued answers that were not committed are lost,
        // and none of those was acknowledged.
        server.child.kill().expect("kill -9");
        server.child.wait().unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        stop.store(true, Ordering::Relaxed);
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.unwrap());
        }
        all
    });
    assert!(
        acked.len() > 50,
        "the load must reach the server: {} acknowledged",
        acked.len()
    );

    // Restart on the same file (SQLite recovers the WAL), then check every acknowledged id.
    let mut again = start(&root, &db);
    let url = again.url.clone();
    let health = rt
        .block_on(Http::new().get(format!("{url}/api/health")).send())
        .unwrap();
    assert!(health.status().is_success());
    let conn = rusqlite::Connection::open(&db).unwrap();
    let mut stmt = conn
        .prepare("SELECT 1 FROM answers WHERE client_id = ?1")
        .unwrap();
    let missing: Vec<&String> = acked
        .iter()
        .filter(|id| !stmt.exists([id.as_str()]).unwrap())
        .collect();
    let stored: i64 = conn
        .query_row("SELECT count(*) FROM answers", [], |r| r.get(0))
        .unwrap();
    eprintln!(
        "acknowledged before kill -9: {}, stored after restart: {stored}",
        acked.len()
    );
    again.child.kill().unwrap();
    again.child.wait().unwrap();
    assert!(
        missing.is_empty(),
        "{} of {} acknowledged answers lost, e.g. {:?}",
        missing.len(),
        acked.len(),
        missing.first()
    );
    assert!(stored as usize >= acked.len());
}
