//! `yasno check`: plain-language, accessibility and freshness rules for published texts.
//!
//! Sections 2.3, 2.4, 4.9 and 1.7 of the rules for the administration's texts, as checks.
//! The core is pure: [`check_markdown`] / [`check_page`] take a file's text and return
//! [`Finding`]s with 1-based line and column (in characters, like rustc) in the whole file;
//! [`check_freshness`] compares dates against the production [`calendar`]. No I/O happens
//! here, so the build and the serve loop can call it per page in parallel and cache the
//! result by content hash ([`CheckCache`]).
//!
//! Rule ids are stable (see [`RULES`]); severities come from the rule, can be changed per
//! rule in `[check.rules]` of the site settings, and one line can be exempted with
//! `<!-- yasno-allow: rule-id -->` on that line or the line before it.

mod cache;
pub use crate::site::calendar;
mod intern;
mod lexicon;
mod lines;
pub mod packed;
pub mod print;
pub mod report;
mod rows;
mod rules;
pub mod run;
pub mod site;
mod staff;
mod text;
mod translations;

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use codespan_reporting::diagnostic::{Diagnostic, Label};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term;
use serde::{Deserialize, Serialize};

pub use crate::site::{CalendarExtension, CheckConfig, Level};
pub use cache::CheckCache;
pub use calendar::Calendar;
pub(crate) use intern::Interner;
pub(crate) use lines::{Cursor, LineIndex};
pub use run::{CheckOptions, CheckOutcome, Target, add_findings, run, today};

/// Every rule id, with a one-line description (for `--help`, settings validation and
/// the monitoring report).
pub const RULES: &[(&str, &str)] = &[
    ("bureaucratese", "канцелярит и его простые замены"),
    ("long-sentence", "длинное предложение"),
    ("long-paragraph", "длинный абзац"),
    ("all-caps", "слова заглавными буквами"),
    ("emphasis", "курсив"),
    ("underline", "подчёркивание"),
    ("special-symbol", "специальные символы вместо слов"),
    ("negative", "отрицательная инструкция"),
    ("abbreviation", "сокращение без расшифровки"),
    ("terminology", "одно понятие разными словами"),
    ("readability", "индекс удобочитаемости страницы"),
    ("image-alt", "изображение без текстового описания"),
    ("link-text", "ссылка с бессмысленным текстом"),
    ("heading-level", "пропущен уровень заголовка"),
    ("table-header", "таблица без строки заголовков"),
    ("phone-link", "телефон без ссылки tel:"),
    (
        "unsafe-link",
        "ссылка или картинка с опасной схемой адреса (javascript:, data:…)",
    ),
    ("freshness", "страница не обновлена после изменения закона"),
    ("stale", "страница давно не обновлялась"),
    // The staff handbook's texts (src/check/staff.rs).
    (
        "staff-ack-parts",
        "уведомление о получении без приветствия, благодарности или срока (п. 4.4)",
    ),
    (
        "staff-survey-invite",
        "письмо или сценарий без приглашения пройти опрос (п. 4.13, 5.14, 6.9)",
    ),
    (
        "staff-call-parts",
        "сценарий звонка без обязательной части (п. 5.9, 5.10)",
    ),
    (
        "staff-insult-branch",
        "сценарий звонка без действий при оскорблениях (п. 5.13)",
    ),
    (
        "staff-transfers",
        "больше двух переключений звонка (п. 5.3)",
    ),
    (
        "staff-refusal-grounds",
        "отказ без причин отказа простыми словами (п. 4.12, 5.12)",
    ),
    (
        "staff-booking-documents",
        "подтверждение записи без списка документов (п. 6.4)",
    ),
    (
        "staff-coverage",
        "услуге не хватает шаблона или сценария, ситуации без ответа (п. 4.8, 7.2)",
    ),
    (
        "translation-outdated",
        "русский текст изменился после перевода",
    ),
    (
        "translation-unreviewed",
        "перевод не проверил носитель языка",
    ),
    // Read from the answer store only with `yasno check --db` (src/collect/decision_check.rs).
    (
        "decision-missing",
        "услуга в списке тревоги без решения совещания за квартал (п. 3.5)",
    ),
];

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Fails `yasno check` (exit code 1) and `yasno build --strict`.
    Error,
    /// Shown, does not fail.
    Warning,
}

