//! The PostgreSQL store, [`PgStore`]: for a collector on several machines, or many sites on
//! one database.
//!
//! Durability: every session runs with `synchronous_commit = on`, so a commit has reached
//! the server's WAL on disk (and its synchronous standbys, if any) before an insert resolves.
//! A client id is `UNIQUE`; inserts use `ON CONFLICT (client_id) DO NOTHING`, so two
//! collectors that get one id at the same moment store it once and one of them answers
//! `Duplicate`.
//!
//! Throughput: a few writer tasks each take whatever inserts are queued (group commit) and
//! write them with one `INSERT … SELECT FROM unnest(…)` in one transaction; several batches
//! are in flight at once, so the server's own group commit can merge their WAL flushes.
//!
//! Schema: versioned migrations in `schema_migrations`, applied in one transaction under an
//! advisory lock, so collectors that start together do not race. Append, never edit.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use jiff::Timestamp;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio_postgres::NoTls;
use yasno_survey_core::Answer;

use super::pg_control;
use super::{BoxFuture, Inserted, Row, Store, StoreError, StoredAnswer, redact, stamp};
use crate::collect::control_store::{CallRecord, Imported, PageVote, RequestRecord};

/// Most inserts written in one transaction.
const MAX_BATCH: usize = 512;
/// Inserts that may wait for a writer before senders wait too (back-pressure).
const QUEUE: usize = 8192;
/// Writer tasks, each with its own connection: batches in flight at once.
const WRITERS: usize = 4;
/// Connections in the pool: the writers and a few readers (exports, reports).
const POOL_SIZE: usize = WRITERS + 4;
/// Key of the advisory lock that serialises migrations ("yasno" in ASCII).
const MIGRATION_LOCK: i64 = 0x0079_6173_6e6f;

/// Schema versions, in order. Append, never edit: a database records which it has.
const MIGRATIONS: &[(i32, &str)] = &[
    (
        1,
        "CREATE TABLE answers (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        site TEXT NOT NULL,
        client_id TEXT NOT NULL UNIQUE,
        received_at TEXT NOT NULL,
        service TEXT NOT NULL,
        survey TEXT NOT NULL,
        version BIGINT NOT NULL,
        source TEXT NOT NULL,
        lang TEXT NOT NULL,
        answers TEXT NOT NULL
    );
    CREATE INDEX answers_by_site_time ON answers(site, received_at);",
    ),
    (2, super::pg_control::MIGRATION),
];

/// The insert of a batch; `RETURNING` names the rows that were new.
const INSERT_BATCH: &str = "INSERT INTO answers
    (site, client_id, received_at, service, survey, version, source, lang, answers)
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
                         $6::bigint[], $7::text[], $8::text[], $9::text[])
    ON CONFLICT (client_id) DO NOTHING
    RETURNING client_id";

// Nearly every job is an insert; `Close` comes once per process, so boxing the row would
// only add an allocation per answer.
#[allow(clippy::large_enum_variant)]
enum Job {
    Insert {
        row: Row,
        reply: oneshot::Sender<Result<Inserted, StoreError>>,
    },
    Close,
}

/// The PostgreSQL store: a connection pool, and writer tasks with group commit.
pub struct PgStore {
    site: String,
    pool: Pool,
    jobs: mpsc::Sender<Job>,
    writers: Mutex<Vec<JoinHandle<()>>>,
    /// Set by a writer when a commit fails, cleared when one succeeds.
    degraded: Arc<Mutex<Option<String>>>,
}

