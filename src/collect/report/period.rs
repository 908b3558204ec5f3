//! The period a report covers: a quarter, two days, or all time.

use jiff::Timestamp;
use jiff::ToSpan;
use jiff::civil::Date;

/// A period of whole UTC days, both ends included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    /// First day.
    pub from: Date,
    /// Last day (included).
    pub to: Date,
    /// How the period is named in the report, e.g. `2026Q3`.
    pub label: String,
}

/// A period that could not be parsed: the field and what is expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct PeriodError {
    /// `quarter`, `from` or `to`.
    pub field: &'static str,
    /// What is wrong and what is expected.
    pub message: String,
}

impl Period {
    /// A quarter such as `2026Q3` (also `2026-Q3`, lower case accepted).
    pub fn quarter(text: &str) -> Result<Self, PeriodError> {
        let err = || PeriodError {
            field: "quarter",
            message: format!(
                "«{}»: ожидался квартал вида 2026Q3 / expected a quarter like 2026Q3",
                text.chars().take(20).collect::<String>()
            ),
        };
        let upper = text.trim().to_ascii_uppercase().replace("-Q", "Q");
        let (year, q) = upper.split_once('Q').ok_or_else(err)?;
        let year: i16 = year.parse().map_err(|_| err())?;
        let q: i8 = q.parse().map_err(|_| err())?;
        if !(1..=4).contains(&q) || !(2000..=9000).contains(&year) {
            return Err(err());
        }
        let from = Date::new(year, (q - 1) * 3 + 1, 1).map_err(|_| err())?;
        let to = from
            .checked_add(3.months())
            .and_then(|d| d.checked_sub(1.day()))
            .map_err(|_| err())?;
        Ok(Self {
            from,
            to,
            label: format!("{year}Q{q}"),
        })
    }

    /// Days `from` to `to`, both `YYYY-MM-DD`, both included.
    pub fn between(from: &str, to: &str) -> Result<Self, PeriodError> {
        let parse = |field: &'static str, s: &str| {
            s.trim().parse::<Date>().map_err(|_| PeriodError {
                field,
                message: "ожидалась дата ГГГГ-ММ-ДД / expected a date YYYY-MM-DD".into(),
            })
        };
        let (f, t) = (parse("from", from)?, parse("to", to)?);
        if t < f {
            return Err(PeriodError {
                field: "to",
                message: "конец периода раньше начала / the end is before the start".into(),
            });
        }
        Ok(Self {
            from: f,
            to: t,
            label: format!("{f} — {t}"),
        })
    }

    /// Everything stored.
    pub fn all_time() -> Self {
        Self {
            from: Date::constant(2000, 1, 1),
            to: Date::constant(9998, 12, 31),
            label: "всё время / all time".into(),
        }
    }

    /// The period before this one: the previous quarter for a quarter, as many days just
    /// before for a span of days, nothing for "all time".
    pub fn previous(&self) -> Option<Period> {
        if let Ok(q) = Period::quarter(&self.label)
            && q.from == self.from
        {
            let from = self.from.checked_sub(3.months()).ok()?;
            let (y, n) = (from.year(), (from.month() - 1) / 3 + 1);
            return Period::quarter(&format!("{y}Q{n}")).ok();
        }
        if self.from.year() <= 2000 {
            return None;
        }
        let days = self.to.since(self.from).ok()?.get_days();
        let to = self.from.yesterday().ok()?;
        let from = to.checked_sub(days.days()).ok()?;
        Some(Period {
            from,
            to,
            label: format!("{from} — {to}"),
        })
    }

    /// `[start, end)` as UTC timestamps.
    pub fn bounds(&self) -> (Timestamp, Timestamp) {
        let start = |d: Date| {
            d.to_zoned_datetime(jiff::tz::TimeZone::UTC)
                .map(|z| z.timestamp())
                .unwrap_or(Timestamp::MAX)
        };
        let end = self.to.tomorrow().map(start).unwrap_or(Timestamp::MAX);
        (start(self.from), end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarters_cover_whole_months() {
        let q = Period::quarter("2026Q3").unwrap();
        assert_eq!(
            (q.from.to_string(), q.to.to_string()),
            ("2026-07-01".into(), "2026-09-30".into())
        );
        let (a, b) = q.bounds();
        assert_eq!(a.to_string(), "2026-07-01T00:00:00Z");
        assert_eq!(b.to_string(), "2026-10-01T00:00:00Z");
        assert_eq!(
            Period::quarter("2026q4").unwrap().to.to_string(),
            "2026-12-31"
        );
        assert_eq!(q.previous().unwrap().label, "2026Q2");
        let q1 = Period::quarter("2026Q1").unwrap().previous().unwrap();
        assert_eq!(
            (q1.label.as_str(), q1.to.to_string()),
            ("2025Q4", "2025-12-31".into())
        );
        let days = Period::between("2026-07-11", "2026-07-20").unwrap();
        let before = days.previous().unwrap();
        assert_eq!(
            (before.from.to_string(), before.to.to_string()),
            ("2026-07-01".into(), "2026-07-10".into())
        );
        assert!(Period::all_time().previous().is_none());
        for bad in ["2026Q5", "2026", "Q3", "абв"] {
            assert_eq!(Period::quarter(bad).unwrap_err().field, "quarter");
        }
        assert_eq!(
            Period::between("2026-07-02", "2026-07-01")
                .unwrap_err()
                .field,
            "to"
        );
    }
}
