//! Markdown → prose: the text a reader sees, with an exact map back to the source.
//!
//! Owns the walk over pulldown-cmark's offset iterator. Code blocks, inline code, URLs,
//! autolinks, image targets and raw HTML never become prose; inline code and autolinks
//! stay in a sentence as one opaque word so word counts remain honest. Every byte of
//! [`Block::text`] maps to a byte of the source ([`Block::src_range`]), so findings carry
//! exact line and column numbers in the whole file (front matter included).

use std::ops::Range;

mod parse;

pub(crate) use parse::parse;

/// Stands in the prose for inline code and autolinks: counted as a word, never matched.
pub(crate) const OPAQUE: char = '\u{E000}';

/// What kind of Markdown block a piece of prose came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BlockKind {
    Paragraph,
    Heading,
    ListItem,
    TableCell,
    Other,
}

/// A maximal run of text that maps to the source linearly (or to one point).
#[derive(Debug, Clone)]
struct Segment {
    text_start: usize,
    src: Range<usize>,
    /// The text is a verbatim copy of `src`; otherwise (escapes, entities, breaks) every
    /// byte maps to the whole `src` range.
    direct: bool,
}

/// A word of prose.
#[derive(Debug, Clone)]
pub(crate) struct Word {
    /// Byte range in [`Block::text`].
    pub range: Range<usize>,
    /// Byte range of the lower-cased form (`ё` → `е`) in [`Block::lower`].
    pub lower: Range<usize>,
    /// The word is inline code or a URL.
    pub opaque: bool,
    /// Russian vowels in it (а е ё и о у ы э ю я, either case), counted while it is
    /// scanned: the syllables of the readability formula.
    pub vowels: u32,
    /// The word is its own normal form (ASCII but capitals, Cyrillic small letters but
    /// `ё`, digits): it has no capital letter, so the capitals rules pass it by.
    pub plain: bool,
}

/// A sentence: a range of words in its block.
#[derive(Debug, Clone)]
pub(crate) struct Sentence {
    pub words: Range<usize>,
    pub text: Range<usize>,
}

/// One block of prose: a paragraph, a heading, a list item's own text, a table cell.
#[derive(Debug, Clone)]
pub(crate) struct Block {
    pub kind: BlockKind,
    pub text: String,
    segments: Vec<Segment>,
    pub words: Vec<Word>,
    pub sentences: Vec<Sentence>,
    /// The words' lower-cased forms (one allocation per block, not per word): the block's
    /// text, where a word already in normal form is its own form, then the forms of the
    /// other words, back to back.
    pub lower: String,
}

impl Block {
    /// The lower-cased form of a word of this block.
    #[inline]
    pub(crate) fn lower(&self, w: &Word) -> &str {
        &self.lower[w.lower.clone()]
    }

    /// Maps a byte range of [`Block::text`] to a byte range of the source.
    pub(crate) fn src_range(&self, r: Range<usize>) -> Range<usize> {
        let start = self.src_pos(r.start, false);
        let end = if r.end > r.start {
            self.src_pos(r.end, true)
        } else {
            start
        };
        start..end.max(start)
    }

    fn src_pos(&self, t: usize, is_end: bool) -> usize {
        // For an end position, look up the segment holding the last byte.
        let probe = if is_end { t.saturating_sub(1) } else { t };
        let i = match self.segments.binary_search_by(|s| s.text_start.cmp(&probe)) {
            Ok(i) => i,
            Err(0) => 0,
            Err(i) => i - 1,
        };
        let Some(seg) = self.segments.get(i) else {
            return 0;
        };
        if seg.direct {
            (seg.src.start + (t - seg.text_start)).min(seg.src.end)
        } else if is_end {
            seg.src.end
        } else {
            seg.src.start
        }
    }

    fn push(&mut self, text: &str, src: Range<usize>, direct: bool) {
        self.segments.push(Segment {
            text_start: self.text.len(),
            src,
            direct,
        });
        self.text.push_str(text);
    }
}

