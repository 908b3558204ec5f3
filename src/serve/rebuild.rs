//! The incremental rebuild engine: keeps the loaded site and theme, applies a [`Plan`] by
//! re-reading only what changed and re-rendering only the pages it touches, and swaps the
//! result into the in-memory [`PreviewState`].
//!
//! Invariant: a failed step changes nothing that is served. A broken service file keeps its
//! last good version in the model and its last good page in memory; a broken template keeps
//! the old theme; the error is shown until the same thing loads or renders again.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use super::deps::{self, Plan};
use super::state::{ErrorKey, LiveEvent, PreviewState, url_of};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::render::{self, OutputFile, Page, Renderer, Theme};
use crate::site::{LoadOptions, Site};

/// What one rebuild did, for the terminal line.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    /// Files rendered and swapped in.
    pub(crate) files: usize,
    /// Files removed.
    pub(crate) removed: usize,
    /// Time from the start of the rebuild to the edited page being served.
    pub(crate) first_served: Option<Duration>,
    /// Whole rebuild time.
    pub(crate) elapsed: Duration,
    /// Whether errors are present after the rebuild.
    pub(crate) failed: bool,
}

/// The loaded site and theme behind a preview server.
pub(crate) struct Preview {
    root: PathBuf,
    load_opts: LoadOptions,
    site: Option<Site>,
    theme: Option<Theme>,
    static_paths: BTreeSet<String>,
    state: Arc<PreviewState>,
}

/// Static files: the theme's, then the site's own `static/` over them (as `render_site`).
fn static_files(site: &Site, theme: &Theme) -> BTreeMap<String, Vec<u8>> {
    let mut statics = theme.static_files().clone();
    for (rel, bytes) in render::theme::read_dir_files(&site.root.join("static")) {
        statics.insert(rel, bytes);
    }
    statics
}

fn load_theme(site: &Site) -> Result<Theme, Diagnostics> {
    let mut theme = Theme::load(&site.root, &site.settings.theme, &site.settings.lang)?;
    theme.set_global("site", &render::views::SiteView::new(&site.settings));
    Ok(theme)
}

impl Preview {
    /// A preview of the site in `root`; nothing is loaded until [`Preview::full`].
    pub(crate) fn new(root: PathBuf, drafts: bool, state: Arc<PreviewState>) -> Self {
        Self {
            root,
            load_opts: LoadOptions {
                drafts,
                base_url: None,
            },
            site: None,
            theme: None,
            static_paths: BTreeSet::new(),
            state,
        }
    }

    /// The site as last loaded successfully.
    pub(crate) fn site(&self) -> Option<&Site> {
        self.site.as_ref()
    }

    /// Loads and renders everything; on success replaces the whole served site.
    pub(crate) fn full(&mut self) -> Outcome {
        let start = Instant::now();
        let result = Site::load(&self.root, &self.load_opts).and_then(|site| {
            let theme = load_theme(&site)?;
            let files = render::render_site(&site, &theme)?;
            Ok((site, theme, files))
        });
        let mut out = Outcome::default();
        match result {
            Ok((site, theme, files)) => {
                self.static_paths = static_files(&site, &theme).into_keys().collect();
                out.files = files.len();
                self.state.replace_all(files);
                self.site = Some(site);
                self.theme = Some(theme);
                out.first_served = Some(start.elapsed());
                self.state.clear_errors(|_| true);
                self.state.notify(LiveEvent::Reload(None));
            }
            Err(d) => {
                self.report(vec![(ErrorKey::Site, d)]);
                out.failed = true;
            }
        }
        out.elapsed = start.elapsed();
        out
    }

