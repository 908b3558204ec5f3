//! Splitting a content file into front matter and body, and deserializing TOML or YAML into
//! typed structs with every mistake located at its file, line and column.
//!
//! Fences are found by a plain scan (a regex over the whole file was a hot spot in Zola).
//! Unknown and missing keys are reported all at once before the typed pass, which stops at
//! the first mistake, so an editor sees every key problem in one run.

use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use serde::de::DeserializeOwned;

use crate::diagnostics::{Diagnostic, Diagnostics, did_you_mean};

/// The format of a front matter or settings file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// TOML, fenced by `+++`.
    Toml,
    /// YAML, fenced by `---`.
    Yaml,
}

/// A content file split at its fences.
#[derive(Debug, Clone)]
pub struct Split {
    /// Format of the front matter.
    pub format: Format,
    /// Byte range of the front matter text (between the fences) in the file.
    pub front: Range<usize>,
    /// Byte offset where the body starts.
    pub body_offset: usize,
}

/// Finds the front matter fences. The file must start with `+++` (TOML) or `---` (YAML).
pub fn split(file: &Path, source: &Arc<str>) -> Result<Split, Diagnostic> {
    let text: &str = source;
    let start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let first_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let fence = text[start..first_end].trim_end();
    let format = match fence {
        "+++" => Format::Toml,
        "---" => Format::Yaml,
        _ => {
            return Err(Diagnostic::error(
                "front-matter",
                file,
                source,
                start..first_end,
                "файл не начинается с описания услуги / the file does not start with front matter",
            )
            .with_label("здесь ожидалась строка `+++` (TOML) или `---` (YAML)")
            .with_help(
                "начните файл строкой +++, затем поля title, summary, …, и снова +++ / start the file with a `+++` line, the fields, and another `+++` line",
            ));
        }
    };
    let front_start = (first_end + 1).min(text.len());
    // The closing fence is a line that starts with the fence: one SIMD search for "\n+++"
    // finds the candidates (a scan line by line was 2 % of a large build).
    let needle: &[u8] = match format {
        Format::Toml => b"\n+++",
        Format::Yaml => b"\n---",
    };
    let after_newline = memchr::memmem::find_iter(&text.as_bytes()[front_start..], needle)
        .map(|i| front_start + i + 1);
    let candidates = std::iter::once(front_start)
        .filter(|&p| text[p..].starts_with(fence))
        .chain(after_newline);
    for pos in candidates {
        let end = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
        if text[pos..end].trim_end() == fence {
            return Ok(Split {
                format,
                front: front_start..pos,
                body_offset: (end + 1).min(text.len()),
            });
        }
    }
    Err(Diagnostic::error(
        "front-matter",
        file,
        source,
        start..first_end,
        format!("описание услуги не закрыто строкой `{fence}` / front matter is not closed"),
    )
    .with_label("открыто здесь / opened here")
    .with_help(format!(
        "добавьте строку `{fence}` после последнего поля / add a `{fence}` line after the last field"
    )))
}

/// Top-level keys present in a front matter, with the byte range of each key in `text`.
fn top_level_keys(format: Format, text: &str) -> Vec<(&str, Range<usize>)> {
    let mut keys = Vec::new();
    let mut pos = 0;
    // In TOML, `key = value` lines after the first `[table]` header belong to that table.
    let mut in_table = false;
    for line in text.split_inclusive('\n') {
        let l = line.trim_end();
        let key = match format {
            Format::Toml if l.starts_with('[') => {
                in_table = true;
                let inner = l.trim_start_matches('[');
                let name = inner.split([']', '.']).next().unwrap_or("").trim();
                let off = l.find(name).unwrap_or(0);
                Some((name, off))
            }
            Format::Toml if in_table => None,
            Format::Toml => l
                .split_once('=')
                .map(|(k, _)| (k.trim(), 0))
                .filter(|(k, _)| !l.starts_with([' ', '\t', '#', '"', '\'']) && !k.contains(' ')),
            Format::Yaml => l
                .split_once(':')
                .map(|(k, _)| (k.trim(), 0))
                .filter(|(k, _)| !l.starts_with([' ', '\t', '#', '-']) && !k.contains(' ')),
        };
        if let Some((k, off)) = key
            && !k.is_empty()
            && !keys.iter().any(|(seen, _): &(&str, _)| *seen == k)
        {
            keys.push((k, pos + off..pos + off + k.len()));
        }
        pos += line.len();
    }
    keys
}

