//! `yasno new`: a working starter site (settings, one sample service, a survey, the
//! accessibility statement and a copy of the default theme), ready for `yasno build`.

use std::path::Path;

use crate::render::theme::DEFAULT_THEME;

const SITE_TOML: &str = r#"# Настройки сайта / site settings
name = "Местная администрация муниципального округа"
short_name = "Администрация округа"
base_url = "https://example.org"
lang = "ru"
theme = "default"
# Адрес сборщика ответов на опросы; пусто — тот же сайт / survey collector; empty = same origin
collector_url = ""
notice = "Это новый сайт. Замените пример своими услугами."

[contacts]
phone = "+7 812 000-00-00"
phone_hours = "понедельник — пятница, с 10:00 до 17:00"
email = "info@example.org"
unit = "Приёмная"
pos_url = "https://pos.gosuslugi.ru/"

[reception]
address = "Санкт-Петербург, улица Примерная, дом 1"
hours = "вторник и четверг, с 10:00 до 13:00"
booking_url = "https://gu.spb.ru/"
access = "Вход с улицы, есть пандус и кнопка вызова. Приёмная на первом этаже."

[[categories]]
slug = "semya"
title = "Семья и дети"
description = "Помощь семьям с детьми."

[[locations]]
tag = "priemnaya"
name = "Приёмная, 1 этаж"
"#;

const SERVICE_MD: &str = r#"+++
title = "Пример услуги"
summary = "Здесь одним простым предложением сказано, что человек получит."
category = "semya"
updated = 2026-01-15
who = "Жители округа."
result = "Вы получите ответ."
documents = [
  { name = "Паспорт", form = "original" },
  { name = "Заявление", note = "Бланк дадут на приёме.", form = "original" },
]
steps = ["Позвоните и запишитесь на приём.", "Придите с документами.", "Получите ответ."]
deadline = { days = 10, kind = "working" }
fee = { free = true }
apply = [{ kind = "in_person" }]
legal_acts = [
  { title = "Федеральный закон «Об общих принципах организации местного самоуправления в Российской Федерации»", number = "131-ФЗ", date = 2003-10-06 },
]

[[faq]]
q = "Сколько это стоит?"
a = "Это бесплатно."
+++

## Как получить услугу

Напишите здесь коротко и ясно, что нужно сделать.
"#;

const SURVEY_TOML: &str = r#"id = "default"
version = 1
title = "Оцените, как мы вас обслужили"
intro = "Это займёт 1 минуту. Ответ анонимный."
thanks = "Спасибо! Ваш ответ получен."

[[questions]]
id = "rating"
label = "Насколько вы довольны услугой?"
kind = "rating"
required = true

[[questions]]
id = "comment"
label = "Что нам сделать лучше?"
kind = "text"
max_len = 500
"#;

const ACCESSIBILITY_MD: &str = r#"+++
title = "Доступность сайта"
summary = "Как мы делаем сайт удобным для всех."
+++

Сайт можно читать с экранным диктором и без мыши.
Если что-то неудобно, позвоните нам или напишите.
"#;

/// Why a site could not be created.
#[derive(Debug, thiserror::Error)]
pub enum NewError {
    /// The folder exists and is not empty.
    #[error("папка {0} не пуста: выберите новую / {0} is not empty: choose a new folder")]
    NotEmpty(String),
    /// An I/O error.
    #[error("не удалось записать {0} / cannot write {0}: {1}")]
    Io(String, std::io::Error),
}

/// Creates a starter site in `dir`, which must be absent or empty.
pub fn new_site(dir: &Path) -> Result<(), NewError> {
    if std::fs::read_dir(dir).is_ok_and(|mut e| e.next().is_some()) {
        return Err(NewError::NotEmpty(dir.display().to_string()));
    }
    let write = |rel: &str, bytes: &[u8]| -> Result<(), NewError> {
        let p = dir.join(rel);
        let err = |e| NewError::Io(p.display().to_string(), e);
        std::fs::create_dir_all(p.parent().expect("joined path has a parent")).map_err(err)?;
        std::fs::write(&p, bytes).map_err(|e| NewError::Io(p.display().to_string(), e))
    };
    write("content/site.toml", SITE_TOML.as_bytes())?;
    write("content/services/primer.md", SERVICE_MD.as_bytes())?;
    write("content/surveys/default.toml", SURVEY_TOML.as_bytes())?;
    write(
        "content/pages/accessibility.md",
        ACCESSIBILITY_MD.as_bytes(),
    )?;
    // The staff handbook is built beside `public/`: it is for the office, never for a
    // repository that may be public.
    write(
        ".gitignore",
        b"/public\n/.public.yasno-spare\n/handbook\n/.handbook.yasno-spare\n/.yasno-cache\n*.db\n*.db-wal\n*.db-shm\n",
    )?;
    fn walk(d: &include_dir::Dir<'static>, out: &mut Vec<(String, &'static [u8])>) {
        for f in d.files() {
            out.push((f.path().to_string_lossy().into_owned(), f.contents()));
        }
        for sub in d.dirs() {
            walk(sub, out);
        }
    }
    let mut files = Vec::new();
    walk(&DEFAULT_THEME, &mut files);
    for (rel, bytes) in files {
        write(&format!("themes/default/{rel}"), bytes)?;
    }
    Ok(())
}
