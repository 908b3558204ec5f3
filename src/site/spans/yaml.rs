//! YAML positions from libyaml's event marks (the parser serde_yaml_ng is built on, which
//! does not expose them itself). The only unsafe code of the crate: a thin, owned wrapper
//! around libyaml's event parser.

use std::mem::MaybeUninit;
use std::ops::Range;

use unsafe_libyaml as unsafe_sys;

use super::{Entry, child, list_item, verbatim};

/// One parser event with its byte range in the input.
enum Event {
    Scalar {
        value: String,
        style: Style,
        at: Range<usize>,
    },
    Start(usize),
    End(usize),
    Other,
    StreamEnd,
}

/// How a scalar is written: its text can be found in place for the first two.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    Quoted,
    Block,
}

/// libyaml's parser over a borrowed input, freed on drop.
struct Parser<'a> {
    sys: Box<MaybeUninit<unsafe_sys::yaml_parser_t>>,
    _input: &'a [u8],
}

impl<'a> Parser<'a> {
    fn new(input: &'a str) -> Option<Parser<'a>> {
        let mut sys = Box::new(MaybeUninit::<unsafe_sys::yaml_parser_t>::uninit());
        // SAFETY: the parser lives in a Box that never moves and is deleted in `drop`; the
        // input outlives it (`'a`).
        unsafe {
            let p = sys.as_mut_ptr();
            if unsafe_sys::yaml_parser_initialize(p).fail {
                return None;
            }
            unsafe_sys::yaml_parser_set_encoding(p, unsafe_sys::YAML_UTF8_ENCODING);
            unsafe_sys::yaml_parser_set_input_string(p, input.as_ptr(), input.len() as _);
        }
        Some(Parser {
            sys,
            _input: input.as_bytes(),
        })
    }

    /// The next event; `None` on a syntax error.
    fn next(&mut self) -> Option<Event> {
        let mut event = MaybeUninit::<unsafe_sys::yaml_event_t>::uninit();
        // SAFETY: the parser was initialized in `new`; an event filled by a successful
        // `yaml_parser_parse` is read (its union by its type) and then deleted.
        unsafe {
            let e = event.as_mut_ptr();
            if unsafe_sys::yaml_parser_parse(self.sys.as_mut_ptr(), e).fail {
                return None;
            }
            let at = (*e).start_mark.index as usize..(*e).end_mark.index as usize;
            let out = match (*e).type_ {
                unsafe_sys::YAML_SCALAR_EVENT => {
                    let s = (*e).data.scalar;
                    let bytes = std::slice::from_raw_parts(s.value, s.length as usize);
                    let style = match s.style {
                        unsafe_sys::YAML_LITERAL_SCALAR_STYLE
                        | unsafe_sys::YAML_FOLDED_SCALAR_STYLE => Style::Block,
                        unsafe_sys::YAML_PLAIN_SCALAR_STYLE => Style::Plain,
                        _ => Style::Quoted,
                    };
                    Event::Scalar {
                        value: String::from_utf8_lossy(bytes).into_owned(),
                        style,
                        at,
                    }
                }
                unsafe_sys::YAML_MAPPING_START_EVENT | unsafe_sys::YAML_SEQUENCE_START_EVENT => {
                    Event::Start(at.start)
                }
                unsafe_sys::YAML_MAPPING_END_EVENT | unsafe_sys::YAML_SEQUENCE_END_EVENT => {
                    Event::End(at.end)
                }
                unsafe_sys::YAML_STREAM_END_EVENT => Event::StreamEnd,
                _ => Event::Other,
            };
            unsafe_sys::yaml_event_delete(e);
            Some(out)
        }
    }
}

impl Drop for Parser<'_> {
    fn drop(&mut self) {
        // SAFETY: initialized in `new` (a failed init returns before a Parser exists).
        unsafe { unsafe_sys::yaml_parser_delete(self.sys.as_mut_ptr()) }
    }
}

/// A mapping or sequence being read: its path, and the key waiting for its value (maps) or
/// the next index (sequences); `entry` is its own entry, closed at its end event.
enum Frame {
    Map {
        path: String,
        key: Option<(String, Range<usize>)>,
        entry: Option<usize>,
    },
    Seq {
        path: String,
        next: usize,
        entry: Option<usize>,
    },
}

