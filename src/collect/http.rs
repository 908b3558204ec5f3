//! HTTP routes of the collector (their error type is in [`super::api_error`], the plain
//! form's fields in [`super::form`]).
//!
//! Invariants: an answer is acknowledged (201/200/303) only after the store committed it;
//! every refusal is a precise 4xx whose JSON body names the field, and nothing is stored;
//! a form post is redirected only to a path of this site; no address, user agent or cookie
//! is kept; admin routes compare the bearer token in constant time.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use yasno_survey_core::wire::{self, field};
use yasno_survey_core::{Answer, FieldError};

use super::CollectorConfig;
use super::answer_rules;
use super::api_error::{ApiError, field_error, invalid};
use super::form::FormPost;
use super::ratelimit::{AuthFailures, ClientLimiter};
use super::replies::FormBack;
use super::report::{self, Period};
use super::store::{Inserted, Store, StoreError};

/// State shared by all routes: the configuration, the store and the limiter.
pub(crate) struct AppState {
    pub(crate) config: CollectorConfig,
    pub(crate) store: Arc<dyn Store>,
    limiter: Option<ClientLimiter>,
    auth_failures: AuthFailures,
    token_hash: Option<[u8; 32]>,
}

impl AppState {
    /// The per-client limiter, if the rate limit is on.
    pub(super) fn limiter(&self) -> Option<&ClientLimiter> {
        self.limiter.as_ref()
    }
}

/// The collector's HTTP routes under `/api`, ready to serve or to nest in `yasno serve`.
/// To see client addresses for the rate limit, serve it with
/// `into_make_service_with_connect_info::<SocketAddr>()`; without it all clients share one
/// allowance.
pub fn router(config: CollectorConfig, store: Arc<dyn Store>) -> Router {
    let limiter = config.rate_limit.map(ClientLimiter::new);
    let token_hash = config
        .admin_token
        .as_deref()
        .filter(|t| !t.is_empty())
        .map(|t| Sha256::digest(t.as_bytes()).into());
    let cors = config.allowed_origin.as_deref().and_then(cors_layer);
    let state = Arc::new(AppState {
        config,
        store,
        limiter,
        auth_failures: AuthFailures::new(),
        token_hash,
    });
    let router = Router::new()
        .route(wire::ANSWERS_PATH, post(post_answer))
        .route(
            super::page_vote::PAGE_VOTE_PATH,
            post(super::page_vote::post_page_vote),
        )
        .route("/api/health", get(health))
        .route("/api/export.csv", get(export_csv))
        .route("/api/report", get(report_html))
        .with_state(state)
        .layer(tower_http::trace::TraceLayer::new_for_http().on_failure(()));
    match cors {
        Some(cors) => router.layer(cors),
        None => router,
    }
}

fn cors_layer(origin: &str) -> Option<tower_http::cors::CorsLayer> {
    use tower_http::cors::{AllowOrigin, CorsLayer};
    let value = HeaderValue::from_str(origin).ok()?;
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list([value]))
            .allow_methods([axum::http::Method::POST, axum::http::Method::GET])
            .allow_headers([header::CONTENT_TYPE])
            .max_age(Duration::from_secs(3600)),
    )
}

/// `200 ok`, or `503 degraded` with the reason while the store cannot write (a disk that
/// is full, say), so monitoring sees what visitors would meet.
async fn health(State(state): State<Arc<AppState>>) -> Response {
    let services = state.config.surveys_by_service.len();
    match state.store.degraded() {
        None => Json(serde_json::json!({"status": "ok", "services": services})).into_response(),
        Some(reason) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({"status": "degraded", "reason": reason, "services": services})),
        )
            .into_response(),
    }
}

/// The client address for the rate limit: the peer, or the rightmost `X-Forwarded-For` hop
/// that is not one of the trusted proxies.
pub(super) fn client_addr(
    state: &AppState,
    headers: &HeaderMap,
    peer: Option<&ConnectInfo<SocketAddr>>,
) -> Option<IpAddr> {
    let peer = peer?.0.ip();
    let forwarded: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    Some(state.config.trusted_proxies.client(peer, &forwarded))
}

/// Accepts a request without `Origin` (not a browser), from the site's origin, or from this
/// server itself (same origin, as in `yasno serve`). `Origin: null` (a sandboxed frame, a
/// `data:` page, a file, or a page that hides its origin) is foreign: the site's own pages
/// do not set `Referrer-Policy: no-referrer`, so its forms always send their origin.
pub(super) fn check_origin(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Ok(());
    };
    let origin = origin.to_str().map_err(|_| ApiError::ForeignOrigin)?;
    if state.config.allowed_origin.as_deref() == Some(origin) {
        return Ok(());
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let origin_host = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"));
    match (origin_host, host) {
        (Some(o), Some(h)) if o.eq_ignore_ascii_case(h) => Ok(()),
        _ => Err(ApiError::ForeignOrigin),
    }
}

