//! `long-sentence`, `long-paragraph` and `readability`.

use super::Ctx;
use crate::check::lexicon::Lang;
use crate::check::text::BlockKind;
use crate::check::{Hit, PageStats, Severity};

/// Sentences over the warning and error word limits.
pub(crate) fn sentences(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    let warn = ctx.cfg.sentence_warning_words;
    let err = ctx.cfg.sentence_error_words.max(warn);
    for b in &ctx.doc.blocks {
        for s in &b.sentences {
            let n = s.words.len();
            if n <= warn {
                continue;
            }
            let (severity, limit) = if n > err {
                (Severity::Error, err)
            } else {
                (Severity::Warning, warn)
            };
            let start = b.words[s.words.start].range.start;
            let end = s.text.end.max(b.words[s.words.end - 1].range.end);
            let span = b.src_range(start..end);
            let (message, suggestion) = match ctx.lang {
                // Joined, not formatted: a legacy site has tens of thousands of these.
                Lang::Ru | Lang::Other => (
                    [
                        "предложение из ",
                        &n.to_string(),
                        " слов: больше ",
                        &limit.to_string(),
                    ]
                    .concat(),
                    "разбейте на предложения по 10–15 слов: одна мысль — одно предложение",
                ),
                Lang::En => (
                    format!("sentence of {n} words: more than {limit}"),
                    "split it: one idea per sentence, 10–15 words",
                ),
            };
            hits.push(Hit {
                rule: "long-sentence",
                span,
                severity,
                message: message.into(),
                suggestion: Some(suggestion.into()),
                why: "длинное предложение трудно удержать в памяти, особенно людям со слабым русским и пожилым (правила, п. 4.9: короткие и лаконичные предложения)".into(),
            });
        }
    }
}

/// Paragraphs (and list items) with too many words or sentences.
pub(crate) fn paragraphs(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    for b in &ctx.doc.blocks {
        if !matches!(b.kind, BlockKind::Paragraph | BlockKind::ListItem) || b.words.is_empty() {
            continue;
        }
        let (w, s) = (b.words.len(), b.sentences.len());
        if w <= ctx.cfg.paragraph_max_words && s <= ctx.cfg.paragraph_max_sentences {
            continue;
        }
        let span = ctx.words_span(b, 0..b.words.len());
        hits.push(Hit {
            rule: "long-paragraph",
            span,
            severity: Severity::Warning,
            message: format!(
                "абзац из {w} слов и {s} предложений (не больше {} слов и {} предложений)",
                ctx.cfg.paragraph_max_words, ctx.cfg.paragraph_max_sentences
            ).into(),
            suggestion: Some(
                "разделите на абзацы по одной теме или сделайте список".into(),
            ),
            why: "короткие абзацы легче просматривать на телефоне и при увеличении (правила, п. 4.9: группировать тематические блоки)".into(),
        });
    }
}

/// Syllables of a word: vowels for Russian, vowel groups for English.
fn syllables(lang: Lang, lower: &str) -> usize {
    match lang {
        // Every word has at least one syllable (abbreviations, Latin words).
        // Counted on the UTF-8 bytes: а е и о (D0 B0, B5, B8, BE), у ы э ю я ё (D1 83, 8B,
        // 8D, 8E, 8F, 91). A lead byte D0/D1 is never a continuation byte, so every pair
        // matched is one whole character.
        Lang::Ru => {
            let b = lower.as_bytes();
            let (mut n, mut i) = (0, 0);
            while i + 1 < b.len() {
                let vowel = match b[i] {
                    0xD0 => matches!(b[i + 1], 0xB0 | 0xB5 | 0xB8 | 0xBE),
                    0xD1 => matches!(b[i + 1], 0x83 | 0x8B | 0x8D | 0x8E | 0x8F | 0x91),
                    _ => {
                        i += 1;
                        continue;
                    }
                };
                n += usize::from(vowel);
                i += 2;
            }
            n.max(1)
        }
        Lang::En | Lang::Other => {
            let mut n = 0;
            let mut prev_vowel = false;
            for c in lower.chars() {
                // Latin and Cyrillic vowels (Uzbek, Tajik, Kyrgyz letters included).
                let v = matches!(
                    c,
                    'a' | 'e'
                        | 'i'
                        | 'o'
                        | 'u'
                        | 'y'
                        | 'а'
                        | 'е'
                        | 'ё'
                        | 'и'
                        | 'о'
                        | 'у'
                        | 'ы'
                        | 'э'
                        | 'ю'
                        | 'я'
                        | 'ӣ'
                        | 'ӯ'
                        | 'ө'
                        | 'ү'
                );
                if v && !prev_vowel {
                    n += 1;
                }
                prev_vowel = v;
            }
            if lower.ends_with('e') && n > 1 && !lower.ends_with("le") {
                n -= 1;
            }
            n.max(1)
        }
    }
}

