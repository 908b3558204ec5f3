//! Committing a build: the staged folder swapped in place of the output, and the previous
//! output kept as the spare.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;

use super::disk::{folders_of, remove_any, remove_tree};
use super::manifest::{FileRecord, Manifest, Tree, marker_text, new_build_id};
use super::staging::{Committed, Staging};
use super::{MARKER, OutputError, check_replaceable, io_err, parent_and_name, spare_path};

impl Staging {
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
            made: _,
        } = self;
        dir.touch();
        let files = staged
            .into_inner()
            .expect("no panics while holding the lock");
        remove_stale(dir.path(), &reused, &files)?;
        let build = new_build_id();
        let marker = dir.path().join(MARKER);
        let _ = std::fs::remove_file(&marker);
        std::fs::write(&marker, marker_text(&build)).map_err(io_err(&marker))?;
        let (staged, _held) = dir.keep();
        // The previous output becomes the spare only if the manifest knew its files.
        let kept_previous = put_in_place(&staged, &out, &parent, !live.build.is_empty())?;
        let previous = kept_previous.then_some(live);
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

/// Removes what the spare held that this build did not make, then the folders that leaves
/// empty (deepest first; a folder still in use is not empty and stays).
fn remove_stale(
    dir: &Path,
    reused: &HashMap<String, FileRecord>,
    files: &HashMap<String, FileRecord>,
) -> Result<(), OutputError> {
    let stale: Vec<&String> = reused.keys().filter(|k| !files.contains_key(*k)).collect();
    stale
        .par_iter()
        .try_for_each(|rel| remove_any(&dir.join(rel)).map_err(io_err(&dir.join(rel))))?;
    let mut emptied: Vec<&str> = folders_of(stale.iter().copied())
        .into_iter()
        .filter(|d| !d.is_empty())
        .collect();
    emptied.sort_by_key(|d| std::cmp::Reverse(d.matches('/').count()));
    for d in emptied {
        let _ = std::fs::remove_dir(dir.join(d));
    }
    Ok(())
}

/// Moves the folder `staged` to `out`. The previous output, if any, becomes the spare when
/// `keep_previous` (the manifest knew its files) and it is a real folder; it is deleted
/// otherwise. True when it was kept as the spare.
fn put_in_place(
    staged: &Path,
    out: &Path,
    parent: &Path,
    keep_previous: bool,
) -> Result<bool, OutputError> {
    if !out.exists() {
        std::fs::rename(staged, out).map_err(|e| {
            let _ = std::fs::remove_dir_all(staged);
            io_err(out)(e)
        })?;
        return Ok(false);
    }
    let (previous, aside) = swap(staged, out, parent).inspect_err(|_| {
        let _ = std::fs::remove_dir_all(staged);
    })?;
    let spare = spare_path(out);
    let free = match std::fs::symlink_metadata(&spare) {
        Err(_) => true,
        Ok(m) => m.is_dir() && check_replaceable(&spare).is_ok() && remove_tree(&spare).is_ok(),
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
    Ok(kept)
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
