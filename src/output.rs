//! Writing the built site: into a folder beside the output, then swapped in, so a failed
//! build leaves the previous site untouched and readers never see half a site.
//!
//! Safety rule: yasno only ever replaces a folder it made itself (marked by
//! [`MARKER`]) or an empty one; nothing outside the output folder and yasno's own folders
//! beside it is deleted.
//!
//! Unchanged files are not written again. A [`Manifest`] (kept in the site's cache) records, for
//! each file of the current output, a hash of its contents and the identity of the file on disk
//! (size, modification time, inode). When a build makes a file with the same contents and the
//! file on disk is still the one recorded, the staging folder gets a hard link to it instead of a
//! copy. Unchanged files keep their modification time, so `rsync` and HTTP caches see only what
//! really changed. A staged path is never written through: it is written by creating a new
//! file, so a link can never carry a change back into the previous output.
//!
//! The previous output is not deleted after the swap but kept beside the output as the
//! *spare* (`.public.yasno-spare` for `public/`), and the next build is staged in it: a file
//! the spare already holds unchanged costs one `stat`, where a fresh staging folder needs a
//! folder, a link, and later a delete per file (at 10,000 services: 30,000 system calls less,
//! and no 20,000-file delete at the end of every build). The spare is trusted only as the
//! manifest describes it: its marker must name the build recorded, every file kept must still be
//! the recorded one, and a folder changed since that build (its modification time is later than
//! the marker's) is listed so that entries put there by hand are removed. Files are shared
//! between the output and the spare by hard links, so the spare costs little disk space.

use std::collections::HashSet;

use rustc_hash::FxHashMap as HashMap;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::render::OutputFile;

/// File that marks a folder as yasno's output, so it may be replaced.
pub const MARKER: &str = ".yasno-output";

/// Why the output could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The output folder exists, is not empty and was not made by yasno.
    #[error(
        "папка {0} не пуста и создана не yasno — не трогаю её / {0} is not empty and was not made by yasno; refusing to replace it (choose another --output or empty it)"
    )]
    NotOurs(PathBuf),
    /// An I/O error on a path.
    #[error("не удалось записать {path} / cannot write {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> OutputError + '_ {
    move |source| OutputError::Io {
        path: path.to_owned(),
        source,
    }
}

fn replaceable(dir: &Path) -> bool {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => dir.join(MARKER).is_file() || entries.next().is_none(),
        Err(_) => true,
    }
}

/// What is known of one file of a built output: enough to tell that the file on disk is still
/// the one written, and what it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct FileRecord {
    /// xxh3-128 of the contents.
    hash: u128,
    len: u64,
    /// Modification time, nanoseconds since the epoch.
    mtime_ns: i128,
    /// Inode number (0 where the platform has none).
    ino: u64,
    /// For a file made from known inputs (see [`Staging::reuse_derived`]), a hash of them;
    /// 0 for other files.
    #[serde(default, skip_serializing_if = "is_zero")]
    source: u128,
}

fn is_zero(n: &u128) -> bool {
    *n == 0
}

