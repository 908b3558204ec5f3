//! Survey links for reception offices (issue 6, source section 3.3): for every service with a
//! survey and every reception location, a landing page with the survey alone, its QR codes
//! and an A4 poster; a sheet per location with all its services; and a QR code beside each
//! service page. The staff index of posters is in the staff handbook (`render::handbook`),
//! written apart from the public site.
//!
//! Output paths (all under the output folder; `<tag>` is a location tag, `<slug>` a service):
//! - `/q/<tag>/<slug>/` the landing page; its form sends `source = <tag>`;
//!   `qr.svg` and `qr.png` beside it encode exactly `base_url + /q/<tag>/<slug>/`;
//! - `/posters/<tag>/<slug>/` the poster, `/posters/<tag>/` the location sheet (no public
//!   page links there; robots.txt disallows `/posters/`);
//! - `<service page>/qr.svg` encodes the service page's survey, `base_url + <page> + #survey`.
//!
//! Only default-language services get codes and posters: one poster carries the call to action
//! in every language of the site, and its one code opens a landing page that links to the
//! same survey in each language (`qr_langs.rs`). Every service page, translations included,
//! gets its own `qr.svg`.

use rayon::prelude::*;
use serde::Serialize;

use super::qr_langs::{CtaLine, LangLink, landing_path_in};
use super::views::{ContactsView, SurveyView};
use super::{FileSink, OutputFile, Renderer};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::qr::{self, Modules, QrCache, QrOptions};

/// An encoded code: its URL, its modules, and whether it was encoded in this build.
type Code = (String, Modules, bool);

/// A service page's code: its file when no sink took it, and its code when known (a code the
/// sink kept without drawing is known only from the cache).
type ServiceCode = (Option<OutputFile>, Option<Code>);

/// A link with its code and its service, or why it could not be made.
type MadeLink<'a> = Result<((QrLinkView, Code), &'a Service), Diagnostic>;
use crate::site::{Location, Service, Site};

/// Pixels per module of the PNG codes: about 400–500 px for a typical link, enough for a
/// messenger or a document; print uses the SVG.
pub const PNG_SCALE: u32 = 10;

/// The folder of every survey landing page.
pub const LANDINGS: &str = "/q/";

/// Path of the survey landing page of `slug` at the location `tag`, e.g. `/q/priemnaya/opeka/`.
pub fn landing_path(tag: &str, slug: &str) -> String {
    format!("{LANDINGS}{tag}/{slug}/")
}

/// Path of the A4 poster of `slug` at the location `tag`.
pub fn poster_path(tag: &str, slug: &str) -> String {
    format!("/posters/{tag}/{slug}/")
}

/// Path of the sheet with every service's code for the location `tag`.
pub fn sheet_path(tag: &str) -> String {
    format!("/posters/{tag}/")
}

/// The URL that a service page's own QR code opens: its survey section.
pub fn service_survey_url(base_url: &str, page_path: &str) -> String {
    format!("{base_url}{page_path}#survey")
}

/// Output file name for a site path: `/q/a/b/` → `q/a/b/index.html`.
fn index_file(path: &str) -> String {
    format!("{}index.html", path.trim_start_matches('/'))
}

/// A reception location as templates see it.
#[derive(Debug, Clone, Serialize)]
pub struct LocationView {
    /// Tag sent as the answer's source.
    pub tag: String,
    /// Name, e.g. «Приёмная, 1 этаж».
    pub name: String,
    /// Address (empty when none).
    pub address: String,
    /// The location's sheet.
    pub sheet_path: String,
}

impl LocationView {
    fn new(l: &Location) -> Self {
        Self {
            tag: l.tag.clone(),
            name: l.name.clone(),
            address: l.address.clone(),
            sheet_path: sheet_path(&l.tag),
        }
    }
}

