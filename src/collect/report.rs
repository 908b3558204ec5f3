//! Survey reports: figures per service and overall, SVG charts, HTML and CSV.
//!
//! Invariants: every text that came from a visitor is escaped where it is shown (the HTML
//! template autoescapes) and has phone numbers and e-mail addresses masked; charts carry a
//! caption and sit next to a table with the same numbers (their text alternative), and use
//! one dark colour with value labels, so they read without colour; CSV files start with a
//! UTF-8 BOM and a header row, and use `;` and a decimal comma, as Excel in a Russian locale
//! expects.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::LazyLock;

use jiff::Timestamp;
use jiff::ToSpan;
use jiff::civil::Date;
use plotters::prelude::*;
use regex::{Captures, Regex};
use serde::Serialize;
use yasno_survey_core::{AnswerValue, QuestionKind, Survey};

use super::store::StoredAnswer;

/// Names that make a report readable: the site, service titles, locations, survey texts.
#[derive(Debug, Clone, Default)]
pub struct ReportLabels {
    /// Site name for the heading.
    pub site_name: String,
    /// Service titles by slug.
    pub services: BTreeMap<String, String>,
    /// Reception location names by tag (the `source` of QR answers).
    pub locations: BTreeMap<String, String>,
    /// Survey definitions by survey id, for question labels and option words.
    pub surveys: BTreeMap<String, Survey>,
}

/// A period of whole UTC days, both ends included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    /// First day.
    pub from: Date,
    /// Last day (included).
    pub to: Date,
    /// How the period is named in the report, e.g. `2026Q3`.
    pub label: String,
}

/// A period that could not be parsed: the field and what is expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct PeriodError {
    /// `quarter`, `from` or `to`.
    pub field: &'static str,
    /// What is wrong and what is expected.
    pub message: String,
}

impl Period {
    /// A quarter such as `2026Q3` (also `2026-Q3`, lower case accepted).
    pub fn quarter(text: &str) -> Result<Self, PeriodError> {
        let err = || PeriodError {
            field: "quarter",
            message: format!(
                "«{}»: ожидался квартал вида 2026Q3 / expected a quarter like 2026Q3",
                text.chars().take(20).collect::<String>()
            ),
        };
        let upper = text.trim().to_ascii_uppercase().replace("-Q", "Q");
        let (year, q) = upper.split_once('Q').ok_or_else(err)?;
        let year: i16 = year.parse().map_err(|_| err())?;
        let q: i8 = q.parse().map_err(|_| err())?;
        if !(1..=4).contains(&q) || !(2000..=9000).contains(&year) {
            return Err(err());
        }
        let from = Date::new(year, (q - 1) * 3 + 1, 1).map_err(|_| err())?;
        let to = from
            .checked_add(3.months())
            .and_then(|d| d.checked_sub(1.day()))
            .map_err(|_| err())?;
        Ok(Self {
            from,
            to,
            label: format!("{year}Q{q}"),
        })
    }

    /// Days `from` to `to`, both `YYYY-MM-DD`, both included.
    pub fn between(from: &str, to: &str) -> Result<Self, PeriodError> {
        let parse = |field: &'static str, s: &str| {
            s.trim().parse::<Date>().map_err(|_| PeriodError {
                field,
                message: "ожидалась дата ГГГГ-ММ-ДД / expected a date YYYY-MM-DD".into(),
            })
        };
        let (f, t) = (parse("from", from)?, parse("to", to)?);
        if t < f {
            return Err(PeriodError {
                field: "to",
                message: "конец периода раньше начала / the end is before the start".into(),
            });
        }
        Ok(Self {
            from: f,
            to: t,
            label: format!("{f} — {t}"),
        })
    }

    /// Everything stored.
    pub fn all_time() -> Self {
        Self {
            from: Date::constant(2000, 1, 1),
            to: Date::constant(9998, 12, 31),
            label: "всё время / all time".into(),
        }
    }

    /// `[start, end)` as UTC timestamps.
    pub fn bounds(&self) -> (Timestamp, Timestamp) {
        let start = |d: Date| {
            d.to_zoned_datetime(jiff::tz::TimeZone::UTC)
                .map(|z| z.timestamp())
                .unwrap_or(Timestamp::MAX)
        };
        let end = self.to.tomorrow().map(start).unwrap_or(Timestamp::MAX);
        (start(self.from), end)
    }
}

