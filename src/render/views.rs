//! What templates receive: small typed views built from the model. Templates never see raw
//! front matter; every fact a template shows is computed here once (dates formatted,
//! plurals chosen, phone links made), so the theme stays logic-free and translatable.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;
use yasno_survey_core::{QuestionKind, Survey};

use super::i18n::Strings;
use crate::markdown::TocEntry;
use crate::site::{
    ApplyKind, Category, Contacts, DayKind, DocumentForm, Fee, Reception, Service, Settings, Site,
};

/// Site-wide values, set once as Tera's global context (`site`).
#[derive(Debug, Clone, Serialize)]
pub struct SiteView {
    /// Full name.
    pub name: String,
    /// Short name for the header.
    pub short_name: String,
    /// Base URL without a trailing slash.
    pub base_url: String,
    /// Default language.
    pub lang: String,
    /// Notice shown on every page (empty when none).
    pub notice: String,
    /// Default contacts.
    pub contacts: ContactsView,
    /// Default reception.
    pub reception: Reception,
    /// Official links.
    pub links: Vec<LinkView>,
    /// Categories with their URLs.
    pub categories: Vec<CategoryView>,
    /// Reception locations.
    pub locations: Vec<crate::site::Location>,
    /// Where survey forms post (`{collector_url}/api/answers`, see
    /// [`yasno_survey_core::wire::ANSWERS_PATH`]).
    pub survey_action: String,
    /// The names of the survey form's fields.
    pub survey_form: yasno_survey_core::wire::FormFields,
    /// Collector origin and prefix, for the widget.
    pub collector_url: String,
    /// The language of each text part (a part not translated stays in the site's language,
    /// and templates mark it with its `lang`).
    pub langs: crate::site::texts::TextLangs,
}

/// A link.
#[derive(Debug, Clone, Serialize)]
pub struct LinkView {
    /// Text.
    pub title: String,
    /// Address.
    pub url: String,
    /// Whether it leaves the site.
    pub external: bool,
}

/// A category with its URL.
#[derive(Debug, Clone, Serialize)]
pub struct CategoryView {
    /// Slug.
    pub slug: String,
    /// Title.
    pub title: String,
    /// One sentence.
    pub description: String,
    /// Page path.
    pub url: String,
}

impl CategoryView {
    /// The view of category `c`, with its URL in the site's language.
    pub fn new(c: &Category) -> Self {
        Self::under(c, "/")
    }

    /// The view of category `c` under `root` (`/` or `/en/`).
    pub fn under(c: &Category, root: &str) -> Self {
        Self {
            slug: c.slug.clone(),
            title: c.title.clone(),
            description: c.description.clone(),
            url: format!("{root}categories/{}/", c.slug),
        }
    }
}

/// Contacts with a dialable `tel:` value.
#[derive(Debug, Clone, Serialize)]
pub struct ContactsView {
    /// Phone as written.
    pub phone: String,
    /// `tel:` URI value, e.g. `+78127021202`.
    pub tel: String,
    /// When the phone is answered.
    pub phone_hours: String,
    /// E-mail.
    pub email: String,
    /// Responsible unit.
    pub unit: String,
    /// Feedback platform link.
    pub pos_url: String,
}

/// Digits of a phone number for a `tel:` link; a leading 8 or a 7-digit city number
/// becomes +7 (812) so that mobile phones dial it from anywhere.
pub fn tel_uri(phone: &str) -> String {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    match digits.len() {
        7 => format!("+7812{digits}"),
        11 if digits.starts_with('8') => format!("+7{}", &digits[1..]),
        11 if digits.starts_with('7') => format!("+{digits}"),
        _ if phone.trim_start().starts_with('+') => format!("+{digits}"),
        _ => digits,
    }
}

impl ContactsView {
    /// Builds the view of resolved contacts.
    pub fn new(c: &Contacts) -> Self {
        Self {
            tel: tel_uri(&c.phone),
            phone: c.phone.clone(),
            phone_hours: c.phone_hours.clone(),
            email: c.email.clone(),
            unit: c.unit.clone(),
            pos_url: c.pos_url.clone(),
        }
    }
}

