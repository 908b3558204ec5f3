//! A run's diagnostics as an editor can read them: in full when there are few, as a
//! summary when a legacy site yields thousands of warnings (counts per rule, the files
//! with the most findings, one example per rule, and how to see everything).

use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;

use codespan_reporting::term::{self, termcolor::WriteColor};
use rustc_hash::FxHashMap;

use super::excerpt::LineCursor;
use super::ordered;
use super::{Diagnostic, Severity};

/// Above this many warnings a run prints a summary unless asked for the full list.
pub const SUMMARY_OVER: usize = 20;
/// In a summary, at most this many errors are printed in full; the others get their
/// location line, so every error can still be found.
pub const FULL_ERRORS: usize = 20;
/// Files listed under "the most findings".
const TOP_FILES: usize = 5;

/// How much of a run's diagnostics to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// Every diagnostic with its excerpt.
    Full,
    /// The full list when short, else a summary.
    Auto,
}

/// Diagnostics read one at a time: a list in memory, or a packed list that makes each diagnostic
/// only when it is printed (a legacy site has hundreds of thousands of warnings, and a
/// summary prints a few of them).
pub trait List: Sync {
    /// How many.
    fn len(&self) -> usize;
    /// Whether there are none.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The `i`-th diagnostic.
    fn get(&self, i: usize) -> Cow<'_, Diagnostic>;
    /// [`List::get`] for a caller going through the list in order: `last` keeps the text
    /// of the file last read, so a file's text is read once for all its messages.
    fn get_reusing(&self, i: usize, last: &mut LastText) -> Cow<'_, Diagnostic> {
        let _ = last;
        self.get(i)
    }
    /// The severity of the `i`-th (without making it).
    fn severity(&self, i: usize) -> Severity;
    /// The code of the `i`-th.
    fn code(&self, i: usize) -> &'static str;
    /// The file of the `i`-th.
    fn file(&self, i: usize) -> &Path;
}

/// The text of the file a [`List`] read last for one caller (each thread printing a part
/// of the list has its own), by the list's own key for the file.
#[derive(Debug, Default)]
pub struct LastText(pub Option<(usize, Arc<str>)>);

impl List for Vec<Diagnostic> {
    fn len(&self) -> usize {
        Vec::len(self)
    }
    fn get(&self, i: usize) -> Cow<'_, Diagnostic> {
        Cow::Borrowed(&self[i])
    }
    fn severity(&self, i: usize) -> Severity {
        self[i].severity
    }
    fn code(&self, i: usize) -> &'static str {
        self[i].code
    }
    fn file(&self, i: usize) -> &Path {
        &self[i].file
    }
}

/// Writes `list` (sorted by file and position) at the given detail; `hint` says how to
/// get the full list and is printed under a summary.
pub fn write(
    list: &dyn List,
    detail: Detail,
    hint: &str,
    out: &mut dyn WriteColor,
) -> std::io::Result<()> {
    let config = term::Config::default();
    let mut cursor = LineCursor::default();
    let is_error = |i: &usize| list.severity(*i) == Severity::Error;
    let errors = (0..list.len()).filter(is_error).count();
    let warnings = list.len() - errors;
    if detail == Detail::Full || (errors <= FULL_ERRORS && warnings <= SUMMARY_OVER) {
        return write_all(list, out);
    }
    let mut last = LastText::default();
    for (i, d) in (0..list.len()).filter(is_error).enumerate() {
        let d = list.get_reusing(d, &mut last);
        if i < FULL_ERRORS {
            d.emit_with(out, &config, &mut cursor)?;
        } else {
            let (line, col) = d.line_col();
            writeln!(
                out,
                "error[{}]: {}:{line}:{col}: {}",
                d.code,
                d.file.display(),
                d.message
            )?;
        }
    }
    if warnings <= SUMMARY_OVER {
        let mut cursor = LineCursor::default();
        let mut last = LastText::default();
        for i in (0..list.len()).filter(|i| !is_error(i)) {
            (list.get_reusing(i, &mut last)).emit_with(out, &config, &mut cursor)?;
        }
        return Ok(());
    }
    summarise(list, warnings, hint, &config, out)
}

/// Writes every diagnostic of `list` in full. Without colours (a log file, a pipe) the
/// messages are formatted on every core, file by file, and written in order.
fn write_all(list: &dyn List, out: &mut dyn WriteColor) -> std::io::Result<()> {
    let config = term::Config::default();
    let each = |range: std::ops::Range<usize>, out: &mut dyn WriteColor| {
        let mut cursor = LineCursor::default();
        let mut last = LastText::default();
        for i in range {
            (list.get_reusing(i, &mut last)).emit_with(out, &config, &mut cursor)?;
        }
        Ok(())
    };
    if out.supports_color() || list.len() <= ordered::CHUNK {
        return each(0..list.len(), out);
    }
    let chunks = ordered::chunks(list.len(), |i| list.file(i) != list.file(i - 1));
    // ~750 bytes a message on a legacy site.
    ordered::write_plain(&chunks, 896, each, out)
}

/// The summary of the warnings of `list`.
fn summarise(
    list: &dyn List,
    warnings: usize,
    hint: &str,
    config: &term::Config,
    out: &mut dyn WriteColor,
) -> std::io::Result<()> {
    // FxHash, and files counted by runs (the list is sorted by file): hashing a path for
    // each of 700,000 warnings took ~0.1 s at the end of a legacy site's build.
    let mut by_rule: FxHashMap<&str, (usize, usize)> = FxHashMap::default();
    let mut by_file: FxHashMap<&Path, usize> = FxHashMap::default();
    let mut run: Option<(&Path, usize)> = None;
    for i in (0..list.len()).filter(|&i| list.severity(i) == Severity::Warning) {
        by_rule.entry(list.code(i)).or_insert((0, i)).0 += 1;
        let file = list.file(i);
        match &mut run {
            Some((f, n)) if std::ptr::eq(*f, file) || *f == file => *n += 1,
            _ => {
                if let Some((f, n)) = run.replace((file, 1)) {
                    *by_file.entry(f).or_default() += n;
                }
            }
        }
    }
    if let Some((f, n)) = run {
        *by_file.entry(f).or_default() += n;
    }
    let mut rules: Vec<(&str, usize, usize)> =
        by_rule.into_iter().map(|(r, (n, d))| (r, n, d)).collect();
    rules.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let mut files: Vec<(&Path, usize)> = by_file.into_iter().collect();
    files.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let files_total = files.len();

    writeln!(
        out,
        "Сводка: предупреждений {warnings} в {files_total} файлах / summary: {warnings} warnings in {files_total} files"
    )?;
    writeln!(out, "По правилам / by rule:")?;
    let width = rules.iter().map(|r| r.0.len()).max().unwrap_or(0);
    for (rule, n, _) in &rules {
        writeln!(out, "  {rule:<width$}  {n:>8}")?;
    }
    writeln!(
        out,
        "Больше всего замечаний / files with the most findings:"
    )?;
    for (file, n) in files.iter().take(TOP_FILES) {
        writeln!(out, "  {n:>8}  {}", file.display())?;
    }
    writeln!(out, "Пример для каждого правила / one example per rule:")?;
    for (_, _, d) in &rules {
        // A cursor each: an example's text may be read for it and freed after it, and the
        // next one's read to the same address (a shared cursor would count from the wrong
        // text).
        list.get(*d)
            .emit_with(out, config, &mut LineCursor::default())?;
    }
    writeln!(out, "{hint}")
}