/// HTML-escapes text (Tera's escaper, the one the report template uses).
pub fn escape_html(text: &str) -> String {
    let mut out = Vec::with_capacity(text.len());
    tera::escape_html(text, &mut out).expect("writing to a Vec does not fail");
    String::from_utf8(out).expect("escaping keeps UTF-8")
}

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)[a-z0-9а-яё._%+\-]+@[a-z0-9а-яё\-]+(\.[a-z0-9а-яё\-]+)+").expect("valid regex")
});
static PHONE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\+?\d[\d\s\-().]{4,}\d").expect("valid regex"));
static DATE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\d{1,2}[./]\d{1,2}[./]\d{2,4}$").expect("valid regex"));

/// Masks what looks like an e-mail address or a phone number (7 digits or more, not a
/// date), so comments shown to staff carry no contact data.
pub fn mask_contacts(text: &str) -> String {
    let text = EMAIL.replace_all(text, "[e-mail скрыт]");
    PHONE
        .replace_all(&text, |c: &Captures<'_>| {
            let m = &c[0];
            let digits = m.chars().filter(char::is_ascii_digit).count();
            if digits >= 7 && !DATE.is_match(m.trim()) {
                "[телефон скрыт]".to_owned()
            } else {
                m.to_owned()
            }
        })
        .into_owned()
}

/// The first rating question of a survey: the satisfaction question.
fn satisfaction_question(labels: &ReportLabels, survey: &str) -> String {
    labels
        .surveys
        .get(survey)
        .and_then(|s| s.questions.iter().find(|q| q.kind == QuestionKind::Rating))
        .map(|q| q.id.clone())
        .unwrap_or_else(|| "rating".into())
}

fn satisfaction(labels: &ReportLabels, a: &StoredAnswer) -> Option<u8> {
    match a.answers.get(&satisfaction_question(labels, &a.survey)) {
        Some(AnswerValue::Rating(n)) if (1..=5).contains(n) => Some(*n),
        _ => None,
    }
}

fn decimal(x: f64, places: usize) -> String {
    format!("{x:.places$}").replace('.', ",")
}

fn percent(part: usize, whole: usize) -> String {
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
    /// Comments (per service only).
    pub comments: Vec<Comment>,
    /// Bar chart of the satisfaction ratings (SVG).
    pub rating_chart: String,
    /// Line chart of answers per week (SVG).
    pub week_chart: String,
}

/// A whole report: overall figures, then each service.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Site name.
    pub site_name: String,
    /// Period name.
    pub period: String,
    /// First and last day.
    pub from: String,
    /// Last day.
    pub to: String,
    /// When the report was made (UTC).
    pub generated_at: String,
    /// All services together.
    pub overall: Section,
    /// One section per service with answers, by slug.
    pub services: Vec<Section>,
}

fn ddmmyyyy(d: Date) -> String {
    d.strftime("%d.%m.%Y").to_string()
}

fn utc_date(t: Timestamp) -> Date {
    t.to_zoned_datetime(jiff::tz::TimeZone::UTC).date()
}

fn source_label(labels: &ReportLabels, tag: &str) -> String {
    if tag == "web" {
        "Сайт (web)".into()
    } else {
        match labels.locations.get(tag) {
            Some(name) => format!("QR: {name} ({tag})"),
            None => format!("QR: {tag}"),
        }
    }
}

fn service_title(labels: &ReportLabels, slug: &str) -> String {
    labels
        .services
        .get(slug)
        .cloned()
        .unwrap_or_else(|| slug.to_owned())
}

