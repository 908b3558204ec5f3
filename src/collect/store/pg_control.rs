//! The quarterly control's data in PostgreSQL (page votes, imported requests and calls): the
//! same tables, keys and all-or-nothing imports as the SQLite block in
//! [`crate::collect::control_store`], each row with its site.

use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use tokio_postgres::types::ToSql;

use super::{StoreError, stamp};
use crate::collect::control_store::{
    CallRecord, ControlRows, Imported, PageVote, RequestRecord, civil, day_bounds,
};

/// Schema version 2: the control tables. Text times, as in `answers`, so they sort as text.
pub(super) const MIGRATION: &str = "CREATE TABLE page_votes (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        site TEXT NOT NULL,
        received_at TEXT NOT NULL,
        page TEXT NOT NULL,
        useful BOOLEAN NOT NULL,
        text TEXT NOT NULL,
        lang TEXT NOT NULL
    );
    CREATE INDEX page_votes_by_site_time ON page_votes(site, received_at);
    CREATE TABLE requests (
        site TEXT NOT NULL,
        id TEXT NOT NULL,
        channel TEXT NOT NULL,
        received TEXT NOT NULL,
        acknowledged TEXT,
        answered TEXT,
        PRIMARY KEY (site, id)
    );
    CREATE INDEX requests_by_received ON requests(site, received);
    CREATE TABLE calls (
        site TEXT NOT NULL,
        time TEXT NOT NULL,
        answered BOOLEAN NOT NULL,
        wait_seconds BIGINT NOT NULL,
        PRIMARY KEY (site, time, answered, wait_seconds)
    );";

fn corrupt(column: &str, text: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("bad {column} {text:?}: {e}"))
}

fn parse_civil(column: &str, text: &str) -> Result<DateTime, StoreError> {
    text.parse().map_err(|e| corrupt(column, text, e))
}

/// Stores one vote, committed (synchronously) before it returns.
pub(super) async fn insert_vote(
    client: &deadpool_postgres::Client,
    site: &str,
    vote: &PageVote,
) -> Result<(), StoreError> {
    client
        .execute(
            "INSERT INTO page_votes (site, received_at, page, useful, text, lang)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &site,
                &stamp(vote.received_at),
                &vote.page,
                &vote.useful,
                &vote.text,
                &vote.lang,
            ],
        )
        .await?;
    Ok(())
}

/// The site's votes received in `[from, to)`, oldest first.
pub(super) async fn votes_between(
    client: &deadpool_postgres::Client,
    site: &str,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<PageVote>, StoreError> {
    let rows = client
        .query(
            "SELECT received_at, page, useful, text, lang FROM page_votes
             WHERE site = $1 AND received_at >= $2 AND received_at < $3
             ORDER BY received_at, id",
            &[&site, &stamp(from), &stamp(to)],
        )
        .await?;
    rows.into_iter()
        .map(|r| {
            let at: String = r.get(0);
            Ok(PageVote {
                received_at: at.parse().map_err(|e| corrupt("received_at", &at, e))?,
                page: r.get(1),
                useful: r.get(2),
                text: r.get(3),
                lang: r.get(4),
            })
        })
        .collect()
}

/// Stores `rows` in one transaction: all or none; a known id takes the newer export's times.
pub(super) async fn import_requests(
    client: &mut deadpool_postgres::Client,
    site: &str,
    rows: &[RequestRecord],
) -> Result<Imported, StoreError> {
    let tx = client.transaction().await?;
    let mut outcome = Imported { new: 0, known: 0 };
    for r in rows {
        let ack = r.acknowledged.map(civil);
        let answered = r.answered.map(civil);
        // `xmax = 0` only for a row this statement inserted, not for one it updated.
        let inserted: bool = tx
            .query_one(
                "INSERT INTO requests (site, id, channel, received, acknowledged, answered)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (site, id) DO UPDATE SET channel = excluded.channel,
                   received = excluded.received, acknowledged = excluded.acknowledged,
                   answered = excluded.answered
                 RETURNING (xmax = 0)",
                &[
                    &site,
                    &r.id,
                    &r.channel,
                    &civil(r.received),
                    &ack,
                    &answered,
                ],
            )
            .await?
            .get(0);
        if inserted {
            outcome.new += 1;
        } else {
            outcome.known += 1;
        }
    }
    tx.commit().await?;
    Ok(outcome)
}

/// Stores `rows` in one transaction: all or none; a known call is stored once.
pub(super) async fn import_calls(
    client: &mut deadpool_postgres::Client,
    site: &str,
    rows: &[CallRecord],
) -> Result<Imported, StoreError> {
    let tx = client.transaction().await?;
    let mut outcome = Imported { new: 0, known: 0 };
    for c in rows {
        let wait = i64::from(c.wait_seconds);
        let params: [&(dyn ToSql + Sync); 4] = [&site, &civil(c.time), &c.answered, &wait];
        match tx
            .execute(
                "INSERT INTO calls (site, time, answered, wait_seconds) VALUES ($1, $2, $3, $4)
                 ON CONFLICT DO NOTHING",
                &params,
            )
            .await?
        {
            0 => outcome.known += 1,
            _ => outcome.new += 1,
        }
    }
    tx.commit().await?;
    Ok(outcome)
}

/// The site's requests received on days `from..=to`, by time of receipt.
pub(super) async fn requests_between(
    client: &deadpool_postgres::Client,
    site: &str,
    from: Date,
    to: Date,
) -> Result<Vec<RequestRecord>, StoreError> {
    let (a, b) = day_bounds(from, to);
    let rows = client
        .query(
            "SELECT id, channel, received, acknowledged, answered FROM requests
             WHERE site = $1 AND received >= $2 AND received < $3 ORDER BY received, id",
            &[&site, &a, &b],
        )
        .await?;
    rows.into_iter()
        .map(|r| {
            let opt = |i: usize, column: &str| -> Result<Option<DateTime>, StoreError> {
                r.get::<_, Option<String>>(i)
                    .map(|t| parse_civil(column, &t))
                    .transpose()
            };
            Ok(RequestRecord {
                id: r.get(0),
                channel: r.get(1),
                received: parse_civil("received", &r.get::<_, String>(2))?,
                acknowledged: opt(3, "acknowledged")?,
                answered: opt(4, "answered")?,
            })
        })
        .collect()
}

/// The site's calls on days `from..=to`, by time.
pub(super) async fn calls_between(
    client: &deadpool_postgres::Client,
    site: &str,
    from: Date,
    to: Date,
) -> Result<Vec<CallRecord>, StoreError> {
    let (a, b) = day_bounds(from, to);
    let rows = client
        .query(
            "SELECT time, answered, wait_seconds FROM calls
             WHERE site = $1 AND time >= $2 AND time < $3 ORDER BY time",
            &[&site, &a, &b],
        )
        .await?;
    rows.into_iter()
        .map(|r| {
            let wait: i64 = r.get(2);
            Ok(CallRecord {
                time: parse_civil("time", &r.get::<_, String>(0))?,
                answered: r.get(1),
                wait_seconds: u32::try_from(wait).unwrap_or(u32::MAX),
            })
        })
        .collect()
}

/// Rows a migration copied and skipped, per table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Copied {
    /// Rows new in PostgreSQL.
    pub copied: u64,
    /// Rows PostgreSQL already held.
    pub skipped: u64,
}

