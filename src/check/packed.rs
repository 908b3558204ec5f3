//! A build's warnings with the check's findings packed: 24 bytes a finding (file, span,
//! message, hint and rule as indices into shared tables) instead of a 128-byte
//! [`Diagnostic`] each. A legacy site of 10,000 pages has ~700,000 findings; as diagnostics
//! they were ~90 MB of a build's peak memory. The check hands a page's findings over as
//! rows ([`super::rows::Row`]) a batch at a time, the site-wide rules' findings too. A
//! diagnostic is made only when it is printed. The files' texts are kept up to a budget;
//! beyond it (a large site) a text is read again when a message quotes it.

use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;

use rustc_hash::FxHashMap;

use super::rows::{NONE, NumberMap, Row, TableId};
use super::site::SiteCheck;
use super::{RULES, Severity};
use crate::diagnostics::summary::{self, Detail, LastText};
use crate::diagnostics::{self as diag, Diagnostic, Diagnostics};
use crate::site::SourceText;

/// Bytes of file texts kept for the messages (a small site's, whole); the rest are read
/// again when printed.
const KEEP_TEXTS: usize = 2 << 20;

/// A file's text for the excerpts: kept, or known by length and hash and read again.
#[derive(Debug)]
enum Text {
    Kept(Arc<str>),
    Reread(SourceText),
}

/// One finding as indices into [`BuildWarnings`]' tables.
#[derive(Debug, Clone, Copy)]
struct Packed {
    start: u32,
    end: u32,
    file: u32,
    message: u32,
    help: u32,
    /// The rule's index in [`RULES`].
    rule: u8,
    /// An error under `--strict`, else a warning.
    error: bool,
}

/// A build's warnings: the check's findings (packed, in the order of the check: by file,
/// position and rule), then every other warning.
#[derive(Debug, Default)]
pub struct BuildWarnings {
    strict: bool,
    /// Each file with its text (for the excerpt).
    files: Vec<(Arc<Path>, Text)>,
    /// Bytes of texts that may still be kept.
    budget: usize,
    /// Messages and hints.
    texts: Vec<Arc<str>>,
    items: Vec<Packed>,
    /// Warnings that are not check findings (after the findings).
    other: Vec<Diagnostic>,
    /// Whether findings came after others of a later file (then [`Self::finish`] sorts).
    unsorted: bool,
    index: Index,
}

/// Lookups used only while findings are added.
#[derive(Debug, Default)]
struct Index {
    files: FxHashMap<Arc<Path>, u32>,
    /// The table (of a [`SiteCheck`]) that `row_texts` and `row_helps` map numbers of.
    table: Option<TableId>,
    /// The run's text numbers of rows ([`super::rows::Row`]) -> index in `texts`.
    row_texts: NumberMap,
    /// Hints of rows by their suggestion's and reason's numbers.
    row_helps: FxHashMap<(u32, u32), u32>,
}

fn index(n: usize) -> u32 {
    u32::try_from(n).expect("fewer than 4 billion files, texts and findings")
}

impl BuildWarnings {
    /// An empty list; under `strict`, findings of error severity become errors.
    pub fn new(strict: bool) -> Self {
        Self::with_text_budget(strict, KEEP_TEXTS)
    }

    /// [`BuildWarnings::new`], keeping at most `bytes` of file texts in memory.
    pub fn with_text_budget(strict: bool, bytes: usize) -> Self {
        Self {
            strict,
            budget: bytes,
            ..Self::default()
        }
    }

    /// Moves the findings collected so far in `check` into the list (the check calls this
    /// after each batch of pages, so a build's findings are never all held unpacked). A run
    /// that keeps findings, not rows, has them made rows here first.
    pub fn take_findings(&mut self, check: &mut SiteCheck) {
        // The text numbers of another check's table mean other texts.
        if self.index.table != Some(check.table) {
            self.index.table = Some(check.table);
            self.index.row_texts.clear();
            self.index.row_helps.clear();
        }
        if !check.findings.is_empty() {
            let findings = std::mem::take(&mut check.findings);
            check.add_rows(findings);
        }
        let empty: Arc<str> = Arc::from("");
        let mut at = 0;
        for (path, n) in std::mem::take(&mut check.row_files) {
            let file = self.file_of(check, &path, &empty);
            for r in &check.rows[at..at + n] {
                self.push_row(r, &path, file, &check.texts);
            }
            at += n;
        }
        check.rows.clear();
        // The texts not kept in `files` are not needed any more; released, not dropped, so
        // the site-wide rules' findings do not read them again.
        check.release_sources();
    }