impl Severity {
    /// `error` or `warning`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// One problem in one file.
///
/// Texts are shared ([`Arc`]): a legacy site repeats the same few hundred messages hundreds
/// of thousands of times, and one copy of each keeps a 10,000-page check in memory.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// The file, as given to the check.
    pub file: Arc<Path>,
    /// 1-based line of the first character.
    pub line: usize,
    /// 1-based column (in characters) of the first character.
    pub column: usize,
    /// 1-based line of the last character.
    pub end_line: usize,
    /// 1-based column just after the last character.
    pub end_column: usize,
    /// Rule id, e.g. `bureaucratese`.
    pub rule: &'static str,
    /// Error or warning, after the site's overrides.
    pub severity: Severity,
    /// What is wrong, in Russian.
    pub message: Arc<str>,
    /// A plain replacement or what to do, if there is one.
    pub suggestion: Option<Arc<str>>,
    /// Why it matters for the reader.
    pub why: Arc<str>,
    /// Byte range in the file.
    pub span: Range<usize>,
}

/// The JSON shape of a finding (`yasno check --format json`).
#[derive(Debug, Serialize)]
pub struct JsonFinding<'a> {
    /// See [`Finding::file`] (borrowed when the path is UTF-8: no copy for each of a legacy
    /// site's 700,000 findings).
    pub file: Cow<'a, str>,
    /// See [`Finding::line`].
    pub line: usize,
    /// See [`Finding::column`].
    pub column: usize,
    /// See [`Finding::end_line`].
    pub end_line: usize,
    /// See [`Finding::end_column`].
    pub end_column: usize,
    /// See [`Finding::rule`].
    pub rule: &'a str,
    /// See [`Finding::severity`].
    pub severity: Severity,
    /// See [`Finding::message`].
    pub message: &'a str,
    /// See [`Finding::suggestion`].
    pub suggestion: Option<&'a str>,
}

impl<'a> From<&'a Finding> for JsonFinding<'a> {
    fn from(f: &'a Finding) -> Self {
        JsonFinding {
            file: f.file.to_string_lossy(),
            line: f.line,
            column: f.column,
            end_line: f.end_line,
            end_column: f.end_column,
            rule: f.rule,
            severity: f.severity,
            message: &f.message,
            suggestion: f.suggestion.as_deref(),
        }
    }
}

/// Findings as the JSON array printed by `yasno check --format json`.
pub fn findings_to_json(findings: &[Finding]) -> String {
    let mut out = Vec::new();
    if write_findings_json(findings, &mut out).is_err() {
        return "[]".into();
    }
    String::from_utf8(out).unwrap_or_else(|_| "[]".into())
}

/// [`findings_to_json`] streamed into `out`: no copy of the whole list in memory (a legacy
/// site's array is hundreds of megabytes).
pub fn write_findings_json(findings: &[Finding], out: impl std::io::Write) -> std::io::Result<()> {
    write_json_array(|| findings.iter().map(JsonFinding::from), out)
}

/// The findings `items` makes, written into `out` as one pretty JSON array (the shape of
/// [`findings_to_json`]) without collecting them first.
pub(crate) fn write_json_array<'a, I>(
    items: impl Fn() -> I,
    out: impl std::io::Write,
) -> std::io::Result<()>
where
    I: Iterator<Item = JsonFinding<'a>>,
{
    struct Seq<F>(F);
    impl<'a, F, I> Serialize for Seq<F>
    where
        F: Fn() -> I,
        I: Iterator<Item = JsonFinding<'a>>,
    {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_seq((self.0)())
        }
    }
    serde_json::to_writer_pretty(out, &Seq(items)).map_err(std::io::Error::other)
}

/// Rule ids in `[check.rules]` that do not exist, each with a "did you mean" hint.
pub fn unknown_rules(cfg: &CheckConfig) -> Vec<String> {
    cfg.rules
        .keys()
        .filter(|k| !RULES.iter().any(|(id, _)| id == k))
        .map(|k| {
            let best = RULES
                .iter()
                .map(|(id, _)| (strsim::jaro_winkler(k, id), *id))
                .max_by(|a, b| a.0.total_cmp(&b.0));
            match best {
                Some((score, id)) if score > 0.7 => {
                    format!("неизвестное правило `{k}` в [check.rules]; может быть, `{id}`?")
                }
                _ => format!("неизвестное правило `{k}` в [check.rules]"),
            }
        })
        .collect()
}

/// The severity of `rule` after the site's `[check.rules]`; `None` when it is turned off.
/// Public for the findings made outside this module (e.g. from the answer store).
pub fn level(cfg: &CheckConfig, rule: &str, default: Severity) -> Option<Severity> {
    match cfg.rules.get(rule) {
        Some(Level::Off) => None,
        Some(Level::Error) => Some(Severity::Error),
        Some(Level::Warning) => Some(Severity::Warning),
        None => Some(default),
    }
}

/// A site's `[check]` settings with the lookup tables built from them, made once per run
/// and shared by every page.
#[derive(Debug)]
pub struct Rules {
    cfg: CheckConfig,
    compiled: rules::Compiled,
    /// One copy of each finding text across the run's pages.
    texts: Interner,
}

