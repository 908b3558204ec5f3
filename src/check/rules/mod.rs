//! The rules, one module per family. Each reads the parsed [`Document`] through [`Ctx`]
//! and returns [`Hit`]s with source byte spans; severities from settings and exemptions
//! are applied later, in one place ([`super::rows::finish`]).

pub(crate) mod a11y;
pub(crate) mod freshness;
mod length;
mod plain;
mod safety;
mod terms;
mod typography;

use std::collections::BTreeSet;
use std::ops::Range;
use std::rc::Rc;

use rustc_hash::FxHashSet;

use super::lexicon::{self, Lang, MatchWord, PhraseSet, StartBits};
use super::text::{Block, Document, may_be_in_word, normalize};
use super::{CheckConfig, Hit, PageStats};

/// Settings turned into lookup structures once per [`CheckConfig`].
#[derive(Debug)]
pub(crate) struct Compiled {
    /// Symbols to report, each with the word to use instead.
    symbols: Vec<(String, String)>,
    /// Bytes that can start one of `symbols`.
    symbol_starts: [bool; 256],
    /// For each byte, the indices in `symbols` of those that start with it (in order): a
    /// « or — shares its first byte with § or №, and only those are compared.
    symbols_by_byte: Vec<Vec<usize>>,
    /// No symbol starts with a character that can be inside a word: only the text between
    /// words needs to be searched (a tenth of a page).
    symbols_between_words: bool,
    /// Terminology groups: entry `i` of `terms` belongs to group `term_group[i]`.
    terms_ru: PhraseSet,
    terms_en: PhraseSet,
    term_group: Vec<usize>,
    /// The first words of every phrase list a Russian (English) page may be matched
    /// against: one test per word for all the lists (see [`MatchWord::may_start`]).
    starts_ru: StartBits,
    starts_en: StartBits,
    /// Phrases the site allows (normalised).
    allow: BTreeSet<String>,
    /// Abbreviations that are not shouting (built-in, site list, glossary). Hashed: a
    /// legacy page asks about every capitalised word, and the tree compared each one with
    /// a dozen keys.
    known_caps: FxHashSet<String>,
    /// Abbreviations that need no explanation (built-in common ones and the glossary).
    explained: FxHashSet<String>,
}

/// Built-in symbols and the words to use instead.
pub(super) const SYMBOLS: &[(&str, &str)] = &[
    ("&", "«и»"),
    ("§", "«раздел», «пункт»"),
    ("%", "«процентов», «процента»"),
    ("/", "«или», «и», «в» (рублей в месяц)"),
    ("№", "«номер»"),
    ("#", "«номер»"),
    ("~", "«около», «примерно»"),
    ("≈", "«около», «примерно»"),
    ("=", "«равно», «это»"),
    ("<", "«меньше»"),
    (">", "«больше»"),
    ("→", "«затем», «потом»"),
    ("+", "«и», «плюс»"),
];

