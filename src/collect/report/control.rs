//! The quarterly control part of a report (sections 3.4–3.6 and 7.2 of the regulation):
//! every service of the site beside the previous period, with intervals, an alert list, and
//! figures per language and per source.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::super::store::StoredAnswer;
use super::ReportLabels;
use super::decisions::Decision;
use super::figures::{decimal, satisfaction, service_title, source_label};
use super::stats::{Share, count_change, mean_change, share_change};

/// Figures of one service in the period and the one before.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceRow {
    /// Service slug.
    pub slug: String,
    /// Service title.
    pub title: String,
    /// Whether the service has its survey switched on.
    pub survey_on: bool,
    /// Answers now and before, and the change.
    pub answers: usize,
    /// Answers in the previous period.
    pub prev_answers: usize,
    /// E.g. `+3`.
    pub answers_change: String,
    /// Mean rating now (`—` without ratings).
    pub mean: String,
    /// Mean rating before.
    pub prev_mean: String,
    /// E.g. `−0,40`.
    pub mean_change: String,
    /// Share of ratings 4–5.
    pub good: Share,
    /// The same share before.
    pub prev_good: Share,
    /// Change in percentage points, or a note when there are too few answers.
    pub good_change: String,
    /// Share of ratings 1–2.
    pub low: Share,
    /// The same share before.
    pub prev_low: Share,
    /// Change in percentage points, or a note.
    pub low_change: String,
    /// Fewer rated answers than the site's minimum.
    pub too_few: bool,
    /// The share of low ratings is above the site's threshold.
    pub alert: bool,
    /// Findings in words, e.g. "no answers", "survey switched off".
    pub flags: Vec<String>,
    /// The meeting's decision for this period, if taken.
    pub decision: Option<Decision>,
    /// The decision of the period before.
    pub prev_decision: Option<Decision>,
    /// What changed since the previous decision, in words (empty without one).
    pub since: String,
}

/// Answers of one language or one source, now and before.
#[derive(Debug, Clone, Serialize)]
pub struct GroupRow {
    /// Language code or source tag.
    pub key: String,
    /// Readable name.
    pub label: String,
    /// Answers now.
    pub answers: usize,
    /// Answers before.
    pub prev_answers: usize,
    /// E.g. `+3`.
    pub change: String,
    /// Share of ratings 4–5 now.
    pub good: Share,
    /// The same share before.
    pub prev_good: Share,
}

/// The comparison part of the report.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// Name of the previous period, `None` for "all time".
    pub previous_period: Option<String>,
    /// The alert threshold in words, e.g. `20 %`.
    pub threshold: String,
    /// The threshold as a fraction.
    pub threshold_value: f64,
    /// The fewest rated answers worth comparing.
    pub min_answers: usize,
    /// Every service of the site (and any that only the answers name), by slug.
    pub services: Vec<ServiceRow>,
    /// Slugs of the services on the alert list.
    pub alerts: Vec<String>,
    /// Answers by language.
    pub languages: Vec<GroupRow>,
    /// Answers by source (web, each QR location).
    pub sources: Vec<GroupRow>,
}

/// Ratings of `rows`: (rated, rated 4–5, rated 1–2, mean).
fn tally(rows: &[&StoredAnswer], labels: &ReportLabels) -> (usize, usize, usize, Option<f64>) {
    let ratings: Vec<u8> = rows
        .iter()
        .filter_map(|r| satisfaction(labels, r))
        .collect();
    let n = ratings.len();
    let good = ratings.iter().filter(|r| **r >= 4).count();
    let low = ratings.iter().filter(|r| **r <= 2).count();
    let mean = (n > 0).then(|| ratings.iter().map(|r| f64::from(*r)).sum::<f64>() / n as f64);
    (n, good, low, mean)
}

fn group<'a>(
    rows: &'a [StoredAnswer],
    key: impl Fn(&'a StoredAnswer) -> &'a str,
) -> BTreeMap<&'a str, Vec<&'a StoredAnswer>> {
    let mut map: BTreeMap<&str, Vec<&StoredAnswer>> = BTreeMap::new();
    for r in rows {
        map.entry(key(r)).or_default().push(r);
    }
    map
}

impl Comparison {
    /// Compares `current` with `previous` (the period before, empty for "all time").
    pub fn build(
        current: &[StoredAnswer],
        previous: &[StoredAnswer],
        previous_period: Option<String>,
        labels: &ReportLabels,
    ) -> Comparison {
        let settings = &labels.settings;
        let now = group(current, |r| r.answer.service.as_str());
        let before = group(previous, |r| r.answer.service.as_str());
        let slugs: BTreeSet<&str> = labels
            .services
            .keys()
            .map(String::as_str)
            .chain(now.keys().copied())
            .collect();
        let empty = Vec::new();
        let services: Vec<ServiceRow> = slugs
            .into_iter()
            .map(|slug| {
                let a = now.get(slug).unwrap_or(&empty);
                let b = before.get(slug).unwrap_or(&empty);
                service_row(slug, a, b, labels)
            })
            .collect();
        let alerts = services
            .iter()
            .filter(|s| s.alert)
            .map(|s| s.slug.clone())
            .collect();
        let languages = groups(
            &group(current, |r| r.answer.lang.as_str()),
            &group(previous, |r| r.answer.lang.as_str()),
            labels,
            |k| language_name(k).to_owned(),
        );
        let sources = groups(
            &group(current, |r| r.answer.source.as_str()),
            &group(previous, |r| r.answer.source.as_str()),
            labels,
            |k| source_label(labels, k),
        );
        Comparison {
            previous_period,
            threshold: format!("{} %", decimal(settings.low_share_alert * 100.0, 0)),
            threshold_value: settings.low_share_alert,
            min_answers: settings.min_answers,
            services,
            alerts,
            languages,
            sources,
        }
    }
}

