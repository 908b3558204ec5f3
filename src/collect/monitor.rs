//! The monitoring rows of the quarterly report, from the loaded site and a `yasno check`
//! run: freshness (the check's rule: three working days after a legal act changed),
//! readability and findings, and the parts each service page lacks.

use std::collections::BTreeMap;

use jiff::civil::Date;

use super::report::MonitoringRow;
use crate::check::{CheckOptions, FreshnessState, Target};
use crate::site::{Service, Site};

/// The parts a service page lacks, in words. Refusal grounds (helper work in progress on
/// the service model) are to be listed here too.
pub fn missing_parts(service: &Service) -> Vec<String> {
    let mut missing = Vec::new();
    if service.meta.faq.is_empty() {
        missing.push("вопросы и ответы / FAQ".to_owned());
    }
    if service.survey.is_none() {
        missing.push("опрос / survey".to_owned());
    }
    let c = &service.contacts;
    if c.phone.trim().is_empty() && c.email.trim().is_empty() {
        missing.push("контакты / contacts".to_owned());
    }
    let r = &service.reception;
    if r.address.trim().is_empty() || r.hours.trim().is_empty() {
        missing.push("приём: адрес и часы / reception".to_owned());
    }
    if service.refusal_grounds.is_empty() {
        missing.push("причины отказа / refusal grounds".to_owned());
    }
    missing
}

fn freshness_words(f: Option<&crate::check::report::FreshnessSummary>) -> (&'static str, String) {
    let day = |d: Date| d.strftime("%d.%m.%Y").to_string();
    let Some(f) = f else {
        return ("none", "—".into());
    };
    match f.latest {
        Some((changed, deadline, state)) => {
            let (key, words) = match state {
                FreshnessState::Ok => ("ok", "обновлено вовремя / updated on time"),
                FreshnessState::Due => ("due", "нужно обновить / update due"),
                FreshnessState::Late => ("late", "обновлено с опозданием / updated late"),
                FreshnessState::Overdue => ("overdue", "просрочено / overdue"),
            };
            (
                key,
                format!(
                    "{words}: акт изменён {}, срок {}",
                    day(changed),
                    day(deadline)
                ),
            )
        }
        None if f.stale => (
            "stale",
            format!(
                "давно не обновлялась / not updated since {}",
                day(f.updated)
            ),
        ),
        None => ("ok", format!("обновлено {}", day(f.updated))),
    }
}

/// One row per service of the site's language (translations share the slug), measured on
/// `today`.
pub fn monitoring_rows(site: &Site, today: Date) -> Vec<MonitoringRow> {
    let outcome = crate::check::run(Target::Site(site), &CheckOptions { today, cache: None });
    let pages: BTreeMap<_, _> = outcome
        .check
        .pages
        .iter()
        .map(|p| (p.file.clone(), p))
        .collect();
    let mut rows: BTreeMap<String, MonitoringRow> = BTreeMap::new();
    for service in site
        .services
        .iter()
        .filter(|s| s.is_default_lang(&site.settings))
    {
        let page = pages.get(&service.source_path);
        let (freshness, freshness_text) = freshness_words(page.and_then(|p| p.freshness.as_ref()));
        rows.entry(service.slug.clone()).or_insert(MonitoringRow {
            slug: service.slug.clone(),
            title: service.meta.title.clone(),
            freshness,
            freshness_text,
            missing: missing_parts(service),
            readability: page
                .and_then(|p| p.stats.readability)
                .map_or_else(|| "—".into(), |r| format!("{r:.0}")),
            findings: page.map_or(0, |p| p.counts.total),
            errors: page.map_or(0, |p| p.counts.errors),
            handbook_missing: Vec::new(),
        });
    }
    rows.into_values().collect()
}