impl Rules {
    /// Builds the lookup tables for `cfg`.
    pub fn new(cfg: &CheckConfig) -> Rules {
        Rules {
            cfg: cfg.clone(),
            compiled: rules::Compiled::new(cfg),
            texts: Interner::default(),
        }
    }

    /// The settings these rules were made from.
    pub fn config(&self) -> &CheckConfig {
        &self.cfg
    }
}

impl Default for Rules {
    fn default() -> Self {
        Rules::new(&CheckConfig::default())
    }
}

/// Page figures for the monitoring report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PageStats {
    /// Words of prose.
    pub words: usize,
    /// Sentences.
    pub sentences: usize,
    /// Syllables (vowels).
    pub syllables: usize,
    /// Flesch score (Oborneva's adaptation for Russian), if the page has prose.
    pub readability: Option<f64>,
}

/// Findings and figures for one page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageCheck {
    /// Findings, sorted by position.
    pub findings: Vec<Finding>,
    /// Figures for the report.
    pub stats: PageStats,
}

/// A problem found by a rule, before the site's settings and exemptions apply. Fixed texts
/// are borrowed: most hits of a legacy page repeat a few constant notes, and copying each
/// one only to look up its shared copy was a malloc, a copy and a free per text.
#[derive(Debug, Clone)]
pub(crate) struct Hit {
    pub rule: &'static str,
    pub span: Range<usize>,
    pub severity: Severity,
    pub message: Cow<'static, str>,
    pub suggestion: Option<Cow<'static, str>>,
    pub why: Cow<'static, str>,
}

/// Checks the Markdown body of a file that starts at byte `body_offset` (0 without front
/// matter). Lines and columns are counted in the whole `source`. Builds the rules' lookup
/// tables for this one call: to check many pages, make [`Rules`] once and use [`check_page`].
pub fn check_markdown(
    file: &Path,
    source: &str,
    body_offset: usize,
    lang: &str,
    cfg: &CheckConfig,
) -> Vec<Finding> {
    let start = body_offset.min(source.len());
    let body = start..source.len();
    check_page(
        file,
        source,
        std::slice::from_ref(&body),
        lang,
        &Rules::new(cfg),
    )
    .findings
}

/// Checks several Markdown fragments of one file as one page (the body, the summary,
/// FAQ answers…), so page-wide rules (first use of an abbreviation, terminology,
/// readability) see all of them. Each range is a byte range of `source`.
pub fn check_page(
    file: &Path,
    source: &str,
    fragments: &[Range<usize>],
    lang: &str,
    rules: &Rules,
) -> PageCheck {
    let (rows, stats) = page_rows(source, fragments, lang, rules);
    PageCheck {
        findings: rows::findings(file, &rows, &rules.texts),
        stats,
    }
}

/// [`check_page`] as rows of the run's text table (`rules`' own).
pub(crate) fn page_rows(
    source: &str,
    fragments: &[Range<usize>],
    lang: &str,
    rules: &Rules,
) -> (Vec<rows::Row>, PageStats) {
    let mut doc = text::Document::default();
    let mut ordered: Vec<Range<usize>> = fragments
        .iter()
        .filter(|r| r.start <= r.end && r.end <= source.len())
        .filter(|r| source.is_char_boundary(r.start) && source.is_char_boundary(r.end))
        .cloned()
        .collect();
    ordered.sort_by_key(|r| r.start);
    for r in ordered {
        let part = text::parse(source, r, lang);
        doc.blocks.extend(part.blocks);
        doc.links.extend(part.links);
        doc.images.extend(part.images);
        doc.headings.extend(part.headings);
        doc.tables.extend(part.tables);
        doc.emphasis.extend(part.emphasis);
        doc.html.extend(part.html);
    }
    let lang = lexicon::Lang::from_code(lang);
    let (hits, stats) = rules::run(source, &doc, lang, &rules.cfg, &rules.compiled);
    (rows::finish(source, hits, &rules.cfg, &rules.texts), stats)
}

/// One legal act's amendment, as the freshness rule needs it.
#[derive(Debug, Clone)]
pub struct Amendment {
    /// The act's title, for the message.
    pub title: String,
    /// When the act was amended.
    pub amended: jiff::civil::Date,
    /// Where the `amended` date is written in the file.
    pub span: Range<usize>,
}

/// Freshness of one page (section 2.4 of the rules).
#[derive(Debug, Clone)]
pub struct FreshnessInput<'a> {
    /// The file.
    pub file: &'a Path,
    /// Its text (for line numbers).
    pub source: &'a str,
    /// The page's `updated` date.
    pub updated: jiff::civil::Date,
    /// Where `updated` is written in the file.
    pub updated_span: Range<usize>,
    /// Amended legal acts.
    pub amendments: &'a [Amendment],
    /// Today.
    pub today: jiff::civil::Date,
}

