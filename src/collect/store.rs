//! Answer storage: the [`Store`] trait and its SQLite implementation, [`SqliteStore`].
//!
//! Invariants:
//! - an insert resolves only after the transaction that holds it has committed
//!   (SQLite in WAL mode with `synchronous = FULL`, so a commit is on disk);
//! - the same client id is stored once; a retry is answered as a success;
//! - a row holds the answer and the time of receipt (UTC, whole seconds), never an address,
//!   user agent or cookie.
//!
//! One writer thread owns the write connection and does group commit: it takes whatever
//! inserts are queued, writes them in one transaction, commits, and only then answers each
//! request. Reads open their own connection (WAL lets them run beside the writer).

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use jiff::Timestamp;
use rusqlite::{Connection, OpenFlags, params};
use rusqlite_migration::{M, Migrations};
use tokio::sync::{mpsc, oneshot};
use yasno_survey_core::Answer;

use super::control_store::{self, CallRecord, Imported, PageVote, RequestRecord};

/// A boxed future, so that [`Store`] can be used as `dyn Store`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Most inserts written in one transaction.
const MAX_BATCH: usize = 1024;
/// Inserts that may wait for the writer before senders wait too (back-pressure).
const QUEUE: usize = 8192;

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

/// Storage failures. Messages name the database file and say what to do.
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
    /// A query or commit failed.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A stored answer could not be decoded.
    #[error("stored answer is not valid JSON: {0}")]
    Decode(#[from] serde_json::Error),
    /// The store is closed (shutting down).
    #[error("the answer store is closed")]
    Closed,
    /// This store does not keep this kind of data (yet).
    #[error("this answer store cannot {0} yet\n  hint: use the SQLite file (--db FILE)")]
    Unsupported(&'static str),
}

/// Where answers live. Implementations must resolve [`Store::insert`] only once the answer
/// is durable. SQLite is the default; a PostgreSQL implementation can sit behind the same
/// trait for installations that outgrow one machine.
pub trait Store: Send + Sync {
    /// Stores an answer received at `received_at`, once per client id.
    fn insert(
        &self,
        answer: Answer,
        received_at: Timestamp,
    ) -> BoxFuture<'static, Result<Inserted, StoreError>>;

    /// Answers received in `[from, to)`, oldest first.
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

    // --- Quarterly control (issue 18): page votes, imported requests and calls. The SQLite
    // implementation is in `control_store`; another store ports these methods, and until
    // then says plainly that it cannot.

    /// Stores a page-usefulness vote; resolves once it is durable.
    fn insert_page_vote(&self, _vote: PageVote) -> BoxFuture<'static, Result<(), StoreError>> {
        Box::pin(async { Err(StoreError::Unsupported("store page votes")) })
    }

    /// Page-usefulness votes received in `[from, to)`, oldest first.
    fn page_votes_between(
        &self,
        _from: Timestamp,
        _to: Timestamp,
    ) -> BoxFuture<'static, Result<Vec<PageVote>, StoreError>> {
        Box::pin(async { Err(StoreError::Unsupported("read page votes")) })
    }

    /// Stores requests from a mailbox export, all or none; the same id is stored once.
    fn import_requests(
        &self,
        _rows: Vec<RequestRecord>,
    ) -> BoxFuture<'static, Result<Imported, StoreError>> {
        Box::pin(async { Err(StoreError::Unsupported("import requests")) })
    }

    /// Stores calls from a phone export, all or none; the same call is stored once.
    fn import_calls(
        &self,
        _rows: Vec<CallRecord>,
    ) -> BoxFuture<'static, Result<Imported, StoreError>> {
        Box::pin(async { Err(StoreError::Unsupported("import calls")) })
    }

    /// Requests received on the days `from..=to`.
    fn requests_between(
        &self,
        _from: jiff::civil::Date,
        _to: jiff::civil::Date,
    ) -> BoxFuture<'static, Result<Vec<RequestRecord>, StoreError>> {
        Box::pin(async { Err(StoreError::Unsupported("read requests")) })
    }

    /// Calls on the days `from..=to`.
    fn calls_between(
        &self,
        _from: jiff::civil::Date,
        _to: jiff::civil::Date,
    ) -> BoxFuture<'static, Result<Vec<CallRecord>, StoreError>> {
        Box::pin(async { Err(StoreError::Unsupported("read calls")) })
    }
}

