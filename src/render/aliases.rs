//! Redirects from the earlier addresses of renamed services (`aliases`): the service page and
//! every QR landing page printed on posters, so a rename breaks no link and no poster. Each is
//! a small page with a canonical link and an immediate refresh (a static host needs no rules).

use pulldown_cmark_escape::{escape_href, escape_html};

use super::qr_pages::landing_path;
use super::{OutputFile, Renderer};

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
