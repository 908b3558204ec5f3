//! The staff handbook's content: letter templates and call scripts from `content/staff/*.md`
//! (sections 4–6 of the rules), loaded and validated with the rest of the site.
//!
//! A file is Markdown with a small typed front matter:
//!
//! ```toml
//! title = "Уведомление о получении обращения"
//! kind = "acknowledgement"   # see [`Kind`]
//! channel = "email"          # see [`Channel`]
//! services = "all"           # or a list of service slugs; absent: one site-wide text
//! situation = "insult"       # only for kind = "no_decision"
//! route = ["Специалист сектора опеки"]  # call scripts: who the call may be passed to
//! ```
//!
//! The body may use placeholders `{{ name }}` ([`PLACEHOLDERS`]), filled from the service and
//! the settings when the handbook is built; an unknown one is an error at its position. Parts
//! of a text are level-2 headings with fixed names ([`PART_NAMES`]), which `yasno check`
//! reads to tell whether a letter or a script has the parts the rules ask for.

mod scan;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;

use super::frontmatter::{self, Keys};
use super::spans::{FileAt, Spans};
use super::{Service, Settings};
use crate::diagnostics::{Diagnostics, did_you_mean};
pub use scan::{Part, Placeholder, parts, placeholders};

/// What a text is for.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, serde::Serialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The notice that a written request arrived, within 24 hours (4.3–4.4).
    Acknowledgement,
    /// An answer to a typical request (4.7).
    Answer,
    /// A notice that the status of the service changed (4.11).
    Status,
    /// A refusal with its grounds in plain words (4.12).
    Refusal,
    /// The confirmation of a booked visit, with the documents to bring (6.4).
    Booking,
    /// What to tell a person at the reception (6.7).
    Reception,
    /// The incoming-call script (5.9).
    IncomingCall,
    /// The outgoing-call script (5.10).
    OutgoingCall,
    /// An answer to a message that needs no decision (4.8).
    NoDecision,
}

impl Kind {
    /// Every kind, in the handbook's order.
    pub const ALL: [Kind; 9] = [
        Kind::Acknowledgement,
        Kind::Answer,
        Kind::Status,
        Kind::Refusal,
        Kind::Booking,
        Kind::Reception,
        Kind::IncomingCall,
        Kind::OutgoingCall,
        Kind::NoDecision,
    ];

    /// The name in front matter, e.g. `incoming_call`.
    pub fn id(self) -> &'static str {
        match self {
            Kind::Acknowledgement => "acknowledgement",
            Kind::Answer => "answer",
            Kind::Status => "status",
            Kind::Refusal => "refusal",
            Kind::Booking => "booking",
            Kind::Reception => "reception",
            Kind::IncomingCall => "incoming_call",
            Kind::OutgoingCall => "outgoing_call",
            Kind::NoDecision => "no_decision",
        }
    }

    /// A plain Russian name for staff.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Acknowledgement => "Уведомление о получении",
            Kind::Answer => "Ответ на типовой вопрос",
            Kind::Status => "Смена статуса",
            Kind::Refusal => "Отказ",
            Kind::Booking => "Запись на приём",
            Kind::Reception => "На приёме",
            Kind::IncomingCall => "Входящий звонок",
            Kind::OutgoingCall => "Исходящий звонок",
            Kind::NoDecision => "Без решения",
        }
    }

    /// A telephone script rather than a letter.
    pub fn is_call(self) -> bool {
        matches!(self, Kind::IncomingCall | Kind::OutgoingCall)
    }
}

/// How the text reaches the person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// E-mail.
    Email,
    /// The feedback platform (ПОС).
    Pos,
    /// A paper letter.
    Post,
    /// The telephone.
    Phone,
    /// In person at the reception.
    Reception,
}

impl Channel {
    /// A plain Russian name for staff.
    pub fn label(self) -> &'static str {
        match self {
            Channel::Email => "электронная почта",
            Channel::Pos => "платформа обратной связи",
            Channel::Post => "письмо по почте",
            Channel::Phone => "телефон",
            Channel::Reception => "личный приём",
        }
    }
}

/// A message that needs no decision (4.8): each must have an answer in the handbook.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, serde::Serialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Situation {
    /// Insults and obscene language.
    Insult,
    /// Thanks and wishes.
    Thanks,
    /// A message on another subject.
    OffTopic,
}

