//! The survey form component: accessible markup, validation next to each question, sending
//! with retries and a thank-you state.
//!
//! Accessibility invariants: each question is a `fieldset` with a `legend` (or a `label` for a
//! text field); nothing is pre-selected; an error sits next to its question and is linked with
//! `aria-describedby`; status messages go to one `aria-live` region that exists from the first
//! render; after a submit, focus moves to the first error or to the thank-you message.
//!
//! Size notes (the bundle has a budget): strings are joined with survey-core's `concat` and
//! `number` rather than `format!`; answers are a short list rather than a map; most elements
//! are built by [`el`] rather than `html!`.

use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Element, HtmlElement};
use yasno_survey_core::{
    AnswerValue, Envelope, Question, QuestionKind, char_count, concat, number,
};
use yew::prelude::*;
use yew::virtual_dom::{AttributeOrProperty, Attributes, VList, VTag, VText};

use crate::outbox::{self, Outcome};
use crate::props::{Fields, Props, SUBMIT_ID, error_id, option_id, question_id};
use crate::text::Text;

/// How many times an answer is sent before it is left in the queue for the next visit.
const ATTEMPTS: u32 = 4;
/// Id of the thank-you message, which takes focus at the end.
const THANKS_ID: &str = "sw-thanks";
/// What every kind of question shows: its words (with "(required)"), its error, the id
/// its control points to for that error, and its container's class.
struct QuestionParts {
    label: Vec<Html>,
    error_html: Option<Html>,
    described: Option<String>,
    class: &'static str,
}

/// The `class` of a question's container: whole strings, no `classes!`.
fn question_class(kind: QuestionKind, invalid: bool) -> &'static str {
    match (kind, invalid) {
        (QuestionKind::Rating, false) => "question rating",
        (QuestionKind::Rating, true) => "question rating invalid",
        (QuestionKind::Choice, false) => "question choice",
        (QuestionKind::Choice, true) => "question choice invalid",
        (QuestionKind::Text, false) => "question text",
        (QuestionKind::Text, true) => "question text invalid",
    }
}

/// `<name …>children</name>`: an element with attributes (`keys` and `values` in the same
/// order; `None` leaves one out) and children. `html!` inlines the construction of every
/// element it writes, so the form is built through this one function instead (size budget).
/// It also keeps a changing `class` a plain string: `html!` turns any non-literal `class` into
/// yew's `Classes`, which brings an index set and its hashing into the bundle.
fn tag(
    name: &'static str,
    keys: &'static [&'static str],
    values: Box<[Option<AttributeOrProperty>]>,
    children: Vec<Html>,
) -> VTag {
    let mut tag = VTag::new(name);
    tag.set_attributes(Attributes::Dynamic { keys, values });
    tag.add_children(children);
    tag
}

/// [`tag`] as a node.
fn el(
    name: &'static str,
    keys: &'static [&'static str],
    values: Box<[Option<AttributeOrProperty>]>,
    children: Vec<Html>,
) -> Html {
    tag(name, keys, values, children).into()
}

/// An attribute value for [`el`] known when compiling.
fn fixed(value: &'static str) -> Option<AttributeOrProperty> {
    Some(AttributeOrProperty::Static(value))
}

/// A boolean attribute for [`el`]: present when `on`.
fn flag(on: bool, name: &'static str) -> Option<AttributeOrProperty> {
    on.then_some(AttributeOrProperty::Static(name))
}

/// An attribute value for [`el`] made at run time.
fn owned(value: String) -> Option<AttributeOrProperty> {
    Some(AttributeOrProperty::Attribute(value.into()))
}

/// A text node.
fn text(value: impl Into<AttrValue>) -> Html {
    VText::new(value).into()
}

/// The value given for a question id in a list of answers.
fn lookup<'a>(answers: &'a [(&str, AnswerValue)], id: &str) -> Option<&'a AnswerValue> {
    answers.iter().find(|(k, _)| *k == id).map(|(_, v)| v)
}

/// Where the form is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Editing,
    Sending,
    Retrying,
    Thanks,
    Stored,
    Rejected,
}

/// Messages of [`SurveyForm`].
#[derive(Debug)]
pub enum Msg {
    /// The visitor chose or typed a value for a question.
    Set(String, String),
    /// The visitor submitted the form.
    Submit,
    /// Send the answer (attempt number, from 0).
    Attempt(u32),
    /// The attempt ended.
    Done(u32, Outcome),
}

