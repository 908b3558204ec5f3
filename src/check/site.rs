//! Checking files of a site: which texts of a content file are checked and where they are,
//! freshness inputs from the front matter, the cache, and rows of the monitoring report.
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

use super::report::{FreshnessSummary, PageReport};
use super::rows::{self, Row};
use super::{
    Amendment, Calendar, CheckCache, CheckConfig, Finding, FreshnessInput, FreshnessState,
    PageStats, Rules, freshness_rows, freshness_state, page_rows,
};
use crate::site::SourceText;
use crate::site::frontmatter::{self, Format};
use crate::site::spans::Spans;

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
    /// [`check_files_as_rows`], but for the site-wide rules' findings).
    pub findings: Vec<Finding>,
    /// The findings as rows, by file and position, in a run that keeps rows.
    pub(crate) rows: Vec<Row>,
    /// The file of each run of `rows`, with its number of rows.
    pub(crate) row_files: Vec<(Arc<Path>, usize)>,
    /// The texts that `rows` number: the run's table, as far as it has grown.
    pub(crate) texts: Vec<Arc<str>>,
    /// Whether the run keeps rows, not findings.
    keeps_rows: bool,
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

/// The cache key of a file: its text (by length and hash: a text left unread is known by
/// what was loaded), language and kind (the checked fragments follow from the text).
fn key(input: &FileInput) -> u64 {
    let kind = if input.settings_file {
        "settings"
    } else {
        "page"
    };
    let text = unread(input).unwrap_or_else(|| SourceText::of(&input.source));
    CheckCache::key_of(text, &format!("{}/{kind}", input.lang))
}

/// What was loaded of a file whose text is not in memory ([`FileMeta::reread`]).
fn unread(input: &FileInput) -> Option<SourceText> {
    (input.source.is_empty())
        .then(|| input.meta.as_ref()?.reread)
        .flatten()
}

/// Pages checked in parallel at a time. The findings of a chunk are moved into the
/// site-wide list before the next chunk is checked, so the per-page lists of a 10,000-page
/// site are never all alive beside that list (twice the memory of the findings).
const CHUNK: usize = 256;

/// Checks files (in parallel), using and filling `cache` when given. A page whose text
/// is unchanged is not parsed again: its content findings come from the cache and only
/// the date-dependent freshness rules run.
pub fn check_files(
    files: Vec<FileInput>,
    rules: &Rules,
    calendar: &Calendar,
    today: Date,
    cache: Option<&mut CheckCache>,
) -> SiteCheck {
    check_files_with(files, rules, calendar, today, cache, &mut |_| {})
}

/// [`check_files`], calling `drain` with the results so far after each batch of pages: the
/// build moves the findings out there ([`super::packed::BuildWarnings::take_findings`]),
/// so they are never all held at full size.
pub fn check_files_with(
    files: Vec<FileInput>,
    rules: &Rules,
    calendar: &Calendar,
    today: Date,
    cache: Option<&mut CheckCache>,
    drain: &mut dyn FnMut(&mut SiteCheck),
) -> SiteCheck {
    let out = SiteCheck::default();
    check_into(out, files, rules, calendar, today, cache, drain)
}

/// [`check_files_with`] keeping the findings as rows ([`SiteCheck::rows`]) for `drain` to
/// take: no [`Finding`] is made for a page's findings (a build packs the rows).
pub fn check_files_as_rows(
    files: Vec<FileInput>,
    rules: &Rules,
    calendar: &Calendar,
    today: Date,
    cache: Option<&mut CheckCache>,
    drain: &mut dyn FnMut(&mut SiteCheck),
) -> SiteCheck {
    let out = SiteCheck {
        keeps_rows: true,
        ..SiteCheck::default()
    };
    check_into(out, files, rules, calendar, today, cache, drain)
}