impl SiteView {
    /// Builds the site view from settings.
    pub fn new(settings: &Settings) -> Self {
        let collector = settings.collector_url.trim_end_matches('/').to_owned();
        Self {
            name: settings.name.clone(),
            short_name: settings
                .short_name
                .clone()
                .unwrap_or_else(|| settings.name.clone()),
            base_url: settings.base_url.clone(),
            lang: settings.lang.clone(),
            notice: settings.notice.clone().unwrap_or_default(),
            contacts: ContactsView::new(&settings.contacts),
            reception: settings.reception.clone(),
            links: settings
                .links
                .iter()
                .map(|l| LinkView {
                    title: l.title.clone(),
                    url: l.url.clone(),
                    external: l.url.starts_with("http") && !l.url.starts_with(&settings.base_url),
                })
                .collect(),
            categories: settings.categories.iter().map(CategoryView::new).collect(),
            locations: settings.locations.clone(),
            survey_action: format!("{collector}{}", yasno_survey_core::wire::ANSWERS_PATH),
            survey_form: yasno_survey_core::wire::FORM_FIELDS,
            collector_url: collector,
            langs: crate::site::texts::TextLangs {
                name: settings.lang.clone(),
                notice: settings.lang.clone(),
                contacts: settings.lang.clone(),
                reception: settings.lang.clone(),
                links: settings.lang.clone(),
            },
        }
    }

    /// The view of `settings` translated into `lang` (see [`crate::site::texts`]).
    pub fn translated(
        settings: &Settings,
        texts: Option<&crate::site::texts::SiteTexts>,
        lang: &str,
    ) -> Self {
        let texts = texts.cloned().unwrap_or_default();
        let (s, langs) = texts.apply(settings, lang);
        let mut view = Self::new(&s);
        view.categories = s
            .categories
            .iter()
            .map(|c| CategoryView::under(c, &format!("/{lang}/")))
            .collect();
        view.langs = langs;
        view
    }
}

/// A service in a listing (borrowed: listings of every service are made for several pages).
#[derive(Debug, Clone, Serialize)]
pub struct ServiceLink<'a> {
    /// Title.
    pub title: &'a str,
    /// One sentence.
    pub summary: &'a str,
    /// Page path.
    pub url: String,
    /// Language of the page it leads to.
    pub lang: &'a str,
    /// Whether the page is in another language than the listing (not translated yet).
    pub other_lang: bool,
}

impl<'a> ServiceLink<'a> {
    /// Builds the listing entry of a service.
    pub fn new(s: &'a Service, settings: &Settings) -> Self {
        Self {
            title: &s.meta.title,
            summary: &s.meta.summary,
            url: s.url_path(settings),
            lang: &s.lang,
            other_lang: false,
        }
    }

    /// The entry of source service `s` in a listing in `lang`: its translation when there
    /// is one, else the source, marked as in another language.
    pub fn in_lang(site: &'a Site, s: &'a Service, lang: &str) -> Self {
        match site.service_in(s, lang) {
            Some(t) => Self::new(t, &site.settings),
            None => Self {
                other_lang: s.lang != lang,
                ..Self::new(s, &site.settings)
            },
        }
    }
}

/// A category with its services, for the home and category pages.
#[derive(Debug, Clone, Serialize)]
pub struct CategoryGroup<'a> {
    /// The category.
    pub category: CategoryView,
    /// Its services.
    pub services: Vec<ServiceLink<'a>>,
}

/// Groups the services by category, in settings order, for a page in `lang` (categories
/// as `settings` has them translated); empty ones dropped.
pub fn category_groups<'a>(
    site: &'a Site,
    settings: &Settings,
    lang: &str,
    root: &str,
) -> Vec<CategoryGroup<'a>> {
    settings
        .categories
        .iter()
        .map(|c| CategoryGroup {
            category: CategoryView::under(c, root),
            services: site
                .default_lang_services()
                .filter(|s| s.meta.category == c.slug)
                .map(|s| ServiceLink::in_lang(site, s, lang))
                .collect(),
        })
        .filter(|g| !g.services.is_empty())
        .collect()
}

