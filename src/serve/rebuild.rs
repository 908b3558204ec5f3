//! The incremental rebuild engine: keeps the loaded site and theme, applies a [`Plan`] by
//! re-reading only what changed and re-rendering only the pages it touches, and swaps the
//! result into the in-memory [`PreviewState`].
//!
//! Invariant: a failed step changes nothing that is served. A broken service file keeps its
//! last good version in the model and its last good page in memory; a broken template keeps
//! the old theme; the error is shown until the same thing loads or renders again.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use super::deps::{self, Plan};
use super::state::{ErrorKey, LiveEvent, PackSink, Packed, PreviewState, pack_all, url_of};
use crate::BuildOptions;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::qr;
use crate::render::{self, FileSink, Page, Renderer, Theme};
use crate::site::{LoadOptions, Site};

/// What one rebuild did, for the terminal line.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    /// Files rendered and swapped in.
    pub(crate) files: usize,
    /// Time from the start of the rebuild to the edited pages being served.
    pub(crate) first_served: Option<Duration>,
    /// Whole rebuild time (listings of a service edit follow in the background).
    pub(crate) elapsed: Duration,
    /// Whether errors are present after the rebuild.
    pub(crate) failed: bool,
}

/// Pages that list services, re-rendered off the edit path after service edits.
#[derive(Debug, Default)]
struct ListingWork {
    /// Category slugs whose pages change.
    categories: BTreeSet<String>,
    /// Slugs whose translations link to each other and so change.
    slugs: BTreeSet<String>,
    /// Files already rendered on the edit path (never re-rendered from an older snapshot).
    edited: BTreeSet<PathBuf>,
    /// Output files to remove together with the listings that stop linking to them.
    removed: Vec<String>,
}

/// What one incremental rebuild has found so far, gathered by [`Preview::apply`]'s steps.
#[derive(Default)]
struct Step {
    out: Outcome,
    errors: Vec<(ErrorKey, Diagnostics)>,
    fixed: Vec<ErrorKey>,
    work: ListingWork,
    /// Pages rendered right here: edited services, or what a template change touches.
    now: BTreeSet<Page>,
    all_pages: bool,
}

/// A job for the listing worker: listings to render from a snapshot of the model.
///
/// The model is shared, not copied: the worker holds the snapshot only while it renders,
/// and the edit path changes the model through `Arc::make_mut`, which copies it only when
/// an edit comes while listings are still being rendered from the previous snapshot. One
/// copy of the model instead of two (~200 MB at 10,000 services); listings never see half
/// an edit.
struct ListingJob {
    site: Arc<Site>,
    theme: Arc<Theme>,
    generation: u64,
    work: ListingWork,
}

/// The loaded site and theme behind a preview server.
pub(crate) struct Preview {
    /// As for `yasno build`, so that serve loads with the build's own functions.
    build_opts: BuildOptions,
    load_opts: LoadOptions,
    site: Option<Arc<Site>>,
    theme: Option<Arc<Theme>>,
    static_paths: BTreeSet<String>,
    state: Arc<PreviewState>,
    listings: mpsc::Sender<ListingJob>,
}

/// Renders the whole site as [`render::render_site`] does (pages, QR pages and codes, static
/// files), but packs each file as soon as it is made (see [`pack`]), so the site is never
/// held uncompressed whole. QR codes come from the build's cache when it has them.
fn render_packed(site: &Site, theme: &Theme) -> Result<Vec<Packed>, Diagnostics> {
    let renderer = Renderer::new(site, theme);
    let sink = PackSink::default();
    let qr_cache = qr::QrCache::load(&qr::cache_path(&site.root));
    let (pages, qr) = rayon::join(
        || renderer.render_each(&sink),
        || renderer.render_qr_pages_cached(&qr_cache, Some(&sink as &dyn render::FileSink)),
    );
    // Both steps' mistakes are reported, as by `render_site`.
    let qr_files = match (pages, qr) {
        (Ok(()), Ok((files, ..))) => files,
        (Err(d), Ok(_)) | (Ok(()), Err(d)) => return Err(d),
        (Err(mut d), Err(more)) => {
            d.0.extend(more.0);
            return Err(d);
        }
    };
    for f in qr_files
        .into_iter()
        .chain(render::static_files(site, theme))
    {
        sink.put(f)?;
    }
    Ok(sink.into_files())
}

/// Renders `pages`; returns the files (compressed), the keys that rendered fine and the
/// errors.
type Rendered = (Vec<Packed>, Vec<ErrorKey>, Vec<(ErrorKey, Diagnostics)>);

/// `parallel` uses every core; the listing worker renders on its own thread only, so the
/// edit path and the HTTP server keep a core to themselves. Each file is compressed as it
/// is made, the all-questions page piece by piece: held whole, it took ~50 MB for a moment
/// after every edit at 10,000 services.
fn render_pages(site: &Site, theme: &Theme, pages: &[Page], parallel: bool) -> Rendered {
    let renderer = Renderer::new(site, theme);
    let sink = PackSink::default();
    let one = |p: &Page| (error_key(site, *p), renderer.render_into(*p, &sink));
    let results: Vec<(ErrorKey, Result<(), Diagnostic>)> = if parallel {
        pages.par_iter().map(one).collect()
    } else {
        pages.iter().map(one).collect()
    };
    let mut fine = Vec::new();
    let mut errors = Vec::new();
    for (key, r) in results {
        match r {
            Ok(()) => fine.push(key),
            Err(d) => errors.push((key, d.into())),
        }
    }
    (sink.into_files(), fine, errors)
}