fn check_into(
    mut out: SiteCheck,
    files: Vec<FileInput>,
    rules: &Rules,
    calendar: &Calendar,
    today: Date,
    mut cache: Option<&mut CheckCache>,
    drain: &mut dyn FnMut(&mut SiteCheck),
) -> SiteCheck {
    let n = files.len();
    // Files in path order: each page's sorted findings then simply follow one another in
    // the site-wide list (sorted by file, position, rule) and no sort of the whole list
    // (and its buffer of half the list) is needed. Report rows keep the given order.
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| files[a].path.cmp(&files[b].path));
    let mut files: Vec<Option<FileInput>> = files.into_iter().map(Some).collect();
    let mut pages: Vec<Option<PageReport>> = (0..n).map(|_| None).collect();
    // While the pool checks a chunk, this thread adds the previous chunk's results to the
    // cache and to the site's list (and `drain` takes them): one after the other, the pool
    // waited for this thread for about a fifth of the check.
    let mut previous: Vec<Checked> = Vec::new();
    for chunk in order.chunks(CHUNK) {
        let taken: Vec<(usize, FileInput)> = (chunk.iter())
            .filter_map(|&i| Some((i, files[i].take()?)))
            .collect();
        // Texts not kept in memory are looked up by what was loaded, read (a batch at a time,
        // dropped with the batch) only when their result is not cached.
        let keyed: Vec<(usize, FileInput, u64)> = taken
            .into_par_iter()
            .map(|(i, f)| {
                let k = key(&f);
                (i, f, k)
            })
            .collect();
        let work: Vec<(usize, FileInput, u64, Option<PageRows>)> = (keyed.into_iter())
            .map(|(i, f, k)| {
                let hit = (cache.as_deref_mut()).and_then(|c| c.get(&f.path, k, &rules.texts));
                (i, f, k, hit)
            })
            .collect();
        let mut checked: Vec<Checked> = Vec::new();
        let slot = &mut checked;
        rayon::in_place_scope(|s| {
            s.spawn(move |_| {
                *slot = (work.into_par_iter())
                    .map(|(i, f, k, hit)| check_one((i, k), f, hit, rules, calendar, today))
                    .collect();
            });
            let done = std::mem::take(&mut previous);
            let at = (rules, calendar, today);
            absorb(done, &mut out, cache.as_deref_mut(), &mut pages, at, drain);
        });
        previous = checked;
    }
    absorb(
        previous,
        &mut out,
        cache,
        &mut pages,
        (rules, calendar, today),
        drain,
    );
    out.pages = pages.into_iter().flatten().collect();
    out
}

/// Adds checked files, in order, to the cache (when not from it) and to the site's results,
/// then lets `drain` take the findings so far. Nothing to add: nothing happens.
fn absorb(
    checked: Vec<Checked>,
    out: &mut SiteCheck,
    mut cache: Option<&mut CheckCache>,
    pages: &mut [Option<PageReport>],
    (rules, calendar, today): (&Rules, &Calendar, Date),
    drain: &mut dyn FnMut(&mut SiteCheck),
) {
    if checked.is_empty() {
        return;
    }
    for c in checked {
        out.cached += usize::from(c.hit);
        // A hit is in the cache already, under the same key.
        if let Some(cache) = cache.as_deref_mut().filter(|_| !c.hit) {
            let (stats, found) = &c.result;
            cache.insert(&c.file.path, c.key, stats, found, &rules.texts);
        }
        let index = c.index;
        pages[index] = Some(add_page(out, c, rules, calendar, today));
    }
    if out.keeps_rows {
        rules.texts.extend(&mut out.texts);
    }
    drain(out);
    make_room(&mut out.findings, pages);
}

/// Makes room in `findings`, when `drain` left them there (`yasno check`), for the pages
/// still to check, foreseen from the pages so far: the list then moves while it is small.
/// Doubled as it grows, a legacy site's list (~95 MB at 10,000 pages) was copied last from
/// a 70 MB block into a 140 MB one; jemalloc keeps the freed block for a while, and
/// `yasno check` peaked at ~330 MiB instead of ~265 MiB.
fn make_room(findings: &mut Vec<Finding>, pages: &[Option<PageReport>]) {
    if findings.is_empty() {
        return;
    }
    let done = pages.iter().filter(|p| p.is_some()).count();
    let left = pages.len() - done;
    if done == 0 || left == 0 {
        return;
    }
    // A tenth more than the average so far, as pages differ. When the pages to come have
    // more, the list grows by half at least, so that it never moves for every batch.
    let foreseen = findings.len() / done * left;
    let needed = findings.len() + foreseen + foreseen / 10;
    if needed > findings.capacity() {
        let target = needed.max(findings.capacity() + findings.capacity() / 2);
        findings.reserve_exact(target - findings.len());
    }
}

/// A file whose text was left to be read ([`FileMeta::reread`]), with its text. A file
/// changed since it was loaded is checked as it is now, with positions from its new text;
/// one that cannot be read is checked as empty (the build reports it when rendering).
fn read_unread(mut f: FileInput) -> FileInput {
    let Some(loaded) = f.meta.as_ref().and_then(|m| m.reread) else {
        return f;
    };
    match crate::site::read_text(&f.path) {
        Ok(text) => {
            if !loaded.matches(&text) {
                f.meta = None;
            }
            f.source = text;
        }
        Err(_) => f.meta = None,
    }
    f
}

/// A page's figures and findings.
type PageRows = (PageStats, Vec<Row>);