/// Checks that a page was updated within the allowed working days after each amendment
/// of its legal acts, and that it is not stale.
pub fn check_freshness(
    input: &FreshnessInput<'_>,
    cfg: &CheckConfig,
    calendar: &Calendar,
) -> Vec<Finding> {
    let hits = rules::freshness::check(input, cfg, calendar);
    let texts = Interner::default();
    rows::findings(
        input.file,
        &rows::finish(input.source, hits, cfg, &texts),
        &texts,
    )
}

/// [`check_freshness`] as rows of the run's text table (`rules`' own).
pub(crate) fn freshness_rows(
    input: &FreshnessInput<'_>,
    rules: &Rules,
    calendar: &Calendar,
) -> Vec<rows::Row> {
    let hits = rules::freshness::check(input, &rules.cfg, calendar);
    rows::finish(input.source, hits, &rules.cfg, &rules.texts)
}

/// Whether [`check_freshness`] would find anything: it needs the page's text only then.
pub fn freshness_fires(input: &FreshnessInput<'_>, cfg: &CheckConfig, calendar: &Calendar) -> bool {
    !rules::freshness::check(input, cfg, calendar).is_empty()
}

/// Where a freshness deadline stands, for the monitoring report.
pub use rules::freshness::{FreshnessState, freshness_state};

/// Writes findings the way rustc does (file:line:column, rule id, underline, notes),
/// in colour when `out` supports it.
pub fn emit_human(
    findings: &[Finding],
    sources: &dyn Fn(&Path) -> Option<String>,
    out: &mut dyn term::termcolor::WriteColor,
) -> std::io::Result<()> {
    let mut files = SimpleFiles::new();
    let mut ids: HashMap<PathBuf, usize> = HashMap::new();
    let config = term::Config::default();
    for f in findings {
        let id = *ids.entry(f.file.to_path_buf()).or_insert_with(|| {
            files.add(
                f.file.display().to_string(),
                sources(&f.file).unwrap_or_default(),
            )
        });
        let diag = to_diagnostic(f, id);
        if term::emit_to_write_style(out, &config, &files, &diag).is_err() {
            // The file changed under us: fall back to the one-line form.
            writeln!(
                out,
                "{}[{}]: {}:{}:{}: {}",
                f.severity.as_str(),
                f.rule,
                f.file.display(),
                f.line,
                f.column,
                f.message
            )?;
        }
    }
    Ok(())
}

/// [`emit_human`] into a string without colours (for tests and logs).
pub fn render_human(findings: &[Finding], sources: &dyn Fn(&Path) -> Option<String>) -> String {
    let mut buf = term::termcolor::NoColor::new(Vec::new());
    let _ = emit_human(findings, sources, &mut buf);
    String::from_utf8_lossy(&buf.into_inner()).into_owned()
}

/// A finding as a codespan-reporting diagnostic (for callers that render themselves).
pub fn to_diagnostic<Id: Copy>(f: &Finding, file_id: Id) -> Diagnostic<Id> {
    let texts = (&*f.message, &*f.why, f.suggestion.as_deref());
    diagnostic_of(f.rule, f.severity, texts, f.span.clone(), file_id)
}

/// The diagnostic of a finding of `rule` at `span`, made of its texts: message, why and
/// suggestion ([`to_diagnostic`] of a [`Finding`], [`print`] of a row).
pub(crate) fn diagnostic_of<Id: Copy>(
    rule: &str,
    severity: Severity,
    (message, why, suggestion): (&str, &str, Option<&str>),
    span: Range<usize>,
    file_id: Id,
) -> Diagnostic<Id> {
    let d = match severity {
        Severity::Error => Diagnostic::error(),
        Severity::Warning => Diagnostic::warning(),
    };
    let mut notes = Vec::new();
    if !why.is_empty() {
        notes.push(format!("почему: {why}"));
    }
    if let Some(s) = suggestion {
        notes.push(format!("как лучше: {s}"));
    }
    // A finding from the answer store is not about a line of text: no comment exempts it.
    if rule != "decision-missing" {
        notes.push(format!(
            "исключение для строки: <!-- yasno-allow: {rule} -->"
        ));
    } else {
        notes.push("выключить правило: [check.rules] \"decision-missing\" = \"off\"".into());
    }
    let label = Label::primary(file_id, span);
    d.with_code(rule)
        .with_message(message)
        .with_labels(vec![label])
        .with_notes(notes)
}

/// Counts of findings by severity.
pub fn count(findings: &[Finding]) -> (usize, usize) {
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    (errors, findings.len() - errors)
}

#[cfg(test)]
mod tests;
