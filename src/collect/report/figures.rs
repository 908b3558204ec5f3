//! The figures of a report section: satisfaction, distributions, weekly trend, sources and
//! comments, computed from the stored answers.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::ToSpan;
use jiff::civil::Date;
use serde::Serialize;
use yasno_survey_core::{AnswerValue, QuestionKind};

use super::super::store::StoredAnswer;
use super::charts::{bar_chart, line_chart};
use super::mask::mask_contacts;
use super::{Period, ReportLabels};

/// The first rating question of a survey: the satisfaction question.
fn satisfaction_question(labels: &ReportLabels, survey: &str) -> String {
    labels
        .surveys
        .get(survey)
        .and_then(|s| s.questions.iter().find(|q| q.kind == QuestionKind::Rating))
        .map(|q| q.id.clone())
        .unwrap_or_else(|| "rating".into())
}

pub(super) fn satisfaction(labels: &ReportLabels, a: &StoredAnswer) -> Option<u8> {
    match a
        .answer
        .answers
        .get(&satisfaction_question(labels, &a.answer.survey))
    {
        Some(AnswerValue::Rating(n)) if (1..=5).contains(n) => Some(*n),
        _ => None,
    }
}

pub(super) fn decimal(x: f64, places: usize) -> String {
    format!("{x:.places$}").replace('.', ",")
}

pub(super) fn percent(part: usize, whole: usize) -> String {
    if whole == 0 {
        "—".into()
    } else {
        format!("{} %", decimal(part as f64 * 100.0 / whole as f64, 0))
    }
}

/// Satisfaction figures: mean rating and share of 4–5.
#[derive(Debug, Clone, Serialize)]
pub struct Satisfaction {
    /// Answers with a rating.
    pub rated: usize,
    /// Mean rating, e.g. `4,3`; `—` without ratings.
    pub mean: String,
    /// Share of 4 and 5, e.g. `78 %`.
    pub share_4_5: String,
    /// Mean as a number, for CSV.
    #[serde(skip)]
    pub mean_value: Option<f64>,
    /// Answers rated 4 or 5.
    pub good: usize,
}

fn satisfaction_of(ratings: &[u8]) -> Satisfaction {
    let rated = ratings.len();
    let good = ratings.iter().filter(|r| **r >= 4).count();
    let mean_value =
        (rated > 0).then(|| ratings.iter().map(|r| f64::from(*r)).sum::<f64>() / rated as f64);
    Satisfaction {
        rated,
        mean: mean_value.map_or_else(|| "—".into(), |m| decimal(m, 2)),
        share_4_5: percent(good, rated),
        mean_value,
        good,
    }
}

/// One row of a distribution: a value, its words and how many chose it.
#[derive(Debug, Clone, Serialize)]
pub struct ValueRow {
    /// The value (`1`..`5`, an option value).
    pub value: String,
    /// Words for the value.
    pub label: String,
    /// How many answers gave it.
    pub count: usize,
    /// Share of the answers to this question.
    pub percent: String,
}

/// The distribution of answers to one question.
#[derive(Debug, Clone, Serialize)]
pub struct QuestionStats {
    /// Question id.
    pub id: String,
    /// Question text.
    pub label: String,
    /// `rating`, `choice` or `text`.
    pub kind: &'static str,
    /// Answers to this question.
    pub answered: usize,
    /// Rows (empty for text questions).
    pub rows: Vec<ValueRow>,
}

/// Answers in one ISO week.
#[derive(Debug, Clone, Serialize)]
pub struct WeekStat {
    /// ISO week, e.g. `2026-W27`.
    pub week: String,
    /// Monday of the week, `DD.MM.YYYY`.
    pub starts: String,
    /// Answers.
    pub answers: usize,
    /// Mean satisfaction that week.
    pub mean: String,
}

/// Answers by source.
#[derive(Debug, Clone, Serialize)]
pub struct SourceStat {
    /// `web` or a location tag.
    pub tag: String,
    /// Readable name.
    pub label: String,
    /// Answers.
    pub answers: usize,
    /// Share of all answers.
    pub percent: String,
}