/// A document in the checklist.
#[derive(Debug, Clone, Serialize)]
pub struct DocumentView<'a> {
    /// Name.
    pub name: &'a str,
    /// Note (empty when none).
    pub note: &'a str,
    /// «оригинал», «копия», …
    pub form: &'a str,
}

/// A way to apply.
#[derive(Debug, Clone, Serialize)]
pub struct ApplyView<'a> {
    /// Channel name.
    pub label: &'a str,
    /// Link (empty when none).
    pub url: &'a str,
    /// Note (empty when none).
    pub note: &'a str,
    /// Whether the link leaves the site.
    pub external: bool,
}

/// A legal act.
#[derive(Debug, Clone, Serialize)]
pub struct LegalActView<'a> {
    /// Title.
    pub title: &'a str,
    /// Number (empty when none).
    pub number: &'a str,
    /// Date, `14.05.2026`.
    pub date: String,
    /// The same date as `2026-05-14`, for `<time datetime>`.
    pub date_iso: String,
    /// Amendment date (empty when none).
    pub amended: String,
    /// The amendment date as `2026-05-14` (empty when none).
    pub amended_iso: String,
    /// Link (empty when none).
    pub url: &'a str,
}

/// A question and its rendered answer.
#[derive(Debug, Clone, Serialize)]
pub struct FaqView {
    /// Anchor id.
    pub id: String,
    /// The question.
    pub q: String,
    /// The answer as HTML.
    pub a_html: String,
}

/// The other-language versions of a page.
#[derive(Debug, Clone, Serialize)]
pub struct TranslationLink {
    /// Language code.
    pub lang: String,
    /// Language name in that language.
    pub name: String,
    /// Page path.
    pub url: String,
    /// Whether this is the page itself (switcher) or the page exists in that language.
    pub current: bool,
    /// Whether the same page exists in that language (else the link leads to its home).
    pub exists: bool,
}

/// One question of the no-JS form.
#[derive(Debug, Clone, Serialize)]
pub struct QuestionView {
    /// Field name.
    pub id: String,
    /// Question text.
    pub label: String,
    /// Required?
    pub required: bool,
    /// `rating`, `choice` or `text`.
    pub kind: &'static str,
    /// Radio options: (value, label).
    pub options: Vec<OptionView>,
    /// Text limit.
    pub max_len: usize,
    /// Text hint.
    pub hint: String,
}

/// A radio option.
#[derive(Debug, Clone, Serialize)]
pub struct OptionView {
    /// Value sent.
    pub value: String,
    /// Text shown.
    pub label: String,
}

/// The survey on a page: the no-JS form fields and the JSON for the widget.
#[derive(Debug, Clone, Serialize)]
pub struct SurveyView {
    /// Survey id.
    pub id: String,
    /// Version.
    pub version: u32,
    /// Heading.
    pub title: String,
    /// Introduction (empty when none).
    pub intro: String,
    /// Thank-you text.
    pub thanks: String,
    /// Questions (shared by every page that shows this survey).
    #[serde(serialize_with = "shared_slice")]
    pub questions: Arc<[QuestionView]>,
    /// `web` or a location tag.
    pub source: String,
    /// Service slug.
    pub service: String,
    /// Page path to return to after a no-JS post.
    pub return_to: String,
    /// `{"endpoint", "service", "source", "lang", "survey"}` for the widget, safe in `<script>`.
    pub data_json: String,
}

/// JSON for embedding in `<script>`: `<` escaped so no `</script>` can close the element.
pub fn script_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value)
        .unwrap_or_else(|_| "null".into())
        .replace('<', "\\u003c")
}

fn shared_slice<S: serde::Serializer, T: Serialize>(v: &Arc<[T]>, s: S) -> Result<S::Ok, S::Error> {
    v.as_ref().serialize(s)
}

