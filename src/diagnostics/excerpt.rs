//! The source excerpt under a message: at most about one screen line around the span.
//!
//! codespan-reporting prints every line a label touches, in full; a legacy page pasted
//! from a word processor can hold a whole document on one 250 KB line, and a message
//! about one word of it must still be one screen long. [`Excerpt`] is a one-line
//! [`Files`] holding only a window of that line (with `…` where it was cut) that still
//! reports the true line and column, so the `file:line:column` header stays exact.

use std::ops::Range;

use codespan_reporting::diagnostic::Diagnostic as CsDiagnostic;
use codespan_reporting::files::{Error, Files};
use codespan_reporting::term::{self, termcolor};

/// Characters of source shown in one message (about one terminal line).
pub const WIDTH: usize = 100;
/// Characters kept before the span when a line is cut, for context.
const BEFORE: usize = 30;
const ELLIPSIS: &str = "…";

/// One cut line of a file, posing as the whole file for codespan-reporting.
struct Excerpt<'a> {
    name: &'a str,
    text: String,
    /// 1-based line number of the cut line in the real file.
    line: usize,
    /// Real 1-based column of byte 0 of `text` (the ellipsis counts as one character).
    base_col: usize,
}

impl<'a> Files<'a> for Excerpt<'a> {
    type FileId = ();
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, (): ()) -> Result<&'a str, Error> {
        Ok(self.name)
    }

    fn source(&'a self, (): ()) -> Result<&'a str, Error> {
        Ok(&self.text)
    }

    fn line_index(&'a self, (): (), _byte_index: usize) -> Result<usize, Error> {
        Ok(0)
    }

    fn line_number(&'a self, (): (), _line_index: usize) -> Result<usize, Error> {
        Ok(self.line)
    }

    fn column_number(&'a self, (): (), _line: usize, byte_index: usize) -> Result<usize, Error> {
        let i = floor_char_boundary(&self.text, byte_index.min(self.text.len()));
        Ok(self.base_col + self.text[..i].chars().count())
    }

    fn line_range(&'a self, (): (), line_index: usize) -> Result<Range<usize>, Error> {
        // Only the one line exists: no context lines around it.
        if line_index == 0 {
            Ok(0..self.text.len())
        } else {
            Err(Error::LineTooLarge {
                given: line_index,
                max: 0,
            })
        }
    }
}

/// Cuts the line holding `span.start` to at most [`WIDTH`] characters around the span.
/// Returns the excerpt and the span's range in it (clamped to the excerpt: a span that runs
/// past the window or onto later lines is underlined up to the window's end).
/// `(line, column)`: where `span.start` is, 1-based, the column in characters; with it,
/// only the window is read, not the whole line (a legacy paragraph is one line of
/// thousands of characters, with dozens of findings).
fn cut<'a>(
    name: &'a str,
    source: &str,
    span: Range<usize>,
    (line, column): (usize, usize),
) -> (Excerpt<'a>, Range<usize>) {
    let start = floor_char_boundary(source, span.start.min(source.len()));
    let bytes = source.as_bytes();
    // Window: up to BEFORE characters before the span (of the `column - 1` on its line),
    // WIDTH characters in all.
    let back = column.saturating_sub(1).min(BEFORE);
    let from = chars_back(bytes, start, back);
    let at_line_start = back == column.saturating_sub(1);
    // The line's end, looked for only as far as the window reaches (WIDTH characters take
    // at most 4 bytes each).
    let reach = floor_char_boundary(source, (from + 4 * WIDTH + 4).min(source.len()));
    let found = memchr::memchr(b'\n', &bytes[start..reach.max(start)]);
    let mut line_end = found.map_or(reach.max(start), |i| start + i);
    if (found.is_some() || reach == source.len())
        && line_end > start
        && bytes[line_end - 1] == b'\r'
    {
        line_end -= 1;
    }
    let to = nth_char(source, from, line_end, WIDTH);
    let mut text = String::with_capacity(to - from + 2 * ELLIPSIS.len());
    let mut base_col = column.max(1) - back;
    if !at_line_start {
        text.push_str(ELLIPSIS);
        base_col -= 1;
    }
    let shift = text.len();
    text.push_str(&source[from..to]);
    if to < line_end {
        text.push_str(ELLIPSIS);
    }
    let end = floor_char_boundary(source, span.end.clamp(start, to));
    let label = (start - from + shift)..(end - from + shift);
    let excerpt = Excerpt {
        name,
        text,
        line,
        base_col,
    };
    (excerpt, label)
}

