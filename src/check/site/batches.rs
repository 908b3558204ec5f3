//! Checking files batch by batch: the cache looked up and filled, pages checked in
//! parallel while the previous batch's results join the site's ([`SiteCheck`]), and each
//! page's report row.

use std::sync::Arc;

use jiff::civil::Date;
use rayon::prelude::*;

use super::{FileInput, FileMeta, SiteCheck};
use crate::check::report::{FindingCounts, FreshnessSummary, PageReport};
use crate::check::rows::{self, Row};
use crate::check::{
    Calendar, CheckCache, CheckConfig, Finding, FreshnessInput, FreshnessState, PageStats, Rules,
    freshness_rows, freshness_state, page_rows,
};
use crate::site::SourceText;

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

/// [`check_files`], calling `drain` with the results so far after each batch of pages
/// (`yasno check` gives up the files' texts there, to read them again when printing).
pub fn check_files_with(
    files: Vec<FileInput>,
    rules: &Rules,
    calendar: &Calendar,
    today: Date,
    cache: Option<&mut CheckCache>,
    drain: &mut dyn FnMut(&mut SiteCheck),
) -> SiteCheck {
    check_into(false, files, rules, calendar, today, cache, drain)
}

/// [`check_files_with`] keeping the findings as rows: no [`Finding`] is made of them.
/// `drain` may take them with [`crate::check::packed::BuildWarnings::take_findings`] (the
/// build's way); those it leaves are the result's, for [`crate::check::print`].
pub fn check_files_as_rows(
    files: Vec<FileInput>,
    rules: &Rules,
    calendar: &Calendar,
    today: Date,
    cache: Option<&mut CheckCache>,
    drain: &mut dyn FnMut(&mut SiteCheck),
) -> SiteCheck {
    check_into(true, files, rules, calendar, today, cache, drain)
}

/// [`check_files_as_rows`] when `keeps_rows`, else [`check_files_with`].
pub(crate) fn check_into(
    keeps_rows: bool,
    files: Vec<FileInput>,
    rules: &Rules,
    calendar: &Calendar,
    today: Date,
    mut cache: Option<&mut CheckCache>,
    drain: &mut dyn FnMut(&mut SiteCheck),
) -> SiteCheck {
    let mut out = SiteCheck {
        keeps_rows,
        ..SiteCheck::default()
    };
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
        // Texts of findings made rows come after the run's table: never before a batch.
        debug_assert!(out.numbered.is_empty(), "add_rows before the last batch");
        rules.texts.extend(&mut out.texts);
    }
    drain(out);
    make_room(&mut out.findings, pages);
}

/// Makes room in `findings`, when `drain` left them there (a library caller that keeps
/// findings), for the pages still to check, foreseen from the pages so far: the list then
/// moves while it is small. Doubled as it grows, a legacy site's list (~95 MB at 10,000
/// pages) was copied last from a 70 MB block into a 140 MB one; jemalloc keeps the freed
/// block for a while, and `yasno check` (which then kept findings) peaked at ~330 MiB
/// instead of ~265 MiB.
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
    crate::check::freshness_fires(&freshness_input(f, meta, today), cfg, calendar)
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
    let counts = FindingCounts::of_rows(&found);
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
