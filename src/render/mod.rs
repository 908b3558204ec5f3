//! Rendering: the theme (Tera templates, translations, static files) and one function per
//! kind of page. Rendering is pure: it turns the model into [`OutputFile`]s in memory and
//! never touches the output folder (that is [`crate::output`]'s job).
//!
//! Every page is listed by [`pages`], so a caller (the build, or `serve` after an edit) can
//! render all of them in parallel or only the ones a change touches.

pub mod aliases;
pub mod handbook;
pub mod i18n;
pub mod jsonld;
pub mod langs;
pub mod links;
mod pages;
pub mod qr_langs;
pub mod qr_pages;
pub mod reuse;
pub mod theme;
pub mod views;

use std::collections::BTreeMap;
use std::sync::Arc;

use rayon::prelude::*;
use serde::Serialize;

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::markdown::{self, MarkdownOptions};
use crate::site::{Service, Site};
pub use theme::Theme;
use views::*;
use yasno_survey_core::Survey;

/// A file of the built site, relative to the output folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    /// Relative path with `/` separators, e.g. `services/opeka/index.html`.
    pub path: String,
    /// Contents.
    pub bytes: Vec<u8>,
}

/// Where rendered files go, as soon as each is made.
pub trait FileSink: Sync {
    /// Takes one whole file.
    fn put(&self, file: OutputFile) -> Result<(), Diagnostic>;

    /// Takes a file in pieces: `fill` hands each piece, in order, to the function it gets.
    /// For pages too big to hold whole (the all-questions page is 30 MB at 10,000
    /// services); by default the pieces are gathered and passed to [`FileSink::put`].
    /// `source`: the hash of the page's inputs (see [`FileSink::put_page`]), 0 when unknown.
    fn put_pieces(
        &self,
        path: String,
        source: u128,
        fill: &mut PieceFill<'_>,
    ) -> Result<(), Diagnostic> {
        let _ = source;
        let bytes = gather(fill)?;
        self.put(OutputFile { path, bytes })
    }

    /// Takes a file that `make` makes from inputs whose hash is `source` (never 0): a sink
    /// that still holds the file made from the same inputs may keep it without calling
    /// `make`. By default the file is made and passed to [`FileSink::put`].
    fn put_derived(
        &self,
        path: String,
        source: u128,
        make: &mut dyn FnMut() -> Result<Vec<u8>, Diagnostic>,
    ) -> Result<(), Diagnostic> {
        let _ = source;
        let bytes = make()?;
        self.put(OutputFile { path, bytes })
    }

    /// Keeps, without rendering it, the page at `path` whose inputs hash to `source` (see
    /// [`reuse`]), with its `ids` for the link check; false when the sink does not hold it
    /// (then it is rendered and given to [`FileSink::put_page`]). By default: false.
    fn reuse_page(
        &self,
        path: &str,
        source: u128,
        ids: Option<&links::PageIds>,
    ) -> Result<bool, Diagnostic> {
        let _ = (path, source, ids);
        Ok(false)
    }

    /// Takes a rendered page made from inputs hashing to `source`, whose `ids` the renderer
    /// has already read (an HTML page's). By default passed to [`FileSink::put`].
    fn put_page(
        &self,
        file: OutputFile,
        source: u128,
        ids: Option<&links::PageIds>,
    ) -> Result<(), Diagnostic> {
        let _ = (source, ids);
        self.put(file)
    }
}

/// The pieces `fill` writes, in one buffer.
fn gather(fill: &mut PieceFill<'_>) -> Result<Vec<u8>, Diagnostic> {
    let mut bytes = Vec::new();
    fill(&mut |piece| {
        bytes.extend_from_slice(piece);
        Ok(())
    })?;
    Ok(bytes)
}

/// Writes a file's pieces, in order, into the function it is given (see [`FileSink`]).
pub type PieceFill<'a> =
    dyn FnMut(&mut dyn FnMut(&[u8]) -> Result<(), Diagnostic>) -> Result<(), Diagnostic> + 'a;

