//! Answer storage: the [`Store`] trait, and where answers live, chosen by the database
//! address ([`DbUrl`]): a SQLite file ([`SqliteStore`], the default) or PostgreSQL
//! ([`PgStore`], for installations that outgrow one machine or serve many sites).
//!
//! Invariants, the same for both stores:
//! - an insert resolves only after the transaction that holds it has committed durably;
//! - the same client id is stored once, even when two collectors get it at once; a retry is
//!   answered as [`Inserted::Duplicate`];
//! - every row carries the site it belongs to, and a store opened for a site reads and writes
//!   only that site's answers, so one database can serve many sites;
//! - a row holds the answer and the time of receipt (UTC, whole seconds), never an address,
//!   user agent or cookie.

mod migrate;
mod pg_control;
mod postgres;
mod sqlite;

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;

use jiff::Timestamp;
use yasno_survey_core::Answer;

use crate::collect::control_store::{CallRecord, Imported, PageVote, RequestRecord};

pub use migrate::{Copied, MigrateReport, migrate_sqlite_to_pg};
pub use postgres::PgStore;
pub use sqlite::SqliteStore;
pub(crate) use sqlite::private_file;

/// A boxed future, so that [`Store`] can be used as `dyn Store`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What an insert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inserted {
    /// The answer is new and now stored.
    New,
    /// An answer with this client id was already stored; nothing changed.
    Duplicate,
}

/// An answer as stored: survey-core's [`Answer`], and when it was received.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredAnswer {
    /// Time of receipt, UTC, whole seconds.
    pub received_at: Timestamp,
    /// The answer as it was sent.
    pub answer: Answer,
}

/// Where the answers live: `--db FILE` or `--db postgres://…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbUrl {
    /// A SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL connection string (`postgres://` or `postgresql://`).
    Postgres(String),
}

impl DbUrl {
    /// Reads a `--db` value: a `postgres://` or `postgresql://` URL is PostgreSQL, anything
    /// else is the path of a SQLite file.
    pub fn parse(text: &str) -> Self {
        let lower = text.get(..13).unwrap_or(text).to_ascii_lowercase();
        if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
            DbUrl::Postgres(text.to_owned())
        } else {
            DbUrl::Sqlite(PathBuf::from(text))
        }
    }

    /// The address for messages and logs, with any password replaced by `***`.
    pub fn display(&self) -> String {
        match self {
            DbUrl::Sqlite(path) => path.display().to_string(),
            DbUrl::Postgres(url) => redact(url),
        }
    }
}

impl std::str::FromStr for DbUrl {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(DbUrl::parse(s))
    }
}

/// `postgres://user:secret@host/db` -> `postgres://user:***@host/db`.
fn redact(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_owned();
    };
    let rest = &url[scheme_end..];
    let auth_end = rest.find(['/', '?']).unwrap_or(rest.len());
    match rest[..auth_end].rfind('@') {
        Some(at) => match rest[..at].find(':') {
            Some(colon) => format!(
                "{}{}:***{}",
                &url[..scheme_end],
                &rest[..colon],
                &rest[at..]
            ),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

/// Storage failures. Messages name the database and say what to do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database cannot be opened or prepared.
    #[error(
        "cannot open the answer database {path}: {source}\n  hint: check that the folder exists and is writable, or pass --db FILE"
    )]
    Open {
        /// The database file.
        path: PathBuf,
        /// What SQLite said.
        source: rusqlite::Error,
    },
    /// The database file cannot be created or made private.
    #[error(
        "cannot create the answer database {path}: {source}\n  hint: check that the folder exists and is writable, or pass --db FILE"
    )]
    Create {
        /// The database file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// Schema migrations failed.
    #[error("cannot update the schema of {path}: {source}")]
    Migrate {
        /// The database file.
        path: PathBuf,
        /// What the migration said.
        source: rusqlite_migration::Error,
    },
    /// The PostgreSQL server cannot be reached, or its schema cannot be brought up to date.
    #[error(
        "cannot open the answer database {url}: {message}\n  hint: check the address, user and password in --db postgres://USER:PASSWORD@HOST:PORT/DATABASE, and that the server runs"
    )]
    PgOpen {
        /// The address, password hidden.
        url: String,
        /// What the driver or server said.
        message: String,
    },
    /// A query or commit failed.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A PostgreSQL query or commit failed.
    #[error("database error: {0}")]
    Postgres(String),
    /// A stored answer could not be decoded.
    #[error("stored answer is not valid JSON: {0}")]
    Decode(#[from] serde_json::Error),
    /// A stored row is damaged (e.g. its time cannot be read).
    #[error("stored answer is damaged: {0}")]
    Corrupt(String),
    /// The store is closed (shutting down).
    #[error("the answer store is closed")]
    Closed,
}

impl From<tokio_postgres::Error> for StoreError {
    fn from(e: tokio_postgres::Error) -> Self {
        // The server's own message (e.g. "could not extend file") is more useful than the
        // driver's "db error".
        match e.as_db_error() {
            Some(db) => StoreError::Postgres(format!("{}: {}", db.code().code(), db.message())),
            None => StoreError::Postgres(e.to_string()),
        }
    }
}

