//! `yasno check`: every rule fires on a text written to break it, at an exact line and
//! column, and stays quiet on its plain rewrite; stemming, the production calendar, the
//! JSON shape, the command line, the build hook, the cache and the monitoring report.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use jiff::civil::date;
use yasno::check::{
    Amendment, Calendar, CalendarExtension, CheckCache, CheckConfig, Finding, FreshnessInput,
    Level, Rules, Severity, check_freshness, check_markdown, run::load_cache, run::save_cache,
    site as cs, unknown_rules,
};

fn run(src: &str, lang: &str, cfg: &CheckConfig) -> Vec<Finding> {
    // Front matter, when present, ends with the second `+++` line.
    let body = if let Some(rest) = src.strip_prefix("+++\n") {
        4 + rest.find("+++\n").expect("closing fence") + 4
    } else {
        0
    };
    check_markdown(Path::new("page.md"), src, body, lang, cfg)
}

fn ru(src: &str) -> Vec<Finding> {
    run(src, "ru", &CheckConfig::default())
}

/// (line, column, end line, end column) of the findings of one rule.
fn at(findings: &[Finding], rule: &str) -> Vec<(usize, usize, usize, usize)> {
    findings
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| (f.line, f.column, f.end_line, f.end_column))
        .collect()
}

fn quiet(src: &str, rule: &str) {
    let f = ru(src);
    assert!(
        at(&f, rule).is_empty(),
        "{rule} should be quiet on {src:?}, got {f:#?}"
    );
}