/// Writes `diag` rustc-style with its primary label's line cut to one screen line, its
/// line and column counted from the start of `source` (long lists place each message with
/// [`emit_at`] and a [`LineCursor`] instead). A diagnostic without labels is written as is.
pub fn emit(
    out: &mut dyn termcolor::WriteColor,
    config: &term::Config,
    name: &str,
    source: &str,
    diag: CsDiagnostic<()>,
) -> std::io::Result<()> {
    let Some(primary) = diag.labels.first().map(|l| l.range.clone()) else {
        let empty = Excerpt {
            name,
            text: String::new(),
            line: 1,
            base_col: 1,
        };
        return term::emit_to_write_style(out, config, &empty, &diag)
            .map_err(std::io::Error::other);
    };
    let at = LineCursor::default().position(source, primary.start);
    emit_at(out, config, name, source, at, &diag, primary)
}

/// [`emit`] with `diag` borrowed as a template and its primary label placed at `span` of
/// `source` (`at`: the 1-based line and column, in characters, of `span.start`): a long
/// list has a few hundred distinct messages, each made once instead of once per finding.
/// `diag` must have a label.
pub fn emit_at(
    out: &mut dyn termcolor::WriteColor,
    config: &term::Config,
    name: &str,
    source: &str,
    at: (usize, usize),
    diag: &CsDiagnostic<()>,
    span: Range<usize>,
) -> std::io::Result<()> {
    let (excerpt, range) = cut(name, source, span, at);
    if !out.supports_color() && fast::fits(&excerpt.text, diag, &range) {
        return fast::write(out, &excerpt, diag, &range);
    }
    // Only the primary label can be placed in a one-line excerpt.
    let mut diag = diag.clone();
    diag.labels.truncate(1);
    if let Some(label) = diag.labels.first_mut() {
        label.range = range;
    }
    term::emit_to_write_style(out, config, &excerpt, &diag).map_err(std::io::Error::other)
}

/// codespan-reporting's plain-text layout for the one case a long list consists of (one
/// label on one line of text where every character is one column wide), written
/// directly: the generic renderer measures and formats character by character, which
/// made printing 500,000 findings take seconds. Byte-for-byte the same output (tested
/// against codespan-reporting below); anything else goes to codespan-reporting.
mod fast {
    use std::io::Write;
    use std::ops::Range;

    use codespan_reporting::diagnostic::{Diagnostic, Severity};

    use super::Excerpt;

    /// One column per character: printable ASCII, Latin, Greek and Cyrillic letters
    /// (without combining marks) and common punctuation such as «», — and №.
    pub(super) fn narrow(c: char) -> bool {
        matches!(c,
            ' '..='~'
            | '\u{a0}'..='\u{ac}'
            | '\u{ae}'..='\u{2ff}'
            | '\u{370}'..='\u{482}'
            | '\u{48a}'..='\u{52f}'
            | '\u{2010}'..='\u{2027}'
            | '\u{2030}'..='\u{205e}'
            | '\u{2116}'
            | '\u{2122}')
    }

    /// [`narrow`] for every character, with printable ASCII and Cyrillic (U+0400–047F,
    /// lead bytes D0 and D1) answered from the bytes: most excerpts are only those.
    pub(super) fn all_narrow(text: &str) -> bool {
        let b = text.as_bytes();
        // In valid UTF-8, bytes that are all printable ASCII, D0, D1 or continuation bytes
        // are characters that are all printable ASCII or U+0400–047F: tested without
        // decoding, 16 bytes at a time (a fold, not `all`: no early exit, so it compiles to
        // vector code). Other characters (« » — №, common in legacy texts) are decoded one
        // by one, and the runs between them are tested 16 bytes at a time again.
        let ok = |c: u8| matches!(c, b' '..=b'~' | 0x80..=0xBF | 0xD0 | 0xD1);
        const RUN: usize = 16;
        let mut i = 0;
        while i < b.len() {
            if let Some(run) = b.get(i..i + RUN)
                && run.iter().fold(true, |all, &c| all & ok(c))
            {
                i += RUN;
                continue;
            }
            match b[i] {
                b' '..=b'~' => i += 1,
                0xD0 | 0xD1 => i += 2,
                // The rest of a character that ended a run.
                0x80..=0xBF => i += 1,
                _ => {
                    let Some(c) = text[i..].chars().next() else {
                        return true;
                    };
                    if !narrow(c) {
                        return false;
                    }
                    i += c.len_utf8();
                }
            }
        }
        true
    }

