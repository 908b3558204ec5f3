//! The survey form component: accessible markup, validation next to each question, sending
//! with retries and a thank-you state.
//!
//! Accessibility invariants: each question is a `fieldset` with a `legend` (or a `label` for a
//! text field); nothing is pre-selected; an error sits next to its question and is linked with
//! `aria-describedby`; status messages go to one `aria-live` region that exists from the first
//! render; after a submit, focus moves to the first error or to the thank-you message.

use std::collections::BTreeMap;

use wasm_bindgen::JsCast;
use web_sys::HtmlElement;
use yasno_survey_core::{Answer, AnswerValue, Question, QuestionKind};
use yew::prelude::*;

use crate::outbox::{self, Outcome};
use crate::page::PageData;
use crate::text::{self, Text};

/// How many times an answer is sent before it is left in the queue for the next visit.
const ATTEMPTS: u32 = 4;
/// Id of the thank-you message, which takes focus at the end.
const THANKS_ID: &str = "sw-thanks";

/// A few (question id, text) pairs: the visitor's values or the errors shown. A list rather
/// than a `BTreeMap`: surveys have a handful of questions, and another map instantiation costs
/// kilobytes of wasm.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fields(Vec<(String, String)>);

impl Fields {
    /// The text for a question id.
    pub fn get(&self, id: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == id)
            .map(|(_, v)| v.as_str())
    }

    /// Sets the text for a question id.
    pub fn set(&mut self, id: String, text: String) {
        self.remove(&id);
        self.0.push((id, text));
    }

    fn remove(&mut self, id: &str) {
        self.0.retain(|(k, _)| k != id);
    }
}

/// Properties of [`SurveyForm`].
#[derive(Debug, Clone, PartialEq, Properties)]
pub struct Props {
    /// The page's survey data.
    pub data: PageData,
    /// Values the visitor already chose in the plain form, by question id.
    pub initial: Fields,
    /// Element id to focus after the first render.
    pub focus: Option<String>,
}

/// Element id of a question's control (its text field, or its first option).
pub fn question_id(question: &str) -> String {
    format!("sw-{question}")
}

/// Element id of one option of a rating or choice question.
pub fn option_id(question: &str, value: &str) -> String {
    format!("sw-{question}-{value}")
}

fn error_id(question: &str) -> String {
    format!("sw-{question}-error")
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
    answer: Option<Answer>,
    focus: Option<String>,
}

