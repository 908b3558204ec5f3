//! Diagnostics for editors: one type for every mistake the tool reports, with the file, the
//! exact place, what was expected and how to fix it, rendered the way rustc renders errors.
//!
//! Stages collect diagnostics instead of stopping at the first one, so an editor sees every
//! mistake in one run (ripgrep's `messages.rs` habit); the CLI prints them in one place,
//! buffered, cut to a screen line of source each, and summarised when there are many.

pub mod excerpt;
pub mod ordered;
pub mod summary;

pub use summary::Detail;

use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label, Severity as CsSeverity};
use codespan_reporting::term::{self, termcolor};

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth a look; does not fail the run.
    Warning,
    /// Must be fixed; the run fails.
    Error,
}

/// One problem, located in a source file.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    /// How serious it is.
    pub severity: Severity,
    /// Short id of the kind of problem, e.g. `unknown-field` or `toml`.
    pub code: &'static str,
    /// The file the problem is in (shared: a file with many findings names it once).
    pub file: Arc<Path>,
    /// The file's text, for the underlined excerpt (empty when unknown).
    pub source: Arc<str>,
    /// Byte range of the problem in `source`.
    pub range: Range<usize>,
    /// What is wrong, in one line (shared: the check repeats the same messages many
    /// thousands of times).
    pub message: Arc<str>,
    /// Text next to the underline.
    pub label: String,
    /// How to fix it.
    pub help: Option<Arc<str>>,
}

impl Diagnostic {
    /// An error at `range` of `source`.
    pub fn error(
        code: &'static str,
        file: &Path,
        source: &Arc<str>,
        range: Range<usize>,
        message: impl Into<String>,
    ) -> Self {
        let message: String = message.into();
        Self::at(code, Arc::from(file), source, range, Arc::from(message))
    }

    /// [`Diagnostic::error`] with the file and message already shared.
    pub fn at(
        code: &'static str,
        file: Arc<Path>,
        source: &Arc<str>,
        range: Range<usize>,
        message: Arc<str>,
    ) -> Self {
        let len = source.len();
        let start = range.start.min(len);
        let end = range.end.clamp(start, len);
        Self {
            severity: Severity::Error,
            code,
            file,
            source: source.clone(),
            range: start..end,
            message,
            label: String::new(),
            help: None,
        }
    }

    /// An error about a whole file, with no place inside it (e.g. it cannot be read).
    pub fn file_error(code: &'static str, file: &Path, message: impl Into<String>) -> Self {
        Self::error(code, file, &Arc::from(""), 0..0, message)
    }

    /// Sets the text under the underline.
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    /// Sets the hint.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(Arc::from(help.into()));
        self
    }

    /// 1-based line and column (in characters) of the start of the problem.
    pub fn line_col(&self) -> (usize, usize) {
        line_col(&self.source, self.range.start)
    }

    /// Writes the diagnostic rustc-style (colours if `out` has them), with at most one
    /// screen line of source around the problem.
    pub fn emit(&self, out: &mut dyn termcolor::WriteColor) -> std::io::Result<()> {
        self.emit_with(
            out,
            &term::Config::default(),
            &mut excerpt::LineCursor::default(),
        )
    }

    /// [`Diagnostic::emit`] with a shared config and line cursor (for long lists).
    pub fn emit_with(
        &self,
        out: &mut dyn termcolor::WriteColor,
        config: &term::Config,
        lines: &mut excerpt::LineCursor,
    ) -> std::io::Result<()> {
        // No allocation for the usual UTF-8 path: long lists print it once per message.
        let name = match self.file.to_str() {
            Some(s) => std::borrow::Cow::Borrowed(s),
            None => std::borrow::Cow::Owned(self.file.display().to_string()),
        };
        if self.source.is_empty() {
            return excerpt::emit(out, config, &name, &self.source, self.to_codespan());
        }
        let at = lines.position(&self.source, self.range.start);
        template::with(self, |d| {
            excerpt::emit_at(out, config, &name, &self.source, at, d, self.range.clone())
        })
    }

    /// The diagnostic as codespan-reporting's.
    fn to_codespan(&self) -> CsDiagnostic<()> {
        let mut d = CsDiagnostic::new(match self.severity {
            Severity::Error => CsSeverity::Error,
            Severity::Warning => CsSeverity::Warning,
        })
        .with_code(self.code)
        .with_message(&*self.message);
        if self.source.is_empty() {
            d = d.with_notes(vec![format!("in {}", self.file.display())]);
        } else {
            d = d.with_labels(vec![
                Label::primary((), self.range.clone()).with_message(&self.label),
            ]);
        }
        if let Some(help) = &self.help {
            d = d.with_notes(vec![format!("help: {help}")]);
        }
        d
    }

    /// The diagnostic as plain text without colours (for logs, overlays and tests).
    pub fn to_plain_string(&self) -> String {
        let mut buf = termcolor::NoColor::new(Vec::new());
        let _ = self.emit(&mut buf);
        String::from_utf8_lossy(&buf.into_inner()).into_owned()
    }
}

