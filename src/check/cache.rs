//! Results of earlier checks keyed by file content, so a rebuild re-checks only the pages
//! that changed.
//!
//! Stored compactly: each finding is a row of numbers (rule, severity, span, positions) and
//! its texts are indices into one table of distinct strings. A legacy site repeats the same
//! few hundred messages hundreds of thousands of times: with every finding's texts written
//! out, the JSON of a 10,000-page site was 413 MB and took gigabytes to build. On disk it
//! is postcard (varints): 29 MB as JSON, read and written ~10x faster.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rustc_hash::FxHashMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{CheckConfig, Finding, PageCheck, PageStats, RULES, Severity};

/// `[rule, severity, start, end, line, column, end_line, end_column, message, suggestion,
/// why]`; texts are indices into [`CheckCache::strings`], `NONE` for no suggestion.
type Row = [u32; 11];
const NONE: u32 = u32::MAX;

/// One cached page: its content key and its result, `(PageStats, Vec<Row>)` in postcard,
/// decoded only when the page is looked up. Decoded at once, a legacy site's rows were
/// ~60 MB of a repeated build's peak memory for the whole build (10,000 pages, 700,000
/// findings); kept encoded they are the ~20 MB of the file.
#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    key: u64,
    #[serde(serialize_with = "ser_bytes", deserialize_with = "de_bytes")]
    result: Box<[u8]>,
    /// Looked up or stored by this run ([`CheckCache::forget_unused`]).
    #[serde(skip)]
    used: AtomicBool,
}

/// Results of earlier checks keyed by file content. Saved between runs with serde
/// ([`super::run::save_cache`]: postcard).
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct CheckCache {
    version: String,
    config: u64,
    /// Every distinct finding text.
    #[serde(serialize_with = "ser_strings", deserialize_with = "de_strings")]
    strings: Vec<Arc<str>>,
    /// By file path, relative to the site's folder for its files (FxHash: keys are looked
    /// up for every page of every build).
    entries: FxHashMap<String, Entry>,
    /// The site's folder as this run spells it, and as an absolute path
    /// ([`CheckCache::under`]).
    #[serde(skip)]
    root: Option<(PathBuf, PathBuf)>,
    /// Text -> index in `strings`, rebuilt after reading.
    #[serde(skip)]
    index: FxHashMap<Arc<str>, u32>,
    /// The same by the text's address: a run's texts are interned ([`super::intern`]), so
    /// most repeat as one allocation, found without hashing the text. Each address is of a
    /// text held in `strings` or `held`, so it cannot be reused for another text meanwhile.
    #[serde(skip)]
    by_addr: FxHashMap<usize, u32>,
    /// Texts equal to one in `strings` but another allocation, kept for their address.
    #[serde(skip)]
    held: Vec<Arc<str>>,
    /// Whether anything was stored since the cache was made or read.
    #[serde(skip)]
    changed: bool,
}

fn ser_strings<S: Serializer>(v: &[Arc<str>], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(v.iter().map(|t| &**t))
}

fn ser_bytes<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_bytes(v)
}

/// Bytes read as one copy (a sequence of `u8` would be read one by one).
fn de_bytes<'de, D: Deserializer<'de>>(d: D) -> Result<Box<[u8]>, D::Error> {
    struct Bytes;
    impl serde::de::Visitor<'_> for Bytes {
        type Value = Box<[u8]>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("bytes")
        }
        fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
            Ok(v.into())
        }
        fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<Self::Value, E> {
            Ok(v.into_boxed_slice())
        }
    }
    d.deserialize_bytes(Bytes)
}

fn de_strings<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Arc<str>>, D::Error> {
    let v: Vec<String> = Vec::deserialize(d)?;
    Ok(v.into_iter().map(Arc::from).collect())
}

impl CheckCache {
    /// An empty cache for these settings.
    pub fn new(cfg: &CheckConfig) -> CheckCache {
        CheckCache {
            version: env!("CARGO_PKG_VERSION").into(),
            config: cfg.fingerprint(),
            ..CheckCache::default()
        }
    }