/// A visitor's comment, masked (escaped when shown).
#[derive(Debug, Clone, Serialize)]
pub struct Comment {
    /// Day of receipt, `DD.MM.YYYY`.
    pub date: String,
    /// Service title.
    pub service: String,
    /// Source name.
    pub source: String,
    /// Question text.
    pub question: String,
    /// The comment, contacts masked.
    pub text: String,
}

/// Figures for one service or for all of them.
#[derive(Debug, Clone, Serialize)]
pub struct Section {
    /// Anchor id (`all` or `service-<slug>`).
    pub id: String,
    /// Service slug, `None` for the overall section.
    pub slug: Option<String>,
    /// Heading.
    pub title: String,
    /// Number of answers.
    pub answers: usize,
    /// Satisfaction.
    pub satisfaction: Satisfaction,
    /// Distribution per question.
    pub questions: Vec<QuestionStats>,
    /// Trend by week.
    pub weeks: Vec<WeekStat>,
    /// Answers by source.
    pub sources: Vec<SourceStat>,
    /// Answers by page language (`tag` is the language code).
    pub languages: Vec<SourceStat>,
    /// Comments (per service only).
    pub comments: Vec<Comment>,
    /// Comments by the site's themes, then "other" (filled by the report).
    pub themes: Vec<super::ThemeGroup>,
    /// Bar chart of the satisfaction ratings (SVG).
    pub rating_chart: String,
    /// Line chart of answers per week (SVG).
    pub week_chart: String,
}

pub(super) fn ddmmyyyy(d: Date) -> String {
    d.strftime("%d.%m.%Y").to_string()
}

pub(super) fn utc_date(t: Timestamp) -> Date {
    t.to_zoned_datetime(jiff::tz::TimeZone::UTC).date()
}

pub(super) fn source_label(labels: &ReportLabels, tag: &str) -> String {
    if tag == "web" {
        "Сайт (web)".into()
    } else {
        match labels.locations.get(tag) {
            Some(name) => format!("QR: {name} ({tag})"),
            None => format!("QR: {tag}"),
        }
    }
}

pub(super) fn service_title(labels: &ReportLabels, slug: &str) -> String {
    labels
        .services
        .get(slug)
        .cloned()
        .unwrap_or_else(|| slug.to_owned())
}

/// Figures of `rows` (one service's answers, or all of them) for the section `id`.
pub(super) fn section(
    id: String,
    slug: Option<String>,
    title: String,
    rows: &[&StoredAnswer],
    period: &Period,
    labels: &ReportLabels,
) -> Section {
    let ratings: Vec<u8> = rows
        .iter()
        .filter_map(|r| satisfaction(labels, r))
        .collect();
    let mut comments = Vec::new();
    let questions = question_order(rows, labels)
        .iter()
        .map(|q| question_stats(q, rows, labels, &mut comments))
        .collect();
    if slug.is_none() {
        // The overall section counts comments but lists them under each service.
        comments.clear();
    }
    let weeks = week_trend(rows, period, labels);
    let sources = source_stats(rows, labels);
    let languages = language_stats(rows);

    let rating_bars: Vec<(String, usize)> = (1..=5u8)
        .map(|n| (n.to_string(), ratings.iter().filter(|r| **r == n).count()))
        .collect();
    let rating_chart = bar_chart(&format!("{id}-rating"), &rating_bars, "Оценка / Rating");
    let week_points: Vec<(String, usize)> = weeks
        .iter()
        .map(|w| (w.starts[..5].to_owned(), w.answers))
        .collect();
    let week_chart = line_chart(&format!("{id}-weeks"), &week_points);

    Section {
        id,
        slug,
        title,
        answers: rows.len(),
        satisfaction: satisfaction_of(&ratings),
        questions,
        weeks,
        sources,
        languages,
        comments,
        themes: Vec::new(),
        rating_chart,
        week_chart,
    }
}

