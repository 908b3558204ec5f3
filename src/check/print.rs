//! `yasno check`'s list of findings, rustc-style or as JSON, formatted on every core in
//! chunks and written in order (a legacy site of 10,000 pages has ~700,000 findings and
//! 600 MB of messages). Byte for byte what one thread printing finding after finding writes.

use std::cell::RefCell;
use std::io::Write;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use codespan_reporting::diagnostic::Diagnostic as CsDiagnostic;
use codespan_reporting::term::{self, termcolor};

use super::site::SiteCheck;
use super::{Finding, Severity};
use crate::diagnostics::template::Templates;
use crate::diagnostics::{excerpt, ordered};

/// Writes every finding of `check` rustc-style (colours if `out` has them), each with at
/// most a screen line of source; without colours, formatted on every core.
pub fn write_human(check: &SiteCheck, out: &mut dyn termcolor::WriteColor) -> std::io::Result<()> {
    let findings = &check.findings;
    if out.supports_color() {
        return write_range(check, 0..findings.len(), out);
    }
    let chunks = ordered::chunks(findings.len(), |i| findings[i].file != findings[i - 1].file);
    // ~840 bytes a message on a legacy site.
    let each = |range, w: &mut dyn termcolor::WriteColor| write_range(check, range, w);
    ordered::write_plain(&chunks, 896, each, out)
}

/// The findings of `range` (sorted by file): each file's text is read once.
fn write_range(
    check: &SiteCheck,
    range: Range<usize>,
    out: &mut dyn termcolor::WriteColor,
) -> std::io::Result<()> {
    let config = term::Config::default();
    let mut current: Option<(&Path, String, String)> = None;
    for f in &check.findings[range] {
        if current.as_ref().is_none_or(|(p, _, _)| *p != &*f.file) {
            let source = check.source(&f.file).unwrap_or_default();
            current = Some((&*f.file, source, f.file.display().to_string()));
        }
        let (source, name) = current
            .as_ref()
            .map_or(("", ""), |(_, s, n)| (s.as_str(), n.as_str()));
        with_template(f, |diag| {
            excerpt::emit_at(
                out,
                &config,
                name,
                source,
                (f.line, f.column),
                diag,
                f.span.clone(),
            )
        })?;
    }
    Ok(())
}

/// What a finding's diagnostic is made of, apart from its place.
type Key = (&'static str, bool, Arc<str>, Arc<str>, Option<Arc<str>>);

thread_local! {
    /// Each printing thread's diagnostics by [`Key`]: a legacy site's 700,000 findings have a
    /// few thousand distinct messages, and making each message's notes was a quarter of the
    /// printing.
    static TEMPLATES: RefCell<Templates<Key>> = RefCell::default();
}

/// Calls `emit` with the diagnostic of `f` ([`super::to_diagnostic`]), made once per
/// distinct message, hint and rule on this thread; its label is to be placed at `f.span`.
fn with_template<R>(f: &Finding, emit: impl FnOnce(&CsDiagnostic<()>) -> R) -> R {
    let error = f.severity == Severity::Error;
    let wanted = (f.rule, error, &*f.message, &*f.why, f.suggestion.as_deref());
    let same = |k: &Key| (k.0, k.1, &*k.2, &*k.3, k.4.as_deref()) == wanted;
    let make = || {
        let key = (
            f.rule,
            error,
            f.message.clone(),
            f.why.clone(),
            f.suggestion.clone(),
        );
        (key, super::to_diagnostic(f, ()))
    };
    TEMPLATES.with(|t| emit(t.borrow_mut().get(&wanted, same, make)))
}

/// The findings as `yasno check --format json` prints them ([`super::write_findings_json`]:
/// one pretty array), each chunk serialised on its own core and the pieces joined in order.
pub fn write_json(findings: &[Finding], out: &mut dyn Write) -> std::io::Result<()> {
    if findings.len() <= ordered::CHUNK {
        return super::write_findings_json(findings, out);
    }
    // serde_json writes a chunk as "[\n  A,\n  B\n]"; the whole array is the first chunk's
    // "[", each chunk's items ("," before a later chunk's), then "\n]".
    let chunks = ordered::chunks(findings.len(), |_| true);
    let format = |range: Range<usize>, buf: &mut Vec<u8>| {
        let later = range.start > 0;
        super::write_findings_json(&findings[range], &mut *buf)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Findings that share their rule and message but not their hint, reason or severity
    /// are each printed with their own notes (the diagnostics made once per message are
    /// told apart by every text they are made of).
    #[test]
    fn findings_sharing_a_message_keep_their_own_notes() {
        let source = "В целях защиты детей мы проверяем всё.\n";
        let file: Arc<Path> = Arc::from(Path::new("a.md"));
        let finding = |severity, why: &str, suggestion: Option<&str>| Finding {
            file: file.clone(),
            line: 1,
            column: 1,
            end_line: 1,
            end_column: 8,
            rule: "bureaucratese",
            severity,
            message: Arc::from("канцелярит «В целях»"),
            suggestion: suggestion.map(Arc::from),
            why: Arc::from(why),
            span: 0..13,
        };
        let variants = [
            finding(Severity::Error, "почему один", Some("чтобы")),
            finding(Severity::Error, "почему один", Some("для")),
            finding(Severity::Error, "почему два", Some("чтобы")),
            finding(Severity::Warning, "почему один", Some("чтобы")),
            finding(Severity::Error, "почему один", None),
        ];
        let mut check = SiteCheck::default();
        check.findings = variants
            .iter()
            .chain(variants.iter().rev())
            .cloned()
            .collect();
        check.sources.insert("a.md".into(), Arc::from(source));
        let mut got = termcolor::NoColor::new(Vec::new());
        write_human(&check, &mut got).unwrap();
        let mut want = termcolor::NoColor::new(Vec::new());
        for f in &check.findings {
            let d = crate::check::to_diagnostic(f, ());
            excerpt::emit(&mut want, &term::Config::default(), "a.md", source, d).unwrap();
        }
        assert_eq!(
            String::from_utf8(got.into_inner()).unwrap(),
            String::from_utf8(want.into_inner()).unwrap()
        );
    }
}
