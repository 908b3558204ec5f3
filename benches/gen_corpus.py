#!/usr/bin/env python3
"""Generates a synthetic corpus of N public-service pages for benchmarks, twice over:
as a yasno site and as an equivalent Hugo site (same text, same fields, a minimal theme
that renders the same things: service pages, category pages, a home page listing every
service, an all-questions page and a sitemap).

Each service: ~800-word Markdown body with headings, 6 documents, 6 FAQ entries, steps,
deadline, fee, two ways to apply, two legal acts. Text is deterministic (seeded).

Two styles (the same fields and structure, only the prose differs):
  plain         short friendly sentences from a small vocabulary (few findings);
  bureaucratic  the way municipal sites are written today, in the style of the
                administration's own orders: long sentences, canceliarisms («в целях
                обеспечения», «осуществляется предоставление», «в соответствии с»),
                abbreviations without expansion (МФЦ, ПОС, ФЗ, ОМСУ), passive voice, № and
                %, headings in capitals: `yasno check` finds dozens of findings per page.

Usage: gen_corpus.py [--corpus plain|bureaucratic] N OUT_DIR -> OUT_DIR/yasno, OUT_DIR/hugo
(or CORPUS=bureaucratic in the environment; the flag wins; default: plain). SEED=n in the
environment gives other text of the same kind (pgo_build.sh trains on such a corpus, not on
the one the benches time; the 1,000-service corpus is the start of the 10,000 one).
"""
import os
import random
import shutil
import sys

WORDS = (
    "заявление документ паспорт администрация округ приём сотрудник ребёнок семья опека "
    "разрешение решение срок день неделя телефон почта адрес справка копия подлинник "
    "жилой дом двор площадка газон дорожка праздник экскурсия газета житель район город "
    "закон порядок услуга помощь вопрос ответ родитель попечитель сделка имущество квартира "
    "банк счёт деньги выплата пособие льгота пенсия работа школа детский сад библиотека "
    "запись очередь окно кабинет этаж пандус лифт вход выход время час минута месяц год "
    "можно нужно надо важно просто быстро бесплатно вместе сразу потом заранее обычно"
).split()

CATEGORIES = [
    ("opeka", "Опека и попечительство"),
    ("semya", "Семья и дети"),
    ("blagoustroystvo", "Благоустройство и территория"),
    ("dosug", "Досуг и информация"),
    ("zhile", "Жильё"),
    ("dengi", "Выплаты и льготы"),
    ("dokumenty", "Документы и справки"),
    ("obrazovanie", "Образование"),
]