impl Preview {
    /// A preview of the site in `root`; nothing is loaded until [`Preview::full`].
    pub(crate) fn new(root: PathBuf, drafts: bool, state: Arc<PreviewState>) -> Self {
        let (tx, rx) = mpsc::channel();
        let worker_state = state.clone();
        std::thread::spawn(move || listing_worker(&rx, &worker_state));
        let build_opts = BuildOptions {
            root,
            output: None,
            base_url: None,
            drafts,
            strict: false,
            handbook: None,
        };
        Self {
            load_opts: build_opts.load_options(),
            build_opts,
            site: None,
            theme: None,
            static_paths: BTreeSet::new(),
            state,
            listings: tx,
        }
    }

    /// The site as last loaded successfully.
    pub(crate) fn site(&self) -> Option<&Site> {
        self.site.as_deref()
    }

    /// Loads and renders everything; on success replaces the whole served site.
    pub(crate) fn full(&mut self) -> Outcome {
        let start = Instant::now();
        let result = crate::load(&self.build_opts).and_then(|(site, theme)| {
            let files = render_packed(&site, &theme)?;
            Ok((site, theme, files))
        });
        let mut out = Outcome::default();
        match result {
            Ok((site, theme, files)) => {
                self.static_paths = render::static_files(&site, &theme)
                    .into_iter()
                    .map(|f| f.path)
                    .collect();
                out.files = files.len();
                // A new generation: listings still being rendered from the old model are dropped.
                self.state.replace_all(files);
                out.first_served = Some(start.elapsed());
                self.state.clear_errors(|_| true);
                self.state.notify(LiveEvent::Reload(None));
                self.site = Some(Arc::new(site));
                self.theme = Some(Arc::new(theme));
            }
            Err(d) => {
                report(&self.state, vec![(ErrorKey::Site, d)]);
                out.failed = true;
            }
        }
        out.elapsed = start.elapsed();
        out
    }

    /// Applies a batch of changes. The edited pages are swapped in before this returns;
    /// the pages that list services follow from the listing worker.
    pub(crate) fn apply(&mut self, plan: &Plan) -> Outcome {
        if plan.everything || self.site.is_none() || self.theme.is_none() {
            return self.full();
        }
        let start = Instant::now();
        let mut step = Step::default();
        if !plan.templates.is_empty() || plan.statics {
            self.apply_theme(plan, &mut step);
        }
        self.apply_services(plan, &mut step);
        let Step {
            mut out,
            mut errors,
            mut fixed,
            work,
            mut now,
            all_pages,
        } = step;

        let site = self.site.as_ref().expect("checked above");
        let theme = self.theme.as_deref().expect("checked above");
        if all_pages {
            now = render::pages(site).into_iter().collect();
        }
        if !now.is_empty() {
            let pages: Vec<Page> = now.into_iter().collect();
            let (files, fine, errs) = render_pages(site, theme, &pages, true);
            fixed.extend(fine);
            errors.extend(errs);
            let urls: Vec<String> = files.iter().map(|f| url_of(&f.0)).collect();
            out.files += files.len();
            self.state.update(files, &[]);
            out.first_served = Some(start.elapsed());
            if errors.is_empty() {
                self.state.notify(LiveEvent::Reload(Some(Arc::new(urls))));
            }
        }
        if plan.statics && errors.is_empty() {
            self.state.notify(LiveEvent::Reload(None));
        }
        if !(work.categories.is_empty() && work.slugs.is_empty() && work.removed.is_empty()) {
            let _ = self.listings.send(ListingJob {
                site: self.site.clone().expect("checked above"),
                theme: self.theme.clone().expect("checked above"),
                generation: self.state.generation(),
                work,
            });
        }

        settle_errors(&self.state, fixed, errors);
        out.failed = self.state.has_errors();
        out.elapsed = start.elapsed();
        out
    }

    /// A template or static file changed: loads the theme again, replaces the static files,
    /// and marks the pages the changed templates render.
    fn apply_theme(&mut self, plan: &Plan, step: &mut Step) {
        let site = self.site.as_ref().expect("checked by apply");
        match crate::load_theme(site) {
            Ok(theme) => {
                step.fixed.push(ErrorKey::Theme);
                if plan.statics {
                    let files = render::static_files(site, &theme);
                    let new_paths: BTreeSet<String> =
                        files.iter().map(|f| f.path.clone()).collect();
                    let gone: Vec<String> =
                        self.static_paths.difference(&new_paths).cloned().collect();
                    step.out.files += files.len();
                    self.state.update(pack_all(files), &gone);
                    self.static_paths = new_paths;
                }
                if !plan.templates.is_empty() {
                    match deps::pages_for_templates(site, &plan.templates) {
                        Some(pages) => step.now.extend(pages),
                        None => step.all_pages = true,
                    }
                    // Listings in flight use the old templates: queue every listing
                    // again with the new theme.
                    step.work
                        .categories
                        .extend(site.settings.categories.iter().map(|c| c.slug.clone()));
                }
                self.theme = Some(Arc::new(theme));
            }
            Err(d) => step.errors.push((ErrorKey::Theme, d)),
        }
    }