/// The survey form that replaces the page's plain form.
#[derive(Debug)]
pub struct SurveyForm {
    values: Fields,
    errors: Fields,
    stage: Stage,
    /// The answer being sent: its client id and the JS object that goes out (and is stored).
    answer: Option<(String, JsValue)>,
    focus: Option<String>,
}

impl SurveyForm {
    fn text(ctx: &Context<Self>) -> &Text {
        &ctx.props().data.text
    }

    /// The visitor's answers, in question order; empty fields are left out.
    fn answers<'a>(&self, ctx: &'a Context<Self>) -> Vec<(&'a str, AnswerValue)> {
        let mut out = Vec::new();
        for q in &ctx.props().data.survey.questions {
            let Some(v) = self.values.get(&q.id).map(str::trim) else {
                continue;
            };
            if v.is_empty() {
                continue;
            }
            let value = match q.kind {
                // A rating that is not a number is sent as text and refused by validation.
                QuestionKind::Rating => v
                    .parse()
                    .map_or_else(|_| AnswerValue::Text(v.to_owned()), AnswerValue::Rating),
                _ => AnswerValue::Text(v.to_owned()),
            };
            out.push((q.id.as_str(), value));
        }
        out
    }

    fn submit(&mut self, ctx: &Context<Self>) -> bool {
        if self.stage != Stage::Editing && self.stage != Stage::Rejected {
            return false;
        }
        let data = &ctx.props().data;
        let t = Self::text(ctx);
        let answers = self.answers(ctx);
        self.errors = Fields::default();
        // survey-core's rules, the same the collector applies.
        for e in data.survey.answer_errors_by(|id| lookup(&answers, id)) {
            let id = e.field.strip_prefix("answers.").unwrap_or(&e.field);
            // survey-core's messages are not compiled in: the page's strings name the fault.
            let message = if lookup(&answers, id).is_some() {
                &t.invalid
            } else {
                &t.missing
            };
            self.errors.set(id.to_owned(), message.to_owned());
        }
        if let Some(first) = data
            .survey
            .questions
            .iter()
            .find(|q| self.errors.get(&q.id).is_some())
        {
            self.focus = Some(first_control(first));
            self.stage = Stage::Editing;
            return true;
        }
        let client_id = outbox::client_id();
        let envelope = Envelope {
            client_id: &client_id,
            survey: &data.survey.id,
            version: data.survey.version,
            source: &data.source,
            lang: &data.lang,
        };
        if data.survey.validate_envelope(&envelope).is_err() {
            // The page's own data is wrong (e.g. a bad source tag): say so instead of sending
            // something the collector will refuse.
            self.stage = Stage::Rejected;
            return true;
        }
        let entry = outbox::to_js(&data.service, &envelope, &answers);
        outbox::keep(&client_id, &entry);
        self.answer = Some((client_id, entry));
        self.stage = Stage::Sending;
        ctx.link().send_message(Msg::Attempt(0));
        true
    }

    fn view_question(&self, ctx: &Context<Self>, q: &Question) -> Html {
        let t = Self::text(ctx);
        let error = self.errors.get(&q.id);
        let err_id = error_id(&q.id);
        let described = error.map(|_| err_id.clone());
        let error_html = error.map(|message| {
            el(
                "p",
                &["class", "id"],
                Box::new([fixed("error-message"), owned(err_id)]),
                vec![text(message.to_owned())],
            )
        });
        // The question, then " (required)" for a required one.
        let mut label = vec![text(q.label.clone())];
        if q.required {
            label.push(text(" "));
            label.push(el(
                "span",
                &["class"],
                Box::new([fixed("req")]),
                vec![text(concat(&["(", &t.required, ")"]))],
            ));
        }
        let parts = QuestionParts {
            label,
            error_html,
            described,
            class: question_class(q.kind, error.is_some()),
        };
        if q.kind == QuestionKind::Text {
            self.view_text_question(t, q, parts)
        } else {
            self.view_radio_question(q, parts)
        }
    }

    /// A text question: label, hint, the field and its character counter.
    fn view_text_question(&self, t: &Text, q: &Question, parts: QuestionParts) -> Html {
        let current = self.values.get(&q.id).unwrap_or("");
        let id = question_id(&q.id);
        let hint_id = concat(&[&id, "-hint"]);
        let count_id = concat(&[&id, "-count"]);
        let limit = number(q.text_limit());
        let count = number(char_count(current));
        let describedby = match &parts.described {
            Some(e) => concat(&[&hint_id, " ", &count_id, " ", e]),
            None => concat(&[&hint_id, " ", &count_id]),
        };
        let invalid: Option<&'static str> = parts.described.as_ref().map(|_| "true");
        // What the visitor types reaches `update` through the form's `oninput`.
        let mut field = tag(
            "textarea",
            &[
                "id",
                "name",
                "rows",
                "maxlength",
                "required",
                "aria-describedby",
                "aria-invalid",
            ],
            Box::new([
                owned(id.clone()),
                owned(q.id.clone()),
                fixed("4"),
                owned(limit.clone()),
                flag(q.required, "required"),
                owned(describedby),
                invalid.and_then(fixed),
            ]),
            Vec::new(),
        );
        field.set_value(current.to_owned());
        let mut children = vec![
            el("label", &["for"], Box::new([owned(id)]), parts.label),
            el(
                "p",
                &["class", "id"],
                Box::new([fixed("hint"), owned(hint_id)]),
                vec![text(q.hint.clone().unwrap_or_default())],
            ),
            field.into(),
            el(
                "p",
                &["class", "id"],
                Box::new([fixed("hint survey-count"), owned(count_id)]),
                vec![text(concat(&[
                    &count, " ", &t.of, " ", &limit, " ", &t.chars,
                ]))],
            ),
        ];
        // Always a last child, empty when there is no error: yew matches unkeyed children from
        // the end, so a child that comes and goes at the end made it rebuild the field (and
        // the visitor lost focus when the error went away).
        children.push(parts.error_html.unwrap_or_default());
        el("div", &["class"], Box::new([fixed(parts.class)]), children)
    }

    /// A rating or choice question: a fieldset of radios.
    fn view_radio_question(&self, q: &Question, parts: QuestionParts) -> Html {
        let described = &parts.described;
        let mut radios = Vec::new();
        if q.kind == QuestionKind::Rating {
            for (i, word) in q.labels.iter().enumerate() {
                let n = number(i + 1);
                radios.push(self.view_radio(q, &n, word, true, described));
            }
        } else {
            for o in &q.options {
                radios.push(self.view_radio(q, &o.value, &o.label, false, described));
            }
        }
        let mut children = vec![
            el("legend", &[], Box::new([]), parts.label),
            el("div", &["class"], Box::new([fixed("options")]), radios),
        ];
        // Always a last child: see `view_text_question`.
        children.push(parts.error_html.unwrap_or_default());
        el(
            "fieldset",
            &["class", "id", "aria-describedby"],
            Box::new([
                fixed(parts.class),
                owned(question_id(&q.id)),
                parts.described.and_then(owned),
            ]),
            children,
        )
    }

    /// One option of a rating (`point`: its number is shown before the word) or a choice.
    fn view_radio(
        &self,
        q: &Question,
        value: &str,
        label: &str,
        point: bool,
        described: &Option<String>,
    ) -> Html {
        let id = option_id(&q.id, value);
        // A choice reaches `update` through the form's `oninput`.
        let mut input = tag(
            "input",
            &[
                "type",
                "id",
                "name",
                "value",
                "required",
                "aria-describedby",
                "aria-invalid",
            ],
            Box::new([
                fixed("radio"),
                owned(id.clone()),
                owned(q.id.clone()),
                owned(value.to_owned()),
                flag(q.required, "required"),
                described.clone().and_then(owned),
                flag(described.is_some(), "true"),
            ]),
            Vec::new(),
        );
        input.set_checked(self.values.get(&q.id) == Some(value));
        let mut words = Vec::new();
        if point {
            words.push(el(
                "span",
                &["class"],
                Box::new([fixed("rating-num")]),
                vec![text(value.to_owned())],
            ));
            words.push(text(" "));
        }
        words.push(text(label.to_owned()));
        el(
            "div",
            &["class"],
            Box::new([fixed("option")]),
            vec![
                input.into(),
                el("label", &["for"], Box::new([owned(id)]), words),
            ],
        )
    }
}