/// Every required field of a small valid service, one per line (lines 2–11 of a file that
/// starts with `+++`), for tests that add what they test below it.
const SERVICE_FIELDS: &str = "title = \"Справка\"
summary = \"Справка о составе семьи.\"
category = \"opeka\"
updated = 2026-05-14
who = \"Жители.\"
result = \"Справка.\"
documents = [{ name = \"Паспорт\" }]
deadline = { days = 5, kind = \"working\" }
fee = { free = true }
legal_acts = [{ title = \"Закон\", date = 2020-01-01 }]
";

mod plain_language {
    use super::*;

    #[test]
    fn bureaucratese_fires_with_position_and_suggestion_after_front_matter() {
        let src = "+++\ntitle = \"x\"\n+++\nСправку выдают в целях оформления пособия.\n";
        let f = ru(src);
        assert_eq!(at(&f, "bureaucratese"), [(4, 16, 4, 23)]);
        let b = f.iter().find(|f| f.rule == "bureaucratese").unwrap();
        assert_eq!(b.severity, Severity::Error);
        assert_eq!(b.suggestion.as_deref(), Some("«в целях» → чтобы; для"));
        assert_eq!(&src[b.span.clone()], "в целях");
        quiet(
            "+++\ntitle = \"x\"\n+++\nСправку выдают, чтобы оформить пособие.\n",
            "bureaucratese",
        );
    }

    #[test]
    fn inflected_forms_are_caught_by_stemming() {
        let cases = [
            ("Оплата осуществляется наличными.", "осуществляется"),
            ("Сотрудник осуществил проверку.", "осуществил"),
            ("Этот документ являлся основанием.", "являлся"),
            ("В случаях болезни звоните.", "В случаях"),
            ("Произведите оплату в кассе.", "Произведите оплату"),
            ("Принесите данную справку.", "данную"),
            (
                "Действуем в соответствии со статьёй 5.",
                "в соответствии со",
            ),
            (
                "Мы откажем в связи с тем, что срок прошёл.",
                "в связи с тем, что",
            ),
            (
                "Справку выдают на безвозмездной основе.",
                "на безвозмездной основе",
            ),
            ("При наличии льгот скажите сотруднику.", "При наличии"),
        ];
        for (text, matched) in cases {
            let f = ru(text);
            let hit: Vec<&str> = f
                .iter()
                .filter(|f| f.rule == "bureaucratese")
                .map(|f| &text[f.span.clone()])
                .collect();
            assert_eq!(hit, [matched], "in {text:?}");
        }
        // Same stem, other word: «данные» (data) is not «данный» (this).
        quiet("Мы храним ваши персональные данные.", "bureaucratese");
        quiet("Поверните направо у входа.", "bureaucratese");
    }

    #[test]
    fn long_sentence_warns_over_15_words_and_errors_over_25() {
        let s16 = "Мы примем заявление и документы в приёмной администрации в понедельник или в четверг с утра рано.";
        let f = ru(s16);
        let end = s16.chars().count() + 1;
        assert_eq!(at(&f, "long-sentence"), [(1, 1, 1, end)]);
        assert_eq!(f[0].severity, Severity::Warning);
        let s26 = "Один два три четыре пять шесть семь восемь девять десять одиннадцать двенадцать тринадцать четырнадцать пятнадцать шестнадцать семнадцать восемнадцать девятнадцать двадцать раз два три четыре пять шесть.";
        let f = ru(&format!("Коротко.\n\n{s26}"));
        assert_eq!(
            at(&f, "long-sentence"),
            [(3, 1, 3, s26.chars().count() + 1)]
        );
        assert_eq!(f[0].severity, Severity::Error);
        quiet(
            "Мы примем заявление в приёмной. Приходите в понедельник или в четверг.",
            "long-sentence",
        );
    }

    #[test]
    fn long_paragraph_fires_on_six_sentences() {
        let p = "Возьмите паспорт. Возьмите фото. Возьмите справку. Приходите утром. Ждите очереди. Получите ответ.";
        assert_eq!(at(&ru(p), "long-paragraph"), [(1, 1, 1, p.chars().count())]);
        quiet(
            "Возьмите паспорт, фото и справку.\n\nПриходите утром. Ответ дадим сразу.",
            "long-paragraph",
        );
    }

    #[test]
    fn all_caps_fires_on_shouting_not_on_abbreviations() {
        let f = ru("Текст.\n\nВНИМАНИЕ! Возьмите паспорт в МФЦ (многофункциональный центр).");
        assert_eq!(at(&f, "all-caps"), [(3, 1, 3, 9)]);
        quiet("Важно: возьмите паспорт.", "all-caps");
        // Two capital words in a row are shouting even when short.
        assert_eq!(
            at(&ru("НЕ ОПАЗДЫВАЙТЕ на приём."), "all-caps"),
            [(1, 1, 1, 15)]
        );
    }

    #[test]
    fn emphasis_and_underline_fire_on_markup() {
        let f = ru("Возьмите *паспорт* с собой.");
        assert_eq!(at(&f, "emphasis"), [(1, 10, 1, 19)]);
        let f = ru("Возьмите <u>паспорт</u> с собой.");
        assert_eq!(at(&f, "underline"), [(1, 10, 1, 13)]);
        quiet("Возьмите **паспорт** с собой.", "emphasis");
        quiet("Возьмите **паспорт** с собой.", "underline");
    }

    #[test]
    fn special_symbols_fire_and_plain_words_do_not() {
        let f = ru("Скидка 10 % для пенсионеров & студентов.");
        assert_eq!(at(&f, "special-symbol"), [(1, 11, 1, 12), (1, 29, 1, 30)]);
        quiet(
            "Скидка 10 процентов для пенсионеров и студентов. Сайт gu.spb.ru/mfc/ работает. Звоните +7 812 702-12-02.",
            "special-symbol",
        );
    }

    #[test]
    fn the_check_reads_markdown_as_the_renderer_does() {
        // The site renders without heading attributes: `{#id}` is text readers see, so the
        // check must see its `#` too.
        let f = ru("## Порядок {#poryadok}\n\nПриходите утром.");
        assert_eq!(at(&f, "special-symbol"), [(1, 13, 1, 14)]);
        let html = yasno::markdown::render(
            "## Порядок {#poryadok}",
            &yasno::markdown::MarkdownOptions {
                allow_html: false,
                base_url: String::new(),
                external_link_note: String::new(),
                table_label: String::new(),
            },
            &mut Vec::new(),
        )
        .html;
        assert!(html.contains("{#poryadok}"), "{html}");
    }

    #[test]
    fn special_symbols_are_configurable() {
        let cfg = CheckConfig {
            special_symbols: Some(vec!["№".into()]),
            ..CheckConfig::default()
        };
        let f = run("Кабинет № 5, скидка 10 %.", "ru", &cfg);
        assert_eq!(at(&f, "special-symbol"), [(1, 9, 1, 10)]);
    }

    #[test]
    fn negative_instruction_fires_and_positive_rewrite_is_quiet() {
        let f = ru("Заявления не принимаются без паспорта.");
        assert_eq!(at(&f, "negative"), [(1, 11, 1, 25)]);
        let n = f.iter().find(|f| f.rule == "negative").unwrap();
        assert!(
            n.suggestion
                .as_deref()
                .unwrap()
                .contains("возьмите паспорт")
        );
        quiet("Возьмите паспорт.", "negative");
        // Not an instruction: a fact about a person.
        quiet("Второй родитель не общается с ребёнком.", "negative");
    }

    #[test]
    fn abbreviation_needs_explanation_at_first_use_or_the_glossary() {
        let f = ru("Подайте заявление в МФЦ. Адрес МФЦ есть на сайте.");
        assert_eq!(at(&f, "abbreviation"), [(1, 21, 1, 24)]);
        quiet(
            "Подайте заявление в многофункциональный центр (МФЦ). Адрес МФЦ есть на сайте.",
            "abbreviation",
        );
        quiet(
            "Подайте заявление в МФЦ (многофункциональный центр).",
            "abbreviation",
        );
        let mut cfg = CheckConfig::default();
        cfg.glossary
            .insert("МФЦ".into(), "многофункциональный центр".into());
        assert!(at(&run("Подайте заявление в МФЦ.", "ru", &cfg), "abbreviation").is_empty());
    }

    #[test]
    fn terminology_fires_on_two_words_for_one_thing() {
        let f = ru("Заявитель приносит паспорт.\n\nЗаявитель ждёт. Клиент получает ответ.");
        assert_eq!(at(&f, "terminology"), [(3, 17, 3, 23)]);
        quiet(
            "Заявитель приносит паспорт.\n\nЗаявитель ждёт. Заявитель получает ответ.",
            "terminology",
        );
        // Groups come from settings.
        let cfg = CheckConfig {
            terminology: Some(vec![vec!["справка".into(), "выписка".into()]]),
            ..CheckConfig::default()
        };
        let f = run("Возьмите справку. Выписку дадут в банке.", "ru", &cfg);
        assert_eq!(at(&f, "terminology"), [(1, 19, 1, 26)]);
    }

    #[test]
    fn readability_fires_on_long_words_and_long_sentences() {
        let hard = "Административная регламентированная документация предусматривает обязательное предоставление многочисленных удостоверяющих документов. ".repeat(12);
        let f = ru(&hard);
        assert_eq!(at(&f, "readability"), [(1, 1, 1, 17)]);
        assert!(
            f.iter()
                .any(|f| f.rule == "readability" && f.message.contains("ниже порога"))
        );
        let easy =
            "Мы ждём вас в среду. Возьмите паспорт и фото. Вход с улицы, есть пандус. ".repeat(6);
        quiet(&easy, "readability");
    }

    #[test]
    fn english_pages_get_the_english_rules() {
        let f = run(
            "In order to apply, read the form [here](https://x.org/f.pdf).",
            "en",
            &CheckConfig::default(),
        );
        assert_eq!(at(&f, "bureaucratese"), [(1, 1, 1, 12)]);
        assert_eq!(at(&f, "link-text"), [(1, 34, 1, 61)]);
        let f = run(
            "To apply, read the [application form](https://x.org/f.pdf).",
            "en",
            &CheckConfig::default(),
        );
        assert!(f.is_empty(), "{f:#?}");
    }
}

mod accessibility {
    use super::*;

    #[test]
    fn image_without_alt_or_with_a_file_name() {
        let f = ru("Схема:\n\n![](plan.png)\n\n![IMG_1234.jpg](b.jpg)\n");
        assert_eq!(at(&f, "image-alt"), [(3, 1, 3, 14), (5, 1, 5, 23)]);
        quiet("![Вход в здание с пандусом слева](plan.png)\n", "image-alt");
    }

    #[test]
    fn meaningless_link_text() {
        let f = ru("Образец заявления [здесь](https://x.ru/a.pdf).");
        assert_eq!(at(&f, "link-text"), [(1, 19, 1, 46)]);
        quiet("[Образец заявления](https://x.ru/a.pdf).", "link-text");
    }

    #[test]
    fn skipped_heading_level() {
        let f = ru("## Документы\n\nТекст.\n\n#### Копии\n");
        assert_eq!(at(&f, "heading-level"), [(5, 1, 5, 11)]);
        quiet("## Документы\n\nТекст.\n\n### Копии\n", "heading-level");
    }

    #[test]
    fn table_without_header_row() {
        let f = ru("Часы:\n\n|  |  |\n|--|--|\n| Пн | 10–17 |\n");
        assert_eq!(at(&f, "table-header"), [(3, 1, 3, 8)]);
        quiet(
            "Часы:\n\n| День | Часы |\n|--|--|\n| Пн | 10–17 |\n",
            "table-header",
        );
    }

    #[test]
    fn phone_number_not_a_tel_link() {
        let f = ru("Звоните: +7 812 702-12-02.");
        assert_eq!(at(&f, "phone-link"), [(1, 10, 1, 26)]);
        let p = f.iter().find(|f| f.rule == "phone-link").unwrap();
        assert_eq!(
            p.suggestion.as_deref(),
            Some("[+7 812 702-12-02](tel:+78127021202)")
        );
        quiet(
            "Звоните: [+7 812 702-12-02](tel:+78127021202).",
            "phone-link",
        );
    }
}

mod settings_and_exemptions {
    use super::*;

    #[test]
    fn a_comment_exempts_its_line_and_the_next() {
        let before = "<!-- yasno-allow: bureaucratese -->\nВ целях защиты детей мы проверяем всё.";
        quiet(before, "bureaucratese");
        let same = "В целях защиты детей мы проверяем всё. <!-- yasno-allow: bureaucratese -->";
        quiet(same, "bureaucratese");
        // Only the named rule, only that line.
        let other = "<!-- yasno-allow: long-sentence -->\nВ целях защиты детей мы проверяем всё.";
        assert_eq!(at(&ru(other), "bureaucratese"), [(2, 1, 2, 8)]);
        let far = "<!-- yasno-allow: bureaucratese -->\n\nТекст.\n\nВ целях защиты.";
        assert_eq!(at(&ru(far), "bureaucratese"), [(5, 1, 5, 8)]);
    }

    #[test]
    fn a_toml_comment_exempts_a_front_matter_line() {
        let src = "+++\n# <!-- yasno-allow: bureaucratese -->\nsummary = \"В целях защиты.\"\n+++\nТекст.\n";
        let path = Path::new("s.md");
        let input = cs::FileInput::loose(path.into(), src.into(), "ru");
        let cfg = CheckConfig::default();
        let r = cs::check_files(
            vec![input.clone()],
            &Rules::new(&cfg),
            &Calendar::russia(),
            date(2026, 1, 1),
            None,
        );
        assert!(r.findings.is_empty(), "{:#?}", r.findings);
        let plain = src.replace("# <!-- yasno-allow: bureaucratese -->\n", "");
        let r = cs::check_files(
            vec![cs::FileInput {
                source: plain.into(),
                ..input
            }],
            &Rules::new(&cfg),
            &Calendar::russia(),
            date(2026, 1, 1),
            None,
        );
        assert_eq!(at(&r.findings, "bureaucratese"), [(2, 12, 2, 19)]);
    }

    #[test]
    fn severity_is_configurable_per_rule() {
        let text = "В целях защиты детей мы проверяем всё.";
        let mut cfg = CheckConfig::default();
        cfg.rules.insert("bureaucratese".into(), Level::Warning);
        let f = run(text, "ru", &cfg);
        assert_eq!(f[0].severity, Severity::Warning);
        cfg.rules.insert("bureaucratese".into(), Level::Off);
        assert!(run(text, "ru", &cfg).is_empty());
        cfg.rules.insert("bureaucratse".into(), Level::Off);
        assert_eq!(
            unknown_rules(&cfg),
            ["неизвестное правило `bureaucratse` в [check.rules]; может быть, `bureaucratese`?"]
        );
    }

    #[test]
    fn settings_table_parses_from_toml() {
        let cfg: CheckConfig = toml::from_str(
            r#"
            sentence_warning_words = 12
            allow = ["в целях"]
            [rules]
            emphasis = "error"
            [calendar]
            days_off = [2027-01-11, "2027-01-12"]
            working_days = ["2027-01-16"]
            "#,
        )
        .unwrap();
        assert_eq!(cfg.sentence_warning_words, 12);
        assert_eq!(cfg.rules["emphasis"], Level::Error);
        assert_eq!(
            cfg.calendar.days_off,
            [date(2027, 1, 11), date(2027, 1, 12)]
        );
        quiet_with(&cfg, "В целях защиты.", "bureaucratese");
    }

    fn quiet_with(cfg: &CheckConfig, src: &str, rule: &str) {
        assert!(at(&run(src, "ru", cfg), rule).is_empty());
    }

    #[test]
    fn code_urls_and_front_matter_are_not_prose() {
        let src = "+++\nsummary = \"в целях\"\n+++\nСм. `в целях` и\n\n```\nв целях\n```\n\n<https://x.ru/v-celyah>\n";
        assert!(at(&ru(src), "bureaucratese").is_empty());
    }
}

mod robustness {
    use super::*;

    #[test]
    fn odd_input_never_panics_and_positions_stay_in_the_file() {
        let cases = [
            "",
            "+++\n+++\n",
            "\u{0}\u{feff}",
            "İSTANBUL <TABLE><tr><td>İ</td></tr></TABLE> ВНИМАНИЕ",
            "```\nне закрытый блок кода в целях",
            "Строка\r\nв целях\r\n",
            "й\u{306}ё\u{308} — «в целях» … !!! ??? ... 1.2.3.4 10:00:00 a@b.c",
            "[](<>) ![]() <img src=x> [[ссылка]] | a | b |\n|---|",
            "# A\n###### B\n## C\n#### D",
            "- в целях\n  - ЗАГС\n    1. &amp; &#x41; \\* *к*",
        ];
        for src in cases {
            let body = if src.starts_with("+++\n+++\n") { 8 } else { 0 };
            for lang in ["ru", "en"] {
                let f = check_markdown(Path::new("x.md"), src, body, lang, &CheckConfig::default());
                for x in &f {
                    assert!(
                        x.span.end <= src.len() && x.span.start <= x.span.end,
                        "{x:?}"
                    );
                    assert!(src.is_char_boundary(x.span.start) && src.is_char_boundary(x.span.end));
                    assert!(x.line >= 1 && x.column >= 1);
                }
                let _ = yasno::check::render_human(&f, &|_| Some(src.to_string()));
            }
        }
    }
}

mod freshness {
    use super::*;

    #[test]
    fn working_days_skip_a_holiday_and_count_a_transferred_saturday() {
        let c = Calendar::russia();
        // Thu 30 Oct 2025 + 3: Fri 31 Oct, Sat 1 Nov (working by the 2025 decree),
        // Mon 3 Nov is a day off (moved from 1 Nov), Tue 4 Nov is a holiday, Wed 5 Nov.
        assert_eq!(c.add_working_days(date(2025, 10, 30), 3), date(2025, 11, 5));
        // Thu 5 Mar 2026 + 3: Fri 6, Mon 9 is off (8 March fell on a Sunday), Tue 10, Wed 11.
        assert_eq!(c.add_working_days(date(2026, 3, 5), 3), date(2026, 3, 11));
        // New Year: Wed 31 Dec 2025 is off; 1–11 Jan 2026 are off; Mon 12 Jan is the first.
        assert_eq!(c.add_working_days(date(2025, 12, 30), 1), date(2026, 1, 12));
        // A site adds a transfer for a year the built-in data does not know yet.
        let ext = CalendarExtension {
            days_off: vec![date(2027, 1, 11)],
            working_days: vec![date(2027, 1, 16)],
        };
        let c = Calendar::russia().extended(&ext);
        // Fri 8 Jan 2027 is a holiday; Mon 11 off (site), Tue 12, Wed 13 … Sat 16 works.
        assert_eq!(c.add_working_days(date(2027, 1, 8), 3), date(2027, 1, 14));
        assert!(c.is_working_day(date(2027, 1, 16)));
    }

    fn fresh(
        updated: jiff::civil::Date,
        amended: jiff::civil::Date,
        today: jiff::civil::Date,
    ) -> Vec<Finding> {
        let src = "+++\nupdated = 2026-01-01\nlegal_acts = [{ title = \"Регламент\", amended = 2026-01-01 }]\n+++\n";
        let at_date = src.find("amended = ").unwrap() + 10;
        let amendments = [Amendment {
            title: "Регламент".into(),
            amended,
            span: at_date..at_date + 10,
        }];
        check_freshness(
            &FreshnessInput {
                file: Path::new("s.md"),
                source: src,
                updated,
                updated_span: 14..24,
                amendments: &amendments,
                today,
            },
            &CheckConfig::default(),
            &Calendar::russia(),
        )
    }

    #[test]
    fn page_must_be_updated_within_three_working_days_of_an_amendment() {
        let amended = date(2026, 3, 5); // deadline Wed 11 Mar 2026
        assert!(fresh(date(2026, 3, 11), amended, date(2026, 3, 20)).is_empty());
        let late = fresh(date(2026, 3, 12), amended, date(2026, 3, 20));
        assert_eq!(at(&late, "freshness"), [(2, 11, 2, 21)]);
        assert_eq!(late[0].severity, Severity::Warning);
        let due = fresh(date(2026, 3, 1), amended, date(2026, 3, 10));
        assert_eq!(due[0].severity, Severity::Warning);
        assert!(
            due[0].message.contains("до 11.03.2026"),
            "{}",
            due[0].message
        );
        let overdue = fresh(date(2026, 3, 1), amended, date(2026, 3, 12));
        assert_eq!(at(&overdue, "freshness"), [(3, 48, 3, 58)]);
        assert_eq!(overdue[0].severity, Severity::Error);
    }

    #[test]
    fn page_not_updated_for_twelve_months_is_stale() {
        let f = fresh(date(2025, 3, 1), date(2020, 1, 10), date(2026, 3, 2));
        assert_eq!(at(&f, "stale"), [(2, 11, 2, 21)]);
        assert!(
            at(
                &fresh(date(2025, 3, 3), date(2020, 1, 10), date(2026, 3, 2)),
                "stale"
            )
            .is_empty()
        );
    }
}

mod command_line {
    use super::*;

    pub(super) fn yasno(args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_yasno"))
            .args(args)
            .output()
            .expect("yasno runs")
    }

    fn fixtures() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/check")
    }

    pub(super) fn copy_site() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for e in walkdir::WalkDir::new(fixtures().join("site")) {
            let e = e.unwrap();
            let rel = e.path().strip_prefix(fixtures().join("site")).unwrap();
            let to = dir.path().join(rel);
            if e.file_type().is_dir() {
                std::fs::create_dir_all(&to).unwrap();
            } else {
                std::fs::copy(e.path(), &to).unwrap();
            }
        }
        dir
    }

    #[test]
    fn json_output_has_the_documented_shape() {
        let file = fixtures().join("loose/notice.md");
        let out = yasno(&[
            "check",
            "--no-cache",
            "--root",
            fixtures().join("loose").to_str().unwrap(),
            "--format",
            "json",
            file.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(1), "an error remains");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let arr = v.as_array().unwrap();
        let keys = [
            "file",
            "line",
            "column",
            "end_line",
            "end_column",
            "rule",
            "severity",
            "message",
            "suggestion",
        ];
        for f in arr {
            let obj = f.as_object().unwrap();
            let mut got: Vec<&str> = obj.keys().map(String::as_str).collect();
            got.sort();
            let mut want = keys.to_vec();
            want.sort();
            assert_eq!(got, want);
            assert!(obj["line"].is_u64() && obj["column"].is_u64());
            assert!(["error", "warning"].contains(&obj["severity"].as_str().unwrap()));
        }
        let brief: Vec<(String, u64, u64)> = arr
            .iter()
            .map(|f| {
                (
                    f["rule"].as_str().unwrap().to_string(),
                    f["line"].as_u64().unwrap(),
                    f["column"].as_u64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            brief,
            [
                ("all-caps".to_string(), 3, 1),
                ("negative".to_string(), 3, 21),
                ("link-text".to_string(), 5, 13),
            ]
        );
        assert_eq!(arr[2]["severity"], "error");
        assert!(arr[0]["file"].as_str().unwrap().ends_with("notice.md"));
    }

    #[test]
    fn human_output_is_rustc_style() {
        let file = fixtures().join("loose/notice.md");
        let out = yasno(&[
            "check",
            "--no-cache",
            "--root",
            "/nonexistent",
            file.to_str().unwrap(),
        ]);
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            text.contains("error[link-text]: текст ссылки «здесь»"),
            "{text}"
        );
        assert!(text.contains("notice.md:5:13"), "{text}");
        assert!(text.contains("= почему:"), "{text}");
        assert!(text.contains("ошибок: 1, предупреждений: 2"), "{text}");
    }

    #[test]
    fn whole_site_uses_settings_and_exits_by_errors() {
        let site = copy_site();
        let root = site.path().to_str().unwrap();
        let out = yasno(&[
            "check",
            "--root",
            root,
            "--today",
            "2026-05-20",
            "--format",
            "json",
        ]);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let rules: Vec<(String, String, u64)> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["file"]
                        .as_str()
                        .unwrap()
                        .rsplit('/')
                        .next()
                        .unwrap()
                        .to_string(),
                    f["rule"].as_str().unwrap().to_string(),
                    f["line"].as_u64().unwrap(),
                )
            })
            .collect();
        let b = |r: &str, l: u64| ("bureaucratic.md".to_string(), r.to_string(), l);
        // Summary in the front matter (line 3), the body (line 16), italics as an error
        // by the site's settings, the exempted line 18 quiet, and the amendment of
        // 5 March not followed by an update (deadline 11 March).
        assert_eq!(
            rules,
            [
                b("bureaucratese", 3),
                b("freshness", 11),
                b("bureaucratese", 16),
                b("emphasis", 16),
            ],
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert_eq!(out.status.code(), Some(1));
        // Fix the page: the check passes.
        let page = site.path().join("content/services/bureaucratic.md");
        std::fs::write(
            &page,
            std::fs::read_to_string(&page)
                .unwrap()
                .replace(
                    "выдается в целях защиты прав ребенка",
                    "защищает права ребёнка",
                )
                .replace(
                    "В соответствии с регламентом заявление подается *лично*.",
                    "Заявление подайте лично.",
                )
                .replace("updated = 2026-03-02", "updated = 2026-03-10"),
        )
        .unwrap();
        let out = yasno(&["check", "--root", root, "--today", "2026-05-20"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }

    #[test]
    fn build_warns_and_fails_only_with_strict() {
        let site = copy_site();
        let root = site.path().to_str().unwrap();
        let out_dir = site.path().join("public");
        let out = yasno(&[
            "build",
            "--root",
            root,
            "--output",
            out_dir.to_str().unwrap(),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("warning[bureaucratese]"), "{err}");
        assert!(out_dir.join("services/plain/index.html").exists());
        let out = yasno(&[
            "build",
            "--strict",
            "--root",
            root,
            "--output",
            out_dir.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("error[bureaucratese]"), "{err}");
    }

    #[test]
    fn report_lists_every_page_with_readability_and_freshness() {
        let site = copy_site();
        let report = site.path().join("monitoring.html");
        let out = yasno(&[
            "check",
            "--root",
            site.path().to_str().unwrap(),
            "--today",
            "2026-05-20",
            "--report",
            report.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(1));
        let html = scraper::Html::parse_document(&std::fs::read_to_string(&report).unwrap());
        let row = scraper::Selector::parse("table:last-of-type tbody tr").unwrap();
        let cell = scraper::Selector::parse("td").unwrap();
        let rows: Vec<Vec<String>> = html
            .select(&row)
            .map(|r| {
                r.select(&cell)
                    .map(|c| c.text().collect::<String>())
                    .collect()
            })
            .collect();
        let plain = rows
            .iter()
            .find(|r| r[0].starts_with("Разрешение на брак"))
            .unwrap();
        assert!(
            plain[1].parse::<f64>().is_ok(),
            "readability is a number: {plain:?}"
        );
        assert!(plain[7].contains("обновлена вовремя"), "{plain:?}");
        let bad = rows
            .iter()
            .find(|r| r[0].starts_with("Выдача разрешения"))
            .unwrap();
        assert!(bad[7].contains("срок обновления истёк"), "{bad:?}");
        assert!(bad[5].contains("bureaucratese: 2"), "{bad:?}");
    }

    #[test]
    fn cache_rechecks_only_changed_pages() {
        let site = copy_site();
        let mut inputs = Vec::new();
        for name in ["plain.md", "bureaucratic.md"] {
            let path = site.path().join("content/services").join(name);
            let source = std::fs::read_to_string(&path).unwrap().into();
            inputs.push(cs::FileInput::loose(path, source, "ru"));
        }
        let cfg = CheckConfig::default();
        let cal = Calendar::russia();
        let rules = Rules::new(&cfg);
        let mut cache = CheckCache::new(&cfg);
        let today = date(2026, 5, 20);
        let first = cs::check_files(inputs.clone(), &rules, &cal, today, Some(&mut cache));
        assert_eq!(first.cached, 0);
        let second = cs::check_files(inputs.clone(), &rules, &cal, today, Some(&mut cache));
        assert_eq!(second.cached, 2);
        assert_eq!(first.findings, second.findings);
        // Saved and read back, it answers every page; with nothing new it is not rewritten.
        let path = site.path().join("check.bin");
        save_cache(&path, &cache).unwrap();
        let mut cache = load_cache(&path, &cfg);
        let again = cs::check_files(inputs.clone(), &rules, &cal, today, Some(&mut cache));
        assert_eq!((again.cached, cache.changed()), (2, false));
        assert_eq!(again.findings, first.findings);
        std::fs::write(&path, "left alone").unwrap();
        save_cache(&path, &cache).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "left alone");
        inputs[1].source = format!("{}\nНовый абзац.\n", inputs[1].source).into();
        let third = cs::check_files(inputs, &rules, &cal, today, Some(&mut cache));
        assert_eq!(third.cached, 1);
        // Other settings drop the cache.
        let strict = CheckConfig {
            sentence_warning_words: 5,
            ..CheckConfig::default()
        };
        assert!(cache.validate(&strict).is_empty());
    }

    #[test]
    fn the_example_site_passes_with_no_errors() {
        let root = env!("CARGO_MANIFEST_DIR");
        let out = yasno(&["check", "--no-cache", "--root", root]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

/// A legacy site (tests/check/legacy: three services generated by
/// `benches/gen_corpus.py --corpus bureaucratic 3`, ~60 findings a page): the summary,
/// the full list and JSON agree, long lines are cut, and findings stay pinned.
mod legacy_site {
    use super::*;
    use std::collections::BTreeMap;

    const TODAY: &str = "2026-06-01";

    fn yasno(args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_yasno"))
            .args(args)
            .output()
            .expect("yasno runs")
    }

    fn legacy() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/check/legacy")
    }

    fn copy_legacy() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        crate::common::copy_dir(&legacy(), dir.path());
        dir
    }

    fn text(bytes: &[u8]) -> String {
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    /// Findings per rule in a full list: its `warning[rule]` / `error[rule]` headers.
    fn full_counts(out: &str) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for line in out.lines() {
            for prefix in ["warning[", "error["] {
                if let Some(rest) = line.strip_prefix(prefix) {
                    let rule = &rest[..rest.find(']').unwrap()];
                    *counts.entry(rule.to_string()).or_default() += 1;
                }
            }
        }
        counts
    }

    /// Counts per rule from a summary's table ("By rule" up to "files with the most").
    fn summary_counts(out: &str) -> BTreeMap<String, usize> {
        let start = out.find("by rule:\n").expect("a summary") + "by rule:\n".len();
        let end = out[start..].find("files with the most").unwrap() + start;
        let table = &out[start..out[..end].rfind('\n').unwrap()];
        table
            .lines()
            .map(|l| {
                let mut parts = l.split_whitespace();
                let rule = parts.next().unwrap().to_string();
                (rule, parts.next().unwrap().parse().unwrap())
            })
            .collect()
    }

    #[test]
    fn build_summary_and_verbose_list_count_the_same_per_rule() {
        let site = copy_legacy();
        let root = site.path().to_str().unwrap();
        let out_dir = site.path().join("out");
        let args = [
            "build",
            "--root",
            root,
            "--output",
            out_dir.to_str().unwrap(),
        ];
        let summary = yasno(&args);
        assert!(summary.status.success(), "{}", text(&summary.stderr));
        let summary = text(&summary.stderr);
        let full = yasno(&[&args[..], &["--verbose"]].concat());
        assert!(full.status.success());
        let full = text(&full.stderr);

        let by_summary = summary_counts(&summary);
        let by_full = full_counts(&full);
        let total: usize = by_full.values().sum();
        assert!(total > 100, "the legacy site has many findings: {total}");
        assert_eq!(by_summary, by_full);
        // The summary is short, shows one example per rule and says how to see all.
        assert_eq!(full_counts(&summary).values().sum::<usize>(), by_full.len());
        assert!(summary.contains("yasno build --verbose"), "{summary}");
        assert!(
            summary.len() * 4 < full.len(),
            "{} vs {}",
            summary.len(),
            full.len()
        );
        assert!(
            summary.contains(&format!("summary: {total} warnings in 3 files")),
            "{summary}"
        );
        // Built again, the texts are read anew for the examples (the check cache has their
        // findings): each example is still the full list's message, at the same place.
        let again = yasno(&args);
        assert!(again.status.success());
        let again = text(&again.stderr);
        let examples = &again[again.find("one example per rule:\n").expect("examples")..];
        let blocks: Vec<&str> = (examples.split("\n\n"))
            .map(|b| b.trim_start_matches("one example per rule:\n"))
            .filter(|b| b.starts_with("warning["))
            .collect();
        assert_eq!(blocks.len(), by_full.len(), "{again}");
        for block in blocks {
            assert!(full.contains(block), "not in the full list:\n{block}");
        }
    }

    #[test]
    fn json_count_equals_the_full_list() {
        let site = copy_legacy();
        let root = site.path().to_str().unwrap();
        let json = yasno(&[
            "check", "--root", root, "--today", TODAY, "--format", "json",
        ]);
        let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
        let mut by_json: BTreeMap<String, usize> = BTreeMap::new();
        for f in v.as_array().unwrap() {
            *by_json
                .entry(f["rule"].as_str().unwrap().to_string())
                .or_default() += 1;
        }
        let human = yasno(&["check", "--root", root, "--today", TODAY]);
        assert_eq!(human.status.code(), json.status.code());
        let human = text(&human.stdout);
        assert_eq!(full_counts(&human), by_json);
        let total: usize = by_json.values().sum();
        assert!(total > 100, "{total}");
        let (errors, warnings) = (
            human.matches("\nerror[").count(),
            human.matches("\nwarning[").count(),
        );
        let first = usize::from(human.starts_with("error[") || human.starts_with("warning["));
        assert_eq!(errors + warnings + first, total);
    }

    /// A service whose body is one line of about 16,000 characters (just under the loader's
    /// limit, `yasno::site::limits::MAX_LINE_CHARS`) with «в целях» in the middle.
    fn long_line_service() -> (String, usize) {
        let page =
            std::fs::read_to_string(legacy().join("content/services/usluga-00000.md")).unwrap();
        let body = page.rfind("+++\n").unwrap() + 4;
        let line = format!(
            "{} Справку выдают в целях оформления. {}\n",
            "Слово ".repeat(1_300),
            "Другое ".repeat(1_100)
        );
        let chars = line.chars().count();
        assert!(
            chars > 15_000 && chars <= yasno::site::limits::MAX_LINE_CHARS,
            "{chars}"
        );
        let text = format!("{}\n{line}", &page[..body]);
        let at = text.find("в целях").unwrap();
        (text, at)
    }

    #[test]
    fn a_long_source_line_is_cut_in_check_messages() {
        let dir = tempfile::tempdir().unwrap();
        let (page, at) = long_line_service();
        let file = dir.path().join("long.md");
        std::fs::write(&file, &page).unwrap();
        let out = yasno(&["check", "--root", "/nonexistent", file.to_str().unwrap()]);
        let stdout = text(&out.stdout);
        let (line, col) = yasno::diagnostics::line_col(&page, at);
        let header = format!("long.md:{line}:{col}");
        let finding = stdout
            .split("\nerror[")
            .find(|m| m.contains(&header))
            .unwrap_or_else(|| panic!("no message at {header}: {:.2000}", stdout));
        assert!(finding.contains("в целях"), "{finding}");
        assert!(finding.contains('…'), "{finding}");
        let messages = full_counts(&stdout).values().sum::<usize>();
        assert!(
            stdout.len() < 2_000 * messages,
            "{} bytes for {messages} messages",
            stdout.len()
        );
    }

    #[test]
    fn a_long_source_line_is_cut_in_build_messages() {
        let site = copy_legacy();
        let (page, at) = long_line_service();
        let file = site.path().join("content/services/usluga-00000.md");
        std::fs::write(&file, &page).unwrap();
        let out_dir = site.path().join("out");
        let root = site.path().to_str().unwrap();
        let out = yasno(&[
            "build",
            "--verbose",
            "--root",
            root,
            "--output",
            out_dir.to_str().unwrap(),
        ]);
        assert!(out.status.success());
        let stderr = text(&out.stderr);
        let (line, col) = yasno::diagnostics::line_col(&page, at);
        let header = format!("usluga-00000.md:{line}:{col}");
        let finding = stderr
            .split("\nwarning[")
            .find(|m| m.contains(&header))
            .unwrap_or_else(|| panic!("no message at {header}"));
        assert!(finding.contains("в целях"), "{finding}");
        let messages = full_counts(&stderr).values().sum::<usize>();
        assert!(
            stderr.len() < 2_000 * messages,
            "{} bytes for {messages} messages",
            stderr.len()
        );
    }

    /// Rule, severity and exact span of every finding, one line each.
    fn pinned_form(json: &[u8]) -> String {
        let v: serde_json::Value = serde_json::from_slice(json).unwrap();
        let mut out = String::new();
        for f in v.as_array().unwrap() {
            let file = Path::new(f["file"].as_str().unwrap()).file_name().unwrap();
            out.push_str(&format!(
                "{} {}:{}-{}:{} {} {}\n",
                file.to_str().unwrap(),
                f["line"],
                f["column"],
                f["end_line"],
                f["end_column"],
                f["rule"].as_str().unwrap(),
                f["severity"].as_str().unwrap()
            ));
        }
        out
    }

    /// Speed work must not change findings: these were recorded before it (regenerate
    /// tests/check/legacy/expected.txt only for an intended change of a rule).
    #[test]
    fn findings_on_bureaucratic_text_are_pinned() {
        let site = copy_legacy();
        let root = site.path().to_str().unwrap();
        let out = yasno(&[
            "check",
            "--no-cache",
            "--root",
            root,
            "--today",
            TODAY,
            "--format",
            "json",
        ]);
        let got = pinned_form(&out.stdout);
        let want = std::fs::read_to_string(legacy().join("expected.txt")).unwrap();
        assert!(want.lines().count() > 100);
        if got != want {
            let diff: Vec<_> = got
                .lines()
                .zip(want.lines())
                .filter(|(g, w)| g != w)
                .take(5)
                .collect();
            panic!(
                "findings changed ({} now, {} pinned); first differences (got, pinned): {diff:#?}",
                got.lines().count(),
                want.lines().count()
            );
        }
    }
}

/// Findings point at the place in the file where the text is written, for every kind of
/// source: a TOML field, a YAML field, the Markdown body and Markdown inside front matter.
mod positions {
    use super::command_line::{copy_site, yasno};

    const TOML: &str = "+++
title = \"Справка\"
summary = \"Справка нужна в целях учёта.\"
category = \"opeka\"
updated = 2026-05-14
who = \"Жители.\"
result = \"Справка.\"
documents = [{ name = \"Паспорт\" }]
deadline = { days = 5, kind = \"working\" }
fee = { free = true }
legal_acts = [{ title = \"Закон в целях порядка\", date = 2020-01-01 }]

[[faq]]
q = \"Когда?\"
a = \"Приходите **утром** в целях экономии.\"
+++

## Порядок

Приходите утром. Заявление примут в целях учёта.
";

    const YAML: &str = "---
title: Справка на YAML
summary: Справка нужна в целях учёта.
category: opeka
updated: 2026-05-14
who: Жители.
result: Справка.
documents:
  - name: Паспорт
deadline: { days: 5, kind: working }
fee: { free: true }
legal_acts:
  - title: Закон
    date: 2020-01-01
faq:
  - q: Когда?
    a: |
      Приходите в целях экономии.
---

Текст.
";

    /// (file name, line, column) of every `bureaucratese` finding of `yasno check`.
    fn bureaucratese(file: &str, text: &str) -> Vec<(String, u64, u64)> {
        let site = copy_site();
        let services = site.path().join("content/services");
        std::fs::write(services.join(file), text).unwrap();
        let root = site.path().to_str().unwrap();
        let out = yasno(&["check", "--no-cache", "--format", "json", "--root", root]);
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v.as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "bureaucratese" && f["file"].as_str().unwrap().ends_with(file))
            .map(|f| {
                (
                    file.to_owned(),
                    f["line"].as_u64().unwrap(),
                    f["column"].as_u64().unwrap(),
                )
            })
            .collect()
    }

    #[test]
    fn toml_field_faq_answer_and_body() {
        let at: Vec<(u64, u64)> = bureaucratese("spravka.md", TOML)
            .into_iter()
            .map(|(_, l, c)| (l, c))
            .collect();
        // The summary (a TOML string), the FAQ answer (Markdown in a TOML string), the body;
        // the legal act's title is quoted as it is and not checked.
        assert_eq!(at, [(3, 26), (15, 26), (20, 35)]);
    }

    #[test]
    fn yaml_field_and_faq_answer() {
        let at: Vec<(u64, u64)> = bureaucratese("yaml.md", YAML)
            .into_iter()
            .map(|(_, l, c)| (l, c))
            .collect();
        assert_eq!(at, [(3, 24), (18, 17)]);
    }
}

/// Links and images with schemes that run code: an error of `yasno check` at the link, and
/// never an address on the built page.
mod unsafe_links {
    use super::command_line::{copy_site, yasno};

    /// The service file: the shared fields, then the links under test.
    fn service() -> String {
        format!(
            "+++\n{}
[[faq]]
q = \"Где образец?\"
a = \"Смотрите [образец](JaVaScRiPt:alert(1)).\"
+++

Заполните [заявление](javascript:alert(document.cookie)).

Картинка: ![схема проезда](data:text/html;base64,PHNjcmlwdD4=).

Ссылка [по сноске][x] и <vbscript:msgbox(1)>.

[x]: &#106;avascript:alert(2)
",
            super::SERVICE_FIELDS
        )
    }

    #[test]
    fn a_script_link_is_a_check_error_at_the_link_and_never_reaches_the_page() {
        let site = copy_site();
        let file = site.path().join("content/services/spravka.md");
        std::fs::write(&file, service()).unwrap();
        let root = site.path().to_str().unwrap();
        let out = yasno(&["check", "--no-cache", "--format", "json", "--root", root]);
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let at: Vec<(u64, u64, String)> = v
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "unsafe-link")
            .map(|f| {
                assert!(f["file"].as_str().unwrap().ends_with("spravka.md"), "{f}");
                assert_eq!(f["severity"], "error");
                (
                    f["line"].as_u64().unwrap(),
                    f["column"].as_u64().unwrap(),
                    f["message"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let places: Vec<(u64, u64)> = at.iter().map(|(l, c, _)| (*l, *c)).collect();
        // FAQ answer (Markdown inside the TOML string), body link, image, reference link,
        // autolink.
        assert_eq!(
            places,
            [(15, 15), (18, 11), (20, 11), (22, 8), (22, 25)],
            "{at:?}"
        );
        assert!(at[0].2.contains("«javascript:»"), "{at:?}");
        assert!(at[2].2.contains("«data:»"), "{at:?}");

        let public = site.path().join("public");
        let out = yasno(&[
            "build",
            "--root",
            root,
            "--output",
            public.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{out:?}");
        let html = std::fs::read_to_string(public.join("services/spravka/index.html")).unwrap();
        let doc = scraper::Html::parse_document(&html);
        let all = scraper::Selector::parse("*").unwrap();
        for el in doc.select(&all) {
            for (name, value) in el.value().attrs() {
                let v: String = value.chars().filter(|c| !c.is_whitespace()).collect();
                let v = v.to_lowercase();
                for bad in ["javascript:", "vbscript:", "data:"] {
                    assert!(!v.starts_with(bad), "{name}={value:?} on the page");
                }
            }
        }
        let text: String = doc.root_element().text().collect();
        assert!(text.contains("заявление") && text.contains("схема проезда"));
    }
}

/// Files that used to hang the loader or flood the terminal: each is one clear error at its
/// place, for `build` and `check` alike, and the output stays a few lines.
mod hostile_content {
    use super::command_line::{copy_site, yasno};

    use super::SERVICE_FIELDS as HEAD;

    /// Runs `build` and `check` on the example site with `file` added; returns the build's
    /// stderr after checking that both refused and neither printed much.
    fn refused(name: &str, write: impl FnOnce(&std::path::Path)) -> String {
        let site = copy_site();
        write(&site.path().join("content/services").join(name));
        let root = site.path().to_str().unwrap();
        let out_dir = site.path().join("out");
        let build = yasno(&[
            "build",
            "--root",
            root,
            "--output",
            out_dir.to_str().unwrap(),
        ]);
        let check = yasno(&["check", "--no-cache", "--root", root]);
        for out in [&build, &check] {
            assert_eq!(out.status.code(), Some(1), "{out:?}");
            let printed = out.stdout.len() + out.stderr.len();
            assert!(printed < 6_000, "{printed} bytes printed");
        }
        assert!(!out_dir.exists(), "a refused build wrote its output");
        String::from_utf8(build.stderr).unwrap()
    }

    #[test]
    fn a_line_of_250_kb_is_refused_at_the_limit() {
        let err = refused("line.md", |p| {
            let body = "*_[](!`<>#&".repeat(23_000);
            std::fs::write(p, format!("+++\n{HEAD}+++\n\n{body}\n")).unwrap();
        });
        assert!(err.contains("error[line-too-long]"), "{err}");
        assert!(err.contains("line.md:14:16385"), "{err}");
    }

    #[test]
    fn yaml_nested_deeply_is_refused_at_the_bracket_past_the_limit() {
        let err = refused("deep.md", |p| {
            let deep = "[\n".repeat(5_000);
            std::fs::write(p, format!("---\ntitle: x\nsummary: {deep}\n---\nТекст.\n")).unwrap();
        });
        assert!(err.contains("error[too-deep]"), "{err}");
        // Line 3 holds the first bracket; the 33rd is 32 lines below.
        assert!(err.contains("deep.md:35:1"), "{err}");
    }

    #[test]
    fn front_matter_of_60_000_keys_is_refused_at_the_size_limit() {
        let err = refused("keys.md", |p| {
            let keys: String = (0..60_000).map(|i| format!("k{i} = 1\n")).collect();
            std::fs::write(p, format!("+++\n{keys}{HEAD}+++\nТекст.\n")).unwrap();
        });
        assert!(err.contains("error[too-large]"), "{err}");
        assert!(err.contains("keys.md:6"), "{err}");
    }

    #[test]
    fn hundreds_of_unknown_keys_get_ten_messages_and_a_count() {
        let err = refused("typos.md", |p| {
            let keys: String = (0..500).map(|i| format!("titel{i} = 1\n")).collect();
            std::fs::write(p, format!("+++\n{HEAD}{keys}+++\nТекст.\n")).unwrap();
        });
        assert_eq!(err.matches("error[unknown-field]").count(), 11, "{err}");
        assert!(err.contains("and 490 more unknown fields"), "{err}");
    }

    #[test]
    fn a_100_mb_file_is_refused_before_it_is_read() {
        let err = refused("huge.md", |p| {
            let f = std::fs::File::create(p).unwrap();
            // Sparse: the size is what matters, and it is refused before reading.
            f.set_len(100 << 20).unwrap();
        });
        assert!(
            err.contains("error[too-large]") && err.contains("huge.md"),
            "{err}"
        );
    }
}

/// Links into the site that lead nowhere: the build refuses with each one at its place.
mod site_links {
    use super::command_line::{copy_site, yasno};

    /// The service file: the shared fields, then the links under test.
    fn service() -> String {
        format!(
            "+++\n{}
[[faq]]
q = \"Где бланк?\"
a = \"Смотрите [бланк](../plain/#net-takoy-chasti).\"
+++

## Как подать

Сначала прочтите [другую услугу](/services/plain/) и [её документы](../plain/#documents),
потом [этот раздел](#как-подать) и [контакты](/contacts/).

Ошибки: [старая услуга](/services/staraya/), [нет раздела](#net-razdela), [часы](/contacts/#net-chasov).
",
            super::SERVICE_FIELDS
        )
    }

    #[test]
    fn a_link_to_a_missing_page_or_part_stops_the_build_at_the_link() {
        let site = copy_site();
        std::fs::write(site.path().join("content/services/spravka.md"), service()).unwrap();
        let root = site.path().to_str().unwrap();
        let out_dir = site.path().join("out");
        let out = yasno(&[
            "build",
            "--root",
            root,
            "--output",
            out_dir.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        let places: Vec<&str> = err
            .lines()
            .filter_map(|l| l.trim_start().strip_prefix("┌─ "))
            .collect();
        assert_eq!(
            places,
            [
                // FAQ answer inside its TOML string, then the body's three broken links (the
                // last to a part that the contacts page's template does not have).
                format!(
                    "{}/content/services/spravka.md:15:15",
                    site.path().display()
                ),
                format!("{}/content/services/spravka.md:23:9", site.path().display()),
                format!(
                    "{}/content/services/spravka.md:23:46",
                    site.path().display()
                ),
                format!(
                    "{}/content/services/spravka.md:23:75",
                    site.path().display()
                ),
            ],
            "{err}"
        );
        assert_eq!(err.matches("error[broken-link]").count(), 4, "{err}");
        assert!(err.contains("/services/staraya/"), "{err}");
        assert!(err.contains("#net-razdela"), "{err}");
        assert!(!out_dir.exists(), "a refused build wrote its output");
        // Nor the staff handbook, staged while the links were checked, nor a staging folder.
        let left: Vec<String> = std::fs::read_dir(site.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.trim_start_matches('.').starts_with("out"))
            .collect();
        assert!(left.is_empty(), "a refused build left {left:?}");

        // The same page with the broken links fixed builds.
        let fixed = service()
            .replace("#net-takoy-chasti", "#documents")
            .replace("/services/staraya/", "/services/bureaucratic/")
            .replace(
                "#net-razdela",
                "#%D0%BA%D0%B0%D0%BA-%D0%BF%D0%BE%D0%B4%D0%B0%D1%82%D1%8C",
            )
            .replace("/contacts/#net-chasov", "/contacts/#main");
        std::fs::write(site.path().join("content/services/spravka.md"), fixed).unwrap();
        let out = yasno(&[
            "build",
            "--root",
            root,
            "--output",
            out_dir.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{out:?}");
    }
}
