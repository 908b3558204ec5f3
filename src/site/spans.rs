//! Where each value of a front matter (or settings file) is written: byte ranges by field
//! path (`fee`, `contacts.phone`, `faq[2].a`), taken from the parsers' own positions (toml's
//! spans, libyaml's marks) once at load time. Every diagnostic that points into front matter
//! (of the loader and of `yasno check`; rendering has none) looks its position up here, so
//! none searches the text again.

mod yaml;

use std::fmt::Write as _;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use toml::de::{DeTable, DeValue};

use super::frontmatter::Format;
use crate::diagnostics::Diagnostic;

/// The position of one value in its file, as the parsers report it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Field path, e.g. `legal_acts[0].url`.
    pub path: String,
    /// Byte range of the key (for array items: of the item).
    pub key: Range<usize>,
    /// Byte range of the value as written (with quotes, brackets).
    pub value: Range<usize>,
    /// For a string written verbatim (no escapes, no folded lines): the byte range of its
    /// text, so Markdown inside it can be checked in place.
    pub text: Option<Range<usize>>,
}

/// An [`Entry`] as stored: ranges as `u32` and the path in [`Spans::paths`]. Every service
/// keeps ~70 of these for the life of a build, so they are kept small (a plain `Entry` made
/// them ~75 MB at 10,000 services).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Packed {
    path: (u32, u32),
    key: (u32, u32),
    value: (u32, u32),
    /// `(u32::MAX, _)` when the value has no verbatim text.
    text: (u32, u32),
}

/// One value's position, borrowed from [`Spans`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryRef<'a> {
    /// Field path, e.g. `legal_acts[0].url`.
    pub path: &'a str,
    /// Byte range of the key (for array items: of the item).
    pub key: Range<usize>,
    /// Byte range of the value as written (with quotes, brackets).
    pub value: Range<usize>,
    /// The byte range of a verbatim string's text (see [`Entry::text`]).
    pub text: Option<Range<usize>>,
}

fn pack(r: &Range<usize>) -> (u32, u32) {
    let n = |x: usize| u32::try_from(x).unwrap_or(u32::MAX - 1);
    (n(r.start), n(r.end))
}

fn unpack((a, b): (u32, u32)) -> Range<usize> {
    a as usize..b as usize
}

/// Positions of every value of a front matter, by field path, in document order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Spans {
    front: Range<usize>,
    /// Every path, one after another.
    paths: String,
    entries: Vec<Packed>,
}

impl Spans {
    /// Positions of the values in `source[front]`. `None` when the text does not parse (the
    /// typed pass then reports the mistake).
    pub fn parse(format: Format, source: &str, front: Range<usize>) -> Option<Spans> {
        let text = &source[front.clone()];
        match format {
            Format::Toml => {
                let table = DeTable::parse(text).ok()?;
                Some(Spans::from_toml(front, text, table.get_ref()))
            }
            Format::Yaml => match Spans::from_yaml(front, text) {
                (spans, true) => Some(spans),
                (_, false) => None,
            },
        }
    }

    /// Spans of nothing (of a file that did not parse).
    pub fn empty(front: Range<usize>) -> Spans {
        Spans {
            front,
            ..Spans::default()
        }
    }

    /// Positions from a parsed TOML table of `text`, which starts at `front.start`.
    pub(crate) fn from_toml(front: Range<usize>, text: &str, table: &DeTable<'_>) -> Spans {
        let mut entries = Vec::new();
        toml_table(text, table, &mut String::new(), &mut entries);
        Spans::finish(front, entries)
    }

    /// Positions in YAML `text`, which starts at `front.start`, and whether all of it was
    /// read (`false` on a syntax error: then the positions up to it).
    pub(crate) fn from_yaml(front: Range<usize>, text: &str) -> (Spans, bool) {
        let mut entries = Vec::new();
        let complete = yaml::walk(text, &mut entries);
        (Spans::finish(front, entries), complete)
    }

