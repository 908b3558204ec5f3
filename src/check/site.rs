//! Checking files of a site: which texts of a content file are checked and where they are,
//! freshness inputs from the front matter, the cache, and rows of the monitoring report.
//!
//! Texts are the Markdown body plus every string of the front matter that readers see
//! (title, summary, who, documents, steps, result, notes, reception, FAQ), located in the
//! file so findings point at the right line. Strings written with escapes (`\"`, `\`
//! line continuations) cannot be located verbatim and are skipped. Legal act titles,
//! addresses of links, phone and e-mail fields and the `[check]` table itself are not
//! prose and are never checked.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock};

use jiff::civil::Date;
use rayon::prelude::*;
use regex::Regex;
use serde_json::Value;

use super::report::{FreshnessSummary, PageReport};
use super::{
    Amendment, Calendar, CheckCache, CheckConfig, Finding, FreshnessInput, FreshnessState,
    PageCheck, Rules, check_freshness, check_page, freshness_state,
};
use crate::site::frontmatter::{self, Format};

/// Front-matter keys whose values are not prose.
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
    /// Title and dates already parsed by the site loader; read from the file when `None`.
    pub meta: Option<FileMeta>,
}

/// Texts of a service that readers see, from the typed front matter (so the file's front
/// matter is not parsed a second time).
fn service_strings(m: &crate::site::FrontMatter) -> Vec<String> {
    let mut v = vec![
        m.title.clone(),
        m.summary.clone(),
        m.who.clone(),
        m.result.clone(),
    ];
    v.extend(m.steps.iter().cloned());
    for d in &m.documents {
        v.push(d.name.clone());
        v.extend(d.note.clone());
    }
    v.extend(m.deadline.note.clone());
    v.extend(m.fee.purpose.clone());
    v.extend(m.apply.iter().filter_map(|a| a.note.clone()));
    let c = &m.contacts;
    v.extend(c.phone_hours.clone());
    v.extend(c.unit.clone());
    let r = &m.reception;
    v.extend(
        [&r.address, &r.hours, &r.access]
            .into_iter()
            .flatten()
            .cloned(),
    );
    for f in &m.faq {
        v.push(f.q.clone());
        v.push(f.a.clone());
    }
    v
}

/// What the freshness rule and the report need from a file's front matter.
#[derive(Debug, Clone, Default)]
pub struct FileMeta {
    /// The front-matter strings readers see, when the loader has them (else parsed here).
    pub strings: Option<Vec<String>>,
    /// Page title.
    pub title: String,
    /// `updated`.
    pub updated: Option<Date>,
    /// Titles and `amended` dates of legal acts that have one, in file order.
    pub amended: Vec<(String, Date)>,
}

/// The result of checking several files.
#[derive(Debug, Default)]
pub struct SiteCheck {
    /// Every finding, by file and position.
    pub findings: Vec<Finding>,
    /// One row per file for the monitoring report.
    pub pages: Vec<PageReport>,
    /// File texts, for rendering findings.
    pub sources: HashMap<PathBuf, Arc<str>>,
    /// Pages taken from the cache.
    pub cached: usize,
}

impl SiteCheck {
    /// The text of a checked file.
    pub fn source(&self, path: &Path) -> Option<String> {
        self.sources.get(path).map(|s| s.to_string())
    }
}

/// The cache key of a file: its text, language and kind (the checked fragments follow
/// from the text).
fn key(input: &FileInput) -> u64 {
    let kind = if input.settings_file {
        "settings"
    } else {
        "page"
    };
    CheckCache::key(&input.source, &[], &format!("{}/{kind}", input.lang))
}

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
    let keys = vec![None; files.len()];
    check_keyed(files, keys, rules, calendar, today, cache)
}

