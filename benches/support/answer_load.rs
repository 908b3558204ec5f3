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

/// `clients` threads, each with its own keep-alive connection (ureq, blocking: the client
/// side needs no runtime), posting `body(client, n)` to `url` until `seconds` have passed.
pub(crate) fn post_answers(
    url: &str,
    clients: usize,
    seconds: u64,
    body: fn(usize, u64) -> String,
) -> Tally {
    let deadline = Duration::from_secs(seconds);
    let started = Instant::now();
    let threads: Vec<_> = (0..clients)
        .map(|c| {
            let url = url.to_owned();
            std::thread::spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .timeout_global(Some(Duration::from_secs(30)))
                    .build()
                    .into();
                let (mut latencies, mut failures, mut n) = (Vec::new(), 0u64, 0u64);
                while started.elapsed() < deadline {
                    n += 1;
                    let t = Instant::now();
                    let ok = agent
                        .post(&url)
                        .header("content-type", "application/json")
                        .send(&body(c, n))
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
    let mut tally = Tally {
        latencies: Vec::new(),
        failures: 0,
        elapsed: 0.0,
    };
    for t in threads {
        let (l, f) = t.join().expect("client thread");
        tally.latencies.extend(l);
        tally.failures += f;
    }
    tally.elapsed = started.elapsed().as_secs_f64();
    tally.latencies.sort_unstable();
    tally
}

/// Rows in the answers table of the database at `db`.
pub(crate) fn stored_answers(db: &Path) -> i64 {
    rusqlite::Connection::open(db)
        .and_then(|c| c.query_row("SELECT count(*) FROM answers", [], |r| r.get(0)))
        .expect("count rows")
}