impl Copied {
    fn count(&mut self, new: bool) {
        if new {
            self.copied += 1;
        } else {
            self.skipped += 1;
        }
    }
}

/// What [`copy_control`] did: votes, requests, calls.
pub(super) type ControlCopied = (Copied, Copied, Copied);

/// Copies a SQLite file's control rows in one transaction, never twice and never over what
/// PostgreSQL holds. Requests and calls have keys. Votes have none (two alike can come in
/// one second: the time is stored to the second), so each distinct vote is copied as many
/// times as the file has it more than PostgreSQL does.
pub(super) async fn copy_control(
    client: &mut deadpool_postgres::Client,
    rows: &ControlRows,
) -> Result<ControlCopied, StoreError> {
    let tx = client.transaction().await?;
    let mut votes = Copied::default();
    let mut alike: std::collections::HashMap<(&str, String, &str, bool, &str, &str), i64> =
        std::collections::HashMap::new();
    for (site, v) in &rows.votes {
        let key = (
            site.as_str(),
            stamp(v.received_at),
            v.page.as_str(),
            v.useful,
            v.text.as_str(),
            v.lang.as_str(),
        );
        *alike.entry(key).or_default() += 1;
    }
    let mut alike: Vec<_> = alike.into_iter().collect();
    alike.sort();
    for ((site, at, page, useful, text, lang), in_file) in alike {
        let held: i64 = tx
            .query_one(
                "SELECT count(*) FROM page_votes WHERE site = $1 AND received_at = $2
                 AND page = $3 AND useful = $4 AND text = $5 AND lang = $6",
                &[&site, &at, &page, &useful, &text, &lang],
            )
            .await?
            .get(0);
        for i in 0..in_file {
            let new = i >= held;
            if new {
                tx.execute(
                    "INSERT INTO page_votes (site, received_at, page, useful, text, lang)
                     VALUES ($1, $2, $3, $4, $5, $6)",
                    &[&site, &at, &page, &useful, &text, &lang],
                )
                .await?;
            }
            votes.count(new);
        }
    }
    let mut requests = Copied::default();
    for (site, r) in &rows.requests {
        let ack = r.acknowledged.map(civil);
        let answered = r.answered.map(civil);
        let n = tx
            .execute(
                "INSERT INTO requests (site, id, channel, received, acknowledged, answered)
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
                &[site, &r.id, &r.channel, &civil(r.received), &ack, &answered],
            )
            .await?;
        requests.count(n > 0);
    }
    let mut calls = Copied::default();
    for (site, c) in &rows.calls {
        let wait = i64::from(c.wait_seconds);
        let params: [&(dyn ToSql + Sync); 4] = [site, &civil(c.time), &c.answered, &wait];
        let n = tx
            .execute(
                "INSERT INTO calls (site, time, answered, wait_seconds) VALUES ($1, $2, $3, $4)
                 ON CONFLICT DO NOTHING",
                &params,
            )
            .await?;
        calls.count(n > 0);
    }
    tx.commit().await?;
    Ok((votes, requests, calls))
}
