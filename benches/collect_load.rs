//! Load benchmark of the collector: durable answers per second and latency percentiles.
//!
//! Starts the real collector (axum + SQLite in WAL with `synchronous = FULL`, group commit)
//! on 127.0.0.1 with its database on disk under the target folder, then N clients post JSON
//! answers with fresh client ids over keep-alive connections for a bounded time, one thread
//! per client, so both share the machine's cores as they would on one host. At the end the database is counted: every answer that got a 2xx must be in it.
//!
//! Run: `cargo bench --bench collect_load` (env `LOAD_SECONDS`, default 10; `LOAD_CLIENTS`,
//! default 64).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant};

use yasno::collect::{self, CollectorConfig, RateLimit, SqliteStore, Store};
use yasno_survey_core::default_survey;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let seconds = env_number("LOAD_SECONDS", 10).clamp(1, 120);
    let clients = env_number("LOAD_CLIENTS", 64).clamp(1, 1024) as usize;
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("temp dir in target/");
    let db = dir.path().join("load.db");

    // The server: its own runtime with two workers, as `yasno collect` has on this machine.
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("server runtime");
    let store = Arc::new(SqliteStore::open(&db).expect("database opens"));
    let mut config = CollectorConfig::new(BTreeMap::from([("opeka".to_owned(), default_survey())]));
    // All load comes from one address: keep the limiter in the path but never binding.
    config.rate_limit = Some(RateLimit {
        per_minute: NonZeroU32::new(u32::MAX).expect("non-zero"),
        burst: NonZeroU32::new(u32::MAX).expect("non-zero"),
    });
    let app = collect::router(config, store.clone());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let listener = server_rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    let server = server_rt.spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async {
            let _ = stopped.await;
        })
        .await
        .expect("serve");
    });

    // The clients: one thread each with its own keep-alive connection (ureq, blocking), so
    // the client side needs no runtime of its own.
    let url = format!("http://{addr}/api/answers");
    let deadline = Duration::from_secs(seconds);
    let started = Instant::now();
    let threads: Vec<_> = (0..clients)
        .map(|c| {
            let url = url.clone();
            std::thread::spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .build()
                    .into();
                let mut latencies = Vec::new();
                let mut failures = 0u64;
                let mut n = 0u64;
                while started.elapsed() < deadline {
                    n += 1;
                    let body = format!(
                        r#"{{"client_id":"load-{c:04}-{n:010}","service":"opeka","survey":"default","version":1,"source":"web","lang":"ru","answers":{{"rating":{},"got_result":"yes","comment":"Нагрузочный тест"}}}}"#,
                        1 + (n % 5)
                    );
                    let t = Instant::now();
                    let ok = agent
                        .post(&url)
                        .header("content-type", "application/json")
                        .send(&body)
                        .is_ok_and(|r| r.status().is_success());
                    if ok {
                        latencies.push(t.elapsed().as_micros() as u32);
                    } else {
                        failures += 1;
                    }
                }
                (latencies, failures)
            })
        })
        .collect();
    let mut latencies = Vec::new();
    let mut failures = 0;
    for t in threads {
        let (l, f) = t.join().expect("client thread");
        latencies.extend(l);
        failures += f;
    }
    let elapsed = started.elapsed().as_secs_f64();

    let _ = stop.send(());
    server_rt.block_on(server).expect("server stops");
    server_rt.block_on(store.close()).expect("store closes");

    let stored: i64 = rusqlite::Connection::open(&db)
        .and_then(|c| c.query_row("SELECT count(*) FROM answers", [], |r| r.get(0)))
        .expect("count rows");
    latencies.sort_unstable();
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p).ceil() as usize).saturating_sub(1))
            .map_or(0.0, |us| f64::from(*us) / 1000.0)
    };
    let ok = latencies.len();
    println!("collector load: {clients} clients, {seconds} s, db on disk (WAL, synchronous=FULL)");
    println!(
        "  acknowledged: {ok} ({:.0} answers/s), failed: {failures}, in database: {stored}",
        ok as f64 / elapsed
    );
    println!(
        "  latency ms: p50 {:.2}, p90 {:.2}, p99 {:.2}, max {:.2}",
        pct(0.50),
        pct(0.90),
        pct(0.99),
        pct(1.0)
    );
    assert_eq!(
        stored as usize, ok,
        "every acknowledged answer must be in the database"
    );
}