/// Codespan-reporting diagnostics made once per distinct message on each printing thread:
/// a legacy site's 500,000 warnings have a few hundred distinct messages and hints, and
/// making each message's diagnostic (its texts copied, its hint formatted) was a fifth of
/// printing them.
pub(crate) mod template {
    use std::cell::RefCell;
    use std::hash::{Hash, Hasher};
    use std::sync::Arc;

    use codespan_reporting::diagnostic::Diagnostic as CsDiagnostic;
    use rustc_hash::{FxHashMap, FxHasher};

    use super::{Diagnostic, Severity};

    /// Distinct messages kept per thread; a long-running `serve` starts again beyond.
    const MAX: usize = 4096;

    /// Diagnostics made once each, by what they are made of apart from their place (`K`,
    /// owned) under the hash of its borrowed form, so a lookup copies nothing.
    pub(crate) struct Templates<K>(FxHashMap<u64, Vec<(K, CsDiagnostic<()>)>>);

    impl<K> Default for Templates<K> {
        fn default() -> Self {
            Templates(FxHashMap::default())
        }
    }

    impl<K> Templates<K> {
        /// The diagnostic of `wanted` (the key's borrowed form; `same` tells whether a kept
        /// key is it), made by `make` (the owned key and the diagnostic) the first time.
        pub(crate) fn get(
            &mut self,
            wanted: &impl Hash,
            same: impl Fn(&K) -> bool,
            make: impl FnOnce() -> (K, CsDiagnostic<()>),
        ) -> &CsDiagnostic<()> {
            let mut h = FxHasher::default();
            wanted.hash(&mut h);
            if self.0.len() > MAX {
                self.0.clear();
            }
            let bucket = self.0.entry(h.finish()).or_default();
            let i = match bucket.iter().position(|(k, _)| same(k)) {
                Some(i) => i,
                None => {
                    bucket.push(make());
                    bucket.len() - 1
                }
            };
            &bucket[i].1
        }
    }

    /// What a diagnostic with an excerpt is made of, apart from its place.
    type Key = (Severity, &'static str, Arc<str>, String, Option<Arc<str>>);

    thread_local! {
        static MADE: RefCell<Templates<Key>> = RefCell::default();
    }

    /// Calls `emit` with the codespan-reporting diagnostic of `d` (which has a source),
    /// its label to be placed at `d.range`.
    pub(super) fn with<R>(d: &Diagnostic, emit: impl FnOnce(&CsDiagnostic<()>) -> R) -> R {
        let wanted = (
            d.severity,
            d.code,
            &*d.message,
            d.label.as_str(),
            d.help.as_deref(),
        );
        // Messages and hints are mostly shared texts: the same allocation is the same text,
        // without comparing it (comparing them in full was a tenth of printing a long list).
        let same_text = |a: &Arc<str>, b: &Arc<str>| Arc::ptr_eq(a, b) || a == b;
        let same = |k: &Key| {
            (k.0, k.1, k.3.as_str()) == (d.severity, d.code, d.label.as_str())
                && same_text(&k.2, &d.message)
                && match (&k.4, &d.help) {
                    (Some(a), Some(b)) => same_text(a, b),
                    (a, b) => a.is_none() && b.is_none(),
                }
        };
        let make = || {
            let key = (
                d.severity,
                d.code,
                d.message.clone(),
                d.label.clone(),
                d.help.clone(),
            );
            (key, d.to_codespan())
        };
        MADE.with(|made| emit(made.borrow_mut().get(&wanted, same, make)))
    }
}

/// 1-based line and character column of byte `offset` in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..floor_char_boundary(text, offset)];
    let line = memchr::memchr_iter(b'\n', before.as_bytes()).count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// Byte offset of the start of 1-based `line` (and 1-based character `col`) in `text`.
pub fn offset_of(text: &str, line: usize, col: usize) -> usize {
    let mut start = 0;
    for _ in 1..line {
        match text[start..].find('\n') {
            Some(i) => start += i + 1,
            None => return text.len(),
        }
    }
    let rest = &text[start..];
    start
        + rest
            .char_indices()
            .nth(col.saturating_sub(1))
            .map_or(rest.len(), |(i, _)| i)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Every diagnostic of a run. An error fails the run; warnings do not.
#[derive(Debug, Clone, Default)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// Adds one.
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }

