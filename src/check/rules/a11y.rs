//! Accessibility of content: `image-alt`, `link-text`, `heading-level`, `table-header`,
//! `phone-link` (rules, section 1.7: people with disabilities and screen readers).

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use super::Ctx;
use crate::check::lexicon::{self, Lang};
use crate::check::text::normalize;
use crate::check::{Hit, Severity};

static FILE_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(\.(png|jpe?g|gif|svg|webp|avif|bmp)$)|^(img|dsc|image|photo|scan)[_\-]?\d+")
        .expect("valid regex")
});
static IMG_TAG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?is)<img\b[^>]*>").expect("valid regex"));
static ALT_ATTR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?is)\balt\s*="#).expect("valid regex"));
// ASCII word boundaries: Unicode `\b` makes the regex crate leave its fast DFA on
// Cyrillic text (measured: the slowest part of a page check).
static PHONE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)
        (?:\+7|(?-u:\b)8)[\s\u{a0}\-]*\(?[0-9]{3,5}\)?[\s\u{a0}\-]*[0-9]{1,3}[\s\u{a0}\-]*[0-9]{2}[\s\u{a0}\-]*[0-9]{2}(?-u:\b)
        | (?-u:\b)[0-9]{3}[\-\u{a0}][0-9]{2}[\-\u{a0}][0-9]{2}(?-u:\b)",
    )
    .expect("valid regex")
});

/// Images need a text alternative that says what the picture shows.
pub(crate) fn images(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    let why = "экранный диктор читает вместо картинки её описание; без него незрячий читатель не узнает, что на ней (правила, п. 1.7)";
    for img in &ctx.doc.images {
        let alt = img.alt.trim();
        let message = if alt.is_empty() {
            "у изображения нет описания (alt)".to_string()
        } else if FILE_NAME.is_match(alt) {
            format!("описание изображения похоже на имя файла: «{alt}»")
        } else {
            continue;
        };
        hits.push(Hit {
            rule: "image-alt",
            span: img.range.clone(),
            severity: Severity::Error,
            message: message.into(),
            suggestion: Some(
                "опишите, что на картинке и зачем она: ![Вход в здание с пандусом слева](…)".into(),
            ),
            why: why.into(),
        });
    }
    for (r, html) in &ctx.doc.html {
        for m in IMG_TAG.find_iter(html) {
            if !ALT_ATTR.is_match(m.as_str()) {
                hits.push(Hit {
                    rule: "image-alt",
                    span: r.start + m.start()..r.start + m.end(),
                    severity: Severity::Error,
                    message: "у изображения <img> нет атрибута alt".into(),
                    suggestion: Some(
                        "добавьте alt=\"что на картинке\" (alt=\"\" — только для украшений)".into(),
                    ),
                    why: why.into(),
                });
            }
        }
    }
}

/// Link texts that say nothing out of context, and links without text.
pub(crate) fn links(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    // Without a list of empty link texts only a link without text is found.
    let none = Vec::new();
    let list = match ctx.lang {
        Lang::Ru => &lexicon::LINK_TEXTS.0,
        Lang::En => &lexicon::LINK_TEXTS.1,
        Lang::Other => &none,
    };
    for l in &ctx.doc.links {
        let text = normalize(l.text.trim())
            .trim_matches(|c: char| !c.is_alphanumeric())
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let message = if text.is_empty() && !l.has_image {
            "у ссылки нет текста".to_string()
        } else if list.contains(&text) {
            format!(
                "текст ссылки «{}» ничего не говорит без контекста",
                l.text.trim()
            )
        } else {
            continue;
        };
        hits.push(Hit {
            rule: "link-text",
            span: l.range.clone(),
            severity: Severity::Error,
            message: message.into(),
            suggestion: Some(
                "назовите, куда ведёт ссылка: «[Записаться на приём](…)», «[Образец заявления, PDF](…)»".into(),
            ),
            why: "незрячие читатели слушают список ссылок страницы, где «здесь» и «подробнее» неотличимы (правила, п. 1.7)".into(),
        });
    }
}

/// Heading levels go down one step at a time; the page title is the level-1 heading.
pub(crate) fn headings(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    let mut prev = 1u8;
    for h in &ctx.doc.headings {
        if h.level > prev + 1 {
            let want = "#".repeat(usize::from(prev + 1));
            hits.push(Hit {
                rule: "heading-level",
                span: heading_marker(ctx.source, &h.range),
                severity: Severity::Error,
                message: format!(
                    "заголовок уровня {} после уровня {prev}: пропущен уровень {}",
                    h.level,
                    prev + 1
                ).into(),
                suggestion: Some(format!("используйте «{want} …»").into()),
                why: "по заголовкам незрячие читатели понимают структуру страницы и переходят между разделами; пропуск уровня сбивает (правила, п. 1.7)".into(),
            });
        }
        prev = h.level;
    }
}

