//! `yasno check`'s list of findings, rustc-style or as JSON, formatted on every core in
//! chunks and written in order (a legacy site of 10,000 pages has ~700,000 findings and
//! 600 MB of messages). The list is the rows of a run that keeps rows
//! ([`super::run::run_as_rows`], `yasno check`'s way): no [`super::Finding`] is made to
//! print it (a library caller's check that keeps findings is made rows first). Byte for
//! byte what one thread printing finding after finding writes.

use std::cell::RefCell;
use std::io::Write;
use std::ops::Range;
use std::path::Path;

use codespan_reporting::diagnostic::Diagnostic as CsDiagnostic;
use codespan_reporting::term::{self, termcolor};

use super::rows::{NONE, Row, TableId};
use super::site::SiteCheck;
use super::{JsonFinding, Severity};
use crate::diagnostics::template::Templates;
use crate::diagnostics::{excerpt, ordered};

/// The rows of a check, with where each file's run of rows starts.
struct Listing<'a> {
    check: &'a SiteCheck,
    /// The first row of each file of `check.row_files`.
    starts: Vec<usize>,
}

impl<'a> Listing<'a> {
    fn new(check: &'a SiteCheck) -> Self {
        let mut at = 0;
        let starts = (check.row_files.iter())
            .map(|(_, n)| {
                at += n;
                at - n
            })
            .collect();
        Listing { check, starts }
    }

    fn len(&self) -> usize {
        self.check.rows.len()
    }

    /// Whether row `i` is the first of its file.
    fn starts_file(&self, i: usize) -> bool {
        self.starts.binary_search(&i).is_ok()
    }

    /// The rows of `range`, file by file.
    fn runs(&self, range: Range<usize>) -> impl Iterator<Item = (&'a Path, &'a [Row])> {
        let (from, to) = (range.start, range.end);
        let first = self
            .starts
            .partition_point(|&s| s <= from)
            .saturating_sub(1);
        let (check, starts) = (self.check, &self.starts);
        (first..starts.len())
            .take_while(move |&k| starts[k] < to)
            .filter_map(move |k| {
                let (path, n) = &check.row_files[k];
                let (start, end) = (starts[k].max(from), (starts[k] + n).min(to));
                (start < end).then(|| (&**path, &check.rows[start..end]))
            })
    }

    /// The text numbered `n`.
    fn text(&self, n: u32) -> &'a str {
        &self.check.texts[n as usize]
    }
}

/// Writes every finding of `check` (its rows; a check that keeps findings is made rows
/// first) rustc-style (colours if `out` has them), each with at most a screen line of
/// source; without colours, formatted on every core.
pub fn write_human(check: &SiteCheck, out: &mut dyn termcolor::WriteColor) -> std::io::Result<()> {
    let rows = check.findings_as_rows();
    let list = Listing::new(rows.as_ref().unwrap_or(check));
    if out.supports_color() {
        return write_range(&list, 0..list.len(), out);
    }
    let chunks = ordered::chunks(list.len(), |i| list.starts_file(i));
    // ~840 bytes a message on a legacy site.
    let each = |range, w: &mut dyn termcolor::WriteColor| write_range(&list, range, w);
    ordered::write_plain(&chunks, 896, each, out)
}

/// The findings of `range`: each file's text is read once.
fn write_range(
    list: &Listing<'_>,
    range: Range<usize>,
    out: &mut dyn termcolor::WriteColor,
) -> std::io::Result<()> {
    let config = term::Config::default();
    for (path, rows) in list.runs(range) {
        let source = list.check.source(path).unwrap_or_default();
        let name = path.display().to_string();
        for r in rows {
            let at = (r.line as usize, r.column as usize);
            with_template(list, r, |diag| {
                excerpt::emit_at(out, &config, &name, &source, at, diag, r.span())
            })?;
        }
    }
    Ok(())
}

/// What a finding's diagnostic is made of, apart from its place: the table its texts are
/// numbered in, rule, severity, message, why and suggestion.
type Key = (TableId, u8, Severity, u32, u32, u32);

thread_local! {
    /// Each printing thread's diagnostics by [`Key`]: a legacy site's 700,000 findings have a
    /// few thousand distinct messages, and making each message's notes was a quarter of the
    /// printing.
    static TEMPLATES: RefCell<Templates<Key>> = RefCell::default();
}

/// Calls `emit` with the diagnostic of row `r` ([`super::diagnostic_of`]), made once per
/// distinct message, hint and rule on this thread; its label is to be placed at the row's
/// span.
fn with_template<R>(list: &Listing<'_>, r: &Row, emit: impl FnOnce(&CsDiagnostic<()>) -> R) -> R {
    let key = (
        list.check.table,
        r.rule,
        r.severity,
        r.message,
        r.why,
        r.suggestion,
    );
    let make = || {
        let suggestion = (r.suggestion != NONE).then(|| list.text(r.suggestion));
        let texts = (list.text(r.message), list.text(r.why), suggestion);
        (
            key,
            super::diagnostic_of(r.rule_id(), r.severity, texts, r.span(), ()),
        )
    };
    TEMPLATES.with(|t| emit(t.borrow_mut().get(&key, |k| *k == key, make)))
}

