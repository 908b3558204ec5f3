//! The theme's translation tables: every UI string of the theme comes from
//! `themes/<theme>/i18n/<lang>.toml`, never from a literal in a template.
//!
//! The site's default language table is complete by definition; other languages are checked
//! against it at load time, so a missing key is an error with its file, not a blank on a page.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::site::frontmatter::{self, Format};

/// Plural forms: [one, few, many] for Russian, [one, other] for English.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Plurals {
    /// «рабочий день», «рабочих дня», «рабочих дней».
    pub working_days: Vec<String>,
    /// «календарный день», …
    pub calendar_days: Vec<String>,
    /// «рубль», «рубля», «рублей».
    pub roubles: Vec<String>,
}

/// One language's strings.
#[derive(Debug, Clone)]
pub struct Strings {
    /// Language code.
    pub lang: String,
    /// Key → text.
    pub map: BTreeMap<String, String>,
    /// Plural forms.
    pub plural: Plurals,
    /// The same strings as a template value, built once.
    pub value: tera::Value,
}

#[derive(Deserialize)]
struct File {
    plural: Plurals,
    #[serde(flatten)]
    map: BTreeMap<String, String>,
}

impl Strings {
    /// The text for `key`; keys are validated at load, so a miss means a bug in the code.
    pub fn get<'a>(&'a self, key: &'a str) -> &'a str {
        self.map.get(key).map_or(key, String::as_str)
    }
}

/// Loads every `<lang>.toml` in `dir`; `default_lang` must be present, others must have its keys.
pub fn load(dir: &Path, default_lang: &str) -> Result<BTreeMap<String, Strings>, Diagnostics> {
    let mut out = BTreeMap::new();
    let mut diags = Diagnostics::default();
    let mut sources = BTreeMap::new();
    let entries = std::fs::read_dir(dir).map_err(|e| {
        Diagnostic::file_error(
            "theme",
            dir,
            format!("нет папки переводов темы / the theme has no i18n folder: {e}"),
        )
    })?;
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let lang = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_owned();
        let source: Arc<str> = match std::fs::read_to_string(&path) {
            Ok(s) => s.into(),
            Err(e) => {
                diags.push(Diagnostic::file_error("io", &path, e.to_string()));
                continue;
            }
        };
        match frontmatter::parse_typed::<File>(&path, &source, Format::Toml, 0..source.len()) {
            Ok(f) => {
                let value = tera::Value::from_serializable(&f.map);
                sources.insert(lang.clone(), (path, source));
                out.insert(
                    lang.clone(),
                    Strings {
                        lang,
                        map: f.map,
                        plural: f.plural,
                        value,
                    },
                );
            }
            Err(d) => diags.push(d),
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }
    let Some(base) = out.get(default_lang) else {
        return Err(Diagnostic::file_error(
            "theme",
            dir,
            format!("нет перевода для языка сайта / no strings for the site language `{default_lang}`: add {default_lang}.toml"),
        )
        .into());
    };
    for (lang, strings) in &out {
        for key in base.map.keys() {
            if !strings.map.contains_key(key) {
                let (path, source) = &sources[lang];
                diags.push(
                    Diagnostic::error("i18n", path, source, 0..0, format!("нет строки `{key}` / missing string `{key}`"))
                        .with_help(format!("скопируйте её из {default_lang}.toml и переведите / copy it from {default_lang}.toml and translate")),
                );
            }
        }
    }
    if diags.has_errors() {
        Err(diags)
    } else {
        Ok(out)
    }
}
