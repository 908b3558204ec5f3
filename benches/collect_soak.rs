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

use std::collections::BTreeMap;
use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use yasno::collect::{self, CollectorConfig, ConnLimits, RateLimit, SqliteStore, Store};
use yasno_survey_core::default_survey;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

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
    let mut config = CollectorConfig::new(BTreeMap::from([("opeka".to_owned(), default_survey())]));
    // All load comes from one address: keep the limiter in the path but never binding.
    config.rate_limit = Some(RateLimit {
        per_minute: NonZeroU32::new(u32::MAX).expect("non-zero"),
        burst: NonZeroU32::new(u32::MAX).expect("non-zero"),
    });
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
    let deadline = Duration::from_secs(seconds);
    let started = Instant::now();
    let fast_threads: Vec<_> = (0..fast)
        .map(|c| {
            let url = url.clone();
            std::thread::spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .timeout_global(Some(Duration::from_secs(30)))
                    .build()
                    .into();
                let (mut latencies, mut failures, mut n) = (Vec::new(), 0u64, 0u64);
                while started.elapsed() < deadline {
                    n += 1;
                    let body = format!(
                        r#"{{"client_id":"soak-{c:04}-{n:010}","service":"opeka","survey":"default","version":1,"source":"web","lang":"ru","answers":{{"rating":{},"got_result":"yes"}}}}"#,
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
    let (mut latencies, mut failures) = (Vec::new(), 0);
    for t in fast_threads {
        let (l, f) = t.join().expect("fast client");
        latencies.extend(l);
        failures += f;
    }
    let elapsed = started.elapsed().as_secs_f64();
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
    println!(
        "collector soak: {fast} fast + {slow} slow clients, {seconds} s, header timeout {} s, cap {} connections",
        limits.header_read.as_secs(),
        limits.max_connections
    );
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
    println!(
        "  slow connections closed by the server: {closed_by_server}; open connections: at most {}, at the end {open_at_end}",
        max_open.load(Ordering::Relaxed)
    );
    assert_eq!(
        stored as usize, ok,
        "every acknowledged answer must be in the database"
    );
}
