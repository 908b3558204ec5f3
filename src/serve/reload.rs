//! Live reload: the server-sent-events endpoint, the small script injected into served HTML
//! pages (in `serve` only; built files never carry it), and the error overlay.
//!
//! Protocol on `/__yasno/events?epoch=N`: a `connected` event first, then `reload` events
//! whose data is a JSON array of changed URL paths (or `"*"`), and `build-error` events. A tab
//! reloads when its own path changed, on `"*"`, and on `build-error` (the server then injects
//! the overlay over the last good page). `N` is the number of events sent before the page was
//! served: if more have been sent when the tab connects (an edit saved while the tab was
//! reloading), the stream starts with a `reload` of `"*"`, so no event is ever missed.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::response::sse::{Event, KeepAlive, Sse};
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::{Stream, StreamExt};

use super::state::{LiveEvent, PreviewState};

/// Path of the event stream.
pub(crate) const EVENTS_PATH: &str = "/__yasno/events";
/// Path of the live-reload script.
pub(crate) const SCRIPT_PATH: &str = "/__yasno/live.js";

const SCRIPT: &str = r#"(function () {
  "use strict";
  var epoch = document.currentScript.getAttribute("data-epoch") || "0";
  var es = new EventSource("/__yasno/events?epoch=" + encodeURIComponent(epoch));
  // Lets tests (and the curious) see whether the tab is connected.
  window.__yasnoEvents = es;
  var here = location.pathname.replace(/index\.html$/, "");
  es.addEventListener("reload", function (e) {
    var paths = JSON.parse(e.data);
    if (paths === "*" || paths.indexOf(here) >= 0) location.reload();
  });
  es.addEventListener("build-error", function () { location.reload(); });
  var close = document.getElementById("yasno-error-close");
  if (close) close.addEventListener("click", function () {
    document.getElementById("yasno-error").hidden = true;
  });
})();
"#;

/// `GET /__yasno/live.js`.
pub(crate) async fn script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        SCRIPT,
    )
}

/// The query of the event stream: the page's epoch (see the module documentation).
#[derive(Debug, serde::Deserialize)]
pub(crate) struct EventsQuery {
    epoch: Option<u64>,
}

/// `GET /__yasno/events`: one stream per open tab.
pub(crate) async fn events(
    State(state): State<Arc<PreviewState>>,
    Query(q): Query<EventsQuery>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    // Subscribe before reading the count: an event sent in between is in the stream.
    let rx = BroadcastStream::new(state.subscribe());
    let missed = q.epoch.is_some_and(|seen| seen < state.epoch());
    let mut first = vec![Ok(Event::default().event("connected").data("yasno"))];
    if missed {
        first.push(Ok(Event::default().event("reload").data("\"*\"")));
    }
    let first = tokio_stream::iter(first);
    let rest = rx.filter_map(|msg| {
        // A lagging tab missed some events: reloading is always safe.
        let ev = msg.unwrap_or(LiveEvent::Reload(None));
        Some(Ok(match ev {
            LiveEvent::Reload(None) => Event::default().event("reload").data("\"*\""),
            LiveEvent::Reload(Some(paths)) => Event::default()
                .event("reload")
                .data(serde_json::to_string(&*paths).unwrap_or_else(|_| "\"*\"".into())),
            LiveEvent::Error => Event::default().event("build-error").data("error"),
        }))
    });
    Sse::new(first.chain(rest)).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

/// Adds the live-reload script, and the error overlay when the build has errors, to a page.
pub(crate) fn inject(html: &[u8], error: Option<&str>, epoch: u64) -> Vec<u8> {
    let mut extra = String::new();
    if let Some(text) = error {
        extra.push_str(concat!(
            r#"<div id="yasno-error" role="alert" style="position:fixed;inset:0;z-index:2147483647;overflow:auto;"#,
            r#"background:rgba(20,0,0,.92);color:#fff;padding:1.5rem;font:16px/1.4 system-ui,sans-serif">"#,
            r#"<h2 style="margin:0 0 .5rem;color:#fff">Ошибка сборки / Build error</h2>"#,
            r#"<p style="margin:0 0 1rem">Показана последняя удачная версия страницы. Исправьте файл и сохраните его. / "#,
            r#"This is the last good version of the page; fix the file and save it.</p>"#,
            r#"<pre style="white-space:pre-wrap;font:14px/1.4 monospace;background:#000;color:#fdd;padding:1rem">"#
        ));
        let _ = pulldown_cmark_escape::escape_html(&mut extra, text);
        extra.push_str(
            r#"</pre><button type="button" id="yasno-error-close">Скрыть / Hide</button></div>"#,
        );
    }
    extra.push_str(&format!(
        r#"<script src="/__yasno/live.js" data-epoch="{epoch}"></script>"#
    ));
    let at = find_last(html, b"</body>").unwrap_or(html.len());
    let mut out = Vec::with_capacity(html.len() + extra.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(extra.as_bytes());
    out.extend_from_slice(&html[at..]);
    out
}

fn find_last(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn injects_script_and_escaped_overlay_before_body_end() {
        let page = b"<html><body><p>x</p></body></html>";
        let out = String::from_utf8(inject(page, None, 7)).unwrap();
        assert!(
            out.ends_with(
                r#"<script src="/__yasno/live.js" data-epoch="7"></script></body></html>"#
            )
        );
        let out = String::from_utf8(inject(page, Some("a <b> & c"), 0)).unwrap();
        assert!(out.contains("a &lt;b&gt; &amp; c"));
        assert!(out.find("yasno-error").unwrap() < out.find("</body>").unwrap());
    }
}