impl<F: Fn(OutputFile) -> Result<(), Diagnostic> + Sync> FileSink for F {
    fn put(&self, file: OutputFile) -> Result<(), Diagnostic> {
        self(file)
    }
}

/// A language of the site: an index into [`Site::langs`] (0 is the site's own language).
pub type Lang = u8;

/// A page of the site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Page {
    /// The home page of a language: services by category.
    Home(Lang),
    /// A service page (index into `site.services`; translations are services too).
    Service(usize),
    /// A category page (index into `settings.categories`) in a language.
    Category(usize, Lang),
    /// All questions and answers, in a language.
    Faq(Lang),
    /// Contacts and reception, in a language.
    Contacts(Lang),
    /// A content page from `content/pages/` (index into `site.pages`; translations too).
    Content(usize),
    /// The 404 page of a language.
    NotFound(Lang),
    /// `sitemap.xml`.
    Sitemap,
    /// `robots.txt`.
    Robots,
}

/// Every page of the site.
pub fn pages(site: &Site) -> Vec<Page> {
    let mut p = vec![Page::Sitemap, Page::Robots];
    for l in 0..site.langs.len() as Lang {
        p.extend([
            Page::Home(l),
            Page::Faq(l),
            Page::Contacts(l),
            Page::NotFound(l),
        ]);
        p.extend((0..site.settings.categories.len()).map(|c| Page::Category(c, l)));
    }
    p.extend((0..site.services.len()).map(Page::Service));
    p.extend((0..site.pages.len()).map(Page::Content));
    p
}

/// Values every HTML page's layout uses.
#[derive(Debug, Serialize)]
struct Meta<'a> {
    lang: &'a str,
    title: &'a str,
    description: &'a str,
    path: &'a str,
    canonical: String,
    /// `hreflang` alternates: every version of the page, itself included.
    alternates: Vec<TranslationLink>,
    /// The path of the version in the site's language (`x-default`).
    x_default: String,
    /// The language switcher: one link per site language.
    switcher: Vec<TranslationLink>,
    /// `/` or `/<lang>/`: where this language's pages are.
    root: &'a str,
    /// The accessibility statement in this language, else in the site's language.
    a11y_url: String,
    /// Its language.
    a11y_lang: &'a str,
    /// A translation not yet reviewed by a native speaker.
    not_reviewed: bool,
    /// The site's own language, for the parts of a page that stay in it.
    default_lang: &'a str,
    template: &'a str,
}

/// Renders pages of one site with one theme.
pub struct Renderer<'a> {
    site: &'a Site,
    theme: &'a Theme,
    /// The shared parts of each survey the services show, in each language of the theme.
    surveys: Vec<(Arc<Survey>, String, SurveyParts)>,
    /// The site links of the rendered pages, when the caller checks them
    /// ([`Renderer::collecting_links`]).
    links: Option<std::sync::Mutex<Vec<links::PageLinks>>>,
    /// The site's languages, its own first (indexed by [`Lang`]).
    langs: Vec<langs::LangCtx>,
    /// The previous build's pages a sink may keep ([`Renderer::reusing`]).
    reuse: Option<reuse::Reuse<'a>>,
}

impl<'a> Renderer<'a> {
    /// A renderer for `site` with `theme`.
    pub fn new(site: &'a Site, theme: &'a Theme) -> Self {
        let mut surveys: Vec<(Arc<Survey>, String, SurveyParts)> = Vec::new();
        for survey in site.services.iter().filter_map(|x| x.survey.as_ref()) {
            if !surveys.iter().any(|(s, _, _)| Arc::ptr_eq(s, survey)) {
                for lang in theme.languages() {
                    let parts = SurveyParts::new(survey, theme.strings(lang));
                    surveys.push((survey.clone(), lang.to_owned(), parts));
                }
            }
        }
        Self {
            site,
            theme,
            surveys,
            links: None,
            langs: langs::contexts(site),
            reuse: None,
        }
    }