/// A question as the report shows it: its id, its words and kind, and its definition when
/// the survey is known.
struct QuestionRef<'a> {
    id: String,
    label: String,
    kind: QuestionKind,
    def: Option<&'a yasno_survey_core::Question>,
}

/// Every question answered in `rows`, in the order of the survey definition where known.
fn question_order<'a>(rows: &[&StoredAnswer], labels: &'a ReportLabels) -> Vec<QuestionRef<'a>> {
    let mut order: Vec<QuestionRef<'a>> = Vec::new();
    for row in rows {
        let def = labels.surveys.get(&row.answer.survey);
        let mut keys: Vec<&String> = row.answer.answers.keys().collect();
        if let Some(def) = def {
            keys.sort_by_key(|k| def.questions.iter().position(|q| &q.id == *k));
        }
        for key in keys {
            if order.iter().any(|q| &q.id == key) {
                continue;
            }
            let q = def.and_then(|d| d.questions.iter().find(|q| &q.id == key));
            let kind = q.map(|q| q.kind).unwrap_or(match row.answer.answers[key] {
                AnswerValue::Rating(_) => QuestionKind::Rating,
                AnswerValue::Text(_) => QuestionKind::Text,
            });
            order.push(QuestionRef {
                id: key.clone(),
                label: q.map(|q| q.label.clone()).unwrap_or_else(|| key.clone()),
                kind,
                def: q,
            });
        }
    }
    order
}

/// The distribution of answers to `q`; the answers to a text question go to `comments`.
fn question_stats(
    q: &QuestionRef<'_>,
    rows: &[&StoredAnswer],
    labels: &ReportLabels,
    comments: &mut Vec<Comment>,
) -> QuestionStats {
    let values: Vec<(&StoredAnswer, &AnswerValue)> = rows
        .iter()
        .filter_map(|r| r.answer.answers.get(&q.id).map(|v| (*r, v)))
        .collect();
    let (kind_name, rows) = match q.kind {
        QuestionKind::Rating => ("rating", value_rows(rating_items(q.def), &values)),
        QuestionKind::Choice => ("choice", value_rows(choice_items(q.def, &values), &values)),
        QuestionKind::Text => {
            comments.extend(comments_of(&values, &q.label, labels));
            ("text", Vec::new())
        }
    };
    QuestionStats {
        id: q.id.clone(),
        label: q.label.clone(),
        kind: kind_name,
        answered: values.len(),
        rows,
    }
}

/// The five ratings with their words (the survey's, or the default ones).
fn rating_items(def: Option<&yasno_survey_core::Question>) -> Vec<(String, String)> {
    let words = def
        .map(|q| {
            let mut q = q.clone();
            q.normalize();
            q.labels
        })
        .unwrap_or_else(yasno_survey_core::default_rating_labels);
    (1..=5)
        .map(|n| (n.to_string(), words.get(n - 1).cloned().unwrap_or_default()))
        .collect()
}

/// The options of a choice question, then any other value given (an older survey's).
fn choice_items(
    def: Option<&yasno_survey_core::Question>,
    values: &[(&StoredAnswer, &AnswerValue)],
) -> Vec<(String, String)> {
    let mut items: Vec<(String, String)> = def
        .map(|q| {
            q.options
                .iter()
                .map(|o| (o.value.clone(), o.label.clone()))
                .collect()
        })
        .unwrap_or_default();
    for (_, v) in values {
        if let AnswerValue::Text(t) = v
            && !items.iter().any(|(value, _)| value == t)
        {
            items.push((t.clone(), t.clone()));
        }
    }
    items
}

/// One row per `(value, label)` of `items`, counting the `values` that gave it.
fn value_rows(
    items: Vec<(String, String)>,
    values: &[(&StoredAnswer, &AnswerValue)],
) -> Vec<ValueRow> {
    let answered = values.len();
    items
        .into_iter()
        .map(|(value, label)| {
            let count = values
                .iter()
                .filter(|(_, v)| match v {
                    AnswerValue::Rating(n) => n.to_string() == value,
                    AnswerValue::Text(t) => *t == value,
                })
                .count();
            ValueRow {
                percent: percent(count, answered),
                value,
                label,
                count,
            }
        })
        .collect()
}