/// [`check_files`] with the cache keys already known for some files (`None`: compute it).
pub(super) fn check_keyed(
    mut files: Vec<FileInput>,
    known: Vec<Option<u64>>,
    rules: &Rules,
    calendar: &Calendar,
    today: Date,
    mut cache: Option<&mut CheckCache>,
) -> SiteCheck {
    let cfg = rules.config();
    let keys: Vec<u64> = files
        .par_iter()
        .zip(known)
        .map(|(f, k)| k.unwrap_or_else(|| key(f)))
        .collect();
    let cached: Vec<Option<PageCheck>> = files
        .iter()
        .zip(&keys)
        .map(|(f, k)| cache.as_deref().and_then(|c| c.get(&f.path, *k).cloned()))
        .collect();
    let hit: Vec<bool> = cached.iter().map(Option::is_some).collect();
    let hits = hit.iter().filter(|h| **h).count();
    // Each file's metadata moves into its result; its front-matter strings (tens of MB at
    // 10,000 pages) are dropped as soon as the page is checked.
    let checked: Vec<(PageCheck, FileMeta, Vec<Finding>)> = files
        .par_iter_mut()
        .zip(cached)
        .map(|(f, c)| {
            let (result, mut meta) = match (c, f.meta.take()) {
                (Some(r), Some(m)) => (r, m),
                (c, known) => {
                    let strings = known.as_ref().and_then(|m| m.strings.as_deref());
                    let (fragments, parsed) = read_front(f, strings);
                    let r = c.unwrap_or_else(|| {
                        check_page(&f.path, &f.source, &fragments, &f.lang, rules)
                    });
                    (r, known.unwrap_or(parsed))
                }
            };
            meta.strings = None;
            let fresh = freshness(f, &meta, cfg, calendar, today);
            (result, meta, fresh)
        })
        .collect();
    let mut out = SiteCheck {
        cached: hits,
        ..SiteCheck::default()
    };
    for (((f, k), hit), (result, meta, fresh)) in files.into_iter().zip(keys).zip(hit).zip(checked)
    {
        // A hit is in the cache already, under the same key.
        if let Some(c) = cache.as_deref_mut().filter(|_| !hit) {
            c.insert(&f.path, k, result.clone());
        }
        let mut findings = result.findings;
        let mut freshness = None;
        if let Some(updated) = meta.updated {
            let stale = fresh.iter().any(|x| x.rule == "stale");
            let latest = meta.amended.iter().map(|(_, d)| *d).max().map(|amended| {
                let (state, deadline): (FreshnessState, Date) =
                    freshness_state(updated, amended, today, cfg, calendar);
                (amended, deadline, state)
            });
            freshness = Some(FreshnessSummary {
                updated,
                latest,
                stale,
            });
        }
        findings.extend(fresh);
        findings.sort_by(|a, b| a.span.start.cmp(&b.span.start).then(a.rule.cmp(&b.rule)));
        out.pages.push(PageReport {
            file: f.path.clone(),
            title: meta.title,
            url: f.url.clone(),
            stats: result.stats,
            findings: findings.clone(),
            freshness,
        });
        out.findings.extend(findings);
        out.sources.insert(f.path, f.source);
    }
    out.findings.sort_by(|a, b| {
        a.file
            .cmp(&b.file)
            .then(a.span.start.cmp(&b.span.start))
            .then(a.rule.cmp(&b.rule))
    });
    out
}

/// The front matter's byte range and the body offset.
fn split(input: &FileInput) -> (Range<usize>, usize, Option<Format>) {
    let len = input.source.len();
    if input.settings_file {
        return (0..len, len, Some(Format::Toml));
    }
    match frontmatter::split(&input.path, &input.source) {
        Ok(s) => (s.front, s.body_offset, Some(s.format)),
        // A plain Markdown file: all of it is body.
        Err(_) => (0..0, 0, None),
    }
}

/// Freshness findings from the dates, located by a scan of the front matter.
fn freshness(
    f: &FileInput,
    meta: &FileMeta,
    cfg: &CheckConfig,
    calendar: &Calendar,
    today: Date,
) -> Vec<Finding> {
    let Some(updated) = meta.updated else {
        return Vec::new();
    };
    let src: &str = &f.source;
    let (front, _, _) = split(f);
    let updated_span = value_spans(src, &front, &UPDATED_RE)
        .into_iter()
        .next()
        .unwrap_or(0..0);
    let spans = value_spans(src, &front, &AMENDED_RE);
    let amendments: Vec<Amendment> = meta
        .amended
        .iter()
        .enumerate()
        .map(|(k, (title, d))| Amendment {
            title: title.clone(),
            amended: *d,
            span: spans.get(k).cloned().unwrap_or(0..0),
        })
        .collect();
    let input = FreshnessInput {
        file: &f.path,
        source: src,
        updated,
        updated_span,
        amendments: &amendments,
        today,
    };
    check_freshness(&input, cfg, calendar)
}