    /// Lets the sink keep service pages made from the same inputs as the previous build's
    /// (whose memo is `old`) instead of rendering them again; [`Renderer::take_memo`] gives
    /// this build's memo.
    pub fn reusing(mut self, old: &'a reuse::PageMemo) -> Self {
        self.reuse = Some(reuse::Reuse::new(self.site, self.theme, old));
        self
    }

    /// The memo of the service pages rendered or kept so far (empty unless
    /// [`Renderer::reusing`]).
    pub fn take_memo(&self) -> reuse::PageMemo {
        self.reuse
            .as_ref()
            .map(reuse::Reuse::take)
            .unwrap_or_default()
    }

    /// Keeps the site links of every page it renders, for [`links::check`] after the
    /// render ([`Renderer::take_links`]).
    pub fn collecting_links(mut self) -> Self {
        self.links = Some(std::sync::Mutex::default());
        self
    }

    /// The site links gathered so far (see [`Renderer::collecting_links`]).
    pub fn take_links(&self) -> Vec<links::PageLinks> {
        self.links
            .as_ref()
            .map(|l| std::mem::take(&mut *l.lock().unwrap_or_else(|e| e.into_inner())))
            .unwrap_or_default()
    }

    /// Keeps `page`'s links when the caller checks them.
    fn keep_links(&self, page: links::PageLinks) {
        if let Some(l) = &self.links {
            l.lock().unwrap_or_else(|e| e.into_inner()).push(page);
        }
    }

    /// The view of `survey` on the page `return_to` of the service `slug`, for answers from
    /// `source`.
    fn survey_view(
        &self,
        survey: &Arc<Survey>,
        slug: &str,
        source: &str,
        lang: &str,
        return_to: &str,
    ) -> SurveyView {
        let collector = self.site.settings.collector_url.trim_end_matches('/');
        let view =
            |parts: &SurveyParts| SurveyView::new(parts, slug, source, lang, return_to, collector);
        let found = self
            .surveys
            .iter()
            .find(|(s, l, _)| Arc::ptr_eq(s, survey) && l == lang);
        match found {
            Some((_, _, parts)) => view(parts),
            None => view(&SurveyParts::new(survey, self.theme.strings(lang))),
        }
    }

    fn md_opts(&self, lang: &str) -> MarkdownOptions {
        let t = self.theme.strings(lang);
        MarkdownOptions {
            allow_html: self.site.settings.allow_html,
            base_url: self.site.settings.base_url.clone(),
            external_link_note: t.get("external_link").to_owned(),
            table_label: t.get("table").to_owned(),
        }
    }

    /// Renders one page into `sink`: the all-questions page in pieces (see
    /// [`FileSink::put_pieces`]), any other whole.
    pub fn render_into(&self, page: Page, sink: &impl FileSink) -> Result<(), Diagnostic> {
        match (page, &self.reuse) {
            (Page::Service(i), Some(_)) => self.service_reusing(&self.site.services[i], sink),
            (Page::Content(_), _) | (_, None) => self.render_with_key(page, 0, sink).map(drop),
            (_, Some(reuse)) => self.listing_reusing(page, reuse, sink),
        }
    }

    /// Renders `page` into `sink`, made from inputs hashing to `key` (0: unknown); returns
    /// its memo.
    fn render_with_key(
        &self,
        page: Page,
        key: u128,
        sink: &impl FileSink,
    ) -> Result<reuse::Memo, Diagnostic> {
        let (path, ids) = match page {
            Page::Faq(l) => {
                let path = pages::faq_path(&self.langs[usize::from(l)].root);
                sink.put_pieces(path.clone(), key, &mut |emit| self.faq_pieces(l, emit))?;
                (path, None)
            }
            _ => {
                let file = self.render(page)?;
                let path = file.path.clone();
                if key == 0 {
                    sink.put(file)?;
                    (path, None)
                } else {
                    let ids = path
                        .ends_with(".html")
                        .then(|| links::html_ids(&file.bytes));
                    sink.put_page(file, key, ids.as_ref())?;
                    (path, ids)
                }
            }
        };
        Ok(reuse::Memo {
            source: key,
            path,
            links: Vec::new(),
            ids,
        })
    }