impl Report {
    /// Computes the figures of `rows` (answers of `period`).
    pub fn build(rows: &[StoredAnswer], period: &Period, labels: &ReportLabels) -> Self {
        let mut by_service: BTreeMap<&str, Vec<&StoredAnswer>> = BTreeMap::new();
        for row in rows {
            by_service.entry(&row.service).or_default().push(row);
        }
        let all: Vec<&StoredAnswer> = rows.iter().collect();
        let overall = section(
            "all".into(),
            None,
            "Все услуги / All services".into(),
            &all,
            period,
            labels,
        );
        let services = by_service
            .iter()
            .map(|(slug, rows)| {
                section(
                    format!("service-{slug}"),
                    Some(slug.to_string()),
                    service_title(labels, slug),
                    rows,
                    period,
                    labels,
                )
            })
            .collect();
        let (from, to) = match (rows.first(), rows.last()) {
            _ if period.from.year() > 2000 || period.to.year() < 9998 => (period.from, period.to),
            (Some(f), Some(l)) => (utc_date(f.received_at), utc_date(l.received_at)),
            _ => (period.from, period.from),
        };
        Report {
            site_name: labels.site_name.clone(),
            period: period.label.clone(),
            from: ddmmyyyy(from),
            to: ddmmyyyy(to),
            generated_at: Timestamp::now().strftime("%d.%m.%Y %H:%M UTC").to_string(),
            overall,
            services,
        }
    }

    /// The report as one self-contained HTML page.
    pub fn to_html(&self) -> String {
        let mut tera = tera::Tera::new();
        tera.add_raw_template("report.html", include_str!("report.html"))
            .expect("the built-in report template parses");
        #[derive(Serialize)]
        struct View<'a> {
            #[serde(flatten)]
            report: &'a Report,
            sections: Vec<&'a Section>,
        }
        let view = View {
            report: self,
            sections: self.sections().collect(),
        };
        let context = tera::Context::from_serialize(&view).expect("the report serializes");
        tera.render("report.html", &context)
            .expect("the built-in report template renders")
    }

    /// Writes `report.html` and the CSV files into `dir` (created if missing); returns the
    /// paths written.
    pub fn write(&self, dir: &Path) -> std::io::Result<Vec<std::path::PathBuf>> {
        std::fs::create_dir_all(dir)?;
        let mut written = Vec::new();
        let mut put = |name: &str, bytes: Vec<u8>| -> std::io::Result<()> {
            let path = dir.join(name);
            std::fs::write(&path, bytes)?;
            written.push(path);
            Ok(())
        };
        put("report.html", self.to_html().into_bytes())?;
        for (name, csv) in self.csv_files() {
            put(name, csv)?;
        }
        Ok(written)
    }

    fn sections(&self) -> impl Iterator<Item = &Section> {
        std::iter::once(&self.overall).chain(&self.services)
    }

    /// The CSV files of the report: summary, distribution, weeks, sources, comments.
    pub fn csv_files(&self) -> Vec<(&'static str, Vec<u8>)> {
        let scope = |s: &Section| s.slug.clone().unwrap_or_else(|| "all".into());
        let mut summary = csv_writer();
        let _ = summary.write_record([
            "service",
            "title",
            "answers",
            "rated",
            "mean",
            "share_4_5_percent",
        ]);
        let mut dist = csv_writer();
        let _ = dist.write_record(["service", "question", "value", "label", "count"]);
        let mut weeks = csv_writer();
        let _ = weeks.write_record(["service", "week", "starts", "answers", "mean"]);
        let mut sources = csv_writer();
        let _ = sources.write_record(["service", "source", "label", "answers"]);
        let mut comments = csv_writer();
        let _ = comments.write_record(["service", "date", "source", "question", "text"]);
        for s in self.sections() {
            let sc = scope(s);
            let sat = &s.satisfaction;
            let share = if sat.rated == 0 {
                String::new()
            } else {
                decimal(sat.good as f64 * 100.0 / sat.rated as f64, 1)
            };
            let mean = sat.mean_value.map(|m| decimal(m, 2)).unwrap_or_default();
            let _ = summary.write_record([
                sc.as_str(),
                &cell(&s.title),
                &s.answers.to_string(),
                &sat.rated.to_string(),
                &mean,
                &share,
            ]);
            for q in &s.questions {
                for r in &q.rows {
                    let _ = dist.write_record([
                        sc.as_str(),
                        &q.id,
                        &r.value,
                        &cell(&r.label),
                        &r.count.to_string(),
                    ]);
                }
            }
            for w in &s.weeks {
                let mean = if w.mean == "—" { "" } else { &w.mean };
                let _ = weeks.write_record([
                    sc.as_str(),
                    &w.week,
                    &w.starts,
                    &w.answers.to_string(),
                    mean,
                ]);
            }
            for src in &s.sources {
                let _ = sources.write_record([
                    sc.as_str(),
                    &src.tag,
                    &cell(&src.label),
                    &src.answers.to_string(),
                ]);
            }
            for c in &s.comments {
                let _ = comments.write_record([
                    sc.as_str(),
                    &c.date,
                    &cell(&c.source),
                    &cell(&c.question),
                    &cell(&c.text),
                ]);
            }
        }
        vec![
            ("summary.csv", finish(summary)),
            ("distribution.csv", finish(dist)),
            ("weeks.csv", finish(weeks)),
            ("sources.csv", finish(sources)),
            ("comments.csv", finish(comments)),
        ]
    }
}

