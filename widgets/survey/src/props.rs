//! What the page reader hands the form, and the element ids both of them name: the form's
//! properties ([`Props`], with the page's [`PageData`]) and the ids of its controls. Its own
//! module, so that the page reader and the form depend on it and not on each other.

use yasno_survey_core::{Survey, concat};

use crate::text::Text;
use yew::prelude::*;

/// What the page embeds in `script.survey-data`.
#[derive(Debug, Clone, PartialEq)]
pub struct PageData {
    /// Origin and prefix of the collector; empty means the page's own origin.
    pub endpoint: String,
    /// Slug of the service the page is about.
    pub service: String,
    /// `web`, or a reception location tag.
    pub source: String,
    /// Language of the page.
    pub lang: String,
    /// The survey definition, in the page's language.
    pub survey: Survey,
    /// The widget's interface strings, in the page's language.
    pub text: Text,
}

/// Id of the send button, which takes focus when the visitor was on the plain form's.
pub const SUBMIT_ID: &str = "sw-submit";

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

    /// Removes the text for a question id.
    pub fn remove(&mut self, id: &str) {
        self.0.retain(|(k, _)| k != id);
    }

    /// True when no question has a text.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Properties of [`crate::form::SurveyForm`].
#[derive(Debug, Clone, Properties)]
pub struct Props {
    /// The page's survey data.
    pub data: PageData,
    /// Values the visitor already chose in the plain form, by question id.
    pub initial: Fields,
    /// Element id to focus after the first render.
    pub focus: Option<String>,
}

impl PartialEq for Props {
    /// The form is the root component: its properties are set once at mount and never
    /// compared by yew in practice. Comparing by address keeps a field-by-field comparison
    /// of the whole survey out of the bundle.
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

/// Element id of a question's control (its text field, or its first option).
pub fn question_id(question: &str) -> String {
    concat(&["sw-", question])
}

/// Element id of one option of a rating or choice question.
pub fn option_id(question: &str, value: &str) -> String {
    concat(&["sw-", question, "-", value])
}

/// Element id of a question's error message.
pub fn error_id(question: &str) -> String {
    concat(&["sw-", question, "-error"])
}
