//! `POST /api/page-vote`: the "Is this page useful?" form of pages without a service survey.
//! A plain urlencoded form (it works without JavaScript); the visitor is sent back to the
//! page, to its thank-you note (`#page-useful-thanks`).
//!
//! Same guards as answers: the origin check, the per-client rate limit, the body limit, and
//! a precise 400 naming the field; the text is masked (phones, e-mail) before it is stored.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::header;
use axum::response::Response;
use yasno_survey_core::wire::field;

use super::api_error::{ApiError, invalid};
use super::control_store::PageVote;
use super::http::{AppState, check_origin, client_addr, safe_return_path, see_other};
use super::report::mask_contacts;

/// The route's path.
pub const PAGE_VOTE_PATH: &str = "/api/page-vote";
/// The id of the thank-you note on the page.
pub const PAGE_VOTE_THANKS_ID: &str = "page-useful-thanks";
/// Longest "what was wrong" text, in characters.
pub const MAX_TEXT_CHARS: usize = 1000;

/// The fields of a vote as posted.
#[derive(Default)]
struct VotePost {
    page: Option<String>,
    useful: Option<String>,
    text: Option<String>,
    lang: Option<String>,
    honeypot: Option<String>,
}

fn parse(body: &[u8]) -> Result<VotePost, ApiError> {
    let mut post = VotePost::default();
    for (name, value) in form_urlencoded::parse(body) {
        let slot = match name.as_ref() {
            "page" => &mut post.page,
            "useful" => &mut post.useful,
            "text" => &mut post.text,
            field::LANG => &mut post.lang,
            field::HONEYPOT => &mut post.honeypot,
            other => {
                return Err(invalid(
                    other,
                    "лишнее поле; ожидались page, useful, text, lang / unknown field; expected page, useful, text, lang",
                ));
            }
        };
        if slot.is_some() {
            return Err(invalid(&name, "поле повторяется / the field is sent twice"));
        }
        *slot = Some(value.into_owned());
    }
    Ok(post)
}

/// The vote of a post, or the refusal of its first wrong field.
fn into_vote(post: VotePost) -> Result<PageVote, ApiError> {
    let page = post.page.unwrap_or_default();
    let useful = match post.useful.as_deref() {
        Some("yes") => true,
        Some("no") => false,
        _ => {
            return Err(invalid(
                "useful",
                "выберите «да» или «нет» / expected yes or no",
            ));
        }
    };
    let text = post.text.unwrap_or_default().trim().to_owned();
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(invalid(
            "text",
            &format!("не длиннее {MAX_TEXT_CHARS} знаков / at most {MAX_TEXT_CHARS} characters"),
        ));
    }
    let lang = post.lang.unwrap_or_else(|| "ru".into());
    if lang.is_empty()
        || lang.len() > 8
        || !lang.chars().all(|c| c.is_ascii_lowercase() || c == '-')
    {
        return Err(invalid(
            field::LANG,
            "код языка, например ru / a language code such as ru",
        ));
    }
    Ok(PageVote {
        received_at: jiff::Timestamp::now(),
        page,
        useful,
        text: mask_contacts(&text),
        lang,
    })
}

/// Stores a vote and sends the visitor back to the page's thank-you note.
pub(crate) async fn post_page_vote(
    State(state): State<Arc<AppState>>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    request: Request,
) -> Result<Response, ApiError> {
    let headers = request.headers().clone();
    check_origin(&state, &headers)?;
    if let Some(limiter) = state.limiter()
        && let Some(addr) = client_addr(&state, &headers, peer.as_ref().map(|e| &e.0))
    {
        limiter.check(addr).map_err(ApiError::RateLimited)?;
    }
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !is_form {
        return Err(ApiError::UnsupportedMediaType);
    }
    let limit = state.config.body_limit;
    let body: Bytes = axum::body::to_bytes(request.into_body(), limit)
        .await
        .map_err(|_| ApiError::TooLarge(limit))?;
    let post = parse(&body)?;
    let page = post.page.clone().unwrap_or_default();
    if !safe_return_path(&page) {
        return Err(invalid(
            "page",
            "путь страницы на этом сайте, начинающийся с одного «/» / page: a path on this site starting with a single '/'",
        ));
    }
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    let location = format!(
        "{}{page}#{PAGE_VOTE_THANKS_ID}",
        state.config.redirect_base.as_deref().unwrap_or("")
    );
    if post.honeypot.as_deref().is_some_and(|h| !h.is_empty()) {
        // A bot filled the hidden field: pretend success, store nothing.
        return Ok(see_other(&location));
    }
    let lang = post.lang.clone().unwrap_or_else(|| "ru".into());
    let vote = into_vote(post).map_err(|e| match e {
        ApiError::Invalid { error, detail, .. } if wants_html => ApiError::Invalid {
            error,
            detail,
            html_back: Some(state.config.replies.form_back(&page, &lang)),
        },
        other => other,
    })?;
    state.store.insert_page_vote(vote).await?;
    Ok(see_other(&location))
}
