//! Loading a site: settings, surveys and services from `content/`, validated once into the
//! typed model that every later stage reads.
//!
//! Layout of a site folder:
//! - `content/site.toml`: [`Settings`];
//! - `content/services/<slug>.md` (and `<slug>.<lang>.md` for a translation): services;
//! - `content/surveys/<id>.toml` (or `.yaml`): survey definitions, `default` for every service;
//! - `templates/`, `static/`: optional overrides of the theme's templates and files.
//!
//! Files are read and parsed in parallel; every mistake is collected, so one run shows all.

pub mod check_settings;
pub mod frontmatter;
pub mod model;
pub mod spans;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use yasno_survey_core::Survey;

pub use check_settings::{CalendarExtension, CheckConfig, Level};
pub use model::*;

use crate::diagnostics::{Diagnostic, Diagnostics, did_you_mean};
use frontmatter::Format;
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
    /// Indexes into `services` by slug (all languages), so looking up translations is not
    /// a scan of every service per page (quadratic at 10,000 pages).
    pub by_slug: std::collections::HashMap<String, Vec<usize>>,
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
    /// Its front matter.
    pub meta: PageMeta,
}

impl ContentPage {
    /// The Markdown body.
    pub fn body(&self) -> &str {
        &self.source[self.body_offset..]
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
    /// The whole file text.
    pub source: Arc<str>,
    /// Byte offset where the Markdown body starts in `source`.
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
}

impl Service {
    /// The Markdown body.
    pub fn body(&self) -> &str {
        &self.source[self.body_offset..]
    }

    /// Whether this page is in the site's default language.
    pub fn is_default_lang(&self, settings: &Settings) -> bool {
        self.lang == settings.lang
    }

    /// Path of the page in the output, e.g. `/services/opeka/` or `/en/services/opeka/`.
    pub fn url_path(&self, settings: &Settings) -> String {
        if self.is_default_lang(settings) {
            format!("/services/{}/", self.slug)
        } else {
            format!("/{}/services/{}/", self.lang, self.slug)
        }
    }
}

/// Languages a translation file may use (`name.<lang>.md`).
pub const LANGS: &[&str] = &["ru", "en", "uz", "tg", "ky"];

fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

fn read(path: &Path) -> Result<Arc<str>, Diagnostic> {
    let bytes = std::fs::read(path).map_err(|e| {
        Diagnostic::file_error(
            "io",
            path,
            format!("не удалось прочитать файл / cannot read the file: {e}"),
        )
    })?;
    // simdutf8: std's check was 5 % of a build at 10,000 pages (Cyrillic takes its slow path).
    match simdutf8::compat::from_utf8(&bytes) {
        Ok(text) => Ok(Arc::from(text)),
        Err(e) => {
            // Everything before the bad byte is intact in the lossy copy, so the offset holds.
            let at = e.valid_up_to();
            let shown: Arc<str> = Arc::from(String::from_utf8_lossy(&bytes).as_ref());
            Err(Diagnostic::error(
                "encoding",
                path,
                &shown,
                at..at + '\u{FFFD}'.len_utf8(),
                "файл не в кодировке UTF-8 / the file is not UTF-8 text",
            )
            .with_label("этот знак не UTF-8 / not UTF-8")
            .with_help("сохраните файл в кодировке UTF-8 (в Блокноте: «Сохранить как» → «Кодировка: UTF-8») / save the file as UTF-8"))
        }
    }
}

/// Files with one of `exts` directly or deeper under `dir`, sorted for stable output.
fn files_under(dir: &Path, exts: &[&str]) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(walkdir::DirEntry::into_path)
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| exts.contains(&e))
                && !p
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with('.'))
        })
        .collect();
    files.sort();
    files
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
        let results: Vec<Result<Option<Service>, Diagnostics>> = files
            .par_iter()
            .map(|p| load_service(p, &settings, &surveys, opts))
            .collect();
        let mut services = Vec::with_capacity(results.len());
        for r in results {
            match r {
                Ok(Some(s)) => services.push(s),
                Ok(None) => {}
                Err(d) => diags.0.extend(d.0),
            }
        }

        let mut pages = Vec::new();
        for path in files_under(&content.join("pages"), &["md"]) {
            match load_page(&path) {
                Ok(p) => pages.push(p),
                Err(d) => diags.0.extend(d.0),
            }
        }

        // Two files may not claim the same page. (Borrowed keys: cloning 10,000 slugs, languages
        // and paths here was a measurable single-threaded step of every build.)
        let mut seen: HashMap<(&str, &str), &Path> = HashMap::with_capacity(services.len());
        for s in &services {
            if let Some(first) = seen.insert((&s.lang, &s.slug), &s.source_path) {
                diags.push(Diagnostic::file_error(
                    "duplicate-slug",
                    &s.source_path,
                    format!(
                        "адрес /services/{}/ уже занят файлом {} / slug `{}` is already used by {}",
                        s.slug,
                        first.display(),
                        s.slug,
                        first.display()
                    ),
                ));
            }
        }

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
            by_slug,
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
            load_service(path, &self.settings, &self.surveys, opts)?
        } else {
            None
        };
        self.replace_service(path, new)
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

