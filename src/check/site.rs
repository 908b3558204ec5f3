//! Checking files of a site: which texts of a content file are checked and where they are,
//! and freshness inputs from the front matter. The run over the files (the cache, batches,
//! rows of the monitoring report) is in `site/batches.rs`.
//!
//! Texts are the Markdown body plus every string of the front matter that readers see
//! (title, summary, who, documents, steps, result, notes, reception, FAQ), found by the
//! positions the loader took from the parser ([`Spans`]), so findings point at the right
//! line. Strings written with escapes (`\"`, `\` line continuations) or as indented
//! multi-line YAML blocks are not written verbatim and are skipped. Legal act titles,
//! addresses of links, phone and e-mail fields and the `[check]` table itself are not
//! prose and are never checked.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiff::civil::Date;
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::report::PageReport;
use super::rows::{self, Row, Runs, TableId};
use super::{Amendment, Finding, Severity};
use crate::site::SourceText;
use crate::site::frontmatter::{self, Format};
use crate::site::spans::Spans;

mod batches;

pub(crate) use batches::check_into;
pub use batches::{check_files, check_files_as_rows, check_files_with};

/// Front-matter keys whose values are not prose (at any depth of the path).
const SKIP_KEYS: &[&str] = &[
    "url",
    "booking_url",
    "pos_url",
    "base_url",
    "collector_url",
    "phone",
    "email",
    "slug",
    "category",
    "survey",
    "number",
    "kind",
    "form",
    "date",
    "amended",
    "updated",
    "lang",
    "theme",
    "tag",
    "id",
    // Official titles of acts are quoted as they are; the rules' own settings are not text.
    "legal_acts",
    "check",
    // Staff texts: which services and situations a text is for, and how it is sent.
    "services",
    "situation",
    "channel",
    // A translation's record of its source: hashes, not prose.
    "translated_from",
    "reviewed",
];

/// One file to check.
#[derive(Debug, Clone)]
pub struct FileInput {
    /// Path as shown in findings.
    pub path: PathBuf,
    /// The whole file.
    pub source: Arc<str>,
    /// Language of the page.
    pub lang: String,
    /// Site path of the page, for the report.
    pub url: Option<String>,
    /// `true` for `content/site.toml`-like files that are all settings, no body.
    pub settings_file: bool,
    /// Positions, title and dates already known from the site loader; read from the file
    /// when `None`.
    pub meta: Option<FileMeta>,
}

impl FileInput {
    /// A loose Markdown file, not part of a loaded site: no site path, not a settings file,
    /// its front matter read by the check itself.
    pub fn loose(path: PathBuf, source: Arc<str>, lang: impl Into<String>) -> Self {
        Self {
            path,
            source,
            lang: lang.into(),
            url: None,
            settings_file: false,
            meta: None,
        }
    }
}

/// What the check needs from a file's front matter.
#[derive(Debug, Clone)]
pub struct FileMeta {
    /// Where each front-matter value is written.
    pub spans: Arc<Spans>,
    /// Where the Markdown body starts (the file's length when it has none).
    pub body_offset: usize,
    /// Page title.
    pub title: String,
    /// `updated`.
    pub updated: Option<Date>,
    /// Legal acts that have an `amended` date, with where it is written.
    pub amended: Vec<Amendment>,
    /// Set when the input's `source` is left empty: the text is read from the file when the
    /// file's turn comes (a site's services are not kept in memory after loading), and
    /// these positions hold only if the file still has the text that was loaded.
    pub reread: Option<SourceText>,
}

impl FileMeta {
    /// Reads a file the loader has not seen (a loose file): its front matter, if any, is
    /// parsed here, by the same parser and into the same [`Spans`] as the loader's.
    pub fn read(input: &FileInput) -> FileMeta {
        let src: &str = &input.source;
        let (spans, body_offset) = if input.settings_file {
            let spans = Spans::parse(Format::Toml, src, 0..src.len());
            (spans.unwrap_or_else(|| Spans::empty(0..0)), src.len())
        } else {
            match frontmatter::split(&input.path, &input.source) {
                Ok(s) => {
                    let spans = Spans::parse(s.format, src, s.front.clone());
                    (
                        spans.unwrap_or_else(|| Spans::empty(s.front)),
                        s.body_offset,
                    )
                }
                // A plain Markdown file: all of it is body.
                Err(_) => (Spans::empty(0..0), 0),
            }
        };
        let date_at = |path: &str| {
            let e = spans.get(path)?;
            let raw = src.get(e.text.clone().unwrap_or(e.value.clone()))?;
            crate::site::Date::parse(raw.trim_matches(['"', '\'']))
                .ok()
                .map(|d| d.0)
        };
        let mut amended = Vec::new();
        for i in 0.. {
            let act = format!("legal_acts[{i}]");
            if spans.get(&act).is_none() {
                break;
            }
            let path = format!("{act}.amended");
            if let Some(d) = date_at(&path) {
                let title = spans.text(src, &format!("{act}.title"));
                amended.push(Amendment {
                    title: title.unwrap_or("нормативный акт").to_owned(),
                    amended: d,
                    span: spans.at(&path),
                });
            }
        }
        let title = spans
            .text(src, "title")
            .map(String::from)
            .unwrap_or_else(|| {
                input
                    .path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default()
            });
        FileMeta {
            updated: date_at("updated"),
            title,
            amended,
            body_offset,
            spans: Arc::new(spans),
            reread: None,
        }
    }