impl Situation {
    /// Every situation the rules name.
    pub const ALL: [Situation; 3] = [Situation::Insult, Situation::Thanks, Situation::OffTopic];

    /// The name in front matter.
    pub fn id(self) -> &'static str {
        match self {
            Situation::Insult => "insult",
            Situation::Thanks => "thanks",
            Situation::OffTopic => "off_topic",
        }
    }

    /// A plain Russian name.
    pub fn label(self) -> &'static str {
        match self {
            Situation::Insult => "Оскорбления и брань",
            Situation::Thanks => "Благодарности и пожелания",
            Situation::OffTopic => "Сообщения не по теме",
        }
    }
}

/// Which services a text is for: `"all"` or a list of slugs.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum Scope {
    /// `services = "all"` (any other string is reported at load).
    Word(String),
    /// `services = ["slug", …]`.
    List(Vec<String>),
}

/// Front matter of a staff text.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffMeta {
    /// Title shown in the handbook.
    pub title: String,
    /// What the text is for.
    pub kind: Kind,
    /// How it reaches the person.
    pub channel: Channel,
    /// Services it is for; absent: one site-wide text.
    #[serde(default)]
    pub services: Option<Scope>,
    /// For `kind = "no_decision"`: the situation.
    #[serde(default)]
    pub situation: Option<Situation>,
    /// Call scripts: who the call may be passed to, in order (at most two, 5.3).
    #[serde(default)]
    pub route: Vec<String>,
}

const KEYS: &[&str] = &["title", "kind", "channel", "services", "situation", "route"];
const REQUIRED: &[&str] = &["title", "kind", "channel"];

/// Placeholders a staff text may use, with what each is filled with.
pub const PLACEHOLDERS: &[(&str, &str)] = &[
    ("service", "название услуги"),
    ("deadline", "срок услуги, например «10 рабочих дней»"),
    (
        "due_date",
        "дата, до которой нужно ответить: срок услуги или 30 дней по 59-ФЗ",
    ),
    ("answer_date", "дата ответа на обращение: 30 дней по 59-ФЗ"),
    ("documents", "список документов"),
    ("fee", "стоимость"),
    ("result", "что человек получит"),
    ("refusal_grounds", "причины отказа и что делать"),
    ("phone", "телефон"),
    ("phone_hours", "часы работы телефона"),
    ("email", "электронная почта"),
    ("address", "адрес приёма"),
    ("reception_hours", "часы приёма"),
    ("survey_url", "ссылка на опрос"),
    ("service_url", "ссылка на страницу услуги"),
    ("site", "название администрации"),
    ("employee", "место для имени сотрудника"),
];

/// Placeholders that need a service: a site-wide text may not use them.
pub const SERVICE_PLACEHOLDERS: &[&str] = &[
    "service",
    "deadline",
    "documents",
    "fee",
    "result",
    "refusal_grounds",
    "service_url",
];

/// Names of parts (level-2 headings) the checks look for, lowercase, with their ids.
pub const PART_NAMES: &[(&str, &str)] = &[
    ("приветствие", "greeting"),
    ("благодарность", "thanks"),
    ("срок", "deadline"),
    ("кто звонит", "identify"),
    ("цель звонка", "purpose"),
    ("проверка понимания", "rephrase"),
    ("ответ", "answer"),
    ("ожидание на линии", "hold"),
    ("обратный звонок", "callback"),
    ("статус", "status"),
    ("прощание", "farewell"),
    ("опрос", "survey"),
    ("если оскорбляют", "insult"),
];

/// One loaded staff text.
#[derive(Debug, Clone)]
pub struct StaffText {
    /// The file.
    pub source_path: PathBuf,
    /// The whole file text.
    pub source: Arc<str>,
    /// Where the body starts.
    pub body_offset: usize,
    /// Positions of front-matter values.
    pub spans: Arc<Spans>,
    /// Front matter.
    pub meta: StaffMeta,
    /// An id for anchors and file names, from the file name.
    pub id: String,
}

impl StaffText {
    /// The Markdown body.
    pub fn body(&self) -> &str {
        &self.source[self.body_offset..]
    }

    /// Whether the text is written for `service` (a site-wide text is for none).
    pub fn covers(&self, service: &Service) -> bool {
        match &self.meta.services {
            None => false,
            Some(Scope::Word(_)) => true,
            Some(Scope::List(l)) => l.contains(&service.slug),
        }
    }

