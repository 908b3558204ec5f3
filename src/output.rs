//! Writing the built site: into a fresh folder beside the output, then swapped in, so a
//! failed build leaves the previous site untouched and readers never see half a site.
//!
//! Safety rule: yasno only ever replaces a folder it made itself (marked by
//! [`MARKER`]) or an empty one; nothing outside the output folder is deleted.
//!
//! Unchanged files are not written again. A [`Manifest`] (kept in the site's cache) records, for
//! each file of the current output, a hash of its contents and the identity of the file on disk
//! (size, modification time, inode). When a build makes a file with the same contents and the
//! file on disk is still the one recorded, the staging folder gets a hard link to it instead of a
//! copy. On a site where one page changed, that saves writing (and then deleting) hundreds of
//! megabytes, and unchanged files keep their modification time, so `rsync` and HTTP caches see
//! only what really changed. The staged file is never written through: a path is written by
//! creating a new file, so a link can never carry a change back into the previous output.

use std::collections::HashMap;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

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
        }
    }
}

/// The files of one built output folder, kept in the site's cache so that the next build can
/// link unchanged files instead of writing them (see the module documentation).
///
/// A manifest belongs to one output folder and one build of it: the build's id is written into
/// the folder's [`MARKER`] too, and a manifest whose id the marker does not carry (another
/// folder, an older build, a folder changed by hand) is ignored.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Manifest {
    /// Absolute path of the output folder.
    output: PathBuf,
    /// Id of the build that made the folder, also in its marker.
    build: String,
    files: HashMap<String, FileRecord>,
}

/// First line of the marker; the second names the build (`build <id>`).
const MARKER_TEXT: &str = "built by yasno\n";

impl Manifest {
    /// Reads the manifest at `path` if it describes the current contents of `out`; any doubt
    /// gives an empty manifest (every file is then written).
    pub fn load(path: &Path, out: &Path) -> Manifest {
        let Ok(bytes) = std::fs::read(path) else {
            return Manifest::default();
        };
        let Ok(m) = serde_json::from_slice::<Manifest>(&bytes) else {
            return Manifest::default();
        };
        let marker = std::fs::read_to_string(out.join(MARKER)).unwrap_or_default();
        let same_folder = std::path::absolute(out).is_ok_and(|o| o == m.output);
        if same_folder && marker == marker_text(&m.build) {
            m
        } else {
            Manifest::default()
        }
    }

    /// Writes the manifest; a failure only costs speed next time, so it is returned, not fatal.
    pub fn save(&self, path: &Path) -> io::Result<()> {
        let bytes = serde_json::to_vec(self).map_err(io::Error::other)?;
        crate::cache::save(path, &bytes)
    }

    /// Number of files recorded.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// True when no file is recorded.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
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

/// A folder beside the output that a build fills; [`Staging::commit`] swaps it in, and
/// dropping it without committing deletes it, leaving the previous output untouched.
pub struct Staging {
    dir: tempfile::TempDir,
    out: PathBuf,
    parent: PathBuf,
    name: String,
    /// The files of the current output, from its manifest (empty: write everything).
    previous: Manifest,
    /// What this build put in the staging folder.
    staged: Mutex<HashMap<String, FileRecord>>,
    linked: AtomicUsize,
}

/// Counts of a committed output: files written anew and files linked unchanged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Committed {
    /// Files written.
    pub written: usize,
    /// Unchanged files linked from the previous output.
    pub linked: usize,
}

impl Staging {
    /// Prepares a staging folder for `out`, refusing folders yasno did not make. Every file
    /// will be written.
    pub fn new(out: &Path) -> Result<Self, OutputError> {
        Self::with_previous(out, Manifest::default())
    }

