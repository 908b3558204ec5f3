//! The cache of encoded codes between builds (`.yasno-cache/qr.bin`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::{EcLevel, Modules, QrError, QrOptions};

/// Where a site keeps its QR cache: `<root>/.yasno-cache/qr.bin`.
pub fn cache_path(root: &Path) -> PathBuf {
    crate::cache::path(root, "qr.bin")
}

/// Encoded codes by URL and error correction level, kept between builds so that a URL that
/// did not change is not encoded again (encoding is most of the cost of a code).
///
/// The cache holds only what the encoder produced, never options of the drawing (quiet zone,
/// PNG scale), so a changed setting redraws from the same modules and a changed URL or level
/// simply misses. A file that is missing, damaged, of another format, or made by an encoder
/// that now chooses differently (checked by encoding one entry again) loads as empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QrCache {
    /// One map per [`EcLevel`], in the order M, Q, H.
    levels: [HashMap<String, Modules>; 3],
}

/// First bytes of a cache file; the digit is the format version.
const CACHE_MAGIC: &[u8] = b"yasno-qr-cache 1\n";

fn level_index(level: EcLevel) -> usize {
    match level {
        EcLevel::M => 0,
        EcLevel::Q => 1,
        EcLevel::H => 2,
    }
}

const LEVELS: [EcLevel; 3] = [EcLevel::M, EcLevel::Q, EcLevel::H];

/// A 64-bit FNV-1a hash: a checksum of the cache file's body, stable across builds.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

impl QrCache {
    /// An empty cache.
    pub fn new() -> QrCache {
        QrCache::default()
    }

    /// The modules of `url` at `level`, when cached.
    pub fn get(&self, url: &str, level: EcLevel) -> Option<&Modules> {
        self.levels[level_index(level)].get(url)
    }

    /// Stores the modules of `url` at `level`.
    pub fn insert(&mut self, url: String, level: EcLevel, modules: Modules) {
        self.levels[level_index(level)].insert(url, modules);
    }

    /// The modules of `url` at `opts.ec_level`: from the cache, or encoded now. The second
    /// value tells whether the code was encoded (a miss).
    pub fn get_or_encode(&self, url: &str, opts: &QrOptions) -> Result<(Modules, bool), QrError> {
        opts.validate()?;
        match self.get(url, opts.ec_level) {
            Some(m) => Ok((m.clone(), false)),
            None => Ok((Modules::encode(url, opts.ec_level)?, true)),
        }
    }

    /// Number of cached codes.
    pub fn len(&self) -> usize {
        self.levels.iter().map(HashMap::len).sum()
    }

    /// True when nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The cache as a compact binary file: a header with a checksum, then per code its
    /// level, URL, width and modules packed eight to a byte, sorted so equal caches give
    /// equal bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut body = Vec::new();
        body.extend_from_slice(&(self.len() as u64).to_le_bytes());
        for (i, map) in self.levels.iter().enumerate() {
            let mut urls: Vec<&String> = map.keys().collect();
            urls.sort();
            for url in urls {
                let m = &map[url];
                body.push(i as u8);
                body.extend_from_slice(&(url.len() as u32).to_le_bytes());
                body.extend_from_slice(url.as_bytes());
                body.extend_from_slice(&(m.width as u16).to_le_bytes());
                body.extend_from_slice(&m.packed);
            }
        }
        let mut out = Vec::with_capacity(CACHE_MAGIC.len() + 8 + body.len());
        out.extend_from_slice(CACHE_MAGIC);
        out.extend_from_slice(&fnv1a(&body).to_le_bytes());
        out.extend_from_slice(&body);
        out
    }

    /// Reads a cache written by [`QrCache::to_bytes`]; `None` when the bytes are not one
    /// (truncated, damaged, another format) or when the encoder now makes another code for
    /// the first entry (a changed `qrcode` crate), so stale codes are never drawn.
    pub fn from_bytes(bytes: &[u8]) -> Option<QrCache> {
        let rest = bytes.strip_prefix(CACHE_MAGIC)?;
        let (sum, body) = rest.split_at_checked(8)?;
        if u64::from_le_bytes(sum.try_into().ok()?) != fnv1a(body) {
            return None;
        }
        let mut r = body;
        let mut take = |n: usize| -> Option<&[u8]> {
            let (head, tail) = r.split_at_checked(n)?;
            r = tail;
            Some(head)
        };
        let count = u64::from_le_bytes(take(8)?.try_into().ok()?);
        let mut cache = QrCache::new();
        let mut first: Option<(String, EcLevel)> = None;
        for _ in 0..count {
            let level = *LEVELS.get(usize::from(take(1)?[0]))?;
            let len = u32::from_le_bytes(take(4)?.try_into().ok()?) as usize;
            let url = std::str::from_utf8(take(len)?).ok()?.to_owned();
            let width = usize::from(u16::from_le_bytes(take(2)?.try_into().ok()?));
            // Versions 1 to 40: 21 to 177 modules, in steps of four.
            if !(21..=177).contains(&width) || (width - 21) % 4 != 0 {
                return None;
            }
            let n = width * width;
            let packed = take(n.div_ceil(8))?.to_vec();
            first.get_or_insert_with(|| (url.clone(), level));
            cache.insert(url, level, Modules { width, packed });
        }
        if !r.is_empty() {
            return None;
        }
        if let Some((url, level)) = first {
            let again = Modules::encode(&url, level).ok()?;
            if cache.get(&url, level) != Some(&again) {
                return None;
            }
        }
        Some(cache)
    }

    /// Reads the cache file at `path`; an empty cache when it is missing or unusable (a bad
    /// cache only costs time, never a build).
    pub fn load(path: &Path) -> QrCache {
        std::fs::read(path)
            .ok()
            .and_then(|b| QrCache::from_bytes(&b))
            .unwrap_or_default()
    }

    /// Writes the cache (see [`crate::cache::save`]); a failure only costs time next build, so
    /// it is returned, not fatal.
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        crate::cache::save(path, &self.to_bytes())
    }
}
