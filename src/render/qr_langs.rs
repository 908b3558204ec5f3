//! The languages of a reception's QR link (issue 16): one poster carries the call to action
//! in every language of the site under one code, and the code's landing page offers the
//! same survey in each language, at `/q/<tag>/<slug>/` (the site's language) and
//! `/q/<tag>/<slug>/<lang>/` (the others).

use serde::Serialize;

use super::Renderer;
use crate::site::Service;

/// One language's call to action on a poster.
#[derive(Debug, Clone, Serialize)]
pub struct CtaLine {
    /// Language code, for the line's `lang`.
    pub lang: String,
    /// The short call to action (`poster_cta`).
    pub text: String,
}

/// A link from a landing page to the landing page in one language.
#[derive(Debug, Clone, Serialize)]
pub struct LangLink {
    /// Language code, for `lang` and `hreflang`.
    pub lang: String,
    /// The language named in itself (`lang_name`).
    pub name: String,
    /// Path of the landing page in that language.
    pub path: String,
    /// Whether it is the page that shows the list.
    pub current: bool,
}

/// Path of the landing page in `lang`: the link's own path in the site's language.
pub fn landing_path_in(landing: &str, lang: &str, default_lang: &str) -> String {
    if lang == default_lang {
        landing.to_owned()
    } else {
        format!("{landing}{lang}/")
    }
}

impl Renderer<'_> {
    /// The languages posters and landing pages speak: the site's own first, then the other
    /// languages of the theme's tables.
    pub(super) fn qr_languages(&self) -> Vec<&str> {
        let default = self.site.settings.lang.as_str();
        let mut langs = vec![default];
        langs.extend(self.theme.languages().filter(|l| *l != default));
        langs
    }

    /// The poster's call to action, one short line per language.
    pub(super) fn cta_lines(&self) -> Vec<CtaLine> {
        self.qr_languages()
            .into_iter()
            .map(|lang| CtaLine {
                lang: lang.to_owned(),
                text: self.theme.strings(lang).get("poster_cta").to_owned(),
            })
            .collect()
    }

    /// The links between the landing pages of `landing` in every language, `lang` current.
    pub(super) fn landing_links(&self, landing: &str, lang: &str) -> Vec<LangLink> {
        let default = self.site.settings.lang.as_str();
        self.qr_languages()
            .into_iter()
            .map(|l| LangLink {
                lang: l.to_owned(),
                name: self.theme.strings(l).get("lang_name").to_owned(),
                path: landing_path_in(landing, l, default),
                current: l == lang,
            })
            .collect()
    }

    /// The service's title in `lang` and the language it is in: its translation's, else its
    /// own.
    pub(super) fn title_in<'s>(&'s self, svc: &'s Service, lang: &str) -> (&'s str, &'s str) {
        let found = self.site.translations_of(svc).find(|x| x.lang == lang);
        let svc = found.unwrap_or(svc);
        (svc.meta.title.as_str(), svc.lang.as_str())
    }
}