/// A CSV writer that starts with the UTF-8 BOM (so Excel reads UTF-8) and uses `;`.
fn csv_writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer("\u{feff}".as_bytes().to_vec())
}

fn finish(w: csv::Writer<Vec<u8>>) -> Vec<u8> {
    w.into_inner().unwrap_or_default()
}

/// A text cell that Excel will not run as a formula.
fn cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// All stored answers as CSV (one row per answer, one column per question), comments masked.
pub fn export_csv(rows: &[StoredAnswer], labels: &ReportLabels) -> Vec<u8> {
    let mut questions: Vec<String> = Vec::new();
    for row in rows {
        for key in row.answers.keys() {
            if !questions.contains(key) {
                questions.push(key.clone());
            }
        }
    }
    let mut w = csv_writer();
    let mut header = vec![
        "received_at".to_owned(),
        "service".into(),
        "survey".into(),
        "version".into(),
        "source".into(),
        "lang".into(),
        "satisfaction".into(),
    ];
    header.extend(questions.iter().cloned());
    let _ = w.write_record(&header);
    for row in rows {
        let mut record = vec![
            row.received_at.to_string(),
            row.service.clone(),
            row.survey.clone(),
            row.version.to_string(),
            row.source.clone(),
            row.lang.clone(),
            satisfaction(labels, row)
                .map(|n| n.to_string())
                .unwrap_or_default(),
        ];
        for q in &questions {
            record.push(match row.answers.get(q) {
                Some(AnswerValue::Rating(n)) => n.to_string(),
                Some(AnswerValue::Text(t)) => cell(&mask_contacts(t)),
                None => String::new(),
            });
        }
        let _ = w.write_record(&record);
    }
    finish(w)
}

