//! Tests of the tokenizer against the character-by-character code it replaced.

use super::*;

#[test]
fn maps_prose_back_to_source() {
    let src = "Текст с **жирным** и `кодом`.\n\n```\nв целях\n```\n";
    let doc = parse(src, 0..src.len(), "ru");
    assert_eq!(doc.blocks.len(), 1);
    let b = &doc.blocks[0];
    let w = b.words.iter().find(|w| b.lower(w) == "жирным").unwrap();
    assert_eq!(&src[b.src_range(w.range.clone())], "жирным");
    assert!(b.words.iter().any(|w| w.opaque));
    assert!(!b.text.contains("в целях"));
}

#[test]
fn splits_sentences_but_not_abbreviations() {
    let src = "Приходите на ул. Ленина, д. 5. Возьмите паспорт! Это всё.";
    let doc = parse(src, 0..src.len(), "ru");
    let b = &doc.blocks[0];
    assert_eq!(b.sentences.len(), 3, "{:?}", b.sentences);
}

/// The char-by-char lower-casing that `normalize_into` replaced.
fn normalize_reference(word: &str) -> String {
    let mut s = String::new();
    for c in word.chars() {
        push_lower(c, &mut s);
    }
    s
}

/// The char-by-char word scan that `tokenize` replaced: word ranges only.
fn words_reference(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut iter = text.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        if c == OPAQUE {
            out.push(i..i + c.len_utf8());
            continue;
        }
        if !is_word_char(c) {
            continue;
        }
        let mut end = i + c.len_utf8();
        while let Some(&(j, d)) = iter.peek() {
            let digit_around = d.is_ascii()
                && text[..j].ends_with(|p: char| p.is_ascii_digit())
                && text[j + 1..].starts_with(|n: char| n.is_ascii_digit());
            if is_word_char(d) || d == '\u{301}' {
                end = j + d.len_utf8();
            } else if matches!(d, ':' | '.' | ',') && digit_around {
                end = j + 1;
            } else if matches!(d, '-' | '\'' | '’')
                && text[j + d.len_utf8()..].starts_with(is_word_char)
            {
                end = j + d.len_utf8();
            } else {
                break;
            }
            iter.next();
        }
        out.push(i..end);
    }
    out
}

const SAMPLES: &[&str] = &[
    "В ЦЕЛЯХ обеспечения Ёлки и ёжики: 10:00, 1,5 и 02.04.2026 — из-за какой-то don't.",
    "Ѐѐ Ђђ ЉЊ Ґґ Ӂ ǅ Σσς İ ß ﬁ Ǆ 𝐀𝐁 日本語 e\u{301}tude ZАZаzя",
    "gu.spb.ru/123/ и a@b.ru, www.mos.ru; т.е. 1.5 г. Москва… «Ура!» (да?)",
    "\u{E000} код \u{E000}, конец- -начало ’ ' - 5- -5 5:,5 ,5 5. .5 ё",
    "д’Артаньян д’ ’д ѣѳѴѿҀ҂҃ ударе\u{301}ние \u{301}а 1’2 О’Коннор-\u{E000}",
    "",
];

#[test]
fn fast_normalize_and_word_scan_match_the_char_by_char_ones() {
    for sample in SAMPLES {
        assert_eq!(normalize(sample), normalize_reference(sample), "{sample}");
        for (i, _) in sample.char_indices() {
            let tail = &sample[i..];
            assert_eq!(normalize(tail), normalize_reference(tail), "{tail}");
        }
        let mut b = super::parse::parse(sample, 0..sample.len(), "ru")
            .blocks
            .into_iter()
            .next();
        if let Some(b) = b.as_mut() {
            let got: Vec<_> = b.words.iter().map(|w| w.range.clone()).collect();
            assert_eq!(got, words_reference(&b.text), "{}", b.text);
            for w in &b.words {
                if !w.opaque {
                    assert_eq!(b.lower(w), normalize_reference(&b.text[w.range.clone()]));
                }
            }
        }
    }
}

#[test]
fn the_two_byte_cyrillic_block_is_all_word_characters() {
    // `word_char_len` answers lead bytes D0 and D1 without decoding: this must hold.
    for c in '\u{400}'..='\u{47F}' {
        assert!(c.is_alphanumeric(), "{c:?}");
        let s = c.to_string();
        assert_eq!(word_char_len(&s, 0), 2, "{c:?}");
    }
    assert_eq!(word_char_len("҂", 0), 0);
}

/// The byte loop that `sentence_marks` replaced.
fn marks_reference(bytes: &[u8]) -> Vec<(usize, char)> {
    let mut out = Vec::new();
    for (i, &x) in bytes.iter().enumerate() {
        match x {
            b'.' | b'!' | b'?' => out.push((i, char::from(x))),
            0xE2 if bytes[i + 1..].starts_with(&[0x80, 0xA6]) => out.push((i, '…')),
            _ => {}
        }
    }
    out
}

#[test]
fn sentence_marks_are_found_in_order() {
    for sample in SAMPLES.iter().chain(&["…!.…?…", "а…б. в!…", "…"]) {
        let got: Vec<_> = sentence_marks(sample.as_bytes()).collect();
        assert_eq!(got, marks_reference(sample.as_bytes()), "{sample}");
    }
}

#[test]
fn urls_in_text_are_opaque() {
    let src = "Сайт gu.spb.ru/123/ и почта a@b.ru работают.";
    let doc = parse(src, 0..src.len(), "ru");
    let b = &doc.blocks[0];
    assert!(
        b.words
            .iter()
            .filter(|w| w.opaque)
            .any(|w| &b.text[w.range.clone()] == "gu")
    );
}

/// The word loop's table of two-byte Cyrillic letters gives every letter of U+0400–047F,
/// alone, inside a word, around a joiner and beside other scripts, the same normal-form
/// and vowel answers as [`super::word_char`] does letter by letter.
#[test]
fn the_cyrillic_table_answers_as_word_char() {
    let mut n = 0;
    for c in '\u{400}'..='\u{47F}' {
        for word in [
            format!("{c}"),
            format!("а{c}б"),
            format!("{c}-{c}"),
            format!("Z{c}1я"),
            // Runs of eight bytes and more, the letter at every place of a run.
            format!("{c}бвгдеж"),
            format!("абв{c}где"),
            format!("абвгдеж{c}"),
            format!("абвг{c}{c}деж-{c}а"),
        ] {
            let (mut i, mut plain, mut vowels) = (0, true, 0);
            while i < word.len() {
                let (len, keep, vowel) = super::word_char(&word, i);
                if len == 0 {
                    i += 1;
                    continue;
                }
                plain &= keep;
                vowels += u32::from(vowel);
                i += len;
            }
            let want = (word.len(), plain, vowels);
            assert_eq!(super::word_end(&word, 0), want, "{word}");
            n += 1;
        }
    }
    assert_eq!(n, 1024);
}
