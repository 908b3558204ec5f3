//! Service pages reused from the previous build. A service page is a pure function of its
//! own file, the files of its translations, and what every page shares (settings, surveys,
//! content pages, the site's languages, the theme, this program). When the hash of all of
//! them is the one the previous output's page was made from, the build links that page
//! instead of rendering it again (rendering is most of a repeated build), and takes its
//! site links and ids, for the link check, from the memo saved beside the cache.
//!
//! Listing pages (home, categories, all questions, contacts, the sitemap…) are made from
//! every service: they are kept only when no service, and nothing shared, changed.

use std::ops::Range;
use std::path::Path;
use std::sync::{Arc, Mutex};

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::Xxh3;

use super::Theme;
use crate::site::{Service, Site};

/// The first bytes of the memo file: another format is read as no memo.
const MAGIC: &[u8] = b"yasno-pages-memo 1\n";

/// What the link check needs of a rendered page, kept to reuse the page without rendering.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Memo {
    /// The hash of the page's inputs ([`PageKeys`]).
    pub source: u128,
    /// Where the page is in the output.
    pub path: String,
    /// The page's site links, each with its byte range in the service's file.
    pub links: Vec<(Range<usize>, String)>,
    /// The `id`s of the page as written, for an HTML page written whole (the link check
    /// knows no others).
    pub ids: Option<super::links::PageIds>,
}

/// The memo of every reusable page of a build: services by output path, other pages by
/// kind ([`Reuse::name`]). Two memos are equal when they hold the same pages with the same
/// memos (a kept page's memo is the previous one's `Arc`: compared by pointer first).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct PageMemo {
    pages: FxHashMap<String, Arc<Memo>>,
}

impl PageMemo {
    /// Reads the memo at `path`; a missing, damaged or older one is an empty memo (pages
    /// are then rendered, which is only slower).
    pub fn load(path: &Path) -> PageMemo {
        let pages = std::fs::read(path).ok().and_then(|bytes| {
            let list: Vec<(String, Memo)> =
                postcard::from_bytes(bytes.strip_prefix(MAGIC)?).ok()?;
            Some(list.into_iter().map(|(p, m)| (p, Arc::new(m))).collect())
        });
        PageMemo {
            pages: pages.unwrap_or_default(),
        }
    }

    /// Writes the memo to `path` (see [`crate::cache::save_with`]).
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let mut list: Vec<(&String, &Memo)> = self.pages.iter().map(|(p, m)| (p, &**m)).collect();
        list.sort_unstable_by(|a, b| a.0.cmp(b.0));
        crate::cache::save_with(path, &mut |w| {
            w.write_all(MAGIC)?;
            postcard::to_io(&list, w)
                .map(|_| ())
                .map_err(std::io::Error::other)
        })
    }

    /// The memo of the page `name` when it was made from inputs hashing to `source`.
    pub fn get(&self, name: &str, source: u128) -> Option<&Arc<Memo>> {
        self.pages.get(name).filter(|m| m.source == source)
    }

    /// Number of pages.
    pub fn len(&self) -> usize {
        self.pages.len()
    }

    /// Whether the memo has no pages.
    pub fn is_empty(&self) -> bool {
        self.pages.is_empty()
    }
}

/// A render's reuse of the previous build's pages: the keys of this build's inputs, the
/// previous memo, and the memo being made for the next build.
pub(super) struct Reuse<'a> {
    pub(super) keys: PageKeys,
    pub(super) old: &'a PageMemo,
    new: Mutex<Vec<(String, Arc<Memo>)>>,
}

impl<'a> Reuse<'a> {
    pub(super) fn new(site: &Site, theme: &Theme, old: &'a PageMemo) -> Self {
        Reuse {
            keys: PageKeys::new(site, theme),
            old,
            new: Mutex::default(),
        }
    }

    /// The memo's name of a page other than a service (a service's is its output path,
    /// as its index moves when services are added): its kind, language and category
    /// indexes, which follow from the settings and languages, part of every key.
    pub(super) fn name(page: super::Page) -> String {
        format!("{page:?}")
    }

    /// Notes the memo of the page `name` for the next build.
    pub(super) fn record(&self, name: String, memo: Arc<Memo>) {
        (self.new.lock().unwrap_or_else(|e| e.into_inner())).push((name, memo));
    }

    /// The memo made so far.
    pub(super) fn take(&self) -> PageMemo {
        let list = std::mem::take(&mut *self.new.lock().unwrap_or_else(|e| e.into_inner()));
        PageMemo {
            pages: list.into_iter().collect(),
        }
    }
}

/// Hashes of the inputs of service pages.
pub struct PageKeys {
    /// What every page shares.
    shared: u128,
    /// The key of the listing pages: what every page shares and every service's file.
    pub listing: u128,
}

