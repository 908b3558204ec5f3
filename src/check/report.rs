//! The monitoring summary (rules, section 7.2: quarterly review of the site): one HTML
//! page with, per service page, readability, findings per rule and freshness.
//!
//! It is staff material, written where the caller says (never into `public/` by default).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use jiff::civil::Date;
use pulldown_cmark_escape::escape_html;

use super::rows::Row;
use super::{FreshnessState, PageStats, RULES, Severity};

/// Freshness of one page for the report.
#[derive(Debug, Clone)]
pub struct FreshnessSummary {
    /// The page's `updated` date.
    pub updated: Date,
    /// The latest amendment of its legal acts, with the deadline and the state.
    pub latest: Option<(Date, Date, FreshnessState)>,
    /// Not updated for longer than the site allows.
    pub stale: bool,
}

/// One page of the report.
#[derive(Debug, Clone)]
pub struct PageReport {
    /// Source file.
    pub file: PathBuf,
    /// Page title.
    pub title: String,
    /// Site path, e.g. `/services/opeka/`.
    pub url: Option<String>,
    /// Words, sentences, readability.
    pub stats: PageStats,
    /// Findings on the page (content and freshness), counted: the findings themselves are
    /// kept once, in the run's list.
    pub counts: FindingCounts,
    /// Freshness, for service pages.
    pub freshness: Option<FreshnessSummary>,
}

/// How many findings a page has, by severity and rule.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FindingCounts {
    /// All findings.
    pub total: usize,
    /// Findings with severity error.
    pub errors: usize,
    /// Findings per rule id.
    pub by_rule: BTreeMap<&'static str, usize>,
}

impl FindingCounts {
    /// Counts a page's findings, given as rows.
    pub(crate) fn of_rows(rows: &[Row]) -> FindingCounts {
        let mut by_rule = [0usize; RULES.len()];
        let mut errors = 0;
        for r in rows {
            by_rule[usize::from(r.rule)] += 1;
            errors += usize::from(r.severity == Severity::Error);
        }
        let by_rule = (RULES.iter().zip(by_rule))
            .filter(|(_, n)| *n > 0)
            .map(|((id, _), n)| (*id, n))
            .collect();
        FindingCounts {
            total: rows.len(),
            errors,
            by_rule,
        }
    }
}

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    // Writing into a String cannot fail.
    let _ = escape_html(&mut out, s);
    out
}

fn ru(d: Date) -> String {
    d.strftime("%d.%m.%Y").to_string()
}

/// Renders the report as a standalone HTML page (Russian).
pub fn render_html(site_name: &str, pages: &[PageReport], today: Date) -> String {
    let mut h = String::new();
    head(&mut h, site_name, today);
    summary(&mut h, pages);
    rules_table(&mut h, pages);
    h.push_str(
        "<h2>Страницы</h2>\n<table>\n<thead><tr><th scope=\"col\">Страница</th><th scope=\"col\">Удобочитаемость</th>\
         <th scope=\"col\">Слов в предложении</th><th scope=\"col\">Ошибок</th><th scope=\"col\">Предупреждений</th>\
         <th scope=\"col\">Замечания по правилам</th><th scope=\"col\">Обновлена</th><th scope=\"col\">Актуальность</th></tr></thead>\n<tbody>\n",
    );
    for p in pages {
        page_row(&mut h, p);
    }
    h.push_str("</tbody>\n</table>\n</main>\n</body>\n</html>\n");
    h
}

/// The document head, the title and the line saying when the report was made.
fn head(h: &mut String, site_name: &str, today: Date) {
    let quarter = (today.month() - 1) / 3 + 1;
    let _ = write!(
        h,
        "<!doctype html>\n<html lang=\"ru\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Мониторинг текстов: {name}, {q} квартал {y}</title>\n<style>\n\
         body{{font:1rem/1.5 system-ui,sans-serif;margin:1rem;max-width:80rem}}\n\
         table{{border-collapse:collapse;width:100%}}th,td{{border:1px solid #767676;padding:.3rem .5rem;text-align:left;vertical-align:top}}\n\
         th{{background:#eee}}.bad{{background:#fde8e8}}.warn{{background:#fff6d6}}.ok{{background:#e6f4ea}}\n\
         td.num{{text-align:right}}\n</style>\n</head>\n<body>\n<main>\n\
         <h1>Мониторинг текстов сайта «{name}»</h1>\n\
         <p>Сформирован {date} ({q} квартал {y}). Правила, п. 2.3, 2.4, 4.9 и 7.2.</p>\n",
        name = esc(site_name),
        q = quarter,
        y = today.year(),
        date = ru(today),
    );
}

