//! Translations of the settings' texts: `content/site.<lang>.toml` holds the site's name,
//! notice, phone hours, reception hours and access, link titles and categories in one
//! language. Facts (phone, e-mail, addresses of sites, the reception address, slugs) stay in
//! `content/site.toml` and are refused here at their value.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::Settings;
use super::frontmatter::{self, Format};
use super::service::is_lang_code;
use super::spans::FileAt;
use super::translation::{Kind, refuse_facts};
use crate::diagnostics::Diagnostics;

/// The phone texts of the contacts.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactsText {
    /// When the phone is answered.
    pub phone_hours: Option<String>,
    /// The unit responsible.
    pub unit: Option<String>,
}

/// The reception's texts.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceptionText {
    /// Reception hours.
    pub hours: Option<String>,
    /// How to get into the building.
    pub access: Option<String>,
}

/// A category's texts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryText {
    /// Title.
    pub title: String,
    /// One sentence.
    #[serde(default)]
    pub description: Option<String>,
}

/// `content/site.<lang>.toml`: the settings' texts in one language.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteTexts {
    /// Name of the site.
    pub name: Option<String>,
    /// Short name.
    pub short_name: Option<String>,
    /// The notice on every page.
    pub notice: Option<String>,
    /// Contacts' texts.
    #[serde(default)]
    pub contacts: ContactsText,
    /// Reception's texts.
    #[serde(default)]
    pub reception: ReceptionText,
    /// Titles of the settings' links, in their order.
    #[serde(default)]
    pub links: Vec<String>,
    /// Categories' texts by slug.
    #[serde(default)]
    pub categories: BTreeMap<String, CategoryText>,
    /// Whether a native speaker has checked these texts.
    #[serde(default)]
    pub reviewed: bool,
    /// Hash of each settings text this translation was made from (see [`source_hashes`]).
    #[serde(default)]
    pub translated_from: BTreeMap<String, String>,
    /// The file as read, for findings about it (set by the loader).
    #[serde(skip)]
    pub file: Option<super::SourceFile>,
}

/// The settings' texts with the hash of each, as a translation records them.
pub fn source_hashes(s: &Settings) -> BTreeMap<String, String> {
    use super::translation::short_hash;
    let mut out = BTreeMap::new();
    let mut put = |k: &str, v: &str| {
        if !v.trim().is_empty() {
            out.insert(k.to_owned(), short_hash(v));
        }
    };
    put("name", &s.name);
    put("short_name", s.short_name.as_deref().unwrap_or(""));
    put("notice", s.notice.as_deref().unwrap_or(""));
    put(
        "contacts",
        &format!("{}\n\u{1f}{}", s.contacts.phone_hours, s.contacts.unit),
    );
    put(
        "reception",
        &format!("{}\n\u{1f}{}", s.reception.hours, s.reception.access),
    );
    let links: Vec<&str> = s.links.iter().map(|l| l.title.as_str()).collect();
    put("links", &links.join("\n\u{1f}"));
    let cats: Vec<String> = (s.categories.iter())
        .map(|c| format!("{}\n\u{1f}{}", c.title, c.description))
        .collect();
    put("categories", &cats.join("\n\u{1f}"));
    out
}

/// Which texts of the settings stayed in the site's language (the view marks them with it).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct TextLangs {
    /// Language of the name and short name.
    pub name: String,
    /// Of the notice.
    pub notice: String,
    /// Of the phone hours and unit.
    pub contacts: String,
    /// Of the reception hours and access (the address is always in the site's language).
    pub reception: String,
    /// Of the link titles.
    pub links: String,
}