/// A link with its visible text.
#[derive(Debug, Clone)]
pub(crate) struct Link {
    pub range: Range<usize>,
    pub dest: String,
    pub text: String,
    pub has_image: bool,
}

/// An image with its alt text.
#[derive(Debug, Clone)]
pub(crate) struct Image {
    pub range: Range<usize>,
    pub src: String,
    pub alt: String,
}

/// A heading and its level (1–6).
#[derive(Debug, Clone)]
pub(crate) struct Heading {
    pub range: Range<usize>,
    pub level: u8,
}

/// A Markdown table and the text of its header row.
#[derive(Debug, Clone)]
pub(crate) struct Table {
    pub range: Range<usize>,
    pub head_text: String,
}

/// Everything the rules look at, extracted from one Markdown fragment.
#[derive(Debug, Default)]
pub(crate) struct Document {
    pub blocks: Vec<Block>,
    pub links: Vec<Link>,
    pub images: Vec<Image>,
    pub headings: Vec<Heading>,
    pub tables: Vec<Table>,
    /// Source ranges of `*italic*` spans.
    pub emphasis: Vec<Range<usize>>,
    /// Raw HTML (block or inline) with its source range.
    pub html: Vec<(Range<usize>, String)>,
}

/// Letters and digits. ASCII and Cyrillic are answered without the Unicode tables, which
/// were the hottest spot of a page check (`char::is_alphanumeric` on Cyrillic).
#[inline]
pub(crate) fn is_word_char(c: char) -> bool {
    // А–Я and а–я are one range (U+0410–044F), tested first: most letters of a page.
    if ('А'..='я').contains(&c) {
        return true;
    }
    match c {
        'a'..='z' | 'A'..='Z' | '0'..='9' => true,
        'ё' | 'Ё' => true,
        c if c.is_ascii() => false,
        c => c.is_alphanumeric(),
    }
}

/// Whether `c` can be inside a word's range ([`Word::range`]): word characters, the
/// marks that join two parts of one word, and the stand-in for code.
pub(crate) fn may_be_in_word(c: char) -> bool {
    is_word_char(c) || matches!(c, '-' | '\'' | ':' | '.' | ',' | '’' | '\u{301}' | OPAQUE)
}

/// Upper-case letters, with the same fast path.
#[inline]
pub(crate) fn is_upper(c: char) -> bool {
    match c {
        'A'..='Z' | 'А'..='Я' | 'Ё' => true,
        'a'..='z' | 'а'..='я' | 'ё' => false,
        c if c.is_ascii() => false,
        c => c.is_uppercase(),
    }
}

/// Lower-case letters, with the same fast path.
#[inline]
pub(crate) fn is_lower(c: char) -> bool {
    match c {
        'a'..='z' | 'а'..='я' | 'ё' => true,
        'A'..='Z' | 'А'..='Я' | 'Ё' => false,
        c if c.is_ascii() => false,
        c => c.is_lowercase(),
    }
}

/// Lower-cases a word and folds `ё` into `е`, as dictionaries are written.
pub(crate) fn normalize(word: &str) -> String {
    let mut s = String::with_capacity(word.len());
    normalize_into(word, &mut s);
    s
}

/// [`normalize`] appending to a buffer. Runs of characters that stay as they are (ASCII
/// lower case, digits, Cyrillic lower case but `ё`) are copied whole, found on the UTF-8
/// bytes: decoding and pushing every character was a tenth of a page check.
fn normalize_into(word: &str, s: &mut String) {
    let b = word.as_bytes();
    let (mut run, mut i) = (0, 0);
    while i < b.len() {
        let keep = match b[i] {
            b'A'..=b'Z' => false,
            0..=0x7F => true,
            // а-п (U+0430–043F), then р-я and the rest of U+0440–045F except ё (U+0451);
            // U+0460–047F (Ѡ…ѿ) alternate upper and lower case, so they go the slow way.
            0xD0 => b.get(i + 1).is_some_and(|&n| n >= 0xB0),
            0xD1 => b.get(i + 1).is_some_and(|&n| n <= 0x9F && n != 0x91),
            _ => false,
        };
        if keep {
            i += if b[i] < 0x80 { 1 } else { 2 };
            continue;
        }
        s.push_str(&word[run..i]);
        let c = word[i..].chars().next().unwrap_or(' ');
        push_lower(c, s);
        i += c.len_utf8();
        run = i;
    }
    s.push_str(&word[run..]);
}