    /// Reads the edited, added and deleted services again and marks their pages and the
    /// listings they were or are on.
    fn apply_services(&mut self, plan: &Plan, step: &mut Step) {
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
        if services.is_empty() {
            return;
        }
        let site = Arc::make_mut(self.site.as_mut().expect("checked by apply"));
        let work = &mut step.work;
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
                            work.removed.push(old_out);
                        }
                        work.slugs.insert(old.slug);
                        work.categories.insert(old.meta.category);
                    }
                    if let Some(new) = site.services.iter().find(|s| &s.source_path == path) {
                        work.slugs.insert(new.slug.clone());
                        work.categories.insert(new.meta.category.clone());
                        work.edited.insert(path.clone());
                    } else {
                        // Deleted (or now a draft): nothing of it is left to fail.
                        step.fixed.push(ErrorKey::Source(path.clone()));
                    }
                }
                Err(d) => step.errors.push((ErrorKey::Source(path.clone()), d)),
            }
        }
        for (i, s) in site.services.iter().enumerate() {
            if work.edited.contains(&s.source_path) {
                step.now.insert(Page::Service(i));
            }
        }
    }
}

/// Clears the errors fixed by a round (unless the same thing failed again), records and
/// reports the new ones, and lifts the overlay when nothing is left.
fn settle_errors(state: &PreviewState, fixed: Vec<ErrorKey>, errors: Vec<(ErrorKey, Diagnostics)>) {
    let failed_keys: BTreeSet<&ErrorKey> = errors.iter().map(|(k, _)| k).collect();
    let fixed: BTreeSet<ErrorKey> = fixed
        .into_iter()
        .filter(|k| !failed_keys.contains(k))
        .collect();
    let had_errors = state.has_errors();
    let cleared = state.clear_errors(|k| fixed.contains(k));
    if !errors.is_empty() {
        report(state, errors);
    } else if had_errors && cleared && !state.has_errors() {
        println!("Ошибок больше нет / all errors fixed");
        state.notify(LiveEvent::Reload(None));
    }
}

/// Renders the pages that list services from the snapshot of the model its job carries.
/// Jobs queued meanwhile are merged (rendered once, from the newest snapshot), and jobs
/// from before a full reload are dropped: the reload rendered everything.
fn listing_worker(rx: &mpsc::Receiver<ListingJob>, state: &PreviewState) {
    while let Ok(first) = rx.recv() {
        let mut job = first;
        while let Ok(newer) = rx.try_recv() {
            if newer.generation == job.generation {
                let mut all = job.work;
                all.categories.extend(newer.work.categories);
                all.slugs.extend(newer.work.slugs);
                all.edited.extend(newer.work.edited);
                all.removed.extend(newer.work.removed);
                job = ListingJob { work: all, ..newer };
            } else {
                job = newer;
            }
        }
        let ListingJob {
            site,
            theme,
            generation: model_generation,
            work,
        } = job;
        let site = &*site;
        let start = Instant::now();
        let mut pages: BTreeSet<Page> = deps::listing_pages(site).into_iter().collect();
        pages.extend(deps::category_pages(
            site,
            work.categories.iter().map(String::as_str),
        ));
        for (i, s) in site.services.iter().enumerate() {
            if work.slugs.contains(&s.slug) && !work.edited.contains(&s.source_path) {
                pages.insert(Page::Service(i));
            }
        }
        let pages: Vec<Page> = pages.into_iter().collect();
        let (files, fine, errors) = render_pages(site, &theme, &pages, false);
        let mut urls: Vec<String> = files.iter().map(|f| url_of(&f.0)).collect();
        urls.extend(work.removed.iter().map(|p| url_of(p)));
        let n = files.len();
        if !state.update_in_generation(model_generation, files, &work.removed) {
            continue;
        }
        println!(
            "  списки / listings: {n} файлов за {} мс / {n} files in {} ms",
            start.elapsed().as_millis(),
            start.elapsed().as_millis()
        );
        if errors.is_empty() {
            state.notify(LiveEvent::Reload(Some(Arc::new(urls))));
        }
        settle_errors(state, fine, errors);
    }
}

/// Records errors, prints them once, and tells open tabs.
fn report(state: &PreviewState, errors: Vec<(ErrorKey, Diagnostics)>) {
    let mut shown = Diagnostics::default();
    let mut seen = BTreeSet::new();
    for (key, d) in errors {
        for one in &d.0 {
            if seen.insert(one.to_plain_string()) {
                shown.push(one.clone());
            }
        }
        state.set_error(key, d);
    }
    shown.emit_to_stderr();
    eprintln!("Показываю последнюю удачную версию страниц / still serving the last good pages");
    state.notify(LiveEvent::Error);
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