/// A site-relative return path: starts with one `/`, no scheme, no backslash, no control
/// characters. Anything else could send the visitor to another site.
pub(super) fn safe_return_path(path: &str) -> bool {
    path.starts_with('/')
        && !path.starts_with("//")
        && path.len() <= 512
        && !path
            .chars()
            .any(|c| c == '\\' || c.is_control() || c.is_whitespace())
}

#[derive(Serialize)]
struct Stored {
    status: &'static str,
}

async fn post_answer(
    State(state): State<Arc<AppState>>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    request: Request,
) -> Result<Response, ApiError> {
    let headers = request.headers().clone();
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let is_json = content_type == "application/json";
    let is_form = content_type == "application/x-www-form-urlencoded";
    check_origin(&state, &headers)?;
    if let Some(limiter) = &state.limiter
        && let Some(addr) = client_addr(&state, &headers, peer.as_ref().map(|e| &e.0))
    {
        limiter.check(addr).map_err(ApiError::RateLimited)?;
    }
    if !is_json && !is_form {
        return Err(ApiError::UnsupportedMediaType);
    }
    let limit = state.config.body_limit;
    let body: Bytes = axum::body::to_bytes(request.into_body(), limit)
        .await
        .map_err(|_| ApiError::TooLarge(limit))?;

    if is_json {
        answer_rules::unique_answer_keys(&body).map_err(field_error)?;
        let answer: Answer = serde_json::from_slice(&body).map_err(|e| {
            invalid(
                "body",
                &format!("ответ не в формате опроса / not a survey answer: {e}"),
            )
        })?;
        let lang = answer.lang.clone();
        let inserted = accept(&state, answer)
            .await
            .map_err(|e| localize(&state, e, &lang, None))?;
        let (status, word) = match inserted {
            Inserted::New => (StatusCode::CREATED, "stored"),
            Inserted::Duplicate => (StatusCode::OK, "duplicate"),
        };
        return Ok((status, Json(Stored { status: word })).into_response());
    }

    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    let form = FormPost::parse(&body)?;
    if !safe_return_path(&form.return_to) {
        return Err(invalid(
            field::RETURN_TO,
            "адрес возврата: путь на этом сайте, начинающийся с одного «/» / return_to: a path on this site starting with a single '/'",
        ));
    }
    let lang = form.lang().to_owned();
    let back = wants_html.then(|| state.config.replies.form_back(&form.return_to, &lang));
    let with_back = |e: ApiError| localize(&state, e, &lang, back.clone());
    let location = format!(
        "{}{}#{}",
        state.config.redirect_base.as_deref().unwrap_or(""),
        form.return_to,
        wire::THANKS_ID
    );
    if !form.honeypot.is_empty() {
        // A bot filled the hidden field: pretend success so it learns nothing; store nothing.
        tracing::info!("honeypot filled; form answer dropped");
        return Ok(see_other(&location));
    }
    let answer = form
        .into_answer(&state.config.surveys_by_service)
        .map_err(with_back)?;
    accept(&state, answer).await.map_err(with_back)?;
    Ok(see_other(&location))
}

/// A refusal of an answer in `lang` put in that language's plain words (with the error page
/// for a form post from a browser, when `back` is given).
fn localize(state: &AppState, e: ApiError, lang: &str, back: Option<FormBack>) -> ApiError {
    match e {
        ApiError::Invalid { error, .. } => {
            let (error, detail) = state.config.replies.localize(error, lang);
            ApiError::Invalid {
                error,
                detail,
                html_back: back,
            }
        }
        other => other,
    }
}

