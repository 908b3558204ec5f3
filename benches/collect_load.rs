//! Load benchmark of the collector: durable answers per second and latency percentiles.
//!
//! Starts the real collector (axum + SQLite in WAL with `synchronous = FULL`, group commit)
//! on 127.0.0.1 with its database on disk under the target folder, then N clients post JSON
//! answers with fresh client ids over keep-alive connections for a bounded time (hyper client
//! tasks on one thread, sharing the machine's cores as they would on one host). At the end the
//! database is counted: every answer that got a 2xx must be in it.
//!
//! Run: `cargo bench --bench collect_load` (env `LOAD_SECONDS`, default 10; `LOAD_CLIENTS`,
//! default 64).

#[path = "support/answer_load.rs"]
mod answer_load;

use std::net::SocketAddr;
use std::sync::Arc;

use answer_load::{env_number, post_answers, stored_answers, unlimited_config};
use yasno::collect::{self, SqliteStore, Store};

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
    let config = unlimited_config();
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

    let url = format!("http://{addr}/api/answers");
    let tally = post_answers(&url, clients, seconds, |c, n| {
        format!(
            r#"{{"client_id":"load-{c:04}-{n:010}","service":"opeka","survey":"default","version":1,"source":"web","lang":"ru","answers":{{"rating":{},"got_result":"yes","comment":"Нагрузочный тест"}}}}"#,
            1 + (n % 5)
        )
    });

    let _ = stop.send(());
    server_rt.block_on(server).expect("server stops");
    server_rt.block_on(store.close()).expect("store closes");

    let stored = stored_answers(&db);
    println!("collector load: {clients} clients, {seconds} s, db on disk (WAL, synchronous=FULL)");
    tally.print(stored);
    assert_eq!(
        stored as usize,
        tally.latencies.len(),
        "every acknowledged answer must be in the database"
    );
}
