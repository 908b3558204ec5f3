//! Storage for the quarterly control (issue 18), kept apart from the answers so that another
//! [`Store`](super::Store) implementation can port it in one piece: page-usefulness votes,
//! and the requests (letters) and calls imported from the mailbox and phone exports.
//!
//! Every row carries the site it belongs to, like the answers, so one store serves many
//! sites and each reads only its own.
//!
//! Invariants: an import is one transaction (all rows or none); a request is keyed by its
//! id and a call by its time, outcome and wait, so importing the same export twice stores
//! nothing twice; a vote holds the page path, yes/no, an optional text, the page language
//! and the time, never an address.

use std::path::Path;

use jiff::Timestamp;
use jiff::civil::DateTime;
use rusqlite::{Connection, OpenFlags, params};

use super::store::StoreError;

/// Schema of this block, appended after the answers' migrations (append, never edit).
pub(crate) const MIGRATIONS: &[&str] = &["CREATE TABLE page_votes (
        id INTEGER PRIMARY KEY,
        site TEXT NOT NULL,
        received_at TEXT NOT NULL,
        page TEXT NOT NULL,
        useful INTEGER NOT NULL,
        text TEXT NOT NULL,
        lang TEXT NOT NULL
    ) STRICT;
    CREATE INDEX page_votes_by_site_time ON page_votes(site, received_at);
    CREATE TABLE requests (
        site TEXT NOT NULL,
        id TEXT NOT NULL,
        channel TEXT NOT NULL,
        received TEXT NOT NULL,
        acknowledged TEXT,
        answered TEXT,
        PRIMARY KEY (site, id)
    ) STRICT;
    CREATE INDEX requests_by_received ON requests(site, received);
    CREATE TABLE calls (
        site TEXT NOT NULL,
        time TEXT NOT NULL,
        answered INTEGER NOT NULL,
        wait_seconds INTEGER NOT NULL,
        PRIMARY KEY (site, time, answered, wait_seconds)
    ) STRICT;"];

/// A "Is this page useful?" vote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageVote {
    /// When it was received (UTC, whole seconds).
    pub received_at: Timestamp,
    /// Site path of the page, e.g. `/kontakty/`.
    pub page: String,
    /// Yes or no.
    pub useful: bool,
    /// "What was wrong", as sent (masked when shown).
    pub text: String,
    /// Page language.
    pub lang: String,
}

/// A request (letter, e-mail, form) from the mailbox export; times are the office's local
/// civil time, as the export gives them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    /// The mailbox's id of the request.
    pub id: String,
    /// Channel, e.g. `email`, `letter`, `site`.
    pub channel: String,
    /// When it came in.
    pub received: DateTime,
    /// When its receipt was confirmed, if it was.
    pub acknowledged: Option<DateTime>,
    /// When it was answered, if it was.
    pub answered: Option<DateTime>,
}

/// A call from the phone system's export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallRecord {
    /// When the call came in (local civil time).
    pub time: DateTime,
    /// Answered (true) or missed.
    pub answered: bool,
    /// Seconds the caller waited.
    pub wait_seconds: u32,
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Imported {
    /// Rows not stored before.
    pub new: usize,
    /// Rows already stored (a request's times are updated from the newer export).
    pub known: usize,
}

fn stamp(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

pub(crate) fn civil(t: DateTime) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S").to_string()
}

fn read_only(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|source| StoreError::Open {
        path: path.to_owned(),
        source,
    })?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(conn)
}

fn read_write(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|source| StoreError::Open {
        path: path.to_owned(),
        source,
    })?;
    // Votes are few: a connection of their own waits for the answer writer's lock.
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    Ok(conn)
}

/// Stores one vote, committed before it returns.
pub(crate) fn insert_vote(path: &Path, site: &str, vote: &PageVote) -> Result<(), StoreError> {
    let conn = read_write(path)?;
    conn.execute(
        "INSERT INTO page_votes (site, received_at, page, useful, text, lang)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            site,
            stamp(vote.received_at),
            vote.page,
            vote.useful,
            vote.text,
            vote.lang
        ],
    )?;
    Ok(())
}

