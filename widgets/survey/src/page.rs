//! Reading the service page: the survey data the page embeds, what the visitor already chose in
//! the plain form, and the swap of the plain form for the widget's mount point.
//!
//! Invariant: nothing in the page changes unless the data parsed and the form was found, so a
//! broken page keeps its working plain form.

use js_sys::Array;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Element, HtmlTextAreaElement};
use yasno_survey_core::{ChoiceOption, Question, QuestionKind, Survey, concat};

use crate::props::{Fields, PageData, Props, SUBMIT_ID, option_id, question_id};
use crate::text::{KEYS, Text};

// The page data is read from the browser's own `JSON.parse` result field by field rather than
// through serde: serde's deserializers (and the float formatting of their error messages) cost
// about a third of the size budget in wasm. The page's JSON is written by yasno itself from
// the same `Survey` type, and survey-core's rules still judge every answer before it is sent.

fn get(obj: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn string(obj: &JsValue, key: &str) -> Option<String> {
    get(obj, key).as_string()
}

/// An array property, or an empty array. Loops below push into vectors rather than
/// `collect::<Option<_>>()`: the short-circuiting adapters cost more bytes than the loops.
fn array(obj: &JsValue, key: &str) -> Array {
    let value = get(obj, key);
    if Array::is_array(&value) {
        value.unchecked_into()
    } else {
        Array::new()
    }
}

fn read_question(v: &JsValue) -> Option<Question> {
    let kind = match string(v, "kind")?.as_str() {
        "rating" => QuestionKind::Rating,
        "choice" => QuestionKind::Choice,
        "text" => QuestionKind::Text,
        _ => return None,
    };
    let mut labels = Vec::new();
    for label in array(v, "labels").iter() {
        labels.extend(label.as_string());
    }
    let mut options = Vec::new();
    for option in array(v, "options").iter() {
        options.push(ChoiceOption {
            value: string(&option, "value")?,
            label: string(&option, "label")?,
        });
    }
    // No `normalize`: the page embeds a complete definition, and its defaults are Russian.
    Some(Question {
        id: string(v, "id")?,
        label: string(v, "label")?,
        required: get(v, "required").as_bool().unwrap_or(false),
        kind,
        labels,
        options,
        max_len: get(v, "max_len").as_f64().map(|n| n as usize),
        hint: string(v, "hint"),
    })
}

fn read_survey(v: &JsValue) -> Option<Survey> {
    let mut questions = Vec::new();
    for question in array(v, "questions").iter() {
        questions.push(read_question(&question)?);
    }
    Some(Survey {
        id: string(v, "id")?,
        version: get(v, "version").as_f64()? as u32,
        title: string(v, "title").unwrap_or_default(),
        intro: string(v, "intro"),
        questions,
        thanks: string(v, "thanks")?,
        // The page embeds its own language only.
        i18n: Default::default(),
    })
}

/// The interface strings the page gives (its language's table); a missing one is empty.
fn read_text(v: &JsValue) -> Text {
    let mut all = KEYS
        .map(|key| string(v, key).unwrap_or_default())
        .into_iter();
    let mut next = || all.next().unwrap_or_default();
    Text {
        submit: next(),
        note: next(),
        required: next(),
        missing: next(),
        invalid: next(),
        check: next(),
        sending: next(),
        retrying: next(),
        stored: next(),
        rejected: next(),
        of: next(),
        chars: next(),
    }
}

fn read_page_data(v: &JsValue) -> Option<PageData> {
    Some(PageData {
        endpoint: string(v, "endpoint").unwrap_or_default(),
        service: string(v, "service")?,
        source: string(v, "source").unwrap_or_else(|| "web".to_owned()),
        lang: string(v, "lang").unwrap_or_else(|| "ru".to_owned()),
        survey: read_survey(&get(v, "survey"))?,
        text: read_text(&get(v, "text")),
    })
}

/// The widget's mount point and its properties, ready for the renderer.
pub struct Mounted {
    /// Element the widget renders into; it stands where the plain form was.
    pub root: Element,
    /// Survey data and the visitor's choices so far.
    pub props: Props,
}

/// The page's survey section and its data as the browser's `JSON.parse` returned it (read once,
/// for both the form and the delivery of stored answers).
pub struct Found {
    doc: Document,
    section: Element,
    value: JsValue,
}

impl Found {
    /// The collector's endpoint named in the data, if any.
    pub fn endpoint(&self) -> Option<String> {
        string(&self.value, "endpoint")
    }
}

/// Finds `section#survey` and parses its `script.survey-data`.
pub fn find() -> Option<Found> {
    let doc = web_sys::window()?.document()?;
    let section = doc.query_selector("section#survey").ok()??;
    let script = section.query_selector("script.survey-data").ok()??;
    let value = js_sys::JSON::parse(&script.text_content()?).ok()?;
    Some(Found {
        doc,
        section,
        value,
    })
}

/// A QR link at a reception desk carries its location tag as `?source=<tag>`; anything that is
/// not a plain tag is ignored (the page's own source stays).
fn source_from_url() -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    let tag = web_sys::UrlSearchParams::new_with_str(&search)
        .ok()?
        .get("source")?;
    let ok = !tag.is_empty()
        && tag.len() <= yasno_survey_core::MAX_TAG_LEN
        && tag
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    ok.then_some(tag)
}

/// Finds the survey, reads what the visitor already chose in the plain form, and puts an empty
/// mount point where the form was. `None` leaves the page untouched.
pub fn take_over(found: &Found) -> Option<Mounted> {
    let mut data = read_page_data(&found.value)?;
    if let Some(tag) = source_from_url() {
        data.source = tag;
    }
    let doc = &found.doc;
    let form = found.section.query_selector("form.survey").ok()??;

    let mut initial = Fields::default();
    for q in &data.survey.questions {
        // The selectors name elements of one kind, so the unchecked casts hold.
        let value = match q.kind {
            QuestionKind::Text => form
                .query_selector(&concat(&["textarea[name=\"", &q.id, "\"]"]))
                .ok()
                .flatten()
                .map(|e| e.unchecked_into::<HtmlTextAreaElement>().value()),
            _ => form
                .query_selector(&concat(&["input[name=\"", &q.id, "\"]:checked"]))
                .ok()
                .flatten()
                .and_then(|e| e.get_attribute("value")),
        };
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            initial.set(q.id.clone(), v);
        }
    }

    // Keep the keyboard user's place: focus moves to the same control in the widget (the send
    // button has no name; without this, focus fell to the page and Enter did nothing).
    let focus = doc
        .active_element()
        .filter(|e| form.contains(Some(e)))
        .and_then(|e| {
            if e.get_attribute("type").as_deref() == Some("submit") {
                return Some(SUBMIT_ID.to_owned());
            }
            let name = e.get_attribute("name")?;
            Some(match e.get_attribute("value") {
                Some(value) if e.get_attribute("type").as_deref() == Some("radio") => {
                    option_id(&name, &value)
                }
                _ => question_id(&name),
            })
        });

    let root = doc.create_element("div").ok()?;
    root.set_class_name("survey-widget");
    form.parent_node()?.insert_before(&root, Some(&form)).ok()?;
    form.remove();
    Some(Mounted {
        root,
        props: Props {
            data,
            initial,
            focus,
        },
    })
}