    /// Applies a batch of changes.
    pub(crate) fn apply(&mut self, plan: &Plan) -> Outcome {
        if plan.everything || self.site.is_none() || self.theme.is_none() {
            return self.full();
        }
        let start = Instant::now();
        let mut out = Outcome::default();
        let mut errors: Vec<(ErrorKey, Diagnostics)> = Vec::new();
        let mut fixed: Vec<ErrorKey> = Vec::new();
        let mut removed: Vec<String> = Vec::new();
        // Pages to render first (the edited ones), then the rest.
        let mut first: BTreeSet<Page> = BTreeSet::new();
        let mut rest: BTreeSet<Page> = BTreeSet::new();
        let mut all_pages = false;

        if !plan.templates.is_empty() || plan.statics {
            let site = self.site.as_ref().expect("checked above");
            match load_theme(site) {
                Ok(theme) => {
                    fixed.push(ErrorKey::Theme);
                    if plan.statics {
                        let statics = static_files(site, &theme);
                        let new_paths: BTreeSet<String> = statics.keys().cloned().collect();
                        removed.extend(self.static_paths.difference(&new_paths).cloned());
                        let files: Vec<OutputFile> = statics
                            .into_iter()
                            .map(|(path, bytes)| OutputFile { path, bytes })
                            .collect();
                        out.files += files.len();
                        self.state.update(files, &[]);
                        self.static_paths = new_paths;
                    }
                    if !plan.templates.is_empty() {
                        match deps::pages_for_templates(site, &plan.templates) {
                            Some(pages) => rest.extend(pages),
                            None => all_pages = true,
                        }
                    }
                    self.theme = Some(theme);
                }
                Err(d) => errors.push((ErrorKey::Theme, d)),
            }
        }

        let mut services = plan.services.clone();
        if let Some(site) = &self.site {
            for dir in &plan.gone {
                services.extend(
                    site.services
                        .iter()
                        .filter(|s| s.source_path.starts_with(dir))
                        .map(|s| s.source_path.clone()),
                );
            }
        }
        if !services.is_empty() {
            let site = self.site.as_mut().expect("checked above");
            let mut slugs: BTreeSet<String> = BTreeSet::new();
            let mut categories: BTreeSet<String> = BTreeSet::new();
            let mut edited: Vec<PathBuf> = Vec::new();
            for path in &services {
                match site.reload_service(path, &self.load_opts) {
                    Ok(old) => {
                        if let Some(old) = old {
                            let old_out = output_path(&old.url_path(&site.settings));
                            let still_there = site
                                .services
                                .iter()
                                .any(|s| output_path(&s.url_path(&site.settings)) == old_out);
                            if !still_there {
                                removed.push(old_out);
                            }
                            slugs.insert(old.slug);
                            categories.insert(old.meta.category);
                        }
                        if let Some(new) = site.services.iter().find(|s| &s.source_path == path) {
                            slugs.insert(new.slug.clone());
                            categories.insert(new.meta.category.clone());
                            edited.push(path.clone());
                        } else {
                            // Deleted (or now a draft): nothing of it is left to fail.
                            fixed.push(ErrorKey::Source(path.clone()));
                        }
                    }
                    Err(d) => errors.push((ErrorKey::Source(path.clone()), d)),
                }
            }
            if !edited.is_empty() || !removed.is_empty() {
                for (i, s) in site.services.iter().enumerate() {
                    if edited.contains(&s.source_path) {
                        first.insert(Page::Service(i));
                    } else if slugs.contains(&s.slug) {
                        // Translations link to each other.
                        rest.insert(Page::Service(i));
                    }
                }
                rest.extend(deps::category_pages(
                    site,
                    categories.iter().map(String::as_str),
                ));
                rest.extend(deps::listing_pages());
            }
        }

        let site = self.site.as_ref().expect("checked above");
        let theme = self.theme.as_ref().expect("checked above");
        if all_pages {
            first.clear();
            rest = render::pages(site).into_iter().collect();
        }
        let renderer = Renderer::new(site, theme);
        let rest: Vec<Page> = rest.difference(&first).copied().collect();
        let first: Vec<Page> = first.into_iter().collect();
        for (n, batch) in [first, rest].into_iter().enumerate() {
            if batch.is_empty() && !(n == 1 && !removed.is_empty()) {
                continue;
            }
            let results: Vec<(ErrorKey, Result<OutputFile, Diagnostic>)> = batch
                .par_iter()
                .map(|p| (error_key(site, *p), renderer.render(*p)))
                .collect();
            let mut files = Vec::with_capacity(results.len());
            for (key, r) in results {
                match r {
                    Ok(f) => {
                        fixed.push(key);
                        files.push(f);
                    }
                    Err(d) => errors.push((key, d.into())),
                }
            }
            let mut urls: Vec<String> = files.iter().map(|f| url_of(&f.path)).collect();
            out.files += files.len();
            // Removals go with the listings, so no listing links to a page that is gone.
            let gone: &[String] = if n == 1 { &removed } else { &[] };
            urls.extend(gone.iter().map(|p| url_of(p)));
            self.state.update(files, gone);
            if out.first_served.is_none() {
                out.first_served = Some(start.elapsed());
            }
            if errors.is_empty() {
                self.state.notify(LiveEvent::Reload(Some(Arc::new(urls))));
            }
        }
        out.removed = removed.len();
        if plan.statics && errors.is_empty() {
            self.state.notify(LiveEvent::Reload(None));
        }

        // Errors fixed by this round are cleared unless the same thing failed again.
        let failed_keys: BTreeSet<&ErrorKey> = errors.iter().map(|(k, _)| k).collect();
        let fixed: BTreeSet<ErrorKey> = fixed
            .into_iter()
            .filter(|k| !failed_keys.contains(k))
            .collect();
        let had_errors = self.state.has_errors();
        let cleared = self.state.clear_errors(|k| fixed.contains(k));
        if !errors.is_empty() {
            self.report(errors);
            out.failed = true;
        } else if had_errors && cleared && !self.state.has_errors() {
            // The overlay goes away on every tab.
            self.state.notify(LiveEvent::Reload(None));
        }
        out.failed |= self.state.has_errors();
        out.elapsed = start.elapsed();
        out
    }

    /// Records errors, prints them once, and tells open tabs.
    fn report(&self, errors: Vec<(ErrorKey, Diagnostics)>) {
        let mut shown = Diagnostics::default();
        let mut seen = BTreeSet::new();
        for (key, d) in errors {
            for one in &d.0 {
                if seen.insert(one.to_plain_string()) {
                    shown.push(one.clone());
                }
            }
            self.state.set_error(key, d);
        }
        shown.emit_to_stderr();
        eprintln!("Показываю последнюю удачную версию страниц / still serving the last good pages");
        self.state.notify(LiveEvent::Error);
    }
}

/// `/services/x/` → `services/x/index.html`.
fn output_path(url: &str) -> String {
    format!("{}index.html", url.trim_start_matches('/'))
}

/// What a page's render error is about: a service's own file, or the page itself.
fn error_key(site: &Site, page: Page) -> ErrorKey {
    match page {
        Page::Service(i) => ErrorKey::Source(site.services[i].source_path.clone()),
        other => ErrorKey::Render(format!("{other:?}")),
    }
}