    /// Whether the fast layout renders `diag` with its label at `range` of `text` exactly
    /// as codespan-reporting would.
    pub(super) fn fits(text: &str, diag: &Diagnostic<()>, range: &Range<usize>) -> bool {
        let Some(label) = diag.labels.first() else {
            return false;
        };
        // Bytes, not chars: these ASCII bytes never occur inside a multi-byte character.
        let plain_line = |s: &str| {
            let b = s.as_bytes();
            memchr::memchr3(b'\n', b'\r', b'\t', b).is_none() && memchr::memchr(0, b).is_none()
        };
        range.start < range.end
            && range.end <= text.len()
            && plain_line(&label.message)
            && plain_line(&diag.message)
            && all_narrow(text)
            && matches!(diag.severity, Severity::Error | Severity::Warning)
    }

    const SPACES: &str = "                                                                ";
    const CARETS: &str = "^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^";

    /// Appends `n` spaces (`caret`: `^`s), a run at a time, not one `char` push at a time.
    fn push_n(s: &mut String, caret: bool, n: usize) {
        let run = if caret { CARETS } else { SPACES };
        let mut left = n;
        while left > 0 {
            let k = left.min(run.len());
            s.push_str(&run[..k]);
            left -= k;
        }
    }

    /// Appends the decimal digits of `n` (itoa, no formatting machinery: two numbers a
    /// message).
    fn push_num(s: &mut String, n: usize) {
        s.push_str(itoa::Buffer::new().format(n));
    }

    /// Writes the message into one buffer, sized up front, and hands it to `out` in one
    /// call: a `write!` per fragment straight into a terminal stream cost more than the
    /// layout, and growing the buffer twice a message cost a copy of it.
    pub(super) fn write(
        out: &mut dyn Write,
        excerpt: &Excerpt<'_>,
        diag: &Diagnostic<()>,
        range: &Range<usize>,
    ) -> std::io::Result<()> {
        let label = &diag.labels[0];
        let text = &excerpt.text;
        let severity = match diag.severity {
            Severity::Error => "error",
            _ => "warning",
        };
        let mut line = String::with_capacity(20);
        push_num(&mut line, excerpt.line);
        let pad = line.len() + 1;
        let before = text[..range.start].chars().count();
        let col = excerpt.base_col + before;
        let carets = text[range.clone()].chars().count().max(1);
        let code = diag.code.as_deref().filter(|c| !c.is_empty());
        let notes: usize = (diag.notes.iter())
            // Room for a second line; more only costs a larger copy.
            .map(|n| n.len() + 2 * (pad + 3))
            .sum();
        let mut b = String::with_capacity(
            64 + 4 * pad
                + 2 * line.len()
                + code.map_or(0, str::len)
                + diag.message.len()
                + excerpt.name.len()
                + text.len()
                + before
                + carets
                + label.message.len()
                + notes,
        );
        b.push_str(severity);
        if let Some(code) = code {
            b.extend(["[", code, "]"]);
        }
        b.extend([": ", &diag.message, "\n"]);
        push_n(&mut b, false, pad);
        b.extend(["┌─ ", excerpt.name, ":", &line, ":"]);
        push_num(&mut b, col);
        b.push('\n');
        push_n(&mut b, false, pad);
        b.extend(["│\n", &line, " │ "]);
        b.push_str(text.trim_end_matches(['\n', '\r', '\0']));
        b.push('\n');
        push_n(&mut b, false, pad);
        b.push_str("│ ");
        push_n(&mut b, false, before);
        push_n(&mut b, true, carets);
        if !label.message.is_empty() {
            b.extend([" ", &label.message]);
        }
        b.push('\n');
        if !diag.notes.is_empty() {
            push_n(&mut b, false, pad);
            b.push_str("│\n");
        }
        for note in &diag.notes {
            for (i, l) in note.lines().enumerate() {
                push_n(&mut b, false, pad);
                b.extend([if i == 0 { "= " } else { "  " }, l, "\n"]);
            }
        }
        b.push('\n');
        out.write_all(b.as_bytes())
    }
}

