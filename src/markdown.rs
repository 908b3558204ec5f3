//! Markdown to HTML with pulldown-cmark: stable heading ids, a table of contents, tables in a
//! scrollable region, raw HTML escaped unless the site allows it, and external links
//! announced to screen readers.

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use pulldown_cmark_escape::{escape_href, escape_html};
use serde::Serialize;

/// How to render Markdown for one site.
#[derive(Debug, Clone)]
pub struct MarkdownOptions {
    /// Pass raw HTML through (escaped when false).
    pub allow_html: bool,
    /// The site's own origin: links to it are not external.
    pub base_url: String,
    /// Text read by screen readers after an external link, e.g. «(откроется на другом сайте)».
    pub external_link_note: String,
    /// Accessible name of a table's scroll region, e.g. «Таблица».
    pub table_label: String,
}

/// One entry of the table of contents.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TocEntry {
    /// Heading level (2 or 3).
    pub level: u8,
    /// Anchor id.
    pub id: String,
    /// Heading text.
    pub title: String,
}

/// Rendered Markdown.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    /// The HTML.
    pub html: String,
    /// Headings of level 2 and 3, in order.
    pub toc: Vec<TocEntry>,
    /// Links and images that lead into the site itself, for the build's link check.
    pub links: Vec<SiteLink>,
}

/// A link or image to a page or file of the site itself (no scheme, or the site's own
/// address), with its place in the rendered text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteLink {
    /// Byte range of the whole link in the text.
    pub range: std::ops::Range<usize>,
    /// Where it leads, as written (relative, absolute, or with the site's base URL).
    pub dest: String,
}

/// A heading id from its text: lowercase words joined by hyphens, letters of any script kept
/// (Cyrillic ids are valid and readable), made unique with a numeric suffix.
pub fn slugify(text: &str, taken: &mut Vec<String>) -> String {
    let mut id = String::with_capacity(text.len());
    // A hyphen is owed when a separator came after a kept character; it is written before
    // the next kept one, so runs of separators and trailing ones leave none.
    let mut owed = false;
    let keep = |id: &mut String, owed: &mut bool, c: &str| {
        if std::mem::take(owed) && !id.is_empty() {
            id.push('-');
        }
        id.push_str(c);
    };
    let mut buf = [0; 4];
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        // ASCII and the Russian alphabet directly, by bytes: they are nearly every character
        // of a heading, and the Unicode tables are slow.
        let (b, next) = (bytes[i], bytes.get(i + 1).copied().unwrap_or(0));
        match (b, next) {
            (b'a'..=b'z' | b'0'..=b'9', _) => keep(&mut id, &mut owed, &text[i..i + 1]),
            (b'A'..=b'Z', _) => {
                let lower = char::from(b.to_ascii_lowercase());
                keep(&mut id, &mut owed, lower.encode_utf8(&mut buf));
            }
            (0..=0x7f, _) => owed = true,
            // а–п, р–я, ё: already lowercase.
            (0xd0, 0xb0..=0xbf) | (0xd1, 0x80..=0x8f | 0x91) => {
                keep(&mut id, &mut owed, &text[i..i + 2]);
            }
            // А–Я (U+0410–U+042F) are а–я (U+0430–U+044F) less 0x20; Ё (U+0401) is ё.
            (0xd0, 0x81 | 0x90..=0xaf) => {
                let upper = u32::from(next & 0x3f) | 0x400;
                let lower = if upper == 0x401 { 0x451 } else { upper + 0x20 };
                let lower = char::from_u32(lower).expect("a Cyrillic letter");
                keep(&mut id, &mut owed, lower.encode_utf8(&mut buf));
            }
            _ => {
                let c = text[i..].chars().next().expect("a char starts here");
                for l in c.to_lowercase() {
                    if l.is_alphanumeric() {
                        keep(&mut id, &mut owed, l.encode_utf8(&mut buf));
                    } else {
                        owed = true;
                    }
                }
            }
        }
        i += match b {
            0..=0x7f => 1,
            0xc0..=0xdf => 2,
            0xe0..=0xef => 3,
            _ => 4,
        };
    }
    if id.is_empty() {
        id = "section".into();
    }
    if taken.contains(&id) {
        let base = id.clone();
        let mut n = 1;
        while taken.contains(&id) {
            n += 1;
            id = format!("{base}-{n}");
        }
    }
    taken.push(id.clone());
    id
}