# Pieces of bureaucratic sentences, after the seed document (an administration's order on
# «взаимодействие с внешним клиентом»): a subject phrase, a passive predicate, a purpose
# or reference tail. Combined at random they make 25-60-word sentences.
B_OPEN = [
    "В целях обеспечения реализации прав заявителей",
    "В соответствии с Федеральным законом от 27.07.2010 № 210-ФЗ «Об организации предоставления государственных и муниципальных услуг»",
    "В рамках организации взаимодействия сотрудников ОМСУ с клиентами (заявителями)",
    "В случае отсутствия необходимых документов",
    "В целях информирования клиентов (заявителей) о порядке предоставления услуг",
    "На основании административного регламента, утверждённого постановлением МА МО",
    "В связи с тем, что заявление подаётся посредством ЕПГУ",
    "Согласно п. 2.4 настоящего Порядка",
    "При осуществлении приёма граждан специалистами МА МО",
    "В целях соблюдения требований ФЗ № 59-ФЗ",
    "По результатам рассмотрения заявления",
    "В целях повышения качества клиентского опыта",
]
B_SUBJECT = [
    "предоставление муниципальной услуги",
    "приём документов от заявителя",
    "выдача результата предоставления услуги",
    "информирование заявителей о ходе рассмотрения обращения",
    "рассмотрение заявления и прилагаемых к нему документов",
    "актуализация информации на официальном сайте МА МО",
    "уведомление клиента (заявителя) о принятом решении",
    "сбор обратной связи посредством ПОС",
]
B_PREDICATE = [
    "осуществляется",
    "производится",
    "обеспечивается",
    "осуществляется уполномоченным должностным лицом",
    "не осуществляется без предъявления документа, удостоверяющего личность,",
    "производится в срок не позднее 10 (десяти) рабочих дней",
]
B_TAIL = [
    "в соответствии с действующим законодательством РФ",
    "в рамках полномочий ОМСУ, определённых законом Санкт-Петербурга",
    "посредством МФЦ, ЕПГУ, РПГУ либо при личном обращении в МА МО",
    "в целях обеспечения своевременного и качественного оказания услуги",
    "с учётом требований, установленных нормативными правовыми актами",
    "в течение 3 (трёх) рабочих дней со дня поступления обращения",
    "в порядке, предусмотренном п. 3.2 административного регламента",
    "на основании данного заявления и прилагаемых к нему документов",
    "в случае непредоставления заявителем сведений, необходимых для рассмотрения",
    "при наличии оснований, предусмотренных ч. 1 ст. 7 ФЗ № 210-ФЗ",
    "что составляет не менее 50% от установленного срока",
    "а также иными способами, не запрещёнными законодательством",
]
B_EXTRA = [
    "Заявление не может быть принято в случае его несоответствия установленной форме.",
    "Данная информация доводится до сведения заявителей на приёме специалистами ОМСУ.",
    "Ответственность за достоверность представленных сведений возлагается на заявителя.",
    "Отказ в приёме документов не препятствует повторному обращению заявителя в МА МО.",
    "Клиент (заявитель) уведомляется о результатах рассмотрения через МФЦ или ЕПГУ.",
]
B_HEADINGS = [
    "ОБЩИЕ ПОЛОЖЕНИЯ",
    "Порядок предоставления муниципальной услуги",
    "ПЕРЕЧЕНЬ НЕОБХОДИМЫХ ДОКУМЕНТОВ",
    "Основания для отказа в предоставлении услуги",
    "Порядок обжалования решений и действий (бездействия) ОМСУ",
    "Сроки и последовательность административных процедур",
]


def b_sentence(rng):
    """One long sentence (22-50 words): often a bureaucratic opening, plain filler from
    the plain corpus's vocabulary, sometimes a passive predicate and a reference tail.
    Tuned so a page gets ~50 findings, as on the pages the issue measured."""
    parts = []
    if rng.random() < 0.1:
        parts.append(rng.choice(B_OPEN))
    words = [rng.choice(WORDS) for _ in range(rng.randint(28, 40))]
    if rng.random() < 0.1:
        words.insert(rng.randrange(len(words)), rng.choice(B_SUBJECT) + " " + rng.choice(B_PREDICATE))
    parts.append(" ".join(words))
    if rng.random() < 0.1:
        parts.append(rng.choice(B_TAIL))
    s = ", ".join(parts)
    return s[0].upper() + s[1:] + "."


def b_paragraph(rng, sentences=2):
    out = [b_sentence(rng) for _ in range(sentences)]
    if rng.random() < 0.1:
        out.insert(rng.randrange(len(out) + 1), rng.choice(B_EXTRA))
    return " ".join(out)


def sentence(rng, n=None):
    n = n or rng.randint(6, 12)
    words = [rng.choice(WORDS) for _ in range(n)]
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def paragraph(rng, sentences=5):
    return " ".join(sentence(rng) for _ in range(sentences))