    /// A page listing services, kept from the previous build when no service and nothing
    /// shared changed, else rendered.
    fn listing_reusing(
        &self,
        page: Page,
        reuse: &reuse::Reuse<'_>,
        sink: &impl FileSink,
    ) -> Result<(), Diagnostic> {
        let key = reuse.keys.listing;
        let name = reuse::Reuse::name(page);
        if let Some(memo) = reuse.old.get(&name, key)
            && sink.reuse_page(&memo.path, key, memo.ids.as_ref())?
        {
            reuse.record(name, memo.clone());
            return Ok(());
        }
        let memo = self.render_with_key(page, key, sink)?;
        reuse.record(name, Arc::new(memo));
        Ok(())
    }

    /// Renders every page in parallel and hands each file to `sink` as soon as it is made,
    /// so a large site never sits in memory whole. Every error is collected.
    pub fn render_each(&self, sink: &impl FileSink) -> Result<(), Diagnostics> {
        let mut errors: Vec<Diagnostic> = pages(self.site)
            .par_iter()
            .with_max_len(crate::par::LEAF)
            .filter_map(|p| self.render_into(*p, sink).err())
            .collect();
        errors.extend(
            self.alias_files()
                .into_iter()
                .filter_map(|f| sink.put(f).err()),
        );
        if errors.is_empty() {
            return Ok(());
        }
        let mut diags = Diagnostics(errors);
        diags.sort();
        // The same template error repeats on every page that uses it: show it once.
        diags
            .0
            .dedup_by(|a, b| a.file == b.file && a.range == b.range && a.message == b.message);
        Err(diags)
    }

    /// Renders every page into memory (for the preview server and tests).
    pub fn render_all(&self) -> Result<Vec<OutputFile>, Diagnostics> {
        let files = std::sync::Mutex::new(Vec::new());
        self.render_each(&|f| {
            files
                .lock()
                .expect("no panics while holding the lock")
                .push(f);
            Ok(())
        })?;
        Ok(files
            .into_inner()
            .expect("no panics while holding the lock"))
    }

    fn html(
        &self,
        template: &str,
        out_path: String,
        meta: Meta<'_>,
        key: &str,
        value: &impl Serialize,
    ) -> Result<OutputFile, Diagnostic> {
        let mut ctx = tera::Context::new();
        ctx.insert_value("t", self.theme.strings(meta.lang).value.clone());
        if let Some(site) = self.lang_ctx(meta.lang).site_value.clone() {
            // Overrides the theme's global `site` (the site's language) for this page.
            ctx.insert_value("site", site);
        }
        ctx.insert("meta", &meta);
        ctx.insert(key.to_owned(), value);
        Ok(OutputFile {
            path: out_path,
            bytes: self.theme.render_bytes(template, &ctx)?,
        })
    }