/// Makes a pool for `url`; every session it opens commits synchronously.
pub(super) fn pool(url: &str, size: usize) -> Result<Pool, StoreError> {
    let open_err = |message: String| StoreError::PgOpen {
        url: redact(url),
        message,
    };
    let mut config: tokio_postgres::Config = url.parse().map_err(|e| open_err(format!("{e}")))?;
    // The contract: an answer is acknowledged only once durable, whatever the server's
    // default says.
    config.options("-c synchronous_commit=on");
    if config.get_application_name().is_none() {
        config.application_name("yasno-collect");
    }
    let manager = Manager::from_config(
        config,
        NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    Pool::builder(manager)
        .max_size(size)
        .build()
        .map_err(|e| open_err(e.to_string()))
}

/// Connects once and brings the schema up to date, under the migration lock.
pub(super) async fn prepare(pool: &Pool, url: &str) -> Result<(), StoreError> {
    let open_err = |e: StoreError| StoreError::PgOpen {
        url: redact(url),
        message: match e {
            StoreError::Postgres(m) => m,
            other => other.to_string(),
        },
    };
    let mut client = pool.get().await.map_err(|e| open_err(e.into()))?;
    migrate_schema(&mut client).await.map_err(open_err)
}

async fn migrate_schema(client: &mut deadpool_postgres::Client) -> Result<(), StoreError> {
    let tx = client.transaction().await?;
    // Held until commit: a second collector starting now waits here, then sees the
    // versions this one applied.
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY,
            applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )",
    )
    .await?;
    let current: i32 = tx
        .query_one(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
            &[],
        )
        .await?
        .get(0);
    let newest = MIGRATIONS.last().map_or(0, |m| m.0);
    if current > newest {
        return Err(StoreError::Postgres(format!(
            "the database has schema version {current}, this yasno knows up to {newest}; upgrade yasno"
        )));
    }
    for (version, sql) in MIGRATIONS.iter().filter(|m| m.0 > current) {
        tx.batch_execute(sql).await?;
        tx.execute(
            "INSERT INTO schema_migrations (version) VALUES ($1)",
            &[version],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

impl PgStore {
    /// Connects to `url`, brings the schema up to date and starts the writers, for `site`.
    /// Fails at once, naming the server, when it cannot be reached or written.
    pub async fn open(url: &str, site: &str) -> Result<Self, StoreError> {
        let pool = pool(url, POOL_SIZE)?;
        prepare(&pool, url).await?;
        let (jobs, rx) = mpsc::channel(QUEUE);
        let rx = Arc::new(tokio::sync::Mutex::new(rx));
        let degraded = Arc::new(Mutex::new(None));
        let writers = (0..WRITERS)
            .map(|_| tokio::spawn(writer_loop(pool.clone(), rx.clone(), degraded.clone())))
            .collect();
        Ok(Self {
            site: site.to_owned(),
            pool,
            jobs,
            writers: Mutex::new(writers),
            degraded,
        })
    }
}

type Pending = (Row, oneshot::Sender<Result<Inserted, StoreError>>);

/// Takes the queued inserts, up to [`MAX_BATCH`]; `None` when the store is closed and empty.
async fn next_batch(rx: &tokio::sync::Mutex<mpsc::Receiver<Job>>) -> Option<Vec<Pending>> {
    let mut rx = rx.lock().await;
    let mut batch = Vec::new();
    let take = |job: Job, rx: &mut mpsc::Receiver<Job>, batch: &mut Vec<Pending>| match job {
        Job::Insert { row, reply } => batch.push((row, reply)),
        // Refuses new inserts; what was queued before is still written.
        Job::Close => rx.close(),
    };
    while batch.is_empty() {
        let job = rx.recv().await?;
        take(job, &mut rx, &mut batch);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => take(job, &mut rx, &mut batch),
                Err(_) => break,
            }
        }
    }
    Some(batch)
}

