//! The Russian production calendar: which days are working days. It lives with the site
//! model because both `yasno check` (freshness) and the staff handbook (due dates) count by it.
//!
//! Built from `data/calendar.toml` (holidays, days off moved by the Labour Code and by the
//! government's decrees, working Saturdays) and extended by the site's
//! `[check.calendar]`. A date outside the covered years falls back to Monday–Friday.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use jiff::civil::{Date, Weekday};
use serde::Deserialize;

use super::CalendarExtension;

#[derive(Debug, Deserialize)]
struct CalendarFile {
    year: Vec<YearData>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct YearData {
    year: i16,
    #[allow(dead_code)] // documents where the dates come from
    source: String,
    holidays: Vec<Date>,
    extra_days_off: Vec<Date>,
    working_days: Vec<Date>,
}

/// Working days and days off.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    days_off: BTreeSet<Date>,
    working: BTreeSet<Date>,
    years: BTreeSet<i16>,
}

static RUSSIA: LazyLock<Calendar> = LazyLock::new(|| {
    let file: CalendarFile = toml::from_str(include_str!("../check/data/calendar.toml"))
        .expect("calendar.toml is valid");
    let mut cal = Calendar::default();
    for y in file.year {
        cal.years.insert(y.year);
        cal.days_off.extend(y.holidays);
        cal.days_off.extend(y.extra_days_off);
        cal.working.extend(y.working_days);
    }
    cal
});

impl Calendar {
    /// The built-in Russian calendar (2025–2027; 2027 without the government's
    /// transfers, see `data/calendar.toml`).
    pub fn russia() -> Calendar {
        RUSSIA.clone()
    }

    /// This calendar plus the site's additions.
    pub fn extended(mut self, ext: &CalendarExtension) -> Calendar {
        for d in &ext.days_off {
            self.working.remove(d);
            self.days_off.insert(*d);
        }
        for d in &ext.working_days {
            self.days_off.remove(d);
            self.working.insert(*d);
        }
        self
    }

    /// Years the built-in data describes.
    pub fn years(&self) -> impl Iterator<Item = i16> + '_ {
        self.years.iter().copied()
    }

    /// Weekdays off (holidays and moved days off), in date order.
    pub fn days_off(&self) -> impl Iterator<Item = Date> + '_ {
        self.days_off.iter().copied()
    }

    /// Weekend days that are working days, in date order.
    pub fn working_weekend_days(&self) -> impl Iterator<Item = Date> + '_ {
        self.working.iter().copied()
    }

    /// True on a working day.
    pub fn is_working_day(&self, d: Date) -> bool {
        if self.working.contains(&d) {
            return true;
        }
        if self.days_off.contains(&d) {
            return false;
        }
        !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
    }

    /// The `n`-th working day after `d` (`n` = 0 gives `d` itself).
    pub fn add_working_days(&self, d: Date, n: u32) -> Date {
        let mut day = d;
        let mut left = n;
        while left > 0 {
            match day.tomorrow() {
                Ok(next) => day = next,
                Err(_) => return day,
            }
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn knows_holidays_and_transfers() {
        let c = Calendar::russia();
        assert!(!c.is_working_day(date(2026, 1, 9))); // moved from Sat 3 Jan
        assert!(!c.is_working_day(date(2026, 3, 9))); // 8 March was a Sunday
        assert!(c.is_working_day(date(2025, 11, 1))); // working Saturday
        assert!(!c.is_working_day(date(2025, 11, 3))); // moved from 1 Nov
        assert!(c.is_working_day(date(2026, 3, 10)));
    }
}
