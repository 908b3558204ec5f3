//! The widget's interface strings. None is compiled in: the page's survey data carries them
//! (`"text"`), taken from the page language's table (`themes/<theme>/i18n/<lang>.toml`, keys
//! `survey_*`), so one bundle serves every language. Survey texts come from the definition.

/// The widget's interface strings in the page's language.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Text {
    /// Submit button.
    pub submit: String,
    /// Privacy note above the submit button.
    pub note: String,
    /// Marker after the label of a required question.
    pub required: String,
    /// Error next to a required question left unanswered.
    pub missing: String,
    /// Error next to an answer the survey's rules refuse.
    pub invalid: String,
    /// Status when the form has errors.
    pub check: String,
    /// Status while sending.
    pub sending: String,
    /// Status while waiting to retry after a network failure.
    pub retrying: String,
    /// Shown when the answer could not be sent and is kept on the device.
    pub stored: String,
    /// Status when the collector refused the answer.
    pub rejected: String,
    /// Word between the count and the limit of a text field ("12 из 500").
    pub of: String,
    /// Unit after the limit of a text field.
    pub chars: String,
}

/// The keys of `"text"` in the page data, in the order of [`Text`]'s fields.
pub const KEYS: [&str; 12] = [
    "submit", "note", "required", "missing", "invalid", "check", "sending", "retrying", "stored",
    "rejected", "of", "chars",
];
