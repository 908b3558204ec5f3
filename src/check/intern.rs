//! One shared copy of each finding text for a whole run, known by a number.

use std::borrow::Cow;
use std::sync::{Arc, Mutex, MutexGuard};

use rustc_hash::FxHashMap;

use super::rows::TableId;

/// A table of texts: equal texts get one number and one allocation. Rows hold the numbers
/// ([`super::rows::Row`]), so a legacy site's 700,000 findings carry no texts and no
/// reference counts; a text is looked up when a [`super::Finding`] is made, or a row is
/// packed or printed (from the table's copy in [`super::site::SiteCheck`]). Shared by the
/// pages checked in parallel, hence the lock (held for the texts of one page, of one
/// page's cache row, or while the table is copied).
#[derive(Debug, Default)]
pub(crate) struct Interner {
    /// Tells one run's table from another's: the numbers of one mean nothing in another
    /// (a cache maps them per table, see [`super::CheckCache`]'s `bind`).
    id: TableId,
    table: Mutex<Table>,
}

#[derive(Debug, Default)]
struct Table {
    ids: FxHashMap<Arc<str>, u32>,
    list: Vec<Arc<str>>,
}

impl Interner {
    /// The table locked once for the texts of one page: a lock per text was a tenth of the
    /// interning, and most fixed notes repeat on every finding.
    pub(crate) fn batch(&self) -> Batch<'_> {
        Batch {
            table: self.table.lock().unwrap_or_else(|e| e.into_inner()),
            fixed: FxHashMap::default(),
        }
    }

    /// What tells this table from any other made in this process.
    pub(crate) fn id(&self) -> TableId {
        self.id
    }

    /// Appends to `out` the texts numbered from `out.len()` on: a copy of the table kept
    /// up to date without copying what it has.
    pub(crate) fn extend(&self, out: &mut Vec<Arc<str>>) {
        let t = self.table.lock().unwrap_or_else(|e| e.into_inner());
        out.extend(t.list.iter().skip(out.len()).cloned());
    }
}

/// [`Interner`] held for one page ([`Interner::batch`]).
pub(crate) struct Batch<'a> {
    table: MutexGuard<'a, Table>,
    /// Fixed texts seen in this batch by address: a `'static` text at one address is always
    /// the same text, so a repeat needs no hashing or comparing.
    fixed: FxHashMap<(usize, usize), u32>,
}

impl Batch<'_> {
    /// The number of `text`.
    pub(crate) fn get(&mut self, text: Cow<'static, str>) -> u32 {
        let Cow::Borrowed(fixed) = text else {
            return self.number(&text);
        };
        // The address as a number: only compared, never read through.
        let key = (fixed.as_ptr() as usize, fixed.len());
        if let Some(&i) = self.fixed.get(&key) {
            return i;
        }
        let i = self.number(fixed);
        self.fixed.insert(key, i);
        i
    }

    /// The number of a text held as an [`Arc`] (its allocation is kept when new).
    pub(crate) fn get_shared(&mut self, text: &Arc<str>) -> u32 {
        if let Some(&i) = self.table.ids.get(text) {
            return i;
        }
        self.add(text.clone())
    }

    /// The text numbered `i`.
    pub(crate) fn text(&self, i: u32) -> &Arc<str> {
        &self.table.list[i as usize]
    }

    /// The number of `text` (copied only the first time it is seen).
    fn number(&mut self, text: &str) -> u32 {
        if let Some(&i) = self.table.ids.get(text) {
            return i;
        }
        self.add(Arc::from(text))
    }

    fn add(&mut self, text: Arc<str>) -> u32 {
        let i = u32::try_from(self.table.list.len()).expect("fewer than 4 billion texts");
        self.table.list.push(text.clone());
        self.table.ids.insert(text, i);
        i
    }
}