impl SiteTexts {
    /// `settings` with these texts in place, and the language of each part.
    pub fn apply(&self, settings: &Settings, lang: &str) -> (Settings, TextLangs) {
        let mut s = settings.clone();
        let own = |has: bool| {
            if has {
                lang.to_owned()
            } else {
                settings.lang.clone()
            }
        };
        let langs = TextLangs {
            name: own(self.name.is_some()),
            notice: own(self.notice.is_some()),
            contacts: own(self.contacts.phone_hours.is_some()),
            reception: own(self.reception.hours.is_some()),
            links: own(self.links.len() == settings.links.len()),
        };
        if let Some(n) = &self.name {
            s.name = n.clone();
        }
        if self.short_name.is_some() || self.name.is_some() {
            s.short_name = self.short_name.clone().or_else(|| self.name.clone());
        }
        if let Some(n) = &self.notice {
            s.notice = Some(n.clone());
        }
        set(&mut s.contacts.phone_hours, &self.contacts.phone_hours);
        set(&mut s.contacts.unit, &self.contacts.unit);
        set(&mut s.reception.hours, &self.reception.hours);
        set(&mut s.reception.access, &self.reception.access);
        if self.links.len() == settings.links.len() {
            for (l, t) in s.links.iter_mut().zip(&self.links) {
                l.title = t.clone();
            }
        }
        for c in &mut s.categories {
            if let Some(t) = self.categories.get(&c.slug) {
                c.title = t.title.clone();
                if let Some(d) = &t.description {
                    c.description = d.clone();
                }
            }
        }
        s.lang = lang.to_owned();
        (s, langs)
    }
}

fn set(to: &mut String, from: &Option<String>) {
    if let Some(v) = from {
        *to = v.clone();
    }
}

/// Loads every `content/site.<lang>.toml`; mistakes go into `diags`.
pub fn load_all(
    content: &Path,
    settings: &Settings,
    diags: &mut Diagnostics,
) -> BTreeMap<String, SiteTexts> {
    let mut out = BTreeMap::new();
    // Only `content/` itself: a site of 10,000 services is not walked for these few files.
    let mut langs: Vec<String> = std::fs::read_dir(content)
        .into_iter()
        .flatten()
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            let lang = name.strip_prefix("site.")?.strip_suffix(".toml")?;
            (is_lang_code(lang) && lang != settings.lang).then(|| lang.to_owned())
        })
        .collect();
    langs.sort();
    for lang in langs {
        let path = content.join(format!("site.{lang}.toml"));
        match load_one(&path, settings) {
            Ok(t) => {
                out.insert(lang, t);
            }
            Err(d) => diags.0.extend(d.0),
        }
    }
    out
}

fn load_one(path: &Path, settings: &Settings) -> Result<SiteTexts, Diagnostics> {
    let source = super::read_text(path)?;
    let spans = super::spans::Spans::parse(Format::Toml, &source, 0..source.len());
    if let Some(spans) = &spans {
        let at = FileAt {
            path,
            source: &source,
            spans,
        };
        let refused = refuse_facts(&at, Kind::Site, "content/site.toml");
        if refused.has_errors() {
            return Err(refused);
        }
    }
    let (texts, spans): (SiteTexts, _) =
        frontmatter::parse_spanned(path, &source, Format::Toml, 0..source.len())?;
    let at = FileAt {
        path,
        source: &source,
        spans: &spans,
    };
    let mut diags = Diagnostics::default();
    for slug in texts.categories.keys() {
        if !settings.categories.iter().any(|c| &c.slug == slug) {
            diags.push(at.error(
                "unknown-category",
                at.spans.at(&format!("categories.{slug}")),
                format!("категории «{slug}» нет в content/site.toml / unknown category `{slug}`"),
            ));
        }
    }
    if !texts.links.is_empty() && texts.links.len() != settings.links.len() {
        diags.push(at.error(
            "translation-missing",
            at.spans.at("links"),
            format!(
                "в content/site.toml ссылок {}, а здесь {} / content/site.toml has {} links, this file {}",
                settings.links.len(),
                texts.links.len(),
                settings.links.len(),
                texts.links.len()
            ),
        ).with_help("переведите название каждой ссылки, по порядку / translate every link's title, in order"));
    }
    if diags.has_errors() {
        return Err(diags);
    }
    let mut texts = texts;
    texts.file = Some(super::SourceFile {
        path: path.to_owned(),
        source,
        spans: std::sync::Arc::new(spans),
    });
    Ok(texts)
}