/// One checked file, before it joins the site's results.
struct Checked {
    index: usize,
    /// Its cache key.
    key: u64,
    file: FileInput,
    meta: FileMeta,
    result: PageRows,
    fresh: Vec<Row>,
    hit: bool,
}

/// Checks one file (or takes its cached result) and its freshness. A cached file whose text
/// is not in memory is read only when a freshness rule fires on it.
fn check_one(
    (index, key): (usize, u64),
    f: FileInput,
    cached: Option<PageRows>,
    rules: &Rules,
    calendar: &Calendar,
    today: Date,
) -> Checked {
    let (mut f, key, cached) = match (unread(&f), cached) {
        (Some(_), Some(hit)) if !fires(&f, rules.config(), calendar, today) => (f, key, Some(hit)),
        (Some(_), cached) => {
            let f = read_unread(f);
            // Changed since it was loaded: checked as it is now, under its new key.
            if f.meta.is_some() {
                (f, key, cached)
            } else {
                let key = self::key(&f);
                (f, key, None)
            }
        }
        (None, cached) => (f, key, cached),
    };
    let meta = f.meta.take().unwrap_or_else(|| FileMeta::read(&f));
    let hit = cached.is_some();
    let result = cached.unwrap_or_else(|| {
        let fragments = meta.fragments(&f.source);
        let (found, stats) = page_rows(&f.source, &fragments, &f.lang, rules);
        (stats, found)
    });
    let fresh = freshness(&f, &meta, rules, calendar, today);
    Checked {
        index,
        key,
        file: f,
        meta,
        result,
        fresh,
        hit,
    }
}

/// Whether a freshness rule fires on `f` (its text is needed for the finding's position).
fn fires(f: &FileInput, cfg: &CheckConfig, calendar: &Calendar, today: Date) -> bool {
    let Some(meta) = f.meta.as_ref().filter(|m| m.updated.is_some()) else {
        return false;
    };
    super::freshness_fires(&freshness_input(f, meta, today), cfg, calendar)
}

/// Moves a page's findings to the end of the site's list (sorted by position and rule)
/// and returns its report row.
fn add_page(
    out: &mut SiteCheck,
    c: Checked,
    rules: &Rules,
    calendar: &Calendar,
    today: Date,
) -> PageReport {
    let cfg = rules.config();
    let (f, meta) = (c.file, c.meta);
    let freshness = meta.updated.map(|updated| {
        let latest = meta.amended.iter().map(|a| a.amended).max().map(|amended| {
            let (state, deadline): (FreshnessState, Date) =
                freshness_state(updated, amended, today, cfg, calendar);
            (amended, deadline, state)
        });
        FreshnessSummary {
            updated,
            latest,
            stale: c.fresh.iter().any(|x| x.rule_id() == "stale"),
        }
    });
    let (stats, mut found) = c.result;
    found.extend(c.fresh);
    found.sort_by(|a, b| a.start.cmp(&b.start).then(a.rule_id().cmp(b.rule_id())));
    let counts = rows::counts(&found);
    if out.keeps_rows {
        if !found.is_empty() {
            out.row_files
                .push((Arc::from(f.path.as_path()), found.len()));
            out.rows.extend(found);
        }
    } else {
        out.findings
            .extend(rows::findings(&f.path, &found, &rules.texts));
    }
    // A text never read stays known by what was loaded (messages read it again). One read
    // again is the loaded text ([`read_unread`] compared them): kept, and known by that.
    if let Some(loaded) = meta.reread {
        out.released.insert(f.path.clone(), loaded);
    }
    if !(meta.reread.is_some() && f.source.is_empty()) {
        out.sources.insert(f.path.clone(), f.source);
    }
    PageReport {
        file: f.path,
        title: meta.title,
        url: f.url,
        stats,
        counts,
        freshness,
    }
}

/// Freshness findings from the dates, at the positions the front matter gives.
fn freshness(
    f: &FileInput,
    meta: &FileMeta,
    rules: &Rules,
    calendar: &Calendar,
    today: Date,
) -> Vec<Row> {
    if meta.updated.is_none() {
        return Vec::new();
    }
    freshness_rows(&freshness_input(f, meta, today), rules, calendar)
}

/// The freshness rules' view of a page with an `updated` date.
fn freshness_input<'a>(f: &'a FileInput, meta: &'a FileMeta, today: Date) -> FreshnessInput<'a> {
    FreshnessInput {
        file: &f.path,
        source: &f.source,
        updated: meta.updated.unwrap_or_default(),
        updated_span: meta.spans.at("updated"),
        amendments: &meta.amended,
        today,
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
