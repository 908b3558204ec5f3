//! Site-wide settings (`content/site.toml`) and their checks.

use serde::{Deserialize, Serialize};

use super::service::is_slug;
use super::spans::FileAt;
use super::{CheckConfig, Contacts, Reception};
use crate::diagnostics::Diagnostics;

/// Site-wide settings from `content/site.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Name of the site (the administration).
    pub name: String,
    /// Short name for the header.
    #[serde(default)]
    pub short_name: Option<String>,
    /// Absolute base URL without a trailing slash, e.g. `https://msapt-ostrov.ru`.
    pub base_url: String,
    /// Default language of the site.
    #[serde(default = "default_lang")]
    pub lang: String,
    /// Theme folder name under `themes/`.
    #[serde(default = "default_theme")]
    pub theme: String,
    /// Origin (and prefix) of the survey collector; empty means the site's own origin.
    #[serde(default)]
    pub collector_url: String,
    /// The site's id in an answer store shared by several sites (`yasno collect`); by
    /// default the host of `base_url` as a slug (see [`Settings::site_id`]).
    #[serde(default)]
    pub site_id: Option<String>,
    /// Allow raw HTML in Markdown (escaped by default).
    #[serde(default)]
    pub allow_html: bool,
    /// A notice shown on every page, e.g. that some details are sample data.
    #[serde(default)]
    pub notice: Option<String>,
    /// Default contacts that services inherit.
    pub contacts: Contacts,
    /// Default reception that services inherit.
    #[serde(default)]
    pub reception: Reception,
    /// Links to official pages (VK, portals), shown in the footer and on the contacts page.
    #[serde(default)]
    pub links: Vec<SiteLink>,
    /// Categories, in the order they are shown.
    pub categories: Vec<Category>,
    /// Reception locations; each tag marks answers that come from its QR codes.
    #[serde(default)]
    pub locations: Vec<Location>,
    /// `yasno check` settings: rule severities, thresholds, glossary, calendar additions.
    #[serde(default)]
    pub check: CheckConfig,
    /// QR codes on posters and landing pages (`[qr]`): error correction and quiet zone.
    #[serde(default)]
    pub qr: crate::qr::QrOptions,
    /// `yasno report` settings (`[report]`): alert threshold, minimum answers, themes.
    #[serde(default)]
    pub report: super::report_settings::ReportSettings,
    /// Where `yasno build` writes the staff handbook, relative to the site folder
    /// (`handbook` by default); never inside the public output.
    #[serde(default)]
    pub handbook_dir: Option<String>,
}

fn default_lang() -> String {
    "ru".into()
}

fn default_theme() -> String {
    "default".into()
}

/// A link to an official page.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SiteLink {
    /// Text of the link.
    pub title: String,
    /// Address.
    pub url: String,
}

/// A category of services.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    /// Slug used in URLs and in services' `category`.
    pub slug: String,
    /// Title.
    pub title: String,
    /// One plain sentence about the category.
    #[serde(default)]
    pub description: String,
}

/// A reception location, whose tag marks survey answers from its QR codes.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Location {
    /// Short tag, latin letters and digits, used in QR links.
    pub tag: String,
    /// Name, e.g. «Приёмная, 1 этаж».
    pub name: String,
    /// Address.
    #[serde(default)]
    pub address: String,
}

impl Settings {
    /// The site's id in the answer store: `site_id` if set, else the host of `base_url`
    /// with every run of other characters than latin letters and digits made one '-'
    /// (`https://msapt-ostrov.ru` -> `msapt-ostrov-ru`). Every command asks here, so one
    /// site.toml gives one id.
    pub fn site_id(&self) -> String {
        if let Some(id) = &self.site_id {
            return id.clone();
        }
        let after_scheme = self
            .base_url
            .find("://")
            .map_or(self.base_url.as_str(), |i| &self.base_url[i + 3..]);
        let host = after_scheme
            .split(['/', '?', '#'])
            .next()
            .unwrap_or_default();
        let mut slug = String::new();
        for c in host.chars().map(|c| c.to_ascii_lowercase()) {
            if c.is_ascii_alphanumeric() {
                slug.push(c);
            } else if !slug.is_empty() && !slug.ends_with('-') {
                slug.push('-');
            }
        }
        slug.trim_end_matches('-').to_owned()
    }

    /// Checks what the typed parse cannot: an absolute base URL, and tags and slugs that can
    /// be parts of addresses, each tag used once.
    pub(crate) fn check(&self, at: &FileAt<'_>) -> Diagnostics {
        let mut diags = Diagnostics::default();
        if !(self.base_url.starts_with("https://") || self.base_url.starts_with("http://")) {
            diags.push(
                at.error(
                    "invalid-field",
                    at.spans.at("base_url"),
                    "поле `base_url`: нужен полный адрес сайта / `base_url` must be an absolute URL",
                )
                .with_help("например / for example: base_url = \"https://msapt-ostrov.ru\""),
            );
        }
        if let Some(id) = self.site_id.as_deref().filter(|id| !is_slug(id)) {
            diags.push(
                at.error(
                    "invalid-field",
                    at.spans.at("site_id"),
                    format!("поле `site_id` «{id}»: только латинские строчные буквы, цифры и дефис / `site_id`: lowercase latin letters, digits and '-'"),
                )
                .with_help("например / for example: site_id = \"ostrov\""),
            );
        }
        for (i, loc) in self.locations.iter().enumerate() {
            let tag_at = at.spans.at(&format!("locations[{i}].tag"));
            if !is_slug(&loc.tag) {
                diags.push(at.error(
                    "invalid-field",
                    tag_at.clone(),
                    format!("метка места приёма «{}»: только латинские строчные буквы, цифры и дефис / location tag: lowercase latin letters, digits and '-'", loc.tag),
                ));
            }
            // `web` marks answers from the site itself; a location must not look like it, and
            // two locations with one tag would write the same QR pages.
            let repeated = self.locations[..i].iter().any(|l| l.tag == loc.tag);
            if loc.tag == "web" || repeated {
                let why = if loc.tag == "web" {
                    "«web» означает ответы с сайта / `web` marks answers from the site"
                } else {
                    "она встречается дважды / it appears twice"
                };
                diags.push(
                    at.error(
                        "invalid-field",
                        tag_at,
                        format!("метка места приёма «{}» занята / location tag `{}` is taken ({why})", loc.tag, loc.tag),
                    )
                    .with_help("дайте каждому месту свою метку, например tag = \"priemnaya\" / give each location its own tag"),
                );
            }
        }
        for (i, c) in self.categories.iter().enumerate() {
            if !is_slug(&c.slug) {
                diags.push(at.error(
                    "invalid-field",
                    at.spans.at(&format!("categories[{i}].slug")),
                    format!("slug категории «{}»: только латинские строчные буквы, цифры и дефис / category slug: lowercase latin letters, digits and '-'", c.slug),
                ));
            }
        }
        diags
    }
}
