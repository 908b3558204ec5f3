//! One shared copy of each finding text for a whole run.

use std::borrow::Cow;
use std::sync::{Arc, Mutex, MutexGuard};

use rustc_hash::{FxHashMap, FxHashSet};

/// A set of texts handed out as [`Arc<str>`]: equal texts become one allocation. Shared by
/// the pages checked in parallel, hence the lock (held for the texts of one page).
#[derive(Debug, Default)]
pub(crate) struct Interner(Mutex<FxHashSet<Arc<str>>>);

impl Interner {
    /// The set locked once for the texts of one page: a lock per text was a tenth of the
    /// interning, and most fixed notes repeat on every finding.
    pub(crate) fn batch(&self) -> Batch<'_> {
        Batch {
            set: self.0.lock().unwrap_or_else(|e| e.into_inner()),
            fixed: FxHashMap::default(),
        }
    }
}

/// [`Interner`] held for one page ([`Interner::batch`]).
pub(crate) struct Batch<'a> {
    set: MutexGuard<'a, FxHashSet<Arc<str>>>,
    /// Fixed texts seen in this batch by address: a `'static` text at one address is always
    /// the same text, so a repeat needs no hashing or comparing.
    fixed: FxHashMap<(usize, usize), Arc<str>>,
}

impl Batch<'_> {
    /// The shared copy of `text`.
    pub(crate) fn get(&mut self, text: Cow<'static, str>) -> Arc<str> {
        let Cow::Borrowed(fixed) = text else {
            return self.shared(&text);
        };
        // The address as a number: only compared, never read through.
        let key = (fixed.as_ptr() as usize, fixed.len());
        if let Some(t) = self.fixed.get(&key) {
            return t.clone();
        }
        let t = self.shared(fixed);
        self.fixed.insert(key, t.clone());
        t
    }

    /// The shared copy of `text` (copied only the first time it is seen).
    fn shared(&mut self, text: &str) -> Arc<str> {
        if let Some(t) = self.set.get(text) {
            return t.clone();
        }
        let t: Arc<str> = Arc::from(text);
        self.set.insert(t.clone());
        t
    }
}

/// The address of a shared text: one per distinct text of an [`Interner`], so tables of a
/// run's texts can key them by it without hashing the text. Only compared, never read
/// through; the table must hold the text, so the address is not reused meanwhile.
pub(crate) fn addr(t: &Arc<str>) -> usize {
    Arc::as_ptr(t).cast::<u8>() as usize
}