/// One character lower-cased, `ё` folded into `е`.
fn push_lower(c: char, s: &mut String) {
    match c {
        'ё' | 'Ё' => s.push('е'),
        'А'..='Я' => s.push(char::from_u32(c as u32 + 32).unwrap_or(c)),
        c if c.is_ascii() => s.push(c.to_ascii_lowercase()),
        'а'..='я' => s.push(c),
        c => s.extend(c.to_lowercase()),
    }
}

/// The character at byte `i` (a character boundary) of `text` and its length in bytes.
/// ASCII and two-byte characters (Cyrillic) are decoded inline: the tokenizer looks at
/// every character of the page, and this is most of them.
#[inline]
fn char_at(text: &str, i: usize) -> (char, usize) {
    let b = text.as_bytes();
    let x = b[i];
    if x < 0x80 {
        (char::from(x), 1)
    } else if x < 0xE0
        && let Some(&y) = b.get(i + 1)
    {
        let c = (u32::from(x & 0x1F) << 6) | u32::from(y & 0x3F);
        (char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER), 2)
    } else {
        let c = text[i..]
            .chars()
            .next()
            .unwrap_or(char::REPLACEMENT_CHARACTER);
        (c, c.len_utf8())
    }
}

/// The length in bytes of the word character (see [`is_word_char`]) at byte `i` of `text`
/// (0 when the character there is not one), whether [`normalize`] keeps it as it is, and
/// whether it is a Russian vowel. ASCII and the two-byte Cyrillic block (U+0400–U+047F,
/// lead bytes D0 and D1: letters only) are answered from the bytes, with no decoding: they
/// are nearly every character of a page.
// Always inlined: a call per character was a tenth of the tokenizer.
#[inline(always)]
fn word_char(text: &str, i: usize) -> (usize, bool, bool) {
    let b = text.as_bytes();
    match b[i] {
        x @ 0..0x80 => (
            usize::from(x.is_ascii_alphanumeric()),
            !x.is_ascii_uppercase(),
            false,
        ),
        // The same test as `normalize_into`'s: а-п, then р-я and ѐ-џ but ё.
        0xD0 => (2, b[i + 1] >= 0xB0, VOWELS_D0[usize::from(b[i + 1] & 0x3F)]),
        0xD1 => (
            2,
            b[i + 1] <= 0x9F && b[i + 1] != 0x91,
            VOWELS_D1[usize::from(b[i + 1] & 0x3F)],
        ),
        _ => {
            let (c, n) = char_at(text, i);
            (if is_word_char(c) { n } else { 0 }, false, false)
        }
    }
}

/// The length of the word character at byte `i` (see [`word_char`]).
#[inline(always)]
fn word_char_len(text: &str, i: usize) -> usize {
    word_char(text, i).0
}

/// Vowels by the low six bits of their second UTF-8 byte after D0: А Е И О У Ы Э Ю Я Ё
/// (90, 95, 98, 9E, A3, AB, AD, AE, AF, 81) and а е и о (B0, B5, B8, BE).
const VOWELS_D0: [bool; 64] = vowel_table(&[
    0x90, 0x95, 0x98, 0x9E, 0xA3, 0xAB, 0xAD, 0xAE, 0xAF, 0x81, 0xB0, 0xB5, 0xB8, 0xBE,
]);
/// After D1: у ы э ю я ё (83, 8B, 8D, 8E, 8F, 91).
const VOWELS_D1: [bool; 64] = vowel_table(&[0x83, 0x8B, 0x8D, 0x8E, 0x8F, 0x91]);

