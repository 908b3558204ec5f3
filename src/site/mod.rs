//! Loading a site: settings, surveys and services from `content/`, validated once into the
//! typed model that every later stage reads.
//!
//! Layout of a site folder:
//! - `content/site.toml`: [`Settings`];
//! - `content/services/<slug>.md` (and `<slug>.<lang>.md` for a translation): services;
//! - `content/surveys/<id>.toml` (or `.yaml`): survey definitions, `default` for every service;
//! - `content/staff/*.md`: the staff handbook's letter templates and call scripts ([`staff`]);
//! - `templates/`, `static/`: optional overrides of the theme's templates and files.
//!
//! Files are read and parsed in parallel; every mistake is collected, so one run shows all.

pub mod calendar;
pub mod check_settings;
pub mod frontmatter;
pub mod limits;
mod load;
pub mod model;
pub mod report_settings;
mod service;
pub mod settings;
mod source;
pub mod spans;
pub mod staff;
pub mod texts;
pub mod translation;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use yasno_survey_core::Survey;

pub use check_settings::{CalendarExtension, CheckConfig, Level};
pub use load::{load_settings, read_text};
pub use model::*;
pub use report_settings::{ReportSettings, ReportTheme};
pub use service::{ContentPage, LANGS, PageMeta, Service};
pub use settings::{Category, Location, Settings, SiteLink};
pub use source::SourceText;

use crate::diagnostics::{Diagnostic, Diagnostics};
use load::{
    Loaded, files_under, finish_translation, load_page, load_service, load_settings_file,
    load_surveys,
};
use spans::Spans;

/// Options for [`Site::load`].
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Include services marked `draft = true`.
    pub drafts: bool,
    /// Replace `base_url` from the settings (e.g. for a preview server).
    pub base_url: Option<String>,
}

/// A loaded, validated site.
#[derive(Debug, Clone)]
pub struct Site {
    /// The site folder.
    pub root: PathBuf,
    /// Settings from `content/site.toml`.
    pub settings: Settings,
    /// The settings file as read, with the positions of its values.
    pub settings_file: SourceFile,
    /// Services in display order: by category order, weight, then title.
    pub services: Vec<Service>,
    /// Survey definitions by id (shared with the services that show them).
    pub surveys: BTreeMap<String, Arc<Survey>>,
    /// Other pages from `content/pages/` (the accessibility statement, …).
    pub pages: Vec<ContentPage>,
    /// The staff handbook's letter templates and call scripts (`content/staff/`).
    pub staff: staff::Handbook,
    /// Indexes into `services` by slug (all languages), so looking up translations is not
    /// a scan of every service per page (quadratic at 10,000 pages).
    pub by_slug: std::collections::HashMap<String, Vec<usize>>,
    /// Translations of the settings' texts by language (`content/site.<lang>.toml`).
    pub texts: BTreeMap<String, texts::SiteTexts>,
    /// The site's languages: its own first, then every language it has a translation in,
    /// in [`LANGS`] order (other codes after). Every page kind is built in each.
    pub langs: Vec<String>,
}

/// A file as read, with the positions of its front-matter values.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Where it was read from.
    pub path: PathBuf,
    /// The whole file text.
    pub source: Arc<str>,
    /// Where each value of its front matter (or of the whole file, for settings) is written.
    pub spans: Arc<Spans>,
}

