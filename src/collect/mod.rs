//! The survey collector: an HTTP endpoint that takes answers from the widget (JSON) and the
//! no-JS form (urlencoded), validates them against the site's survey definitions, stores them
//! durably, and serves CSV exports and quarterly reports to staff with a token.
//!
//! Invariants: an answer is acknowledged only after it is committed; no IP address, user
//! agent or cookie is stored; the HTTP app is a plain [`axum::Router`] ([`router`]) so that
//! `yasno serve` can mount it at the site's own origin, and [`run`] serves it alone.
//!
//! Parts: [`http`] (routes), `api_error` (the one error type), `form` (the plain form's
//! fields), `answer_rules` (duplicate keys, source tags, masking at rest), `proxy` (which
//! forwarded hop is the client), `server` (the accept loop: timeouts, connection cap,
//! shutdown deadline), [`backup`] (a consistent copy of a live SQLite store), [`store`] (the
//! [`Store`] trait, SQLite and PostgreSQL, `migrate`), `ratelimit` (per-client
//! limit without addresses on disk), [`report`] (figures, charts, CSV).

mod answer_rules;
mod api_error;
pub mod backup;
pub mod cli;
pub mod control_store;
pub mod decision_check;
mod form;
pub mod http;
pub mod imports;
pub mod monitor;
pub mod page_vote;
mod proxy;
mod ratelimit;
mod replies;
pub mod report;
mod server;
pub mod store;

use std::collections::BTreeMap;
use std::net::SocketAddr;

use yasno_survey_core::Survey;

pub use control_store::{CallRecord, Imported, PageVote, RequestRecord};
pub use http::router;
pub use proxy::TrustedProxies;
pub use ratelimit::RateLimit;
pub use replies::Replies;
pub use report::{Period, Report, ReportLabels};
pub use server::{ConnLimits, serve};
pub use store::{DbUrl, Inserted, PgStore, SqliteStore, Store, StoreError, StoredAnswer};

/// Default listen address: loopback only, so a collector is never exposed by accident.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8787";
/// Default database file name, inside the site folder.
pub const DEFAULT_DB_FILE: &str = "answers.db";
/// Default request body limit in bytes: a 1,000-character Cyrillic comment urlencoded is
/// about 6 KB.
pub const DEFAULT_BODY_LIMIT: usize = 16 * 1024;

/// What the collector's HTTP app needs to know about the site.
#[derive(Debug, Clone)]
pub struct CollectorConfig {
    /// The survey of each service that has one (services with the survey off are absent).
    pub surveys_by_service: BTreeMap<String, Survey>,
    /// The site's origin (e.g. `https://uslugi.example.ru`), allowed by CORS and by the
    /// origin check. Requests from the collector's own origin are always allowed.
    pub allowed_origin: Option<String>,
    /// Bearer token for export and report; `None` refuses them all.
    pub admin_token: Option<String>,
    /// Prefix for the 303 `Location` of form posts, e.g. the site's base URL when the
    /// collector runs on another origin; `None` answers with a site-relative path.
    pub redirect_base: Option<String>,
    /// Largest accepted request body in bytes.
    pub body_limit: usize,
    /// Per-client rate limit; `None` turns it off.
    pub rate_limit: Option<RateLimit>,
    /// The proxies whose `X-Forwarded-For` entries name the client for the rate limit.
    pub trusted_proxies: TrustedProxies,
    /// Names used in reports (site name, service titles, location names).
    pub report: ReportLabels,
    /// The site's id in the store (`site_id` in site.toml): answers are stored with it, and
    /// exports and reports read only its answers.
    pub site: String,
    /// What the collector says to visitors, by language; its languages are the only ones an
    /// answer may name (none loaded: any).
    pub replies: Replies,
}

impl CollectorConfig {
    /// A configuration with defaults for everything but the surveys.
    pub fn new(surveys_by_service: BTreeMap<String, Survey>) -> Self {
        Self {
            surveys_by_service,
            allowed_origin: None,
            admin_token: None,
            redirect_base: None,
            body_limit: DEFAULT_BODY_LIMIT,
            rate_limit: Some(RateLimit::default()),
            trusted_proxies: TrustedProxies::None,
            report: ReportLabels::default(),
            site: String::new(),
            replies: Replies::default(),
        }
    }
}

/// Options of `yasno collect` that travel together.
#[derive(Debug, Clone)]
pub struct CollectOptions {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Where answers are stored: a SQLite file or a PostgreSQL server.
    pub db: DbUrl,
    /// Path prefix under which the API is mounted (from the collector URL), e.g. `/collect`;
    /// empty for the root.
    pub prefix: String,
    /// Timeouts, connection cap and shutdown deadline.
    pub limits: ConnLimits,
}

/// Why `yasno collect` could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    /// The database could not be opened.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The address could not be bound.
    #[error(
        "cannot listen on {addr}: {source}\n  hint: another program may use this port; pass --listen 127.0.0.1:PORT with a free port"
    )]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// What the system said.
        source: std::io::Error,
    },
    /// The server failed while running.
    #[error("the collector stopped: {0}")]
    Serve(std::io::Error),
}

/// Serves the collector until Ctrl-C or SIGTERM, then stops taking connections, lets
/// requests in flight finish (up to the shutdown deadline), and commits every queued answer
/// before returning.
pub async fn run(config: CollectorConfig, options: CollectOptions) -> Result<(), CollectError> {
    let store = store::open(&options.db, &config.site).await?;
    let site = config.site.clone();
    let listener = tokio::net::TcpListener::bind(options.listen)
        .await
        .map_err(|source| CollectError::Bind {
            addr: options.listen,
            source,
        })?;
    let local = listener.local_addr().map_err(CollectError::Serve)?;
    let app = router(config, store.clone());
    let app = if options.prefix.is_empty() || options.prefix == "/" {
        app
    } else {
        axum::Router::new().nest(options.prefix.trim_end_matches('/'), app)
    };
    tracing::info!(addr = %local, db = %options.db.display(), site = %site, "collector listening");
    // Scripts (and the crash test) wait for this line to know the port is ready.
    println!("listening on http://{local}");
    server::serve(listener, app, options.limits, shutdown_signal()).await;
    tracing::info!("committing queued answers");
    store.close().await?;
    tracing::info!("collector stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