pub(super) fn see_other(location: &str) -> Response {
    let mut res = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

/// Validates an answer against its service's survey and stores it.
async fn accept(state: &AppState, answer: Answer) -> Result<Inserted, ApiError> {
    let Some(survey) = state.config.surveys_by_service.get(&answer.service) else {
        return Err(invalid(
            field::SERVICE,
            "такой услуги нет или опрос для неё выключен / unknown service, or its survey is off",
        ));
    };
    survey.validate(&answer).map_err(field_error)?;
    // Any of the site's languages answers the same survey and version; no other language.
    if !state.config.replies.knows(&answer.lang) {
        let languages = state.config.replies.languages();
        return Err(invalid(
            field::LANG,
            &format!(
                "язык не из языков сайта ({languages}) / not one of the site's languages ({languages})"
            ),
        ));
    }
    answer_rules::check_source(&answer.source, &state.config.report.locations)
        .map_err(field_error)?;
    let answer = answer_rules::mask_free_text(survey, answer);
    let received_at = jiff::Timestamp::now();
    Ok(state.store.insert(answer, received_at).await?)
}

/// Checks `Authorization: Bearer <token>` in constant time (both sides hashed first, so the
/// comparison does not leak the token's length either). A client with too many recent
/// failures is refused before its token is looked at, so guessing is slow.
fn authorize(state: &AppState, headers: &HeaderMap, peer: Option<IpAddr>) -> Result<(), ApiError> {
    if let Some(addr) = peer {
        state
            .auth_failures
            .check(addr)
            .map_err(ApiError::RateLimited)?;
    }
    let expected = state.token_hash.as_ref().ok_or(ApiError::Unauthorized)?;
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let ok = given.is_some_and(|given| {
        let given: [u8; 32] = Sha256::digest(given.trim().as_bytes()).into();
        bool::from(given.ct_eq(expected))
    });
    if ok {
        return Ok(());
    }
    if given.is_some() {
        tracing::warn!("admin request with a wrong token");
    }
    if let Some(addr) = peer {
        state.auth_failures.fail(addr);
    }
    Err(ApiError::Unauthorized)
}

/// Reports and exports hold answers: no browser or proxy cache may keep a copy.
const NO_STORE: (header::HeaderName, &str) = (header::CACHE_CONTROL, "no-store");

/// `?quarter=2026Q3` or `?from=2026-07-01&to=2026-09-30` (inclusive); nothing means all time.
#[derive(Debug, Deserialize)]
pub(crate) struct PeriodQuery {
    quarter: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

impl PeriodQuery {
    fn period(&self) -> Result<Period, ApiError> {
        let bad = |e: report::PeriodError| {
            ApiError::BadQuery(FieldError {
                field: e.field.into(),
                message: e.message,
            })
        };
        match (&self.quarter, &self.from, &self.to) {
            (Some(q), None, None) => Period::quarter(q).map_err(bad),
            (None, Some(f), Some(t)) => Period::between(f, t).map_err(bad),
            (None, None, None) => Ok(Period::all_time()),
            _ => Err(ApiError::BadQuery(FieldError {
                field: "quarter".into(),
                message:
                    "укажите quarter=2026Q3 или from=…&to=… / give quarter=2026Q3 or from=…&to=…"
                        .into(),
            })),
        }
    }
}

async fn export_csv(
    State(state): State<Arc<AppState>>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Query(query): Query<PeriodQuery>,
) -> Result<Response, ApiError> {
    let client = client_addr(&state, &headers, peer.as_ref().map(|e| &e.0));
    authorize(&state, &headers, client)?;
    let period = query.period()?;
    let (from, to) = period.bounds();
    let rows = state.store.answers_between(from, to).await?;
    let csv = report::export_csv(&rows, &state.config.report);
    Ok((
        [
            NO_STORE,
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"answers.csv\"",
            ),
        ],
        Body::from(csv),
    )
        .into_response())
}

async fn report_html(
    State(state): State<Arc<AppState>>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Query(query): Query<PeriodQuery>,
) -> Result<Response, ApiError> {
    let client = client_addr(&state, &headers, peer.as_ref().map(|e| &e.0));
    authorize(&state, &headers, client)?;
    let period = query.period()?;
    let (from, to) = period.bounds();
    let rows = state.store.answers_between(from, to).await?;
    // The previous period beside this one, as `yasno report` shows it.
    let previous = match period.previous() {
        Some(p) => {
            let (from, to) = p.bounds();
            state.store.answers_between(from, to).await?
        }
        None => Vec::new(),
    };
    let labels = state.config.report.clone();
    // Figures and charts take CPU time: keep them off the threads that serve answers.
    let html = tokio::task::spawn_blocking(move || {
        report::Report::build_compared(&rows, &previous, &period, &labels).to_html()
    })
    .await
    .map_err(|_| ApiError::Store(StoreError::Closed))?;
    Ok((
        [NO_STORE, (header::CONTENT_TYPE, "text/html; charset=utf-8")],
        Body::from(html),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_paths_stay_on_the_site() {
        assert!(safe_return_path("/services/opeka/"));
        for bad in [
            "",
            "services/opeka/",
            "//evil.example/",
            "/\\evil.example/",
            "https://evil.example/",
            "/a b",
            "/a\r\nLocation: x",
        ] {
            assert!(!safe_return_path(bad), "{bad:?}");
        }
    }
}
