//! Reading a staff text's body: its placeholders `{{ name }}` and its parts (level-2
//! headings), each with its byte range in the file, so the checks can point at them.

use std::ops::Range;

use super::{PART_NAMES, PLACEHOLDERS, SERVICE_PLACEHOLDERS};
use crate::diagnostics::{Diagnostics, did_you_mean};
use crate::site::spans::FileAt;

/// One `{{ name }}` in a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder {
    /// The name between the braces, trimmed.
    pub name: String,
    /// Byte range of the whole `{{ … }}` in the file.
    pub span: Range<usize>,
}

/// Every placeholder in `source[from..]`; an opening `{{` without a closing `}}` on its line
/// is returned with the name `None` so the loader can report it.
pub fn placeholders(source: &str, from: usize) -> Vec<Result<Placeholder, Range<usize>>> {
    let mut out = Vec::new();
    let mut at = from;
    while let Some(p) = source[at..].find("{{") {
        let start = at + p;
        let line_end = source[start..]
            .find('\n')
            .map_or(source.len(), |i| start + i);
        match source[start + 2..line_end].find("}}") {
            Some(q) => {
                let end = start + 2 + q + 2;
                out.push(Ok(Placeholder {
                    name: source[start + 2..end - 2].trim().to_owned(),
                    span: start..end,
                }));
                at = end;
            }
            None => {
                out.push(Err(start..start + 2));
                at = start + 2;
            }
        }
    }
    out
}

/// Reports unknown placeholders (naming the known ones), unclosed ones, and service
/// placeholders in a site-wide text.
pub(crate) fn check_placeholders(
    at: &FileAt<'_>,
    body_offset: usize,
    site_wide: bool,
    diags: &mut Diagnostics,
) {
    let known: Vec<&str> = PLACEHOLDERS.iter().map(|(n, _)| *n).collect();
    for p in placeholders(at.source, body_offset) {
        let p = match p {
            Ok(p) => p,
            Err(span) => {
                diags.push(
                    at.error(
                        "placeholder",
                        span,
                        "подстановка не закрыта: нет `}}` в этой строке / unclosed placeholder: no `}}` on this line",
                    )
                    .with_help("пишите подстановку в одну строку, например {{ deadline }} / write a placeholder on one line"),
                );
                continue;
            }
        };
        if !known.contains(&p.name.as_str()) {
            let d = at
                .error(
                    "placeholder",
                    p.span,
                    format!(
                        "неизвестная подстановка «{}» / unknown placeholder `{}`",
                        p.name, p.name
                    ),
                )
                .with_label("такой подстановки нет / no such placeholder");
            let list = format!("известные / known: {}", known.join(", "));
            diags.push(match did_you_mean(&p.name, &known) {
                Some(s) => d.with_help(format!("может быть, {{{{ {s} }}}}? {list}")),
                None => d.with_help(list),
            });
        } else if site_wide && SERVICE_PLACEHOLDERS.contains(&p.name.as_str()) {
            diags.push(
                at.error(
                    "placeholder",
                    p.span,
                    format!(
                        "подстановка «{}» нужна услуга, а текст общий (нет поля `services`) / `{}` needs a service, but the text has no `services`",
                        p.name, p.name
                    ),
                )
                .with_help("добавьте services = \"all\" или уберите подстановку / add services = \"all\" or remove the placeholder"),
            );
        }
    }
}

/// One part of a text: a level-2 heading and what follows it up to the next one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// The heading's text.
    pub title: String,
    /// The part's id from [`PART_NAMES`], when the heading names one.
    pub id: Option<&'static str>,
    /// Byte range of the heading line.
    pub heading: Range<usize>,
    /// Byte range of the text under the heading.
    pub body: Range<usize>,
}

/// The parts of `source[from..]`: `## Name` lines outside fenced code. A heading names a
/// part when its text, lowercased, is the part's name or starts with it and a space or a
/// punctuation mark («Срок ответа», «Приветствие.»).
pub fn parts(source: &str, from: usize) -> Vec<Part> {
    let mut out: Vec<Part> = Vec::new();
    let mut fence = false;
    let mut pos = from;
    for line in source[from..].split_inclusive('\n') {
        let start = pos;
        pos += line.len();
        let text = line.trim_end();
        if text.trim_start().starts_with("```") || text.trim_start().starts_with("~~~") {
            fence = !fence;
            continue;
        }
        let Some(title) = text.strip_prefix("## ").filter(|_| !fence) else {
            continue;
        };
        if let Some(last) = out.last_mut() {
            last.body.end = start;
        }
        let title = title.trim().trim_end_matches('#').trim().to_owned();
        out.push(Part {
            id: part_id(&title),
            title,
            heading: start..start + text.len(),
            body: pos..source.len(),
        });
    }
    out
}

fn part_id(title: &str) -> Option<&'static str> {
    let lower = title.to_lowercase();
    PART_NAMES.iter().find_map(|(name, id)| {
        let rest = lower.strip_prefix(name)?;
        let boundary = rest.is_empty() || rest.starts_with(|c: char| !c.is_alphanumeric());
        boundary.then_some(*id)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_placeholders_and_unclosed_ones() {
        let s = "a {{ deadline }} b {{x}}\n{{ open\n";
        let p = placeholders(s, 0);
        assert_eq!(p[0].as_ref().unwrap().name, "deadline");
        assert_eq!(&s[p[0].as_ref().unwrap().span.clone()], "{{ deadline }}");
        assert_eq!(p[1].as_ref().unwrap().name, "x");
        assert_eq!(p[2], Err(25..27));
    }

    #[test]
    fn parts_are_level_two_headings_with_fixed_names() {
        let s = "intro\n## Приветствие\nЗдравствуйте.\n```\n## Ответ\n```\n## Срок ответа\nДо 5 мая.\n## Сроки\n";
        let p = parts(s, 0);
        let ids: Vec<_> = p.iter().map(|x| x.id).collect();
        assert_eq!(ids, [Some("greeting"), Some("deadline"), None]);
        assert_eq!(&s[p[0].body.clone()], "Здравствуйте.\n```\n## Ответ\n```\n");
    }
}