/// Two-byte Cyrillic letters (lead byte D0 or D1) by `(lead & 1) << 6 | (second & 0x3F)`:
/// [`KEEP`] when [`normalize`] keeps the letter as it is, [`VOWEL`] for a Russian vowel.
/// The same answers as [`word_char`]'s, in one lookup for the word loop.
const CYRILLIC: [u8; 128] = {
    let mut t = [0; 128];
    let mut k = 0;
    while k < 64 {
        // D0 80–BF: U+0400–043F, small letters from а (B0); D1 80–BF: U+0440–047F, small
        // letters up to џ (9F) but ё (91).
        let (d0_keep, d1_keep) = (k >= 0x30, k <= 0x1F && k != 0x11);
        t[k] = (d0_keep as u8 * KEEP) | VOWELS_D0[k] as u8;
        t[64 + k] = (d1_keep as u8 * KEEP) | VOWELS_D1[k] as u8;
        k += 1;
    }
    t
};
/// See [`CYRILLIC`].
const KEEP: u8 = 2;
/// See [`CYRILLIC`].
const VOWEL: u8 = 1;

const fn vowel_table(second: &[u8]) -> [bool; 64] {
    let mut t = [false; 64];
    let mut k = 0;
    while k < second.len() {
        t[(second[k] & 0x3F) as usize] = true;
        k += 1;
    }
    t
}

/// Where the word starting at byte `i` (a word character) of `text` ends, whether it is
/// already in normal form (lower case, no `ё`: then it is copied, not normalised), and its
/// Russian vowels.
fn word_end(text: &str, i: usize) -> (usize, bool, u32) {
    let bytes = text.as_bytes();
    let (mut end, mut plain, mut vowels) = (i, true, 0);
    loop {
        // Four two-byte Cyrillic letters at a time while the next eight bytes are: their
        // lead bytes (D0 or D1) tested at once, the letters looked up in the table.
        while let Some(chunk) = bytes.get(end..end + 8)
            && let Ok(chunk) = <[u8; 8]>::try_from(chunk)
            && u64::from_le_bytes(chunk) & 0x00FE_00FE_00FE_00FE == 0x00D0_00D0_00D0_00D0
        {
            let mut all = KEEP;
            for pair in chunk.chunks_exact(2) {
                let e = CYRILLIC[(usize::from(pair[0] & 1) << 6) | usize::from(pair[1] & 0x3F)];
                all &= e;
                vowels += u32::from(e & VOWEL);
            }
            plain &= all != 0;
            end += 8;
        }
        // Two-byte Cyrillic letters, most of a page: one table lookup each (a lead byte
        // D0 or D1 of valid UTF-8 is always followed by its second byte).
        while let Some(&x) = bytes.get(end)
            && x & 0xFE == 0xD0
        {
            let e = CYRILLIC[(usize::from(x & 1) << 6) | usize::from(bytes[end + 1] & 0x3F)];
            plain &= e & KEEP != 0;
            vowels += u32::from(e & VOWEL);
            end += 2;
        }
        if end >= text.len() {
            break;
        }
        let (n, keep, vowel) = word_char(text, end);
        if n > 0 {
            end += n;
            plain &= keep;
            // No word has four billion letters: a plain sum.
            vowels += u32::from(vowel);
            continue;
        }
        end += match bytes[end] {
            // «10:00», «1,5», «02.04.2026» are one word each.
            b':' | b'.' | b','
                if bytes[end - 1].is_ascii_digit()
                    && bytes.get(end + 1).is_some_and(u8::is_ascii_digit) =>
            {
                1
            }
            // Keep «из-за», «какой-то», «don't» (and with ’, E2 80 99) as one word.
            b'-' | b'\'' if end + 1 < text.len() && word_char_len(text, end + 1) > 0 => 1,
            0xE2 if bytes[end + 1..].starts_with(&[0x80, 0x99])
                && end + 3 < text.len()
                && word_char_len(text, end + 3) > 0 =>
            {
                plain = false;
                3
            }
            // A combining acute accent (U+0301, CC 81) marks stress inside a word.
            0xCC if bytes.get(end + 1) == Some(&0x81) => {
                plain = false;
                2
            }
            _ => break,
        };
    }
    (end, plain, vowels)
}

