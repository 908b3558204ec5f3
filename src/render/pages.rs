//! One function per kind of page: each builds its view and renders its template.

use rayon::prelude::*;
use serde::Serialize;

use super::views::{self, *};
use super::{OutputFile, Page, Renderer, gather};
use crate::diagnostics::Diagnostic;
use crate::markdown;
use crate::site::Service;

/// What `faq.html` receives as `groups_html` while it renders; replaced by the groups after.
/// An HTML comment, so a template that prints it anywhere else breaks nothing.
const FAQ_GROUPS: &str = "<!-- yasno: faq groups -->";

/// Where the all-questions page is written.
pub(super) const FAQ_PATH: &str = "faq/index.html";

impl Renderer<'_> {
    /// Renders one page.
    pub fn render(&self, page: Page) -> Result<OutputFile, Diagnostic> {
        match page {
            Page::Home => self.home(),
            Page::Service(i) => self.service_page(&self.site.services[i]),
            Page::Category(i) => self.category_page(i),
            Page::Faq => Ok(OutputFile {
                path: FAQ_PATH.to_owned(),
                bytes: gather(&mut |emit| self.faq_pieces(emit))?,
            }),
            Page::Contacts => self.contacts_page(),
            Page::Content(i) => self.content_page(i),
            Page::NotFound => self.not_found_page(),
            Page::Sitemap => self.sitemap(),
            Page::Robots => Ok(OutputFile {
                path: "robots.txt".into(),
                bytes: format!(
                    "User-agent: *\nAllow: /\nDisallow: /posters/\n\nSitemap: {}/sitemap.xml\n",
                    self.site.settings.base_url
                )
                .into_bytes(),
            }),
        }
    }

    fn home(&self) -> Result<OutputFile, Diagnostic> {
        let s = &self.site.settings;
        let t = self.theme.strings(&s.lang);
        let groups = category_groups(self.site);
        let m = self.meta(
            &s.lang,
            &s.name,
            t.get("home_description"),
            "/",
            "index.html",
        );
        self.html("index.html", "index.html".into(), m, "groups", &groups)
    }

    fn service_page(&self, svc: &Service) -> Result<OutputFile, Diagnostic> {
        let view = self.service_view(svc);
        let mut m = self.meta(
            &svc.lang,
            &svc.meta.title,
            &svc.meta.summary,
            &view.url,
            "service.html",
        );
        m.alternates = view.translations.clone();
        let path = format!("{}index.html", view.url.trim_start_matches('/'));
        self.html("service.html", path, m, "service", &view)
    }

    fn category_page(&self, i: usize) -> Result<OutputFile, Diagnostic> {
        let s = &self.site.settings;
        let c = &s.categories[i];
        let group = CategoryGroup {
            category: views::CategoryView::new(c),
            services: self
                .site
                .default_lang_services()
                .filter(|x| x.meta.category == c.slug)
                .map(|x| ServiceLink::new(x, s))
                .collect(),
        };
        let path = group.category.url.clone();
        let m = self.meta(&s.lang, &c.title, &c.description, &path, "category.html");
        self.html(
            "category.html",
            format!("{}index.html", path.trim_start_matches('/')),
            m,
            "group",
            &group,
        )
    }

    fn contacts_page(&self) -> Result<OutputFile, Diagnostic> {
        let s = &self.site.settings;
        let t = self.theme.strings(&s.lang);
        let m = self.meta(
            &s.lang,
            t.get("contacts_title"),
            t.get("contacts_description"),
            "/contacts/",
            "contacts.html",
        );
        self.html(
            "contacts.html",
            "contacts/index.html".into(),
            m,
            "services",
            &self
                .site
                .default_lang_services()
                .map(|x| ServiceLink::new(x, s))
                .collect::<Vec<_>>(),
        )
    }

    fn content_page(&self, i: usize) -> Result<OutputFile, Diagnostic> {
        let s = &self.site.settings;
        let p = &self.site.pages[i];
        let mut rendered = markdown::render(p.body(), &self.md_opts(&s.lang), &mut vec![]);
        let mut links = super::links::PageLinks {
            file: p.source_path.clone(),
            source: p.source.clone(),
            url: format!("/{}/", p.slug),
            links: Vec::new(),
        };
        links.add(std::mem::take(&mut rendered.links), p.body_offset, true);
        self.keep_links(links);
        #[derive(Serialize)]
        struct PageView<'x> {
            title: &'x str,
            summary: &'x str,
            body_html: String,
            toc: Vec<markdown::TocEntry>,
            updated: String,
        }
        let path = format!("/{}/", p.slug);
        let view = PageView {
            title: &p.meta.title,
            summary: p.meta.summary.as_deref().unwrap_or(""),
            toc: if rendered.toc.len() >= 3 {
                rendered.toc
            } else {
                vec![]
            },
            body_html: rendered.html,
            updated: p.meta.updated.map(|d| d.display_ru()).unwrap_or_default(),
        };
        let m = self.meta(&s.lang, &p.meta.title, view.summary, &path, "page.html");
        self.html(
            "page.html",
            format!("{}/index.html", p.slug),
            m,
            "page",
            &view,
        )
    }

    fn not_found_page(&self) -> Result<OutputFile, Diagnostic> {
        let s = &self.site.settings;
        let t = self.theme.strings(&s.lang);
        let m = self.meta(
            &s.lang,
            t.get("not_found_title"),
            t.get("not_found_text"),
            "/404.html",
            "404.html",
        );
        self.html(
            "404.html",
            "404.html".into(),
            m,
            "groups",
            &category_groups(self.site),
        )
    }

    fn sitemap(&self) -> Result<OutputFile, Diagnostic> {
        #[derive(Serialize)]
        struct Url {
            loc: String,
            lastmod: String,
        }
        let site = self.site;
        let s = &site.settings;
        let base = &s.base_url;
        let plain = |path: String| Url {
            loc: format!("{base}{path}"),
            lastmod: String::new(),
        };
        let mut urls = vec![
            plain("/".into()),
            plain("/faq/".into()),
            plain("/contacts/".into()),
        ];
        urls.extend(
            s.categories
                .iter()
                .map(|c| plain(format!("/categories/{}/", c.slug))),
        );
        urls.extend(site.services.iter().map(|x| Url {
            loc: format!("{base}{}", x.url_path(s)),
            lastmod: x.meta.updated.to_string(),
        }));
        urls.extend(site.pages.iter().map(|p| Url {
            loc: format!("{base}/{}/", p.slug),
            lastmod: p.meta.updated.map(|d| d.to_string()).unwrap_or_default(),
        }));
        let mut ctx = tera::Context::new();
        ctx.insert("urls", &urls);
        Ok(OutputFile {
            path: "sitemap.xml".into(),
            bytes: self.theme.render_bytes("sitemap.xml", &ctx)?,
        })
    }

    /// The all-questions page, in pieces: every answer of every service (30 MB at 10,000
    /// services). `faq.html` renders with a marker in place of `groups_html`; each service's
    /// group is rendered by `partials/faq-group.html`, a chunk of services at a time in
    /// parallel, and handed on in order where the marker was, so the page is never held whole
    /// while it is written. (Handing Tera all groups as one value held the answers three
    /// times, 135 MB at 10,000 services, and rendered them on one thread.)
    pub(super) fn faq_pieces(
        &self,
        emit: &mut dyn FnMut(&[u8]) -> Result<(), Diagnostic>,
    ) -> Result<(), Diagnostic> {
        #[derive(Serialize)]
        struct FaqGroup<'s> {
            service: ServiceLink<'s>,
            /// The service's path as an id prefix: `/services/x/` → `-services-x-`.
            anchor: String,
            faq: Vec<FaqView>,
        }
        let site = self.site;
        let s = &site.settings;
        let t = self.theme.strings(&s.lang);
        let m = self.meta(
            &s.lang,
            t.get("faq_title"),
            t.get("faq_description"),
            "/faq/",
            "faq.html",
        );
        let page = self.html("faq.html", FAQ_PATH.into(), m, "groups_html", &FAQ_GROUPS)?;
        let marker = FAQ_GROUPS.as_bytes();
        let Some(at) = page.bytes.windows(marker.len()).position(|w| w == marker) else {
            // The theme's template does not show the groups.
            return emit(&page.bytes);
        };
        emit(&page.bytes[..at])?;
        let with_faq: Vec<&Service> = site
            .default_lang_services()
            .filter(|x| !x.meta.faq.is_empty())
            .collect();
        for chunk in with_faq.chunks(64) {
            let groups = chunk
                .par_iter()
                .map(|x| {
                    let service = ServiceLink::new(x, s);
                    let group = FaqGroup {
                        anchor: service.url.replace('/', "-"),
                        service,
                        faq: self.faq_views(x, &mut vec![], None),
                    };
                    let mut ctx = tera::Context::new();
                    ctx.insert_value("t", t.value.clone());
                    ctx.insert("g", &group);
                    self.theme
                        .render_bytes_sized("partials/faq-group.html", &ctx, 0)
                })
                .collect::<Result<Vec<Vec<u8>>, Diagnostic>>()?;
            groups.iter().try_for_each(|g| emit(g))?;
        }
        emit(&page.bytes[at + marker.len()..])
    }
}
