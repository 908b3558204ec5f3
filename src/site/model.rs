//! The typed content model: what an editor can say about a service, and the site settings.
//!
//! These structs are the contract between editors and every later stage: they are
//! deserialized once at load time with `deny_unknown_fields`, and templates only ever see
//! views built from them (see `render::views`), never raw front matter.

use serde::{Deserialize, Deserializer, Serialize};

/// A calendar date as editors write it: `2026-05-14` (TOML date or string) or `14.05.2026`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Date(pub jiff::civil::Date);

impl Date {
    /// Parses `YYYY-MM-DD` or the Russian `DD.MM.YYYY`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let iso = if let Some((d, rest)) = s.split_once('.') {
            match rest.split_once('.') {
                Some((m, y)) => format!("{y}-{m:0>2}-{d:0>2}"),
                None => s.to_owned(),
            }
        } else {
            s.to_owned()
        };
        iso.parse::<jiff::civil::Date>().map(Date).map_err(|_| {
            format!(
                "«{s}» — не дата: нужна дата вида 2026-05-14 или 14.05.2026 / not a date: expected YYYY-MM-DD or DD.MM.YYYY"
            )
        })
    }

    /// The date as `14.05.2026`, the way Russian readers expect it.
    pub fn display_ru(&self) -> String {
        format!(
            "{:02}.{:02}.{}",
            self.0.day(),
            self.0.month(),
            self.0.year()
        )
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Date;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a date such as 2026-05-14")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Date, E> {
                Date::parse(s).map_err(E::custom)
            }
            // TOML dates arrive as toml's private datetime map.
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Date, A::Error> {
                let dt = toml::value::Datetime::deserialize(
                    serde::de::value::MapAccessDeserializer::new(map),
                )?;
                match (dt.date, dt.time) {
                    (Some(_), None) => {
                        Date::parse(&dt.to_string()).map_err(serde::de::Error::custom)
                    }
                    _ => Err(serde::de::Error::custom(format!(
                        "«{dt}»: нужна только дата, без времени / only a date is expected, without a time"
                    ))),
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// Front matter of a service page, exactly as the editor writes it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrontMatter {
    /// Name of the service, in plain words.
    pub title: String,
    /// One plain sentence: what the service gives.
    pub summary: String,
    /// Slug of a category from the site settings.
    pub category: String,
    /// When the page was last checked against the rules.
    pub updated: Date,
    /// Drafts are built only with `--drafts`.
    #[serde(default)]
    pub draft: bool,
    /// Overrides the slug taken from the file name.
    #[serde(default)]
    pub slug: Option<String>,
    /// Order within the category (smaller first), then by title.
    #[serde(default)]
    pub weight: Option<i64>,
    /// Who can apply.
    pub who: String,
    /// Documents to bring.
    pub documents: Vec<Document>,
    /// What happens, step by step.
    #[serde(default)]
    pub steps: Vec<String>,
    /// What the applicant receives.
    pub result: String,
    /// How long it takes.
    pub deadline: Deadline,
    /// What it costs.
    pub fee: Fee,
    /// Ways to apply.
    #[serde(default)]
    pub apply: Vec<ApplyWay>,
    /// Legal acts that set the rules.
    pub legal_acts: Vec<LegalAct>,
    /// Contacts; fields left out are inherited from the site settings.
    #[serde(default)]
    pub contacts: ContactsOverride,
    /// Reception; fields left out are inherited from the site settings.
    #[serde(default)]
    pub reception: ReceptionOverride,
    /// Frequently asked questions.
    #[serde(default)]
    pub faq: Vec<Faq>,
    /// Survey: the id of a survey in `content/surveys/`, or `false` to turn it off.
    #[serde(default)]
    pub survey: Option<SurveyChoice>,
    /// Earlier slugs of this service: their addresses (the page and every QR landing page
    /// printed on posters) redirect here, so a renamed service breaks no poster.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Grounds on which the application or the service may be refused, each in plain words
    /// with what the person can do (sections 4.12 and 5.12 of the rules).
    #[serde(default)]
    pub refusal_grounds: Vec<RefusalGround>,
}

/// The names of the front-matter keys, for "did you mean" hints and missing-key reports.
pub const FRONT_MATTER_KEYS: &[&str] = &[
    "title",
    "summary",
    "category",
    "updated",
    "draft",
    "slug",
    "weight",
    "who",
    "documents",
    "steps",
    "result",
    "deadline",
    "fee",
    "apply",
    "legal_acts",
    "contacts",
    "reception",
    "faq",
    "survey",
    "aliases",
    "refusal_grounds",
];

/// Front-matter keys that must be present.
pub const REQUIRED_KEYS: &[&str] = &[
    "title",
    "summary",
    "category",
    "updated",
    "who",
    "documents",
    "result",
    "deadline",
    "fee",
    "legal_acts",
];

/// One ground for refusal, as the public page and the refusal letters state it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RefusalGround {
    /// Why the application may be refused, in plain words.
    pub ground: String,
    /// What the person can do about it.
    pub remedy: String,
}