    /// The byte ranges to check: every front-matter string readers see, and the body.
    fn fragments(&self, source: &str) -> Vec<Range<usize>> {
        let mut out: Vec<Range<usize>> = self
            .spans
            .entries()
            .filter(|e| {
                e.path
                    .split('.')
                    .map(|k| k.split('[').next().unwrap_or(k))
                    .all(|k| !SKIP_KEYS.contains(&k))
            })
            .filter_map(|e| e.text)
            .filter(|r| source.get(r.clone()).is_some_and(|t| !t.trim().is_empty()))
            .collect();
        if self.body_offset < source.len() {
            out.push(self.body_offset..source.len());
        }
        out
    }
}

/// The result of checking several files.
#[derive(Debug, Default)]
pub struct SiteCheck {
    /// Every finding, by file and position (none in a run that keeps rows, see
    /// [`check_files_as_rows`]).
    pub findings: Vec<Finding>,
    /// The findings as rows, by file and position, in a run that keeps rows.
    pub(crate) rows: Vec<Row>,
    /// The file of each run of `rows`, with its number of rows.
    pub(crate) row_files: Runs,
    /// The texts that `rows` number: the run's table, as far as it has grown, then the
    /// texts of findings made into rows ([`SiteCheck::add_rows`]).
    pub(crate) texts: Vec<Arc<str>>,
    /// What tells `texts` from another run's.
    pub(crate) table: TableId,
    /// Numbers in `texts` of the texts of findings made into rows.
    numbered: FxHashMap<Arc<str>, u32>,
    /// Whether the run keeps rows, not findings.
    pub(crate) keeps_rows: bool,
    /// One row per file for the monitoring report.
    pub pages: Vec<PageReport>,
    /// File texts, for rendering findings.
    pub sources: HashMap<PathBuf, Arc<str>>,
    /// Pages taken from the cache.
    pub cached: usize,
    /// Texts known by length and hash: given up by [`SiteCheck::release_sources`], or
    /// kept after being read again and compared with what was loaded (so that giving them
    /// up later needs no second hash of the text).
    released: HashMap<PathBuf, SourceText>,
}

impl SiteCheck {
    /// Makes `more` rows, in their place by file, position and rule among those there:
    /// the site-wide rules' findings in a run that keeps rows, or the findings of a run
    /// that keeps findings when they are packed. Their texts join `texts` after the run's
    /// table, so this comes after the run's last batch.
    pub(crate) fn add_rows(&mut self, more: Vec<Finding>) {
        let (texts, numbered) = (&mut self.texts, &mut self.numbered);
        let mut number = |t: &Arc<str>| {
            if let Some(&n) = numbered.get(t) {
                return n;
            }
            let n = u32::try_from(texts.len()).expect("fewer than 4 billion texts");
            texts.push(t.clone());
            numbered.insert(t.clone(), n);
            n
        };
        let more: Vec<(Arc<Path>, Row)> = (more.iter())
            .filter_map(|f| Some((f.file.clone(), Row::of_finding(f, &mut number)?)))
            .collect();
        rows::merge(&mut self.row_files, &mut self.rows, more);
    }

    /// This check with its findings made rows too, when it has findings (a run that keeps
    /// findings): what the printers print ([`super::print`]).
    pub(crate) fn findings_as_rows(&self) -> Option<SiteCheck> {
        if self.findings.is_empty() {
            return None;
        }
        let mut out = SiteCheck {
            rows: self.rows.clone(),
            row_files: self.row_files.clone(),
            texts: self.texts.clone(),
            numbered: self.numbered.clone(),
            keeps_rows: true,
            sources: self.sources.clone(),
            released: self.released.clone(),
            ..SiteCheck::default()
        };
        out.add_rows(self.findings.clone());
        Some(out)
    }

    /// How many errors and warnings were found (rows and findings).
    pub fn counts(&self) -> (usize, usize) {
        let rows = self.rows.iter().map(|r| r.severity);
        let all = rows.chain(self.findings.iter().map(|f| f.severity));
        let errors = all.filter(|s| *s == Severity::Error).count();
        (errors, self.rows.len() + self.findings.len() - errors)
    }