impl FileRecord {
    fn of(hash: u128, meta: &std::fs::Metadata) -> Self {
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
    fn is_at(&self, path: &Path) -> bool {
        std::fs::symlink_metadata(path).is_ok_and(|meta| {
            let now = FileRecord::of(self.hash, &meta);
            meta.is_file()
                && (now.len, now.mtime_ns, now.ino) == (self.len, self.mtime_ns, self.ino)
        })
    }

    /// This record, if the file at `path` is still the one it describes and holds `hash`.
    fn still_at(&self, path: &Path, hash: u128, len: usize) -> Option<FileRecord> {
        (self.holds(hash, len) && self.is_at(path)).then_some(*self)
    }

    /// True when the recorded contents are `len` bytes hashing to `hash`.
    fn holds(&self, hash: u128, len: usize) -> bool {
        self.hash == hash && self.len == len as u64
    }
}

/// One built folder: the build that made it (named in its marker) and its files.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
struct Tree {
    build: String,
    files: HashMap<String, FileRecord>,
}

impl Tree {
    /// This tree, if `dir`'s marker names its build; `None` otherwise.
    fn if_marks(self, dir: &Path) -> Option<Tree> {
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
    output: PathBuf,
    /// The output folder.
    live: Tree,
    /// The spare beside it: the output before the last build.
    spare: Option<Tree>,
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

/// First line of the marker; the second names the build (`build <id>`).
const MARKER_TEXT: &str = "built by yasno\n";

impl Manifest {
    /// Reads the manifest at `path`, keeping what still describes `out` and its spare; any
    /// doubt gives empty records (every file is then written).
    pub fn load(path: &Path, out: &Path) -> Manifest {
        let Ok(bytes) = std::fs::read(path) else {
            return Manifest::default();
        };
        let Ok(m) = serde_json::from_slice::<SavedOwned>(&bytes) else {
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
        let bytes = serde_json::to_vec(&saved).map_err(io::Error::other)?;
        crate::cache::save(path, &bytes)
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

fn marker_text(build: &str) -> String {
    format!("{MARKER_TEXT}build {build}\n")
}

/// A fresh build id: time and process, enough to tell two builds of one folder apart.
fn new_build_id() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    format!("{:x}-{:x}", now.as_nanos(), std::process::id())
}

/// Where the spare of the output folder `out` is kept: `.public.yasno-spare` beside `public/`.
pub fn spare_path(out: &Path) -> PathBuf {
    let (parent, name) = parent_and_name(out);
    parent.join(format!(".{name}.yasno-spare"))
}

fn parent_and_name(out: &Path) -> (PathBuf, String) {
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    let name = out
        .file_name()
        .map_or_else(|| "public".into(), |n| n.to_string_lossy().into_owned());
    (parent, name)
}

/// The folders that hold `files` (relative paths; `""` is the top), each with its parents.
fn folders_of<'a>(files: impl Iterator<Item = &'a String>) -> HashSet<&'a str> {
    let mut dirs = HashSet::from([""]);
    for f in files {
        let mut rest = f.as_str();
        while let Some(i) = rest.rfind('/') {
            rest = &rest[..i];
            if !dirs.insert(rest) {
                break;
            }
        }
    }
    dirs
}

/// Removes from the spare `dir` every entry its record `tree` does not list, looking only into
/// folders changed after the spare's marker was written (the top folder is always looked at).
fn prune_unknown(dir: &Path, tree: &Tree) -> io::Result<()> {
    let built = std::fs::symlink_metadata(dir.join(MARKER))?.modified()?;
    let folders = folders_of(tree.files.keys());
    folders.par_iter().try_for_each(|rel| {
        let path = dir.join(rel);
        let meta = match std::fs::symlink_metadata(&path) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        if !meta.is_dir() {
            return remove_any(&path);
        }
        if !rel.is_empty() && meta.modified()? <= built {
            return Ok(());
        }
        for entry in std::fs::read_dir(&path)? {
            let entry = entry?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let child = if rel.is_empty() {
                name.into_owned()
            } else {
                format!("{rel}/{name}")
            };
            let known = if entry.file_type()?.is_dir() {
                folders.contains(child.as_str())
            } else {
                tree.files.contains_key(&child) || child == MARKER
            };
            if !known {
                remove_any(&entry.path())?;
            }
        }
        Ok(())
    })
}

/// Removes a file, a link or a whole folder at `path`.
fn remove_any(path: &Path) -> io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => remove_tree(path),
        Ok(_) => std::fs::remove_file(path),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

/// The staging folder. Dropped uncommitted, it is deleted; but when it is the spare and
/// nothing was put in it yet, it goes back to its place, so a build that stops on a content
/// mistake before rendering keeps the spare for the next one.
struct StagingDir {
    dir: Option<tempfile::TempDir>,
    /// Where the folder was taken from, when it is the spare.
    spare: Option<PathBuf>,
    touched: AtomicBool,
}

impl StagingDir {
    fn path(&self) -> &Path {
        self.dir.as_ref().expect("kept only by commit").path()
    }

    /// Notes that the folder no longer holds the spare as the manifest records it.
    fn touch(&self) {
        self.touched.store(true, Ordering::Relaxed);
    }

    /// The folder, no longer deleted when dropped.
    fn keep(mut self) -> PathBuf {
        self.dir.take().expect("kept once").keep()
    }
}

impl Drop for StagingDir {
    fn drop(&mut self) {
        if let (Some(dir), Some(spare)) = (&self.dir, &self.spare)
            && !self.touched.load(Ordering::Relaxed)
        {
            // Moved back whole; the temporary folder's own drop then finds nothing to delete.
            let _ = std::fs::rename(dir.path(), spare);
        }
    }
}

/// A folder beside the output that a build fills; [`Staging::commit`] swaps it in, and
/// dropping it without committing deletes it, leaving the previous output untouched.
pub struct Staging {
    dir: StagingDir,
    out: PathBuf,
    parent: PathBuf,
    /// The files of the current output, from its manifest (empty: nothing is linked, and the
    /// output is deleted, not kept as the spare, after the swap).
    live: Tree,
    /// The files already in the staging folder: the spare's, when it was taken.
    reused: HashMap<String, FileRecord>,
    /// What this build put in the staging folder.
    staged: Mutex<HashMap<String, FileRecord>>,
    linked: AtomicUsize,
    kept: AtomicUsize,
}

/// Counts of a committed output: files written anew, linked and kept unchanged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Committed {
    /// Files written.
    pub written: usize,
    /// Unchanged files linked from the previous output.
    pub linked: usize,
    /// Unchanged files the spare already held.
    pub kept: usize,
}

impl Committed {
    /// Files not written because they were unchanged.
    pub fn unchanged(&self) -> usize {
        self.linked + self.kept
    }
}

impl Staging {
    /// Prepares a staging folder for `out`, refusing folders yasno did not make. Every file
    /// will be written.
    pub fn new(out: &Path) -> Result<Self, OutputError> {
        Self::with_previous(out, Manifest::default())
    }