    /// Whether any error is present.
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(|d| d.severity == Severity::Error)
    }

    /// Sorts by file and position so output is stable whatever the thread order.
    pub fn sort(&mut self) {
        self.0
            .sort_by(|a, b| (&a.file, a.range.start).cmp(&(&b.file, b.range.start)));
    }

    /// Writes the diagnostics to stderr (colours on a terminal): in full when there are
    /// few, else errors and a summary of the warnings ([`Detail::Auto`]).
    pub fn emit_to_stderr(&self) {
        self.print_to_stderr(Detail::Auto, HINT);
    }

    /// Writes the diagnostics to stderr through one buffer, flushed once at the end
    /// (one system call per buffer-full, not per fragment of every message). `hint`
    /// says how to see the full list, under a summary.
    pub fn print_to_stderr(&self, detail: Detail, hint: &str) {
        print_to_stderr(&self.0, detail, hint);
    }

    /// The diagnostics as plain text at the given detail (for tests and logs).
    pub fn to_plain_string(&self, detail: Detail, hint: &str) -> String {
        let mut buf = termcolor::NoColor::new(Vec::new());
        let _ = summary::write(&self.0, detail, hint, &mut buf);
        String::from_utf8_lossy(&buf.into_inner()).into_owned()
    }
}

/// Writes `list` to stderr through one buffer, flushed once at the end (one system call
/// per buffer-full, not per fragment of every message); see [`Diagnostics::print_to_stderr`].
pub fn print_to_stderr(list: &dyn summary::List, detail: Detail, hint: &str) {
    use std::io::{IsTerminal, Write};
    let choice = if std::io::stderr().is_terminal() {
        termcolor::ColorChoice::Auto
    } else {
        termcolor::ColorChoice::Never
    };
    let mut out = termcolor::BufferedStandardStream::stderr(choice);
    let _ = summary::write(list, detail, hint, &mut out);
    let _ = out.flush();
}

/// How to see every warning, printed under a summary.
pub const HINT: &str = "Весь список: yasno check (или yasno build --verbose, yasno check --format json) / full list: yasno check (or yasno build --verbose, yasno check --format json)";

impl std::fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_plain_string(Detail::Full, HINT))
    }
}

impl std::error::Error for Diagnostics {}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Self(vec![d])
    }
}

/// The closest of `candidates` to `word`, if close enough to be a likely typo.
pub fn did_you_mean<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (strsim::jaro_winkler(word, c), *c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_not_bytes() {
        let text = "первая\nвторая строка";
        let off = text.find("строка").unwrap();
        assert_eq!(line_col(text, off), (2, 8));
        assert_eq!(offset_of(text, 2, 8), off);
    }

    /// Diagnostics that share some of their texts are each printed with their own: the
    /// per-thread diagnostics made once per message tell them apart by every text.
    #[test]
    fn messages_sharing_texts_keep_their_own_hint_label_and_severity() {
        let source: Arc<str> = Arc::from("в целях защиты детей\nвторая строка\n");
        let file = Path::new("a.md");
        let base = Diagnostic::error("rule", file, &source, 2..7, "сообщение");
        let mut warning = base.clone();
        warning.severity = Severity::Warning;
        let variants = [
            base.clone().with_help("подсказка один"),
            base.clone().with_help("подсказка два"),
            base.clone().with_label("метка").with_help("подсказка один"),
            warning.with_help("подсказка один"),
            Diagnostic::error("other", file, &source, 25..30, "сообщение"),
            base.clone(),
        ];
        let config = term::Config::default();
        for d in variants.iter().chain(variants.iter().rev()) {
            let mut got = termcolor::NoColor::new(Vec::new());
            let mut cursor = excerpt::LineCursor::default();
            d.emit_with(&mut got, &config, &mut cursor).unwrap();
            let mut want = termcolor::NoColor::new(Vec::new());
            excerpt::emit(&mut want, &config, "a.md", &source, d.to_codespan()).unwrap();
            assert_eq!(
                String::from_utf8(got.into_inner()).unwrap(),
                String::from_utf8(want.into_inner()).unwrap()
            );
        }
    }

    #[test]
    fn suggests_close_keys_only() {
        assert_eq!(did_you_mean("titel", &["title", "summary"]), Some("title"));
        assert_eq!(did_you_mean("zzz", &["title", "summary"]), None);
    }
}