/// The widget's interface strings: (key in the page data, key in the language table). The
/// widget has none compiled in; each page gives its language's (`widgets/survey/src/text.rs`).
pub const WIDGET_TEXT: [(&str, &str); 12] = [
    ("submit", "survey_submit"),
    ("note", "survey_nojs_note"),
    ("required", "survey_required"),
    ("missing", "survey_missing"),
    ("invalid", "survey_invalid"),
    ("check", "survey_check"),
    ("sending", "survey_sending"),
    ("retrying", "survey_retrying"),
    ("stored", "survey_stored"),
    ("rejected", "survey_rejected"),
    ("of", "survey_count_of"),
    ("chars", "survey_count_chars"),
];

/// The parts of a survey's view that are the same on every page of one language that shows
/// it, made once per survey and language: 10,000 pages made them 10,000 times, 3 % of a build.
#[derive(Debug)]
pub struct SurveyParts {
    /// The survey in the page's language.
    survey: Survey,
    questions: Arc<[QuestionView]>,
    /// `"text":{…},"survey":{…}`: the widget's strings and the survey, safe in `<script>`.
    json: String,
}

impl SurveyParts {
    /// The shared parts of `survey`'s view on pages in `t`'s language.
    pub fn new(survey: &Survey, t: &Strings) -> SurveyParts {
        let survey = survey.localized(&t.lang);
        let questions = survey.questions.iter().map(question_view).collect();
        let text: BTreeMap<&str, &str> = WIDGET_TEXT
            .iter()
            .map(|(k, key)| (*k, t.get(key)))
            .collect();
        let json = format!(
            "\"text\":{},\"survey\":{}",
            script_json(&text),
            script_json(&survey)
        );
        SurveyParts {
            survey,
            questions,
            json,
        }
    }
}

fn question_view(q: &yasno_survey_core::Question) -> QuestionView {
    QuestionView {
        id: q.id.clone(),
        label: q.label.clone(),
        required: q.required,
        kind: match q.kind {
            QuestionKind::Rating => "rating",
            QuestionKind::Choice => "choice",
            QuestionKind::Text => "text",
        },
        options: match q.kind {
            QuestionKind::Rating => q
                .labels
                .iter()
                .enumerate()
                .map(|(i, l)| OptionView {
                    value: (i + 1).to_string(),
                    label: l.clone(),
                })
                .collect(),
            QuestionKind::Choice => q
                .options
                .iter()
                .map(|o| OptionView {
                    value: o.value.clone(),
                    label: o.label.clone(),
                })
                .collect(),
            QuestionKind::Text => vec![],
        },
        max_len: q.text_limit(),
        hint: q.hint.clone().unwrap_or_default(),
    }
}

impl SurveyView {
    /// Builds the view of a survey (whose shared parts in the page's language are `parts`)
    /// for `service`, with answers marked as coming from `source`.
    pub fn new(
        parts: &SurveyParts,
        service: &str,
        source: &str,
        lang: &str,
        return_to: &str,
        collector_url: &str,
    ) -> Self {
        #[derive(Serialize)]
        struct Head<'a> {
            endpoint: &'a str,
            service: &'a str,
            source: &'a str,
            lang: &'a str,
        }
        // `{"endpoint":…,"lang":…}` and the strings and the survey spliced in as the last fields.
        let mut data_json = script_json(&Head {
            endpoint: collector_url,
            service,
            source,
            lang,
        });
        data_json.pop();
        data_json.push(',');
        data_json.push_str(&parts.json);
        data_json.push('}');
        let survey = &parts.survey;
        Self {
            id: survey.id.clone(),
            version: survey.version,
            title: survey.title.clone(),
            intro: survey.intro.clone().unwrap_or_default(),
            thanks: survey.thanks.clone(),
            questions: parts.questions.clone(),
            source: source.to_owned(),
            service: service.to_owned(),
            return_to: return_to.to_owned(),
            data_json,
        }
    }
}