    /// Like [`Staging::new`], keeping or linking the files that `previous` (the manifest of
    /// the current output and its spare, see [`Manifest::load`]) shows unchanged instead of
    /// writing them. The spare, when `previous` describes it, becomes the staging folder.
    pub fn with_previous(out: &Path, previous: Manifest) -> Result<Self, OutputError> {
        if out.exists() && !replaceable(out) {
            return Err(OutputError::NotOurs(out.to_owned()));
        }
        let (parent, name) = parent_and_name(out);
        std::fs::create_dir_all(&parent).map_err(io_err(&parent))?;
        let dir = tempfile::Builder::new()
            .prefix(&format!(".{name}.new-"))
            .tempdir_in(&parent)
            .map_err(io_err(&parent))?;
        let spare = spare_path(out);
        // The spare is moved to the staging name first, so that a build that fails or is
        // interrupted never leaves a half-changed folder under the spare's name.
        // A real folder only: a link there would lead the build's writes elsewhere.
        let reused = previous.spare.filter(|tree| {
            std::fs::symlink_metadata(&spare).is_ok_and(|m| m.is_dir())
                && prune_unknown(&spare, tree).is_ok()
                && std::fs::rename(&spare, dir.path()).is_ok()
        });
        let dir = StagingDir {
            dir: Some(dir),
            spare: reused.is_some().then_some(spare),
            touched: AtomicBool::new(false),
        };
        let reused = reused.map(|tree| tree.files).unwrap_or_default();
        Ok(Self {
            dir,
            out: out.to_owned(),
            parent,
            live: previous.live,
            reused,
            staged: Mutex::new(HashMap::default()),
            linked: AtomicUsize::new(0),
            kept: AtomicUsize::new(0),
        })
    }

    /// Puts one file into the staging folder (safe to call from many threads): keeps the
    /// spare's copy, or links the previous output's, when its contents are the same and it is
    /// untouched on disk; writes it otherwise.
    pub fn write(&self, f: &OutputFile) -> Result<(), OutputError> {
        self.write_derived(f, 0)
    }

    /// Puts a file made from inputs whose hash is `source` when they are known (0 when not),
    /// so that the next build can [`Staging::reuse_derived`] it without making it.
    pub fn write_derived(&self, f: &OutputFile, source: u128) -> Result<(), OutputError> {
        let p = self.dir.path().join(&f.path);
        let hash = xxhash_rust::xxh3::xxh3_128(&f.bytes);
        let len = f.bytes.len();
        let kept = self
            .reused
            .get(&f.path)
            .and_then(|r| r.still_at(&p, hash, len));
        let (record, counter) = if let Some(r) = kept {
            (r, Some(&self.kept))
        } else if let Some(r) = self.link_unchanged(&f.path, hash, len, &p)? {
            (r, Some(&self.linked))
        } else {
            let meta = self
                .place(&f.path, &p, |p| write_new(p, &f.bytes))
                .map_err(io_err(&p))?;
            (FileRecord::of(hash, &meta), None)
        };
        let record = FileRecord { source, ..record };
        self.record(f.path.clone(), record, &p)?;
        if let Some(c) = counter {
            c.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    }

    /// Keeps or links, without making it, the file `rel` made from inputs whose hash is
    /// `source` (a QR code from its URL and options, say), when the spare or the previous
    /// output holds the one made from the same inputs, untouched. False: make it and call
    /// [`Staging::write_derived`].
    pub fn reuse_derived(&self, rel: &str, source: u128) -> Result<bool, OutputError> {
        if source == 0 {
            return Ok(false);
        }
        let p = self.dir.path().join(rel);
        let made_from = |r: &&FileRecord| r.source == source;
        let (record, counter) = match self.reused.get(rel).filter(made_from) {
            Some(r) if r.is_at(&p) => (*r, &self.kept),
            _ => match self.live.files.get(rel).filter(made_from) {
                Some(r) if self.link_previous(rel, r, &p)? => (*r, &self.linked),
                _ => return Ok(false),
            },
        };
        self.record(rel.to_owned(), record, &p)?;
        counter.fetch_add(1, Ordering::Relaxed);
        Ok(true)
    }

    /// Notes that this build made `rel`; a second file at one path is an error.
    fn record(&self, rel: String, record: FileRecord, path: &Path) -> Result<(), OutputError> {
        let mut staged = self
            .staged
            .lock()
            .expect("no panics while holding the lock");
        match staged.insert(rel, record) {
            None => Ok(()),
            Some(_) => Err(io_err(path)(io::ErrorKind::AlreadyExists.into())),
        }
    }

    /// Makes the entry `rel` (at `path`) with `make`, which must create it anew: whatever the
    /// spare held there is removed first, and missing folders are made.
    fn place<T>(
        &self,
        rel: &str,
        path: &Path,
        make: impl Fn(&Path) -> io::Result<T>,
    ) -> io::Result<T> {
        self.dir.touch();
        if self.reused.contains_key(rel) && self.is_stale(rel) {
            match std::fs::remove_file(path) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        }
        match make(path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                self.make_parents(path)?;
                make(path)
            }
            // A folder of the spare's where this build puts a file.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && self.is_stale(rel) => {
                remove_any(path)?;
                make(path)
            }
            r => r,
        }
    }

    /// Makes the folders above `path`, removing files of the spare's that stand in the way.
    fn make_parents(&self, path: &Path) -> io::Result<()> {
        let Some(dir) = path.parent() else {
            return Ok(());
        };
        if std::fs::create_dir_all(dir).is_ok() {
            return Ok(());
        }
        for above in dir.ancestors().collect::<Vec<_>>().into_iter().rev() {
            let Ok(rel) = above.strip_prefix(self.dir.path()) else {
                continue;
            };
            let rel = rel.to_string_lossy().replace('\\', "/");
            if !rel.is_empty()
                && std::fs::symlink_metadata(above).is_ok_and(|m| !m.is_dir())
                && self.is_stale(&rel)
            {
                std::fs::remove_file(above)?;
            }
        }
        std::fs::create_dir_all(dir)
    }

