//! File-system steps on whole folders and new files: listing the folders of a build,
//! pruning and deleting trees, and creating files that must not exist yet.

use std::collections::HashSet;
use std::io::{self, Write as _};
use std::path::Path;

use rayon::prelude::*;

use super::MARKER;
use super::manifest::Tree;

/// The folders that hold `files` (relative paths; `""` is the top), each with its parents.
pub(super) fn folders_of<'a>(files: impl Iterator<Item = &'a String>) -> HashSet<&'a str> {
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
pub(super) fn prune_unknown(dir: &Path, tree: &Tree) -> io::Result<()> {
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
pub(super) fn remove_any(path: &Path) -> io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => remove_tree(path),
        Ok(_) => std::fs::remove_file(path),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

/// Creates `path`, which must not exist: a staged path is never written twice, and never
/// written through a link.
pub(super) fn create_new(path: &Path) -> io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

/// Creates `path` (see [`create_new`]) and writes `bytes`; the new file's metadata.
pub(super) fn write_new(path: &Path, bytes: &[u8]) -> io::Result<std::fs::Metadata> {
    let mut file = create_new(path)?;
    file.write_all(bytes)?;
    file.metadata()
}

/// Deletes the folder `dir` and everything in it, the entries of each folder in parallel (a
/// site has thousands of page folders). Symbolic links are removed, never followed.
pub(super) fn remove_tree(dir: &Path) -> io::Result<()> {
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
