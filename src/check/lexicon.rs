//! Word lists shipped in `src/check/data/` and stem matching over them.
//!
//! The lists are compiled into the binary and parsed once ([`LazyLock`]); a broken data
//! file is a build-time bug, caught by the unit tests below. Phrases match by Snowball
//! stems, so one entry finds every inflected form; stems of page words are memoised per
//! thread because running text repeats a small vocabulary.

use std::cell::RefCell;
use std::collections::BTreeMap;

use rustc_hash::FxHashMap as HashMap;
use std::hash::BuildHasher;
use std::rc::Rc;
use std::sync::LazyLock;

use rust_stemmers::{Algorithm, Stemmer};
use serde::Deserialize;

use super::Severity;
use super::text::normalize;

/// Which stemmer and lists a page uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Lang {
    Ru = 0,
    En = 1,
    /// A language without a dictionary (uz, tg, ky, …): only the rules that need none run.
    Other = 2,
}

impl Lang {
    pub(crate) fn from_code(code: &str) -> Lang {
        if code.starts_with("en") {
            Lang::En
        } else if code.starts_with("ru") {
            Lang::Ru
        } else {
            Lang::Other
        }
    }
}

static RU: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::Russian));
static EN: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::English));

/// A fast hash of a word, used as the index key (strings are compared only on a match).
#[inline]
pub(crate) fn hash(s: &str) -> u64 {
    rustc_hash::FxBuildHasher.hash_one(s)
}

/// A stem and its hash.
#[derive(Debug, Clone)]
pub(crate) struct Stem {
    pub text: Rc<str>,
    pub hash: u64,
}

/// Stems by the hash of the lower-case word (computed once, as the matcher needs it too),
/// with the word itself to tell the rare collision.
type StemCache = HashMap<u64, (Box<str>, Stem)>;

thread_local! {
    // One map per language.
    static STEMS: RefCell<[StemCache; 3]> =
        RefCell::new([HashMap::default(), HashMap::default(), HashMap::default()]);
}

/// The stem of a normalised (lower-case) word, memoised per thread.
pub(crate) fn stem(lang: Lang, lower: &str) -> Stem {
    stem_hashed(lang, lower, hash(lower))
}

/// [`stem`] of a word whose [`hash`] is `h`.
fn stem_hashed(lang: Lang, lower: &str, h: u64) -> Stem {
    STEMS.with(|cache| {
        let mut cache = cache.borrow_mut();
        let map = &mut cache[lang as usize];
        if let Some((word, s)) = map.get(&h)
            && **word == *lower
        {
            return s.clone();
        }
        // Bound memory on huge vocabularies: start over rather than grow without limit.
        if map.len() > 200_000 {
            map.clear();
        }
        let text: Rc<str> = match lang {
            Lang::Ru => Rc::from(RU.stem(lower).as_ref()),
            Lang::En => Rc::from(EN.stem(lower).as_ref()),
            // No stemmer: the word is its own stem.
            Lang::Other => Rc::from(lower),
        };
        let s = Stem {
            hash: hash(&text),
            text,
        };
        // A word colliding with a stored one keeps being stemmed each time it comes.
        map.entry(h)
            .or_insert_with(|| (Box::from(lower), s.clone()));
        s
    })
}

/// Splits a phrase into normalised words (punctuation dropped).
pub(crate) fn phrase_words(phrase: &str) -> Vec<String> {
    phrase
        .split(|c: char| !(c.is_alphanumeric() || c == '-'))
        .filter(|w| !w.is_empty())
        .map(normalize)
        .collect()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryFile {
    entry: Vec<RawEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    phrase: String,
    suggest: String,
    why: String,
    #[serde(default)]
    variants: Vec<String>,
    #[serde(default)]
    exact: bool,
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(default)]
    severity: Option<Severity>,
}

/// A dictionary entry: a phrase to avoid and what to say instead.
#[derive(Debug)]
pub(crate) struct Entry {
    pub phrase: String,
    pub suggest: String,
    pub why: String,
    pub severity: Option<Severity>,
    exclude: Vec<String>,
}

/// One way to write an entry: a word sequence, each matched by stem or exactly.
#[derive(Debug)]
struct Pattern {
    entry: usize,
    keys: Vec<String>,
    key_hashes: Vec<u64>,
    exact: bool,
}

