//! The site's languages as pages see them: each language's settings (translated by
//! `content/site.<lang>.toml`), its `site` template value, its URL root, and the links
//! between the versions of one page (switcher, `hreflang` alternates, sitemap).

use super::Theme;
use super::views::{SiteView, TranslationLink};
use crate::site::{Settings, Site};

/// One language of the site, ready for rendering.
pub struct LangCtx {
    /// Language code.
    pub code: String,
    /// The settings with this language's texts.
    pub settings: Settings,
    /// The `site` template value for this language; `None` for the site's own language,
    /// whose value is the theme's global.
    pub site_value: Option<tera::Value>,
    /// `/` for the site's language, `/<lang>/` for the others.
    pub root: String,
}

/// Every language of `site`, its own first.
pub fn contexts(site: &Site) -> Vec<LangCtx> {
    let s = &site.settings;
    site.langs
        .iter()
        .map(|code| {
            if *code == s.lang {
                return LangCtx {
                    code: code.clone(),
                    settings: s.clone(),
                    site_value: None,
                    root: "/".into(),
                };
            }
            let texts = site.texts.get(code);
            let view = SiteView::translated(s, texts, code);
            let (settings, _) = texts.cloned().unwrap_or_default().apply(s, code);
            LangCtx {
                code: code.clone(),
                settings,
                site_value: Some(tera::Value::from_serializable(&view)),
                root: format!("/{code}/"),
            }
        })
        .collect()
}

/// The versions of one page: (language, path) for each language it exists in.
pub type Versions = Vec<(String, String)>;

/// Links to the versions of a page in `lang`: one per site language, named in itself; a
/// language the page does not exist in leads to that language's home page.
pub fn switcher(
    langs: &[LangCtx],
    theme: &Theme,
    versions: &Versions,
    lang: &str,
) -> Vec<TranslationLink> {
    langs
        .iter()
        .map(|l| {
            let found = versions.iter().find(|(v, _)| *v == l.code);
            TranslationLink {
                lang: l.code.clone(),
                name: theme.strings(&l.code).get("lang_name").to_owned(),
                url: found.map_or_else(|| l.root.clone(), |(_, u)| u.clone()),
                current: l.code == lang,
                exists: found.is_some(),
            }
        })
        .collect()
}

/// `hreflang` alternates of a page: every version, itself included.
pub fn alternates(theme: &Theme, versions: &Versions) -> Vec<TranslationLink> {
    versions
        .iter()
        .map(|(lang, url)| TranslationLink {
            lang: lang.clone(),
            name: theme.strings(lang).get("lang_name").to_owned(),
            url: url.clone(),
            current: false,
            exists: true,
        })
        .collect()
}
