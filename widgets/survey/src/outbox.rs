//! Delivery of answers: a queue in `localStorage` that holds every answer until the collector
//! acknowledges it, and the HTTP request that sends one.
//!
//! Invariants: an answer is stored before its first send and removed only on a 2xx answer (or
//! a 4xx, which no retry can fix); each answer carries a random client id so that the collector
//! stores a resent answer once.

use serde::Serialize;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, Request, RequestInit, Response, Storage};
use yasno_survey_core::Answer;

/// `localStorage` key of the queue (a JSON array of answers).
pub const PENDING_KEY: &str = "yasno.pending";
/// Most answers kept in the queue; older ones are dropped first.
const MAX_PENDING: usize = 20;

/// How one attempt to send ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The collector stored the answer (2xx).
    Acked,
    /// The collector refused the answer for good (4xx other than 408 and 429).
    Rejected(u16),
    /// No answer, or a temporary failure (network, 408, 429, 5xx): worth trying again.
    Failed,
}

/// A random client id: 32 hex digits from the browser's cryptographic generator.
pub fn client_id() -> String {
    let mut bytes = [0u8; 16];
    let filled = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .is_some_and(|c| c.get_random_values_with_u8_array(&mut bytes).is_ok());
    if !filled {
        // Old browsers without crypto: Math.random is enough to tell retries apart.
        for b in &mut bytes {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    const HEX: &[u8; 16] = b"0123456789abcdef";
    bytes
        .iter()
        .flat_map(|b| [HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]])
        .map(char::from)
        .collect()
}

fn storage() -> Option<Storage> {
    // Storage can be missing or refused (private modes, settings); then answers are sent
    // but not kept.
    web_sys::window()?.local_storage().ok()?
}

fn to_json<T: Serialize + ?Sized>(value: &T) -> Option<String> {
    let js = value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .ok()?;
    js_sys::JSON::stringify(&js).ok()?.as_string()
}

/// The answers waiting for an acknowledgement, oldest first.
pub fn pending() -> Vec<Answer> {
    storage()
        .and_then(|s| s.get_item(PENDING_KEY).ok()?)
        .and_then(|text| js_sys::JSON::parse(&text).ok())
        .and_then(|value| serde_wasm_bindgen::from_value(value).ok())
        .unwrap_or_default()
}

fn save(list: &[Answer]) {
    let Some(storage) = storage() else { return };
    if list.is_empty() {
        let _ = storage.remove_item(PENDING_KEY);
    } else if let Some(json) = to_json(list) {
        let _ = storage.set_item(PENDING_KEY, &json);
    }
}

/// Adds an answer to the queue before it is first sent.
pub fn keep(answer: &Answer) {
    let mut list = pending();
    list.retain(|a| a.client_id != answer.client_id);
    list.push(answer.clone());
    let excess = list.len().saturating_sub(MAX_PENDING);
    list.drain(..excess);
    save(&list);
}

/// Removes an answer from the queue once the collector has settled it.
pub fn forget(client_id: &str) {
    let mut list = pending();
    let before = list.len();
    list.retain(|a| a.client_id != client_id);
    if list.len() != before {
        save(&list);
    }
}

/// Sends one answer as JSON to `{endpoint}/api/answers`.
pub async fn send(endpoint: &str, answer: &Answer) -> Outcome {
    match try_send(endpoint, answer).await {
        Ok(status) if (200..300).contains(&status) => Outcome::Acked,
        Ok(status @ 400..=499) if status != 408 && status != 429 => Outcome::Rejected(status),
        _ => Outcome::Failed,
    }
}

async fn try_send(endpoint: &str, answer: &Answer) -> Result<u16, JsValue> {
    let body = to_json(answer).ok_or(JsValue::NULL)?;
    let headers = Headers::new()?;
    headers.set("Content-Type", "application/json")?;
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_headers(&headers);
    init.set_body(&JsValue::from_str(&body));
    let url = [endpoint.trim_end_matches('/'), "/api/answers"].concat();
    let request = Request::new_with_str_and_init(&url, &init)?;
    let window = web_sys::window().ok_or(JsValue::NULL)?;
    let response: Response = JsFuture::from(window.fetch_with_request(&request))
        .await?
        .dyn_into()?;
    Ok(response.status())
}

/// Delay before retry number `attempt` (0-based): 1 s, 2 s, 4 s, …
pub fn backoff_ms(attempt: u32) -> u32 {
    1000u32.saturating_mul(1 << attempt.min(10))
}

/// Sends every answer left from earlier visits, in the background; each is removed from the
/// queue when the collector settles it and kept otherwise (for the next visit).
pub fn flush(endpoint: String) {
    let list = pending();
    if list.is_empty() {
        return;
    }
    wasm_bindgen_futures::spawn_local(async move {
        for answer in list {
            for attempt in 0..2 {
                match send(&endpoint, &answer).await {
                    Outcome::Failed if attempt == 0 => {
                        gloo_timers::future::TimeoutFuture::new(backoff_ms(0)).await;
                    }
                    Outcome::Failed => return,
                    Outcome::Acked | Outcome::Rejected(_) => {
                        forget(&answer.client_id);
                        break;
                    }
                }
            }
        }
    });
}
