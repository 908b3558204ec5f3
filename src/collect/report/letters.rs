//! Letters and calls (7.2 parts 2 and 3): figures of the imported mailbox and phone exports
//! for a period and the one before. Waits of letters count working days of the production
//! calendar, as the law's deadlines do.

use jiff::civil::Date;
use serde::Serialize;

use super::super::control_store::{CallRecord, RequestRecord};
use super::figures::decimal;
use super::stats::{Share, count_change};
use crate::check::Calendar;

/// Figures of the requests received in a period.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RequestFigures {
    /// Requests received.
    pub received: usize,
    /// Receipt confirmed within 24 hours (rule 4.3).
    pub acknowledged_24h: usize,
    /// Confirmed later than 24 hours, or never.
    pub not_acknowledged_24h: usize,
    /// Answered (by the day of the report's data).
    pub answered: usize,
    /// Not answered.
    pub unanswered: usize,
    /// Mean wait of the answered ones in working days, e.g. `3,5`; `—` without any.
    pub average_wait: String,
    /// Longest wait of the answered ones in working days.
    pub longest_wait: String,
    /// Longest wait of the unanswered ones so far (to the period's end), in working days.
    pub longest_open: String,
}

/// Figures of the calls of a period.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CallFigures {
    /// Calls.
    pub calls: usize,
    /// Answered.
    pub answered: usize,
    /// Missed.
    pub missed: usize,
    /// Share of missed calls with its interval.
    pub missed_share: Share,
    /// Mean wait in seconds, e.g. `42`; `—` without calls.
    pub average_wait: String,
    /// Longest wait in seconds.
    pub longest_wait: String,
}

/// Letters and calls now and in the previous period.
#[derive(Debug, Clone, Serialize)]
pub struct LettersAndCalls {
    /// Requests received this period.
    pub requests: RequestFigures,
    /// Requests received the period before.
    pub prev_requests: RequestFigures,
    /// Change of the requests received.
    pub received_change: String,
    /// Change of the unanswered.
    pub unanswered_change: String,
    /// Calls this period.
    pub calls: CallFigures,
    /// Calls the period before.
    pub prev_calls: CallFigures,
    /// Change of the missed calls.
    pub missed_change: String,
}

/// Working days after `from`'s day up to and including `to`'s day: a letter received on
/// Friday and answered on Monday waited one working day.
pub fn working_days_between(calendar: &Calendar, from: Date, to: Date) -> i64 {
    let mut n = 0;
    let mut day = from;
    while day < to {
        match day.tomorrow() {
            Ok(next) => day = next,
            Err(_) => break,
        }
        if calendar.is_working_day(day) {
            n += 1;
        }
    }
    n
}

fn mean_and_max(values: &[i64]) -> (String, String) {
    match values.iter().max() {
        Some(max) => (
            decimal(values.iter().sum::<i64>() as f64 / values.len() as f64, 1),
            max.to_string(),
        ),
        None => ("—".into(), "—".into()),
    }
}

/// Figures of `rows`; unanswered letters wait until `end`.
pub(super) fn request_figures(
    rows: &[RequestRecord],
    calendar: &Calendar,
    end: Date,
) -> RequestFigures {
    let within_24h = |r: &RequestRecord| {
        r.acknowledged
            .is_some_and(|a| r.received.duration_until(a).as_secs() <= 24 * 3600)
    };
    let ack = rows.iter().filter(|r| within_24h(r)).count();
    let waits: Vec<i64> = rows
        .iter()
        .filter_map(|r| {
            r.answered
                .map(|a| working_days_between(calendar, r.received.date(), a.date()))
        })
        .collect();
    let open: Vec<i64> = rows
        .iter()
        .filter(|r| r.answered.is_none())
        .map(|r| working_days_between(calendar, r.received.date(), end))
        .collect();
    let (average_wait, longest_wait) = mean_and_max(&waits);
    RequestFigures {
        received: rows.len(),
        acknowledged_24h: ack,
        not_acknowledged_24h: rows.len() - ack,
        answered: waits.len(),
        unanswered: open.len(),
        average_wait,
        longest_wait,
        longest_open: mean_and_max(&open).1,
    }
}

/// Figures of `rows`.
pub(super) fn call_figures(rows: &[CallRecord]) -> CallFigures {
    let answered = rows.iter().filter(|c| c.answered).count();
    let waits: Vec<i64> = rows.iter().map(|c| i64::from(c.wait_seconds)).collect();
    let (average_wait, longest_wait) = mean_and_max(&waits);
    CallFigures {
        calls: rows.len(),
        answered,
        missed: rows.len() - answered,
        missed_share: Share::of(rows.len() - answered, rows.len()),
        average_wait: average_wait.replace(",0", ""),
        longest_wait,
    }
}

impl LettersAndCalls {
    /// Letters and calls of a period (`now`) and the one before; letters still open wait
    /// until `end` (the period's last day, or today if earlier).
    pub fn build(
        now: (&[RequestRecord], &[CallRecord]),
        before: (&[RequestRecord], &[CallRecord]),
        calendar: &Calendar,
        end: Date,
        prev_end: Date,
    ) -> Self {
        let requests = request_figures(now.0, calendar, end);
        let prev_requests = request_figures(before.0, calendar, prev_end);
        let (calls, prev_calls) = (call_figures(now.1), call_figures(before.1));
        LettersAndCalls {
            received_change: count_change(requests.received, prev_requests.received),
            unanswered_change: count_change(requests.unanswered, prev_requests.unanswered),
            missed_change: count_change(calls.missed, prev_calls.missed),
            requests,
            prev_requests,
            calls,
            prev_calls,
        }
    }
}