    /// True when `rel` is not a file of this build (so an entry there is the spare's).
    fn is_stale(&self, rel: &str) -> bool {
        !self
            .staged
            .lock()
            .expect("no panics while holding the lock")
            .contains_key(rel)
    }

    /// Links the previous output's `rel` to `to` if it holds `hash` and is still the file
    /// the manifest recorded; its record, or `None` to write the file instead.
    fn link_unchanged(
        &self,
        rel: &str,
        hash: u128,
        len: usize,
        to: &Path,
    ) -> Result<Option<FileRecord>, OutputError> {
        match self.live.files.get(rel) {
            Some(old) if old.holds(hash, len) => {
                Ok(self.link_previous(rel, old, to)?.then_some(*old))
            }
            _ => Ok(None),
        }
    }

    /// Links the previous output's `rel` to `to` if `old`, its record, still describes the
    /// file there. False: make the file instead.
    fn link_previous(&self, rel: &str, old: &FileRecord, to: &Path) -> Result<bool, OutputError> {
        let from = self.out.join(rel);
        if !old.is_at(&from) {
            return Ok(false);
        }
        match self.place(rel, to, |to| std::fs::hard_link(&from, to)) {
            Ok(()) => Ok(true),
            // Another file system, or no hard links there: write it.
            Err(e) if e.kind() != io::ErrorKind::AlreadyExists => Ok(false),
            Err(e) => Err(io_err(to)(e)),
        }
    }

    /// Puts the staged site in place of the output, keeping the previous one as the spare when
    /// the manifest described it (deleting it otherwise). Returns the manifest of the new
    /// output and its spare (to save for the next build) and what was written.
    pub fn commit(self) -> Result<(Manifest, Committed), OutputError> {
        let Staging {
            dir,
            out,
            parent,
            live,
            reused,
            staged,
            linked,
            kept,
        } = self;
        dir.touch();
        let files = staged
            .into_inner()
            .expect("no panics while holding the lock");
        // What the spare held that this build did not make, then the folders it leaves empty
        // (deepest first; a folder still in use is not empty and stays).
        let stale: Vec<&String> = reused.keys().filter(|k| !files.contains_key(*k)).collect();
        stale.par_iter().try_for_each(|rel| {
            remove_any(&dir.path().join(rel)).map_err(io_err(&dir.path().join(rel)))
        })?;
        let mut emptied: Vec<&str> = folders_of(stale.iter().copied())
            .into_iter()
            .filter(|d| !d.is_empty())
            .collect();
        emptied.sort_by_key(|d| std::cmp::Reverse(d.matches('/').count()));
        for d in emptied {
            let _ = std::fs::remove_dir(dir.path().join(d));
        }
        let build = new_build_id();
        let marker = dir.path().join(MARKER);
        let _ = std::fs::remove_file(&marker);
        std::fs::write(&marker, marker_text(&build)).map_err(io_err(&marker))?;
        let staged = dir.keep();
        // The previous output becomes the spare only if the manifest knew its files.
        let keep_previous = !live.build.is_empty();
        let previous = if out.exists() {
            let (previous, aside) = swap(&staged, &out, &parent).inspect_err(|_| {
                let _ = std::fs::remove_dir_all(&staged);
            })?;
            let spare = spare_path(&out);
            let free = match std::fs::symlink_metadata(&spare) {
                Err(_) => true,
                Ok(m) => m.is_dir() && replaceable(&spare) && remove_tree(&spare).is_ok(),
            };
            // The previous output is kept only if it is a real folder the manifest knew.
            let keep_previous =
                keep_previous && std::fs::symlink_metadata(&previous).is_ok_and(|m| m.is_dir());
            let kept = keep_previous && free && std::fs::rename(&previous, &spare).is_ok();
            if !kept && remove_tree(&previous).is_err() {
                let _ = std::fs::remove_dir_all(&previous);
            }
            if let Some(aside) = aside {
                let _ = std::fs::remove_dir(aside);
            }
            kept.then_some(live)
        } else {
            std::fs::rename(&staged, &out).map_err(|e| {
                let _ = std::fs::remove_dir_all(&staged);
                io_err(&out)(e)
            })?;
            None
        };
        let (linked, kept) = (linked.into_inner(), kept.into_inner());
        let committed = Committed {
            written: files.len() - linked - kept,
            linked,
            kept,
        };
        Ok((
            Manifest {
                output: std::path::absolute(&out).unwrap_or(out),
                live: Tree { build, files },
                spare: previous,
            },
            committed,
        ))
    }
}

/// Puts the folder `staged` in place of `out`; returns where the previous `out` now is. On
/// Linux the two are exchanged in one step, so `out` is never missing; elsewhere the previous
/// output is first moved aside, into a temporary folder beside it (also returned, to delete).
fn swap(
    staged: &Path,
    out: &Path,
    parent: &Path,
) -> Result<(PathBuf, Option<PathBuf>), OutputError> {
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{CWD, RenameFlags, renameat_with};
        if renameat_with(CWD, staged, CWD, out, RenameFlags::EXCHANGE).is_ok() {
            return Ok((staged.to_owned(), None));
        }
    }
    let name = parent_and_name(out).1;
    let aside = tempfile::Builder::new()
        .prefix(&format!(".{name}.old-"))
        .tempdir_in(parent)
        .map_err(io_err(parent))?
        .keep();
    let old = aside.join("site");
    std::fs::rename(out, &old).map_err(io_err(out))?;
    if let Err(e) = std::fs::rename(staged, out) {
        let _ = std::fs::rename(&old, out);
        let _ = std::fs::remove_dir(&aside);
        return Err(io_err(out)(e));
    }
    Ok((old, Some(aside)))
}