/// A document the applicant brings.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Document {
    /// Name of the document.
    pub name: String,
    /// A short note (who issues it, when it is needed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Original, copy, or both.
    #[serde(default)]
    pub form: DocumentForm,
}

/// Whether a document is brought as an original or a copy.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum DocumentForm {
    /// The original.
    #[default]
    Original,
    /// A copy.
    Copy,
    /// The original and a copy.
    OriginalAndCopy,
}

/// How long a service takes.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Deadline {
    /// Number of days.
    pub days: u32,
    /// Working or calendar days.
    pub kind: DayKind,
    /// Optional plain explanation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Working or calendar days.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// Working days.
    Working,
    /// Calendar days.
    Calendar,
}

/// What a service costs: free, or an amount (and what it is paid for). Written as
/// `fee = { free = true }` or `fee = { amount = 350, for = "госпошлина" }`; anything else is
/// an editor's mistake reported at the `fee` value.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(try_from = "FeeFields", into = "FeeFields")]
pub enum Fee {
    /// Free of charge.
    Free,
    /// Paid.
    Paid {
        /// Amount in roubles.
        amount: u64,
        /// What the money is for.
        purpose: Option<String>,
    },
}

/// The fields of `fee` as an editor writes them, before they are checked into a [`Fee`].
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FeeFields {
    /// `true` when the service is free.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub free: bool,
    /// Amount in roubles, when not free.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<u64>,
    /// What the money is for.
    #[serde(default, rename = "for", skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
}

/// The start of every message about a `fee` that is neither free nor paid (the loader adds
/// the example of both forms as a hint).
pub const FEE_MISTAKE: &str = "поле `fee`";

impl TryFrom<FeeFields> for Fee {
    type Error = String;

    fn try_from(f: FeeFields) -> Result<Fee, String> {
        match (f.free, f.amount, f.purpose) {
            (true, None, None) => Ok(Fee::Free),
            (false, Some(amount), purpose) => Ok(Fee::Paid { amount, purpose }),
            (true, Some(_), _) => Err(format!(
                "{FEE_MISTAKE}: указано и free = true, и amount — выберите одно / both free = true and an amount"
            )),
            (true, None, Some(_)) => Err(format!(
                "{FEE_MISTAKE}: у бесплатной услуги нет платежа, уберите `for` / a free service has no `for`"
            )),
            (false, None, _) => Err(format!(
                "{FEE_MISTAKE}: укажите либо free = true, либо amount / `fee` needs either free = true or an amount"
            )),
        }
    }
}

impl From<Fee> for FeeFields {
    fn from(fee: Fee) -> FeeFields {
        match fee {
            Fee::Free => FeeFields {
                free: true,
                ..FeeFields::default()
            },
            Fee::Paid { amount, purpose } => FeeFields {
                free: false,
                amount: Some(amount),
                purpose,
            },
        }
    }
}