fn migrations() -> Migrations<'static> {
    // Versioned in code; the version lives in SQLite's `user_version`. Append, never edit.
    let answers = M::up(
        "CREATE TABLE answers (
            id INTEGER PRIMARY KEY,
            client_id TEXT NOT NULL UNIQUE,
            received_at TEXT NOT NULL,
            service TEXT NOT NULL,
            survey TEXT NOT NULL,
            version INTEGER NOT NULL,
            source TEXT NOT NULL,
            lang TEXT NOT NULL,
            answers TEXT NOT NULL
        ) STRICT;
        CREATE INDEX answers_by_time ON answers(received_at);",
    );
    let mut all = vec![answers];
    // Issue 18's tables (page votes, requests, calls), appended.
    all.extend(
        super::control_store::MIGRATIONS
            .iter()
            .map(|sql| M::up(sql)),
    );
    Migrations::new(all)
}

/// Formats a timestamp as stored: `2026-07-01T09:30:00Z` (sorts as text).
fn stamp(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A row ready to insert, prepared on the caller's thread so the writer only writes.
struct Row {
    client_id: String,
    received_at: String,
    service: String,
    survey: String,
    version: u32,
    source: String,
    lang: String,
    answers: String,
}

enum Job {
    Insert {
        row: Row,
        reply: oneshot::Sender<Result<Inserted, StoreError>>,
    },
    Close {
        reply: oneshot::Sender<()>,
    },
}

/// The SQLite store: one file in WAL mode, a writer thread with group commit.
pub struct SqliteStore {
    path: PathBuf,
    jobs: mpsc::Sender<Job>,
    writer: Mutex<Option<JoinHandle<()>>>,
    /// Set by the writer when a commit fails, cleared when one succeeds.
    degraded: Arc<Mutex<Option<String>>>,
}

fn open_connection(path: &Path, flags: OpenFlags) -> Result<Connection, StoreError> {
    let open_err = |source| StoreError::Open {
        path: path.to_owned(),
        source,
    };
    let conn = Connection::open_with_flags(path, flags).map_err(open_err)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(open_err)?;
    Ok(conn)
}

/// Creates `path` readable by its owner only (0600), or makes an existing file so: answers
/// are private. SQLite gives the `-wal` and `-shm` files the database file's mode.
pub(crate) fn private_file(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        let file = options.open(path)?;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    #[cfg(not(unix))]
    options.open(path)?;
    Ok(())
}

impl SqliteStore {
    /// Opens (or creates) the database, brings its schema up to date and starts the writer.
    /// Fails at once, naming the file, when it cannot be created or written.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let open_err = |source| StoreError::Open {
            path: path.to_owned(),
            source,
        };
        private_file(path).map_err(|source| StoreError::Create {
            path: path.to_owned(),
            source,
        })?;
        let mut conn = open_connection(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        // WAL: readers never block the writer; FULL: a commit is fsynced, so "stored" means
        // it survives a crash of the process and of the machine.
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(open_err)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(open_err(rusqlite::Error::InvalidParameterName(format!(
                "journal_mode is {mode}, WAL is needed"
            ))));
        }
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(open_err)?;
        migrations()
            .to_latest(&mut conn)
            .map_err(|source| StoreError::Migrate {
                path: path.to_owned(),
                source,
            })?;
        // Prove now that the file is writable, rather than on the first answer.
        conn.execute_batch("BEGIN IMMEDIATE; COMMIT;")
            .map_err(open_err)?;

        let (jobs, rx) = mpsc::channel(QUEUE);
        let degraded = Arc::new(Mutex::new(None));
        let state = degraded.clone();
        let writer = std::thread::Builder::new()
            .name("answer-writer".into())
            .spawn(move || writer_loop(conn, rx, &state))
            .map_err(|e| {
                open_err(rusqlite::Error::InvalidParameterName(format!(
                    "cannot start the writer thread: {e}"
                )))
            })?;
        Ok(Self {
            path: path.to_owned(),
            jobs,
            writer: Mutex::new(Some(writer)),
            degraded,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

fn writer_loop(
    mut conn: Connection,
    mut rx: mpsc::Receiver<Job>,
    degraded: &Mutex<Option<String>>,
) {
    let mut closers = Vec::new();
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while let Some(job) = rx.blocking_recv() {
        batch.clear();
        // A close request refuses new jobs, but what was queued before it is still written.
        let mut push = |job: Job, batch: &mut Vec<_>| match job {
            Job::Insert { row, reply } => batch.push((row, reply)),
            Job::Close { reply } => closers.push(reply),
        };
        push(job, &mut batch);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => push(job, &mut batch),
                Err(_) => break,
            }
        }
        if !closers.is_empty() {
            rx.close();
        }
        if batch.is_empty() {
            continue;
        }
        let results = write_batch(&mut conn, &batch);
        // The state changes are logged once; each refused answer is logged by its request.
        let mut state = degraded.lock().unwrap_or_else(|e| e.into_inner());
        match (&results, state.is_some()) {
            (Ok(_), true) => {
                tracing::info!("storage works again");
                *state = None;
            }
            (Err(e), false) => {
                tracing::warn!(error = %e, "storage degraded: answers are refused until a write succeeds");
                *state = Some(e.to_string());
            }
            _ => {}
        }
        drop(state);
        match results {
            Ok(outcomes) => {
                for ((_, reply), outcome) in batch.drain(..).zip(outcomes) {
                    let _ = reply.send(outcome);
                }
            }
            Err(e) => {
                for (_, reply) in batch.drain(..) {
                    let _ = reply.send(Err(StoreError::Sqlite(clone_error(&e))));
                }
            }
        }
    }
    // Fold the WAL back into the main file so a stopped collector leaves one tidy file.
    if let Err(e) = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);") {
        tracing::warn!(error = %e, "checkpoint on close failed");
    }
    drop(conn);
    for reply in closers {
        let _ = reply.send(());
    }
}