/// Entries of every value in `text`; `false` on a syntax error, with the entries read up to
/// it (so the typed pass's error can still be named by its field).
pub(super) fn walk(text: &str, out: &mut Vec<Entry>) -> bool {
    let Some(mut parser) = Parser::new(text) else {
        return false;
    };
    let mut stack: Vec<Frame> = Vec::new();
    // The root node is the first Start; whether the next one is a map or a sequence is read
    // from the text at its position.
    loop {
        let Some(event) = parser.next() else {
            return false;
        };
        match event {
            Event::StreamEnd => return true,
            Event::Other => {}
            Event::Scalar { value, style, at } => {
                if let Some(Frame::Map { key: k @ None, .. }) = stack.last_mut() {
                    *k = Some((value, at));
                    continue;
                }
                let Some((path, key)) = next_path(&mut stack, &at) else {
                    continue;
                };
                let text_range = match style {
                    Style::Block => block_text(text, &at, &value),
                    // A plain `350`, `true` or `2026-05-14` is a number, flag or date, not text.
                    Style::Plain if !is_plain_text(&value) => None,
                    _ => verbatim(text, &at, &value),
                };
                out.push(Entry {
                    path,
                    key,
                    value: at,
                    text: text_range,
                });
            }
            Event::Start(start) => {
                let at = start..start;
                let (path, entry) = match next_path(&mut stack, &at) {
                    Some((path, key)) => {
                        out.push(Entry {
                            path: path.clone(),
                            key,
                            value: at,
                            text: None,
                        });
                        (path, Some(out.len() - 1))
                    }
                    None => (String::new(), None),
                };
                let is_seq = text[start..].starts_with(['-', '[']);
                stack.push(if is_seq {
                    Frame::Seq {
                        path,
                        next: 0,
                        entry,
                    }
                } else {
                    Frame::Map {
                        path,
                        key: None,
                        entry,
                    }
                });
            }
            Event::End(end) => {
                let entry = match stack.pop() {
                    Some(Frame::Map { entry, .. } | Frame::Seq { entry, .. }) => entry,
                    None => None,
                };
                if let Some(i) = entry {
                    out[i].value.end = end.max(out[i].value.start);
                }
            }
        }
    }
}

/// The path and key range of the value that comes next in the innermost frame (`None` for
/// the root node).
fn next_path(stack: &mut [Frame], at: &Range<usize>) -> Option<(String, Range<usize>)> {
    match stack.last_mut()? {
        Frame::Map { path, key, .. } => {
            let (k, range) = key.take()?;
            Some((child(path, &k), range))
        }
        Frame::Seq { path, next, .. } => {
            let p = list_item(path, *next);
            *next += 1;
            Some((p, at.clone()))
        }
    }
}

/// The text of a one-line block scalar (`a: |` then one indented line), which is written
/// verbatim after the indentation; longer ones lose their indentation and cannot be checked
/// in place.
fn block_text(text: &str, at: &Range<usize>, value: &str) -> Option<Range<usize>> {
    let v = value.trim_end_matches('\n');
    let raw = text.get(at.clone())?;
    let line = raw.find('\n')? + 1;
    let indent = raw[line..].len() - raw[line..].trim_start_matches(' ').len();
    let start = at.start + line + indent;
    let end = start + v.len();
    (!v.is_empty() && text.get(start..end) == Some(v)).then_some(start..end)
}

/// Whether a plain (unquoted) scalar reads as a string rather than a number, flag, date or
/// null.
fn is_plain_text(value: &str) -> bool {
    let v = value.trim();
    let keyword = matches!(
        v.to_ascii_lowercase().as_str(),
        "" | "~" | "null" | "true" | "false" | "yes" | "no" | "on" | "off"
    );
    let numeric = v.parse::<f64>().is_ok()
        || (v.starts_with(|c: char| c.is_ascii_digit())
            && v.chars().all(|c| c.is_ascii_digit() || "-.:T".contains(c)));
    !keyword && !numeric
}
