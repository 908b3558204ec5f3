//! What the collector says to a visitor, in the answer's language: the refusal messages of
//! the JSON API and the no-JS error page, from the theme's language tables (`collect_*`
//! keys), which the collector loads with the site. The site's languages are also the only
//! languages an answer may name.

use std::collections::BTreeMap;

use yasno_survey_core::FieldError;

/// The collector's strings by language: (language, key) → text.
#[derive(Debug, Clone, Default)]
pub struct Replies {
    by_lang: BTreeMap<String, BTreeMap<String, String>>,
    default_lang: String,
}

/// A refused no-JS form post: the page to go back to and the error page's words.
#[derive(Debug, Clone)]
pub(crate) struct FormBack {
    /// Path of the survey's page.
    pub(crate) path: String,
    /// Language of the error page.
    pub(crate) lang: String,
    /// Heading of the error page.
    pub(crate) title: String,
    /// Text of the link back to the survey.
    pub(crate) back: String,
}

impl Replies {
    /// The `collect_*` strings of each language's table; `default_lang` answers for a
    /// language the site does not have.
    pub fn new<'a>(
        tables: impl IntoIterator<Item = (&'a str, &'a BTreeMap<String, String>)>,
        default_lang: &str,
    ) -> Self {
        let by_lang = tables
            .into_iter()
            .map(|(lang, map)| {
                let keys = map.iter().filter(|(k, _)| k.starts_with("collect_"));
                (
                    lang.to_owned(),
                    keys.map(|(k, v)| (k.clone(), v.clone())).collect(),
                )
            })
            .collect();
        Self {
            by_lang,
            default_lang: default_lang.to_owned(),
        }
    }

    /// Whether answers may name `lang`: any tag when no tables were loaded (a collector set
    /// up without a site), else only the site's languages.
    pub(crate) fn knows(&self, lang: &str) -> bool {
        self.by_lang.is_empty() || self.by_lang.contains_key(lang)
    }

    /// The site's languages, comma-separated.
    pub(crate) fn languages(&self) -> String {
        self.by_lang.keys().cloned().collect::<Vec<_>>().join(", ")
    }

    /// `key` in `lang` (or the default language); `None` when no table has it.
    pub(crate) fn get(&self, lang: &str, key: &str) -> Option<&str> {
        let table = match self.by_lang.get(lang) {
            Some(t) => t,
            None => self.by_lang.get(&self.default_lang)?,
        };
        table.get(key).map(String::as_str)
    }

    /// The language the replies to `lang` are in.
    fn reply_lang<'a>(&'a self, lang: &'a str) -> &'a str {
        if self.by_lang.contains_key(lang) {
            lang
        } else {
            &self.default_lang
        }
    }

    /// A refusal in plain words of `lang`, the technical message kept as its detail; the
    /// error is left as it is when the tables have no words for it.
    pub(crate) fn localize(&self, mut error: FieldError, lang: &str) -> (FieldError, String) {
        let head = error.field.split('.').next().unwrap_or_default();
        let key = match head {
            "answers" | "version" | "service" | "lang" => format!("collect_error_{head}"),
            _ => "collect_error_other".to_owned(),
        };
        match self.get(lang, &key) {
            Some(text) => {
                let detail = std::mem::replace(&mut error.message, text.to_owned());
                (error, detail)
            }
            None => (error, String::new()),
        }
    }

    /// The words of the error page for a refused form post from `path` in `lang`.
    pub(crate) fn form_back(&self, path: &str, lang: &str) -> FormBack {
        let word = |key, fallback: &str| self.get(lang, key).unwrap_or(fallback).to_owned();
        FormBack {
            path: path.to_owned(),
            lang: self.reply_lang(lang).to_owned(),
            title: word(
                "collect_error_title",
                "Ответ не принят / Answer not accepted",
            ),
            back: word(
                "collect_error_back",
                "Вернуться к опросу / Back to the survey",
            ),
        }
    }
}
