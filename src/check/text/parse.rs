//! The walk over pulldown-cmark's offset iterator: Markdown events into blocks of prose,
//! links, images, headings, tables, emphasis and raw HTML.

use std::ops::Range;

use pulldown_cmark::{Event, HeadingLevel, LinkType, Parser, Tag, TagEnd};

use super::{Block, BlockKind, Document, Heading, Image, Link, OPAQUE, Table, tokenize};

/// Parses `source[range]` as Markdown. Offsets in the result are offsets in `source`.
pub(crate) fn parse(source: &str, range: Range<usize>, lang: &str) -> Document {
    let (base, body) = (range.start, &source[range.clone()]);
    // Most fragments of a page are one-line front-matter strings: the parser's setup per
    // call cost more than reading them.
    if let Some(line) = crate::markdown::plain_line(body) {
        return plain_paragraph(line, base, lang);
    }
    walk(source, range, lang)
}

/// [`parse`] through pulldown-cmark's events.
fn walk(source: &str, range: Range<usize>, lang: &str) -> Document {
    let base = range.start;
    let body = &source[range];
    // The renderer's options: the check must see the same blocks readers get.
    let opts = crate::markdown::PARSER_OPTIONS;
    let mut p = Parse {
        source,
        lang,
        doc: Document::default(),
        cur: None,
        kind: BlockKind::Other,
        code_depth: 0,
        image_depth: 0,
        link_stack: Vec::new(),
        in_table_head: false,
    };
    for (ev, r) in Parser::new_ext(body, opts).into_offset_iter() {
        let r = r.start + base..r.end + base;
        match ev {
            Event::Start(tag) => p.start(tag, r),
            Event::End(end) => p.end(end),
            Event::Text(t) => p.text(&t, r),
            Event::Code(t) => p.code(&t, r),
            Event::SoftBreak | Event::HardBreak => {
                if p.image_depth == 0
                    && let Some(b) = p.cur.as_mut()
                {
                    b.push(" ", r, false);
                }
            }
            Event::Html(h) | Event::InlineHtml(h) => p.doc.html.push((r, h.to_string())),
            _ => {}
        }
    }
    p.flush();
    p.doc
}

/// What the walk makes of a line of plain prose at byte `base` of the source: one
/// paragraph whose text is the line, mapped to it byte for byte.
fn plain_paragraph(line: &str, base: usize, lang: &str) -> Document {
    let mut doc = Document::default();
    if line.trim().is_empty() {
        return doc;
    }
    let mut b = new_block(BlockKind::Paragraph);
    b.push(line, base..base + line.len(), true);
    tokenize(&mut b, lang);
    doc.blocks.push(b);
    doc
}

/// The state of [`parse`] between Markdown events.
struct Parse<'a> {
    source: &'a str,
    lang: &'a str,
    doc: Document,
    /// The block whose text is being collected.
    cur: Option<Block>,
    /// The kind the next block gets.
    kind: BlockKind,
    code_depth: usize,
    image_depth: usize,
    /// Open links: index in `doc.links` and whether it is an autolink.
    link_stack: Vec<(usize, bool)>,
    in_table_head: bool,
}

