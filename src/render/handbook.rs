//! The staff handbook (sections 4.7, 4.10, 5.7, 5.8 of the rules): letter templates and call
//! scripts filled per service, the routing of calls, the posters to print, and what is
//! missing, as a folder of static pages written apart from the public site.
//!
//! The pages work opened from a network drive (`file://`, no server): every page sits in
//! one flat folder and links relatively, and the search index and the production calendar
//! are a `<script>` file (`data.js`) rather than a fetched JSON. Its templates, style and
//! script are built in (not the theme's `static/`, which is copied into `public/`).

mod fill;

use jiff::civil::Date;
use rayon::prelude::*;
use serde::Serialize;

use super::OutputFile;
use super::Theme;
use super::qr_pages::{landing_path, poster_path, sheet_path};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::handbook::{Coverage, LAW_59_DAYS, coverage};
use crate::markdown::{self, MarkdownOptions};
use crate::site::calendar::Calendar;
use crate::site::staff::{Kind, StaffText, parts};
use crate::site::{DayKind, Service, Site};
use fill::{DUE_CLOSE, DUE_OPEN, Facts};
pub use fill::{Due, Filled};

const TEMPLATES: &[(&str, &str)] = &[
    ("layout.html", include_str!("handbook/layout.html")),
    ("index.html", include_str!("handbook/index.html")),
    ("texts.html", include_str!("handbook/texts.html")),
    ("routing.html", include_str!("handbook/routing.html")),
    ("posters.html", include_str!("handbook/posters.html")),
];
/// Characters of each part of a text kept in the search index.
const SEARCH_CHARS: usize = 200;
const CSS: &str = include_str!("handbook/handbook.css");
const JS: &str = include_str!("handbook/handbook.js");

/// One filled text on a page.
#[derive(Debug, Serialize)]
struct TextView {
    id: String,
    title: String,
    kind: &'static str,
    kind_label: &'static str,
    channel: &'static str,
    /// Instructions for staff, before the first part.
    intro_html: String,
    parts: Vec<PartView>,
}

#[derive(Debug, Serialize)]
struct PartView {
    title: String,
    html: String,
}

/// A page of texts: one service's, or the site-wide ones.
#[derive(Debug, Serialize)]
struct TextsPage {
    file: String,
    title: String,
    service_url: String,
    texts: Vec<TextView>,
}

/// One entry of the search index.
#[derive(Debug, Serialize)]
struct IndexEntry {
    title: String,
    page: String,
    url: String,
    kind: &'static str,
    text: String,
}

/// What takes each handbook file as it is made (from several threads at once).
pub type Put<'a> = dyn Fn(OutputFile) -> Result<(), Diagnostics> + Sync + 'a;

/// Every file of the handbook, with due dates counted from `today`, each handed to `put` as
/// soon as it is made: a build writes them at once instead of holding the handbook (one
/// page per service) in memory.
pub fn render_handbook_into(
    site: &Site,
    theme: &Theme,
    today: Date,
    put: &Put<'_>,
) -> Result<(), Diagnostics> {
    let calendar = Calendar::russia().extended(&site.settings.check.calendar);
    let facts = Facts {
        settings: &site.settings,
        strings: theme.strings(&site.settings.lang),
        calendar: &calendar,
        today,
    };
    let pages = texts_pages(site, &facts);
    // The search data is one file made from every page: made beside the pages, not after.
    let (html, data) = rayon::join(
        || html_pages(site, &pages, &calendar, today, put),
        || data_js(&pages, &calendar),
    );
    html?;
    put(OutputFile {
        path: "handbook.css".into(),
        bytes: CSS.as_bytes().to_vec(),
    })?;
    put(OutputFile {
        path: "handbook.js".into(),
        bytes: JS.as_bytes().to_vec(),
    })?;
    put(OutputFile {
        path: "data.js".into(),
        bytes: data.into_bytes(),
    })
}

