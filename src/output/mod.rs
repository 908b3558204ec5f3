//! Writing the built site: into a folder beside the output, then swapped in, so a failed
//! build leaves the previous site untouched and readers never see half a site.
//!
//! Safety rule: yasno only ever replaces a folder it made itself (marked by
//! [`MARKER`]) or an empty one; any other output path (a file, a folder it cannot read) is
//! refused, never moved aside. Nothing yasno did not make is deleted: an entry put by hand
//! into the output or its spare stops the build ([`OutputError::UserFiles`]; such files
//! belong in the site's `static/`), and of the folders beside the output only its spare and
//! the staging folders of killed builds (marked, and no longer locked by a running build) are
//! removed.
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
//! the marker's) is listed, and an entry put there by hand stops the build. Files are shared
//! between the output and the spare by hard links, so the spare costs little disk space.

mod disk;
mod leftovers;
mod manifest;
mod pieces;
mod staging;
mod swap;
#[cfg(test)]
mod tests;

use std::io;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::render::OutputFile;

pub use manifest::Manifest;
pub use pieces::PieceFile;
pub use staging::{Committed, Staging};

/// File that marks a folder as yasno's output, so it may be replaced.
pub const MARKER: &str = ".yasno-output";

/// Why the output could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The output folder exists, is not empty and was not made by yasno.
    #[error(
        "папка {0} не пуста и создана не yasno (в ней нет файла .yasno-output) — yasno её не трогает; выберите другую папку (--output) или удалите её сами / {0} is not empty and was not made by yasno (it has no .yasno-output file); yasno leaves it alone: choose another folder (--output) or delete it yourself"
    )]
    NotOurs(PathBuf),
    /// The output path is a file (or anything else that is not a folder).
    #[error(
        "{0} — это не папка (там файл), yasno его не трогает; выберите для сайта другую папку (--output) или удалите файл сами / {0} is not a folder (a file is there); yasno leaves it alone: choose another folder for the site (--output) or delete the file yourself"
    )]
    NotAFolder(PathBuf),
    /// The output folder exists but cannot be read, so yasno cannot tell whether it made it.
    #[error(
        "не удалось прочитать папку {path} ({source}), поэтому yasno её не трогает; выберите другую папку (--output) или исправьте права доступа / cannot read the folder {path} ({source}), so yasno leaves it alone: choose another folder (--output) or fix its permissions"
    )]
    Unreadable {
        /// The folder.
        path: PathBuf,
        /// Why it could not be read.
        source: io::Error,
    },
    /// A folder yasno made holds entries it did not make (put there by hand): they would be
    /// lost when the folder is replaced, so the build stops instead.
    #[error(
        "в папке {dir} есть файлы, которых yasno не создавал: {list}; чтобы их не потерять, сборка остановлена — перенесите их в папку static/ сайта (её содержимое копируется в каждую сборку) или удалите сами / {dir} holds files yasno did not make: {list}; the build stopped so that they are not lost: move them into the site's static/ folder (copied into every build) or delete them yourself",
        dir = .dir.display(),
        list = listed(.files)
    )]
    UserFiles {
        /// The folder (the output or its spare).
        dir: PathBuf,
        /// The entries, relative to `dir` (a folder ends with `/`), sorted.
        files: Vec<String>,
    },
    /// An I/O error on a path.
    #[error("не удалось записать {path} / cannot write {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
}

/// The first few of `files`, then how many more (a hand-made folder may hold thousands).
fn listed(files: &[String]) -> String {
    const SHOWN: usize = 10;
    let mut s = files[..files.len().min(SHOWN)].join(", ");
    if files.len() > SHOWN {
        s.push_str(&format!(
            " (и ещё {n} / and {n} more)",
            n = files.len() - SHOWN
        ));
    }
    s
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> OutputError + '_ {
    move |source| OutputError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Ok when yasno may replace `dir`: it does not exist, or it is a folder (or a link to one)
/// that is empty or holds the [`MARKER`]. Anything else (a file, a folder it cannot read, a
/// folder it did not make) is refused, never moved aside.
fn check_replaceable(dir: &Path) -> Result<(), OutputError> {
    match std::fs::metadata(dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(OutputError::Unreadable {
                path: dir.to_owned(),
                source,
            });
        }
        Ok(m) if !m.is_dir() => return Err(OutputError::NotAFolder(dir.to_owned())),
        Ok(_) => {}
    }
    let mut entries = std::fs::read_dir(dir).map_err(|source| OutputError::Unreadable {
        path: dir.to_owned(),
        source,
    })?;
    if has_marker(dir) || entries.next().is_none() {
        Ok(())
    } else {
        Err(OutputError::NotOurs(dir.to_owned()))
    }
}

/// True when `dir` holds yasno's [`MARKER`] as a regular file.
fn has_marker(dir: &Path) -> bool {
    std::fs::symlink_metadata(dir.join(MARKER)).is_ok_and(|m| m.is_file())
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
