//! Helpers shared by the integration test modules.

use std::path::{Path, PathBuf};

use scraper::{Html, Selector};

/// The repository root (the example site lives there).
pub(crate) fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Copies a folder tree (fixture sites into temporary folders).
pub(crate) fn copy_dir(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from) {
        let e = e.unwrap();
        let dest = to.join(e.path().strip_prefix(from).unwrap());
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}

/// Parses an HTML file of the output.
pub(crate) fn html(path: &Path) -> Html {
    Html::parse_document(&std::fs::read_to_string(path).unwrap())
}

/// A CSS selector (panics on a typo in the test).
pub(crate) fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap()
}