fn section(
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
    let sat = satisfaction_of(&ratings);

    // Distribution per question, in the order of the survey definition where known.
    let mut order: Vec<(
        String,
        String,
        QuestionKind,
        Option<&yasno_survey_core::Question>,
    )> = Vec::new();
    for row in rows {
        let def = labels.surveys.get(&row.survey);
        let mut keys: Vec<&String> = row.answers.keys().collect();
        if let Some(def) = def {
            keys.sort_by_key(|k| def.questions.iter().position(|q| &q.id == *k));
        }
        for key in keys {
            if order.iter().any(|(id, ..)| id == key) {
                continue;
            }
            let q = def.and_then(|d| d.questions.iter().find(|q| &q.id == key));
            let kind = q.map(|q| q.kind).unwrap_or(match row.answers[key] {
                AnswerValue::Rating(_) => QuestionKind::Rating,
                AnswerValue::Text(_) => QuestionKind::Text,
            });
            order.push((
                key.clone(),
                q.map(|q| q.label.clone()).unwrap_or_else(|| key.clone()),
                kind,
                q,
            ));
        }
    }
    let mut questions = Vec::new();
    let mut comments = Vec::new();
    for (qid, label, kind, def) in &order {
        let values: Vec<(&StoredAnswer, &AnswerValue)> = rows
            .iter()
            .filter_map(|r| r.answers.get(qid).map(|v| (*r, v)))
            .collect();
        let answered = values.len();
        let rows_of = |items: Vec<(String, String)>| -> Vec<ValueRow> {
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
        };
        let (kind_name, value_rows) = match kind {
            QuestionKind::Rating => {
                let words = def
                    .map(|q| {
                        let mut q = q.clone();
                        q.normalize();
                        q.labels
                    })
                    .unwrap_or_else(yasno_survey_core::default_rating_labels);
                (
                    "rating",
                    rows_of(
                        (1..=5)
                            .map(|n| (n.to_string(), words.get(n - 1).cloned().unwrap_or_default()))
                            .collect(),
                    ),
                )
            }
            QuestionKind::Choice => {
                let mut items: Vec<(String, String)> = def
                    .map(|q| {
                        q.options
                            .iter()
                            .map(|o| (o.value.clone(), o.label.clone()))
                            .collect()
                    })
                    .unwrap_or_default();
                for (_, v) in &values {
                    if let AnswerValue::Text(t) = v
                        && !items.iter().any(|(value, _)| value == t)
                    {
                        items.push((t.clone(), t.clone()));
                    }
                }
                ("choice", rows_of(items))
            }
            QuestionKind::Text => {
                for (row, v) in &values {
                    if let AnswerValue::Text(t) = v {
                        comments.push(Comment {
                            date: ddmmyyyy(utc_date(row.received_at)),
                            service: service_title(labels, &row.service),
                            source: source_label(labels, &row.source),
                            question: label.clone(),
                            text: mask_contacts(t),
                        });
                    }
                }
                ("text", Vec::new())
            }
        };
        questions.push(QuestionStats {
            id: qid.clone(),
            label: label.clone(),
            kind: kind_name,
            answered,
            rows: value_rows,
        });
    }
    if slug.is_none() {
        // The overall section counts comments but lists them under each service.
        comments.clear();
    }

    // Trend by ISO week, over the period (or the data's span for "all time"), empty weeks
    // included so the line does not hide gaps.
    let mut weeks = Vec::new();
    let first = rows.first().map(|r| utc_date(r.received_at));
    let last = rows.last().map(|r| utc_date(r.received_at));
    if let (Some(first), Some(last)) = (first, last) {
        let start = first.max(period.from);
        let end = last.min(period.to).max(start);
        let monday = |d: Date| {
            d.checked_sub(i64::from(d.weekday().to_monday_zero_offset()).days())
                .unwrap_or(d)
        };
        let mut week = monday(start);
        while week <= end {
            let next = week.checked_add(7.days()).unwrap_or(Date::MAX);
            let in_week: Vec<u8> = rows
                .iter()
                .filter(|r| {
                    let d = utc_date(r.received_at);
                    d >= week && d < next
                })
                .filter_map(|r| satisfaction(labels, r))
                .collect();
            let count = rows
                .iter()
                .filter(|r| {
                    let d = utc_date(r.received_at);
                    d >= week && d < next
                })
                .count();
            let iso = week.iso_week_date();
            weeks.push(WeekStat {
                week: format!("{}-W{:02}", iso.year(), iso.week()),
                starts: ddmmyyyy(week),
                answers: count,
                mean: satisfaction_of(&in_week).mean,
            });
            if next == Date::MAX {
                break;
            }
            week = next;
        }
    }

    let mut by_source: BTreeMap<&str, usize> = BTreeMap::new();
    for r in rows {
        *by_source.entry(&r.source).or_default() += 1;
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
    // Web first, then locations by count.
    sources.sort_by(|a, b| {
        (b.tag == "web")
            .cmp(&(a.tag == "web"))
            .then(b.answers.cmp(&a.answers))
    });

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
        satisfaction: sat,
        questions,
        weeks,
        sources,
        comments,
        rating_chart,
        week_chart,
    }
}

