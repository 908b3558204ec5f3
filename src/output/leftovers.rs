//! Leftovers of interrupted builds: a staging folder (`.public.new-*`) that a killed build
//! never swapped in or deleted. A build marks its staging folder with [`MARKER`] and holds a
//! lock on it while it runs (the system drops the lock when the process dies, even by
//! SIGKILL), so the next build removes a folder that is marked (or empty) and unlocked, and
//! never one of a running build (locked) or someone else's (no marker, not empty).

use std::path::Path;

use super::disk::remove_tree;
use super::{MARKER, has_marker};

/// Removes the leftovers of interrupted builds of the output `name` from `parent`. One that
/// cannot be removed is left: it costs only disk space.
pub(super) fn remove_leftovers(parent: &Path, name: &str) {
    let prefix = format!(".{name}.new-");
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        if !entry.file_name().to_string_lossy().starts_with(&prefix)
            || !entry.file_type().is_ok_and(|t| t.is_dir())
        {
            continue;
        }
        let path = entry.path();
        let Some(_held) = try_lock(&path) else {
            continue;
        };
        if has_marker(&path) {
            let _ = remove_tree(&path);
        } else {
            // Killed before it was marked: empty, and only an empty folder is removed.
            let _ = std::fs::remove_dir(&path);
        }
    }
}

/// Marks a fresh staging folder as yasno's, so that it is known as a leftover if the build
/// is killed.
pub(super) fn mark_staging(dir: &Path) -> std::io::Result<()> {
    std::fs::write(dir.join(MARKER), "built by yasno\nstaging\n")
}

/// An exclusive lock on the folder `dir`, held until the returned file is dropped; `None`
/// when another process holds it (or locks are not available: then nothing is removed).
pub(super) fn try_lock(dir: &Path) -> Option<std::fs::File> {
    #[cfg(unix)]
    {
        use rustix::fs::{FlockOperation, flock};
        let file = std::fs::File::open(dir).ok()?;
        flock(&file, FlockOperation::NonBlockingLockExclusive).ok()?;
        Some(file)
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        None
    }
}