/// The totals: pages, findings, errors, pages overdue after a legal act changed.
fn summary(h: &mut String, pages: &[PageReport]) {
    let total_errors: usize = pages.iter().map(|p| p.counts.errors).sum();
    let total: usize = pages.iter().map(|p| p.counts.total).sum();
    let overdue = pages
        .iter()
        .filter(|p| {
            p.freshness
                .as_ref()
                .is_some_and(|f| matches!(f.latest, Some((_, _, FreshnessState::Overdue))))
        })
        .count();
    let _ = write!(
        h,
        "<h2>Итог</h2>\n<ul>\n<li>Страниц: {}</li>\n<li>Замечаний: {total}, из них ошибок: {total_errors}</li>\n\
         <li>Страниц, не обновлённых после изменения закона: {overdue}</li>\n</ul>\n",
        pages.len()
    );
}

/// Findings per rule over the site.
fn rules_table(h: &mut String, pages: &[PageReport]) {
    // Findings per rule over the site.
    let mut per_rule: BTreeMap<&str, usize> = BTreeMap::new();
    for p in pages {
        for (rule, n) in &p.counts.by_rule {
            *per_rule.entry(rule).or_default() += n;
        }
    }
    h.push_str(
        "<h2>Замечания по правилам</h2>\n<table>\n<thead><tr><th scope=\"col\">Правило</th><th scope=\"col\">Что проверяет</th><th scope=\"col\">Замечаний</th></tr></thead>\n<tbody>\n",
    );
    for (id, what) in RULES {
        let n = per_rule.get(id).copied().unwrap_or(0);
        let _ = writeln!(
            h,
            "<tr><td><code>{id}</code></td><td>{}</td><td class=\"num\">{n}</td></tr>",
            esc(what)
        );
    }
    h.push_str("</tbody>\n</table>\n");
}

/// One page's row of the pages table.
fn page_row(h: &mut String, p: &PageReport) {
    let errors = p.counts.errors;
    let warnings = p.counts.total - errors;
    let rules_html = (p.counts.by_rule)
        .iter()
        .map(|(r, n)| format!("<code>{r}</code>: {n}"))
        .collect::<Vec<_>>()
        .join("<br>");
    let title = match &p.url {
        Some(u) => format!("<a href=\"{}\">{}</a>", esc(u), esc(&p.title)),
        None => esc(&p.title),
    };
    let read = p
        .stats
        .readability
        .map_or("—".to_string(), |r| format!("{r:.1}"));
    let asl = if p.stats.sentences > 0 {
        format!("{:.1}", p.stats.words as f64 / p.stats.sentences as f64)
    } else {
        "—".into()
    };
    let (updated, fresh, class) = freshness_cells(p.freshness.as_ref());
    let row_class = if errors > 0 { " class=\"bad\"" } else { "" };
    let _ = writeln!(
        h,
        "<tr{row_class}><td>{title}<br><small>{}</small></td><td class=\"num\">{read}</td><td class=\"num\">{asl}</td>\
         <td class=\"num\">{errors}</td><td class=\"num\">{warnings}</td><td>{rules_html}</td><td>{updated}</td>\
         <td class=\"{class}\">{}</td></tr>",
        esc(&p.file.display().to_string()),
        esc(&fresh)
    );
}

/// The "updated", "freshness" cells and the freshness cell's class.
fn freshness_cells(freshness: Option<&FreshnessSummary>) -> (String, String, &'static str) {
    match freshness {
        None => ("—".to_string(), "—".to_string(), ""),
        Some(f) => {
            let (text, class) = match f.latest {
                None => ("акты не менялись".to_string(), "ok"),
                Some((amended, deadline, state)) => {
                    let what = match state {
                        FreshnessState::Ok => "обновлена вовремя",
                        FreshnessState::Due => "нужно обновить",
                        FreshnessState::Late => "обновлена с опозданием",
                        FreshnessState::Overdue => "срок обновления истёк",
                    };
                    let class = match state {
                        FreshnessState::Ok => "ok",
                        FreshnessState::Due | FreshnessState::Late => "warn",
                        FreshnessState::Overdue => "bad",
                    };
                    (
                        format!("{what}: акт изменён {}, срок {}", ru(amended), ru(deadline)),
                        class,
                    )
                }
            };
            let text = if f.stale {
                format!("{text}; давно не проверялась")
            } else {
                text
            };
            (ru(f.updated), text, class)
        }
    }
}
