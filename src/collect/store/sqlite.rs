//! The SQLite store, [`SqliteStore`]: one file in WAL mode with `synchronous = FULL`, so a
//! commit is on disk.
//!
//! One writer thread owns the write connection and does group commit: it takes whatever
//! inserts are queued, writes them in one transaction, commits, and only then answers each
//! request. Reads open their own connection (WAL lets them run beside the writer).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use jiff::Timestamp;
use rusqlite::{Connection, OpenFlags, params};
use rusqlite_migration::{M, Migrations};
use tokio::sync::{mpsc, oneshot};
use yasno_survey_core::Answer;

use super::{BoxFuture, Inserted, Row, Store, StoreError, StoredAnswer, stamp};
use crate::collect::control_store::{self, CallRecord, Imported, PageVote, RequestRecord};

/// Most inserts written in one transaction.
const MAX_BATCH: usize = 1024;
/// Inserts that may wait for the writer before senders wait too (back-pressure).
const QUEUE: usize = 8192;

fn migrations() -> Migrations<'static> {
    // Versioned in code; the version lives in SQLite's `user_version`. Append, never edit.
    let mut all = vec![
        M::up(
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
        ),
        // Several sites, one store: rows from before this column get the site of the
        // collector that opens the file next (see `claim_unsited_rows`).
        M::up(
            "ALTER TABLE answers ADD COLUMN site TEXT NOT NULL DEFAULT '';
        CREATE INDEX answers_by_site_time ON answers(site, received_at);",
        ),
    ];
    // The quarterly control's tables (page votes, requests, calls), appended.
    all.extend(control_store::MIGRATIONS.iter().map(|sql| M::up(sql)));
    Migrations::new(all)
}

