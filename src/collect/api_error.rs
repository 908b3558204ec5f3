//! The collector's one error type: what a route can refuse with, and how each refusal reads
//! (a JSON body naming the field, or a small HTML page for a browser's form post).

use std::borrow::Cow;
use std::time::Duration;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use yasno_survey_core::FieldError;

use super::replies::FormBack;
use super::store::StoreError;

/// Everything a route can refuse with. Clients see a short safe message; the detail is
/// logged.
#[derive(Debug)]
pub(crate) enum ApiError {
    /// The answer does not fit the survey (or the form is malformed).
    Invalid {
        /// The field and the message, in the answer's language once localized.
        error: FieldError,
        /// The technical message ("по-русски / in English") when `error` was put in plain
        /// words of the answer's language; empty before.
        detail: String,
        /// Form posts from a browser get a small HTML page with a link back.
        html_back: Option<FormBack>,
    },
    /// The body is not JSON or urlencoded.
    UnsupportedMediaType,
    /// The body is larger than the limit.
    TooLarge(usize),
    /// The `Origin` is neither the site nor this server.
    ForeignOrigin,
    /// Too many requests from this client.
    RateLimited(Duration),
    /// Missing or wrong bearer token.
    Unauthorized,
    /// A query parameter is wrong.
    BadQuery(FieldError),
    /// Storage failed; the answer was not stored.
    Store(StoreError),
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    field: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    detail: &'a str,
}

impl ApiError {
    /// Status, error code, field and message of a JSON refusal.
    fn parts(&self) -> (StatusCode, &'static str, &str, Cow<'static, str>) {
        let bad = StatusCode::BAD_REQUEST;
        match self {
            ApiError::Invalid { error, .. } | ApiError::BadQuery(error) => {
                (bad, "invalid", &error.field, error.message.clone().into())
            }
            ApiError::UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "content-type",
                "нужен application/json или application/x-www-form-urlencoded / expected application/json or application/x-www-form-urlencoded".into(),
            ),
            ApiError::TooLarge(limit) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                "body",
                format!("ответ больше {limit} байт / body larger than {limit} bytes").into(),
            ),
            ApiError::ForeignOrigin => (
                StatusCode::FORBIDDEN,
                "forbidden_origin",
                "origin",
                "ответы принимаются только со страниц сайта / answers are accepted only from the site's pages".into(),
            ),
            ApiError::RateLimited(wait) => {
                let secs = wait.as_secs().max(1);
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate_limited",
                    "",
                    format!(
                        "слишком много ответов, повторите через {secs} с / too many answers, retry in {secs} s"
                    )
                    .into(),
                )
            }
            ApiError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "authorization",
                "нужен заголовок Authorization: Bearer <токен> / an Authorization: Bearer <token> header is required".into(),
            ),
            ApiError::Store(StoreError::Closed) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "",
                "сервис останавливается, повторите позже / shutting down, retry later".into(),
            ),
            ApiError::Store(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "storage",
                "",
                "ответ не сохранён, повторите позже / not stored, retry later".into(),
            ),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match &self {
            ApiError::Invalid {
                error,
                html_back: Some(back),
                ..
            } => {
                tracing::info!(field = ?error.field, "form answer refused");
                return (
                    StatusCode::BAD_REQUEST,
                    [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                    invalid_form_page(error, back),
                )
                    .into_response();
            }
            ApiError::Invalid { error, .. } => {
                tracing::info!(field = ?error.field, "answer refused");
            }
            ApiError::Store(e) if !matches!(e, StoreError::Closed) => {
                // The one log line of a refused answer (the trace layer logs no failures).
                tracing::error!(error = %e, "answer not stored");
            }
            _ => {}
        }
        let (status, error, field, message) = self.parts();
        let detail = match &self {
            ApiError::Invalid { detail, .. } => detail.as_str(),
            _ => "",
        };
        let mut res = (
            status,
            Json(ErrorBody {
                error,
                field,
                message: &message,
                detail,
            }),
        )
            .into_response();
        match self {
            ApiError::RateLimited(wait) => {
                let secs = wait.as_secs().max(1);
                res.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            ApiError::Unauthorized => {
                res.headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            ApiError::Store(e) if !matches!(e, StoreError::Closed) => {
                res.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(60));
            }
            _ => {}
        }
        res
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError::Store(e)
    }
}

/// A refusal of an answer that does not fit its survey or the site.
pub(crate) fn field_error(error: FieldError) -> ApiError {
    ApiError::Invalid {
        error,
        detail: String::new(),
        html_back: None,
    }
}

/// A refusal of the field `field`, with what is expected.
pub(crate) fn invalid(field: &str, message: &str) -> ApiError {
    ApiError::Invalid {
        error: FieldError {
            field: field.into(),
            message: message.into(),
        },
        detail: String::new(),
        html_back: None,
    }
}

fn invalid_form_page(error: &FieldError, back: &FormBack) -> String {
    // The crate's one HTML escaper (as in Markdown rendering); it also escapes `"`, so the
    // path is safe inside the attribute.
    let esc = |text: &str| {
        let mut out = String::with_capacity(text.len());
        let _ = pulldown_cmark_escape::escape_html(&mut out, text);
        out
    };
    let title = esc(&back.title);
    format!(
        "<!doctype html><html lang=\"{}\"><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>{title}</title><main><h1>{title}</h1>\
         <p role=\"alert\">{}</p><p><a href=\"{}#survey\">{}</a></p></main></html>",
        esc(&back.lang),
        esc(&error.message),
        esc(&back.path),
        esc(&back.back),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_error_page_escapes_the_message_and_the_path() {
        let error = FieldError {
            field: "answers.comment".into(),
            message: "<script>alert(1)</script> & \"x\"".into(),
        };
        let back = FormBack {
            path: "/a\"><script>b</script>".into(),
            lang: "en".into(),
            title: "Answer not accepted".into(),
            back: "Back".into(),
        };
        let page = invalid_form_page(&error, &back);
        assert!(!page.contains("<script>"), "{page}");
        assert!(
            page.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;"),
            "{page}"
        );
        assert!(
            page.contains("href=\"/a&quot;&gt;&lt;script&gt;b&lt;/script&gt;#survey\""),
            "{page}"
        );
    }
}