/// Counts lines incrementally over diagnostics sorted by file and position, so printing
/// N messages of one file costs one pass over it, not N. A text is known by its address
/// and length: share a cursor only between texts that are all alive (a text freed and
/// another read to the same address would be taken for it).
#[derive(Debug, Default)]
pub struct LineCursor {
    /// Address and length of the source last counted in (identity, never dereferenced).
    src: (usize, usize),
    offset: usize,
    line: usize,
    /// Where the line of `offset` starts, and how many characters precede `offset` on it.
    line_start: usize,
    chars: usize,
}

impl LineCursor {
    /// 1-based line and column (in characters) of byte `offset` of `source`, counted from
    /// the position before when it is in the same source and not behind it.
    pub fn position(&mut self, source: &str, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(source, offset.min(source.len()));
        let addr = (source.as_ptr() as usize, source.len());
        // The boundary tests: never slice inside a character, even if another text took
        // the address (then the count starts again).
        if addr != self.src
            || offset < self.offset
            || self.line == 0
            || !source.is_char_boundary(self.offset)
            || !source.is_char_boundary(self.line_start)
        {
            *self = LineCursor {
                src: addr,
                line: 1,
                ..LineCursor::default()
            };
        }
        let gap = &source.as_bytes()[self.offset..offset];
        match memchr::memrchr(b'\n', gap) {
            Some(last) => {
                self.line += memchr::memchr_iter(b'\n', gap).count();
                self.line_start = self.offset + last + 1;
                self.chars = source[self.line_start..offset].chars().count();
            }
            None => self.chars += source[self.offset..offset].chars().count(),
        }
        self.offset = offset;
        (self.line, self.chars + 1)
    }
}

/// Where the `n`th character before byte `hi` starts (or 0): a message needs at most
/// [`BEFORE`] of them.
fn chars_back(bytes: &[u8], hi: usize, n: usize) -> usize {
    let (mut at, mut seen) = (hi, 0);
    while at > 0 && seen < n {
        at -= 1;
        // Not a UTF-8 continuation byte: a character starts here.
        seen += usize::from((bytes[at] as i8) >= -0x40);
    }
    at
}

