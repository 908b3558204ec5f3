//! The staff handbook as data (sections 4–7.2 of the rules): which services each letter
//! template or call script expands to, the due dates it states, and its coverage (which
//! services lack which texts, which site-wide situations have no answer).
//!
//! The texts themselves are loaded with the site ([`crate::site::staff`]); `yasno check`
//! reads the coverage from here, the renderer writes the handbook (`render::handbook`), and
//! the quarterly report can call [`coverage`] too. Nothing here does I/O.

use std::path::PathBuf;

use jiff::civil::Date;

use crate::site::calendar::Calendar;
use crate::site::staff::{Handbook, Kind, Situation, StaffText};
use crate::site::{ApplyKind, DayKind, Service, Site};

/// Days for an answer to a written request by the federal law 59-ФЗ (article 12).
pub const LAW_59_DAYS: u32 = 30;

/// The day a request received on `received` must be answered by: `days` working days
/// counted by the production calendar, or `days` calendar days moved forward to the next
/// working day when the last one is a day off (as the Civil Code counts terms, art. 193).
pub fn due_date(received: Date, days: u32, kind: DayKind, calendar: &Calendar) -> Date {
    match kind {
        DayKind::Working => calendar.add_working_days(received, days),
        DayKind::Calendar => {
            let mut day = received
                .checked_add(jiff::Span::new().days(i64::from(days)))
                .unwrap_or(received);
            while !calendar.is_working_day(day) {
                match day.tomorrow() {
                    Ok(next) => day = next,
                    Err(_) => break,
                }
            }
            day
        }
    }
}

/// The deadline a text's `{{ due_date }}` counts: the service's own, or 30 calendar days by
/// 59-ФЗ for a site-wide text.
pub fn due_rule(service: Option<&Service>) -> (u32, DayKind) {
    match service {
        Some(s) => (s.meta.deadline.days, s.meta.deadline.kind),
        None => (LAW_59_DAYS, DayKind::Calendar),
    }
}

/// The services a text expands to, in the site's order: one `None` for a site-wide text.
pub fn targets<'a>(site: &'a Site, text: &StaffText) -> Vec<Option<&'a Service>> {
    if text.is_site_wide() {
        return vec![None];
    }
    site.default_lang_services()
        .filter(|s| text.covers(s))
        .map(Some)
        .collect()
}

/// The kinds every service needs in the handbook. A booking confirmation is needed only
/// where people can come in person.
pub fn required_kinds(service: &Service) -> Vec<Kind> {
    let in_person = service
        .meta
        .apply
        .iter()
        .any(|a| a.kind == ApplyKind::InPerson)
        || service.meta.apply.is_empty();
    let mut kinds = vec![
        Kind::Acknowledgement,
        Kind::Answer,
        Kind::Status,
        Kind::Refusal,
    ];
    if in_person {
        kinds.push(Kind::Booking);
    }
    kinds.extend([Kind::IncomingCall, Kind::OutgoingCall]);
    kinds
}

/// One service's gaps.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ServiceCoverage {
    /// Slug.
    pub slug: String,
    /// Title.
    pub title: String,
    /// The service file, for findings.
    pub source_path: PathBuf,
    /// Kinds the service needs and no text covers.
    pub missing: Vec<Kind>,
}

/// What the handbook lacks (7.2: the quarterly check that answers and scripts exist).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Coverage {
    /// Services of the site's language with at least one missing kind, in the site's order.
    pub services: Vec<ServiceCoverage>,
    /// No-decision situations (4.8) with no site-wide answer.
    pub missing_situations: Vec<Situation>,
    /// How many services were looked at.
    pub services_total: usize,
}

impl Coverage {
    /// Nothing is missing.
    pub fn is_complete(&self) -> bool {
        self.services.is_empty() && self.missing_situations.is_empty()
    }
}

/// Which services lack which texts and which situations lack an answer.
pub fn coverage(site: &Site, handbook: &Handbook) -> Coverage {
    let mut out = Coverage::default();
    for svc in site.default_lang_services() {
        out.services_total += 1;
        let missing: Vec<Kind> = required_kinds(svc)
            .into_iter()
            .filter(|k| {
                !handbook
                    .texts
                    .iter()
                    .any(|t| t.meta.kind == *k && t.covers(svc))
            })
            .collect();
        if !missing.is_empty() {
            out.services.push(ServiceCoverage {
                slug: svc.slug.clone(),
                title: svc.meta.title.clone(),
                source_path: svc.source_path.clone(),
                missing,
            });
        }
    }
    out.missing_situations = Situation::ALL
        .into_iter()
        .filter(|s| {
            !handbook
                .texts
                .iter()
                .any(|t| t.meta.kind == Kind::NoDecision && t.meta.situation == Some(*s))
        })
        .collect();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn working_days_skip_holidays_and_count_transferred_working_saturdays() {
        let c = Calendar::russia();
        // Fri 31 Oct 2025 + 1 working day: Sat 1 Nov 2025 was a working day by decree.
        assert_eq!(
            due_date(date(2025, 10, 31), 1, DayKind::Working, &c),
            date(2025, 11, 1)
        );
        // ... and Mon 3 Nov 2025 was the day off it was moved to.
        assert_eq!(
            due_date(date(2025, 11, 1), 1, DayKind::Working, &c),
            date(2025, 11, 5)
        );
        // New Year holidays: 29 Dec 2025 + 3 working days: 30 Dec, then 12 and 13 Jan 2026.
        assert_eq!(
            due_date(date(2025, 12, 29), 3, DayKind::Working, &c),
            date(2026, 1, 13)
        );
    }

    #[test]
    fn calendar_days_move_off_a_day_off() {
        let c = Calendar::russia();
        // 30 days from 8 Dec 2025 is 7 Jan 2026, a holiday: the term ends on 12 Jan.
        assert_eq!(
            due_date(date(2025, 12, 8), LAW_59_DAYS, DayKind::Calendar, &c),
            date(2026, 1, 12)
        );
        assert_eq!(
            due_date(date(2026, 4, 1), 30, DayKind::Calendar, &c),
            date(2026, 5, 4)
        );
    }
}
