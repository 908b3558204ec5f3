//! Speed of `yasno check` rules: `check_markdown` over 10,000 synthetic ~800-word service
//! pages, in parallel (as the build and `yasno check` run it), then the same pages again
//! through the content cache. Run: `cargo bench --bench check_bench` (PAGES=… to change).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use rayon::prelude::*;
use yasno::check::site::{FileInput, check_files};
use yasno::check::{Calendar, CheckCache, CheckConfig, PageCheck, Rules, check_page};

/// Sentences a service page is made of: mostly plain, some with canceliarisms, phones,
/// abbreviations and links, so every rule has work to do.
const SENTENCES: &[&str] = &[
    "Возьмите паспорт и свидетельство о рождении ребёнка.",
    "Приходите в приёмную в понедельник или в четверг с 10:00 до 17:00.",
    "Сотрудник сектора опеки проверит документы и ответит на вопросы.",
    "В целях защиты прав ребёнка разрешение выдаётся после проверки.",
    "Оплата осуществляется в кассе банка по квитанции.",
    "Заявления не принимаются без паспорта.",
    "Звоните по телефону +7 812 702-12-02, если что-то непонятно.",
    "Подайте заявление через портал [Госуслуги](https://www.gosuslugi.ru/).",
    "Ответ придёт на почту или в личный кабинет через 10 рабочих дней.",
    "Если документов не хватает, мы скажем, какие принести.",
    "Услуга бесплатная.",
    "Разрешение действует один год.",
    "В случае отсутствия второго родителя принесите справку о его смерти или решение суда.",
    "Мы поможем заполнить заявление в приёмной.",
    "Копии документов сделаем сами, принесите оригиналы.",
    "Документы можно принести в МФЦ (многофункциональный центр) рядом с домом.",
    "Если вам отказали, вы можете написать жалобу главе администрации.",
    "Данное разрешение является основанием для сделки у нотариуса.",
];

fn page(n: usize) -> String {
    let mut s = format!(
        "+++\ntitle = \"Услуга номер {n}\"\nsummary = \"Короткое описание услуги {n}.\"\n+++\n\n"
    );
    let mut words = 0;
    let mut k = n.wrapping_mul(7919);
    let mut para = 0;
    while words < 800 {
        if para % 4 == 0 {
            s.push_str(&format!("## Раздел {}\n\n", para / 4 + 1));
        }
        for _ in 0..3 {
            k = k.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let sentence = SENTENCES[(k >> 16) % SENTENCES.len()];
            words += sentence.split_whitespace().count();
            s.push_str(sentence);
            s.push(' ');
        }
        s.push_str("\n\n");
        para += 1;
    }
    s
}

fn main() {
    let pages: usize = std::env::var("PAGES")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(10_000);
    let cfg = CheckConfig::default();
    let rules = Rules::new(&cfg);
    let t = Instant::now();
    let corpus: Vec<(PathBuf, String)> = (0..pages)
        .map(|n| (PathBuf::from(format!("content/services/s{n}.md")), page(n)))
        .collect();
    let bytes: usize = corpus.iter().map(|(_, s)| s.len()).sum();
    let words: usize = corpus
        .iter()
        .map(|(_, s)| s.split_whitespace().count())
        .sum();
    println!(
        "corpus: {pages} pages, {:.1} MB, {} words per page on average (generated in {:.2} s)",
        bytes as f64 / 1e6,
        words / pages.max(1),
        t.elapsed().as_secs_f64()
    );
    let fragments = |s: &str| {
        let body = s.find("+++\n\n").map_or(0, |i| i + 5);
        let r = body..s.len();
        std::iter::once(r).collect::<Vec<_>>()
    };
    for round in 1..=3 {
        let t = Instant::now();
        let results: Vec<PageCheck> = corpus
            .par_iter()
            .map(|(p, s)| check_page(p, s, &fragments(s), "ru", &rules))
            .collect();
        let findings: usize = results.iter().map(|r| r.findings.len()).sum();
        println!(
            "check_page, round {round}: {:.3} s for {pages} pages ({:.1} µs/page), {findings} findings, {} threads",
            t.elapsed().as_secs_f64(),
            t.elapsed().as_secs_f64() * 1e6 / pages as f64,
            rayon::current_num_threads()
        );
    }
    // A rebuild with nothing changed: every page comes from the cache (filled by a first
    // run over the same files).
    let files = || -> Vec<FileInput> {
        (corpus.iter())
            .map(|(p, s)| FileInput::loose(p.clone(), Arc::from(s.as_str()), "ru"))
            .collect()
    };
    let (calendar, today) = (Calendar::russia(), jiff::civil::date(2026, 6, 1));
    let mut cache = CheckCache::new(&cfg);
    check_files(files(), &rules, &calendar, today, Some(&mut cache));
    let inputs = files();
    let t = Instant::now();
    let again = check_files(inputs, &rules, &calendar, today, Some(&mut cache));
    println!(
        "cached rebuild: {:.3} s, {} of {pages} pages from the cache, {} findings",
        t.elapsed().as_secs_f64(),
        again.cached,
        again.findings.len()
    );
}
