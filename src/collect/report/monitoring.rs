//! Site monitoring (7.2 part 1, and part 4 when the staff handbook's coverage is given): per
//! service, freshness after a legal act changed, missing parts, readability and findings of
//! `yasno check`, and the answer templates and call scripts still missing.
//!
//! The report only shows these rows; they are computed where the site and the check are
//! loaded (`collect::monitor`), and the handbook's coverage comes in as [`HandbookCoverage`].

use std::collections::BTreeMap;

use serde::Serialize;

/// Monitoring figures of one service.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MonitoringRow {
    /// Service slug.
    pub slug: String,
    /// Service title.
    pub title: String,
    /// `ok`, `due`, `late`, `overdue`, `stale` or `none` (no legal act changed).
    pub freshness: &'static str,
    /// Freshness in words, e.g. `просрочено: акт изменён 01.07.2026, срок 06.07.2026`.
    pub freshness_text: String,
    /// Parts the page lacks, in words (FAQ, survey, contacts, reception…).
    pub missing: Vec<String>,
    /// Readability score (Flesch, Oborneva), e.g. `62`; `—` without prose.
    pub readability: String,
    /// Findings of `yasno check` on the page.
    pub findings: usize,
    /// Of them, errors.
    pub errors: usize,
    /// Handbook templates and scripts missing for this service (when coverage is given).
    pub handbook_missing: Vec<String>,
}

/// The staff handbook's coverage (7.2 part 4), given by the handbook when it exists: per
/// service slug, the kinds of answer templates and call scripts still missing; and the
/// situations the handbook does not cover site-wide.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct HandbookCoverage {
    /// Missing template and script kinds by service slug.
    pub services: BTreeMap<String, Vec<String>>,
    /// Site-wide situations without a template or script.
    pub site_missing: Vec<String>,
}

/// The monitoring part of the report.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Monitoring {
    /// One row per service.
    pub rows: Vec<MonitoringRow>,
    /// The date freshness was measured on, `DD.MM.YYYY`.
    pub as_of: String,
    /// Whether the handbook's coverage was given.
    pub has_coverage: bool,
    /// Site-wide situations the handbook does not cover.
    pub site_missing: Vec<String>,
}

impl Monitoring {
    /// The monitoring rows, with the handbook's coverage beside them when given.
    pub fn new(
        mut rows: Vec<MonitoringRow>,
        as_of: String,
        coverage: Option<&HandbookCoverage>,
    ) -> Self {
        if let Some(c) = coverage {
            for row in &mut rows {
                row.handbook_missing = c.services.get(&row.slug).cloned().unwrap_or_default();
            }
        }
        Monitoring {
            rows,
            as_of,
            has_coverage: coverage.is_some(),
            site_missing: coverage.map(|c| c.site_missing.clone()).unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::report::{Period, Report, ReportLabels};

    #[test]
    fn handbook_coverage_is_shown_only_when_given() {
        let row = MonitoringRow {
            slug: "primer".into(),
            title: "Пример".into(),
            freshness: "ok",
            freshness_text: "обновлено".into(),
            missing: vec![],
            readability: "60".into(),
            findings: 0,
            errors: 0,
            handbook_missing: vec![],
        };
        let period = Period::quarter("2026Q3").unwrap();
        let mut report = Report::build(&[], &period, &ReportLabels::default());
        report.monitoring = Some(Monitoring::new(
            vec![row.clone()],
            "30.09.2026".into(),
            None,
        ));
        let html = report.to_html();
        assert!(html.contains("monitoring-table") && !html.contains("Handbook gaps"));
        let coverage = HandbookCoverage {
            services: BTreeMap::from([("primer".into(), vec!["шаблон отказа".into()])]),
            site_missing: vec!["сценарий: жалоба на сотрудника".into()],
        };
        report.monitoring = Some(Monitoring::new(
            vec![row],
            "30.09.2026".into(),
            Some(&coverage),
        ));
        let html = report.to_html();
        assert!(html.contains("Handbook gaps") && html.contains("шаблон отказа"));
        assert!(html.contains("<li>сценарий: жалоба на сотрудника</li>"));
    }
}
