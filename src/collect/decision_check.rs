//! `yasno check --db`: the one check that reads the answer store. Sections 3.5–3.6: a
//! service on the quarter's alert list needs the meeting's decision. It lives here, beside
//! the store and the report's alert rule, because `check` never imports `collect` (collect
//! imports check); `main` adds these findings to the check's outcome.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use jiff::ToSpan;

use super::cli::{CliError, from_site};
use super::report::{Comparison, Period, ServiceRow, decisions_file, load_decisions};
use super::store::{self, DbUrl};
use crate::check::{Finding, LineIndex, Severity, level};
use crate::site::{Service, Site};

/// The rule id (listed in [`crate::check::RULES`]).
pub const RULE: &str = "decision-missing";

/// Why the rule matters, shown under each finding.
const WHY: &str = "п. 3.5–3.6: по каждой услуге из списка тревоги совещание решает, перепроектировать ли её; без решения тревога остаётся без ответа";

/// The quarter `yasno check --db` looks at when none is given: the one holding `today`.
pub fn quarter_of(today: jiff::civil::Date) -> String {
    format!("{}Q{}", today.year(), (today.month() - 1) / 3 + 1)
}

/// The alert list of `quarter` with the decisions of its file attached: the report's own
/// rule ([`Comparison::build`] for the alerts, [`Comparison::attach_decisions`] for the
/// missing decisions). Returns the comparison and the slugs with no decision.
pub fn alerts_without_decision(
    answers: &[super::StoredAnswer],
    labels: &super::ReportLabels,
    root: &Path,
    quarter: &str,
) -> Result<(Comparison, Vec<String>), CliError> {
    let mut comparison = Comparison::build(answers, &[], None, labels);
    let slugs: BTreeSet<String> = labels.services.keys().cloned().collect();
    let decisions =
        load_decisions(&decisions_file(root, quarter), &slugs).map_err(CliError::Site)?;
    let missing = comparison.attach_decisions(&decisions, &BTreeMap::new());
    Ok((comparison, missing))
}

/// The report's stderr line for an alert service with no decision.
pub fn report_warning(slug: &str, quarter: &str, root: &Path) -> String {
    format!(
        "warning: «{slug}» в списке тревоги, а решения за {quarter} нет в {file} / `{slug}` is on the alert list with no decision for {quarter}",
        file = decisions_file(root, quarter).display()
    )
}

/// One `decision-missing` finding per service on the alert list of `quarter` (e.g.
/// `2026Q3`) with no decision in `content/decisions/<quarter>.toml`; none when the rule is
/// turned off in `[check.rules]`. Reads that quarter's answers from `db`.
pub fn decision_findings(site: &Site, db: &DbUrl, quarter: &str) -> Result<Vec<Finding>, CliError> {
    // A wrong quarter or store is the editor's mistake even when the rule is off.
    let period = Period::quarter(quarter).map_err(CliError::Period)?;
    if let DbUrl::Sqlite(path) = db
        && !store::exists(db)
    {
        return Err(CliError::NoDatabase(path.clone()));
    }
    let Some(severity) = level(&site.settings.check, RULE, Severity::Warning) else {
        return Ok(Vec::new());
    };
    let config = from_site(site).config;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(CliError::Runtime)?;
    let answers = runtime.block_on(async {
        let store = store::open(db, &config.site).await?;
        let (from, to) = period.bounds();
        let answers = store.answers_between(from, to).await;
        store.close().await?;
        answers
    })?;
    let (comparison, missing) =
        alerts_without_decision(&answers, &config.report, &site.root, &period.label)?;
    let file = decisions_file(&site.root, &period.label);
    let found = missing.iter().filter_map(|slug| {
        let row = comparison.services.iter().find(|s| s.slug == *slug)?;
        // The page in the site's language: translations share the slug.
        let service = (site.services.iter())
            .filter(|s| s.slug == *slug)
            .min_by_key(|s| !s.is_default_lang(&site.settings))?;
        let what = Missing {
            row,
            threshold: &comparison.threshold,
            period: &period,
            file: &file,
        };
        finding(service, &what, severity)
    });
    Ok(found.collect())
}

/// What one finding says.
struct Missing<'a> {
    row: &'a ServiceRow,
    threshold: &'a str,
    period: &'a Period,
    file: &'a Path,
}

/// The finding at the service's title (its file is where the editor works; the decisions
/// file may not exist yet); none when the file cannot be read again (the pages' check
/// reports that).
fn finding(service: &Service, m: &Missing<'_>, severity: Severity) -> Option<Finding> {
    let (slug, q, file) = (&m.row.slug, &m.period.label, m.file.display());
    let message = format!(
        "нет решения совещания за {q} по услуге «{title}» из списка тревоги: оценок 1–2 {low} (порог {threshold}); запишите решение в {file} / no decision for {q} on `{slug}`, on the alert list with {share} low ratings: add it to {file}",
        title = m.row.title,
        low = m.row.low.text,
        threshold = m.threshold,
        share = m
            .row
            .low
            .value
            .map_or_else(|| "—".to_owned(), |v| format!("{:.0} %", v * 100.0)),
    );
    let meeting = m.period.to.checked_add(1.day()).unwrap_or(m.period.to);
    let help = format!(
        "добавьте в {file} / add to {file}:\n[[decision]]\nservice = \"{slug}\"\ndiscussed = {meeting}\nreengineer = true\nwhy = \"почему так решили\"\nwho = \"Фамилия И. О.\"\nby = {by}",
        by = meeting.checked_add(2.months()).unwrap_or(meeting),
    );
    let span = service.spans.at("title");
    let source = service.text().ok()?;
    let lines = LineIndex::new(&source);
    let (line, column) = lines.position(&source, span.start);
    let (end_line, end_column) = lines.position(&source, span.end);
    Some(Finding {
        file: Arc::from(service.source_path.as_path()),
        line,
        column,
        end_line,
        end_column,
        rule: RULE,
        severity,
        message: message.into(),
        suggestion: Some(help.into()),
        why: WHY.into(),
        span,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_quarter_holds_the_day() {
        let d = |m: i8| jiff::civil::date(2026, m, 15);
        assert_eq!(quarter_of(d(1)), "2026Q1");
        assert_eq!(quarter_of(d(3)), "2026Q1");
        assert_eq!(quarter_of(d(4)), "2026Q2");
        assert_eq!(quarter_of(d(9)), "2026Q3");
        assert_eq!(quarter_of(d(12)), "2026Q4");
    }
}
