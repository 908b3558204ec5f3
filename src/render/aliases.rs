//! Redirects from the earlier addresses of renamed services (`aliases`), and the warning
//! for QR landing pages a build lost without one: the service page and
//! every QR landing page printed on posters, so a rename breaks no link and no poster. Each is
//! a small page with a canonical link and an immediate refresh (a static host needs no rules).

use pulldown_cmark_escape::{escape_href, escape_html};

use super::qr_pages::{LANDINGS, landing_path};
use super::{OutputFile, Renderer};
use crate::diagnostics::Diagnostic;
use crate::site::Site;

impl Renderer<'_> {
    /// The redirect pages of every service's earlier slugs.
    pub fn alias_files(&self) -> Vec<OutputFile> {
        let s = &self.site.settings;
        let mut files = Vec::new();
        for svc in self
            .site
            .services
            .iter()
            .filter(|x| !x.meta.aliases.is_empty())
        {
            let to = svc.url_path(s);
            for alias in &svc.meta.aliases {
                files.push(self.redirect(&svc.lang, &svc.url_path_as(alias, s), &to));
                // QR codes are made for the default language's services with a survey.
                if svc.survey.is_some() && svc.is_default_lang(s) {
                    for l in &s.locations {
                        let from = landing_path(&l.tag, alias);
                        files.push(self.redirect(
                            &svc.lang,
                            &from,
                            &landing_path(&l.tag, &svc.slug),
                        ));
                    }
                }
            }
        }
        files
    }

    /// A page at `from` that sends the reader to `to` (site paths).
    fn redirect(&self, lang: &str, from: &str, to: &str) -> OutputFile {
        let t = self.theme.strings(lang);
        let mut url = String::new();
        let _ = escape_href(&mut url, &format!("{}{to}", self.site.settings.base_url));
        let text = |key: &str| {
            let mut out = String::new();
            let _ = escape_html(&mut out, t.get(key));
            out
        };
        let (title, body) = (text("page_moved_title"), text("page_moved_text"));
        let mut lang_attr = String::new();
        let _ = escape_html(&mut lang_attr, lang);
        let html = format!(
            "<!DOCTYPE html>\n<html lang=\"{lang_attr}\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>{title}</title>\n<link rel=\"canonical\" href=\"{url}\">\n\
             <meta name=\"robots\" content=\"noindex\">\n\
             <meta http-equiv=\"refresh\" content=\"0; url={url}\">\n</head>\n<body>\n\
             <main>\n<h1>{title}</h1>\n<p>{body} <a href=\"{url}\">{url}</a></p>\n</main>\n\
             </body>\n</html>\n"
        );
        OutputFile {
            path: format!("{}index.html", from.trim_start_matches('/')),
            bytes: html.into_bytes(),
        }
    }
}

/// The QR landing pages among the output `paths` of a build (`q/<tag>/<slug>/index.html`):
/// printed posters point at them (not at the pages in other languages below them).
pub fn landing_files<'a>(paths: impl Iterator<Item = &'a str>) -> Vec<String> {
    let folder = LANDINGS.trim_start_matches('/');
    paths
        .filter(|p| p.starts_with(folder) && p.ends_with("/index.html"))
        .filter(|p| p.split('/').count() == 4)
        .map(str::to_owned)
        .collect()
}

/// A warning for each QR landing page of the previous build that this build no longer has:
/// posters printed with its code now lead nowhere, unless the renamed service lists its old
/// slug in `aliases`.
pub fn lost_landings(site: &Site, old: &[String], now: &[String]) -> Vec<Diagnostic> {
    let now: std::collections::HashSet<&str> = now.iter().map(String::as_str).collect();
    let services = site.root.join("content/services");
    old.iter()
        .filter(|p| !now.contains(p.as_str()))
        .map(|p| {
            let url = format!("{}/{}", site.settings.base_url, p.trim_end_matches("index.html"));
            let slug = p.trim_end_matches("/index.html").rsplit('/').next().unwrap_or_default();
            let mut d = Diagnostic::file_error(
                "lost-qr",
                &services,
                format!(
                    "QR-код на напечатанных плакатах ведёт на {url}, а этой страницы больше нет / posters already printed lead to {url}, which this build no longer has"
                ),
            )
            .with_help(format!(
                "если услугу переименовали, добавьте в её файл aliases = [\"{slug}\"]; если её больше нет, снимите плакаты / if the service was renamed, add aliases = [\"{slug}\"] to it; if it is gone, take the posters down"
            ));
            d.severity = crate::diagnostics::Severity::Warning;
            d
        })
        .collect()
}