/// A set of phrases, indexed by the key of their first word.
#[derive(Debug)]
pub(crate) struct PhraseSet {
    lang: Lang,
    pub entries: Vec<Entry>,
    patterns: Vec<Pattern>,
    by_stem: HashMap<u64, Vec<usize>>,
    by_form: HashMap<u64, Vec<usize>>,
    /// The first words' keys, stem or form: most words start no phrase, and one bit test
    /// answers them without the two map lookups.
    starts: StartBits,
}

/// A bit per key hash (its top 16 bits): a set of hashes that answers "surely not in it".
#[derive(Debug, Clone)]
pub(crate) struct StartBits(Box<[u64; (1 << 16) / 64]>);

impl Default for StartBits {
    fn default() -> Self {
        StartBits(Box::new([0; (1 << 16) / 64]))
    }
}

impl StartBits {
    /// The word index and mask of a hash.
    #[inline]
    fn bit(h: u64) -> (usize, u64) {
        let k = (h >> 48) as usize;
        (k / 64, 1 << (k % 64))
    }

    fn insert(&mut self, h: u64) {
        let (word, bit) = StartBits::bit(h);
        self.0[word] |= bit;
    }

    /// False when `h` was surely never inserted.
    #[inline]
    pub(crate) fn may_contain(&self, h: u64) -> bool {
        let (word, bit) = StartBits::bit(h);
        self.0[word] & bit != 0
    }

    /// Adds every hash of `other`.
    pub(crate) fn union(&mut self, other: &StartBits) {
        for (a, b) in self.0.iter_mut().zip(other.0.iter()) {
            *a |= b;
        }
    }

    /// Whether a page word may start a phrase of a set whose starts are in `self`.
    #[inline]
    pub(crate) fn may_start(&self, w: &MatchWord<'_>) -> bool {
        self.may_contain(w.stem_hash) || self.may_contain(w.lower_hash)
    }
}

/// A match of a phrase over words `start..end`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PhraseMatch {
    pub entry: usize,
    pub start: usize,
    pub end: usize,
}

/// A word as the matcher sees it.
pub(crate) struct MatchWord<'a> {
    pub lower: &'a str,
    pub stem: Rc<str>,
    pub lower_hash: u64,
    pub stem_hash: u64,
    /// False when the word surely starts no phrase of any set the page is matched against
    /// (tested once per word for them all, [`StartBits::may_start`]).
    pub may_start: bool,
}

impl<'a> MatchWord<'a> {
    /// A word of a page by its lower-case form: hashed once, for the stem lookup and the
    /// matcher both.
    pub(crate) fn of(lang: Lang, lower: &'a str) -> MatchWord<'a> {
        let lower_hash = hash(lower);
        let stem = stem_hashed(lang, lower, lower_hash);
        MatchWord {
            lower,
            stem: stem.text,
            lower_hash,
            stem_hash: stem.hash,
            may_start: true,
        }
    }

    /// Inline code or a URL: matches no phrase.
    pub(crate) fn opaque(empty: &Rc<str>) -> MatchWord<'a> {
        MatchWord {
            lower: "",
            stem: empty.clone(),
            lower_hash: 0,
            stem_hash: 0,
            may_start: true,
        }
    }

    /// A word with its stem (hashes computed here; rules get them precomputed).
    #[cfg(test)]
    pub(crate) fn new(lower: &'a str, stem: &'a Stem) -> MatchWord<'a> {
        MatchWord {
            lower,
            stem: stem.text.clone(),
            lower_hash: hash(lower),
            stem_hash: stem.hash,
            may_start: true,
        }
    }
}

impl PhraseSet {
    fn build(lang: Lang, raw: Vec<RawEntry>) -> PhraseSet {
        let mut set = PhraseSet {
            lang,
            entries: Vec::new(),
            patterns: Vec::new(),
            by_stem: HashMap::default(),
            by_form: HashMap::default(),
            starts: StartBits::default(),
        };
        for r in raw {
            let e = set.entries.len();
            set.entries.push(Entry {
                phrase: r.phrase.clone(),
                suggest: r.suggest,
                why: r.why,
                severity: r.severity,
                exclude: r.exclude.iter().map(|w| normalize(w)).collect(),
            });
            for text in std::iter::once(&r.phrase).chain(r.variants.iter()) {
                set.add(e, text, r.exact);
            }
        }
        set
    }