impl Site {
    /// Loads and validates the site in `root`. Returns every problem found, or the site.
    pub fn load(root: &Path, opts: &LoadOptions) -> Result<Site, Diagnostics> {
        let content = root.join("content");
        let settings_path = content.join("site.toml");
        let mut diags = Diagnostics::default();

        let (mut settings, settings_file) = match load_settings_file(&settings_path) {
            Ok(s) => s,
            Err(d) => {
                // Without settings nothing else can be validated.
                return Err(d);
            }
        };
        if let Some(url) = &opts.base_url {
            settings.base_url = url.clone();
        }
        settings.base_url = settings.base_url.trim_end_matches('/').to_owned();

        let surveys = load_surveys(&content.join("surveys"), &mut diags);

        let files = files_under(&content.join("services"), &["md"]);
        let results: Vec<Result<Option<Loaded>, Diagnostics>> = files
            .par_iter()
            .with_max_len(crate::par::LEAF)
            .map(|p| load_service(p, &settings, &surveys, opts))
            .collect();
        let mut services = Vec::with_capacity(results.len());
        let mut pending = Vec::new();
        for r in results {
            match r {
                Ok(Some(Loaded::Source(s))) => services.push(s),
                Ok(Some(Loaded::Translation(t))) => pending.push(t),
                Ok(None) => {}
                Err(d) => diags.0.extend(d.0),
            }
        }
        let translated = merge_translations(&services, pending);
        services.extend(translated.0);
        diags.0.extend(translated.1.0);

        let mut pages = Vec::new();
        for path in files_under(&content.join("pages"), &["md"]) {
            match load_page(&path, &settings) {
                Ok(p) => pages.push(p),
                Err(d) => diags.0.extend(d.0),
            }
        }
        diags
            .0
            .extend(finish_page_translations(&mut pages, &settings).0);
        let texts = texts::load_all(&content, &settings, &mut diags);
        let langs = site_languages(&settings, &services, &pages, &texts);

        diags.0.extend(duplicate_claims(&services).0);

        let staff = staff::load(&content.join("staff"), &services, &settings, &mut diags);
        if diags.has_errors() {
            diags.sort();
            return Err(diags);
        }
        sort_services(&mut services, &settings);
        let by_slug = index_by_slug(&services);
        Ok(Site {
            root: root.to_owned(),
            settings,
            settings_file,
            services,
            surveys,
            pages,
            staff,
            by_slug,
            texts,
            langs,
        })
    }

    /// Re-reads one service file after it changed on disk (or was deleted) and updates
    /// [`Site::services`] in place, keeping the display order. Used by `yasno serve` so an
    /// edit re-loads one file, not the site.
    ///
    /// Returns the service that came from `path` before (if any). On an error the site is
    /// left exactly as it was, so the last good version stays in use.
    pub fn reload_service(
        &mut self,
        path: &Path,
        opts: &LoadOptions,
    ) -> Result<Option<Service>, Diagnostics> {
        let new = if path.is_file() {
            match load_service(path, &self.settings, &self.surveys, opts)? {
                Some(Loaded::Source(s)) => Some(s),
                Some(Loaded::Translation(t)) => {
                    let (mut done, diags) = merge_translations(&self.services, vec![t]);
                    if diags.has_errors() {
                        return Err(diags);
                    }
                    done.pop()
                }
                None => None,
            }
        } else {
            None
        };
        let old = self.replace_service(path, new)?;
        self.remerge_translations_of(path)?;
        Ok(old)
    }

    /// Merges the translations of the source at `path` again, so they show its new facts.
    fn remerge_translations_of(&mut self, path: &Path) -> Result<(), Diagnostics> {
        let Some(src) = self
            .services
            .iter()
            .find(|s| s.source_path == path)
            .cloned()
        else {
            return Ok(());
        };
        if src.translation.is_some() {
            return Ok(());
        }
        let mut diags = Diagnostics::default();
        for s in self.services.iter_mut() {
            let of_src = s
                .translation
                .as_ref()
                .is_some_and(|t| t.source_path == src.source_path);
            if of_src {
                match finish_translation(s, &src) {
                    Ok(n) => *s = n,
                    Err(d) => diags.0.extend(d.0),
                }
            }
        }
        self.by_slug = index_by_slug(&self.services);
        if diags.has_errors() {
            Err(diags)
        } else {
            Ok(())
        }
    }

    /// Puts `new` in place of the service from `path` (or removes it, for `None`), keeping
    /// the display order; returns the service it replaced. Fails, changing nothing, when
    /// `new` takes another file's address. Lets a second copy of the model follow
    /// [`Site::reload_service`] without reading the file again.
    pub fn replace_service(
        &mut self,
        path: &Path,
        new: Option<Service>,
    ) -> Result<Option<Service>, Diagnostics> {
        let old = self.replace_service_unindexed(path, new)?;
        // Positions move on insert and remove: rebuild the index (one pass, ~1 ms at 10,000).
        self.by_slug = index_by_slug(&self.services);
        Ok(old)
    }