    /// A site-wide text: not expanded per service.
    pub fn is_site_wide(&self) -> bool {
        self.meta.services.is_none()
    }
}

/// Every staff text of a site, in file order.
#[derive(Debug, Clone, Default)]
pub struct Handbook {
    /// The texts.
    pub texts: Vec<StaffText>,
}

/// Loads `content/staff/*.md` into a handbook, adding every mistake to `diags`. Staff texts
/// name services, so `services` (the site's, loaded first) are needed to check them.
pub fn load(
    dir: &Path,
    services: &[Service],
    settings: &Settings,
    diags: &mut Diagnostics,
) -> Handbook {
    let mut texts = Vec::new();
    for path in super::load::files_under(dir, &["md"]) {
        match load_one(&path, services, settings) {
            Ok(t) => texts.push(t),
            Err(d) => diags.0.extend(d.0),
        }
    }
    Handbook { texts }
}

fn load_one(
    path: &Path,
    services: &[Service],
    settings: &Settings,
) -> Result<StaffText, Diagnostics> {
    let source = super::read_text(path)?;
    let split = frontmatter::split(path, &source)?;
    let keys = Keys {
        known: KEYS,
        required: REQUIRED,
    };
    let (meta, spans): (StaffMeta, _) =
        frontmatter::parse_checked(path, &source, split.format, split.front, Some(keys))?;
    let at = FileAt {
        path,
        source: &source,
        spans: &spans,
    };
    let mut diags = Diagnostics::default();
    check_scope(&at, &meta, services, settings, &mut diags);
    check_situation(&at, &meta, &mut diags);
    scan::check_placeholders(&at, split.body_offset, meta.services.is_none(), &mut diags);
    if diags.has_errors() {
        return Err(diags);
    }
    let id = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(StaffText {
        source_path: path.to_owned(),
        body_offset: split.body_offset,
        source,
        spans: Arc::new(spans),
        meta,
        id,
    })
}

/// `services` is `"all"` or slugs of the site's services.
fn check_scope(
    at: &FileAt<'_>,
    meta: &StaffMeta,
    services: &[Service],
    settings: &Settings,
    diags: &mut Diagnostics,
) {
    match &meta.services {
        None => {}
        Some(Scope::Word(w)) if w == "all" => {}
        Some(Scope::Word(w)) => diags.push(
            at.error(
                "invalid-field",
                at.spans.at("services"),
                format!("поле `services`: «{w}» — нужно \"all\" или список услуг / `services` must be \"all\" or a list of service slugs"),
            )
            .with_help("например / for example: services = \"all\" или services = [\"razreshenie-na-brak\"]"),
        ),
        Some(Scope::List(list)) => {
            let slugs: Vec<&str> = services
                .iter()
                .filter(|s| s.is_default_lang(settings))
                .map(|s| s.slug.as_str())
                .collect();
            for (i, slug) in list.iter().enumerate() {
                if slugs.contains(&slug.as_str()) {
                    continue;
                }
                let d = at.error(
                    "unknown-service",
                    at.spans.at(&format!("services[{i}]")),
                    format!("поле `services`: услуги «{slug}» нет в content/services/ / unknown service `{slug}`"),
                );
                diags.push(match did_you_mean(slug, &slugs) {
                    Some(s) => d.with_help(format!("может быть, \"{s}\"? / did you mean \"{s}\"?")),
                    None => d.with_help(format!("услуги / services: {}", slugs.join(", "))),
                });
            }
        }
    }
}

/// `situation` is required for a no-decision text and meaningless for the others.
fn check_situation(at: &FileAt<'_>, meta: &StaffMeta, diags: &mut Diagnostics) {
    match (meta.kind, meta.situation) {
        (Kind::NoDecision, None) => diags.push(
            at.error(
                "missing-field",
                at.spans.at("kind"),
                "у текста без решения нет поля `situation` / a no_decision text needs `situation`",
            )
            .with_help("situation = \"insult\", \"thanks\" или \"off_topic\""),
        ),
        (k, Some(_)) if k != Kind::NoDecision => diags.push(
            at.error(
                "invalid-field",
                at.spans.at("situation"),
                "поле `situation` нужно только при kind = \"no_decision\" / `situation` is only for kind = \"no_decision\"",
            )
            .with_help("уберите поле situation / remove `situation`"),
        ),
        _ => {}
    }
}
