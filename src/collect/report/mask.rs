//! Contact data masked out of visitors' comments before staff see them.

use std::sync::LazyLock;

use regex::{Captures, Regex};

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)[a-z0-9а-яё._%+\-]+@[a-z0-9а-яё\-]+(\.[a-z0-9а-яё\-]+)+").expect("valid regex")
});
static PHONE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\+?\d[\d\s\-().]{4,}\d").expect("valid regex"));
static DATE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\d{1,2}[./]\d{1,2}[./]\d{2,4}$").expect("valid regex"));

/// Masks what looks like an e-mail address or a phone number (7 digits or more, not a
/// date), so comments shown to staff carry no contact data.
pub fn mask_contacts(text: &str) -> String {
    let text = EMAIL.replace_all(text, "[e-mail скрыт]");
    PHONE
        .replace_all(&text, |c: &Captures<'_>| {
            let m = &c[0];
            let digits = m.chars().filter(char::is_ascii_digit).count();
            if digits >= 7 && !DATE.is_match(m.trim()) {
                "[телефон скрыт]".to_owned()
            } else {
                m.to_owned()
            }
        })
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_phones_and_emails_but_not_dates() {
        let masked = mask_contacts(
            "Звоните +7 (812) 576-12-34 или 8 921 123 45 67, пишите ivan.petrov@mail.ru; был 12.05.2026, ждал 40 минут",
        );
        assert!(
            !masked.contains("576-12-34") && !masked.contains("123 45 67"),
            "{masked}"
        );
        assert!(!masked.contains("ivan.petrov"), "{masked}");
        assert!(masked.contains("[телефон скрыт]") && masked.contains("[e-mail скрыт]"));
        assert!(
            masked.contains("12.05.2026") && masked.contains("40 минут"),
            "{masked}"
        );
    }
}
