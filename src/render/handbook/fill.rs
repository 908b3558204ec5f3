//! Filling a staff text's placeholders from the service model and the settings, so a
//! letter can never state another deadline than the service page.
//!
//! Due dates are left as markers (a private-use character around an index) and become
//! `<time class="due">` elements after the Markdown is rendered: the handbook's form moves
//! them when an employee enters the date a request arrived.

use jiff::civil::Date;

use super::super::i18n::Strings;
use super::super::views::{deadline_text, document_form_label, fee_text};
use crate::handbook::{LAW_59_DAYS, due_date, due_rule};
use crate::site::calendar::Calendar;
use crate::site::staff::{StaffText, placeholders};
use crate::site::{DayKind, Fee, Service, Settings};

/// Opens and closes a due-date marker in filled Markdown.
pub(super) const DUE_OPEN: char = '\u{E000}';
/// See [`DUE_OPEN`].
pub(super) const DUE_CLOSE: char = '\u{E001}';

/// One due date a filled text states.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Due {
    /// Days of the deadline.
    pub days: u32,
    /// Working or calendar days.
    pub kind: DayKind,
    /// The date for a request received on the build's day.
    pub date: Date,
}

/// A text with its placeholders filled.
#[derive(Debug, Clone)]
pub struct Filled {
    /// Markdown, with due-date markers.
    pub markdown: String,
    /// The due dates the markers stand for, by index.
    pub dues: Vec<Due>,
}

/// What the placeholders are filled from.
pub(super) struct Facts<'a> {
    pub settings: &'a Settings,
    pub strings: &'a Strings,
    pub calendar: &'a Calendar,
    /// The day a request is taken as received (the build's day).
    pub today: Date,
}

/// Fills `source[from..to]` of `text` for `service` (`None` for a site-wide text).
pub(super) fn fill(
    text: &StaffText,
    from: usize,
    to: usize,
    service: Option<&Service>,
    facts: &Facts<'_>,
) -> Filled {
    let src = &text.source[..to];
    let mut out = Filled {
        markdown: String::with_capacity(to - from + 256),
        dues: Vec::new(),
    };
    let mut at = from;
    for p in placeholders(src, from).into_iter().filter_map(Result::ok) {
        out.markdown.push_str(&src[at..p.span.start]);
        // A list placeholder alone on its line becomes a Markdown list.
        let line_start = src[..p.span.start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = src[p.span.end..]
            .find('\n')
            .map_or(src.len(), |i| p.span.end + i);
        let alone = src[line_start..p.span.start].trim().is_empty()
            && src[p.span.end..line_end].trim().is_empty();
        let value = value(&p.name, alone, service, facts, &mut out.dues);
        out.markdown.push_str(&value);
        at = p.span.end;
        // A value that ends a sentence itself («… до 14:00.») before the text's own full stop.
        if value.ends_with('.') && src[at..].starts_with('.') {
            at += 1;
        }
    }
    out.markdown.push_str(&src[at..]);
    out
}

fn due_marker(days: u32, kind: DayKind, facts: &Facts<'_>, dues: &mut Vec<Due>) -> String {
    let date = due_date(facts.today, days, kind, facts.calendar);
    dues.push(Due { days, kind, date });
    format!("{DUE_OPEN}{}{DUE_CLOSE}", dues.len() - 1)
}

fn list(items: Vec<String>, alone: bool) -> String {
    if items.is_empty() {
        return "[впишите сами: в описании услуги этого списка нет]".into();
    }
    if alone {
        items
            .iter()
            .map(|i| format!("- {i}"))
            .collect::<Vec<_>>()
            .join("\n")
    } else {
        items.join("; ")
    }
}

/// The text of one placeholder. Names are checked at load, so an unknown one cannot occur;
/// it is left as written.
fn value(
    name: &str,
    alone: bool,
    svc: Option<&Service>,
    f: &Facts<'_>,
    dues: &mut Vec<Due>,
) -> String {
    let s = f.settings;
    let contacts = svc.map_or(&s.contacts, |x| &x.contacts);
    let reception = svc.map_or(&s.reception, |x| &x.reception);
    let page = svc.map(|x| format!("{}{}", s.base_url, x.url_path(s)));
    match (name, svc) {
        ("due_date", _) => {
            let (days, kind) = due_rule(svc);
            due_marker(days, kind, f, dues)
        }
        ("answer_date", _) => due_marker(LAW_59_DAYS, DayKind::Calendar, f, dues),
        ("phone", _) => contacts.phone.clone(),
        ("phone_hours", _) => contacts.phone_hours.clone(),
        ("email", _) => contacts.email.clone(),
        ("address", _) => reception.address.clone(),
        ("reception_hours", _) => reception.hours.clone(),
        ("site", _) => s.name.clone(),
        ("employee", _) => "[имя и фамилия сотрудника]".into(),
        // A site-wide text invites to the site itself (its pages ask whether they helped).
        ("survey_url", None) => format!("{}/", s.base_url),
        ("survey_url", Some(_)) => format!("{}#survey", page.unwrap_or_default()),
        ("service_url", Some(_)) => page.unwrap_or_default(),
        ("service", Some(x)) => x.meta.title.clone(),
        ("deadline", Some(x)) => {
            deadline_text(x.meta.deadline.days, x.meta.deadline.kind, f.strings)
        }
        ("result", Some(x)) => x.meta.result.clone(),
        ("fee", Some(x)) => match &x.meta.fee {
            Fee::Paid {
                purpose: Some(p), ..
            } => format!("{} ({p})", fee_text(&x.meta.fee, f.strings)),
            fee => fee_text(fee, f.strings),
        },
        ("documents", Some(x)) => list(
            x.meta
                .documents
                .iter()
                .map(|d| format!("{} ({})", d.name, document_form_label(d.form, f.strings)))
                .collect(),
            alone,
        ),
        ("refusal_grounds", Some(x)) => list(
            x.refusal_grounds
                .iter()
                .map(|g| format!("{} Что делать: {}", g.ground, g.remedy))
                .collect(),
            alone,
        ),
        _ => format!("{{{{ {name} }}}}"),
    }
}
