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

use notify::event::{AccessKind, AccessMode};
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

/// Watches `dirs` recursively; each batch of changed paths, sent once `debounce` passed
/// without a new event (at most 10 × `debounce` after the first), goes to `tx`.
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
        let add = |batch: &mut BTreeSet<PathBuf>, ev: notify::Result<Event>| match ev {
            Ok(ev) if changes_content(&ev.kind) => batch.extend(ev.paths),
            Ok(_) => {}
            Err(e) => eprintln!("warning: наблюдение за файлами / file watching: {e}"),
        };
        let mut batch = BTreeSet::new();
        while let Ok(ev) = raw_rx.recv() {
            add(&mut batch, ev);
            if batch.is_empty() {
                continue;
            }
            let started = Instant::now();
            loop {
                match raw_rx.recv_timeout(debounce) {
                    Ok(ev) => add(&mut batch, ev),
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
