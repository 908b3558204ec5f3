//! The manifest: what is known of each file of the output and of its spare, kept in the
//! site's cache so that the next build can keep or link unchanged files.

use std::io;
use std::path::{Path, PathBuf};

use rustc_hash::FxHashMap as HashMap;
use serde::{Deserialize, Serialize};

use super::{MARKER, spare_path};

/// What is known of one file of a built output: enough to tell that the file on disk is still
/// the one written, and what it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct FileRecord {
    /// xxh3-128 of the contents.
    pub(super) hash: u128,
    pub(super) len: u64,
    /// Modification time, nanoseconds since the epoch.
    pub(super) mtime_ns: i128,
    /// Inode number (0 where the platform has none).
    pub(super) ino: u64,
    /// For a file made from known inputs (see [`Staging::reuse_derived`]), a hash of them;
    /// 0 for other files.
    pub(super) source: u128,
}

impl FileRecord {
    pub(super) fn of(hash: u128, meta: &std::fs::Metadata) -> Self {
        let mtime_ns = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos() as i128);
        #[cfg(unix)]
        let ino = std::os::unix::fs::MetadataExt::ino(meta);
        #[cfg(not(unix))]
        let ino = 0;
        FileRecord {
            hash,
            len: meta.len(),
            mtime_ns,
            ino,
            source: 0,
        }
    }

    /// True when the file at `path` is still the one this record describes.
    pub(super) fn is_at(&self, path: &Path) -> bool {
        std::fs::symlink_metadata(path).is_ok_and(|meta| {
            let now = FileRecord::of(self.hash, &meta);
            meta.is_file()
                && (now.len, now.mtime_ns, now.ino) == (self.len, self.mtime_ns, self.ino)
        })
    }

    /// This record, if the file at `path` is still the one it describes and holds `hash`.
    pub(super) fn still_at(&self, path: &Path, hash: u128, len: usize) -> Option<FileRecord> {
        (self.holds(hash, len) && self.is_at(path)).then_some(*self)
    }

    /// True when the recorded contents are `len` bytes hashing to `hash`.
    pub(super) fn holds(&self, hash: u128, len: usize) -> bool {
        self.hash == hash && self.len == len as u64
    }
}

/// One built folder: the build that made it (named in its marker) and its files.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub(super) struct Tree {
    pub(super) build: String,
    pub(super) files: HashMap<String, FileRecord>,
}

impl Tree {
    /// This tree, if `dir`'s marker names its build; `None` otherwise.
    pub(super) fn if_marks(self, dir: &Path) -> Option<Tree> {
        let marker = std::fs::read_to_string(dir.join(MARKER)).ok()?;
        (!self.build.is_empty() && marker == marker_text(&self.build)).then_some(self)
    }
}

/// The files of one output folder and of its spare, kept in the site's cache so that the next
/// build can keep or link unchanged files instead of writing them (see the module docs).
///
/// A manifest belongs to one output folder and one build of it: the build's id is written into
/// the folder's [`MARKER`] too, and a record whose id the marker does not carry (another
/// folder, an older build, a folder changed by hand) is ignored.
#[derive(Debug, Default)]
pub struct Manifest {
    /// Absolute path of the output folder.
    pub(super) output: PathBuf,
    /// The output folder.
    pub(super) live: Tree,
    /// The spare beside it: the output before the last build.
    pub(super) spare: Option<Tree>,
}

/// A manifest as saved: the spare only where it differs from the output. Most files are
/// the same file in both (kept or linked), so this halves the file and the time to read it.
#[derive(Serialize, Deserialize)]
struct Saved<Live, Differs> {
    output: PathBuf,
    live: Live,
    spare: Option<SavedSpare<Differs>>,
}

#[derive(Serialize, Deserialize)]
struct SavedSpare<Differs> {
    build: String,
    /// Files whose record in the spare is not the output's (`None`: not in the spare).
    differs: Differs,
}

type SavedOwned = Saved<Tree, HashMap<String, Option<FileRecord>>>;

/// The first bytes of a saved manifest: another format (the JSON of earlier versions) is
/// read as no manifest.
const MAGIC: &[u8] = b"yasno-output-manifest 2\n";

/// First line of the marker; the second names the build (`build <id>`).
const MARKER_TEXT: &str = "built by yasno\n";

impl Manifest {
    /// Reads the manifest at `path`, keeping what still describes `out` and its spare; any
    /// doubt gives empty records (every file is then written).
    pub fn load(path: &Path, out: &Path) -> Manifest {
        let Ok(bytes) = std::fs::read(path) else {
            return Manifest::default();
        };
        let Some(m) =
            (bytes.strip_prefix(MAGIC)).and_then(|b| postcard::from_bytes::<SavedOwned>(b).ok())
        else {
            return Manifest::default();
        };
        if !std::path::absolute(out).is_ok_and(|o| o == m.output) {
            return Manifest::default();
        }
        let spare = m.spare.map(|d| {
            let mut files = m.live.files.clone();
            for (path, record) in d.differs {
                match record {
                    Some(r) => files.insert(path, r),
                    None => files.remove(&path),
                };
            }
            Tree {
                build: d.build,
                files,
            }
        });
        Manifest {
            live: m.live.if_marks(out).unwrap_or_default(),
            spare: spare.and_then(|t| t.if_marks(&spare_path(out))),
            output: m.output,
        }
    }

    /// Writes the manifest; a failure only costs speed next time, so it is returned, not fatal.
    pub fn save(&self, path: &Path) -> io::Result<()> {
        let (live, spare) = (&self.live.files, self.spare.as_ref());
        let saved = Saved {
            output: self.output.clone(),
            live: &self.live,
            spare: spare.map(|t| SavedSpare {
                build: t.build.clone(),
                differs: live
                    .iter()
                    .filter(|(k, r)| t.files.get(*k) != Some(*r))
                    .map(|(k, _)| (k.as_str(), t.files.get(k).copied()))
                    .chain(
                        t.files
                            .iter()
                            .filter(|(k, _)| !live.contains_key(*k))
                            .map(|(k, r)| (k.as_str(), Some(*r))),
                    )
                    .collect::<HashMap<&str, Option<FileRecord>>>(),
            }),
        };
        // postcard, not JSON: at 10,000 services the manifests of the site and the handbook
        // took ~5 % of a repeated build's instructions to read.
        crate::cache::save_with(path, &mut |w| {
            w.write_all(MAGIC)?;
            postcard::to_io(&saved, w)
                .map(drop)
                .map_err(io::Error::other)
        })
    }

    /// Paths of the files recorded for the output folder (relative, with `/`).
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.live.files.keys().map(String::as_str)
    }

    /// Number of files recorded for the output folder.
    pub fn len(&self) -> usize {
        self.live.files.len()
    }

    /// True when no file of the output folder is recorded.
    pub fn is_empty(&self) -> bool {
        self.live.files.is_empty()
    }
}

pub(super) fn marker_text(build: &str) -> String {
    format!("{MARKER_TEXT}build {build}\n")
}

/// A fresh build id: time and process, enough to tell two builds of one folder apart.
pub(super) fn new_build_id() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    format!("{:x}-{:x}", now.as_nanos(), std::process::id())
}