impl PageKeys {
    /// The keys of `site` rendered with `theme`.
    pub fn new(site: &Site, theme: &Theme) -> Self {
        let mut h = Hasher::default();
        h.field(b"yasno service page");
        h.field(env!("CARGO_PKG_VERSION").as_bytes());
        // A rebuilt program may render differently under the same version number.
        let exe = std::env::current_exe().and_then(std::fs::metadata).ok();
        h.field(format!("{:?}", exe.map(|m| (m.len(), m.modified().ok()))).as_bytes());
        theme.fields(&mut |bytes| h.field(bytes));
        h.field(site.settings_file.source.as_bytes());
        // The settings after loading (a `--base-url` given to the build, say), the settings'
        // translations and the surveys: Debug shows every field.
        h.field(format!("{:?}", site.settings).as_bytes());
        // The settings' translations without the file each came from: the file is kept for
        // findings, and its path changes with how the site's folder is spelled.
        for (lang, texts) in &site.texts {
            let fields = crate::site::texts::SiteTexts {
                file: None,
                ..texts.clone()
            };
            h.field(lang.as_bytes());
            h.field(format!("{fields:?}").as_bytes());
        }
        h.field(format!("{:?}", site.surveys).as_bytes());
        h.field(format!("{:?}", site.langs).as_bytes());
        // Content pages: every page links the accessibility statement in its language.
        for p in &site.pages {
            h.field(p.slug.as_bytes());
            h.field(p.lang.as_bytes());
            h.field(inside(site, &p.source_path).as_os_str().as_encoded_bytes());
            h.field(p.source.as_bytes());
        }
        let shared = h.0.digest128();
        let mut h = Hasher::default();
        h.field(&shared.to_le_bytes());
        for s in &site.services {
            file_fields(&mut h, site, s);
        }
        PageKeys {
            shared,
            listing: h.0.digest128().max(1),
        }
    }

    /// The hash of everything `svc`'s page is made from: what every page shares, its own
    /// file and the files of its other languages (their addresses and names are on it).
    pub fn service(&self, site: &Site, svc: &Service) -> u128 {
        let mut h = Hasher::default();
        h.field(&self.shared.to_le_bytes());
        for s in std::iter::once(svc).chain(site.translations_of(svc)) {
            file_fields(&mut h, site, s);
        }
        // 0 means "no known inputs" to the output folder.
        h.0.digest128().max(1)
    }
}

/// What a key takes from a service: where its file is and what the file held when loaded.
fn file_fields(h: &mut Hasher, site: &Site, s: &Service) {
    h.field(s.slug.as_bytes());
    h.field(s.lang.as_bytes());
    h.field(inside(site, &s.source_path).as_os_str().as_encoded_bytes());
    h.field(&(s.source.len() as u64).to_le_bytes());
    h.field(&s.source.hash().to_le_bytes());
}

/// A file's path inside the site's folder, so that the folder spelled another way (`site`,
/// `./site`, an absolute path) keeps its pages. (The output folder is known by its absolute
/// path: a site moved with its output renders its pages again, src/output/manifest.rs.)
fn inside<'a>(site: &Site, file: &'a Path) -> &'a Path {
    file.strip_prefix(&site.root).unwrap_or(file)
}

/// xxh3-128 over length-prefixed fields, so that no two lists of fields hash alike by
/// moving bytes from one field to the next.
#[derive(Default)]
struct Hasher(Xxh3);

impl Hasher {
    fn field(&mut self, bytes: &[u8]) {
        self.0.update(&(bytes.len() as u64).to_le_bytes());
        self.0.update(bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_memo_survives_saving_and_a_damaged_one_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pages.bin");
        let memo = Memo {
            source: 7,
            path: "services/a/index.html".into(),
            links: vec![(3..9, "/services/x/#fee".into())],
            ids: Some(crate::render::links::html_ids(
                br#"<main id="main"><h2 id="fee">"#,
            )),
        };
        let saved = PageMemo {
            pages: [("services/a/index.html".to_owned(), Arc::new(memo.clone()))]
                .into_iter()
                .collect(),
        };
        saved.save(&path).unwrap();
        let read = PageMemo::load(&path);
        assert_eq!(read, saved);
        assert_eq!(saved, read);
        assert!(read != PageMemo::default());
        assert!(PageMemo::default() != read);
        let other = PageMemo {
            pages: [(
                "services/a/index.html".to_owned(),
                Arc::new(Memo {
                    source: 8,
                    ..memo.clone()
                }),
            )]
            .into_iter()
            .collect(),
        };
        assert!(read != other);
        assert_eq!(
            read.get("services/a/index.html", 7).map(|m| &**m),
            Some(&memo)
        );
        assert!(read.get("services/a/index.html", 8).is_none());
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 3]).unwrap();
        assert!(PageMemo::load(&path).is_empty());
        std::fs::write(&path, b"yasno-pages-memo 0\n").unwrap();
        assert!(PageMemo::load(&path).is_empty());
    }
}
