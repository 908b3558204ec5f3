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
use super::api_error::{ApiError, invalid};
use super::form::FormPost;
use super::ratelimit::ClientLimiter;
use super::report::{self, Period};
use super::store::{Inserted, Store, StoreError};

/// State shared by all routes: the configuration, the store and the limiter.
pub(crate) struct AppState {
    pub(crate) config: CollectorConfig,
    pub(crate) store: Arc<dyn Store>,
    limiter: Option<ClientLimiter>,
    token_hash: Option<[u8; 32]>,
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
        token_hash,
    });
    let router = Router::new()
        .route(wire::ANSWERS_PATH, post(post_answer))
        .route("/api/health", get(health))
        .route("/api/export.csv", get(export_csv))
        .route("/api/report", get(report_html))
        .with_state(state)
        .layer(tower_http::trace::TraceLayer::new_for_http());
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

async fn health(State(state): State<Arc<AppState>>) -> Response {
    Json(serde_json::json!({
        "status": "ok",
        "services": state.config.surveys_by_service.len(),
    }))
    .into_response()
}

/// The client address for the rate limit: the peer, or the first `X-Forwarded-For` hop when
/// the collector is configured to sit behind a proxy.
fn client_addr(
    state: &AppState,
    headers: &HeaderMap,
    peer: Option<&ConnectInfo<SocketAddr>>,
) -> Option<IpAddr> {
    if state.config.behind_proxy {
        let forwarded = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .and_then(|v| v.trim().parse().ok());
        if forwarded.is_some() {
            return forwarded;
        }
    }
    peer.map(|c| c.0.ip())
}

/// Accepts a request without `Origin` (not a browser), from the site's origin, or from this
/// server itself (same origin, as in `yasno serve`). A form post may say `Origin: null`:
/// browsers send that for any POST from a page with `Referrer-Policy: no-referrer`.
fn check_origin(state: &AppState, headers: &HeaderMap, is_form: bool) -> Result<(), ApiError> {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Ok(());
    };
    let origin = origin.to_str().map_err(|_| ApiError::ForeignOrigin)?;
    if is_form && origin == "null" {
        return Ok(());
    }
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
fn safe_return_path(path: &str) -> bool {
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
    check_origin(&state, &headers, is_form)?;
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
        let answer: Answer = serde_json::from_slice(&body).map_err(|e| {
            invalid(
                "body",
                &format!("ответ не в формате опроса / not a survey answer: {e}"),
            )
        })?;
        let inserted = accept(&state, answer).await?;
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
    let back = wants_html.then(|| form.return_to.clone());
    let with_back = |e: ApiError| match e {
        ApiError::Invalid { error, .. } => ApiError::Invalid {
            error,
            html_back: back.clone(),
        },
        other => other,
    };
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

fn see_other(location: &str) -> Response {
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
    survey
        .validate(&answer)
        .map_err(|error| ApiError::Invalid {
            error,
            html_back: None,
        })?;
    let received_at = jiff::Timestamp::now();
    Ok(state.store.insert(answer, received_at).await?)
}

/// Checks `Authorization: Bearer <token>` in constant time (both sides hashed first, so the
/// comparison does not leak the token's length either).
fn authorize(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    let expected = state.token_hash.as_ref().ok_or(ApiError::Unauthorized)?;
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(ApiError::Unauthorized)?;
    let given: [u8; 32] = Sha256::digest(given.trim().as_bytes()).into();
    if bool::from(given.ct_eq(expected)) {
        Ok(())
    } else {
        tracing::warn!("admin request with a wrong token");
        Err(ApiError::Unauthorized)
    }
}

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
    headers: HeaderMap,
    Query(query): Query<PeriodQuery>,
) -> Result<Response, ApiError> {
    authorize(&state, &headers)?;
    let period = query.period()?;
    let (from, to) = period.bounds();
    let rows = state.store.answers_between(from, to).await?;
    let csv = report::export_csv(&rows, &state.config.report);
    Ok((
        [
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
    headers: HeaderMap,
    Query(query): Query<PeriodQuery>,
) -> Result<Response, ApiError> {
    authorize(&state, &headers)?;
    let period = query.period()?;
    let (from, to) = period.bounds();
    let rows = state.store.answers_between(from, to).await?;
    let labels = state.config.report.clone();
    // Figures and charts take CPU time: keep them off the threads that serve answers.
    let html = tokio::task::spawn_blocking(move || {
        report::Report::build(&rows, &period, &labels).to_html()
    })
    .await
    .map_err(|_| ApiError::Store(StoreError::Closed))?;
    Ok((
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
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