/// The answers to a text question as comments, contacts masked.
fn comments_of(
    values: &[(&StoredAnswer, &AnswerValue)],
    question: &str,
    labels: &ReportLabels,
) -> Vec<Comment> {
    values
        .iter()
        .filter_map(|(row, v)| match v {
            AnswerValue::Text(t) => Some(Comment {
                date: ddmmyyyy(utc_date(row.received_at)),
                service: service_title(labels, &row.answer.service),
                source: source_label(labels, &row.answer.source),
                question: question.to_owned(),
                text: mask_contacts(t),
            }),
            AnswerValue::Rating(_) => None,
        })
        .collect()
}

/// Answers and mean satisfaction by ISO week, over the period (or the data's span for "all
/// time"), empty weeks included so the line does not hide gaps.
fn week_trend(rows: &[&StoredAnswer], period: &Period, labels: &ReportLabels) -> Vec<WeekStat> {
    let mut weeks = Vec::new();
    let first = rows.first().map(|r| utc_date(r.received_at));
    let last = rows.last().map(|r| utc_date(r.received_at));
    let (Some(first), Some(last)) = (first, last) else {
        return weeks;
    };
    let start = first.max(period.from);
    let end = last.min(period.to).max(start);
    let monday = |d: Date| {
        d.checked_sub(i64::from(d.weekday().to_monday_zero_offset()).days())
            .unwrap_or(d)
    };
    let mut week = monday(start);
    while week <= end {
        let next = week.checked_add(7.days()).unwrap_or(Date::MAX);
        let in_week: Vec<&&StoredAnswer> = rows
            .iter()
            .filter(|r| {
                let d = utc_date(r.received_at);
                d >= week && d < next
            })
            .collect();
        let ratings: Vec<u8> = in_week
            .iter()
            .filter_map(|r| satisfaction(labels, r))
            .collect();
        let iso = week.iso_week_date();
        weeks.push(WeekStat {
            week: format!("{}-W{:02}", iso.year(), iso.week()),
            starts: ddmmyyyy(week),
            answers: in_week.len(),
            mean: satisfaction_of(&ratings).mean,
        });
        if next == Date::MAX {
            break;
        }
        week = next;
    }
    weeks
}

/// Answers by source: web first, then locations by count.
fn source_stats(rows: &[&StoredAnswer], labels: &ReportLabels) -> Vec<SourceStat> {
    let mut by_source: BTreeMap<&str, usize> = BTreeMap::new();
    for r in rows {
        *by_source.entry(&r.answer.source).or_default() += 1;
    }
    let mut sources: Vec<SourceStat> = by_source
        .into_iter()
        .map(|(tag, n)| SourceStat {
            tag: tag.to_owned(),
            label: source_label(labels, tag),
            answers: n,
            percent: percent(n, rows.len()),
        })
        .collect();
    sources.sort_by(|a, b| {
        (b.tag == "web")
            .cmp(&(a.tag == "web"))
            .then(b.answers.cmp(&a.answers))
    });
    sources
}

/// Answers by page language, most first.
fn language_stats(rows: &[&StoredAnswer]) -> Vec<SourceStat> {
    let mut by_lang: BTreeMap<&str, usize> = BTreeMap::new();
    for r in rows {
        *by_lang.entry(&r.answer.lang).or_default() += 1;
    }
    let mut langs: Vec<SourceStat> = by_lang
        .into_iter()
        .map(|(tag, n)| SourceStat {
            tag: tag.to_owned(),
            label: super::control::language_name(tag).to_owned(),
            answers: n,
            percent: percent(n, rows.len()),
        })
        .collect();
    langs.sort_by(|a, b| b.answers.cmp(&a.answers).then(a.tag.cmp(&b.tag)));
    langs
}