impl Parse<'_> {
    /// Ends the current block (tokenized; an empty one is dropped).
    fn flush(&mut self) {
        if let Some(mut b) = self.cur.take()
            && !b.text.trim().is_empty()
        {
            tokenize(&mut b, self.lang);
            self.doc.blocks.push(b);
        }
    }

    fn start(&mut self, tag: Tag<'_>, r: Range<usize>) {
        match tag {
            Tag::Paragraph => {
                self.flush();
                // A paragraph inside a list item is still that item's text.
                if self.kind != BlockKind::ListItem {
                    self.kind = BlockKind::Paragraph;
                }
            }
            Tag::Heading { level, .. } => {
                self.flush();
                self.kind = BlockKind::Heading;
                self.doc.headings.push(Heading {
                    range: r,
                    level: heading_level(level),
                });
            }
            Tag::Item => {
                self.flush();
                self.kind = BlockKind::ListItem;
            }
            Tag::TableCell => {
                self.flush();
                self.kind = BlockKind::TableCell;
            }
            Tag::TableHead => self.in_table_head = true,
            Tag::Table(_) => {
                self.flush();
                self.doc.tables.push(Table {
                    range: r,
                    head_text: String::new(),
                });
            }
            Tag::CodeBlock(_) => {
                self.flush();
                self.code_depth += 1;
            }
            Tag::BlockQuote(_) | Tag::List(_) | Tag::FootnoteDefinition(_) => {
                self.flush();
                self.kind = BlockKind::Other;
            }
            Tag::Emphasis => self.doc.emphasis.push(r),
            Tag::Link {
                link_type,
                dest_url,
                ..
            } => {
                let auto = matches!(link_type, LinkType::Autolink | LinkType::Email);
                self.link_stack.push((self.doc.links.len(), auto));
                self.doc.links.push(Link {
                    range: r,
                    dest: dest_url.to_string(),
                    text: String::new(),
                    has_image: false,
                });
            }
            Tag::Image { dest_url, .. } => {
                self.image_depth += 1;
                if let Some(&(i, _)) = self.link_stack.last() {
                    self.doc.links[i].has_image = true;
                }
                self.doc.images.push(Image {
                    range: r,
                    src: dest_url.to_string(),
                    alt: String::new(),
                });
            }
            _ => {}
        }
    }

    fn end(&mut self, end: TagEnd) {
        match end {
            TagEnd::Paragraph => {
                self.flush();
                if self.kind == BlockKind::Paragraph {
                    self.kind = BlockKind::Other;
                }
            }
            TagEnd::Heading(_) | TagEnd::Item | TagEnd::TableCell => {
                self.flush();
                self.kind = BlockKind::Other;
            }
            TagEnd::BlockQuote(_) | TagEnd::List(_) | TagEnd::FootnoteDefinition => self.flush(),
            TagEnd::TableHead => self.in_table_head = false,
            TagEnd::CodeBlock => self.code_depth = self.code_depth.saturating_sub(1),
            TagEnd::Link => {
                self.link_stack.pop();
            }
            TagEnd::Image => self.image_depth = self.image_depth.saturating_sub(1),
            _ => {}
        }
    }

    fn text(&mut self, t: &str, r: Range<usize>) {
        if self.code_depth > 0 {
            return;
        }
        if self.image_depth > 0 {
            if let Some(img) = self.doc.images.last_mut() {
                img.alt.push_str(t);
            }
            return;
        }
        if self.in_table_head
            && let Some(tbl) = self.doc.tables.last_mut()
        {
            tbl.head_text.push_str(t);
        }
        let mut autolink = false;
        if let Some(&(i, auto)) = self.link_stack.last() {
            self.doc.links[i].text.push_str(t);
            autolink = auto;
        }
        let kind = self.kind;
        let b = self.cur.get_or_insert_with(|| new_block(kind));
        if autolink {
            push_opaque(b, r);
        } else {
            let direct = self.source.get(r.clone()) == Some(t);
            b.push(t, r, direct);
        }
    }

    fn code(&mut self, t: &str, r: Range<usize>) {
        if let Some(&(i, _)) = self.link_stack.last() {
            self.doc.links[i].text.push_str(t);
        }
        if self.in_table_head
            && let Some(tbl) = self.doc.tables.last_mut()
        {
            tbl.head_text.push_str(t);
        }
        let kind = self.kind;
        let b = self.cur.get_or_insert_with(|| new_block(kind));
        push_opaque(b, r);
    }
}

fn new_block(kind: BlockKind) -> Block {
    Block {
        kind,
        text: String::new(),
        segments: Vec::new(),
        words: Vec::new(),
        sentences: Vec::new(),
        lower: String::new(),
    }
}

fn push_opaque(b: &mut Block, r: Range<usize>) {
    let mut s = String::with_capacity(5);
    s.push(' ');
    s.push(OPAQUE);
    s.push(' ');
    b.push(&s, r, false);
}

fn heading_level(l: HeadingLevel) -> u8 {
    match l {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the rules read of a document: blocks with their words, sentences and source
    /// positions, and everything else the walk collects.
    fn seen(doc: &Document) -> String {
        let mut out = format!(
            "{:?} {:?} {:?} {:?} {:?} {:?}\n",
            doc.links, doc.images, doc.headings, doc.tables, doc.emphasis, doc.html
        );
        for b in &doc.blocks {
            let words: Vec<_> = (b.words.iter())
                .map(|w| {
                    (
                        w.range.clone(),
                        b.src_range(w.range.clone()),
                        b.lower(w),
                        w.opaque,
                    )
                })
                .collect();
            let sentences: Vec<_> = (b.sentences.iter())
                .map(|s| (s.words.clone(), b.src_range(s.text.clone())))
                .collect();
            out += &format!("{:?} {:?} {words:?} {sentences:?}\n", b.kind, b.text);
        }
        out
    }

    #[test]
    fn plain_lines_skip_the_parser_with_the_same_document() {
        let mut samples: Vec<String> = [
            "Заявление рассматривается в течение 10 рабочих дней. Ответ: да, по тел. 702-12-02.",
            "  отступ и пробел в конце \n",
            "Одна строка.\n",
        ]
        .map(String::from)
        .to_vec();
        samples.extend(crate::markdown::syntax_lines(
            "аБ z1.)-+=#>*_`[]()!<&;|~\\ \t\n\r\"'%:/ё\u{E000}",
            20_000,
        ));
        let mut fast = 0;
        for t in &samples {
            // Inside a larger source, as front-matter strings are.
            let source = format!("x = \"{t}\" # end");
            let range = 5..5 + t.len();
            fast += usize::from(crate::markdown::plain_line(t).is_some());
            let (got, want) = (
                parse(&source, range.clone(), "ru"),
                walk(&source, range, "ru"),
            );
            assert_eq!(seen(&got), seen(&want), "{t:?}");
        }
        assert!(crate::markdown::plain_line(&samples[0]).is_some());
        assert!(
            fast > 1_000,
            "the fast path is taken for plain lines ({fast})"
        );
    }
}
