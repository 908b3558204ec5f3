//! Delivery of answers: a queue in `localStorage` that holds every answer until the collector
//! acknowledges it, and the HTTP request that sends one.
//!
//! Invariants: an answer is stored before its first send and removed only on a 2xx answer (or
//! a 4xx, which no retry can fix); each answer carries a random client id so that the collector
//! stores a resent answer once.
//!
//! Size note: answers live here as plain JS objects, built once and never read back into Rust,
//! and the request is made from plain objects too (`fetch(url, {method, headers, body})`):
//! each typed web-sys class used (Headers, Request, RequestInit, Response) adds imports and
//! glue to the bundle.

use js_sys::{Array, Object, Promise};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::Storage;
use yasno_survey_core::wire::{ANSWERS_PATH, field};
use yasno_survey_core::{AnswerValue, Envelope, concat};

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
    Rejected,
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
    let mut id = String::with_capacity(32);
    for b in bytes {
        id.push(char::from(HEX[usize::from(b >> 4)]));
        id.push(char::from(HEX[usize::from(b & 15)]));
    }
    id
}

fn storage() -> Option<Storage> {
    // Storage can be missing or refused (private modes, settings); then answers are sent
    // but not kept.
    web_sys::window()?.local_storage().ok()?
}

/// Sets a property of a plain object (which cannot fail for a fresh `Object`).
fn set(obj: &Object, key: &str, value: &JsValue) {
    let _ = js_sys::Reflect::set(obj, &JsValue::from_str(key), value);
}

fn get(obj: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// An answer as a plain JS object, ready for `JSON.stringify`: the wire format of survey-core's
/// `Answer` (serde's field names; ratings as numbers, other values as strings). Built by hand
/// to keep serde out of the wasm bundle; the browser test checks the exact JSON.
pub fn to_js(service: &str, envelope: &Envelope<'_>, answers: &[(&str, AnswerValue)]) -> JsValue {
    let values = Object::new();
    for (id, value) in answers {
        let value = match value {
            AnswerValue::Rating(n) => JsValue::from(*n),
            AnswerValue::Text(t) => JsValue::from_str(t),
        };
        set(&values, id, &value);
    }
    let obj = Object::new();
    set(&obj, field::CLIENT_ID, &envelope.client_id.into());
    set(&obj, field::SERVICE, &service.into());
    set(&obj, field::SURVEY, &envelope.survey.into());
    set(&obj, field::VERSION, &envelope.version.into());
    set(&obj, field::SOURCE, &envelope.source.into());
    set(&obj, field::LANG, &envelope.lang.into());
    set(&obj, field::ANSWERS, &values);
    obj.into()
}

/// The queue as stored. Entries stay plain JS objects: the widget never needs to read an
/// answer back into Rust, which keeps deserialization code for answers out of the bundle.
fn load() -> Array {
    storage()
        .and_then(|s| s.get_item(PENDING_KEY).ok()?)
        .and_then(|text| js_sys::JSON::parse(&text).ok())
        .filter(Array::is_array)
        .map(JsCast::unchecked_into)
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
    get(entry, field::CLIENT_ID).as_string()
}

fn without(list: &Array, client_id: &str) -> Array {
    let kept = Array::new();
    for entry in list.iter() {
        if id_of(&entry).as_deref() != Some(client_id) {
            kept.push(&entry);
        }
    }
    kept
}

/// Adds an answer (made by [`to_js`]) to the queue before it is first sent.
pub fn keep(client_id: &str, entry: &JsValue) {
    let list = without(&load(), client_id);
    list.push(entry);
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

/// Sends one answer (made by [`to_js`]) as JSON to `{endpoint}/api/answers`.
pub async fn send(endpoint: &str, entry: &JsValue) -> Outcome {
    match try_send(endpoint, entry).await {
        Ok(status) if (200..300).contains(&status) => Outcome::Acked,
        Ok(status @ 400..=499) if status != 408 && status != 429 => Outcome::Rejected,
        _ => Outcome::Failed,
    }
}

async fn try_send(endpoint: &str, entry: &JsValue) -> Result<u32, JsValue> {
    let headers = Object::new();
    set(&headers, "Content-Type", &"application/json".into());
    let init = Object::new();
    set(&init, "method", &"POST".into());
    set(&init, "headers", &headers);
    set(&init, "body", &js_sys::JSON::stringify(entry)?.into());
    let url = concat(&[endpoint.trim_end_matches('/'), ANSWERS_PATH]);
    let window = web_sys::window().ok_or(JsValue::NULL)?;
    let response =
        JsFuture::from(window.fetch_with_str_and_init(&url, init.unchecked_ref())).await?;
    // `fetch` resolves to a Response; its status is a number from 200 to 599.
    Ok(get(&response, "status").as_f64().unwrap_or(0.0) as u32)
}

/// Delay before retry number `attempt` (0-based): 1 s, 2 s, 4 s, …
pub fn backoff_ms(attempt: u32) -> u32 {
    1000u32.saturating_mul(1 << attempt.min(10))
}

/// Waits `ms` milliseconds (a `setTimeout` promise: no timer crate in the bundle).
pub async fn sleep(ms: u32) {
    let promise = Promise::new(&mut |resolve, _reject| {
        let scheduled = web_sys::window().is_some_and(|w| {
            w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms as i32)
                .is_ok()
        });
        if !scheduled {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        }
    });
    let _ = JsFuture::from(promise).await;
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
                match send(&endpoint, &entry).await {
                    Outcome::Failed if attempt == 0 => sleep(backoff_ms(0)).await,
                    Outcome::Failed => return,
                    Outcome::Acked | Outcome::Rejected => {
                        forget(&client_id);
                        break;
                    }
                }
            }
        }
    });
}
