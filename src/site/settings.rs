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