/// Everything a service page shows.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceView<'a> {
    /// Slug.
    pub slug: &'a str,
    /// Title.
    pub title: &'a str,
    /// One sentence.
    pub summary: &'a str,
    /// Category.
    pub category: CategoryView,
    /// «14.05.2026».
    pub updated: String,
    /// `2026-05-14`.
    pub updated_iso: String,
    /// Who can apply.
    pub who: &'a str,
    /// Documents.
    pub documents: Vec<DocumentView<'a>>,
    /// Steps.
    pub steps: &'a [String],
    /// Result.
    pub result: &'a str,
    /// Grounds for refusal, each with what the person can do.
    pub refusal_grounds: &'a [crate::site::RefusalGround],
    /// «10 рабочих дней».
    pub deadline: String,
    /// Deadline note (empty when none).
    pub deadline_note: &'a str,
    /// «Бесплатно» or «350 рублей».
    pub fee: String,
    /// What the fee is for (empty when none).
    pub fee_for: &'a str,
    /// Ways to apply.
    pub apply: Vec<ApplyView<'a>>,
    /// Contacts after inheritance.
    pub contacts: ContactsView,
    /// Reception after inheritance.
    pub reception: Reception,
    /// Legal acts.
    pub legal_acts: Vec<LegalActView<'a>>,
    /// Questions.
    pub faq: Vec<FaqView>,
    /// Body HTML.
    pub body_html: String,
    /// Table of contents (empty on short pages).
    pub toc: Vec<TocEntry>,
    /// Page path.
    pub url: String,
    /// Other-language versions.
    pub translations: Vec<TranslationLink>,
    /// The survey, when on.
    pub survey: Option<SurveyView>,
    /// schema.org JSON-LD, safe in `<script>`.
    pub jsonld: String,
}

/// Russian plural category of `n`: 0 one («1 день»), 1 few («2 дня»), 2 many («5 дней»).
pub fn plural_index(lang: &str, n: u64) -> usize {
    if lang == "ru" {
        let (m10, m100) = (n % 10, n % 100);
        if m10 == 1 && m100 != 11 {
            0
        } else if (2..=4).contains(&m10) && !(12..=14).contains(&m100) {
            1
        } else {
            2
        }
    } else if n == 1 {
        0
    } else {
        2
    }
}

/// Builds the deadline text, e.g. «10 рабочих дней».
pub fn deadline_text(days: u32, kind: DayKind, t: &Strings) -> String {
    let forms = match kind {
        DayKind::Working => &t.plural.working_days,
        DayKind::Calendar => &t.plural.calendar_days,
    };
    let word = &forms[plural_index(&t.lang, u64::from(days)).min(forms.len() - 1)];
    format!("{days} {word}")
}

/// Builds the fee text.
pub fn fee_text(fee: &Fee, t: &Strings) -> String {
    match *fee {
        Fee::Free => t.get("fee_free").to_owned(),
        Fee::Paid { amount: a, .. } => {
            let word = &t.plural.roubles[plural_index(&t.lang, a).min(t.plural.roubles.len() - 1)];
            format!("{a} {word}")
        }
    }
}

/// The label of a way to apply.
pub fn apply_label(kind: ApplyKind, t: &Strings) -> &str {
    t.get(match kind {
        ApplyKind::InPerson => "apply_in_person",
        ApplyKind::Gosuslugi => "apply_gosuslugi",
        ApplyKind::GuSpb => "apply_gu_spb",
        ApplyKind::Post => "apply_post",
        ApplyKind::Email => "apply_email",
        ApplyKind::Pos => "apply_pos",
        ApplyKind::Mfc => "apply_mfc",
    })
}

/// The label of a document form.
pub fn document_form_label(form: DocumentForm, t: &Strings) -> &str {
    t.get(match form {
        DocumentForm::Original => "doc_original",
        DocumentForm::Copy => "doc_copy",
        DocumentForm::OriginalAndCopy => "doc_original_and_copy",
    })
}