impl Comparison {
    /// Puts each service's decision of this period and of the one before beside its
    /// figures; returns the services on the alert list with no decision this period.
    pub fn attach_decisions(
        &mut self,
        now: &BTreeMap<String, Decision>,
        before: &BTreeMap<String, Decision>,
    ) -> Vec<String> {
        let mut missing = Vec::new();
        for s in &mut self.services {
            s.decision = now.get(&s.slug).cloned();
            s.prev_decision = before.get(&s.slug).cloned();
            if let Some(d) = &s.prev_decision {
                let what = if d.reengineer {
                    "перепроектировать / re-engineer"
                } else {
                    "оставить как есть / keep as is"
                };
                s.since = format!(
                    "после решения {} «{what}»: оценки 1–2 {} → {}, оценки 4–5 {} → {}",
                    d.discussed, s.prev_low.text, s.low.text, s.prev_good.text, s.good.text
                );
            }
            if s.alert && s.decision.is_none() {
                s.flags
                    .push("нет решения по тревоге / no decision for this alert".to_owned());
                missing.push(s.slug.clone());
            }
        }
        missing
    }
}

fn service_row(
    slug: &str,
    now: &[&StoredAnswer],
    before: &[&StoredAnswer],
    labels: &ReportLabels,
) -> ServiceRow {
    let settings = &labels.settings;
    let (n, good, low, mean) = tally(now, labels);
    let (pn, pgood, plow, pmean) = tally(before, labels);
    let (good, prev_good) = (Share::of(good, n), Share::of(pgood, pn));
    let (low, prev_low) = (Share::of(low, n), Share::of(plow, pn));
    let too_few = n < settings.min_answers;
    let alert = !too_few && low.value.is_some_and(|v| v > settings.low_share_alert);
    let survey_on = labels.surveys_on.contains(slug);
    let known = labels.services.contains_key(slug);
    let mut flags = Vec::new();
    if now.is_empty() {
        flags.push("нет ни одного ответа / no answers at all".to_owned());
    } else if too_few {
        flags.push(format!(
            "мало ответов (меньше {}) / too few answers to judge",
            settings.min_answers
        ));
    }
    if known && !survey_on {
        flags.push("опрос выключен (раздел 3.2 требует опрос) / survey switched off".to_owned());
    }
    if !known {
        flags.push("услуги больше нет на сайте / the service is no longer on the site".to_owned());
    }
    if alert {
        flags.push("много низких оценок / many low ratings".to_owned());
    }
    let fmt_mean = |m: Option<f64>| m.map_or_else(|| "—".into(), |m| decimal(m, 2));
    ServiceRow {
        slug: slug.to_owned(),
        title: service_title(labels, slug),
        survey_on,
        answers: now.len(),
        prev_answers: before.len(),
        answers_change: count_change(now.len(), before.len()),
        mean: fmt_mean(mean),
        prev_mean: fmt_mean(pmean),
        mean_change: mean_change(mean, pmean),
        good_change: share_change(&good, &prev_good, settings.min_answers),
        low_change: share_change(&low, &prev_low, settings.min_answers),
        good,
        prev_good,
        low,
        prev_low,
        too_few,
        alert,
        flags,
        decision: None,
        prev_decision: None,
        since: String::new(),
    }
}

fn groups(
    now: &BTreeMap<&str, Vec<&StoredAnswer>>,
    before: &BTreeMap<&str, Vec<&StoredAnswer>>,
    labels: &ReportLabels,
    label: impl Fn(&str) -> String,
) -> Vec<GroupRow> {
    let keys: BTreeSet<&str> = now.keys().chain(before.keys()).copied().collect();
    let empty = Vec::new();
    keys.into_iter()
        .map(|key| {
            let a = now.get(key).unwrap_or(&empty);
            let b = before.get(key).unwrap_or(&empty);
            let (n, good, _, _) = tally(a, labels);
            let (pn, pgood, _, _) = tally(b, labels);
            GroupRow {
                key: key.to_owned(),
                label: label(key),
                answers: a.len(),
                prev_answers: b.len(),
                change: count_change(a.len(), b.len()),
                good: Share::of(good, n),
                prev_good: Share::of(pgood, pn),
            }
        })
        .collect()
}

/// The name of a page language, in Russian and in the language itself.
pub(super) fn language_name(code: &str) -> &str {
    match code {
        "ru" => "русский",
        "en" => "английский / English",
        "uz" => "узбекский / oʻzbekcha",
        "tg" => "таджикский / тоҷикӣ",
        "ky" => "киргизский / кыргызча",
        other => other,
    }
}