/// The texts to check (front-matter strings and the body) and the dates. `known` are the
/// front-matter strings when the site loader has them; otherwise the front matter is parsed.
fn read_front(input: &FileInput, known: Option<&[String]>) -> (Vec<Range<usize>>, FileMeta) {
    let src: &str = &input.source;
    let (front, body_offset, format) = split(input);
    let value: Value = match (known, format) {
        (Some(_), _) | (None, None) => Value::Null,
        (None, Some(Format::Toml)) => toml::from_str(&src[front.clone()]).unwrap_or(Value::Null),
        (None, Some(Format::Yaml)) => {
            serde_yaml_ng::from_str(&src[front.clone()]).unwrap_or(Value::Null)
        }
    };
    let parsed: Vec<String>;
    let strings = match known {
        Some(known) => known,
        None => {
            let mut strings = Vec::new();
            collect_strings(&value, &mut strings);
            parsed = strings;
            &parsed
        }
    };
    let mut fragments: Vec<Range<usize>> = Vec::new();
    for s in strings {
        if let Some(r) = locate(src, &front, s, &fragments) {
            fragments.push(r);
        }
    }
    if body_offset < src.len() {
        fragments.push(body_offset..src.len());
    }
    fragments.sort_by_key(|r| r.start);
    let title = value
        .get("title")
        .and_then(Value::as_str)
        .map(String::from)
        .unwrap_or_else(|| {
            input
                .path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default()
        });
    let amended = value
        .get("legal_acts")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|act| {
            let d = act.get("amended").and_then(as_date)?;
            let title = act
                .get("title")
                .and_then(Value::as_str)
                .unwrap_or("нормативный акт");
            Some((title.to_string(), d))
        })
        .collect();
    let meta = FileMeta {
        strings: None,
        title,
        updated: value.get("updated").and_then(as_date),
        amended,
    };
    (fragments, meta)
}

static UPDATED_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"\bupdated["']?\s*[=:]\s*["']?([0-9][0-9.\-]+[0-9])"#).expect("valid regex")
});
static AMENDED_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"\bamended["']?\s*[=:]\s*["']?([0-9][0-9.\-]+[0-9])"#).expect("valid regex")
});

/// Byte ranges of the values of `key = date` in the front matter, in file order.
fn value_spans(src: &str, front: &Range<usize>, re: &Regex) -> Vec<Range<usize>> {
    re.captures_iter(&src[front.clone()])
        .filter_map(|c| c.get(1))
        .map(|m| front.start + m.start()..front.start + m.end())
        .collect()
}

/// A date from a TOML date (which arrives as toml's private map), or a string.
fn as_date(v: &Value) -> Option<Date> {
    let s = match v {
        Value::String(s) => s.clone(),
        Value::Object(m) if m.len() == 1 => m.values().next()?.as_str()?.to_string(),
        _ => return None,
    };
    crate::site::Date::parse(&s).ok().map(|d| d.0)
}

/// Every string value a reader sees, in document order.
fn collect_strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| collect_strings(x, out)),
        Value::Object(m) => {
            // A TOML date is an object with one private key: not text.
            if m.len() == 1 && m.keys().all(|k| k.contains("datetime")) {
                return;
            }
            for (k, x) in m {
                if !SKIP_KEYS.contains(&k.as_str()) {
                    collect_strings(x, out);
                }
            }
        }
        _ => {}
    }
}