    fn finish(front: Range<usize>, mut entries: Vec<Entry>) -> Spans {
        entries.sort_by_key(|e| (e.value.start, e.path.len()));
        let shift = |r: &Range<usize>| pack(&(front.start + r.start..front.start + r.end));
        let mut paths = String::with_capacity(entries.iter().map(|e| e.path.len()).sum());
        let packed = entries
            .iter()
            .map(|e| {
                let start = paths.len();
                paths.push_str(&e.path);
                Packed {
                    path: pack(&(start..paths.len())),
                    key: shift(&e.key),
                    value: shift(&e.value),
                    text: e.text.as_ref().map_or((u32::MAX, 0), shift),
                }
            })
            .collect();
        Spans {
            front,
            paths,
            entries: packed,
        }
    }

    fn view(&self, e: &Packed) -> EntryRef<'_> {
        EntryRef {
            path: &self.paths[unpack(e.path)],
            key: unpack(e.key),
            value: unpack(e.value),
            text: (e.text.0 != u32::MAX).then(|| unpack(e.text)),
        }
    }

    /// The byte range these spans were taken from.
    pub fn front(&self) -> Range<usize> {
        self.front.clone()
    }

    /// Every value, in document order.
    pub fn entries(&self) -> impl Iterator<Item = EntryRef<'_>> {
        self.entries.iter().map(|e| self.view(e))
    }

    /// Whether no value is known (a file without front matter, or that did not parse).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The value at `path`, if written.
    pub fn get(&self, path: &str) -> Option<EntryRef<'_>> {
        self.entries
            .iter()
            .find(|e| &self.paths[unpack(e.path)] == path)
            .map(|e| self.view(e))
    }

    /// Where to point for `path`: its value (a string's text without its quotes), else the
    /// nearest written parent's, else the start of the front matter.
    pub fn at(&self, path: &str) -> Range<usize> {
        let mut p = path;
        loop {
            if let Some(e) = self.get(p) {
                return e.text.unwrap_or(e.value);
            }
            match p.rfind(['.', '[']) {
                Some(i) => p = &p[..i],
                None => return self.front.start..self.front.start,
            }
        }
    }

    /// The text of the string at `path`, when it is written verbatim.
    pub fn text<'a>(&self, source: &'a str, path: &str) -> Option<&'a str> {
        source.get(self.get(path)?.text?)
    }

    /// The path of the innermost value written at byte `offset`.
    pub fn path_at(&self, offset: usize) -> Option<&str> {
        self.entries()
            .filter(|e| {
                e.value.contains(&offset) || e.value.start == offset || e.key.contains(&offset)
            })
            .max_by_key(|e| e.path.len())
            .map(|e| e.path)
    }
}

/// A file with the positions of its values, for diagnostics that point at a field.
#[derive(Debug, Clone, Copy)]
pub struct FileAt<'a> {
    /// The file.
    pub path: &'a Path,
    /// Its text.
    pub source: &'a Arc<str>,
    /// Positions of its values.
    pub spans: &'a Spans,
}

impl FileAt<'_> {
    /// An error at `at` (usually `self.spans.at(field)`).
    pub fn error(
        &self,
        code: &'static str,
        at: Range<usize>,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic::error(code, self.path, self.source, at, message)
    }
}

/// `parent.key`, or `key` at the top.
pub(crate) fn child(parent: &str, key: &str) -> String {
    let mut path = parent.to_owned();
    push_key(&mut path, key);
    path
}

/// Makes `path` the path of its child `key` ([`child`] in place).
fn push_key(path: &mut String, key: &str) {
    if !path.is_empty() {
        path.push('.');
    }
    path.push_str(key);
}

/// `parent[i]`: the path of item `i` of a list.
pub(crate) fn list_item(parent: &str, i: usize) -> String {
    let mut path = parent.to_owned();
    push_item(&mut path, i);
    path
}

/// Makes `path` the path of its item `i` ([`list_item`] in place).
fn push_item(path: &mut String, i: usize) {
    // Writing to a String cannot fail.
    let _ = write!(path, "[{i}]");
}

