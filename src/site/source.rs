//! A service file's text after loading: not kept in memory but read again from its file
//! when the check, a page or a message needs it, and verified to be the text that was
//! loaded. The texts of a 10,000-page legacy site are ~170 MB, more than half of a build's
//! memory budget, while each is needed only for moments (parsing, checking, rendering its
//! page, quoting it under a finding).

use std::path::Path;
use std::sync::Arc;

use crate::diagnostics::Diagnostic;

/// What is known of a file's text once loaded: its length and hash, to tell whether the
/// file still holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceText {
    len: usize,
    hash: u64,
}

impl SourceText {
    /// Remembers `text` (its length and hash, not the text).
    pub fn of(text: &str) -> Self {
        Self {
            len: text.len(),
            hash: xxhash_rust::xxh3::xxh3_64(text.as_bytes()),
        }
    }

    /// Length of the text in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// The text's xxh3-64 hash.
    pub fn hash(&self) -> u64 {
        self.hash
    }

    /// Whether the text is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether `text` is the text that was loaded.
    pub fn matches(&self, text: &str) -> bool {
        text.len() == self.len && xxhash_rust::xxh3::xxh3_64(text.as_bytes()) == self.hash
    }

    /// Reads the text again from `path`; an error when the file can no longer be read or
    /// was changed since it was loaded (positions taken from the old text would be wrong).
    pub fn read(&self, path: &Path) -> Result<Arc<str>, Diagnostic> {
        let text = super::load::read_text(path)?;
        if self.matches(&text) {
            Ok(text)
        } else {
            Err(Diagnostic::file_error(
                "changed",
                path,
                "файл изменился во время сборки: запустите её снова / the file changed during the build: run it again",
            ))
        }
    }
}
