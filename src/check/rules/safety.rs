//! Links and images that could run code on the public site.

use super::{Ctx, Hit};
use crate::check::Severity;
use crate::markdown::{SAFE_SCHEMES, url_scheme};

/// A link or image whose address uses a scheme outside [`SAFE_SCHEMES`] (`javascript:`,
/// `vbscript:`, `data:`…, in any case and however it is encoded). The renderer drops such
/// a link and keeps its text; this makes the editor see why.
pub(crate) fn unsafe_links(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    let links = ctx.doc.links.iter().map(|l| (&l.range, &l.dest, "ссылки"));
    let images = ctx
        .doc
        .images
        .iter()
        .map(|i| (&i.range, &i.src, "картинки"));
    for (range, url, what) in links.chain(images) {
        let Some(scheme) = url_scheme(url).filter(|s| !SAFE_SCHEMES.contains(&s.as_str())) else {
            continue;
        };
        hits.push(Hit {
            rule: "unsafe-link",
            span: range.clone(),
            severity: Severity::Error,
            message: format!("у {what} опасная схема адреса «{scheme}:» — на сайте её не будет").into(),
            suggestion: Some(
                "дайте адрес страницы (https://…, /services/…), почты (mailto:) или телефона (tel:)"
                    .into(),
            ),
            why: "такая ссылка может выполнить чужой код в браузере читателя; на сайт она не попадёт, а читатель увидит только текст".into(),
        });
    }
}
