//! Shares with their 95 % Wilson interval, and the words for a change between two periods.

use serde::Serialize;

use super::figures::decimal;

/// z for a two-sided 95 % interval.
const Z: f64 = 1.959_963_984_540_054;

/// The 95 % Wilson score interval of `k` successes in `n` trials, as fractions; `None`
/// without trials. Wilson rather than the normal approximation: it stays inside 0..1 and
/// behaves for the small counts a municipal service gets.
pub fn wilson(k: usize, n: usize) -> Option<(f64, f64)> {
    if n == 0 {
        return None;
    }
    let (k, n) = (k as f64, n as f64);
    let p = k / n;
    let z2 = Z * Z;
    let denom = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denom;
    let half = Z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denom;
    Some(((centre - half).max(0.0), (centre + half).min(1.0)))
}

/// A share of answers: `k` of `n`, its value and interval, and the words for the report.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Share {
    /// Answers counted.
    pub k: usize,
    /// Answers in all.
    pub n: usize,
    /// `k / n`; `None` when `n` is 0.
    pub value: Option<f64>,
    /// Lower end of the 95 % interval.
    pub low: Option<f64>,
    /// Upper end of the 95 % interval.
    pub high: Option<f64>,
    /// E.g. `25 % (95 %: 10–49 %)`, or `—`.
    pub text: String,
}

impl Share {
    /// `k` of `n`.
    pub fn of(k: usize, n: usize) -> Share {
        let value = (n > 0).then(|| k as f64 / n as f64);
        let interval = wilson(k, n);
        let pct = |x: f64| decimal(x * 100.0, 0);
        let text = match (value, interval) {
            (Some(v), Some((lo, hi))) => {
                format!("{} % (95 %: {}–{} %)", pct(v), pct(lo), pct(hi))
            }
            _ => "—".into(),
        };
        Share {
            k,
            n,
            value,
            low: interval.map(|i| i.0),
            high: interval.map(|i| i.1),
            text,
        }
    }
}

/// The change of a count, e.g. `+3`, `−2`, `0`.
pub(super) fn count_change(now: usize, before: usize) -> String {
    signed(now as f64 - before as f64, 0, "")
}

/// The change of a share in percentage points, e.g. `+12 п. п.`; when either side has fewer
/// than `min` answers, a plain note instead, because such a change says nothing.
pub(super) fn share_change(now: &Share, before: &Share, min: usize) -> String {
    match (now.value, before.value) {
        (Some(a), Some(b)) if now.n >= min && before.n >= min => {
            let mut words = signed((a - b) * 100.0, 0, " п. п.");
            // Intervals that do not overlap: the change is more than chance.
            if now.low > before.high || now.high < before.low {
                words.push_str(" (заметно / significant)");
            }
            words
        }
        _ => "мало ответов для сравнения / too few answers to compare".into(),
    }
}

/// The change of a mean rating, e.g. `+0,30`, or `—` when either is missing.
pub(super) fn mean_change(now: Option<f64>, before: Option<f64>) -> String {
    match (now, before) {
        (Some(a), Some(b)) => signed(a - b, 2, ""),
        _ => "—".into(),
    }
}

fn signed(x: f64, places: usize, unit: &str) -> String {
    let text = decimal(x.abs(), places);
    let zero = text.chars().all(|c| c == '0' || c == ',');
    let sign = if zero {
        ""
    } else if x > 0.0 {
        "+"
    } else {
        "−"
    };
    format!("{sign}{text}{unit}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_matches_the_textbook_values() {
        // 10 of 20: 0.299–0.701 (Newcombe 1998, method 3).
        let (lo, hi) = wilson(10, 20).unwrap();
        assert!(
            (lo - 0.2993).abs() < 1e-3 && (hi - 0.7007).abs() < 1e-3,
            "{lo} {hi}"
        );
        let (lo, hi) = wilson(0, 10).unwrap();
        assert!(lo == 0.0 && (hi - 0.2775).abs() < 1e-3, "{hi}");
        assert_eq!(wilson(0, 0), None);
        assert_eq!(Share::of(0, 0).text, "—");
    }

    #[test]
    fn changes_have_signs_and_notes() {
        assert_eq!(count_change(3, 5), "−2");
        assert_eq!(count_change(5, 5), "0");
        // 18/20 is 70–97 %, 2/20 is 3–30 %: the intervals do not overlap.
        let (a, b) = (Share::of(18, 20), Share::of(2, 20));
        assert_eq!(
            share_change(&a, &b, 10),
            "+80 п. п. (заметно / significant)"
        );
        // 8/10 (49–94 %) and 2/10 (6–51 %) overlap: a change, not a significant one.
        let (c, d) = (Share::of(8, 10), Share::of(2, 10));
        assert_eq!(share_change(&c, &d, 10), "+60 п. п.");
        assert!(share_change(&a, &b, 21).contains("too few"));
        assert_eq!(mean_change(Some(4.5), Some(4.0)), "+0,50");
    }
}