type ChartResult = Result<(), Box<dyn std::error::Error>>;

/// Marks the chart as an image labelled by its figure caption (`<id>-caption`).
fn label_svg(svg: String, id: &str) -> String {
    svg.replacen(
        "<svg ",
        &format!("<svg role=\"img\" aria-labelledby=\"{id}-caption\" class=\"chart\" "),
        1,
    )
}

/// A bar chart with the value written above each bar (readable without colour).
fn bar_chart(id: &str, bars: &[(String, usize)], x_desc: &str) -> String {
    let mut svg = String::new();
    let draw = |svg: &mut String| -> ChartResult {
        let root = SVGBackend::with_string(svg, (480, 260)).into_drawing_area();
        root.fill(&WHITE)?;
        let max = bars.iter().map(|b| b.1).max().unwrap_or(0).max(1);
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(48)
            .build_cartesian_2d(
                (0..bars.len().saturating_sub(1)).into_segmented(),
                0..max + max / 5 + 1,
            )?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_desc(x_desc)
            .y_desc("Ответов / Answers")
            .x_label_formatter(&|x| match x {
                SegmentValue::CenterOf(i) => bars.get(*i).map(|b| b.0.clone()).unwrap_or_default(),
                _ => String::new(),
            })
            .label_style(("sans-serif", 14))
            .draw()?;
        chart.draw_series(
            Histogram::vertical(&chart)
                .style(RGBColor(40, 40, 40).filled())
                .margin(14)
                .data(bars.iter().enumerate().map(|(i, b)| (i, b.1))),
        )?;
        let style = TextStyle::from(("sans-serif", 14).into_font()).pos(
            plotters::style::text_anchor::Pos::new(
                plotters::style::text_anchor::HPos::Center,
                plotters::style::text_anchor::VPos::Bottom,
            ),
        );
        chart.draw_series(bars.iter().enumerate().map(|(i, b)| {
            Text::new(
                b.1.to_string(),
                (SegmentValue::CenterOf(i), b.1),
                style.clone(),
            )
        }))?;
        root.present()?;
        Ok(())
    };
    if let Err(e) = draw(&mut svg) {
        tracing::warn!(error = %e, "chart not drawn");
        return String::new();
    }
    label_svg(svg, id)
}