/// The HTML of `text` when it is one line of plain prose, as most FAQ answers are: what
/// pulldown-cmark writes for it (`<p>text</p>`), without the parser's per-call setup, which
/// was most of the cost of 120,000 short answers in a 10,000-service build. A line that
/// could hold any Markdown syntax, an entity, or a character to escape goes to the parser;
/// a test checks the two agree.
fn plain_paragraph(text: &str) -> Option<String> {
    plain_line(text).map(|line| format!("<p>{line}</p>\n"))
}

/// `text` without its final newline when it is one line of plain prose (see
/// [`plain_paragraph`]): pulldown-cmark reads it as one paragraph of that exact text. Shared
/// with `yasno check`, which skips the parser for such lines too.
pub(crate) fn plain_line(text: &str) -> Option<&str> {
    let line = text.strip_suffix('\n').unwrap_or(text);
    let (&first, &last) = (line.as_bytes().first()?, line.as_bytes().last()?);
    /// Bytes that may be Markdown syntax, an entity, or need escaping; controls too.
    const SPECIAL: [bool; 256] = {
        let mut table = [false; 256];
        let mut b = 0;
        while b < 0x20 {
            table[b] = true;
            b += 1;
        }
        let syntax = b"\\`*_[]<>!&|~#";
        let mut i = 0;
        while i < syntax.len() {
            table[syntax[i] as usize] = true;
            i += 1;
        }
        table
    };
    // `#` (a heading) is in SPECIAL anywhere in the line.
    let opens_a_block = first.is_ascii_digit() || b"-+= \t".contains(&first);
    if opens_a_block || b" \t".contains(&last) || line.bytes().any(|b| SPECIAL[usize::from(b)]) {
        return None;
    }
    Some(line)
}

/// The Markdown extensions content may use; the plain-line fast path is tested against them,
/// and `yasno check` parses with the same ones so it reads what readers will see.
pub const PARSER_OPTIONS: Options = Options::ENABLE_TABLES.union(Options::ENABLE_STRIKETHROUGH);

fn is_external(url: &str, base_url: &str) -> bool {
    (url.starts_with("http://") || url.starts_with("https://") || url.starts_with("//"))
        && (base_url.is_empty() || !url.starts_with(base_url))
}

/// Renders `text` to HTML. `taken_ids` holds ids already used on the page (the template's
/// own section ids), so heading ids never collide with them.
pub fn render(text: &str, opts: &MarkdownOptions, taken_ids: &mut Vec<String>) -> Rendered {
    if let Some(html) = plain_paragraph(text) {
        return Rendered {
            html,
            ..Rendered::default()
        };
    }
    let mut links = Vec::new();
    let mut events: Vec<Event> = Parser::new_ext(text, PARSER_OPTIONS)
        .into_offset_iter()
        .map(|(ev, range)| {
            if let Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) = &ev
                && is_site_link(dest_url, &opts.base_url)
            {
                links.push(SiteLink {
                    range,
                    dest: dest_url.to_string(),
                });
            }
            ev
        })
        .collect();
    let toc = heading_ids(&mut events, taken_ids);
    let mut html = String::with_capacity(text.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, rewrite(events, opts).into_iter());
    Rendered { html, toc, links }
}

/// Whether `url` leads into the site: no scheme (`/services/x/`, `../x/`, `#part`) or the
/// site's own address.
fn is_site_link(url: &str, base_url: &str) -> bool {
    if !base_url.is_empty() && url.starts_with(base_url) {
        return true;
    }
    !url.is_empty() && !url.starts_with("//") && url_scheme(url).is_none()
}