    /// The index of `file` in the table, with its text as `check` has it: kept, or released
    /// earlier (a site-wide finding in a page's file), or none (`empty`).
    fn file_of(&mut self, check: &SiteCheck, file: &Arc<Path>, empty: &Arc<str>) -> u32 {
        let known = check.released(file);
        let text = match (check.sources.get(&**file), known) {
            (Some(s), _) => Ok((s, known)),
            (None, Some(loaded)) => Err(loaded),
            (None, None) => Ok((empty, None)),
        };
        self.file_index(file, text)
    }

    /// The index of `file` in the table, added when new with its text and, when known, its
    /// length and hash (or only known by those: `Err`).
    fn file_index(
        &mut self,
        file: &Arc<Path>,
        text: Result<(&Arc<str>, Option<SourceText>), SourceText>,
    ) -> u32 {
        if let Some(&i) = self.index.files.get(file) {
            return i;
        }
        let i = index(self.files.len());
        let text = match text {
            Ok((source, _)) if source.len() <= self.budget => {
                self.budget -= source.len();
                Text::Kept(source.clone())
            }
            Ok((source, known)) => Text::Reread(known.unwrap_or_else(|| SourceText::of(source))),
            Err(loaded) => Text::Reread(loaded),
        };
        self.files.push((file.clone(), text));
        self.index.files.insert(file.clone(), i);
        i
    }

    /// Adds row `r` of `path`, which is `file` in the table; `texts` are the texts its
    /// numbers are of.
    fn push_row(&mut self, r: &Row, path: &Path, file: u32, texts: &[Arc<str>]) {
        let message = self.row_text(r.message, texts);
        let help = match self.index.row_helps.get(&(r.suggestion, r.why)) {
            Some(&i) => i,
            None => {
                let suggestion = (r.suggestion != NONE).then(|| &*texts[r.suggestion as usize]);
                let help = super::run::hint(suggestion, &texts[r.why as usize]);
                let i = index(self.texts.len());
                self.texts.push(help);
                self.index.row_helps.insert((r.suggestion, r.why), i);
                i
            }
        };
        if let Some(last) = self.items.last() {
            let before = if last.file == file {
                (last.start, RULES[usize::from(last.rule)].0) > (r.start, r.rule_id())
            } else {
                *self.files[last.file as usize].0 > *path
            };
            self.unsorted |= before;
        }
        self.items.push(Packed {
            start: r.start,
            end: r.end,
            file,
            message,
            help,
            rule: r.rule,
            error: self.strict && r.severity == Severity::Error,
        });
    }

    /// The index in `texts` of the run's text numbered `n`.
    fn row_text(&mut self, n: u32, texts: &[Arc<str>]) -> u32 {
        if let Some(i) = self.index.row_texts.get(n) {
            return i;
        }
        let i = index(self.texts.len());
        self.texts.push(texts[n as usize].clone());
        self.index.row_texts.set(n, i);
        i
    }

    /// Ends adding findings: drops the lookups and, when findings were added out of file
    /// order (site-wide ones after the pages), sorts them by file, position and rule.
    pub fn finish(&mut self) {
        self.index = Index::default();
        if self.unsorted {
            let mut by_path: Vec<u32> = (0..index(self.files.len())).collect();
            by_path.sort_by(|&a, &b| self.files[a as usize].0.cmp(&self.files[b as usize].0));
            let mut rank = vec![0u32; by_path.len()];
            for (r, &f) in by_path.iter().enumerate() {
                rank[f as usize] = index(r);
            }
            let id = |p: &Packed| RULES[usize::from(p.rule)].0;
            self.items.sort_by(|a, b| {
                (rank[a.file as usize], a.start, id(a)).cmp(&(
                    rank[b.file as usize],
                    b.start,
                    id(b),
                ))
            });
            self.unsorted = false;
        }
        self.items.shrink_to_fit();
    }