fn clone_error(e: &rusqlite::Error) -> rusqlite::Error {
    match e {
        rusqlite::Error::SqliteFailure(code, msg) => {
            rusqlite::Error::SqliteFailure(*code, msg.clone())
        }
        other => rusqlite::Error::InvalidParameterName(other.to_string()),
    }
}

type Pending = (Row, oneshot::Sender<Result<Inserted, StoreError>>);

/// Writes a batch in one transaction. `Ok` holds one outcome per answer, valid only because
/// the transaction committed; `Err` means nothing of the batch is stored.
fn write_batch(
    conn: &mut Connection,
    batch: &[Pending],
) -> Result<Vec<Result<Inserted, StoreError>>, rusqlite::Error> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let mut outcomes = Vec::with_capacity(batch.len());
    {
        let mut stmt = tx.prepare_cached(
            "INSERT INTO answers (client_id, received_at, service, survey, version, source, lang, answers)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (client_id) DO NOTHING",
        )?;
        for (row, _) in batch {
            let outcome = stmt
                .execute(params![
                    row.client_id,
                    row.received_at,
                    row.service,
                    row.survey,
                    row.version,
                    row.source,
                    row.lang,
                    row.answers,
                ])
                .map_err(StoreError::from)
                .map(|changed| {
                    if changed == 0 {
                        Inserted::Duplicate
                    } else {
                        Inserted::New
                    }
                });
            outcomes.push(outcome);
        }
    }
    tx.commit()?;
    Ok(outcomes)
}

