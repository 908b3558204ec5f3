//! One shared copy of each finding text for a whole run.

use std::sync::{Arc, Mutex};

use rustc_hash::FxHashSet;

/// A set of texts handed out as [`Arc<str>`]: equal texts become one allocation. Shared by
/// the pages checked in parallel, hence the lock (held only for one lookup).
#[derive(Debug, Default)]
pub(crate) struct Interner(Mutex<FxHashSet<Arc<str>>>);

impl Interner {
    /// The shared copy of `text` (copied only the first time it is seen).
    pub(crate) fn get(&self, text: &str) -> Arc<str> {
        // A poisoned lock only means another page panicked; the set itself is intact.
        let mut set = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(t) = set.get(text) {
            return t.clone();
        }
        let t: Arc<str> = Arc::from(text);
        set.insert(t.clone());
        t
    }
}
