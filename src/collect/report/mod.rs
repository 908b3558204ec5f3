//! Survey reports: figures per service and overall, SVG charts, HTML and CSV.
//!
//! Invariants: every text that came from a visitor is escaped where it is shown (the HTML
//! template autoescapes) and has phone numbers and e-mail addresses masked; charts carry a
//! caption and sit next to a table with the same numbers (their text alternative), and use
//! one dark colour with value labels, so they read without colour; CSV files start with a
//! UTF-8 BOM and a header row, and use `;` and a decimal comma, as Excel in a Russian locale
//! expects.

mod charts;
mod control;
mod control_csv;
mod csv;
mod decisions;
mod figures;
mod html;
mod letters;
pub(crate) mod mask;
mod monitoring;
mod pages;
mod period;
mod stats;
mod themes;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use jiff::Timestamp;
use serde::Serialize;
use yasno_survey_core::Survey;

use super::store::StoredAnswer;
use figures::{ddmmyyyy, section, service_title, utc_date};

pub use control::{Comparison, GroupRow, ServiceRow};
pub use csv::export_csv;
pub use decisions::{Decision, decisions_file, load as load_decisions};
pub use figures::{Comment, QuestionStats, Satisfaction, Section, SourceStat, ValueRow, WeekStat};
pub use letters::{CallFigures, LettersAndCalls, RequestFigures, working_days_between};
pub use mask::mask_contacts;
pub use monitoring::{HandbookCoverage, Monitoring, MonitoringRow};
pub use pages::{PageVotes, page_votes};
pub use period::{Period, PeriodError};
pub use stats::{Share, wilson};
pub use themes::ThemeGroup;

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
    /// Slugs of the services whose survey is switched on.
    pub surveys_on: BTreeSet<String>,
    /// The site's `[report]` settings: alert threshold, minimum answers, themes.
    pub settings: crate::site::ReportSettings,
    /// The production calendar with the site's additions, for waits in working days.
    pub calendar: crate::check::Calendar,
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
    /// One section per service of the site (and any other the answers name), by slug.
    pub services: Vec<Section>,
    /// Every service beside the previous period, the alert list, languages and sources.
    pub comparison: Comparison,
    /// Imported letters and calls, when the report was made from a store that has them.
    pub letters: Option<LettersAndCalls>,
    /// "Is this page useful?" votes by page, most "no" first, when the store has them.
    pub pages: Option<Vec<PageVotes>>,
    /// Site monitoring per service (and the handbook's coverage), when the site was loaded.
    pub monitoring: Option<Monitoring>,
}

impl Report {
    /// Computes the figures of `rows` (answers of `period`).
    pub fn build(rows: &[StoredAnswer], period: &Period, labels: &ReportLabels) -> Self {
        Self::build_compared(rows, &[], period, labels)
    }

    /// Computes the figures of `rows` (answers of `period`) beside `previous` (the answers
    /// of [`Period::previous`]).
    pub fn build_compared(
        rows: &[StoredAnswer],
        previous: &[StoredAnswer],
        period: &Period,
        labels: &ReportLabels,
    ) -> Self {
        let mut by_service: BTreeMap<&str, Vec<&StoredAnswer>> = labels
            .services
            .keys()
            .map(|slug| (slug.as_str(), Vec::new()))
            .collect();
        for row in rows {
            by_service.entry(&row.answer.service).or_default().push(row);
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
        let mut services: Vec<Section> = by_service
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
        let themes = &labels.settings.themes;
        let mut all_comments = Vec::new();
        for s in &mut services {
            s.themes = themes::group(&s.comments, themes);
            all_comments.extend(s.comments.iter().cloned());
        }
        let mut overall = overall;
        overall.themes = themes::group(&all_comments, themes);
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
            comparison: Comparison::build(
                rows,
                previous,
                period.previous().map(|p| p.label),
                labels,
            ),
            letters: None,
            pages: None,
            monitoring: None,
        }
    }

    /// Writes `report.html` and the CSV files into `dir` (created if missing); returns the
    /// paths written.
    pub fn write(&self, dir: &Path) -> std::io::Result<Vec<std::path::PathBuf>> {
        std::fs::create_dir_all(dir)?;
        let mut written = Vec::new();
        let mut put = |name: &str, bytes: Vec<u8>| -> std::io::Result<()> {
            let path = dir.join(name);
            // Reports hold answers: owner-only, like the database.
            crate::collect::store::private_file(&path)?;
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

    pub(super) fn sections(&self) -> impl Iterator<Item = &Section> {
        std::iter::once(&self.overall).chain(&self.services)
    }
}
