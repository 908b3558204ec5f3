//! One function per kind of page: each builds its view and renders its template.

use rayon::prelude::*;
use serde::Serialize;

use super::views::{self, *};
use super::{Lang, OutputFile, Page, Renderer, gather, langs, links};
use crate::diagnostics::Diagnostic;
use crate::markdown;
use crate::site::Service;

/// What `faq.html` receives as `groups_html` while it renders; replaced by the groups after.
/// An HTML comment, so a template that prints it anywhere else breaks nothing.
const FAQ_GROUPS: &str = "<!-- yasno: faq groups -->";

/// Where the all-questions page of a language is written (`faq/index.html`, `en/faq/index.html`).
pub(super) fn faq_path(root: &str) -> String {
    format!("{}faq/index.html", root.trim_start_matches('/'))
}

impl Renderer<'_> {
    /// Renders one page.
    pub fn render(&self, page: Page) -> Result<OutputFile, Diagnostic> {
        match page {
            Page::Home(l) => self.home(l),
            Page::Service(i) => {
                let (file, links) = self.service_page(&self.site.services[i])?;
                self.keep_links(links);
                Ok(file)
            }
            Page::Category(i, l) => self.category_page(i, l),
            Page::Faq(l) => Ok(OutputFile {
                path: faq_path(&self.langs[usize::from(l)].root),
                bytes: gather(&mut |emit| self.faq_pieces(l, emit))?,
            }),
            Page::Contacts(l) => self.contacts_page(l),
            Page::Content(i) => self.content_page(i),
            Page::NotFound(l) => self.not_found_page(l),
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

    /// The output file of the page at site path `path` (`/en/` → `en/index.html`).
    pub(super) fn file_of(path: &str) -> String {
        format!("{}index.html", path.trim_start_matches('/'))
    }

    fn home(&self, l: Lang) -> Result<OutputFile, Diagnostic> {
        let lc = &self.langs[usize::from(l)];
        let t = self.theme.strings(&lc.code);
        let groups = category_groups(self.site, &lc.settings, &lc.code, &lc.root);
        let versions = self.every_lang("");
        let m = self.meta_of(
            &lc.code,
            &lc.settings.name,
            t.get("home_description"),
            &lc.root,
            "index.html",
            &versions,
        );
        self.html("index.html", Self::file_of(&lc.root), m, "groups", &groups)
    }

    /// A service page and its site links.
    pub(super) fn service_page(
        &self,
        svc: &Service,
    ) -> Result<(OutputFile, links::PageLinks), Diagnostic> {
        let (view, links) = self.service_view(svc)?;
        let versions = self.service_versions(svc);
        let mut m = self.meta_of(
            &svc.lang,
            &svc.meta.title,
            &svc.meta.summary,
            &view.url,
            "service.html",
            &versions,
        );
        m.not_reviewed = svc.translation.as_ref().is_some_and(|t| !t.reviewed);
        let path = Self::file_of(&view.url);
        Ok((self.html("service.html", path, m, "service", &view)?, links))
    }

    fn category_page(&self, i: usize, l: Lang) -> Result<OutputFile, Diagnostic> {
        let lc = &self.langs[usize::from(l)];
        let c = &lc.settings.categories[i];
        let group = CategoryGroup {
            category: views::CategoryView::under(c, &lc.root),
            services: self
                .site
                .default_lang_services()
                .filter(|x| x.meta.category == c.slug)
                .map(|x| ServiceLink::in_lang(self.site, x, &lc.code))
                .collect(),
        };
        let path = group.category.url.clone();
        let versions = self.every_lang(&format!("categories/{}/", c.slug));
        let m = self.meta_of(
            &lc.code,
            &c.title,
            &c.description,
            &path,
            "category.html",
            &versions,
        );
        self.html("category.html", Self::file_of(&path), m, "group", &group)
    }

    fn contacts_page(&self, l: Lang) -> Result<OutputFile, Diagnostic> {
        let lc = &self.langs[usize::from(l)];
        let t = self.theme.strings(&lc.code);
        let path = format!("{}contacts/", lc.root);
        let versions = self.every_lang("contacts/");
        let m = self.meta_of(
            &lc.code,
            t.get("contacts_title"),
            t.get("contacts_description"),
            &path,
            "contacts.html",
            &versions,
        );
        self.html(
            "contacts.html",
            Self::file_of(&path),
            m,
            "services",
            &self
                .site
                .default_lang_services()
                .map(|x| ServiceLink::in_lang(self.site, x, &lc.code))
                .collect::<Vec<_>>(),
        )
    }

    fn content_page(&self, i: usize) -> Result<OutputFile, Diagnostic> {
        let s = &self.site.settings;
        let p = &self.site.pages[i];
        let path = p.url_path(s);
        let mut rendered = markdown::render(p.body(), &self.md_opts(&p.lang), &mut vec![]);
        let mut links = super::links::PageLinks {
            file: p.source_path.clone(),
            source: p.source.clone(),
            url: path.clone(),
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
        let mut versions: langs::Versions = self
            .site
            .pages
            .iter()
            .filter(|x| x.slug == p.slug)
            .map(|x| (x.lang.clone(), x.url_path(s)))
            .collect();
        versions.sort_by_key(|(l, _)| self.site.langs.iter().position(|x| x == l));
        let mut m = self.meta_of(
            &p.lang,
            &p.meta.title,
            view.summary,
            &path,
            "page.html",
            &versions,
        );
        m.not_reviewed = p.translation.as_ref().is_some_and(|t| !t.reviewed);
        self.html("page.html", Self::file_of(&path), m, "page", &view)
    }

    fn not_found_page(&self, l: Lang) -> Result<OutputFile, Diagnostic> {
        let lc = &self.langs[usize::from(l)];
        let t = self.theme.strings(&lc.code);
        let path = format!("{}404.html", lc.root);
        let versions = self.every_lang("404.html");
        let m = self.meta_of(
            &lc.code,
            t.get("not_found_title"),
            t.get("not_found_text"),
            &path,
            "404.html",
            &versions,
        );
        self.html(
            "404.html",
            path.trim_start_matches('/').to_owned(),
            m,
            "groups",
            &category_groups(self.site, &lc.settings, &lc.code, &lc.root),
        )
    }

    fn sitemap(&self) -> Result<OutputFile, Diagnostic> {
        #[derive(Serialize)]
        struct Url {
            loc: String,
            lastmod: String,
            /// Every version of the page, itself included, and the `x-default`.
            alternates: Vec<Alt>,
        }
        #[derive(Serialize, Clone)]
        struct Alt {
            lang: String,
            href: String,
        }
        let site = self.site;
        let s = &site.settings;
        let base = &s.base_url;
        let mut groups: Vec<(langs::Versions, String)> = ["", "faq/", "contacts/"]
            .iter()
            .map(|rel| (self.every_lang(rel), String::new()))
            .collect();
        groups.extend(s.categories.iter().map(|c| {
            (
                self.every_lang(&format!("categories/{}/", c.slug)),
                String::new(),
            )
        }));
        groups.extend(
            site.default_lang_services()
                .map(|x| (self.service_versions(x), x.meta.updated.to_string())),
        );
        groups.extend(site.pages.iter().filter(|p| p.lang == s.lang).map(|p| {
            let mut v: langs::Versions = site
                .pages
                .iter()
                .filter(|x| x.slug == p.slug)
                .map(|x| (x.lang.clone(), x.url_path(s)))
                .collect();
            v.sort_by_key(|(l, _)| site.langs.iter().position(|x| x == l));
            (v, p.meta.updated.map(|d| d.to_string()).unwrap_or_default())
        }));
        let mut urls = Vec::new();
        for (versions, lastmod) in groups {
            let mut alternates: Vec<Alt> = versions
                .iter()
                .map(|(l, u)| Alt {
                    lang: l.clone(),
                    href: format!("{base}{u}"),
                })
                .collect();
            if versions.len() > 1 {
                alternates.push(Alt {
                    lang: "x-default".into(),
                    href: format!("{base}{}", versions[0].1),
                });
            } else {
                alternates.clear();
            }
            urls.extend(versions.iter().map(|(_, u)| Url {
                loc: format!("{base}{u}"),
                lastmod: lastmod.clone(),
                alternates: alternates.clone(),
            }));
        }
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
        l: Lang,
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
        let lc = &self.langs[usize::from(l)];
        let t = self.theme.strings(&lc.code);
        let path = format!("{}faq/", lc.root);
        let versions = self.every_lang("faq/");
        let m = self.meta_of(
            &lc.code,
            t.get("faq_title"),
            t.get("faq_description"),
            &path,
            "faq.html",
            &versions,
        );
        let page = self.html(
            "faq.html",
            faq_path(&lc.root),
            m,
            "groups_html",
            &FAQ_GROUPS,
        )?;
        let marker = FAQ_GROUPS.as_bytes();
        let Some(at) = page.bytes.windows(marker.len()).position(|w| w == marker) else {
            // The theme's template does not show the groups.
            return emit(&page.bytes);
        };
        emit(&page.bytes[..at])?;
        // Each service in this language when translated (its own questions), else the source.
        let with_faq: Vec<&Service> = site
            .default_lang_services()
            .map(|x| site.service_in(x, &lc.code).unwrap_or(x))
            .filter(|x| !x.meta.faq.is_empty())
            .collect();
        for chunk in with_faq.chunks(64) {
            let groups = chunk
                .par_iter()
                .map(|x| {
                    let service = ServiceLink {
                        other_lang: x.lang != lc.code,
                        ..ServiceLink::new(x, &site.settings)
                    };
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
