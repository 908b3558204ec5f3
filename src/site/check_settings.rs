//! The `[check]` table of `content/site.toml`: settings of `yasno check`, kept with the other
//! settings so the site model does not depend on the checker that reads it.

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};

use serde::{Deserialize, Deserializer, Serialize};

/// A per-rule setting in `[check.rules]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Report as an error.
    Error,
    /// Report as a warning.
    Warning,
    /// Do not report.
    Off,
}

/// Site-specific additions to the production calendar.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CalendarExtension {
    /// Extra days off (holidays, transfers) not in the built-in data.
    #[serde(deserialize_with = "de_dates")]
    pub days_off: Vec<jiff::civil::Date>,
    /// Weekend days that are working days by a transfer.
    #[serde(deserialize_with = "de_dates")]
    pub working_days: Vec<jiff::civil::Date>,
}

/// The `[check]` table of `content/site.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CheckConfig {
    /// Severity per rule id: `"error"`, `"warning"` or `"off"`.
    pub rules: BTreeMap<String, Level>,
    /// A sentence longer than this many words is a warning.
    pub sentence_warning_words: usize,
    /// A sentence longer than this many words is an error.
    pub sentence_error_words: usize,
    /// A paragraph longer than this many words is too long.
    pub paragraph_max_words: usize,
    /// A paragraph with more sentences than this is too long.
    pub paragraph_max_sentences: usize,
    /// Lowest acceptable readability of a Russian page (Oborneva's Flesch adaptation).
    pub readability_min: f64,
    /// Lowest acceptable readability of an English page (Flesch reading ease).
    pub readability_min_en: f64,
    /// Pages with fewer words get a score in the report but no finding.
    pub readability_min_words: usize,
    /// A page not updated for this many months gets a `stale` warning.
    pub stale_months: i32,
    /// Working days allowed between a legal act's amendment and the page's update.
    pub freshness_working_days: i32,
    /// Abbreviations explained site-wide: `МФЦ = "многофункциональный центр"`.
    pub glossary: BTreeMap<String, String>,
    /// Extra words in capitals that are abbreviations, not shouting.
    pub abbreviations: Vec<String>,
    /// Groups of words naming one thing; replaces the built-in groups when set.
    pub terminology: Option<Vec<Vec<String>>>,
    /// Symbols that should be words; replaces the built-in list when set.
    pub special_symbols: Option<Vec<String>>,
    /// Phrases never reported as bureaucratese on this site.
    pub allow: Vec<String>,
    /// Additions to the production calendar.
    pub calendar: CalendarExtension,
}

impl Default for CheckConfig {
    fn default() -> Self {
        CheckConfig {
            rules: BTreeMap::new(),
            sentence_warning_words: 15,
            sentence_error_words: 25,
            paragraph_max_words: 80,
            paragraph_max_sentences: 5,
            readability_min: 30.0,
            readability_min_en: 50.0,
            readability_min_words: 60,
            stale_months: 12,
            freshness_working_days: 3,
            glossary: BTreeMap::new(),
            abbreviations: Vec::new(),
            terminology: None,
            special_symbols: None,
            allow: Vec::new(),
            calendar: CalendarExtension::default(),
        }
    }
}

impl CheckConfig {
    /// A hash of every setting, so cached results are dropped when settings change.
    pub fn fingerprint(&self) -> u64 {
        let json = serde_json::to_string(self).unwrap_or_default();
        let mut h = std::hash::DefaultHasher::new();
        json.hash(&mut h);
        h.finish()
    }
}

fn de_dates<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<jiff::civil::Date>, D::Error> {
    // TOML dates arrive as a datetime value, hand-written ones as strings: take both.
    let values = Vec::<toml::Value>::deserialize(d)?;
    values
        .into_iter()
        .map(|v| {
            let s = match v {
                toml::Value::String(s) => s,
                toml::Value::Datetime(dt) => dt.to_string(),
                other => {
                    return Err(serde::de::Error::custom(format!(
                        "ожидалась дата вида 2027-01-11, получено {other}"
                    )));
                }
            };
            s.parse::<jiff::civil::Date>().map_err(|e| {
                serde::de::Error::custom(format!("дата `{s}` не читается ({e}); пишите 2027-01-11"))
            })
        })
        .collect()
}
