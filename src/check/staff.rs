//! Structure rules for the staff handbook's texts (`content/staff/`), sections 4–5 of the
//! rules, and the handbook's coverage (7.2).
//!
//! Parts are recognised by level-2 headings with fixed names (see
//! [`crate::site::staff::PART_NAMES`]); the survey invitation by the `{{ survey_url }}`
//! placeholder, the refusal grounds by `{{ refusal_grounds }}`, the documents of a booking by
//! `{{ documents }}`. A missing part is reported at the text's `kind` (the line that says
//! what the text must contain); a part that lacks its fact, at the part's heading.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use super::{CheckConfig, Finding, Hit, Interner, Severity, rows};
use crate::handbook::{Coverage, coverage};
use crate::site::staff::{Kind, Part, StaffText, parts, placeholders};
use crate::site::{Service, Site};

/// Parts an incoming-call script must have (5.9), with plain names for messages.
const INCOMING: &[(&str, &str)] = &[
    ("greeting", "Приветствие"),
    ("identify", "Кто звонит"),
    ("purpose", "Цель звонка"),
    ("rephrase", "Проверка понимания"),
    ("answer", "Ответ"),
    ("hold", "Ожидание на линии"),
    ("callback", "Обратный звонок"),
    ("farewell", "Прощание"),
];

/// Parts an outgoing-call script must have (5.10).
const OUTGOING: &[(&str, &str)] = &[
    ("greeting", "Приветствие"),
    ("purpose", "Цель звонка"),
    ("status", "Статус"),
    ("farewell", "Прощание"),
];

/// Parts an acknowledgement must have (4.4).
const ACK: &[(&str, &str)] = &[
    ("greeting", "Приветствие"),
    ("thanks", "Благодарность"),
    ("deadline", "Срок ответа"),
];

/// Every finding of the staff rules and of the coverage, for a loaded site.
pub(super) fn check(site: &Site, cfg: &CheckConfig, texts: &Interner) -> Vec<Finding> {
    let mut out = Vec::new();
    for t in &site.staff.texts {
        let hits = text_hits(t);
        let found = rows::finish(&t.source, hits, cfg, texts);
        out.extend(rows::findings(&t.source_path, &found, texts));
    }
    // A site that keeps no staff texts at all does not use the handbook: its coverage
    // would be every kind of every service, noise rather than a finding.
    if !site.staff.texts.is_empty() {
        let cov = coverage(site, &site.staff);
        out.extend(coverage_findings(site, &cov, cfg, texts));
    }
    out
}

fn hit(rule: &'static str, span: Range<usize>, message: String, why: &str) -> Hit {
    Hit {
        rule,
        span,
        severity: Severity::Error,
        message: message.into(),
        suggestion: None,
        why: why.to_owned().into(),
    }
}

/// The structure rules over one text.
fn text_hits(t: &StaffText) -> Vec<Hit> {
    let body_parts = parts(&t.source, t.body_offset);
    let names: Vec<String> = placeholders(&t.source, t.body_offset)
        .into_iter()
        .filter_map(Result::ok)
        .map(|p| p.name)
        .collect();
    let uses = |n: &str| names.iter().any(|x| x == n);
    let kind_at = t.spans.at("kind");
    let mut hits = Vec::new();
    let kind = t.meta.kind;
    if !uses("survey_url") {
        hits.push(hit(
            "staff-survey-invite",
            kind_at.clone(),
            "в тексте нет приглашения пройти опрос: добавьте часть «## Опрос» со ссылкой {{ survey_url }}".into(),
            "каждое письмо, звонок и приём заканчиваются предложением оценить услугу (п. 4.13, 5.14, 6.9)",
        ));
    }
    match kind {
        Kind::Acknowledgement => ack_hits(t, &body_parts, &kind_at, &mut hits),
        Kind::IncomingCall | Kind::OutgoingCall => call_hits(t, &body_parts, &kind_at, &mut hits),
        Kind::Refusal if !uses("refusal_grounds") => hits.push(hit(
            "staff-refusal-grounds",
            kind_at.clone(),
            "в отказе нет причин: добавьте {{ refusal_grounds }}".into(),
            "человек должен понять, почему отказали и что делать (п. 4.12, 5.12)",
        )),
        Kind::Booking if !uses("documents") => hits.push(hit(
            "staff-booking-documents",
            kind_at.clone(),
            "в подтверждении записи нет списка документов: добавьте {{ documents }}".into(),
            "при записи человеку сообщают, какие документы принести (п. 6.4)",
        )),
        _ => {}
    }
    hits
}

fn find<'p>(parts: &'p [Part], id: &str) -> Option<&'p Part> {
    parts.iter().find(|p| p.id == Some(id))
}