/// Splits a block into words and sentences.
fn tokenize(b: &mut Block, lang: &str) {
    let text = &b.text;
    // About one word per eight bytes of Russian prose: most blocks never grow the list.
    let mut words = Vec::with_capacity(text.len() / 8 + 1);
    // The block's text is copied whole: a word already in normal form (most of them) is
    // then its own range of it, and only the other words' forms are appended after it. A
    // copy per word was ~1 % of a plain release build's instructions (PGO inlines it).
    let mut lower = String::with_capacity(text.len() + text.len() / 4);
    lower.push_str(text);
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < text.len() {
        // Spaces and ASCII punctuation: most of what is between words, answered first.
        if bytes[i] < 0x80 && !bytes[i].is_ascii_alphanumeric() {
            i += 1;
            continue;
        }
        if word_char_len(text, i) == 0 {
            let (c, n) = char_at(text, i);
            if c == OPAQUE {
                words.push(Word {
                    range: i..i + n,
                    lower: lower.len()..lower.len(),
                    opaque: true,
                    vowels: 0,
                    plain: false,
                });
            }
            i += n;
            continue;
        }
        let (end, plain, vowels) = word_end(text, i);
        let raw = &text[i..end];
        // A URL or an e-mail typed as plain text is not a word to judge. Only words
        // touching URL punctuation can be part of one.
        // (Those marks are ASCII, so the byte before or after the word tells.)
        let touches = |b: Option<&u8>| matches!(b, Some(b'.' | b'/' | b'@' | b':' | b'_'));
        let before = i.checked_sub(1).and_then(|p| bytes.get(p));
        let opaque = (touches(before) || touches(bytes.get(end))) && is_urlish(text, i, end);
        let lower_range = if opaque {
            lower.len()..lower.len()
        } else if plain {
            i..end
        } else {
            let start = lower.len();
            normalize_into(raw, &mut lower);
            start..lower.len()
        };
        words.push(Word {
            range: i..end,
            lower: lower_range,
            opaque,
            vowels,
            plain,
        });
        i = end;
    }
    b.sentences = split_sentences(text, &words, &lower, lang);
    b.words = words;
    b.lower = lower;
}

/// True when the non-space run around `start..end` is a URL, a domain or an e-mail.
pub(crate) fn is_urlish(text: &str, start: usize, end: usize) -> bool {
    let run_start = text[..start].rfind(char::is_whitespace).map_or(0, |p| {
        p + text[p..].chars().next().map_or(1, char::len_utf8)
    });
    let run_end = text[end..]
        .find(char::is_whitespace)
        .map_or(text.len(), |p| end + p);
    let run = text[run_start..run_end].trim_matches(|c: char| !is_word_char(c));
    // Every case below has a `:`, `.` or `@`: most words touching a full stop end a
    // sentence, and their run has none once trimmed.
    if !run.bytes().any(|b| matches!(b, b':' | b'.' | b'@')) {
        return false;
    }
    if run.contains("://") || run.starts_with("www.") || run.contains('@') {
        return true;
    }
    // A domain: letters, a dot, then letters (gu.spb.ru, mos.ru/…), not «т.е.» or «1.5».
    let mut parts = run.split('/').next().unwrap_or("").split('.');
    let first = parts.next().unwrap_or("");
    let rest: Vec<&str> = parts.collect();
    !rest.is_empty()
        && first.chars().count() >= 2
        && rest.iter().all(|p| p.chars().count() >= 2)
        && rest
            .last()
            .is_some_and(|p| p.chars().all(|c| c.is_ascii_lowercase()) || *p == "рф")
}

