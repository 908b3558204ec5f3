//! `freshness` and `stale` (rules, section 2.4): a page is updated within three working
//! days after its legal act changes, and is looked at again at least once a year.

use jiff::ToSpan;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::check::{Calendar, CheckConfig, FreshnessInput, Hit, Severity};

/// Where a page stands against one amendment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FreshnessState {
    /// Updated on time.
    Ok,
    /// Not updated yet; the deadline has not passed.
    Due,
    /// Updated, but after the deadline.
    Late,
    /// Not updated and the deadline has passed.
    Overdue,
}

/// The deadline for an amendment and the page's state against it.
pub fn freshness_state(
    updated: Date,
    amended: Date,
    today: Date,
    cfg: &CheckConfig,
    calendar: &Calendar,
) -> (FreshnessState, Date) {
    let days = u32::try_from(cfg.freshness_working_days.max(0)).unwrap_or(3);
    let deadline = calendar.add_working_days(amended, days);
    let state = if updated >= amended {
        if updated <= deadline {
            FreshnessState::Ok
        } else {
            FreshnessState::Late
        }
    } else if today <= deadline {
        FreshnessState::Due
    } else {
        FreshnessState::Overdue
    };
    (state, deadline)
}

fn ru(d: Date) -> String {
    d.strftime("%d.%m.%Y").to_string()
}

pub(crate) fn check(
    input: &FreshnessInput<'_>,
    cfg: &CheckConfig,
    calendar: &Calendar,
) -> Vec<Hit> {
    let mut hits = Vec::new();
    let why = "правила, п. 2.4: страницу обновляют в течение трёх рабочих дней после изменения нормативного акта";
    for a in input.amendments {
        let (state, deadline) =
            freshness_state(input.updated, a.amended, input.today, cfg, calendar);
        let (severity, message, suggestion) = match state {
            FreshnessState::Ok => continue,
            FreshnessState::Due => (
                Severity::Warning,
                format!(
                    "«{}» изменён {}: обновите страницу до {}",
                    a.title,
                    ru(a.amended),
                    ru(deadline)
                ),
                "проверьте текст по новой редакции акта и поставьте дату в updated".to_string(),
            ),
            FreshnessState::Overdue => (
                Severity::Error,
                format!(
                    "«{}» изменён {}, а страница обновлена {}: срок истёк {}",
                    a.title,
                    ru(a.amended),
                    ru(input.updated),
                    ru(deadline)
                ),
                "проверьте текст по новой редакции акта и поставьте дату в updated".to_string(),
            ),
            FreshnessState::Late => (
                Severity::Warning,
                format!(
                    "«{}» изменён {}, страница обновлена {}: позже срока {}",
                    a.title,
                    ru(a.amended),
                    ru(input.updated),
                    ru(deadline)
                ),
                format!(
                    "в следующий раз обновите не позже {} рабочих дней",
                    cfg.freshness_working_days
                ),
            ),
        };
        let span = if state == FreshnessState::Late {
            input.updated_span.clone()
        } else {
            a.span.clone()
        };
        hits.push(Hit {
            rule: "freshness",
            span,
            severity,
            message: message.into(),
            suggestion: Some(suggestion.into()),
            why: why.into(),
        });
    }
    let months = cfg.stale_months.max(1);
    if let Ok(limit) = input.updated.checked_add(months.months())
        && limit < input.today
    {
        hits.push(Hit {
            rule: "stale",
            span: input.updated_span.clone(),
            severity: Severity::Warning,
            message: format!(
                "страница не обновлялась с {} (больше {months} мес.)",
                ru(input.updated)
            )
            .into(),
            suggestion: Some("проверьте, что всё верно, и поставьте новую дату в updated".into()),
            why: "устаревшие сведения ведут к лишним походам и отказам (правила, п. 2.4 и 7.2)"
                .into(),
        });
    }
    hits
}
