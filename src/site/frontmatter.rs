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

use super::spans::Spans;
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

/// How many unknown keys of one file get a message of their own.
const MAX_UNKNOWN_SHOWN: usize = 10;

/// Checks the top-level keys of parsed front matter: unknown ones (with a "did you mean")
/// and all missing required ones at once.
pub fn check_keys(
    file: &Path,
    source: &Arc<str>,
    spans: &Spans,
    known: &[&str],
    required: &[&str],
) -> Diagnostics {
    let front = spans.front();
    let keys: Vec<(&str, Range<usize>)> = spans
        .entries()
        .filter(|e| !e.path.contains(['.', '[']))
        .map(|e| (e.path, e.key))
        .collect();
    let mut out = Diagnostics::default();
    let unknown: Vec<&(&str, Range<usize>)> =
        keys.iter().filter(|(k, _)| !known.contains(k)).collect();
    let hidden = unknown
        .get(MAX_UNKNOWN_SHOWN)
        .map(|(_, at)| (at.clone(), unknown.len() - MAX_UNKNOWN_SHOWN));
    for (key, at) in unknown.into_iter().take(MAX_UNKNOWN_SHOWN) {
        let mut d = Diagnostic::error(
            "unknown-field",
            file,
            source,
            at.clone(),
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
    // A pasted table or a generated file can hold thousands of unknown keys: the first few
    // say what is wrong, one more message counts the rest.
    if let Some((at, more)) = hidden {
        out.push(
            Diagnostic::error(
                "unknown-field",
                file,
                source,
                at,
                format!("и ещё неизвестных полей: {more} / and {more} more unknown fields"),
            )
            .with_label("отсюда / from here on")
            .with_help(format!(
                "допустимые поля / known fields: {}",
                known.join(", ")
            )),
        );
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

/// Which top-level keys a file may and must have, checked all at once before the typed pass.
#[derive(Debug, Clone, Copy)]
pub struct Keys<'a> {
    /// Every key the file may have.
    pub known: &'a [&'a str],
    /// Keys that must be present.
    pub required: &'a [&'a str],
}

/// Deserializes `source[range]` as `T`, locating any mistake in the file.
pub fn parse_typed<T: DeserializeOwned>(
    file: &Path,
    source: &Arc<str>,
    format: Format,
    range: Range<usize>,
) -> Result<T, Diagnostic> {
    parse_spanned(file, source, format, range).map(|(v, _)| v)
}

/// [`parse_typed`], also returning the positions of the values.
pub fn parse_spanned<T: DeserializeOwned>(
    file: &Path,
    source: &Arc<str>,
    format: Format,
    range: Range<usize>,
) -> Result<(T, Spans), Diagnostic> {
    parse_checked(file, source, format, range, None).map_err(|mut d| d.0.remove(0))
}

/// [`parse_typed`], first checking the top-level keys against `keys` (every unknown and
/// missing key reported in one run).
pub fn parse_checked<T: DeserializeOwned>(
    file: &Path,
    source: &Arc<str>,
    format: Format,
    range: Range<usize>,
    keys: Option<Keys<'_>>,
) -> Result<(T, Spans), Diagnostics> {
    super::limits::front(file, source, range.clone())?;
    let text = &source[range.clone()];
    let fail = |message: String, at: Range<usize>, spans: Option<&Spans>| -> Diagnostics {
        let at = range.start + at.start..range.start + at.end;
        typed_error(file, source, message, at, spans).into()
    };
    // TOML is parsed once: the positions and the typed value come from the same table.
    let (spans, table, complete) = match format {
        Format::Toml => match toml::de::DeTable::parse(text) {
            Ok(table) => {
                let spans = Spans::from_toml(range.clone(), text, table.get_ref());
                (spans, Some(table), true)
            }
            Err(e) => return Err(fail(toml_message(&e), e.span().unwrap_or(0..0), None)),
        },
        // On a syntax error the typed pass below reports it with its position.
        Format::Yaml => {
            let (spans, complete) = Spans::from_yaml(range.clone(), text);
            (spans, None, complete)
        }
    };
    if let Some(k) = keys
        && complete
    {
        let d = check_keys(file, source, &spans, k.known, k.required);
        if d.has_errors() {
            return Err(d);
        }
    }
    let typed = match table {
        Some(table) => T::deserialize(toml::de::Deserializer::from(table))
            .map_err(|e| (toml_message(&e), e.span().unwrap_or(0..0))),
        None => serde_yaml_ng::from_str::<T>(text).map_err(|e| {
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
        }),
    };
    match typed {
        Ok(v) => Ok((v, spans)),
        Err((message, at)) => {
            // A model type's own check names its field (`поле `fee`: …`); the YAML parser
            // places such errors at the document start, so the field's value is used.
            let named = message
                .strip_prefix("поле `")
                .and_then(|r| r.split('`').next())
                .and_then(|field| spans.get(field))
                .map(|e| e.value.start - range.start..e.value.end - range.start);
            Err(fail(message, named.unwrap_or(at), Some(&spans)))
        }
    }
}

fn toml_message(e: &toml::de::Error) -> String {
    e.message().trim().to_owned()
}

/// The diagnostic of a mistake the parser or the typed pass found at `at` in the file.
fn typed_error(
    file: &Path,
    source: &Arc<str>,
    message: String,
    mut at: Range<usize>,
    spans: Option<&Spans>,
) -> Diagnostic {
    if at.is_empty() {
        // Underline to the end of the line so the excerpt shows something.
        let end = source[at.start..]
            .find('\n')
            .map_or(source.len(), |i| at.start + i);
        at = at.start..end.max(at.start);
    }
    let field = spans.and_then(|s| s.path_at(at.start)).map(str::to_owned);
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
    d
}

/// A fix suggestion for common serde messages.
fn hint_for(message: &str) -> Option<String> {
    if message.starts_with(super::model::FEE_MISTAKE) {
        return Some(
            "бесплатно: fee = { free = true }; платно: fee = { amount = 350, for = \"госпошлина\" } / free or an amount"
                .into(),
        );
    }
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
}