/// The HTML pages: the start page, the texts' pages, routing and posters.
fn html_pages(
    site: &Site,
    pages: &[TextsPage],
    calendar: &Calendar,
    today: Date,
    put: &Put<'_>,
) -> Result<(), Diagnostics> {
    let mut tera = tera::Tera::new();
    tera.autoescape_on(vec![".html"]);
    tera.add_raw_templates(TEMPLATES.iter().copied())
        .map_err(|e| internal(&e.to_string()))?;
    let nav: Vec<Link> = pages
        .iter()
        .map(|p| Link {
            file: p.file.clone(),
            title: p.title.clone(),
            extra: Vec::new(),
        })
        .collect();
    // Only the start page lists every service: a list on every page would make the
    // handbook grow with the square of the services.
    let mut base = tera::Context::new();
    base.insert("site_name", &site.settings.name);
    base.insert("today", &today.to_string());
    let render = |name: &str, file: &str, title: &str, mut ctx: tera::Context| {
        ctx.extend(base.clone());
        ctx.insert("title", title);
        ctx.insert("file", file);
        // Into bytes: `render` checks the UTF-8 of every page again (templates and values
        // are `str`, so it is valid by construction), ~0.5 % of a 10,000-service build.
        let mut bytes = Vec::with_capacity(4 * 1024);
        tera.render_to(name, &ctx, &mut bytes)
            .map(|()| OutputFile {
                path: file.to_owned(),
                bytes,
            })
            .map_err(|e| internal(&format!("{name}: {e:?}")))
    };
    // The start page, routing and posters are one page each, made from every service: each
    // is made beside the service pages, not before or after them on one core.
    let index = || {
        let mut ctx = tera::Context::new();
        let cov = CoverageView::new(&coverage(site, &site.staff));
        let services = nav.iter().filter(|n| n.file != "common.html");
        ctx.insert("service_rows", &rows(services, false));
        ctx.insert("coverage_rows", &rows(cov.services.iter(), true));
        ctx.insert("coverage", &cov);
        let law = crate::handbook::due_date(today, LAW_59_DAYS, DayKind::Calendar, calendar);
        ctx.insert("law_due_iso", &law.to_string());
        ctx.insert("law_due", &crate::site::Date(law).display_ru());
        put(render(
            "index.html",
            "index.html",
            "Справочник сотрудника",
            ctx,
        )?)
    };
    let others = || {
        let mut route_ctx = tera::Context::new();
        route_ctx.insert("routes", &routes(site));
        let mut poster_ctx = tera::Context::new();
        poster_ctx.insert("locations", &posters(site));
        [
            ("routing.html", "Кому переключать звонок", route_ctx),
            ("posters.html", "Плакаты с QR-кодами", poster_ctx),
        ]
        .into_iter()
        .try_for_each(|(file, title, ctx)| put(render(file, file, title, ctx)?))
    };
    let texts = || {
        pages
            .par_iter()
            .with_max_len(crate::par::LEAF)
            .try_for_each(|p| {
                let mut ctx = tera::Context::new();
                ctx.insert("page", p);
                if !p.service_url.is_empty() {
                    ctx.insert("service_title", &p.title);
                }
                put(render("texts.html", &p.file, &p.title, ctx)?)
            })
    };
    let ((index, others), texts) = rayon::join(|| rayon::join(index, others), texts);
    index.and(others).and(texts)
}

fn internal(message: &str) -> Diagnostics {
    Diagnostic::file_error(
        "handbook",
        std::path::Path::new("<handbook>"),
        message.to_owned(),
    )
    .into()
}

/// The site-wide page, then one page per service of the site's language (filled in
/// parallel: every service's texts are its own).
fn texts_pages(site: &Site, facts: &Facts<'_>) -> Vec<TextsPage> {
    let s = &site.settings;
    let mut texts: Vec<&StaffText> = site.staff.texts.iter().collect();
    // In the order staff meet them: acknowledgement first, calls last.
    texts.sort_by_key(|t| {
        (
            Kind::ALL.iter().position(|k| *k == t.meta.kind),
            t.id.clone(),
        )
    });
    let common = TextsPage {
        file: "common.html".into(),
        title: "Общие ответы".into(),
        service_url: String::new(),
        texts: (texts.iter())
            .filter(|t| t.is_site_wide())
            .map(|t| text_view(t, None, facts))
            .collect(),
    };
    let services: Vec<&Service> = site.default_lang_services().collect();
    let per_service: Vec<TextsPage> = services
        .par_iter()
        .map(|svc| TextsPage {
            file: format!("service-{}.html", svc.slug),
            title: svc.meta.title.clone(),
            service_url: format!("{}{}", s.base_url, svc.url_path(s)),
            texts: (texts.iter())
                .filter(|t| t.covers(svc))
                .map(|t| text_view(t, Some(svc), facts))
                .collect(),
        })
        .collect();
    let mut pages = vec![common];
    pages.extend(per_service);
    pages
}