/// One way to apply.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ApplyWay {
    /// Channel.
    pub kind: ApplyKind,
    /// Link, where the channel has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// A short plain note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Channels to apply through.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ApplyKind {
    /// In person at the reception.
    InPerson,
    /// Госуслуги (gosuslugi.ru).
    Gosuslugi,
    /// Портал госуслуг Санкт-Петербурга (gu.spb.ru).
    GuSpb,
    /// By post.
    Post,
    /// By e-mail.
    Email,
    /// Платформа обратной связи (ПОС).
    Pos,
    /// Through an МФЦ.
    Mfc,
}

/// A legal act that sets the rules of a service.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LegalAct {
    /// Title of the act.
    pub title: String,
    /// Number of the act.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// Date of the act.
    pub date: Date,
    /// Date of the last amendment: the page must be updated within 3 working days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amended: Option<Date>,
    /// Link to the text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// A question and its answer (Markdown).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Faq {
    /// The question.
    pub q: String,
    /// The answer, in Markdown.
    pub a: String,
}

/// A service's survey choice: a survey id, or `false` to turn the survey off.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum SurveyChoice {
    /// `survey = false` turns it off (`true` means the default).
    Enabled(bool),
    /// The id of a survey in `content/surveys/`.
    Id(String),
}

/// Contacts of a service or of the whole site.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Contacts {
    /// Phone number as people dial it, e.g. `+7 812 702-12-02`.
    #[serde(default)]
    pub phone: String,
    /// When the phone is answered.
    #[serde(default)]
    pub phone_hours: String,
    /// E-mail address.
    #[serde(default)]
    pub email: String,
    /// The unit responsible.
    #[serde(default)]
    pub unit: String,
    /// Link to the feedback platform (ПОС).
    #[serde(default)]
    pub pos_url: String,
}

/// Contacts written in a service: every field optional, inherited when absent.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactsOverride {
    /// Phone number.
    pub phone: Option<String>,
    /// When the phone is answered.
    pub phone_hours: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// The unit responsible.
    pub unit: Option<String>,
    /// Link to the feedback platform.
    pub pos_url: Option<String>,
}

impl ContactsOverride {
    /// The site's contacts with this service's own values on top.
    pub fn apply_to(&self, base: &Contacts) -> Contacts {
        let pick = |own: &Option<String>, inherited: &String| {
            own.clone().unwrap_or_else(|| inherited.clone())
        };
        Contacts {
            phone: pick(&self.phone, &base.phone),
            phone_hours: pick(&self.phone_hours, &base.phone_hours),
            email: pick(&self.email, &base.email),
            unit: pick(&self.unit, &base.unit),
            pos_url: pick(&self.pos_url, &base.pos_url),
        }
    }
}

/// Where and when people are received, and how to get into the building.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Reception {
    /// Street address.
    #[serde(default)]
    pub address: String,
    /// Reception hours.
    #[serde(default)]
    pub hours: String,
    /// Link to book a visit.
    #[serde(default)]
    pub booking_url: String,
    /// How to get into the building: entrance, ramp, lift, call button.
    #[serde(default)]
    pub access: String,
}

/// Reception written in a service: every field optional, inherited when absent.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceptionOverride {
    /// Street address.
    pub address: Option<String>,
    /// Reception hours.
    pub hours: Option<String>,
    /// Link to book a visit.
    pub booking_url: Option<String>,
    /// How to get into the building.
    pub access: Option<String>,
}

impl ReceptionOverride {
    /// The site's reception with this service's own values on top.
    pub fn apply_to(&self, base: &Reception) -> Reception {
        let pick = |own: &Option<String>, inherited: &String| {
            own.clone().unwrap_or_else(|| inherited.clone())
        };
        Reception {
            address: pick(&self.address, &base.address),
            hours: pick(&self.hours, &base.hours),
            booking_url: pick(&self.booking_url, &base.booking_url),
            access: pick(&self.access, &base.access),
        }
    }
}