def q(s):
    """A TOML basic string."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def b_service(i, rng):
    """A service in the bureaucratic style: the same fields as `service`, other prose."""
    cat = CATEGORIES[i % len(CATEGORIES)][0]
    title = f"Муниципальная услуга № {i}: {rng.choice(B_SUBJECT)}"
    body = []
    words = 0
    h = 0
    while words < 800:
        if words // 200 >= h:
            body.append(f"## {h + 1}. {B_HEADINGS[(i + h) % len(B_HEADINGS)]}\n")
            h += 1
        p = b_paragraph(rng)
        words += len(p.split())
        body.append(p + "\n")
    return {
        "slug": f"usluga-{i:05d}",
        "title": title,
        "summary": sentence(rng, 14),
        "category": cat,
        "updated": f"2026-{(i % 12) + 1:02d}-{(i % 27) + 1:02d}",
        "who": "Физические лица, являющиеся " + rng.choice(["законными представителями несовершеннолетних", "собственниками жилых помещений", "получателями мер социальной поддержки"]) + ", либо их уполномоченные представители, действующие на основании доверенности.",
        "documents": [(rng.choice(["Заявление установленной формы", "Документ, удостоверяющий личность заявителя", "Справка о регистрации по месту жительства", "Копия свидетельства о рождении", "Доверенность представителя", "Выписка из ЕГРН"]),
                       sentence(rng, 9) if k else "Предоставляется в подлиннике либо в копии, заверенной в установленном порядке.") for k in range(6)],
        "steps": [b_sentence(rng) if k == 0 else sentence(rng) for k in range(4)],
        "result": "Результатом предоставления услуги является выдача " + rng.choice(["постановления МА МО", "уведомления об отказе", "разрешения ОМСУ"]) + ", " + rng.choice(B_TAIL) + ".",
        "faq": [(f"В каком порядке осуществляется {rng.choice(B_SUBJECT)}?" if k < 1 else sentence(rng, 6).rstrip(".") + "?",
                 b_paragraph(rng, 1) if k < 1 else paragraph(rng, 2)) for k in range(6)],
        "acts": [(f"Федеральный закон от 0{k + 1}.05.2006 № 5{k}-ФЗ «О порядке рассмотрения обращений граждан РФ»", f"{100 + i}-{k}", f"20{10 + k}-0{k + 1}-15") for k in range(2)],
        "body": "\n".join(body),
    }


def service(i, rng):
    cat = CATEGORIES[i % len(CATEGORIES)][0]
    title = f"Услуга {i}: " + " ".join(rng.choice(WORDS) for _ in range(4))
    body = []
    words = 0
    h = 0
    while words < 800:
        if words // 200 >= h:
            h += 1
            body.append(f"## Раздел {h}: {rng.choice(WORDS)} {rng.choice(WORDS)}\n")
        p = paragraph(rng)
        words += len(p.split())
        body.append(p + "\n")
    return {
        "slug": f"usluga-{i:05d}",
        "title": title,
        "summary": sentence(rng),
        "category": cat,
        "updated": f"2026-{(i % 12) + 1:02d}-{(i % 27) + 1:02d}",
        "who": sentence(rng),
        "documents": [(sentence(rng, 3).rstrip("."), sentence(rng, 6)) for _ in range(6)],
        "steps": [sentence(rng) for _ in range(4)],
        "result": sentence(rng),
        "faq": [(sentence(rng, 6).rstrip(".") + "?", paragraph(rng, 2)) for _ in range(6)],
        "acts": [(sentence(rng, 5).rstrip("."), f"{100 + i}-{k}", f"20{10 + k}-0{k + 1}-15") for k in range(2)],
        "body": "\n".join(body),
    }


def front_matter(s, hugo):
    out = ["+++", f"title = {q(s['title'])}", f"summary = {q(s['summary'])}"]
    if hugo:
        out.append(f"categories = [{q(s['category'])}]")
        out.append(f"category = {q(s['category'])}")
        out.append(f"updated = {q(s['updated'])}")
    else:
        out.append(f"category = {q(s['category'])}")
        out.append(f"updated = {s['updated']}")
    out.append(f"who = {q(s['who'])}")
    out.append("documents = [")
    for name, note in s["documents"]:
        out.append(f"  {{ name = {q(name)}, note = {q(note)}, form = \"original\" }},")
    out.append("]")
    out.append("steps = [" + ", ".join(q(x) for x in s["steps"]) + "]")
    out.append(f"result = {q(s['result'])}")
    out.append("")
    out.append("[deadline]\ndays = 10\nkind = \"working\"\n")
    out.append("[fee]\nfree = true\n")
    out.append("[[apply]]\nkind = \"in_person\"\n")
    out.append("[[apply]]\nkind = \"gu_spb\"\nurl = \"https://gu.spb.ru/\"\n")
    for title, number, date in s["acts"]:
        out.append(f"[[legal_acts]]\ntitle = {q(title)}\nnumber = {q(number)}\ndate = {date if not hugo else q(date)}\n")
    for question, answer in s["faq"]:
        out.append(f"[[faq]]\nq = {q(question)}\na = {q(answer)}\n")
    out.append("+++")
    return "\n".join(out) + "\n\n" + s["body"]


YASNO_SITE = """name = "Местная администрация (тестовый корпус)"
short_name = "Тестовый корпус"
base_url = "https://example.org"
lang = "ru"
theme = "default"
collector_url = ""

