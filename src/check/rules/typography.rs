//! `all-caps`, `abbreviation`, `emphasis`, `underline` and `special-symbol`: how the
//! text looks (rules, section 4.9: no italics, underlines, capitals for whole words or
//! special symbols; explain abbreviations).

use std::collections::BTreeSet;
use std::sync::LazyLock;

use regex::Regex;

use super::Ctx;
use crate::check::lexicon::{self, Lang};
use crate::check::text::{Block, is_lower, is_upper, is_urlish, is_word_char};

use crate::check::{Hit, Severity};

fn letters(word: &str) -> impl Iterator<Item = char> + '_ {
    word.chars()
        .filter(|&c| is_word_char(c) && !c.is_ascii_digit())
}

/// Whether the word at byte `at` of `text` starts with a lower-case letter, answered from
/// the bytes for ASCII and modern Cyrillic: most words do, and then neither capitals rule
/// needs to look at them further.
#[inline]
fn starts_lower(text: &str, at: usize) -> bool {
    let b = text.as_bytes();
    match b[at] {
        b'a'..=b'z' => true,
        x if x < 0x80 => false,
        // U+0400–042F are capitals, U+0430–045F small letters.
        0xD0 => b[at + 1] >= 0xB0,
        0xD1 if b[at + 1] <= 0x9F => true,
        _ => text[at..].chars().next().is_some_and(is_lower),
    }
}

/// Words written in capitals: at least two letters, no lower-case letter.
fn is_caps(word: &str) -> bool {
    // Most words start with a small letter: answer them without counting.
    if word.chars().next().is_some_and(is_lower) {
        return false;
    }
    // A capitalised word fails at its second letter: tested before counting them all.
    letters(word).all(is_upper) && letters(word).nth(1).is_some()
}

/// Abbreviation-like: at least two capitals and not a capitalised word («СПб», «КоАП»).
fn is_abbreviation_like(word: &str) -> bool {
    if word.chars().next().is_some_and(is_lower) {
        return false;
    }
    // One pass for both counts.
    let (upper, total) =
        letters(word).fold((0, 0), |(u, t), c| (u + usize::from(is_upper(c)), t + 1));
    upper >= 2 && upper * 2 >= total
}

fn is_roman(word: &str) -> bool {
    word.chars().all(|c| "IVXLCDM".contains(c))
}

/// A word in capitals reads as shouting (not an abbreviation) when it is long or has
/// vowels like an ordinary word: abbreviations of initials are mostly consonants.
fn looks_like_shouting(word: &str) -> bool {
    let n = letters(word).count();
    let vowels = letters(word)
        .filter(|c| {
            matches!(
                c,
                'А' | 'Е'
                    | 'Ё'
                    | 'И'
                    | 'О'
                    | 'У'
                    | 'Ы'
                    | 'Э'
                    | 'Ю'
                    | 'Я'
                    | 'A'
                    | 'E'
                    | 'I'
                    | 'O'
                    | 'U'
                    | 'Y'
            )
        })
        .count();
    n >= 7 || (n >= 4 && vowels * 5 >= n * 2)
}

/// `all-caps` for shouted words, `abbreviation` for abbreviations without an explanation.
pub(crate) fn all_caps_and_abbreviations(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    let comp = ctx.comp;
    let mut seen_abbr: BTreeSet<String> = BTreeSet::new();
    for b in &ctx.doc.blocks {
        let mut j = 0;
        while j < b.words.len() {
            let w = &b.words[j];
            // A word with no capital is neither shouting nor an abbreviation.
            if w.opaque || w.plain || starts_lower(&b.text, w.range.start) {
                j += 1;
                continue;
            }
            let raw = &b.text[w.range.clone()];
            if w.opaque || !is_caps(raw) || is_roman(raw) || comp.known_caps.contains(raw) {
                j += 1;
                continue;
            }
            // A run of capitalised words, or one word that looks like shouting.
            let mut k = j + 1;
            while k < b.words.len() {
                let r = &b.text[b.words[k].range.clone()];
                if !b.words[k].opaque && is_caps(r) && !comp.known_caps.contains(r) {
                    k += 1;
                } else {
                    break;
                }
            }
            if k - j >= 2 || looks_like_shouting(raw) {
                let span = ctx.words_span(b, j..k);
                let quoted = ctx.quote(&span);
                let plain = sentence_case(&quoted);
                hits.push(Hit {
                    rule: "all-caps",
                    span,
                    severity: Severity::Warning,
                    message: match ctx.lang {
                        Lang::Ru | Lang::Other => format!("слова заглавными буквами «{quoted}»").into(),
                        Lang::En => format!("words in capitals \"{quoted}\"").into(),
                    },
                    suggestion: Some(format!(
                        "«{plain}»: пишите обычными буквами, а важное ставьте в начало"
                    ).into()),
                    why: "заглавными буквами текст читается медленнее, а экранный диктор может читать слово по буквам (правила, п. 4.9)".into(),
                });
                j = k;
                continue;
            }
            j += 1;
        }
    }
    // Abbreviations: only the first use on the page matters.
    for b in &ctx.doc.blocks {
        for (j, w) in b.words.iter().enumerate() {
            if w.opaque || w.plain || starts_lower(&b.text, w.range.start) {
                continue;
            }
            let raw = &b.text[w.range.clone()];
            if w.opaque
                || !is_abbreviation_like(raw)
                || is_roman(raw)
                || (!comp.known_caps.contains(raw) && looks_like_shouting(raw))
            {
                continue;
            }
            // Looked up before inserting: most uses are repeats, and need no copy.
            if seen_abbr.contains(raw) || !seen_abbr.insert(raw.to_string()) {
                continue;
            }
            if comp.explained.contains(raw) || explained_here(b, j) {
                continue;
            }
            let expansion = lexicon::ABBREVIATIONS.known.get(raw);
            let suggestion = match expansion {
                Some(full) => format!(
                    "при первом упоминании: «{full} ({raw})», или добавьте {raw} в [check.glossary] сайта"
                ),
                None => format!(
                    "при первом упоминании напишите полностью: «полное название ({raw})», или добавьте {raw} в [check.glossary] сайта"
                ),
            };
            hits.push(Hit {
                rule: "abbreviation",
                span: b.src_range(w.range.clone()),
                severity: Severity::Warning,
                message: format!("сокращение «{raw}» не расшифровано при первом упоминании").into(),
                suggestion: Some(suggestion.into()),
                why: "сокращения непонятны людям без профильного образования и со слабым русским (правила, п. 4.9, 1.7)".into(),
            });
        }
    }
}

