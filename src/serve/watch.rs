//! Watching the site's folders: notify events, debounced so that one save (which editors often
//! do as several writes or a rename) becomes one batch of changed paths.
//!
//! The debounce is ours rather than a debouncer crate's because it must drop read-only
//! events: rebuilding opens the content files, and inotify reports every open; a debouncer
//! that forgets the event kind would rebuild forever.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use notify::event::{AccessKind, AccessMode, ModifyKind};
use notify::{Event, EventKind, RecursiveMode, Watcher as _};

/// A running watcher; dropping it stops watching.
pub(crate) type Watcher = notify::RecommendedWatcher;

/// Whether an event can mean that a file's content changed.
fn changes_content(kind: &EventKind) -> bool {
    match kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => false,
        _ => true,
    }
}

/// Whether an event says that a save is complete: the writer closed the file, or moved it
/// into place (editors that save through a temporary file). Then the wait is for the other
/// files of the same change only, not for more writes to this one.
fn completes_save(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::Access(AccessKind::Close(AccessMode::Write))
            | EventKind::Modify(ModifyKind::Name(_))
    )
}

/// How long to wait for more events after `kind`: a quarter of `debounce` after a complete
/// save (a `git checkout` writes its files well within that, so they still come as one
/// batch), all of it after a write that may be followed by more.
fn quiet_after(kind: &EventKind, debounce: Duration) -> Duration {
    if completes_save(kind) {
        debounce / 4
    } else {
        debounce
    }
}

/// Watches `dirs` recursively; each batch of changed paths, sent once no new event came for
/// `debounce` (a quarter of it after a complete save, see [`quiet_after`]; at most
/// 10 × `debounce` after the first), goes to `tx`.
pub(crate) fn watch(
    dirs: &[PathBuf],
    debounce: Duration,
    tx: mpsc::Sender<Vec<PathBuf>>,
) -> notify::Result<Watcher> {
    let (raw_tx, raw_rx) = mpsc::channel::<notify::Result<Event>>();
    let mut watcher = notify::recommended_watcher(raw_tx)?;
    for dir in dirs {
        watcher.watch(dir, RecursiveMode::Recursive)?;
    }
    std::thread::spawn(move || {
        // Adds the event's paths to the batch when it may change content; then the wait
        // after it (an event that changes nothing leaves the wait as it was).
        let add = |batch: &mut BTreeSet<PathBuf>, wait: &mut Duration, ev| match ev {
            Ok(Event { kind, paths, .. }) if changes_content(&kind) => {
                batch.extend(paths);
                *wait = quiet_after(&kind, debounce);
            }
            Ok(_) => {}
            Err(e) => eprintln!("warning: наблюдение за файлами / file watching: {e}"),
        };
        let mut batch = BTreeSet::new();
        while let Ok(ev) = raw_rx.recv() {
            let mut wait = debounce;
            add(&mut batch, &mut wait, ev);
            if batch.is_empty() {
                continue;
            }
            let started = Instant::now();
            loop {
                match raw_rx.recv_timeout(wait) {
                    Ok(ev) => add(&mut batch, &mut wait, ev),
                    Err(RecvTimeoutError::Timeout) => break,
                    Err(RecvTimeoutError::Disconnected) => return,
                }
                if started.elapsed() > debounce * 10 {
                    break;
                }
            }
            if tx
                .send(std::mem::take(&mut batch).into_iter().collect())
                .is_err()
            {
                return;
            }
        }
    });
    Ok(watcher)
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use super::*;

    /// A save that ends with the file closed comes as a batch a quarter of the debounce after
    /// it; a write to a file still open waits for the whole debounce. (Margins of seconds, for
    /// a busy machine: this tests which wait applies, not how fast anything is.)
    #[test]
    fn a_closed_save_is_sent_sooner_than_a_write_to_an_open_file() {
        let dir = tempfile::tempdir().unwrap();
        let debounce = Duration::from_secs(4);
        let (tx, rx) = mpsc::channel();
        let _watcher = watch(&[dir.path().to_path_buf()], debounce, tx).unwrap();
        let page = dir.path().join("page.md");

        let start = Instant::now();
        std::fs::write(&page, "first").unwrap();
        let batch = rx.recv_timeout(Duration::from_secs(10)).unwrap();
        let closed = start.elapsed();
        assert!(batch.contains(&page), "{batch:?}");
        assert!(closed < Duration::from_secs(3), "closed save: {closed:?}");

        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&page)
            .unwrap();
        let start = Instant::now();
        file.write_all(b" second").unwrap();
        let batch = rx.recv_timeout(Duration::from_secs(10)).unwrap();
        let open = start.elapsed();
        assert!(batch.contains(&page), "{batch:?}");
        assert!(open >= debounce, "write to an open file: {open:?}");
    }
}