/// The `###` of an ATX heading, or the whole first line of a setext heading.
fn heading_marker(source: &str, r: &Range<usize>) -> Range<usize> {
    let s = source.get(r.clone()).unwrap_or("");
    let line_end = s.find('\n').unwrap_or(s.len());
    r.start..r.start + s[..line_end].trim_end().len()
}

/// Tables need a header row (Markdown header cells with text, or `<th>` in HTML).
pub(crate) fn tables(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    let hit = |span: Range<usize>| {
        Hit {
        rule: "table-header",
        span,
        severity: Severity::Error,
        message: "у таблицы нет строки заголовков".into(),
        suggestion: Some(
            "первая строка таблицы — названия столбцов: «| Документ | Где взять |»".into(),
        ),
        why: "без заголовков экранный диктор читает ячейки без смысла: непонятно, к какому столбцу относится число (правила, п. 1.7)".into(),
    }
    };
    for t in &ctx.doc.tables {
        if t.head_text.trim().is_empty() {
            let first_line = ctx.source[t.range.clone()]
                .find('\n')
                .map_or(t.range.end, |n| t.range.start + n);
            hits.push(hit(t.range.start..first_line));
        }
    }
    // HTML tables may span several HTML events: join adjacent ones.
    let mut runs: Vec<(Range<usize>, String)> = Vec::new();
    for (r, h) in &ctx.doc.html {
        match runs.last_mut() {
            Some((rr, hh)) if r.start <= rr.end + 1 => {
                rr.end = rr.end.max(r.end);
                hh.push_str(h);
            }
            _ => runs.push((r.clone(), h.clone())),
        }
    }
    for (r, h) in runs {
        // ASCII lower-casing keeps byte offsets equal to the source's.
        let lower = h.to_ascii_lowercase();
        let mut from = 0;
        while let Some(p) = lower[from..].find("<table") {
            let start = from + p;
            let end = lower[start..]
                .find("</table")
                .map_or(lower.len(), |e| start + e);
            if !lower[start..end].contains("<th") {
                let tag_end = lower[start..]
                    .find('>')
                    .map_or(start + 6, |e| start + e + 1);
                hits.push(hit(r.start + start..r.start + tag_end));
            }
            from = end.max(start + 6);
        }
    }
}

/// Phone numbers in text should be `tel:` links, so a phone can call them in one tap.
pub(crate) fn phones(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    let tel_links: Vec<&Range<usize>> = ctx
        .doc
        .links
        .iter()
        .filter(|l| l.dest.trim_start().to_ascii_lowercase().starts_with("tel:"))
        .map(|l| &l.range)
        .collect();
    for b in &ctx.doc.blocks {
        for m in PHONE.find_iter(&b.text) {
            let span = b.src_range(m.start()..m.end());
            if tel_links
                .iter()
                .any(|l| l.start <= span.start && span.end <= l.end)
            {
                continue;
            }
            let number = m.as_str();
            let tel = tel_uri(number);
            hits.push(Hit {
                rule: "phone-link",
                span,
                severity: Severity::Warning,
                message: format!("телефон «{number}» без ссылки tel:").into(),
                suggestion: Some(format!("[{number}]({tel})").into()),
                why: "по ссылке tel: телефон звонит одним нажатием; людям с нарушениями моторики трудно набирать номер (правила, п. 1.7)".into(),
            });
        }
    }
}

/// `tel:` URI for a Russian number; 7-digit numbers are St. Petersburg (812).
fn tel_uri(number: &str) -> String {
    let digits: String = number.chars().filter(char::is_ascii_digit).collect();
    let full = match digits.len() {
        7 => format!("7812{digits}"),
        11 if digits.starts_with('8') => format!("7{}", &digits[1..]),
        _ => digits,
    };
    format!("tel:+{full}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_tel_uris() {
        assert_eq!(tel_uri("8 (812) 123-45-67"), "tel:+78121234567");
        assert_eq!(tel_uri("+7 812 123-45-67"), "tel:+78121234567");
        assert_eq!(tel_uri("123-45-67"), "tel:+78121234567");
    }
}