/// Checks the top-level keys: unknown ones (with a "did you mean") and all missing required
/// ones at once. `base` is the offset of `text` in the file.
pub fn check_keys(
    file: &Path,
    source: &Arc<str>,
    format: Format,
    front: Range<usize>,
    known: &[&str],
    required: &[&str],
) -> Diagnostics {
    let text = &source[front.clone()];
    let keys = top_level_keys(format, text);
    let mut out = Diagnostics::default();
    for (key, range) in &keys {
        if known.contains(key) {
            continue;
        }
        let at = front.start + range.start..front.start + range.end;
        let mut d = Diagnostic::error(
            "unknown-field",
            file,
            source,
            at,
            format!("неизвестное поле `{key}` / unknown field `{key}`"),
        )
        .with_label("такого поля нет / no such field");
        d = match did_you_mean(key, known) {
            Some(s) => d.with_help(format!("может быть, `{s}`? / did you mean `{s}`?")),
            None => d.with_help(format!(
                "допустимые поля / known fields: {}",
                known.join(", ")
            )),
        };
        out.push(d);
    }
    let missing: Vec<&str> = required
        .iter()
        .copied()
        .filter(|r| !keys.iter().any(|(k, _)| k == r))
        .collect();
    if !missing.is_empty() {
        let list = missing
            .iter()
            .map(|m| format!("`{m}`"))
            .collect::<Vec<_>>()
            .join(", ");
        // Point at the opening fence: the missing keys belong in the block it opens.
        let fence_start = source[..front.start]
            .trim_end_matches('\n')
            .rfind('\n')
            .map_or(0, |i| i + 1);
        out.push(
            Diagnostic::error(
                "missing-field",
                file,
                source,
                fence_start..front.start.saturating_sub(1).max(fence_start),
                format!("не хватает полей {list} / missing fields {list}"),
            )
            .with_label("в этом блоке / in this block")
            .with_help("добавьте поля в описание услуги (см. README, «Формат услуги») / add them to the front matter (README, \"Content format\")"),
        );
    }
    out
}

/// Deserializes `source[range]` as `T`, locating any mistake in the file.
pub fn parse_typed<T: DeserializeOwned>(
    file: &Path,
    source: &Arc<str>,
    format: Format,
    range: Range<usize>,
) -> Result<T, Diagnostic> {
    let text = &source[range.clone()];
    let (message, at) = match format {
        Format::Toml => match toml::from_str::<T>(text) {
            Ok(v) => return Ok(v),
            Err(e) => (e.message().trim().to_owned(), e.span().unwrap_or(0..0)),
        },
        Format::Yaml => match serde_yaml_ng::from_str::<T>(text) {
            Ok(v) => return Ok(v),
            Err(e) => {
                let at = e.location().map_or(0, |l| l.index());
                let msg = e.to_string();
                // serde_yaml appends " at line X column Y"; the diagnostic shows it already.
                let msg = msg
                    .split(" at line ")
                    .next()
                    .unwrap_or(&msg)
                    .trim()
                    .to_owned();
                (msg, at..at)
            }
        },
    };
    let mut at = range.start + at.start..range.start + at.end;
    if at.is_empty() {
        // Underline to the end of the line so the excerpt shows something.
        let end = source[at.start..]
            .find('\n')
            .map_or(source.len(), |i| at.start + i);
        at = at.start..end.max(at.start);
    }
    let field = field_at(source, at.start);
    let mut d = Diagnostic::error(
        "invalid-field",
        file,
        source,
        at,
        match &field {
            Some(f) => format!("ошибка в поле `{f}` / invalid field `{f}`: {message}"),
            None => format!("ошибка в описании / invalid front matter: {message}"),
        },
    )
    .with_label(message.clone());
    if let Some(help) = hint_for(&message) {
        d = d.with_help(help);
    }
    Err(d)
}