/// Where character number `n` after byte `lo` starts (counting from 0), or `hi` when the
/// text up to `hi` is shorter: `source[lo..hi].char_indices().nth(n)`, with the characters
/// counted a stretch at a time (std's count reads whole words) instead of decoded one by
/// one, which was a tenth of printing a message.
fn nth_char(source: &str, lo: usize, hi: usize, n: usize) -> usize {
    let (mut at, mut left) = (lo, n);
    // `left` more characters take at least `left` bytes: count them in that stretch.
    while left > 8 && at < hi {
        let end = floor_char_boundary(source, (at + left).min(hi));
        if end == at {
            break;
        }
        left -= source[at..end].chars().count();
        at = end;
    }
    source[at..hi]
        .char_indices()
        .nth(left)
        .map_or(hi, |(i, _)| at + i)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;
    use codespan_reporting::diagnostic::{Diagnostic as D, Label};

    fn render(source: &str, span: Range<usize>) -> String {
        let d = D::warning()
            .with_code("x")
            .with_message("m")
            .with_labels(vec![Label::primary((), span)]);
        let mut buf = termcolor::NoColor::new(Vec::new());
        emit(&mut buf, &term::Config::default(), "f.md", source, d).unwrap();
        String::from_utf8(buf.into_inner()).unwrap()
    }

    #[test]
    fn short_lines_are_shown_whole_with_true_position() {
        let src = "первая\nвторая строка\n";
        let at = src.find("строка").unwrap();
        let out = render(src, at..at + "строка".len());
        assert!(out.contains("f.md:2:8"), "{out}");
        assert!(out.contains("вторая строка"), "{out}");
        assert!(!out.contains('…'), "{out}");
    }

    #[test]
    fn a_long_line_is_cut_around_the_span_and_keeps_its_column() {
        let word = "канцелярит";
        let src = format!("{}{word}{}\n", "а ".repeat(50_000), "б ".repeat(50_000));
        let at = src.find(word).unwrap();
        let out = render(&src, at..at + word.len());
        assert!(out.len() < 1_000, "{} bytes", out.len());
        assert!(out.contains(&format!("f.md:1:{}", 100_001)), "{out}");
        assert!(out.contains(word), "{out}");
        assert_eq!(out.matches('…').count(), 2, "{out}");
    }

    /// The fast layout is codespan-reporting's, byte for byte, on every finding of the
    /// legacy fixture site (cut and uncut lines, with and without notes and labels).
    #[test]
    fn fast_layout_matches_codespan() {
        let dir = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/check/legacy/content/services"
        );
        let mut checked = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let source = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            let mut starts: Vec<usize> = (0..source.len()).step_by(97).collect();
            starts.push(source.find('\n').unwrap() + 1);
            for (k, start) in starts.into_iter().enumerate() {
                if !source.is_char_boundary(start) {
                    continue;
                }
                let end = source[start..]
                    .char_indices()
                    .nth(1 + k % 40)
                    .map_or(source.len(), |(i, _)| start + i);
                let at = LineCursor::default().position(&source, start);
                let label = if k % 2 == 0 { "" } else { "метка" };
                let mut d = D::warning()
                    .with_code("rule")
                    .with_message("сообщение «x»")
                    .with_labels(vec![Label::primary((), start..end).with_message(label)]);
                if k % 3 != 0 {
                    d = d.with_notes(vec!["почему: так".into(), "две\nстроки".into()]);
                }
                if k % 5 == 0 {
                    d.severity = codespan_reporting::diagnostic::Severity::Error;
                }
                let (excerpt, range) = cut("a/b.md", &source, start..end, at);
                d.labels[0].range = range.clone();
                if !fast::fits(&excerpt.text, &d, &range) {
                    continue;
                }
                let mut slow = termcolor::NoColor::new(Vec::new());
                term::emit_to_write_style(&mut slow, &term::Config::default(), &excerpt, &d)
                    .unwrap();
                let mut quick = Vec::new();
                fast::write(&mut quick, &excerpt, &d, &range).unwrap();
                assert_eq!(
                    String::from_utf8(quick).unwrap(),
                    String::from_utf8(slow.into_inner()).unwrap()
                );
                checked += 1;
            }
        }
        assert!(checked > 200, "{checked}");
    }

    /// The window as cut from the whole line, found by scanning it (before the column was
    /// given): text, first column and the span's range in the text.
    fn cut_by_scanning(source: &str, span: Range<usize>) -> (String, usize, Range<usize>) {
        let start = floor_char_boundary(source, span.start.min(source.len()));
        let bytes = source.as_bytes();
        let line_start = memchr::memrchr(b'\n', &bytes[..start]).map_or(0, |i| i + 1);
        let mut line_end =
            memchr::memchr(b'\n', &bytes[start..]).map_or(source.len(), |i| start + i);
        if line_end > line_start && bytes[line_end - 1] == b'\r' && line_end > start {
            line_end -= 1;
        }
        let from = source[line_start..start]
            .char_indices()
            .rev()
            .take(BEFORE)
            .last()
            .map_or(start, |(i, _)| line_start + i);
        let to = source[from..line_end]
            .char_indices()
            .nth(WIDTH)
            .map_or(line_end, |(i, _)| from + i);
        let mut text = String::new();
        let mut base_col = source[line_start..from].chars().count() + 1;
        if from > line_start {
            text.push_str(ELLIPSIS);
            base_col -= 1;
        }
        let shift = text.len();
        text.push_str(&source[from..to]);
        if to < line_end {
            text.push_str(ELLIPSIS);
        }
        let end = floor_char_boundary(source, span.end.clamp(start, to));
        (text, base_col, (start - from + shift)..(end - from + shift))
    }

    #[test]
    fn a_window_cut_from_the_column_is_the_one_cut_from_the_whole_line() {
        let long = "Заявление подаётся «в установленном порядке» — № 5, ".repeat(12);
        let source = format!(
            "+++\ntitle = \"x\"\n+++\nкоротко\r\n{long}\n\n{long}\r\nе\u{301}ще 日本 {long}\r"
        );
        let mut cursor = LineCursor::default();
        let mut checked = 0;
        for start in (0..=source.len()).filter(|&i| source.is_char_boundary(i)) {
            let at = cursor.position(&source, start);
            let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
            assert_eq!(
                at.1,
                source[line_start..start].chars().count() + 1,
                "{start}"
            );
            for len in [0, 1, 7, 150] {
                let end = (start + len).min(source.len());
                let (excerpt, range) = cut("a.md", &source, start..end, at);
                let want = cut_by_scanning(&source, start..end);
                assert_eq!(
                    (excerpt.text, excerpt.base_col, range),
                    want,
                    "{start}..{end}"
                );
                checked += 1;
            }
        }
        assert!(checked > 4000, "{checked}");
    }

    #[test]
    fn the_byte_scan_of_narrow_text_agrees_with_the_char_test() {
        for s in [
            "Паспорт гражданина РФ, № 12 — «ок» ёЁ ѐѿ",
            "tab\there",
            "日本",
            "e\u{301}",
            "Ҁ҃ ӿ Ԁ",
            // Not narrow, in the byte ranges next to the one-pass check's.
            "слово\u{483} слово",
            "«ок»\u{ad}да",
            "ё\u{300}",
            "\u{7f}",
            "",
            // Longer than the 16-byte runs, odd characters at every alignment.
            "Заявление — в течение 30 дней «со дня» № 5; ещё 日 и e\u{301} в конце строки",
            "ааааааааааааааааа\u{483}ббббббббббббббббббббббб\u{ad}вввввввв\tгггггггг",
        ] {
            for (i, _) in s.char_indices() {
                let t = &s[i..];
                assert_eq!(fast::all_narrow(t), t.chars().all(fast::narrow), "{t:?}");
            }
        }
    }

    #[test]
    fn the_nth_character_counted_in_stretches_is_the_decoded_one() {
        let text =
            "Ab в целях 📋 — №5 ещё\u{301}! Заявление подаётся в течение тридцати дней, 日本語 x";
        let bounds: Vec<usize> = (0..=text.len())
            .filter(|&i| text.is_char_boundary(i))
            .collect();
        for &lo in &bounds {
            for &hi in bounds.iter().filter(|&&h| h >= lo) {
                for n in [0, 1, 5, 8, 9, 10, 17, 30, 100] {
                    let decoded = text[lo..hi]
                        .char_indices()
                        .nth(n)
                        .map_or(hi, |(i, _)| lo + i);
                    assert_eq!(nth_char(text, lo, hi, n), decoded, "{lo}..{hi}, {n}");
                }
            }
        }
    }

    #[test]
    fn cursor_counts_lines_incrementally_and_restarts_on_another_file() {
        let a = "1\n2\n3\n4\n";
        let b = String::from("x\ny\n");
        let mut c = LineCursor::default();
        assert_eq!(c.position(a, 2).0, 2);
        assert_eq!(c.position(a, 6).0, 4);
        assert_eq!(c.position(&b, 2).0, 2);
        assert_eq!(c.position(a, 0).0, 1);
    }

    /// A text freed and another read to the same address, of the same length (the summary's
    /// examples are read one by one): the cursor never slices inside a character, and
    /// where the old place is not a boundary of the new text it counts that text afresh.
    #[test]
    fn a_cursor_on_another_text_at_the_same_address_does_not_panic() {
        let mut buf = String::from("аа\nбб bb");
        let mut c = LineCursor::default();
        // After «аа\nб»: byte 7, a boundary in the first text.
        assert_eq!(c.position(&buf, 7), (2, 2));
        // The same buffer now holds «x» + the Cyrillic letters shifted by one byte: bytes 7
        // and 3 (the old line start) are inside letters.
        buf.clear();
        buf.push_str("xаа\nбб b");
        let want = crate::diagnostics::line_col(&buf, 8);
        assert_eq!(c.position(&buf, 8), want);
        assert_eq!(want, (2, 2));
    }
}
