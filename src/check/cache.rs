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

use super::intern::Batch;
use super::rows::{NONE, NumberMap, TableId};
use super::{CheckConfig, Interner, PageStats, RULES, Severity, rows};

/// `[rule, severity, start, end, line, column, end_line, end_column, message, suggestion,
/// why]`; texts are indices into [`CheckCache::strings`], `NONE` for no suggestion.
type StoredRow = [u32; 11];

/// One cached page: its content key and its result, `(PageStats, Vec<StoredRow>)` in postcard,
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
    /// The [`Interner`] whose numbers `to_run` and `from_run` hold ([`Interner::id`]).
    #[serde(skip)]
    run: Option<TableId>,
    /// Index in `strings` -> the run's number of that text (when needed so far).
    #[serde(skip)]
    to_run: NumberMap,
    /// The run's number of a text -> its index in `strings` (when needed so far).
    #[serde(skip)]
    from_run: NumberMap,
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
    fn sound(&self, r: &StoredRow) -> bool {
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

    /// The cached result for `file`, if its content key matches: the page's figures and
    /// its rows, their texts numbered in `texts`.
    pub(crate) fn get(
        &mut self,
        file: &Path,
        key: u64,
        texts: &Interner,
    ) -> Option<(PageStats, Vec<rows::Row>)> {
        let entry = self.entries.get(&*self.entry_key(file))?;
        entry.used.store(true, Ordering::Relaxed);
        if entry.key != key {
            return None;
        }
        let (stats, raw): (PageStats, Vec<StoredRow>) = postcard::from_bytes(&entry.result).ok()?;
        if !raw.iter().all(|r| self.sound(r)) {
            return None;
        }
        self.bind(texts);
        let mut batch = None;
        let mut run = |i: u32| match i {
            NONE => NONE,
            i => self.run_number(i, texts, &mut batch),
        };
        let rows = (raw.iter())
            .map(|r| rows::Row {
                rule: r[0] as u8,
                severity: if r[1] == 0 {
                    Severity::Error
                } else {
                    Severity::Warning
                },
                start: r[2],
                end: r[3],
                line: r[4],
                column: r[5],
                end_line: r[6],
                end_column: r[7],
                message: run(r[8]),
                suggestion: run(r[9]),
                why: run(r[10]),
            })
            .collect();
        Some((stats, rows))
    }

    /// Stores a page's result: its figures and rows, their texts numbered in `texts`. A
    /// row with a position past 4 GB (clamped to `u32::MAX` by [`rows::finish`]) is not
    /// stored.
    pub(crate) fn insert(
        &mut self,
        file: &Path,
        key: u64,
        stats: &PageStats,
        found: &[rows::Row],
        texts: &Interner,
    ) {
        self.bind(texts);
        let mut batch = None;
        let mut raw: Vec<StoredRow> = Vec::with_capacity(found.len());
        for r in found {
            let pos = [r.start, r.end, r.line, r.column, r.end_line, r.end_column];
            if pos.contains(&NONE) {
                return;
            }
            let severity = u32::from(r.severity == Severity::Warning);
            let suggestion = match r.suggestion {
                NONE => NONE,
                i => self.table_index(i, texts, &mut batch),
            };
            let message = self.table_index(r.message, texts, &mut batch);
            let why = self.table_index(r.why, texts, &mut batch);
            let [a, b, c, d, e, g] = pos;
            raw.push([
                u32::from(r.rule),
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
        let Ok(encoded) = postcard::to_stdvec(&(stats, &raw)) else {
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

    /// Makes `to_run` and `from_run` maps of `texts`' numbers (new ones for a new table).
    fn bind(&mut self, texts: &Interner) {
        if self.run != Some(texts.id()) {
            self.run = Some(texts.id());
            self.from_run.clear();
            self.to_run.clear();
        }
    }

    /// The run's number of text `i` of the table. `batch` is the run's table, locked when
    /// first needed (most texts of a page were mapped for an earlier page).
    fn run_number<'a>(
        &mut self,
        i: u32,
        texts: &'a Interner,
        batch: &mut Option<Batch<'a>>,
    ) -> u32 {
        if let Some(n) = self.to_run.get(i) {
            return n;
        }
        let batch = batch.get_or_insert_with(|| texts.batch());
        let n = batch.get_shared(&self.strings[i as usize]);
        self.to_run.set(i, n);
        self.from_run.set(n, i);
        n
    }

    /// The index in the table of the run's text numbered `n`, added when new.
    fn table_index<'a>(
        &mut self,
        n: u32,
        texts: &'a Interner,
        batch: &mut Option<Batch<'a>>,
    ) -> u32 {
        if let Some(i) = self.from_run.get(n) {
            return i;
        }
        let batch = batch.get_or_insert_with(|| texts.batch());
        let text = batch.text(n);
        let i = match self.index.get(text) {
            Some(&i) => i,
            None => {
                let i = u32::try_from(self.strings.len()).expect("fewer than 4 billion texts");
                self.strings.push(text.clone());
                self.index.insert(text.clone(), i);
                i
            }
        };
        self.to_run.set(i, n);
        self.from_run.set(n, i);
        i
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
        let encode =
            |rows: &[StoredRow]| postcard::to_stdvec(&(PageStats::default(), rows)).unwrap();
        let texts = Interner::default();
        let mut sound = cache(encode(&[row(0, 0)]));
        let (_, rows) = sound.get(Path::new("p.md"), 7, &texts).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(&**texts.batch().text(rows[0].message), "текст");
        assert!(sound.get(Path::new("p.md"), 8, &texts).is_none());
        let mut past_strings = cache(encode(&[row(0, 0), row(0, 1)]));
        assert!(past_strings.get(Path::new("p.md"), 7, &texts).is_none());
        let mut no_rule = cache(encode(&[row(RULES.len() as u32, 0)]));
        assert!(no_rule.get(Path::new("p.md"), 7, &texts).is_none());
        let cut = encode(&[row(0, 0)]);
        let mut cut = cache(cut[..cut.len() - 1].to_vec());
        assert!(cut.get(Path::new("p.md"), 7, &texts).is_none());
    }
}