// Nearly every job is an insert; `Close` comes once per process, so boxing the row would
// only add an allocation per answer.
#[allow(clippy::large_enum_variant)]
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
    site: String,
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
    /// Opens the store of a single-site file (a preview, a test) whose answers carry the
    /// empty site id; see [`SqliteStore::open_for_site`].
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Self::open_for_site(path, "")
    }

    /// Opens (or creates) the database for `site`, brings its schema up to date and starts
    /// the writer. Fails at once, naming the file, when it cannot be created or written.
    pub fn open_for_site(path: &Path, site: &str) -> Result<Self, StoreError> {
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
        // Also proves now that the file is writable, rather than on the first answer.
        claim_unsited_rows(&conn, site).map_err(open_err)?;

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
            site: site.to_owned(),
            jobs,
            writer: Mutex::new(Some(writer)),
            degraded,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` on this store's file and site off the async threads (the quarterly control's
    /// reads and imports open their own connections: see `control_store`).
    fn control<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Path, &str) -> Result<T, StoreError> + Send + 'static,
    ) -> BoxFuture<'static, Result<T, StoreError>> {
        let (path, site) = (self.path.clone(), self.site.clone());
        Box::pin(async move {
            tokio::task::spawn_blocking(move || f(&path, &site))
                .await
                .map_err(|_| StoreError::Closed)?
        })
    }
}

/// Gives rows stored before the `site` column existed to the site that now opens the file:
/// a file was always one site's. Rows already tagged stay as they are.
fn claim_unsited_rows(conn: &Connection, site: &str) -> rusqlite::Result<()> {
    conn.execute_batch("BEGIN IMMEDIATE")?;
    // Rows written by a store opened without a site (`SqliteStore::open`) too.
    let claimed = ["answers", "page_votes", "requests", "calls"]
        .iter()
        .try_for_each(|table| {
            conn.execute(
                &format!("UPDATE {table} SET site = ?1 WHERE site = '' AND ?1 <> ''"),
                params![site],
            )
            .map(drop)
        });
    match claimed {
        Ok(_) => conn.execute_batch("COMMIT"),
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
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
            "INSERT INTO answers (client_id, received_at, service, survey, version, source, lang, answers, site)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
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
                    row.site,
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
    site: &str,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<StoredAnswer>, StoreError> {
    let conn = open_connection(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    let mut stmt = conn.prepare(&format!(
        "SELECT {ROW_COLUMNS} FROM answers
         WHERE site = ?1 AND received_at >= ?2 AND received_at < ?3 ORDER BY received_at, id"
    ))?;
    let rows = stmt.query_map(params![site, stamp(from), stamp(to)], read_row)?;
    let mut out = Vec::new();
    for row in rows {
        out.push(row?.1.into_stored()?);
    }
    Ok(out)
}

/// The columns [`read_row`] reads, in its order.
const ROW_COLUMNS: &str =
    "id, site, client_id, received_at, service, survey, version, source, lang, answers";

fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, Row)> {
    Ok((
        r.get(0)?,
        Row {
            site: r.get(1)?,
            client_id: r.get(2)?,
            received_at: r.get(3)?,
            service: r.get(4)?,
            survey: r.get(5)?,
            version: r.get(6)?,
            source: r.get(7)?,
            lang: r.get(8)?,
            answers: r.get(9)?,
        },
    ))
}

/// Reads a SQLite answer file page by page, every site, in the order rows were stored:
/// what `yasno collect migrate` copies. Opened read-only, so a running collector may keep
/// writing beside it.
pub(super) struct RowReader {
    conn: Connection,
    after: i64,
}

impl RowReader {
    /// Opens `path` for reading; it must exist and have an up-to-date schema (a collector
    /// or `SqliteStore::open` made it).
    pub(super) fn open(path: &Path) -> Result<Self, StoreError> {
        if !path.is_file() {
            return Err(StoreError::Create {
                path: path.to_owned(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
            });
        }
        // Brings an old file's schema up to date (the site column) before reading it.
        let mut conn = open_connection(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        migrations()
            .to_latest(&mut conn)
            .map_err(|source| StoreError::Migrate {
                path: path.to_owned(),
                source,
            })?;
        drop(conn);
        let conn = open_connection(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        Ok(Self { conn, after: 0 })
    }

    /// The next at most `limit` rows; empty at the end.
    pub(super) fn next_page(&mut self, limit: usize) -> Result<Vec<Row>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {ROW_COLUMNS} FROM answers WHERE id > ?1 ORDER BY id LIMIT ?2"
        ))?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = stmt
            .query_map(params![self.after, limit], read_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        if let Some((id, _)) = rows.last() {
            self.after = *id;
        }
        Ok(rows.into_iter().map(|(_, row)| row).collect())
    }
}

impl Store for SqliteStore {
    fn insert(
        &self,
        answer: Answer,
        received_at: Timestamp,
    ) -> BoxFuture<'static, Result<Inserted, StoreError>> {
        let jobs = self.jobs.clone();
        let row = Row::new(&self.site, answer, received_at);
        Box::pin(async move {
            let row = row?;
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
        let site = self.site.clone();
        Box::pin(async move {
            tokio::task::spawn_blocking(move || read_between(&path, &site, from, to))
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
        self.control(move |path, site| control_store::insert_vote(path, site, &vote))
    }

    fn page_votes_between(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> BoxFuture<'static, Result<Vec<PageVote>, StoreError>> {
        self.control(move |path, site| control_store::votes_between(path, site, from, to))
    }

    fn import_requests(
        &self,
        rows: Vec<RequestRecord>,
    ) -> BoxFuture<'static, Result<Imported, StoreError>> {
        self.control(move |path, site| control_store::import_requests(path, site, &rows))
    }

    fn import_calls(
        &self,
        rows: Vec<CallRecord>,
    ) -> BoxFuture<'static, Result<Imported, StoreError>> {
        self.control(move |path, site| control_store::import_calls(path, site, &rows))
    }

    fn requests_between(
        &self,
        from: jiff::civil::Date,
        to: jiff::civil::Date,
    ) -> BoxFuture<'static, Result<Vec<RequestRecord>, StoreError>> {
        self.control(move |path, site| control_store::requests_between(path, site, from, to))
    }

    fn calls_between(
        &self,
        from: jiff::civil::Date,
        to: jiff::civil::Date,
    ) -> BoxFuture<'static, Result<Vec<CallRecord>, StoreError>> {
        self.control(move |path, site| control_store::calls_between(path, site, from, to))
    }
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

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_file_from_before_sites_gives_its_rows_to_the_site_that_opens_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        {
            // A store as the first schema version left it.
            let mut conn = Connection::open(&path).unwrap();
            Migrations::new(vec![M::up(
                "CREATE TABLE answers (
                    id INTEGER PRIMARY KEY, client_id TEXT NOT NULL UNIQUE,
                    received_at TEXT NOT NULL, service TEXT NOT NULL, survey TEXT NOT NULL,
                    version INTEGER NOT NULL, source TEXT NOT NULL, lang TEXT NOT NULL,
                    answers TEXT NOT NULL
                ) STRICT;",
            )])
            .to_latest(&mut conn)
            .unwrap();
            conn.execute(
                "INSERT INTO answers (client_id, received_at, service, survey, version, source, lang, answers)
                 VALUES ('old-client-01', '2026-01-05T10:00:00Z', 'opeka', 'default', 1, 'web', 'ru', '{\"rating\":3}')",
                [],
            )
            .unwrap();
        }
        let store = SqliteStore::open_for_site(&path, "ostrov").unwrap();
        let at: Timestamp = "2026-07-01T10:00:00Z".parse().unwrap();
        store.insert(answer("new-client-01"), at).await.unwrap();
        let mine = store
            .answers_between(Timestamp::UNIX_EPOCH, Timestamp::MAX)
            .await
            .unwrap();
        let ids: Vec<&str> = mine.iter().map(|a| a.answer.client_id.as_str()).collect();
        assert_eq!(ids, ["old-client-01", "new-client-01"]);
        store.close().await.unwrap();

        // Another site on the same file sees none of them, and keeps its own apart.
        let other = SqliteStore::open_for_site(&path, "kolpino").unwrap();
        other.insert(answer("kolpino-client-01"), at).await.unwrap();
        let theirs = other
            .answers_between(Timestamp::UNIX_EPOCH, Timestamp::MAX)
            .await
            .unwrap();
        assert_eq!(theirs.len(), 1);
        assert_eq!(theirs[0].answer.client_id, "kolpino-client-01");
        other.close().await.unwrap();
        let conn = Connection::open(&path).unwrap();
        let sites: Vec<(String, i64)> = conn
            .prepare("SELECT site, count(*) FROM answers GROUP BY site ORDER BY site")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(sites, [("kolpino".into(), 1), ("ostrov".into(), 2)]);
    }
}