/// The findings of `check` (as in [`write_human`]) as `yasno check --format json` prints
/// them ([`super::write_findings_json`]: one pretty array), each chunk serialised on its own
/// core and the pieces joined in order.
pub fn write_json(check: &SiteCheck, out: &mut dyn Write) -> std::io::Result<()> {
    let rows = check.findings_as_rows();
    let list = Listing::new(rows.as_ref().unwrap_or(check));
    if list.len() <= ordered::CHUNK {
        return write_json_range(&list, 0..list.len(), out);
    }
    // serde_json writes a chunk as "[\n  A,\n  B\n]"; the whole array is the first chunk's
    // "[", each chunk's items ("," before a later chunk's), then "\n]".
    let chunks = ordered::chunks(list.len(), |_| true);
    let format = |range: Range<usize>, buf: &mut Vec<u8>| {
        let later = range.start > 0;
        write_json_range(&list, range, &mut *buf)?;
        buf.truncate(buf.len() - 2);
        if later {
            buf[0] = b',';
        }
        Ok(())
    };
    // ~410 bytes a finding.
    ordered::write(&chunks, 448, format, out)?;
    out.write_all(b"\n]")
}

/// The rows of `range` as one pretty JSON array.
fn write_json_range(
    list: &Listing<'_>,
    range: Range<usize>,
    out: impl Write,
) -> std::io::Result<()> {
    let items = || {
        list.runs(range.clone()).flat_map(|(path, rows)| {
            let file = path.to_string_lossy();
            rows.iter().map(move |r| JsonFinding {
                file: file.clone(),
                line: r.line as usize,
                column: r.column as usize,
                end_line: r.end_line as usize,
                end_column: r.end_column as usize,
                rule: r.rule_id(),
                severity: r.severity,
                message: list.text(r.message),
                suggestion: (r.suggestion != NONE).then(|| list.text(r.suggestion)),
            })
        })
    };
    super::write_json_array(items, out)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::check::Finding;

    /// A finding of `bureaucratese` in `a.md` at 0..13 with the given texts.
    fn finding(severity: Severity, message: &str, why: &str, suggestion: Option<&str>) -> Finding {
        Finding {
            file: Arc::from(Path::new("a.md")),
            line: 1,
            column: 1,
            end_line: 1,
            end_column: 8,
            rule: "bureaucratese",
            severity,
            message: Arc::from(message),
            suggestion: suggestion.map(Arc::from),
            why: Arc::from(why),
            span: 0..13,
        }
    }

    /// A check that keeps rows, of `findings` in `a.md` with text `source`.
    fn rows_of(findings: &[Finding], source: &str) -> SiteCheck {
        let mut check = SiteCheck::default();
        check.keeps_rows = true;
        check.add_rows(findings.to_vec());
        check.sources.insert("a.md".into(), Arc::from(source));
        check
    }

    fn human(check: &SiteCheck) -> String {
        let mut out = termcolor::NoColor::new(Vec::new());
        write_human(check, &mut out).unwrap();
        String::from_utf8(out.into_inner()).unwrap()
    }

    /// Diagnostics are kept per printing thread by text numbers: two checks number
    /// different texts alike, and each is printed with its own.
    #[test]
    fn checks_printed_one_after_another_keep_their_own_texts() {
        let source = "В целях защиты детей мы проверяем всё.\n";
        let first = rows_of(
            &[finding(Severity::Error, "первое", "почему", None)],
            source,
        );
        let second = rows_of(&[finding(Severity::Error, "второе", "зачем", None)], source);
        assert_eq!(first.rows[0].message, second.rows[0].message);
        assert!(human(&first).contains("первое"), "{}", human(&first));
        let out = human(&second);
        assert!(out.contains("второе") && out.contains("зачем"), "{out}");
        assert!(!out.contains("первое"), "{out}");
    }

    /// Findings that share their rule and message but not their hint, reason or severity
    /// are each printed with their own notes (the diagnostics made once per message are
    /// told apart by every text they are made of).
    #[test]
    fn findings_sharing_a_message_keep_their_own_notes() {
        let source = "В целях защиты детей мы проверяем всё.\n";
        let finding = |severity, why: &str, suggestion: Option<&str>| {
            finding(severity, "канцелярит «В целях»", why, suggestion)
        };
        let variants = [
            finding(Severity::Error, "почему один", Some("чтобы")),
            finding(Severity::Error, "почему один", Some("для")),
            finding(Severity::Error, "почему два", Some("чтобы")),
            finding(Severity::Warning, "почему один", Some("чтобы")),
            finding(Severity::Error, "почему один", None),
        ];
        let findings: Vec<Finding> = (variants.iter())
            .chain(variants.iter().rev())
            .cloned()
            .collect();
        let got = human(&rows_of(&findings, source));
        let mut want = termcolor::NoColor::new(Vec::new());
        for f in &findings {
            let d = crate::check::to_diagnostic(f, ());
            excerpt::emit(&mut want, &term::Config::default(), "a.md", source, d).unwrap();
        }
        assert_eq!(got, String::from_utf8(want.into_inner()).unwrap());
        // A check that keeps findings (a library caller's) prints the same.
        let mut kept = SiteCheck::default();
        kept.findings = findings.clone();
        kept.sources.insert("a.md".into(), Arc::from(source));
        assert_eq!(human(&kept), got);
        let mut json = Vec::new();
        write_json(&kept, &mut json).unwrap();
        assert_eq!(json, crate::check::findings_to_json(&findings).into_bytes());
    }
}