/// The control that takes focus when a question has an error.
fn first_control(q: &Question) -> String {
    match q.kind {
        QuestionKind::Text => question_id(&q.id),
        QuestionKind::Rating => option_id(&q.id, "1"),
        QuestionKind::Choice => q
            .options
            .first()
            .map_or_else(|| question_id(&q.id), |o| option_id(&q.id, &o.value)),
    }
}

impl Component for SurveyForm {
    type Message = Msg;
    type Properties = Props;

    fn create(ctx: &Context<Self>) -> Self {
        Self {
            values: ctx.props().initial.clone(),
            errors: Fields::default(),
            stage: Stage::Editing,
            answer: None,
            focus: ctx.props().focus.clone(),
        }
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Self::Message) -> bool {
        match msg {
            Msg::Set(id, value) => {
                // An answered question loses its error at once; others keep theirs.
                self.errors.remove(&id);
                self.values.set(id, value);
                true
            }
            Msg::Submit => self.submit(ctx),
            Msg::Attempt(n) => {
                let Some((_, entry)) = &self.answer else {
                    return false;
                };
                let (endpoint, entry) = (ctx.props().data.endpoint.clone(), entry.clone());
                // One future for the wait and the request: each `send_future` is its own
                // state machine in the bundle.
                ctx.link().send_future(async move {
                    if n > 0 {
                        outbox::sleep(outbox::backoff_ms(n - 1)).await;
                    }
                    Msg::Done(n, outbox::send(&endpoint, &entry).await)
                });
                false
            }
            Msg::Done(n, outcome) => {
                let client_id = self.answer.as_ref().map_or("", |(id, _)| id.as_str());
                match outcome {
                    Outcome::Acked => {
                        outbox::forget(client_id);
                        self.stage = Stage::Thanks;
                        self.focus = Some(THANKS_ID.to_owned());
                    }
                    Outcome::Rejected => {
                        outbox::forget(client_id);
                        self.stage = Stage::Rejected;
                    }
                    Outcome::Failed if n + 1 < ATTEMPTS => {
                        // Attempt `n + 1` waits `backoff_ms(n)` first: 1 s, 2 s, 4 s.
                        self.stage = Stage::Retrying;
                        ctx.link().send_message(Msg::Attempt(n + 1));
                    }
                    Outcome::Failed => {
                        // The answer stays in the queue and goes out on the next visit.
                        self.stage = Stage::Stored;
                        self.focus = Some(THANKS_ID.to_owned());
                    }
                }
                true
            }
        }
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let t = Self::text(ctx);
        let survey = &ctx.props().data.survey;
        let status = match self.stage {
            Stage::Editing if !self.errors.is_empty() => t.check.as_str(),
            Stage::Sending => &t.sending,
            Stage::Retrying => &t.retrying,
            Stage::Rejected => &t.rejected,
            _ => "",
        };
        let body = if matches!(self.stage, Stage::Thanks | Stage::Stored) {
            let mut done = vec![el(
                "p",
                &["class", "id", "tabindex"],
                Box::new([
                    fixed("survey-thanks-message"),
                    fixed(THANKS_ID),
                    fixed("-1"),
                ]),
                vec![text(survey.thanks.clone())],
            )];
            if self.stage == Stage::Stored {
                done.push(el(
                    "p",
                    &["class"],
                    Box::new([fixed("survey-stored")]),
                    vec![text(t.stored.clone())],
                ));
            }
            el("div", &["class"], Box::new([fixed("survey-done")]), done)
        } else {
            let onsubmit = ctx.link().callback(|e: SubmitEvent| {
                e.prevent_default();
                Msg::Submit
            });
            // One listener for every field: the `input` event of a text field or a radio
            // bubbles here with the field's name and value.
            let oninput = ctx.link().batch_callback(|e: InputEvent| {
                let field = e.target()?;
                let name = field.unchecked_ref::<Element>().get_attribute("name")?;
                let value = js_sys::Reflect::get(&field, &JsValue::from_str("value")).ok()?;
                Some(Msg::Set(name, value.as_string()?))
            });
            let busy = matches!(self.stage, Stage::Sending | Stage::Retrying);
            let mut children = Vec::new();
            for q in &survey.questions {
                children.push(self.view_question(ctx, q));
            }
            children.push(el(
                "p",
                &["class"],
                Box::new([fixed("hint")]),
                vec![text(t.note.clone())],
            ));
            children.push(el(
                "button",
                &["type", "class", "id"],
                Box::new([fixed("submit"), fixed("button"), fixed(SUBMIT_ID)]),
                vec![text(t.submit.clone())],
            ));
            html! {
                <form class="survey" novalidate=true {onsubmit} {oninput}
                    aria-busy={busy.then_some("true")}>
                    { children }
                </form>
            }
        };
        let status = el(
            "p",
            &["class", "role", "aria-live"],
            Box::new([fixed("survey-status"), fixed("status"), fixed("polite")]),
            vec![text(status.to_owned())],
        );
        VList::with_children(vec![body, status], None).into()
    }

    fn rendered(&mut self, _ctx: &Context<Self>, _first_render: bool) {
        if let Some(id) = self.focus.take() {
            // Every id the form focuses is on an HTML element it rendered.
            let element = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.get_element_by_id(&id));
            if let Some(element) = element {
                let _ = element.unchecked_into::<HtmlElement>().focus();
            }
        }
    }
}