fn md(text: &str, settings: &crate::site::Settings) -> String {
    let opts = MarkdownOptions {
        allow_html: false,
        base_url: settings.base_url.clone(),
        external_link_note: "(откроется на другом сайте)".into(),
        table_label: "Таблица".into(),
    };
    markdown::render(text, &opts, &mut Vec::new()).html
}

/// Replaces due-date markers by `<time>` elements the form can move.
fn with_dues(html: &str, dues: &[Due]) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = rest.find(DUE_OPEN) {
        out.push_str(&rest[..i]);
        let after = &rest[i + DUE_OPEN.len_utf8()..];
        let Some(j) = after.find(DUE_CLOSE) else {
            break;
        };
        if let Some(d) = after[..j].parse::<usize>().ok().and_then(|n| dues.get(n)) {
            let kind = match d.kind {
                DayKind::Working => "working",
                DayKind::Calendar => "calendar",
            };
            out.push_str(&format!(
                "<time class=\"due\" datetime=\"{}\" data-days=\"{}\" data-kind=\"{kind}\">{}</time>",
                d.date,
                d.days,
                crate::site::Date(d.date).display_ru()
            ));
        }
        rest = &after[j + DUE_CLOSE.len_utf8()..];
    }
    out.push_str(rest);
    out
}

fn text_view(t: &StaffText, svc: Option<&Service>, facts: &Facts<'_>) -> TextView {
    let found = parts(&t.source, t.body_offset);
    let end = t.source.len();
    let intro_end = found.first().map_or(end, |p| p.heading.start);
    let render = |from: usize, to: usize| {
        let filled = fill::fill(t, from, to, svc, facts);
        with_dues(&md(&filled.markdown, facts.settings), &filled.dues)
    };
    TextView {
        id: t.id.clone(),
        title: t.meta.title.clone(),
        kind: t.meta.kind.id(),
        kind_label: t.meta.kind.label(),
        channel: t.meta.channel.label(),
        intro_html: render(t.body_offset, intro_end),
        parts: found
            .iter()
            .map(|p| PartView {
                title: p.title.clone(),
                html: render(p.body.start, p.body.end),
            })
            .collect(),
    }
}

/// The search index and the calendar, as a script that sets one global.
fn data_js(pages: &[TextsPage], calendar: &Calendar) -> String {
    let mut index = Vec::new();
    for p in pages {
        for t in &p.texts {
            let mut text = String::new();
            // Each part's name and the start of its text are enough to find it; the whole of
            // every text of every service would make data.js grow with the site.
            for part in &t.parts {
                let plain = strip_tags(&part.html);
                let cut = plain
                    .char_indices()
                    .nth(SEARCH_CHARS)
                    .map_or(plain.len(), |c| c.0);
                text.push_str(&part.title);
                text.push_str(": ");
                text.push_str(&plain[..cut]);
                text.push(' ');
            }
            index.push(IndexEntry {
                title: t.title.clone(),
                page: p.title.clone(),
                url: format!("{}#{}", p.file, t.id),
                kind: t.kind_label,
                text,
            });
        }
    }
    let off: Vec<String> = calendar.days_off().map(|d| d.to_string()).collect();
    let work: Vec<String> = calendar
        .working_weekend_days()
        .map(|d| d.to_string())
        .collect();
    let data = serde_json::json!({ "index": index, "calendar": { "off": off, "work": work } });
    // `</` cannot end the script early: JSON strings may hold it.
    let json = data.to_string().replace("</", "<\\/");
    format!("window.YASNO_HANDBOOK = {json};\n")
}

fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut inside = false;
    for c in html.chars() {
        match c {
            '<' => inside = true,
            '>' => {
                inside = false;
                out.push(' ');
            }
            _ if !inside => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A link with a title, and what a template lists under it.
#[derive(Debug, Serialize)]
struct Link {
    file: String,
    title: String,
    extra: Vec<String>,
}

/// The index page's list items of every service (`<li><a href="file">title</a></li>`,
/// with `: нет — ` and the extras after the link for `missing`), escaped as the templates
/// escape.
/// Made here, not by the template: as template values the two lists of a 10,000-service
/// site were ~20 MB (a map per row) beside ~6 MB of HTML, a tenth of the build's peak.
fn rows<'a>(links: impl Iterator<Item = &'a Link>, missing: bool) -> String {
    let mut out = Vec::new();
    for l in links {
        let escape = |out: &mut Vec<u8>, s: &str| {
            tera::escape_html(s, out).expect("writing to memory");
        };
        out.extend_from_slice(b"<li><a href=\"");
        escape(&mut out, &l.file);
        out.extend_from_slice(b"\">");
        escape(&mut out, &l.title);
        out.extend_from_slice(b"</a>");
        if missing {
            out.extend_from_slice(": нет — ".as_bytes());
            escape(&mut out, &l.extra.join(", "));
        }
        out.extend_from_slice(b"</li>\n");
    }
    String::from_utf8(out).expect("escaped UTF-8 stays UTF-8")
}

/// Coverage as the index page shows it.
#[derive(Debug, Serialize)]
struct CoverageView {
    complete: bool,
    /// Shown through [`rows`], not by the template.
    #[serde(skip)]
    services: Vec<Link>,
    situations: Vec<&'static str>,
}

impl CoverageView {
    fn new(c: &Coverage) -> Self {
        CoverageView {
            complete: c.is_complete(),
            services: c
                .services
                .iter()
                .map(|s| Link {
                    file: format!("service-{}.html", s.slug),
                    title: s.title.clone(),
                    extra: s.missing.iter().map(|k| k.label().to_owned()).collect(),
                })
                .collect(),
            situations: c.missing_situations.iter().map(|s| s.label()).collect(),
        }
    }
}

/// One row of the routing table: who may take a call about a service.
#[derive(Debug, Serialize)]
struct RouteView {
    file: String,
    title: String,
    first: String,
    route: Vec<String>,
}

fn routes(site: &Site) -> Vec<RouteView> {
    site.default_lang_services()
        .map(|svc| {
            let script = site
                .staff
                .texts
                .iter()
                .find(|t| t.meta.kind == Kind::IncomingCall && t.covers(svc));
            RouteView {
                file: format!("service-{}.html", svc.slug),
                title: svc.meta.title.clone(),
                first: format!("{}, {}", svc.contacts.phone, svc.contacts.unit),
                route: script.map(|t| t.meta.route.clone()).unwrap_or_default(),
            }
        })
        .collect()
}

/// A location's posters, as absolute links to the public site.
#[derive(Debug, Serialize)]
struct PosterLocation {
    name: String,
    address: String,
    sheet: String,
    /// Each service's title, poster and landing page.
    posters: Vec<Link>,
}

fn posters(site: &Site) -> Vec<PosterLocation> {
    let base = &site.settings.base_url;
    site.settings
        .locations
        .iter()
        .map(|l| PosterLocation {
            name: l.name.clone(),
            address: l.address.clone(),
            sheet: format!("{base}{}", sheet_path(&l.tag)),
            posters: site
                .default_lang_services()
                .filter(|s| s.survey.is_some())
                .map(|s| Link {
                    title: s.meta.title.clone(),
                    file: format!("{base}{}", poster_path(&l.tag, &s.slug)),
                    extra: vec![format!("{base}{}", landing_path(&l.tag, &s.slug))],
                })
                .collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rows made in Rust are the bytes the template's loops made.
    #[test]
    fn rows_are_what_the_template_loops_made() {
        let links = vec![
            Link {
                file: "service-a.html".into(),
                title: "Справка «A» & <b>\"x\"</b> 'y'".into(),
                extra: vec!["письмо & звонок".into(), "<ответ>".into()],
            },
            Link {
                file: "service-b.html".into(),
                title: "Б".into(),
                extra: vec![],
            },
        ];
        let mut tera = tera::Tera::new();
        tera.autoescape_on(vec![".html"]);
        tera.add_raw_templates([
            (
                "nav.html",
                "{% for n in nav %}<li><a href=\"{{ n.file }}\">{{ n.title }}</a></li>\n{% endfor %}",
            ),
            (
                "cov.html",
                "{% for s in nav %}<li><a href=\"{{ s.file }}\">{{ s.title }}</a>: нет — {{ s.extra | join(sep=\", \") }}</li>\n{% endfor %}",
            ),
        ])
        .unwrap();
        let mut ctx = tera::Context::new();
        ctx.insert("nav", &links);
        assert_eq!(
            rows(links.iter(), false),
            tera.render("nav.html", &ctx).unwrap()
        );
        assert_eq!(
            rows(links.iter(), true),
            tera.render("cov.html", &ctx).unwrap()
        );
        assert!(rows(links.iter(), false).contains("&amp; &lt;b&gt;"));
    }
}
