//! Limits on what one content file may hold. A careless or hostile file (a 100 MB body, a
//! 250 KB line, front matter nested 200,000 deep) gets one clear error at its place
//! instead of a build that hangs, fills the memory or prints gigabytes of messages.
//! Every limit is far above what a service page needs.

use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use crate::diagnostics::Diagnostic;

/// The largest content file: a long service page is about 20 KB.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;
/// The longest line, in characters: a whole paragraph on one line is a few thousand.
pub const MAX_LINE_CHARS: usize = 16 * 1024;
/// The largest front matter (or settings or survey file), in bytes.
pub const MAX_FRONT_BYTES: usize = 64 * 1024;
/// The deepest nesting of `[` and `{` in front matter: the model needs three levels.
pub const MAX_NESTING: usize = 32;

/// A file larger than [`MAX_FILE_BYTES`], refused before it is read.
pub(super) fn file_size(path: &Path, len: u64) -> Result<(), Diagnostic> {
    if len <= MAX_FILE_BYTES {
        return Ok(());
    }
    Err(Diagnostic::file_error(
        "too-large",
        path,
        format!(
            "файл больше {} КБ ({} КБ) / the file is larger than {} KB ({} KB)",
            MAX_FILE_BYTES / 1024,
            len / 1024,
            MAX_FILE_BYTES / 1024,
            len / 1024
        ),
    )
    .with_help(
        "разделите текст на несколько страниц или уберите вставленные данные (картинки кладите в static/) / split the text or move embedded data out",
    ))
}

/// The first line longer than [`MAX_LINE_CHARS`].
pub(super) fn lines(path: &Path, source: &Arc<str>) -> Result<(), Diagnostic> {
    let bytes = source.as_bytes();
    let mut start = 0;
    // A line can only be too long in characters if it is in bytes: count chars only then.
    for end in memchr::memchr_iter(b'\n', bytes).chain(std::iter::once(bytes.len())) {
        if end - start > MAX_LINE_CHARS && source[start..end].chars().count() > MAX_LINE_CHARS {
            let cut = source[start..end]
                .char_indices()
                .nth(MAX_LINE_CHARS)
                .map_or(end, |(i, _)| start + i);
            return Err(Diagnostic::error(
                "line-too-long",
                path,
                source,
                cut..cut,
                format!(
                    "строка длиннее {MAX_LINE_CHARS} знаков / a line longer than {MAX_LINE_CHARS} characters"
                ),
            )
            .with_label("здесь предел / the limit is here")
            .with_help(
                "разбейте текст на абзацы: пустая строка между ними / break the text into paragraphs with empty lines",
            ));
        }
        start = end + 1;
    }
    Ok(())
}