[contacts]
phone = "+7 812 000-00-00"
phone_hours = "Понедельник — пятница с 10:00 до 17:00."
email = "test@example.org"
unit = "Приёмная"

[reception]
address = "Санкт-Петербург, улица Примерная, дом 1"
hours = "Понедельник и четверг с 10:00 до 17:00."
access = "Вход с улицы, есть пандус."
"""

HUGO_CONFIG = """baseURL = "https://example.org/"
languageCode = "ru"
title = "Тестовый корпус"
disableKinds = ["rss"]
[taxonomies]
category = "categories"
[markup.goldmark.renderer]
unsafe = false
[markup.tableOfContents]
startLevel = 2
endLevel = 3
"""

HUGO_LAYOUTS = {
    "baseof.html": """<!DOCTYPE html>
<html lang="ru"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ .Title }} — {{ site.Title }}</title><meta name="description" content="{{ .Params.summary }}">
<link rel="canonical" href="{{ .Permalink }}"><link rel="stylesheet" href="/css/site.css"></head>
<body><a class="skip-link" href="#main">Перейти к содержанию</a>
<header><a href="/">{{ site.Title }}</a><nav><ul><li><a href="/">Все услуги</a></li><li><a href="/faq/">Вопросы и ответы</a></li></ul></nav></header>
<main id="main">{{ block "main" . }}{{ end }}</main>
<footer><p>{{ site.Title }}</p></footer></body></html>
""",
    "single.html": """{{ define "main" }}<article><h1>{{ .Title }}</h1><p class="summary">{{ .Params.summary }}</p>
<p>Обновлено: {{ .Params.updated }}</p>
{{ with .TableOfContents }}<nav id="toc">{{ . }}</nav>{{ end }}
<section id="who"><h2>Кто может обратиться</h2><p>{{ .Params.who }}</p></section>
<section id="documents"><h2>Документы</h2><ul>{{ range .Params.documents }}<li><strong>{{ .name }}</strong> — {{ .note }} ({{ .form }})</li>{{ end }}</ul></section>
<section id="steps"><h2>Как получить</h2><ol>{{ range .Params.steps }}<li>{{ . }}</li>{{ end }}</ol></section>
<section id="result"><h2>Результат</h2><p>{{ .Params.result }}</p></section>
<section id="deadline"><h2>Срок</h2><p>{{ .Params.deadline.days }} рабочих дней</p></section>
<section id="fee"><h2>Стоимость</h2><p>{{ if .Params.fee.free }}Бесплатно{{ end }}</p></section>
<section id="apply"><h2>Как подать</h2><ul>{{ range .Params.apply }}<li>{{ .kind }}{{ with .url }} <a href="{{ . }}">{{ . }}</a>{{ end }}</li>{{ end }}</ul></section>
<section id="details">{{ .Content }}</section>
<section id="legal-acts"><h2>Законы</h2><ul>{{ range .Params.legal_acts }}<li>{{ .title }} № {{ .number }} от {{ .date }}</li>{{ end }}</ul></section>
<section id="faq"><h2>Вопросы и ответы</h2>{{ range .Params.faq }}<details><summary>{{ .q }}</summary>{{ .a | markdownify }}</details>{{ end }}</section>
</article>{{ end }}
""",
    "list.html": """{{ define "main" }}<h1>{{ .Title }}</h1><ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> — {{ .Params.summary }}</li>{{ end }}</ul>{{ end }}
