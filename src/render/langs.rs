//! The site's languages as pages see them: each language's settings (translated by
//! `content/site.<lang>.toml`), its `site` template value, its URL root, and the links
//! between the versions of one page (switcher, `hreflang` alternates, sitemap).

use super::views::{SiteView, TranslationLink};
use super::{Meta, Renderer, Theme};
use crate::site::{Contacts, Reception, Service, Settings, Site};

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

impl Renderer<'_> {
    /// The layout values of a page whose versions (itself included) are `versions`.
    pub(super) fn meta_of<'m>(
        &'m self,
        lang: &'m str,
        title: &'m str,
        description: &'m str,
        path: &'m str,
        template: &'m str,
        versions: &Versions,
    ) -> Meta<'m> {
        let default = &self.site.settings.lang;
        let a11y = self
            .site
            .pages
            .iter()
            .find(|p| p.slug == "accessibility" && p.lang == *default);
        let (a11y_url, a11y_lang) = match a11y {
            Some(p) => match self.site.page_in(p, lang) {
                Some(t) => (t.url_path(&self.site.settings), lang),
                None => (p.url_path(&self.site.settings), default.as_str()),
            },
            None => ("/accessibility/".to_owned(), default.as_str()),
        };
        Meta {
            lang,
            title,
            description,
            path,
            canonical: format!("{}{}", self.site.settings.base_url, path),
            alternates: alternates(self.theme, versions),
            x_default: versions
                .iter()
                .find(|(l, _)| l == default)
                .map(|(_, u)| u.clone())
                .unwrap_or_default(),
            switcher: switcher(&self.langs, self.theme, versions, lang),
            root: &self.lang_ctx(lang).root,
            a11y_url,
            a11y_lang,
            not_reviewed: false,
            default_lang: default,
            template,
        }
    }

    /// The context of language `lang` (the site's own when it is not a site language).
    pub(super) fn lang_ctx(&self, lang: &str) -> &LangCtx {
        self.langs
            .iter()
            .find(|l| l.code == lang)
            .unwrap_or(&self.langs[0])
    }

    /// The same site path (`/faq/`, `/categories/x/`, …) in every site language.
    pub(super) fn every_lang(&self, rel: &str) -> Versions {
        self.langs
            .iter()
            .map(|l| (l.code.clone(), format!("{}{rel}", l.root)))
            .collect()
    }

    /// A service's contacts and reception as its page shows them: a translation shows the
    /// settings' texts in its language (the facts are the same).
    pub(super) fn contacts_in(svc: &Service, lc: &LangCtx) -> (Contacts, Reception) {
        if svc.translation.is_some() {
            (
                svc.meta.contacts.apply_to(&lc.settings.contacts),
                svc.meta.reception.apply_to(&lc.settings.reception),
            )
        } else {
            (svc.contacts.clone(), svc.reception.clone())
        }
    }

    /// Links to the other languages of `svc`, each named in its own language.
    pub(super) fn translation_links(&self, svc: &Service) -> Vec<TranslationLink> {
        self.site
            .translations_of(svc)
            .map(|x| TranslationLink {
                lang: x.lang.clone(),
                name: self.theme.strings(&x.lang).get("lang_name").to_owned(),
                url: x.url_path(&self.site.settings),
                current: false,
                exists: true,
            })
            .collect()
    }

    /// Every version of `svc` (itself included), the site's language first.
    pub(super) fn service_versions(&self, svc: &Service) -> Versions {
        let s = &self.site.settings;
        let mut v: Versions = std::iter::once(svc)
            .chain(self.site.translations_of(svc))
            .map(|x| (x.lang.clone(), x.url_path(s)))
            .collect();
        v.sort_by_key(|(l, _)| self.site.langs.iter().position(|x| x == l));
        v
    }
}
