//! Which pages a change touches: the dependency rules of incremental rebuilds.
//!
//! The rules are deliberately coarse where being exact would be fragile, and exact where it
//! matters for speed (a service edit at 10,000 pages):
//! - a service file → its page, its translations, its old and new category pages, and every
//!   page that lists services (home, all questions, contacts, 404, sitemap);
//! - a page template → the pages rendered by it; `base.html`, partials, or any other
//!   template that others include → every page;
//! - theme or site static files → the static files only;
//! - settings, surveys, translations (`i18n/`), content pages → everything.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::render::Page;
use crate::site::Site;

/// What a batch of file events asks for.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Plan {
    /// Reload and render everything.
    pub(crate) everything: bool,
    /// Service files that changed, appeared or disappeared.
    pub(crate) services: BTreeSet<PathBuf>,
    /// Template names (relative to `templates/`) that changed.
    pub(crate) templates: BTreeSet<String>,
    /// Static files changed.
    pub(crate) statics: bool,
    /// Paths under `content/services/` that vanished and may have been folders.
    pub(crate) gone: BTreeSet<PathBuf>,
}

impl Plan {
    /// Whether the batch touches nothing the site is built from.
    pub(crate) fn is_empty(&self) -> bool {
        !self.everything
            && self.services.is_empty()
            && self.templates.is_empty()
            && !self.statics
            && self.gone.is_empty()
    }
}

/// The folders to watch for a site in `root` with theme `theme`.
pub(crate) fn watched_dirs(root: &Path, theme: &str) -> Vec<PathBuf> {
    [
        root.join("content"),
        root.join("themes").join(theme),
        root.join("templates"),
        root.join("static"),
    ]
    .into_iter()
    .filter(|d| d.is_dir())
    .collect()
}

/// Editor droppings (swap files, backups) are not content.
fn is_noise(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name.starts_with('.')
        || name.starts_with('#')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".tmp")
}

/// Sorts changed paths (absolute, under `root`) into a plan.
pub(crate) fn classify(root: &Path, theme: &str, paths: &[PathBuf]) -> Plan {
    let mut plan = Plan::default();
    let content = root.join("content");
    let theme_dir = root.join("themes").join(theme);
    for path in paths {
        if is_noise(path) {
            continue;
        }
        let is_md = path.extension().is_some_and(|e| e == "md");
        if let Ok(rel) = path.strip_prefix(content.join("services")) {
            if is_md {
                plan.services.insert(path.clone());
            } else if path.is_dir() {
                // A folder of services appeared (or was moved in): load it all.
                plan.everything = true;
            } else if !path.exists() && rel.extension().is_none() {
                // Perhaps a folder moved away; services from under it are then gone.
                plan.gone.insert(path.clone());
            }
        } else if path.starts_with(&content) {
            plan.everything = true;
        } else if let Some(name) = template_name(path, &theme_dir.join("templates"))
            .or_else(|| template_name(path, &root.join("templates")))
        {
            plan.templates.insert(name);
        } else if path.starts_with(theme_dir.join("static"))
            || path.starts_with(root.join("static"))
        {
            plan.statics = true;
        } else if path.starts_with(&theme_dir) {
            // i18n tables and anything else of the theme.
            plan.everything = true;
        }
    }
    plan
}

fn template_name(path: &Path, dir: &Path) -> Option<String> {
    let rel = path.strip_prefix(dir).ok()?;
    Some(
        rel.components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"),
    )
}

/// The template a page is rendered with (mirrors `Renderer::render`).
pub(crate) fn template_of(page: Page) -> Option<&'static str> {
    Some(match page {
        Page::Home(_) => "index.html",
        Page::Service(_) => "service.html",
        Page::Category(..) => "category.html",
        Page::Faq(_) => "faq.html",
        Page::Contacts(_) => "contacts.html",
        Page::Content(_) => "page.html",
        Page::NotFound(_) => "404.html",
        Page::Sitemap => "sitemap.xml",
        Page::Robots => return None,
    })
}

/// Pages to re-render after `templates` changed; `None` means every page.
pub(crate) fn pages_for_templates(site: &Site, templates: &BTreeSet<String>) -> Option<Vec<Page>> {
    let all = crate::render::pages(site);
    let page_templates: BTreeSet<&str> = all.iter().filter_map(|p| template_of(*p)).collect();
    // A template no page is rendered with is a layout or a partial: it may be in any page.
    if templates
        .iter()
        .any(|t| !page_templates.contains(t.as_str()))
    {
        return None;
    }
    Some(
        all.into_iter()
            .filter(|p| template_of(*p).is_some_and(|t| templates.contains(t)))
            .collect(),
    )
}

/// Pages that list services, in every language: they change whenever any service does
/// (a translation too: the listings in its language link to it instead of the source).
pub(crate) fn listing_pages(site: &Site) -> Vec<Page> {
    let mut pages = vec![Page::Sitemap];
    for l in 0..site.langs.len() as crate::render::Lang {
        pages.extend([
            Page::Home(l),
            Page::Faq(l),
            Page::Contacts(l),
            Page::NotFound(l),
        ]);
    }
    pages
}

/// Category pages for the given category slugs.
pub(crate) fn category_pages<'a>(
    site: &Site,
    slugs: impl IntoIterator<Item = &'a str>,
) -> BTreeSet<Page> {
    let slugs: BTreeSet<&str> = slugs.into_iter().collect();
    site.settings
        .categories
        .iter()
        .enumerate()
        .filter(|(_, c)| slugs.contains(c.slug.as_str()))
        .flat_map(|(i, _)| {
            (0..site.langs.len() as crate::render::Lang).map(move |l| Page::Category(i, l))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_changes_by_kind() {
        let root = Path::new("/site");
        let p = |s: &str| root.join(s);
        let plan = classify(
            root,
            "default",
            &[
                p("content/services/opeka.md"),
                p("content/services/.opeka.md.swp"),
                p("themes/default/templates/service.html"),
                p("templates/partials/survey.html"),
                p("themes/default/static/css/site.css"),
                p("public/index.html"),
            ],
        );
        assert!(!plan.everything);
        assert_eq!(
            plan.services,
            BTreeSet::from([p("content/services/opeka.md")])
        );
        assert_eq!(
            plan.templates,
            BTreeSet::from(["service.html".to_owned(), "partials/survey.html".to_owned()])
        );
        assert!(plan.statics);

        for everything in [
            "content/site.toml",
            "content/surveys/default.toml",
            "themes/default/i18n/ru.toml",
        ] {
            assert!(
                classify(root, "default", &[p(everything)]).everything,
                "{everything}"
            );
        }
        assert!(classify(root, "default", &[p("public/x.html")]).is_empty());
    }
}
