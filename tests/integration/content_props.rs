//! Property tests over what an editor can write: front matter and Markdown bodies made of
//! the characters that matter to the parsers. However the text is mangled, loading gives
//! a bounded list of bounded messages or a value, rendering gives bounded HTML whose links
//! are all safe, and nothing panics or hangs (cases and sizes are bounded).

use std::path::Path;
use std::sync::Arc;

use proptest::prelude::*;
use yasno::markdown::{MarkdownOptions, render};
use yasno::site::frontmatter::{self, Keys};
use yasno::site::{FRONT_MATTER_KEYS, FrontMatter, REQUIRED_KEYS};

/// Pieces of TOML, YAML and Markdown syntax, values that must be quoted, links with every
/// scheme, and characters that need escaping; joined in any order.
fn pieces() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("+++\n".to_owned()),
        Just("---\n".to_owned()),
        Just("title = \"Справка\"\n".to_owned()),
        Just("summary: Справка.\n".to_owned()),
        Just("fee = { free = true }\n".to_owned()),
        Just("fee = { amount = 350, for = \"пошлина\" }\n".to_owned()),
        Just("[[faq]]\nq = \"?\"\na = \"[x](javascript:1)\"\n".to_owned()),
        Just("faq:\n  - q: ?\n    a: |\n      текст\n".to_owned()),
        Just("[".to_owned()),
        Just("{".to_owned()),
        Just("]".to_owned()),
        Just("\"".to_owned()),
        Just("'".to_owned()),
        Just(": ".to_owned()),
        Just("\n".to_owned()),
        Just("\t".to_owned()),
        Just("# Заголовок\n".to_owned()),
        Just("| a | b |\n|---|---|\n".to_owned()),
        Just("[ссылка](JaVaScRiPt:alert(1))".to_owned()),
        Just("![картинка](data:text/html,x)".to_owned()),
        Just("<vbscript:x>".to_owned()),
        Just("[r]: &#106;avascript:x\n".to_owned()),
        Just("[r]".to_owned()),
        Just("<script>alert(1)</script>".to_owned()),
        Just("&amp; &#0; \u{0}\u{feff}\u{202e}".to_owned()),
        "[а-яa-z0-9 *_`~!#=<>()-]{0,12}",
    ];
    prop::collection::vec(piece, 0..60).prop_map(|v| v.concat())
}

/// A well-formed service front matter with up to 40 keys the model does not know (typos,
/// pasted tables), then any of [`pieces`]: the loader must get through the fields to the
/// key check.
fn service_file() -> impl Strategy<Value = String> {
    (prop::collection::vec("[a-z]{1,8}", 0..40), pieces()).prop_map(|(keys, rest)| {
        let extra: String = keys
            .iter()
            .enumerate()
            .map(|(i, k)| format!("{k}{i} = 1\n"))
            .collect();
        format!(
            "+++\ntitle = \"Справка\"\nsummary = \"Справка.\"\ncategory = \"opeka\"\n\
             updated = 2026-05-14\n{extra}+++\n{rest}"
        )
    })
}

fn opts() -> MarkdownOptions {
    MarkdownOptions {
        allow_html: false,
        base_url: "https://example.org".into(),
        external_link_note: "(откроется на другом сайте)".into(),
        table_label: "Таблица".into(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 300,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn loading_front_matter_never_panics_and_its_messages_are_bounded(
        text in prop_oneof![pieces(), service_file()]
    ) {
        let path = Path::new("service.md");
        let source: Arc<str> = Arc::from(text.as_str());
        let Ok(split) = frontmatter::split(path, &source) else { return Ok(()) };
        let keys = Keys { known: FRONT_MATTER_KEYS, required: REQUIRED_KEYS };
        if let Err(d) = frontmatter::parse_checked::<FrontMatter>(
            path, &source, split.format, split.front.clone(), Some(keys),
        ) {
            prop_assert!(!d.0.is_empty());
            // Ten unknown keys, one count of the rest, one list of the missing ones.
            prop_assert!(d.0.len() <= 12, "{} messages", d.0.len());
            for m in &d.0 {
                prop_assert!(m.message.len() < 2_000, "{}", m.message);
                prop_assert!(m.range.end <= source.len() && m.range.start <= m.range.end);
                prop_assert!(source.is_char_boundary(m.range.start));
            }
        }
    }

    #[test]
    fn rendering_markdown_never_panics_and_writes_only_safe_links(text in pieces()) {
        let html = render(&text, &opts(), &mut vec![]).html;
        prop_assert!(html.len() <= 40 * text.len() + 200, "{} bytes from {}", html.len(), text.len());
        prop_assert!(!html.contains("<script"), "{html}");
        for attr in [" href=\"", " src=\""] {
            for rest in html.split(attr).skip(1) {
                let url = rest.split('"').next().unwrap_or_default();
                // Attribute values are HTML-escaped: undo the entity a scheme could hide in.
                let url = url.replace("&amp;", "&");
                // Read as a browser does, independently of the renderer's own check.
                let seen: String = url
                    .chars()
                    .filter(|c| !c.is_whitespace() && !c.is_control())
                    .collect::<String>()
                    .to_lowercase();
                for bad in ["javascript:", "vbscript:", "data:"] {
                    prop_assert!(!seen.starts_with(bad), "{url} in {html}");
                }
            }
        }
    }
}
