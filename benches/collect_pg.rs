//! Load benchmark of the collector on PostgreSQL beside SQLite, in one run: durable answers
//! per second and latency percentiles.
//!
//! Starts the real `yasno collect` binary on a starter site: first one process on a SQLite
//! file, then two processes on one PostgreSQL database (a throwaway cluster of Debian's
//! server with fsync on, as the tests start it, in the target folder). Each time, N clients
//! (split evenly between the processes) post JSON answers with fresh client ids over
//! keep-alive connections on loopback for a bounded time. At the end the store is counted:
//! every answer that got a 2xx must be in it.
//!
//! Run: `cargo bench --bench collect_pg` (env `LOAD_SECONDS`, default 10; `LOAD_CLIENTS`,
//! default 128). Needs PostgreSQL: `bash tests/pg/setup.sh`.

// Not every shared helper is needed here (the collectors are processes, not a router).
#[allow(dead_code)]
#[path = "support/answer_load.rs"]
mod answer_load;
// The tests' cluster helper; the bench uses only its own cluster, not the shared one.
#[allow(dead_code)]
#[path = "../tests/integration/collector_process.rs"]
mod collector_process;
#[allow(dead_code)]
#[path = "../tests/integration/pg.rs"]
mod pg;

use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;

use collector_process::Collector;

use answer_load::{Tally, env_number, post_answers, stored_answers};

/// The starter site's service with a survey (checked at start).
const SERVICE: &str = "primer";

/// An answer with a client id unique per collector `P`, client `c` and post `n`.
fn body<const P: usize>(c: usize, n: u64) -> String {
    format!(
        r#"{{"client_id":"pg-load-{P}-{c:04}-{n:010}","service":"{SERVICE}","survey":"default","version":1,"source":"web","lang":"ru","answers":{{"rating":{},"comment":"Нагрузочный тест"}}}}"#,
        1 + (n % 5)
    )
}

/// Starts `yasno collect` on a free port; returns it and its answers URL.
/// A real `yasno collect` without a rate limit on `db`, and its answers URL.
fn start(root: &Path, db: &str) -> (Collector, String) {
    let mut cmd = collector_process::command(root, OsStr::new(db));
    cmd.args(["--rate-limit", "0"]);
    let collector = collector_process::spawn(cmd);
    let url = format!("{}/api/answers", collector.url);
    (collector, url)
}

/// Runs the clients against the collectors at `dbs` (one process each), stops them with
/// SIGTERM (they commit what is queued), and returns the merged tally.
fn run(root: &Path, dbs: &[&str], clients: usize, seconds: u64) -> Tally {
    let bodies: [fn(usize, u64) -> String; 2] = [body::<0>, body::<1>];
    let collectors: Vec<_> = dbs.iter().map(|db| start(root, db)).collect();
    let per = clients / dbs.len();
    let tallies: Vec<Tally> = std::thread::scope(|s| {
        let runs: Vec<_> = collectors
            .iter()
            .zip(bodies)
            .map(|((_, url), body)| s.spawn(move || post_answers(url, per, seconds, body)))
            .collect();
        runs.into_iter()
            .map(|r| r.join().expect("clients"))
            .collect()
    });
    for (mut collector, _) in collectors {
        let _ = Command::new("kill")
            .args(["-TERM", &collector.child.id().to_string()])
            .status();
        collector.child.wait().expect("collector stops");
    }
    let mut all = Tally {
        latencies: Vec::new(),
        failures: 0,
        elapsed: 0.0,
    };
    for t in tallies {
        all.latencies.extend(t.latencies);
        all.failures += t.failures;
        all.elapsed = all.elapsed.max(t.elapsed);
    }
    all.latencies.sort_unstable();
    all
}

fn main() {
    let seconds = env_number("LOAD_SECONDS", 10).clamp(1, 120);
    let clients = (env_number("LOAD_CLIENTS", 128).clamp(2, 1024) as usize) / 2 * 2;
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("temp dir in target/");
    let root = dir.path().join("site");
    yasno::scaffold::new_site(&root).expect("a starter site");
    let site = yasno::site::Site::load(&root, &Default::default()).expect("it loads");
    assert!(
        site.services
            .iter()
            .any(|s| s.slug == SERVICE && s.survey.is_some()),
        "the starter site has no survey on `{SERVICE}`"
    );

    let file = dir.path().join("load.db");
    let sqlite = run(
        &root,
        &[file.to_str().expect("UTF-8 path")],
        clients,
        seconds,
    );
    let sqlite_stored = stored_answers(&file);

    let cluster = pg::Cluster::start(true);
    let url = cluster.create_database("bench");
    let postgres = run(&root, &[&url, &url], clients, seconds);
    let pg_stored: i64 = pg::query(&url, "SELECT count(*) FROM answers")[0][0]
        .as_deref()
        .and_then(|n| n.parse().ok())
        .expect("count rows");

    println!(
        "collector on SQLite: 1 process, {clients} clients, {seconds} s (WAL, synchronous=FULL)"
    );
    sqlite.print(sqlite_stored);
    println!(
        "collector on PostgreSQL: 2 processes, {clients} clients, {seconds} s (one database, fsync on, synchronous_commit=on)"
    );
    postgres.print(pg_stored);
    assert_eq!(
        sqlite_stored as usize,
        sqlite.latencies.len(),
        "SQLite: every acknowledged answer must be stored"
    );
    assert_eq!(
        pg_stored as usize,
        postgres.latencies.len(),
        "PostgreSQL: every acknowledged answer must be stored"
    );
}