    fn add(&mut self, entry: usize, text: &str, exact: bool) {
        let words = phrase_words(text);
        if words.is_empty() {
            return;
        }
        let keys: Vec<String> = if exact {
            words
        } else {
            words
                .iter()
                .map(|w| stem(self.lang, w).text.to_string())
                .collect()
        };
        let idx = self.patterns.len();
        let map = if exact {
            &mut self.by_form
        } else {
            &mut self.by_stem
        };
        let key_hashes: Vec<u64> = keys.iter().map(|k| hash(k)).collect();
        map.entry(key_hashes[0]).or_default().push(idx);
        self.starts.insert(key_hashes[0]);
        self.patterns.push(Pattern {
            entry,
            keys,
            key_hashes,
            exact,
        });
    }

    /// Builds a set from plain phrases (no suggestions), e.g. negative patterns.
    pub(crate) fn from_phrases(lang: Lang, phrases: &[String]) -> PhraseSet {
        let raw = phrases
            .iter()
            .map(|p| RawEntry {
                phrase: p.clone(),
                suggest: String::new(),
                why: String::new(),
                variants: Vec::new(),
                exact: false,
                exclude: Vec::new(),
                severity: None,
            })
            .collect();
        PhraseSet::build(lang, raw)
    }

    /// The keys of the phrases' first words.
    pub(crate) fn starts(&self) -> &StartBits {
        &self.starts
    }

    /// Finds the longest match starting at each word; matches do not overlap.
    pub(crate) fn find(&self, words: &[MatchWord<'_>]) -> Vec<PhraseMatch> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < words.len() {
            // The page's test against every set it uses comes first (see
            // [`MatchWord::may_start`]), in a tight scan to the next word that passes it
            // (most words do not), then this set's own.
            match words[i..].iter().position(|w| w.may_start) {
                Some(p) => i += p,
                None => break,
            }
            if !self.starts.may_start(&words[i]) {
                i += 1;
                continue;
            }
            let mut best: Option<PhraseMatch> = None;
            let candidates = self
                .by_stem
                .get(&words[i].stem_hash)
                .into_iter()
                .flatten()
                .chain(self.by_form.get(&words[i].lower_hash).into_iter().flatten());
            for &p in candidates {
                let pat = &self.patterns[p];
                let n = pat.keys.len();
                if i + n > words.len() {
                    continue;
                }
                let ok = pat
                    .keys
                    .iter()
                    .zip(&pat.key_hashes)
                    .zip(&words[i..i + n])
                    .all(|((k, h), w)| {
                        if pat.exact {
                            *h == w.lower_hash && k == w.lower
                        } else {
                            *h == w.stem_hash && k.as_str() == &*w.stem
                        }
                    });
                if !ok {
                    continue;
                }
                let entry = &self.entries[pat.entry];
                if words[i..i + n]
                    .iter()
                    .any(|w| entry.exclude.iter().any(|x| x == w.lower))
                {
                    continue;
                }
                if best.is_none_or(|b| n > b.end - b.start) {
                    best = Some(PhraseMatch {
                        entry: pat.entry,
                        start: i,
                        end: i + n,
                    });
                }
            }
            if let Some(b) = best {
                out.push(b);
                i = b.end;
            } else {
                i += 1;
            }
        }
        out
    }
}

fn load_entries(lang: Lang, src: &str) -> PhraseSet {
    let file: EntryFile = toml::from_str(src).expect("built-in word list is valid TOML");
    PhraseSet::build(lang, file.entry)
}

/// Canceliarisms for Russian pages.
pub(crate) static BUREAUCRATESE_RU: LazyLock<PhraseSet> =
    LazyLock::new(|| load_entries(Lang::Ru, include_str!("data/bureaucratese.toml")));
/// Formal words for English pages.
pub(crate) static BUREAUCRATESE_EN: LazyLock<PhraseSet> =
    LazyLock::new(|| load_entries(Lang::En, include_str!("data/bureaucratese_en.toml")));

#[derive(Debug, Deserialize)]
struct NegativeFile {
    phrases: Vec<String>,
}

/// Negative phrasings for Russian pages.
pub(crate) static NEGATIVE_RU: LazyLock<PhraseSet> = LazyLock::new(|| {
    let f: NegativeFile =
        toml::from_str(include_str!("data/negative.toml")).expect("negative.toml is valid");
    PhraseSet::from_phrases(Lang::Ru, &f.phrases)
});