/// «полное название (МФЦ)», «МФЦ (полное название)», «МФЦ — полное название».
fn explained_here(b: &Block, j: usize) -> bool {
    let w = &b.words[j];
    let before = b.text[..w.range.start].trim_end();
    let after = b.text[w.range.end..].trim_start();
    (before.ends_with('(') && after.starts_with(')'))
        || after.starts_with('(')
        || after.starts_with("— ")
        || after.starts_with("– ")
        || after.starts_with("- ")
}

fn sentence_case(s: &str) -> String {
    let lower = s.to_lowercase();
    let mut c = lower.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => lower,
    }
}

static ITALIC_HTML: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)<(i|em|cite)(\s[^>]*)?>").expect("valid regex"));
static UNDERLINE_HTML: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)<(u|ins)(\s[^>]*)?>|text-decoration[^;>]*underline").expect("valid regex")
});

/// Italics: `*text*`, `_text_`, `<i>`, `<em>`.
pub(crate) fn emphasis(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    let mut spans: Vec<_> = ctx.doc.emphasis.clone();
    for (r, html) in &ctx.doc.html {
        for m in ITALIC_HTML.find_iter(html) {
            spans.push(r.start + m.start()..r.start + m.end());
        }
    }
    for span in spans {
        hits.push(Hit {
            rule: "emphasis",
            span,
            severity: Severity::Warning,
            message: "курсив".into(),
            suggestion: Some(
                "уберите курсив; важное вынесите в начало предложения или в отдельный абзац; для выделения — **полужирный**".into(),
            ),
            why: "курсив труднее читать людям со слабым зрением и дислексией (правила, п. 4.9)".into(),
        });
    }
}

/// Underlines: `<u>`, `<ins>`, `text-decoration: underline`.
pub(crate) fn underline(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    for (r, html) in &ctx.doc.html {
        for m in UNDERLINE_HTML.find_iter(html) {
            hits.push(Hit {
                rule: "underline",
                span: r.start + m.start()..r.start + m.end(),
                severity: Severity::Error,
                message: "подчёркивание".into(),
                suggestion: Some("уберите подчёркивание; для выделения — **полужирный**".into()),
                why: "подчёркнутый текст принимают за ссылку и пытаются на него нажать (правила, п. 4.9)".into(),
            });
        }
    }
}

/// Symbols in place of words.
pub(crate) fn special_symbols(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    let starts = &ctx.comp.symbol_starts;
    for b in &ctx.doc.blocks {
        let bytes = b.text.as_bytes();
        // Only positions whose byte can start a symbol are compared (Cyrillic letters never
        // can); with no symbol that can be inside a word, only the text before, between and
        // after the words. Scanned in one loop (a call per gap, most often one space, was
        // most of this rule).
        // Without words to pass over, the one gap is the whole text.
        let words = match ctx.comp.symbols_between_words {
            true => &b.words[..],
            false => &[],
        };
        let ends = (words.iter().map(|w| w.range.clone()))
            .chain(std::iter::once(bytes.len()..bytes.len()));
        let mut from = 0;
        for word in ends {
            let gap = from..word.start;
            from = word.end;
            let Some(text) = bytes.get(gap.clone()) else {
                continue;
            };
            for (i, &x) in text.iter().enumerate() {
                if starts[usize::from(x)] {
                    symbol_at(ctx, b, gap.start + i, hits);
                }
            }
        }
    }
}