    /// Drops everything if it was made by another yasno or other settings. (A page's
    /// damaged result is found when it is looked up: that page is checked again.)
    pub fn validate(mut self, cfg: &CheckConfig) -> CheckCache {
        if self.version != env!("CARGO_PKG_VERSION") || self.config != cfg.fingerprint() {
            return CheckCache::new(cfg);
        }
        self.index = (self.strings.iter().enumerate())
            .map(|(i, s)| (s.clone(), i as u32))
            .collect();
        self
    }

    /// Keys the site's files by their path inside `root` (its folder as this run spells
    /// it), so that `--root site`, `--root ./site`, an absolute path, or a copy of the site
    /// with its `.yasno-cache` in another folder (a CI job restoring its cache into a new
    /// checkout) find the same entries. Files outside `root` keep their path as given.
    pub fn under(mut self, root: &Path) -> CheckCache {
        let absolute = std::path::absolute(root).unwrap_or_else(|_| root.to_owned());
        self.root = Some((root.to_owned(), absolute));
        self
    }

    /// The entry key of `file`: its path inside the root, or as given; the path itself when
    /// it is UTF-8, so the lookup of every page formats nothing.
    fn entry_key<'a>(&self, file: &'a Path) -> Cow<'a, str> {
        // The site's files are its folder joined with their path; a file named on the command
        // line may be absolute while the folder is not.
        let inside = self.root.as_ref().and_then(|(given, absolute)| {
            let root = if file.is_absolute() { absolute } else { given };
            file.strip_prefix(root).ok()
        });
        let path = inside.unwrap_or(file);
        match path.to_str() {
            Some(path) => Cow::Borrowed(path),
            None => Cow::Owned(path.display().to_string()),
        }
    }

    /// Whether every text of `row` is in the table and its rule and severity exist (a
    /// damaged or forged file can still decode).
    fn sound(&self, r: &Row) -> bool {
        let known = |i: u32| (i as usize) < self.strings.len();
        (r[0] as usize) < RULES.len()
            && r[1] < 2
            && known(r[8])
            && known(r[10])
            && (r[9] == NONE || known(r[9]))
    }

    /// The key of a page's content known by its length and hash (see
    /// [`crate::site::SourceText`]), so that a page whose text is not in memory is looked up
    /// without reading it again.
    pub fn key_of(text: crate::site::SourceText, kind: &str) -> u64 {
        // xxh3, not std's DefaultHasher: it is stable across Rust releases (the key is stored).
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        h.update(&(text.len() as u64).to_le_bytes());
        h.update(&text.hash().to_le_bytes());
        h.update(kind.as_bytes());
        h.digest()
    }

    /// The cached result for `file`, if its content key matches.
    pub fn get(&self, file: &Path, key: u64) -> Option<PageCheck> {
        let entry = self.entries.get(&*self.entry_key(file))?;
        entry.used.store(true, Ordering::Relaxed);
        if entry.key != key {
            return None;
        }
        let (stats, rows): (PageStats, Vec<Row>) = postcard::from_bytes(&entry.result).ok()?;
        if !rows.iter().all(|r| self.sound(r)) {
            return None;
        }
        let file: Arc<Path> = Arc::from(file);
        let text = |i: u32| self.strings[i as usize].clone();
        let findings = (rows.iter())
            .map(|r| Finding {
                file: file.clone(),
                rule: RULES[r[0] as usize].0,
                severity: if r[1] == 0 {
                    Severity::Error
                } else {
                    Severity::Warning
                },
                span: r[2] as usize..r[3] as usize,
                line: r[4] as usize,
                column: r[5] as usize,
                end_line: r[6] as usize,
                end_column: r[7] as usize,
                message: text(r[8]),
                suggestion: (r[9] != NONE).then(|| text(r[9])),
                why: text(r[10]),
            })
            .collect();
        Some(PageCheck { findings, stats })
    }

    /// Stores a result. A page too big for the compact rows (over 4 GB) is not stored.
    pub fn insert(&mut self, file: &Path, key: u64, result: &PageCheck) {
        let mut rows = Vec::with_capacity(result.findings.len());
        for f in &result.findings {
            let Some(rule) = RULES.iter().position(|(id, _)| *id == f.rule) else {
                return;
            };
            let nums = [
                f.span.start,
                f.span.end,
                f.line,
                f.column,
                f.end_line,
                f.end_column,
            ];
            let mut pos = [0u32; 6];
            for (p, n) in pos.iter_mut().zip(nums) {
                match u32::try_from(n) {
                    Ok(n) if n != NONE => *p = n,
                    _ => return,
                }
            }
            let severity = u32::from(f.severity == Severity::Warning);
            let suggestion = f.suggestion.as_ref().map_or(NONE, |s| self.text(s));
            let (message, why) = (self.text(&f.message), self.text(&f.why));
            let [a, b, c, d, e, g] = pos;
            rows.push([
                rule as u32,
                severity,
                a,
                b,
                c,
                d,
                e,
                g,
                message,
                suggestion,
                why,
            ]);
        }
        let Ok(encoded) = postcard::to_stdvec(&(&result.stats, &rows)) else {
            return;
        };
        let entry = Entry {
            key,
            result: encoded.into_boxed_slice(),
            used: AtomicBool::new(true),
        };
        let path = self.entry_key(file).into_owned();
        self.entries.insert(path, entry);
        self.changed = true;
    }

    /// Drops the entries this run neither looked up nor stored: after a run over the whole
    /// site they are files that were deleted or renamed, or the site's files under a path of
    /// an older version of the cache, and would otherwise be kept (and read) by every later
    /// run. Not after a run over a few files, which looks up only those.
    pub fn forget_unused(&mut self) {
        let before = self.entries.len();
        self.entries.retain(|_, e| *e.used.get_mut());
        self.changed |= self.entries.len() != before;
    }

    /// The index of `text` in the table, added when new.
    fn text(&mut self, text: &Arc<str>) -> u32 {
        let addr = super::intern::addr(text);
        if let Some(&i) = self.by_addr.get(&addr) {
            return i;
        }
        let i = match self.index.get(text) {
            Some(&i) => {
                self.held.push(text.clone());
                i
            }
            None => {
                let i = self.strings.len() as u32;
                self.strings.push(text.clone());
                self.index.insert(text.clone(), i);
                i
            }
        };
        self.by_addr.insert(addr, i);
        i
    }

    /// True when something was stored since the cache was made or read (so saving it would
    /// write something new).
    pub fn changed(&self) -> bool {
        self.changed
    }

    /// Number of stored pages.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A page whose rows point past the string table, or name no rule, or whose result
    /// does not decode (a damaged or forged file that still decodes as a whole) is never
    /// read: the page is checked again.
    #[test]
    fn a_damaged_page_result_is_a_miss() {
        let cfg = CheckConfig::default();
        let row = |rule: u32, message: u32| [rule, 1, 0, 1, 1, 1, 1, 2, message, NONE, 0];
        let cache = |result: Vec<u8>| {
            let mut c = CheckCache::new(&cfg);
            c.strings = vec![Arc::from("текст")];
            let entry = Entry {
                key: 7,
                result: result.into_boxed_slice(),
                used: AtomicBool::new(false),
            };
            c.entries.insert("p.md".into(), entry);
            let bytes = postcard::to_stdvec(&c).unwrap();
            postcard::from_bytes::<CheckCache>(&bytes)
                .unwrap()
                .validate(&cfg)
        };
        let encode = |rows: &[Row]| postcard::to_stdvec(&(PageStats::default(), rows)).unwrap();
        let sound = cache(encode(&[row(0, 0)]));
        assert_eq!(sound.get(Path::new("p.md"), 7).unwrap().findings.len(), 1);
        assert!(sound.get(Path::new("p.md"), 8).is_none());
        let past_strings = cache(encode(&[row(0, 0), row(0, 1)]));
        assert!(past_strings.get(Path::new("p.md"), 7).is_none());
        let no_rule = cache(encode(&[row(RULES.len() as u32, 0)]));
        assert!(no_rule.get(Path::new("p.md"), 7).is_none());
        let cut = encode(&[row(0, 0)]);
        let cut = cache(cut[..cut.len() - 1].to_vec());
        assert!(cut.get(Path::new("p.md"), 7).is_none());
    }
}