""",
    "home.html": """{{ define "main" }}<h1>{{ site.Title }}</h1>
{{ range site.Taxonomies.categories }}<section><h2><a href="{{ .Page.RelPermalink }}">{{ .Page.Title }}</a></h2>
<ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> — {{ .Params.summary }}</li>{{ end }}</ul></section>{{ end }}{{ end }}
""",
    "faq.html": """{{ define "main" }}<h1>{{ .Title }}</h1>
{{ range where site.RegularPages "Section" "services" }}{{ if .Params.faq }}<section><h2><a href="{{ .RelPermalink }}">{{ .Title }}</a></h2>
{{ range .Params.faq }}<details><summary>{{ .q }}</summary>{{ .a | markdownify }}</details>{{ end }}</section>{{ end }}{{ end }}{{ end }}
""",
}


def main():
    args = sys.argv[1:]
    style = os.environ.get("CORPUS", "plain")
    if len(args) >= 2 and args[0] == "--corpus":
        style, args = args[1], args[2:]
    if style not in ("plain", "bureaucratic") or len(args) != 2:
        sys.exit(__doc__)
    n = int(args[0])
    out = args[1]
    rng = random.Random(int(os.environ.get("SEED", "20260525")))
    make = b_service if style == "bureaucratic" else service
    services = [make(i, rng) for i in range(n)]

    y = os.path.join(out, "yasno")
    shutil.rmtree(y, ignore_errors=True)
    os.makedirs(os.path.join(y, "content", "services"))
    with open(os.path.join(y, "content", "site.toml"), "w") as f:
        f.write(YASNO_SITE)
        for slug, title in CATEGORIES:
            f.write(f"\n[[categories]]\nslug = {q(slug)}\ntitle = {q(title)}\ndescription = {q(title + '.')}\n")
    for s in services:
        with open(os.path.join(y, "content", "services", s["slug"] + ".md"), "w") as f:
            f.write(front_matter(s, hugo=False))

    h = os.path.join(out, "hugo")
    shutil.rmtree(h, ignore_errors=True)
    os.makedirs(os.path.join(h, "content", "services"))
    os.makedirs(os.path.join(h, "layouts"))
    os.makedirs(os.path.join(h, "static", "css"))
    with open(os.path.join(h, "hugo.toml"), "w") as f:
        f.write(HUGO_CONFIG)
    for name, text in HUGO_LAYOUTS.items():
        with open(os.path.join(h, "layouts", name), "w") as f:
            f.write(text)
    here = os.path.dirname(os.path.abspath(__file__))
    css = os.path.join(here, "..", "themes", "default", "static", "css", "site.css")
    shutil.copy(css, os.path.join(h, "static", "css", "site.css"))
    with open(os.path.join(h, "content", "faq.md"), "w") as f:
        f.write('+++\ntitle = "Вопросы и ответы"\nlayout = "faq"\n+++\n')
    for s in services:
        with open(os.path.join(h, "content", "services", s["slug"] + ".md"), "w") as f:
            f.write(front_matter(s, hugo=True))
    print(f"corpus: {n} {style} services in {y} and {h}")


if __name__ == "__main__":
    main()
