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

/// The entries of the built folder `dir` (the output or its spare) that yasno did not make,
/// sorted, relative to `dir` (a folder ends with `/`). yasno writes a folder's marker last, so
/// a folder not changed since then holds only what yasno put there; only the folders changed
/// later are listed, and in them every entry that `tree` (the folder's record, when known)
/// does not name is someone else's. Without a record every file of a changed folder counts.
pub(super) fn unknown_entries(dir: &Path, tree: Option<&Tree>) -> io::Result<Vec<String>> {
    let built = std::fs::symlink_metadata(dir.join(MARKER))?.modified()?;
    let folders: HashSet<String> = match tree {
        Some(t) => folders_of(t.files.keys())
            .into_iter()
            .map(str::to_owned)
            .collect(),
        None => all_folders(dir)?,
    };
    let lists = folders
        .par_iter()
        .map(|rel| -> io::Result<Vec<String>> {
            let path = dir.join(rel);
            let meta = match std::fs::symlink_metadata(&path) {
                Ok(m) => m,
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
                Err(e) => return Err(e),
            };
            if !meta.is_dir() {
                // A file put where the record has a folder.
                return Ok(vec![rel.clone()]);
            }
            // With a record the top folder is always looked at: it is one listing.
            let look_anyway = rel.is_empty() && tree.is_some();
            if !look_anyway && meta.modified()? <= built {
                return Ok(Vec::new());
            }
            let mut unknown = Vec::new();
            for entry in std::fs::read_dir(&path)? {
                let entry = entry?;
                let name = entry.file_name();
                let name = name.to_string_lossy();
                let child = if rel.is_empty() {
                    name.into_owned()
                } else {
                    format!("{rel}/{name}")
                };
                if entry.file_type()?.is_dir() {
                    if !folders.contains(&child) {
                        unknown.push(format!("{child}/"));
                    }
                } else if child != MARKER && !tree.is_some_and(|t| t.files.contains_key(&child)) {
                    unknown.push(child);
                }
            }
            Ok(unknown)
        })
        .collect::<io::Result<Vec<_>>>()?;
    let mut unknown: Vec<String> = lists.into_iter().flatten().collect();
    unknown.sort();
    Ok(unknown)
}

/// Every folder under `dir` (relative; `""` is `dir`), links not followed.
fn all_folders(dir: &Path) -> io::Result<HashSet<String>> {
    let mut found = HashSet::from([String::new()]);
    let mut todo = vec![String::new()];
    while let Some(rel) = todo.pop() {
        for entry in std::fs::read_dir(dir.join(&rel))? {
            let entry = entry?;
            if entry.file_type()?.is_dir() {
                let name = entry.file_name();
                let child = if rel.is_empty() {
                    name.to_string_lossy().into_owned()
                } else {
                    format!("{rel}/{}", name.to_string_lossy())
                };
                found.insert(child.clone());
                todo.push(child);
            }
        }
    }
    Ok(found)
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