    /// The layout values of a page that exists in its language only (QR pages, posters).
    fn meta<'m>(
        &'m self,
        lang: &'m str,
        title: &'m str,
        description: &'m str,
        path: &'m str,
        template: &'m str,
    ) -> Meta<'m> {
        let only = vec![(lang.to_owned(), path.to_owned())];
        self.meta_of(lang, title, description, path, template, &only)
    }

    fn faq_views(
        &self,
        svc: &Service,
        taken: &mut Vec<String>,
        mut page: Option<&mut links::PageLinks>,
    ) -> Vec<FaqView> {
        let opts = self.md_opts(&svc.lang);
        svc.meta
            .faq
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let answer = markdown::render(&f.a, &opts, &mut vec![]);
                if let Some(page) = page.as_deref_mut()
                    && !answer.links.is_empty()
                {
                    // The answer's text in the file: exact when written without escapes.
                    let at = svc.spans.at(&format!("faq[{i}].a"));
                    page.add(answer.links, at.start, at.len() == f.a.len());
                }
                FaqView {
                    id: markdown::slugify(&f.q, taken),
                    q: f.q.clone(),
                    a_html: answer.html,
                }
            })
            .collect()
    }

    /// A service page kept from the previous build when its inputs are the same, else
    /// rendered; noted in this build's memo either way.
    fn service_reusing(&self, svc: &Service, sink: &impl FileSink) -> Result<(), Diagnostic> {
        let reuse = self.reuse.as_ref().expect("called when reusing");
        let key = reuse.keys.service(self.site, svc);
        let url = svc.url_path(&self.site.settings);
        let path = Self::file_of(&url);
        if let Some(memo) = reuse.old.get(&path, key)
            && sink.reuse_page(&path, key, memo.ids.as_ref())?
        {
            self.keep_links(links::PageLinks {
                file: svc.source_path.clone(),
                source: Arc::from(""),
                url,
                links: memo.links.clone(),
            });
            reuse.record(path, memo.clone());
            return Ok(());
        }
        let (file, page) = self.service_page(svc)?;
        let memo = Arc::new(reuse::Memo {
            source: key,
            path: path.clone(),
            links: page.links.clone(),
            ids: Some(links::html_ids(&file.bytes)),
        });
        self.keep_links(page);
        sink.put_page(file, key, memo.ids.as_ref())?;
        reuse.record(path, memo);
        Ok(())
    }

    /// The view of one service page and its site links; an error when its file cannot be
    /// read again.
    pub fn service_view<'s>(
        &'s self,
        svc: &'s Service,
    ) -> Result<(ServiceView<'s>, links::PageLinks), Diagnostic> {
        let s = &self.site.settings;
        let t = self.theme.strings(&svc.lang);
        let mut taken: Vec<String> = TEMPLATE_IDS.iter().map(|x| x.to_string()).collect();
        let text = svc.text()?;
        let body_md = &text[svc.body_offset..];
        let mut body = markdown::render(body_md, &self.md_opts(&svc.lang), &mut taken);
        let url = svc.url_path(s);
        let mut page = links::PageLinks {
            file: svc.source_path.clone(),
            // Not kept for the link check: read again only for a broken link's message.
            source: Arc::from(""),
            url: url.clone(),
            links: Vec::new(),
        };
        page.add(std::mem::take(&mut body.links), svc.body_offset, true);
        let faq = self.faq_views(svc, &mut taken, Some(&mut page));
        let m = &svc.meta;
        let lc = self.lang_ctx(&svc.lang);
        let category = lc
            .settings
            .categories
            .iter()
            .find(|c| c.slug == m.category)
            .map(|c| views::CategoryView::under(c, &lc.root))
            .expect("category validated at load");
        let translations = self.translation_links(svc);
        let survey = svc
            .survey
            .as_ref()
            .map(|sv| self.survey_view(sv, &svc.slug, "web", &svc.lang, &url));
        let (svc_contacts, svc_reception) = Self::contacts_in(svc, lc);
        let contacts = ContactsView::new(&svc_contacts);
        let jsonld = jsonld::service(self.site, svc, &contacts, &url);
        let view = ServiceView {
            slug: &svc.slug,
            title: &m.title,
            summary: &m.summary,
            category,
            updated: m.updated.display_ru(),
            updated_iso: m.updated.to_string(),
            who: &m.who,
            documents: document_views(&m.documents, t),
            steps: &m.steps,
            result: &m.result,
            refusal_grounds: &svc.refusal_grounds,
            deadline: deadline_text(m.deadline.days, m.deadline.kind, t),
            deadline_note: m.deadline.note.as_deref().unwrap_or_default(),
            fee: fee_text(&m.fee, t),
            fee_for: match &m.fee {
                crate::site::Fee::Paid {
                    purpose: Some(p), ..
                } => p,
                _ => "",
            },
            apply: m
                .apply
                .iter()
                .map(|a| ApplyView {
                    label: apply_label(a.kind, t),
                    url: a.url.as_deref().unwrap_or_default(),
                    note: a.note.as_deref().unwrap_or_default(),
                    external: a
                        .url
                        .as_deref()
                        .is_some_and(|u| u.starts_with("http") && !u.starts_with(&s.base_url)),
                })
                .collect(),
            contacts,
            reception: svc_reception,
            legal_acts: legal_act_views(&m.legal_acts),
            faq,
            toc: if body.toc.len() >= 3 {
                body.toc
            } else {
                vec![]
            },
            body_html: body.html,
            url,
            translations,
            survey,
            jsonld,
        };
        Ok((view, page))
    }
}