/// Votes received in `[from, to)`, oldest first.
pub(crate) fn votes_between(
    path: &Path,
    site: &str,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<PageVote>, StoreError> {
    let conn = read_only(path)?;
    let mut stmt = conn.prepare(
        "SELECT received_at, page, useful, text, lang FROM page_votes
         WHERE site = ?1 AND received_at >= ?2 AND received_at < ?3 ORDER BY received_at, id",
    )?;
    let rows = stmt.query_map(params![site, stamp(from), stamp(to)], |r| vote_at(r, 0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A vote from the columns `received_at, page, useful, text, lang` starting at `first`.
fn vote_at(r: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<PageVote> {
    let at: String = r.get(first)?;
    Ok(PageVote {
        received_at: at.parse().map_err(|e| bad_value("received_at", &at, e))?,
        page: r.get(first + 1)?,
        useful: r.get(first + 2)?,
        text: r.get(first + 3)?,
        lang: r.get(first + 4)?,
    })
}

/// A request from the columns `id, channel, received, acknowledged, answered` starting at
/// `first`.
fn request_at(r: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<RequestRecord> {
    let opt = |i: usize, column: &str| -> rusqlite::Result<Option<DateTime>> {
        r.get::<_, Option<String>>(first + i)?
            .map(|t| parse_civil(column, &t))
            .transpose()
    };
    Ok(RequestRecord {
        id: r.get(first)?,
        channel: r.get(first + 1)?,
        received: parse_civil("received", &r.get::<_, String>(first + 2)?)?,
        acknowledged: opt(3, "acknowledged")?,
        answered: opt(4, "answered")?,
    })
}

/// A call from the columns `time, answered, wait_seconds` starting at `first`.
fn call_at(r: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<CallRecord> {
    Ok(CallRecord {
        time: parse_civil("time", &r.get::<_, String>(first)?)?,
        answered: r.get(first + 1)?,
        wait_seconds: r.get(first + 2)?,
    })
}

fn bad_value(column: &str, text: &str, e: impl std::fmt::Display) -> rusqlite::Error {
    rusqlite::Error::InvalidParameterName(format!("bad {column} {text:?}: {e}"))
}

fn parse_civil(column: &str, text: &str) -> Result<DateTime, rusqlite::Error> {
    text.parse().map_err(|e| bad_value(column, text, e))
}

/// Stores `rows` in one transaction: all or none.
pub(crate) fn import_requests(
    path: &Path,
    site: &str,
    rows: &[RequestRecord],
) -> Result<Imported, StoreError> {
    let mut conn = read_write(path)?;
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let mut outcome = Imported { new: 0, known: 0 };
    {
        let mut exists = tx.prepare("SELECT 1 FROM requests WHERE site = ?1 AND id = ?2")?;
        let mut upsert = tx.prepare(
            "INSERT INTO requests (site, id, channel, received, acknowledged, answered)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (site, id) DO UPDATE SET channel = excluded.channel,
               received = excluded.received, acknowledged = excluded.acknowledged,
               answered = excluded.answered",
        )?;
        for r in rows {
            if exists.exists(params![site, r.id])? {
                outcome.known += 1;
            } else {
                outcome.new += 1;
            }
            upsert.execute(params![
                site,
                r.id,
                r.channel,
                civil(r.received),
                r.acknowledged.map(civil),
                r.answered.map(civil),
            ])?;
        }
    }
    tx.commit()?;
    Ok(outcome)
}

/// Stores `rows` in one transaction: all or none.
pub(crate) fn import_calls(
    path: &Path,
    site: &str,
    rows: &[CallRecord],
) -> Result<Imported, StoreError> {
    let mut conn = read_write(path)?;
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let mut outcome = Imported { new: 0, known: 0 };
    {
        let mut insert = tx.prepare(
            "INSERT INTO calls (site, time, answered, wait_seconds) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT DO NOTHING",
        )?;
        for c in rows {
            match insert.execute(params![site, civil(c.time), c.answered, c.wait_seconds])? {
                0 => outcome.known += 1,
                _ => outcome.new += 1,
            }
        }
    }
    tx.commit()?;
    Ok(outcome)
}

/// Requests received on days `from..=to` (civil dates), by time of receipt.
pub(crate) fn requests_between(
    path: &Path,
    site: &str,
    from: jiff::civil::Date,
    to: jiff::civil::Date,
) -> Result<Vec<RequestRecord>, StoreError> {
    let conn = read_only(path)?;
    let mut stmt = conn.prepare(
        "SELECT id, channel, received, acknowledged, answered FROM requests
         WHERE site = ?1 AND received >= ?2 AND received < ?3 ORDER BY received, id",
    )?;
    let (a, b) = day_bounds(from, to);
    let rows = stmt.query_map(params![site, a, b], |r| request_at(r, 0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Calls on days `from..=to` (civil dates), by time.
pub(crate) fn calls_between(
    path: &Path,
    site: &str,
    from: jiff::civil::Date,
    to: jiff::civil::Date,
) -> Result<Vec<CallRecord>, StoreError> {
    let conn = read_only(path)?;
    let mut stmt = conn.prepare(
        "SELECT time, answered, wait_seconds FROM calls
         WHERE site = ?1 AND time >= ?2 AND time < ?3 ORDER BY time",
    )?;
    let (a, b) = day_bounds(from, to);
    let rows = stmt.query_map(params![site, a, b], |r| call_at(r, 0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Every vote, request and call of a file, of every site (each with its site): what
/// `yasno collect migrate` copies beside the answers.
#[derive(Debug, Default)]
pub(crate) struct ControlRows {
    /// `(site, vote)`, oldest first.
    pub(crate) votes: Vec<(String, PageVote)>,
    /// `(site, request)`.
    pub(crate) requests: Vec<(String, RequestRecord)>,
    /// `(site, call)`.
    pub(crate) calls: Vec<(String, CallRecord)>,
}

/// Reads [`ControlRows`] from the file at `path`, whose schema is up to date. These tables
/// are small beside the answers (a vote per page visit at most, a row per letter or call), so
/// they are read whole.
pub(crate) fn all_rows(path: &Path) -> Result<ControlRows, StoreError> {
    let conn = read_only(path)?;
    let mut stmt = conn.prepare(
        "SELECT site, received_at, page, useful, text, lang FROM page_votes ORDER BY id",
    )?;
    let votes = stmt
        .query_map([], |r| Ok((r.get(0)?, vote_at(r, 1)?)))?
        .collect::<Result<_, _>>()?;
    let mut stmt = conn.prepare(
        "SELECT site, id, channel, received, acknowledged, answered FROM requests ORDER BY site, id",
    )?;
    let requests = stmt
        .query_map([], |r| Ok((r.get(0)?, request_at(r, 1)?)))?
        .collect::<Result<_, _>>()?;
    let mut stmt =
        conn.prepare("SELECT site, time, answered, wait_seconds FROM calls ORDER BY site, time")?;
    let calls = stmt
        .query_map([], |r| Ok((r.get(0)?, call_at(r, 1)?)))?
        .collect::<Result<_, _>>()?;
    Ok(ControlRows {
        votes,
        requests,
        calls,
    })
}

/// `[from 00:00, the day after to 00:00)` as stored text (civil times sort as text).
pub(crate) fn day_bounds(from: jiff::civil::Date, to: jiff::civil::Date) -> (String, String) {
    let end = to.tomorrow().unwrap_or(to);
    (format!("{from}T00:00:00"), format!("{end}T00:00:00"))
}