    /// Like [`Staging::new`], linking files that `previous` (the manifest of the current
    /// output, see [`Manifest::load`]) shows unchanged instead of writing them.
    pub fn with_previous(out: &Path, previous: Manifest) -> Result<Self, OutputError> {
        if out.exists() && !replaceable(out) {
            return Err(OutputError::NotOurs(out.to_owned()));
        }
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent).map_err(io_err(&parent))?;
        let name = out
            .file_name()
            .map_or_else(|| "public".into(), |n| n.to_string_lossy().into_owned());
        let dir = tempfile::Builder::new()
            .prefix(&format!(".{name}.new-"))
            .tempdir_in(&parent)
            .map_err(io_err(&parent))?;
        Ok(Self {
            dir,
            out: out.to_owned(),
            parent,
            name,
            previous,
            staged: Mutex::new(HashMap::new()),
            linked: AtomicUsize::new(0),
        })
    }

    /// Writes one file into the staging folder (safe to call from many threads), or links the
    /// previous output's copy when its contents are the same and it is untouched on disk.
    pub fn write(&self, f: &OutputFile) -> Result<(), OutputError> {
        let p = self.staged_path(&f.path)?;
        let hash = xxhash_rust::xxh3::xxh3_128(&f.bytes);
        let record = match self.link_unchanged(&f.path, hash, f.bytes.len(), &p) {
            Some(r) => {
                self.linked.fetch_add(1, Ordering::Relaxed);
                r
            }
            None => write_new(&p, &f.bytes)
                .map(|meta| FileRecord::of(hash, &meta))
                .map_err(io_err(&p))?,
        };
        self.staged
            .lock()
            .expect("no panics while holding the lock")
            .insert(f.path.clone(), record);
        Ok(())
    }

    /// Where `rel` goes in the staging folder, its folders made.
    fn staged_path(&self, rel: &str) -> Result<PathBuf, OutputError> {
        let path = self.dir.path().join(rel);
        if let Some(d) = path.parent() {
            std::fs::create_dir_all(d).map_err(io_err(d))?;
        }
        Ok(path)
    }

    /// Links the previous output's `rel` to `to` if it holds `hash` and is still the file
    /// the manifest recorded; its record, or `None` to write the file instead.
    fn link_unchanged(&self, rel: &str, hash: u128, len: usize, to: &Path) -> Option<FileRecord> {
        let old = self.previous.files.get(rel)?;
        if old.hash != hash || old.len != len as u64 {
            return None;
        }
        let from = self.out.join(rel);
        let meta = std::fs::symlink_metadata(&from).ok()?;
        if !meta.is_file() || FileRecord::of(hash, &meta) != *old {
            return None;
        }
        std::fs::hard_link(&from, to).ok()?;
        Some(*old)
    }

    /// Puts the staged site in place of the output, then deletes the previous one. Returns
    /// the manifest of the new output (to save for the next build) and what was written.
    pub fn commit(self) -> Result<(Manifest, Committed), OutputError> {
        let Staging {
            dir,
            out,
            parent,
            name,
            previous: _,
            staged,
            linked,
        } = self;
        let build = new_build_id();
        std::fs::write(dir.path().join(MARKER), marker_text(&build)).map_err(io_err(dir.path()))?;
        let files = staged
            .into_inner()
            .expect("no panics while holding the lock");
        let staged = dir.keep();
        if out.exists() {
            // Move the old site aside, put the new one in place, then delete the old one.
            let old = tempfile::Builder::new()
                .prefix(&format!(".{name}.old-"))
                .tempdir_in(&parent)
                .map_err(io_err(&parent))?
                .keep();
            let old_site = old.join("site");
            std::fs::rename(&out, &old_site).map_err(io_err(&out))?;
            if let Err(e) = std::fs::rename(&staged, &out) {
                let _ = std::fs::rename(&old_site, &out);
                let _ = std::fs::remove_dir_all(&staged);
                return Err(io_err(&out)(e));
            }
            if remove_tree(&old).is_err() {
                let _ = std::fs::remove_dir_all(&old);
            }
        } else if let Err(e) = std::fs::rename(&staged, &out) {
            let _ = std::fs::remove_dir_all(&staged);
            return Err(io_err(&out)(e));
        }
        let linked = linked.into_inner();
        let committed = Committed {
            written: files.len() - linked,
            linked,
        };
        Ok((
            Manifest {
                output: std::path::absolute(&out).unwrap_or(out),
                build,
                files,
            },
            committed,
        ))
    }
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
        let path = self.staged_path(rel)?;
        let file = create_new(&path).map_err(io_err(&path))?;
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
        self.staged
            .lock()
            .expect("no panics while holding the lock")
            .insert(rel, FileRecord::of(hash.digest128(), &meta));
        Ok(())
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

    #[test]
    fn replaces_its_own_output_and_leaves_no_temp_folders() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("public");
        write_site(&out, &[file("a/index.html", "1"), file("old.txt", "x")]).unwrap();
        write_site(&out, &[file("a/index.html", "2")]).unwrap();
        assert_eq!(
            std::fs::read_to_string(out.join("a/index.html")).unwrap(),
            "2"
        );
        assert!(!out.join("old.txt").exists());
        let names: Vec<_> = std::fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("public")]);
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
        assert_eq!(
            first,
            Committed {
                written: 2,
                linked: 0
            }
        );
        let (a, b) = (ino(&out.join("a/index.html")), ino(&out.join("b.txt")));
        let second = build(
            &out,
            &manifest,
            &[file("a/index.html", "A"), file("b.txt", "B2")],
        );
        assert_eq!(
            second,
            Committed {
                written: 1,
                linked: 1
            }
        );
        assert_eq!(
            ino(&out.join("a/index.html")),
            a,
            "the unchanged file is the same file"
        );
        assert_ne!(ino(&out.join("b.txt")), b, "the changed file is a new file");
        assert_eq!(std::fs::read_to_string(out.join("b.txt")).unwrap(), "B2");
        // The link is the only name left: the previous output is gone.
        let nlink = std::os::unix::fs::MetadataExt::nlink(
            &std::fs::metadata(out.join("a/index.html")).unwrap(),
        );
        assert_eq!(nlink, 1);
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
        assert_eq!(
            committed,
            Committed {
                written: 1,
                linked: 0
            }
        );
        let page = std::fs::read_to_string(out.join("faq/index.html")).unwrap();
        assert_eq!(page, "<h1>Вопросы</h1>");
        // Its record is right: the same bytes, built whole next time, are linked.
        let next = build(&out, &manifest, &[file("faq/index.html", &page)]);
        assert_eq!(
            next,
            Committed {
                written: 0,
                linked: 1
            }
        );
    }

    #[test]
    fn a_file_changed_by_hand_is_written_again() {
        let tmp = tempfile::tempdir().unwrap();
        let (out, manifest) = (tmp.path().join("public"), tmp.path().join("output.json"));
        build(&out, &manifest, &[file("a.txt", "right")]);
        std::fs::write(out.join("a.txt"), "edited by hand").unwrap();
        let again = build(&out, &manifest, &[file("a.txt", "right")]);
        assert_eq!(
            again,
            Committed {
                written: 1,
                linked: 0
            }
        );
        assert_eq!(std::fs::read_to_string(out.join("a.txt")).unwrap(), "right");
    }

    #[test]
    fn a_failed_build_leaves_linked_files_of_the_previous_output_intact() {
        let tmp = tempfile::tempdir().unwrap();
        let (out, manifest) = (tmp.path().join("public"), tmp.path().join("output.json"));
        build(&out, &manifest, &[file("a.txt", "A"), file("b.txt", "B")]);
        {
            let staging = Staging::with_previous(&out, Manifest::load(&manifest, &out)).unwrap();
            staging.write(&file("a.txt", "A")).unwrap();
            staging.write(&file("b.txt", "new")).unwrap();
            // Dropped without commit, as when a later page fails.
        }
        assert_eq!(std::fs::read_to_string(out.join("a.txt")).unwrap(), "A");
        assert_eq!(std::fs::read_to_string(out.join("b.txt")).unwrap(), "B");
        assert_eq!(
            std::fs::read_dir(tmp.path()).unwrap().count(),
            2,
            "no staging folder left"
        );
        // The manifest still describes the output: the next build links both unchanged files.
        let next = build(&out, &manifest, &[file("a.txt", "A"), file("b.txt", "B")]);
        assert_eq!(
            next,
            Committed {
                written: 0,
                linked: 2
            }
        );
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
        assert_eq!(
            std::fs::read_to_string(tmp.path().join("precious.txt")).unwrap(),
            "keep"
        );
    }
}