/// Where a string value is written in the front matter, not overlapping earlier finds.
fn locate(
    src: &str,
    front: &Range<usize>,
    value: &str,
    taken: &[Range<usize>],
) -> Option<Range<usize>> {
    let v = value.trim_end_matches('\n');
    if v.trim().is_empty() {
        return None;
    }
    let text = &src[front.clone()];
    for (i, _) in text.match_indices(v) {
        let start = front.start + i;
        let end = start + v.len();
        let before = src[..start].chars().next_back();
        let after = src[end..].chars().next();
        let opens = matches!(before, Some('"' | '\'' | '\n' | ' '));
        let closes = matches!(after, None | Some('"' | '\'' | '\n' | '\r'));
        if opens && closes && !taken.iter().any(|t| t.start < end && start < t.end) {
            return Some(start..end);
        }
    }
    None
}

/// The inputs for a whole loaded site: services, plain pages and the settings file. With a `cache`, each service's cache key is computed here (and
/// returned, so it is not computed again) and a service whose result the cache holds gets no
/// front-matter strings: it is not read again, and at 10,000 pages copying its strings was
/// most of the time of a fully cached check. Keys are `None` where not computed.
pub(super) fn site_inputs_keyed(
    site: &crate::site::Site,
    cache: Option<&CheckCache>,
) -> (Vec<FileInput>, Vec<Option<u64>>) {
    let mut files = Vec::new();
    let settings_path = site.root.join("content").join("site.toml");
    if let Ok(text) = std::fs::read_to_string(&settings_path) {
        files.push(FileInput {
            path: settings_path,
            source: Arc::from(text),
            lang: site.settings.lang.clone(),
            url: None,
            settings_file: true,
            meta: Some(FileMeta {
                title: site.settings.name.clone(),
                // Settings are parsed here: their prose lives in nested tables.
                strings: None,
                ..FileMeta::default()
            }),
        });
    }
    // The texts of each service are gathered in parallel: at 10,000 pages this is most of
    // the time of a check whose results all come from the cache.
    let services: Vec<(FileInput, Option<u64>)> = site
        .services
        .par_iter()
        .map(|s| {
            let mut input = FileInput {
                path: s.source_path.clone(),
                source: s.source.clone(),
                lang: s.lang.clone(),
                url: Some(s.url_path(&site.settings)),
                settings_file: false,
                meta: None,
            };
            let k = cache.map(|_| key(&input));
            let cached = cache
                .zip(k)
                .is_some_and(|(c, k)| c.get(&input.path, k).is_some());
            let strings = (!cached).then(|| service_strings(&s.meta));
            input.meta = Some(FileMeta {
                strings,
                title: s.meta.title.clone(),
                updated: Some(s.meta.updated.0),
                amended: s
                    .meta
                    .legal_acts
                    .iter()
                    .filter_map(|a| Some((a.title.clone(), a.amended?.0)))
                    .collect(),
            });
            (input, k)
        })
        .collect();
    let mut keys = vec![None; files.len()];
    for (input, k) in services {
        files.push(input);
        keys.push(k);
    }
    for p in &site.pages {
        files.push(FileInput {
            path: p.source_path.clone(),
            source: p.source.clone(),
            lang: site.settings.lang.clone(),
            url: Some(format!("/{}/", p.slug)),
            settings_file: false,
            meta: Some(FileMeta {
                strings: Some(p.meta.summary.iter().cloned().collect()),
                title: p.meta.title.clone(),
                updated: p.meta.updated.map(|d| d.0),
                amended: Vec::new(),
            }),
        });
    }
    keys.resize(files.len(), None);
    (files, keys)
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
    fn locates_front_matter_strings() {
        let src = "+++\ntitle = \"Паспорт\"\nsummary = \"Паспорт и справка\"\n+++\nТело.\n";
        let front = 4..src.find("+++\nТело").unwrap();
        let a = locate(src, &front, "Паспорт и справка", &[]).unwrap();
        assert_eq!(&src[a.clone()], "Паспорт и справка");
        let b = locate(src, &front, "Паспорт", &[a]).unwrap();
        assert_eq!(b.start, src.find("Паспорт").unwrap());
    }

    #[test]
    fn language_from_file_name() {
        assert_eq!(lang_of(Path::new("a/opeka.en.md"), "ru"), "en");
        assert_eq!(lang_of(Path::new("a/opeka.md"), "ru"), "ru");
    }
}
