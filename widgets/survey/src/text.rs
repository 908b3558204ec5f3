//! Every string the widget shows, by page language. Russian is the default; a language without
//! a table falls back to it. Survey texts themselves come from the definition.

/// The widget's interface strings in one language.
#[derive(Debug)]
pub struct Text {
    /// Submit button.
    pub submit: &'static str,
    /// Privacy note above the submit button.
    pub note: &'static str,
    /// Marker after the label of a required question.
    pub required: &'static str,
    /// Error next to a required question left unanswered.
    pub missing: &'static str,
    /// Status when the form has errors.
    pub check: &'static str,
    /// Status while sending.
    pub sending: &'static str,
    /// Status while waiting to retry after a network failure.
    pub retrying: &'static str,
    /// Shown when the answer could not be sent and is kept on the device.
    pub stored: &'static str,
    /// Status when the collector refused the answer.
    pub rejected: &'static str,
    /// Word between the count and the limit of a text field ("12 из 500").
    pub of: &'static str,
    /// Unit after the limit of a text field.
    pub chars: &'static str,
    /// Which half of a bilingual "ru / en" message from survey-core to show.
    pub half: usize,
}

const RU: Text = Text {
    submit: "Отправить ответ",
    note: "Ответ анонимный. Мы не сохраняем ваш адрес в интернете.",
    required: "обязательный вопрос",
    missing: "Ответьте на этот вопрос.",
    check: "Ответ не отправлен: ответьте на отмеченные вопросы.",
    sending: "Отправляем ответ…",
    retrying: "Нет связи с сервером. Пробуем ещё раз…",
    stored: "Сейчас нет связи. Ответ сохранён на этом устройстве и будет отправлен, когда вы снова откроете сайт.",
    rejected: "Ответ не принят. Обновите страницу и попробуйте ещё раз.",
    of: "из",
    chars: "символов",
    half: 0,
};

const EN: Text = Text {
    submit: "Send answer",
    note: "Your answer is anonymous. We do not store your internet address.",
    required: "required",
    missing: "Please answer this question.",
    check: "Not sent: please answer the marked questions.",
    sending: "Sending your answer…",
    retrying: "No connection to the server. Trying again…",
    stored: "No connection right now. Your answer is saved on this device and will be sent when you open the site again.",
    rejected: "The answer was not accepted. Please reload the page and try again.",
    of: "of",
    chars: "characters",
    half: 1,
};

/// The strings for a page language (`ru`, `en`, …).
pub fn for_lang(lang: &str) -> &'static Text {
    match lang {
        "en" => &EN,
        _ => &RU,
    }
}

impl Text {
    /// Picks this language's half of a survey-core message written as "по-русски / in English".
    pub fn pick<'a>(&self, message: &'a str) -> &'a str {
        // A byte search rather than `split`: no pattern searcher in the bundle. The messages
        // are spaced with ASCII spaces, so `trim_ascii` is enough.
        let half = match message.bytes().position(|b| b == b'/') {
            Some(i) if self.half == 0 => message.get(..i),
            Some(i) => message.get(i + 1..),
            None => None,
        };
        half.unwrap_or(message).trim_ascii()
    }
}
