//! The `[report]` table of `content/site.toml`: thresholds of the quarterly report and the
//! themes its comments are grouped by.

use serde::{Deserialize, Serialize};

/// Settings of `yasno report` (`[report]` in `content/site.toml`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReportSettings {
    /// A service whose share of ratings 1–2 is above this (0..1) goes on the alert list.
    pub low_share_alert: f64,
    /// Fewer rated answers than this are "too few to compare": no alert, a plain note.
    pub min_answers: usize,
    /// Comment themes, each a name and its words (any inflected form matches).
    pub themes: Vec<ReportTheme>,
}

/// A comment theme: a name and the words that mark it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportTheme {
    /// Shown in the report, e.g. `Очереди`.
    pub name: String,
    /// Words in any form, e.g. `["очередь", "ждать"]`.
    pub words: Vec<String>,
}

impl Default for ReportSettings {
    fn default() -> Self {
        Self {
            low_share_alert: 0.2,
            min_answers: 10,
            themes: Vec::new(),
        }
    }
}
