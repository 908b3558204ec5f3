//! A service page and a plain page as the rest of the pipeline sees them, and the checks of
//! a service's front matter against the site (address, category, survey, links), which
//! need the settings and the surveys and so run after the typed parse.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use yasno_survey_core::Survey;

use super::spans::{FileAt, Spans};
use super::{Contacts, Date, FrontMatter, Reception, RefusalGround, Settings, SurveyChoice};
use crate::diagnostics::{Diagnostic, did_you_mean};

/// A plain page from `content/pages/<slug>.md`, published at `/<slug>/`.
#[derive(Debug, Clone)]
pub struct ContentPage {
    /// URL slug from the file name.
    pub slug: String,
    /// The file it comes from.
    pub source_path: PathBuf,
    /// The whole file text.
    pub source: Arc<str>,
    /// Byte offset of the body.
    pub body_offset: usize,
    /// Where each front-matter value is written.
    pub spans: Arc<Spans>,
    /// Its front matter (for a translation: its title and summary, the source's date).
    pub meta: PageMeta,
    /// Language of this page: the site language, or the file's suffix (`name.en.md`).
    pub lang: String,
    /// For a translation: what it records about its source.
    pub translation: Option<Arc<super::translation::TranslationInfo>>,
}

impl ContentPage {
    /// The Markdown body.
    pub fn body(&self) -> &str {
        &self.source[self.body_offset..]
    }

    /// Path of the page in the output, e.g. `/accessibility/` or `/en/accessibility/`.
    pub fn url_path(&self, settings: &Settings) -> String {
        if self.lang == settings.lang {
            format!("/{}/", self.slug)
        } else {
            format!("/{}/{}/", self.lang, self.slug)
        }
    }
}

/// Front matter of a plain page.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageMeta {
    /// Title.
    pub title: String,
    /// One sentence.
    #[serde(default)]
    pub summary: Option<String>,
    /// Last update.
    #[serde(default)]
    pub updated: Option<Date>,
}

/// One service page (or a translation of one), validated and with inherited values resolved.
#[derive(Debug, Clone)]
pub struct Service {
    /// URL slug, from the file name unless the front matter sets one.
    pub slug: String,
    /// Language of this page: the site language, or the file's suffix (`name.en.md`).
    pub lang: String,
    /// The file the service comes from.
    pub source_path: PathBuf,
    /// The whole file text, as loaded: read again when needed ([`Service::text`]).
    pub source: super::SourceText,
    /// Byte offset where the Markdown body starts in the text.
    pub body_offset: usize,
    /// 1-based line where the body starts.
    pub body_line: usize,
    /// What the editor wrote in the front matter.
    pub meta: Box<FrontMatter>,
    /// Where each front-matter value is written.
    pub spans: Arc<Spans>,
    /// Contacts after inheritance from the settings.
    pub contacts: Contacts,
    /// Reception after inheritance from the settings.
    pub reception: Reception,
    /// The survey shown on the page; `None` when turned off. Shared: most services show the
    /// same survey, and 10,000 copies of it were a measurable part of a build.
    pub survey: Option<Arc<Survey>>,
    /// Grounds for refusal (a copy of the front matter's, the field the monitoring reads).
    pub refusal_grounds: Vec<RefusalGround>,
    /// For a translation: its own text and what it records about its source.
    pub translation: Option<Arc<super::translation::TranslationInfo>>,
}

impl Service {
    /// The whole file text, read again from the file (see [`super::SourceText`]); the
    /// Markdown body starts at `body_offset`.
    pub fn text(&self) -> Result<Arc<str>, Diagnostic> {
        self.source.read(&self.source_path)
    }

    /// Whether this page is in the site's default language.
    pub fn is_default_lang(&self, settings: &Settings) -> bool {
        self.lang == settings.lang
    }

    /// Path of the page in the output, e.g. `/services/opeka/` or `/en/services/opeka/`.
    pub fn url_path(&self, settings: &Settings) -> String {
        self.url_path_as(&self.slug, settings)
    }

    /// Path the page would have under `slug`: for its earlier slugs (`aliases`).
    pub fn url_path_as(&self, slug: &str, settings: &Settings) -> String {
        if self.is_default_lang(settings) {
            format!("/services/{slug}/")
        } else {
            format!("/{}/services/{slug}/", self.lang)
        }
    }
}

/// The languages yasno knows, in the order the switcher shows them. Any other two- or
/// three-letter code works too (`name.<lang>.md`, `site.<lang>.toml` and a theme table
/// `i18n/<lang>.toml`), after these.
pub const LANGS: &[&str] = &["ru", "en", "uz", "tg", "ky"];

/// Whether `s` can be a language code in a file name: two or three lowercase latin letters.
pub(crate) fn is_lang_code(s: &str) -> bool {
    (2..=3).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_lowercase())
}

/// Whether `s` can be a part of an address: lowercase latin letters, digits, inner hyphens.
pub(crate) fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// Names of pages the site itself publishes, which a plain page may not take.
const RESERVED_PAGES: &[&str] = &[
    "services",
    "categories",
    "faq",
    "contacts",
    "widgets",
    "q",
    "posters",
    "api",
    "css",
    "js",
];

/// Whether a plain page's file name can be its address.
pub(crate) fn is_page_slug(slug: &str) -> bool {
    is_slug(slug) && !RESERVED_PAGES.contains(&slug)
}