fn missing_parts(
    parts: &[Part],
    wanted: &[(&str, &str)],
    rule: &'static str,
    at: &Range<usize>,
    why: &str,
    hits: &mut Vec<Hit>,
) {
    let missing: Vec<&str> = wanted
        .iter()
        .filter(|(id, _)| find(parts, id).is_none())
        .map(|(_, name)| *name)
        .collect();
    if !missing.is_empty() {
        let list = missing
            .iter()
            .map(|m| format!("«## {m}»"))
            .collect::<Vec<_>>()
            .join(", ");
        hits.push(hit(
            rule,
            at.clone(),
            format!("не хватает частей: {list}"),
            why,
        ));
    }
}

fn ack_hits(t: &StaffText, parts: &[Part], kind_at: &Range<usize>, hits: &mut Vec<Hit>) {
    let why = "уведомление о получении обращения содержит приветствие, благодарность за время и срок ответа (п. 4.4)";
    missing_parts(parts, ACK, "staff-ack-parts", kind_at, why, hits);
    if let Some(p) = find(parts, "deadline") {
        let text = &t.source[p.body.clone()];
        let dated = ["due_date", "answer_date", "deadline"]
            .iter()
            .any(|n| text.contains(&format!("{{{{ {n} }}}}")));
        if !dated {
            hits.push(hit(
                "staff-ack-parts",
                p.heading.clone(),
                "в части «Срок ответа» нет срока: добавьте {{ due_date }} или {{ deadline }}"
                    .into(),
                why,
            ));
        }
    }
}

fn call_hits(t: &StaffText, parts: &[Part], kind_at: &Range<usize>, hits: &mut Vec<Hit>) {
    let (wanted, why) = if t.meta.kind == Kind::IncomingCall {
        (
            INCOMING,
            "сценарий входящего звонка состоит из частей п. 5.9: приветствие, кто звонит, цель, проверка понимания, ответ, ожидание, обратный звонок, прощание",
        )
    } else {
        (
            OUTGOING,
            "сценарий исходящего звонка состоит из частей п. 5.10: приветствие, цель звонка, статус, прощание",
        )
    };
    missing_parts(parts, wanted, "staff-call-parts", kind_at, why, hits);
    if let Some(g) = find(parts, "greeting")
        && !t.source[g.body.clone()].contains("{{ employee }}")
    {
        hits.push(hit(
            "staff-call-parts",
            g.heading.clone(),
            "в приветствии нет имени сотрудника: добавьте {{ employee }}".into(),
            "сотрудник здоровается и называет своё имя (п. 5.9, 5.10)",
        ));
    }
    if find(parts, "insult").is_none() {
        hits.push(hit(
            "staff-insult-branch",
            kind_at.clone(),
            "в сценарии нет части «## Если оскорбляют»".into(),
            "в сценарий входят действия при оскорблениях и брани (п. 5.13)",
        ));
    }
    if t.meta.route.len() > 2 {
        hits.push(hit(
            "staff-transfers",
            t.spans.at("route[2]"),
            format!("переключений {}, можно не больше двух", t.meta.route.len()),
            "звонок переключают на других сотрудников не больше двух раз (п. 5.3)",
        ));
    }
}

/// Coverage gaps as findings: at each service's title, and at `content/staff/` for the
/// situations.
fn coverage_findings(
    site: &Site,
    cov: &Coverage,
    cfg: &CheckConfig,
    texts: &Interner,
) -> Vec<Finding> {
    let why = "варианты ответов и сценарии есть для каждой услуги и каждой ситуации (п. 4.7, 4.8, 5.7, 7.2)";
    let mut out = Vec::new();
    // By file, not a search per gap: a large site may lack texts for every service.
    let by_path: HashMap<&Path, &Service> = (site.services.iter())
        .map(|x| (x.source_path.as_path(), x))
        .collect();
    for s in &cov.services {
        let Some(svc) = by_path.get(s.source_path.as_path()) else {
            continue;
        };
        let list = s
            .missing
            .iter()
            .map(|k| format!("{} ({})", k.label(), k.id()))
            .collect::<Vec<_>>()
            .join(", ");
        let mut h = hit(
            "staff-coverage",
            svc.spans.at("title"),
            format!("в справочнике сотрудника для этой услуги нет: {list}"),
            why,
        );
        h.severity = Severity::Warning;
        // A file that cannot be read again now is reported by the pages' check.
        let Ok(source) = svc.text() else { continue };
        let found = rows::finish(&source, vec![h], cfg, texts);
        out.extend(rows::findings(&svc.source_path, &found, texts));
    }
    if !cov.missing_situations.is_empty() {
        let list = cov
            .missing_situations
            .iter()
            .map(|s| format!("{} ({})", s.label(), s.id()))
            .collect::<Vec<_>>()
            .join(", ");
        let mut h = hit(
            "staff-coverage",
            0..0,
            format!("нет ответов на ситуации без решения: {list}"),
            why,
        );
        h.severity = Severity::Warning;
        let dir: PathBuf = site.root.join("content").join("staff");
        let found = rows::finish("", vec![h], cfg, texts);
        out.extend(rows::findings(&dir, &found, texts));
    }
    out
}