/// A file being written into the staging folder piece by piece (see
/// [`Staging::create_pieces`]); it is recorded when [`Staging::finish_pieces`] takes it.
pub struct PieceFile {
    rel: String,
    path: PathBuf,
    file: io::BufWriter<std::fs::File>,
    hash: xxhash_rust::xxh3::Xxh3,
}

impl PieceFile {
    /// Appends `piece`.
    pub fn write(&mut self, piece: &[u8]) -> Result<(), OutputError> {
        self.hash.update(piece);
        self.file.write_all(piece).map_err(io_err(&self.path))
    }
}

impl Staging {
    /// Starts a file that is written in pieces, for one too big to hold in memory whole. It
    /// is always written (never linked from the previous output).
    pub fn create_pieces(&self, rel: &str) -> Result<PieceFile, OutputError> {
        let path = self.dir.path().join(rel);
        let file = self.place(rel, &path, create_new).map_err(io_err(&path))?;
        Ok(PieceFile {
            rel: rel.to_owned(),
            file: io::BufWriter::with_capacity(256 * 1024, file),
            path,
            hash: xxhash_rust::xxh3::Xxh3::new(),
        })
    }

    /// Completes a file started with [`Staging::create_pieces`].
    pub fn finish_pieces(&self, f: PieceFile) -> Result<(), OutputError> {
        let PieceFile {
            rel,
            path,
            file,
            hash,
        } = f;
        let file = file
            .into_inner()
            .map_err(|e| io_err(&path)(e.into_error()))?;
        let meta = file.metadata().map_err(io_err(&path))?;
        self.record(rel, FileRecord::of(hash.digest128(), &meta), &path)
    }
}

/// Creates `path`, which must not exist: a staged path is never written twice, and never
/// written through a link.
fn create_new(path: &Path) -> io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

/// Creates `path` (see [`create_new`]) and writes `bytes`; the new file's metadata.
fn write_new(path: &Path, bytes: &[u8]) -> io::Result<std::fs::Metadata> {
    let mut file = create_new(path)?;
    file.write_all(bytes)?;
    file.metadata()
}

/// Deletes the folder `dir` and everything in it, the entries of each folder in parallel (a
/// site has thousands of page folders). Symbolic links are removed, never followed.
fn remove_tree(dir: &Path) -> io::Result<()> {
    // A link given as the folder (an output folder that is a link, moved aside by the swap)
    // is removed itself: what it points to is not ours to delete.
    if std::fs::symlink_metadata(dir)?.file_type().is_symlink() {
        return std::fs::remove_file(dir);
    }
    let entries = std::fs::read_dir(dir)?.collect::<io::Result<Vec<_>>>()?;
    entries.par_iter().try_for_each(|e| {
        if e.file_type()?.is_dir() {
            remove_tree(&e.path())
        } else {
            std::fs::remove_file(e.path())
        }
    })?;
    std::fs::remove_dir(dir)
}

/// Writes `files` into `out` atomically: a sibling temp folder is filled, then renamed over.
pub fn write_site(out: &Path, files: &[OutputFile]) -> Result<(), OutputError> {
    let staging = Staging::new(out)?;
    files.par_iter().try_for_each(|f| staging.write(f))?;
    staging.commit().map(|_| ())
}

