//! The staging folder a build fills: each file kept from the spare, linked from the previous
//! output or written anew, and recorded for the next manifest.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use rustc_hash::FxHashMap as HashMap;

use super::disk::{remove_any, unknown_entries, write_new};
use super::leftovers::{mark_staging, remove_leftovers, try_lock};
use super::manifest::{FileRecord, Manifest, Tree};
use super::{OutputError, check_replaceable, has_marker, io_err, parent_and_name, spare_path};
use crate::render::OutputFile;

/// The staging folder. Dropped uncommitted, it is deleted; but when it is the spare and
/// nothing was put in it yet, it goes back to its place, so a build that stops on a content
/// mistake before rendering keeps the spare for the next one.
pub(super) struct StagingDir {
    pub(super) dir: Option<tempfile::TempDir>,
    /// Where the folder was taken from, when it is the spare.
    pub(super) spare: Option<PathBuf>,
    pub(super) touched: AtomicBool,
    /// Held while the build runs, so that another build never takes it for a leftover.
    pub(super) lock: Option<std::fs::File>,
}

impl StagingDir {
    pub(super) fn path(&self) -> &Path {
        self.dir.as_ref().expect("kept only by commit").path()
    }

    /// Notes that the folder no longer holds the spare as the manifest records it.
    pub(super) fn touch(&self) {
        self.touched.store(true, Ordering::Relaxed);
    }

    /// The folder, no longer deleted when dropped, and its lock (hold it until the folder
    /// has its place).
    pub(super) fn keep(mut self) -> (PathBuf, Option<std::fs::File>) {
        let lock = self.lock.take();
        (self.dir.take().expect("kept once").keep(), lock)
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
    pub(super) dir: StagingDir,
    pub(super) out: PathBuf,
    pub(super) parent: PathBuf,
    /// The files of the current output, from its manifest (empty: nothing is linked, and the
    /// output is deleted, not kept as the spare, after the swap).
    pub(super) live: Tree,
    /// The files already in the staging folder: the spare's, when it was taken.
    pub(super) reused: HashMap<String, FileRecord>,
    /// What this build put in the staging folder.
    pub(super) staged: Mutex<HashMap<String, FileRecord>>,
    pub(super) linked: AtomicUsize,
    pub(super) kept: AtomicUsize,
    /// Folders this build made in a fresh staging folder (not the spare), see [`Staging::place`].
    pub(super) made: Mutex<rustc_hash::FxHashSet<PathBuf>>,
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
        check_replaceable(out)?;
        // Both folders are replaced or deleted later: anything in them that yasno did not
        // make stops the build now, before anything is moved.
        refuse_unknown(out, Some(&previous.live).filter(|t| !t.build.is_empty()))?;
        let spare = spare_path(out);
        // A real folder only: a link there would lead the build's writes elsewhere.
        let spare_is_dir = std::fs::symlink_metadata(&spare).is_ok_and(|m| m.is_dir());
        if spare_is_dir {
            refuse_unknown(&spare, previous.spare.as_ref())?;
        }
        let (parent, name) = parent_and_name(out);
        std::fs::create_dir_all(&parent).map_err(io_err(&parent))?;
        remove_leftovers(&parent, &name);
        let dir = tempfile::Builder::new()
            .prefix(&format!(".{name}.new-"))
            .tempdir_in(&parent)
            .map_err(io_err(&parent))?;
        // Locked at once: until it is marked, only the lock tells it from a leftover.
        let mut lock = try_lock(dir.path());
        // The spare is moved to the staging name first, so that a build that fails or is
        // interrupted never leaves a half-changed folder under the spare's name; it carries
        // its marker. A fresh folder is marked here.
        let reused = previous
            .spare
            .filter(|_| spare_is_dir && std::fs::rename(&spare, dir.path()).is_ok());
        if reused.is_some() {
            // The lock was on the folder the spare replaced.
            lock = try_lock(dir.path());
        } else {
            mark_staging(dir.path()).map_err(io_err(dir.path()))?;
        }
        let dir = StagingDir {
            lock,
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
            made: Mutex::default(),
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
    pub(super) fn record(
        &self,
        rel: String,
        record: FileRecord,
        path: &Path,
    ) -> Result<(), OutputError> {
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
    pub(super) fn place<T>(
        &self,
        rel: &str,
        path: &Path,
        make: impl Fn(&Path) -> io::Result<T>,
    ) -> io::Result<T> {
        self.dir.touch();
        // A fresh folder holds only what this build made: a file whose folder it has not
        // made yet gets the folder first. Trying the file first failed once per page folder
        // (10,000 failed opens at 10,000 services); the spare's folders may exist, so there
        // the file is tried first.
        if self.dir.spare.is_none() {
            self.make_parent_once(path)?;
        }
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

    /// Makes the folder of `path` in a fresh staging folder, unless this build made it.
    fn make_parent_once(&self, path: &Path) -> io::Result<()> {
        let Some(dir) = path.parent().filter(|d| *d != self.dir.path()) else {
            return Ok(());
        };
        let made = (self.made.lock().expect("no panics while holding the lock")).contains(dir);
        if !made {
            // Two threads may both make it: making a folder that exists is no error.
            std::fs::create_dir_all(dir)?;
            (self.made.lock().expect("no panics while holding the lock")).insert(dir.to_owned());
        }
        Ok(())
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
}

/// Fails with [`OutputError::UserFiles`] when the built folder `dir` holds entries yasno did
/// not make; `tree` is its record, when known. A folder without the marker (missing or empty)
/// holds nothing of anyone's that yasno would remove.
fn refuse_unknown(dir: &Path, tree: Option<&Tree>) -> Result<(), OutputError> {
    if !has_marker(dir) {
        return Ok(());
    }
    let files = unknown_entries(dir, tree).map_err(io_err(dir))?;
    if files.is_empty() {
        Ok(())
    } else {
        Err(OutputError::UserFiles {
            dir: dir.to_owned(),
            files,
        })
    }
}