/// Front matter over [`MAX_FRONT_BYTES`] or nested deeper than [`MAX_NESTING`]. Brackets
/// inside quoted strings count too: a value needs no 32 unclosed brackets.
pub(super) fn front(path: &Path, source: &Arc<str>, range: Range<usize>) -> Result<(), Diagnostic> {
    if range.len() > MAX_FRONT_BYTES {
        let at = range.start + MAX_FRONT_BYTES;
        let at = (at..=range.end)
            .find(|&i| source.is_char_boundary(i))
            .unwrap_or(range.end);
        return Err(Diagnostic::error(
            "too-large",
            path,
            source,
            at..at,
            format!(
                "описание услуги длиннее {} КБ / front matter larger than {} KB",
                MAX_FRONT_BYTES / 1024,
                MAX_FRONT_BYTES / 1024
            ),
        )
        .with_label("здесь предел / the limit is here")
        .with_help("длинные тексты пишите после закрывающей строки, в Markdown / put long texts in the Markdown body"));
    }
    let bytes = &source.as_bytes()[range.clone()];
    // Nesting deeper than the limit needs more opening brackets than the limit: most front
    // matter has a dozen, counted by SIMD instead of a walk over every byte.
    if memchr::memchr2_iter(b'[', b'{', bytes)
        .nth(MAX_NESTING)
        .is_none()
    {
        return Ok(());
    }
    let mut depth = 0usize;
    for (i, b) in bytes.iter().enumerate() {
        match b {
            b'[' | b'{' => depth += 1,
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => continue,
        }
        if depth > MAX_NESTING {
            let at = range.start + i;
            return Err(Diagnostic::error(
                "too-deep",
                path,
                source,
                at..at + 1,
                format!(
                    "вложенность скобок глубже {MAX_NESTING} / brackets nested deeper than {MAX_NESTING}"
                ),
            )
            .with_label("здесь / here")
            .with_help("списки и таблицы в описании услуги вкладываются не глубже трёх уровней / the fields nest three levels at most"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arc(s: &str) -> Arc<str> {
        Arc::from(s)
    }

    #[test]
    fn a_long_line_is_refused_at_the_limit_and_a_long_file_of_short_lines_is_not() {
        let p = Path::new("x.md");
        let many_short = arc(&"слово слово слово\n".repeat(100_000));
        assert!(lines(p, &many_short).is_ok());
        let exactly = arc(&"ж".repeat(MAX_LINE_CHARS));
        assert!(lines(p, &exactly).is_ok(), "the limit itself is allowed");
        let long = format!("+++\n\n{}\n", "*_".repeat(MAX_LINE_CHARS));
        let d = lines(p, &arc(&long)).unwrap_err();
        assert_eq!(d.code, "line-too-long");
        assert_eq!(d.range.start, 5 + MAX_LINE_CHARS);
    }

    #[test]
    fn deep_or_large_front_matter_is_refused_at_its_place() {
        let p = Path::new("x.md");
        let deep = format!("a = {}", "[".repeat(1000));
        let d = front(p, &arc(&deep), 0..deep.len()).unwrap_err();
        assert_eq!((d.code, d.range.start), ("too-deep", 4 + MAX_NESTING));
        let fine = "faq = [{ q = \"a\", a = \"b\" }]\nx = [[1, 2], [3]]";
        assert!(front(p, &arc(fine), 0..fine.len()).is_ok());
        // Many brackets, shallow; and the limit's edge, where the count alone cannot decide.
        let many = format!("a = [{}]", "[1], ".repeat(100));
        assert!(front(p, &arc(&many), 0..many.len()).is_ok());
        for (depth, refused) in [(MAX_NESTING, false), (MAX_NESTING + 1, true)] {
            let edge = format!("a = {}", "[".repeat(depth));
            assert_eq!(
                front(p, &arc(&edge), 0..edge.len()).is_err(),
                refused,
                "{depth}"
            );
        }
        let big = "k = 1\n".repeat(20_000);
        let d = front(p, &arc(&big), 0..big.len()).unwrap_err();
        assert_eq!(d.code, "too-large");
    }

    #[test]
    fn a_file_over_the_size_limit_is_refused_before_reading() {
        assert!(file_size(Path::new("x.md"), MAX_FILE_BYTES).is_ok());
        let d = file_size(Path::new("x.md"), 100 << 20).unwrap_err();
        assert_eq!(d.code, "too-large");
    }

    /// A file whose size says nothing (a pipe; a file that grows after its size was
    /// taken) is still read no further than the limit, and refused.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_file_that_outgrows_its_size_is_read_only_to_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let pipe = dir.path().join("service.md");
        let c = std::ffi::CString::new(pipe.to_str().unwrap()).unwrap();
        // SAFETY: mkfifo only reads the NUL-terminated path it is given.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let writer = std::thread::spawn({
            let pipe = pipe.clone();
            move || {
                use std::io::Write;
                let mut w = std::fs::OpenOptions::new().write(true).open(pipe).unwrap();
                let line = "а".repeat(100) + "\n";
                // Twice the limit; the write fails once the reader has stopped.
                for _ in 0..2 * MAX_FILE_BYTES as usize / line.len() {
                    if w.write_all(line.as_bytes()).is_err() {
                        break;
                    }
                }
            }
        });
        let d = super::super::read_text(&pipe).unwrap_err();
        assert_eq!(d.code, "too-large");
        writer.join().unwrap();
    }
}