impl SurveyForm {
    fn text(ctx: &Context<Self>) -> &'static Text {
        text::for_lang(&ctx.props().data.lang)
    }

    fn answers(&self, ctx: &Context<Self>) -> BTreeMap<String, AnswerValue> {
        let mut out = BTreeMap::new();
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
            out.insert(q.id.clone(), value);
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
        for e in data.survey.answer_errors(&answers) {
            let id = e
                .field
                .strip_prefix("answers.")
                .unwrap_or(&e.field)
                .to_owned();
            let message = if answers.contains_key(&id) {
                t.pick(&e.message).to_owned()
            } else {
                t.missing.to_owned()
            };
            self.errors.set(id, message);
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
        let answer = Answer {
            client_id: outbox::client_id(),
            service: data.service.clone(),
            survey: data.survey.id.clone(),
            version: data.survey.version,
            source: data.source.clone(),
            lang: data.lang.clone(),
            answers,
        };
        if let Err(e) = data.survey.validate(&answer) {
            // The page's own data is wrong (e.g. a bad source tag): say so instead of sending
            // something the collector will refuse.
            self.errors
                .set(String::new(), t.pick(&e.message).to_owned());
            self.stage = Stage::Rejected;
            return true;
        }
        outbox::keep(&answer);
        self.answer = Some(answer);
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
            html! { <p class="error-message" id={err_id.clone()}>{ message.to_owned() }</p> }
        });
        let current = self.values.get(&q.id).unwrap_or("");
        let required = q.required.then(|| {
            html! { <>{ " " }<span class="req">{ "(" }{ t.required }{ ")" }</span></> }
        });

        if q.kind == QuestionKind::Text {
            let id = question_id(&q.id);
            let hint_id = format!("{id}-hint");
            let count_id = format!("{id}-count");
            let limit = q.text_limit();
            let count = current.chars().count();
            let mut describedby = format!("{hint_id} {count_id}");
            if let Some(e) = &described {
                describedby.push(' ');
                describedby.push_str(e);
            }
            let qid = q.id.clone();
            let oninput = ctx.link().callback(move |e: InputEvent| {
                let value = e
                    .target_dyn_into::<web_sys::HtmlTextAreaElement>()
                    .map(|t| t.value())
                    .unwrap_or_default();
                Msg::Set(qid.clone(), value)
            });
            return html! {
                <div class={classes!("question", "text", error.map(|_| "invalid"))}>
                    <label for={id.clone()}>{ q.label.clone() }{ required }</label>
                    <p class="hint" id={hint_id}>{ q.hint.clone().unwrap_or_default() }</p>
                    <textarea id={id} name={q.id.clone()} rows="4"
                        maxlength={limit.to_string()} required={q.required}
                        aria-describedby={describedby}
                        aria-invalid={error.map(|_| "true")}
                        value={current.to_owned()} {oninput} />
                    <p class="hint survey-count" id={count_id}>
                        { format!("{count} {} {limit} {}", t.of, t.chars) }
                    </p>
                    { error_html }
                </div>
            };
        }

        let options: Vec<(String, String, Option<String>)> = match q.kind {
            QuestionKind::Rating => q
                .labels
                .iter()
                .enumerate()
                .map(|(i, word)| {
                    let n = (i + 1).to_string();
                    (n.clone(), word.clone(), Some(n))
                })
                .collect(),
            _ => q
                .options
                .iter()
                .map(|o| (o.value.clone(), o.label.clone(), None))
                .collect(),
        };
        let radios = options.into_iter().map(|(value, label, point)| {
            let id = option_id(&q.id, &value);
            let checked = current == value;
            let onchange = {
                let (qid, value) = (q.id.clone(), value.clone());
                ctx.link()
                    .callback(move |_: Event| Msg::Set(qid.clone(), value.clone()))
            };
            html! {
                <div class="option">
                    <input type="radio" id={id.clone()} name={q.id.clone()} value={value}
                        {checked} required={q.required}
                        aria-describedby={described.clone()}
                        aria-invalid={error.map(|_| "true")}
                        {onchange} />
                    <label for={id}>
                        if let Some(point) = point {
                            <span class="rating-num">{ point }</span>{ " " }
                        }
                        { label }
                    </label>
                </div>
            }
        });
        let kind = if q.kind == QuestionKind::Rating {
            "rating"
        } else {
            "choice"
        };
        html! {
            <fieldset class={classes!("question", kind, error.map(|_| "invalid"))}
                id={question_id(&q.id)} aria-describedby={described.clone()}>
                <legend>{ q.label.clone() }{ required }</legend>
                <div class="options">{ for radios }</div>
                { error_html }
            </fieldset>
        }
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
                let Some(answer) = self.answer.clone() else {
                    return false;
                };
                let endpoint = ctx.props().data.endpoint.clone();
                ctx.link().send_future(async move {
                    Msg::Done(n, outbox::send(&endpoint, &answer).await)
                });
                false
            }
            Msg::Done(n, outcome) => {
                let client_id = self
                    .answer
                    .as_ref()
                    .map(|a| a.client_id.clone())
                    .unwrap_or_default();
                match outcome {
                    Outcome::Acked => {
                        outbox::forget(&client_id);
                        self.stage = Stage::Thanks;
                        self.focus = Some(THANKS_ID.to_owned());
                    }
                    Outcome::Rejected(_) => {
                        outbox::forget(&client_id);
                        self.stage = Stage::Rejected;
                    }
                    Outcome::Failed if n + 1 < ATTEMPTS => {
                        self.stage = Stage::Retrying;
                        let delay = outbox::backoff_ms(n);
                        ctx.link().send_future(async move {
                            gloo_timers::future::TimeoutFuture::new(delay).await;
                            Msg::Attempt(n + 1)
                        });
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
            Stage::Editing if !self.errors.0.is_empty() => t.check,
            Stage::Sending => t.sending,
            Stage::Retrying => t.retrying,
            Stage::Rejected => self.errors.get("").unwrap_or(t.rejected),
            _ => "",
        };
        let body = if matches!(self.stage, Stage::Thanks | Stage::Stored) {
            html! {
                <div class="survey-done">
                    <p class="survey-thanks-message" id={THANKS_ID} tabindex="-1">{ survey.thanks.clone() }</p>
                    if self.stage == Stage::Stored {
                        <p class="survey-stored">{ t.stored }</p>
                    }
                </div>
            }
        } else {
            let onsubmit = ctx.link().callback(|e: SubmitEvent| {
                e.prevent_default();
                Msg::Submit
            });
            let busy = matches!(self.stage, Stage::Sending | Stage::Retrying);
            html! {
                <form class="survey" novalidate=true {onsubmit} aria-busy={busy.then_some("true")}>
                    { for survey.questions.iter().map(|q| self.view_question(ctx, q)) }
                    <p class="hint">{ t.note }</p>
                    <button type="submit" class="button">{ t.submit }</button>
                </form>
            }
        };
        html! {
            <>
                { body }
                <p class="survey-status" role="status" aria-live="polite">{ status }</p>
            </>
        }
    }

    fn rendered(&mut self, _ctx: &Context<Self>, _first_render: bool) {
        if let Some(id) = self.focus.take() {
            let element = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.get_element_by_id(&id))
                .and_then(|e| e.dyn_into::<HtmlElement>().ok());
            if let Some(element) = element {
                let _ = element.focus();
            }
        }
    }
}
