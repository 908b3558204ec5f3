//! Findings as rows of numbers: what the check makes of a page's hits ([`finish`]), what
//! the cache stores, what a build packs and what `yasno check` prints. A [`Finding`] (with
//! its file and texts) is made from a row only for a caller that keeps findings (`yasno
//! serve`, the library's callers): a legacy site has 700,000 findings.

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::intern::Batch;
use super::{CheckConfig, Finding, Hit, Interner, LineIndex, RULES, Severity, level};

/// No text (a row without a suggestion).
pub(crate) const NONE: u32 = u32::MAX;

// A row's rule is a `u8` index in RULES.
const _: () = assert!(RULES.len() <= 256);

/// Text numbers of one table mapped to those of another (the run's to a cache's or a
/// build's, and back): a vector by number, as nearly every number of a run is mapped.
#[derive(Debug, Default)]
pub(crate) struct NumberMap(Vec<u32>);

impl NumberMap {
    /// What `n` is mapped to, if it is.
    pub(crate) fn get(&self, n: u32) -> Option<u32> {
        self.0.get(n as usize).copied().filter(|&i| i != NONE)
    }

    /// Maps `n` to `i`.
    pub(crate) fn set(&mut self, n: u32, i: u32) {
        let n = n as usize;
        if self.0.len() <= n {
            self.0.resize(n + 1, NONE);
        }
        self.0[n] = i;
    }

    /// Forgets every mapping.
    pub(crate) fn clear(&mut self) {
        self.0.clear();
    }
}

/// One finding of one file: byte span, 1-based positions, the rule (an index in
/// [`RULES`]) and its texts as numbers of the run's [`Interner`] (or, for a finding made a
/// row, of the texts a [`super::site::SiteCheck`] adds after the run's table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Row {
    pub start: u32,
    pub end: u32,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    pub message: u32,
    /// [`NONE`] for none.
    pub suggestion: u32,
    pub why: u32,
    pub rule: u8,
    /// After the site's `[check.rules]`.
    pub severity: Severity,
}

impl Row {
    /// The rule id.
    pub(crate) fn rule_id(&self) -> &'static str {
        RULES[usize::from(self.rule)].0
    }

    /// Byte range in the file.
    pub(crate) fn span(&self) -> Range<usize> {
        self.start as usize..self.end as usize
    }

    /// `f` as a row, its texts numbered by `number`; `None` when its rule is not one of
    /// [`RULES`] (a mistake of this crate).
    pub(crate) fn of_finding(f: &Finding, mut number: impl FnMut(&Arc<str>) -> u32) -> Option<Row> {
        let Some(rule) = rule_index(f.rule) else {
            debug_assert!(false, "rule {} is not in RULES", f.rule);
            return None;
        };
        Some(Row {
            start: num(f.span.start),
            end: num(f.span.end),
            line: num(f.line),
            column: num(f.column),
            end_line: num(f.end_line),
            end_column: num(f.end_column),
            message: number(&f.message),
            suggestion: f.suggestion.as_ref().map_or(NONE, &mut number),
            why: number(&f.why),
            rule,
            severity: f.severity,
        })
    }

    /// The order of rows of one file: by position, then rule id (the order of
    /// [`super::run::add_findings`] and of a page's sorted rows).
    fn order(&self) -> (u32, u32, &'static str) {
        (self.line, self.column, self.rule_id())
    }

    /// The finding, with its texts from `texts` (the table the row's numbers are of).
    pub(crate) fn finding(&self, file: &Arc<Path>, texts: &Batch<'_>) -> Finding {
        Finding {
            file: file.clone(),
            line: self.line as usize,
            column: self.column as usize,
            end_line: self.end_line as usize,
            end_column: self.end_column as usize,
            rule: self.rule_id(),
            severity: self.severity,
            message: texts.text(self.message).clone(),
            suggestion: (self.suggestion != NONE).then(|| texts.text(self.suggestion).clone()),
            why: texts.text(self.why).clone(),
            span: self.span(),
        }
    }
}

/// Tells one table of texts from another made in this process: rows of one number texts
/// that mean nothing in another, so anything kept across runs by text number (the
/// printers' diagnostics) is kept under the table's id too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct TableId(u64);