/// Writes files under `dir` in parallel, creating folders as needed.
pub fn write_files(dir: &Path, files: &[OutputFile]) -> Result<(), OutputError> {
    let mut dirs: Vec<PathBuf> = files
        .iter()
        .filter_map(|f| dir.join(&f.path).parent().map(Path::to_owned))
        .collect();
    dirs.sort();
    dirs.dedup();
    for d in &dirs {
        std::fs::create_dir_all(d).map_err(io_err(d))?;
    }
    files.par_iter().try_for_each(|f| {
        let p = dir.join(&f.path);
        std::fs::write(&p, &f.bytes).map_err(io_err(&p))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(p: &str, s: &str) -> OutputFile {
        OutputFile {
            path: p.into(),
            bytes: s.as_bytes().to_vec(),
        }
    }

    fn counts(written: usize, linked: usize, kept: usize) -> Committed {
        Committed {
            written,
            linked,
            kept,
        }
    }

    fn read(p: &Path) -> String {
        std::fs::read_to_string(p).unwrap()
    }

    /// Names in `dir`, sorted.
    fn names(dir: &Path) -> Vec<String> {
        let mut n: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        n.sort();
        n
    }

    #[test]
    fn replaces_its_own_output_and_leaves_no_temp_folders() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("public");
        write_site(&out, &[file("a/index.html", "1"), file("old.txt", "x")]).unwrap();
        write_site(&out, &[file("a/index.html", "2")]).unwrap();
        assert_eq!(read(&out.join("a/index.html")), "2");
        assert!(!out.join("old.txt").exists());
        // Without a manifest the previous output is unknown: it is deleted, not kept.
        assert_eq!(names(tmp.path()), ["public"]);
    }

    /// Builds `files` into `out` the way `yasno build` does: with the manifest at `manifest`.
    fn build(out: &Path, manifest: &Path, files: &[OutputFile]) -> Committed {
        let staging = Staging::with_previous(out, Manifest::load(manifest, out)).unwrap();
        files.iter().for_each(|f| staging.write(f).unwrap());
        let (m, committed) = staging.commit().unwrap();
        m.save(manifest).unwrap();
        committed
    }

    #[cfg(unix)]
    fn ino(p: &Path) -> u64 {
        std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(p).unwrap())
    }

    #[cfg(unix)]
    #[test]
    fn unchanged_files_are_linked_and_changed_ones_written() {
        let tmp = tempfile::tempdir().unwrap();
        let (out, manifest) = (tmp.path().join("public"), tmp.path().join("output.json"));
        let first = build(
            &out,
            &manifest,
            &[file("a/index.html", "A"), file("b.txt", "B")],
        );
        assert_eq!(first, counts(2, 0, 0));
        let (a, b) = (ino(&out.join("a/index.html")), ino(&out.join("b.txt")));
        let second = build(
            &out,
            &manifest,
            &[file("a/index.html", "A"), file("b.txt", "B2")],
        );
        assert_eq!(second, counts(1, 1, 0));
        assert_eq!(
            ino(&out.join("a/index.html")),
            a,
            "the unchanged file is the same file"
        );
        assert_ne!(ino(&out.join("b.txt")), b, "the changed file is a new file");
        assert_eq!(read(&out.join("b.txt")), "B2");
        // The previous output is the spare now, sharing the unchanged file.
        let spare = spare_path(&out);
        assert_eq!(read(&spare.join("b.txt")), "B");
        assert_eq!(ino(&spare.join("a/index.html")), a);
    }

    #[cfg(unix)]
    #[test]
    fn the_spare_becomes_the_next_output_keeping_its_unchanged_files() {
        let tmp = tempfile::tempdir().unwrap();
        let (out, manifest) = (tmp.path().join("public"), tmp.path().join("output.json"));
        let spare = spare_path(&out);
        build(
            &out,
            &manifest,
            &[
                file("a/index.html", "A"),
                file("b.txt", "B"),
                file("gone/x/index.html", "X"),
            ],
        );
        build(
            &out,
            &manifest,
            &[file("a/index.html", "A"), file("b.txt", "B2")],
        );
        let spare_b = ino(&spare.join("b.txt"));
        // The third build is staged in the spare (the first output): `a` is kept there, `b`
        // linked from the second output, `gone/` removed, `c` written.
        let third = build(
            &out,
            &manifest,
            &[
                file("a/index.html", "A"),
                file("b.txt", "B2"),
                file("c.txt", "C"),
            ],
        );
        assert_eq!(third, counts(1, 1, 1));
        assert_eq!(names(&out), [MARKER, "a", "b.txt", "c.txt"]);
        assert_eq!(read(&out.join("b.txt")), "B2");
        assert_ne!(
            ino(&out.join("b.txt")),
            spare_b,
            "written anew, not through"
        );
        assert_eq!(
            read(&spare.join("b.txt")),
            "B2",
            "the second output is intact"
        );
        assert_eq!(
            names(tmp.path()),
            [".public.yasno-spare", "output.json", "public"]
        );
        // Nothing is written when nothing changed, two builds in a row.
        let files = [
            file("a/index.html", "A"),
            file("b.txt", "B2"),
            file("c.txt", "C"),
        ];
        assert_eq!(build(&out, &manifest, &files), counts(0, 1, 2));
        assert_eq!(build(&out, &manifest, &files), counts(0, 0, 3));
    }

    #[test]
    fn a_saved_manifest_reads_back_both_folders() {
        let tmp = tempfile::tempdir().unwrap();
        let (out, manifest) = (tmp.path().join("public"), tmp.path().join("output.json"));
        build(
            &out,
            &manifest,
            &[file("a", "A"), file("b", "B"), file("old", "O")],
        );
        let staging = Staging::with_previous(&out, Manifest::load(&manifest, &out)).unwrap();
        for f in [file("a", "A"), file("b", "B2"), file("new", "N")] {
            staging.write(&f).unwrap();
        }
        let (m, _) = staging.commit().unwrap();
        m.save(&manifest).unwrap();
        let back = Manifest::load(&manifest, &out);
        assert_eq!(back.live.files, m.live.files);
        let (spare, saved) = (back.spare.unwrap(), m.spare.unwrap());
        assert_eq!(spare.files, saved.files);
        assert_eq!(spare.build, saved.build);
        let mut names: Vec<&String> = spare.files.keys().collect();
        names.sort();
        assert_eq!(names, ["a", "b", "old"]);
    }

    #[test]
    fn files_put_into_the_output_by_hand_do_not_come_back_with_the_spare() {
        let tmp = tempfile::tempdir().unwrap();
        let (out, manifest) = (tmp.path().join("public"), tmp.path().join("output.json"));
        let files = [file("a/index.html", "A"), file("b.txt", "B")];
        build(&out, &manifest, &files);
        // Written a moment later than the marker, so its folder is seen as changed.
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(out.join("hand.txt"), "by hand").unwrap();
        std::fs::write(out.join("a/hand.txt"), "by hand").unwrap();
        std::fs::create_dir(out.join("a/dir")).unwrap();
        std::fs::write(out.join("a/dir/x"), "by hand").unwrap();
        // The next build drops them; the one after stages in that output (now the spare).
        build(&out, &manifest, &files);
        assert_eq!(names(&out), [MARKER, "a", "b.txt"]);
        assert_eq!(build(&out, &manifest, &files), counts(0, 0, 2));
        assert_eq!(names(&out), [MARKER, "a", "b.txt"]);
        assert_eq!(names(&out.join("a")), ["index.html"]);
    }

    #[test]
    fn a_spare_file_changed_by_hand_is_written_again() {
        let tmp = tempfile::tempdir().unwrap();
        let (out, manifest) = (tmp.path().join("public"), tmp.path().join("output.json"));
        let files = [file("a.txt", "right"), file("b.txt", "B")];
        build(&out, &manifest, &files);
        build(&out, &manifest, &files);
        // Replaced, not written through: the spare shares its unchanged files with the output.
        let a = spare_path(&out).join("a.txt");
        std::fs::remove_file(&a).unwrap();
        std::fs::write(&a, "edited by hand").unwrap();
        assert_eq!(build(&out, &manifest, &files), counts(0, 1, 1));
        assert_eq!(read(&out.join("a.txt")), "right");
    }

    #[test]
    fn a_file_written_in_pieces_holds_them_in_order_and_is_recorded() {
        let tmp = tempfile::tempdir().unwrap();
        let (out, manifest) = (tmp.path().join("public"), tmp.path().join("output.json"));
        let staging = Staging::with_previous(&out, Manifest::load(&manifest, &out)).unwrap();
        let mut f = staging.create_pieces("faq/index.html").unwrap();
        for piece in ["<h1>", "Вопросы", "</h1>"] {
            f.write(piece.as_bytes()).unwrap();
        }
        staging.finish_pieces(f).unwrap();
        // A path is written once: a second file there is an error, never a write through.
        assert!(staging.create_pieces("faq/index.html").is_err());
        let (m, committed) = staging.commit().unwrap();
        m.save(&manifest).unwrap();
        assert_eq!(committed, counts(1, 0, 0));
        let page = read(&out.join("faq/index.html"));
        assert_eq!(page, "<h1>Вопросы</h1>");
        // Its record is right: the same bytes, built whole next time, are linked.
        let next = build(&out, &manifest, &[file("faq/index.html", &page)]);
        assert_eq!(next, counts(0, 1, 0));
    }

    #[test]
    fn a_file_made_from_the_same_inputs_is_reused_without_being_made() {
        let tmp = tempfile::tempdir().unwrap();
        let (out, manifest) = (tmp.path().join("public"), tmp.path().join("output.json"));
        // One build: `qr.svg` made from inputs named 7 (made, unless reused).
        let build = |source: u128, bytes: &str| {
            let staging = Staging::with_previous(&out, Manifest::load(&manifest, &out)).unwrap();
            let reused = staging.reuse_derived("a/qr.svg", source).unwrap();
            if !reused {
                staging
                    .write_derived(&file("a/qr.svg", bytes), source)
                    .unwrap();
            }
            let (m, committed) = staging.commit().unwrap();
            m.save(&manifest).unwrap();
            (reused, committed)
        };
        assert_eq!(build(7, "seven"), (false, counts(1, 0, 0)));
        assert_eq!(build(7, "-"), (true, counts(0, 1, 0)), "linked");
        assert_eq!(build(7, "-"), (true, counts(0, 0, 1)), "kept in the spare");
        assert_eq!(read(&out.join("a/qr.svg")), "seven");
        assert_eq!(build(8, "eight"), (false, counts(1, 0, 0)), "other inputs");
        assert_eq!(read(&out.join("a/qr.svg")), "eight");
        // Changed by hand (in the output and, through the link, the spare): made again.
        std::fs::write(out.join("a/qr.svg"), "by hand").unwrap();
        assert_eq!(build(8, "eight"), (false, counts(1, 0, 0)));
        assert_eq!(read(&out.join("a/qr.svg")), "eight");
        // A file recorded without its inputs is never taken for one made from them.
        let staging = Staging::with_previous(&out, Manifest::load(&manifest, &out)).unwrap();
        assert!(!staging.reuse_derived("a/qr.svg", 0).unwrap());
    }

    #[test]
    fn a_path_made_twice_in_one_build_is_an_error() {
        let tmp = tempfile::tempdir().unwrap();
        let (out, manifest) = (tmp.path().join("public"), tmp.path().join("output.json"));
        for _ in 0..3 {
            let staging = Staging::with_previous(&out, Manifest::load(&manifest, &out)).unwrap();
            staging.write(&file("a.txt", "A")).unwrap();
            assert!(staging.write(&file("a.txt", "A")).is_err());
            let (m, _) = staging.commit().unwrap();
            m.save(&manifest).unwrap();
        }
    }

    #[test]
    fn a_file_changed_by_hand_is_written_again() {
        let tmp = tempfile::tempdir().unwrap();
        let (out, manifest) = (tmp.path().join("public"), tmp.path().join("output.json"));
        build(&out, &manifest, &[file("a.txt", "right")]);
        std::fs::write(out.join("a.txt"), "edited by hand").unwrap();
        let again = build(&out, &manifest, &[file("a.txt", "right")]);
        assert_eq!(again, counts(1, 0, 0));
        assert_eq!(read(&out.join("a.txt")), "right");
    }

    #[test]
    fn a_file_and_a_folder_may_trade_places_between_builds() {
        let tmp = tempfile::tempdir().unwrap();
        let (out, manifest) = (tmp.path().join("public"), tmp.path().join("output.json"));
        let one = [file("x/index.html", "dir"), file("y", "file")];
        let two = [file("x", "file"), file("y/index.html", "dir")];
        for files in [&one, &two, &one, &two] {
            build(&out, &manifest, files);
            for f in files {
                assert_eq!(read(&out.join(&f.path)), String::from_utf8_lossy(&f.bytes));
            }
        }
    }

    #[test]
    fn a_failed_build_leaves_the_previous_output_intact() {
        let tmp = tempfile::tempdir().unwrap();
        let (out, manifest) = (tmp.path().join("public"), tmp.path().join("output.json"));
        build(&out, &manifest, &[file("a.txt", "A"), file("b.txt", "B0")]);
        build(&out, &manifest, &[file("a.txt", "A"), file("b.txt", "B")]);
        {
            // Staged in the spare; dropped without commit, as when a later page fails.
            let staging = Staging::with_previous(&out, Manifest::load(&manifest, &out)).unwrap();
            staging.write(&file("a.txt", "A")).unwrap();
            staging.write(&file("b.txt", "new")).unwrap();
            staging.write(&file("c.txt", "C")).unwrap();
        }
        assert_eq!(read(&out.join("a.txt")), "A");
        assert_eq!(read(&out.join("b.txt")), "B");
        assert_eq!(names(&out), [MARKER, "a.txt", "b.txt"]);
        // The staging folder (the spare it took) is gone.
        assert_eq!(names(tmp.path()), ["output.json", "public"]);
        // The manifest still describes the output: the next build links both unchanged files.
        let next = build(&out, &manifest, &[file("a.txt", "A"), file("b.txt", "B")]);
        assert_eq!(next, counts(0, 2, 0));
    }

    #[test]
    fn a_build_that_stops_before_writing_keeps_the_spare() {
        let tmp = tempfile::tempdir().unwrap();
        let (out, manifest) = (tmp.path().join("public"), tmp.path().join("output.json"));
        let files = [file("a.txt", "A"), file("b.txt", "B")];
        build(&out, &manifest, &files);
        build(&out, &manifest, &files);
        // Taken as the staging folder, then dropped untouched (a content mistake).
        drop(Staging::with_previous(&out, Manifest::load(&manifest, &out)).unwrap());
        assert_eq!(
            names(tmp.path()),
            [".public.yasno-spare", "output.json", "public"]
        );
        assert_eq!(build(&out, &manifest, &files), counts(0, 0, 2));
    }

    #[test]
    fn a_manifest_of_another_folder_or_build_is_ignored() {
        let tmp = tempfile::tempdir().unwrap();
        let manifest = tmp.path().join("output.json");
        let (one, two) = (tmp.path().join("one"), tmp.path().join("two"));
        build(&one, &manifest, &[file("a.txt", "A")]);
        assert!(Manifest::load(&manifest, &two).is_empty());
        // The same folder rebuilt without this manifest: its marker names another build.
        let m = Manifest::load(&manifest, &one);
        assert_eq!(m.len(), 1);
        write_site(&one, &[file("a.txt", "A")]).unwrap();
        assert!(Manifest::load(&manifest, &one).is_empty());
    }

    #[test]
    fn refuses_to_replace_a_folder_it_did_not_make() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("precious.txt"), "keep").unwrap();
        let err = write_site(tmp.path(), &[file("index.html", "x")]).unwrap_err();
        assert!(matches!(err, OutputError::NotOurs(_)));
        assert_eq!(read(&tmp.path().join("precious.txt")), "keep");
    }

    #[cfg(unix)]
    #[test]
    fn an_output_folder_that_is_a_link_is_replaced_and_its_target_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let (real, out, manifest) = (
            tmp.path().join("real"),
            tmp.path().join("public"),
            tmp.path().join("output.json"),
        );
        write_site(&real, &[file("a.txt", "real")]).unwrap();
        std::os::unix::fs::symlink(&real, &out).unwrap();
        for s in ["1", "2", "3", "4"] {
            build(&out, &manifest, &[file("a.txt", s)]);
            assert_eq!(read(&out.join("a.txt")), s);
        }
        assert!(!std::fs::symlink_metadata(&out).unwrap().is_symlink());
        assert_eq!(
            read(&real.join("a.txt")),
            "real",
            "the link's target is untouched"
        );
        // A link put where the spare goes is never followed either.
        let spare = spare_path(&out);
        std::fs::remove_dir_all(&spare).unwrap();
        std::os::unix::fs::symlink(&real, &spare).unwrap();
        for s in ["5", "6", "7"] {
            build(&out, &manifest, &[file("a.txt", s)]);
            assert_eq!(read(&out.join("a.txt")), s);
        }
        assert_eq!(read(&real.join("a.txt")), "real");
        assert!(std::fs::symlink_metadata(&spare).unwrap().is_symlink());
    }

    #[test]
    fn a_spare_folder_it_did_not_make_is_left_alone() {
        let tmp = tempfile::tempdir().unwrap();
        let (out, manifest) = (tmp.path().join("public"), tmp.path().join("output.json"));
        let spare = spare_path(&out);
        std::fs::create_dir(&spare).unwrap();
        std::fs::write(spare.join("precious.txt"), "keep").unwrap();
        for s in ["1", "2", "3"] {
            build(&out, &manifest, &[file("a.txt", s)]);
            assert_eq!(read(&out.join("a.txt")), s);
        }
        assert_eq!(names(&spare), ["precious.txt"]);
        assert_eq!(
            names(tmp.path()),
            [".public.yasno-spare", "output.json", "public"]
        );
    }
}