/// The address of a service: its own `slug` or the file's, when it is valid.
pub(crate) fn check_slug(at: &FileAt<'_>, meta: &FrontMatter, slug: &str) -> Option<Diagnostic> {
    if is_slug(slug) {
        return None;
    }
    let span = if meta.slug.is_some() {
        at.spans.at("slug")
    } else {
        0..0
    };
    Some(
        at.error(
            "invalid-slug",
            span,
            format!("адрес страницы «{slug}» не подходит / `{slug}` is not a valid slug"),
        )
        .with_help("назовите файл латинскими строчными буквами через дефис, например opeka-nad-rebenkom.md / name the file in lowercase latin letters and hyphens"),
    )
}

/// Each earlier slug must be a valid slug other than the service's own.
pub(crate) fn check_aliases(at: &FileAt<'_>, meta: &FrontMatter, slug: &str) -> Vec<Diagnostic> {
    meta.aliases
        .iter()
        .enumerate()
        .filter(|(_, a)| !is_slug(a) || a.as_str() == slug)
        .map(|(i, a)| {
            at.error(
                "invalid-slug",
                at.spans.at(&format!("aliases[{i}]")),
                format!("прежний адрес «{a}» не подходит / `{a}` is not a valid earlier slug"),
            )
            .with_help("укажите прежнее имя файла услуги без .md, латиницей, например aliases = [\"staroe-imya\"] / the service's earlier file name, without .md")
        })
        .collect()
}

/// The service's category must be one of the settings' categories.
pub(crate) fn check_category(
    at: &FileAt<'_>,
    meta: &FrontMatter,
    settings: &Settings,
) -> Option<Diagnostic> {
    let cats: Vec<&str> = settings
        .categories
        .iter()
        .map(|c| c.slug.as_str())
        .collect();
    if cats.contains(&meta.category.as_str()) {
        return None;
    }
    let d = at
        .error(
            "unknown-category",
            at.spans.at("category"),
            format!(
                "категории «{}» нет в content/site.toml / unknown category `{}`",
                meta.category, meta.category
            ),
        )
        .with_label("такой категории нет / no such category");
    Some(match did_you_mean(&meta.category, &cats) {
        Some(s) => d.with_help(format!("может быть, \"{s}\"? / did you mean \"{s}\"?")),
        None => d.with_help(format!("категории / categories: {}", cats.join(", "))),
    })
}

/// The survey the service shows (`None` when turned off), or why its `survey` is wrong.
/// `default` is the site's default survey.
pub(crate) fn resolve_survey(
    at: &FileAt<'_>,
    meta: &FrontMatter,
    surveys: &BTreeMap<String, Arc<Survey>>,
    default: &Arc<Survey>,
) -> Result<Option<Arc<Survey>>, Diagnostic> {
    let id = match &meta.survey {
        Some(SurveyChoice::Enabled(false)) => return Ok(None),
        None | Some(SurveyChoice::Enabled(true)) => return Ok(Some(default.clone())),
        Some(SurveyChoice::Id(id)) => id,
    };
    if let Some(s) = surveys.get(id) {
        return Ok(Some(s.clone()));
    }
    let ids: Vec<&str> = surveys.keys().map(String::as_str).collect();
    let d = at.error(
        "unknown-survey",
        at.spans.at("survey"),
        format!("опроса «{id}» нет в content/surveys/ / unknown survey `{id}`"),
    );
    Err(match did_you_mean(id, &ids) {
        Some(s) => d.with_help(format!("может быть, \"{s}\"? / did you mean \"{s}\"?")),
        None => d.with_help(format!(
            "создайте content/surveys/{id}.toml или напишите survey = false / create content/surveys/{id}.toml or write survey = false"
        )),
    })
}

/// Each ground for refusal says both why and what to do: an empty half would be shown to
/// people and put into refusal letters as a blank.
pub(crate) fn check_refusal_grounds(at: &FileAt<'_>, meta: &FrontMatter) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (i, g) in meta.refusal_grounds.iter().enumerate() {
        for (field, text) in [("ground", &g.ground), ("remedy", &g.remedy)] {
            if text.trim().is_empty() {
                out.push(
                    at.error(
                        "invalid-field",
                        at.spans.at(&format!("refusal_grounds[{i}].{field}")),
                        format!("поле `refusal_grounds[{i}].{field}` пустое / `refusal_grounds[{i}].{field}` is empty"),
                    )
                    .with_help("ground — почему могут отказать, remedy — что человеку сделать; например { ground = \"Не хватает документов\", remedy = \"Принесите недостающие документы и подайте заявление снова\" } / ground: why, remedy: what the person can do"),
                );
            }
        }
    }
    out
}

/// Links of ways to apply and of legal acts must be absolute (or site paths).
pub(crate) fn check_links(at: &FileAt<'_>, meta: &FrontMatter) -> Vec<Diagnostic> {
    let apply = meta
        .apply
        .iter()
        .enumerate()
        .map(|(i, a)| ("apply", i, &a.url));
    let acts = (meta.legal_acts.iter().enumerate()).map(|(i, a)| ("legal_acts", i, &a.url));
    apply
        .chain(acts)
        .filter_map(|(field, index, url)| {
            let url = url.as_deref()?;
            let ok = url.starts_with("https://") || url.starts_with("http://") || url.starts_with('/');
            (!ok).then(|| {
                at.error(
                    "invalid-url",
                    at.spans.at(&format!("{field}[{index}].url")),
                    format!("поле `{field}`: ссылка «{url}» должна начинаться с https:// / a link must start with https://"),
                )
            })
        })
        .collect()
}