/// Gives every heading an id made from its text (unique on the page) and returns the
/// table of contents: the h2 and h3 headings.
fn heading_ids(events: &mut [Event<'_>], taken_ids: &mut Vec<String>) -> Vec<TocEntry> {
    let mut toc = Vec::new();
    let mut i = 0;
    while i < events.len() {
        if let Event::Start(Tag::Heading { level, .. }) = &events[i] {
            let level = *level;
            let mut title = String::new();
            let mut j = i + 1;
            while j < events.len() && !matches!(events[j], Event::End(TagEnd::Heading(_))) {
                if let Event::Text(t) | Event::Code(t) = &events[j] {
                    title.push_str(t);
                }
                j += 1;
            }
            let id = slugify(&title, taken_ids);
            if matches!(level, HeadingLevel::H2 | HeadingLevel::H3) {
                toc.push(TocEntry {
                    level: level as u8,
                    id: id.clone(),
                    title: title.clone(),
                });
            }
            if let Event::Start(Tag::Heading { id: slot, .. }) = &mut events[i] {
                *slot = Some(CowStr::from(id));
            }
            i = j;
        }
        i += 1;
    }
    toc
}

/// Rewrites what plain `push_html` would get wrong for this site: raw HTML escaped unless
/// allowed, external links marked (class, rel, a note for screen readers), tables wrapped
/// in a focusable scroll region.
fn rewrite<'a>(events: Vec<Event<'a>>, opts: &MarkdownOptions) -> Vec<Event<'a>> {
    let mut out_events: Vec<Event> = Vec::with_capacity(events.len());
    // How each open link and image ends: links and images may nest.
    let mut links: Vec<LinkEnd> = Vec::new();
    let mut images: Vec<bool> = Vec::new();
    for ev in events {
        match ev {
            Event::Html(h) | Event::InlineHtml(h) if !opts.allow_html => {
                out_events.push(Event::Text(h));
            }
            // A link with a scheme that can run code keeps its text and loses the link.
            Event::Start(Tag::Link { ref dest_url, .. }) if !is_safe_url(dest_url) => {
                links.push(LinkEnd::Dropped);
            }
            Event::Start(Tag::Link {
                dest_url, title, ..
            }) if is_external(&dest_url, &opts.base_url) => {
                links.push(LinkEnd::External);
                out_events.push(Event::InlineHtml(
                    external_link_open(&dest_url, &title).into(),
                ));
            }
            Event::Start(Tag::Link { .. }) => {
                links.push(LinkEnd::Plain);
                out_events.push(ev);
            }
            Event::End(TagEnd::Link) => match links.pop() {
                Some(LinkEnd::External) => {
                    let mut note = String::from("<span class=\"visually-hidden\"> ");
                    let _ = escape_html(&mut note, &opts.external_link_note);
                    note.push_str("</span></a>");
                    out_events.push(Event::InlineHtml(note.into()));
                }
                Some(LinkEnd::Dropped) => {}
                _ => out_events.push(ev),
            },
            // Likewise an image: its description stays as text.
            Event::Start(Tag::Image { ref dest_url, .. }) => {
                let safe = is_safe_url(dest_url);
                images.push(safe);
                if safe {
                    out_events.push(ev);
                }
            }
            Event::End(TagEnd::Image) => {
                if images.pop() != Some(false) {
                    out_events.push(ev);
                }
            }
            Event::Start(Tag::Table(_)) => {
                let mut wrap = String::from(
                    "<div class=\"table-wrap\" role=\"region\" tabindex=\"0\" aria-label=\"",
                );
                let _ = escape_html(&mut wrap, &opts.table_label);
                wrap.push_str("\">");
                out_events.push(Event::Html(wrap.into()));
                out_events.push(ev);
            }
            Event::End(TagEnd::Table) => {
                out_events.push(ev);
                out_events.push(Event::Html("</div>".into()));
            }
            other => out_events.push(other),
        }
    }
    out_events
}

/// What closes an open link in [`rewrite`].
enum LinkEnd {
    /// As pulldown-cmark writes it.
    Plain,
    /// With the screen-reader note.
    External,
    /// Nothing: the link was dropped for its scheme.
    Dropped,
}

/// URL schemes a link or an image may use. Anything else (`javascript:`, `vbscript:`,
/// `data:`, `file:`…) could run code or leave the site unseen: the page keeps only the
/// link's text, and `yasno check` reports it as an error (`unsafe-link`).
pub const SAFE_SCHEMES: &[&str] = &["http", "https", "mailto", "tel"];

/// The scheme of `url` as a browser reads it, in lowercase; `None` for a relative URL.
/// Browsers skip leading control characters and spaces and drop tabs and line breaks
/// anywhere, so `" jav\tascript:"` is `javascript`; character references were already
/// decoded by the Markdown parser.
pub fn url_scheme(url: &str) -> Option<String> {
    let cleaned: String = url
        .trim_start_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let end = cleaned.find([':', '/', '?', '#'])?;
    let scheme = &cleaned[..end];
    let mut chars = scheme.chars();
    let valid = cleaned[end..].starts_with(':')
        && chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    valid.then(|| scheme.to_ascii_lowercase())
}