#[derive(Debug, Deserialize)]
struct AbbrevFile {
    common: BTreeMap<String, String>,
    known: BTreeMap<String, String>,
}

/// Built-in abbreviations.
#[derive(Debug)]
pub(crate) struct Abbreviations {
    /// Need no explanation.
    pub common: BTreeMap<String, String>,
    /// Known (not shouting), but explain at first use.
    pub known: BTreeMap<String, String>,
}

/// Abbreviations shipped with yasno.
pub(crate) static ABBREVIATIONS: LazyLock<Abbreviations> = LazyLock::new(|| {
    let f: AbbrevFile = toml::from_str(include_str!("data/abbreviations.toml"))
        .expect("abbreviations.toml is valid");
    Abbreviations {
        common: f.common,
        known: f.known,
    }
});

#[derive(Debug, Deserialize)]
struct LinkTextFile {
    ru: Vec<String>,
    en: Vec<String>,
}

/// Link texts that mean nothing on their own, per language.
pub(crate) static LINK_TEXTS: LazyLock<(Vec<String>, Vec<String>)> = LazyLock::new(|| {
    let f: LinkTextFile =
        toml::from_str(include_str!("data/link_texts.toml")).expect("link_texts.toml is valid");
    (
        f.ru.iter().map(|s| normalize(s)).collect(),
        f.en.iter().map(|s| normalize(s)).collect(),
    )
});

#[derive(Debug, Deserialize)]
struct TermFile {
    groups: Vec<Vec<String>>,
}

/// Default terminology groups.
pub(crate) static TERMINOLOGY: LazyLock<Vec<Vec<String>>> = LazyLock::new(|| {
    let f: TermFile =
        toml::from_str(include_str!("data/terminology.toml")).expect("terminology.toml is valid");
    f.groups
});

#[cfg(test)]
mod tests {
    use super::*;

    fn words(lang: Lang, text: &str) -> (Vec<String>, Vec<Stem>) {
        let lower = phrase_words(text);
        let stems = lower.iter().map(|w| stem(lang, w)).collect();
        (lower, stems)
    }

    fn matches(set: &PhraseSet, text: &str) -> Vec<String> {
        let (lower, stems) = words(set.lang, text);
        let mw: Vec<MatchWord<'_>> = lower
            .iter()
            .zip(&stems)
            .map(|(l, s)| MatchWord::new(l, s))
            .collect();
        set.find(&mw)
            .into_iter()
            .map(|m| set.entries[m.entry].phrase.clone())
            .collect()
    }

    #[test]
    fn data_files_load_and_are_big_enough() {
        assert!(BUREAUCRATESE_RU.entries.len() >= 150);
        assert!(!BUREAUCRATESE_EN.entries.is_empty());
        assert!(!NEGATIVE_RU.entries.is_empty());
        assert!(ABBREVIATIONS.known.contains_key("МФЦ"));
        assert!(LINK_TEXTS.0.contains(&"здесь".to_string()));
        assert!(!TERMINOLOGY.is_empty());
    }

    #[test]
    fn every_entry_matches_its_own_phrase() {
        for e in &BUREAUCRATESE_RU.entries {
            let m = matches(&BUREAUCRATESE_RU, &e.phrase);
            assert!(!m.is_empty(), "entry «{}» does not match itself", e.phrase);
        }
    }

    #[test]
    fn inflected_forms_match_by_stem() {
        let set = &BUREAUCRATESE_RU;
        assert_eq!(
            matches(set, "Оплата осуществляется наличными"),
            ["осуществлять"]
        );
        assert_eq!(
            matches(set, "Эти документы являлись основанием"),
            ["являться"]
        );
        assert_eq!(matches(set, "В случаях, когда"), ["в случае"]);
        assert_eq!(matches(set, "в связи с тем, что"), ["в связи с тем что"]);
        assert_eq!(matches(set, "Данную справку"), ["данный"]);
        // «данные» (data) is not «данный» (this).
        assert!(matches(set, "персональные данные").is_empty());
        assert!(matches(set, "поверните направо").is_empty());
        assert_eq!(matches(set, "произведите оплату"), ["произвести оплату"]);
    }
}