impl From<deadpool_postgres::PoolError> for StoreError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        match e {
            deadpool_postgres::PoolError::Backend(e) => e.into(),
            other => StoreError::Postgres(other.to_string()),
        }
    }
}

/// Where answers live. Implementations must resolve [`Store::insert`] only once the answer
/// is durable, and read and write only the answers of the site they were opened for.
pub trait Store: Send + Sync {
    /// Stores an answer received at `received_at`, once per client id.
    fn insert(
        &self,
        answer: Answer,
        received_at: Timestamp,
    ) -> BoxFuture<'static, Result<Inserted, StoreError>>;

    /// The site's answers received in `[from, to)`, oldest first.
    fn answers_between(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> BoxFuture<'static, Result<Vec<StoredAnswer>, StoreError>>;

    /// Commits what is queued, refuses later inserts, and waits until the writer is done.
    fn close(&self) -> BoxFuture<'static, Result<(), StoreError>>;

    /// Why the last write failed (e.g. the disk is full), until a write succeeds again.
    fn degraded(&self) -> Option<String> {
        None
    }

    // --- Quarterly control: page votes, imported requests and calls, each of the site the
    // store was opened for (SQLite: `control_store`; PostgreSQL: `pg_control`).

    /// Stores a page-usefulness vote; resolves once it is durable.
    fn insert_page_vote(&self, vote: PageVote) -> BoxFuture<'static, Result<(), StoreError>>;

    /// Page-usefulness votes received in `[from, to)`, oldest first.
    fn page_votes_between(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> BoxFuture<'static, Result<Vec<PageVote>, StoreError>>;

    /// Stores requests from a mailbox export, all or none; the same id is stored once.
    fn import_requests(
        &self,
        rows: Vec<RequestRecord>,
    ) -> BoxFuture<'static, Result<Imported, StoreError>>;

    /// Stores calls from a phone export, all or none; the same call is stored once.
    fn import_calls(
        &self,
        rows: Vec<CallRecord>,
    ) -> BoxFuture<'static, Result<Imported, StoreError>>;

    /// Requests received on the days `from..=to`.
    fn requests_between(
        &self,
        from: jiff::civil::Date,
        to: jiff::civil::Date,
    ) -> BoxFuture<'static, Result<Vec<RequestRecord>, StoreError>>;

    /// Calls on the days `from..=to`.
    fn calls_between(
        &self,
        from: jiff::civil::Date,
        to: jiff::civil::Date,
    ) -> BoxFuture<'static, Result<Vec<CallRecord>, StoreError>>;
}

/// Opens the store at `db` for `site`: creates or updates its schema, and starts its writer.
pub async fn open(db: &DbUrl, site: &str) -> Result<Arc<dyn Store>, StoreError> {
    Ok(match db {
        DbUrl::Sqlite(path) => Arc::new(SqliteStore::open_for_site(path, site)?),
        DbUrl::Postgres(url) => Arc::new(PgStore::open(url, site).await?),
    })
}

/// Whether the store at `db` exists; a server is assumed to (connecting will tell).
pub fn exists(db: &DbUrl) -> bool {
    match db {
        DbUrl::Sqlite(path) => Path::is_file(path),
        DbUrl::Postgres(_) => true,
    }
}

/// Formats a timestamp as stored: `2026-07-01T09:30:00Z` (sorts as text).
fn stamp(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Reads a stored timestamp back.
fn parse_stamp(at: &str) -> Result<Timestamp, String> {
    at.parse::<Timestamp>()
        .map_err(|e| format!("bad received_at {at:?}: {e}"))
}

/// A row ready to insert, prepared on the caller's task so the writer only writes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Row {
    site: String,
    client_id: String,
    received_at: String,
    service: String,
    survey: String,
    version: u32,
    source: String,
    lang: String,
    answers: String,
}

impl Row {
    fn new(site: &str, answer: Answer, received_at: Timestamp) -> Result<Self, StoreError> {
        Ok(Row {
            site: site.to_owned(),
            answers: serde_json::to_string(&answer.answers)?,
            client_id: answer.client_id,
            received_at: stamp(received_at),
            service: answer.service,
            survey: answer.survey,
            version: answer.version,
            source: answer.source,
            lang: answer.lang,
        })
    }

    fn into_stored(self) -> Result<StoredAnswer, StoreError> {
        Ok(StoredAnswer {
            received_at: parse_stamp(&self.received_at).map_err(StoreError::Corrupt)?,
            answer: Answer {
                client_id: self.client_id,
                service: self.service,
                survey: self.survey,
                version: self.version,
                source: self.source,
                lang: self.lang,
                answers: serde_json::from_str(&self.answers)?,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_address_chooses_the_store_and_hides_the_password() {
        assert_eq!(
            DbUrl::parse("answers.db"),
            DbUrl::Sqlite("answers.db".into())
        );
        let pg = DbUrl::parse("postgresql://yasno:s3cret@db.local:5432/answers");
        assert!(matches!(pg, DbUrl::Postgres(_)));
        assert_eq!(pg.display(), "postgresql://yasno:***@db.local:5432/answers");
        assert!(matches!(
            DbUrl::parse("POSTGRES://h/db"),
            DbUrl::Postgres(_)
        ));
        assert_eq!(
            DbUrl::parse("postgres://h/db?user=x").display(),
            "postgres://h/db?user=x"
        );
    }
}
