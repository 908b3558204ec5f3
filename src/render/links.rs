//! The build's internal link check: every link or image in a page's Markdown that leads
//! into the site must lead to a file the build writes, and a `#part` to an id of that page
//! as written (the ids are read from the built HTML, template ids included). Positions come
//! from the renderer's parse, so a broken link is an error at its file, line and column.
//! (Links in templates are the theme's business, not checked.)

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::markdown::SiteLink;

/// The links of one rendered page, placed in its source file.
#[derive(Debug)]
pub struct PageLinks {
    /// The content file the links are written in.
    pub file: PathBuf,
    /// Its text; empty when not kept (a service's: read again for a broken link's message).
    pub source: Arc<str>,
    /// The page's address, e.g. `/services/x/`.
    pub url: String,
    /// Each link with its byte range in `source`.
    pub links: Vec<(Range<usize>, String)>,
}

impl PageLinks {
    /// Places links of Markdown that starts at byte `offset` of the file; `verbatim` says
    /// whether the Markdown is written there as it is (a body, a plain TOML string) or was
    /// unescaped (then every link points at the start of the text).
    pub fn add(&mut self, links: Vec<SiteLink>, offset: usize, verbatim: bool) {
        self.links.extend(links.into_iter().map(|l| {
            let at = if verbatim {
                offset + l.range.start..offset + l.range.end
            } else {
                offset..offset
            };
            (at, l.dest)
        }));
    }
}

/// Checks `pages` against the files of the output (`outputs`: paths like
/// `services/x/index.html`), the ids of its HTML pages (by output path; a page missing
/// there leaves its `#parts` unchecked) and the site's own address `base_url`.
pub fn check<'a>(
    pages: &[PageLinks],
    outputs: impl Iterator<Item = &'a str>,
    ids: &HashMap<String, PageIds>,
    base_url: &str,
) -> Diagnostics {
    let files: HashSet<&str> = outputs.collect();
    let mut out = Diagnostics::default();
    for page in pages {
        let mut source = None;
        for (range, dest) in &page.links {
            if let Err(why) = resolve(&page.url, dest, base_url, &files, ids) {
                let source = source.get_or_insert_with(|| page_text(page));
                out.push(
                    Diagnostic::error(
                        "broken-link",
                        &page.file,
                        source,
                        range.clone(),
                        format!("ссылка ведёт в никуда: {why} / a link to nothing: {dest}"),
                    )
                    .with_label("эта ссылка / this link")
                    .with_help(
                        "проверьте адрес: страницы услуг — /services/имя-файла/, части страницы — #заголовок / check the address",
                    ),
                );
            }
        }
    }
    // In file order: the FAQ answers come before the body.
    out.sort();
    out
}

/// The text of `page`'s file: kept, or read again (a service's is not kept after loading).
fn page_text(page: &PageLinks) -> Arc<str> {
    if !page.source.is_empty() {
        return page.source.clone();
    }
    crate::site::read_text(&page.file).unwrap_or_else(|_| Arc::from(""))
}

/// Finds where `dest` leads from `page`; `Err` says what is missing.
fn resolve(
    page: &str,
    dest: &str,
    base_url: &str,
    files: &HashSet<&str>,
    ids: &HashMap<String, PageIds>,
) -> Result<(), String> {
    let dest = dest
        .strip_prefix(base_url)
        .filter(|_| !base_url.is_empty())
        .unwrap_or(dest);
    let (rest, fragment) = dest.split_once('#').unwrap_or((dest, ""));
    let path = rest.split('?').next().unwrap_or_default();
    let target = if path.is_empty() {
        page.to_owned()
    } else {
        let decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
        absolute(page, &decoded)
    };
    let file = target.trim_start_matches('/');
    let page_url = if target.ends_with('/') {
        if !files.contains(format!("{file}index.html").as_str()) {
            return Err(format!("нет страницы {target}"));
        }
        target
    } else if files.contains(file) {
        target
    } else if files.contains(format!("{file}/index.html").as_str()) {
        format!("{target}/")
    } else {
        return Err(format!("нет страницы или файла {target}"));
    };
    if fragment.is_empty() {
        return Ok(());
    }
    let fragment = percent_encoding::percent_decode_str(fragment).decode_utf8_lossy();
    let html = format!("{}index.html", page_url.trim_start_matches('/'));
    match ids.get(html.as_str()) {
        Some(known) if !known.contains(&fragment) => {
            Err(format!("на странице {page_url} нет части #{fragment}"))
        }
        _ => Ok(()),
    }
}