    fn replace_service_unindexed(
        &mut self,
        path: &Path,
        new: Option<Service>,
    ) -> Result<Option<Service>, Diagnostics> {
        if let Some(n) = &new
            && let Some(other) = self
                .services
                .iter()
                .find(|s| s.source_path != path && s.slug == n.slug && s.lang == n.lang)
        {
            return Err(Diagnostic::file_error(
                "duplicate-slug",
                path,
                format!(
                    "адрес /services/{}/ уже занят файлом {} / slug `{}` is already used by {}",
                    n.slug,
                    other.source_path.display(),
                    n.slug,
                    other.source_path.display()
                ),
            )
            .into());
        }
        let settings = &self.settings;
        let at = self.services.iter().position(|s| s.source_path == path);
        let Some(n) = new else {
            return Ok(at.map(|i| self.services.remove(i)));
        };
        let key = service_order_key(&n, settings);
        if let Some(i) = at {
            // Most edits keep the order: replace in place rather than move every service.
            let after_prev = i == 0 || service_order_key(&self.services[i - 1], settings) <= key;
            let before_next = i + 1 == self.services.len()
                || key <= service_order_key(&self.services[i + 1], settings);
            if after_prev && before_next {
                return Ok(Some(std::mem::replace(&mut self.services[i], n)));
            }
        }
        let old = at.map(|i| self.services.remove(i));
        let to = self
            .services
            .partition_point(|s| service_order_key(s, settings) <= key);
        self.services.insert(to, n);
        Ok(old)
    }

    /// Services in the site's default language.
    pub fn default_lang_services(&self) -> impl Iterator<Item = &Service> {
        self.services
            .iter()
            .filter(|s| s.is_default_lang(&self.settings))
    }

    /// The version of `service` in `lang`, if there is one.
    pub fn service_in<'a>(&'a self, service: &'a Service, lang: &str) -> Option<&'a Service> {
        self.by_slug
            .get(&service.slug)
            .into_iter()
            .flatten()
            .map(|&i| &self.services[i])
            .find(|s| s.lang == lang)
    }

    /// The version of plain page `page` in `lang`, if there is one.
    pub fn page_in<'a>(&'a self, page: &'a ContentPage, lang: &str) -> Option<&'a ContentPage> {
        self.pages
            .iter()
            .find(|p| p.slug == page.slug && p.lang == lang)
    }

    /// The other-language versions of a service (same slug).
    pub fn translations_of<'a>(
        &'a self,
        service: &'a Service,
    ) -> impl Iterator<Item = &'a Service> {
        self.by_slug
            .get(&service.slug)
            .into_iter()
            .flatten()
            .map(|&i| &self.services[i])
            .filter(move |s| s.lang != service.lang)
    }
}

/// The display order: by category order, weight, title, then language.
fn service_order_key<'a>(s: &'a Service, settings: &Settings) -> (usize, i64, &'a str, &'a str) {
    let cat = settings
        .categories
        .iter()
        .position(|k| k.slug == s.meta.category)
        .unwrap_or(usize::MAX);
    (cat, s.meta.weight.unwrap_or(0), &s.meta.title, &s.lang)
}

fn index_by_slug(services: &[Service]) -> std::collections::HashMap<String, Vec<usize>> {
    let mut by_slug: std::collections::HashMap<String, Vec<usize>> =
        std::collections::HashMap::with_capacity(services.len());
    for (i, s) in services.iter().enumerate() {
        by_slug.entry(s.slug.clone()).or_default().push(i);
    }
    by_slug
}

/// Puts services in display order. The keys are made once and the services moved once: a
/// comparison sort moving the large `Service` values took 30 ms at 10,000 services.
fn sort_services(services: &mut Vec<Service>, settings: &Settings) {
    let mut order: Vec<(usize, i64, &str, &str, usize)> = services
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let (cat, weight, title, lang) = service_order_key(s, settings);
            (cat, weight, title, lang, i)
        })
        .collect();
    order.par_sort_unstable();
    let order: Vec<usize> = order.into_iter().map(|k| k.4).collect();
    let mut slots: Vec<Option<Service>> = std::mem::take(services).into_iter().map(Some).collect();
    *services = order
        .into_iter()
        .map(|i| slots[i].take().expect("each index once"))
        .collect();
}