/// Loads `content/site.toml`.
pub fn load_settings(path: &Path) -> Result<Settings, Diagnostics> {
    load_settings_file(path).map(|(s, _)| s)
}

/// Loads `content/site.toml`, keeping its text and the positions of its values.
fn load_settings_file(path: &Path) -> Result<(Settings, SourceFile), Diagnostics> {
    let source = read(path)?;
    let (settings, spans): (Settings, _) =
        frontmatter::parse_spanned(path, &source, Format::Toml, 0..source.len())?;
    let mut diags = Diagnostics::default();
    let at = |path: &str| spans.at(path);
    if !(settings.base_url.starts_with("https://") || settings.base_url.starts_with("http://")) {
        diags.push(
            Diagnostic::error(
                "invalid-field",
                path,
                &source,
                at("base_url"),
                "поле `base_url`: нужен полный адрес сайта / `base_url` must be an absolute URL",
            )
            .with_help("например / for example: base_url = \"https://msapt-ostrov.ru\""),
        );
    }
    for (i, loc) in settings.locations.iter().enumerate() {
        let tag_at = at(&format!("locations[{i}].tag"));
        if !is_slug(&loc.tag) {
            diags.push(
                Diagnostic::error(
                    "invalid-field",
                    path,
                    &source,
                    tag_at.clone(),
                    format!("метка места приёма «{}»: только латинские строчные буквы, цифры и дефис / location tag: lowercase latin letters, digits and '-'", loc.tag),
                ),
            );
        }
        // `web` marks answers from the site itself; a location must not look like it, and two
        // locations with one tag would write the same QR pages.
        let repeated = settings
            .locations
            .iter()
            .find(|l| l.tag == loc.tag)
            .is_some_and(|first| !std::ptr::eq(first, loc));
        if loc.tag == "web" || repeated {
            diags.push(
                Diagnostic::error(
                    "invalid-field",
                    path,
                    &source,
                    tag_at.clone(),
                    format!("метка места приёма «{}» занята / location tag `{}` is taken ({})", loc.tag, loc.tag,
                        if loc.tag == "web" { "«web» означает ответы с сайта / `web` marks answers from the site" } else { "она встречается дважды / it appears twice" }),
                )
                .with_help("дайте каждому месту свою метку, например tag = \"priemnaya\" / give each location its own tag"),
            );
        }
    }
    for (i, c) in settings.categories.iter().enumerate() {
        if !is_slug(&c.slug) {
            diags.push(Diagnostic::error(
                "invalid-field",
                path,
                &source,
                at(&format!("categories[{i}].slug")),
                format!("slug категории «{}»: только латинские строчные буквы, цифры и дефис / category slug: lowercase latin letters, digits and '-'", c.slug),
            ));
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }
    let file = SourceFile {
        path: path.to_owned(),
        source,
        spans: Arc::new(spans),
    };
    Ok((settings, file))
}

/// The survey of a site without `content/surveys/default.toml`, made once for all its services.
static BUILT_IN_SURVEY: std::sync::LazyLock<Arc<Survey>> = std::sync::LazyLock::new(|| {
    let mut s = yasno_survey_core::default_survey();
    s.questions.iter_mut().for_each(|q| q.normalize());
    Arc::new(s)
});

/// Loads every survey definition in `dir`.
fn load_surveys(dir: &Path, diags: &mut Diagnostics) -> BTreeMap<String, Arc<Survey>> {
    let mut surveys = BTreeMap::new();
    for path in files_under(dir, &["toml", "yaml", "yml"]) {
        let source = match read(&path) {
            Ok(s) => s,
            Err(d) => {
                diags.push(d);
                continue;
            }
        };
        let format = if path.extension().is_some_and(|e| e == "toml") {
            Format::Toml
        } else {
            Format::Yaml
        };
        let (mut survey, spans): (Survey, _) =
            match frontmatter::parse_spanned(&path, &source, format, 0..source.len()) {
                Ok(s) => s,
                Err(d) => {
                    diags.push(d);
                    continue;
                }
            };
        for q in &mut survey.questions {
            q.normalize();
        }
        let problems = survey.check_definition();
        for p in &problems {
            diags.push(
                Diagnostic::error(
                    "survey",
                    &path,
                    &source,
                    spans.at(&p.field),
                    format!("опрос, поле `{}`: {}", p.field, p.message),
                )
                .with_label(p.field.clone()),
            );
        }
        if problems.is_empty() {
            surveys.insert(survey.id.clone(), Arc::new(survey));
        }
    }
    surveys
}

fn load_page(path: &Path) -> Result<ContentPage, Diagnostics> {
    let source = read(path)?;
    let split = frontmatter::split(path, &source)?;
    let (meta, spans): (PageMeta, _) =
        frontmatter::parse_spanned(path, &source, split.format, split.front)?;
    let slug = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default()
        .to_owned();
    if !is_slug(&slug)
        || [
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
        ]
        .contains(&slug.as_str())
    {
        return Err(Diagnostic::file_error(
            "invalid-slug",
            path,
            format!("имя файла «{slug}» не подходит или занято / `{slug}` is not a valid or free page name"),
        )
        .with_help("латинские строчные буквы и дефис, например accessibility.md / lowercase latin letters and hyphens")
        .into());
    }
    Ok(ContentPage {
        slug,
        source_path: path.to_owned(),
        body_offset: split.body_offset,
        source,
        spans: Arc::new(spans),
        meta,
    })
}

/// Slug and language from a file name: `opeka.md` or `opeka.en.md`.
fn slug_and_lang(path: &Path, settings: &Settings) -> (String, String) {
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    match stem.rsplit_once('.') {
        Some((slug, lang)) if LANGS.contains(&lang) => (slug.to_owned(), lang.to_owned()),
        _ => (stem.to_owned(), settings.lang.clone()),
    }
}

fn load_service(
    path: &Path,
    settings: &Settings,
    surveys: &BTreeMap<String, Arc<Survey>>,
    opts: &LoadOptions,
) -> Result<Option<Service>, Diagnostics> {
    let source = read(path)?;
    let split = frontmatter::split(path, &source)?;
    let keys = frontmatter::Keys {
        known: FRONT_MATTER_KEYS,
        required: REQUIRED_KEYS,
    };
    let (meta, spans): (FrontMatter, _) =
        frontmatter::parse_checked(path, &source, split.format, split.front, Some(keys))?;
    if meta.draft && !opts.drafts {
        return Ok(None);
    }
    let mut diags = Diagnostics::default();

    let (mut slug, lang) = slug_and_lang(path, settings);
    if let Some(s) = &meta.slug {
        slug = s.clone();
    }
    if !is_slug(&slug) {
        diags.push(
            Diagnostic::error(
                "invalid-slug",
                path,
                &source,
                if meta.slug.is_some() { spans.at("slug") } else { 0..0 },
                format!("адрес страницы «{slug}» не подходит / `{slug}` is not a valid slug"),
            )
            .with_help("назовите файл латинскими строчными буквами через дефис, например opeka-nad-rebenkom.md / name the file in lowercase latin letters and hyphens"),
        );
    }

    let cats: Vec<&str> = settings
        .categories
        .iter()
        .map(|c| c.slug.as_str())
        .collect();
    if !cats.contains(&meta.category.as_str()) {
        let mut d = Diagnostic::error(
            "unknown-category",
            path,
            &source,
            spans.at("category"),
            format!(
                "категории «{}» нет в content/site.toml / unknown category `{}`",
                meta.category, meta.category
            ),
        )
        .with_label("такой категории нет / no such category");
        d = match did_you_mean(&meta.category, &cats) {
            Some(s) => d.with_help(format!("может быть, \"{s}\"? / did you mean \"{s}\"?")),
            None => d.with_help(format!("категории / categories: {}", cats.join(", "))),
        };
        diags.push(d);
    }

    let survey = match &meta.survey {
        Some(SurveyChoice::Enabled(false)) => None,
        None | Some(SurveyChoice::Enabled(true)) => Some(
            surveys
                .get("default")
                .cloned()
                .unwrap_or_else(|| BUILT_IN_SURVEY.clone()),
        ),
        Some(SurveyChoice::Id(id)) => match surveys.get(id) {
            Some(s) => Some(s.clone()),
            None => {
                let ids: Vec<&str> = surveys.keys().map(String::as_str).collect();
                let mut d = Diagnostic::error(
                    "unknown-survey",
                    path,
                    &source,
                    spans.at("survey"),
                    format!("опроса «{id}» нет в content/surveys/ / unknown survey `{id}`"),
                );
                d = match did_you_mean(id, &ids) {
                    Some(s) => d.with_help(format!("может быть, \"{s}\"? / did you mean \"{s}\"?")),
                    None => d.with_help(format!(
                        "создайте content/surveys/{id}.toml или напишите survey = false / create content/surveys/{id}.toml or write survey = false"
                    )),
                };
                diags.push(d);
                None
            }
        },
    };

    let apply = meta
        .apply
        .iter()
        .enumerate()
        .map(|(i, a)| ("apply", i, &a.url));
    let acts = (meta.legal_acts.iter().enumerate()).map(|(i, a)| ("legal_acts", i, &a.url));
    for (field, index, url) in apply.chain(acts) {
        let Some(url) = url else { continue };
        if !(url.starts_with("https://") || url.starts_with("http://") || url.starts_with('/')) {
            diags.push(
                Diagnostic::error(
                    "invalid-url",
                    path,
                    &source,
                    spans.at(&format!("{field}[{index}].url")),
                    format!("поле `{field}`: ссылка «{url}» должна начинаться с https:// / a link must start with https://"),
                ),
            );
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }

    let body_line = crate::diagnostics::line_col(&source, split.body_offset).0;
    Ok(Some(Service {
        slug,
        lang,
        source_path: path.to_owned(),
        contacts: meta.contacts.apply_to(&settings.contacts),
        reception: meta.reception.apply_to(&settings.reception),
        survey,
        body_offset: split.body_offset,
        body_line,
        source,
        meta: Box::new(meta),
        spans: Arc::new(spans),
    }))
}