/// Short words after which a full stop does not end a sentence.
const NO_STOP_AFTER: &[&str] = &[
    "г", "гг", "ул", "д", "им", "пр", "пл", "наб", "пер", "т", "е", "п", "пп", "ст", "руб", "коп",
    "тел", "каб", "корп", "лит", "стр", "рис", "см", "кв", "обл", "р", "н", "тыс", "млн", "млрд",
    "ч", "мин", "сек", "пом", "эт", "вкл", "напр", "др", "пр", "т.е", "т.д", "т.п", "mr", "mrs",
    "ms", "dr", "st", "no", "e", "g", "i", "etc", "vs",
];

/// Positions of `.`, `!`, `?` and `…` in `bytes`, in order, found by memchr's vector
/// search: a loop over every byte of every block was a twentieth of a check.
fn sentence_marks(bytes: &[u8]) -> impl Iterator<Item = (usize, char)> + '_ {
    let mut ascii = memchr::memchr3_iter(b'.', b'!', b'?', bytes).peekable();
    let mut ellipsis = memchr::memmem::find_iter(bytes, "…".as_bytes()).peekable();
    std::iter::from_fn(move || match (ascii.peek(), ellipsis.peek()) {
        (Some(&a), Some(&e)) if e < a => ellipsis.next().map(|e| (e, '…')),
        (Some(_), _) => ascii.next().map(|a| (a, char::from(bytes[a]))),
        (None, _) => ellipsis.next().map(|e| (e, '…')),
    })
}

fn split_sentences(text: &str, words: &[Word], lower: &str, lang: &str) -> Vec<Sentence> {
    let _ = lang;
    let mut out = Vec::new();
    let mut first_word = 0usize;
    let mut text_start = 0usize;
    let mut wi = 0usize;
    // The marks are found on the bytes (ASCII, or `…` = E2 80 A6): no character of the
    // block is decoded on the way.
    for (i, c) in sentence_marks(text.as_bytes()) {
        // Words that end before this mark belong to the current sentence.
        while wi < words.len() && words[wi].range.end <= i {
            wi += 1;
        }
        if wi < words.len() && words[wi].range.start < i {
            continue; // inside a word (should not happen: marks are not word chars)
        }
        let mut j = i + c.len_utf8();
        // Repeated marks and closing quotes/brackets stay with this sentence.
        while let Some(d) = text[j..].chars().next() {
            if matches!(d, '.' | '!' | '?' | '…' | '»' | '"' | '”' | ')' | '\'') {
                j += d.len_utf8();
            } else {
                break;
            }
        }
        let rest = &text[j..];
        let next = rest.trim_start();
        if next.len() == rest.len() && !rest.is_empty() {
            continue; // no space after the mark: «1.5», «gu.spb.ru»
        }
        if c == '.' && wi > first_word {
            let prev = &words[wi - 1];
            let prev_lower = &lower[prev.lower.clone()];
            // Only short words can be abbreviations: skip the list scan for the rest.
            let short = prev_lower.len() <= 8 && NO_STOP_AFTER.contains(&prev_lower);
            let initial = prev_lower.chars().count() == 1
                && text[prev.range.clone()]
                    .chars()
                    .next()
                    .is_some_and(is_upper);
            if (short || initial) && prev.range.end == i {
                continue;
            }
        }
        if let Some(n) = next.chars().next()
            && is_lower(n)
        {
            continue; // «и т. д. и т. п.», «см. ниже»
        }
        if wi > first_word {
            out.push(Sentence {
                words: first_word..wi,
                text: text_start..j,
            });
        }
        first_word = wi;
        text_start = j + (rest.len() - next.len());
    }
    if words.len() > first_word {
        out.push(Sentence {
            words: first_word..words.len(),
            text: text_start..text.trim_end().len().max(text_start),
        });
    }
    out
}

#[cfg(test)]
mod tests;