/// The `id` attributes of an HTML page, in order.
pub fn html_ids(html: &[u8]) -> PageIds {
    let mut all = String::new();
    for at in memchr::memmem::find_iter(html, b" id=\"") {
        let rest = &html[at + 5..];
        let Some(id) =
            memchr::memchr(b'"', rest).and_then(|end| std::str::from_utf8(&rest[..end]).ok())
        else {
            continue;
        };
        // An id with the separator in it could not be told apart; no fragment names it.
        if !id.contains(PageIds::SEP) {
            all.push_str(id);
            all.push(PageIds::SEP);
        }
    }
    PageIds(all.into())
}

/// The ids of one HTML page, in one shared string (a 10,000-page site has ~500,000 ids,
/// held by the link check and by the page memo of [`super::reuse`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageIds(Arc<str>);

impl PageIds {
    /// Ends each id: never in an id that [`html_ids`] keeps.
    const SEP: char = '\0';

    /// The ids in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.split_terminator(Self::SEP)
    }

    /// Whether the page has the id `id`.
    pub fn contains(&self, id: &str) -> bool {
        self.iter().any(|x| x == id)
    }
}

impl serde::Serialize for PageIds {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for PageIds {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(|s| PageIds(s.into()))
    }
}

/// `path` relative to the page at `page` (which ends with `/`), with `.` and `..` resolved.
fn absolute(page: &str, path: &str) -> String {
    let joined = if path.starts_with('/') {
        path.to_owned()
    } else {
        format!("{page}{path}")
    };
    let mut parts: Vec<&str> = Vec::new();
    for part in joined.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    let mut out = format!("/{}", parts.join("/"));
    if (joined.ends_with('/') || joined.ends_with("/.") || joined.ends_with("/..")) && out != "/" {
        out.push('/');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_resolve_like_a_browser() {
        assert_eq!(absolute("/services/a/", "../b/"), "/services/b/");
        assert_eq!(absolute("/services/a/", "/contacts/"), "/contacts/");
        assert_eq!(absolute("/services/a/", "plan.pdf"), "/services/a/plan.pdf");
        assert_eq!(absolute("/", "../../x/"), "/x/");
        assert_eq!(absolute("/a/", ".."), "/");
    }

    #[test]
    fn links_resolve_to_pages_files_and_ids() {
        let files: HashSet<&str> =
            ["index.html", "services/a/index.html", "static/plan.pdf"].into();
        let a_ids = html_ids(br#"<h2 id="documents">"#);
        let ids: HashMap<String, PageIds> = [("services/a/index.html".to_owned(), a_ids)].into();
        let ok = |d: &str| resolve("/services/b/", d, "https://site.ru", &files, &ids);
        for good in [
            "/services/a/",
            "/services/a",
            "../a/#documents",
            "/static/plan.pdf",
            "https://site.ru/services/a/",
            "/",
            "/services/a/?x=1",
        ] {
            assert_eq!(ok(good), Ok(()), "{good}");
        }
        for bad in [
            "/services/c/",
            "/services/a/#nope",
            "../c/",
            "/static/x.pdf",
        ] {
            assert!(ok(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ids_are_read_from_the_html() {
        let html = r#"<main id="main"><h2 id="kak-podat">x</h2><div data-id="no" id="как-подать">"#
            .as_bytes();
        let ids = html_ids(html);
        assert_eq!(
            ids.iter().collect::<Vec<_>>(),
            ["main", "kak-podat", "как-подать"]
        );
        assert!(ids.contains("kak-podat") && !ids.contains("no") && !ids.contains("kak"));
    }
}
