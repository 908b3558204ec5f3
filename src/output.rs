//! Writing the built site: into a fresh folder beside the output, then swapped in, so a
//! failed build leaves the previous site untouched and readers never see half a site.
//!
//! Safety rule: yasno only ever replaces a folder it made itself (marked by
//! [`MARKER`]) or an empty one; nothing outside the output folder is deleted.

use std::io;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

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

/// A folder beside the output that a build fills; [`Staging::commit`] swaps it in, and
/// dropping it without committing deletes it, leaving the previous output untouched.
pub struct Staging {
    dir: tempfile::TempDir,
    out: PathBuf,
    parent: PathBuf,
    name: String,
}

impl Staging {
    /// Prepares a staging folder for `out`, refusing folders yasno did not make.
    pub fn new(out: &Path) -> Result<Self, OutputError> {
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
        })
    }

    /// Writes one file into the staging folder (safe to call from many threads).
    pub fn write(&self, f: &OutputFile) -> Result<(), OutputError> {
        let p = self.dir.path().join(&f.path);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).map_err(io_err(d))?;
        }
        std::fs::write(&p, &f.bytes).map_err(io_err(&p))
    }

    /// Puts the staged site in place of the output, then deletes the previous one.
    pub fn commit(self) -> Result<(), OutputError> {
        let Staging {
            dir,
            out,
            parent,
            name,
        } = self;
        std::fs::write(dir.path().join(MARKER), b"built by yasno\n").map_err(io_err(dir.path()))?;
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
        Ok(())
    }
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
    staging.commit()
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