    /// The text of a checked file: kept, or read again when it was released (`None` when
    /// the file no longer holds the text that was checked).
    pub fn source(&self, path: &Path) -> Option<String> {
        if let Some(s) = self.sources.get(path) {
            return Some(s.to_string());
        }
        let loaded = self.released.get(path)?;
        loaded.read(path).ok().map(|t| t.to_string())
    }

    /// The length and hash of the text of `path`, when known without hashing it: released,
    /// or kept after being compared with what was loaded.
    pub fn released(&self, path: &Path) -> Option<SourceText> {
        self.released.get(path).copied()
    }

    /// Whether the text of `path` is kept or was released (so [`SiteCheck::source`] has it).
    pub fn has_source(&self, path: &Path) -> bool {
        self.sources.contains_key(path) || self.released.contains_key(path)
    }

    /// Gives up the texts kept so far; [`SiteCheck::source`] reads them again. A run that
    /// prints its findings at the end calls this after each batch of pages, so the texts of
    /// a whole site are never all in memory.
    pub fn release_sources(&mut self) {
        for (path, text) in self.sources.drain() {
            (self.released.entry(path)).or_insert_with(|| SourceText::of(&text));
        }
    }
}

/// The inputs for a whole loaded site: the settings file, services and plain pages, with
/// the positions and dates the loader already has.
pub fn site_inputs(site: &crate::site::Site) -> Vec<FileInput> {
    let settings = &site.settings_file;
    let mut files = vec![FileInput {
        path: settings.path.clone(),
        source: settings.source.clone(),
        lang: site.settings.lang.clone(),
        url: None,
        settings_file: true,
        meta: Some(FileMeta {
            spans: settings.spans.clone(),
            body_offset: settings.source.len(),
            title: site.settings.name.clone(),
            updated: None,
            amended: Vec::new(),
            reread: None,
        }),
    }];
    let unread: Arc<str> = Arc::from("");
    let services: Vec<FileInput> = site
        .services
        .par_iter()
        .map(|s| FileInput {
            path: s.source_path.clone(),
            source: unread.clone(),
            lang: s.lang.clone(),
            url: Some(s.url_path(&site.settings)),
            settings_file: false,
            meta: Some(FileMeta {
                spans: s.spans.clone(),
                body_offset: s.body_offset,
                title: s.meta.title.clone(),
                // A translation's dates are its source's: freshness is found there once.
                updated: s.translation.is_none().then_some(s.meta.updated.0),
                amended: if s.translation.is_none() {
                    amendments(s)
                } else {
                    Vec::new()
                },
                reread: Some(s.source),
            }),
        })
        .collect();
    files.extend(services);
    for p in &site.pages {
        files.push(FileInput {
            path: p.source_path.clone(),
            source: p.source.clone(),
            lang: p.lang.clone(),
            url: Some(p.url_path(&site.settings)),
            settings_file: false,
            meta: Some(FileMeta {
                spans: p.spans.clone(),
                body_offset: p.body_offset,
                title: p.meta.title.clone(),
                updated: p
                    .meta
                    .updated
                    .filter(|_| p.translation.is_none())
                    .map(|d| d.0),
                amended: Vec::new(),
                reread: None,
            }),
        });
    }
    files.extend(site.staff.texts.iter().map(|t| FileInput {
        path: t.source_path.clone(),
        source: t.source.clone(),
        lang: site.settings.lang.clone(),
        url: None,
        settings_file: false,
        meta: Some(FileMeta {
            spans: t.spans.clone(),
            body_offset: t.body_offset,
            title: t.meta.title.clone(),
            updated: None,
            amended: Vec::new(),
            reread: None,
        }),
    }));
    // The settings' texts in other languages: checked like the settings, in their language.
    for lang in site.texts.keys() {
        let path = site.root.join("content").join(format!("site.{lang}.toml"));
        if let Ok(source) = crate::site::read_text(&path) {
            files.push(FileInput {
                path,
                source,
                lang: lang.clone(),
                url: None,
                settings_file: true,
                meta: None,
            });
        }
    }
    files
}

/// A service's amended legal acts, each with where its date is written.
fn amendments(s: &crate::site::Service) -> Vec<Amendment> {
    (s.meta.legal_acts.iter().enumerate())
        .filter_map(|(i, a)| {
            Some(Amendment {
                title: a.title.clone(),
                amended: a.amended?.0,
                span: s.spans.at(&format!("legal_acts[{i}].amended")),
            })
        })
        .collect()
}

/// Language of a loose file from its name (`name.en.md`), else `default`.
pub fn lang_of(path: &Path, default: &str) -> String {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    match stem.rsplit_once('.') {
        Some((_, l)) if l.len() == 2 && l.chars().all(|c| c.is_ascii_lowercase()) => l.into(),
        _ => default.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_from_file_name() {
        assert_eq!(lang_of(Path::new("a/opeka.en.md"), "ru"), "en");
        assert_eq!(lang_of(Path::new("a/opeka.md"), "ru"), "ru");
    }
}