impl Default for TableId {
    fn default() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        TableId(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

/// Rows by file: `files` are runs of `rows` (each file with its number of rows), in path
/// order, each run in [`Row::order`].
pub(crate) type Runs = Vec<(Arc<Path>, usize)>;

/// Adds `more` (rows, each with its file, in any order) to `files` and `rows`, keeping
/// their order (see [`Runs`]); a row of `more` comes after an equal row already there, as
/// in a stable sort of the whole list. `files` and `rows` are copied once, so this is for
/// the few findings of the site-wide rules, added after the pages.
pub(crate) fn merge(files: &mut Runs, rows: &mut Vec<Row>, mut more: Vec<(Arc<Path>, Row)>) {
    if more.is_empty() {
        return;
    }
    more.sort_by(|(a, r), (b, s)| (a, r.order()).cmp(&(b, s.order())));
    let (old_files, old_rows) = (std::mem::take(files), std::mem::take(rows));
    rows.reserve_exact(old_rows.len() + more.len());
    let mut more = more.into_iter().peekable();
    // The rows of `more` for the file `path` points at, when its file is not after `path`.
    let mut group_before = |path: Option<&Path>, files: &mut Runs, rows: &mut Vec<Row>| {
        let first = more.next_if(|(f, _)| path.is_none_or(|p| **f <= *p))?;
        let file = first.0;
        let mut group = vec![first.1];
        while let Some((_, r)) = more.next_if(|(f, _)| *f == file) {
            group.push(r);
        }
        if path.is_some_and(|p| *file == *p) {
            return Some(group);
        }
        files.push((file, group.len()));
        rows.extend(group);
        Some(Vec::new())
    };
    let mut at = 0;
    for (path, n) in old_files {
        let old = &old_rows[at..at + n];
        at += n;
        let mut same = Vec::new();
        while let Some(group) = group_before(Some(&path), files, rows) {
            if !group.is_empty() {
                same = group;
                break;
            }
        }
        files.push((path, n + same.len()));
        // Both runs in order, equal rows of the old run first.
        let mut new = same.into_iter().peekable();
        for r in old {
            while let Some(s) = new.next_if(|s| s.order() < r.order()) {
                rows.push(s);
            }
            rows.push(*r);
        }
        rows.extend(new);
    }
    while group_before(None, files, rows).is_some() {}
}

/// The index of a rule id in [`RULES`].
pub(crate) fn rule_index(rule: &str) -> Option<u8> {
    (RULES.iter().position(|(id, _)| *id == rule)).and_then(|i| u8::try_from(i).ok())
}

/// Rows of `file` as findings.
pub(crate) fn findings(file: &Path, rows: &[Row], texts: &Interner) -> Vec<Finding> {
    if rows.is_empty() {
        return Vec::new();
    }
    let file: Arc<Path> = Arc::from(file);
    let texts = texts.batch();
    rows.iter().map(|r| r.finding(&file, &texts)).collect()
}

/// A number as a row's field: files are at most 1 MB (`site::limits`), so only a loose
/// file of over 4 GB would be clamped.
fn num(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Applies severities and exemptions and turns byte spans into positions. Every hit's rule
/// is one of [`RULES`]; one that is not is a mistake of this crate and is left out.
pub(crate) fn finish(
    source: &str,
    hits: Vec<Hit>,
    cfg: &CheckConfig,
    texts: &Interner,
) -> Vec<Row> {
    if hits.is_empty() {
        return Vec::new();
    }
    let lines = LineIndex::new(source);
    let allow = exemptions(source, &lines);
    // In the order of the result (stable, as the findings were sorted before): each
    // start is then found from the one before it, counting only the characters between.
    // The keys are sorted, not the hits: moving the large hits was most of the sorting.
    let mut order: Vec<(usize, &str, usize)> = (hits.iter().enumerate())
        .map(|(i, h)| (h.span.start, h.rule, i))
        .collect();
    // The index last: the order of a stable sort by position and rule.
    order.sort_unstable();
    let mut hits: Vec<Option<Hit>> = hits.into_iter().map(Some).collect();
    let mut at: Option<super::Cursor> = None;
    let mut placed = Vec::with_capacity(order.len());
    for &(_, _, i) in &order {
        let Some(h) = hits[i].take() else { continue };
        let Some(severity) = level(cfg, h.rule, h.severity) else {
            continue;
        };
        let Some(rule) = rule_index(h.rule) else {
            debug_assert!(false, "rule {} is not in RULES", h.rule);
            continue;
        };
        let start = lines.cursor(source, h.span.start, at);
        let end = lines.cursor(source, h.span.end, Some(start));
        at = Some(start);
        let (line, column) = start.position();
        // Most pages have no exemption comment: no map lookups then.
        let exempt = !allow.is_empty()
            && [line, line.saturating_sub(1)].iter().any(|l| {
                allow
                    .get(l)
                    .is_some_and(|rules| rules.iter().any(|r| r == "*" || r == h.rule))
            });
        if exempt {
            continue;
        }
        let (end_line, end_column) = end.position();
        let row = Row {
            start: num(h.span.start),
            end: num(h.span.end),
            line: num(line),
            column: num(column),
            end_line: num(end_line),
            end_column: num(end_column),
            message: 0,
            suggestion: NONE,
            why: 0,
            rule,
            severity,
        };
        placed.push((row, h));
    }
    // The shared texts are looked up under one lock, taken after the positions are known
    // so that pages checked in parallel wait for each other as little as before.
    let mut texts = texts.batch();
    let mut out: Vec<Row> = (placed.into_iter())
        .map(|(mut row, h)| {
            row.message = texts.get(h.message);
            row.suggestion = h.suggestion.map_or(NONE, |s| texts.get(s));
            row.why = texts.get(h.why);
            row
        })
        .collect();
    drop(texts);
    out.dedup_by(|a, b| a.start == b.start && a.end == b.end && a.rule == b.rule);
    out
}

/// `<!-- yasno-allow: rule, rule -->` comments by line (an empty list allows every rule).
fn exemptions(source: &str, lines: &LineIndex) -> HashMap<usize, Vec<String>> {
    let mut out: HashMap<usize, Vec<String>> = HashMap::new();
    let mut from = 0;
    while let Some(p) = memchr::memmem::find(&source.as_bytes()[from..], b"<!--") {
        let start = from + p;
        let Some(e) = memchr::memmem::find(&source.as_bytes()[start..], b"-->") else {
            break;
        };
        let end = start + e + 3;
        let inner = source[start + 4..end - 3].trim();
        if let Some(rest) = inner.strip_prefix("yasno-allow") {
            let rest = rest.trim_start_matches(':').trim();
            let rules: Vec<String> = if rest.is_empty() {
                vec!["*".into()]
            } else {
                rest.split([',', ' '])
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect()
            };
            // The comment covers the line it ends on (and, via the caller, the next one).
            let (line, _) = lines.position(source, end - 1);
            out.entry(line).or_default().extend(rules);
        }
        from = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(line: u32, column: u32, rule: u8, message: u32) -> Row {
        Row {
            start: line * 100 + column,
            end: line * 100 + column + 1,
            line,
            column,
            end_line: line,
            end_column: column + 1,
            message,
            suggestion: NONE,
            why: 0,
            rule,
            severity: Severity::Warning,
        }
    }

    /// Merging is a stable sort of the old rows followed by the new, by file, position and
    /// rule id: new files before, between and after the old ones, new rows before, among
    /// and after a file's old rows, and ties (the old row first).
    #[test]
    fn merged_rows_are_the_stable_sort_of_old_then_new() {
        let path = |p: &str| -> Arc<Path> { Arc::from(Path::new(p)) };
        let old: Vec<(Arc<Path>, Row)> = vec![
            (path("b.md"), row(1, 1, 0, 1)),
            // "emphasis" (4) before "long-sentence" (1): by id, not index.
            (path("b.md"), row(3, 2, 4, 2)),
            (path("b.md"), row(3, 2, 1, 3)),
            (path("d.md"), row(2, 1, 0, 4)),
            (path("f/x.md"), row(5, 5, 2, 5)),
        ];
        let more: Vec<(Arc<Path>, Row)> = vec![
            (path("g.md"), row(1, 1, 0, 10)),
            (path("b.md"), row(3, 2, 1, 11)),
            (path("a.md"), row(9, 1, 0, 12)),
            (path("b.md"), row(2, 7, 0, 13)),
            (path("d.md"), row(7, 1, 0, 14)),
            (path("c.md"), row(1, 1, 0, 15)),
            (path("b.md"), row(3, 2, 1, 16)),
            (path("f.md"), row(1, 1, 0, 17)),
            (path("b.md"), row(0, 1, 0, 18)),
        ];
        let mut files: Runs = Vec::new();
        let mut rows = Vec::new();
        for (p, r) in &old {
            match files.last_mut() {
                Some((last, n)) if last == p => *n += 1,
                _ => files.push((p.clone(), 1)),
            }
            rows.push(*r);
        }
        merge(&mut files, &mut rows, more.clone());

        let mut want: Vec<(Arc<Path>, Row)> = old.into_iter().chain(more).collect();
        want.sort_by(|(a, r), (b, s)| (a, r.order()).cmp(&(b, s.order())));
        let mut got = Vec::new();
        let mut at = 0;
        for (p, n) in &files {
            assert!(*n > 0, "{files:?}");
            got.extend(rows[at..at + n].iter().map(|r| (p.clone(), *r)));
            at += n;
        }
        assert_eq!(at, rows.len());
        assert_eq!(got, want);
        let mut names: Vec<&Path> = files.iter().map(|(p, _)| &**p).collect();
        names.dedup();
        assert_eq!(names.len(), files.len(), "one run per file: {files:?}");
    }
}
