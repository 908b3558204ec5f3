//! Delivery of answers: a queue in `localStorage` that holds every answer until the collector
//! acknowledges it, and the HTTP request that sends one.
//!
//! Invariants: an answer is stored before its first send and removed only on a 2xx answer (or
//! a 4xx, which no retry can fix); each answer carries a random client id so that the collector
//! stores a resent answer once.

use js_sys::{Array, Object};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, Request, RequestInit, Response, Storage};
use yasno_survey_core::{Answer, AnswerValue};

/// `localStorage` key of the queue (a JSON array of answers).
pub const PENDING_KEY: &str = "yasno.pending";
/// Most answers kept in the queue; older ones are dropped first.
const MAX_PENDING: u32 = 20;

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

/// An answer as a plain JS object, ready for `JSON.stringify`: the wire format of survey-core's
/// `Answer` (serde's field names; ratings as numbers, other values as strings). Built by hand
/// to keep serde out of the wasm bundle; the browser test checks the exact JSON.
fn to_js(answer: &Answer) -> Option<JsValue> {
    let set = |obj: &Object, key: &str, value: &JsValue| {
        js_sys::Reflect::set(obj, &JsValue::from_str(key), value).is_ok()
    };
    let answers = Object::new();
    for (id, value) in &answer.answers {
        let value = match value {
            AnswerValue::Rating(n) => JsValue::from(*n),
            AnswerValue::Text(t) => JsValue::from_str(t),
        };
        if !set(&answers, id, &value) {
            return None;
        }
    }
    let obj = Object::new();
    let ok = set(&obj, "client_id", &answer.client_id.as_str().into())
        && set(&obj, "service", &answer.service.as_str().into())
        && set(&obj, "survey", &answer.survey.as_str().into())
        && set(&obj, "version", &answer.version.into())
        && set(&obj, "source", &answer.source.as_str().into())
        && set(&obj, "lang", &answer.lang.as_str().into())
        && set(&obj, "answers", &answers);
    ok.then(|| obj.into())
}

/// The queue as stored. Entries stay plain JS objects: the widget never needs to read an
/// answer back into Rust, which keeps deserialization code for answers out of the bundle.
fn load() -> Array {
    storage()
        .and_then(|s| s.get_item(PENDING_KEY).ok()?)
        .and_then(|text| js_sys::JSON::parse(&text).ok())
        .and_then(|value| value.dyn_into::<Array>().ok())
        .unwrap_or_default()
}

fn save(list: &Array) {
    let Some(storage) = storage() else { return };
    if list.length() == 0 {
        let _ = storage.remove_item(PENDING_KEY);
    } else if let Some(json) = js_sys::JSON::stringify(list)
        .ok()
        .and_then(|s| s.as_string())
    {
        let _ = storage.set_item(PENDING_KEY, &json);
    }
}

fn id_of(entry: &JsValue) -> Option<String> {
    js_sys::Reflect::get(entry, &"client_id".into())
        .ok()?
        .as_string()
}

fn without(list: &Array, client_id: &str) -> Array {
    list.filter(&mut |entry, _, _| id_of(&entry).as_deref() != Some(client_id))
}

/// Adds an answer to the queue before it is first sent.
pub fn keep(answer: &Answer) {
    let Some(entry) = to_js(answer) else { return };
    let list = without(&load(), &answer.client_id);
    list.push(&entry);
    let excess = list.length().saturating_sub(MAX_PENDING);
    save(&list.slice(excess, list.length()));
}

/// Removes an answer from the queue once the collector has settled it.
pub fn forget(client_id: &str) {
    let list = load();
    let kept = without(&list, client_id);
    if kept.length() != list.length() {
        save(&kept);
    }
}

/// Sends one answer as JSON to `{endpoint}/api/answers`.
pub async fn send(endpoint: &str, answer: &Answer) -> Outcome {
    match to_js(answer) {
        Some(entry) => send_js(endpoint, &entry).await,
        None => Outcome::Failed,
    }
}

async fn send_js(endpoint: &str, entry: &JsValue) -> Outcome {
    match try_send(endpoint, entry).await {
        Ok(status) if (200..300).contains(&status) => Outcome::Acked,
        Ok(status @ 400..=499) if status != 408 && status != 429 => Outcome::Rejected(status),
        _ => Outcome::Failed,
    }
}

async fn try_send(endpoint: &str, entry: &JsValue) -> Result<u16, JsValue> {
    let body = js_sys::JSON::stringify(entry)?;
    let headers = Headers::new()?;
    headers.set("Content-Type", "application/json")?;
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_headers(&headers);
    init.set_body(&body);
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
    let list = load();
    if list.length() == 0 {
        return;
    }
    wasm_bindgen_futures::spawn_local(async move {
        for entry in list.iter() {
            let Some(client_id) = id_of(&entry) else {
                continue;
            };
            for attempt in 0..2 {
                match send_js(&endpoint, &entry).await {
                    Outcome::Failed if attempt == 0 => {
                        gloo_timers::future::TimeoutFuture::new(backoff_ms(0)).await;
                    }
                    Outcome::Failed => return,
                    Outcome::Acked | Outcome::Rejected(_) => {
                        forget(&client_id);
                        break;
                    }
                }
            }
        }
    });
}