/// The template's own section ids on a service page, so Markdown headings never take them.
const TEMPLATE_IDS: &[&str] = &[
    "main",
    "summary",
    "who",
    "documents",
    "steps",
    "deadline",
    "fee",
    "result",
    "refusal",
    "apply",
    "contacts",
    "reception",
    "legal-acts",
    "faq",
    "survey",
    yasno_survey_core::wire::THANKS_ID,
    "details",
    "toc",
];

/// The documents of a service as the page lists them.
fn document_views<'s>(
    documents: &'s [crate::site::Document],
    t: &'s i18n::Strings,
) -> Vec<DocumentView<'s>> {
    documents
        .iter()
        .map(|d| DocumentView {
            name: &d.name,
            note: d.note.as_deref().unwrap_or_default(),
            form: document_form_label(d.form, t),
        })
        .collect()
}

/// The legal acts of a service as the page lists them.
fn legal_act_views(acts: &[crate::site::LegalAct]) -> Vec<LegalActView<'_>> {
    acts.iter()
        .map(|a| LegalActView {
            title: &a.title,
            number: a.number.as_deref().unwrap_or_default(),
            date: a.date.display_ru(),
            date_iso: a.date.to_string(),
            amended: a.amended.map(|d| d.display_ru()).unwrap_or_default(),
            amended_iso: a.amended.map(|d| d.to_string()).unwrap_or_default(),
            url: a.url.as_deref().unwrap_or_default(),
        })
        .collect()
}

/// Static files: the survey widget, the theme's files, and the site's own `static/`
/// overriding them.
pub fn static_files(site: &Site, theme: &Theme) -> Vec<OutputFile> {
    let mut statics: BTreeMap<String, Vec<u8>> = crate::widget::assets()
        .iter()
        .map(|(name, bytes)| (format!("widgets/{name}"), bytes.to_vec()))
        .collect();
    statics.extend(theme.static_files().clone());
    for (rel, bytes) in theme::read_dir_files(&site.root.join("static")) {
        statics.insert(rel, bytes);
    }
    statics
        .into_iter()
        .map(|(path, bytes)| OutputFile { path, bytes })
        .collect()
}

/// Renders the whole site into memory: pages, QR pages and codes, static files.
pub fn render_site(site: &Site, theme: &Theme) -> Result<Vec<OutputFile>, Diagnostics> {
    let renderer = Renderer::new(site, theme);
    // Both steps run even when one fails, so an editor sees every mistake in one build.
    let mut files = match (renderer.render_all(), renderer.render_qr_pages()) {
        (Ok(mut pages), Ok(qr)) => {
            pages.extend(qr);
            pages
        }
        (Err(d), Ok(_)) | (Ok(_), Err(d)) => return Err(d),
        (Err(mut d), Err(more)) => {
            d.0.extend(more.0);
            return Err(d);
        }
    };
    files.extend(static_files(site, theme));
    Ok(files)
}
