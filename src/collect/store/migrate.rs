//! `yasno collect migrate`: copies a SQLite store into PostgreSQL: the answers, then the
//! quarterly control's page votes, imported requests and calls.
//!
//! Idempotent: an answer whose client id PostgreSQL already holds is skipped, and so are a
//! request or a call whose key it holds, and as many copies of a vote as it holds; a second
//! run (or a run after an interrupted one) adds nothing twice. Each row keeps its site, time
//! and contents. Answers are committed a page at a time, so an interrupted copy keeps what it
//! committed; the control rows are one transaction.

use std::path::Path;

pub use super::pg_control::Copied;
use super::pg_control::copy_control;
use super::postgres::{insert_rows, pool, prepare};
use super::sqlite::RowReader;
use super::{Inserted, StoreError};

/// Rows read and written per transaction.
const PAGE: usize = 1000;

/// What a migration did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MigrateReport {
    /// Rows read from the SQLite file.
    pub read: u64,
    /// Rows copied (new in PostgreSQL).
    pub copied: u64,
    /// Rows skipped: PostgreSQL already had their client id.
    pub skipped: u64,
    /// "Is this page useful?" votes.
    pub votes: Copied,
    /// Imported requests (letters).
    pub requests: Copied,
    /// Imported calls.
    pub calls: Copied,
}

/// Copies every answer, vote, request and call of the SQLite file `from` (all its sites) into
/// the PostgreSQL database at `to`, whose schema it creates or updates first.
pub async fn migrate_sqlite_to_pg(from: &Path, to: &str) -> Result<MigrateReport, StoreError> {
    let mut reader = RowReader::open(from)?;
    let pool = pool(to, 1)?;
    prepare(&pool, to).await?;
    let mut client = pool.get().await?;
    let mut report = MigrateReport::default();
    loop {
        // A page at a time keeps memory flat for big files. The read blocks, briefly: this
        // runs alone in a one-shot command, not beside request handlers.
        let page = reader.next_page(PAGE)?;
        if page.is_empty() {
            break;
        }
        let rows: Vec<_> = page.iter().collect();
        let outcomes = insert_rows(&mut client, &rows).await?;
        report.read += rows.len() as u64;
        for outcome in outcomes {
            match outcome {
                Inserted::New => report.copied += 1,
                Inserted::Duplicate => report.skipped += 1,
            }
        }
    }
    let control = crate::collect::control_store::all_rows(from)?;
    (report.votes, report.requests, report.calls) = copy_control(&mut client, &control).await?;
    Ok(report)
}