/// One service at one location: its landing page, codes and poster.
#[derive(Debug, Clone, Serialize)]
pub struct QrLinkView {
    /// Service slug.
    pub slug: String,
    /// Service title.
    pub title: String,
    /// The service page.
    pub service_path: String,
    /// The location.
    pub location: LocationView,
    /// Landing page path, `/q/<tag>/<slug>/`.
    pub landing_path: String,
    /// The absolute URL the codes encode: `base_url + landing_path`.
    pub landing_url: String,
    /// The landing URL without the scheme, for print (shorter, and people type it that way).
    pub short_url: String,
    /// The poster.
    pub poster_path: String,
    /// `qr.svg` beside the landing page.
    pub svg_path: String,
    /// `qr.png` beside the landing page.
    pub png_path: String,
    /// The SVG code itself, to inline in posters (so a saved poster prints on its own).
    pub svg: String,
    /// The service's contacts after inheritance.
    pub contacts: ContactsView,
    /// The call to action in each language of the site, the site's own first.
    pub ctas: Vec<CtaLine>,
    /// `qr.png`, made with the SVG so the URL is encoded once; not for templates.
    #[serde(skip)]
    pub png: Vec<u8>,
}

/// A location with the links of all its services.
#[derive(Debug, Clone, Serialize)]
pub struct LocationSheet {
    /// The location.
    pub location: LocationView,
    /// Its services, in the site's order.
    pub links: Vec<QrLinkView>,
}

/// What the landing page receives (`landing`).
#[derive(Debug, Serialize)]
struct LandingView<'a> {
    link: &'a QrLinkView,
    /// The service's title in the page's language, else in its own.
    title: &'a str,
    /// The language of `title`.
    title_lang: &'a str,
    survey: SurveyView,
    /// The same landing page in each language.
    languages: Vec<LangLink>,
}

fn qr_diag(site: &Site, e: &qr::QrError) -> Diagnostic {
    Diagnostic::file_error(
        "qr",
        &site.root.join("content").join("site.toml"),
        e.to_string(),
    )
}

