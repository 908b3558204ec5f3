//! `yasno collect backup`: a consistent copy of a SQLite answer store, taken while the
//! collector keeps writing.
//!
//! Invariants: the copy is one read transaction's snapshot (`VACUUM INTO`, which WAL lets run
//! beside the writer), so it holds every answer committed before it began; it is written to a
//! private (0600) temporary file beside the target, checked, synced and only then given the
//! target's name, so a crash never leaves a half-written backup under that name; an existing
//! file is replaced only when asked to.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

/// What `yasno collect backup` is asked to do.
#[derive(Debug, Clone)]
pub struct BackupRequest {
    /// The live SQLite database.
    pub db: PathBuf,
    /// The backup file to write.
    pub target: PathBuf,
    /// Replace `target` if it exists.
    pub force: bool,
}

/// Why a backup was not written. Each message names the file and what to do.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The database to copy does not exist.
    #[error("no answer database at {0}\n  hint: pass --db FILE (the file `yasno collect` writes)")]
    NoDatabase(PathBuf),
    /// The target exists and --force was not given.
    #[error(
        "the backup file {0} already exists; it was not changed\n  hint: pick a new name (e.g. with the date), or pass --force to replace it"
    )]
    Exists(PathBuf),
    /// SQLite could not read the database or write the copy.
    #[error("cannot back up {db} to {target}: {source}")]
    Sqlite {
        /// The live database.
        db: PathBuf,
        /// The backup file.
        target: PathBuf,
        /// What SQLite said.
        source: rusqlite::Error,
    },
    /// The copy failed its integrity check (it was removed).
    #[error("the copy of {db} failed its integrity check ({check}); no backup was written")]
    Corrupt {
        /// The live database.
        db: PathBuf,
        /// What `PRAGMA integrity_check` said.
        check: String,
    },
    /// The file system refused (create, sync, rename).
    #[error(
        "cannot write the backup {path}: {source}\n  hint: check that the folder exists and is writable"
    )]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
}

/// Writes the backup and returns how many answers it holds.
pub fn backup(request: &BackupRequest) -> Result<i64, BackupError> {
    let BackupRequest { db, target, force } = request;
    if !db.is_file() {
        return Err(BackupError::NoDatabase(db.clone()));
    }
    if !force && target.symlink_metadata().is_ok() {
        return Err(BackupError::Exists(target.clone()));
    }
    let temp = temp_path(target);
    let written = write_copy(db, target, &temp);
    let result = written.and_then(|count| {
        publish(&temp, target, *force)?;
        Ok(count)
    });
    // Whatever failed, no temporary file is left behind.
    let _ = std::fs::remove_file(&temp);
    result
}

/// `.<name>.tmp-<pid>` beside the target: same folder, so the rename is atomic.
fn temp_path(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "backup".into());
    target.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

/// Copies `db` into `temp` (a fresh 0600 file), checks and syncs it; returns the answer count.
fn write_copy(db: &Path, target: &Path, temp: &Path) -> Result<i64, BackupError> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| BackupError::Io { path, source }
    };
    let sqlite = |source| BackupError::Sqlite {
        db: db.to_owned(),
        target: target.to_owned(),
        source,
    };
    // Created empty and private first: VACUUM INTO accepts an empty file, and the answers are
    // never readable by others, not even for a moment.
    // A failure here is about the target's folder: name the file the user asked for.
    create_private(temp).map_err(io(target))?;
    let source = Connection::open_with_flags(
        db,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(sqlite)?;
    source
        .busy_timeout(std::time::Duration::from_secs(10))
        .map_err(sqlite)?;
    let temp_text = temp.to_str().ok_or_else(|| BackupError::Io {
        path: temp.to_owned(),
        source: std::io::Error::other("the path is not valid UTF-8"),
    })?;
    source
        .execute("VACUUM INTO ?1", [temp_text])
        .map_err(sqlite)?;
    drop(source);
    let copy =
        Connection::open_with_flags(temp, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(sqlite)?;
    let check: String = copy
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(sqlite)?;
    if check != "ok" {
        return Err(BackupError::Corrupt {
            db: db.to_owned(),
            check,
        });
    }
    let count: i64 = copy
        .query_row("SELECT count(*) FROM answers", [], |r| r.get(0))
        .map_err(sqlite)?;
    drop(copy);
    std::fs::File::open(temp)
        .and_then(|f| f.sync_all())
        .map_err(io(temp))?;
    Ok(count)
}

fn create_private(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map(drop)
}

/// Gives `temp` the target's name: a hard link when the target must not be replaced (it fails
/// if a file appeared meanwhile), a rename otherwise; then syncs the folder.
fn publish(temp: &Path, target: &Path, force: bool) -> Result<(), BackupError> {
    let io = |source| BackupError::Io {
        path: target.to_owned(),
        source,
    };
    if force {
        std::fs::rename(temp, target).map_err(io)?;
    } else {
        match std::fs::hard_link(temp, target) {
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(BackupError::Exists(target.to_owned()));
            }
            // Some network drives and FAT have no hard links (EPERM, 1, on Linux): check, then
            // rename (a file that appears in between is replaced; only on such drives).
            Err(e)
                if matches!(e.kind(), std::io::ErrorKind::Unsupported)
                    || e.raw_os_error() == Some(1) =>
            {
                if target.symlink_metadata().is_ok() {
                    return Err(BackupError::Exists(target.to_owned()));
                }
                std::fs::rename(temp, target).map_err(io)?;
            }
            other => other.map_err(io)?,
        }
    }
    let folder = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::File::open(folder)
        .and_then(|f| f.sync_all())
        .map_err(io)
}