/// Whether a link or image may point at `url`: relative, or one of [`SAFE_SCHEMES`].
pub fn is_safe_url(url: &str) -> bool {
    url_scheme(url).is_none_or(|s| SAFE_SCHEMES.contains(&s.as_str()))
}

/// The opening tag of an external link.
fn external_link_open(dest_url: &str, title: &str) -> String {
    let mut tag = String::from("<a class=\"external\" rel=\"external noopener\" href=\"");
    let _ = escape_href(&mut tag, dest_url);
    tag.push('"');
    if !title.is_empty() {
        tag.push_str(" title=\"");
        let _ = escape_html(&mut tag, title);
        tag.push('"');
    }
    tag.push('>');
    tag
}

#[cfg(test)]
/// `n` short lines (1–16 characters) drawn from `alphabet` by a fixed xorshift sequence: the
/// tests of the plain-line fast paths compare them with pulldown-cmark's result.
pub(crate) fn syntax_lines(alphabet: &str, n: usize) -> Vec<String> {
    let alphabet: Vec<char> = alphabet.chars().collect();
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    (0..n)
        .map(|_| {
            let len = (x >> 60) as usize + 1;
            (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    alphabet[(x % alphabet.len() as u64) as usize]
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> MarkdownOptions {
        MarkdownOptions {
            allow_html: false,
            base_url: "https://msapt-ostrov.ru".into(),
            external_link_note: "(откроется на другом сайте)".into(),
            table_label: "Таблица".into(),
        }
    }

    #[test]
    fn headings_get_stable_unique_cyrillic_ids() {
        let r = render(
            "## Какие документы нужны\n\n## Какие документы нужны\n",
            &opts(),
            &mut vec![],
        );
        assert!(
            r.html.contains(r#"<h2 id="какие-документы-нужны">"#),
            "{}",
            r.html
        );
        assert!(r.html.contains(r#"<h2 id="какие-документы-нужны-2">"#));
        assert_eq!(r.toc.len(), 2);
    }

    #[test]
    fn plain_lines_skip_the_parser_with_the_same_html() {
        let full = |t: &str| {
            let mut html = String::new();
            pulldown_cmark::html::push_html(&mut html, Parser::new_ext(t, PARSER_OPTIONS));
            html
        };
        let mut samples: Vec<String> = [
            "Да, можно. Возьмите паспорт (оригинал) и справку «о составе семьи».",
            "Срок — 10 рабочих дней; «Госуслуги», e-mail, 702-12-02, https://msapt-ostrov.ru/a?b=c.",
            "Ответ: \"да\"; 'нет'? 50% — ok. Ёлка, ЖЭК №5.\n",
        ]
        .map(String::from)
        .to_vec();
        samples.extend(syntax_lines(
            "аБ z1.)-+=#>*_`[]()!<&;|~\\ \t\n\r\"'%:/ё",
            20_000,
        ));
        let mut fast = 0;
        for t in &samples {
            if let Some(html) = plain_paragraph(t) {
                assert_eq!(html, full(t), "{t:?}");
                fast += 1;
            }
        }
        assert!(plain_paragraph(&samples[0]).is_some() && plain_paragraph(&samples[1]).is_some());
        assert!(
            fast > 1_000,
            "the fast path is taken for plain lines ({fast})"
        );
    }

    #[test]
    fn slug_fast_path_agrees_with_the_unicode_rule() {
        fn general(text: &str) -> String {
            let mut id = String::new();
            for c in text.chars().flat_map(char::to_lowercase) {
                if c.is_alphanumeric() {
                    id.push(c);
                } else if !id.is_empty() && !id.ends_with('-') {
                    id.push('-');
                }
            }
            id.trim_end_matches('-').to_owned()
        }
        let samples = [
            "Какие документы нужны? (Ёлка, ЁЖ)",
            "ABC_def-12 / ЖЭК №5",
            "Ѐ Ѓ Ї Ў İ ß Σ ΣΑΣ Ǆ ½ ² ٣ 漢字",
            "  — «Срок» –  ",
        ];
        for text in samples {
            let mut all: String = (0..=0x52f_u32).filter_map(char::from_u32).collect();
            all.push_str(text);
            for t in [text, all.as_str()] {
                let expected = match general(t) {
                    e if e.is_empty() => "section".to_owned(),
                    e => e,
                };
                assert_eq!(slugify(t, &mut vec![]), expected, "{t}");
            }
        }
    }

    #[test]
    fn ids_avoid_the_templates_own_ids() {
        let mut taken = vec!["documents".to_string()];
        let r = render("## Documents\n", &opts(), &mut taken);
        assert!(r.html.contains(r#"id="documents-2""#));
    }

    #[test]
    fn raw_html_is_escaped_unless_allowed() {
        let r = render(
            "<script>alert(1)</script>\n\nтекст <b>жирный</b>",
            &opts(),
            &mut vec![],
        );
        assert!(!r.html.contains("<script>"));
        assert!(r.html.contains("&lt;script&gt;"));
        let mut o = opts();
        o.allow_html = true;
        assert!(
            render("<b>x</b>", &o, &mut vec![])
                .html
                .contains("<b>x</b>")
        );
    }

    #[test]
    fn external_links_are_announced_internal_ones_are_not() {
        let r = render(
            "[Госуслуги](https://www.gosuslugi.ru/) и [контакты](/contacts/) и [сайт](https://msapt-ostrov.ru/x)",
            &opts(),
            &mut vec![],
        );
        assert!(r.html.contains(r#"<a class="external" rel="external noopener" href="https://www.gosuslugi.ru/">Госуслуги<span class="visually-hidden"> (откроется на другом сайте)</span></a>"#), "{}", r.html);
        assert!(r.html.contains(r#"<a href="/contacts/">контакты</a>"#));
        assert!(
            r.html
                .contains(r#"<a href="https://msapt-ostrov.ru/x">сайт</a>"#)
        );
    }

    #[test]
    fn tables_are_wrapped_in_a_labelled_scroll_region() {
        let r = render("| a | b |\n|---|---|\n| 1 | 2 |\n", &opts(), &mut vec![]);
        assert!(
            r.html.starts_with(
                r#"<div class="table-wrap" role="region" tabindex="0" aria-label="Таблица"><table>"#
            ),
            "{}",
            r.html
        );
        assert!(r.html.contains("<th>a</th>"));
    }

    #[test]
    fn links_and_images_with_schemes_that_run_code_keep_only_their_text() {
        let md = "[a](javascript:alert(1)) [b](JaVaScRiPt:alert(1)) [c](&#106;avascript:x) \
                  [d](vbscript:x) [e](data:text/html,x) <javascript:alert(2)> [f][r] \
                  [g]( javascript:x) ![pic](javascript:x) [ok](https://example.org/) \
                  [rel](/services/) [mail](mailto:a@b.ru) [phone](tel:+78120000000)\n\n\
                  [r]: VBScript:x\n";
        let html = render(md, &opts(), &mut vec![]).html;
        let attrs: Vec<&str> = [" href=\"", " src=\""]
            .iter()
            .flat_map(|attr| html.split(attr).skip(1))
            .map(|rest| rest.split('"').next().unwrap())
            .collect();
        assert!(attrs.iter().all(|u| is_safe_url(u)), "{attrs:?} in {html}");
        assert!(!html.contains("<img"), "{html}");
        for text in [">a ", " b ", " c ", " d ", " e ", " f ", " g ", " pic "] {
            assert!(html.contains(text), "{text} missing from {html}");
        }
        for kept in [
            "/services/",
            "mailto:a@b.ru",
            "tel:+78120000000",
            "https://example.org/",
        ] {
            assert!(attrs.contains(&kept), "{kept} not linked in {html}");
        }
    }

    #[test]
    fn schemes_are_read_as_browsers_read_them() {
        assert_eq!(
            url_scheme(" \u{7}Java\nScript:x").as_deref(),
            Some("javascript")
        );
        assert_eq!(url_scheme("HTTPS://x").as_deref(), Some("https"));
        assert_eq!(url_scheme("/a:b"), None);
        assert_eq!(url_scheme("a/b:c"), None);
        assert_eq!(url_scheme("?q=a:b"), None);
        assert_eq!(url_scheme("#x:y"), None);
        assert_eq!(url_scheme("1http:x"), None);
        assert!(is_safe_url("page.html") && !is_safe_url("file:///etc/passwd"));
    }
}