    /// Adds warnings that are not check findings (after the findings).
    pub fn extend(&mut self, more: impl IntoIterator<Item = Diagnostic>) {
        self.other.extend(more);
    }

    /// How many warnings (and errors) there are.
    pub fn len(&self) -> usize {
        self.items.len() + self.other.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether any is an error.
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|p| p.error)
            || self
                .other
                .iter()
                .any(|d| d.severity == diag::Severity::Error)
    }

    /// The `i`-th as a diagnostic.
    pub fn diagnostic(&self, i: usize) -> Cow<'_, Diagnostic> {
        self.diagnostic_reusing(i, &mut LastText::default())
    }

    /// [`BuildWarnings::diagnostic`], taking the file's text from `last` when it is the
    /// same file (messages are printed file by file: each file is read once).
    pub fn diagnostic_reusing(&self, i: usize, last: &mut LastText) -> Cow<'_, Diagnostic> {
        let Some(p) = self.items.get(i) else {
            return Cow::Borrowed(&self.other[i - self.items.len()]);
        };
        let file = &self.files[p.file as usize].0;
        let source = match &last.0 {
            Some((j, t)) if *j == p.file as usize => t.clone(),
            _ => {
                let t = self.file_text(p.file);
                last.0 = Some((p.file as usize, t.clone()));
                t
            }
        };
        Cow::Owned(super::run::finding_diagnostic(
            self.code(p),
            file.clone(),
            &source,
            p.start as usize..p.end as usize,
            self.texts[p.message as usize].clone(),
            self.texts[p.help as usize].clone(),
            p.error,
        ))
    }

    /// The text of file `i`: kept, or read again (empty when the file no longer holds the
    /// text that was checked: the message then names the file without an excerpt).
    fn file_text(&self, i: u32) -> Arc<str> {
        let (path, text) = &self.files[i as usize];
        match text {
            Text::Kept(t) => t.clone(),
            Text::Reread(loaded) => loaded.read(path).unwrap_or_else(|_| Arc::from("")),
        }
    }

    /// The code of a finding's diagnostic.
    fn code(&self, p: &Packed) -> &'static str {
        RULES[usize::from(p.rule)].0
    }

    /// Every warning as a diagnostic (for a failed build's errors).
    pub fn into_diagnostics(self) -> Diagnostics {
        let mut last = LastText::default();
        let mut out: Vec<Diagnostic> = (0..self.items.len())
            .map(|i| self.diagnostic_reusing(i, &mut last).into_owned())
            .collect();
        out.extend(self.other);
        Diagnostics(out)
    }

    /// Prints them to stderr like [`Diagnostics::print_to_stderr`].
    pub fn print_to_stderr(&self, detail: Detail, hint: &str) {
        diag::print_to_stderr(self, detail, hint);
    }

    /// As plain text at the given detail, like [`Diagnostics::to_plain_string`].
    pub fn to_plain_string(&self, detail: Detail, hint: &str) -> String {
        let mut buf = codespan_reporting::term::termcolor::NoColor::new(Vec::new());
        let _ = summary::write(self, detail, hint, &mut buf);
        String::from_utf8_lossy(&buf.into_inner()).into_owned()
    }
}

impl summary::List for BuildWarnings {
    fn len(&self) -> usize {
        BuildWarnings::len(self)
    }
    fn get(&self, i: usize) -> Cow<'_, Diagnostic> {
        self.diagnostic(i)
    }
    fn get_reusing(&self, i: usize, last: &mut LastText) -> Cow<'_, Diagnostic> {
        self.diagnostic_reusing(i, last)
    }
    fn severity(&self, i: usize) -> diag::Severity {
        match self.items.get(i) {
            Some(p) if p.error => diag::Severity::Error,
            Some(_) => diag::Severity::Warning,
            None => self.other[i - self.items.len()].severity,
        }
    }
    fn code(&self, i: usize) -> &'static str {
        match self.items.get(i) {
            Some(p) => BuildWarnings::code(self, p),
            None => self.other[i - self.items.len()].code,
        }
    }
    fn file(&self, i: usize) -> &Path {
        match self.items.get(i) {
            Some(p) => &self.files[p.file as usize].0,
            None => &self.other[i - self.items.len()].file,
        }
    }
}