/// The page's readability score (Oborneva's Flesch for Russian, Flesch for English).
pub(crate) fn readability(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) -> PageStats {
    let mut stats = PageStats::default();
    for b in &ctx.doc.blocks {
        stats.sentences += b.sentences.len();
        for w in &b.words {
            let lower = b.lower(w);
            // Numbers are not words for the formula.
            if w.opaque || lower.as_bytes().first().is_some_and(u8::is_ascii_digit) {
                continue;
            }
            stats.words += 1;
            stats.syllables += match ctx.lang {
                // Counted by the tokenizer; every word has at least one syllable.
                Lang::Ru => (w.vowels as usize).max(1),
                Lang::En | Lang::Other => syllables(ctx.lang, lower),
            };
        }
    }
    if stats.words == 0 || stats.sentences == 0 {
        return stats;
    }
    let asl = stats.words as f64 / stats.sentences as f64;
    let asw = stats.syllables as f64 / stats.words as f64;
    let (score, min) = match ctx.lang {
        Lang::Ru => (206.835 - 1.3 * asl - 60.1 * asw, ctx.cfg.readability_min),
        Lang::En => (
            206.835 - 1.015 * asl - 84.6 * asw,
            ctx.cfg.readability_min_en,
        ),
        // The formula's weights are measured per language: none for the others.
        Lang::Other => return stats,
    };
    let score = (score * 10.0).round() / 10.0;
    stats.readability = Some(score);
    if score < min && stats.words >= ctx.cfg.readability_min_words {
        let first = ctx.doc.blocks.iter().find(|b| !b.words.is_empty());
        if let Some(b) = first {
            hits.push(Hit {
                rule: "readability",
                span: ctx.words_span(b, 0..1),
                severity: Severity::Warning,
                message: format!("индекс удобочитаемости страницы {score:.1}: ниже порога {min:.0}").into(),
                suggestion: Some(format!(
                    "в среднем {asl:.1} слова в предложении и {asw:.2} слога в слове: сократите предложения, замените длинные слова короткими"
                ).into()),
                why: "индекс Флеша в адаптации Оборневой (206,835 − 1,3 × слов в предложении − 60,1 × слогов в слове): чем ниже, тем труднее текст (правила, п. 2.3)".into(),
            });
        }
    }
    stats
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tokenizer_counts_the_vowels_of_the_lower_case_form() {
        let src = "ВНИМАНИЕ: Заявление рассматривается ЁЛКОЙ, ёжиком и Юлей; УЫЭЮЯ аеёиоуыэюя \
                   ЀЍѐѝ Ѣѣ Ӓӓ mix Ааa 10-ти из-за д’Артаньян ударе\u{301}ние";
        let doc = crate::check::text::parse(src, 0..src.len(), "ru");
        let mut n = 0;
        for b in &doc.blocks {
            for w in b.words.iter().filter(|w| !w.opaque) {
                let want = syllables(Lang::Ru, b.lower(w));
                assert_eq!((w.vowels as usize).max(1), want, "{}", b.lower(w));
                n += 1;
            }
        }
        assert!(n > 15, "{n} words");
    }

    #[test]
    fn counts_syllables() {
        assert_eq!(syllables(Lang::Ru, "паспорт"), 2);
        assert_eq!(syllables(Lang::Ru, "заявление"), 5);
        // Every Cyrillic vowel counts, other letters and scripts do not.
        assert_eq!(syllables(Lang::Ru, "аеёиоуыэюя"), 10);
        assert_eq!(syllables(Lang::Ru, "бвгджзйклмнпрстфхцчшщъьѐђ"), 1);
        assert_eq!(syllables(Lang::Ru, "мфц2026aeiou"), 1);
        assert_eq!(syllables(Lang::En, "passport"), 2);
        assert_eq!(syllables(Lang::En, "make"), 1);
    }
}