/// [`special_symbols`] at byte `i` of a block's text, a byte that can start a symbol.
fn symbol_at(ctx: &Ctx<'_>, b: &Block, i: usize, hits: &mut Vec<Hit>) {
    let symbols = &ctx.comp.symbols;
    let text = &b.text;
    let candidates = &ctx.comp.symbols_by_byte[usize::from(text.as_bytes()[i])];
    let rest = &text.as_bytes()[i..];
    let Some((sym, word)) =
        (candidates.iter().map(|&k| &symbols[k])).find(|(s, _)| rest.starts_with(s.as_bytes()))
    else {
        return;
    };
    let end = i + sym.len();
    let prev = text[..i].chars().next_back();
    let next = text[end..].chars().next();
    let digit = |c: Option<char>| c.is_some_and(|c| c.is_ascii_digit());
    match sym.as_str() {
        // 1/2, 24/7 and URLs typed as text are not words in disguise.
        "/" if (digit(prev) && digit(next)) || is_urlish(text, i, end) => return,
        // +7 812 … is a phone number.
        "+" if digit(next) => return,
        // «—>» and similar are arrows, caught as "→" when written so.
        "<" | ">" if prev == Some('-') || next == Some('-') => return,
        _ => {}
    }
    hits.push(Hit {
        rule: "special-symbol",
        span: b.src_range(i..end),
        severity: Severity::Warning,
        message: format!("символ «{sym}» вместо слова").into(),
        suggestion: Some(format!("«{sym}» → {word}").into()),
        why: "символы экранный диктор читает по-разному или пропускает, а читателю со слабым русским они непонятны (правила, п. 4.9)".into(),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lower_case_starts_are_told_from_the_bytes_as_from_the_characters() {
        let chars = ('\0'..='\u{530}').chain(['ǅ', 'ß', 'ﬁ', '日', '\u{E000}', '𝐚', 'ⅰ']);
        for c in chars {
            let text = format!("{c}я");
            assert_eq!(starts_lower(&text, 0), is_lower(c), "{c:?}");
        }
    }

    /// Random lines over words, joiners and every symbol: the text a page's blocks hold.
    fn symbol_soup() -> String {
        let mut lines =
            crate::markdown::syntax_lines("аБ ЁZz1 -':.,’\u{301}`&§%/№#~≈=<>→+—«»()@", 4_000);
        lines.extend(
            ["a&b 1/2 x/y —> №5 § 3 из-за т.е. gu.spb.ru/a+b `код` ≈ 10 +7 (812)"]
                .map(String::from),
        );
        lines.join("\n\n")
    }

    #[test]
    fn symbols_searched_between_words_are_those_of_the_whole_text() {
        use crate::check::{CheckConfig, check_markdown};
        let text = symbol_soup();
        let found = |cfg: &CheckConfig| -> Vec<String> {
            let path = std::path::Path::new("a.md");
            (check_markdown(path, &text, 0, "ru", cfg).into_iter())
                .filter(|f| f.rule == "special-symbol" && !f.message.contains("«-»"))
                .map(|f| format!("{}:{} {}", f.line, f.column, f.message))
                .collect()
        };
        let between = CheckConfig::default();
        // «-» can be inside a word («из-за»): with it in the list, the whole text is searched.
        let mut whole = CheckConfig::default();
        let mut list: Vec<String> = super::super::SYMBOLS
            .iter()
            .map(|(s, _)| s.to_string())
            .collect();
        list.push("-".into());
        whole.special_symbols = Some(list);
        let (a, b) = (found(&between), found(&whole));
        assert!(a.len() > 1_000, "{} symbols", a.len());
        let first = a.iter().zip(&b).find(|(x, y)| x != y);
        assert!(
            a == b,
            "{} and {} findings, first difference {first:?}",
            a.len(),
            b.len()
        );
    }

    #[test]
    fn plain_words_have_no_capitals_for_the_capitals_rules() {
        let text = symbol_soup();
        let doc = crate::check::text::parse(&text, 0..text.len(), "ru");
        let (mut plain, mut other) = (0, 0);
        for b in &doc.blocks {
            for w in b.words.iter().filter(|w| !w.opaque) {
                let raw = &b.text[w.range.clone()];
                if w.plain {
                    assert!(!is_caps(raw) && !is_abbreviation_like(raw), "{raw:?}");
                    assert!(!raw.chars().any(is_upper), "{raw:?}");
                    plain += 1;
                } else {
                    other += 1;
                }
            }
        }
        assert!(
            plain > 1_000 && other > 1_000,
            "{plain} plain, {other} other"
        );
    }

    #[test]
    fn tells_shouting_from_abbreviations() {
        assert!(looks_like_shouting("ВНИМАНИЕ"));
        assert!(looks_like_shouting("ВАЖНО"));
        assert!(looks_like_shouting("БЕСПЛАТНО"));
        assert!(!looks_like_shouting("МФЦ"));
        assert!(!looks_like_shouting("СНИЛС"));
        assert!(!looks_like_shouting("ГИБДД"));
        assert!(is_abbreviation_like("СПб"));
        assert!(!is_abbreviation_like("Паспорт"));
    }
}