fn read_between(
    path: &Path,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<StoredAnswer>, StoreError> {
    let conn = open_connection(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    let mut stmt = conn.prepare(
        "SELECT received_at, client_id, service, survey, version, source, lang, answers FROM answers
         WHERE received_at >= ?1 AND received_at < ?2 ORDER BY received_at, id",
    )?;
    let rows = stmt.query_map(params![stamp(from), stamp(to)], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, u32>(4)?,
            r.get::<_, String>(5)?,
            r.get::<_, String>(6)?,
            r.get::<_, String>(7)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (at, client_id, service, survey, version, source, lang, answers) = row?;
        let received_at = at.parse::<Timestamp>().map_err(|e| {
            rusqlite::Error::InvalidParameterName(format!("bad received_at {at:?}: {e}"))
        })?;
        out.push(StoredAnswer {
            received_at,
            answer: Answer {
                client_id,
                service,
                survey,
                version,
                source,
                lang,
                answers: serde_json::from_str(&answers)?,
            },
        });
    }
    Ok(out)
}

impl Store for SqliteStore {
    fn insert(
        &self,
        answer: Answer,
        received_at: Timestamp,
    ) -> BoxFuture<'static, Result<Inserted, StoreError>> {
        let jobs = self.jobs.clone();
        Box::pin(async move {
            let row = Row {
                answers: serde_json::to_string(&answer.answers)?,
                client_id: answer.client_id,
                received_at: stamp(received_at),
                service: answer.service,
                survey: answer.survey,
                version: answer.version,
                source: answer.source,
                lang: answer.lang,
            };
            let (reply, done) = oneshot::channel();
            jobs.send(Job::Insert { row, reply })
                .await
                .map_err(|_| StoreError::Closed)?;
            done.await.map_err(|_| StoreError::Closed)?
        })
    }

    fn answers_between(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> BoxFuture<'static, Result<Vec<StoredAnswer>, StoreError>> {
        let path = self.path.clone();
        Box::pin(async move {
            tokio::task::spawn_blocking(move || read_between(&path, from, to))
                .await
                .map_err(|_| StoreError::Closed)?
        })
    }

    fn close(&self) -> BoxFuture<'static, Result<(), StoreError>> {
        let jobs = self.jobs.clone();
        let writer = self.writer.lock().ok().and_then(|mut h| h.take());
        Box::pin(async move {
            let (reply, done) = oneshot::channel();
            if jobs.send(Job::Close { reply }).await.is_ok() {
                let _ = done.await;
            }
            if let Some(handle) = writer {
                tokio::task::spawn_blocking(move || handle.join())
                    .await
                    .map_err(|_| StoreError::Closed)?
                    .map_err(|_| StoreError::Closed)?;
            }
            Ok(())
        })
    }

    fn degraded(&self) -> Option<String> {
        self.degraded
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    // --- Quarterly control (issue 18): see `control_store`.

    fn insert_page_vote(&self, vote: PageVote) -> BoxFuture<'static, Result<(), StoreError>> {
        let path = self.path.clone();
        blocking(move || control_store::insert_vote(&path, &vote))
    }

    fn page_votes_between(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> BoxFuture<'static, Result<Vec<PageVote>, StoreError>> {
        let path = self.path.clone();
        blocking(move || control_store::votes_between(&path, from, to))
    }

    fn import_requests(
        &self,
        rows: Vec<RequestRecord>,
    ) -> BoxFuture<'static, Result<Imported, StoreError>> {
        let path = self.path.clone();
        blocking(move || control_store::import_requests(&path, &rows))
    }

    fn import_calls(
        &self,
        rows: Vec<CallRecord>,
    ) -> BoxFuture<'static, Result<Imported, StoreError>> {
        let path = self.path.clone();
        blocking(move || control_store::import_calls(&path, &rows))
    }

    fn requests_between(
        &self,
        from: jiff::civil::Date,
        to: jiff::civil::Date,
    ) -> BoxFuture<'static, Result<Vec<RequestRecord>, StoreError>> {
        let path = self.path.clone();
        blocking(move || control_store::requests_between(&path, from, to))
    }

    fn calls_between(
        &self,
        from: jiff::civil::Date,
        to: jiff::civil::Date,
    ) -> BoxFuture<'static, Result<Vec<CallRecord>, StoreError>> {
        let path = self.path.clone();
        blocking(move || control_store::calls_between(&path, from, to))
    }
}

/// Runs a blocking SQLite call off the async threads.
fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> BoxFuture<'static, Result<T, StoreError>> {
    Box::pin(async move {
        tokio::task::spawn_blocking(f)
            .await
            .map_err(|_| StoreError::Closed)?
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use yasno_survey_core::AnswerValue;

    use super::*;

    fn answer(id: &str) -> Answer {
        Answer {
            client_id: id.into(),
            service: "opeka".into(),
            survey: "default".into(),
            version: 1,
            source: "web".into(),
            lang: "ru".into(),
            answers: BTreeMap::from([("rating".into(), AnswerValue::Rating(4))]),
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn stores_once_per_client_id_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("a.db")).unwrap();
        let at: Timestamp = "2026-07-01T10:00:00.700Z".parse().unwrap();
        assert_eq!(
            store.insert(answer("client-0001"), at).await.unwrap(),
            Inserted::New
        );
        assert_eq!(
            store.insert(answer("client-0001"), at).await.unwrap(),
            Inserted::Duplicate
        );
        let all = store
            .answers_between(Timestamp::UNIX_EPOCH, Timestamp::MAX)
            .await
            .unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].received_at.to_string(), "2026-07-01T10:00:00Z");
        // The whole answer comes back, client id included.
        assert_eq!(all[0].answer, answer("client-0001"));
        store.close().await.unwrap();
        assert!(matches!(
            store.insert(answer("client-0002"), at).await,
            Err(StoreError::Closed)
        ));
    }

    #[test]
    fn names_the_file_when_the_folder_is_missing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing").join("a.db");
        let err = SqliteStore::open(&path).err().unwrap().to_string();
        assert!(
            err.contains("missing/a.db") && err.contains("writable"),
            "{err}"
        );
    }
}