impl Renderer<'_> {
    /// Every file of the QR feature: landing pages, codes, posters, sheets and the service
    /// pages' codes. Errors of all pages are collected, not only the first.
    pub fn render_qr_pages(&self) -> Result<Vec<OutputFile>, Diagnostics> {
        self.render_qr_pages_cached(&QrCache::new(), None)
            .map(|(files, _, _)| files)
    }

    /// Like [`Renderer::render_qr_pages`], taking encoded codes from `cache` where it has
    /// them (the files are the same either way). Also returns the codes this site uses, to
    /// be saved as the next build's cache, and how many of them had to be encoded.
    ///
    /// With a `sink`, the service pages' codes (one per page, most of the files) go to it
    /// as soon as they are made instead of into the returned list.
    pub fn render_qr_pages_cached(
        &self,
        cache: &QrCache,
        sink: Option<&dyn FileSink>,
    ) -> Result<(Vec<OutputFile>, QrCache, usize), Diagnostics> {
        let site = self.site;
        let s = &site.settings;
        let opts = s.qr;
        let services: Vec<&Service> = site
            .default_lang_services()
            .filter(|x| x.survey.is_some())
            .collect();
        let pairs: Vec<(&Location, &Service)> = s
            .locations
            .iter()
            .flat_map(|l| services.iter().map(move |svc| (l, *svc)))
            .collect();

        let mut diags = Diagnostics::default();
        let mut files = Vec::new();

        // Codes are the costly part: make each once, in parallel, and reuse it in the poster
        // and the location sheet.
        let made: Vec<MadeLink> = pairs
            .par_iter()
            .map(|(l, svc)| Ok((self.qr_link(l, svc, &opts, cache)?, *svc)))
            .collect();
        let mut made_ok = Vec::with_capacity(made.len());
        for r in made {
            match r {
                Ok(x) => made_ok.push(x),
                Err(d) => diags.push(d),
            }
        }

        let per_link: Vec<Result<Vec<OutputFile>, Diagnostic>> = made_ok
            .par_iter()
            .map(|((link, _), svc)| self.link_files(link, svc))
            .collect();
        let mut used = QrCache::new();
        let mut encoded = 0;
        let mut keep = |(url, modules, fresh): Code| {
            encoded += usize::from(fresh);
            used.insert(url, opts.ec_level, modules);
        };
        let mut links: Vec<QrLinkView> = Vec::with_capacity(made_ok.len());
        for ((link, code), _) in made_ok {
            keep(code);
            links.push(link);
        }
        let names = qr::SvgNames::new(&opts).map_err(|e| qr_diag(site, &e))?;
        let service_codes: Vec<Result<ServiceCode, Diagnostic>> = site
            .services
            .par_iter()
            .with_max_len(crate::par::LEAF)
            .filter(|x| x.survey.is_some())
            .map(|svc| self.service_code(svc, cache, sink, &names))
            .collect();
        for r in per_link {
            match r {
                Ok(f) => files.extend(f),
                Err(d) => diags.push(d),
            }
        }
        for r in service_codes {
            match r {
                Ok((f, code)) => {
                    files.extend(f);
                    code.map(&mut keep);
                }
                Err(d) => diags.push(d),
            }
        }

        self.location_files(&links, &mut files, &mut diags);

        if diags.has_errors() {
            diags
                .0
                .dedup_by(|a, b| a.file == b.file && a.range == b.range && a.message == b.message);
            return Err(diags);
        }
        Ok((files, used, encoded))
    }

    /// A service page's QR code as SVG: to `sink` when there is one (which may keep the
    /// file it has), else returned; and the code, for the next build's cache.
    fn service_code(
        &self,
        svc: &Service,
        cache: &QrCache,
        sink: Option<&dyn FileSink>,
        names: &qr::SvgNames,
    ) -> Result<ServiceCode, Diagnostic> {
        let site = self.site;
        let s = &site.settings;
        let opts = s.qr;
        let page = svc.url_path(s);
        let url = service_survey_url(&s.base_url, &page);
        let path = format!("{}qr.svg", page.trim_start_matches('/'));
        let mut code = None;
        let mut make = || {
            let (modules, encoded) = cache
                .get_or_encode(&url, &opts)
                .map_err(|e| qr_diag(site, &e))?;
            let svg = modules.svg(&url, &opts).map_err(|e| qr_diag(site, &e))?;
            code = Some((modules, encoded));
            Ok(svg.into_bytes())
        };
        let kept = match sink {
            // The sink may still hold this very SVG and not need it drawn.
            Some(sink) => {
                sink.put_derived(path, names.of(&url), &mut make)?;
                None
            }
            None => Some(OutputFile {
                bytes: make()?,
                path,
            }),
        };
        // A code not drawn stays in the cache as it was.
        let code = match code {
            Some((modules, encoded)) => Some((url, modules, encoded)),
            None => cache
                .get(&url, opts.ec_level)
                .map(|m| (url, m.clone(), false)),
        };
        Ok((kept, code))
    }

    /// One poster sheet per location.
    fn location_files(
        &self,
        links: &[QrLinkView],
        files: &mut Vec<OutputFile>,
        diags: &mut Diagnostics,
    ) {
        let sheets: Vec<LocationSheet> = self
            .site
            .settings
            .locations
            .iter()
            .map(|l| LocationSheet {
                location: LocationView::new(l),
                links: links
                    .iter()
                    .filter(|x| x.location.tag == l.tag)
                    .cloned()
                    .collect(),
            })
            .collect();
        for sheet in &sheets {
            match self.sheet_file(sheet) {
                Ok(f) => files.push(f),
                Err(d) => diags.push(d),
            }
        }
    }

    fn qr_link(
        &self,
        l: &Location,
        svc: &Service,
        opts: &QrOptions,
        cache: &QrCache,
    ) -> Result<(QrLinkView, Code), Diagnostic> {
        let s = &self.site.settings;
        let landing = landing_path(&l.tag, &svc.slug);
        let landing_url = format!("{}{}", s.base_url, landing);
        let diag = |e| qr_diag(self.site, &e);
        let (modules, encoded) = cache.get_or_encode(&landing_url, opts).map_err(diag)?;
        let svg = modules.svg(&landing_url, opts).map_err(diag)?;
        let png = modules.png(opts, PNG_SCALE).map_err(diag)?;
        let short_url = landing_url
            .strip_prefix("https://")
            .or_else(|| landing_url.strip_prefix("http://"))
            .unwrap_or(&landing_url)
            .to_owned();
        let code = (landing_url.clone(), modules, encoded);
        let link = QrLinkView {
            slug: svc.slug.clone(),
            title: svc.meta.title.clone(),
            service_path: svc.url_path(s),
            location: LocationView::new(l),
            svg_path: format!("{landing}qr.svg"),
            png_path: format!("{landing}qr.png"),
            poster_path: poster_path(&l.tag, &svc.slug),
            landing_path: landing,
            landing_url,
            short_url,
            svg,
            png,
            contacts: ContactsView::new(&svc.contacts),
            ctas: self.cta_lines(),
        };
        Ok((link, code))
    }

    /// The landing page in `lang` of one service at one location.
    fn landing_file(
        &self,
        link: &QrLinkView,
        svc: &Service,
        lang: &str,
    ) -> Result<OutputFile, Diagnostic> {
        let t = self.theme.strings(lang);
        let survey = svc.survey.as_ref().expect("only services with a survey");
        let path = landing_path_in(&link.landing_path, lang, &self.site.settings.lang);
        let (title, title_lang) = self.title_in(svc, lang);
        let view = LandingView {
            link,
            title,
            title_lang,
            survey: self.survey_view(survey, &svc.slug, &link.location.tag, lang, &path),
            languages: self.landing_links(&link.landing_path, lang),
        };
        let meta = self.meta(
            lang,
            title,
            t.get("qr_invite"),
            &path,
            "survey-landing.html",
        );
        self.html(
            "survey-landing.html",
            index_file(&path),
            meta,
            "landing",
            &view,
        )
    }

    /// The landing pages, the two codes and the poster of one service at one location.
    fn link_files(&self, link: &QrLinkView, svc: &Service) -> Result<Vec<OutputFile>, Diagnostic> {
        let t = self.theme.strings(&svc.lang);
        let mut landings = Vec::new();
        for lang in self.qr_languages() {
            landings.push(self.landing_file(link, svc, lang)?);
        }
        let poster_meta = self.meta(
            &svc.lang,
            &svc.meta.title,
            t.get("qr_invite"),
            &link.poster_path,
            "poster.html",
        );
        let poster = self.html(
            "poster.html",
            index_file(&link.poster_path),
            poster_meta,
            "poster",
            link,
        )?;
        let dir = link.landing_path.trim_start_matches('/');
        landings.extend([
            OutputFile {
                path: format!("{dir}qr.svg"),
                bytes: link.svg.clone().into_bytes(),
            },
            OutputFile {
                path: format!("{dir}qr.png"),
                bytes: link.png.clone(),
            },
            poster,
        ]);
        Ok(landings)
    }

    fn sheet_file(&self, sheet: &LocationSheet) -> Result<OutputFile, Diagnostic> {
        let s = &self.site.settings;
        let t = self.theme.strings(&s.lang);
        let m = self.meta(
            &s.lang,
            &sheet.location.name,
            t.get("qr_invite"),
            &sheet.location.sheet_path,
            "poster-sheet.html",
        );
        self.html(
            "poster-sheet.html",
            index_file(&sheet.location.sheet_path),
            m,
            "sheet",
            sheet,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_short_and_carry_the_tag() {
        assert_eq!(landing_path("priemnaya", "opeka"), "/q/priemnaya/opeka/");
        assert_eq!(
            poster_path("priemnaya", "opeka"),
            "/posters/priemnaya/opeka/"
        );
        assert_eq!(sheet_path("priemnaya"), "/posters/priemnaya/");
        assert_eq!(index_file("/q/a/b/"), "q/a/b/index.html");
        assert_eq!(
            service_survey_url("https://x.example", "/services/opeka/"),
            "https://x.example/services/opeka/#survey"
        );
    }
}