/// The key written on the line containing `offset`, if any.
fn field_at(source: &str, offset: usize) -> Option<String> {
    let start = source[..offset].rfind('\n').map_or(0, |i| i + 1);
    let end = source[offset..]
        .find('\n')
        .map_or(source.len(), |i| offset + i);
    let line = source[start..end].trim_start().trim_start_matches("- ");
    let key = line.split(['=', ':']).next()?.trim();
    let key = key.trim_matches(['[', ']']);
    (!key.is_empty() && !key.contains(' ') && key.len() < 40).then(|| key.to_owned())
}

/// A fix suggestion for common serde messages.
fn hint_for(message: &str) -> Option<String> {
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let (name, rest) = rest.split_once('`')?;
        let expected: Vec<&str> = rest.split('`').skip(1).step_by(2).collect();
        return Some(match did_you_mean(name, &expected) {
            Some(s) => format!("может быть, `{s}`? / did you mean `{s}`?"),
            None => format!("допустимые поля / known fields: {}", expected.join(", ")),
        });
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        let name = rest.split('`').next()?;
        return Some(format!("добавьте поле `{name}` / add the field `{name}`"));
    }
    if message.contains("unknown variant") {
        return Some(
            "выберите одно из значений, перечисленных выше / use one of the values listed".into(),
        );
    }
    if message.contains("invalid type") {
        return Some(
            "проверьте кавычки и скобки: текст — в кавычках, списки — в [ ] / check quotes and brackets: text in quotes, lists in [ ]"
                .into(),
        );
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arc(s: &str) -> Arc<str> {
        Arc::from(s)
    }

    #[test]
    fn splits_toml_and_yaml() {
        let s = arc("+++\ntitle = \"x\"\n+++\nbody\n");
        let sp = split(Path::new("a.md"), &s).unwrap();
        assert_eq!(sp.format, Format::Toml);
        assert_eq!(&s[sp.front.clone()], "title = \"x\"\n");
        assert_eq!(&s[sp.body_offset..], "body\n");
        let s = arc("---\ntitle: x\n---\n");
        let sp = split(Path::new("a.md"), &s).unwrap();
        assert_eq!(sp.format, Format::Yaml);
        assert_eq!(&s[sp.body_offset..], "");
    }

    #[test]
    fn the_closing_fence_is_a_whole_line() {
        let cases = [
            ("+++\n+++\nbody", "", "body"),
            ("+++\nt = \"a +++\"\n+++  \nbody", "t = \"a +++\"\n", "body"),
            ("+++\nx = 1\n++++\n+++\n", "x = 1\n++++\n", ""),
            ("---\nt: a\n--- \r\n# B\n", "t: a\n", "# B\n"),
        ];
        for (text, front, body) in cases {
            let s = arc(text);
            let sp = split(Path::new("a.md"), &s).unwrap();
            assert_eq!((&s[sp.front.clone()], &s[sp.body_offset..]), (front, body));
        }
    }

    #[test]
    fn unclosed_front_matter_is_an_error_at_line_one() {
        let s = arc("+++\ntitle = \"x\"\n");
        let d = split(Path::new("a.md"), &s).unwrap_err();
        assert_eq!(d.line_col(), (1, 1));
    }

    #[test]
    fn finds_top_level_keys_only() {
        let keys = top_level_keys(
            Format::Toml,
            "title = \"a\"\n[contacts]\nphone = \"1\"\n[[faq]]\nq = \"?\"\n",
        );
        let names: Vec<_> = keys.iter().map(|(k, _)| *k).collect();
        assert_eq!(names, ["title", "contacts", "faq"]);
    }
}