impl Compiled {
    pub(crate) fn new(cfg: &CheckConfig) -> Compiled {
        let symbols: Vec<(String, String)> = match &cfg.special_symbols {
            Some(list) => list
                .iter()
                .map(|s| {
                    let word = SYMBOLS
                        .iter()
                        .find(|(k, _)| k == s)
                        .map_or("слово", |(_, w)| *w);
                    (s.clone(), word.to_string())
                })
                .collect(),
            None => SYMBOLS
                .iter()
                .map(|(k, w)| (k.to_string(), w.to_string()))
                .collect(),
        };
        let groups = cfg
            .terminology
            .clone()
            .unwrap_or_else(|| lexicon::TERMINOLOGY.clone());
        let mut phrases = Vec::new();
        let mut term_group = Vec::new();
        for (g, group) in groups.iter().enumerate() {
            for t in group {
                phrases.push(t.clone());
                term_group.push(g);
            }
        }
        let abbr = &*lexicon::ABBREVIATIONS;
        let mut known_caps: FxHashSet<String> = abbr
            .known
            .keys()
            .chain(abbr.common.keys())
            .flat_map(|k| k.split_whitespace().map(String::from).collect::<Vec<_>>())
            .collect();
        known_caps.extend(cfg.abbreviations.iter().cloned());
        known_caps.extend(cfg.glossary.keys().cloned());
        let mut explained: FxHashSet<String> = abbr.common.keys().cloned().collect();
        explained.extend(cfg.glossary.keys().cloned());
        let mut symbols_by_byte = vec![Vec::new(); 256];
        let mut symbol_starts = [false; 256];
        for (i, (sym, _)) in symbols.iter().enumerate() {
            if let Some(&b) = sym.as_bytes().first() {
                symbols_by_byte[usize::from(b)].push(i);
                symbol_starts[usize::from(b)] = true;
            }
        }
        let symbols_between_words =
            (symbols.iter()).all(|(s, _)| s.chars().next().is_some_and(|c| !may_be_in_word(c)));
        let (terms_ru, terms_en) = (
            PhraseSet::from_phrases(Lang::Ru, &phrases),
            PhraseSet::from_phrases(Lang::En, &phrases),
        );
        let mut starts_ru = StartBits::default();
        for set in [
            &*lexicon::BUREAUCRATESE_RU,
            &*lexicon::NEGATIVE_RU,
            &terms_ru,
        ] {
            starts_ru.union(set.starts());
        }
        let mut starts_en = StartBits::default();
        for set in [&*lexicon::BUREAUCRATESE_EN, &terms_en] {
            starts_en.union(set.starts());
        }
        Compiled {
            symbols_between_words,
            starts_ru,
            starts_en,
            symbols,
            symbol_starts,
            symbols_by_byte,
            terms_ru,
            terms_en,
            term_group,
            allow: cfg.allow.iter().map(|a| normalize(a.trim())).collect(),
            known_caps,
            explained,
        }
    }
}

/// What every rule sees.
pub(crate) struct Ctx<'a> {
    pub source: &'a str,
    pub doc: &'a Document,
    pub lang: Lang,
    pub cfg: &'a CheckConfig,
    pub comp: &'a Compiled,
    /// Words with stems and hashes, every block's back to back (empty for opaque words).
    pub words: &'a [MatchWord<'a>],
    /// Where each block's words start in `words` (and, last, their number).
    pub word_starts: &'a [usize],
}

impl<'a> Ctx<'a> {
    /// Source span of words `words` of block `b`.
    pub(crate) fn words_span(&self, b: &Block, words: Range<usize>) -> Range<usize> {
        let first = &b.words[words.start];
        let last = &b.words[words.end - 1];
        b.src_range(first.range.start..last.range.end)
    }

    /// Matcher input for block `i`.
    pub(crate) fn match_words(&self, i: usize) -> &[MatchWord<'a>] {
        match (self.word_starts.get(i), self.word_starts.get(i + 1)) {
            (Some(&start), Some(&end)) => &self.words[start..end],
            _ => &[],
        }
    }

    /// The source text of a span with runs of white space folded to one space.
    pub(crate) fn quote(&self, span: &Range<usize>) -> String {
        let text = self.source.get(span.clone()).unwrap_or("");
        let mut out = String::with_capacity(text.len());
        for w in text.split_whitespace() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(w);
        }
        out
    }
}

/// A content rule: reads the page, appends its hits.
type Rule = fn(&Ctx<'_>, &mut Vec<Hit>);

/// Whether `rule` can report anything under these settings (`"off"` rules cost no work).
fn on(cfg: &CheckConfig, rule: &str) -> bool {
    cfg.rules.get(rule) != Some(&super::Level::Off)
}

/// Every word of the page with its stem and hashes, for the phrase rules: one pass, one
/// list for the page (a list per block was an allocation per paragraph), and where each
/// block's words start in it. Opaque words match nothing.
fn match_words<'a>(
    doc: &'a Document,
    lang: Lang,
    comp: &Compiled,
) -> (Vec<MatchWord<'a>>, Vec<usize>) {
    let firsts = match lang {
        Lang::En => &comp.starts_en,
        Lang::Ru | Lang::Other => &comp.starts_ru,
    };
    let empty: Rc<str> = Rc::from("");
    let total = doc.blocks.iter().map(|b| b.words.len()).sum();
    let mut words = Vec::with_capacity(total);
    let mut starts = Vec::with_capacity(doc.blocks.len() + 1);
    for b in &doc.blocks {
        starts.push(words.len());
        words.extend(b.words.iter().map(|w| match w.opaque {
            true => MatchWord::opaque(&empty),
            false => {
                let mut m = MatchWord::of(lang, b.lower(w));
                m.may_start = firsts.may_start(&m);
                m
            }
        }));
    }
    starts.push(words.len());
    (words, starts)
}