/// The text range inside a string literal's quotes, when the text equals `value` there.
pub(crate) fn verbatim(text: &str, span: &Range<usize>, value: &str) -> Option<Range<usize>> {
    let raw = text.get(span.clone())?;
    let (open, close) = if raw.starts_with("\"\"\"") || raw.starts_with("'''") {
        let after = &raw[3..];
        let nl = if after.starts_with("\r\n") {
            2
        } else {
            usize::from(after.starts_with('\n'))
        };
        (3 + nl, 3)
    } else if raw.starts_with(['"', '\'']) {
        (1, 1)
    } else {
        (0, 0)
    };
    let inner = span.start + open..span.end.checked_sub(close)?;
    (inner.start <= inner.end && text.get(inner.clone()) == Some(value)).then_some(inner)
}

/// The walk over a parsed TOML table. Paths are built in one buffer, grown and cut back
/// on the way: a path string per key and per item was ~190 allocations a service page.
fn toml_table(text: &str, table: &DeTable<'_>, path: &mut String, out: &mut Vec<Entry>) {
    for (k, v) in table {
        let len = path.len();
        push_key(path, k.get_ref());
        toml_value(text, k.span(), v.get_ref(), v.span(), path, out);
        path.truncate(len);
    }
}

fn toml_value(
    text: &str,
    key: Range<usize>,
    value: &DeValue<'_>,
    span: Range<usize>,
    path: &mut String,
    out: &mut Vec<Entry>,
) {
    let text_range = match value {
        DeValue::String(s) => verbatim(text, &span, s),
        _ => None,
    };
    out.push(Entry {
        path: path.clone(),
        key,
        value: span,
        text: text_range,
    });
    match value {
        DeValue::Table(t) => toml_table(text, t, path, out),
        DeValue::Array(items) => {
            for (i, item) in items.into_iter().enumerate() {
                let len = path.len();
                push_item(path, i);
                let at = item.span();
                toml_value(text, at.clone(), item.get_ref(), at, path, out);
                path.truncate(len);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(s: &Spans, src: &str) -> Vec<(String, String)> {
        s.entries()
            .filter_map(|e| Some((e.path.to_owned(), src[e.text?].to_owned())))
            .collect()
    }

    #[test]
    fn toml_and_yaml_give_the_same_paths() {
        let toml = "+++\ntitle = \"Опека\"\nsteps = [\"Раз\", 'Два']\nfee = { amount = 350 }\n[[faq]]\nq = \"Когда?\"\na = \"\"\"\nУтром.\"\"\"\n+++\n";
        let yaml = "---\ntitle: Опека\nsteps:\n  - Раз\n  - 'Два'\nfee: { amount: 350 }\nfaq:\n  - q: \"Когда?\"\n    a: |\n      Утром.\n---\n";
        for (format, src) in [(Format::Toml, toml), (Format::Yaml, yaml)] {
            let front = 4..src.len() - 4;
            let s = Spans::parse(format, src, front).unwrap();
            let mut got = paths(&s, src);
            got.sort();
            let want = [
                ("faq[0].a", "Утром."),
                ("faq[0].q", "Когда?"),
                ("steps[0]", "Раз"),
                ("steps[1]", "Два"),
                ("title", "Опека"),
            ];
            let want: Vec<(String, String)> = want
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect();
            assert_eq!(got, want, "{format:?}");
            assert_eq!(&src[s.at("fee.amount")], "350");
            assert_eq!(s.path_at(src.find("350").unwrap()), Some("fee.amount"));
        }
    }

    #[test]
    fn escaped_strings_have_no_text_range() {
        let src = "title = \"a \\\"b\\\"\"\n";
        let s = Spans::parse(Format::Toml, src, 0..src.len()).unwrap();
        assert_eq!(s.get("title").unwrap().text, None);
        assert_eq!(s.at("title.nothing"), s.get("title").unwrap().value);
    }
}
