//! What the collector benchmarks (`collect_load`, `collect_soak`) share: the environment
//! knobs, a collector configuration whose rate limit never binds, clients that post answers
//! for a bounded time, and the tally at the end. Included by each with `#[path]`.

use std::collections::BTreeMap;
use std::num::NonZeroU32;
use std::path::Path;
use std::time::{Duration, Instant};

use yasno::collect::{CollectorConfig, RateLimit};
use yasno_survey_core::default_survey;

/// The number in the environment variable `name`, or `default`.
pub(crate) fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The default survey on the service `opeka`. All load comes from one address: the limiter
/// stays in the path but never binds.
pub(crate) fn unlimited_config() -> CollectorConfig {
    let mut config = CollectorConfig::new(BTreeMap::from([("opeka".to_owned(), default_survey())]));
    config.rate_limit = Some(RateLimit {
        per_minute: NonZeroU32::new(u32::MAX).expect("non-zero"),
        burst: NonZeroU32::new(u32::MAX).expect("non-zero"),
    });
    config
}

/// Acknowledged answers' latencies (sorted, µs), refused or failed posts, and the seconds
/// the clients ran.
pub(crate) struct Tally {
    pub(crate) latencies: Vec<u32>,
    pub(crate) failures: u64,
    pub(crate) elapsed: f64,
}

impl Tally {
    /// The latency at percentile `p` (0–1), in milliseconds.
    pub(crate) fn pct(&self, p: f64) -> f64 {
        self.latencies
            .get(((self.latencies.len() as f64 * p).ceil() as usize).saturating_sub(1))
            .map_or(0.0, |us| f64::from(*us) / 1000.0)
    }

    /// The lines every collector benchmark prints: answers per second and latencies.
    pub(crate) fn print(&self, stored: i64) {
        let ok = self.latencies.len();
        println!(
            "  acknowledged: {ok} ({:.0} answers/s), failed: {}, in database: {stored}",
            ok as f64 / self.elapsed,
            self.failures
        );
        println!(
            "  latency ms: p50 {:.2}, p90 {:.2}, p99 {:.2}, max {:.2}",
            self.pct(0.50),
            self.pct(0.90),
            self.pct(0.99),
            self.pct(1.0)
        );
    }
}

/// `clients` keep-alive connections, each posting `body(client, n)` to `url` one answer at a
/// time until `seconds` have passed.
///
/// The clients are tasks on one thread (hyper's HTTP/1 client on a current-thread runtime),
/// not a thread each: on a 2-core host the load generator shares the cores with the
/// collectors and the database, and 128 blocking threads spent about one core on their own
/// system calls and context switches, so the bench measured its clients as much as the
/// collector. A lost connection counts as a failure and is opened again.
pub(crate) fn post_answers(
    url: &str,
    clients: usize,
    seconds: u64,
    body: fn(usize, u64) -> String,
) -> Tally {
    let target: hyper::Uri = url.parse().expect("a collector URL");
    let addr = format!(
        "{}:{}",
        target.host().expect("a host"),
        target.port_u16().expect("a port")
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime");
    let deadline = Duration::from_secs(seconds);
    let started = Instant::now();
    let results = runtime.block_on(async {
        let tasks: Vec<_> = (0..clients)
            .map(|c| {
                let (addr, target) = (addr.clone(), target.clone());
                tokio::spawn(
                    async move { client(c, &addr, &target, started, deadline, body).await },
                )
            })
            .collect();
        let mut results = Vec::with_capacity(clients);
        for t in tasks {
            results.push(t.await.expect("client task"));
        }
        results
    });
    let mut tally = Tally {
        latencies: Vec::new(),
        failures: 0,
        elapsed: started.elapsed().as_secs_f64(),
    };
    for (l, f) in results {
        tally.latencies.extend(l);
        tally.failures += f;
    }
    tally.latencies.sort_unstable();
    tally
}

/// One client: a keep-alive connection (reopened when lost) and one request at a time.
/// Returns the acknowledged answers' latencies (µs) and the failed posts.
async fn client(
    c: usize,
    addr: &str,
    target: &hyper::Uri,
    started: Instant,
    deadline: Duration,
    body: fn(usize, u64) -> String,
) -> (Vec<u32>, u64) {
    use http_body_util::{BodyExt, Full};
    use hyper::body::Bytes;

    let (mut latencies, mut failures, mut n) = (Vec::new(), 0u64, 0u64);
    let mut sender = None;
    while started.elapsed() < deadline {
        if sender.is_none() {
            sender = connect(addr).await;
            if sender.is_none() {
                failures += 1;
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        }
        let Some(conn) = sender.as_mut() else {
            continue;
        };
        n += 1;
        let request = hyper::Request::post(target.path())
            .header("host", addr)
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body(c, n))))
            .expect("a request");
        let t = Instant::now();
        let ok = match tokio::time::timeout(Duration::from_secs(30), async {
            let response = conn.send_request(request).await?;
            let status = response.status();
            response.into_body().collect().await?;
            Ok::<_, hyper::Error>(status)
        })
        .await
        {
            Ok(Ok(status)) => status.is_success(),
            _ => {
                sender = None;
                false
            }
        };
        if ok {
            latencies.push(t.elapsed().as_micros() as u32);
        } else {
            failures += 1;
        }
    }
    (latencies, failures)
}

/// An HTTP/1 connection to `addr` with Nagle off, its driver spawned; `None` if refused.
async fn connect(
    addr: &str,
) -> Option<hyper::client::conn::http1::SendRequest<http_body_util::Full<hyper::body::Bytes>>> {
    let stream = tokio::net::TcpStream::connect(addr).await.ok()?;
    stream.set_nodelay(true).ok()?;
    let (sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .ok()?;
    tokio::spawn(connection);
    Some(sender)
}

/// Rows in the answers table of the database at `db`.
pub(crate) fn stored_answers(db: &Path) -> i64 {
    rusqlite::Connection::open(db)
        .and_then(|c| c.query_row("SELECT count(*) FROM answers", [], |r| r.get(0)))
        .expect("count rows")
}