async fn writer_loop(
    pool: Pool,
    rx: Arc<tokio::sync::Mutex<mpsc::Receiver<Job>>>,
    degraded: Arc<Mutex<Option<String>>>,
) {
    while let Some(batch) = next_batch(&rx).await {
        let result = write_batch(&pool, &batch).await;
        // The state changes are logged once; each refused answer is logged by its request.
        {
            let mut state = degraded.lock().unwrap_or_else(|e| e.into_inner());
            match (&result, state.is_some()) {
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
        }
        match result {
            Ok(outcomes) => {
                for ((_, reply), outcome) in batch.into_iter().zip(outcomes) {
                    let _ = reply.send(Ok(outcome));
                }
            }
            Err(e) => {
                let message = e.to_string();
                for (_, reply) in batch {
                    let _ = reply.send(Err(StoreError::Postgres(message.clone())));
                }
            }
        }
    }
}

/// Writes a batch in one transaction. `Ok` holds one outcome per answer, valid only because
/// the transaction committed; `Err` means nothing of the batch is stored.
async fn write_batch(pool: &Pool, batch: &[Pending]) -> Result<Vec<Inserted>, StoreError> {
    let rows: Vec<&Row> = batch.iter().map(|(row, _)| row).collect();
    let mut client = pool.get().await?;
    insert_rows(&mut client, &rows).await
}

/// Inserts `rows` in one committed transaction, once per client id; says which were new.
pub(super) async fn insert_rows(
    client: &mut deadpool_postgres::Client,
    rows: &[&Row],
) -> Result<Vec<Inserted>, StoreError> {
    let column = |f: fn(&Row) -> &str| rows.iter().map(|r| f(r)).collect::<Vec<&str>>();
    let versions: Vec<i64> = rows.iter().map(|r| i64::from(r.version)).collect();
    let stmt = client.prepare_cached(INSERT_BATCH).await?;
    let tx = client.transaction().await?;
    let new = tx
        .query(
            &stmt,
            &[
                &column(|r| &r.site),
                &column(|r| &r.client_id),
                &column(|r| &r.received_at),
                &column(|r| &r.service),
                &column(|r| &r.survey),
                &versions,
                &column(|r| &r.source),
                &column(|r| &r.lang),
                &column(|r| &r.answers),
            ],
        )
        .await?;
    tx.commit().await?;
    // The first of a batch's rows with a returned id is the one stored; later ones with the
    // same id (a retry that arrived together with its original) are duplicates.
    let mut fresh: HashMap<String, ()> = new.iter().map(|r| (r.get(0), ())).collect();
    Ok(rows
        .iter()
        .map(|r| match fresh.remove(&r.client_id) {
            Some(()) => Inserted::New,
            None => Inserted::Duplicate,
        })
        .collect())
}

impl Store for PgStore {
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
        let pool = self.pool.clone();
        let site = self.site.clone();
        Box::pin(async move {
            let client = pool.get().await?;
            let rows = client
                .query(
                    "SELECT client_id, received_at, service, survey, version, source, lang, answers
                     FROM answers WHERE site = $1 AND received_at >= $2 AND received_at < $3
                     ORDER BY received_at, id",
                    &[&site, &stamp(from), &stamp(to)],
                )
                .await?;
            rows.into_iter()
                .map(|r| {
                    let version: i64 = r.get(4);
                    Row {
                        site: site.clone(),
                        client_id: r.get(0),
                        received_at: r.get(1),
                        service: r.get(2),
                        survey: r.get(3),
                        version: u32::try_from(version).unwrap_or(u32::MAX),
                        source: r.get(5),
                        lang: r.get(6),
                        answers: r.get(7),
                    }
                    .into_stored()
                })
                .collect()
        })
    }

    fn close(&self) -> BoxFuture<'static, Result<(), StoreError>> {
        let jobs = self.jobs.clone();
        let writers = std::mem::take(&mut *self.writers.lock().unwrap_or_else(|e| e.into_inner()));
        let pool = self.pool.clone();
        Box::pin(async move {
            let _ = jobs.send(Job::Close).await;
            for writer in writers {
                writer.await.map_err(|_| StoreError::Closed)?;
            }
            pool.close();
            Ok(())
        })
    }

    fn degraded(&self) -> Option<String> {
        self.degraded
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    // --- Quarterly control: page votes, imported requests and calls (`pg_control`).

    fn insert_page_vote(&self, vote: PageVote) -> BoxFuture<'static, Result<(), StoreError>> {
        let (pool, site) = (self.pool.clone(), self.site.clone());
        Box::pin(async move { pg_control::insert_vote(&pool.get().await?, &site, &vote).await })
    }

    fn page_votes_between(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> BoxFuture<'static, Result<Vec<PageVote>, StoreError>> {
        let (pool, site) = (self.pool.clone(), self.site.clone());
        Box::pin(
            async move { pg_control::votes_between(&pool.get().await?, &site, from, to).await },
        )
    }

    fn import_requests(
        &self,
        rows: Vec<RequestRecord>,
    ) -> BoxFuture<'static, Result<Imported, StoreError>> {
        let (pool, site) = (self.pool.clone(), self.site.clone());
        Box::pin(
            async move { pg_control::import_requests(&mut pool.get().await?, &site, &rows).await },
        )
    }

    fn import_calls(
        &self,
        rows: Vec<CallRecord>,
    ) -> BoxFuture<'static, Result<Imported, StoreError>> {
        let (pool, site) = (self.pool.clone(), self.site.clone());
        Box::pin(
            async move { pg_control::import_calls(&mut pool.get().await?, &site, &rows).await },
        )
    }

    fn requests_between(
        &self,
        from: jiff::civil::Date,
        to: jiff::civil::Date,
    ) -> BoxFuture<'static, Result<Vec<RequestRecord>, StoreError>> {
        let (pool, site) = (self.pool.clone(), self.site.clone());
        Box::pin(
            async move { pg_control::requests_between(&pool.get().await?, &site, from, to).await },
        )
    }

    fn calls_between(
        &self,
        from: jiff::civil::Date,
        to: jiff::civil::Date,
    ) -> BoxFuture<'static, Result<Vec<CallRecord>, StoreError>> {
        let (pool, site) = (self.pool.clone(), self.site.clone());
        Box::pin(
            async move { pg_control::calls_between(&pool.get().await?, &site, from, to).await },
        )
    }
}