/// A line of answers per week with a marker and the value at each point.
fn line_chart(id: &str, points: &[(String, usize)]) -> String {
    if points.is_empty() {
        return String::new();
    }
    let mut svg = String::new();
    let draw = |svg: &mut String| -> ChartResult {
        let root = SVGBackend::with_string(svg, (600, 260)).into_drawing_area();
        root.fill(&WHITE)?;
        let max = points.iter().map(|p| p.1).max().unwrap_or(0).max(1);
        let n = points.len();
        let mut chart = ChartBuilder::on(&root)
            .margin(16)
            .x_label_area_size(40)
            .y_label_area_size(48)
            .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), 0f64..(max as f64 * 1.25 + 1.0))?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n.min(14))
            .x_desc("Неделя (с понедельника) / Week starting")
            .y_desc("Ответов / Answers")
            .x_label_formatter(&|x| {
                let i = x.round();
                // Label every week while they fit, else every other week.
                let step = if n > 8 { 2.0 } else { 1.0 };
                if (x - i).abs() < 0.01 && i >= 0.0 && i % step == 0.0 {
                    points
                        .get(i as usize)
                        .map(|p| p.0.clone())
                        .unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&|y| format!("{y:.0}"))
            .label_style(("sans-serif", 13))
            .draw()?;
        let dark = RGBColor(40, 40, 40);
        chart.draw_series(LineSeries::new(
            points
                .iter()
                .enumerate()
                .map(|(i, p)| (i as f64, p.1 as f64)),
            dark.stroke_width(2),
        ))?;
        chart.draw_series(
            points
                .iter()
                .enumerate()
                .map(|(i, p)| Circle::new((i as f64, p.1 as f64), 4, dark.filled())),
        )?;
        let style = TextStyle::from(("sans-serif", 13).into_font()).pos(
            plotters::style::text_anchor::Pos::new(
                plotters::style::text_anchor::HPos::Center,
                plotters::style::text_anchor::VPos::Bottom,
            ),
        );
        if n <= 20 {
            chart.draw_series(points.iter().enumerate().map(|(i, p)| {
                Text::new(
                    p.1.to_string(),
                    (i as f64, p.1 as f64 + max as f64 * 0.06),
                    style.clone(),
                )
            }))?;
        }
        root.present()?;
        Ok(())
    };
    if let Err(e) = draw(&mut svg) {
        tracing::warn!(error = %e, "chart not drawn");
        return String::new();
    }
    label_svg(svg, id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarters_cover_whole_months() {
        let q = Period::quarter("2026Q3").unwrap();
        assert_eq!(
            (q.from.to_string(), q.to.to_string()),
            ("2026-07-01".into(), "2026-09-30".into())
        );
        let (a, b) = q.bounds();
        assert_eq!(a.to_string(), "2026-07-01T00:00:00Z");
        assert_eq!(b.to_string(), "2026-10-01T00:00:00Z");
        assert_eq!(
            Period::quarter("2026q4").unwrap().to.to_string(),
            "2026-12-31"
        );
        for bad in ["2026Q5", "2026", "Q3", "абв"] {
            assert_eq!(Period::quarter(bad).unwrap_err().field, "quarter");
        }
        assert_eq!(
            Period::between("2026-07-02", "2026-07-01")
                .unwrap_err()
                .field,
            "to"
        );
    }

    #[test]
    fn masks_phones_and_emails_but_not_dates() {
        let masked = mask_contacts(
            "Звоните +7 (812) 576-12-34 или 8 921 123 45 67, пишите ivan.petrov@mail.ru; был 12.05.2026, ждал 40 минут",
        );
        assert!(
            !masked.contains("576-12-34") && !masked.contains("123 45 67"),
            "{masked}"
        );
        assert!(!masked.contains("ivan.petrov"), "{masked}");
        assert!(masked.contains("[телефон скрыт]") && masked.contains("[e-mail скрыт]"));
        assert!(
            masked.contains("12.05.2026") && masked.contains("40 минут"),
            "{masked}"
        );
    }

    #[test]
    fn csv_starts_with_bom_and_guards_formulas() {
        let bytes = export_csv(
            &[StoredAnswer {
                received_at: "2026-07-01T10:00:00Z".parse().unwrap(),
                service: "opeka".into(),
                survey: "default".into(),
                version: 1,
                source: "web".into(),
                lang: "ru".into(),
                answers: BTreeMap::from([
                    ("rating".into(), AnswerValue::Rating(5)),
                    (
                        "comment".into(),
                        AnswerValue::Text("=HYPERLINK(\"x\")".into()),
                    ),
                ]),
            }],
            &ReportLabels::default(),
        );
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.starts_with('\u{feff}'));
        let mut lines = text.trim_start_matches('\u{feff}').lines();
        assert_eq!(
            lines.next().unwrap(),
            "received_at;service;survey;version;source;lang;satisfaction;comment;rating"
        );
        assert!(lines.next().unwrap().contains("\"'=HYPERLINK"));
    }
}