/// Rules that need a dictionary of the page's language (Russian and English have one).
pub(crate) const DICTIONARY_RULES: &[&str] =
    &["bureaucratese", "negative", "terminology", "readability"];

/// Runs every content rule that is not off over a parsed page.
pub(crate) fn run(
    source: &str,
    doc: &Document,
    lang: Lang,
    cfg: &CheckConfig,
    comp: &Compiled,
) -> (Vec<Hit>, PageStats) {
    // Phrase rules need a dictionary: none runs on a language without one.
    let phrases = lang != Lang::Other
        && (on(cfg, "bureaucratese")
            || (lang == Lang::Ru && on(cfg, "negative"))
            || on(cfg, "terminology"));
    // Stemming is most of the phrase rules' cost: skipped when none of them is on.
    let (words, word_starts) = if phrases {
        match_words(doc, lang, comp)
    } else {
        (Vec::new(), Vec::new())
    };
    let ctx = Ctx {
        source,
        doc,
        lang,
        cfg,
        comp,
        words: &words,
        word_starts: &word_starts,
    };
    let mut hits = Vec::new();
    let rules: [(&str, Rule); 14] = [
        ("bureaucratese", plain::bureaucratese),
        ("negative", plain::negative),
        ("long-sentence", length::sentences),
        ("long-paragraph", length::paragraphs),
        ("emphasis", typography::emphasis),
        ("underline", typography::underline),
        ("special-symbol", typography::special_symbols),
        ("terminology", terms::terminology),
        ("image-alt", a11y::images),
        ("link-text", a11y::links),
        ("heading-level", a11y::headings),
        ("table-header", a11y::tables),
        ("phone-link", a11y::phones),
        ("unsafe-link", safety::unsafe_links),
    ];
    for (rule, check) in rules {
        if rule == "negative" && lang != Lang::Ru {
            continue;
        }
        if lang == Lang::Other && DICTIONARY_RULES.contains(&rule) {
            continue;
        }
        if on(cfg, rule) {
            check(&ctx, &mut hits);
        }
    }
    // The page figures feed the monitoring report, so they are computed even when the
    // readability finding is off.
    let stats = length::readability(&ctx, &mut hits);
    if on(cfg, "all-caps") || on(cfg, "abbreviation") {
        typography::all_caps_and_abbreviations(&ctx, &mut hits);
    }
    (hits, stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every phrase of every list, written as a page, is found through the page's words as
    /// it is with the one test per word (against all lists) left out.
    #[test]
    fn the_test_against_all_lists_lets_every_lists_phrases_through() {
        let comp = Compiled::new(&CheckConfig::default());
        let lists: [(&str, &PhraseSet); 5] = [
            ("ru", &lexicon::BUREAUCRATESE_RU),
            ("ru", &lexicon::NEGATIVE_RU),
            ("ru", &comp.terms_ru),
            ("en", &lexicon::BUREAUCRATESE_EN),
            ("en", &comp.terms_en),
        ];
        let (mut phrases, mut found) = (0, 0);
        for (code, set) in lists {
            for e in &set.entries {
                let doc = crate::check::text::parse(&e.phrase, 0..e.phrase.len(), code);
                let (mut words, _) = match_words(&doc, Lang::from_code(code), &comp);
                let key = |m: &lexicon::PhraseMatch| (m.entry, m.start, m.end);
                let with: Vec<_> = set.find(&words).iter().map(key).collect();
                words.iter_mut().for_each(|w| w.may_start = true);
                let without: Vec<_> = set.find(&words).iter().map(key).collect();
                assert_eq!(with, without, "{code}: {}", e.phrase);
                phrases += 1;
                found += usize::from(!with.is_empty());
            }
        }
        assert!(
            phrases > 200 && found * 10 > phrases * 9,
            "{found} of {phrases}"
        );
    }
}