/// Merges each translation into its source (found by file name); a translation without a
/// source is an error, one of a draft left out is left out too.
fn merge_translations(sources: &[Service], pending: Vec<Service>) -> (Vec<Service>, Diagnostics) {
    let mut done = Vec::with_capacity(pending.len());
    let mut diags = Diagnostics::default();
    for t in pending {
        let src_path = &t.translation.as_ref().expect("a translation").source_path;
        match sources.iter().find(|s| &s.source_path == src_path) {
            Some(src) => match finish_translation(&t, src) {
                Ok(s) => done.push(s),
                Err(d) => diags.0.extend(d.0),
            },
            None if src_path.is_file() => {}
            None => diags.push(
                Diagnostic::file_error(
                    "translation-source",
                    &t.source_path,
                    format!(
                        "нет исходного файла {} / this translation has no source file {}",
                        src_path.display(),
                        src_path.display()
                    ),
                )
                .with_help("перевод лежит рядом с русским файлом и называется так же, с языком перед .md / a translation sits beside its source with the language before .md"),
            ),
        }
    }
    (done, diags)
}

/// Gives each page translation its source's date; a translation without a source is an error.
fn finish_page_translations(pages: &mut [ContentPage], settings: &Settings) -> Diagnostics {
    let mut diags = Diagnostics::default();
    let sources: Vec<(String, Option<Date>)> = pages
        .iter()
        .filter(|p| p.lang == settings.lang)
        .map(|p| (p.slug.clone(), p.meta.updated))
        .collect();
    for p in pages.iter_mut().filter(|p| p.lang != settings.lang) {
        match sources.iter().find(|(slug, _)| *slug == p.slug) {
            Some((_, updated)) => p.meta.updated = *updated,
            None => diags.push(Diagnostic::file_error(
                "translation-source",
                &p.source_path,
                format!(
                    "нет исходного файла {}.md / this translation has no source file {}.md",
                    p.slug, p.slug
                ),
            )),
        }
    }
    diags
}

/// The site's languages: its own, then each with a translation, in [`LANGS`] order.
fn site_languages(
    settings: &Settings,
    services: &[Service],
    pages: &[ContentPage],
    texts: &BTreeMap<String, texts::SiteTexts>,
) -> Vec<String> {
    let used = |l: &str| {
        texts.contains_key(l)
            || services.iter().any(|s| s.lang == l)
            || pages.iter().any(|p| p.lang == l)
    };
    let mut others: Vec<&str> = texts
        .keys()
        .map(String::as_str)
        .chain(services.iter().map(|s| s.lang.as_str()))
        .chain(pages.iter().map(|p| p.lang.as_str()))
        .filter(|l| *l != settings.lang && used(l))
        .collect();
    // Known languages in their order, then any other by its code.
    others.sort_by_key(|l| (LANGS.iter().position(|k| k == l).unwrap_or(LANGS.len()), *l));
    others.dedup();
    std::iter::once(settings.lang.clone())
        .chain(others.into_iter().map(str::to_owned))
        .collect()
}

/// Two files may not claim the same page (by slug or an earlier slug, per language).
fn duplicate_claims(services: &[Service]) -> Diagnostics {
    let mut diags = Diagnostics::default();
    // Two files may not claim the same page. (Borrowed keys: cloning 10,000 slugs, languages
    // and paths here was a measurable single-threaded step of every build.)
    let mut seen: HashMap<(&str, &str), &Path> = HashMap::with_capacity(services.len());
    let claims = services.iter().flat_map(|s| {
        std::iter::once(&s.slug)
            .chain(&s.meta.aliases)
            .map(move |slug| (s, slug))
    });
    for (s, slug) in claims {
        if let Some(first) = seen.insert((&s.lang, slug), &s.source_path) {
            diags.push(Diagnostic::file_error(
                "duplicate-slug",
                &s.source_path,
                format!(
                    "адрес /services/{}/ уже занят файлом {} / slug `{}` is already used by {}",
                    slug,
                    first.display(),
                    slug,
                    first.display()
                ),
            ));
        }
    }
    diags
}
