//! Soak benchmark of the collector: fast and slow clients mixed for a bounded time.
//!
//! Serves the real collector (`collect::serve`: header, request and idle timeouts, a
//! connection cap) on 127.0.0.1 with SQLite on disk. `SOAK_FAST` clients post JSON answers
//! over keep-alive connections as fast as they are answered; `SOAK_SLOW` clients open
//! connections and send a request head one byte a second (slowloris), reconnecting whenever
//! the server drops them. Every 250 ms the server side's established connections are counted
//! in `/proc/net/tcp`. At the end: durable answers per second, latency percentiles of the fast
//! clients, how many slow connections the server closed, the most and the last count of open
//! connections, and every acknowledged answer must be in the database.
//!
//! Run: `cargo bench --bench collect_soak` (env `SOAK_SECONDS`, default 25, at least the
//! header timeout of 10 s so slow clients meet it; `SOAK_FAST`, default 32; `SOAK_SLOW`,
//! default 256).

#[path = "support/answer_load.rs"]
mod answer_load;

use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use answer_load::{env_number, post_answers, stored_answers, unlimited_config};
use yasno::collect::{self, ConnLimits, SqliteStore, Store};

/// Established connections whose local port is `port` (the server's side of each).
fn open_connections(port: u16) -> usize {
    let port_hex = format!(":{port:04X}");
    ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .filter_map(|f| std::fs::read_to_string(f).ok())
        .map(|t| {
            t.lines()
                .skip(1)
                .filter(|l| {
                    let cols: Vec<&str> = l.split_whitespace().collect();
                    cols.len() > 3 && cols[1].ends_with(&port_hex) && cols[3] == "01"
                })
                .count()
        })
        .sum()
}

/// One slowloris client until `stop`: returns how many of its connections the server closed.
fn slow_client(addr: SocketAddr, stop: &AtomicBool) -> u64 {
    let head = b"POST /api/answers HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-Slow: ";
    let mut closed = 0;
    while !stop.load(Ordering::Relaxed) {
        let Ok(mut conn) = TcpStream::connect(addr) else {
            std::thread::sleep(Duration::from_millis(200));
            continue;
        };
        for byte in head.iter().cycle() {
            if stop.load(Ordering::Relaxed) {
                return closed;
            }
            // The server answers 408 or just closes: either ends this connection.
            if conn.write_all(&[*byte]).is_err() || !conn_alive(&conn) {
                closed += 1;
                break;
            }
            std::thread::sleep(Duration::from_secs(1));
        }
    }
    closed
}

/// Whether the server has not closed `conn` (a read of zero bytes means it has).
fn conn_alive(conn: &TcpStream) -> bool {
    let mut probe = [0u8; 1];
    let _ = conn.set_nonblocking(true);
    let alive = match conn.peek(&mut probe) {
        Ok(0) => false,
        Ok(_) => false, // an answer (408) before the head was complete: it is closing
        Err(e) => e.kind() == std::io::ErrorKind::WouldBlock,
    };
    let _ = conn.set_nonblocking(false);
    alive
}

fn main() {
    let seconds = env_number("SOAK_SECONDS", 25).clamp(1, 300);
    let fast = env_number("SOAK_FAST", 32).clamp(1, 512) as usize;
    let slow = env_number("SOAK_SLOW", 256).clamp(0, 2048) as usize;
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("temp dir in target/");
    let db = dir.path().join("soak.db");

    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("server runtime");
    let store = Arc::new(SqliteStore::open(&db).expect("database opens"));
    let config = unlimited_config();
    let limits = ConnLimits::default();
    let app = collect::router(config, store.clone());
    let (stop_server, stopped) = tokio::sync::oneshot::channel::<()>();
    let listener = server_rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    let server = server_rt.spawn(collect::serve(listener, app, limits, async {
        let _ = stopped.await;
    }));

    let stop = Arc::new(AtomicBool::new(false));
    let slow_threads: Vec<_> = (0..slow)
        .map(|_| {
            let stop = stop.clone();
            std::thread::spawn(move || slow_client(addr, &stop))
        })
        .collect();
    let max_open = Arc::new(AtomicU64::new(0));
    let sampler = {
        let (stop, max_open) = (stop.clone(), max_open.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                max_open.fetch_max(open_connections(addr.port()) as u64, Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(250));
            }
        })
    };

    let url = format!("http://{addr}/api/answers");
    let tally = post_answers(&url, fast, seconds, |c, n| {
        format!(
            r#"{{"client_id":"soak-{c:04}-{n:010}","service":"opeka","survey":"default","version":1,"source":"web","lang":"ru","answers":{{"rating":{},"got_result":"yes"}}}}"#,
            1 + (n % 5)
        )
    });
    let open_at_end = open_connections(addr.port());
    stop.store(true, Ordering::Relaxed);
    let closed_by_server: u64 = slow_threads
        .into_iter()
        .map(|t| t.join().expect("slow client"))
        .sum();
    sampler.join().expect("sampler");

    let _ = stop_server.send(());
    server_rt.block_on(server).expect("server stops");
    server_rt.block_on(store.close()).expect("store closes");
    let stored = stored_answers(&db);
    println!(
        "collector soak: {fast} fast + {slow} slow clients, {seconds} s, header timeout {} s, cap {} connections",
        limits.header_read.as_secs(),
        limits.max_connections
    );
    tally.print(stored);
    println!(
        "  slow connections closed by the server: {closed_by_server}; open connections: at most {}, at the end {open_at_end}",
        max_open.load(Ordering::Relaxed)
    );
    assert_eq!(
        stored as usize,
        tally.latencies.len(),
        "every acknowledged answer must be in the database"
    );
}
